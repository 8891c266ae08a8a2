#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

#define NIL_VALUE "\x01nil" /* the register before any write; cannot be typed by a user */

struct lin_op {
    const struct op *op;
    bool write;
    int64_t call;
    int64_t ret; /* INT64_MAX: indeterminate */
};

/* An entry of the doubly linked list of calls and returns, ordered by time. */
struct entry {
    int op; /* index into ops */
    bool is_call;
    int64_t t;
    int match; /* index of the partner entry */
    int prev;
    int next;
};

/* The memo: (set of linearized ops, register value) pairs already explored. */
struct memo {
    uint64_t *keys; /* hash of each stored pair, 0 = empty */
    uint64_t *bits; /* copies of the bitsets, words per entry */
    int *vals;      /* value index per entry */
    size_t cap;
    size_t len;
    size_t words;
};

static uint64_t hash_state(const uint64_t *bits, size_t words, int val)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(unsigned)val;

    for (size_t i = 0; i < words; i++) {
        h ^= bits[i];
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return h ? h : 1;
}

static void memo_init(struct memo *m, size_t words)
{
    m->cap = 1024;
    m->len = 0;
    m->words = words;
    m->keys = xcalloc(m->cap, sizeof(*m->keys));
    m->bits = xcalloc(m->cap * words, sizeof(*m->bits));
    m->vals = xcalloc(m->cap, sizeof(*m->vals));
}

static void memo_release(struct memo *m)
{
    free(m->keys);
    free(m->bits);
    free(m->vals);
}

static bool memo_slot_eq(const struct memo *m, size_t s, const uint64_t *bits, int val)
{
    return m->vals[s] == val && memcmp(&m->bits[s * m->words], bits, m->words * 8) == 0;
}

static void memo_grow(struct memo *m);

/* Inserts; returns false when the pair was already there. */
static bool memo_add(struct memo *m, const uint64_t *bits, int val)
{
    uint64_t h = hash_state(bits, m->words, val);
    size_t s = (size_t)(h % m->cap);

    while (m->keys[s]) {
        if (m->keys[s] == h && memo_slot_eq(m, s, bits, val))
            return false;
        s = (s + 1) % m->cap;
    }
    m->keys[s] = h;
    memcpy(&m->bits[s * m->words], bits, m->words * 8);
    m->vals[s] = val;
    if (++m->len * 2 > m->cap)
        memo_grow(m);
    return true;
}

static void memo_grow(struct memo *m)
{
    struct memo big;

    big.cap = m->cap * 2;
    big.len = 0;
    big.words = m->words;
    big.keys = xcalloc(big.cap, sizeof(*big.keys));
    big.bits = xcalloc(big.cap * big.words, sizeof(*big.bits));
    big.vals = xcalloc(big.cap, sizeof(*big.vals));
    for (size_t s = 0; s < m->cap; s++) {
        if (!m->keys[s])
            continue;
        size_t d = (size_t)(m->keys[s] % big.cap);
        while (big.keys[d])
            d = (d + 1) % big.cap;
        big.keys[d] = m->keys[s];
        memcpy(&big.bits[d * big.words], &m->bits[s * m->words], m->words * 8);
        big.vals[d] = m->vals[s];
        big.len++;
    }
    memo_release(m);
    *m = big;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;

    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    /* At the same instant calls come first: touching intervals count as concurrent. */
    if (a->is_call != b->is_call)
        return a->is_call ? -1 : 1;
    return a->op - b->op;
}

/* Interns value strings so the register state is a small integer. */
static int intern(const char **table, int *n, const char *v)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(table[i], v) == 0)
            return i;
    table[*n] = v;
    return (*n)++;
}

static void fmt_op(const struct op *op, char *dst, size_t size)
{
    char t0[24], t1[24], vals[96];

    util_fmt_time(t0, sizeof(t0), op->invoke_us);
    if (op->status == OP_PENDING)
        util_strlcpy(t1, "...", sizeof(t1));
    else
        util_fmt_time(t1, sizeof(t1), op->complete_us);
    if (op->req.kind == OP_GET) {
        op_format_values(&op->result, vals, sizeof(vals));
        snprintf(dst, size, "%s get %s -> %s [%s..%s]", op->label, op->req.key, vals, t0, t1);
    } else {
        snprintf(dst, size, "%s put %s=%s %s [%s..%s]", op->label, op->req.key, op->req.value,
                 op_status_name(op->status), t0, t1);
    }
}

/*
 * A witness a learner can follow: the read that no order explains, the
 * writes of the value it saw, and the last write that completed before the
 * read began.
 */
static void explain(const struct lin_op *ops, int n, int culprit, char *dst, size_t size)
{
    const struct op *r = ops[culprit].op;
    const char *seen = r->result.n ? r->result.v[0] : NULL;
    const struct op *last = NULL;
    char a[160];
    bool any = false;

    fmt_op(r, a, sizeof(a));
    snprintf(dst, size, "%s", a);
    for (int i = 0; i < n; i++) {
        const struct op *w = ops[i].op;
        if (!ops[i].write)
            continue;
        if (seen && strcmp(w->req.value, seen) == 0) {
            fmt_op(w, a, sizeof(a));
            util_appendf(dst, size, "; wrote it: %s", a);
            any = true;
        }
        if (w->status == OP_OK && w->complete_us < r->invoke_us &&
            (!last || w->complete_us > last->complete_us))
            last = w;
    }
    if (seen && !any)
        util_appendf(dst, size, "; no write ever wrote %s", seen);
    if (last && (!seen || strcmp(last->req.value, seen) != 0)) {
        fmt_op(last, a, sizeof(a));
        util_appendf(dst, size, "; but %s had completed before the read began", a);
    }
}

void check_linearizable_key(const struct history *h, const char *key, long budget,
                            struct check_lin *out)
{
    size_t total = history_count(h);
    struct lin_op *ops;
    struct entry *ent;
    const char **values;
    int *stack_entry, *stack_val;
    uint64_t *bits;
    int n = 0, nvals = 0, depth = 0, best_depth = -1, culprit = -1;
    struct memo memo;
    size_t words;
    int state;

    memset(out, 0, sizeof(*out));
    util_strlcpy(out->key, key, sizeof(out->key));
    if (budget <= 0)
        budget = CHECK_DEFAULT_BUDGET;
    ops = xcalloc(total + 1, sizeof(*ops));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        if (strcmp(op->req.key, key) != 0)
            continue;
        if (op->req.kind != OP_PUT && op->req.kind != OP_GET) {
            out->verdict = CHECK_NA;
            snprintf(out->witness, sizeof(out->witness), "%s is not a register (%s ops)", key,
                     op_kind_name(op->req.kind));
            free(ops);
            return;
        }
        if (op->req.kind == OP_GET) {
            if (op->status != OP_OK)
                continue; /* an unanswered read says nothing */
            if (op->result.n > 1) {
                out->verdict = CHECK_NA;
                snprintf(out->witness, sizeof(out->witness),
                         "%s read siblings: a register has one value", op->label);
                free(ops);
                return;
            }
        }
        ops[n].op = op;
        ops[n].write = op->req.kind == OP_PUT;
        ops[n].call = op->invoke_us;
        ops[n].ret = op->status == OP_OK ? op->complete_us
                     : ops[n].write      ? INT64_MAX
                                         : op->complete_us;
        n++;
    }
    out->ops = n;
    if (n == 0) {
        out->verdict = CHECK_OK;
        free(ops);
        return;
    }
    if (n > CHECK_MAX_OPS_PER_KEY) {
        out->verdict = CHECK_UNKNOWN;
        snprintf(out->witness, sizeof(out->witness), "%d ops on %s: more than the checker searches",
                 n, key);
        free(ops);
        return;
    }
    /* Values: index 0 is nil. */
    values = xcalloc((size_t)n + 1, sizeof(*values));
    intern(values, &nvals, NIL_VALUE);
    for (int i = 0; i < n; i++)
        if (ops[i].write)
            intern(values, &nvals, ops[i].op->req.value);

    /* The list: entries 1..2n between a head sentinel 0. */
    ent = xcalloc((size_t)(2 * n + 1), sizeof(*ent));
    for (int i = 0; i < n; i++) {
        ent[1 + 2 * i] = (struct entry){i, true, ops[i].call, 0, 0, 0};
        ent[2 + 2 * i] = (struct entry){i, false, ops[i].ret, 0, 0, 0};
    }
    qsort(ent + 1, (size_t)(2 * n), sizeof(*ent), cmp_entry);
    {
        int *call_at = xmalloc((size_t)n * sizeof(int));
        for (int k = 1; k <= 2 * n; k++) {
            ent[k].prev = k - 1;
            ent[k].next = k < 2 * n ? k + 1 : -1;
            if (ent[k].is_call)
                call_at[ent[k].op] = k;
        }
        for (int k = 1; k <= 2 * n; k++) {
            if (!ent[k].is_call) {
                ent[k].match = call_at[ent[k].op];
                ent[call_at[ent[k].op]].match = k;
            }
        }
        free(call_at);
    }
    ent[0].next = 1;
    ent[0].prev = -1;

    words = ((size_t)n + 63) / 64;
    bits = xcalloc(words, sizeof(*bits));
    stack_entry = xmalloc((size_t)n * sizeof(int));
    stack_val = xmalloc((size_t)n * sizeof(int));
    memo_init(&memo, words);
    state = 0;
    out->verdict = CHECK_OK;

    for (int e = ent[0].next; ent[0].next != -1;) {
        if (++out->steps > budget) {
            out->verdict = CHECK_UNKNOWN;
            snprintf(out->witness, sizeof(out->witness),
                     "search budget of %ld steps exhausted on %s (%d ops)", budget, key, n);
            break;
        }
        if (e != -1 && ent[e].is_call) {
            const struct lin_op *o = &ops[ent[e].op];
            int next_state = state;
            bool legal;
            if (o->write) {
                next_state = intern(values, &nvals, o->op->req.value);
                legal = true;
            } else {
                const char *v = o->op->result.n ? o->op->result.v[0] : NIL_VALUE;
                legal = strcmp(values[state], v) == 0;
            }
            if (legal) {
                bits[ent[e].op / 64] |= 1ULL << (ent[e].op % 64);
                if (memo_add(&memo, bits, next_state)) {
                    int m = ent[e].match;
                    stack_entry[depth] = e;
                    stack_val[depth] = state;
                    depth++;
                    state = next_state;
                    /* Lift the call and its return out of the list. */
                    ent[ent[e].prev].next = ent[e].next;
                    if (ent[e].next != -1)
                        ent[ent[e].next].prev = ent[e].prev;
                    ent[ent[m].prev].next = ent[m].next;
                    if (ent[m].next != -1)
                        ent[ent[m].next].prev = ent[m].prev;
                    e = ent[0].next;
                    continue;
                }
                bits[ent[e].op / 64] &= ~(1ULL << (ent[e].op % 64));
            }
            e = ent[e].next;
            continue;
        }
        /* A return (or the end): the op it closes could not be placed in time. Backtrack. */
        if (depth > best_depth && e != -1) {
            best_depth = depth;
            culprit = ent[e].op;
        }
        bool exhausted = false;
        for (;;) {
            int c, m;
            if (depth == 0) {
                exhausted = true;
                break;
            }
            depth--;
            c = stack_entry[depth];
            m = ent[c].match;
            state = stack_val[depth];
            bits[ent[c].op / 64] &= ~(1ULL << (ent[c].op % 64));
            /* Unlift in reverse order: the return, then the call. */
            ent[ent[m].prev].next = m;
            if (ent[m].next != -1)
                ent[ent[m].next].prev = m;
            ent[ent[c].prev].next = c;
            if (ent[c].next != -1)
                ent[ent[c].next].prev = c;
            e = ent[c].next;
            /*
             * A read changes nothing, so when it was legal where it stood, placing it there
             * first loses no linearization: if that failed, this whole level fails. Keep
             * backtracking instead of trying the other candidates (a large prune).
             */
            if (ops[ent[c].op].write)
                break;
        }
        if (exhausted) {
            out->verdict = CHECK_VIOLATED;
            break;
        }
    }
    if (out->verdict == CHECK_VIOLATED && culprit >= 0) {
        /* The op whose return blocked the deepest attempt; name the read if it is one. */
        out->culprit = ops[culprit].op->id;
        if (!ops[culprit].write) {
            explain(ops, n, culprit, out->witness, sizeof(out->witness));
        } else {
            char a[160];
            fmt_op(ops[culprit].op, a, sizeof(a));
            snprintf(out->witness, sizeof(out->witness),
                     "no order of the ops on %s explains what the reads saw around %s", key, a);
        }
    }
    memo_release(&memo);
    free(stack_entry);
    free(stack_val);
    free(bits);
    free(ent);
    free(values);
    free(ops);
}

static int severity(enum check_verdict v)
{
    switch (v) {
    case CHECK_NA:
        return 0;
    case CHECK_OK:
        return 1;
    case CHECK_UNKNOWN:
        return 2;
    case CHECK_VIOLATED:
        return 3;
    }
    return 0;
}

enum check_verdict check_linearizable(const struct history *h, long budget, struct check_lin *first)
{
    size_t total = history_count(h);
    enum check_verdict worst = CHECK_NA;
    struct check_lin r;

    memset(first, 0, sizeof(*first));
    first->verdict = CHECK_NA;
    for (uint64_t id = 1; id <= total; id++) {
        const char *key = history_at(h, id)->req.key;
        bool seen = false;
        /* Each key once: skip keys an earlier op already had. */
        for (uint64_t j = 1; j < id && !seen; j++)
            seen = strcmp(history_at(h, j)->req.key, key) == 0;
        if (seen)
            continue;
        check_linearizable_key(h, key, budget, &r);
        if (severity(r.verdict) > severity(worst)) {
            worst = r.verdict;
            *first = r;
        }
    }
    return worst;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t pct(const int64_t *v, int n, int p)
{
    int i;

    if (n == 0)
        return 0;
    i = (n * p + 99) / 100 - 1;
    if (i < 0)
        i = 0;
    return v[i];
}

void check_availability(const struct history *h, struct check_avail *out)
{
    size_t total = history_count(h);
    int64_t *lat = xmalloc((total + 1) * sizeof(*lat));
    int n = 0;

    memset(out, 0, sizeof(*out));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        out->ops++;
        switch (op->status) {
        case OP_OK:
            out->ok++;
            lat[n++] = op->complete_us - op->invoke_us;
            break;
        case OP_FAIL:
            out->failed++;
            break;
        case OP_TIMEOUT:
            out->timed_out++;
            break;
        case OP_PENDING:
            out->pending++;
            break;
        }
    }
    qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
    out->p50_us = pct(lat, n, 50);
    out->p95_us = pct(lat, n, 95);
    out->p99_us = pct(lat, n, 99);
    out->max_us = n ? lat[n - 1] : 0;
    free(lat);
}

const char *check_verdict_name(enum check_verdict v)
{
    switch (v) {
    case CHECK_OK:
        return "ok";
    case CHECK_VIOLATED:
        return "violated";
    case CHECK_UNKNOWN:
        return "unknown";
    case CHECK_NA:
        return "n/a";
    }
    return "?";
}

static bool held_anywhere(const struct engine *e, const char *key, const char *value)
{
    struct op_values v;
    struct engine_node info;

    for (int i = 0; i < engine_nodes(e); i++) {
        engine_node(e, i, &info);
        if (info.state == NODE_CRASHED)
            continue;
        engine_read_local(e, i, key, &v);
        for (int k = 0; k < v.n; k++)
            if (strcmp(v.v[k], value) == 0)
                return true;
    }
    return false;
}

void check_lost_writes(const struct engine *e, struct check_lost *out)
{
    const struct history *h = engine_history(e);
    size_t total = history_count(h);

    memset(out, 0, sizeof(*out));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *w = history_at(h, id);
        bool superseded = false;

        if (w->req.kind != OP_PUT || w->status != OP_OK)
            continue;
        for (uint64_t j = 1; j <= total && !superseded; j++) {
            const struct op *later = history_at(h, j);
            /* Any later write to the key may legitimately replace it, even one that failed:
             * a failed write may still have taken effect. */
            superseded = j != id && later->req.kind == OP_PUT &&
                         strcmp(later->req.key, w->req.key) == 0 &&
                         later->invoke_us >= w->invoke_us;
        }
        if (superseded || held_anywhere(e, w->req.key, w->req.value))
            continue;
        if (out->lost++ == 0) {
            char t[24];
            out->first = w->id;
            util_fmt_time(t, sizeof(t), w->complete_us);
            snprintf(out->witness, sizeof(out->witness),
                     "%s put %s=%s was acknowledged at %s, but no live replica holds it", w->label,
                     w->req.key, w->req.value, t);
        }
    }
}
