/*
 * compare_view: the side-by-side screen of `splitbrain compare` on a terminal
 * (and of `:compare` in the sandbox): every model of c on one shared clock.
 */
#ifndef SPLITBRAIN_COMPARE_VIEW_H
#define SPLITBRAIN_COMPARE_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine/compare.h"

/* Runs the screen until q; c must have been started (compare_start). Plays every model to
 * start_us first, then runs at speed (an index of speed.h's steps, which = returns to). Borrows
 * c. Returns an exit status. */
int compare_view_run(struct compare *c, const char *title, int64_t start_us, int speed, bool ascii,
                     bool mouse);

/*
 * `:compare [MODELS]` from the sandbox: the sandbox's run so far (its journal up to now_us,
 * from the last change of the cluster's shape) replayed on each model of MODELS (default
 * leader,multi,leaderless), the sandbox's own model among them, then the side-by-side view at
 * now_us. Borrows run. Returns an exit status.
 */
struct script_run;
struct lesson;
struct progress;
int compare_view_journal(struct script_run *run, int64_t now_us, const char *models, int speed,
                         bool ascii, bool mouse);

/*
 * A side-by-side lesson (%compare): the lesson's runner plays one cluster per model on one
 * clock, from start_step (resumed); the columns above, the lesson pane across the bottom. The
 * learner's keys and commands go to every model through the runner, so its gates see them.
 * Progress goes to prog (may be NULL). Borrows l. Returns an exit status.
 */
int compare_view_lesson(const struct lesson *l, int start_step, struct progress *prog, int speed,
                        bool ascii, bool mouse);

#endif
