/*
 * Running: turns parsed commands into engine calls. A run builds its engine on
 * first need and again whenever the cluster's shape changes (model, nodes,
 * seed), a rewind replays the journal, or the run is reset; each build counts
 * in run->generation. Settings are remembered (at most SCRIPT_MAX_SETTINGS) so
 * a rebuild re-applies them, and expects' results are kept (at most
 * SCRIPT_MAX_EXPECTS); a command past either limit is an error and changes
 * nothing.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_int.h"
#include "util.h"

struct script_run *script_run_create(const char *file, int64_t seed_override)
{
    struct script_run *run = xcalloc(1, sizeof(*run));
    const struct model_ops *m = model_find("leader");

    util_strlcpy(run->file, file ? file : "", sizeof(run->file));
    run->seed_override = seed_override;
    util_strlcpy(run->model, m ? m->name : model_at(0)->name, sizeof(run->model));
    run->nodes = 3;
    run->seed = seed_override >= 0 ? (uint64_t)seed_override : 1;
    check_recorder_init(&run->rec);
    return run;
}

void script_run_reset(struct script_run *run, const char *file, int64_t seed_override)
{
    const struct model_ops *m = model_find("leader");

    if (run->e) {
        engine_destroy(run->spare);
        run->spare = run->e;
        run->e = NULL;
    }
    util_strlcpy(run->file, file ? file : "", sizeof(run->file));
    run->seed_override = seed_override;
    util_strlcpy(run->model, m ? m->name : model_at(0)->name, sizeof(run->model));
    run->nodes = 3;
    run->seed = seed_override >= 0 ? (uint64_t)seed_override : 1;
    run->n_obs = 0;
    run->n_actions = 0;
    run->n_settings = 0;
    run->n_expects = 0;
    run->n_journal = 0;
    run->failed = 0;
    run->unquiet = false;
    run->replaying = false;
    check_recorder_release(&run->rec);
    check_recorder_init(&run->rec);
}

void script_run_destroy(struct script_run *run)
{
    if (!run)
        return;
    engine_destroy(run->e);
    engine_destroy(run->spare);
    check_recorder_release(&run->rec);
    free(run->journal);
    free(run->journal_t);
    free(run->actions);
    free(run->settings);
    free(run->expects);
    free(run);
}

void script_run_trace_ring(struct script_run *run, size_t events)
{
    run->ring = events;
    if (run->e)
        trace_ring_reserve(engine_trace(run->e), events);
}

void script_run_observe(struct script_run *run, struct trace_observer *obs)
{
    assert(run->n_obs < SCRIPT_MAX_OBSERVERS);
    run->obs[run->n_obs++] = obs;
    if (run->e)
        trace_subscribe(engine_trace(run->e), obs);
}

int script_runtime_error(struct script_run *run, const struct script_cmd *cmd,
                         struct script_error *err, const char *fmt, ...)
{
    va_list ap;

    util_strlcpy(err->file, run->file, sizeof(err->file));
    err->line = cmd->line;
    err->col = cmd->col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static void build(struct script_run *run)
{
    int r;

    if (run->spare && engine_model(run->spare) == model_find(run->model) &&
        engine_nodes(run->spare) == run->nodes) {
        run->e = run->spare;
        run->spare = NULL;
        r = engine_reset(run->e, run->seed);
    } else {
        engine_destroy(run->spare);
        run->spare = NULL;
        r = engine_create(run->model, run->nodes, run->seed, &run->e);
    }
    assert(r == 0); /* model and node count were checked by the parser */
    (void)r;
    run->generation++;
    check_recorder_release(&run->rec);
    check_recorder_init(&run->rec);
    if (run->ring)
        trace_ring_reserve(engine_trace(run->e), run->ring);
    trace_subscribe(engine_trace(run->e), &run->rec.obs);
    for (int i = 0; i < run->n_obs; i++)
        trace_subscribe(engine_trace(run->e), run->obs[i]);
    run->n_actions = 0;
}

struct engine *script_run_engine(struct script_run *run)
{
    if (!run->e)
        build(run);
    return run->e;
}

uint64_t script_run_generation(const struct script_run *run)
{
    return run->generation;
}

void script_run_forget(struct script_run *run)
{
    const struct model_ops *m = model_find("leader");

    engine_destroy(run->e);
    run->e = NULL;
    util_strlcpy(run->model, m ? m->name : model_at(0)->name, sizeof(run->model));
    run->nodes = 3;
    run->seed = run->seed_override >= 0 ? (uint64_t)run->seed_override : 1;
    run->n_settings = 0;
    run->n_actions = 0;
    run->n_expects = 0;
    run->failed = 0;
    run->unquiet = false;
}

/* A new cluster shape: build afresh and re-apply the settings that still make sense. */
static void rebuild(struct script_run *run)
{
    struct script_error ignored;
    int n = run->n_settings;

    engine_destroy(run->e);
    run->e = NULL;
    build(run);
    run->n_settings = 0;
    for (int i = 0; i < n; i++) {
        struct script_cmd c = run->settings[i];
        /* A setting the new model lacks, or a link to a node that is gone, is dropped. */
        if (c.kind == CMD_LINK && (c.node >= run->nodes || c.node2 >= run->nodes))
            continue;
        script_exec_now(run, &c, &ignored);
    }
}

/* The caller checked there is room (settings_full). */
static void remember_setting(struct script_run *run, const struct script_cmd *cmd)
{
    assert(run->n_settings < SCRIPT_MAX_SETTINGS);
    if (run->n_settings == run->cap_settings) {
        run->cap_settings = run->cap_settings ? run->cap_settings * 2 : 16;
        if (run->cap_settings > SCRIPT_MAX_SETTINGS)
            run->cap_settings = SCRIPT_MAX_SETTINGS;
        run->settings = xrealloc(run->settings, (size_t)run->cap_settings * sizeof(*run->settings));
    }
    run->settings[run->n_settings++] = *cmd;
}

static int run_action(struct script_run *run, uint64_t id, struct script_error *err)
{
    struct script_cmd c;

    assert(id < (uint64_t)run->n_actions);
    c = run->actions[id];
    return script_exec_now(run, &c, err);
}

int script_run_to(struct script_run *run, int64_t target, struct script_error *err)
{
    uint64_t id;

    while (engine_run_until(run->e, target, &id) == ENGINE_ACTION)
        if (run_action(run, id, err) < 0)
            return -1;
    return 0;
}

static int run_quiet(struct script_run *run, struct script_error *err)
{
    int64_t deadline = engine_now(run->e) + engine_param_num(run->e, EP_QUIET_MAX);
    enum engine_stop stop;
    uint64_t id;

    for (;;) {
        stop = engine_run_until_quiet(run->e, deadline - engine_now(run->e), &id);
        if (stop != ENGINE_ACTION)
            break;
        if (run_action(run, id, err) < 0)
            return -1;
    }
    run->unquiet = stop == ENGINE_BOUND;
    return 0;
}

/*
 * run until PREDICATE: process events one at a time until the predicate holds
 * (checked before each), at most quiet_max of virtual time; where it stopped
 * and why goes in the trace as a note.
 */
static int run_pred(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    int64_t deadline = engine_now(run->e) + engine_param_num(run->e, EP_QUIET_MAX);
    char why[SCRIPT_MSG_MAX], note[SCRIPT_MSG_MAX + 64];

    for (;;) {
        uint64_t id;
        enum engine_stop s;
        if (script_eval(run, &cmd->pred, why, sizeof(why))) {
            snprintf(note, sizeof(note), "run until: it holds (%s)", why);
            engine_note(run->e, note);
            return 0;
        }
        if (engine_now(run->e) >= deadline)
            break;
        s = engine_step(run->e, &id);
        if (s == ENGINE_EMPTY)
            break;
        if (s == ENGINE_ACTION && run_action(run, id, err) < 0)
            return -1;
    }
    snprintf(note, sizeof(note), "run until: still not holding after quiet_max (%s)", why);
    engine_note(run->e, note);
    return 0;
}

static void add_expect(struct script_run *run, const struct script_cmd *cmd, bool ok,
                       const char *msg)
{
    struct script_expect *x;

    assert(run->n_expects < SCRIPT_MAX_EXPECTS);
    if (run->n_expects == run->cap_expects) {
        run->cap_expects = run->cap_expects ? run->cap_expects * 2 : 16;
        if (run->cap_expects > SCRIPT_MAX_EXPECTS)
            run->cap_expects = SCRIPT_MAX_EXPECTS;
        run->expects = xrealloc(run->expects, (size_t)run->cap_expects * sizeof(*run->expects));
    }
    x = &run->expects[run->n_expects++];
    x->line = cmd->line;
    x->ok = ok;
    util_strlcpy(x->text, cmd->text, sizeof(x->text));
    util_strlcpy(x->msg, msg, sizeof(x->msg));
    if (!ok)
        run->failed++;
}

static int exec_op(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    struct engine_op_spec spec;
    int64_t r;

    memset(&spec, 0, sizeof(spec));
    spec.label = cmd->label;
    spec.client = cmd->client;
    spec.kind = cmd->op;
    spec.key = cmd->key;
    spec.value = cmd->value;
    spec.amount = cmd->num;
    spec.via = cmd->via;
    if (cmd->after[0]) {
        const struct op *after = history_find_label(engine_history(run->e), cmd->after);
        if (!after)
            return script_runtime_error(run, cmd, err, "no op labelled '%s' has run yet",
                                        cmd->after);
        /* A write that names a context it cannot have must not quietly become a blind one. */
        if (!after->has_ctx)
            return script_runtime_error(run, cmd, err, "'%s' carries no version context (%s)",
                                        cmd->after,
                                        after->status == OP_PENDING ? "it has not completed yet"
                                        : after->status == OP_OK    ? "this model returns none"
                                                                    : "it did not complete ok");
        spec.after = after->id;
    }
    spec.carry = cmd->after_last;
    r = engine_submit(run->e, &spec);
    if (r < 0)
        return script_runtime_error(run, cmd, err, "%s: %s", op_kind_name(cmd->op),
                                    engine_strerror((int)r));
    return 0;
}

/*
 * `pause leader`, `partition leader`: a copy of cmd naming the live node that leads the newest
 * epoch right now, or NULL (and a note in the trace) when no node leads.
 */
static const struct script_cmd *leader_now(struct engine *e, const struct script_cmd *cmd,
                                           struct script_cmd *out)
{
    int best = -1;
    int64_t best_epoch = -1;

    for (int i = 0; i < engine_nodes(e); i++) {
        struct engine_node info;
        if (engine_node(e, i, &info) != 0 || info.state != NODE_UP || !info.desc.leads ||
            info.desc.epoch <= best_epoch)
            continue;
        best = i;
        best_epoch = info.desc.epoch;
    }
    if (best < 0) {
        engine_note(e, "no node leads right now: nothing to do for 'leader'");
        return NULL;
    }
    *out = *cmd;
    out->node = best;
    return out;
}

/* Faults: a node's life, the links, the clocks. 0, or -1 with *err filled. */
static int exec_fault(struct script_run *run, struct engine *e, const struct script_cmd *cmd,
                      struct script_error *err)
{
    struct script_cmd resolved;
    int r = 0;

    switch (cmd->kind) {
    case CMD_KILL:
        r = engine_kill(e, cmd->node);
        if (r == ENGINE_ESTATE)
            return script_runtime_error(run, cmd, err, "n%d is already down", cmd->node + 1);
        break;
    case CMD_RESTART:
    case CMD_WIPE:
        r = engine_restart(e, cmd->node, cmd->kind == CMD_WIPE);
        break;
    case CMD_PAUSE:
        if (cmd->node == NODE_LEADER && (cmd = leader_now(e, cmd, &resolved)) == NULL)
            break;
        r = engine_pause(e, cmd->node, cmd->dur_us);
        if (r == ENGINE_ESTATE)
            return script_runtime_error(
                run, cmd, err, "n%d cannot pause: it is %s", cmd->node + 1,
                engine_node(e, cmd->node, &(struct engine_node){0}) == 0 ? "not up" : "unknown");
        break;
    case CMD_RESUME:
        r = engine_resume(e, cmd->node);
        if (r == ENGINE_ESTATE)
            return script_runtime_error(run, cmd, err, "n%d is not paused", cmd->node + 1);
        break;
    case CMD_PARTITION:
        if (cmd->node == NODE_LEADER) {
            if ((cmd = leader_now(e, cmd, &resolved)) == NULL)
                break;
            for (int i = 0; i < ENGINE_MAX_NODES; i++)
                resolved.group[i] = i == resolved.node ? 0 : 1;
        }
        r = engine_partition(e, cmd->group);
        break;
    case CMD_HEAL:
        engine_heal(e);
        break;
    case CMD_CUT:
    case CMD_MEND:
        r = engine_cut(e, cmd->node, cmd->node2, cmd->both, cmd->kind == CMD_CUT);
        break;
    case CMD_SKEW:
        r = engine_skew(e, cmd->node, cmd->dur_us);
        break;
    case CMD_DRIFT:
        r = engine_drift(e, cmd->node, (int32_t)cmd->num);
        break;
    case CMD_NTP:
        r = engine_ntp(e, cmd->node);
        break;
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
    case CMD_SET:
    case CMD_LATENCY:
    case CMD_RUN:
    case CMD_RUN_UNTIL:
    case CMD_RUN_QUIET:
    case CMD_RUN_PRED:
    case CMD_STEP:
    case CMD_OP:
    case CMD_LINK:
    case CMD_NET:
    case CMD_EXPECT:
    case CMD_NOTE:
    case CMD_WORKLOAD:
    case CMD_MSG:
    case CMD_SAY:
    case CMD_BEAT:
    case CMD_MODEL_CMD:
        assert(false && "not a fault");
        break;
    }
    if (r < 0)
        return script_runtime_error(run, cmd, err, "%s", engine_strerror(r));
    return 0;
}

/* Commands the run remembers, to apply them again on a rebuilt cluster. */
static bool is_setting(enum script_cmd_kind k)
{
    return k == CMD_SET || k == CMD_LATENCY || k == CMD_NET || k == CMD_LINK || k == CMD_MODEL_CMD;
}

/* A command that would grow a bounded list past its limit is refused before it runs. */
static int check_limits(struct script_run *run, const struct script_cmd *cmd,
                        struct script_error *err)
{
    if (is_setting(cmd->kind) && run->n_settings >= SCRIPT_MAX_SETTINGS)
        return script_runtime_error(run, cmd, err,
                                    "too many settings in one run (at most %d set, latency, link, "
                                    "net and model commands, kept to rebuild the cluster)",
                                    SCRIPT_MAX_SETTINGS);
    if (cmd->kind == CMD_EXPECT && run->n_expects >= SCRIPT_MAX_EXPECTS)
        return script_runtime_error(run, cmd, err, "too many expects in one run (at most %d)",
                                    SCRIPT_MAX_EXPECTS);
    return 0;
}

int script_exec_now(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    char msg[SCRIPT_MSG_MAX], why[SCRIPT_MSG_MAX];
    struct engine *e;
    int r = 0;

    if (cmd->kind == CMD_MODEL || cmd->kind == CMD_NODES || cmd->kind == CMD_SEED) {
        if (cmd->kind == CMD_MODEL)
            util_strlcpy(run->model, cmd->word, sizeof(run->model));
        else if (cmd->kind == CMD_NODES)
            run->nodes = (int)cmd->num;
        else if (run->seed_override < 0)
            run->seed = (uint64_t)cmd->num;
        if (run->e)
            rebuild(run);
        return 0;
    }
    if (check_limits(run, cmd, err) < 0)
        return -1;
    e = script_run_engine(run);
    switch (cmd->kind) {
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
        break;
    case CMD_SET:
        if (engine_set(e, cmd->word, cmd->value, msg, sizeof(msg)) < 0)
            return script_runtime_error(run, cmd, err, "%s", msg);
        remember_setting(run, cmd);
        break;
    case CMD_LATENCY:
    case CMD_NET:
        engine_link(e, -1, -1, false, &cmd->link);
        remember_setting(run, cmd);
        break;
    case CMD_LINK:
        r = engine_link(e, cmd->node, cmd->node2, cmd->both, &cmd->link);
        remember_setting(run, cmd);
        break;
    case CMD_RUN:
        return script_run_to(run, engine_now(e) + cmd->dur_us, err);
    case CMD_RUN_UNTIL:
        if (cmd->dur_us < engine_now(e)) {
            util_fmt_time(msg, sizeof(msg), engine_now(e));
            return script_runtime_error(run, cmd, err,
                                        "cannot run until a time that has passed (now %s)", msg);
        }
        return script_run_to(run, cmd->dur_us, err);
    case CMD_RUN_QUIET:
        return run_quiet(run, err);
    case CMD_RUN_PRED:
        return run_pred(run, cmd, err);
    case CMD_STEP:
        for (int64_t i = 0; i < cmd->num; i++) {
            uint64_t id;
            enum engine_stop s = engine_step(e, &id);
            if (s == ENGINE_EMPTY)
                break;
            if (s == ENGINE_ACTION && run_action(run, id, err) < 0)
                return -1;
        }
        break;
    case CMD_OP:
        return exec_op(run, cmd, err);
    case CMD_KILL:
    case CMD_RESTART:
    case CMD_WIPE:
    case CMD_PAUSE:
    case CMD_RESUME:
    case CMD_PARTITION:
    case CMD_HEAL:
    case CMD_CUT:
    case CMD_MEND:
    case CMD_SKEW:
    case CMD_DRIFT:
    case CMD_NTP:
        return exec_fault(run, e, cmd, err);
    case CMD_EXPECT: {
        int holds = script_eval(run, &cmd->pred, why, sizeof(why));
        add_expect(run, cmd, holds != 0, why);
        break;
    }
    case CMD_NOTE:
        engine_note(e, cmd->words);
        break;
    case CMD_WORKLOAD:
        engine_workload(e, &cmd->wl);
        break;
    case CMD_SAY:
        engine_mark(e, TRACE_SUB_SAY, cmd->words);
        break;
    case CMD_BEAT:
        engine_mark(e, TRACE_SUB_BEAT, cmd->text);
        break;
    case CMD_MSG:
        if (engine_msg(e, (uint64_t)cmd->num, (enum engine_msg_act)cmd->node, cmd->dur_us) < 0)
            return script_runtime_error(run, cmd, err, "no message #%lld is in flight",
                                        (long long)cmd->num);
        break;
    case CMD_MODEL_CMD: {
        int k = model_find_cmd(engine_model(e), cmd->word);
        if (k < 0)
            return script_runtime_error(run, cmd, err, "model %s has no command '%s'",
                                        engine_model(e)->name, cmd->word);
        if (engine_command(e, k, &cmd->margs, msg, sizeof(msg)) < 0)
            return script_runtime_error(run, cmd, err, "%s", msg);
        remember_setting(run, cmd);
        break;
    }
    }
    if (r < 0)
        return script_runtime_error(run, cmd, err, "%s", engine_strerror(r));
    return 0;
}

int script_run_exec(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    int64_t t = run->e ? engine_now(run->e) : 0;
    int r;

    if (script_journal_keeps(run, cmd) && run->n_journal >= SCRIPT_MAX_JOURNAL)
        return script_runtime_error(run, cmd, err,
                                    "too many commands in one run (at most %d kept for going "
                                    "back in time)",
                                    SCRIPT_MAX_JOURNAL);
    r = cmd->at_us < 0 ? script_exec_now(run, cmd, err) : script_schedule(run, cmd, err);
    if (r == 0)
        script_journal_add(run, cmd, t);
    return r;
}

int script_run_advance(struct script_run *run, int64_t t_us, struct script_error *err)
{
    script_run_engine(run);
    if (t_us < engine_now(run->e))
        return 0;
    return script_run_to(run, t_us, err);
}

int script_run_step(struct script_run *run, struct script_error *err)
{
    uint64_t id;
    enum engine_stop s = engine_step(script_run_engine(run), &id);

    if (s == ENGINE_ACTION)
        return run_action(run, id, err) < 0 ? -1 : 1;
    return s == ENGINE_EMPTY ? 0 : 1;
}

/* "1.234567s": a virtual time the parser reads back exactly. */

int script_schedule(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    struct engine *e;
    int r;

    e = script_run_engine(run);
    if (run->n_actions >= ENGINE_MAX_ACTIONS)
        return script_runtime_error(run, cmd, err, "too many scheduled commands (at most %d)",
                                    ENGINE_MAX_ACTIONS);
    if (run->n_actions == run->cap_actions) {
        run->cap_actions = run->cap_actions ? run->cap_actions * 2 : 16;
        run->actions = xrealloc(run->actions, (size_t)run->cap_actions * sizeof(*run->actions));
    }
    r = engine_schedule_action(e, cmd->at_rel ? engine_now(e) + cmd->at_us : cmd->at_us,
                               (uint64_t)run->n_actions);
    if (r == ENGINE_EPAST) {
        char now[32];
        util_fmt_time(now, sizeof(now), engine_now(e));
        return script_runtime_error(run, cmd, err, "'at' names a time that has passed (now %s)",
                                    now);
    }
    if (r < 0)
        return script_runtime_error(run, cmd, err, "%s", engine_strerror(r));
    run->actions[run->n_actions] = *cmd;
    run->actions[run->n_actions].at_us = -1;
    run->n_actions++;
    return 0;
}

int script_run_all(struct script_run *run, const struct script *s, struct script_error *err)
{
    for (int i = 0; i < s->n; i++)
        if (script_run_exec(run, &s->cmds[i], err) < 0)
            return -1;
    script_run_engine(run);
    return run_quiet(run, err);
}

int script_run_expects(const struct script_run *run)
{
    return run->n_expects;
}

const struct script_expect *script_run_expect_at(const struct script_run *run, int i)
{
    if (i < 0 || i >= run->n_expects)
        return NULL;
    return &run->expects[i];
}

int script_run_failed(const struct script_run *run)
{
    return run->failed;
}

const struct check_recorder *script_run_recorder(const struct script_run *run)
{
    return &run->rec;
}

bool script_run_unquiet(const struct script_run *run)
{
    return run->unquiet;
}
