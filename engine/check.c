#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "strmap.h"
#include "util.h"

#define NIL_VALUE "\x01nil" /* the register before any write; cannot be typed by a user */

struct lin_op {
    const struct op *op;
    bool write;
    int val; /* a write: the value it writes; a read: the value it must see (-2: never written) */
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

/*
 * The memo: (set of linearized ops, register value) pairs already explored.
 * The set's hash is kept incrementally (Zobrist: the XOR of a fixed random
 * word per op in the set), so a step costs O(1) to hash. The set itself is
 * stored in full but compactly: every word of the bitset below `lo` is all
 * ones and every word above `hi` is zero (the search linearizes ops roughly
 * in call order), so an entry keeps lo and the words lo..hi only — a word or
 * two, where the whole bitset of a long history is hundreds. Two sets are
 * equal exactly when their lo, hi and those words are.
 */
struct memo_ent {
    uint64_t hash; /* 0 = empty */
    size_t off;    /* the words, in the arena */
    int lo;
    int nw;
    int val;
};

struct memo {
    struct memo_ent *ent;
    size_t cap; /* a power of two */
    size_t len;
    uint64_t *arena;
    size_t arena_len;
    size_t arena_cap;
};

/* The bitset being searched, with its bounds kept as bits change. */
struct lset {
    uint64_t *bits;
    int words;
    int lo; /* the first word that is not all ones */
    int hi; /* the last word that is not zero, or lo - 1 */
};

static void lset_set(struct lset *l, int op)
{
    int w = op / 64;

    l->bits[w] |= 1ULL << (op % 64);
    if (w > l->hi)
        l->hi = w;
    while (l->lo < l->words && l->bits[l->lo] == ~0ULL)
        l->lo++;
    if (l->hi < l->lo - 1)
        l->hi = l->lo - 1;
}

static void lset_clear(struct lset *l, int op)
{
    int w = op / 64;

    l->bits[w] &= ~(1ULL << (op % 64));
    if (w < l->lo)
        l->lo = w;
    while (l->hi >= l->lo && l->bits[l->hi] == 0)
        l->hi--;
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t zobrist(int op)
{
    return mix64((uint64_t)(unsigned)op * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
}

static uint64_t hash_state(uint64_t zh, int val)
{
    uint64_t h = mix64(zh ^ ((uint64_t)(unsigned)val * 0xd1342543de82ef95ULL));

    return h ? h : 1;
}

static void memo_init(struct memo *m)
{
    memset(m, 0, sizeof(*m));
    m->cap = 1024;
    m->ent = xcalloc(m->cap, sizeof(*m->ent));
}

static void memo_release(struct memo *m)
{
    free(m->ent);
    free(m->arena);
}

static void memo_grow(struct memo *m)
{
    size_t cap = m->cap * 2;
    struct memo_ent *ent = xcalloc(cap, sizeof(*ent));

    for (size_t s = 0; s < m->cap; s++) {
        size_t d;
        if (!m->ent[s].hash)
            continue;
        d = (size_t)m->ent[s].hash & (cap - 1);
        while (ent[d].hash)
            d = (d + 1) & (cap - 1);
        ent[d] = m->ent[s];
    }
    free(m->ent);
    m->ent = ent;
    m->cap = cap;
}

/* The bytes the memo holds now. */
static size_t memo_bytes(const struct memo *m)
{
    return m->cap * sizeof(*m->ent) + m->arena_cap * sizeof(*m->arena);
}

/* Inserts; returns false when the pair was already there. */
static bool memo_add(struct memo *m, const struct lset *l, uint64_t zh, int val)
{
    uint64_t h = hash_state(zh, val);
    size_t s = (size_t)h & (m->cap - 1);
    int nw = l->hi - l->lo + 1;
    const uint64_t *seg = l->bits + l->lo;

    for (; m->ent[s].hash; s = (s + 1) & (m->cap - 1)) {
        const struct memo_ent *e = &m->ent[s];
        if (e->hash == h && e->val == val && e->lo == l->lo && e->nw == nw &&
            memcmp(m->arena + e->off, seg, (size_t)nw * sizeof(*seg)) == 0)
            return false;
    }
    if (m->arena_len + (size_t)nw > m->arena_cap) {
        m->arena_cap = (m->arena_cap ? m->arena_cap * 2 : 4096) + (size_t)nw;
        m->arena = xrealloc(m->arena, m->arena_cap * sizeof(*m->arena));
    }
    memcpy(m->arena + m->arena_len, seg, (size_t)nw * sizeof(*seg));
    m->ent[s] = (struct memo_ent){h, m->arena_len, l->lo, nw, val};
    m->arena_len += (size_t)nw;
    if (++m->len * 2 > m->cap)
        memo_grow(m);
    return true;
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

/*
 * Gathers the ops of one key (given in id order) into ops, with each op's
 * value interned once, so the search compares integers. Returns the count, or
 * -1 with out filled when the key is not a register.
 */
static int lin_gather(const struct op *const *key_ops, int m, const char *key, struct lin_op *ops,
                      struct strmap *values, struct check_lin *out)
{
    int n = 0, nvals = 0;

    for (int i = 0; i < m; i++) {
        const struct op *op = key_ops[i];
        if (op->req.kind != OP_PUT && op->req.kind != OP_GET) {
            out->verdict = CHECK_NA;
            snprintf(out->witness, sizeof(out->witness), "%s is not a register (%s ops)", key,
                     op_kind_name(op->req.kind));
            return -1;
        }
        if (op->req.kind == OP_GET) {
            if (op->status != OP_OK)
                continue; /* an unanswered read says nothing */
            if (op->result.n > 1) {
                out->verdict = CHECK_NA;
                snprintf(out->witness, sizeof(out->witness),
                         "%s read siblings: a register has one value", op->label);
                return -1;
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
    /*
     * A write that may or may not have taken effect, whose value no read ever
     * returned, changes nothing any read saw: placing it at the very end is always
     * possible, so it can be left out. This keeps histories full of timeouts
     * searchable (each such write would otherwise be concurrent with everything after it).
     * The values reads returned go in the map first (tag 1), so the test is one lookup.
     */
    strmap_clear(values);
    for (int i = 0; i < n; i++)
        if (!ops[i].write && ops[i].op->result.n == 1)
            strmap_put(values, 1, ops[i].op->result.v[0], 0);
    {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (ops[i].write && ops[i].ret == INT64_MAX &&
                strmap_get(values, 1, ops[i].op->req.value) < 0)
                continue;
            ops[k++] = ops[i];
        }
        n = k;
    }
    /* Values (tag 0): index 0 is nil, then each written value in order. */
    strmap_put(values, 0, NIL_VALUE, nvals++);
    for (int i = 0; i < n; i++) {
        if (ops[i].write) {
            ops[i].val = strmap_put(values, 0, ops[i].op->req.value, nvals);
            if (ops[i].val == nvals)
                nvals++;
        }
    }
    for (int i = 0; i < n; i++) {
        if (!ops[i].write) {
            int v = ops[i].op->result.n ? strmap_get(values, 0, ops[i].op->result.v[0]) : 0;
            ops[i].val = v >= 0 ? v : -2; /* a value nobody wrote matches no state */
        }
    }
    return n;
}

/*
 * The search over one key's ops, gathered by lin_gather. out->key is set.
 * Wing & Gong with Lowe's memoization: a doubly linked list of calls and
 * returns in time order; lift a call whose op can go next (a write always,
 * a read when the register holds its value) unless the memo saw that
 * (set, value) already; at a return whose op was not placed, backtrack.
 */
static void lin_search(struct lin_op *ops, int n, long budget, struct check_lin *out)
{
    const char *key = out->key;
    struct entry *ent;
    int *stack_entry, *stack_val;
    struct lset set;
    uint64_t zh = 0;
    int depth = 0, best_depth = -1, culprit = -1;
    struct memo memo;
    size_t words;
    int state;

    out->ops = n;
    if (n == 0) {
        out->verdict = CHECK_OK;
        return;
    }
    if (n > CHECK_MAX_OPS_PER_KEY) {
        out->verdict = CHECK_UNKNOWN;
        snprintf(out->witness, sizeof(out->witness), "%d ops on %s: more than the checker searches",
                 n, key);
        return;
    }
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
    set.bits = xcalloc(words, sizeof(*set.bits));
    set.words = (int)words;
    set.lo = 0;
    set.hi = -1;
    stack_entry = xmalloc((size_t)n * sizeof(int));
    stack_val = xmalloc((size_t)n * sizeof(int));
    memo_init(&memo);
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
            int next_state = o->write ? o->val : state;
            if (o->write || o->val == state) {
                int op = ent[e].op;
                lset_set(&set, op);
                zh ^= zobrist(op);
                if (memo_bytes(&memo) > CHECK_MEMO_MAX_BYTES) {
                    out->verdict = CHECK_UNKNOWN;
                    snprintf(out->witness, sizeof(out->witness),
                             "search memory of %d MB exhausted on %s (%d ops)",
                             (int)(CHECK_MEMO_MAX_BYTES >> 20), key, n);
                    break;
                }
                if (memo_add(&memo, &set, zh, next_state)) {
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
                lset_clear(&set, op);
                zh ^= zobrist(op);
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
            lset_clear(&set, ent[c].op);
            zh ^= zobrist(ent[c].op);
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
    free(set.bits);
    free(ent);
}

static void lin_key(const struct op *const *key_ops, int m, const char *key, long budget,
                    struct lin_op *scratch, struct strmap *values, struct check_lin *out)
{
    int n;

    memset(out, 0, sizeof(*out));
    util_strlcpy(out->key, key, sizeof(out->key));
    if (budget <= 0)
        budget = CHECK_DEFAULT_BUDGET;
    n = lin_gather(key_ops, m, key, scratch, values, out);
    if (n >= 0)
        lin_search(scratch, n, budget, out);
}

void check_linearizable_key(const struct history *h, const char *key, long budget,
                            struct check_lin *out)
{
    size_t total = history_count(h);
    const struct op **key_ops = xmalloc((total + 1) * sizeof(*key_ops));
    struct lin_op *scratch = xmalloc((total + 1) * sizeof(*scratch));
    struct strmap values;
    int m = 0;

    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        if (strcmp(op->req.key, key) == 0)
            key_ops[m++] = op;
    }
    strmap_init(&values);
    lin_key(key_ops, m, key, budget, scratch, &values, out);
    strmap_release(&values);
    free(scratch);
    free(key_ops);
}

/*
 * Each op's key as a small integer (0, 1, ... in order of first appearance)
 * in kid[], and the op ids grouped by key in *by_key (a key's ops in id
 * order, starting at (*start)[k]). Returns the number of keys.
 */
static int index_keys(const struct history *h, struct strmap *keys, int *kid, int **start,
                      const struct op ***by_key)
{
    size_t total = history_count(h);
    int n_keys = 0;
    int *fill;

    for (uint64_t id = 1; id <= total; id++) {
        kid[id - 1] = strmap_put(keys, 0, history_at(h, id)->req.key, n_keys);
        if (kid[id - 1] == n_keys)
            n_keys++;
    }
    *start = xcalloc((size_t)n_keys + 1, sizeof(int));
    for (size_t i = 0; i < total; i++)
        (*start)[kid[i] + 1]++;
    for (int k = 0; k < n_keys; k++)
        (*start)[k + 1] += (*start)[k];
    fill = xmalloc(((size_t)n_keys + 1) * sizeof(int));
    memcpy(fill, *start, ((size_t)n_keys + 1) * sizeof(int));
    *by_key = xmalloc((total + 1) * sizeof(**by_key));
    for (uint64_t id = 1; id <= total; id++)
        (*by_key)[fill[kid[id - 1]]++] = history_at(h, id);
    free(fill);
    return n_keys;
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
    struct strmap keys, values;
    int *kid = xmalloc((total + 1) * sizeof(int)), *start;
    const struct op **by_key;
    struct lin_op *scratch = xmalloc((total + 1) * sizeof(*scratch));
    int n_keys;

    memset(first, 0, sizeof(*first));
    first->verdict = CHECK_NA;
    strmap_init(&keys);
    strmap_init(&values);
    n_keys = index_keys(h, &keys, kid, &start, &by_key);
    /* Each key once, in the order the history first touched it. */
    for (int k = 0; k < n_keys; k++) {
        const struct op *const *ops = by_key + start[k];
        lin_key(ops, start[k + 1] - start[k], ops[0]->req.key, budget, scratch, &values, &r);
        if (severity(r.verdict) > severity(worst)) {
            worst = r.verdict;
            *first = r;
        }
    }
    strmap_release(&values);
    strmap_release(&keys);
    free(scratch);
    free(by_key);
    free(start);
    free(kid);
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

/*
 * Every key=value some live replica holds, for the keys of the history: in
 * what a local read returns, in its log (an overwritten entry is still
 * there), or among its versions. Built once, so each write is one lookup.
 * The map's tag is the key's index in keys.
 */
static void held_values(const struct engine *e, const struct strmap *keys, int n_keys,
                        const char *const *key_names, struct strmap *held)
{
    struct op_values v;
    struct engine_node info;

    for (int i = 0; i < engine_nodes(e); i++) {
        const struct store *s = engine_store(e, i);
        engine_node(e, i, &info);
        if (info.state == NODE_CRASHED)
            continue;
        for (int k = 0; k < n_keys; k++) {
            const struct store_item *it = store_kv_get(s, key_names[k]);
            engine_read_local(e, i, key_names[k], &v);
            for (int j = 0; j < v.n; j++)
                strmap_put(held, k, v.v[j], 1);
            for (int j = 0; it && j < it->n; j++)
                if (!it->v[j].tombstone)
                    strmap_put(held, k, it->v[j].value, 1);
        }
        for (int64_t o = 0; o < store_log_end(s); o++) {
            const struct store_entry *en = store_log_at(s, o);
            int k = strmap_get(keys, 0, en->key);
            if (k >= 0)
                strmap_put(held, k, en->value, 1);
        }
    }
}

/*
 * The cause, where the trace shows it: what befell the node that acknowledged
 * the write afterwards (a crash, a wipe, a pause), which logs were cut back,
 * who led next, or that a model threw the value away.
 */
static void explain_loss(const struct check_recorder *rec, const struct op *w, bool thrown,
                         char *dst, size_t size)
{
    int said = 0;
    char t[24];

    if (!rec)
        return;
    if (thrown) {
        util_appendf(dst, size, ": a replica threw it away for a concurrent write");
        return;
    }
    for (int i = 0; i < rec->n_moments && said < 4; i++) {
        const struct check_moment *m = &rec->moments[i];
        if (m->t_us < w->complete_us - 1000)
            continue;
        util_fmt_time(t, sizeof(t), m->t_us);
        if (strcmp(m->what, "unclean") == 0) {
            util_appendf(dst, size, "%s n%d won an unclean election at %s, allowed by unclean=on",
                         said++ ? ";" : ":", m->node + 1, t);
        } else if (strcmp(m->what, "truncate") == 0) {
            util_appendf(dst, size, "%s n%d cut %lld entries from offset %lld at %s",
                         said++ ? ";" : ":", m->node + 1, (long long)m->b, (long long)m->a, t);
        } else if (m->node == w->node) {
            util_appendf(dst, size, "%s n%d %s at %s", said++ ? ";" : ":", m->node + 1,
                         strcmp(m->what, "kill") == 0   ? "crashed"
                         : strcmp(m->what, "wipe") == 0 ? "was wiped"
                                                        : "paused",
                         t);
        }
    }
    for (int i = 0; i < rec->n_leads && said < 5; i++) {
        const struct check_lead *l = &rec->leads[i];
        if (l->from_us <= w->complete_us || l->node == w->node)
            continue;
        util_fmt_time(t, sizeof(t), l->from_us);
        util_appendf(dst, size, "%s n%d led epoch %lld from %s", said++ ? ";" : ":", l->node + 1,
                     (long long)l->epoch, t);
        break;
    }
}

static int cmp_i64_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x > y ? -1 : x < y;
}

/*
 * In O(n log n): per key, the count of puts that did not complete ok, the
 * completions of the ok ones (sorted) and the latest invocation, so "could a
 * later or concurrent put have superseded this one" is a count and a binary
 * search; what live replicas hold and what the models discarded are hash
 * sets built once.
 */
void check_lost_writes(const struct engine *e, const struct check_recorder *rec,
                       struct check_lost *out)
{
    const struct history *h = engine_history(e);
    size_t total = history_count(h);
    bool log_model = false;
    struct strmap keys, held, thrown_set;
    int n_keys = 0, *kid = xmalloc((total + 1) * sizeof(int)), *not_ok, *ok_start, *fill;
    int64_t *max_invoke, *ok_done = xmalloc((total + 1) * sizeof(int64_t));
    const char **key_names = xmalloc((total + 1) * sizeof(*key_names));

    memset(out, 0, sizeof(*out));
    /* In a replicated log an acknowledged write keeps its entry whatever comes after it, so
     * nothing excuses its absence; in a key-value store a later write replaces it. */
    for (int i = 0; i < engine_nodes(e); i++)
        if (store_log_end(engine_store(e, i)) > 0)
            log_model = true;
    strmap_init(&keys);
    strmap_init(&held);
    strmap_init(&thrown_set);
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        kid[id - 1] = strmap_put(&keys, 0, op->req.key, n_keys);
        if (kid[id - 1] == n_keys)
            key_names[n_keys++] = op->req.key;
    }
    not_ok = xcalloc((size_t)n_keys + 1, sizeof(int));
    ok_start = xcalloc((size_t)n_keys + 1, sizeof(int));
    max_invoke = xmalloc(((size_t)n_keys + 1) * sizeof(int64_t));
    for (int k = 0; k < n_keys; k++)
        max_invoke[k] = INT64_MIN;
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        int k = kid[id - 1];
        if (op->req.kind != OP_PUT)
            continue;
        if (op->invoke_us > max_invoke[k])
            max_invoke[k] = op->invoke_us;
        if (op->status == OP_OK)
            ok_start[k + 1]++;
        else
            not_ok[k]++;
    }
    for (int k = 0; k < n_keys; k++)
        ok_start[k + 1] += ok_start[k];
    fill = xmalloc(((size_t)n_keys + 1) * sizeof(int));
    memcpy(fill, ok_start, ((size_t)n_keys + 1) * sizeof(int));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        if (op->req.kind == OP_PUT && op->status == OP_OK)
            ok_done[fill[kid[id - 1]]++] = op->complete_us;
    }
    for (int k = 0; k < n_keys; k++)
        qsort(ok_done + ok_start[k], (size_t)(ok_start[k + 1] - ok_start[k]), sizeof(int64_t),
              cmp_i64_desc);
    held_values(e, &keys, n_keys, key_names, &held);
    for (int i = 0; rec && i < rec->n_discards; i++)
        strmap_put(&thrown_set, 0, rec->discards[i], 1);

    for (uint64_t id = 1; id <= total; id++) {
        const struct op *w = history_at(h, id);
        bool superseded = false, thrown = false;
        int k = kid[id - 1];

        if (w->req.kind != OP_PUT || w->status != OP_OK)
            continue;
        if (rec) {
            char kv[CHECK_DISCARD_MAX];
            snprintf(kv, sizeof(kv), "%s=%s", w->req.key, w->req.value);
            thrown = strmap_get(&thrown_set, 0, kv) >= 0;
        }
        if (!log_model) {
            /*
             * A write that began after this one was acknowledged may legitimately replace
             * it, even one that failed (it may still have taken effect). A concurrent one
             * may too — its replica may have seen this write first — unless the model
             * reported throwing this write away unseen: the loser of two concurrent writes
             * under last-write-wins is lost. An ok put that completed before this one
             * began never supersedes it.
             */
            if (thrown) {
                superseded = max_invoke[k] > w->complete_us;
            } else {
                /* The ok puts on the key that completed at or after w's invocation, w too. */
                int lo = ok_start[k], hi = ok_start[k + 1];
                while (lo < hi) {
                    int mid = lo + (hi - lo) / 2;
                    if (ok_done[mid] >= w->invoke_us)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                superseded =
                    not_ok[k] > 0 || lo - ok_start[k] - (w->complete_us >= w->invoke_us) > 0;
            }
        }
        if (superseded || strmap_get(&held, k, w->req.value) >= 0)
            continue;
        if (out->lost++ == 0) {
            char t[24];
            out->first = w->id;
            util_fmt_time(t, sizeof(t), w->complete_us);
            snprintf(out->witness, sizeof(out->witness),
                     "%s put %s=%s was acknowledged by n%d at %s%s%s%s, but no live replica holds "
                     "it",
                     w->label, w->req.key, w->req.value, w->node + 1, t, w->detail[0] ? " (" : "",
                     w->detail, w->detail[0] ? ")" : "");
            explain_loss(rec, w, thrown, out->witness, sizeof(out->witness));
        }
    }
    strmap_release(&thrown_set);
    strmap_release(&held);
    strmap_release(&keys);
    free(fill);
    free(max_invoke);
    free(ok_start);
    free(not_ok);
    free(ok_done);
    free(key_names);
    free(kid);
}

/* ---- the recorder ---- */

static void record_lead(struct check_recorder *r, int node, int64_t epoch, int64_t t)
{
    if (r->n_leads >= CHECK_MAX_ROLES) {
        r->dropped = true;
        return;
    }
    if (r->n_leads == r->cap_leads) {
        r->cap_leads = r->cap_leads ? r->cap_leads * 2 : 32;
        r->leads = xrealloc(r->leads, (size_t)r->cap_leads * sizeof(*r->leads));
    }
    r->leads[r->n_leads++] = (struct check_lead){node, epoch, t, INT64_MAX};
}

static void end_lead(struct check_recorder *r, int node, int64_t t)
{
    for (int i = r->n_leads - 1; i >= 0; i--) {
        if (r->leads[i].node == node && r->leads[i].to_us == INT64_MAX) {
            r->leads[i].to_us = t;
            return;
        }
    }
}

static void record_suspicion(struct check_recorder *r, const struct trace_event *ev)
{
    struct check_suspicion *s;

    if (ev->peer < 0 || ev->peer >= CLOCK_MAX_NODES)
        return;
    if (r->n_susp >= CHECK_MAX_SUSPICIONS) {
        r->dropped = true;
        return;
    }
    if (r->n_susp == r->cap_susp) {
        r->cap_susp = r->cap_susp ? r->cap_susp * 2 : 32;
        r->susp = xrealloc(r->susp, (size_t)r->cap_susp * sizeof(*r->susp));
    }
    s = &r->susp[r->n_susp++];
    s->t_us = ev->t_us;
    s->node = ev->node;
    s->suspect = ev->peer;
    s->true_positive = r->crashed_at[ev->peer] >= 0;
    s->delay_us = s->true_positive ? ev->t_us - r->crashed_at[ev->peer] : 0;
}

static void record_discard(struct check_recorder *r, const struct trace_event *ev)
{
    const char *colon = strstr(ev->text, ": ");
    size_t len = colon ? (size_t)(colon - ev->text) : strlen(ev->text);
    char kv[CHECK_DISCARD_MAX];

    if (len >= sizeof(kv))
        len = sizeof(kv) - 1;
    memcpy(kv, ev->text, len);
    kv[len] = '\0';
    for (int i = 0; i < r->n_discards; i++)
        if (strcmp(r->discards[i], kv) == 0)
            return;
    if (r->n_discards >= CHECK_MAX_DISCARDS) {
        r->dropped = true;
        return;
    }
    if (r->n_discards == r->cap_discards) {
        r->cap_discards = r->cap_discards ? r->cap_discards * 2 : 16;
        r->discards = xrealloc(r->discards, (size_t)r->cap_discards * sizeof(*r->discards));
    }
    util_strlcpy(r->discards[r->n_discards++], kv, sizeof(r->discards[0]));
}

static void record_moment(struct check_recorder *r, const struct trace_event *ev, const char *what)
{
    struct check_moment *m;

    if (r->n_moments >= CHECK_MAX_MOMENTS) {
        r->dropped = true;
        return;
    }
    if (r->n_moments == r->cap_moments) {
        r->cap_moments = r->cap_moments ? r->cap_moments * 2 : 32;
        r->moments = xrealloc(r->moments, (size_t)r->cap_moments * sizeof(*r->moments));
    }
    m = &r->moments[r->n_moments++];
    m->t_us = ev->t_us;
    m->node = ev->node;
    util_strlcpy(m->what, what, sizeof(m->what));
    m->a = ev->a;
    m->b = ev->b;
}

static void recorder_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct check_recorder *r =
        (struct check_recorder *)(void *)((char *)self - offsetof(struct check_recorder, obs));
    bool node_ok = ev->node >= 0 && ev->node < CLOCK_MAX_NODES;

    switch (ev->kind) {
    case TRACE_ROLE:
        if (!node_ok)
            break;
        end_lead(r, ev->node, ev->t_us);
        if (strcmp(ev->name, "leader") == 0)
            record_lead(r, ev->node, ev->a, ev->t_us);
        break;
    case TRACE_FAULT:
        r->last_fault_us = ev->t_us;
        if (!node_ok)
            break;
        if (strcmp(ev->name, "kill") == 0) {
            end_lead(r, ev->node, ev->t_us);
            r->crashed_at[ev->node] = ev->t_us;
        } else if (strcmp(ev->name, "restart") == 0 || strcmp(ev->name, "wipe") == 0) {
            r->crashed_at[ev->node] = -1;
        }
        if (strcmp(ev->name, "kill") == 0 || strcmp(ev->name, "wipe") == 0 ||
            strcmp(ev->name, "pause") == 0)
            record_moment(r, ev, ev->name);
        break;
    case TRACE_SUSPECT:
        record_suspicion(r, ev);
        break;
    case TRACE_CONFLICT:
        if (strcmp(ev->name, "discard") == 0)
            record_discard(r, ev);
        r->last_change_us = ev->t_us;
        break;
    case TRACE_TRUNCATE:
        if (node_ok)
            record_moment(r, ev, "truncate");
        r->last_change_us = ev->t_us;
        break;
    case TRACE_DELIVER:
    case TRACE_APPEND:
    case TRACE_COMMIT:
    case TRACE_REPAIR:
    case TRACE_HINT:
        r->last_change_us = ev->t_us;
        break;
    case TRACE_NOTE:
        /* A model's election that let a replica without the committed log lead. */
        if (node_ok && strcmp(ev->name, "unclean") == 0)
            record_moment(r, ev, "unclean");
        break;
    case TRACE_SEND:
    case TRACE_DROP:
    case TRACE_DUP:
    case TRACE_TIMER:
    case TRACE_OP_START:
    case TRACE_OP_END:
    case TRACE_SET:
    case TRACE_CLOCK:
        break;
    }
}

void check_recorder_init(struct check_recorder *r)
{
    memset(r, 0, sizeof(*r));
    r->obs.fn = recorder_event;
    /* It reads names and numbers (a note's too: an unclean election is one), and the text of a
     * discard only. */
    r->obs.skip_kinds = TRACE_BIT(TRACE_SEND) | TRACE_BIT(TRACE_DROP) | TRACE_BIT(TRACE_DUP) |
                        TRACE_BIT(TRACE_TIMER) | TRACE_BIT(TRACE_OP_START) |
                        TRACE_BIT(TRACE_OP_END) | TRACE_BIT(TRACE_SET) | TRACE_BIT(TRACE_CLOCK);
    r->obs.skip_text = ~TRACE_BIT(TRACE_CONFLICT);
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        r->crashed_at[i] = -1;
}

void check_recorder_release(struct check_recorder *r)
{
    free(r->leads);
    free(r->susp);
    free(r->discards);
    free(r->moments);
    r->moments = NULL;
    r->n_moments = r->cap_moments = 0;
    r->leads = NULL;
    r->susp = NULL;
    r->discards = NULL;
    r->n_discards = r->cap_discards = 0;
    r->n_leads = r->n_susp = r->cap_leads = r->cap_susp = 0;
}

/* ---- split brain ---- */

/* An ok write that node acknowledged while [from, to) overlapped the op. */
static const struct op *acked_during(const struct history *h, int node, int64_t from, int64_t to)
{
    size_t total = history_count(h);

    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        if (op->req.kind == OP_GET || op->status != OP_OK || op->node != node)
            continue;
        if (op->complete_us >= from && op->invoke_us < to)
            return op;
    }
    return NULL;
}

void check_split_brain(const struct check_recorder *r, const struct history *h,
                       struct check_split *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < r->n_leads; i++) {
        for (int j = i + 1; j < r->n_leads; j++) {
            const struct check_lead *a = &r->leads[i], *b = &r->leads[j];
            int64_t from = a->from_us > b->from_us ? a->from_us : b->from_us;
            int64_t to = a->to_us < b->to_us ? a->to_us : b->to_us;
            const struct op *wa, *wb;
            if (a->node == b->node || from >= to)
                continue;
            wa = acked_during(h, a->node, from, to);
            wb = acked_during(h, b->node, from, to);
            if (!wa || !wb)
                continue;
            if (out->count++ == 0) {
                char t0[24], t1[24];
                util_fmt_time(t0, sizeof(t0), from);
                if (to == INT64_MAX)
                    util_strlcpy(t1, "the end", sizeof(t1));
                else
                    util_fmt_time(t1, sizeof(t1), to);
                snprintf(out->witness, sizeof(out->witness),
                         "n%d (epoch %lld) and n%d (epoch %lld) both led from %s to %s; n%d "
                         "acknowledged %s and n%d acknowledged %s",
                         a->node + 1, (long long)a->epoch, b->node + 1, (long long)b->epoch, t0, t1,
                         a->node + 1, wa->label, b->node + 1, wb->label);
            }
            if (a->epoch == b->epoch)
                out->same_epoch = true;
        }
    }
}

/* ---- session guarantees ---- */

static void name_pair(char *dst, size_t size, const char *what, const struct op *a,
                      const struct op *b)
{
    char ta[24], tb[24], va[64], vb[64];

    util_fmt_time(ta, sizeof(ta), a->invoke_us);
    util_fmt_time(tb, sizeof(tb), b->invoke_us);
    if (a->req.kind == OP_PUT)
        snprintf(va, sizeof(va), "put %s=%s", a->req.key, a->req.value);
    else
        op_format_values(&a->result, va, sizeof(va));
    op_format_values(&b->result, vb, sizeof(vb));
    snprintf(dst, size, "%s: c%d's %s (%s at %s) then %s read %s=%s at %s", what, a->req.client + 1,
             a->label, va, ta, b->label, b->req.key, vb, tb);
}

/*
 * A segment tree over one group of candidate ops (in id order): each leaf
 * holds a time once its op has been inserted (INT64_MIN before), each inner
 * node the largest time below it and the largest below it from a key other
 * than that one's — enough to find the leftmost leaf over a threshold,
 * optionally from a key other than a given one, in O(log n).
 */
struct segt {
    int size; /* leaves, a power of two */
    int64_t *m1;
    int *k1;
    int64_t *m2;
};

static void segt_init(struct segt *t, int n)
{
    t->size = 1;
    while (t->size < n)
        t->size *= 2;
    t->m1 = xmalloc((size_t)(2 * t->size) * sizeof(*t->m1));
    t->k1 = xmalloc((size_t)(2 * t->size) * sizeof(*t->k1));
    t->m2 = xmalloc((size_t)(2 * t->size) * sizeof(*t->m2));
    for (int i = 0; i < 2 * t->size; i++) {
        t->m1[i] = INT64_MIN;
        t->k1[i] = -1;
        t->m2[i] = INT64_MIN;
    }
}

static void segt_release(struct segt *t)
{
    free(t->m1);
    free(t->k1);
    free(t->m2);
}

static void segt_set(struct segt *t, int pos, int64_t v, int key)
{
    int i = pos + t->size;

    t->m1[i] = v;
    t->k1[i] = key;
    for (i /= 2; i >= 1; i /= 2) {
        int l = 2 * i, r = 2 * i + 1, hi = t->m1[l] >= t->m1[r] ? l : r, lo = hi == l ? r : l;
        t->m1[i] = t->m1[hi];
        t->k1[i] = t->k1[hi];
        /* The best from a key other than the winner's: the loser's best, or its second. */
        t->m2[i] = t->m2[hi];
        if (t->k1[lo] != t->k1[hi]) {
            if (t->m1[lo] > t->m2[i])
                t->m2[i] = t->m1[lo];
        } else if (t->m2[lo] > t->m2[i]) {
            t->m2[i] = t->m2[lo];
        }
    }
}

/* Does node i hold a leaf > thr from a key other than not_key (-1: any key)? */
static bool segt_has(const struct segt *t, int i, int64_t thr, int not_key)
{
    if (t->m1[i] > thr && t->k1[i] != not_key)
        return true;
    return not_key >= 0 && t->m2[i] > thr;
}

/* The leftmost leaf > thr (from a key other than not_key), or -1. */
static int segt_leftmost(const struct segt *t, int64_t thr, int not_key)
{
    int i = 1;

    if (!segt_has(t, 1, thr, not_key))
        return -1;
    while (i < t->size)
        i = segt_has(t, 2 * i, thr, not_key) ? 2 * i : 2 * i + 1;
    return i - t->size;
}

/* What the session checker knows about each op. */
struct sess_op {
    int kid;     /* key */
    int seen;    /* a one-value read: index of the first put of that value, or -1 */
    int group;   /* a candidate: its group (client's puts on a key, or reads of a key), or -1 */
    int pos;     /* its place in that group */
    int cpos;    /* a read with a seen write: its place among its client's such reads, or -1 */
    int viol[3]; /* a read: the earliest op that breaks each guarantee with it, or -1 */
};

struct sweep {
    int64_t t;
    int query; /* 0: insert a candidate (before the queries at the same instant), 1: a read */
    int idx;
};

static int cmp_sweep(const void *pa, const void *pb)
{
    const struct sweep *a = pa, *b = pb;

    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->query != b->query)
        return a->query - b->query;
    return a->idx - b->idx;
}

struct put_at {
    int kid;
    int64_t invoke_us;
    int64_t complete_us;
};

static int cmp_put_at(const void *pa, const void *pb)
{
    const struct put_at *a = pa, *b = pb;

    if (a->kid != b->kid)
        return a->kid - b->kid;
    return a->invoke_us < b->invoke_us ? -1 : a->invoke_us > b->invoke_us;
}

/* Group g of client c: "p<key>" for its puts on a key, "r<key>" for its reads of one. */
static int sess_group(struct strmap *groups, int client, bool put, int kid, int fresh)
{
    char name[24];

    snprintf(name, sizeof(name), "%c%d", put ? 'p' : 'r', kid);
    return fresh >= 0 ? strmap_put(groups, client, name, fresh) : strmap_get(groups, client, name);
}

/*
 * Session guarantees in O(n log n). For a read r of client c on key k that
 * saw write S (or nothing), each guarantee asks for the earliest op a of c
 * (by id, smaller than r's), ok and complete by the time r began:
 *   read-your-writes  a is a put of c on k invoked after S completed;
 *   monotonic reads   a is a read of c on k whose write was invoked after S completed;
 *   consistent prefix a is a read of c on another key whose write wb was
 *                     invoked after the completion of some ok put on k that
 *                     was itself invoked after S completed (the earliest such
 *                     completion is a suffix minimum over k's puts by invoke).
 * Reading nothing puts S's completion at minus infinity; a read whose S is
 * unknown or did not complete ok breaks nothing. A sweep in time inserts
 * each candidate when it completes and asks each read when it begins; segment
 * trees find the earliest qualifying candidate. The counts and the witness
 * (the first read by id, with its earliest breaking op) are what the
 * pairwise definition gives.
 */
void check_sessions(const struct history *h, struct check_sessions *out)
{
    static const char *const names[3] = {"read-your-writes", "monotonic reads",
                                         "consistent prefix"};
    size_t total = history_count(h);
    int n = (int)total, n_keys = 0, n_groups = 0, n_clients = 0, n_sw = 0, n_puts = 0;
    struct sess_op *so = xcalloc(total + 1, sizeof(*so));
    struct strmap keys, vals, groups;
    int *gsize, *csize, *gstart, *cstart, *gmember, *cmember, *put_start;
    struct put_at *puts = xmalloc((total + 1) * sizeof(*puts));
    int64_t *suf = xmalloc((total + 1) * sizeof(*suf));
    struct segt *gt, *ct;
    struct sweep *sw = xmalloc((2 * total + 1) * sizeof(*sw));

    memset(out, 0, sizeof(*out));
    strmap_init(&keys);
    strmap_init(&vals);
    strmap_init(&groups);
    /* Keys, and the first put of each value of each key. */
    for (int i = 0; i < n; i++) {
        const struct op *op = history_at(h, (uint64_t)i + 1);
        so[i].kid = strmap_put(&keys, 0, op->req.key, n_keys);
        if (so[i].kid == n_keys)
            n_keys++;
        if (op->req.kind == OP_PUT)
            strmap_put(&vals, so[i].kid, op->req.value, i);
        if (op->req.client + 1 > n_clients)
            n_clients = op->req.client + 1;
    }
    /* The candidates, grouped. */
    gsize = xcalloc(total + 1, sizeof(int));
    csize = xcalloc((size_t)n_clients + 1, sizeof(int));
    for (int i = 0; i < n; i++) {
        const struct op *op = history_at(h, (uint64_t)i + 1);
        so[i].seen = -1;
        so[i].group = -1;
        so[i].cpos = -1;
        so[i].viol[0] = so[i].viol[1] = so[i].viol[2] = -1;
        if (op->req.kind == OP_GET && op->result.n == 1)
            so[i].seen = strmap_get(&vals, so[i].kid, op->result.v[0]);
        if (op->req.kind == OP_PUT && op->status == OP_OK)
            puts[n_puts++] = (struct put_at){so[i].kid, op->invoke_us, op->complete_us};
        if (op->status != OP_OK || op->req.client < 0)
            continue;
        if (op->req.kind != OP_PUT && !(op->req.kind == OP_GET && so[i].seen >= 0))
            continue;
        so[i].group =
            sess_group(&groups, op->req.client, op->req.kind == OP_PUT, so[i].kid, n_groups);
        if (so[i].group == n_groups)
            n_groups++;
        so[i].pos = gsize[so[i].group]++;
        if (op->req.kind == OP_GET)
            so[i].cpos = csize[op->req.client]++;
        sw[n_sw++] = (struct sweep){op->complete_us, 0, i};
    }
    gstart = xcalloc((size_t)n_groups + 1, sizeof(int));
    cstart = xcalloc((size_t)n_clients + 1, sizeof(int));
    for (int g = 0; g < n_groups; g++)
        gstart[g + 1] = gstart[g] + gsize[g];
    for (int c = 0; c < n_clients; c++)
        cstart[c + 1] = cstart[c] + csize[c];
    gmember = xmalloc(((size_t)gstart[n_groups] + 1) * sizeof(int));
    cmember = xmalloc(((size_t)cstart[n_clients] + 1) * sizeof(int));
    for (int i = 0; i < n; i++) {
        if (so[i].group >= 0)
            gmember[gstart[so[i].group] + so[i].pos] = i;
        if (so[i].cpos >= 0)
            cmember[cstart[history_at(h, (uint64_t)i + 1)->req.client] + so[i].cpos] = i;
    }
    gt = xmalloc(((size_t)n_groups + 1) * sizeof(*gt));
    for (int g = 0; g < n_groups; g++)
        segt_init(&gt[g], gsize[g]);
    ct = xmalloc(((size_t)n_clients + 1) * sizeof(*ct));
    for (int c = 0; c < n_clients; c++)
        segt_init(&ct[c], csize[c]);
    /* Each key's ok puts by invoke time, with the suffix minimum of their completions. */
    qsort(puts, (size_t)n_puts, sizeof(*puts), cmp_put_at);
    put_start = xcalloc((size_t)n_keys + 1, sizeof(int));
    for (int i = 0; i < n_puts; i++)
        put_start[puts[i].kid + 1]++;
    for (int k = 0; k < n_keys; k++)
        put_start[k + 1] += put_start[k];
    for (int i = n_puts - 1; i >= 0; i--)
        suf[i] =
            i + 1 < n_puts && puts[i + 1].kid == puts[i].kid && suf[i + 1] < puts[i].complete_us
                ? suf[i + 1]
                : puts[i].complete_us;
    /* The reads to judge. */
    for (int i = 0; i < n; i++) {
        const struct op *op = history_at(h, (uint64_t)i + 1);
        if (op->req.kind == OP_GET && op->status == OP_OK && op->result.n <= 1)
            sw[n_sw++] = (struct sweep){op->invoke_us, 1, i};
    }
    qsort(sw, (size_t)n_sw, sizeof(*sw), cmp_sweep);
    for (int s = 0; s < n_sw; s++) {
        int i = sw[s].idx, c, lo, hi;
        const struct op *op = history_at(h, (uint64_t)i + 1);
        int64_t thr, m = INT64_MAX;

        if (!sw[s].query) {
            int64_t v = op->req.kind == OP_PUT ? op->invoke_us
                                               : history_at(h, (uint64_t)so[i].seen + 1)->invoke_us;
            segt_set(&gt[so[i].group], so[i].pos, v, so[i].kid);
            if (so[i].cpos >= 0)
                segt_set(&ct[op->req.client], so[i].cpos, v, so[i].kid);
            continue;
        }
        c = op->req.client;
        if (op->result.n == 0) {
            thr = INT64_MIN;
        } else {
            const struct op *sv = so[i].seen >= 0 ? history_at(h, (uint64_t)so[i].seen + 1) : NULL;
            if (!sv || sv->status != OP_OK)
                continue;
            thr = sv->complete_us;
        }
        if (c < 0 || c >= n_clients)
            continue;
        for (int kind = 0; kind < 2; kind++) {
            int g = sess_group(&groups, c, kind == 0, so[i].kid, -1), p;
            if (g < 0)
                continue;
            p = segt_leftmost(&gt[g], thr, -1);
            if (p >= 0 && gmember[gstart[g] + p] < i)
                so[i].viol[kind] = gmember[gstart[g] + p];
        }
        lo = put_start[so[i].kid];
        hi = put_start[so[i].kid + 1];
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (puts[mid].invoke_us > thr)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (lo < put_start[so[i].kid + 1])
            m = suf[lo];
        if (m != INT64_MAX) {
            int p = segt_leftmost(&ct[c], m, so[i].kid);
            if (p >= 0 && cmember[cstart[c] + p] < i)
                so[i].viol[2] = cmember[cstart[c] + p];
        }
    }
    for (int i = 0; i < n; i++) {
        int first = -1;
        for (int k = 0; k < 3; k++) {
            if (so[i].viol[k] < 0)
                continue;
            if (first < 0 || so[i].viol[k] < so[i].viol[first])
                first = k;
        }
        if (first < 0)
            continue;
        out->ryw += so[i].viol[0] >= 0;
        out->monotonic += so[i].viol[1] >= 0;
        out->prefix += so[i].viol[2] >= 0;
        if (!out->witness[0])
            name_pair(out->witness, sizeof(out->witness), names[first],
                      history_at(h, (uint64_t)so[i].viol[first] + 1),
                      history_at(h, (uint64_t)i + 1));
    }
    free(sw);
    free(suf);
    free(puts);
    free(put_start);
    for (int g = 0; g < n_groups; g++)
        segt_release(&gt[g]);
    for (int c = 0; c < n_clients; c++)
        segt_release(&ct[c]);
    free(gt);
    free(ct);
    free(gmember);
    free(cmember);
    free(gstart);
    free(cstart);
    free(gsize);
    free(csize);
    strmap_release(&groups);
    strmap_release(&vals);
    strmap_release(&keys);
    free(so);
}

/* ---- failure detection ---- */

void check_detection(const struct check_recorder *r, struct check_detect *out)
{
    int64_t sum = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < r->n_susp; i++) {
        const struct check_suspicion *s = &r->susp[i];
        out->suspicions++;
        if (s->true_positive) {
            out->true_pos++;
            sum += s->delay_us;
            if (s->delay_us > out->max_delay_us)
                out->max_delay_us = s->delay_us;
        } else {
            out->false_pos++;
        }
    }
    out->mean_delay_us = out->true_pos ? sum / out->true_pos : 0;
}

/* ---- convergence ---- */

void check_convergence(const struct engine *e, const struct check_recorder *r,
                       struct check_converge *out)
{
    const struct history *h = engine_history(e);
    size_t total = history_count(h);

    memset(out, 0, sizeof(*out));
    out->converged = true;
    struct strmap keys;
    int n_keys = 0;

    strmap_init(&keys);
    for (uint64_t id = 1; id <= total; id++) {
        const char *key = history_at(h, id)->req.key;
        struct op_values first = {0}, v;
        bool have = false;
        char line[CHECK_WITNESS_MAX] = "";

        /* Each key once, at its first op. */
        if (strmap_put(&keys, 0, key, n_keys) != n_keys)
            continue;
        n_keys++;
        out->keys++;
        for (int i = 0; i < engine_nodes(e); i++) {
            struct engine_node info;
            char vals[96];
            engine_node(e, i, &info);
            if (info.state == NODE_CRASHED || !engine_replica_of(e, i, key))
                continue;
            engine_read_local(e, i, key, &v);
            op_format_values(&v, vals, sizeof(vals));
            util_appendf(line, sizeof(line), "%sn%d=%s", line[0] ? " " : "", i + 1, vals);
            if (!have) {
                first = v;
                have = true;
            } else if (!op_values_equal(&first, &v) && out->converged) {
                out->converged = false;
                util_strlcpy(out->key, key, sizeof(out->key));
            }
        }
        if (!out->converged && strcmp(out->key, key) == 0)
            snprintf(out->witness, sizeof(out->witness), "%s differs: %s", key, line);
    }
    strmap_release(&keys);
    if (out->converged && r)
        out->after_heal_us =
            r->last_change_us > r->last_fault_us ? r->last_change_us - r->last_fault_us : 0;
}
