/*
 * Evaluating predicates: `expect`, `run until`, and the lesson runner's checks.
 * A predicate reads the engine's state, its history and the checkers; `did`
 * reads the journal. Each answer comes with why: what was expected and found.
 */
#include <stdio.h>
#include <string.h>

#include "script_int.h"
#include "util.h"

static void describe_values(const struct op_values *v, char *dst, size_t size)
{
    op_format_values(v, dst, size);
}

int script_eval(struct script_run *run, const struct script_pred *p, char *why, size_t size)
{
    return script_eval_since(run, p, 0, why, size);
}

int script_eval_since(struct script_run *run, const struct script_pred *p, int64_t since_us,
                      char *why, size_t size)
{
    int from = 0;

    while (since_us > 0 && from < run->n_journal && run->journal_t[from] < since_us)
        from++;
    return script_eval_step(run, p, since_us, from, why, size);
}

/* Does the journalled command c match what `did` asks for? */
static bool did_matches(const struct model_ops *m, const struct script_pred *p,
                        const struct script_cmd *c)
{
    /* `heal` mends every link, the one `did mend A B` names too. */
    if (p->did_kind == CMD_MEND && c->kind == CMD_HEAL)
        return true;
    if ((int)c->kind != p->did_kind)
        return false;
    switch (c->kind) {
    case CMD_OP:
        return (int)c->op == p->op_kind && (!p->key[0] || strcmp(c->key, p->key) == 0) &&
               (p->node < 0 || c->via == p->node);
    case CMD_SET:
        if (p->word[0] && strcmp(c->word, p->word) != 0)
            return false;
        if (p->value[0]) {
            /* The command kept the value as typed; compare the parameter's own spelling. */
            int eidx;
            const struct param_def *def = script_find_param_def(m, p->word, &eidx);
            struct param_value pv;
            char err[SCRIPT_MSG_MAX], canon[STORE_VAL_MAX];
            if (!def || param_parse(def, c->value, ENGINE_MAX_NODES, &pv, err, sizeof(err)) < 0)
                return strcmp(c->value, p->value) == 0;
            param_format(def, &pv, canon, sizeof(canon));
            return strcmp(canon, p->value) == 0;
        }
        return true;
    case CMD_CUT:
    case CMD_MEND:
        return p->node < 0 || (c->node == p->node && c->node2 == p->node2) ||
               (c->both && c->node == p->node2 && c->node2 == p->node);
    case CMD_MSG:
        return c->node == p->node;
    case CMD_MODEL_CMD:
        return strcmp(c->word, p->word) == 0 && (!p->key[0] || strcmp(c->margs.key, p->key) == 0);
    case CMD_HEAL:
    case CMD_PARTITION:
    case CMD_LINK:
    case CMD_LATENCY:
    case CMD_NET:
    case CMD_WORKLOAD:
        return true;
    case CMD_KILL:
    case CMD_RESTART:
    case CMD_WIPE:
    case CMD_PAUSE:
    case CMD_RESUME:
    case CMD_NTP:
    case CMD_SKEW:
    case CMD_DRIFT:
        return p->node < 0 || c->node == p->node;
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
    case CMD_RUN:
    case CMD_RUN_UNTIL:
    case CMD_RUN_QUIET:
    case CMD_RUN_PRED:
    case CMD_STEP:
    case CMD_EXPECT:
    case CMD_NOTE:
    case CMD_SAY:
    case CMD_BEAT:
        return false;
    }
    return false;
}

/* LABEL ok|fail|timeout|pending|done, LABEL == VALUE. */
static int eval_label(const struct history *h, const struct script_pred *p, char *why, size_t size)
{
    const struct op *op = history_find_label(h, p->label);
    char a[160];
    int holds = 0;

    if (!op) {
        snprintf(why, size, "%s was never issued", p->label);
        return 0;
    }
    if (p->kind == SPRED_OP_STATUS) {
        holds = p->done ? op->status != OP_PENDING : op->status == p->status;
        if (op->status == OP_FAIL || op->status == OP_TIMEOUT)
            snprintf(why, size, "%s is %s (%s)", p->label, op_status_name(op->status), op->reason);
        else
            snprintf(why, size, "%s is %s", p->label, op_status_name(op->status));
    } else {
        holds = op->status == OP_OK && op_result_equal(&op->result, &p->values);
        op_format_result(&op->result, a, sizeof(a));
        if (op->status == OP_OK)
            snprintf(why, size, "%s returned %s", p->label, a);
        else
            snprintf(why, size, "%s is %s%s%s%s", p->label, op_status_name(op->status),
                     op->reason[0] ? " (" : "", op->reason, op->reason[0] ? ")" : "");
    }
    return holds;
}

/* The checkers' predicates: converged (every key), linearizable, sessions, lost-writes,
 * split-brain, availability. */
static int eval_checker(struct script_run *run, struct engine *e, const struct history *h,
                        const struct script_pred *p, char *why, size_t size)
{
    int holds = 0;

    if (p->kind == SPRED_CONVERGED_ALL) {
        struct check_converge cv;
        check_convergence(e, &run->rec, &cv);
        holds = cv.converged;
        if (cv.converged)
            snprintf(why, size, "all %d keys agree on every live node", cv.keys);
        else
            snprintf(why, size, "%s", cv.witness);
    } else if (p->kind == SPRED_LINEARIZABLE) {
        struct check_lin lin;
        enum check_verdict v = check_linearizable(h, 0, &lin);
        /* Nothing to judge (no register ops) contradicts nothing. */
        holds = v == CHECK_OK || v == CHECK_NA;
        if (v == CHECK_OK)
            snprintf(why, size, "every key is linearizable");
        else if (v == CHECK_VIOLATED)
            snprintf(why, size, "not linearizable: %s", lin.witness);
        else
            snprintf(why, size, "%s: %s", check_verdict_name(v), lin.witness);
        /* Unknown is never a pass, and never a proof of violation either. */
        if (v == CHECK_UNKNOWN && p->negate)
            holds = 1;
    } else if (p->kind == SPRED_SESSIONS) {
        struct check_sessions ss;
        check_sessions(h, &ss);
        holds = ss.ryw + ss.monotonic + ss.prefix == 0;
        if (holds)
            snprintf(why, size, "read-your-writes, monotonic reads and consistent prefix held");
        else
            snprintf(why, size, "%s", ss.witness);
    } else if (p->kind == SPRED_LOST_WRITES) {
        struct check_lost lost;
        check_lost_writes(e, &run->rec, &lost);
        holds = lost.lost == p->num;
        if (lost.lost)
            snprintf(why, size, "%d lost: %s", lost.lost, lost.witness);
        else
            snprintf(why, size, "no acknowledged write was lost");
    } else if (p->kind == SPRED_SPLIT_BRAIN) {
        struct check_split sb;
        check_split_brain(&run->rec, h, &sb);
        holds = sb.count > 0;
        if (sb.count)
            snprintf(why, size, "%s%s", sb.witness, sb.same_epoch ? " (in the same epoch)" : "");
        else
            snprintf(why, size, "never two leaders acknowledging writes at once");
    } else if (p->kind == SPRED_AVAILABILITY) {
        struct check_avail av;
        check_availability(h, &av);
        holds = av.ops == 0 || (int64_t)av.ok * 10000 >= p->num * av.ops;
        snprintf(why, size, "%d of %d ops ok (%d%%)", av.ok, av.ops,
                 av.ops ? av.ok * 100 / av.ops : 0);
    }
    return holds;
}

/* did COMMAND [ARGS] [before LABEL]: a journalled command from since_entry on matches. */
static int eval_did(struct script_run *run, struct engine *e, const struct script_pred *p,
                    int since_entry, char *why, size_t size)
{
    int holds = 0, upto = run->n_journal;

    if (p->before[0]) {
        /* Only commands before the one that ran op `before`; none when it has not run. */
        upto = since_entry < 0 ? 0 : since_entry;
        while (upto < run->n_journal && !(run->journal[upto].kind == CMD_OP &&
                                          strcmp(run->journal[upto].label, p->before) == 0))
            upto++;
        if (upto == run->n_journal)
            upto = since_entry;
    }
    for (int i = since_entry < 0 ? 0 : since_entry; i < upto && !holds; i++) {
        if (did_matches(engine_model(e), p, &run->journal[i])) {
            holds = 1;
            snprintf(why, size, "done: %s", run->journal[i].text);
        }
    }
    if (!holds)
        snprintf(why, size, "not done yet (since the step began)");
    return holds;
}

/* converged KEY: every live replica of the key holds the same values. */
static int eval_converged(struct engine *e, const struct script_pred *p, char *why, size_t size)
{
    struct engine_node info;
    struct op_values first, v;
    bool have = false;
    char a[160], b[160];
    int holds = 1;

    a[0] = '\0';
    for (int i = 0; i < engine_nodes(e); i++) {
        engine_node(e, i, &info);
        if (info.state == NODE_CRASHED || !engine_replica_of(e, i, p->key))
            continue;
        engine_read_local(e, i, p->key, &v);
        describe_values(&v, b, sizeof(b));
        util_appendf(a, sizeof(a), "%sn%d=%s", a[0] ? " " : "", i + 1, b);
        if (!have) {
            first = v;
            have = true;
        } else if (!op_values_equal(&first, &v)) {
            holds = 0;
        }
    }
    snprintf(why, size, "%s: %s", p->key, a[0] ? a : "no live node");
    return holds;
}

int script_eval_step(struct script_run *run, const struct script_pred *p, int64_t since_us,
                     int since_entry, char *why, size_t size)
{
    struct engine *e = script_run_engine(run);
    const struct history *h = engine_history(e);
    struct engine_node info;
    char a[160];
    int holds = 0;

    why[0] = '\0';
    switch (p->kind) {
    case SPRED_OP_STATUS:
    case SPRED_OP_VALUE:
        holds = eval_label(h, p, why, size);
        break;
    case SPRED_CONVERGED_ALL:
    case SPRED_LINEARIZABLE:
    case SPRED_SESSIONS:
    case SPRED_LOST_WRITES:
    case SPRED_SPLIT_BRAIN:
    case SPRED_AVAILABILITY:
        holds = eval_checker(run, e, h, p, why, size);
        break;
    case SPRED_DID:
        holds = eval_did(run, e, p, since_entry, why, size);
        break;
    case SPRED_VALUE: {
        struct op_values v;
        engine_read_local(e, p->node, p->key, &v);
        holds = op_values_equal(&v, &p->values);
        describe_values(&v, a, sizeof(a));
        snprintf(why, size, "n%d has %s=%s", p->node + 1, p->key, a);
        break;
    }
    case SPRED_LEADER:
        engine_node(e, p->node, &info);
        holds = info.state != NODE_CRASHED && info.desc.leads;
        if (info.state == NODE_CRASHED)
            snprintf(why, size, "n%d is down", p->node + 1);
        else if (info.desc.epoch >= 0)
            snprintf(why, size, "n%d is %s (epoch %lld)", p->node + 1,
                     info.desc.role[0] ? info.desc.role : "no role", (long long)info.desc.epoch);
        else
            snprintf(why, size, "n%d is %s", p->node + 1,
                     info.desc.role[0] ? info.desc.role : "no role");
        break;
    case SPRED_DOWN:
    case SPRED_UP:
    case SPRED_PAUSED:
        engine_node(e, p->node, &info);
        holds = (p->kind == SPRED_DOWN && info.state == NODE_CRASHED) ||
                (p->kind == SPRED_UP && info.state == NODE_UP) ||
                (p->kind == SPRED_PAUSED && info.state == NODE_PAUSED);
        snprintf(why, size, "n%d is %s", p->node + 1, node_state_name(info.state));
        break;
    case SPRED_CONVERGED:
        holds = eval_converged(e, p, why, size);
        break;
    case SPRED_OP_SEEN: {
        int n = 0;
        for (uint64_t id = 1; id <= history_count(h); id++) {
            const struct op *op = history_at(h, id);
            if (op->invoke_us < since_us || (int)op->req.kind != p->op_kind)
                continue;
            if (p->key[0] && strcmp(op->req.key, p->key) != 0)
                continue;
            n++;
            if (p->any_status || op->status == p->status) {
                holds = 1;
                snprintf(why, size, "%s %s", op->label, op_status_name(op->status));
                break;
            }
            snprintf(why, size, "%s is %s", op->label, op_status_name(op->status));
        }
        if (n == 0)
            snprintf(why, size, "no %s%s%s yet", op_kind_name((enum op_kind)p->op_kind),
                     p->key[0] ? " of " : "", p->key);
        break;
    }
    case SPRED_SETTING: {
        char now[STORE_VAL_MAX];
        if (engine_get(e, p->word, now, sizeof(now)) < 0)
            snprintf(now, sizeof(now), "(none)");
        holds = strcmp(now, p->value) == 0;
        snprintf(why, size, "%s is %s", p->word, now);
        break;
    }
    case SPRED_TIME: {
        int64_t at =
            p->time_param >= 0 ? engine_param_num(e, (enum engine_param)p->time_param) : p->num;
        char t[32], n[32];
        holds = engine_now(e) >= at;
        util_fmt_time(t, sizeof(t), at);
        util_fmt_time(n, sizeof(n), engine_now(e));
        snprintf(why, size, "now %s, %s %s", n, holds ? "past" : "waiting for", t);
        break;
    }
    case SPRED_MODEL: {
        struct pred_args args = p->margs;
        const struct pred_def *d = &engine_model(e)->preds[p->model_pred];
        for (int k = 0; k < d->nargs; k++) {
            if (d->args[k] == PRED_LABEL) {
                const struct op *op = history_find_label(h, args.a[k].text);
                args.a[k].op_id = op ? op->id : 0;
            }
        }
        holds = engine_eval_model_pred(e, p->model_pred, &args, why, size);
        break;
    }
    }
    if (p->negate) {
        /* "expect not P" fails when P holds: say so, or the finding reads like a success. */
        if (holds) {
            char found[SCRIPT_MSG_MAX];
            util_strlcpy(found, why, sizeof(found));
            snprintf(why, size, "it holds: %s", found);
        }
        holds = !holds;
    }
    return holds;
}
