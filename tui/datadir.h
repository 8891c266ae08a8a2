/*
 * datadir: where the shipped course is — scenarios, demos and lessons — so
 * an installed copy finds it from any directory, and a name finds a file.
 *
 * The data roots, first match wins:
 *   1. $SPLITBRAIN_DATA (a folder holding scenarios/, demos/, lessons/)
 *   2. $XDG_DATA_HOME/splitbrain (default ~/.local/share/splitbrain): your own
 *   3. the source tree of the binary: BIN/assets, BIN/../assets
 *   4. the install prefix of the binary: BIN/../share/splitbrain
 *   5. the prefix it was built for (SPLITBRAIN_DATADIR, from make's PREFIX)
 *   6. each of $XDG_DATA_DIRS (default /usr/local/share:/usr/share) + /splitbrain
 *
 * A NAME is a file when it names one that exists; otherwise it is matched against the shipped files
 * of its kind: the file name without its folder, leading number and extension, with '_' and '-'
 * alike ("acks-one-loss" is scenarios/leader/acks_one_loss.scn,
 * "split-brain" is demos/02-split-brain.demo), a folder-qualified name
 * ("leader/acks_one_loss"), or its number in the listing.
 */
#ifndef SPLITBRAIN_DATADIR_H
#define SPLITBRAIN_DATADIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DATADIR_PATH_MAX 1024
#define DATADIR_ROOTS    16
#define DATADIR_ITEMS    256

enum datadir_kind {
    DATADIR_SCENARIOS,
    DATADIR_DEMOS,
    DATADIR_LESSONS,
};

struct datadir_item {
    char path[DATADIR_PATH_MAX];
    char name[128]; /* as listed: "leader/acks_one_loss", "02-split-brain" */
    char key[128];  /* as matched: "acks-one-loss", "split-brain" */
};

struct datadir_list {
    int n;
    struct datadir_item items[DATADIR_ITEMS];
};

/* The data roots that exist, in order; returns how many (at most max). */
int datadir_roots(char (*roots)[DATADIR_PATH_MAX], int max);
/* The folder of a kind in the first root that has one; false when none does. */
bool datadir_dir(enum datadir_kind kind, char *dst, size_t size);
/* Every shipped file of a kind, in listing order (a name found in an earlier root hides the
 * same name in a later one). */
void datadir_list(enum datadir_kind kind, struct datadir_list *out);

/*
 * What name means: a file path into dst and 0; or -1 with why ("no scenario 'x'; did you mean
 * 'y'?", "'siblings' could be leaderless/siblings or multi/siblings").
 */
int datadir_resolve(enum datadir_kind kind, const char *name, char *dst, size_t size, char *why,
                    size_t whylen);

/* Prints the list of a kind with each file's one-line description (its opening comment); cmd is
 * the sub-command that takes a name, for the last line's example. */
void datadir_print(enum datadir_kind kind, const char *cmd, FILE *out);

/* Resolves a scenario operand: a file, a shipped scenario, or else a shipped demo. */
int datadir_resolve_play(const char *name, char *dst, size_t size, char *why, size_t whylen);

#endif
