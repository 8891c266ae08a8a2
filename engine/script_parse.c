/*
 * Parsing: lines of the command language into struct script_cmd, through the
 * one command table (below). Everything is checked before anything runs, and
 * an error names FILE:LINE:COL and what was expected there.
 */
#include "script_int.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

int script_perr(struct parser *p, int col, const char *fmt, ...)
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
            return script_perr(p, (int)k + 1, "unexpected control character (byte 0x%02x)", c);
    }
    while (i < len) {
        struct tok *t;
        size_t start;

        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i >= len || line[i] == '#')
            break;
        if (p->n >= MAX_TOKS)
            return script_perr(p, (int)i + 1, "too many words on one line (at most %d)", MAX_TOKS);
        t = &p->t[p->n];
        memset(t, 0, sizeof(*t));
        t->col = (int)i + 1;
        start = i;
        if (line[i] == '"') {
            size_t o = 0;
            i++;
            while (i < len && line[i] != '"') {
                if (o + 1 >= TOK_MAX)
                    return script_perr(p, t->col, "quoted text is longer than %d characters",
                                       TOK_MAX - 1);
                t->s[o++] = line[i++];
            }
            if (i >= len)
                return script_perr(p, t->col, "unterminated quote: expected a closing \"");
            i++;
            t->quoted = true;
        } else if (line[i] == '|') {
            t->s[0] = '|';
            i++;
        } else {
            while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '|' && line[i] != '#')
                i++;
            if (i - start >= TOK_MAX)
                return script_perr(p, t->col, "word is longer than %d characters", TOK_MAX - 1);
            memcpy(t->s, line + start, i - start);
        }
        p->n++;
    }
    return 0;
}

bool script_more(const struct parser *p)
{
    return p->i < p->n;
}

static const struct tok *peek(const struct parser *p)
{
    return script_more(p) ? &p->t[p->i] : NULL;
}

bool script_peek_is(const struct parser *p, const char *word)
{
    return script_more(p) && !p->t[p->i].quoted && strcmp(p->t[p->i].s, word) == 0;
}

/* Takes the next token, or fails saying what was expected there. */
const struct tok *script_need(struct parser *p, const char *what)
{
    if (!script_more(p)) {
        script_perr(p, p->end_col, "expected %s", what);
        return NULL;
    }
    return &p->t[p->i++];
}

static int expect_end(struct parser *p)
{
    if (script_more(p))
        return script_perr(p, p->t[p->i].col, "unexpected '%s': expected the end of the line",
                           p->t[p->i].s);
    return 0;
}

static int parse_node_tok(struct parser *p, const struct tok *t, int *node)
{
    int n = param_parse_node(t->s, p->env->n_nodes);

    if (n < 0) {
        if (param_parse_node(t->s, 0) >= 0)
            return script_perr(p, t->col, "no node '%s': this cluster has n1..n%d", t->s,
                               p->env->n_nodes);
        return script_perr(p, t->col, "expected a node name (n1..n%d), got '%s'", p->env->n_nodes,
                           t->s);
    }
    *node = n;
    return 0;
}

int script_parse_node(struct parser *p, int *node)
{
    const struct tok *t = script_need(p, "a node name (n1, n2, ...)");

    if (!t)
        return -1;
    return parse_node_tok(p, t, node);
}

static int parse_duration(struct parser *p, const char *what, int64_t *us)
{
    const struct tok *t = script_need(p, what);

    if (!t)
        return -1;
    if (param_parse_duration(t->s, us) < 0)
        return script_perr(
            p, t->col,
            "expected %s, got '%s' (a duration is a number with a unit: us, ms, s or min)", what,
            t->s);
    return 0;
}

/* "10ms..30ms" or "20ms" (a fixed delay). */
static int parse_range(struct parser *p, int64_t *lo, int64_t *hi)
{
    const struct tok *t = script_need(p, "a delay range like 10ms..30ms");
    const char *dots;
    char a[TOK_MAX];

    if (!t)
        return -1;
    dots = strstr(t->s, "..");
    if (!dots) {
        if (param_parse_duration(t->s, lo) < 0)
            return script_perr(p, t->col, "expected a delay range like 10ms..30ms, got '%s'", t->s);
        *hi = *lo;
        return 0;
    }
    memcpy(a, t->s, (size_t)(dots - t->s));
    a[dots - t->s] = '\0';
    if (param_parse_duration(a, lo) < 0)
        return script_perr(p, t->col, "expected a delay range like 10ms..30ms, got '%s'", t->s);
    if (!dots[2])
        return script_perr(p, t->col + (int)(dots - t->s) + 2,
                           "expected the upper end of the range after '..' (like 10ms..30ms)");
    if (param_parse_duration(dots + 2, hi) < 0)
        return script_perr(p, t->col + (int)(dots - t->s) + 2,
                           "expected the upper end of the range (like 30ms), got '%s'", dots + 2);
    if (*hi < *lo)
        return script_perr(p, t->col, "the range %s runs backwards: the lower end comes first",
                           t->s);
    return 0;
}

static int parse_percent(struct parser *p, int64_t *bp)
{
    const struct tok *t = script_need(p, "a percentage like 20%");
    uint32_t v;

    if (!t)
        return -1;
    if (param_parse_percent(t->s, &v) < 0)
        return script_perr(p, t->col,
                           "expected a percentage from 0%% to 100%% (like 20%%), got '%s'", t->s);
    *bp = v;
    return 0;
}

bool script_valid_ident(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

int script_parse_key(struct parser *p, char *dst)
{
    const struct tok *t = script_need(p, "a key");

    if (!t)
        return -1;
    if (strlen(t->s) >= STORE_KEY_MAX || !t->s[0])
        return script_perr(p, t->col, "a key is 1 to %d characters, got '%s'", STORE_KEY_MAX - 1,
                           t->s);
    if (strchr(t->s, '{') || strchr(t->s, ',') || strchr(t->s, '"'))
        return script_perr(p, t->col, "a key may not contain '{', ',' or '\"': got '%s'", t->s);
    util_strlcpy(dst, t->s, STORE_KEY_MAX);
    return 0;
}

static int parse_value_word(struct parser *p, const char *what, char *dst)
{
    const struct tok *t = script_need(p, what);

    if (!t)
        return -1;
    if (strlen(t->s) >= STORE_VAL_MAX || !t->s[0])
        return script_perr(p, t->col, "a value is 1 to %d characters, got '%s'", STORE_VAL_MAX - 1,
                           t->s);
    if (!t->quoted && (t->s[0] == '{' || strchr(t->s, '}')))
        return script_perr(p, t->col, "a value may not contain '{' or '}' unless quoted: got '%s'",
                           t->s);
    util_strlcpy(dst, t->s, STORE_VAL_MAX);
    return 0;
}

int script_parse_label_ref(struct parser *p, char *dst)
{
    const struct tok *t = script_need(p, "an op label (like w1)");

    if (!t)
        return -1;
    if (!script_env_has_label(p->env, t->s) && strcmp(p->new_label, t->s) != 0)
        return script_perr(p, t->col, "no op labelled '%s' before this line", t->s);
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
        return script_perr(p, p->t[p->i - 1].col, "model %s has no '%s' operation", m->name,
                           op_kind_name(kind));
    if (script_parse_key(p, c->key) < 0)
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
        const struct tok *t = script_need(p, "an amount (a whole number)");
        char *end;
        if (!t)
            return -1;
        c->num = strtoll(t->s, &end, 10);
        if (*end || !t->s[0])
            return script_perr(p, t->col, "expected an amount (a whole number), got '%s'", t->s);
        break;
    }
    case OP_GET:
    case OP_DEL:
        break;
    }
    while (script_more(p)) {
        const struct tok *t = script_need(p, "via, after or as");
        if (strcmp(t->s, "via") == 0) {
            if (script_parse_node(p, &c->via) < 0)
                return -1;
        } else if (strcmp(t->s, "after") == 0) {
            if (kind == OP_GET)
                return script_perr(p, t->col,
                                   "'after' carries a read's context into a write; a get "
                                   "takes none");
            if (script_peek_is(p, "last")) {
                p->i++;
                c->after_last = true;
                continue;
            }
            if (script_parse_label_ref(p, c->after) < 0)
                return -1;
            if (strcmp(c->after, c->label) == 0)
                return script_perr(p, p->t[p->i - 1].col,
                                   "an op cannot run after itself: 'after' names an earlier read");
        } else if (strcmp(t->s, "as") == 0) {
            const struct tok *ct = script_need(p, "a client name (c1, c2, ...)");
            char *end;
            long k;
            if (!ct)
                return -1;
            k = ct->s[0] == 'c' ? strtol(ct->s + 1, &end, 10) : 0;
            if (ct->s[0] != 'c' || *end || k < 1 || k > ENGINE_MAX_CLIENTS)
                return script_perr(p, ct->col, "expected a client name c1..c%d, got '%s'",
                                   ENGINE_MAX_CLIENTS, ct->s);
            c->client = (int)(k - 1);
        } else {
            return script_perr(
                p, t->col, "unexpected '%s': expected via NODE, after LABEL or as CLIENT", t->s);
        }
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
    if (script_parse_key(p, c->margs.key) < 0)
        return -1;
    while (script_more(p)) {
        int node;
        if (c->margs.n_nodes >= d->max_nodes)
            return script_perr(p, p->t[p->i].col, "'%s' names at most %d nodes (%s)", d->name,
                               d->max_nodes, d->usage);
        if (script_parse_node(p, &node) < 0)
            return -1;
        c->margs.nodes[c->margs.n_nodes++] = node;
    }
    if (c->margs.n_nodes < d->min_nodes)
        return script_perr(p, p->end_col, "expected %d or more node names after the key (%s)",
                           d->min_nodes, d->usage);
    return 0;
}

const struct param_def *script_find_param_def(const struct model_ops *m, const char *name,
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

static int parse_set(struct parser *p)
{
    const struct tok *k = script_need(p, "a parameter name");
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
            return script_perr(p, k->col, "unknown parameter '%s' for model %s; did you mean '%s'?",
                               k->s, m->name, close);
        return script_perr(p, k->col, "unknown parameter '%s' for model %s; valid: %s", k->s,
                           m->name, list);
    }
    if (!script_more(p)) {
        char want[160];
        param_describe(def, want, sizeof(want));
        return script_perr(p, p->end_col, "expected a value for %s: %s", def->name, want);
    }
    v = script_need(p, "a value for the parameter");
    if (param_parse(def, v->s, p->env->n_nodes, &pv, err, sizeof(err)) < 0)
        return script_perr(p, v->col, "%s", err);
    util_strlcpy(p->cmd->word, k->s, sizeof(p->cmd->word));
    util_strlcpy(p->cmd->value, v->s, sizeof(p->cmd->value));
    return expect_end(p);
}

static int parse_link_opts(struct parser *p, struct engine_link_cfg *cfg, bool allow_delay_only)
{
    bool any = false;

    cfg->lat_min_us = cfg->lat_max_us = -1;
    cfg->drop_bp = cfg->dup_bp = cfg->reorder_bp = -1;
    while (script_more(p)) {
        const struct tok *t = script_need(p, "drop, dup, delay or reorder");
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
            return script_perr(p, t->col,
                               "unexpected '%s': expected drop P%%, dup P%%, delay D..D or "
                               "reorder P%%",
                               t->s);
        if (r < 0)
            return -1;
        any = true;
    }
    (void)allow_delay_only;
    if (!any)
        return script_perr(p, p->end_col, "expected drop P%%, dup P%%, delay D..D or reorder P%%");
    return 0;
}

/* "n1 n2" (both directions) or "n1 -> n2" (one). */
static int parse_pair(struct parser *p, struct script_cmd *c)
{
    if (script_parse_node(p, &c->node) < 0)
        return -1;
    c->both = true;
    if (script_peek_is(p, "->")) {
        p->i++;
        c->both = false;
    }
    if (script_parse_node(p, &c->node2) < 0)
        return -1;
    if (c->node == c->node2)
        return script_perr(p, p->t[p->i - 1].col, "a link joins two different nodes");
    return 0;
}

static int parse_partition(struct parser *p, struct script_cmd *c)
{
    bool seen[ENGINE_MAX_NODES] = {false};
    int g = 0, in_group = 0, named = 0;

    for (int i = 0; i < ENGINE_MAX_NODES; i++)
        c->group[i] = -1;
    while (script_more(p)) {
        const struct tok *t = script_need(p, "a node");
        int node;
        if (strcmp(t->s, "|") == 0) {
            if (in_group == 0)
                return script_perr(p, t->col,
                                   "expected a node before '|': every group names a node");
            g++;
            in_group = 0;
            continue;
        }
        if (parse_node_tok(p, t, &node) < 0)
            return -1;
        if (seen[node])
            return script_perr(p, t->col, "n%d is named twice: a node is in one group", node + 1);
        seen[node] = true;
        c->group[node] = g;
        in_group++;
        named++;
    }
    if (named == 0)
        return script_perr(p, p->end_col, "expected groups of nodes, like: partition n1 n2 | n3");
    if (in_group == 0)
        return script_perr(p, p->end_col, "expected a node after '|'");
    /* Nodes not named form one more group. */
    for (int i = 0; i < p->env->n_nodes; i++)
        if (c->group[i] < 0)
            c->group[i] = g + 1;
    return 0;
}

static int parse_signed_duration(struct parser *p, int64_t *us)
{
    const struct tok *t = script_need(p, "a clock jump like +250ms or -1s");
    int64_t v;

    if (!t)
        return -1;
    if ((t->s[0] != '+' && t->s[0] != '-') || param_parse_duration(t->s + 1, &v) < 0)
        return script_perr(p, t->col, "expected a signed clock jump like +250ms or -1s, got '%s'",
                           t->s);
    *us = t->s[0] == '-' ? -v : v;
    return 0;
}

/* ---- the command table ---- */

/*
 * One entry per command word, tmux's cmd_entry: the word, its arguments as
 * usage shows them, one line of help, what it may follow, and the handler
 * that parses the rest of the line into p->cmd. The dispatch, "did you mean",
 * the screen's completion and `:help`, and the man page's check all read it.
 */
enum {
    CMDF_AT = 1 << 0,    /* may follow `at T` */
    CMDF_SHAPE = 1 << 1, /* shapes the cluster: before any other command in a file */
};

struct cmd_entry {
    struct script_command_doc doc; /* script_command_doc() hands out its address */
    enum script_cmd_kind kind;     /* what the handler makes (run: the plain form) */
    int sub;                       /* an op's enum op_kind, a message's enum engine_msg_act */
    unsigned flags;
    int (*parse)(struct parser *p, const struct cmd_entry *ent);
};

static int parse_model_word(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    const struct tok *t;
    char list[200] = "";

    if (p->env->compare)
        return script_perr(p, p->t[p->i - 1].col,
                           "a comparison runs this file on every model, so it has no 'model' line "
                           "(choose the models with --models)");
    t = script_need(p, "a model name");
    if (!t)
        return -1;
    c->kind = ent->kind;
    p->new_model = model_find(t->s);
    if (!p->new_model) {
        for (int i = 0; i < model_count(); i++)
            util_appendf(list, sizeof(list), "%s%s", i ? ", " : "", model_at(i)->name);
        return script_perr(p, t->col, "unknown model '%s'; expected one of: %s", t->s, list);
    }
    util_strlcpy(c->word, t->s, sizeof(c->word));
    return expect_end(p);
}

/* nodes N, seed N. */
static int parse_count(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    bool nodes = ent->kind == CMD_NODES;
    const struct tok *t = script_need(p, nodes ? "a node count (1 to 64)" : "a seed number");
    char *end;
    unsigned long long v;

    if (!t)
        return -1;
    v = strtoull(t->s, &end, 10);
    if (*end || !t->s[0] || t->s[0] == '-')
        return script_perr(p, t->col, "expected a whole number, got '%s'", t->s);
    if (nodes) {
        if (v < 1 || v > ENGINE_MAX_NODES)
            return script_perr(p, t->col, "a cluster has 1 to %d nodes, not %s", ENGINE_MAX_NODES,
                               t->s);
        p->new_nodes = (int)v;
    }
    c->kind = ent->kind;
    c->num = (int64_t)v;
    return expect_end(p);
}

static int parse_set_cmd(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    return parse_set(p);
}

static int parse_latency(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;

    c->kind = ent->kind;
    c->link.drop_bp = c->link.dup_bp = c->link.reorder_bp = -1;
    if (parse_range(p, &c->link.lat_min_us, &c->link.lat_max_us) < 0)
        return -1;
    return expect_end(p);
}

static int parse_command(struct parser *p, bool scheduled);

static int parse_at(struct parser *p, const struct cmd_entry *ent)
{
    const struct tok *at = &p->t[p->i - 1];
    int64_t t;
    bool rel = script_more(p) && p->t[p->i].s[0] == '+';

    (void)ent;
    /* "at +50ms CMD": that long after the moment the line runs. */
    if (rel)
        memmove(p->t[p->i].s, p->t[p->i].s + 1, strlen(p->t[p->i].s));
    if (parse_duration(p, rel ? "a delay like +50ms" : "a time like 120ms", &t) < 0)
        return -1;
    if (!script_more(p))
        return script_perr(p, p->end_col, "expected a command to run at %s", p->t[p->i - 1].s);
    if (parse_command(p, true) < 0)
        return -1;
    /* A model's own command has no entry, and may follow `at`. */
    if (p->entry && !(p->entry->flags & CMDF_AT))
        return script_perr(p, at->col,
                           "'at' schedules faults, ops, settings, notes and expects; "
                           "not model, nodes, seed, run or step");
    p->cmd->at_us = t;
    p->cmd->at_rel = rel;
    return 0;
}

/* run DURATION | run until TIME | run until quiet | run until PREDICATE. */
static int parse_run(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;

    if (!script_peek_is(p, "until")) {
        c->kind = ent->kind;
        if (parse_duration(p, "a duration like 2s, or 'until'", &c->dur_us) < 0)
            return -1;
        return expect_end(p);
    }
    p->i++;
    if (script_peek_is(p, "quiet")) {
        p->i++;
        c->kind = CMD_RUN_QUIET;
        return expect_end(p);
    }
    if (script_more(p) && param_parse_duration(p->t[p->i].s, &c->dur_us) == 0) {
        c->kind = CMD_RUN_UNTIL;
        p->i++;
        return expect_end(p);
    }
    /* Anything else is a predicate: run until it holds, a breakpoint. */
    c->kind = CMD_RUN_PRED;
    if (!script_more(p))
        return script_perr(p, p->end_col,
                           "expected a time like 3s, 'quiet', or a predicate "
                           "(run until leader n2, run until w1 done)");
    if (script_read_pred(p) < 0)
        return -1;
    return expect_end(p);
}

static int parse_step(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;

    c->kind = ent->kind;
    c->num = 1;
    if (script_more(p)) {
        const struct tok *t = script_need(p, "a count");
        char *end;
        c->num = strtoll(t->s, &end, 10);
        if (*end || c->num < 1 || c->num > 1000000)
            return script_perr(p, t->col, "expected a count of events from 1 to 1000000, got '%s'",
                               t->s);
    }
    return expect_end(p);
}

static int parse_op_cmd(struct parser *p, const struct cmd_entry *ent)
{
    return parse_op(p, (enum op_kind)ent->sub);
}

/* kill, restart, wipe, resume, ntp: NODE. */
static int parse_node_cmd(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    if (script_parse_node(p, &p->cmd->node) < 0)
        return -1;
    return expect_end(p);
}

/* heal, beat: nothing more. */
static int parse_bare(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    return expect_end(p);
}

static int parse_pause(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;

    c->kind = ent->kind;
    c->dur_us = -1;
    if (script_more(p) && strcmp(p->t[p->i].s, "leader") == 0) {
        p->i++;
        c->node = NODE_LEADER;
    } else if (script_parse_node(p, &c->node) < 0) {
        return -1;
    }
    if (script_more(p)) {
        const struct tok *t = script_need(p, "for");
        if (strcmp(t->s, "for") != 0)
            return script_perr(p, t->col,
                               "expected 'for DURATION' or the end of the line, got '%s'", t->s);
        if (parse_duration(p, "how long, like 300ms", &c->dur_us) < 0)
            return -1;
    }
    return expect_end(p);
}

static int parse_partition_cmd(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;

    c->kind = ent->kind;
    c->node = -1;
    if (script_more(p) && strcmp(p->t[p->i].s, "leader") == 0) {
        /* partition leader: whichever node leads when it runs, alone against the rest. */
        p->i++;
        c->node = NODE_LEADER;
        return expect_end(p);
    }
    return parse_partition(p, c);
}

/* cut, mend: a link. */
static int parse_pair_cmd(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    if (parse_pair(p, p->cmd) < 0)
        return -1;
    return expect_end(p);
}

static int parse_link_cmd(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    if (parse_pair(p, p->cmd) < 0)
        return -1;
    return parse_link_opts(p, &p->cmd->link, false);
}

static int parse_net(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;

    c->kind = ent->kind;
    c->node = c->node2 = -1;
    return parse_link_opts(p, &c->link, true);
}

static int parse_skew(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    if (script_parse_node(p, &p->cmd->node) < 0 || parse_signed_duration(p, &p->cmd->dur_us) < 0)
        return -1;
    return expect_end(p);
}

static int parse_drift(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    const struct tok *t;
    char *end;

    c->kind = ent->kind;
    if (script_parse_node(p, &c->node) < 0)
        return -1;
    t = script_need(p, "a drift like +200ppm or -50ppm");
    if (!t)
        return -1;
    c->num = strtoll(t->s, &end, 10);
    if (end == t->s || strcmp(end, "ppm") != 0)
        return script_perr(p, t->col, "expected a drift like +200ppm or -50ppm, got '%s'", t->s);
    if (c->num > CLOCK_MAX_DRIFT_PPM || c->num < -CLOCK_MAX_DRIFT_PPM)
        return script_perr(p, t->col, "a drift is within +-%dppm, got '%s'", CLOCK_MAX_DRIFT_PPM,
                           t->s);
    return expect_end(p);
}

static int parse_expect(struct parser *p, const struct cmd_entry *ent)
{
    p->cmd->kind = ent->kind;
    if (script_read_pred(p) < 0)
        return -1;
    return expect_end(p);
}

static int parse_note(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    size_t o = 0;

    c->kind = ent->kind;
    if (!script_more(p))
        return script_perr(p, p->end_col, "expected the text of the note");
    while (script_more(p)) {
        const struct tok *t = script_need(p, "text");
        util_appendf(c->words, sizeof(c->words), "%s%s", o++ ? " " : "", t->s);
    }
    return 0;
}

/* workload RATE [keys a,b,c] [via NODE] [reads P%] | workload off — RATE is N/s or N/min. */
static int parse_workload(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    const struct tok *t = script_need(p, "a rate like 5/s, or off");
    struct engine_workload *wl = &c->wl;
    char *end;
    long n;

    c->kind = ent->kind;
    memset(wl, 0, sizeof(*wl));
    wl->via = -1;
    if (!t)
        return -1;
    if (strcmp(t->s, "off") == 0)
        return expect_end(p);
    n = strtol(t->s, &end, 10);
    if (end == t->s || n < 1 || n > 10000 || (strcmp(end, "/s") != 0 && strcmp(end, "/min") != 0))
        return script_perr(
            p, t->col, "expected a rate from 1/s to 10000/s (or N/min), or off; got '%s'", t->s);
    wl->period_us = (strcmp(end, "/s") == 0 ? 1000000 : 60000000) / n;
    while (script_more(p)) {
        t = script_need(p, "keys, via or reads");
        if (strcmp(t->s, "keys") == 0) {
            const struct tok *k = script_need(p, "keys separated by commas, like x,y,z");
            char buf[TOK_MAX], *save = NULL;
            if (!k)
                return -1;
            util_strlcpy(buf, k->s, sizeof(buf));
            for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                if (wl->n_keys >= ENGINE_WORKLOAD_KEYS || strlen(w) >= STORE_KEY_MAX)
                    return script_perr(p, k->col, "at most %d keys of at most %d characters",
                                       ENGINE_WORKLOAD_KEYS, STORE_KEY_MAX - 1);
                util_strlcpy(wl->keys[wl->n_keys++], w, STORE_KEY_MAX);
            }
            if (wl->n_keys == 0)
                return script_perr(p, k->col, "expected keys separated by commas, like x,y,z");
        } else if (strcmp(t->s, "via") == 0) {
            if (script_parse_node(p, &wl->via) < 0)
                return -1;
        } else if (strcmp(t->s, "reads") == 0) {
            int64_t bp;
            if (parse_percent(p, &bp) < 0)
                return -1;
            wl->reads_bp = (uint32_t)bp;
        } else {
            return script_perr(p, t->col,
                               "unexpected '%s': expected keys LIST, via NODE or reads P%%", t->s);
        }
    }
    return 0;
}

/* deliver ID | delay ID DURATION | drop ID: the user as the network. */
static int parse_msg(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    const struct tok *t =
        script_need(p, "a message id (the number the trace and the sandbox show)");
    const char *d;
    char *end;

    c->kind = ent->kind;
    c->node = ent->sub;
    if (!t)
        return -1;
    d = t->s[0] == '#' ? t->s + 1 : t->s;
    c->num = strtoll(d, &end, 10);
    if (end == d || *end || c->num < 1)
        return script_perr(
            p, t->col, "expected a message id (a number, as the trace shows it), got '%s'", t->s);
    if (c->node == ENGINE_MSG_DELAY &&
        parse_duration(p, "how much longer, like 200ms", &c->dur_us) < 0)
        return -1;
    return expect_end(p);
}

static int parse_say(struct parser *p, const struct cmd_entry *ent)
{
    struct script_cmd *c = p->cmd;
    const struct tok *t = script_need(p, "a caption in quotes, like say \"n1 is the leader\"");

    if (!t)
        return -1;
    c->kind = ent->kind;
    if (strlen(t->s) >= sizeof(c->words))
        return script_perr(p, t->col, "a caption is at most %zu characters", sizeof(c->words) - 1);
    util_strlcpy(c->words, t->s, sizeof(c->words));
    return expect_end(p);
}

#define OP_ARGS   "[via NODE] [after LABEL|last] [as CLIENT]"
#define LINK_OPTS "[drop P%] [dup P%] [delay RANGE] [reorder P%]"

/* In the order the "unknown command" error lists them. */
/* clang-format off */
static const struct cmd_entry cmd_table[] = {
    {{"model", "NAME", "choose the replication model (leader, multi, leaderless, echo) and build a new cluster"},
     CMD_MODEL, 0, CMDF_SHAPE, parse_model_word},
    {{"nodes", "N", "build a new cluster of N nodes, 1 to 64 (default 3)"},
     CMD_NODES, 0, CMDF_SHAPE, parse_count},
    {{"seed", "N", "the seed of every random choice; builds a new cluster"},
     CMD_SEED, 0, CMDF_SHAPE, parse_count},
    {{"set", "PARAM VALUE", "set a cluster parameter or one of the model's"},
     CMD_SET, 0, CMDF_AT, parse_set_cmd},
    {{"latency", "RANGE", "the delay of every link, like 10ms..30ms"},
     CMD_LATENCY, 0, CMDF_AT, parse_latency},
    /* at: the command it schedules makes the kind; CMD_NOTE is never used. */
    {{"at", "TIME|+DELAY COMMAND", "run a command at a virtual time, or that long after now"},
     CMD_NOTE, 0, 0, parse_at},
    {{"run", "DURATION | until TIME | until quiet | until PREDICATE", "let virtual time pass: so long, to a time, until nothing moves, or until a predicate holds"},
     CMD_RUN, 0, 0, parse_run},
    {{"step", "[N]", "process the next N events (default 1)"},
     CMD_STEP, 0, 0, parse_step},
    {{"put", "KEY VALUE " OP_ARGS, "write a value"},
     CMD_OP, OP_PUT, CMDF_AT, parse_op_cmd},
    {{"get", "KEY [via NODE] [as CLIENT]", "read a key"},
     CMD_OP, OP_GET, CMDF_AT, parse_op_cmd},
    {{"incr", "KEY AMOUNT " OP_ARGS, "add to a counter"},
     CMD_OP, OP_INCR, CMDF_AT, parse_op_cmd},
    {{"add", "KEY ELEMENT " OP_ARGS, "add an element to a set"},
     CMD_OP, OP_ADD, CMDF_AT, parse_op_cmd},
    {{"remove", "KEY ELEMENT " OP_ARGS, "remove an element from a set"},
     CMD_OP, OP_REMOVE, CMDF_AT, parse_op_cmd},
    {{"del", "KEY " OP_ARGS, "delete a key"},
     CMD_OP, OP_DEL, CMDF_AT, parse_op_cmd},
    {{"kill", "NODE", "crash a node"},
     CMD_KILL, 0, CMDF_AT, parse_node_cmd},
    {{"restart", "NODE", "bring a crashed node back with its durable state"},
     CMD_RESTART, 0, CMDF_AT, parse_node_cmd},
    {{"wipe", "NODE", "restart a node with even its durable state lost"},
     CMD_WIPE, 0, CMDF_AT, parse_node_cmd},
    {{"pause", "NODE|leader [for DURATION]", "freeze a node (a long GC pause), for a while or until resume"},
     CMD_PAUSE, 0, CMDF_AT, parse_pause},
    {{"resume", "NODE", "unfreeze a paused node"},
     CMD_RESUME, 0, CMDF_AT, parse_node_cmd},
    {{"partition", "NODE... | NODE... | leader", "split the network into groups (unnamed nodes form one more)"},
     CMD_PARTITION, 0, CMDF_AT, parse_partition_cmd},
    {{"heal", "", "mend every cut link and partition"},
     CMD_HEAL, 0, CMDF_AT, parse_bare},
    {{"cut", "NODE [->] NODE", "cut a link, both ways or one"},
     CMD_CUT, 0, CMDF_AT, parse_pair_cmd},
    {{"mend", "NODE [->] NODE", "mend a cut link"},
     CMD_MEND, 0, CMDF_AT, parse_pair_cmd},
    {{"link", "NODE [->] NODE " LINK_OPTS, "make one link lossy, duplicating, slow or reordering"},
     CMD_LINK, 0, CMDF_AT, parse_link_cmd},
    {{"net", LINK_OPTS, "the same for every link"},
     CMD_NET, 0, CMDF_AT, parse_net},
    {{"skew", "NODE +-DURATION", "jump a node's physical clock"},
     CMD_SKEW, 0, CMDF_AT, parse_skew},
    {{"drift", "NODE +-Nppm", "make a node's clock run fast or slow"},
     CMD_DRIFT, 0, CMDF_AT, parse_drift},
    {{"ntp", "NODE", "resynchronise a node's clock (it may jump backwards)"},
     CMD_NTP, 0, CMDF_AT, parse_node_cmd},
    {{"expect", "[not] PREDICATE", "check a predicate now; a failed expect fails the run"},
     CMD_EXPECT, 0, CMDF_AT, parse_expect},
    {{"note", "TEXT", "put a line of text in the trace"},
     CMD_NOTE, 0, CMDF_AT, parse_note},
    {{"workload", "RATE [keys K,K] [via NODE] [reads P%] | off", "clients issuing ops at a steady rate"},
     CMD_WORKLOAD, 0, CMDF_AT, parse_workload},
    {{"deliver", "ID", "deliver a message in flight now"},
     CMD_MSG, ENGINE_MSG_DELIVER, CMDF_AT, parse_msg},
    {{"delay", "ID DURATION", "hold a message in flight back longer"},
     CMD_MSG, ENGINE_MSG_DELAY, CMDF_AT, parse_msg},
    {{"drop", "ID", "lose a message in flight"},
     CMD_MSG, ENGINE_MSG_DROP, CMDF_AT, parse_msg},
    {{"say", "\"CAPTION\"", "a demo's caption, shown large"},
     CMD_SAY, 0, CMDF_AT, parse_say},
    {{"beat", "", "a demo waits here for the presenter"},
     CMD_BEAT, 0, 0, parse_bare},
};
/* clang-format on */

static const struct cmd_entry *cmd_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(cmd_table); i++)
        if (strcmp(cmd_table[i].doc.name, name) == 0)
            return &cmd_table[i];
    return NULL;
}

int script_commands(void)
{
    return (int)ARRAY_LEN(cmd_table);
}

const struct script_command_doc *script_command_doc(int i)
{
    if (i < 0 || i >= (int)ARRAY_LEN(cmd_table))
        return NULL;
    return &cmd_table[i].doc;
}

const struct script_command_doc *script_command_find(const char *name)
{
    const struct cmd_entry *ent = cmd_find(name);

    return ent ? &ent->doc : NULL;
}

void script_command_usage(const struct script_command_doc *doc, char *dst, size_t size)
{
    snprintf(dst, size, "%s%s%s", doc->name, doc->args[0] ? " " : "", doc->args);
}

/* Predicate words: like command words, never a label. */
static const char *const pred_words[] = {
    "not",          "value",        "leader", "down",     "up",  "paused",  "converged",
    "linearizable", "availability", "op",     "sessions", "did", "setting", "last",
};

static bool reserved(const char *w)
{
    if (cmd_find(w))
        return true;
    for (size_t i = 0; i < ARRAY_LEN(pred_words); i++)
        if (strcmp(pred_words[i], w) == 0)
            return true;
    return false;
}

/* The label of "w1: put x 1", checked and kept; p->i stays on the label's token. */
static int parse_label(struct parser *p, const struct tok *w)
{
    size_t len = strlen(w->s);
    char label[TOK_MAX];

    memcpy(label, w->s, len - 1);
    label[len - 1] = '\0';
    if (!script_valid_ident(label) || len - 1 >= HISTORY_LABEL_MAX)
        return script_perr(p, w->col,
                           "a label is a letter then letters, digits or _, at most %d "
                           "characters: got '%s'",
                           HISTORY_LABEL_MAX - 1, label);
    if (reserved(label))
        return script_perr(p, w->col, "'%s' is a command word and cannot be a label", label);
    if (script_env_has_label(p->env, label))
        return script_perr(p, w->col, "label '%s' is already used by an earlier op", label);
    util_strlcpy(p->cmd->label, label, sizeof(p->cmd->label));
    p->i++;
    w = script_need(p, "an operation after the label (put, get, ...)");
    if (!w)
        return -1;
    if (param_choice("put|get|incr|add|remove|del", w->s) < 0)
        return script_perr(p, w->col,
                           "expected an operation after the label (put, get, incr, add, "
                           "remove or del), got '%s'",
                           w->s);
    util_strlcpy(p->new_label, label, sizeof(p->new_label));
    p->i--;
    return 0;
}

static int unknown_command(struct parser *p, const struct tok *w)
{
    const char *names[ARRAY_LEN(cmd_table)];
    char list[SCRIPT_MSG_MAX] = "";
    const char *close;
    size_t n = ARRAY_LEN(cmd_table);

    for (size_t i = 0; i < n; i++) {
        names[i] = cmd_table[i].doc.name;
        util_appendf(list, sizeof(list), "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " or ", names[i]);
    }
    close = util_suggest(w->s, names, (int)n);
    if (close)
        return script_perr(p, w->col, "unknown command '%s'; did you mean '%s'?", w->s, close);
    return script_perr(p, w->col, "unknown command '%s'; expected %s", w->s, list);
}

/* Reads a command from p->i through the table: an optional label, the word, its handler. */
static int parse_command(struct parser *p, bool scheduled)
{
    const struct cmd_entry *ent;
    const struct tok *w;
    size_t len;
    int k;

    /* An op label: "w1: put x 1". */
    w = peek(p);
    len = strlen(w->s);
    if (!w->quoted && len > 1 && w->s[len - 1] == ':' && parse_label(p, w) < 0)
        return -1;
    w = script_need(p, "a command");
    if (!w)
        return -1;
    if (w->quoted)
        return script_perr(p, w->col, "expected a command, got quoted text");
    if (scheduled && strcmp(w->s, "at") == 0)
        return script_perr(p, w->col, "'at' cannot be nested");
    ent = cmd_find(w->s);
    p->entry = ent;
    if (ent) {
        if ((ent->flags & CMDF_SHAPE) && p->env->file_mode && p->env->acted)
            return script_perr(p, w->col,
                               "'%s' shapes the cluster, so it must come before every other "
                               "command in a file",
                               w->s);
        return ent->parse(p, ent);
    }
    k = model_find_cmd(p->env->model, w->s);
    if (k >= 0)
        return parse_model_cmd(p, k);
    return unknown_command(p, w);
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

    if (!script_more(p))
        return must ? script_perr(p, p->end_col, "expected a model name and ':' after 'for'") : 0;
    col = p->t[p->i].col;
    while (script_more(p)) {
        const struct tok *t = &p->t[p->i++];
        size_t len = strlen(t->s);
        util_appendf(list, sizeof(list), "%s", t->s);
        if (!t->quoted && len > 0 && t->s[len - 1] == ':')
            break;
        if (!must) {
            p->i = first;
            return 0;
        }
        if (!script_more(p))
            return script_perr(p, p->end_col, "expected ':' after the model names of 'for'");
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
            return script_perr(p, col, "unknown model '%s'; expected one of: %s", name, names);
        }
        mask |= 1L << k;
    }
    if (!mask)
        return must ? script_perr(p, col, "expected a model name before ':'") : 0;
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
    if (script_peek_is(p, "end") && p->n == 1) {
        if (!env->block_mask)
            return script_perr(p, p->t[0].col, "'end' without a 'for MODEL:' block to close");
        env->block_mask = 0;
        return 0;
    }
    if (script_peek_is(p, "for")) {
        if (env->block_mask)
            return script_perr(p, p->t[0].col,
                               "'for' inside the 'for' block of line %d: close it with 'end' first",
                               env->block_line);
        p->i++;
        mask = parse_model_list(p, true);
        if (mask < 0)
            return -1;
        env->line_shared = false;
        if (!script_more(p)) {
            if (!env->file_mode)
                return script_perr(
                    p, p->end_col,
                    "expected a command after ':' (a 'for' block belongs in a file)");
            env->block_mask = mask;
            env->block_line = p->line;
            env->block_col = p->t[0].col;
            return 0;
        }
    } else if (script_peek_is(p, "expect") && p->n > 2 && !p->t[1].quoted &&
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
        r = script_perr(p, SCRIPT_MAX_LINE, "line is longer than %d characters",
                        SCRIPT_MAX_LINE - 1);
    } else if (tokenize(p, text) < 0) {
        r = -1;
    } else if (p->n == 0) {
        r = 0;
    } else {
        /* `multi: PRED` is for the models it names, as `expect multi: PRED` is (no predicate
         * word ends in ':'). */
        size_t len0 = strlen(p->t[0].s);
        long models =
            parse_model_list(p, !p->t[0].quoted && len0 > 0 && p->t[0].s[len0 - 1] == ':');
        if (models < 0)
            r = -1;
        else if (models > 0 && !mask_has_model(models, env->model))
            r = 0;
        else if (!script_more(p))
            r = script_perr(p, p->end_col, "expected a predicate after the model names");
        else
            r = script_read_pred(p) < 0 || expect_end(p) < 0 ? -1 : 1;
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
