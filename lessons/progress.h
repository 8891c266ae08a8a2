/*
 * progress: which lessons a learner has done, and where they stopped.
 *
 * One plain-text file, $XDG_STATE_HOME/splitbrain/progress (default
 * ~/.local/state/splitbrain/progress), one line per lesson:
 *     ID VERSION STEP done|open
 * then the learner's answers to the lesson's questions, one word each,
 * STEP:CHOICES:p|r:1|0 (the step, the chosen choices as a bit mask, p for a
 * prediction or r for recall, 1 when right),
 * keyed by lesson id and version, so a rewritten lesson starts afresh. It is
 * written whole to a temporary file of its own (mkstemp, beside it), flushed
 * to disk and renamed over the old one under an advisory lock (PATH.lock), so
 * a crash, a kill mid-write or two sessions saving at once leave the old file
 * or a new one, never a torn or empty one. The last save wins whole.
 */
#ifndef SPLITBRAIN_PROGRESS_H
#define SPLITBRAIN_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#define PROGRESS_MAX      256
#define PROGRESS_PATH_MAX 1024
#define PROGRESS_ANSWERS  64 /* answers kept per lesson; one per step, the latest wins */

struct progress_answer {
    int step;
    unsigned choices;
    bool predict;
    bool right;
};

struct progress_entry {
    char id[48];
    int version;
    int step;
    bool done;
    int n_answers;
    struct progress_answer answers[PROGRESS_ANSWERS];
};

struct progress {
    char path[PROGRESS_PATH_MAX];
    struct progress_entry e[PROGRESS_MAX];
    int n;
};

/* The default file path from the environment; -1 when neither XDG_STATE_HOME nor HOME is set. */
int progress_default_path(char *dst, size_t size);
/* Loads path (a missing file is empty progress). -1 with why on a malformed, empty or
 * unreadable file: damage is reported, never taken for "no progress". */
int progress_load(struct progress *p, const char *path, char *why, size_t whylen);
/* Writes atomically (mkstemp + fsync + rename, under the lock), creating the directory. -1
 * with why. */
int progress_save(const struct progress *p, char *why, size_t whylen);

const struct progress_entry *progress_get(const struct progress *p, const char *id, int version);
/* Records where a lesson stands; false when the table is full. */
bool progress_set(struct progress *p, const char *id, int version, int step, bool done);
/* Records the answer to a step's question (replacing an earlier one for that step). */
bool progress_answer(struct progress *p, const char *id, int version, int step, unsigned choices,
                     bool predict, bool right);
/* Of a lesson's predictions, how many were made and how many were right. */
void progress_predictions(const struct progress_entry *e, int *made, int *right);

/* Forgets one lesson (id NULL: every lesson). */
void progress_reset(struct progress *p, const char *id);

#endif
