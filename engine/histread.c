#include "histread.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

#define HR_TEXT_MAX 1024
#define HR_VEC_MAX  4

enum hval_kind {
    HV_NONE, /* absent */
    HV_NIL,
    HV_ATOM, /* a number, keyword or symbol, as written (a keyword without its colon) */
    HV_STR,
    HV_VEC,
    HV_OTHER, /* a map or anything else the readers skip */
};

struct hval {
    enum hval_kind kind;
    int col;
    char s[HR_TEXT_MAX];
    int n; /* HV_VEC: items */
    enum hval_kind item_kind[HR_VEC_MAX];
    char item[HR_VEC_MAX][HR_TEXT_MAX];
};

enum hev_type {
    HE_INVOKE,
    HE_OK,
    HE_FAIL,
    HE_INFO,
};

/* One event of a history: an invocation or a completion. */
struct hev {
    int line;
    int col;         /* where the event starts */
    int process_col; /* where its process is */
    enum hev_type type;
    int process;
    char f[64];
    bool has_key;
    char key[HR_TEXT_MAX];
    struct hval value;
    bool has_time;
    int64_t time;
    uint64_t op_id; /* jsonl: ops are matched by id rather than process */
};

struct reader {
    const char *file;
    const char *text;
    size_t len;
    const char *p;     /* the cursor */
    const char *start; /* the current line */
    int line;
    struct histread_error *err;
    struct check_hist *h;
    struct strmap slots; /* process (or jsonl op id) -> its slot */
    int *open;           /* per slot: the index of its open op, or -1 */
    int *open_line;      /* per slot: the line that op was invoked on */
    int n_slots;
    int cap_slots;
    enum histread_format fmt;
    int64_t seq;   /* events so far: the time when the history has none */
    int time_mode; /* -1 undecided, 0 event order, 1 the events' :time */
    bool text_op;  /* jsonl: fields parsed from text */
};

static int fail_at(struct reader *r, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct reader *r, const char *at, const char *fmt, ...)
{
    va_list ap;

    util_strlcpy(r->err->file, r->file, sizeof(r->err->file));
    r->err->line = r->line;
    r->err->col = (int)(at - r->start) + 1;
    va_start(ap, fmt);
    vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

const char *histread_format_name(enum histread_format f)
{
    switch (f) {
    case HISTREAD_AUTO:
        return "auto";
    case HISTREAD_JEPSEN_LOG:
        return "jepsen-log";
    case HISTREAD_EDN:
        return "edn";
    case HISTREAD_PORCUPINE_KV:
        return "porcupine-kv";
    case HISTREAD_JSONL:
        return "jsonl";
    }
    return "?";
}

int histread_format_parse(const char *s)
{
    static const enum histread_format all[] = {HISTREAD_AUTO, HISTREAD_JEPSEN_LOG, HISTREAD_EDN,
                                               HISTREAD_PORCUPINE_KV, HISTREAD_JSONL};

    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (strcmp(s, histread_format_name(all[i])) == 0)
            return (int)all[i];
    return -1;
}

void histread_error_format(const struct histread_error *err, char *dst, size_t size)
{
    snprintf(dst, size, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
}

/* ---- lines and characters ---- */

static const char *line_end(const struct reader *r)
{
    const char *e = memchr(r->p, '\n', (size_t)(r->text + r->len - r->p));
    return e ? e : r->text + r->len;
}

static bool is_delim(int c)
{
    return c == '\0' || c == '\n' || c == '\r' || isspace(c) || c == ',' || c == '{' || c == '}' ||
           c == '[' || c == ']' || c == '(' || c == ')' || c == '"' || c == ';';
}

static void skip_ws(const char **p, const char *end)
{
    while (*p < end && (isspace((unsigned char)**p) || **p == ',') && **p != '\n')
        (*p)++;
}

/* A blank line or a comment (; in EDN, # anywhere): nothing to read. */
static bool blank_line(const char *p, const char *end)
{
    skip_ws(&p, end);
    return p >= end || *p == ';' || *p == '#' || *p == '\r';
}

/* ---- EDN values ---- */

static int edn_string(struct reader *r, const char **p, const char *end, char *dst, size_t size)
{
    const char *open = *p;
    size_t n = 0;

    (*p)++;
    while (*p < end && **p != '"') {
        char c = **p;
        if (c == '\\' && *p + 1 < end) {
            (*p)++;
            c = **p == 'n' ? '\n' : **p == 't' ? '\t' : **p;
        }
        if (n + 1 < size)
            dst[n++] = c;
        (*p)++;
    }
    dst[n] = '\0';
    if (*p >= end)
        return fail_at(r, open, "expected a closing \" for the string that opens here");
    (*p)++;
    return 0;
}

/* Skips a balanced form (a map, vector or list inside a field the readers do not use). */
static int edn_skip(struct reader *r, const char **p, const char *end)
{
    const char *open = *p;
    int depth = 0;

    do {
        if (*p >= end)
            return fail_at(r, open, "expected the closing bracket of the form that opens here");
        if (**p == '"') {
            char tmp[8];
            if (edn_string(r, p, end, tmp, sizeof(tmp)) < 0)
                return -1;
            continue;
        }
        if (**p == '{' || **p == '[' || **p == '(')
            depth++;
        else if (**p == '}' || **p == ']' || **p == ')')
            depth--;
        (*p)++;
    } while (depth > 0);
    return 0;
}

static int edn_scalar(struct reader *r, const char **p, const char *end, enum hval_kind *kind,
                      char *dst, size_t size)
{
    const char *s = *p;

    if (*p >= end || **p == '\n')
        return fail_at(r, *p, "expected a value (nil, a number, a string, a keyword or a vector)");
    if (**p == '"') {
        *kind = HV_STR;
        return edn_string(r, p, end, dst, size);
    }
    bool keyword = **p == ':';

    if (keyword) {
        (*p)++;
        s++;
    }
    while (*p < end && !is_delim((unsigned char)**p))
        (*p)++;
    if (*p == s)
        return fail_at(r, s, "expected a value (nil, a number, a string, a keyword or a vector)");
    *kind = (size_t)(*p - s) == 3 && memcmp(s, "nil", 3) == 0 && !keyword ? HV_NIL : HV_ATOM;
    snprintf(dst, size, "%.*s", (int)(*p - s), s);
    return 0;
}

static int edn_value(struct reader *r, const char **p, const char *end, struct hval *v)
{
    v->col = (int)(*p - r->start) + 1;
    v->n = 0;
    v->s[0] = '\0';
    if (*p < end && **p == '[') {
        (*p)++;
        v->kind = HV_VEC;
        for (;;) {
            skip_ws(p, end);
            if (*p < end && **p == ']') {
                (*p)++;
                return 0;
            }
            if (*p >= end || **p == '\n')
                return fail_at(r, *p, "expected ] to close the vector");
            if (**p == '[' || **p == '{') {
                if (edn_skip(r, p, end) < 0)
                    return -1;
                v->kind = HV_OTHER;
                continue;
            }
            if (v->n < HR_VEC_MAX) {
                if (edn_scalar(r, p, end, &v->item_kind[v->n], v->item[v->n], HR_TEXT_MAX) < 0)
                    return -1;
                v->n++;
            } else {
                char tmp[HR_TEXT_MAX];
                enum hval_kind k;
                if (edn_scalar(r, p, end, &k, tmp, sizeof(tmp)) < 0)
                    return -1;
                v->kind = HV_OTHER;
            }
        }
    }
    if (*p < end && (**p == '{' || **p == '(' || **p == '#')) {
        v->kind = HV_OTHER;
        if (**p == '#')
            (*p)++;
        return edn_skip(r, p, end);
    }
    return edn_scalar(r, p, end, &v->kind, v->s, sizeof(v->s));
}

static int parse_type(struct reader *r, const char *at, const char *s, enum hev_type *t)
{
    if (strcmp(s, "invoke") == 0)
        *t = HE_INVOKE;
    else if (strcmp(s, "ok") == 0)
        *t = HE_OK;
    else if (strcmp(s, "fail") == 0)
        *t = HE_FAIL;
    else if (strcmp(s, "info") == 0)
        *t = HE_INFO;
    else
        return fail_at(r, at, "expected :invoke, :ok, :fail or :info, not '%s'", s);
    return 0;
}

static int parse_int(struct reader *r, const char *at, const char *s, int64_t *out,
                     const char *what)
{
    char *endp;
    long long v;

    errno = 0;
    v = strtoll(s, &endp, 10);
    if (!*s || *endp || errno)
        return fail_at(r, at, "expected %s (an integer), not '%s'", what, s);
    *out = (int64_t)v;
    return 0;
}

/* ---- the ops, from events ---- */

static enum check_hkind kind_of(const char *f)
{
    if (strcmp(f, "read") == 0 || strcmp(f, "get") == 0)
        return CHECK_H_READ;
    if (strcmp(f, "write") == 0 || strcmp(f, "put") == 0)
        return CHECK_H_WRITE;
    if (strcmp(f, "cas") == 0)
        return CHECK_H_CAS;
    if (strcmp(f, "append") == 0)
        return CHECK_H_APPEND;
    return CHECK_H_OTHER;
}

static int intern_val(struct check_hist *h, enum hval_kind k, const char *s)
{
    return k == HV_NIL || k == HV_NONE ? CHECK_HIST_NIL : check_hist_intern(h, s);
}

static int64_t event_time(struct reader *r, const struct hev *ev)
{
    r->seq++;
    if (r->time_mode < 0)
        r->time_mode = ev->has_time ? 1 : 0;
    return r->time_mode == 1 ? ev->time : r->seq;
}

/* The slot of a process (or a jsonl op id), made on first use. */
static int slot_of(struct reader *r, const char *pk)
{
    int s = strmap_put(&r->slots, 0, pk, r->n_slots);

    if (s == r->n_slots) {
        if (r->n_slots == r->cap_slots) {
            r->cap_slots = r->cap_slots ? r->cap_slots * 2 : 64;
            r->open = xrealloc(r->open, (size_t)r->cap_slots * sizeof(int));
            r->open_line = xrealloc(r->open_line, (size_t)r->cap_slots * sizeof(int));
        }
        r->open[s] = -1;
        r->open_line[s] = 0;
        r->n_slots++;
    }
    return s;
}

/* Applies one event: an invocation opens an op, a completion closes its process's op. */
static int apply(struct reader *r, struct hev *ev, const char *at)
{
    char pk[32];
    int64_t t;
    int slot;

    if (r->time_mode == 1 && !ev->has_time)
        return fail_at(r, at, "expected a :time, as the first op of the history has one");
    t = event_time(r, ev);
    if (r->fmt == HISTREAD_JSONL)
        snprintf(pk, sizeof(pk), "%llu", (unsigned long long)ev->op_id);
    else
        snprintf(pk, sizeof(pk), "%d", ev->process);
    slot = slot_of(r, pk);
    if (ev->type == HE_INVOKE) {
        struct check_hop op;
        enum check_hkind k = kind_of(ev->f);
        int idx;
        if (r->open[slot] >= 0)
            return fail_at(r, r->start + ev->process_col - 1,
                           "expected a completion (:ok, :fail or :info) of process %d's op "
                           "from line %d before it invokes another",
                           ev->process, r->open_line[slot]);
        memset(&op, 0, sizeof(op));
        op.process = ev->process;
        op.kind = k;
        op.status = CHECK_H_INFO;
        op.invoke = t;
        op.complete = INT64_MAX;
        op.line = ev->line;
        op.key = check_hist_intern(r->h, ev->has_key ? ev->key : "");
        op.value = CHECK_HIST_NIL;
        op.from = CHECK_HIST_NIL;
        if (k == CHECK_H_CAS) {
            if (ev->value.kind != HV_VEC || ev->value.n != 2)
                return fail_at(r, r->start + ev->value.col - 1,
                               "expected [from to], the two values of a cas");
            op.from = intern_val(r->h, ev->value.item_kind[0], ev->value.item[0]);
            op.value = intern_val(r->h, ev->value.item_kind[1], ev->value.item[1]);
        } else if (k == CHECK_H_WRITE || k == CHECK_H_APPEND) {
            if (ev->value.kind == HV_VEC || ev->value.kind == HV_OTHER)
                return fail_at(r, r->start + ev->value.col - 1,
                               "expected one value to %s, not a collection", ev->f);
            op.value = intern_val(r->h, ev->value.kind, ev->value.s);
        } else if (k == CHECK_H_OTHER) {
            op.value = check_hist_intern(r->h, ev->f);
        }
        idx = check_hist_add(r->h, &op);
        if (idx < 0)
            return fail_at(r, at, "expected at most %d ops in a history", CHECK_HIST_MAX_OPS);
        r->open[slot] = idx;
        r->open_line[slot] = ev->line;
        return 0;
    }
    {
        struct check_hop *op;
        if (r->open[slot] < 0)
            return fail_at(r, r->start + ev->process_col - 1,
                           "expected an :invoke by process %d before this completion", ev->process);
        op = check_hist_op(r->h, r->open[slot]);
        if (r->fmt != HISTREAD_JSONL && kind_of(ev->f) != op->kind)
            return fail_at(r, at, "expected the completion of the %s process %d invoked on line %d",
                           check_hkind_name(op->kind), ev->process, r->open_line[slot]);
        r->open[slot] = -1;
        op->complete = t;
        switch (ev->type) {
        case HE_OK:
            op->status = CHECK_H_OK;
            break;
        case HE_FAIL:
            op->status = CHECK_H_FAIL;
            break;
        case HE_INFO:
        case HE_INVOKE:
            op->status = CHECK_H_INFO;
            break;
        }
        if (op->kind == CHECK_H_READ && op->status == CHECK_H_OK) {
            if (ev->value.kind == HV_VEC || ev->value.kind == HV_OTHER)
                op->kind = CHECK_H_OTHER; /* several values (siblings): not a register's read */
            op->value = intern_val(r->h, ev->value.kind, ev->value.s);
            if (op->kind == CHECK_H_OTHER)
                op->value = check_hist_intern(r->h, "read of several values");
        }
        return 0;
    }
}

/* One EDN map on its line: {:type :invoke, :f :read, :value nil, :process 0, ...}. */
static int read_edn_line(struct reader *r, const char *end)
{
    const char *p = r->p, *open;
    struct hev ev;
    bool has_type = false, has_f = false, has_process = false, nemesis = false;

    memset(&ev, 0, sizeof(ev));
    ev.line = r->line;
    skip_ws(&p, end);
    if (p >= end || *p != '{')
        return fail_at(r, p, "expected an op map, {:type ... :f ... :process ...}");
    open = p;
    ev.col = (int)(p - r->start) + 1;
    p++;
    for (;;) {
        char key[64];
        size_t kn;
        struct hval v;
        skip_ws(&p, end);
        if (p < end && *p == '}') {
            p++;
            break;
        }
        if (p >= end || *p == '\n' || *p == '\r')
            return fail_at(r, p, "expected } to close the op map that opens at column %d",
                           (int)(open - r->start) + 1);
        if (*p != ':')
            return fail_at(r, p, "expected a keyword (:type, :f, :value, :process, :time, :key)");
        p++;
        kn = 0;
        while (p < end && !is_delim((unsigned char)*p)) {
            if (kn + 1 < sizeof(key))
                key[kn++] = *p;
            p++;
        }
        key[kn] = '\0';
        skip_ws(&p, end);
        if (p < end && *p == '}')
            return fail_at(r, p, "expected a value for :%s", key);
        if (edn_value(r, &p, end, &v) < 0)
            return -1;
        if (strcmp(key, "type") == 0) {
            if (v.kind != HV_ATOM)
                return fail_at(r, r->start + v.col - 1, "expected :invoke, :ok, :fail or :info");
            if (parse_type(r, r->start + v.col - 1, v.s, &ev.type) < 0)
                return -1;
            has_type = true;
        } else if (strcmp(key, "f") == 0) {
            if (v.kind != HV_ATOM)
                return fail_at(r, r->start + v.col - 1, "expected the op's function, like :read");
            util_strlcpy(ev.f, v.s, sizeof(ev.f));
            has_f = true;
        } else if (strcmp(key, "process") == 0) {
            int64_t pr;
            ev.process_col = v.col;
            has_process = true;
            if (v.kind == HV_ATOM && strcmp(v.s, "nemesis") == 0) {
                nemesis = true;
                continue;
            }
            if (v.kind != HV_ATOM || parse_int(r, r->start + v.col - 1, v.s, &pr, "a process") < 0)
                return v.kind != HV_ATOM
                           ? fail_at(r, r->start + v.col - 1, "expected a process (an integer)")
                           : -1;
            if (pr < 0 || pr > INT32_MAX)
                return fail_at(r, r->start + v.col - 1, "expected a process from 0 to %d",
                               INT32_MAX);
            ev.process = (int)pr;
        } else if (strcmp(key, "time") == 0) {
            if (v.kind != HV_ATOM ||
                parse_int(r, r->start + v.col - 1, v.s, &ev.time, "a :time in nanoseconds") < 0)
                return v.kind != HV_ATOM
                           ? fail_at(r, r->start + v.col - 1, "expected a :time in nanoseconds")
                           : -1;
            ev.has_time = true;
        } else if (strcmp(key, "value") == 0) {
            ev.value = v;
        } else if (strcmp(key, "key") == 0) {
            if (v.kind != HV_ATOM && v.kind != HV_STR)
                return fail_at(r, r->start + v.col - 1, "expected a key (a string or a number)");
            util_strlcpy(ev.key, v.s, sizeof(ev.key));
            ev.has_key = true;
        }
        /* Any other field (:index, :error, ...) is skipped. */
    }
    skip_ws(&p, end);
    if (p < end && *p != '\n' && *p != '\r' && *p != ';')
        return fail_at(r, p, "expected the end of the line after the op map");
    if (!has_type)
        return fail_at(r, p - 1, "expected a :type in the op map");
    if (!has_process)
        return fail_at(r, p - 1, "expected a :process in the op map");
    if (nemesis)
        return 0; /* the nemesis's ops are faults, not client ops */
    if (!has_f)
        return fail_at(r, p - 1, "expected an :f in the op map");
    if (ev.value.kind == HV_NONE)
        ev.value.col = (int)(p - r->start);
    if (r->fmt == HISTREAD_PORCUPINE_KV && !ev.has_key)
        return fail_at(r, p - 1, "expected a :key in the op map (a key-value history)");
    return apply(r, &ev, open);
}

/* A jepsen.util log line: "... jepsen.util - 3 :invoke :write 4"; other lines are skipped. */
static int read_log_line(struct reader *r, const char *end)
{
    const char *p = r->p, *tag, *tok;
    struct hev ev;
    char word[64];
    size_t n;

    tag = NULL;
    for (const char *q = p; q + 11 <= end; q++) {
        if (*q == '\n')
            break;
        if (memcmp(q, "jepsen.util", 11) == 0) {
            tag = q;
            break;
        }
    }
    if (!tag)
        return 0;
    memset(&ev, 0, sizeof(ev));
    ev.line = r->line;
    p = tag + 11;
    if (p < end && *p == ':')
        p++;
    skip_ws(&p, end);
    if (p < end && *p == '-')
        p++;
    skip_ws(&p, end);
    tok = p;
    ev.process_col = (int)(p - r->start) + 1;
    n = 0;
    while (p < end && !is_delim((unsigned char)*p)) {
        if (n + 1 < sizeof(word))
            word[n++] = *p;
        p++;
    }
    word[n] = '\0';
    if (strcmp(word, ":nemesis") == 0)
        return 0;
    {
        int64_t pr;
        if (n == 0)
            return fail_at(r, tok, "expected a process (an integer) after jepsen.util");
        if (parse_int(r, tok, word, &pr, "a process") < 0)
            return -1;
        if (pr < 0 || pr > INT32_MAX)
            return fail_at(r, tok, "expected a process from 0 to %d", INT32_MAX);
        ev.process = (int)pr;
    }
    skip_ws(&p, end);
    tok = p;
    if (p >= end || *p != ':')
        return fail_at(r, p, "expected :invoke, :ok, :fail or :info");
    {
        struct hval v;
        if (edn_scalar(r, &p, end, &v.kind, v.s, sizeof(v.s)) < 0)
            return -1;
        if (parse_type(r, tok, v.s, &ev.type) < 0)
            return -1;
    }
    skip_ws(&p, end);
    if (p >= end || *p != ':')
        return fail_at(r, p, "expected the op's function, like :read, :write or :cas");
    {
        struct hval v;
        if (edn_scalar(r, &p, end, &v.kind, v.s, sizeof(v.s)) < 0)
            return -1;
        util_strlcpy(ev.f, v.s, sizeof(ev.f));
    }
    skip_ws(&p, end);
    if (p < end && *p != '\n' && *p != '\r') {
        if (edn_value(r, &p, end, &ev.value) < 0)
            return -1;
    } else {
        ev.value.kind = HV_NIL;
        ev.value.col = (int)(p - r->start) + 1;
    }
    /* What follows the value (an error message) is Jepsen's, not the op's. */
    return apply(r, &ev, tag);
}

/* ---- JSON Lines ---- */

static int json_string(struct reader *r, const char **p, const char *end, char *dst, size_t size)
{
    const char *open = *p;
    size_t n = 0;

    (*p)++;
    while (*p < end && **p != '"' && **p != '\n') {
        char c = **p;
        if (c == '\\' && *p + 1 < end) {
            (*p)++;
            c = **p == 'n' ? '\n' : **p == 't' ? '\t' : **p;
            if (**p == 'u') {
                c = '?';
                for (int k = 0; k < 4 && *p + 1 < end && isxdigit((unsigned char)(*p)[1]); k++)
                    (*p)++;
            }
        }
        if (n + 1 < size)
            dst[n++] = c;
        (*p)++;
    }
    dst[n] = '\0';
    if (*p >= end || **p != '"')
        return fail_at(r, open, "expected a closing \" for the string that opens here");
    (*p)++;
    return 0;
}

static int json_value(struct reader *r, const char **p, const char *end, struct hval *v)
{
    v->col = (int)(*p - r->start) + 1;
    v->n = 0;
    v->s[0] = '\0';
    if (*p >= end || **p == '\n')
        return fail_at(r, *p, "expected a JSON value");
    if (**p == '"') {
        v->kind = HV_STR;
        return json_string(r, p, end, v->s, sizeof(v->s));
    }
    if (**p == '[') {
        v->kind = HV_VEC;
        (*p)++;
        for (;;) {
            skip_ws(p, end);
            if (*p < end && **p == ']') {
                (*p)++;
                return 0;
            }
            if (*p >= end || **p == '\n')
                return fail_at(r, *p, "expected ] to close the array");
            if (**p == '"' && v->n < HR_VEC_MAX) {
                v->item_kind[v->n] = HV_STR;
                if (json_string(r, p, end, v->item[v->n], HR_TEXT_MAX) < 0)
                    return -1;
                v->n++;
            } else {
                struct hval sub;
                if (json_value(r, p, end, &sub) < 0)
                    return -1;
                v->kind = HV_OTHER;
            }
        }
    }
    if (**p == '{') {
        v->kind = HV_OTHER;
        return edn_skip(r, p, end);
    }
    {
        const char *s = *p;
        while (*p < end && !is_delim((unsigned char)**p) && **p != ':')
            (*p)++;
        if (*p == s)
            return fail_at(r, s, "expected a JSON value");
        snprintf(v->s, sizeof(v->s), "%.*s", (int)(*p - s), s);
        v->kind = strcmp(v->s, "null") == 0 ? HV_NIL : HV_ATOM;
    }
    return 0;
}

/*
 * A splitbrain trace line. Op events carry "op" (the id), "client" ("c1"),
 * and either structured fields ("f" or "kind", "key", "value" -- on a read's
 * op_end, what it read: a string, null, or an array of siblings -- and
 * "result", the outcome in Jepsen's sense: ok, fail or info; older traces
 * put the read's values in "result" or "values") or only "text" ("put x=1
 * via n1", "r1 get x -> 1"), which is read instead.
 */
/*
 * Over 120 lines on purpose: one pass over the line's fields (in any order),
 * each a short branch by name, then the op_start or op_end they make, from
 * the structured fields or else from the text; the fallbacks between the
 * forms (older traces) read best beside one another.
 */
static int read_jsonl_line(struct reader *r, const char *end)
{
    const char *p = r->p, *open;
    struct hev ev;
    char evname[32] = "", text[HR_TEXT_MAX] = "", status[32] = "", kindf[32] = "";
    char outcome[8] = "";
    struct hval result = {0};
    bool has_t = false, has_op = false, has_client = false, has_value = false, has_result = false;
    int client_col = 0;

    memset(&ev, 0, sizeof(ev));
    ev.line = r->line;
    skip_ws(&p, end);
    if (p >= end || *p != '{')
        return fail_at(r, p, "expected a JSON object, {\"t\":...,\"ev\":...}");
    open = p++;
    for (;;) {
        char key[64];
        struct hval v;
        skip_ws(&p, end);
        if (p < end && *p == '}') {
            p++;
            break;
        }
        if (p >= end || *p != '"')
            return fail_at(r, p, "expected a \"name\" or } in the JSON object");
        if (json_string(r, &p, end, key, sizeof(key)) < 0)
            return -1;
        skip_ws(&p, end);
        if (p >= end || *p != ':')
            return fail_at(r, p, "expected : after \"%s\"", key);
        p++;
        skip_ws(&p, end);
        if (json_value(r, &p, end, &v) < 0)
            return -1;
        if (strcmp(key, "ev") == 0) {
            util_strlcpy(evname, v.s, sizeof(evname));
        } else if (strcmp(key, "t") == 0) {
            if (parse_int(r, r->start + v.col - 1, v.s, &ev.time, "a time in microseconds") < 0)
                return -1;
            has_t = true;
        } else if (strcmp(key, "op") == 0) {
            int64_t id;
            if (parse_int(r, r->start + v.col - 1, v.s, &id, "an op id") < 0)
                return -1;
            ev.op_id = (uint64_t)id;
            has_op = true;
        } else if (strcmp(key, "client") == 0) {
            const char *c = v.s;
            int64_t pr;
            client_col = v.col;
            while (*c && !isdigit((unsigned char)*c))
                c++;
            if (parse_int(r, r->start + v.col - 1, c, &pr, "a client (c1, c2, ...)") < 0)
                return -1;
            ev.process = (int)pr;
            has_client = true;
        } else if (strcmp(key, "text") == 0) {
            util_strlcpy(text, v.s, sizeof(text));
        } else if (strcmp(key, "status") == 0) {
            util_strlcpy(status, v.s, sizeof(status));
        } else if (strcmp(key, "f") == 0 || strcmp(key, "kind") == 0) {
            util_strlcpy(kindf, v.s, sizeof(kindf));
        } else if (strcmp(key, "key") == 0) {
            util_strlcpy(ev.key, v.s, sizeof(ev.key));
            ev.has_key = true;
        } else if (strcmp(key, "value") == 0) {
            ev.value = v;
            has_value = true;
        } else if (strcmp(key, "result") == 0 && v.kind == HV_STR &&
                   (strcmp(v.s, "ok") == 0 || strcmp(v.s, "fail") == 0 ||
                    strcmp(v.s, "info") == 0)) {
            util_strlcpy(outcome, v.s, sizeof(outcome));
        } else if (strcmp(key, "result") == 0 || strcmp(key, "values") == 0) {
            result = v;
            has_result = true;
        }
    }
    if (strcmp(evname, "op_start") != 0 && strcmp(evname, "op_end") != 0)
        return 0;
    if (!has_t || !has_op || !has_client)
        return fail_at(r, open, "expected \"t\", \"op\" and \"client\" in an %s event", evname);
    ev.has_time = true;
    ev.process_col = client_col;
    if (strcmp(evname, "op_start") == 0) {
        ev.type = HE_INVOKE;
        if (!kindf[0] || !ev.has_key) {
            /* "put x=1 via n1", "get x", "incr c 2": the kind, then the key (and =value). */
            char *sp, *eq;
            char words[HR_TEXT_MAX];
            util_strlcpy(words, text, sizeof(words));
            sp = strchr(words, ' ');
            if (!sp)
                return fail_at(r, open, "expected an op's text like \"put x=1\" or \"get x\"");
            *sp++ = '\0';
            if (!kindf[0])
                util_strlcpy(kindf, words, sizeof(kindf));
            eq = strchr(sp, ' ');
            if (eq)
                *eq = '\0';
            eq = strchr(sp, '=');
            if (eq)
                *eq++ = '\0';
            if (!ev.has_key) {
                util_strlcpy(ev.key, sp, sizeof(ev.key));
                ev.has_key = true;
            }
            if (!has_value && eq) {
                ev.value.kind = HV_STR;
                util_strlcpy(ev.value.s, eq, sizeof(ev.value.s));
            }
        }
        util_strlcpy(ev.f, kindf, sizeof(ev.f));
        if (kind_of(ev.f) != CHECK_H_READ && kind_of(ev.f) != CHECK_H_WRITE)
            ev.value.kind = HV_NONE; /* incr, add, remove: kept as ops no model here knows */
        return apply(r, &ev, open);
    }
    /* op_end: ok, fail or timeout. A failed put may still have been applied: indeterminate. */
    if (!status[0] && outcome[0])
        util_strlcpy(status, strcmp(outcome, "info") == 0 ? "timeout" : outcome, sizeof(status));
    if (outcome[0] && has_value && !has_result) {
        /* The structured form: "value" is what a read returned. */
        result = ev.value;
        has_result = true;
    }
    if (strcmp(status, "ok") == 0)
        ev.type = HE_OK;
    else if (strcmp(status, "timeout") == 0 || strcmp(status, "fail") == 0)
        ev.type = HE_INFO;
    else
        return fail_at(r, open, "expected \"status\": \"ok\", \"fail\" or \"timeout\"");
    if (has_result) {
        ev.value = result;
        if (result.kind == HV_VEC && result.n == 1) {
            ev.value.kind = result.item_kind[0];
            util_strlcpy(ev.value.s, result.item[0], sizeof(ev.value.s));
        } else if (result.kind == HV_VEC && result.n == 0) {
            ev.value.kind = HV_NIL;
        }
    } else {
        const char *arrow = strstr(text, " -> ");
        if (arrow) {
            const char *v = arrow + 4;
            if (*v == '{')
                ev.value.kind = HV_VEC; /* siblings */
            else if (strcmp(v, "nil") == 0)
                ev.value.kind = HV_NIL;
            else
                ev.value.kind = HV_STR;
            util_strlcpy(ev.value.s, v, sizeof(ev.value.s));
        } else {
            ev.value.kind = HV_NIL;
        }
    }
    {
        /* The completion's kind is its invocation's. */
        int slot;
        char pk[32];
        snprintf(pk, sizeof(pk), "%llu", (unsigned long long)ev.op_id);
        slot = strmap_get(&r->slots, 0, pk);
        if (slot >= 0 && r->open[slot] >= 0) {
            const struct check_hop *o = check_hist_at(r->h, r->open[slot]);
            util_strlcpy(ev.f, check_hkind_name(o->kind), sizeof(ev.f));
        }
    }
    return apply(r, &ev, open);
}

/* ---- the whole text ---- */

enum histread_format histread_detect(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    enum histread_format found = HISTREAD_AUTO;
    int lines = 0;

    while (p < end && lines < 200) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *q = p;
        if (!e)
            e = end;
        lines++;
        skip_ws(&q, e);
        if (found == HISTREAD_AUTO && q + 1 < e && q[0] == '{' && q[1] == '"')
            return HISTREAD_JSONL;
        if (q < e && q[0] == '{') {
            const char *k;
            found = HISTREAD_EDN;
            for (k = q; k + 4 < e; k++) {
                if (memcmp(k, ":key", 4) == 0 && is_delim((unsigned char)k[4]))
                    return HISTREAD_PORCUPINE_KV;
            }
        } else if (found == HISTREAD_AUTO) {
            for (const char *k = q; k + 11 <= e; k++)
                if (memcmp(k, "jepsen.util", 11) == 0)
                    return HISTREAD_JEPSEN_LOG;
        }
        p = e + 1;
    }
    return found;
}

int histread_parse(const char *file, const char *text, size_t len, enum histread_format fmt,
                   struct check_hist *h, enum histread_format *used, struct histread_error *err)
{
    struct reader r;
    int rc = 0;

    memset(err, 0, sizeof(*err));
    memset(&r, 0, sizeof(r));
    r.file = file;
    r.text = text;
    r.len = len;
    r.p = text;
    r.err = err;
    r.h = h;
    r.time_mode = -1;
    if (fmt == HISTREAD_AUTO)
        fmt = histread_detect(text, len);
    if (fmt == HISTREAD_AUTO) {
        r.start = text;
        r.line = 1;
        return fail_at(&r, text,
                       "expected a history: jepsen.util log lines, EDN op maps, key-value op maps "
                       "or splitbrain JSON Lines");
    }
    r.fmt = fmt;
    *used = fmt;
    strmap_init(&r.slots);
    if (fmt == HISTREAD_JSONL)
        r.time_mode = 1;
    while (r.p < text + len && rc == 0) {
        const char *e = line_end(&r);
        r.line++;
        r.start = r.p;
        if (!blank_line(r.p, e)) {
            switch (fmt) {
            case HISTREAD_JEPSEN_LOG:
                rc = read_log_line(&r, e);
                break;
            case HISTREAD_EDN:
            case HISTREAD_PORCUPINE_KV:
                rc = read_edn_line(&r, e);
                break;
            case HISTREAD_JSONL:
                rc = read_jsonl_line(&r, e);
                break;
            case HISTREAD_AUTO:
                break;
            }
        }
        r.p = e < text + len ? e + 1 : e;
    }
    if (rc == 0 && check_hist_count(h) == 0) {
        r.start = r.p;
        rc = fail_at(&r, r.p, "expected at least one op in the history");
    }
    if (rc == 0)
        check_hist_set_unit(h, fmt == HISTREAD_JSONL ? "us" : r.time_mode == 1 ? "ns" : "");
    strmap_release(&r.slots);
    free(r.open);
    free(r.open_line);
    return rc;
}

enum check_model histread_default_model(const struct check_hist *h, enum histread_format used)
{
    bool cas = false;

    if (used == HISTREAD_PORCUPINE_KV || used == HISTREAD_JSONL)
        return CHECK_MODEL_KV;
    for (int i = 0; i < check_hist_count(h); i++) {
        const struct check_hop *o = check_hist_at(h, i);
        if (o->kind == CHECK_H_APPEND)
            return CHECK_MODEL_KV;
        if (o->kind == CHECK_H_CAS)
            cas = true;
    }
    return cas ? CHECK_MODEL_CAS_REGISTER : CHECK_MODEL_REGISTER;
}
