#include "script.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_TOKS 80
#define TOK_MAX  256

/* ---- errors ---- */

void script_error_format(const struct script_error *err, char *dst, size_t size)
{
    if (err->file[0])
        snprintf(dst, size, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
    else
        snprintf(dst, size, "%d:%d: %s", err->line, err->col, err->msg);
}

static void set_error(struct script_error *err, const char *file, int line, int col,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_error(struct script_error *err, const char *file, int line, int col,
                      const char *fmt, ...)
{
    va_list ap;

    util_strlcpy(err->file, file ? file : "", sizeof(err->file));
    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

/* ---- environment ---- */

void script_env_init(struct script_env *env, bool file_mode)
{
    memset(env, 0, sizeof(*env));
    env->model = model_find("leader");
    if (!env->model)
        env->model = model_at(0);
    env->n_nodes = 3;
    env->file_mode = file_mode;
}

void script_env_release(struct script_env *env)
{
    free(env->labels);
    env->labels = NULL;
    env->n_labels = env->cap_labels = 0;
}

bool script_env_has_label(const struct script_env *env, const char *label)
{
    for (int i = 0; i < env->n_labels; i++)
        if (strcmp(env->labels[i], label) == 0)
            return true;
    return false;
}

static void env_add_label(struct script_env *env, const char *label)
{
    if (env->n_labels == env->cap_labels) {
        env->cap_labels = env->cap_labels ? env->cap_labels * 2 : 32;
        env->labels = xrealloc(env->labels, (size_t)env->cap_labels * sizeof(*env->labels));
    }
    util_strlcpy(env->labels[env->n_labels++], label, HISTORY_LABEL_MAX);
}

/* ---- tokens ---- */

struct tok {
    char s[TOK_MAX];
    int col; /* 1-based */
    bool quoted;
};

struct parser {
    struct script_env *env;
    const char *file;
    int line;
    int n;
    int i;
    int end_col; /* the column just past the last character, for "expected more" errors */
    struct script_error *err;
    struct script_cmd *cmd;
    /* What this line would change in env, applied only on success. */
    const struct model_ops *new_model;
    int new_nodes;
    char new_label[HISTORY_LABEL_MAX];
    /* Last, and not zeroed up front (21 KB): tokenize() clears each token it fills. */
    struct tok t[MAX_TOKS];
};

static int perr(struct parser *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, int col, const char *fmt, ...)
{
    va_list ap;

    util_strlcpy(p->err->file, p->file ? p->file : "", sizeof(p->err->file));
    p->err->line = p->line;
    p->err->col = col;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static int tokenize(struct parser *p, const char *line)
{
    size_t len = strlen(line);
    size_t i = 0;

    p->n = 0;
    while (i < len && line[len - 1 - 0] == '\n')
        len--;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    p->end_col = (int)len + 1;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)line[k];
        if (c < 0x20 && c != '\t')
            return perr(p, (int)k + 1, "unexpected control character (byte 0x%02x)", c);
    }
    while (i < len) {
        struct tok *t;
        size_t start;

        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i >= len || line[i] == '#')
            break;
        if (p->n >= MAX_TOKS)
            return perr(p, (int)i + 1, "too many words on one line (at most %d)", MAX_TOKS);
        t = &p->t[p->n];
        memset(t, 0, sizeof(*t));
        t->col = (int)i + 1;
        start = i;
        if (line[i] == '"') {
            size_t o = 0;
            i++;
            while (i < len && line[i] != '"') {
                if (o + 1 >= TOK_MAX)
                    return perr(p, t->col, "quoted text is longer than %d characters", TOK_MAX - 1);
                t->s[o++] = line[i++];
            }
            if (i >= len)
                return perr(p, t->col, "unterminated quote: expected a closing \"");
            i++;
            t->quoted = true;
        } else if (line[i] == '|') {
            t->s[0] = '|';
            i++;
        } else {
            while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '|' && line[i] != '#')
                i++;
            if (i - start >= TOK_MAX)
                return perr(p, t->col, "word is longer than %d characters", TOK_MAX - 1);
            memcpy(t->s, line + start, i - start);
        }
        p->n++;
    }
    return 0;
}

static bool more(const struct parser *p)
{
    return p->i < p->n;
}

static const struct tok *peek(const struct parser *p)
{
    return more(p) ? &p->t[p->i] : NULL;
}

static bool peek_is(const struct parser *p, const char *word)
{
    return more(p) && !p->t[p->i].quoted && strcmp(p->t[p->i].s, word) == 0;
}

/* Takes the next token, or fails saying what was expected there. */
static const struct tok *need(struct parser *p, const char *what)
{
    if (!more(p)) {
        perr(p, p->end_col, "expected %s", what);
        return NULL;
    }
    return &p->t[p->i++];
}

static int expect_end(struct parser *p)
{
    if (more(p))
        return perr(p, p->t[p->i].col, "unexpected '%s': expected the end of the line",
                    p->t[p->i].s);
    return 0;
}

/* `pause leader`, `partition leader`: the node that leads when the command runs. */
#define NODE_LEADER (-2)

static int parse_node_tok(struct parser *p, const struct tok *t, int *node)
{
    int n = param_parse_node(t->s, p->env->n_nodes);

    if (n < 0) {
        if (param_parse_node(t->s, 0) >= 0)
            return perr(p, t->col, "no node '%s': this cluster has n1..n%d", t->s, p->env->n_nodes);
        return perr(p, t->col, "expected a node name (n1..n%d), got '%s'", p->env->n_nodes, t->s);
    }
    *node = n;
    return 0;
}

static int parse_node(struct parser *p, int *node)
{
    const struct tok *t = need(p, "a node name (n1, n2, ...)");

    if (!t)
        return -1;
    return parse_node_tok(p, t, node);
}

static int parse_duration(struct parser *p, const char *what, int64_t *us)
{
    const struct tok *t = need(p, what);

    if (!t)
        return -1;
    if (param_parse_duration(t->s, us) < 0)
        return perr(p, t->col,
                    "expected %s, got '%s' (a duration is a number with a unit: us, ms, s or min)",
                    what, t->s);
    return 0;
}

/* "10ms..30ms" or "20ms" (a fixed delay). */
static int parse_range(struct parser *p, int64_t *lo, int64_t *hi)
{
    const struct tok *t = need(p, "a delay range like 10ms..30ms");
    const char *dots;
    char a[TOK_MAX];

    if (!t)
        return -1;
    dots = strstr(t->s, "..");
    if (!dots) {
        if (param_parse_duration(t->s, lo) < 0)
            return perr(p, t->col, "expected a delay range like 10ms..30ms, got '%s'", t->s);
        *hi = *lo;
        return 0;
    }
    memcpy(a, t->s, (size_t)(dots - t->s));
    a[dots - t->s] = '\0';
    if (param_parse_duration(a, lo) < 0)
        return perr(p, t->col, "expected a delay range like 10ms..30ms, got '%s'", t->s);
    if (!dots[2])
        return perr(p, t->col + (int)(dots - t->s) + 2,
                    "expected the upper end of the range after '..' (like 10ms..30ms)");
    if (param_parse_duration(dots + 2, hi) < 0)
        return perr(p, t->col + (int)(dots - t->s) + 2,
                    "expected the upper end of the range (like 30ms), got '%s'", dots + 2);
    if (*hi < *lo)
        return perr(p, t->col, "the range %s runs backwards: the lower end comes first", t->s);
    return 0;
}

static int parse_percent(struct parser *p, int64_t *bp)
{
    const struct tok *t = need(p, "a percentage like 20%");
    uint32_t v;

    if (!t)
        return -1;
    if (param_parse_percent(t->s, &v) < 0)
        return perr(p, t->col, "expected a percentage from 0%% to 100%% (like 20%%), got '%s'",
                    t->s);
    *bp = v;
    return 0;
}

static bool valid_ident(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static int parse_key(struct parser *p, char *dst)
{
    const struct tok *t = need(p, "a key");

    if (!t)
        return -1;
    if (strlen(t->s) >= STORE_KEY_MAX || !t->s[0])
        return perr(p, t->col, "a key is 1 to %d characters, got '%s'", STORE_KEY_MAX - 1, t->s);
    if (strchr(t->s, '{') || strchr(t->s, ',') || strchr(t->s, '"'))
        return perr(p, t->col, "a key may not contain '{', ',' or '\"': got '%s'", t->s);
    util_strlcpy(dst, t->s, STORE_KEY_MAX);
    return 0;
}

static int parse_value_word(struct parser *p, const char *what, char *dst)
{
    const struct tok *t = need(p, what);

    if (!t)
        return -1;
    if (strlen(t->s) >= STORE_VAL_MAX || !t->s[0])
        return perr(p, t->col, "a value is 1 to %d characters, got '%s'", STORE_VAL_MAX - 1, t->s);
    if (!t->quoted && (t->s[0] == '{' || strchr(t->s, '}')))
        return perr(p, t->col, "a value may not contain '{' or '}' unless quoted: got '%s'", t->s);
    util_strlcpy(dst, t->s, STORE_VAL_MAX);
    return 0;
}

/* "7", "nil", "{B,C}", "{}" — what an expect compares with. */
static int parse_values(struct parser *p, struct op_values *out)
{
    const struct tok *t = need(p, "a value, nil, or a set like {B,C}");
    size_t len;

    if (!t)
        return -1;
    memset(out, 0, sizeof(*out));
    len = strlen(t->s);
    if (!t->quoted && t->s[0] == '{') {
        const char *s = t->s + 1;
        if (len < 2 || t->s[len - 1] != '}')
            return perr(p, t->col, "expected a set like {B,C} ending in '}', got '%s'", t->s);
        while (*s && *s != '}') {
            const char *end = s;
            char v[STORE_VAL_MAX];
            while (*end && *end != ',' && *end != '}')
                end++;
            if (end == s || (size_t)(end - s) >= STORE_VAL_MAX)
                return perr(p, t->col + (int)(s - t->s), "expected a value in the set, got '%.*s'",
                            (int)(end - s), s);
            memcpy(v, s, (size_t)(end - s));
            v[end - s] = '\0';
            if (!op_values_add(out, v))
                return perr(p, t->col, "a set holds at most %d values", HISTORY_MAX_VALUES);
            s = *end == ',' ? end + 1 : end;
        }
        return 0;
    }
    if (!t->quoted && strcmp(t->s, "nil") == 0)
        return 0;
    if (len >= STORE_VAL_MAX)
        return perr(p, t->col, "a value is at most %d characters", STORE_VAL_MAX - 1);
    op_values_add(out, t->s);
    return 0;
}

static int parse_label_ref(struct parser *p, char *dst)
{
    const struct tok *t = need(p, "an op label (like w1)");

    if (!t)
        return -1;
    if (!script_env_has_label(p->env, t->s) && strcmp(p->new_label, t->s) != 0)
        return perr(p, t->col, "no op labelled '%s' before this line", t->s);
    util_strlcpy(dst, t->s, HISTORY_LABEL_MAX);
    return 0;
}

/* ---- commands ---- */

static int parse_op(struct parser *p, enum op_kind kind)
{
    struct script_cmd *c = p->cmd;
    const struct model_ops *m = p->env->model;

    c->kind = CMD_OP;
    c->op = kind;
    c->via = -1;
    if (!(m->op_mask & (1u << kind)))
        return perr(p, p->t[p->i - 1].col, "model %s has no '%s' operation", m->name,
                    op_kind_name(kind));
    if (parse_key(p, c->key) < 0)
        return -1;
    switch (kind) {
    case OP_PUT:
        if (parse_value_word(p, "the value to put", c->value) < 0)
            return -1;
        break;
    case OP_ADD:
    case OP_REMOVE:
        if (parse_value_word(p, "a set element", c->value) < 0)
            return -1;
        break;
    case OP_INCR: {
        const struct tok *t = need(p, "an amount (a whole number)");
        char *end;
        if (!t)
            return -1;
        c->num = strtoll(t->s, &end, 10);
        if (*end || !t->s[0])
            return perr(p, t->col, "expected an amount (a whole number), got '%s'", t->s);
        break;
    }
    case OP_GET:
    case OP_DEL:
        break;
    }
    while (more(p)) {
        const struct tok *t = need(p, "via, after or as");
        if (strcmp(t->s, "via") == 0) {
            if (parse_node(p, &c->via) < 0)
                return -1;
        } else if (strcmp(t->s, "after") == 0) {
            if (kind == OP_GET)
                return perr(p, t->col,
                            "'after' carries a read's context into a write; a get "
                            "takes none");
            if (peek_is(p, "last")) {
                p->i++;
                c->after_last = true;
                continue;
            }
            if (parse_label_ref(p, c->after) < 0)
                return -1;
            if (strcmp(c->after, c->label) == 0)
                return perr(p, p->t[p->i - 1].col,
                            "an op cannot run after itself: 'after' names an earlier read");
        } else if (strcmp(t->s, "as") == 0) {
            const struct tok *ct = need(p, "a client name (c1, c2, ...)");
            char *end;
            long k;
            if (!ct)
                return -1;
            k = ct->s[0] == 'c' ? strtol(ct->s + 1, &end, 10) : 0;
            if (ct->s[0] != 'c' || *end || k < 1 || k > ENGINE_MAX_CLIENTS)
                return perr(p, ct->col, "expected a client name c1..c%d, got '%s'",
                            ENGINE_MAX_CLIENTS, ct->s);
            c->client = (int)(k - 1);
        } else {
            return perr(p, t->col, "unexpected '%s': expected via NODE, after LABEL or as CLIENT",
                        t->s);
        }
    }
    return 0;
}

static const char *const reserved_labels[] = {
    "model",     "nodes",        "seed",         "set",    "latency",   "at",       "run",
    "step",      "put",          "get",          "incr",   "add",       "remove",   "kill",
    "restart",   "wipe",         "pause",        "resume", "partition", "heal",     "cut",
    "mend",      "link",         "net",          "skew",   "drift",     "ntp",      "expect",
    "note",      "not",          "value",        "leader", "down",      "up",       "paused",
    "converged", "linearizable", "availability", "op",     "workload",  "sessions", "say",
    "beat",      "deliver",      "delay",        "drop",   "did",       "setting",  "del",
    "last",
};

static bool reserved(const char *w)
{
    for (size_t i = 0; i < ARRAY_LEN(reserved_labels); i++)
        if (strcmp(reserved_labels[i], w) == 0)
            return true;
    return false;
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
            if (parse_node(p, &v->node) < 0)
                return -1;
            break;
        case PRED_KEY:
            if (parse_key(p, v->text) < 0)
                return -1;
            break;
        case PRED_LABEL:
            if (parse_label_ref(p, v->text) < 0)
                return -1;
            break;
        case PRED_INT: {
            char *end;
            t = need(p, want);
            if (!t)
                return -1;
            v->num = strtoll(t->s, &end, 10);
            if (*end || !t->s[0])
                return perr(p, t->col, "expected a whole number for '%s', got '%s'", d->usage,
                            t->s);
            break;
        }
        case PRED_WORD:
            t = need(p, want);
            if (!t)
                return -1;
            v->num = param_choice(d->words, t->s);
            if (v->num < 0)
                return perr(p, t->col, "expected %s (as in '%s'), got '%s'", d->words, d->usage,
                            t->s);
            break;
        }
    }
    if (d->compares) {
        const struct tok *t = need(p, "== and a value");
        if (!t)
            return -1;
        if (strcmp(t->s, "==") != 0)
            return perr(p, t->col, "expected '==' (as in '%s'), got '%s'", d->usage, t->s);
        if (parse_values(p, &sp->margs.cmp) < 0)
            return -1;
    }
    return 0;
}

/* A model's own command: NAME KEY NODE... (model.h). */
static int parse_model_cmd(struct parser *p, int idx)
{
    const struct model_cmd_def *d = &p->env->model->cmds[idx];
    struct script_cmd *c = p->cmd;

    c->kind = CMD_MODEL_CMD;
    util_strlcpy(c->word, d->name, sizeof(c->word));
    if (parse_key(p, c->margs.key) < 0)
        return -1;
    while (more(p)) {
        int node;
        if (c->margs.n_nodes >= d->max_nodes)
            return perr(p, p->t[p->i].col, "'%s' names at most %d nodes (%s)", d->name,
                        d->max_nodes, d->usage);
        if (parse_node(p, &node) < 0)
            return -1;
        c->margs.nodes[c->margs.n_nodes++] = node;
    }
    if (c->margs.n_nodes < d->min_nodes)
        return perr(p, p->end_col, "expected %d or more node names after the key (%s)",
                    d->min_nodes, d->usage);
    return 0;
}

/* A parameter's definition, the engine's or the model's; NULL when there is none. */
static const struct param_def *find_param_def(const struct model_ops *m, const char *name,
                                              int *engine_idx)
{
    int i;

    *engine_idx = -1;
    for (i = 0; i < EP_COUNT; i++) {
        if (strcmp(engine_params[i].name, name) == 0) {
            *engine_idx = i;
            return &engine_params[i];
        }
    }
    i = model_find_param(m, name);
    return i >= 0 ? &m->params[i] : NULL;
}

/* A parameter's name and a value it accepts, the value kept as the parameter formats it. */
static int parse_param_value(struct parser *p, const struct param_def **def, char *name,
                             size_t name_size, char *value, size_t value_size, bool value_needed)
{
    const struct tok *k = need(p, "a parameter name");
    const struct tok *v;
    struct param_value pv;
    char err[SCRIPT_MSG_MAX];
    int eidx;

    if (!k)
        return -1;
    *def = find_param_def(p->env->model, k->s, &eidx);
    if (!*def)
        return perr(p, k->col, "unknown parameter '%s' for model %s (`set` lists them)", k->s,
                    p->env->model->name);
    util_strlcpy(name, k->s, name_size);
    if (!value_needed && !more(p))
        return 0;
    if (value_needed && peek_is(p, "=="))
        p->i++;
    v = need(p, "a value for the parameter");
    if (!v)
        return -1;
    if (param_parse(*def, v->s, p->env->n_nodes, &pv, err, sizeof(err)) < 0)
        return perr(p, v->col, "%s", err);
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
        if (more(p))
            return perr(p, p->t[p->i].col, "unexpected '%s': expected 'before LABEL' or the end",
                        p->t[p->i].s);
        p->n = n;
        p->i++;
        return parse_label_ref(p, p->cmd->pred.before);
    }
    return parse_did_args(p);
}

static int parse_did_args(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *w = need(p, "a command word (kill, skew, set, heal, put, ...)");
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
        if (more(p) && parse_node(p, &sp->node) < 0)
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
        if (more(p) && (parse_node(p, &sp->node) < 0 || parse_node(p, &sp->node2) < 0))
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
    if ((k = param_choice("put|get|incr|add|remove", w->s)) >= 0) {
        sp->did_kind = CMD_OP;
        sp->op_kind = k;
        if (more(p) && !peek_is(p, "via") && parse_key(p, sp->key) < 0)
            return -1;
        if (peek_is(p, "via")) {
            p->i++;
            if (parse_node(p, &sp->node) < 0)
                return -1;
        }
        return 0;
    }
    k = model_find_cmd(p->env->model, w->s);
    if (k >= 0) {
        sp->did_kind = CMD_MODEL_CMD;
        util_strlcpy(sp->word, p->env->model->cmds[k].name, sizeof(sp->word));
        if (more(p) && parse_key(p, sp->key) < 0)
            return -1;
        return 0;
    }
    return perr(p, w->col,
                "expected a command after 'did' (kill, restart, wipe, pause, resume, ntp, skew, "
                "drift, heal, partition, cut, mend, link, latency, net, workload, deliver, delay, "
                "drop, set, put, get, incr, add, remove or a model's command), got '%s'",
                w->s);
}

/* time >= DURATION | PARAM: the virtual time has reached it (`time >= gst`, `time >= 5s`). */
static int parse_time(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *t = need(p, "'>=' and a time (time >= 5s, time >= gst)");
    const struct param_def *def;

    if (!t)
        return -1;
    if (strcmp(t->s, ">=") != 0)
        return perr(p, t->col, "expected '>=' (as in time >= 5s), got '%s'", t->s);
    sp->kind = SPRED_TIME;
    sp->time_param = -1;
    t = need(p, "a time like 5s, or a duration parameter like gst");
    if (!t)
        return -1;
    if (param_parse_duration(t->s, &sp->num) == 0)
        return 0;
    def = find_param_def(p->env->model, t->s, &sp->time_param);
    if (!def || sp->time_param < 0 || def->type != PARAM_DURATION)
        return perr(p, t->col,
                    "expected a time like 5s, or an engine duration parameter like gst, got '%s'",
                    t->s);
    return 0;
}

static int parse_pred(struct parser *p)
{
    struct script_pred *sp = &p->cmd->pred;
    const struct tok *t;
    int idx;

    memset(sp, 0, sizeof(*sp));
    if (peek_is(p, "not")) {
        sp->negate = true;
        p->i++;
    }
    t = need(p,
             "a predicate (LABEL ok, LABEL == VALUE, value NODE KEY == VALUE, leader NODE, ...)");
    if (!t)
        return -1;
    if (strcmp(t->s, "value") == 0) {
        sp->kind = SPRED_VALUE;
        if (parse_node(p, &sp->node) < 0 || parse_key(p, sp->key) < 0)
            return -1;
        t = need(p, "'==' and a value");
        if (!t)
            return -1;
        if (strcmp(t->s, "==") != 0)
            return perr(p, t->col, "expected '==' (as in value n2 x == 7), got '%s'", t->s);
        return parse_values(p, &sp->values);
    }
    if (strcmp(t->s, "leader") == 0 || strcmp(t->s, "down") == 0 || strcmp(t->s, "up") == 0 ||
        strcmp(t->s, "paused") == 0) {
        sp->kind = t->s[0] == 'l'   ? SPRED_LEADER
                   : t->s[0] == 'd' ? SPRED_DOWN
                   : t->s[0] == 'u' ? SPRED_UP
                                    : SPRED_PAUSED;
        return parse_node(p, &sp->node);
    }
    if (strcmp(t->s, "converged") == 0) {
        sp->kind = SPRED_CONVERGED;
        if (!more(p)) {
            sp->kind = SPRED_CONVERGED_ALL;
            return 0;
        }
        return parse_key(p, sp->key);
    }
    if (strcmp(t->s, "op") == 0) {
        const struct tok *k = need(p, "an operation: put, get, incr, add, remove or del");
        int kind;
        if (!k)
            return -1;
        kind = param_choice("put|get|incr|add|remove|del", k->s);
        if (kind < 0)
            return perr(p, k->col,
                        "expected an operation (put, get, incr, add, remove or del), got '%s'",
                        k->s);
        sp->kind = SPRED_OP_SEEN;
        sp->op_kind = kind;
        sp->any_status = true;
        if (more(p) && param_choice("pending|ok|fail|timeout", p->t[p->i].s) < 0) {
            if (parse_key(p, sp->key) < 0)
                return -1;
        }
        if (more(p)) {
            const struct tok *st = need(p, "ok, fail, timeout or pending");
            int w = param_choice("pending|ok|fail|timeout", st->s);
            if (w < 0)
                return perr(p, st->col, "expected ok, fail, timeout or pending, got '%s'", st->s);
            sp->status = (enum op_status)w;
            sp->any_status = false;
        }
        return 0;
    }
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
        t = need(p, "'==' and a count (lost-writes == 1)");
        if (!t)
            return -1;
        if (strcmp(t->s, "==") != 0)
            return perr(p, t->col, "expected '==' (as in lost-writes == 1), got '%s'", t->s);
        n = need(p, "a count of lost writes");
        if (!n)
            return -1;
        sp->num = strtoll(n->s, &end, 10);
        if (*end || !n->s[0] || sp->num < 0)
            return perr(p, n->col, "expected a count (a whole number), got '%s'", n->s);
        return 0;
    }
    if (strcmp(t->s, "availability") == 0) {
        uint32_t bp;
        const struct tok *n;
        sp->kind = SPRED_AVAILABILITY;
        t = need(p, "'>=' and a percentage (availability >= 90%)");
        if (!t)
            return -1;
        if (strcmp(t->s, ">=") != 0)
            return perr(p, t->col, "expected '>=' (as in availability >= 90%%), got '%s'", t->s);
        n = need(p, "a percentage like 90%");
        if (!n)
            return -1;
        if (param_parse_percent(n->s, &bp) < 0)
            return perr(p, n->col, "expected a percentage from 0%% to 100%% (like 90%%), got '%s'",
                        n->s);
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
        if (valid_ident(t->s))
            return perr(p, t->col, "'%s' is not a predicate nor an earlier op's label; expected %s",
                        t->s, list);
        return perr(p, t->col, "expected a predicate: %s", list);
    }
    util_strlcpy(sp->label, t->s, sizeof(sp->label));
    t = need(p, "ok, fail, timeout, pending, or == VALUE");
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
        return perr(p, t->col,
                    "expected ok, fail, timeout, pending, done or '== VALUE' after %s, got '%s'",
                    sp->label, t->s);
    sp->kind = SPRED_OP_STATUS;
    sp->status = (enum op_status)idx;
    return 0;
}

static const char *const command_words[] = {
    "model",  "nodes",     "seed", "set",      "latency", "at",   "run",     "step",  "put",
    "get",    "incr",      "add",  "remove",   "del",     "kill", "restart", "wipe",  "pause",
    "resume", "partition", "heal", "cut",      "mend",    "link", "net",     "skew",  "drift",
    "ntp",    "expect",    "note", "workload", "say",     "beat", "deliver", "delay", "drop",
};

static int parse_set(struct parser *p)
{
    const struct tok *k = need(p, "a parameter name");
    const struct tok *v;
    struct param_value pv;
    char err[SCRIPT_MSG_MAX];
    const struct param_def *def = NULL;
    const struct model_ops *m = p->env->model;

    if (!k)
        return -1;
    for (int i = 0; i < EP_COUNT; i++)
        if (strcmp(engine_params[i].name, k->s) == 0)
            def = &engine_params[i];
    if (!def) {
        int i = model_find_param(m, k->s);
        if (i >= 0)
            def = &m->params[i];
    }
    if (!def) {
        char list[SCRIPT_MSG_MAX] = "";
        const char *names[EP_COUNT + MODEL_MAX_PARAMS];
        const char *close;
        int n = 0;
        for (int i = 0; i < EP_COUNT; i++) {
            util_appendf(list, sizeof(list), "%s%s", i ? ", " : "", engine_params[i].name);
            names[n++] = engine_params[i].name;
        }
        for (int i = 0; i < m->n_params; i++) {
            util_appendf(list, sizeof(list), ", %s", m->params[i].name);
            names[n++] = m->params[i].name;
        }
        close = util_suggest(k->s, names, n);
        if (close)
            return perr(p, k->col, "unknown parameter '%s' for model %s; did you mean '%s'?", k->s,
                        m->name, close);
        return perr(p, k->col, "unknown parameter '%s' for model %s; valid: %s", k->s, m->name,
                    list);
    }
    if (!more(p)) {
        char want[160];
        param_describe(def, want, sizeof(want));
        return perr(p, p->end_col, "expected a value for %s: %s", def->name, want);
    }
    v = need(p, "a value for the parameter");
    if (param_parse(def, v->s, p->env->n_nodes, &pv, err, sizeof(err)) < 0)
        return perr(p, v->col, "%s", err);
    util_strlcpy(p->cmd->word, k->s, sizeof(p->cmd->word));
    util_strlcpy(p->cmd->value, v->s, sizeof(p->cmd->value));
    return expect_end(p);
}

static int parse_link_opts(struct parser *p, struct engine_link_cfg *cfg, bool allow_delay_only)
{
    bool any = false;

    cfg->lat_min_us = cfg->lat_max_us = -1;
    cfg->drop_bp = cfg->dup_bp = cfg->reorder_bp = -1;
    while (more(p)) {
        const struct tok *t = need(p, "drop, dup, delay or reorder");
        int r;
        if (strcmp(t->s, "drop") == 0)
            r = parse_percent(p, &cfg->drop_bp);
        else if (strcmp(t->s, "dup") == 0)
            r = parse_percent(p, &cfg->dup_bp);
        else if (strcmp(t->s, "reorder") == 0)
            r = parse_percent(p, &cfg->reorder_bp);
        else if (strcmp(t->s, "delay") == 0)
            r = parse_range(p, &cfg->lat_min_us, &cfg->lat_max_us);
        else
            return perr(p, t->col,
                        "unexpected '%s': expected drop P%%, dup P%%, delay D..D or "
                        "reorder P%%",
                        t->s);
        if (r < 0)
            return -1;
        any = true;
    }
    (void)allow_delay_only;
    if (!any)
        return perr(p, p->end_col, "expected drop P%%, dup P%%, delay D..D or reorder P%%");
    return 0;
}

/* "n1 n2" (both directions) or "n1 -> n2" (one). */
static int parse_pair(struct parser *p, struct script_cmd *c)
{
    if (parse_node(p, &c->node) < 0)
        return -1;
    c->both = true;
    if (peek_is(p, "->")) {
        p->i++;
        c->both = false;
    }
    if (parse_node(p, &c->node2) < 0)
        return -1;
    if (c->node == c->node2)
        return perr(p, p->t[p->i - 1].col, "a link joins two different nodes");
    return 0;
}

static int parse_partition(struct parser *p, struct script_cmd *c)
{
    bool seen[ENGINE_MAX_NODES] = {false};
    int g = 0, in_group = 0, named = 0;

    for (int i = 0; i < ENGINE_MAX_NODES; i++)
        c->group[i] = -1;
    while (more(p)) {
        const struct tok *t = need(p, "a node");
        int node;
        if (strcmp(t->s, "|") == 0) {
            if (in_group == 0)
                return perr(p, t->col, "expected a node before '|': every group names a node");
            g++;
            in_group = 0;
            continue;
        }
        if (parse_node_tok(p, t, &node) < 0)
            return -1;
        if (seen[node])
            return perr(p, t->col, "n%d is named twice: a node is in one group", node + 1);
        seen[node] = true;
        c->group[node] = g;
        in_group++;
        named++;
    }
    if (named == 0)
        return perr(p, p->end_col, "expected groups of nodes, like: partition n1 n2 | n3");
    if (in_group == 0)
        return perr(p, p->end_col, "expected a node after '|'");
    /* Nodes not named form one more group. */
    for (int i = 0; i < p->env->n_nodes; i++)
        if (c->group[i] < 0)
            c->group[i] = g + 1;
    return 0;
}

static int parse_signed_duration(struct parser *p, int64_t *us)
{
    const struct tok *t = need(p, "a clock jump like +250ms or -1s");
    int64_t v;

    if (!t)
        return -1;
    if ((t->s[0] != '+' && t->s[0] != '-') || param_parse_duration(t->s + 1, &v) < 0)
        return perr(p, t->col, "expected a signed clock jump like +250ms or -1s, got '%s'", t->s);
    *us = t->s[0] == '-' ? -v : v;
    return 0;
}

/* Commands allowed after `at T`. */
static bool schedulable(enum script_cmd_kind k)
{
    switch (k) {
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
    case CMD_RUN:
    case CMD_RUN_UNTIL:
    case CMD_RUN_QUIET:
    case CMD_RUN_PRED:
    case CMD_STEP:
        return false;
    case CMD_SET:
    case CMD_LATENCY:
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
    case CMD_MODEL_CMD:
        return true;
    case CMD_BEAT:
        return false;
    }
    return false;
}

static int parse_command(struct parser *p, bool scheduled);

/* workload RATE [keys a,b,c] [via NODE] [reads P%] | workload off — RATE is N/s or N/min. */
static int parse_workload(struct parser *p, struct script_cmd *c)
{
    const struct tok *t = need(p, "a rate like 5/s, or off");
    struct engine_workload *wl = &c->wl;
    char *end;
    long n;

    c->kind = CMD_WORKLOAD;
    memset(wl, 0, sizeof(*wl));
    wl->via = -1;
    if (!t)
        return -1;
    if (strcmp(t->s, "off") == 0)
        return expect_end(p);
    n = strtol(t->s, &end, 10);
    if (end == t->s || n < 1 || n > 10000 || (strcmp(end, "/s") != 0 && strcmp(end, "/min") != 0))
        return perr(p, t->col, "expected a rate from 1/s to 10000/s (or N/min), or off; got '%s'",
                    t->s);
    wl->period_us = (strcmp(end, "/s") == 0 ? 1000000 : 60000000) / n;
    while (more(p)) {
        t = need(p, "keys, via or reads");
        if (strcmp(t->s, "keys") == 0) {
            const struct tok *k = need(p, "keys separated by commas, like x,y,z");
            char buf[TOK_MAX], *save = NULL;
            if (!k)
                return -1;
            util_strlcpy(buf, k->s, sizeof(buf));
            for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                if (wl->n_keys >= ENGINE_WORKLOAD_KEYS || strlen(w) >= STORE_KEY_MAX)
                    return perr(p, k->col, "at most %d keys of at most %d characters",
                                ENGINE_WORKLOAD_KEYS, STORE_KEY_MAX - 1);
                util_strlcpy(wl->keys[wl->n_keys++], w, STORE_KEY_MAX);
            }
            if (wl->n_keys == 0)
                return perr(p, k->col, "expected keys separated by commas, like x,y,z");
        } else if (strcmp(t->s, "via") == 0) {
            if (parse_node(p, &wl->via) < 0)
                return -1;
        } else if (strcmp(t->s, "reads") == 0) {
            int64_t bp;
            if (parse_percent(p, &bp) < 0)
                return -1;
            wl->reads_bp = (uint32_t)bp;
        } else {
            return perr(p, t->col, "unexpected '%s': expected keys LIST, via NODE or reads P%%",
                        t->s);
        }
    }
    return 0;
}

static int parse_at(struct parser *p)
{
    const struct tok *at = &p->t[p->i - 1];
    int64_t t;
    bool rel = more(p) && p->t[p->i].s[0] == '+';

    /* "at +50ms CMD": that long after the moment the line runs. */
    if (rel)
        memmove(p->t[p->i].s, p->t[p->i].s + 1, strlen(p->t[p->i].s));
    if (parse_duration(p, rel ? "a delay like +50ms" : "a time like 120ms", &t) < 0)
        return -1;
    if (!more(p))
        return perr(p, p->end_col, "expected a command to run at %s", p->t[p->i - 1].s);
    if (parse_command(p, true) < 0)
        return -1;
    if (!schedulable(p->cmd->kind))
        return perr(p, at->col,
                    "'at' schedules faults, ops, settings, notes and expects; "
                    "not model, nodes, seed, run or step");
    p->cmd->at_us = t;
    p->cmd->at_rel = rel;
    return 0;
}

static int parse_command(struct parser *p, bool scheduled)
{
    struct script_cmd *c = p->cmd;
    const struct tok *w;
    size_t len;

    /* An op label: "w1: put x 1". */
    w = peek(p);
    len = strlen(w->s);
    if (!w->quoted && len > 1 && w->s[len - 1] == ':') {
        char label[TOK_MAX];
        memcpy(label, w->s, len - 1);
        label[len - 1] = '\0';
        if (!valid_ident(label) || len - 1 >= HISTORY_LABEL_MAX)
            return perr(p, w->col,
                        "a label is a letter then letters, digits or _, at most %d "
                        "characters: got '%s'",
                        HISTORY_LABEL_MAX - 1, label);
        if (reserved(label))
            return perr(p, w->col, "'%s' is a command word and cannot be a label", label);
        if (script_env_has_label(p->env, label))
            return perr(p, w->col, "label '%s' is already used by an earlier op", label);
        util_strlcpy(c->label, label, sizeof(c->label));
        p->i++;
        w = need(p, "an operation after the label (put, get, ...)");
        if (!w)
            return -1;
        if (param_choice("put|get|incr|add|remove|del", w->s) < 0)
            return perr(p, w->col,
                        "expected an operation after the label (put, get, incr, add, "
                        "remove or del), got '%s'",
                        w->s);
        util_strlcpy(p->new_label, label, sizeof(p->new_label));
        p->i--;
    }
    w = need(p, "a command");
    if (!w)
        return -1;
    if (w->quoted)
        return perr(p, w->col, "expected a command, got quoted text");
    if (strcmp(w->s, "at") == 0) {
        if (scheduled)
            return perr(p, w->col, "'at' cannot be nested");
        return parse_at(p);
    }
    if (strcmp(w->s, "model") == 0 || strcmp(w->s, "nodes") == 0 || strcmp(w->s, "seed") == 0) {
        if (p->env->file_mode && p->env->acted)
            return perr(p, w->col,
                        "'%s' shapes the cluster, so it must come before every other "
                        "command in a file",
                        w->s);
    }
    if (strcmp(w->s, "model") == 0 && p->env->compare)
        return perr(p, w->col,
                    "a comparison runs this file on every model, so it has no 'model' line "
                    "(choose the models with --models)");
    if (strcmp(w->s, "model") == 0) {
        const struct tok *t = need(p, "a model name");
        char list[200] = "";
        if (!t)
            return -1;
        c->kind = CMD_MODEL;
        p->new_model = model_find(t->s);
        if (!p->new_model) {
            for (int i = 0; i < model_count(); i++)
                util_appendf(list, sizeof(list), "%s%s", i ? ", " : "", model_at(i)->name);
            return perr(p, t->col, "unknown model '%s'; expected one of: %s", t->s, list);
        }
        util_strlcpy(c->word, t->s, sizeof(c->word));
        return expect_end(p);
    }
    if (strcmp(w->s, "nodes") == 0 || strcmp(w->s, "seed") == 0) {
        const struct tok *t = need(p, w->s[0] == 'n' ? "a node count (1 to 64)" : "a seed number");
        char *end;
        unsigned long long v;
        if (!t)
            return -1;
        v = strtoull(t->s, &end, 10);
        if (*end || !t->s[0] || t->s[0] == '-')
            return perr(p, t->col, "expected a whole number, got '%s'", t->s);
        if (w->s[0] == 'n') {
            if (v < 1 || v > ENGINE_MAX_NODES)
                return perr(p, t->col, "a cluster has 1 to %d nodes, not %s", ENGINE_MAX_NODES,
                            t->s);
            c->kind = CMD_NODES;
            p->new_nodes = (int)v;
        } else {
            c->kind = CMD_SEED;
        }
        c->num = (int64_t)v;
        return expect_end(p);
    }
    if (strcmp(w->s, "set") == 0) {
        c->kind = CMD_SET;
        return parse_set(p);
    }
    if (strcmp(w->s, "latency") == 0) {
        c->kind = CMD_LATENCY;
        c->link.drop_bp = c->link.dup_bp = c->link.reorder_bp = -1;
        if (parse_range(p, &c->link.lat_min_us, &c->link.lat_max_us) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "run") == 0) {
        if (peek_is(p, "until")) {
            p->i++;
            if (peek_is(p, "quiet")) {
                p->i++;
                c->kind = CMD_RUN_QUIET;
                return expect_end(p);
            }
            if (more(p) && param_parse_duration(p->t[p->i].s, &c->dur_us) == 0) {
                c->kind = CMD_RUN_UNTIL;
                p->i++;
                return expect_end(p);
            }
            /* Anything else is a predicate: run until it holds, a breakpoint. */
            c->kind = CMD_RUN_PRED;
            if (!more(p))
                return perr(p, p->end_col,
                            "expected a time like 3s, 'quiet', or a predicate "
                            "(run until leader n2, run until w1 done)");
            if (parse_pred(p) < 0)
                return -1;
            return expect_end(p);
        }
        c->kind = CMD_RUN;
        if (parse_duration(p, "a duration like 2s, or 'until'", &c->dur_us) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "step") == 0) {
        c->kind = CMD_STEP;
        c->num = 1;
        if (more(p)) {
            const struct tok *t = need(p, "a count");
            char *end;
            c->num = strtoll(t->s, &end, 10);
            if (*end || c->num < 1 || c->num > 1000000)
                return perr(p, t->col, "expected a count of events from 1 to 1000000, got '%s'",
                            t->s);
        }
        return expect_end(p);
    }
    {
        int k = param_choice("put|get|incr|add|remove|del", w->s);
        if (k >= 0)
            return parse_op(p, (enum op_kind)k);
    }
    if (strcmp(w->s, "kill") == 0 || strcmp(w->s, "restart") == 0 || strcmp(w->s, "wipe") == 0 ||
        strcmp(w->s, "resume") == 0 || strcmp(w->s, "ntp") == 0) {
        c->kind = w->s[0] == 'k'                 ? CMD_KILL
                  : w->s[0] == 'w'               ? CMD_WIPE
                  : w->s[0] == 'n'               ? CMD_NTP
                  : strcmp(w->s, "restart") == 0 ? CMD_RESTART /* "res" starts both */
                                                 : CMD_RESUME;
        if (parse_node(p, &c->node) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "pause") == 0) {
        c->kind = CMD_PAUSE;
        c->dur_us = -1;
        if (more(p) && strcmp(p->t[p->i].s, "leader") == 0) {
            p->i++;
            c->node = NODE_LEADER;
        } else if (parse_node(p, &c->node) < 0) {
            return -1;
        }
        if (more(p)) {
            const struct tok *t = need(p, "for");
            if (strcmp(t->s, "for") != 0)
                return perr(p, t->col, "expected 'for DURATION' or the end of the line, got '%s'",
                            t->s);
            if (parse_duration(p, "how long, like 300ms", &c->dur_us) < 0)
                return -1;
        }
        return expect_end(p);
    }
    if (strcmp(w->s, "partition") == 0) {
        c->kind = CMD_PARTITION;
        c->node = -1;
        if (more(p) && strcmp(p->t[p->i].s, "leader") == 0) {
            /* partition leader: whichever node leads when it runs, alone against the rest. */
            p->i++;
            c->node = NODE_LEADER;
            return expect_end(p);
        }
        return parse_partition(p, c);
    }
    if (strcmp(w->s, "heal") == 0) {
        c->kind = CMD_HEAL;
        return expect_end(p);
    }
    if (strcmp(w->s, "cut") == 0 || strcmp(w->s, "mend") == 0) {
        c->kind = w->s[0] == 'c' ? CMD_CUT : CMD_MEND;
        if (parse_pair(p, c) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "link") == 0) {
        c->kind = CMD_LINK;
        if (parse_pair(p, c) < 0)
            return -1;
        return parse_link_opts(p, &c->link, false);
    }
    if (strcmp(w->s, "net") == 0) {
        c->kind = CMD_NET;
        c->node = c->node2 = -1;
        return parse_link_opts(p, &c->link, true);
    }
    if (strcmp(w->s, "skew") == 0) {
        c->kind = CMD_SKEW;
        if (parse_node(p, &c->node) < 0 || parse_signed_duration(p, &c->dur_us) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "drift") == 0) {
        const struct tok *t;
        char *end;
        c->kind = CMD_DRIFT;
        if (parse_node(p, &c->node) < 0)
            return -1;
        t = need(p, "a drift like +200ppm or -50ppm");
        if (!t)
            return -1;
        c->num = strtoll(t->s, &end, 10);
        if (end == t->s || strcmp(end, "ppm") != 0)
            return perr(p, t->col, "expected a drift like +200ppm or -50ppm, got '%s'", t->s);
        if (c->num > CLOCK_MAX_DRIFT_PPM || c->num < -CLOCK_MAX_DRIFT_PPM)
            return perr(p, t->col, "a drift is within +-%dppm, got '%s'", CLOCK_MAX_DRIFT_PPM,
                        t->s);
        return expect_end(p);
    }
    if (strcmp(w->s, "expect") == 0) {
        c->kind = CMD_EXPECT;
        if (parse_pred(p) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "workload") == 0)
        return parse_workload(p, c);
    if (strcmp(w->s, "deliver") == 0 || strcmp(w->s, "delay") == 0 || strcmp(w->s, "drop") == 0) {
        const struct tok *t = need(p, "a message id (the number the trace and the sandbox show)");
        const char *d;
        char *end;
        c->kind = CMD_MSG;
        c->node = w->s[0] == 'd' && w->s[2] == 'l' && w->s[3] == 'i' ? ENGINE_MSG_DELIVER
                  : w->s[2] == 'l'                                   ? ENGINE_MSG_DELAY
                                                                     : ENGINE_MSG_DROP;
        if (!t)
            return -1;
        d = t->s[0] == '#' ? t->s + 1 : t->s;
        c->num = strtoll(d, &end, 10);
        if (end == d || *end || c->num < 1)
            return perr(p, t->col,
                        "expected a message id (a number, as the trace shows it), got '%s'", t->s);
        if (c->node == ENGINE_MSG_DELAY &&
            parse_duration(p, "how much longer, like 200ms", &c->dur_us) < 0)
            return -1;
        return expect_end(p);
    }
    if (strcmp(w->s, "say") == 0) {
        const struct tok *t = need(p, "a caption in quotes, like say \"n1 is the leader\"");
        if (!t)
            return -1;
        c->kind = CMD_SAY;
        if (strlen(t->s) >= sizeof(c->words))
            return perr(p, t->col, "a caption is at most %zu characters", sizeof(c->words) - 1);
        util_strlcpy(c->words, t->s, sizeof(c->words));
        return expect_end(p);
    }
    if (strcmp(w->s, "beat") == 0) {
        c->kind = CMD_BEAT;
        return expect_end(p);
    }
    if (strcmp(w->s, "note") == 0) {
        size_t o = 0;
        c->kind = CMD_NOTE;
        if (!more(p))
            return perr(p, p->end_col, "expected the text of the note");
        while (more(p)) {
            const struct tok *t = need(p, "text");
            util_appendf(c->words, sizeof(c->words), "%s%s", o++ ? " " : "", t->s);
        }
        return 0;
    }
    {
        int k = model_find_cmd(p->env->model, w->s);
        if (k >= 0)
            return parse_model_cmd(p, k);
    }
    {
        const char *close = util_suggest(w->s, command_words, (int)ARRAY_LEN(command_words));
        if (close)
            return perr(p, w->col, "unknown command '%s'; did you mean '%s'?", w->s, close);
    }
    return perr(p, w->col,
                "unknown command '%s'; expected model, nodes, seed, set, latency, at, "
                "run, step, put, get, incr, add, remove, del, kill, restart, wipe, pause, "
                "resume, partition, heal, cut, mend, link, net, skew, drift, ntp, "
                "expect, note, workload, deliver, delay, drop, say or beat",
                w->s);
}

/*
 * Per-model lines, for comparison scenarios: `for leader: set acks all` (or
 * `for leader,multi: ...`) runs only on the models named; `for leader:` alone
 * opens a block of such lines closed by `end`; `expect leader: lost-writes == 1`
 * is an expect for one model. A line for other models is skipped whole (it
 * parses when its own model's parse reads it), so each model reads the shared
 * lines plus its own.
 */

/* Reads the model list of a `for` (or a named expect) from tokens at p->i that end with the
 * first one ending in ':'. Returns the mask of models (bit k = model_at(k)), -1 on error,
 * or 0 when the tokens are not a model list (no ':' where allowed). */
static long parse_model_list(struct parser *p, bool must)
{
    char list[TOK_MAX * 4] = "", *save = NULL, *name;
    int first = p->i, col;
    long mask = 0;

    if (!more(p))
        return must ? perr(p, p->end_col, "expected a model name and ':' after 'for'") : 0;
    col = p->t[p->i].col;
    while (more(p)) {
        const struct tok *t = &p->t[p->i++];
        size_t len = strlen(t->s);
        util_appendf(list, sizeof(list), "%s", t->s);
        if (!t->quoted && len > 0 && t->s[len - 1] == ':')
            break;
        if (!must) {
            p->i = first;
            return 0;
        }
        if (!more(p))
            return perr(p, p->end_col, "expected ':' after the model names of 'for'");
    }
    list[strlen(list) - 1] = '\0';
    for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int k;
        for (k = 0; k < model_count(); k++)
            if (strcmp(model_at(k)->name, name) == 0)
                break;
        if (k == model_count()) {
            char names[200] = "";
            if (!must) {
                p->i = first;
                return 0;
            }
            for (int j = 0; j < model_count(); j++)
                util_appendf(names, sizeof(names), "%s%s", j ? ", " : "", model_at(j)->name);
            return perr(p, col, "unknown model '%s'; expected one of: %s", name, names);
        }
        mask |= 1L << k;
    }
    if (!mask)
        return must ? perr(p, col, "expected a model name before ':'") : 0;
    return mask;
}

static bool mask_has_model(long mask, const struct model_ops *m)
{
    for (int k = 0; k < model_count(); k++)
        if (model_at(k) == m)
            return (mask >> k) & 1;
    return false;
}

/* 1: parse the line from p->i; 0: skip it (another model's, or a block's `for`/`end`);
 * -1: error. Sets env->line_shared. */
static int model_filter(struct parser *p)
{
    struct script_env *env = p->env;
    long mask = 0;

    env->line_shared = env->block_mask == 0;
    if (peek_is(p, "end") && p->n == 1) {
        if (!env->block_mask)
            return perr(p, p->t[0].col, "'end' without a 'for MODEL:' block to close");
        env->block_mask = 0;
        return 0;
    }
    if (peek_is(p, "for")) {
        if (env->block_mask)
            return perr(p, p->t[0].col,
                        "'for' inside the 'for' block of line %d: close it with 'end' first",
                        env->block_line);
        p->i++;
        mask = parse_model_list(p, true);
        if (mask < 0)
            return -1;
        env->line_shared = false;
        if (!more(p)) {
            if (!env->file_mode)
                return perr(p, p->end_col,
                            "expected a command after ':' (a 'for' block belongs in a file)");
            env->block_mask = mask;
            env->block_line = p->line;
            env->block_col = p->t[0].col;
            return 0;
        }
    } else if (peek_is(p, "expect") && p->n > 2 && !p->t[1].quoted &&
               p->t[1].s[strlen(p->t[1].s) - 1] == ':') {
        p->i = 1;
        mask = parse_model_list(p, true);
        if (mask < 0)
            return -1;
        if (mask) {
            /* Drop the model list so the expect parses as usual. */
            int drop = p->i - 1;
            memmove(&p->t[1], &p->t[1 + drop], (size_t)(p->n - 1 - drop) * sizeof(p->t[0]));
            p->n -= drop;
            env->line_shared = false;
        }
        p->i = 0;
    }
    if (!mask)
        mask = env->block_mask;
    if (mask && !mask_has_model(mask, env->model))
        return 0;
    return 1;
}

int script_parse_end(const struct script_env *env, const char *file, struct script_error *err)
{
    if (!env->block_mask)
        return 0;
    set_error(err, file, env->block_line, env->block_col,
              "the 'for' block opened here has no 'end'");
    return -1;
}

int script_parse_line(struct script_env *env, const char *file, int lineno, const char *line,
                      struct script_cmd *out, struct script_error *err)
{
    struct parser *p = xmalloc(sizeof(*p));
    int r;

    memset(p, 0, offsetof(struct parser, t));
    p->env = env;
    p->file = file;
    p->line = lineno;
    p->err = err;
    p->cmd = out;
    memset(out, 0, sizeof(*out));
    out->line = lineno;
    out->at_us = -1;
    out->dur_us = -1;
    out->via = -1;
    out->node = out->node2 = -1;
    if (strlen(line) >= SCRIPT_MAX_LINE) {
        set_error(err, file, lineno, SCRIPT_MAX_LINE, "line is longer than %d characters",
                  SCRIPT_MAX_LINE - 1);
        free(p);
        return -1;
    }
    if (tokenize(p, line) < 0) {
        free(p);
        return -1;
    }
    if (p->n == 0) {
        free(p);
        return 0;
    }
    r = model_filter(p);
    if (r <= 0) {
        free(p);
        return r;
    }
    out->col = p->t[p->i].col;
    r = parse_command(p, false);
    if (r == 0) {
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        memcpy(out->text, line, len);
        out->text[len] = '\0';
        /* Commit what this line changes in the parse environment. */
        if (p->new_model)
            env->model = p->new_model;
        if (p->new_nodes)
            env->n_nodes = p->new_nodes;
        if (out->kind == CMD_OP) {
            if (!out->label[0]) {
                do {
                    snprintf(out->label, sizeof(out->label), "op%d", ++env->auto_label);
                } while (script_env_has_label(env, out->label));
            }
            if (env->n_labels >= SCRIPT_MAX_LABELS) {
                set_error(err, file, lineno, out->col, "too many ops (at most %d)",
                          SCRIPT_MAX_LABELS);
                free(p);
                return -1;
            }
            env_add_label(env, out->label);
        }
        if (out->kind != CMD_MODEL && out->kind != CMD_NODES && out->kind != CMD_SEED)
            env->acted = true;
    }
    free(p);
    return r < 0 ? -1 : 1;
}

int script_parse_pred(struct script_env *env, const char *file, int lineno, const char *text,
                      struct script_pred *out, struct script_error *err)
{
    struct parser *p = xmalloc(sizeof(*p));
    struct script_cmd *cmd = xcalloc(1, sizeof(*cmd));
    int r;

    memset(p, 0, offsetof(struct parser, t));
    p->env = env;
    p->file = file;
    p->line = lineno;
    p->err = err;
    p->cmd = cmd;
    if (strlen(text) >= SCRIPT_MAX_LINE) {
        r = perr(p, SCRIPT_MAX_LINE, "line is longer than %d characters", SCRIPT_MAX_LINE - 1);
    } else if (tokenize(p, text) < 0) {
        r = -1;
    } else if (p->n == 0) {
        r = 0;
    } else {
        r = parse_pred(p) < 0 || expect_end(p) < 0 ? -1 : 1;
        if (r > 0)
            *out = cmd->pred;
    }
    free(cmd);
    free(p);
    return r;
}

int script_parse_text(const char *file, const char *text, size_t len, struct script_env *env,
                      struct script *out, struct script_error *err)
{
    memset(out, 0, sizeof(*out));
    return script_parse_text_reuse(file, text, len, env, out, err);
}

int script_parse_text_reuse(const char *file, const char *text, size_t len, struct script_env *env,
                            struct script *out, struct script_error *err)
{
    struct script s = *out;
    int cap = s.cap, lineno = 0;
    size_t pos = 0;
    char *line = xmalloc(SCRIPT_MAX_LINE + 2);

    s.n = 0;
    while (pos < len) {
        size_t end = pos;
        int r;

        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        if (memchr(text + pos, '\0', end - pos)) {
            set_error(err, file, lineno, 1, "unexpected NUL byte: expected a text file");
            goto fail;
        }
        if (end - pos > SCRIPT_MAX_LINE) {
            set_error(err, file, lineno, SCRIPT_MAX_LINE, "line is longer than %d characters",
                      SCRIPT_MAX_LINE - 1);
            goto fail;
        }
        memcpy(line, text + pos, end - pos);
        line[end - pos] = '\0';
        pos = end + 1;
        /* Parsed straight into the next slot (a command is 3.6 KB: no copy). */
        if (s.n == cap) {
            cap = cap ? cap * 2 : 32;
            s.cmds = xrealloc(s.cmds, (size_t)cap * sizeof(*s.cmds));
        }
        r = script_parse_line(env, file, lineno, line, &s.cmds[s.n], err);
        if (r < 0)
            goto fail;
        if (r == 0)
            continue;
        if (s.n >= SCRIPT_MAX_CMDS) {
            set_error(err, file, lineno, 1, "too many commands (at most %d)", SCRIPT_MAX_CMDS);
            goto fail;
        }
        s.n++;
    }
    if (script_parse_end(env, file, err) < 0)
        goto fail;
    free(line);
    s.cap = cap;
    *out = s;
    return 0;
fail:
    free(line);
    free(s.cmds);
    memset(out, 0, sizeof(*out));
    return -1;
}

void script_release(struct script *s)
{
    free(s->cmds);
    s->cmds = NULL;
    s->n = 0;
    s->cap = 0;
}

/* ---- running ---- */

struct script_run {
    char file[256];
    int64_t seed_override;
    char model[48];
    int nodes;
    uint64_t seed;
    struct engine *e;
    struct engine *spare; /* a previous run's engine, reset and reused when the shape matches */
    struct trace_observer *obs[SCRIPT_MAX_OBSERVERS];
    int n_obs;
    size_t ring;                /* trace ring each engine keeps for cursors; 0: none */
    struct script_cmd *actions; /* scheduled `at` commands; the action id is the index */
    int n_actions;
    int cap_actions;
    struct script_cmd *settings; /* set/latency/link/net, re-applied when the cluster is rebuilt */
    int n_settings;
    int cap_settings;
    struct script_expect *expects;
    int n_expects;
    int cap_expects;
    int failed;
    bool unquiet;
    struct check_recorder rec;
    struct script_cmd *journal; /* top-level commands that changed the run, with their times */
    int64_t *journal_t;
    int n_journal;
    int cap_journal;
    bool replaying;
};

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

static int runtime_error(struct script_run *run, const struct script_cmd *cmd,
                         struct script_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int runtime_error(struct script_run *run, const struct script_cmd *cmd,
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

static int exec_now(struct script_run *run, const struct script_cmd *cmd, struct script_error *err);

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
        exec_now(run, &c, &ignored);
    }
}

static void remember_setting(struct script_run *run, const struct script_cmd *cmd)
{
    if (run->n_settings == run->cap_settings) {
        run->cap_settings = run->cap_settings ? run->cap_settings * 2 : 16;
        run->settings = xrealloc(run->settings, (size_t)run->cap_settings * sizeof(*run->settings));
    }
    run->settings[run->n_settings++] = *cmd;
}

static int run_action(struct script_run *run, uint64_t id, struct script_error *err)
{
    struct script_cmd c;

    assert(id < (uint64_t)run->n_actions);
    c = run->actions[id];
    return exec_now(run, &c, err);
}

static int run_to(struct script_run *run, int64_t target, struct script_error *err)
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

    if (run->n_expects == run->cap_expects) {
        run->cap_expects = run->cap_expects ? run->cap_expects * 2 : 16;
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
            const struct param_def *def = find_param_def(m, p->word, &eidx);
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

int script_eval_step(struct script_run *run, const struct script_pred *p, int64_t since_us,
                     int since_entry, char *why, size_t size)
{
    struct engine *e = script_run_engine(run);
    const struct history *h = engine_history(e);
    struct engine_node info;
    char a[160], b[160];
    int holds = 0;

    why[0] = '\0';
    switch (p->kind) {
    case SPRED_OP_STATUS:
    case SPRED_OP_VALUE: {
        const struct op *op = history_find_label(h, p->label);
        if (!op) {
            snprintf(why, size, "%s was never issued", p->label);
            break;
        }
        if (p->kind == SPRED_OP_STATUS) {
            holds = p->done ? op->status != OP_PENDING : op->status == p->status;
            if (op->status == OP_FAIL || op->status == OP_TIMEOUT)
                snprintf(why, size, "%s is %s (%s)", p->label, op_status_name(op->status),
                         op->reason);
            else
                snprintf(why, size, "%s is %s", p->label, op_status_name(op->status));
        } else {
            holds = op->status == OP_OK && op_values_equal(&op->result, &p->values);
            describe_values(&op->result, a, sizeof(a));
            if (op->status == OP_OK)
                snprintf(why, size, "%s returned %s", p->label, a);
            else
                snprintf(why, size, "%s is %s%s%s%s", p->label, op_status_name(op->status),
                         op->reason[0] ? " (" : "", op->reason, op->reason[0] ? ")" : "");
        }
        break;
    }
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
    case SPRED_CONVERGED: {
        struct op_values first, v;
        bool have = false;
        holds = 1;
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
        break;
    }
    case SPRED_CONVERGED_ALL: {
        struct check_converge cv;
        check_convergence(e, &run->rec, &cv);
        holds = cv.converged;
        if (cv.converged)
            snprintf(why, size, "all %d keys agree on every live node", cv.keys);
        else
            snprintf(why, size, "%s", cv.witness);
        break;
    }
    case SPRED_LINEARIZABLE: {
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
        break;
    }
    case SPRED_SESSIONS: {
        struct check_sessions ss;
        check_sessions(h, &ss);
        holds = ss.ryw + ss.monotonic + ss.prefix == 0;
        if (holds)
            snprintf(why, size, "read-your-writes, monotonic reads and consistent prefix held");
        else
            snprintf(why, size, "%s", ss.witness);
        break;
    }
    case SPRED_LOST_WRITES: {
        struct check_lost lost;
        check_lost_writes(e, &run->rec, &lost);
        holds = lost.lost == p->num;
        if (lost.lost)
            snprintf(why, size, "%d lost: %s", lost.lost, lost.witness);
        else
            snprintf(why, size, "no acknowledged write was lost");
        break;
    }
    case SPRED_SPLIT_BRAIN: {
        struct check_split sb;
        check_split_brain(&run->rec, h, &sb);
        holds = sb.count > 0;
        if (sb.count)
            snprintf(why, size, "%s%s", sb.witness, sb.same_epoch ? " (in the same epoch)" : "");
        else
            snprintf(why, size, "never two leaders acknowledging writes at once");
        break;
    }
    case SPRED_AVAILABILITY: {
        struct check_avail av;
        check_availability(h, &av);
        holds = av.ops == 0 || (int64_t)av.ok * 10000 >= p->num * av.ops;
        snprintf(why, size, "%d of %d ops ok (%d%%)", av.ok, av.ops,
                 av.ops ? av.ok * 100 / av.ops : 0);
        break;
    }
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
    case SPRED_DID: {
        int upto = run->n_journal;
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
            return runtime_error(run, cmd, err, "no op labelled '%s' has run yet", cmd->after);
        /* A write that names a context it cannot have must not quietly become a blind one. */
        if (!after->has_ctx)
            return runtime_error(run, cmd, err, "'%s' carries no version context (%s)", cmd->after,
                                 after->status == OP_PENDING ? "it has not completed yet"
                                 : after->status == OP_OK    ? "this model returns none"
                                                             : "it did not complete ok");
        spec.after = after->id;
    }
    spec.carry = cmd->after_last;
    r = engine_submit(run->e, &spec);
    if (r < 0)
        return runtime_error(run, cmd, err, "%s: %s", op_kind_name(cmd->op),
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

static int exec_now(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    char msg[SCRIPT_MSG_MAX], why[SCRIPT_MSG_MAX];
    struct script_cmd resolved;
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
    e = script_run_engine(run);
    switch (cmd->kind) {
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
        break;
    case CMD_SET:
        if (engine_set(e, cmd->word, cmd->value, msg, sizeof(msg)) < 0)
            return runtime_error(run, cmd, err, "%s", msg);
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
        return run_to(run, engine_now(e) + cmd->dur_us, err);
    case CMD_RUN_UNTIL:
        if (cmd->dur_us < engine_now(e)) {
            util_fmt_time(msg, sizeof(msg), engine_now(e));
            return runtime_error(run, cmd, err, "cannot run until a time that has passed (now %s)",
                                 msg);
        }
        return run_to(run, cmd->dur_us, err);
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
        r = engine_kill(e, cmd->node);
        if (r == ENGINE_ESTATE)
            return runtime_error(run, cmd, err, "n%d is already down", cmd->node + 1);
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
            return runtime_error(
                run, cmd, err, "n%d cannot pause: it is %s", cmd->node + 1,
                engine_node(e, cmd->node, &(struct engine_node){0}) == 0 ? "not up" : "unknown");
        break;
    case CMD_RESUME:
        r = engine_resume(e, cmd->node);
        if (r == ENGINE_ESTATE)
            return runtime_error(run, cmd, err, "n%d is not paused", cmd->node + 1);
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
    case CMD_EXPECT: {
        int holds = script_eval(run, &cmd->pred, why, sizeof(why));
        if (holds)
            add_expect(run, cmd, true, why);
        else
            add_expect(run, cmd, false, why);
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
            return runtime_error(run, cmd, err, "no message #%lld is in flight",
                                 (long long)cmd->num);
        break;
    case CMD_MODEL_CMD: {
        int k = model_find_cmd(engine_model(e), cmd->word);
        if (k < 0)
            return runtime_error(run, cmd, err, "model %s has no command '%s'",
                                 engine_model(e)->name, cmd->word);
        if (engine_command(e, k, &cmd->margs, msg, sizeof(msg)) < 0)
            return runtime_error(run, cmd, err, "%s", msg);
        remember_setting(run, cmd);
        break;
    }
    }
    if (r < 0)
        return runtime_error(run, cmd, err, "%s", engine_strerror(r));
    return 0;
}

static bool advances_time(enum script_cmd_kind k)
{
    return k == CMD_RUN || k == CMD_RUN_UNTIL || k == CMD_RUN_QUIET || k == CMD_RUN_PRED ||
           k == CMD_STEP;
}

static void journal_add(struct script_run *run, const struct script_cmd *cmd, int64_t t)
{
    if (run->replaying || advances_time(cmd->kind))
        return;
    if (run->n_journal == run->cap_journal) {
        run->cap_journal = run->cap_journal ? run->cap_journal * 2 : 64;
        run->journal = xrealloc(run->journal, (size_t)run->cap_journal * sizeof(*run->journal));
        run->journal_t =
            xrealloc(run->journal_t, (size_t)run->cap_journal * sizeof(*run->journal_t));
    }
    run->journal[run->n_journal] = *cmd;
    run->journal_t[run->n_journal] = t;
    run->n_journal++;
}

static int schedule_cmd(struct script_run *run, const struct script_cmd *cmd,
                        struct script_error *err);

int script_run_exec(struct script_run *run, const struct script_cmd *cmd, struct script_error *err)
{
    int64_t t = run->e ? engine_now(run->e) : 0;
    int r = cmd->at_us < 0 ? exec_now(run, cmd, err) : schedule_cmd(run, cmd, err);

    if (r == 0)
        journal_add(run, cmd, t);
    return r;
}

int script_run_advance(struct script_run *run, int64_t t_us, struct script_error *err)
{
    script_run_engine(run);
    if (t_us < engine_now(run->e))
        return 0;
    return run_to(run, t_us, err);
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
static void fmt_exact(char *dst, size_t size, int64_t us)
{
    snprintf(dst, size, "%lld.%06llds", (long long)(us / 1000000), (long long)(us % 1000000));
}

static bool shapes(enum script_cmd_kind k)
{
    return k == CMD_MODEL || k == CMD_NODES || k == CMD_SEED;
}

int script_run_write_recording(const struct script_run *run, FILE *f, int64_t end_us)
{
    int64_t at = 0;
    int from = 0;
    bool acted = false;
    char t[32];

    /*
     * A model, nodes or seed command after others rebuilt the cluster from time 0 with the
     * settings re-applied: the recording starts at the last such rebuild, with the shape
     * and the settings in force then.
     */
    for (int i = 0; i < run->n_journal; i++) {
        if (!shapes(run->journal[i].kind))
            acted = true;
        else if (acted)
            from = i;
    }
    fprintf(f, "# splitbrain recording: every command with the virtual time it ran at.\n");
    fprintf(f, "# splitbrain run reproduces it exactly; splitbrain open plays it.\n");
    fprintf(f, "model %s\nnodes %d\nseed %llu\n", run->model, run->nodes,
            (unsigned long long)run->seed);
    if (from > 0) {
        /* The settings made before the rebuild, which it re-applied; those the new shape
         * rejects (a parameter of another model, a link to a node that is gone) were dropped
         * then and are dropped here. */
        struct script_env env;
        struct script_cmd *tmp = xmalloc(sizeof(*tmp));
        struct script_error err;
        char line[SCRIPT_MAX_LINE + 16];
        script_env_init(&env, false);
        snprintf(line, sizeof(line), "model %s", run->model);
        script_parse_line(&env, "", 1, line, tmp, &err);
        snprintf(line, sizeof(line), "nodes %d", run->nodes);
        script_parse_line(&env, "", 1, line, tmp, &err);
        for (int i = 0; i < from; i++) {
            const struct script_cmd *c = &run->journal[i];
            bool setting = c->kind == CMD_SET || c->kind == CMD_LATENCY || c->kind == CMD_NET ||
                           c->kind == CMD_LINK || c->kind == CMD_MODEL_CMD;
            if (setting && c->at_us < 0 && script_parse_line(&env, "", 1, c->text, tmp, &err) > 0)
                fprintf(f, "%s\n", c->text);
        }
        free(tmp);
        script_env_release(&env);
    }
    for (int i = from; i < run->n_journal; i++) {
        const struct script_cmd *c = &run->journal[i];
        if (shapes(c->kind))
            continue;
        if (run->journal_t[i] > at) {
            at = run->journal_t[i];
            fmt_exact(t, sizeof(t), at);
            fprintf(f, "run until %s\n", t);
        }
        fprintf(f, "%s\n", c->text);
    }
    if (end_us > at) {
        fmt_exact(t, sizeof(t), end_us);
        fprintf(f, "run until %s\n", t);
    }
    return ferror(f) ? -1 : 0;
}

int script_run_journal_count(const struct script_run *run)
{
    return run->n_journal;
}

const struct script_cmd *script_run_journal_at(const struct script_run *run, int i, int64_t *t_us)
{
    if (i < 0 || i >= run->n_journal)
        return NULL;
    if (t_us)
        *t_us = run->journal_t[i];
    return &run->journal[i];
}

/*
 * Rewinds by replaying: the engine is deterministic, so building the
 * cluster afresh and re-issuing every journalled command at the virtual time
 * it first ran reproduces the run exactly, up to t_us.
 */
int script_run_rewind(struct script_run *run, int64_t t_us, int n_entries, struct script_error *err)
{
    struct script_cmd *journal = run->journal;
    int64_t *times = run->journal_t;
    int n = run->n_journal, cap = run->cap_journal, r = 0, upto = 0;

    upto = n_entries >= 0 ? (n_entries < n ? n_entries : n) : script_run_journal_before(run, t_us);
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
    run->replaying = true;
    for (int i = 0; i < upto && r == 0; i++) {
        if (times[i] > (run->e ? engine_now(run->e) : 0)) {
            script_run_engine(run);
            r = run_to(run, times[i], err);
        }
        if (r == 0)
            r = journal[i].at_us < 0 ? exec_now(run, &journal[i], err)
                                     : schedule_cmd(run, &journal[i], err);
    }
    if (r == 0) {
        script_run_engine(run); /* the journal may hold nothing but the cluster's shape */
        r = run_to(run, t_us, err) < 0 ? -1 : 0;
    }
    run->replaying = false;
    /* The journal stays whole, so a later rewind can go forward again. */
    run->journal = journal;
    run->journal_t = times;
    run->n_journal = n;
    run->cap_journal = cap;
    return r;
}

int script_run_journal_before(const struct script_run *run, int64_t t_us)
{
    int n = 0;

    while (n < run->n_journal && (run->journal_t[n] < t_us || run->journal_t[n] == 0))
        n++;
    return n;
}

void script_run_truncate_journal(struct script_run *run, int n_entries)
{
    if (n_entries >= 0 && n_entries < run->n_journal)
        run->n_journal = n_entries;
}

static int schedule_cmd(struct script_run *run, const struct script_cmd *cmd,
                        struct script_error *err)
{
    struct engine *e;
    int r;

    e = script_run_engine(run);
    if (run->n_actions >= ENGINE_MAX_ACTIONS)
        return runtime_error(run, cmd, err, "too many scheduled commands (at most %d)",
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
        return runtime_error(run, cmd, err, "'at' names a time that has passed (now %s)", now);
    }
    if (r < 0)
        return runtime_error(run, cmd, err, "%s", engine_strerror(r));
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
