/* check_sessions: read-your-writes, monotonic reads and consistent prefix (check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_int.h"
#include "engine.h"
#include "model.h"
#include "strmap.h"
#include "util.h"

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
        op_format_result(&a->result, va, sizeof(va));
    op_format_result(&b->result, vb, sizeof(vb));
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

/* The sweep's working set: the ops indexed, the candidates grouped (by client and key, and by
 * client), a segment tree per group and per client, each key's ok puts by invocation. */
struct sess {
    const struct history *h;
    int n, n_keys, n_groups, n_clients, n_sw, n_puts;
    struct sess_op *so;
    struct strmap keys, vals, groups;
    bool *has_del; /* per key */
    int *gsize, *gstart, *gmember;
    int *csize, *cstart, *cmember;
    struct segt *gt, *ct;
    struct put_at *puts;
    int *put_start; /* per key, into puts */
    int64_t *suf;   /* the suffix minimum of the puts' completions, within a key */
    struct sweep *sw;
};

static const struct op *sess_at(const struct sess *s, int i)
{
    return history_at(s->h, (uint64_t)i + 1);
}

/* Keys, and the first put of each value of each key. */
static void sess_index(struct sess *s)
{
    for (int i = 0; i < s->n; i++) {
        const struct op *op = sess_at(s, i);
        s->so[i].kid = strmap_put(&s->keys, 0, op->req.key, s->n_keys);
        if (s->so[i].kid == s->n_keys)
            s->n_keys++;
        if (op->req.kind == OP_PUT)
            strmap_put(&s->vals, s->so[i].kid, op->req.value, i);
        if (op->req.kind == OP_DEL)
            s->has_del[s->so[i].kid] = true;
        if (op->req.client + 1 > s->n_clients)
            s->n_clients = op->req.client + 1;
    }
}

/* The candidates, grouped, each queued for the sweep at its completion; the ok puts. */
static void sess_candidates(struct sess *s)
{
    s->gsize = xcalloc((size_t)s->n + 1, sizeof(int));
    s->csize = xcalloc((size_t)s->n_clients + 1, sizeof(int));
    for (int i = 0; i < s->n; i++) {
        const struct op *op = sess_at(s, i);
        struct sess_op *o = &s->so[i];
        o->seen = -1;
        o->group = -1;
        o->cpos = -1;
        o->viol[0] = o->viol[1] = o->viol[2] = -1;
        if (op->req.kind == OP_GET && op->result.n == 1)
            o->seen = strmap_get(&s->vals, o->kid, op->result.v[0]);
        if (op->req.kind == OP_PUT && op->status == OP_OK)
            s->puts[s->n_puts++] = (struct put_at){o->kid, op->invoke_us, op->complete_us};
        if (op->status != OP_OK || op->req.client < 0)
            continue;
        if (op->req.kind != OP_PUT && !(op->req.kind == OP_GET && o->seen >= 0))
            continue;
        o->group =
            sess_group(&s->groups, op->req.client, op->req.kind == OP_PUT, o->kid, s->n_groups);
        if (o->group == s->n_groups)
            s->n_groups++;
        o->pos = s->gsize[o->group]++;
        if (op->req.kind == OP_GET)
            o->cpos = s->csize[op->req.client]++;
        s->sw[s->n_sw++] = (struct sweep){op->complete_us, 0, i};
    }
}

/* Each group's and each client's members in order, and a segment tree over each. */
static void sess_members(struct sess *s)
{
    s->gstart = xcalloc((size_t)s->n_groups + 1, sizeof(int));
    s->cstart = xcalloc((size_t)s->n_clients + 1, sizeof(int));
    for (int g = 0; g < s->n_groups; g++)
        s->gstart[g + 1] = s->gstart[g] + s->gsize[g];
    for (int c = 0; c < s->n_clients; c++)
        s->cstart[c + 1] = s->cstart[c] + s->csize[c];
    s->gmember = xmalloc(((size_t)s->gstart[s->n_groups] + 1) * sizeof(int));
    s->cmember = xmalloc(((size_t)s->cstart[s->n_clients] + 1) * sizeof(int));
    for (int i = 0; i < s->n; i++) {
        if (s->so[i].group >= 0)
            s->gmember[s->gstart[s->so[i].group] + s->so[i].pos] = i;
        if (s->so[i].cpos >= 0)
            s->cmember[s->cstart[sess_at(s, i)->req.client] + s->so[i].cpos] = i;
    }
    s->gt = xmalloc(((size_t)s->n_groups + 1) * sizeof(*s->gt));
    for (int g = 0; g < s->n_groups; g++)
        segt_init(&s->gt[g], s->gsize[g]);
    s->ct = xmalloc(((size_t)s->n_clients + 1) * sizeof(*s->ct));
    for (int c = 0; c < s->n_clients; c++)
        segt_init(&s->ct[c], s->csize[c]);
}

/* Each key's ok puts by invoke time, with the suffix minimum of their completions. */
static void sess_puts(struct sess *s)
{
    qsort(s->puts, (size_t)s->n_puts, sizeof(*s->puts), cmp_put_at);
    s->put_start = xcalloc((size_t)s->n_keys + 1, sizeof(int));
    for (int i = 0; i < s->n_puts; i++)
        s->put_start[s->puts[i].kid + 1]++;
    for (int k = 0; k < s->n_keys; k++)
        s->put_start[k + 1] += s->put_start[k];
    for (int i = s->n_puts - 1; i >= 0; i--)
        s->suf[i] = i + 1 < s->n_puts && s->puts[i + 1].kid == s->puts[i].kid &&
                            s->suf[i + 1] < s->puts[i].complete_us
                        ? s->suf[i + 1]
                        : s->puts[i].complete_us;
}

/* The reads to judge, queued at their invocations; a key with deletes is no put/get register,
 * and is left out. Then the sweep's order. */
static void sess_queue_reads(struct sess *s)
{
    for (int i = 0; i < s->n; i++) {
        const struct op *op = sess_at(s, i);
        if (op->req.kind == OP_GET && op->status == OP_OK && op->result.n <= 1 &&
            !s->has_del[s->so[i].kid])
            s->sw[s->n_sw++] = (struct sweep){op->invoke_us, 1, i};
    }
    qsort(s->sw, (size_t)s->n_sw, sizeof(*s->sw), cmp_sweep);
}

/* A candidate completes: its value (the invocation of the write it is or saw) enters its
 * group's tree and, for a read, its client's. */
static void sess_insert(struct sess *s, int i)
{
    const struct op *op = sess_at(s, i);
    const struct sess_op *o = &s->so[i];
    int64_t v = op->req.kind == OP_PUT ? op->invoke_us : sess_at(s, o->seen)->invoke_us;

    segt_set(&s->gt[o->group], o->pos, v, o->kid);
    if (o->cpos >= 0)
        segt_set(&s->ct[op->req.client], o->cpos, v, o->kid);
}

/* Read i begins: the earliest op of its client, before it and complete by now, that breaks
 * each guarantee (check_sessions says how), into so[i].viol. */
static void sess_judge(struct sess *s, int i)
{
    const struct op *op = sess_at(s, i);
    struct sess_op *o = &s->so[i];
    int c = op->req.client, lo, hi;
    int64_t thr, m = INT64_MAX;

    if (op->result.n == 0) {
        thr = INT64_MIN;
    } else {
        const struct op *sv = o->seen >= 0 ? sess_at(s, o->seen) : NULL;
        if (!sv || sv->status != OP_OK)
            return;
        thr = sv->complete_us;
    }
    if (c < 0 || c >= s->n_clients)
        return;
    for (int kind = 0; kind < 2; kind++) {
        int g = sess_group(&s->groups, c, kind == 0, o->kid, -1), p;
        if (g < 0)
            continue;
        p = segt_leftmost(&s->gt[g], thr, -1);
        if (p >= 0 && s->gmember[s->gstart[g] + p] < i)
            o->viol[kind] = s->gmember[s->gstart[g] + p];
    }
    lo = s->put_start[o->kid];
    hi = s->put_start[o->kid + 1];
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->puts[mid].invoke_us > thr)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo < s->put_start[o->kid + 1])
        m = s->suf[lo];
    if (m != INT64_MAX) {
        int p = segt_leftmost(&s->ct[c], m, o->kid);
        if (p >= 0 && s->cmember[s->cstart[c] + p] < i)
            o->viol[2] = s->cmember[s->cstart[c] + p];
    }
}

/* The counts, and the witness: the first read by id, with its earliest breaking op. */
static void sess_count(const struct sess *s, struct check_sessions *out)
{
    static const char *const names[3] = {"read-your-writes", "monotonic reads",
                                         "consistent prefix"};

    for (int i = 0; i < s->n; i++) {
        const struct sess_op *o = &s->so[i];
        int first = -1;
        for (int k = 0; k < 3; k++) {
            if (o->viol[k] < 0)
                continue;
            if (first < 0 || o->viol[k] < o->viol[first])
                first = k;
        }
        if (first < 0)
            continue;
        out->ryw += o->viol[0] >= 0;
        out->monotonic += o->viol[1] >= 0;
        out->prefix += o->viol[2] >= 0;
        if (!out->witness[0])
            name_pair(out->witness, sizeof(out->witness), names[first], sess_at(s, o->viol[first]),
                      sess_at(s, i));
    }
}

static void sess_release(struct sess *s)
{
    free(s->sw);
    free(s->suf);
    free(s->puts);
    free(s->has_del);
    free(s->put_start);
    for (int g = 0; g < s->n_groups; g++)
        segt_release(&s->gt[g]);
    for (int c = 0; c < s->n_clients; c++)
        segt_release(&s->ct[c]);
    free(s->gt);
    free(s->ct);
    free(s->gmember);
    free(s->cmember);
    free(s->gstart);
    free(s->cstart);
    free(s->gsize);
    free(s->csize);
    strmap_release(&s->groups);
    strmap_release(&s->vals);
    strmap_release(&s->keys);
    free(s->so);
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
    size_t total = history_count(h);
    struct sess s;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    s.h = h;
    s.n = (int)total;
    s.so = xcalloc(total + 1, sizeof(*s.so));
    s.has_del = xcalloc(total + 1, sizeof(bool));
    s.puts = xmalloc((total + 1) * sizeof(*s.puts));
    s.suf = xmalloc((total + 1) * sizeof(*s.suf));
    s.sw = xmalloc((2 * total + 1) * sizeof(*s.sw));
    strmap_init(&s.keys);
    strmap_init(&s.vals);
    strmap_init(&s.groups);
    sess_index(&s);
    sess_candidates(&s);
    sess_members(&s);
    sess_puts(&s);
    sess_queue_reads(&s);
    for (int k = 0; k < s.n_sw; k++) {
        if (s.sw[k].query)
            sess_judge(&s, s.sw[k].idx);
        else
            sess_insert(&s, s.sw[k].idx);
    }
    sess_count(&s, out);
    sess_release(&s);
}
