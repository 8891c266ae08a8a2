/*
 * Predicates: what `expect`, `run until` and a lesson's checks test. The
 * grammar is the language's own (LABEL ok, value NODE KEY == VALUE, leader
 * NODE, did COMMAND, setting PARAM == VALUE, time >= T, the checkers' words
 * and a model's own predicates); script_eval.c evaluates what this reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_int.h"
#include "util.h"

/* "7", "nil", "{B,C}", "{}" — what an expect compares with. */
static int parse_values(struct parser *p, struct op_values *out)
{
    const struct tok *t = script_need(p, "a value, nil, or a set like {B,C}");
    size_t len;

    if (!t)
        return -1;
    memset(out, 0, sizeof(*out));
    len = strlen(t->s);
    if (!t->quoted && t->s[0] == '{') {
        const char *s = t->s + 1;
        if (len < 2 || t->s[len - 1] != '}')
            return script_perr(p, t->col, "expected a set like {B,C} ending in '}', got '%s'",
                               t->s);
        while (*s && *s != '}') {
            const char *end = s;
            char v[STORE_VAL_MAX];
            while (*end && *end != ',' && *end != '}')
                end++;
            if (end == s || (size_t)(end - s) >= STORE_VAL_MAX)
                return script_perr(p, t->col + (int)(s - t->s),
                                   "expected a value in the set, got '%.*s'", (int)(end - s), s);
            memcpy(v, s, (size_t)(end - s));
            v[end - s] = '\0';
            if (!op_values_add(out, v))
                return script_perr(p, t->col, "a set holds at most %d values", HISTORY_MAX_VALUES);
            s = *end == ',' ? end + 1 : end;
        }
        return 0;
    }
    if (!t->quoted && strcmp(t->s, "nil") == 0)
        return 0;
    if (len >= STORE_VAL_MAX)
        return script_perr(p, t->col, "a value is at most %d characters", STORE_VAL_MAX - 1);
    op_values_add(out, t->s);
    return 0;
}

static int parse_model_pred(struct parser *p, int idx)
{
    const struct pred_def *d = &p->env->model->preds[idx];
    struct script_pred *sp = &p->cmd->pred;

    sp->kind = SPRED_MODEL;
    sp->model_pred = idx;
    for (int k = 0; k < d->nargs; k++) {
        struct pred_value *v = &sp->margs.a[k];
        const struct tok *t;
        char want[96];
        snprintf(want, sizeof(want), "the rest of '%s'", d->usage);
        switch (d->args[k]) {
        case PRED_NODE:
            if (script_parse_node(p, &v->node) < 0)
                return -1;
            break;
        case PRED_KEY:
            if (script_parse_key(p, v->text) < 0)
                return -1;
            break;
        case PRED_LABEL:
            if (script_parse_label_ref(p, v->text) < 0)
                return -1;
            break;
        case PRED_INT: {
            char *end;
            t = script_need(p, want);
            if (!t)
                return -1;
            v->num = strtoll(t->s, &end, 10);
            if (*end || !t->s[0])
                return script_perr(p, t->col, "expected a whole number for '%s', got '%s'",
                                   d->usage, t->s);
            break;
        }
        case PRED_WORD:
            t = script_need(p, want);
            if (!t)
                return -1;
            v->num = param_choice(d->words, t->s);
            if (v->num < 0)
                return script_perr(p, t->col, "expected %s (as in '%s'), got '%s'", d->words,
                                   d->usage, t->s);
            break;
        }
    }
    if (d->compares) {
        const struct tok *t = script_need(p, "== and a value");
        if (!t)
            return -1;
        if (strcmp(t->s, "==") != 0)
            return script_perr(p, t->col, "expected '==' (as in '%s'), got '%s'", d->usage, t->s);
        if (parse_values(p, &sp->margs.cmp) < 0)
            return -1;
    }
    return 0;
}

/* A parameter's name and a value it accepts, the value kept as the parameter formats it. */
static int parse_param_value(struct parser *p, const struct param_def **def, char *name,
                             size_t name_size, char *value, size_t value_size, bool value_needed)
{
    const struct tok *k = script_need(p, "a parameter name");
    const struct tok *v;
    struct param_value pv;
    char err[SCRIPT_MSG_MAX];
    int eidx;

    if (!k)
        return -1;
    *def = script_find_param_def(p->env->model, k->s, &eidx);
    if (!*def)
        return script_perr(p, k->col, "unknown parameter '%s' for model %s (`set` lists them)",
                           k->s, p->env->model->name);
    util_strlcpy(name, k->s, name_size);
    if (!value_needed && !script_more(p))
        return 0;
    if (value_needed && script_peek_is(p, "=="))
        p->i++;
    v = script_need(p, "a value for the parameter");
    if (!v)
        return -1;
    if (param_parse(*def, v->s, p->env->n_nodes, &pv, err, sizeof(err)) < 0)
        return script_perr(p, v->col, "%s", err);
    param_format(*def, &pv, value, value_size);
    return 0;
}

/*
 * did COMMAND [ARGS]: a command of that kind (with those arguments, where given) was given
 * to the run. The arguments are those of the command itself, each optional from the right:
 * `did skew n2`, `did set timestamps lamport`, `did cut n1 n3`, `did put x via n2`, `did heal`.
 */
static int parse_did_args(struct parser *p);

/* did COMMAND [ARGS] [before LABEL]: "before" keeps only commands run before the op LABEL. */
static int parse_did(struct parser *p)
{
    int n = p->n;

    if (n - p->i >= 3 && strcmp(p->t[n - 2].s, "before") == 0 && !p->t[n - 2].quoted) {
        p->n = n - 2;
        if (parse_did_args(p) < 0)
            return -1;
        if (script_more(p))
            return script_perr(p, p->t[p->i].col,
                               "unexpected '%s': expected 'before LABEL' or the end", p->t[p->i].s);
        p->n = n;
        p->i++;
        return script_parse_label_ref(p, p->cmd->pred.before);
    }
    return parse_did_args(p);
}

static int parse_did_args(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *w = script_need(p, "a command word (kill, skew, set, heal, put, ...)");
    const struct param_def *def;
    int k;

    if (!w)
        return -1;
    sp->kind = SPRED_DID;
    sp->node = sp->node2 = -1;
    sp->op_kind = -1;
    if ((k = param_choice("kill|restart|wipe|pause|resume|ntp|skew|drift", w->s)) >= 0) {
        static const enum script_cmd_kind kinds[] = {CMD_KILL,   CMD_RESTART, CMD_WIPE, CMD_PAUSE,
                                                     CMD_RESUME, CMD_NTP,     CMD_SKEW, CMD_DRIFT};
        sp->did_kind = (int)kinds[k];
        if (script_more(p) && script_parse_node(p, &sp->node) < 0)
            return -1;
        return 0;
    }
    if ((k = param_choice("heal|partition|link|latency|net|workload", w->s)) >= 0) {
        static const enum script_cmd_kind kinds[] = {CMD_HEAL,    CMD_PARTITION, CMD_LINK,
                                                     CMD_LATENCY, CMD_NET,       CMD_WORKLOAD};
        sp->did_kind = (int)kinds[k];
        return 0;
    }
    if ((k = param_choice("cut|mend", w->s)) >= 0) {
        sp->did_kind = k == 0 ? CMD_CUT : CMD_MEND;
        if (script_more(p) &&
            (script_parse_node(p, &sp->node) < 0 || script_parse_node(p, &sp->node2) < 0))
            return -1;
        return 0;
    }
    if ((k = param_choice("deliver|delay|drop", w->s)) >= 0) {
        sp->did_kind = CMD_MSG;
        sp->node = k == 0 ? ENGINE_MSG_DELIVER : k == 1 ? ENGINE_MSG_DELAY : ENGINE_MSG_DROP;
        return 0;
    }
    if (strcmp(w->s, "set") == 0) {
        sp->did_kind = CMD_SET;
        return parse_param_value(p, &def, sp->word, sizeof(sp->word), sp->value, sizeof(sp->value),
                                 false);
    }
    if ((k = param_choice("put|get|incr|add|remove|del", w->s)) >= 0) {
        sp->did_kind = CMD_OP;
        sp->op_kind = k;
        if (script_more(p) && !script_peek_is(p, "via") && script_parse_key(p, sp->key) < 0)
            return -1;
        if (script_peek_is(p, "via")) {
            p->i++;
            if (script_parse_node(p, &sp->node) < 0)
                return -1;
        }
        return 0;
    }
    k = model_find_cmd(p->env->model, w->s);
    if (k >= 0) {
        sp->did_kind = CMD_MODEL_CMD;
        util_strlcpy(sp->word, p->env->model->cmds[k].name, sizeof(sp->word));
        if (script_more(p) && script_parse_key(p, sp->key) < 0)
            return -1;
        return 0;
    }
    return script_perr(
        p, w->col,
        "expected a command after 'did' (kill, restart, wipe, pause, resume, ntp, skew, "
        "drift, heal, partition, cut, mend, link, latency, net, workload, deliver, delay, "
        "drop, set, put, get, incr, add, remove, del or a model's command), got '%s'",
        w->s);
}

/* time >= DURATION | PARAM: the virtual time has reached it (`time >= gst`, `time >= 5s`). */
static int parse_time(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *t = script_need(p, "'>=' and a time (time >= 5s, time >= gst)");
    const struct param_def *def;

    if (!t)
        return -1;
    if (strcmp(t->s, ">=") != 0)
        return script_perr(p, t->col, "expected '>=' (as in time >= 5s), got '%s'", t->s);
    sp->kind = SPRED_TIME;
    sp->time_param = -1;
    t = script_need(p, "a time like 5s, or a duration parameter like gst");
    if (!t)
        return -1;
    if (param_parse_duration(t->s, &sp->num) == 0)
        return 0;
    def = script_find_param_def(p->env->model, t->s, &sp->time_param);
    if (!def || sp->time_param < 0 || def->type != PARAM_DURATION)
        return script_perr(
            p, t->col,
            "expected a time like 5s, or an engine duration parameter like gst, got '%s'", t->s);
    return 0;
}

/* op KIND [KEY] [ok|fail|timeout|pending]: such an op ran. */
static int parse_pred_op(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *k = script_need(p, "an operation: put, get, incr, add, remove or del");
    int kind;
    if (!k)
        return -1;
    kind = param_choice("put|get|incr|add|remove|del", k->s);
    if (kind < 0)
        return script_perr(p, k->col,
                           "expected an operation (put, get, incr, add, remove or del), got '%s'",
                           k->s);
    sp->kind = SPRED_OP_SEEN;
    sp->op_kind = kind;
    sp->any_status = true;
    if (script_more(p) && param_choice("pending|ok|fail|timeout", p->t[p->i].s) < 0) {
        if (script_parse_key(p, sp->key) < 0)
            return -1;
    }
    if (script_more(p)) {
        const struct tok *st = script_need(p, "ok, fail, timeout or pending");
        int w = param_choice("pending|ok|fail|timeout", st->s);
        if (w < 0)
            return script_perr(p, st->col, "expected ok, fail, timeout or pending, got '%s'",
                               st->s);
        sp->status = (enum op_status)w;
        sp->any_status = false;
    }
    return 0;
}

/* LABEL ok|fail|timeout|pending|done, LABEL == VALUE: t is the label, already checked. */
static int parse_pred_label(struct parser *p, const struct tok *t)
{
    struct script_pred *sp = &p->cmd->pred;
    int idx;

    util_strlcpy(sp->label, t->s, sizeof(sp->label));
    t = script_need(p, "ok, fail, timeout, pending, or == VALUE");
    if (!t)
        return -1;
    if (strcmp(t->s, "==") == 0) {
        sp->kind = SPRED_OP_VALUE;
        return parse_values(p, &sp->values);
    }
    if (strcmp(t->s, "done") == 0) {
        sp->kind = SPRED_OP_STATUS;
        sp->done = true;
        return 0;
    }
    idx = param_choice("pending|ok|fail|timeout", t->s);
    if (idx < 0)
        return script_perr(
            p, t->col, "expected ok, fail, timeout, pending, done or '== VALUE' after %s, got '%s'",
            sp->label, t->s);
    sp->kind = SPRED_OP_STATUS;
    sp->status = (enum op_status)idx;
    return 0;
}

int script_read_pred(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *t;
    int idx;

    memset(sp, 0, sizeof(*sp));
    if (script_peek_is(p, "not")) {
        sp->negate = true;
        p->i++;
    }
    t = script_need(
        p, "a predicate (LABEL ok, LABEL == VALUE, value NODE KEY == VALUE, leader NODE, ...)");
    if (!t)
        return -1;
    if (strcmp(t->s, "value") == 0) {
        sp->kind = SPRED_VALUE;
        if (script_parse_node(p, &sp->node) < 0 || script_parse_key(p, sp->key) < 0)
            return -1;
        t = script_need(p, "'==' and a value");
        if (!t)
            return -1;
        if (strcmp(t->s, "==") != 0)
            return script_perr(p, t->col, "expected '==' (as in value n2 x == 7), got '%s'", t->s);
        return parse_values(p, &sp->values);
    }
    if (strcmp(t->s, "leader") == 0 || strcmp(t->s, "down") == 0 || strcmp(t->s, "up") == 0 ||
        strcmp(t->s, "paused") == 0) {
        sp->kind = t->s[0] == 'l'   ? SPRED_LEADER
                   : t->s[0] == 'd' ? SPRED_DOWN
                   : t->s[0] == 'u' ? SPRED_UP
                                    : SPRED_PAUSED;
        return script_parse_node(p, &sp->node);
    }
    if (strcmp(t->s, "converged") == 0) {
        sp->kind = SPRED_CONVERGED;
        if (!script_more(p)) {
            sp->kind = SPRED_CONVERGED_ALL;
            return 0;
        }
        return script_parse_key(p, sp->key);
    }
    if (strcmp(t->s, "op") == 0)
        return parse_pred_op(p);
    if (strcmp(t->s, "did") == 0)
        return parse_did(p);
    if (strcmp(t->s, "time") == 0)
        return parse_time(p);
    if (strcmp(t->s, "setting") == 0) {
        const struct param_def *def;
        sp->kind = SPRED_SETTING;
        return parse_param_value(p, &def, sp->word, sizeof(sp->word), sp->value, sizeof(sp->value),
                                 true);
    }
    if (strcmp(t->s, "linearizable") == 0) {
        sp->kind = SPRED_LINEARIZABLE;
        return 0;
    }
    if (strcmp(t->s, "sessions") == 0) {
        sp->kind = SPRED_SESSIONS;
        return 0;
    }
    if (strcmp(t->s, "split-brain") == 0) {
        sp->kind = SPRED_SPLIT_BRAIN;
        return 0;
    }
    if (strcmp(t->s, "lost-writes") == 0) {
        const struct tok *n;
        char *end;
        sp->kind = SPRED_LOST_WRITES;
        t = script_need(p, "'==' and a count (lost-writes == 1)");
        if (!t)
            return -1;
        if (strcmp(t->s, "==") != 0)
            return script_perr(p, t->col, "expected '==' (as in lost-writes == 1), got '%s'", t->s);
        n = script_need(p, "a count of lost writes");
        if (!n)
            return -1;
        sp->num = strtoll(n->s, &end, 10);
        if (*end || !n->s[0] || sp->num < 0)
            return script_perr(p, n->col, "expected a count (a whole number), got '%s'", n->s);
        return 0;
    }
    if (strcmp(t->s, "availability") == 0) {
        uint32_t bp;
        const struct tok *n;
        sp->kind = SPRED_AVAILABILITY;
        t = script_need(p, "'>=' and a percentage (availability >= 90%)");
        if (!t)
            return -1;
        if (strcmp(t->s, ">=") != 0)
            return script_perr(p, t->col, "expected '>=' (as in availability >= 90%%), got '%s'",
                               t->s);
        n = script_need(p, "a percentage like 90%");
        if (!n)
            return -1;
        if (param_parse_percent(n->s, &bp) < 0)
            return script_perr(
                p, n->col, "expected a percentage from 0%% to 100%% (like 90%%), got '%s'", n->s);
        sp->num = bp;
        return 0;
    }
    idx = model_find_pred(p->env->model, t->s);
    if (idx >= 0)
        return parse_model_pred(p, idx);
    if (!script_env_has_label(p->env, t->s) && strcmp(p->new_label, t->s) != 0) {
        char list[SCRIPT_MSG_MAX] =
            "LABEL ok|fail|timeout|pending|done, LABEL == VALUE, value NODE KEY == VALUE, "
            "leader|down|up|paused NODE, converged [KEY], linearizable, lost-writes == N, "
            "split-brain, sessions, availability >= P%, op KIND [KEY] [STATUS], "
            "did COMMAND [ARGS], setting PARAM == VALUE, time >= TIME";
        for (int i = 0; i < p->env->model->n_preds; i++)
            util_appendf(list, sizeof(list), ", %s", p->env->model->preds[i].usage);
        if (script_valid_ident(t->s))
            return script_perr(p, t->col,
                               "'%s' is not a predicate nor an earlier op's label; expected %s",
                               t->s, list);
        return script_perr(p, t->col, "expected a predicate: %s", list);
    }
    return parse_pred_label(p, t);
}
