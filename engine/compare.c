#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- models ---- */

int compare_models(const char *list, const struct model_ops **out, char *why, size_t size)
{
    char buf[256], *save = NULL;
    int n = 0;

    if (strlen(list) >= sizeof(buf) || !list[0]) {
        snprintf(why, size, "expected a comma list of models, like leader,multi,leaderless");
        return -1;
    }
    util_strlcpy(buf, list, sizeof(buf));
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        const struct model_ops *m = model_find(w);
        if (!m) {
            char names[200] = "";
            for (int k = 0; k < model_count(); k++)
                util_appendf(names, sizeof(names), "%s%s", k ? ", " : "", model_at(k)->name);
            snprintf(why, size, "unknown model '%s'; expected some of: %s", w, names);
            return -1;
        }
        for (int k = 0; k < n; k++) {
            if (out[k] == m) {
                snprintf(why, size, "model '%s' is named twice", w);
                return -1;
            }
        }
        if (n == COMPARE_MAX_MODELS) {
            snprintf(why, size, "at most %d models side by side", COMPARE_MAX_MODELS);
            return -1;
        }
        out[n++] = m;
    }
    if (n == 0) {
        snprintf(why, size, "expected a comma list of models, like leader,multi,leaderless");
        return -1;
    }
    return n;
}

/* ---- parsing ---- */

/*
 * Each model parses the whole file. When some fail, the earliest failing line is the one to
 * report. When every model failed there with the same message, it is an ordinary error. When
 * it was a shared line and another model read it, the line is model-specific: the error names
 * the model that lacks it and the models that have it, whose `for` it belongs under.
 */
int compare_parse(struct compare *c, const char *file, const char *text, size_t len,
                  const struct model_ops *const *models, int n, struct script_error *err)
{
    struct script_error errs[COMPARE_MAX_MODELS];
    bool failed[COMPARE_MAX_MODELS], shared[COMPARE_MAX_MODELS];
    int worst = -1;

    memset(c, 0, sizeof(*c));
    util_strlcpy(c->file, file ? file : "", sizeof(c->file));
    c->n = n;
    for (int k = 0; k < n; k++) {
        struct script_env env;
        c->models[k] = models[k];
        script_env_init(&env, true);
        env.model = models[k];
        env.compare = true;
        failed[k] = script_parse_text(file, text, len, &env, &c->scripts[k], &errs[k]) < 0;
        shared[k] = env.line_shared;
        script_env_release(&env);
        if (failed[k] && (worst < 0 || errs[k].line < errs[worst].line))
            worst = k;
    }
    if (worst < 0)
        return 0;
    *err = errs[worst];
    if (shared[worst]) {
        char have[200] = "", lack[200] = "";
        int n_have = 0, n_lack = 0;
        for (int k = 0; k < n; k++) {
            if (failed[k] && errs[k].line == errs[worst].line)
                util_appendf(lack, sizeof(lack), "%s%s", n_lack++ ? " and " : "", models[k]->name);
            else
                util_appendf(have, sizeof(have), "%s%s", n_have++ ? "," : "", models[k]->name);
        }
        if (n_have > 0)
            snprintf(err->msg, sizeof(err->msg),
                     "model%s %s cannot read this shared line (%s); put it under 'for %s:'",
                     n_lack > 1 ? "s" : "", lack, errs[worst].msg, have);
    }
    for (int k = 0; k < n; k++)
        script_release(&c->scripts[k]);
    memset(c, 0, sizeof(*c));
    return -1;
}

/* ---- fault windows ---- */

static bool fault_active(const struct compare_faults *f)
{
    return f->down || f->paused || f->skewed || f->cuts > 0 || f->partitioned;
}

static void set_bit(uint64_t *bits, int node, bool on)
{
    if (node < 0 || node >= NODEMASK_BITS)
        return;
    if (on)
        *bits |= nodemask_bit(node);
    else
        *bits &= ~nodemask_bit(node);
}

static void faults_reset(struct compare_faults *f)
{
    struct trace_observer obs = f->obs;

    memset(f, 0, sizeof(*f));
    f->obs = obs;
}

static void faults_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct compare_faults *f =
        (struct compare_faults *)(void *)((char *)self - offsetof(struct compare_faults, obs));
    bool was;

    if (ev->seq <= f->last_seq)
        faults_reset(f); /* a new engine: the run was rebuilt */
    f->last_seq = ev->seq;
    if (ev->kind != TRACE_FAULT && ev->kind != TRACE_CLOCK)
        return;
    was = fault_active(f);
    f->last_us = ev->t_us;
    if (ev->kind == TRACE_CLOCK) {
        if (ev->sub == TRACE_SUB_NTP)
            set_bit(&f->skewed, ev->node, false);
        else if (ev->a != 0)
            set_bit(&f->skewed, ev->node, true);
    } else if (ev->sub == TRACE_SUB_KILL) {
        set_bit(&f->down, ev->node, true);
    } else if (ev->sub == TRACE_SUB_RESTART || ev->sub == TRACE_SUB_WIPE) {
        set_bit(&f->down, ev->node, false);
    } else if (ev->sub == TRACE_SUB_PAUSE) {
        set_bit(&f->paused, ev->node, true);
    } else if (ev->sub == TRACE_SUB_RESUME) {
        set_bit(&f->paused, ev->node, false);
    } else if (ev->sub == TRACE_SUB_CUT) {
        f->cuts++;
    } else if (ev->sub == TRACE_SUB_MEND) {
        f->cuts = f->cuts > 0 ? f->cuts - 1 : 0;
    } else if (ev->sub == TRACE_SUB_PARTITION) {
        f->partitioned = true;
    } else if (ev->sub == TRACE_SUB_HEAL) {
        f->partitioned = false;
        f->cuts = 0;
    }
    if (!was && fault_active(f)) {
        if (f->n == COMPARE_MAX_WINDOWS) {
            f->to_us[f->n - 1] = INT64_MAX; /* out of room: the last window stretches */
            return;
        }
        f->from_us[f->n] = ev->t_us;
        f->to_us[f->n++] = INT64_MAX;
    } else if (was && !fault_active(f) && f->n > 0) {
        f->to_us[f->n - 1] = ev->t_us;
    }
}

void compare_faults_init(struct compare_faults *f)
{
    memset(f, 0, sizeof(*f));
    f->obs.fn = faults_event;
}

void compare_faults_ops(const struct compare_faults *f, const struct history *h, int *ops, int *ok)
{
    size_t n = history_count(h);
    int w = 0;

    *ops = *ok = 0;
    /* Ops are in invocation order, and so are the windows: one pass over both. */
    for (uint64_t id = 1; id <= n; id++) {
        const struct op *op = history_at(h, id);
        while (w < f->n && f->to_us[w] <= op->invoke_us)
            w++;
        if (w == f->n)
            break;
        if (op->invoke_us < f->from_us[w])
            continue;
        (*ops)++;
        if (op->status == OP_OK)
            (*ok)++;
    }
}

/* ---- stale reads ---- */

/* The puts of a history by key and value (the first put of each pair), open addressing. */
struct put_index {
    uint64_t *ids; /* 0: empty slot */
    size_t mask;
};

static uint64_t hash_pair(const char *key, const char *value)
{
    uint64_t h = 1469598103934665603ull;

    for (const char *c = key; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *c = value; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return h;
}

static void put_index_build(struct put_index *x, const struct history *h)
{
    size_t n = history_count(h), cap = 16;

    while (cap < 2 * n + 16)
        cap *= 2;
    x->ids = xcalloc(cap, sizeof(*x->ids));
    x->mask = cap - 1;
    for (uint64_t id = 1; id <= n; id++) {
        const struct op *w = history_at(h, id);
        size_t i;
        if (w->req.kind != OP_PUT)
            continue;
        for (i = hash_pair(w->req.key, w->req.value) & x->mask; x->ids[i]; i = (i + 1) & x->mask) {
            const struct op *o = history_at(h, x->ids[i]);
            if (strcmp(o->req.key, w->req.key) == 0 && strcmp(o->req.value, w->req.value) == 0)
                break;
        }
        if (!x->ids[i])
            x->ids[i] = id;
    }
}

/* The ok put that wrote value to key, or NULL (none, or a write that did not return ok). */
static const struct op *writer_of(const struct put_index *x, const struct history *h,
                                  const char *key, const char *value)
{
    for (size_t i = hash_pair(key, value) & x->mask; x->ids[i]; i = (i + 1) & x->mask) {
        const struct op *w = history_at(h, x->ids[i]);
        if (strcmp(w->req.key, key) == 0 && strcmp(w->req.value, value) == 0)
            return w->status == OP_OK ? w : NULL;
    }
    return NULL;
}

/*
 * Ops are numbered in invocation order, so the acknowledged write that began last among those
 * done before a read is the highest-numbered one: a walk back from the read finds it, passing
 * only the ops invoked since (those still running, and other keys).
 */
int compare_stale_reads(const struct history *h, char *witness, size_t size)
{
    size_t n = history_count(h);
    struct put_index x;
    int stale = 0;

    if (size)
        witness[0] = '\0';
    put_index_build(&x, h);
    for (uint64_t id = 1; id <= n; id++) {
        const struct op *r = history_at(h, id), *newest = NULL;
        bool old = true;

        if (r->req.kind != OP_GET || r->status != OP_OK)
            continue;
        for (uint64_t j = id - 1; j >= 1 && !newest; j--) {
            const struct op *w = history_at(h, j);
            if (w->req.kind == OP_PUT && w->status == OP_OK && w->complete_us < r->invoke_us &&
                strcmp(w->req.key, r->req.key) == 0)
                newest = w;
        }
        if (!newest)
            continue;
        for (int v = 0; v < r->result.n && old; v++) {
            const struct op *w = writer_of(&x, h, r->req.key, r->result.v[v]);
            if (!w || w == newest || w->complete_us >= newest->invoke_us)
                old = false;
        }
        if (!old)
            continue;
        if (stale++ == 0 && size) {
            char vals[96];
            op_format_result(&r->result, vals, sizeof(vals));
            snprintf(witness, size, "%s read %s=%s after %s (%s=%s) was acknowledged", r->label,
                     r->req.key, vals, newest->label, newest->req.key, newest->req.value);
        }
    }
    free(x.ids);
    return stale;
}

/* ---- running ---- */

void compare_start(struct compare *c, int64_t seed, struct trace_observer *const *obs)
{
    c->seed = seed;
    for (int k = 0; k < c->n; k++) {
        c->obs[k] = obs ? obs[k] : NULL;
        memset(&c->play[k], 0, sizeof(c->play[k]));
        struct script_env env;
        struct script_cmd cmd;
        struct script_error err;
        char line[64];
        int r;

        c->runs[k] = script_run_create(c->file, seed);
        compare_faults_init(&c->faults[k]);
        script_run_observe(c->runs[k], &c->faults[k].obs);
        if (obs && obs[k])
            script_run_observe(c->runs[k], obs[k]);
        script_env_init(&env, false);
        snprintf(line, sizeof(line), "model %s", c->models[k]->name);
        r = script_parse_line(&env, c->file, 0, line, &cmd, &err);
        script_env_release(&env);
        if (r == 1)
            r = script_run_exec(c->runs[k], &cmd, &err);
        (void)r; /* a registered model name always parses and runs */
    }
}

int compare_run_all(struct compare *c, struct script_error *err)
{
    for (int k = 0; k < c->n; k++) {
        if (script_run_all(c->runs[k], &c->scripts[k], err) < 0) {
            char msg[SCRIPT_MSG_MAX];
            util_strlcpy(msg, err->msg, sizeof(msg));
            snprintf(err->msg, sizeof(err->msg), "on model %s: %s", c->models[k]->name, msg);
            return -1;
        }
    }
    return 0;
}

void compare_release(struct compare *c)
{
    for (int k = 0; k < c->n; k++) {
        script_run_destroy(c->runs[k]);
        script_release(&c->scripts[k]);
        if (c->envs_ready)
            script_env_release(&c->envs[k]);
    }
    free(c->acts);
    memset(c, 0, sizeof(*c));
}

void compare_measure(struct compare *c, int k, struct compare_measures *out)
{
    struct script_run *run = c->runs[k];
    const struct engine *e = script_run_engine(run);
    const struct check_recorder *rec = script_run_recorder(run);
    const struct history *h = engine_history(e);

    memset(out, 0, sizeof(*out));
    check_summary_run(e, rec, 0,
                      CHECK_PART_AVAIL | CHECK_PART_LIN | CHECK_PART_LOST | CHECK_PART_SESSIONS |
                          CHECK_PART_SPLIT | CHECK_PART_CONVERGE,
                      &out->checks);
    compare_faults_ops(&c->faults[k], h, &out->during_ops, &out->during_ok);
    out->faults = c->faults[k].n > 0;
    out->stale = compare_stale_reads(h, out->stale_witness, sizeof(out->stale_witness));
    /* As check_convergence counts it, with clock changes counted as faults too. */
    out->last_fault_us =
        rec->last_fault_us > c->faults[k].last_us ? rec->last_fault_us : c->faults[k].last_us;
    if (rec->last_change_us > out->last_fault_us)
        out->converge_after_us = rec->last_change_us - out->last_fault_us;
    out->msgs = net_total_sent(engine_net(e));
    out->expects = script_run_expects(run);
    out->expects_failed = script_run_failed(run);
    out->unquiet = script_run_unquiet(run);
}

/* ---- the shared clock ---- */

static int model_error(struct compare *c, int k, struct script_error *err)
{
    char msg[SCRIPT_MSG_MAX];

    util_strlcpy(msg, err->msg, sizeof(msg));
    snprintf(err->msg, sizeof(err->msg), "on model %s: %s", c->models[k]->name, msg);
    return -1;
}

/* Reaches the script's next command: runs it, or starts the wait it stands for. */
static int play_next(struct compare *c, int k, struct script_error *err)
{
    struct script_run *run = c->runs[k];
    struct compare_play *p = &c->play[k];
    const struct script_cmd *cmd = &c->scripts[k].cmds[p->pc++];
    struct engine *e = script_run_engine(run);
    int64_t now = engine_now(e);

    switch (cmd->kind) {
    case CMD_RUN:
        p->wait = COMPARE_TIME;
        p->until_us = now + cmd->dur_us;
        return 0;
    case CMD_RUN_UNTIL:
        p->wait = COMPARE_TIME;
        p->until_us = cmd->dur_us > now ? cmd->dur_us : now;
        return 0;
    case CMD_RUN_QUIET:
    case CMD_RUN_PRED:
        p->wait = cmd->kind == CMD_RUN_QUIET ? COMPARE_QUIET : COMPARE_PRED;
        p->until_us = now + engine_param_num(e, EP_QUIET_MAX);
        p->pred = cmd;
        return 0;
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
    case CMD_SET:
    case CMD_LATENCY:
    case CMD_STEP:
    case CMD_OP:
    case CMD_KILL:
    case CMD_RESTART:
    case CMD_WIPE:
    case CMD_PAUSE:
    case CMD_RESUME:
    case CMD_PARTITION:
    case CMD_HEAL:
    case CMD_CUT:
    case CMD_MEND:
    case CMD_LINK:
    case CMD_NET:
    case CMD_SKEW:
    case CMD_DRIFT:
    case CMD_NTP:
    case CMD_EXPECT:
    case CMD_NOTE:
    case CMD_WORKLOAD:
    case CMD_MSG:
    case CMD_SAY:
    case CMD_BEAT:
    case CMD_MODEL_CMD:
        break;
    }
    return script_run_exec(run, cmd, err) < 0 ? model_error(c, k, err) : 0;
}

/* Is model k's wait over at its engine's present? */
static bool wait_over(struct compare *c, int k)
{
    struct compare_play *p = &c->play[k];
    struct engine *e = script_run_engine(c->runs[k]);
    int64_t now = engine_now(e);
    char why[SCRIPT_MSG_MAX];

    switch (p->wait) {
    case COMPARE_GO:
        return true;
    case COMPARE_TIME:
        return now >= p->until_us;
    case COMPARE_QUIET:
        return engine_quiet(e) || now >= p->until_us;
    case COMPARE_PRED:
        return now >= p->until_us || script_eval(c->runs[k], &p->pred->pred, why, sizeof(why));
    }
    return true;
}

static int play_model(struct compare *c, int k, int64_t target, struct script_error *err)
{
    struct script_run *run = c->runs[k];
    struct compare_play *p = &c->play[k];

    for (;;) {
        struct engine *e = script_run_engine(run);
        int64_t now = engine_now(e), next = target;

        if (p->wait != COMPARE_GO && wait_over(c, k))
            p->wait = COMPARE_GO;
        /* An action replays where it was given: at its time, after the script commands that
         * had run by then (those at the same instant too, like a setup at time 0). */
        if (p->next_action < c->n_acts && c->acts[p->next_action].t_us[k] <= now &&
            p->pc >= c->acts[p->next_action].pc[k]) {
            struct compare_action *a = &c->acts[p->next_action++];
            if (a->on[k] && script_run_exec(run, &a->cmd[k], err) < 0)
                return model_error(c, k, err);
            continue;
        }
        if (p->wait == COMPARE_GO && p->pc < c->scripts[k].n) {
            if (play_next(c, k, err) < 0)
                return -1;
            continue;
        }
        if (now >= target)
            return 0;
        if (p->wait == COMPARE_QUIET || p->wait == COMPARE_PRED) {
            /* One event at a time, so the wait ends at the same event whatever the frames. */
            int r = script_run_step(run, err);
            if (r < 0)
                return model_error(c, k, err);
            if (r == 0 &&
                script_run_advance(run, p->until_us < target ? p->until_us : target, err) < 0)
                return model_error(c, k, err);
            continue;
        }
        if (p->wait == COMPARE_TIME && p->until_us < next)
            next = p->until_us;
        if (p->next_action < c->n_acts && c->acts[p->next_action].t_us[k] < next)
            next = c->acts[p->next_action].t_us[k];
        if (script_run_advance(run, next, err) < 0)
            return model_error(c, k, err);
    }
}

int compare_play_to(struct compare *c, int64_t t_us, struct script_error *err)
{
    for (int k = 0; k < c->n; k++)
        if (play_model(c, k, t_us, err) < 0)
            return -1;
    return 0;
}

static void envs_init(struct compare *c)
{
    if (c->envs_ready)
        return;
    for (int k = 0; k < c->n; k++) {
        script_env_init(&c->envs[k], false);
        c->envs[k].model = c->models[k];
        c->envs[k].compare = true;
        c->envs[k].n_nodes = engine_nodes(script_run_engine(c->runs[k]));
    }
    c->envs_ready = true;
}

int compare_act(struct compare *c, int64_t now_us, const char *text, char *why, size_t size,
                char *skipped, size_t skipped_size)
{
    struct compare_action *a;
    int ran = 0;

    envs_init(c);
    if (c->n_acts >= COMPARE_MAX_ACTIONS) {
        snprintf(why, size, "too many commands (at most %d)", COMPARE_MAX_ACTIONS);
        return 0;
    }
    if (c->n_acts == c->cap_acts) {
        c->cap_acts = c->cap_acts ? c->cap_acts * 2 : 16;
        c->acts = xrealloc(c->acts, (size_t)c->cap_acts * sizeof(*c->acts));
    }
    a = &c->acts[c->n_acts];
    memset(a, 0, sizeof(*a));
    a->at_us = now_us;
    why[0] = '\0';
    skipped[0] = '\0';
    for (int k = 0; k < c->n; k++) {
        struct script_error err;
        struct script_env *env = &c->envs[k];
        int r = script_parse_line(env, NULL, 1, text, &a->cmd[k], &err);

        a->t_us[k] = engine_now(script_run_engine(c->runs[k]));
        a->pc[k] = c->play[k].pc;
        if (r == 1 && (a->cmd[k].kind == CMD_NODES || a->cmd[k].kind == CMD_SEED)) {
            r = -1;
            snprintf(err.msg, sizeof(err.msg), "the cluster's shape is the scenario's");
        } else if (r == 1 && (a->cmd[k].kind == CMD_RUN || a->cmd[k].kind == CMD_RUN_UNTIL ||
                              a->cmd[k].kind == CMD_RUN_QUIET || a->cmd[k].kind == CMD_RUN_PRED ||
                              a->cmd[k].kind == CMD_STEP)) {
            r = -1;
            snprintf(err.msg, sizeof(err.msg),
                     "time runs on the shared clock here: Space runs it, [ and ] travel");
        }
        if (r == 1 && script_run_exec(c->runs[k], &a->cmd[k], &err) == 0) {
            a->on[k] = true;
            ran++;
            continue;
        }
        if (r == 0)
            snprintf(err.msg, sizeof(err.msg), "not for this model");
        if (!why[0])
            snprintf(why, size, "%s: %s", c->models[k]->name, err.msg);
        util_appendf(skipped, skipped_size, "%s%s", skipped[0] ? ", " : "", c->models[k]->name);
    }
    /* Recorded even when no model ran it, so every play's action cursor stays in step. */
    c->n_acts++;
    for (int k = 0; k < c->n; k++)
        c->play[k].next_action = c->n_acts;
    return ran;
}

int compare_seek(struct compare *c, int64_t t_us, struct script_error *err)
{
    struct trace_observer *obs[COMPARE_MAX_MODELS];

    for (int k = 0; k < c->n; k++) {
        obs[k] = c->obs[k];
        script_run_destroy(c->runs[k]);
        c->runs[k] = NULL;
    }
    compare_start(c, c->seed, obs);
    return compare_play_to(c, t_us, err);
}

void compare_forget_after(struct compare *c, int64_t at_us)
{
    while (c->n_acts > 0 && c->acts[c->n_acts - 1].at_us > at_us)
        c->n_acts--;
    for (int k = 0; k < c->n; k++)
        if (c->play[k].next_action > c->n_acts)
            c->play[k].next_action = c->n_acts;
}

void compare_truncate_actions(struct compare *c, int n)
{
    if (n < 0)
        n = 0;
    if (n < c->n_acts)
        c->n_acts = n;
    for (int k = 0; k < c->n; k++)
        if (c->play[k].next_action > c->n_acts)
            c->play[k].next_action = c->n_acts;
}
