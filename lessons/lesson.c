#include "lesson.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/compare.h"
#include "../engine/trace.h"
#include "../engine/util.h"

/* Which text a continuation line extends. */
enum cont {
    CONT_NONE,
    CONT_TITLE,
    CONT_TASK,
    CONT_HINT,
    CONT_SUCCESS,
    CONT_EXPLAIN,
    CONT_QUESTION,
    CONT_CHOICE,
};

struct lparser {
    const char *file;
    int line;
    struct script_error *err;
    struct lesson *l;
    struct lesson_step *step;                  /* the current step, or NULL in the header */
    struct script_env env;                     /* side by side: the first model's */
    struct script_env menv[LESSON_MAX_MODELS]; /* side by side: the others' (from 1) */
    enum cont cont;
    bool in_quiz;
    bool seen_version;
};

static int lerr(struct lparser *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int lerr(struct lparser *p, int col, const char *fmt, ...)
{
    va_list ap;

    util_strlcpy(p->err->file, p->file, sizeof(p->err->file));
    p->err->line = p->line;
    p->err->col = col;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* Appends text to dst with a space (or keeps a paragraph break). */
static void append_text(char *dst, size_t size, const char *text)
{
    size_t len = strlen(dst);

    if (len > 0 && dst[len - 1] != '\n')
        util_appendf(dst, size, " ");
    util_appendf(dst, size, "%s", text);
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static void rtrim(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/*
 * Parses one command-language line as script_parse_line does. Side by side, once per model
 * (each with its own env): *out is the first reading, *on has bit k set for each model k that
 * read the line, and a line one model cannot read while another can is an error naming both,
 * as in a comparison scenario. A line no model reads is an error too.
 */
/* One reading of text with env: a command line into *cmd, or, with pred, a predicate. */
static int parse_one(struct lparser *p, struct script_env *env, const char *text,
                     struct script_cmd *cmd, struct script_pred *pred, struct script_error *e)
{
    return pred ? script_parse_pred(env, p->file, p->line, text, pred, e)
                : script_parse_line(env, p->file, p->line, text, cmd, e);
}

static int lparse(struct lparser *p, const char *text, struct script_cmd *out,
                  struct script_pred *pred, struct script_error *e, unsigned *on)
{
    const struct lesson *l = p->l;
    struct script_error errs[LESSON_MAX_MODELS];
    struct script_cmd *tmp;
    int rs[LESSON_MAX_MODELS], bad = -1, first = -1;

    *on = 1;
    if (l->n_models == 0)
        return parse_one(p, &p->env, text, out, pred, e);
    *on = 0;
    tmp = xmalloc(sizeof(*tmp));
    for (int k = 0; k < l->n_models; k++) {
        struct script_env *env = k == 0 ? &p->env : &p->menv[k];
        struct script_pred tp;
        rs[k] = parse_one(p, env, text, tmp, pred ? &tp : NULL, &errs[k]);
        if (rs[k] < 0 && bad < 0)
            bad = k;
        if (rs[k] == 1) {
            *on |= 1u << k;
            if (first < 0) {
                first = k;
                if (pred)
                    *pred = tp;
                else
                    memcpy(out, tmp, sizeof(*out));
            }
        }
    }
    free(tmp);
    if (bad >= 0) {
        char have[160] = "";
        *e = errs[bad];
        for (int k = 0; k < l->n_models; k++)
            if (rs[k] == 1)
                util_appendf(have, sizeof(have), "%s%s", have[0] ? "," : "", l->models[k]->name);
        if (have[0])
            snprintf(e->msg, sizeof(e->msg),
                     "model %s cannot read this shared line (%s); put it under 'for %s:'",
                     l->models[bad]->name, errs[bad].msg, have);
        return -1;
    }
    if (first < 0) {
        char names[160] = "";
        for (int k = 0; k < l->n_models; k++)
            util_appendf(names, sizeof(names), "%s%s", k ? "," : "", l->models[k]->name);
        util_strlcpy(e->file, p->file, sizeof(e->file));
        e->line = p->line;
        e->col = 1;
        snprintf(e->msg, sizeof(e->msg), "none of this lesson's models (%s) reads this line",
                 names);
        return -1;
    }
    return 1;
}

/* Parses one command-language line (a %setup or %do piece); col is where it starts. */
static int parse_cmd(struct lparser *p, const char *text, int col, struct script_cmd *out)
{
    struct script_error e;
    unsigned on;
    int r = lparse(p, text, out, NULL, &e, &on);

    if (r < 0) {
        *p->err = e;
        p->err->col += col - 1;
        return -1;
    }
    if (r == 0)
        return lerr(p, col, "expected a command");
    if (out->kind == CMD_RUN || out->kind == CMD_RUN_UNTIL || out->kind == CMD_RUN_QUIET ||
        out->kind == CMD_STEP)
        return lerr(p, col, "a lesson does not run time itself: the learner (or show-me) does");
    if (out->kind == CMD_EXPECT)
        return lerr(p, col, "an expect here would be checked once; write it as %%check");
    return 0;
}

static struct script_cmd *grow_cmds(struct script_cmd *arr, int n)
{
    return xrealloc(arr, (size_t)(n + 1) * sizeof(*arr));
}

/* %compare MODELS: the lesson runs side by side, one cluster per model. */
static int do_compare(struct lparser *p, const char *v, int col)
{
    struct lesson *l = p->l;
    const struct model_ops *m[COMPARE_MAX_MODELS];
    char why[256];
    int n;

    if (p->step)
        return lerr(p, 1, "%%compare belongs in the header, before the first step");
    if (l->n_models || l->n_setup)
        return lerr(p, 1, "%%compare comes once, before the first %%setup");
    n = compare_models(v, m, why, sizeof(why));
    if (n < 0)
        return lerr(p, col, "%s", why);
    if (n < 2)
        return lerr(p, col, "side by side needs two models or more, like leader,multi,leaderless");
    l->n_models = n;
    for (int k = 0; k < n; k++) {
        l->models[k] = m[k];
        if (k > 0)
            script_env_init(&p->menv[k], false);
    }
    for (int k = 0; k < n; k++) {
        struct script_env *env = k == 0 ? &p->env : &p->menv[k];
        env->model = m[k];
        env->compare = true;
    }
    return 0;
}

static int do_setup(struct lparser *p, const char *v, int col)
{
    struct lesson *l = p->l;

    if (p->step)
        return lerr(p, 1, "%%setup belongs in the header, before the first step");
    if (l->n_setup >= LESSON_MAX_SETUP)
        return lerr(p, 1, "at most %d %%setup lines", LESSON_MAX_SETUP);
    l->setup = grow_cmds(l->setup, l->n_setup);
    if (parse_cmd(p, v, col, &l->setup[l->n_setup]) < 0)
        return -1;
    l->n_setup++;
    return 0;
}

/* %do: one or more commands separated by ';' (outside quotes). */
static int do_actions(struct lparser *p, const char *v, int col)
{
    struct lesson_step *s = p->step;
    char piece[LESSON_LINE_MAX];
    const char *start = v;
    bool quoted = false;

    for (const char *c = v;; c++) {
        if (*c == '"')
            quoted = !quoted;
        if ((*c == ';' && !quoted) || *c == '\0') {
            size_t n = (size_t)(c - start);
            if (n >= sizeof(piece))
                return lerr(p, col + (int)(start - v), "command too long");
            while (n > 0 && (*start == ' ' || *start == '\t')) {
                start++; /* the command as written, without the space after the ';' */
                n--;
            }
            memcpy(piece, start, n);
            piece[n] = '\0';
            rtrim(piece);
            if (!*skip_space(piece))
                return lerr(p, col + (int)(c - v), "expected a command before this ';'");
            if (s->n_dos >= LESSON_MAX_DOS)
                return lerr(p, col, "at most %d actions in a step", LESSON_MAX_DOS);
            s->dos = grow_cmds(s->dos, s->n_dos);
            if (parse_cmd(p, piece, col + (int)(start - v), &s->dos[s->n_dos]) < 0)
                return -1;
            s->n_dos++;
            if (*c == '\0')
                break;
            start = c + 1;
        }
    }
    return 0;
}

/*
 * Splits `PRED ... "sentence"` into the predicate part and the sentence (without its quotes).
 * No trailing quoted text: the sentence is empty. -1 when a quote is left open.
 */
static int split_sentence(struct lparser *p, const char *v, int col, char *pred, size_t psize,
                          char *text, size_t tsize)
{
    size_t n = strlen(v);
    const char *open;

    text[0] = '\0';
    if (n == 0 || v[n - 1] != '"') {
        util_strlcpy(pred, v, psize);
        return 0;
    }
    open = NULL;
    for (const char *c = v + n - 2; c >= v; c--) {
        if (*c == '"') {
            open = c;
            break;
        }
    }
    if (!open)
        return lerr(p, col + (int)n - 1, "unterminated quote: expected an opening \"");
    if ((size_t)(open - v) >= psize || (size_t)(v + n - 1 - open) > tsize)
        return lerr(p, col, "too long");
    memcpy(pred, v, (size_t)(open - v));
    pred[open - v] = '\0';
    rtrim(pred);
    memcpy(text, open + 1, (size_t)(v + n - 2 - open));
    text[v + n - 2 - open] = '\0';
    if (!text[0])
        return lerr(p, col + (int)(open - v), "expected a sentence between the quotes");
    return 0;
}

/* One predicate (as `expect` reads it) into *out; col is where it starts in the line. Side by
 * side, the models it is for (`multi: PRED`) go in out->on, as a comparison's expect reads them. */
static int parse_pred_at(struct lparser *p, const char *v, int col, struct lesson_pred *out)
{
    struct script_error e;
    int r;

    memset(out, 0, sizeof(*out));
    out->line = p->line;
    out->col = col;
    out->on = 1;
    if (strlen(v) >= sizeof(out->text))
        return lerr(p, col, "predicate too long");
    util_strlcpy(out->text, v, sizeof(out->text));
    rtrim(out->text);
    r = lparse(p, v, NULL, &out->pred, &e, &out->on);
    if (r < 0) {
        *p->err = e;
        p->err->col = p->err->col + col - 1;
        if (p->err->col < col)
            p->err->col = col;
        return -1;
    }
    if (r == 0)
        return lerr(p, col, "expected a predicate");
    return 0;
}

static struct lesson_pred *grow_preds(struct lesson_pred *arr, int n)
{
    return xrealloc(arr, (size_t)(n + 1) * sizeof(*arr));
}

/* PRED [and PRED ...] into a condition. */
static int parse_cond(struct lparser *p, const char *v, int col, struct lesson_cond *out)
{
    char piece[LESSON_LINE_MAX];
    const char *start = v;

    for (;;) {
        const char *and = strstr(start, " and ");
        size_t n = and? (size_t)(and-start) : strlen(start);
        if (out->n >= LESSON_MAX_AND)
            return lerr(p, col + (int)(start - v), "at most %d predicates joined by 'and'",
                        LESSON_MAX_AND);
        if (n >= sizeof(piece))
            return lerr(p, col + (int)(start - v), "predicate too long");
        memcpy(piece, start, n);
        piece[n] = '\0';
        rtrim(piece);
        out->preds = grow_preds(out->preds, out->n);
        if (parse_pred_at(p, skip_space(piece),
                          col + (int)(skip_space(piece) - piece) + (int)(start - v),
                          &out->preds[out->n]) < 0)
            return -1;
        out->n++;
        if (!and)
            return 0;
        start = and+5;
    }
}

static int do_check(struct lparser *p, const char *v, int col)
{
    struct lesson_step *s = p->step;
    char pred[LESSON_LINE_MAX];

    if (s->n_checks >= LESSON_MAX_CHECKS)
        return lerr(p, col, "at most %d checks in a step", LESSON_MAX_CHECKS);
    if (split_sentence(p, v, col, pred, sizeof(pred), s->says[s->n_checks], sizeof(s->says[0])) < 0)
        return -1;
    s->checks = grow_preds(s->checks, s->n_checks);
    if (parse_pred_at(p, pred, col, &s->checks[s->n_checks]) < 0)
        return -1;
    s->n_checks++;
    return 0;
}

/* %stuck PRED [and PRED ...] "what went wrong" */
static int do_stuck(struct lparser *p, const char *v, int col)
{
    struct lesson_step *s = p->step;
    struct lesson_stuck *st;
    char pred[LESSON_LINE_MAX];

    if (s->n_stuck >= LESSON_MAX_STUCK)
        return lerr(p, col, "at most %d %%stuck rules in a step", LESSON_MAX_STUCK);
    st = &s->stuck[s->n_stuck];
    st->line = p->line;
    if (split_sentence(p, v, col, pred, sizeof(pred), st->text, sizeof(st->text)) < 0)
        return -1;
    if (!st->text[0])
        return lerr(p, col + (int)strlen(v),
                    "expected what went wrong, in quotes: %%stuck PRED \"why\"");
    s->n_stuck++;
    return parse_cond(p, pred, col, &st->cond);
}

/* %hint if PRED [and PRED ...]: text */
static int do_hint(struct lparser *p, const char *v, int col)
{
    struct lesson_step *s = p->step;
    const char *colon;
    char pred[LESSON_LINE_MAX];
    size_t n;

    if (s->n_hints >= LESSON_MAX_HINTS)
        return lerr(p, 1, "at most %d hints in a step", LESSON_MAX_HINTS);
    if (strncmp(v, "if ", 3) != 0) {
        util_strlcpy(s->hints[s->n_hints++], v, sizeof(s->hints[0]));
        p->cont = CONT_HINT;
        return 0;
    }
    colon = strstr(v, ": ");
    if (!colon)
        return lerr(p, col + (int)strlen(v), "expected ': ' and the hint after %%hint if PRED");
    n = (size_t)(colon - v) - 3;
    if (n >= sizeof(pred))
        return lerr(p, col, "condition too long");
    memcpy(pred, v + 3, n);
    pred[n] = '\0';
    if (parse_cond(p, pred, col + 3, &s->hint_if[s->n_hints]) < 0)
        return -1;
    util_strlcpy(s->hints[s->n_hints++], skip_space(colon + 1), sizeof(s->hints[0]));
    p->cont = CONT_HINT;
    return 0;
}

/* %spotlight KIND [NODE]: truncate n1, conflict, op fail, op timeout, role, drop, ... */
static int do_spotlight(struct lparser *p, const char *v, int col)
{
    struct lesson_spotlight *sp = &p->step->spotlight;
    char word[32] = "", arg[32] = "";
    int k = -1;

    if (sp->on)
        return lerr(p, 1, "a step has at most one %%spotlight");
    if (p->l->n_models)
        return lerr(p, 1,
                    "a side-by-side lesson (%%compare) has no %%spotlight: its gate is where "
                    "the run pauses");
    sscanf(v, "%31s %31s", word, arg);
    for (int i = TRACE_SEND; i <= TRACE_NOTE; i++)
        if (strcmp(word, trace_kind_name((enum trace_kind)i)) == 0)
            k = i;
    sp->node = -1;
    sp->status = -1;
    if (strcmp(word, "op") == 0) {
        k = TRACE_OP_END;
        if (arg[0]) {
            sp->status = param_choice("pending|ok|fail|timeout", arg);
            if (sp->status <= 0)
                return lerr(p, col + 3, "expected ok, fail or timeout after 'op', got '%s'", arg);
        }
    } else if (k < 0 || k == TRACE_OP_START || k == TRACE_OP_END) {
        return lerr(p, col,
                    "expected an event to spotlight: truncate, conflict, commit, role, drop, "
                    "suspect, repair, hint, fault, clock, append, deliver, send, or op "
                    "ok|fail|timeout; got '%s'",
                    word);
    } else if (arg[0]) {
        sp->node = param_parse_node(arg, p->env.n_nodes);
        if (sp->node < 0)
            return lerr(p, col + (int)strlen(word) + 1, "expected a node (n1..n%d), got '%s'",
                        p->env.n_nodes, arg);
    }
    sp->on = true;
    sp->kind = k;
    sp->line = p->line;
    return 0;
}

/* %decoy: commands separated by ';', as %do writes them. */
static int do_decoy(struct lparser *p, const char *v, int col)
{
    struct lesson_step *s = p->step;
    struct lesson_decoy *d;
    struct script_cmd *saved = s->dos;
    int saved_n = s->n_dos, saved_labels = p->env.n_labels, r;
    int saved_mlabels[LESSON_MAX_MODELS];

    for (int k = 1; k < p->l->n_models; k++)
        saved_mlabels[k] = p->menv[k].n_labels;

    if (s->n_decoys >= LESSON_MAX_DECOYS)
        return lerr(p, 1, "at most %d decoys in a step", LESSON_MAX_DECOYS);
    d = &s->decoys[s->n_decoys++];
    d->line = p->line;
    /* The same parser as %do, into the decoy's own list. */
    s->dos = NULL;
    s->n_dos = 0;
    r = do_actions(p, v, col);
    d->cmds = s->dos;
    d->n_cmds = s->n_dos;
    s->dos = saved;
    s->n_dos = saved_n;
    /* A decoy is undone before anything else runs: its labels stay free for the step's own. */
    p->env.n_labels = saved_labels;
    for (int k = 1; k < p->l->n_models; k++)
        p->menv[k].n_labels = saved_mlabels[k];
    return r;
}

static int do_quiz_line(struct lparser *p, const char *line)
{
    struct lesson_quiz *q = &p->step->quiz;
    const char *t = skip_space(line);
    int col = (int)(t - line) + 1;

    if (strncmp(t, "Q:", 2) == 0) {
        if (q->question[0])
            return lerr(p, col, "the quiz already has its question");
        util_strlcpy(q->question, skip_space(t + 2), sizeof(q->question));
        p->cont = CONT_QUESTION;
        return 0;
    }
    if ((t[0] == '(' || t[0] == '[') && t[2] == (t[0] == '(' ? ')' : ']')) {
        bool multi = t[0] == '[';
        bool right = multi ? t[1] == 'x' || t[1] == 'X' : t[1] == '*';
        bool blank = t[1] == ' ';
        if (!right && !blank)
            return lerr(p, col + 1, "expected %s", multi ? "[x] or [ ]" : "(*) or ( )");
        if (multi != q->multiple)
            return lerr(p, col, "a %s quiz marks choices with %s",
                        q->multiple ? "multiple" : "single",
                        q->multiple ? "[x] and [ ]" : "(*) and ( )");
        if (!q->question[0])
            return lerr(p, col, "expected the question first: Q: ...");
        if (q->n_choices >= LESSON_MAX_CHOICES)
            return lerr(p, col, "at most %d choices", LESSON_MAX_CHOICES);
        if (right)
            q->correct |= 1u << q->n_choices;
        util_strlcpy(q->choices[q->n_choices++], skip_space(t + 3), sizeof(q->choices[0]));
        p->cont = CONT_CHOICE;
        return 0;
    }
    return lerr(p, col,
                "expected a quiz line: 'Q: question', a choice '( ) text' / '(*) text' "
                "('[ ]' / '[x]' for multiple), or a directive");
}

static int end_quiz(struct lparser *p)
{
    struct lesson_quiz *q;

    if (!p->in_quiz)
        return 0;
    q = &p->step->quiz;
    p->in_quiz = false;
    if (!q->question[0])
        return lerr(p, 1, "the quiz at line %d has no question (Q: ...)", q->line);
    if (q->n_choices < 2)
        return lerr(p, 1, "the quiz at line %d needs at least two choices", q->line);
    if (q->correct == 0)
        return lerr(p, 1, "the quiz at line %d marks no choice as right", q->line);
    if (!q->multiple && (q->correct & (q->correct - 1)))
        return lerr(p, 1, "the single-choice quiz at line %d marks more than one choice right",
                    q->line);
    return 0;
}

static int finish_step(struct lparser *p)
{
    if (!p->step)
        return 0;
    if (end_quiz(p) < 0)
        return -1;
    if (p->step->has_quiz && !p->step->quiz.explain[0])
        return lerr(p, 1, "the quiz at line %d needs an %%explain", p->step->quiz.line);
    rtrim(p->step->narration);
    while (strlen(p->step->narration) && p->step->narration[strlen(p->step->narration) - 1] == '\n')
        p->step->narration[strlen(p->step->narration) - 1] = '\0';
    return 0;
}

static int start_step(struct lparser *p, const char *line)
{
    struct lesson *l = p->l;
    struct lesson_step *s;
    const char *t = skip_space(line + 2), *colon;
    size_t idlen;

    if (finish_step(p) < 0)
        return -1;
    if (!p->step) {
        if (!l->id[0])
            return lerr(p, 1, "expected %%lesson ID in the header before the first step");
        if (!l->title[0])
            return lerr(p, 1, "expected %%title in the header before the first step");
    }
    if (l->n_steps >= LESSON_MAX_STEPS)
        return lerr(p, 1, "at most %d steps", LESSON_MAX_STEPS);
    colon = strchr(t, ':');
    if (!colon || colon == t)
        return lerr(p, (int)(t - line) + 1, "expected '== id: Title'");
    idlen = (size_t)(colon - t);
    if (idlen >= sizeof(s->id))
        return lerr(p, (int)(t - line) + 1, "a step id is at most %zu characters",
                    sizeof(s->id) - 1);
    l->steps = xrealloc(l->steps, (size_t)(l->n_steps + 1) * sizeof(*l->steps));
    s = &l->steps[l->n_steps];
    memset(s, 0, sizeof(*s));
    memcpy(s->id, t, idlen);
    for (size_t i = 0; i < idlen; i++)
        if (!isalnum((unsigned char)s->id[i]) && s->id[i] != '-' && s->id[i] != '_')
            return lerr(p, (int)(t - line) + 1 + (int)i,
                        "a step id is letters, digits, '-' and '_'");
    for (int i = 0; i < l->n_steps; i++)
        if (strcmp(l->steps[i].id, s->id) == 0)
            return lerr(p, (int)(t - line) + 1, "step id '%s' is used twice (line %d)", s->id,
                        l->steps[i].line);
    util_strlcpy(s->title, skip_space(colon + 1), sizeof(s->title));
    rtrim(s->title);
    if (!s->title[0])
        return lerr(p, (int)(colon - line) + 2, "expected a title after the ':'");
    s->line = p->line;
    l->n_steps++;
    p->step = s;
    p->cont = CONT_NONE;
    return 0;
}

/*
 * Over 120 lines on purpose: one short branch per directive (the header's,
 * then a step's), with the name read once at the top; most branches are a
 * line or two, and split they would each become a function of a few lines.
 */
static int directive(struct lparser *p, const char *line)
{
    struct lesson *l = p->l;
    struct lesson_step *s = p->step;
    char name[32];
    const char *v;
    size_t n = 0;
    int vcol;

    while (line[1 + n] && !isspace((unsigned char)line[1 + n]) && n + 1 < sizeof(name)) {
        name[n] = line[1 + n];
        n++;
    }
    name[n] = '\0';
    v = skip_space(line + 1 + n);
    vcol = (int)(v - line) + 1;
    if (strcmp(name, "quiz") != 0 && strcmp(name, "explain") != 0 && end_quiz(p) < 0)
        return -1;
    p->cont = CONT_NONE;
    if (!*v)
        return lerr(p, vcol, "expected a value after %%%s", name);

    /* Header directives. */
    if (strcmp(name, "lesson") == 0 || strcmp(name, "title") == 0 || strcmp(name, "version") == 0 ||
        strcmp(name, "seed") == 0) {
        char *end;
        if (s)
            return lerr(p, 1, "%%%s belongs in the header, before the first step", name);
        if (name[0] == 'l') {
            util_strlcpy(l->id, v, sizeof(l->id));
            rtrim(l->id);
            for (const char *c = l->id; *c; c++)
                if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
                    return lerr(p, vcol + (int)(c - l->id),
                                "a lesson id is letters, digits, '-' and '_'");
        } else if (name[0] == 't') {
            util_strlcpy(l->title, v, sizeof(l->title));
            rtrim(l->title);
            p->cont = CONT_TITLE;
        } else if (name[0] == 'v') {
            long ver = strtol(v, &end, 10);
            if (*skip_space(end) || ver < 1 || ver > 1000000)
                return lerr(p, vcol, "expected a version number (1, 2, ...), got '%s'", v);
            l->version = (int)ver;
            p->seen_version = true;
        } else {
            unsigned long long seed = strtoull(v, &end, 10);
            if (*skip_space(end) || v[0] == '-')
                return lerr(p, vcol, "expected a seed number, got '%s'", v);
            l->seed = seed;
        }
        return 0;
    }
    if (strcmp(name, "compare") == 0)
        return do_compare(p, v, vcol);
    if (strcmp(name, "setup") == 0)
        return do_setup(p, v, vcol);
    if (strcmp(name, "show") == 0) {
        if (s)
            return lerr(p, 1, "%%show belongs in the header, before the first step");
        if (strcmp(v, "lamport") != 0)
            return lerr(p, vcol, "expected what the map should show: lamport, got '%s'", v);
        l->show_lamport = true;
        return 0;
    }
    if (!s)
        return lerr(p, 1,
                    "unknown header directive %%%s; expected %%lesson, %%title, %%version, "
                    "%%seed, %%compare, %%setup or %%show (steps start with '== id: Title')",
                    name);
    if (strcmp(name, "task") == 0) {
        if (s->task[0])
            return lerr(p, 1, "the step already has a %%task");
        util_strlcpy(s->task, v, sizeof(s->task));
        p->cont = CONT_TASK;
        return 0;
    }
    if (strcmp(name, "check") == 0)
        return do_check(p, v, vcol);
    if (strcmp(name, "hint") == 0)
        return do_hint(p, v, vcol);
    if (strcmp(name, "stuck") == 0)
        return do_stuck(p, v, vcol);
    if (strcmp(name, "decoy") == 0)
        return do_decoy(p, v, vcol);
    if (strcmp(name, "spotlight") == 0)
        return do_spotlight(p, v, vcol);
    if (strcmp(name, "do") == 0)
        return do_actions(p, v, vcol);
    if (strcmp(name, "success") == 0) {
        if (s->success[0])
            return lerr(p, 1, "the step already has a %%success");
        util_strlcpy(s->success, v, sizeof(s->success));
        s->success_line = p->line;
        p->cont = CONT_SUCCESS;
        return 0;
    }
    if (strcmp(name, "quiz") == 0) {
        char w1[16] = "", w2[16] = "", w3[4] = "";
        int kind, what = 0;
        sscanf(v, "%15s %15s %3s", w1, w2, w3);
        kind = param_choice("single|multiple", w1);
        if (s->has_quiz)
            return lerr(p, 1, "a step has at most one quiz");
        if (kind < 0)
            return lerr(p, vcol, "expected single or multiple, got '%s'", w1);
        if (w2[0] && (what = param_choice("recall|predict", w2)) < 0)
            return lerr(p, vcol + (int)strlen(w1) + 1,
                        "expected recall (about what was seen) or predict (about what will "
                        "happen), got '%s'",
                        w2);
        if (w3[0])
            return lerr(p, vcol, "expected %%quiz single|multiple [recall|predict]");
        s->has_quiz = true;
        s->quiz.kind = what == 1 ? LESSON_PREDICT : LESSON_RECALL;
        s->quiz.multiple = kind == 1;
        s->quiz.line = p->line;
        p->in_quiz = true;
        return 0;
    }
    if (strcmp(name, "explain") == 0) {
        if (!s->has_quiz)
            return lerr(p, 1, "%%explain goes after a %%quiz");
        if (end_quiz(p) < 0)
            return -1;
        util_strlcpy(s->quiz.explain, v, sizeof(s->quiz.explain));
        p->cont = CONT_EXPLAIN;
        return 0;
    }
    return lerr(p, 1,
                "unknown directive %%%s; expected %%task, %%check, %%hint, %%do, %%decoy, "
                "%%stuck, %%spotlight, %%success, %%quiz or %%explain",
                name);
}

static void continuation(struct lparser *p, const char *t)
{
    struct lesson_step *s = p->step;

    switch (p->cont) {
    case CONT_TITLE:
        append_text(p->l->title, sizeof(p->l->title), t);
        break;
    case CONT_TASK:
        append_text(s->task, sizeof(s->task), t);
        break;
    case CONT_HINT:
        append_text(s->hints[s->n_hints - 1], sizeof(s->hints[0]), t);
        break;
    case CONT_SUCCESS:
        append_text(s->success, sizeof(s->success), t);
        break;
    case CONT_EXPLAIN:
        append_text(s->quiz.explain, sizeof(s->quiz.explain), t);
        break;
    case CONT_QUESTION:
        append_text(s->quiz.question, sizeof(s->quiz.question), t);
        break;
    case CONT_CHOICE:
        append_text(s->quiz.choices[s->quiz.n_choices - 1], sizeof(s->quiz.choices[0]), t);
        break;
    case CONT_NONE:
        break;
    }
}

static int parse_line(struct lparser *p, char *line)
{
    const char *t;

    rtrim(line);
    if (strncmp(line, ";;", 2) == 0)
        return 0;
    t = skip_space(line);
    if (!*t) {
        /* A blank line ends a continuation and separates narration paragraphs. */
        p->cont = CONT_NONE;
        if (p->step && p->step->narration[0] && !p->in_quiz)
            util_appendf(p->step->narration, sizeof(p->step->narration), "\n");
        return 0;
    }
    if (strncmp(line, "==", 2) == 0)
        return start_step(p, line);
    if (line[0] == '%')
        return directive(p, line);
    if (t != line && p->cont != CONT_NONE) {
        continuation(p, t);
        return 0;
    }
    if (p->in_quiz)
        return do_quiz_line(p, line);
    if (!p->step)
        return lerr(p, 1,
                    "expected a %% directive in the header (or '== id: Title' to start a "
                    "step), got text");
    append_text(p->step->narration, sizeof(p->step->narration), t);
    return 0;
}

int lesson_parse(const char *file, const char *text, size_t len, struct lesson *out,
                 struct script_error *err)
{
    struct lparser p;
    char line[LESSON_TEXT_MAX];
    size_t pos = 0;
    int r = 0;

    memset(out, 0, sizeof(*out));
    memset(&p, 0, sizeof(p));
    p.file = file;
    p.err = err;
    p.l = out;
    util_strlcpy(out->file, file, sizeof(out->file));
    out->version = 1;
    out->seed = 1;
    script_env_init(&p.env, false);
    while (pos < len && r == 0) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        p.line++;
        if (end - pos >= sizeof(line)) {
            r = lerr(&p, (int)sizeof(line), "line longer than %zu characters", sizeof(line) - 1);
            break;
        }
        if (memchr(text + pos, '\0', end - pos)) {
            r = lerr(&p, 1, "unexpected NUL byte: expected a text file");
            break;
        }
        memcpy(line, text + pos, end - pos);
        line[end - pos] = '\0';
        pos = end + 1;
        r = parse_line(&p, line);
    }
    if (r == 0) {
        p.line++;
        r = finish_step(&p);
    }
    if (r == 0 && !out->id[0])
        r = lerr(&p, 1, "expected %%lesson ID: this file has no header");
    if (r == 0 && out->n_steps == 0)
        r = lerr(&p, 1, "expected at least one step ('== id: Title')");
    script_env_release(&p.env);
    for (int k = 1; k < out->n_models; k++)
        script_env_release(&p.menv[k]);
    if (r < 0) {
        lesson_release(out);
        return -1;
    }
    return 0;
}

void lesson_release(struct lesson *l)
{
    for (int i = 0; i < l->n_steps; i++) {
        struct lesson_step *s = &l->steps[i];
        free(s->checks);
        free(s->dos);
        for (int k = 0; k < LESSON_MAX_HINTS; k++)
            free(s->hint_if[k].preds);
        for (int k = 0; k < s->n_decoys; k++)
            free(s->decoys[k].cmds);
        for (int k = 0; k < s->n_stuck; k++)
            free(s->stuck[k].cond.preds);
    }
    free(l->steps);
    free(l->setup);
    l->steps = NULL;
    l->setup = NULL;
    l->n_steps = l->n_setup = 0;
}

/* `did COMMAND ...` in words: "you kill n1", "you write x through n2". */
static void did_words(const struct script_pred *p, const char *text, char *dst, size_t size)
{
    char n[8] = "", n2[8] = "", what[160] = "";
    const char *written = strstr(text, "did ") ? strstr(text, "did ") + 4 : text;

    if (p->node >= 0)
        snprintf(n, sizeof(n), "n%d", p->node + 1);
    if (p->node2 >= 0)
        snprintf(n2, sizeof(n2), "n%d", p->node2 + 1);
    switch ((enum script_cmd_kind)p->did_kind) {
    case CMD_KILL:
    case CMD_RESTART:
    case CMD_PAUSE:
    case CMD_RESUME:
        snprintf(what, sizeof(what), "%s %s",
                 p->did_kind == CMD_KILL      ? "kill"
                 : p->did_kind == CMD_RESTART ? "restart"
                 : p->did_kind == CMD_PAUSE   ? "pause"
                                              : "resume",
                 n[0] ? n : "a node");
        break;
    case CMD_WIPE:
        snprintf(what, sizeof(what), "restart %s with its disk wiped", n[0] ? n : "a node");
        break;
    case CMD_SKEW:
        snprintf(what, sizeof(what), "skew %s%s clock", n[0] ? n : "a node", n[0] ? "'s" : "'s");
        break;
    case CMD_DRIFT:
        snprintf(what, sizeof(what), "make %s%s clock drift", n[0] ? n : "a node", "'s");
        break;
    case CMD_NTP:
        snprintf(what, sizeof(what), "resynchronise %s%s clock (ntp)", n[0] ? n : "a node", "'s");
        break;
    case CMD_HEAL:
        snprintf(what, sizeof(what), "heal the network");
        break;
    case CMD_PARTITION:
        snprintf(what, sizeof(what), "partition the network");
        break;
    case CMD_CUT:
    case CMD_MEND:
        if (n[0])
            snprintf(what, sizeof(what), "%s the link %s-%s",
                     p->did_kind == CMD_CUT ? "cut" : "mend", n, n2);
        else
            snprintf(what, sizeof(what), "%s a link", p->did_kind == CMD_CUT ? "cut" : "mend");
        break;
    case CMD_SET:
        if (p->value[0])
            snprintf(what, sizeof(what), "set %s to %s", p->word, p->value);
        else
            snprintf(what, sizeof(what), "change %s", p->word);
        break;
    case CMD_OP:
        snprintf(what, sizeof(what), "%s%s%s%s%s",
                 p->op_kind == OP_PUT   ? "write"
                 : p->op_kind == OP_GET ? "read"
                 : p->op_kind == OP_DEL ? "delete"
                                        : op_kind_name((enum op_kind)p->op_kind),
                 p->key[0] ? " " : "", p->key, n[0] ? " through " : "", n);
        break;
    case CMD_MODEL:
    case CMD_NODES:
    case CMD_SEED:
    case CMD_LATENCY:
    case CMD_RUN:
    case CMD_RUN_UNTIL:
    case CMD_RUN_QUIET:
    case CMD_RUN_PRED:
    case CMD_STEP:
    case CMD_LINK:
    case CMD_NET:
    case CMD_EXPECT:
    case CMD_NOTE:
    case CMD_WORKLOAD:
    case CMD_MSG:
    case CMD_SAY:
    case CMD_BEAT:
    case CMD_MODEL_CMD:
        snprintf(what, sizeof(what), "do this: %s", written);
        break;
    }
    if (p->before[0])
        util_appendf(what, sizeof(what), " before %s", p->before);
    snprintf(dst, size, "you %s%s", p->negate ? "do not " : "", what);
}

/* A predicate in words, for the pane's "Waiting for:" line. False for a model's own predicate
 * (its words belong to the lesson: give the check a sentence). */
static bool pred_words(const struct script_pred *p, const char *text, char *dst, size_t size)
{
    char v[256], n[8];
    bool neg = p->negate;

    snprintf(n, sizeof(n), "n%d", p->node + 1);
    switch (p->kind) {
    case SPRED_OP_STATUS:
        snprintf(dst, size, "%s %s%s", p->label, neg ? "does not end as: " : "",
                 p->done                   ? "is answered"
                 : p->status == OP_OK      ? "succeeds"
                 : p->status == OP_FAIL    ? "fails"
                 : p->status == OP_TIMEOUT ? "times out"
                                           : "is still waiting");
        return true;
    case SPRED_OP_VALUE:
        op_format_values(&p->values, v, sizeof(v));
        snprintf(dst, size, "%s %s %s", p->label, neg ? "does not return" : "returns", v);
        return true;
    case SPRED_VALUE:
        op_format_values(&p->values, v, sizeof(v));
        snprintf(dst, size, "%s %s %s=%s", n, neg ? "no longer holds" : "holds", p->key, v);
        return true;
    case SPRED_LEADER:
        snprintf(dst, size, "%s %s", n, neg ? "no longer leads" : "leads");
        return true;
    case SPRED_DOWN:
    case SPRED_UP:
    case SPRED_PAUSED:
        snprintf(dst, size, "%s is %s%s", n, neg ? "not " : "",
                 p->kind == SPRED_DOWN ? "down"
                 : p->kind == SPRED_UP ? "up"
                                       : "paused");
        return true;
    case SPRED_CONVERGED:
        snprintf(dst, size, neg ? "the replicas disagree on %s" : "every replica holds the same %s",
                 p->key);
        return true;
    case SPRED_CONVERGED_ALL:
        snprintf(dst, size, neg ? "the replicas disagree" : "every replica agrees on every key");
        return true;
    case SPRED_LINEARIZABLE:
        snprintf(dst, size, "the history %s linearizable", neg ? "is not" : "is");
        return true;
    case SPRED_LOST_WRITES:
        if (p->num == 0)
            snprintf(dst, size,
                     neg ? "an acknowledged write is lost" : "no acknowledged write is lost");
        else
            snprintf(dst, size, "%s%lld acknowledged write%s lost", neg ? "not exactly " : "",
                     (long long)p->num, p->num == 1 ? " is" : "s are");
        return true;
    case SPRED_SPLIT_BRAIN:
        snprintf(dst, size,
                 neg ? "never two leaders acknowledging writes at once"
                     : "two leaders acknowledge writes at once");
        return true;
    case SPRED_SESSIONS:
        snprintf(dst, size, "every session guarantee %s", neg ? "is broken" : "holds");
        return true;
    case SPRED_AVAILABILITY:
        snprintf(dst, size, "%s%lld%% of the ops succeed", neg ? "less than " : "at least ",
                 (long long)(p->num / 100));
        return true;
    case SPRED_OP_SEEN:
        snprintf(dst, size, "a %s%s%s %s", op_kind_name((enum op_kind)p->op_kind),
                 p->key[0] ? " of " : "", p->key,
                 p->any_status             ? "is sent"
                 : p->status == OP_OK      ? "succeeds"
                 : p->status == OP_FAIL    ? "fails"
                 : p->status == OP_TIMEOUT ? "times out"
                                           : "is waiting");
        if (neg)
            snprintf(dst, size, "no %s%s%s %s", op_kind_name((enum op_kind)p->op_kind),
                     p->key[0] ? " of " : "", p->key, p->any_status ? "is sent" : "ends so");
        return true;
    case SPRED_DID:
        did_words(p, text, dst, size);
        return true;
    case SPRED_SETTING:
        snprintf(dst, size, "`%s` is %s%s", p->word, neg ? "not " : "", p->value);
        return true;
    case SPRED_TIME:
        snprintf(dst, size, "the time to reach %s",
                 strstr(text, ">=") ? strstr(text, ">=") + 3 : text);
        return true;
    case SPRED_MODEL:
        return false;
    }
    return false;
}

bool lesson_check_sentence(const struct lesson_pred *check, const char *says, char *dst,
                           size_t size)
{
    if (says && says[0]) {
        util_strlcpy(dst, says, size);
        return true;
    }
    if (pred_words(&check->pred, check->text, dst, size))
        return true;
    util_strlcpy(dst, check->text, size);
    return false;
}

/* Does a check of step s pin KEY=VALUE (value NODE KEY == VALUE, or an op's result)? */
static bool pinned(const struct lesson_step *s, const char *key, const char *value)
{
    for (int i = 0; i < s->n_checks; i++) {
        const struct script_pred *p = &s->checks[i].pred;
        char v[256];
        if (p->negate || (p->kind != SPRED_VALUE && p->kind != SPRED_OP_VALUE))
            continue;
        op_format_values(&p->values, v, sizeof(v));
        if ((p->kind == SPRED_OP_VALUE || strcmp(p->key, key) == 0) && strcmp(v, value) == 0)
            return true;
    }
    return false;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

int lesson_text_warnings(const struct lesson *l, char *dst, size_t size)
{
    int n = 0;

    for (int k = 0; k < l->n_steps; k++) {
        const struct lesson_step *s = &l->steps[k];
        const char *t = s->success;
        for (const char *c = t; *c; c++) {
            char key[32], value[64], lit[100];
            size_t kl = 0, vl = 0;
            const char *b, *e;
            bool code = false;
            for (const char *q = t; q < c; q++)
                code ^= *q == '`'; /* commands in `code` are instructions, not findings */
            if (code || *c == '{')
                continue;
            if (*c == '=' && c > t && word_char(c[-1]) && word_char(c[1])) {
                b = c;
                while (b > t && word_char(b[-1]))
                    b--;
                if (b > t && (b[-1] == '{' || b[-1] == '.'))
                    continue;
                e = c + 1;
                while (word_char(*e))
                    e++;
                kl = (size_t)(c - b);
                vl = (size_t)(e - c - 1);
                if (kl >= sizeof(key) || vl >= sizeof(value) || isdigit((unsigned char)*b))
                    continue;
                memcpy(key, b, kl);
                key[kl] = '\0';
                memcpy(value, c + 1, vl);
                value[vl] = '\0';
                if (pinned(s, key, value))
                    continue;
                snprintf(lit, sizeof(lit), "%s=%s", key, value);
            } else if (isdigit((unsigned char)*c) && (c == t || !word_char(c[-1]))) {
                e = c;
                while (isdigit((unsigned char)*e))
                    e++;
                if (strncmp(skip_space(e), "ms", 2) != 0 || word_char(skip_space(e)[2]))
                    continue;
                snprintf(lit, sizeof(lit), "%.*s", (int)(skip_space(e) + 2 - c), c);
                c = e;
            } else {
                continue;
            }
            util_appendf(dst, size,
                         "%s:%d:1: warning: step '%s': the success text says '%s', which a "
                         "learner's run could contradict: pin it with a %%check, or name the "
                         "run's value ({put.value}, {w1.latency}, {n2.x})\n",
                         l->file, s->success_line, s->id, lit);
            n++;
        }
    }
    return n;
}
