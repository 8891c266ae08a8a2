/*
 * player: plays a scenario or a demo file against a run, at the pace of whoever drives it. It
 * hands out the commands that happen at this instant one by one (the driver executes them, on
 * its own run, so the `:` line and the file act on the same cluster), and stops at the first
 * that lets time pass: `run D` and `run until T` become a wait for a virtual time, `run until
 * quiet` a wait for the cluster to go quiet (or quiet_max). The driver moves time (the screen
 * with its clock, a test with script_run_advance) and asks again once the wait is over. In a
 * demo each `beat` is a wait for the presenter, remembered (time, journal length, position,
 * caption) so the driver can rewind to it; `say` sets the caption.
 *
 * It remembers where it stood each time it started waiting, so a rewind of the run (time
 * travel) can put it back. It draws nothing and reads no clock: the TUI and headless tests both
 * drive it.
 */
#ifndef SPLITBRAIN_PLAYER_H
#define SPLITBRAIN_PLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/engine.h"
#include "../engine/script.h"

#define PLAYER_CAPTION_MAX 240

/* What the file being played waits for before its next command. */
enum player_wait {
    PLAYER_WAIT_NONE, /* nothing: it has ended, or there is no file */
    PLAYER_WAIT_TIME, /* virtual time wait_until */
    PLAYER_WAIT_QUIET,
    PLAYER_WAIT_BEAT, /* a demo's `beat`: the presenter goes on */
};

/* Where a demo stood when it reached a beat, so the driver can rewind to it. */
struct player_beat {
    int64_t t_us;
    int journal_n;
    int pc;
    char caption[PLAYER_CAPTION_MAX];
};

/* Where the player stood when it started waiting. */
struct player_snap {
    int64_t t_us;
    int pc;
    enum player_wait wait;
    int64_t wait_until;
};

/* Embedded in its driver: player_init() makes an empty one (no file), player_release() frees
 * what player_load() allocated. */
struct player {
    struct script script;
    int pc; /* the next command */
    enum player_wait wait;
    int64_t wait_until;
    char next[SCRIPT_MAX_LINE + 40]; /* what comes next, for the status bar */
    struct player_snap *snaps;       /* script.n + 1 of them */
    int n_snaps;
    bool demo; /* beats wait for the presenter */
    char caption[PLAYER_CAPTION_MAX];
    struct player_beat *beats; /* script.n + 1 of them */
    int n_beats;
};

void player_init(struct player *p, bool demo);
void player_release(struct player *p);
/* Parses text (file names it in errors) with env; -1 with *err filled, nothing kept. */
int player_load(struct player *p, const char *file, const char *text, size_t len,
                struct script_env *env, struct script_error *err);

/* The next command to execute now (the player has moved past it), or NULL when the file waits
 * (wait and wait_until say for what) or has ended. After executing it the driver calls
 * player_ran(). The command is the player's. */
const struct script_cmd *player_next(struct player *p, const struct engine *e);
/* The command player_next() gave was executed, leaving the run's journal journal_n long: a
 * `say` becomes the caption; in a demo a `beat` makes the player wait for the presenter and is
 * remembered. True when it reached a beat. */
bool player_ran(struct player *p, const struct script_cmd *c, const struct engine *e,
                int journal_n);
/* Is what the player waits for over (time reached, the cluster quiet)? Never for a beat. */
bool player_wait_over(const struct player *p, const struct engine *e);
/* Remembers where the player stands at now_us, for a later rewind. */
void player_snap(struct player *p, int64_t now_us);
/* The run went back to t_us (to_head: to the furthest time reached): the player goes back to
 * where it stood then. */
void player_travel(struct player *p, int64_t t_us, bool to_head);
/* Acting at now_us after a rewind forked a new future: positions after it are forgotten. */
void player_fork(struct player *p, int64_t now_us);
/* The cluster was rebuilt under the file (`model`, `nodes`, `seed` typed): the file stops
 * here. True when it had not ended yet. */
bool player_stop(struct player *p);
/* The beat going back leads to: the last one left, or, waiting at one, the one before; NULL at
 * the first. */
const struct player_beat *player_beat_back(const struct player *p);
/* The run was rewound to beat b (one of p's): the player waits there again, with its caption. */
void player_at_beat(struct player *p, const struct player_beat *b);

#endif
