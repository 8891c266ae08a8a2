#include "runner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/compare.h"
#include "../engine/net.h"
#include "../engine/util.h"

struct lesson_runner {
    const struct lesson *l;
    struct script_run *run; /* one cluster; side by side: NULL */
    /* Side by side (%compare): one run per model on the shared clock now_us. */
    struct compare *cmp;
    int64_t now_us;
    int start_mentry[LESSON_MAX_STEPS][LESSON_MAX_MODELS]; /* each model's journal length */
    int start_act[LESSON_MAX_STEPS];                       /* the actions given before */
    char skipped[128];                                     /* the last command's note */
    /* The lull being skipped: messages sent when it began, and the waiting skipped in it. */
    uint64_t lull_sent;
    int64_t lull_skipped_us;
    struct script_env env;
    int step;
    enum runner_phase phase;
    int hints_shown;
    unsigned hints_given; /* bit i: hint i was given in this step */
    int idle_hints;
    unsigned answer;
    bool answered;
    bool answer_right;
    /* The spotlight: the trace is watched for the step's key event. */
    struct trace_observer obs;
    bool spot_seen;    /* it happened in this step */
    bool spot_pending; /* it happened since the last advance: the caller should pause */
    char evidence[TRACE_TEXT_MAX + 64];
    struct trace_event spot_ev; /* the event itself, for the screen to mark its node and op */
    char stuck[LESSON_LINE_MAX];
    int64_t start_us[LESSON_MAX_STEPS]; /* virtual time each step began */
    int start_entry[LESSON_MAX_STEPS];  /* journal length when each step began */
    char waiting[SCRIPT_MSG_MAX];
    char detail[SCRIPT_MSG_MAX + LESSON_LINE_MAX]; /* the check as written and what was found */
};

/* The run the screen and the placeholders read: side by side, the first model's. */
static struct script_run *main_run(const struct lesson_runner *r)
{
    return r->cmp ? r->cmp->runs[0] : r->run;
}

/* The lesson's clock: the one cluster's, or the shared one. */
static int64_t rnow(const struct lesson_runner *r)
{
    return r->cmp ? r->now_us : engine_now(script_run_engine(r->run));
}

/* Moves the lesson's clock to t_us (every model, side by side). */
static int radvance(struct lesson_runner *r, int64_t t_us, struct script_error *err)
{
    if (!r->cmp)
        return script_run_advance(r->run, t_us, err);
    if (t_us < r->now_us)
        t_us = r->now_us;
    if (compare_play_to(r->cmp, t_us, err) < 0)
        return -1;
    r->now_us = t_us;
    return 0;
}

/* A command line given to every model at the shared clock (`for MODEL:` limits it). -1 when
 * no model could run it; r->skipped names the models that did not. */
static int act_all(struct lesson_runner *r, const char *text, struct script_error *err)
{
    char why[SCRIPT_MSG_MAX];

    memset(err, 0, sizeof(*err));
    if (compare_act(r->cmp, r->now_us, text, why, sizeof(why), r->skipped, sizeof(r->skipped)) > 0)
        return 0;
    util_strlcpy(err->msg, why, sizeof(err->msg));
    return -1;
}

static int exec_cmd(struct lesson_runner *r, const struct script_cmd *cmd, struct script_error *err)
{
    if (r->cmp)
        return act_all(r, cmd->text, err);
    return script_run_exec(r->run, cmd, err);
}

static void enter_step(struct lesson_runner *r, int k)
{
    const struct lesson_step *s = &r->l->steps[k];

    r->step = k;
    r->hints_shown = 0;
    r->hints_given = 0;
    r->idle_hints = 0;
    r->answer = 0;
    r->answered = false;
    r->answer_right = false;
    r->spot_seen = false;
    r->spot_pending = false;
    r->evidence[0] = '\0';
    r->stuck[0] = '\0';
    r->waiting[0] = '\0';
    r->start_us[k] = rnow(r);
    if (r->cmp) {
        for (int m = 0; m < r->cmp->n; m++)
            r->start_mentry[k][m] = script_run_journal_count(r->cmp->runs[m]);
        r->start_act[k] = r->cmp->n_acts;
        r->start_entry[k] = 0;
    } else {
        r->start_entry[k] = script_run_journal_count(r->run);
    }
    r->phase = s->has_quiz ? RUNNER_QUIZ : s->n_checks ? RUNNER_TASK : RUNNER_DONE;
}

/*
 * Teaches the learner's line parser what the lesson's own commands defined:
 * the model, the node count, the op labels a %check may name.
 */
static void env_learn(struct lesson_runner *r, const struct script_cmd *cmd)
{
    struct script_cmd *c;
    struct script_error e;

    if (r->cmp)
        return; /* each model's own parser learns as compare_act parses */
    c = xmalloc(sizeof(*c));
    script_parse_line(&r->env, "", 1, cmd->text, c, &e);
    free(c);
}

/*
 * Side by side: the setup is a comparison scenario, each line at its own line number in the
 * lesson file (so an error names the line), parsed once per model; every run starts with the
 * lesson's seed and plays it at time 0.
 */
static int setup_compare(struct lesson_runner *r, struct script_error *err)
{
    const struct lesson *l = r->l;
    size_t cap = 256, len = 0;
    char *text = xmalloc(cap);
    int line = 1, rc;

    for (int i = 0; i < l->n_setup; i++) {
        size_t need = strlen(l->setup[i].text) +
                      (size_t)(l->setup[i].line > line ? l->setup[i].line - line : 0) + 2;
        while (len + need + 1 > cap) {
            cap *= 2;
            text = xrealloc(text, cap);
        }
        for (; line < l->setup[i].line; line++)
            text[len++] = '\n';
        len += (size_t)snprintf(text + len, cap - len, "%s\n", l->setup[i].text);
        line++;
    }
    text[len] = '\0';
    r->cmp = xcalloc(1, sizeof(*r->cmp));
    rc = compare_parse(r->cmp, l->file, text, len, l->models, l->n_models, err);
    free(text);
    if (rc < 0) {
        free(r->cmp);
        r->cmp = NULL;
        return -1;
    }
    compare_start(r->cmp, (int64_t)l->seed, NULL);
    r->now_us = 0;
    return compare_play_to(r->cmp, 0, err);
}

/* Runs the lesson's setup into a fresh run. */
static int setup(struct lesson_runner *r, struct script_error *err)
{
    if (r->l->n_models)
        return setup_compare(r, err);
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
    int64_t limit = rnow(r) + max_us;

    while (!lesson_runner_poll(r)) {
        int64_t next = rnow(r) + 10000;
        if (rnow(r) >= limit)
            return false;
        if (radvance(r, next < limit ? next : limit, err) < 0)
            return false;
    }
    return true;
}

/* The variant of an op's end event for an op status (TRACE_SUB_NONE: pending, or any). */
static enum trace_sub end_sub(int status)
{
    switch (status < 0 ? OP_PENDING : (enum op_status)status) {
    case OP_PENDING:
        return TRACE_SUB_NONE;
    case OP_OK:
        return TRACE_SUB_OK;
    case OP_FAIL:
        return TRACE_SUB_FAIL;
    case OP_TIMEOUT:
        return TRACE_SUB_TIMEOUT;
    }
    return TRACE_SUB_NONE;
}

/* Does ev match the spotlight sp? */
static bool spot_matches(const struct lesson_spotlight *sp, const struct trace_event *ev)
{
    if (!sp->on || (int)ev->kind != sp->kind)
        return false;
    if (ev->kind == TRACE_OP_END)
        return sp->status < 0 || ev->sub == end_sub(sp->status);
    return sp->node < 0 || ev->node == sp->node;
}

/* Every event of the run passes here: the step's key event is caught as it happens. */
static void on_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct lesson_runner *r =
        (struct lesson_runner *)(void *)((char *)self - offsetof(struct lesson_runner, obs));
    const struct lesson_spotlight *sp = &r->l->steps[r->step].spotlight;

    if (r->spot_seen || r->phase == RUNNER_QUIZ || !spot_matches(sp, ev))
        return;
    r->spot_seen = true;
    r->spot_pending = true;
    r->spot_ev = *ev;
    trace_format_text(ev, r->evidence, sizeof(r->evidence));
}

int lesson_runner_create(const struct lesson *l, int start_step, struct lesson_runner **out,
                         struct script_error *err)
{
    struct lesson_runner *r = xcalloc(1, sizeof(*r));

    *out = NULL;
    r->l = l;
    if (!l->n_models) {
        r->run = script_run_create(l->file, (int64_t)l->seed);
        r->obs.fn = on_event;
        script_run_observe(r->run, &r->obs);
        /* The front end reads the lesson's events from the start (its log and timeline). */
        script_run_trace_ring(r->run, SCRIPT_VIEW_RING);
    }
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
    if (r->cmp) {
        compare_release(r->cmp);
        free(r->cmp);
    }
    script_env_release(&r->env);
    free(r);
}

struct script_run *lesson_runner_run(struct lesson_runner *r)
{
    return main_run(r);
}

struct compare *lesson_runner_compare(struct lesson_runner *r)
{
    return r->cmp;
}

int64_t lesson_runner_now(const struct lesson_runner *r)
{
    return rnow(r);
}

const char *lesson_runner_skipped(const struct lesson_runner *r)
{
    return r->cmp && r->skipped[0] ? r->skipped : NULL;
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
    struct script_cmd *cmd;
    int rc;

    if (r->cmp) {
        rc = act_all(r, line, err);
        if (rc == 0)
            r->idle_hints = 0;
        return rc;
    }
    cmd = xmalloc(sizeof(*cmd));
    rc = script_parse_line(&r->env, "", 1, line, cmd, err);

    if (rc > 0)
        rc = script_run_exec(r->run, cmd, err);
    free(cmd);
    if (rc >= 0)
        r->idle_hints = 0;
    return rc < 0 ? -1 : 0;
}

/*
 * Does predicate p hold now, counting from the step's start? Side by side, on every model in
 * on (bit k: model k); *model is the first where it does not (-1 for one cluster).
 */
static bool pred_holds(struct lesson_runner *r, const struct script_pred *p, unsigned on,
                       int *model, char *why, size_t size)
{
    *model = -1;
    if (!r->cmp)
        return script_eval_step(r->run, p, r->start_us[r->step], r->start_entry[r->step], why,
                                size);
    for (int k = 0; k < r->cmp->n; k++) {
        if (!(on & (1u << k)))
            continue;
        if (!script_eval_step(r->cmp->runs[k], p, r->start_us[r->step], r->start_mentry[r->step][k],
                              why, size)) {
            *model = k;
            return false;
        }
    }
    return true;
}

/* Does every predicate of the condition hold now (counting from the step's start)? */
static bool cond_holds(struct lesson_runner *r, const struct lesson_cond *c)
{
    char why[SCRIPT_MSG_MAX];
    int m;

    for (int i = 0; i < c->n; i++)
        if (!pred_holds(r, &c->preds[i].pred, c->preds[i].on, &m, why, sizeof(why)))
            return false;
    return c->n > 0;
}

/* Side by side, a check for some models only says which: "multi: ..." ("" otherwise). */
static void check_models(const struct lesson_runner *r, unsigned on, char *dst, size_t size)
{
    dst[0] = '\0';
    if (!r->cmp || on == (1u << r->cmp->n) - 1)
        return;
    for (int k = 0; k < r->cmp->n; k++)
        if (on & (1u << k))
            util_appendf(dst, size, "%s%s", dst[0] ? "," : "", r->cmp->models[k]->name);
    util_appendf(dst, size, ": ");
}

/* The step's first dead-end rule that holds now, or NULL. */
static const struct lesson_stuck *find_stuck(struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];

    for (int i = 0; i < s->n_stuck; i++)
        if (cond_holds(r, &s->stuck[i].cond))
            return &s->stuck[i];
    return NULL;
}

bool lesson_runner_poll(struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];
    const struct lesson_stuck *st;

    if (r->phase != RUNNER_TASK)
        return false;
    for (int i = 0; i < s->n_checks; i++) {
        char why[SCRIPT_MSG_MAX], who[64], words[SCRIPT_MSG_MAX];
        int m;
        if (!pred_holds(r, &s->checks[i].pred, s->checks[i].on, &m, why, sizeof(why))) {
            check_models(r, s->checks[i].on, who, sizeof(who));
            lesson_check_sentence(&s->checks[i], s->says[i], words, sizeof(words));
            snprintf(r->waiting, sizeof(r->waiting), "%s%s", who, words);
            snprintf(r->detail, sizeof(r->detail), "%s (%s%s%s)", s->checks[i].text,
                     m >= 0 ? r->cmp->models[m]->name : "", m >= 0 ? ": " : "", why);
            st = find_stuck(r);
            util_strlcpy(r->stuck, st ? st->text : "", sizeof(r->stuck));
            return false;
        }
    }
    r->waiting[0] = '\0';
    r->stuck[0] = '\0';
    r->phase = RUNNER_DONE;
    return true;
}

const char *lesson_runner_waiting(const struct lesson_runner *r)
{
    return r->waiting;
}

const char *lesson_runner_stuck(const struct lesson_runner *r)
{
    return r->stuck[0] ? r->stuck : NULL;
}

/*
 * The next hint: one whose condition holds now first (it speaks to what the learner did),
 * else the next plain one; each hint is given once.
 */
const char *lesson_runner_hint(struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];
    int pick = -1;

    for (int i = 0; i < s->n_hints && pick < 0; i++)
        if (!(r->hints_given & (1u << i)) && s->hint_if[i].n > 0 && cond_holds(r, &s->hint_if[i]))
            pick = i;
    for (int i = 0; i < s->n_hints && pick < 0; i++)
        if (!(r->hints_given & (1u << i)) && s->hint_if[i].n == 0)
            pick = i;
    if (pick < 0)
        return NULL;
    r->hints_given |= 1u << pick;
    r->hints_shown++;
    return s->hints[pick];
}

int lesson_runner_hints_shown(const struct lesson_runner *r)
{
    return r->hints_shown;
}

int lesson_runner_hints_total(const struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];
    int n = 0;

    for (int i = 0; i < s->n_hints; i++)
        n += s->hint_if[i].n == 0 || (r->hints_given & (1u << i)) ? 1 : 0;
    return n;
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
    r->answered = true;
    r->answer_right = mask == s->quiz.correct;
    r->phase = s->n_checks ? RUNNER_TASK : RUNNER_DONE;
    return r->answer_right;
}

bool lesson_runner_has_answer(const struct lesson_runner *r, bool *right)
{
    if (right)
        *right = r->answer_right;
    return r->answered;
}

bool lesson_runner_explain_ready(const struct lesson_runner *r)
{
    const struct lesson_step *s = &r->l->steps[r->step];

    if (!s->has_quiz || !r->answered)
        return false;
    return s->quiz.kind == LESSON_RECALL || r->phase == RUNNER_DONE;
}

const char *lesson_runner_evidence(const struct lesson_runner *r)
{
    return r->spot_seen ? r->evidence : NULL;
}

const struct trace_event *lesson_runner_spot(const struct lesson_runner *r)
{
    return r->spot_seen ? &r->spot_ev : NULL;
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
    if (r->cmp) {
        /* Every model rebuilt and played again with the actions given before the step. */
        compare_truncate_actions(r->cmp, r->start_act[k]);
        if (compare_seek(r->cmp, r->start_us[k], err) < 0)
            return -1;
        r->now_us = r->start_us[k];
        enter_step(r, k);
        return 0;
    }
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

static int prove_err(const struct lesson *l, int line, struct script_error *err, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

static int prove_err(const struct lesson *l, int line, struct script_error *err, const char *fmt,
                     ...)
{
    va_list ap;

    util_strlcpy(err->file, l->file, sizeof(err->file));
    err->line = line;
    err->col = 1;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* Runs the step's quiz out of the way (answered right), as a learner would before acting. */
static void prove_answer(struct lesson_runner *r)
{
    if (r->phase == RUNNER_QUIZ)
        lesson_runner_answer(r, r->l->steps[r->step].quiz.correct);
}

/*
 * Plays one decoy from the step's start: the gate must stay closed for RUNNER_DECOY_US; then
 * the step must still be completable by its own actions (those that can still run), or one
 * of its dead-end rules must hold (and *reached records which), and not both. Rewinds to
 * the step's start afterwards.
 */
static int prove_decoy(struct lesson_runner *r, const struct lesson_decoy *d, int64_t max_us,
                       unsigned *reached, struct script_error *err)
{
    const struct lesson *l = r->l;
    const struct lesson_step *s = &l->steps[r->step];
    const struct lesson_stuck *st;
    struct script_error e2;
    int64_t limit;
    bool done;

    for (int i = 0; i < d->n_cmds; i++) {
        if (exec_cmd(r, &d->cmds[i], &e2) < 0)
            return prove_err(l, d->line, err, "step '%s': the decoy cannot run: %s", s->id, e2.msg);
        env_learn(r, &d->cmds[i]);
    }
    limit = rnow(r) + RUNNER_DECOY_US;
    for (;;) {
        if (lesson_runner_poll(r))
            return prove_err(l, d->line, err,
                             "step '%s': the decoy opens the gate, which should stay closed "
                             "for a wrong action",
                             s->id);
        if (rnow(r) >= limit)
            break;
        if (radvance(r, rnow(r) + 10000 < limit ? rnow(r) + 10000 : limit, &e2) < 0)
            return prove_err(l, d->line, err, "step '%s': after the decoy: %s", s->id, e2.msg);
    }
    st = find_stuck(r);
    /* The rest of the task, as a learner would finish it: an action the decoy already did
     * (pausing a node it paused) fails and is skipped. */
    for (int i = 0; i < s->n_dos; i++)
        lesson_runner_exec(r, s->dos[i].text, &e2); /* typed, so a used label is refused */
    done = settle(r, max_us, &e2);
    if (st && done)
        return prove_err(l, st->line, err,
                         "step '%s': after the decoy at line %d this %%stuck rule holds, yet the "
                         "step can still be finished: it is no dead end",
                         s->id, d->line);
    if (!st && !done) {
        st = find_stuck(r);
        if (!st)
            return prove_err(l, d->line, err,
                             "step '%s': after the decoy the step cannot be finished (still "
                             "waiting for: %s) and no %%stuck rule says so",
                             s->id, r->detail);
    }
    if (st)
        *reached |= 1u << (st - s->stuck);
    if (rewind_to(r, r->step, err) < 0)
        return -1;
    prove_answer(r);
    return 0;
}

/* Every check of a step says in words what it waits for. */
static int prove_sentences(const struct lesson *l, const struct lesson_step *s,
                           struct script_error *err)
{
    char words[LESSON_LINE_MAX];

    for (int i = 0; i < s->n_checks; i++)
        if (!lesson_check_sentence(&s->checks[i], s->says[i], words, sizeof(words)))
            return prove_err(l, s->checks[i].line, err,
                             "step '%s': '%s' needs a sentence for the learner: %%check %s "
                             "\"what it waits for\"",
                             s->id, words, words);
    return 0;
}

int lesson_prove(const struct lesson *l, int64_t max_us, struct script_error *err)
{
    struct lesson_runner *r;
    int rc = 0;

    if (lesson_runner_create(l, 0, &r, err) < 0)
        return -1;
    for (;;) {
        const struct lesson_step *s = lesson_runner_current(r);
        unsigned reached = 0;
        prove_answer(r);
        if (r->phase == RUNNER_TASK) {
            if (s->n_decoys == 0) {
                rc = prove_err(l, s->line, err,
                               "step '%s' has a task but no %%decoy: name a plausible wrong "
                               "action, so lint can prove its gate stays closed",
                               s->id);
                break;
            }
            if ((rc = prove_sentences(l, s, err)) < 0)
                break;
            if (find_stuck(r)) {
                rc = prove_err(l, find_stuck(r)->line, err,
                               "step '%s': this %%stuck rule holds when the step begins", s->id);
                break;
            }
            for (int i = 0; i < s->n_decoys && rc == 0; i++)
                rc = prove_decoy(r, &s->decoys[i], max_us, &reached, err);
            for (int i = 0; i < s->n_stuck && rc == 0; i++)
                if (!(reached & (1u << i)))
                    rc = prove_err(l, s->stuck[i].line, err,
                                   "step '%s': no decoy reaches this %%stuck rule", s->id);
            if (rc < 0)
                break;
            if (lesson_runner_show_me(r, err) < 0) {
                rc = -1;
                break;
            }
            if (!settle(r, max_us, err)) {
                char t[24];
                util_fmt_duration(t, sizeof(t), max_us);
                rc = prove_err(l, s->line, err,
                               "step '%s' cannot be completed: after its %%do actions and %s, "
                               "still waiting for: %s",
                               s->id, t, r->detail);
                break;
            }
            if (s->spotlight.on && !r->spot_seen) {
                rc = prove_err(l, s->spotlight.line, err,
                               "step '%s': its spotlight event never happens on the way to the "
                               "gate",
                               s->id);
                break;
            }
        }
        if (!lesson_runner_next(r))
            break;
    }
    lesson_runner_destroy(r);
    return rc;
}

/*
 * May a lull be skipped by d_us more? A lull lasts while no node sends a message: timers that
 * fire silently (a tombstone sweep with nothing to collect, an offline node's election timer)
 * do not end it. Skipping it event by event would race virtual time ahead, hours in a minute,
 * while the learner reads; so one lull skips at most RUNNER_SKIP_LULL_MAX_US in all, and then
 * time runs at the speed asked until a message is sent again.
 */
static bool lull_may_skip(struct lesson_runner *r, const struct engine *e, int64_t d_us)
{
    uint64_t sent = net_total_sent(engine_net(e));

    if (sent != r->lull_sent) {
        r->lull_sent = sent;
        r->lull_skipped_us = 0;
    }
    return r->lull_skipped_us + d_us <= RUNNER_SKIP_LULL_MAX_US;
}

int lesson_runner_advance(struct lesson_runner *r, int64_t target_us, bool skip_idle,
                          struct runner_advance *out, struct script_error *err)
{
    struct engine *e;
    const struct lesson_spotlight *sp = &r->l->steps[r->step].spotlight;

    memset(out, 0, sizeof(*out));
    if (r->cmp) {
        /* Side by side: every model to the shared time (no spotlight; no lull is skipped). */
        if (radvance(r, target_us, err) < 0)
            return -1;
        out->gate = lesson_runner_poll(r);
        return 0;
    }
    e = script_run_engine(r->run);
    for (int guard = 0; guard < 1000000; guard++) {
        int64_t now = engine_now(e), next = engine_next_at(e), idle;
        if (r->spot_pending) {
            r->spot_pending = false;
            out->spotlight = true;
            break;
        }
        if (now >= target_us)
            break;
        idle = engine_idle_until(e);
        if (skip_idle && idle > target_us && idle - now >= RUNNER_SKIP_MIN_US &&
            lull_may_skip(r, e, idle - target_us)) {
            out->skipped_us += idle - target_us;
            r->lull_skipped_us += idle - target_us;
            target_us = idle;
        }
        /* Event by event only while a spotlight may still fire, so the pause lands on it. */
        if (sp->on && !r->spot_seen && r->phase != RUNNER_QUIZ && next >= 0 && next < target_us) {
            if (script_run_advance(r->run, next, err) < 0)
                return -1;
            continue;
        }
        if (script_run_advance(r->run, target_us, err) < 0)
            return -1;
    }
    if (r->spot_pending) {
        r->spot_pending = false;
        out->spotlight = true;
    }
    out->gate = lesson_runner_poll(r);
    return 0;
}

/* The op a placeholder names: a label, or the step's last op of a kind ("op": any kind). */
static const struct op *placeholder_op(struct lesson_runner *r, const char *name)
{
    const struct history *h = engine_history(script_run_engine(main_run(r)));
    int kind = param_choice("put|get|incr|add|remove|op", name);
    const struct op *best = NULL;

    if (kind < 0)
        return history_find_label(h, name);
    for (uint64_t id = history_count(h); id >= 1 && !best; id--) {
        const struct op *op = history_at(h, id);
        if (kind == 5 || (int)op->req.kind == kind)
            best = op;
    }
    return best;
}

/* One placeholder's value into dst; false when it names nothing. */
static bool placeholder(struct lesson_runner *r, const char *name, char *dst, size_t size)
{
    struct engine *e = script_run_engine(main_run(r));
    char what[48], field[32];
    const char *dot = strchr(name, '.');
    const struct op *op;
    int node;

    if (strcmp(name, "now") == 0) {
        util_fmt_time(dst, size, engine_now(e));
        return true;
    }
    if (strcmp(name, "leader") == 0) {
        int best = -1;
        int64_t epoch = -2;
        for (int i = 0; i < engine_nodes(e); i++) {
            struct engine_node n;
            if (engine_node(e, i, &n) == 0 && n.state == NODE_UP && n.desc.leads &&
                n.desc.epoch > epoch) {
                best = i;
                epoch = n.desc.epoch;
            }
        }
        if (best < 0)
            snprintf(dst, size, "no node");
        else
            snprintf(dst, size, "n%d", best + 1);
        return true;
    }
    if (!dot || (size_t)(dot - name) >= sizeof(what))
        return false;
    memcpy(what, name, (size_t)(dot - name));
    what[dot - name] = '\0';
    util_strlcpy(field, dot + 1, sizeof(field));
    node = param_parse_node(what, engine_nodes(e));
    if (node >= 0) {
        struct op_values v;
        engine_read_local(e, node, field, &v);
        op_format_values(&v, dst, size);
        return true;
    }
    op = placeholder_op(r, what);
    if (!op)
        return false;
    if (strcmp(field, "value") == 0) {
        if (op->req.kind == OP_PUT || op->req.kind == OP_ADD || op->req.kind == OP_REMOVE)
            util_strlcpy(dst, op->req.value, size);
        else
            op_format_result(&op->result, dst, size);
    } else if (strcmp(field, "result") == 0) {
        if (op->status == OP_OK)
            op_format_result(&op->result, dst, size);
        else
            util_strlcpy(dst, op_status_name(op->status), size);
    } else if (strcmp(field, "latency") == 0) {
        if (op->status == OP_PENDING)
            snprintf(dst, size, "(still waiting)");
        else
            util_fmt_duration(dst, size, op->complete_us - op->invoke_us);
    } else if (strcmp(field, "status") == 0) {
        util_strlcpy(dst, op_status_name(op->status), size);
    } else if (strcmp(field, "key") == 0) {
        util_strlcpy(dst, op->req.key, size);
    } else if (strcmp(field, "via") == 0) {
        snprintf(dst, size, "n%d", op->node + 1);
    } else if (strcmp(field, "label") == 0) {
        util_strlcpy(dst, op->label, size);
    } else {
        return false;
    }
    return true;
}

void lesson_runner_expand(struct lesson_runner *r, const char *text, char *dst, size_t size)
{
    size_t o = 0;

    if (size == 0)
        return;
    for (const char *c = text; *c && o + 1 < size;) {
        const char *close = *c == '{' ? strchr(c, '}') : NULL;
        char name[64], val[256];
        if (close && (size_t)(close - c - 1) < sizeof(name) && close > c + 1) {
            memcpy(name, c + 1, (size_t)(close - c - 1));
            name[close - c - 1] = '\0';
            if (placeholder(r, name, val, sizeof(val))) {
                for (const char *v = val; *v && o + 1 < size; v++)
                    dst[o++] = *v;
                c = close + 1;
                continue;
            }
        }
        dst[o++] = *c++;
    }
    dst[o] = '\0';
}
