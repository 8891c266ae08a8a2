/*
 * test_check_scale: the checkers' fast algorithms against the pairwise
 * definitions they replace. The reference implementations below are the
 * straightforward ones (quadratic and worse, with a value lookup per search
 * step) that the checkers used before; on random histories — several
 * clients and keys, overlapping intervals, failed, timed-out and pending
 * ops, reads of values nobody wrote — the fast checkers must give the same
 * verdicts, counts, steps, culprits and witnesses, byte for byte. Then the
 * sizes the old ones could not reach: one key with 10,000 ops is decided
 * within the default budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/check.h"
#include "../engine/sim.h"
#include "../engine/util.h"
#include "prop.h"

#define REF_MAX_OPS 4096

/* ---- the reference linearizability search (the old check_linearizable_key) ---- */

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
        op_format_result(&op->result, vals, sizeof(vals));
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

static void ref_linearizable_key(const struct history *h, const char *key, long budget,
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
    /*
     * A write that may or may not have taken effect, whose value no read ever
     * returned, changes nothing any read saw: placing it at the very end is always
     * possible, so it can be left out. This keeps histories full of timeouts
     * searchable (each such write would otherwise be concurrent with everything after it).
     */
    {
        int k = 0;
        for (int i = 0; i < n; i++) {
            bool seen = false;
            if (ops[i].write && ops[i].ret == INT64_MAX) {
                for (int j = 0; j < n && !seen; j++)
                    seen = !ops[j].write && ops[j].op->result.n == 1 &&
                           strcmp(ops[j].op->result.v[0], ops[i].op->req.value) == 0;
                if (!seen)
                    continue;
            }
            ops[k++] = ops[i];
        }
        n = k;
    }
    out->ops = n;
    if (n == 0) {
        out->verdict = CHECK_OK;
        free(ops);
        return;
    }
    if (n > REF_MAX_OPS) {
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

/* ---- the reference session checker (the old check_sessions) ---- */

/* The ok write of key=value, or NULL (nil, or a value nobody acknowledged writing). */
static const struct op *writer_of(const struct history *h, const char *key, const char *value)
{
    size_t total = history_count(h);

    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        if (op->req.kind == OP_PUT && strcmp(op->req.key, key) == 0 &&
            strcmp(op->req.value, value) == 0)
            return op;
    }
    return NULL;
}

/* Real-time order of writes: a finished before b began. */
static bool wrote_before(const struct op *a, const struct op *b)
{
    return a->status == OP_OK && a->complete_us < b->invoke_us;
}

/* The write a read saw, or NULL for nil / unknown. */
static const struct op *seen_write(const struct history *h, const struct op *r)
{
    return r->result.n == 1 ? writer_of(h, r->req.key, r->result.v[0]) : NULL;
}

/* Is what r saw older than write w (w happened before the write r saw, or r saw nothing)? */
static bool saw_older(const struct history *h, const struct op *r, const struct op *w)
{
    const struct op *s = seen_write(h, r);

    if (r->result.n == 0)
        return true;
    return s && s != w && wrote_before(s, w);
}

static void name_pair(char *dst, size_t size, const char *what, const struct op *a,
                      const struct op *b)
{
    char ta[24], tb[24], va[64], vb[64];

    util_fmt_time(ta, sizeof(ta), a->invoke_us);
    util_fmt_time(tb, sizeof(tb), b->invoke_us);
    if (a->req.kind == OP_PUT)
        snprintf(va, sizeof(va), "put %s=%s", a->req.key, a->req.value);
    else
        op_format_result(&a->result, va, sizeof(va));
    op_format_result(&b->result, vb, sizeof(vb));
    snprintf(dst, size, "%s: c%d's %s (%s at %s) then %s read %s=%s at %s", what, a->req.client + 1,
             a->label, va, ta, b->label, b->req.key, vb, tb);
}

static void ref_sessions(const struct history *h, struct check_sessions *out)
{
    size_t total = history_count(h);

    memset(out, 0, sizeof(*out));
    for (uint64_t j = 1; j <= total; j++) {
        const struct op *r = history_at(h, j);
        bool ryw = false, mono = false, prefix = false;
        if (r->req.kind != OP_GET || r->status != OP_OK || r->result.n > 1)
            continue;
        for (uint64_t i = 1; i < j; i++) {
            const struct op *a = history_at(h, i);
            if (a->req.client != r->req.client || a->status != OP_OK ||
                a->complete_us > r->invoke_us)
                continue;
            if (a->req.kind == OP_PUT && strcmp(a->req.key, r->req.key) == 0) {
                /* Read-your-writes: the read must not see something older than my write. */
                if (!ryw && saw_older(h, r, a) && (ryw = true) && out->ryw++ == 0 &&
                    !out->witness[0])
                    name_pair(out->witness, sizeof(out->witness), "read-your-writes", a, r);
            } else if (a->req.kind == OP_GET && a->result.n == 1 &&
                       strcmp(a->req.key, r->req.key) == 0) {
                /* Monotonic reads: never older than what an earlier read saw. */
                const struct op *w = seen_write(h, a);
                if (!mono && w && saw_older(h, r, w) && (mono = true) && out->monotonic++ == 0 &&
                    !out->witness[0])
                    name_pair(out->witness, sizeof(out->witness), "monotonic reads", a, r);
            } else if (a->req.kind == OP_GET && a->result.n == 1 &&
                       strcmp(a->req.key, r->req.key) != 0) {
                /* Consistent prefix: having seen wb, see every write that finished before it. */
                const struct op *wb = seen_write(h, a);
                if (!wb || prefix)
                    continue;
                for (uint64_t k = 1; k <= total; k++) {
                    const struct op *wa = history_at(h, k);
                    if (wa->req.kind != OP_PUT || strcmp(wa->req.key, r->req.key) != 0 ||
                        !wrote_before(wa, wb) || !saw_older(h, r, wa))
                        continue;
                    prefix = true;
                    if (out->prefix++ == 0 && !out->witness[0])
                        name_pair(out->witness, sizeof(out->witness), "consistent prefix", a, r);
                    break;
                }
            }
        }
    }
}

/* ---- random histories ---- */

struct shape {
    int ops;
    int clients;
    int keys;
    int64_t spread_us; /* how far intervals reach: more is more overlap */
    int odd_pct;       /* failed, timed-out, pending ops and unwritten values */
};

/*
 * Ops at increasing instants, each interval widened at random; reads return a
 * value some put of that key wrote (or nil, or now and then one nobody wrote).
 */
static struct history *random_history(uint64_t seed, const struct shape *sh)
{
    struct history *h = history_create();
    struct sim_rng rng;
    int written[8] = {0};

    sim_rng_seed(&rng, seed, 11);
    for (int i = 0; i < sh->ops; i++) {
        struct op op;
        uint64_t id;
        int k = (int)sim_rng_below(&rng, (uint64_t)sh->keys);
        int64_t t0 = (int64_t)i * 100 + sim_rng_range(&rng, 0, 50);
        int64_t t1 = t0 + sim_rng_range(&rng, 0, sh->spread_us);
        enum op_status st = OP_OK;

        memset(&op, 0, sizeof(op));
        snprintf(op.label, sizeof(op.label), "o%d", i + 1);
        snprintf(op.req.key, sizeof(op.req.key), "k%d", k);
        op.req.client = (int)sim_rng_below(&rng, (uint64_t)sh->clients);
        op.invoke_us = t0;
        if (sim_rng_chance(&rng, 5000)) {
            op.req.kind = OP_PUT;
            snprintf(op.req.value, sizeof(op.req.value), "v%d", i + 1);
            written[k] = i + 1;
        } else {
            op.req.kind = OP_GET;
        }
        if ((int)sim_rng_below(&rng, 100) < sh->odd_pct) {
            int r = (int)sim_rng_below(&rng, 3);
            st = r == 0 ? OP_FAIL : r == 1 ? OP_TIMEOUT : OP_PENDING;
        }
        id = history_add(h, &op);
        assert_true(id > 0);
        if (st != OP_PENDING)
            assert_non_null(history_complete(h, id, st, t1));
        if (op.req.kind == OP_GET && st == OP_OK) {
            char v[16];
            int pick = (int)sim_rng_below(&rng, 10);
            if (pick == 0 || !written[k]) {
                /* nil */
            } else if (pick == 1 && (int)sim_rng_below(&rng, 100) < sh->odd_pct) {
                history_result_add(h, history_get(h, id), "nobody");
            } else {
                /* A recent write of this key, not always the latest one. */
                int back = (int)sim_rng_below(&rng, 3);
                int w = written[k] - back * (sh->keys * 2);
                snprintf(v, sizeof(v), "v%d", w > 0 ? w : written[k]);
                history_result_add(h, history_get(h, id), v);
            }
        }
    }
    return h;
}

static void test_sessions_match_reference(void **state)
{
    static const struct shape shapes[] = {
        {40, 2, 2, 300, 10},
        {120, 3, 3, 500, 15},
        {200, 5, 2, 1500, 5},
        {150, 2, 5, 200, 30},
    };
    int seeds = prop_seeds(150), broken = 0;

    (void)state;
    for (int s = 0; s < seeds; s++) {
        const struct shape *sh = &shapes[s % 4];
        struct history *h = random_history((uint64_t)s + 1, sh);
        struct check_sessions fast, ref;
        check_sessions(h, &fast);
        ref_sessions(h, &ref);
        if (ref.ryw + ref.monotonic + ref.prefix)
            broken++;
        assert_int_equal(fast.ryw, ref.ryw);
        assert_int_equal(fast.monotonic, ref.monotonic);
        assert_int_equal(fast.prefix, ref.prefix);
        assert_string_equal(fast.witness, ref.witness);
        history_destroy(h);
    }
    /* The histories did break the guarantees often: the comparison was not of empty reports. */
    assert_true(broken > seeds / 4);
}

static void test_linearizability_matches_reference(void **state)
{
    static const struct shape shapes[] = {
        {30, 3, 1, 400, 10},
        {80, 4, 2, 300, 20},
        {60, 5, 1, 900, 5},
        {100, 3, 3, 200, 25},
    };
    int seeds = prop_seeds(150), violated = 0;

    (void)state;
    for (int s = 0; s < seeds; s++) {
        const struct shape *sh = &shapes[s % 4];
        struct history *h = random_history((uint64_t)s + 1000, sh);
        for (int k = 0; k < sh->keys; k++) {
            char key[8];
            struct check_lin fast, ref;
            snprintf(key, sizeof(key), "k%d", k);
            check_linearizable_key(h, key, 20000, &fast);
            ref_linearizable_key(h, key, 20000, &ref);
            if (ref.verdict == CHECK_VIOLATED)
                violated++;
            assert_int_equal(fast.verdict, ref.verdict);
            assert_int_equal(fast.ops, ref.ops);
            assert_int_equal(fast.steps, ref.steps);
            assert_int_equal(fast.culprit, ref.culprit);
            assert_string_equal(fast.witness, ref.witness);
        }
        history_destroy(h);
    }
    assert_true(violated > seeds / 4);
}

/* One key, 10,000 ops from 5 clients, half reads, linearizable by construction. */
static void test_ten_thousand_ops_one_key_decided(void **state)
{
    struct history *h = history_create();
    struct sim_rng rng;
    struct check_lin r;
    char cur[16] = "";

    (void)state;
    sim_rng_seed(&rng, 5, 1);
    for (int i = 0; i < 10000; i++) {
        struct op op;
        uint64_t id;
        int64_t at = (int64_t)i * 100;
        memset(&op, 0, sizeof(op));
        snprintf(op.label, sizeof(op.label), "o%d", i + 1);
        util_strlcpy(op.req.key, "x", sizeof(op.req.key));
        op.req.client = i % 5;
        op.req.kind = i % 2 ? OP_GET : OP_PUT;
        if (op.req.kind == OP_PUT) {
            snprintf(cur, sizeof(cur), "v%d", i);
            util_strlcpy(op.req.value, cur, sizeof(op.req.value));
        }
        /* Each op's instant inside an interval that overlaps about five others. */
        op.invoke_us = at - sim_rng_range(&rng, 0, 250);
        id = history_add(h, &op);
        assert_non_null(history_complete(h, id, OP_OK, at + sim_rng_range(&rng, 0, 250)));
        if (op.req.kind == OP_GET)
            history_result_add(h, history_get(h, id), cur);
    }
    check_linearizable_key(h, "x", 0, &r);
    assert_int_equal(r.ops, 10000);
    assert_int_equal(r.verdict, CHECK_OK);
    /* A stale read at the end is found, with the read named. */
    {
        struct op op;
        uint64_t id;
        memset(&op, 0, sizeof(op));
        util_strlcpy(op.label, "stale", sizeof(op.label));
        util_strlcpy(op.req.key, "x", sizeof(op.req.key));
        op.req.kind = OP_GET;
        op.invoke_us = 2000000;
        id = history_add(h, &op);
        assert_non_null(history_complete(h, id, OP_OK, 2000010));
        history_result_add(h, history_get(h, id), "v2");
    }
    check_linearizable_key(h, "x", 0, &r);
    assert_int_equal(r.verdict, CHECK_VIOLATED);
    assert_int_equal(r.culprit, 10001);
    assert_non_null(strstr(r.witness, "stale get x -> v2"));
    history_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_match_reference),
        cmocka_unit_test(test_linearizability_matches_reference),
        cmocka_unit_test(test_ten_thousand_ops_one_key_decided),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
