#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "model.h"
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
                char vals[64];
                op_format_values(&op->result, vals, sizeof(vals));
                snprintf(out->witness, sizeof(out->witness),
                         "siblings: not a register (%s read %s)", op->label, vals);
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
    struct check_lin r, na;

    memset(first, 0, sizeof(*first));
    memset(&na, 0, sizeof(na));
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
        if (r.verdict == CHECK_NA && !na.key[0])
            na = r;
        if (severity(r.verdict) > severity(worst)) {
            worst = r.verdict;
            *first = r;
        }
    }
    /* Every register key passed: say which key was left out, and why (siblings, say). */
    if (worst == CHECK_OK && na.key[0])
        snprintf(first->witness, sizeof(first->witness), "%s: %s", na.key, na.witness);
    else if (worst == CHECK_NA && na.key[0])
        *first = na;
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
 * Does any live replica still hold key=value: in what a local read returns,
 * in its log (an overwritten entry is still there), or among its versions?
 */
static bool held_anywhere(const struct engine *e, const char *key, const char *value)
{
    struct op_values v;
    struct engine_node info;

    for (int i = 0; i < engine_nodes(e); i++) {
        const struct store *s = engine_store(e, i);
        const struct store_item *it = store_kv_get(s, key);
        engine_node(e, i, &info);
        if (info.state == NODE_CRASHED)
            continue;
        engine_read_local(e, i, key, &v);
        for (int k = 0; k < v.n; k++)
            if (strcmp(v.v[k], value) == 0)
                return true;
        for (int64_t o = 0; o < store_log_end(s); o++) {
            const struct store_entry *en = store_log_at(s, o);
            if (strcmp(en->key, key) == 0 && strcmp(en->value, value) == 0)
                return true;
        }
        for (int k = 0; it && k < it->n; k++)
            if (!it->v[k].tombstone && strcmp(it->v[k].value, value) == 0)
                return true;
    }
    return false;
}

/* 0: not thrown away; else 1 + the enum model_discard_kind the model reported. */
static int discarded(const struct check_recorder *rec, const struct op *w)
{
    char kv[CHECK_DISCARD_MAX];

    if (!rec)
        return 0;
    snprintf(kv, sizeof(kv), "%s=%s", w->req.key, w->req.value);
    for (int i = 0; i < rec->n_discards; i++)
        if (strcmp(rec->discards[i], kv) == 0)
            return 1 + rec->discard_kind[i];
    return 0;
}

/*
 * The cause, where the trace shows it: what befell the node that acknowledged
 * the write afterwards (a crash, a wipe, a pause), which logs were cut back,
 * who led next, or that a model threw the value away.
 */
static void explain_loss(const struct check_recorder *rec, const struct op *w, int thrown,
                         char *dst, size_t size)
{
    int said = 0;
    char t[24];

    if (!rec)
        return;
    if (thrown == 1 + MODEL_DISCARD_BOUND) {
        util_appendf(dst, size, ": a replica pushed it out, over the model's bound on siblings");
        return;
    }
    if (thrown == 1 + MODEL_DISCARD_LATER) {
        util_appendf(dst, size,
                     ": a replica threw it away for a write with a higher timestamp, though it "
                     "was causally later (it had seen that write)");
        return;
    }
    if (thrown) {
        util_appendf(dst, size, ": a replica threw it away for a concurrent write");
        return;
    }
    for (int i = 0; i < rec->n_moments && said < 4; i++) {
        const struct check_moment *m = &rec->moments[i];
        if (m->t_us < w->complete_us - 1000)
            continue;
        util_fmt_time(t, sizeof(t), m->t_us);
        if (strcmp(m->what, "truncate") == 0) {
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

void check_lost_writes(const struct engine *e, const struct check_recorder *rec,
                       struct check_lost *out)
{
    const struct history *h = engine_history(e);
    size_t total = history_count(h);
    bool log_model = false;

    memset(out, 0, sizeof(*out));
    /* In a replicated log an acknowledged write keeps its entry whatever comes after it, so
     * nothing excuses its absence; in a key-value store a later write replaces it. */
    for (int i = 0; i < engine_nodes(e); i++)
        if (store_log_end(engine_store(e, i)) > 0)
            log_model = true;
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *w = history_at(h, id);
        bool superseded = false;

        int thrown = 0;
        if (w->req.kind != OP_PUT || w->status != OP_OK)
            continue;
        thrown = discarded(rec, w);
        for (uint64_t j = 1; j <= total && !superseded && !log_model; j++) {
            const struct op *later = history_at(h, j);
            /*
             * A write that began after this one was acknowledged may legitimately replace
             * it, even one that failed (it may still have taken effect). A concurrent one
             * may too — its replica may have seen this write first — unless the model
             * reported throwing this write away unseen: the loser of two concurrent writes
             * under last-write-wins is lost.
             */
            bool before = later->status == OP_OK && later->complete_us < w->invoke_us;
            superseded = j != id && (later->req.kind == OP_PUT || later->req.kind == OP_DEL) &&
                         strcmp(later->req.key, w->req.key) == 0 && !before &&
                         (later->invoke_us > w->complete_us || !thrown) &&
                         thrown != 1 + MODEL_DISCARD_BOUND;
        }
        if (superseded || held_anywhere(e, w->req.key, w->req.value))
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
}

/* Is every entry of a at most b's? */
static bool vc_le(const struct vclock *a, const struct vclock *b)
{
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        if (a->v[i] > b->v[i])
            return false;
    return true;
}

void check_resurrections(const struct history *h, struct check_zombie *out)
{
    size_t total = history_count(h);

    memset(out, 0, sizeof(*out));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *r = history_at(h, id);
        if (r->req.kind != OP_GET || r->status != OP_OK)
            continue;
        for (int k = 0; k < r->result.n; k++) {
            const struct op *w = NULL, *d = NULL;
            for (uint64_t j = 1; j <= total && !w; j++) {
                const struct op *o = history_at(h, j);
                if (o->req.kind == OP_PUT && o->status == OP_OK && o->has_ctx &&
                    strcmp(o->req.key, r->req.key) == 0 &&
                    strcmp(o->req.value, r->result.v[k]) == 0)
                    w = o;
            }
            /* A delete acknowledged before the read began, whose context had seen the write. */
            for (uint64_t j = 1; j <= total && w && !d; j++) {
                const struct op *o = history_at(h, j);
                if (o->req.kind == OP_DEL && o->status == OP_OK && o->has_ctx &&
                    strcmp(o->req.key, r->req.key) == 0 && o->complete_us < r->invoke_us &&
                    vc_le(&w->ctx, &o->ctx))
                    d = o;
            }
            if (!d || out->count++ > 0)
                continue;
            out->first = r->id;
            snprintf(out->witness, sizeof(out->witness),
                     "%s read %s=%s, which %s had deleted (acknowledged before the read began)",
                     r->label, r->req.key, r->result.v[k], d->label);
        }
    }
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
    for (int i = 0; i < r->n_discards; i++) {
        if (strcmp(r->discards[i], kv) == 0) {
            if (ev->a > r->discard_kind[i])
                r->discard_kind[i] = (unsigned char)ev->a; /* the gravest reason */
            return;
        }
    }
    if (r->n_discards >= CHECK_MAX_DISCARDS) {
        r->dropped = true;
        return;
    }
    if (r->n_discards == r->cap_discards) {
        r->cap_discards = r->cap_discards ? r->cap_discards * 2 : 16;
        r->discards = xrealloc(r->discards, (size_t)r->cap_discards * sizeof(*r->discards));
        r->discard_kind =
            xrealloc(r->discard_kind, (size_t)r->cap_discards * sizeof(*r->discard_kind));
    }
    r->discard_kind[r->n_discards] = (unsigned char)ev->a;
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
    case TRACE_SEND:
    case TRACE_DROP:
    case TRACE_DUP:
    case TRACE_TIMER:
    case TRACE_OP_START:
    case TRACE_OP_END:
    case TRACE_SET:
    case TRACE_CLOCK:
    case TRACE_NOTE:
        break;
    }
}

void check_recorder_init(struct check_recorder *r)
{
    memset(r, 0, sizeof(*r));
    r->obs.fn = recorder_event;
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        r->crashed_at[i] = -1;
}

void check_recorder_release(struct check_recorder *r)
{
    free(r->leads);
    free(r->susp);
    free(r->discards);
    free(r->discard_kind);
    free(r->moments);
    r->moments = NULL;
    r->n_moments = r->cap_moments = 0;
    r->leads = NULL;
    r->susp = NULL;
    r->discards = NULL;
    r->discard_kind = NULL;
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
        op_format_values(&a->result, va, sizeof(va));
    op_format_values(&b->result, vb, sizeof(vb));
    snprintf(dst, size, "%s: c%d's %s (%s at %s) then %s read %s=%s at %s", what, a->req.client + 1,
             a->label, va, ta, b->label, b->req.key, vb, tb);
}

/* Keys with deletes are not put/get registers: the session checks leave them out. */
static bool key_has_del(const struct history *h, const char *key)
{
    for (uint64_t i = 1; i <= history_count(h); i++)
        if (history_at(h, i)->req.kind == OP_DEL && strcmp(history_at(h, i)->req.key, key) == 0)
            return true;
    return false;
}

void check_sessions(const struct history *h, struct check_sessions *out)
{
    size_t total = history_count(h);

    memset(out, 0, sizeof(*out));
    for (uint64_t j = 1; j <= total; j++) {
        const struct op *r = history_at(h, j);
        bool ryw = false, mono = false, prefix = false;
        if (r->req.kind != OP_GET || r->status != OP_OK || r->result.n > 1 ||
            key_has_del(h, r->req.key))
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
    for (uint64_t id = 1; id <= total; id++) {
        const char *key = history_at(h, id)->req.key;
        struct op_values first = {0}, v;
        bool seen = false, have = false;
        char line[CHECK_WITNESS_MAX] = "";

        for (uint64_t j = 1; j < id && !seen; j++)
            seen = strcmp(history_at(h, j)->req.key, key) == 0;
        if (seen)
            continue;
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
    if (out->converged && r)
        out->after_heal_us =
            r->last_change_us > r->last_fault_us ? r->last_change_us - r->last_fault_us : 0;
}
