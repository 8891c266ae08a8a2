/*
 * runner: plays a lesson against a live engine. It applies the setup,
 * gates each step on its checks (evaluated on engine state and on the ops
 * since the step began — never on keystrokes, so a key and a typed command
 * count the same), hands out staged hints (on request, and after a stretch
 * of inactivity the caller measures), grades quizzes before the run shows
 * the answer, performs a step's own actions on "show me", and moves back by
 * rewinding the deterministic run to the step's start.
 *
 * It draws nothing: the TUI (or `splitbrain lint`) shows what it exposes.
 * It reads no clock: inactivity is told to it.
 */
#ifndef SPLITBRAIN_RUNNER_H
#define SPLITBRAIN_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "lesson.h"

#define RUNNER_IDLE_HINT_US 45000000 /* a hint after 45 s without progress */

enum runner_phase {
    RUNNER_QUIZ, /* the step's question waits for an answer */
    RUNNER_TASK, /* the learner works; the checks gate */
    RUNNER_DONE, /* the checks held (or there were none): success shown, next allowed */
};

struct lesson_runner;

/* Borrows l for the runner's life. Starts at step 0, or fast-forwards to start_step by
 * performing the earlier steps' own actions (resuming a saved lesson). */
int lesson_runner_create(const struct lesson *l, int start_step, struct lesson_runner **out,
                         struct script_error *err);
void lesson_runner_destroy(struct lesson_runner *r);

struct script_run *lesson_runner_run(struct lesson_runner *r);
struct script_env *lesson_runner_env(struct lesson_runner *r);
int lesson_runner_step(const struct lesson_runner *r);
enum runner_phase lesson_runner_phase(const struct lesson_runner *r);
const struct lesson_step *lesson_runner_current(const struct lesson_runner *r);
bool lesson_runner_finished(const struct lesson_runner *r);

/* Runs one command-language line as the learner (":kill n1"); errors change nothing. */
int lesson_runner_exec(struct lesson_runner *r, const char *line, struct script_error *err);
/* Time moved (the caller advanced the run): re-checks the gate. True when the step just passed. */
bool lesson_runner_poll(struct lesson_runner *r);
/* Why the gate is still closed: the first check that does not hold and what was found. */
const char *lesson_runner_waiting(const struct lesson_runner *r);

/* The next hint, or NULL when every hint is out. */
const char *lesson_runner_hint(struct lesson_runner *r);
int lesson_runner_hints_shown(const struct lesson_runner *r);
/* Tells the runner how long the learner has been idle; may return a hint to show. */
const char *lesson_runner_idle(struct lesson_runner *r, int64_t idle_us);

/* Answers the quiz: mask has bit i set for each chosen choice. True when right. */
bool lesson_runner_answer(struct lesson_runner *r, unsigned mask);
/* The answer given (valid after lesson_runner_answer). */
unsigned lesson_runner_answered(const struct lesson_runner *r);

/* Performs the step's own actions ("show me"). */
int lesson_runner_show_me(struct lesson_runner *r, struct script_error *err);

/* Next step (only once the step is done). False when not allowed. */
bool lesson_runner_next(struct lesson_runner *r);
/* Back to the previous step's start, rewinding the run. */
int lesson_runner_back(struct lesson_runner *r, struct script_error *err);
/* The current step from its start again. */
int lesson_runner_reset_step(struct lesson_runner *r, struct script_error *err);

/*
 * Proves a lesson completable, headless: every step's quiz answered right,
 * its own actions performed, then time advanced until its checks hold (at
 * most max_us of virtual time per step). On failure, err names the step and
 * the check that never held.
 */
int lesson_prove(const struct lesson *l, int64_t max_us, struct script_error *err);

#endif
