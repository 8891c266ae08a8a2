#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/util.h"

struct lesson_runner {
    const struct lesson *l;
    struct script_run *run;
    struct script_env env;
    int step;
    enum runner_phase phase;
    int hints_shown;
    int idle_hints;
    unsigned answer;
    int64_t start_us[LESSON_MAX_STEPS]; /* virtual time each step began */
    int start_entry[LESSON_MAX_STEPS];  /* journal length when each step began */
    char waiting[SCRIPT_MSG_MAX];
};

static int exec_cmd(struct lesson_runner *r, const struct script_cmd *cmd, struct script_error *err)
{
    return script_run_exec(r->run, cmd, err);
}

static void enter_step(struct lesson_runner *r, int k)
{
    const struct lesson_step *s = &r->l->steps[k];

    r->step = k;
    r->hints_shown = 0;
    r->idle_hints = 0;
    r->answer = 0;
    r->waiting[0] = '\0';
    r->start_us[k] = engine_now(script_run_engine(r->run));
    r->start_entry[k] = script_run_journal_count(r->run);
    r->phase = s->has_quiz ? RUNNER_QUIZ : s->n_checks ? RUNNER_TASK : RUNNER_DONE;
}

/*
 * Teaches the learner's line parser what the lesson's own commands defined:
 * the model, the node count, the op labels a %check may name.
 */
static void env_learn(struct lesson_runner *r, const struct script_cmd *cmd)
{
    struct script_cmd *c = xmalloc(sizeof(*c));
    struct script_error e;

    script_parse_line(&r->env, "", 1, cmd->text, c, &e);
    free(c);
}

/* Runs the lesson's setup into a fresh run. */
static int setup(struct lesson_runner *r, struct script_error *err)
{
    for (int i = 0; i < r->l->n_setup; i++) {
        if (exec_cmd(r, &r->l->setup[i], err) < 0)
            return -1;
        env_learn(r, &r->l->setup[i]);
    }
    script_run_engine(r->run);
    return 0;
}

/* Advances time until the step's checks hold, at most max_us. */
static bool settle(struct lesson_runner *r, int64_t max_us, struct script_error *err)
{
    struct engine *e = script_run_engine(r->run);
    int64_t limit = engine_now(e) + max_us;

    while (!lesson_runner_poll(r)) {
        int64_t next = engine_now(e) + 10000;
        if (engine_now(e) >= limit)
            return false;
        if (script_run_advance(r->run, next < limit ? next : limit, err) < 0)
            return false;
    }
    return true;
}

int lesson_runner_create(const struct lesson *l, int start_step, struct lesson_runner **out,
                         struct script_error *err)
{
    struct lesson_runner *r = xcalloc(1, sizeof(*r));

    *out = NULL;
    r->l = l;
    r->run = script_run_create(l->file, (int64_t)l->seed);
    /* The front end reads the lesson's events from the start (its log and timeline). */
    script_run_trace_ring(r->run, SCRIPT_VIEW_RING);
    script_env_init(&r->env, false);
    if (setup(r, err) < 0) {
        lesson_runner_destroy(r);
        return -1;
    }
    enter_step(r, 0);
    if (start_step >= l->n_steps)
        start_step = l->n_steps - 1;
    /* Resuming: replay what each earlier step does by itself, so the story is where it was. */
    while (r->step < start_step) {
        if (r->phase == RUNNER_QUIZ)
            lesson_runner_answer(r, l->steps[r->step].quiz.correct);
        if (r->phase == RUNNER_TASK) {
            if (lesson_runner_show_me(r, err) < 0 || !settle(r, 60000000, err)) {
                /* Cannot reach it: start the learner at this step instead. */
                break;
            }
        }
        r->phase = RUNNER_DONE;
        lesson_runner_next(r);
    }
    *out = r;
    return 0;
}

void lesson_runner_destroy(struct lesson_runner *r)
{
    if (!r)
        return;
    script_run_destroy(r->run);
    script_env_release(&r->env);
    free(r);
}

struct script_run *lesson_runner_run(struct lesson_runner *r)
{
    return r->run;
}

struct script_env *lesson_runner_env(struct lesson_runner *r)
{
    return &r->env;
}

int lesson_runner_step(const struct lesson_runner *r)
{
    return r->step;
}

enum runner_phase lesson_runner_phase(const struct lesson_runner *r)
{
    return r->phase;
}

const struct lesson_step *lesson_runner_current(const struct lesson_runner *r)
{
    return &r->l->steps[r->step];
}

bool lesson_runner_finished(const struct lesson_runner *r)
{
    return r->step == r->l->n_steps - 1 && r->phase == RUNNER_DONE;
}

int lesson_runner_exec(struct lesson_runner *r, const char *line, struct script_error *err)
{
    struct script_cmd *cmd = xmalloc(sizeof(*cmd));
    int rc = script_parse_line(&r->env, "", 1, line, cmd, err);

    if (rc > 0)
        rc = script_run_exec(r->run, cmd, err);
    free(cmd);
    if (rc >= 0)
        r->idle_hints = 0;
    return rc < 0 ? -1 : 0;
}

bool lesson_runner_poll(struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];

    if (r->phase != RUNNER_TASK)
        return false;
    for (int i = 0; i < s->n_checks; i++) {
        char why[SCRIPT_MSG_MAX];
        if (!script_eval_since(r->run, &s->checks[i].pred, r->start_us[r->step], why,
                               sizeof(why))) {
            snprintf(r->waiting, sizeof(r->waiting), "%s (%s)", s->checks[i].text + 7, why);
            return false;
        }
    }
    r->waiting[0] = '\0';
    r->phase = RUNNER_DONE;
    return true;
}

const char *lesson_runner_waiting(const struct lesson_runner *r)
{
    return r->waiting;
}

const char *lesson_runner_hint(struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];

    if (r->hints_shown >= s->n_hints)
        return NULL;
    return s->hints[r->hints_shown++];
}

int lesson_runner_hints_shown(const struct lesson_runner *r)
{
    return r->hints_shown;
}

const char *lesson_runner_idle(struct lesson_runner *r, int64_t idle_us)
{
    /* One more hint for each further stretch of inactivity, while the task is open. */
    if (r->phase != RUNNER_TASK || idle_us < (int64_t)(r->idle_hints + 1) * RUNNER_IDLE_HINT_US)
        return NULL;
    r->idle_hints++;
    return lesson_runner_hint(r);
}

bool lesson_runner_answer(struct lesson_runner *r, unsigned mask)
{
    const struct lesson_step *s = &r->l->steps[r->step];

    if (r->phase != RUNNER_QUIZ)
        return false;
    r->answer = mask;
    r->phase = s->n_checks ? RUNNER_TASK : RUNNER_DONE;
    return mask == s->quiz.correct;
}

unsigned lesson_runner_answered(const struct lesson_runner *r)
{
    return r->answer;
}

int lesson_runner_show_me(struct lesson_runner *r, struct script_error *err)
{
    const struct lesson_step *s = &r->l->steps[r->step];

    for (int i = 0; i < s->n_dos; i++) {
        if (exec_cmd(r, &s->dos[i], err) < 0)
            return -1;
        env_learn(r, &s->dos[i]);
    }
    return 0;
}

bool lesson_runner_next(struct lesson_runner *r)
{
    if (r->phase != RUNNER_DONE || r->step + 1 >= r->l->n_steps)
        return false;
    enter_step(r, r->step + 1);
    return true;
}

static int rewind_to(struct lesson_runner *r, int k, struct script_error *err)
{
    if (script_run_rewind(r->run, r->start_us[k], r->start_entry[k], err) < 0)
        return -1;
    /* What happened after the step began is gone; the learner's next moves replace it. */
    script_run_truncate_journal(r->run, r->start_entry[k]);
    enter_step(r, k);
    return 0;
}

int lesson_runner_back(struct lesson_runner *r, struct script_error *err)
{
    return rewind_to(r, r->step > 0 ? r->step - 1 : 0, err);
}

int lesson_runner_reset_step(struct lesson_runner *r, struct script_error *err)
{
    return rewind_to(r, r->step, err);
}

int lesson_prove(const struct lesson *l, int64_t max_us, struct script_error *err)
{
    struct lesson_runner *r;
    int rc = 0;

    if (lesson_runner_create(l, 0, &r, err) < 0)
        return -1;
    for (;;) {
        const struct lesson_step *s = lesson_runner_current(r);
        if (r->phase == RUNNER_QUIZ)
            lesson_runner_answer(r, s->quiz.correct);
        if (r->phase == RUNNER_TASK) {
            if (lesson_runner_show_me(r, err) < 0) {
                rc = -1;
                break;
            }
            if (!settle(r, max_us, err)) {
                char t[24];
                util_fmt_duration(t, sizeof(t), max_us);
                util_strlcpy(err->file, l->file, sizeof(err->file));
                err->line = s->line;
                err->col = 1;
                snprintf(err->msg, sizeof(err->msg),
                         "step '%s' cannot be completed: after its %%do actions and %s, still "
                         "waiting for: %s",
                         s->id, t, r->waiting);
                rc = -1;
                break;
            }
        }
        if (!lesson_runner_next(r))
            break;
    }
    lesson_runner_destroy(r);
    return rc;
}
