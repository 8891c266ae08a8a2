/*
 * check_lin: the linearizability search (check.h), one for every model: a run's
 * registers key by key (check_linearizable, check_lin_window), and histories
 * from other systems (check_hist_run) against a register, a cas-register or a
 * kv store of appends. lin_dfs is the search; a model is its step function.
 * The two front ends differ only in what they gather (a run's ops, or a
 * history's, with indeterminate ops closed or left out) and in the sentences
 * they write about the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_int.h"
#include "engine.h"
#include "model.h"
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

/*
 * Gathers the ops of one key (given in id order) into ops, with each op's
 * value interned once, so the search compares integers. Returns the count, or
 * -1 with out filled when the key is not a register.
 */
static int lin_gather(const struct op *const *key_ops, int m, const char *key, const char *init,
                      struct lin_op *ops, struct strmap *values, struct check_lin *out)
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
                char vals[64];
                op_format_result(&op->result, vals, sizeof(vals));
                snprintf(out->witness, sizeof(out->witness),
                         "siblings: not a register (%s read %s)", op->label, vals);
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
    /* Values (tag 0): index 0 is the register's first value (nil, or init when the ops are a
     * window after a cut), then each written value in order. */
    strmap_put(values, 0, init ? init : NIL_VALUE, nvals++);
    for (int i = 0; i < n; i++) {
        if (ops[i].write) {
            ops[i].val = strmap_put(values, 0, ops[i].op->req.value, nvals);
            if (ops[i].val == nvals)
                nvals++;
        }
    }
    for (int i = 0; i < n; i++) {
        if (!ops[i].write) {
            int v = strmap_get(values, 0, ops[i].op->result.n ? ops[i].op->result.v[0] : NIL_VALUE);
            ops[i].val = v >= 0 ? v : -2; /* a value nobody wrote matches no state */
        }
    }
    return n;
}

/* One op as the search sees it. */
struct hs_op {
    int idx; /* in the history */
    enum check_hkind kind;
    enum check_hstatus status;
    int value;
    int from;
    int64_t call;
    int64_t ret;  /* INT64_MAX: may take effect any time after call, or never */
    int64_t ret0; /* ret before hs_close_info closed it */
    bool lazy;    /* see hs_mark_lazy */
};

/* An op that never changes the state (a read, a cas that failed): see the prune in lin_dfs. */
static bool hs_pure(const struct hs_op *o)
{
    return o->kind == CHECK_H_READ || (o->kind == CHECK_H_CAS && o->status == CHECK_H_FAIL);
}

/*
 * The models' steps: may o go next from state? *next is the state after it. h interns the
 * states a kv append makes (NULL for the others, whose states are the values written). The
 * search takes one of them; each model's ops are checked against it when gathered.
 */
typedef bool (*lin_step_fn)(struct check_hist *h, const struct hs_op *o, int state, int *next);

static bool step_register(struct check_hist *h, const struct hs_op *o, int state, int *next)
{
    (void)h;
    *next = state;
    if (o->kind == CHECK_H_WRITE) {
        *next = o->value;
        return true;
    }
    return o->kind == CHECK_H_READ && o->value == state;
}

static bool step_cas_register(struct check_hist *h, const struct hs_op *o, int state, int *next)
{
    if (o->kind != CHECK_H_CAS)
        return step_register(h, o, state, next);
    *next = state;
    switch (o->status) {
    case CHECK_H_OK:
        *next = o->value;
        return state == o->from;
    case CHECK_H_FAIL:
        return state != o->from;
    case CHECK_H_INFO:
        if (state == o->from)
            *next = o->value;
        return true;
    }
    return false;
}

/* A kv key's state is its whole string: an append makes (and interns) a longer one. */
static bool step_kv(struct check_hist *h, const struct hs_op *o, int state, int *next)
{
    const char *a, *b;
    size_t la, lb;
    char small[256];
    char *s;

    if (o->kind != CHECK_H_APPEND)
        return step_register(h, o, state, next);
    a = check_hist_str(h, state);
    b = check_hist_str(h, o->value);
    la = strlen(a);
    lb = strlen(b);
    s = la + lb < sizeof(small) ? small : xmalloc(la + lb + 1);
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    *next = check_hist_intern(h, s);
    if (s != small)
        free(s);
    return true;
}

/* Why a search stopped short of a verdict. */
enum lin_stop {
    LIN_STOP_NONE,
    LIN_STOP_BUDGET, /* more steps than the budget */
    LIN_STOP_MEMORY, /* the memo outgrew CHECK_MEMO_MAX_BYTES */
};

struct hs_result {
    enum check_verdict verdict;
    enum lin_stop stop; /* when verdict is CHECK_UNKNOWN */
    long steps;
    int culprit; /* index into ops of the op whose return blocked the deepest attempt, or -1 */
    int *lin;    /* when wanted: the deepest order found, indexes into ops */
    int n_lin;
};

/*
 * The memo: (set of linearized ops, state) pairs already explored.
 * The set's hash is kept incrementally (Zobrist: the XOR of a fixed random
 * word per op in the set), so a step costs O(1) to hash. The set itself is
 * stored in full but compactly: every word of the bitset below `lo` is all
 * ones and every word above `hi` is zero (the search linearizes ops roughly
 * in call order), so an entry keeps lo and the words lo..hi only — a word or
 * two, where the whole bitset of a long history is hundreds. Two sets are
 * equal exactly when their lo, hi and those words are. `replaced` is the
 * state a lazy op (hs_mark_lazy) replaced when it was the last placed, since
 * which cas may follow it depends on that state; -1 otherwise.
 */
struct memo_ent {
    uint64_t hash; /* 0 = empty */
    size_t off;    /* the words, in the arena */
    int lo;
    int nw;
    int val;
    int replaced;
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

static inline void lset_set(struct lset *l, int op)
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

/* Sized to the ops searched (it grows as it fills): a short window's search (the sandbox
 * checks one after each op) must not pay for zeroing a large table first. */
static void memo_init(struct memo *m, int n_ops)
{
    memset(m, 0, sizeof(*m));
    m->cap = 16;
    while (m->cap < 1024 && m->cap < 4 * (size_t)n_ops)
        m->cap *= 2;
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

/* Inserts; returns false when the triple was already there. zh: the set's Zobrist hash. */
static inline __attribute__((always_inline)) bool memo_add(struct memo *m, const struct lset *l,
                                                           uint64_t zh, int val, int replaced)
{
    uint64_t h = hash_state(
        replaced < 0 ? zh : zh ^ mix64((uint64_t)(unsigned)replaced + 0x51ed2701ULL), val);
    size_t s = (size_t)h & (m->cap - 1);
    int nw = l->hi - l->lo + 1;
    const uint64_t *seg = l->bits + l->lo;

    for (; m->ent[s].hash; s = (s + 1) & (m->cap - 1)) {
        const struct memo_ent *e = &m->ent[s];
        if (e->hash == h && e->val == val && e->replaced == replaced && e->lo == l->lo &&
            e->nw == nw && memcmp(m->arena + e->off, seg, (size_t)nw * sizeof(*seg)) == 0)
            return false;
    }
    if (m->arena_len + (size_t)nw > m->arena_cap) {
        m->arena_cap = (m->arena_cap ? m->arena_cap * 2 : 4096) + (size_t)nw;
        m->arena = xrealloc(m->arena, m->arena_cap * sizeof(*m->arena));
    }
    memcpy(m->arena + m->arena_len, seg, (size_t)nw * sizeof(*seg));
    m->ent[s] = (struct memo_ent){h, m->arena_len, l->lo, nw, val, replaced};
    m->arena_len += (size_t)nw;
    if (++m->len * 2 > m->cap)
        memo_grow(m);
    return true;
}

/* The list: entries 1..2n between a head sentinel 0, each call linked to its return. */
static struct entry *list_build(const struct hs_op *ops, int n)
{
    struct entry *ent = xcalloc((size_t)(2 * n + 1), sizeof(*ent));
    int *call_at = xmalloc((size_t)n * sizeof(int));

    for (int i = 0; i < n; i++) {
        ent[1 + 2 * i] = (struct entry){i, true, ops[i].call, 0, 0, 0};
        ent[2 + 2 * i] = (struct entry){i, false, ops[i].ret, 0, 0, 0};
    }
    qsort(ent + 1, (size_t)(2 * n), sizeof(*ent), cmp_entry);
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
    ent[0].next = 1;
    ent[0].prev = -1;
    return ent;
}

/* Lifts the call e and its return out of the list. */
static inline void list_lift(struct entry *ent, int e)
{
    int m = ent[e].match;

    ent[ent[e].prev].next = ent[e].next;
    if (ent[e].next != -1)
        ent[ent[e].next].prev = ent[e].prev;
    ent[ent[m].prev].next = ent[m].next;
    if (ent[m].next != -1)
        ent[ent[m].next].prev = ent[m].prev;
}

/* Puts the call c and its return back, in reverse order: the return, then the call. */
static inline void list_unlift(struct entry *ent, int c)
{
    int m = ent[c].match;

    ent[ent[m].prev].next = m;
    if (ent[m].next != -1)
        ent[ent[m].next].prev = m;
    ent[ent[c].prev].next = c;
    if (ent[c].next != -1)
        ent[ent[c].next].prev = c;
}

/*
 * May the call at e go next, as far as lazy ops (hs_mark_lazy) go? After a lazy op only a
 * failed or indeterminate cas of the value it replaced may follow; a lazy op itself goes
 * only when such a cas is among the calls open now (state: the value it would replace).
 */
static inline bool lazy_allows(const struct entry *ent, const struct hs_op *ops, int e, int state,
                               bool after_lazy, int replaced, int finite_left)
{
    const struct hs_op *o = &ops[ent[e].op];

    if (after_lazy)
        return o->kind == CHECK_H_CAS && o->status != CHECK_H_OK && o->from == replaced;
    if (o->lazy && finite_left > 0) {
        for (int c = ent[0].next; c != -1 && ent[c].is_call; c = ent[c].next) {
            const struct hs_op *x = &ops[ent[c].op];
            if (x->kind == CHECK_H_CAS && x->status != CHECK_H_OK && x->from == state)
                return true;
        }
        return false;
    }
    return true;
}

/*
 * The search, for every model (step): Wing & Gong with Lowe's memoization, as
 * Porcupine does it. A doubly linked list of calls and returns in time order;
 * lift a call whose op can go next (the model's step allows it) unless the
 * memo saw that (set, state) already; at a return whose op was not placed,
 * backtrack. h: the history's strings, for step_kv (NULL otherwise). init:
 * the state before any op. want_lin: keep the deepest partial order in
 * out->lin (the low-water mark of the stack since the last copy makes that
 * cost amortized O(1) a step). More than budget steps, or a memo larger than
 * CHECK_MEMO_MAX_BYTES, ends it CHECK_UNKNOWN, never CHECK_OK.
 *
 * lazy: whether any op is lazy (hs_mark_lazy); without, the bookkeeping for
 * them is left out. Always inlined into lin_dfs, once per model, so that each
 * model's step and the lazy tests are folded into its copy of the loop: with
 * the step called through a pointer and the lazy tests made on every step,
 * a run's register search cost a fifth more instructions (bench_check under
 * callgrind).
 *
 * Over 120 lines on purpose: the loop's state (the list, the stack, the set
 * and its hash, the state, the lazy bookkeeping) lives in locals the compiler
 * keeps in registers, and the lift, the memo test and the backtrack each
 * change most of it; helpers taking it all by pointer would hide the one
 * invariant that matters (what a lift does, the backtrack undoes) and cost
 * instructions on the hottest path of every checker.
 */
static inline __attribute__((always_inline)) void dfs(struct check_hist *h, lin_step_fn step,
                                                      bool lazy, const struct hs_op *ops, int n,
                                                      int init, long budget, bool want_lin,
                                                      struct hs_result *out)
{
    struct entry *ent;
    int *stack_entry, *stack_val;
    struct lset set;
    uint64_t zh = 0;
    int depth = 0, best_depth = -1, low = 0;
    struct memo memo;
    int finite_left = 0;     /* ops with a completion not placed yet */
    bool after_lazy = false; /* the last op placed is lazy (hs_mark_lazy), with finite ops left */
    int state = init;
    long steps = 0;

    out->verdict = CHECK_OK;
    out->stop = LIN_STOP_NONE;
    out->steps = 0;
    out->culprit = -1;
    out->lin = NULL;
    out->n_lin = 0;
    if (want_lin)
        out->lin = xmalloc(((size_t)n + 1) * sizeof(int));
    if (n == 0)
        return;
    ent = list_build(ops, n);
    set.words = (n + 63) / 64;
    set.bits = xcalloc((size_t)set.words, sizeof(*set.bits));
    set.lo = 0;
    set.hi = -1;
    stack_entry = xmalloc((size_t)n * sizeof(int));
    stack_val = xmalloc((size_t)n * sizeof(int));
    memo_init(&memo, n);
    for (int i = 0; i < n; i++)
        finite_left += ops[i].ret != INT64_MAX;

    for (int e = ent[0].next; ent[0].next != -1;) {
        if (++steps > budget) {
            out->verdict = CHECK_UNKNOWN;
            out->stop = LIN_STOP_BUDGET;
            break;
        }
        if (e != -1 && ent[e].is_call) {
            const struct hs_op *o = &ops[ent[e].op];
            int next_state, op = ent[e].op;
            if ((lazy && !lazy_allows(ent, ops, e, state, after_lazy,
                                      after_lazy ? stack_val[depth - 1] : -1, finite_left)) ||
                !step(h, o, state, &next_state)) {
                e = ent[e].next;
                continue;
            }
            lset_set(&set, op);
            zh ^= zobrist(op);
            if (memo_bytes(&memo) > CHECK_MEMO_MAX_BYTES) {
                out->verdict = CHECK_UNKNOWN;
                out->stop = LIN_STOP_MEMORY;
                break;
            }
            int left_after = lazy ? finite_left - (o->ret != INT64_MAX) : 0;
            bool lazy_after = o->lazy && left_after > 0;
            if (memo_add(&memo, &set, zh, next_state, lazy_after ? state : -1)) {
                finite_left = left_after;
                after_lazy = lazy_after;
                stack_entry[depth] = e;
                stack_val[depth] = state;
                depth++;
                state = next_state;
                list_lift(ent, e);
                e = ent[0].next;
                continue;
            }
            lset_clear(&set, op);
            zh ^= zobrist(op);
            e = ent[e].next;
            continue;
        }
        /* A return (or the end): the op it closes could not be placed in time. Backtrack. */
        if (depth > best_depth && e != -1) {
            best_depth = depth;
            out->culprit = ent[e].op;
            if (want_lin) {
                for (int k = low; k < depth; k++)
                    out->lin[k] = ent[stack_entry[k]].op;
                out->n_lin = depth;
                low = depth;
            }
        }
        bool exhausted = false;
        for (;;) {
            int c;
            if (depth == 0) {
                exhausted = true;
                break;
            }
            depth--;
            if (depth < low)
                low = depth;
            c = stack_entry[depth];
            state = stack_val[depth];
            lset_clear(&set, ent[c].op);
            zh ^= zobrist(ent[c].op);
            if (lazy) {
                finite_left += ops[ent[c].op].ret != INT64_MAX;
                after_lazy =
                    depth > 0 && ops[ent[stack_entry[depth - 1]].op].lazy && finite_left > 0;
            }
            list_unlift(ent, c);
            e = ent[c].next;
            /*
             * An op that changes nothing (a read, a failed cas), when it was legal where it
             * stood, loses no linearization by being placed there first: if that failed, this
             * whole level fails. Keep backtracking instead of trying the other candidates (a
             * large prune).
             */
            if (!hs_pure(&ops[ent[c].op]))
                break;
        }
        if (exhausted) {
            out->verdict = CHECK_VIOLATED;
            break;
        }
    }
    out->steps = steps;
    if (out->verdict == CHECK_OK && want_lin) {
        for (int k = 0; k < depth; k++)
            out->lin[k] = ent[stack_entry[k]].op;
        out->n_lin = depth;
    }
    memo_release(&memo);
    free(stack_entry);
    free(stack_val);
    free(set.bits);
    free(ent);
}

/* The search of a model's ops (dfs, specialised to the model's step; a register's run
 * without lazy ops, the checker's most common search, has a copy of its own). */
static void lin_dfs(struct check_hist *h, enum check_model model, const struct hs_op *ops, int n,
                    int init, long budget, bool want_lin, struct hs_result *out)
{
    bool lazy = false;

    for (int i = 0; i < n && !lazy; i++)
        lazy = ops[i].lazy;
    switch (model) {
    case CHECK_MODEL_REGISTER:
        if (lazy)
            dfs(h, step_register, true, ops, n, init, budget, want_lin, out);
        else
            dfs(h, step_register, false, ops, n, init, budget, want_lin, out);
        return;
    case CHECK_MODEL_CAS_REGISTER:
        dfs(h, step_cas_register, lazy, ops, n, init, budget, want_lin, out);
        return;
    case CHECK_MODEL_KV:
        dfs(h, step_kv, false, ops, n, init, budget, want_lin, out); /* no lazy ops: appends */
        return;
    }
}

/*
 * The run's search over one key's ops, gathered by lin_gather: a register (writes and reads),
 * searched by lin_dfs. out->key is set. The witness names the op whose return blocked the
 * deepest attempt, and explains it when it is a read.
 */
static void lin_search(const struct lin_op *ops, int n, long budget, struct check_lin *out)
{
    const char *key = out->key;
    struct hs_op *sops;
    struct hs_result r;
    int culprit;

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
    sops = xmalloc((size_t)n * sizeof(*sops));
    for (int i = 0; i < n; i++)
        sops[i] = (struct hs_op){i,          ops[i].write ? CHECK_H_WRITE : CHECK_H_READ,
                                 CHECK_H_OK, ops[i].val,
                                 0,          ops[i].call,
                                 ops[i].ret, ops[i].ret,
                                 false};
    lin_dfs(NULL, CHECK_MODEL_REGISTER, sops, n, 0, budget, false, &r);
    free(sops);
    out->verdict = r.verdict;
    out->steps = r.steps;
    culprit = r.culprit;
    if (r.stop == LIN_STOP_BUDGET)
        snprintf(out->witness, sizeof(out->witness),
                 "search budget of %ld steps exhausted on %s (%d ops)", budget, key, n);
    else if (r.stop == LIN_STOP_MEMORY)
        snprintf(out->witness, sizeof(out->witness),
                 "search memory of %d MB exhausted on %s (%d ops)",
                 (int)(CHECK_MEMO_MAX_BYTES >> 20), key, n);
    if (r.verdict == CHECK_VIOLATED && culprit >= 0) {
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
}

static void lin_key(const struct op *const *key_ops, int m, const char *key, const char *init,
                    long budget, struct lin_op *scratch, struct strmap *values,
                    struct check_lin *out)
{
    int n;

    memset(out, 0, sizeof(*out));
    util_strlcpy(out->key, key, sizeof(out->key));
    if (budget <= 0)
        budget = CHECK_DEFAULT_BUDGET;
    n = lin_gather(key_ops, m, key, init, scratch, values, out);
    if (n >= 0)
        lin_search(scratch, n, budget, out);
}

void check_lin_window(const struct op *const *ops, int m, const char *key, const char *init,
                      long budget, struct check_lin *out)
{
    struct lin_op *scratch = xmalloc(((size_t)m + 1) * sizeof(*scratch));
    struct strmap values;

    strmap_init(&values);
    lin_key(ops, m, key, init, budget, scratch, &values, out);
    strmap_release(&values);
    free(scratch);
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
    lin_key(key_ops, m, key, NULL, budget, scratch, &values, out);
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

enum check_verdict check_linearizable(const struct history *h, long budget, struct check_lin *first)
{
    size_t total = history_count(h);
    enum check_verdict worst = CHECK_NA;
    struct check_lin r, na;
    struct strmap keys, values;
    int *kid = xmalloc((total + 1) * sizeof(int)), *start;
    const struct op **by_key;
    struct lin_op *scratch = xmalloc((total + 1) * sizeof(*scratch));
    int n_keys;

    memset(first, 0, sizeof(*first));
    memset(&na, 0, sizeof(na));
    first->verdict = CHECK_NA;
    strmap_init(&keys);
    strmap_init(&values);
    n_keys = index_keys(h, &keys, kid, &start, &by_key);
    /* Each key once, in the order the history first touched it. */
    for (int k = 0; k < n_keys; k++) {
        const struct op *const *ops = by_key + start[k];
        lin_key(ops, start[k + 1] - start[k], ops[0]->req.key, NULL, budget, scratch, &values, &r);
        if (r.verdict == CHECK_NA && !na.key[0])
            na = r;
        if (check_severity(r.verdict) > check_severity(worst)) {
            worst = r.verdict;
            *first = r;
        }
    }
    /* Every register key passed: say which key was left out, and why (siblings, say). */
    if (worst == CHECK_OK && na.key[0])
        snprintf(first->witness, sizeof(first->witness), "%s: %s", na.key, na.witness);
    else if (worst == CHECK_NA && na.key[0])
        *first = na;
    strmap_release(&values);
    strmap_release(&keys);
    free(scratch);
    free(by_key);
    free(start);
    free(kid);
    return worst;
}

/*
 * Histories from other systems (check.h). The store first, then the search
 * over a model's states, then the minimizing that turns a violation into the
 * smallest window a learner can read.
 */
struct check_hist {
    struct check_hop *ops;
    int n;
    int cap;
    char **strs;
    int n_strs;
    int cap_strs;
    struct strmap map;
    char unit[8];
};

struct check_hist *check_hist_create(void)
{
    struct check_hist *h = xcalloc(1, sizeof(*h));

    strmap_init(&h->map);
    h->cap_strs = 64;
    h->strs = xmalloc((size_t)h->cap_strs * sizeof(*h->strs));
    h->strs[h->n_strs++] = xstrdup("nil"); /* CHECK_HIST_NIL, never in the map */
    return h;
}

void check_hist_destroy(struct check_hist *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->n_strs; i++)
        free(h->strs[i]);
    free(h->strs);
    free(h->ops);
    strmap_release(&h->map);
    free(h);
}

int check_hist_intern(struct check_hist *h, const char *s)
{
    int id = strmap_put(&h->map, 0, s, h->n_strs);

    if (id == h->n_strs) {
        if (h->n_strs == h->cap_strs) {
            h->cap_strs *= 2;
            h->strs = xrealloc(h->strs, (size_t)h->cap_strs * sizeof(*h->strs));
        }
        h->strs[h->n_strs++] = xstrdup(s);
    }
    return id;
}

const char *check_hist_str(const struct check_hist *h, int id)
{
    return id >= 0 && id < h->n_strs ? h->strs[id] : "?";
}

int check_hist_add(struct check_hist *h, const struct check_hop *op)
{
    if (h->n >= CHECK_HIST_MAX_OPS)
        return -1;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->ops = xrealloc(h->ops, (size_t)h->cap * sizeof(*h->ops));
    }
    h->ops[h->n] = *op;
    return h->n++;
}

int check_hist_count(const struct check_hist *h)
{
    return h->n;
}

struct check_hop *check_hist_op(struct check_hist *h, int i)
{
    return i >= 0 && i < h->n ? &h->ops[i] : NULL;
}

const struct check_hop *check_hist_at(const struct check_hist *h, int i)
{
    return i >= 0 && i < h->n ? &h->ops[i] : NULL;
}

void check_hist_set_unit(struct check_hist *h, const char *unit)
{
    util_strlcpy(h->unit, unit, sizeof(h->unit));
}

const char *check_hist_unit(const struct check_hist *h)
{
    return h->unit;
}

const char *check_model_name(enum check_model m)
{
    switch (m) {
    case CHECK_MODEL_REGISTER:
        return "register";
    case CHECK_MODEL_CAS_REGISTER:
        return "cas-register";
    case CHECK_MODEL_KV:
        return "kv";
    }
    return "?";
}

const char *check_hkind_name(enum check_hkind k)
{
    switch (k) {
    case CHECK_H_READ:
        return "read";
    case CHECK_H_WRITE:
        return "write";
    case CHECK_H_CAS:
        return "cas";
    case CHECK_H_APPEND:
        return "append";
    case CHECK_H_OTHER:
        return "other";
    }
    return "?";
}

/* The state before any op: nil for a register, the empty string for a key-value store. */
static int hs_init(struct check_hist *h, enum check_model model)
{
    return model == CHECK_MODEL_KV ? check_hist_intern(h, "") : CHECK_HIST_NIL;
}

/* An op that changes the state when it takes effect. */
static bool hs_changes(const struct hs_op *o)
{
    return !hs_pure(o);
}

/*
 * An indeterminate write (or cas) that is the only op ever to write its value,
 * and whose value some op that completed ok observed (a read returned it, a
 * cas found it): it happened, before every such observer took effect, so
 * before the first of them completed. Closing its interval there loses no
 * order that could explain the history, and spares the search from trying it
 * at every later instant (each open op multiplies what a failing search must
 * rule out).
 */
static void hs_close_info(const struct check_hist *h, struct hs_op *ops, int n)
{
    int *writers = xcalloc((size_t)h->n_strs, sizeof(int));
    int64_t *first_obs = xmalloc((size_t)h->n_strs * sizeof(int64_t));

    for (int i = 0; i < h->n_strs; i++)
        first_obs[i] = INT64_MAX;
    for (int i = 0; i < n; i++) {
        int obs = -1;
        if (hs_changes(&ops[i]))
            writers[ops[i].value]++;
        if (ops[i].status == CHECK_H_OK && ops[i].kind == CHECK_H_READ)
            obs = ops[i].value;
        if (ops[i].status == CHECK_H_OK && ops[i].kind == CHECK_H_CAS)
            obs = ops[i].from;
        if (obs >= 0 && ops[i].ret < first_obs[obs])
            first_obs[obs] = ops[i].ret;
    }
    for (int i = 0; i < n; i++) {
        int v = ops[i].value;
        if (ops[i].ret != INT64_MAX || !hs_changes(&ops[i]) || v == CHECK_HIST_NIL ||
            writers[v] != 1 || first_obs[v] == INT64_MAX)
            continue;
        ops[i].ret = first_obs[v] > ops[i].call ? first_obs[v] : ops[i].call;
    }
    free(writers);
    free(first_obs);
}

/*
 * An indeterminate write or cas whose value no op observes (no ok read returns
 * it, no cas that took effect or may have compares with it) is "lazy". What
 * it leaves is overwritten before any read, so it matters only to a failed or
 * indeterminate cas of the value it replaced: in any order that fits, it can
 * be moved right before the first such cas after it, or to the very end when
 * none follows. So lin_dfs lets only such a cas follow it (until every
 * completed op is placed), which keeps these ops from multiplying the orders
 * a failing search must rule out. Registers only (an append's value is read
 * inside others).
 */
static void hs_mark_lazy(const struct check_hist *h, struct hs_op *ops, int n,
                         enum check_model model)
{
    unsigned char *seen;

    for (int i = 0; i < n; i++)
        ops[i].lazy = false;
    if (model == CHECK_MODEL_KV)
        return;
    seen = xcalloc((size_t)h->n_strs, 1);
    for (int i = 0; i < n; i++) {
        if (ops[i].kind == CHECK_H_READ)
            seen[ops[i].value] = 1;
        if (ops[i].kind == CHECK_H_CAS && ops[i].status != CHECK_H_FAIL)
            seen[ops[i].from] = 1;
    }
    for (int i = 0; i < n; i++)
        ops[i].lazy = ops[i].ret == INT64_MAX && hs_changes(&ops[i]) && !seen[ops[i].value];
    free(seen);
}

/*
 * May the ops not kept be left out without changing what the kept ones saw?
 * Leaving out ops that change nothing (reads, failed cas) only removes
 * constraints. An op that changes the state may go when no kept op observes
 * its value (no read returns it, no cas compares with it; in a key-value
 * store, no read contains it) and no failed cas is kept (the state it
 * observed to differ might then be the one it compared with). Then any order
 * of the whole, restricted to the kept ops, is an order of the kept ops: if
 * they cannot be ordered, neither can the whole.
 */
static bool hs_closed(const struct check_hist *h, const struct hs_op *ops, const bool *keep, int n,
                      enum check_model model)
{
    bool failed_cas = false;
    bool removes_change = false;
    int n_strs = h->n_strs;
    unsigned char *seen;
    bool ok = true;

    for (int i = 0; i < n; i++) {
        if (keep[i] && ops[i].kind == CHECK_H_CAS && ops[i].status == CHECK_H_FAIL)
            failed_cas = true;
        if (!keep[i] && hs_changes(&ops[i]))
            removes_change = true;
    }
    if (!removes_change)
        return true;
    if (failed_cas)
        return false;
    if (model == CHECK_MODEL_KV) {
        for (int i = 0; i < n && ok; i++) {
            const char *v;
            if (keep[i] || !hs_changes(&ops[i]))
                continue;
            v = check_hist_str(h, ops[i].value);
            for (int j = 0; j < n && ok; j++)
                if (keep[j] && ops[j].kind == CHECK_H_READ &&
                    strstr(check_hist_str(h, ops[j].value), v))
                    ok = false;
        }
        return ok;
    }
    seen = xcalloc((size_t)n_strs, 1);
    for (int i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (ops[i].kind == CHECK_H_READ)
            seen[ops[i].value] = 1;
        if (ops[i].kind == CHECK_H_CAS)
            seen[ops[i].from] = 1;
    }
    for (int i = 0; i < n && ok; i++)
        if (!keep[i] && hs_changes(&ops[i]) && seen[ops[i].value])
            ok = false;
    free(seen);
    return ok;
}

/* Searches the kept ops alone; *budget pays for it. */
static enum check_verdict hs_test(struct check_hist *h, const struct hs_op *ops, const bool *keep,
                                  int n, enum check_model model, long *budget,
                                  struct hs_op *scratch, long *steps)
{
    struct hs_result r;
    int m = 0;

    if (!hs_closed(h, ops, keep, n, model))
        return CHECK_NA;
    for (int i = 0; i < n; i++) {
        if (keep[i]) {
            scratch[m] = ops[i];
            scratch[m].ret = ops[i].ret0; /* closed again below, by the kept observers only */
            m++;
        }
    }
    if (model != CHECK_MODEL_KV)
        hs_close_info(h, scratch, m);
    hs_mark_lazy(h, scratch, m, model);
    if (*budget <= 0)
        return CHECK_UNKNOWN;
    lin_dfs(h, model, scratch, m, hs_init(h, model), *budget, false, &r);
    *budget -= r.steps;
    *steps += r.steps;
    return r.verdict;
}

/* The op of ops[] that completed ok latest before t, changing the state; -1 if none. */
static int hs_last_change_before(const struct hs_op *ops, const bool *keep, int n, int64_t t)
{
    int best = -1;

    for (int i = 0; i < n; i++) {
        if (!keep[i] || !hs_changes(&ops[i]) || ops[i].status != CHECK_H_OK || ops[i].ret >= t)
            continue;
        if (best < 0 || ops[i].ret > ops[best].ret)
            best = i;
    }
    return best;
}

/*
 * Shrinks a violating set of ops (keep[]) to one no op of which can be left
 * out: first the shortest prefix by invocation that still fails, then the
 * latest start, then chunks and single ops. Each candidate must pass
 * hs_closed, so what remains proves the violation of the whole. Returns
 * false when the budget ran out first (the set is then smaller, not minimal).
 */
static bool hs_minimize(struct check_hist *h, const struct hs_op *ops, bool *keep, int n,
                        enum check_model model, int culprit, long *budget, long *steps)
{
    struct hs_op *scratch = xmalloc(((size_t)n + 1) * sizeof(*scratch));
    bool *trial = xmalloc(((size_t)n + 1) * sizeof(*trial));
    int lo, hi;
    bool complete = true;

    /*
     * First the usual suspects: the read the search could not place, the ops that wrote
     * what it saw, and the last change that completed before it began. When they alone
     * cannot be ordered, shrink them instead of the whole history.
     */
    if (culprit >= 0 && ops[culprit].kind == CHECK_H_READ && model != CHECK_MODEL_KV) {
        int64_t writers_done = INT64_MIN;
        int tries = 0;
        for (int i = 0; i < n; i++)
            if (hs_changes(&ops[i]) && ops[i].value == ops[culprit].value &&
                ops[i].ret > writers_done)
                writers_done = ops[i].ret;
        /* Each change that began after every writer of the value had completed and completed
         * before the read began (the earliest first), with the writers of what it compared. */
        for (int w = 0; w < n && tries < 20; w++) {
            if (!hs_changes(&ops[w]) || ops[w].status != CHECK_H_OK ||
                ops[w].ret >= ops[culprit].call || ops[w].call <= writers_done)
                continue;
            tries++;
            for (int i = 0; i < n; i++)
                trial[i] = i == culprit || i == w ||
                           (hs_changes(&ops[i]) && ops[i].value == ops[culprit].value);
            for (int grew = 1, rounds = 0; grew && rounds < 8; rounds++) {
                grew = 0;
                for (int i = 0; i < n; i++) {
                    if (!trial[i] || ops[i].kind != CHECK_H_CAS)
                        continue;
                    for (int j = 0; j < n; j++)
                        if (!trial[j] && hs_changes(&ops[j]) && ops[j].value == ops[i].from)
                            trial[j] = true, grew = 1;
                }
            }
            if (hs_test(h, ops, trial, n, model, budget, scratch, steps) == CHECK_VIOLATED) {
                memcpy(keep, trial, (size_t)n * sizeof(*trial));
                goto shrink;
            }
        }
    }

    /* ops are in invocation order: the shortest failing prefix. */
    lo = 1;
    hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        for (int i = 0; i < n; i++)
            trial[i] = i < mid;
        if (hs_test(h, ops, trial, n, model, budget, scratch, steps) == CHECK_VIOLATED)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (int i = 0; i < n; i++)
        keep[i] = i < hi;
    /* Then the latest first op. */
    {
        int end = hi, a = 0, b = end - 1;
        while (a < b) {
            int mid = a + (b - a + 1) / 2;
            for (int i = 0; i < n; i++)
                trial[i] = i >= mid && i < end;
            if (hs_test(h, ops, trial, n, model, budget, scratch, steps) == CHECK_VIOLATED)
                a = mid;
            else
                b = mid - 1;
        }
        for (int i = 0; i < n; i++)
            keep[i] = i >= a && i < end;
    }
    /* Then chunks, halving, down to single ops. */
shrink : {
    int kept = 0;
    for (int i = 0; i < n; i++)
        kept += keep[i];
    for (int chunk = kept / 2 > 0 ? kept / 2 : 1;; chunk /= 2) {
        if (chunk < 1)
            chunk = 1;
        int *idx = xmalloc(((size_t)n + 1) * sizeof(int));
        int m = 0;
        for (int i = 0; i < n; i++)
            if (keep[i])
                idx[m++] = i;
        for (int s = 0; s < m; s += chunk) {
            if (*budget <= 0) {
                complete = false;
                break;
            }
            memcpy(trial, keep, (size_t)n * sizeof(*trial));
            for (int k = s; k < s + chunk && k < m; k++)
                trial[idx[k]] = false;
            if (hs_test(h, ops, trial, n, model, budget, scratch, steps) == CHECK_VIOLATED)
                memcpy(keep, trial, (size_t)n * sizeof(*trial));
        }
        free(idx);
        if (!complete)
            break;
        if (chunk == 1) {
            /* One more pass while a single op still goes: leaving one out may free another. */
            int now = 0;
            for (int i = 0; i < n; i++)
                now += keep[i];
            if (now == m)
                break;
        }
    }
}
    if (*budget <= 0)
        complete = false;
    free(trial);
    free(scratch);
    return complete;
}

void check_hist_fmt_time(const struct check_hist *h, int64_t t, char *dst, size_t size)
{
    int64_t per = 0;
    int digits = 0;

    if (t == INT64_MAX) {
        util_strlcpy(dst, "never", size);
        return;
    }
    if (strcmp(h->unit, "ns") == 0) {
        per = 1000000000;
        digits = 9;
    } else if (strcmp(h->unit, "us") == 0) {
        per = 1000000;
        digits = 6;
    } else if (strcmp(h->unit, "ms") == 0) {
        per = 1000;
        digits = 3;
    }
    if (!per) {
        snprintf(dst, size, "#%lld", (long long)t);
        return;
    }
    {
        int64_t a = t < 0 ? -t : t;
        char frac[16];
        int len;
        snprintf(frac, sizeof(frac), "%0*lld", digits, (long long)(a % per));
        len = (int)strlen(frac);
        while (len > 3 && frac[len - 1] == '0')
            frac[--len] = '\0';
        snprintf(dst, size, "%s%lld.%ss", t < 0 ? "-" : "", (long long)(a / per), frac);
    }
}

void check_hist_fmt_op(const struct check_hist *h, int i, bool kv, char *dst, size_t size)
{
    const struct check_hop *o = check_hist_at(h, i);
    char t0[32], t1[32], key[80] = "";
    const char *st, *q;

    if (!o) {
        util_strlcpy(dst, "?", size);
        return;
    }
    check_hist_fmt_time(h, o->invoke, t0, sizeof(t0));
    check_hist_fmt_time(h, o->complete, t1, sizeof(t1));
    if (kv)
        snprintf(key, sizeof(key), " %s", check_hist_str(h, o->key));
    st = o->status == CHECK_H_OK ? "ok" : o->status == CHECK_H_FAIL ? "failed" : "info";
    q = kv && o->value != CHECK_HIST_NIL ? "\"" : ""; /* a key-value store's values are strings */
    switch (o->kind) {
    case CHECK_H_READ:
        snprintf(dst, size, "p%d %s%s -> %s%s%s [%s..%s]", o->process, kv ? "get" : "read", key, q,
                 check_hist_str(h, o->value), q, t0, t1);
        break;
    case CHECK_H_WRITE:
        snprintf(dst, size, "p%d %s%s %s%s%s %s [%s..%s]", o->process, kv ? "put" : "write", key, q,
                 check_hist_str(h, o->value), q, st, t0, t1);
        break;
    case CHECK_H_CAS:
        snprintf(dst, size, "p%d cas%s %s->%s %s [%s..%s]", o->process, key,
                 check_hist_str(h, o->from), check_hist_str(h, o->value), st, t0, t1);
        break;
    case CHECK_H_APPEND:
        snprintf(dst, size, "p%d append%s \"%s\" %s [%s..%s]", o->process, key,
                 check_hist_str(h, o->value), st, t0, t1);
        break;
    case CHECK_H_OTHER:
        snprintf(dst, size, "p%d %s%s %s [%s..%s]", o->process, check_hist_str(h, o->value), key,
                 st, t0, t1);
        break;
    }
}

/*
 * The sentence why, for a window that cannot be ordered (keep[]), in the
 * cases a learner meets most: a read of a value nobody wrote, a read of a
 * value some later-finished write had already replaced, a stale read after a
 * fresh one. The generic sentence otherwise.
 */
static void hs_why(const struct check_hist *h, const struct hs_op *ops, const bool *keep, int n,
                   enum check_model model, char *dst, size_t size)
{
    bool kv = model == CHECK_MODEL_KV;
    bool appends = false;
    char a[200], b[200], c[200];

    for (int i = 0; i < n; i++)
        appends |= keep[i] && ops[i].kind == CHECK_H_APPEND;
    /* Appends: a read that shows two of them in the opposite order of their times. */
    for (int r = 0; r < n && appends; r++) {
        const char *rv;
        if (!keep[r] || ops[r].kind != CHECK_H_READ)
            continue;
        rv = check_hist_str(h, ops[r].value);
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                const char *px, *py;
                if (!keep[x] || !keep[y] || ops[x].kind != CHECK_H_APPEND ||
                    ops[y].kind != CHECK_H_APPEND || ops[x].ret >= ops[y].call)
                    continue;
                px = strstr(rv, check_hist_str(h, ops[x].value));
                py = strstr(rv, check_hist_str(h, ops[y].value));
                if (!px || !py || px <= py)
                    continue;
                check_hist_fmt_op(h, ops[r].idx, kv, a, sizeof(a));
                check_hist_fmt_op(h, ops[x].idx, kv, b, sizeof(b));
                check_hist_fmt_op(h, ops[y].idx, kv, c, sizeof(c));
                snprintf(dst, size,
                         "%s shows \"%s\" appended before \"%s\", but %s had completed before "
                         "%s began.",
                         a, check_hist_str(h, ops[y].value), check_hist_str(h, ops[x].value), b, c);
                return;
            }
        }
    }
    for (int r = 0; r < n && !appends; r++) {
        int v, w, writers = 0, late_writer = 0;
        if (!keep[r] || ops[r].kind != CHECK_H_READ)
            continue;
        v = ops[r].value;
        for (int i = 0; i < n; i++) {
            if (!keep[i] || !hs_changes(&ops[i]) || ops[i].value != v)
                continue;
            writers++;
            if (ops[i].call < ops[r].ret)
                late_writer++;
        }
        check_hist_fmt_op(h, ops[r].idx, kv, a, sizeof(a));
        if (!kv && v != CHECK_HIST_NIL && writers == 0) {
            snprintf(dst, size, "%s returned %s, but no op in the history wrote %s.", a,
                     check_hist_str(h, v), check_hist_str(h, v));
            return;
        }
        if (!kv && writers > 0 && late_writer == 0) {
            snprintf(dst, size,
                     "%s returned %s, but every write of %s began after the read had "
                     "completed: a read cannot see the future.",
                     a, check_hist_str(h, v), check_hist_str(h, v));
            return;
        }
        w = hs_last_change_before(ops, keep, n, ops[r].call);
        if (w < 0 || ops[w].value == v)
            continue;
        {
            bool all_before = true;
            for (int i = 0; i < n; i++)
                if (keep[i] && hs_changes(&ops[i]) && ops[i].value == v &&
                    ops[i].ret >= ops[w].call)
                    all_before = false;
            if (!kv && v == CHECK_HIST_NIL)
                all_before = true;
            if (!all_before)
                continue;
        }
        check_hist_fmt_op(h, ops[w].idx, kv, b, sizeof(b));
        if (!kv && v == CHECK_HIST_NIL)
            snprintf(dst, size,
                     "%s returned nil, the value before any write, but %s had completed before "
                     "the read began.",
                     a, b);
        else
            snprintf(dst, size,
                     "%s returned %s%s%s, but %s had completed before the read began, after "
                     "every op that could have left %s%s%s had completed: the read must see "
                     "its value or a later one.",
                     a, kv ? "\"" : "", check_hist_str(h, v), kv ? "\"" : "", b, kv ? "\"" : "",
                     check_hist_str(h, v), kv ? "\"" : "");
        return;
    }
    for (int r1 = 0; r1 < n; r1++) {
        for (int r2 = 0; r2 < n; r2++) {
            if (!keep[r1] || !keep[r2] || ops[r1].kind != CHECK_H_READ ||
                ops[r2].kind != CHECK_H_READ || ops[r1].ret >= ops[r2].call ||
                ops[r1].value == ops[r2].value)
                continue;
            check_hist_fmt_op(h, ops[r1].idx, kv, a, sizeof(a));
            check_hist_fmt_op(h, ops[r2].idx, kv, b, sizeof(b));
            snprintf(dst, size,
                     "%s completed before %s began, yet no order of the writes gives the first "
                     "its value and then the second its older one.",
                     a, b);
            return;
        }
    }
    snprintf(dst, size,
             "No order of these ops respects both their times (an op that completed before "
             "another began goes first) and the %s model: some read or cas always sees a value the "
             "order does not give it.",
             check_model_name(model));
}

/*
 * One key's ops as the search takes them, in invocation order: failed
 * writes, appends and reads left out (they did not happen), reads of unknown
 * outcome left out (they say nothing), writes of unknown outcome open-ended.
 * An indeterminate write whose value no kept op observes is left out too: it
 * can always go last, which is the same as never, so it changes no verdict
 * and would otherwise be concurrent with everything after it. Returns the
 * count, or -1 with why filled when the model cannot take an op.
 */
static int hs_gather(struct check_hist *h, const int *idx, int m, enum check_model model,
                     struct hs_op *ops, char *why, size_t why_size)
{
    int n = 0, n_info = 0, n_reads = 0;
    bool failed_cas = false;
    int kv_empty = model == CHECK_MODEL_KV ? check_hist_intern(h, "") : CHECK_HIST_NIL;

    for (int i = 0; i < m; i++) {
        const struct check_hop *o = check_hist_at(h, idx[i]);
        struct hs_op x = {idx[i],    o->kind,     o->status,   o->value, o->from,
                          o->invoke, o->complete, o->complete, false};
        const char *bad = NULL;
        if (o->kind == CHECK_H_OTHER)
            bad = "an op no model here knows";
        else if (o->kind == CHECK_H_CAS && model != CHECK_MODEL_CAS_REGISTER)
            bad = "a cas (use --model cas-register)";
        else if (o->kind == CHECK_H_APPEND && model != CHECK_MODEL_KV)
            bad = "an append (use --model kv)";
        if (bad) {
            char a[200];
            check_hist_fmt_op(h, idx[i], model == CHECK_MODEL_KV, a, sizeof(a));
            snprintf(why, why_size, "not checked: line %d is %s: %s", o->line, bad, a);
            return -1;
        }
        if (o->status == CHECK_H_FAIL && o->kind != CHECK_H_CAS)
            continue;
        if (o->status == CHECK_H_INFO && o->kind == CHECK_H_READ)
            continue;
        if (o->status == CHECK_H_INFO) {
            x.ret = INT64_MAX;
            n_info++;
        }
        x.ret0 = x.ret;
        if (x.kind == CHECK_H_READ) {
            n_reads++;
            if (x.value == CHECK_HIST_NIL)
                x.value = kv_empty;
        }
        ops[n++] = x;
    }
    {
        /*
         * A failed cas that compared with a value no op writes (nor the initial one) fits
         * anywhere: it constrains nothing and is left out. The others may depend on any
         * write's placement, so with them no write is left out below.
         */
        unsigned char *written = xcalloc((size_t)h->n_strs, 1);
        int k = 0;
        written[CHECK_HIST_NIL] = 1;
        for (int i = 0; i < n; i++)
            if (hs_changes(&ops[i]))
                written[ops[i].value] = 1;
        for (int i = 0; i < n; i++) {
            if (ops[i].kind == CHECK_H_CAS && ops[i].status == CHECK_H_FAIL) {
                if (!written[ops[i].from])
                    continue;
                failed_cas = true;
            }
            ops[k++] = ops[i];
        }
        n = k;
        free(written);
    }
    if (model != CHECK_MODEL_KV)
        hs_close_info(h, ops, n);
    if (n_info == 0 || failed_cas)
        return n;
    if (model == CHECK_MODEL_KV && (long)n_info * n_reads > 4000000L)
        return n; /* too costly to prove them unobserved: keep them */
    {
        /* What kept ops observe: read values and compared values (all of them, as if kept). */
        unsigned char *seen = xcalloc((size_t)h->n_strs, 1);
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (ops[i].kind == CHECK_H_READ)
                seen[ops[i].value] = 1;
            if (ops[i].kind == CHECK_H_CAS)
                seen[ops[i].from] = 1;
        }
        for (int i = 0; i < n; i++) {
            bool observed = true;
            if (ops[i].ret == INT64_MAX && hs_changes(&ops[i])) {
                if (model != CHECK_MODEL_KV) {
                    observed = seen[ops[i].value];
                } else {
                    const char *v = check_hist_str(h, ops[i].value);
                    observed = false;
                    for (int j = 0; j < n && !observed; j++)
                        if (ops[j].kind == CHECK_H_READ &&
                            strstr(check_hist_str(h, ops[j].value), v))
                            observed = true;
                }
            }
            if (observed)
                ops[k++] = ops[i];
        }
        free(seen);
        n = k;
    }
    return n;
}

static void hs_key(struct check_hist *h, const int *idx, int m, enum check_model model, long budget,
                   bool explain, struct check_hkey *out)
{
    struct hs_op *ops = xmalloc(((size_t)m + 1) * sizeof(*ops));
    struct hs_result r;
    int n;

    n = hs_gather(h, idx, m, model, ops, out->why, sizeof(out->why));
    if (n < 0) {
        out->verdict = CHECK_NA;
        free(ops);
        return;
    }
    out->ops = n;
    out->culprit = -1;
    hs_mark_lazy(h, ops, n, model);
    lin_dfs(h, model, ops, n, hs_init(h, model), budget, true, &r);
    if (r.verdict == CHECK_VIOLATED && r.culprit >= 0)
        out->culprit = ops[r.culprit].idx;
    out->verdict = r.verdict;
    out->steps = r.steps;
    out->lin = r.lin;
    out->n_lin = r.n_lin;
    for (int k = 0; k < r.n_lin; k++)
        out->lin[k] = ops[out->lin[k]].idx;
    if (r.stop == LIN_STOP_BUDGET)
        snprintf(out->why, sizeof(out->why),
                 "the search budget of %ld steps ran out (%d ops): neither a proof nor a pass; "
                 "try a larger --budget",
                 budget, n);
    else if (r.stop == LIN_STOP_MEMORY)
        snprintf(out->why, sizeof(out->why),
                 "the search memory of %d MB ran out (%d ops): neither a proof nor a pass",
                 (int)(CHECK_MEMO_MAX_BYTES >> 20), n);
    if (r.verdict == CHECK_VIOLATED) {
        bool *keep = xmalloc((size_t)n + 1);
        bool minimal = false;
        long left = budget;
        for (int i = 0; i < n; i++)
            keep[i] = true;
        if (explain)
            minimal = hs_minimize(h, ops, keep, n, model, r.culprit, &left, &out->steps);
        if (explain) {
            int kept = 0;
            for (int i = 0; i < n; i++)
                kept += keep[i];
            if (kept <= 2000)
                hs_why(h, ops, keep, n, model, out->why, sizeof(out->why));
            else
                snprintf(out->why, sizeof(out->why), "No order of these %d ops fits the %s.", kept,
                         check_model_name(model));
        } else {
            char a[200];
            check_hist_fmt_op(h, out->culprit, model == CHECK_MODEL_KV, a, sizeof(a));
            snprintf(out->why, sizeof(out->why),
                     "No order of the %d ops fits the %s; every order the search tried broke "
                     "down by the end of %s. --explain finds the smallest window of ops that "
                     "cannot be ordered.",
                     n, check_model_name(model), a);
            for (int i = 0; i < n; i++)
                keep[i] = false;
        }
        out->window = xmalloc(((size_t)n + 1) * sizeof(int));
        for (int i = 0; i < n; i++)
            if (keep[i])
                out->window[out->n_window++] = ops[i].idx;
        if (explain && minimal)
            util_appendf(out->why, sizeof(out->why),
                         " Leave out any one of these %d ops (keeping the writes the others saw) "
                         "and the rest can be ordered.",
                         out->n_window);
        else if (explain)
            util_appendf(out->why, sizeof(out->why),
                         " (The search budget ran out while shrinking the window: it is not "
                         "the smallest.)");
        free(keep);
    }
    free(ops);
}

void check_hist_run(struct check_hist *h, enum check_model model, long budget, bool explain,
                    struct check_hresult *out)
{
    int n = h->n, n_keys = 0;
    int *slot = xmalloc(((size_t)h->n_strs + 1) * sizeof(int));
    int *kid = xmalloc(((size_t)n + 1) * sizeof(int));
    int *start, *fill, *by_key;

    memset(out, 0, sizeof(*out));
    out->worst = CHECK_NA;
    if (budget <= 0)
        budget = CHECK_DEFAULT_BUDGET;
    for (int i = 0; i < h->n_strs; i++)
        slot[i] = -1;
    for (int i = 0; i < n; i++) {
        int k = h->ops[i].key; /* registers too: a history of several is one per key */
        if (slot[k] < 0)
            slot[k] = n_keys++;
        kid[i] = slot[k];
    }
    start = xcalloc((size_t)n_keys + 2, sizeof(int));
    for (int i = 0; i < n; i++)
        start[kid[i] + 1]++;
    for (int k = 0; k < n_keys; k++)
        start[k + 1] += start[k];
    fill = xmalloc(((size_t)n_keys + 1) * sizeof(int));
    memcpy(fill, start, ((size_t)n_keys + 1) * sizeof(int));
    by_key = xmalloc(((size_t)n + 1) * sizeof(int));
    for (int i = 0; i < n; i++)
        by_key[fill[kid[i]]++] = i;
    /* Each key's ops in invocation order (the file's order, usually; sorted to be sure). */
    for (int k = 0; k < n_keys; k++) {
        int *a = by_key + start[k], m = start[k + 1] - start[k];
        for (int i = 1; i < m; i++) {
            int x = a[i], j = i;
            if (h->ops[a[i - 1]].invoke <= h->ops[x].invoke)
                continue;
            while (j > 0 && h->ops[a[j - 1]].invoke > h->ops[x].invoke) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    }
    out->keys = xcalloc((size_t)n_keys + 1, sizeof(*out->keys));
    out->n_keys = n_keys;
    for (int k = 0; k < n_keys; k++) {
        struct check_hkey *kr = &out->keys[k];
        kr->key = h->ops[by_key[start[k]]].key;
        hs_key(h, by_key + start[k], start[k + 1] - start[k], model, budget, explain, kr);
        if (check_severity(kr->verdict) > check_severity(out->worst))
            out->worst = kr->verdict;
    }
    free(by_key);
    free(fill);
    free(start);
    free(kid);
    free(slot);
}

void check_hresult_release(struct check_hresult *r)
{
    for (int k = 0; k < r->n_keys; k++) {
        free(r->keys[k].window);
        free(r->keys[k].lin);
    }
    free(r->keys);
    memset(r, 0, sizeof(*r));
}
