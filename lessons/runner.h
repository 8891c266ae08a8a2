/*
 * runner: plays a lesson against a live engine. It applies the setup,
 * gates each step on its checks (evaluated on engine state and on the ops
 * since the step began — never on keystrokes, so a key and a typed command
 * count the same), hands out staged hints (on request, and after a stretch
 * of inactivity the caller measures), grades quizzes before the run shows
 * the answer, performs a step's own actions on "show me", and moves back by
 * rewinding the deterministic run to the step's start.
 *
 * A side-by-side lesson (%compare) is played on a comparison instead: one
 * run per model on a shared clock, every command given to all of them at
 * once (compare_act), each check evaluated on the models it names, and
 * "back" rebuilding every model and replaying what was given before.
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
#define RUNNER_DECOY_US     20000000 /* lint watches a decoy's gate stay closed this long */

enum runner_phase {
    RUNNER_QUIZ, /* the step's question waits for an answer */
    RUNNER_TASK, /* the learner works; the checks gate */
    RUNNER_DONE, /* the checks held (or there were none): success shown, next allowed */
};

struct lesson_runner;
struct compare;

/* Borrows l for the runner's life. Starts at step 0, or fast-forwards to start_step by
 * performing the earlier steps' own actions (resuming a saved lesson). */
int lesson_runner_create(const struct lesson *l, int start_step, struct lesson_runner **out,
                         struct script_error *err);
void lesson_runner_destroy(struct lesson_runner *r);

/* The run (side by side: the first model's; it changes when the models are rebuilt). */
struct script_run *lesson_runner_run(struct lesson_runner *r);
/* Side by side (%compare): the comparison the runner plays, one run per model; NULL for one
 * cluster. Its runs change whenever a step is begun again. */
struct compare *lesson_runner_compare(struct lesson_runner *r);
/* The lesson's clock (side by side: the shared one). */
int64_t lesson_runner_now(const struct lesson_runner *r);
/* Side by side: the models the last command did not reach ("multi, leaderless"), or NULL. */
const char *lesson_runner_skipped(const struct lesson_runner *r);
struct script_env *lesson_runner_env(struct lesson_runner *r);
int lesson_runner_step(const struct lesson_runner *r);
enum runner_phase lesson_runner_phase(const struct lesson_runner *r);
const struct lesson_step *lesson_runner_current(const struct lesson_runner *r);
bool lesson_runner_finished(const struct lesson_runner *r);

/* Runs one command-language line as the learner (":kill n1"); errors change nothing. */
int lesson_runner_exec(struct lesson_runner *r, const char *line, struct script_error *err);
/* Time moved (the caller advanced the run): re-checks the gate. True when the step just passed. */
bool lesson_runner_poll(struct lesson_runner *r);
/* What the gate still waits for, in words: the first check that does not hold (its sentence). */
const char *lesson_runner_waiting(const struct lesson_runner *r);
/* A dead end the learner ran into (the step's %stuck text that holds), or NULL. */
const char *lesson_runner_stuck(const struct lesson_runner *r);
/* The step's key event, once it happened: "1.234s n1 truncate ..." (the event log's line); NULL
 * before. */
const char *lesson_runner_evidence(const struct lesson_runner *r);
/* The same event, once it happened in this step (its node, its op), or NULL. Valid until the
 * runner moves on. */
const struct trace_event *lesson_runner_spot(const struct lesson_runner *r);

/* The next hint (a conditional one whose condition holds first), or NULL when none is left. */
const char *lesson_runner_hint(struct lesson_runner *r);
int lesson_runner_hints_shown(const struct lesson_runner *r);
/* How many hints the step has for the learner now (the plain ones and those given). */
int lesson_runner_hints_total(const struct lesson_runner *r);
/* Tells the runner how long the learner has been idle; may return a hint to show. */
const char *lesson_runner_idle(struct lesson_runner *r, int64_t idle_us);

/* Answers the quiz: mask has bit i set for each chosen choice. True when right. */
bool lesson_runner_answer(struct lesson_runner *r, unsigned mask);
/* The answer given (valid after lesson_runner_answer). */
unsigned lesson_runner_answered(const struct lesson_runner *r);
/* True once the quiz was answered in this step; *right says whether the answer was right. */
bool lesson_runner_has_answer(const struct lesson_runner *r, bool *right);
/* May the explanation be shown? A recall question's at once; a prediction's only once the
 * run has shown the answer (the gate opened), beside the prediction. */
bool lesson_runner_explain_ready(const struct lesson_runner *r);

/*
 * Moves the run towards target_us as the TUI's clock asks. It stops early, right after the
 * step's spotlight event (out->spotlight: pause and show the evidence). With skip_idle, while
 * only timers are pending (nothing a learner could watch) and the next event lies beyond
 * target_us, it jumps to that event and says how much waiting it skipped: at most
 * RUNNER_SKIP_LULL_MAX_US until a node sends a message again. Then it checks the
 * gate (out->gate: the step just passed). 0, or -1 with *err.
 */
struct runner_advance {
    bool gate;
    bool spotlight;
    int64_t skipped_us;
};
#define RUNNER_SKIP_MIN_US      100000   /* lulls shorter than this are not worth a jump */
#define RUNNER_SKIP_LULL_MAX_US 30000000 /* the most one lull of silent timers skips */
int lesson_runner_advance(struct lesson_runner *r, int64_t target_us, bool skip_idle,
                          struct runner_advance *out, struct script_error *err);

/* Writes text with its placeholders filled from the run: {put.value} (the last put of the
 * step), {w1.latency} (an op by label), {op.result}, {leader}, {n3.x} (a replica's value),
 * {now}. An unknown placeholder stays as written. */
void lesson_runner_expand(struct lesson_runner *r, const char *text, char *dst, size_t size);

/* Performs the step's own actions ("show me"). */
int lesson_runner_show_me(struct lesson_runner *r, struct script_error *err);

/* Next step (only once the step is done). False when not allowed. */
bool lesson_runner_next(struct lesson_runner *r);
/* Back to the previous step's start, rewinding the run. */
int lesson_runner_back(struct lesson_runner *r, struct script_error *err);
/* The current step from its start again. */
int lesson_runner_reset_step(struct lesson_runner *r, struct script_error *err);

/*
 * Proves a lesson, headless. For every task step: it has a decoy, and each
 * check says in words what it waits for; each decoy, played from the step's
 * start, keeps the gate closed for RUNNER_DECOY_US, after which the step is
 * still completable by its own actions or one of its %stuck rules holds;
 * every %stuck rule is reached by some decoy and none holds at the start.
 * Then the step is completed: quiz answered right, its own actions
 * performed, time advanced until its checks hold (at most max_us of virtual
 * time), and its spotlight event seen. On failure, err names the line.
 */
int lesson_prove(const struct lesson *l, int64_t max_us, struct script_error *err);

#endif
