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
    bool *has_del = xcalloc(total + 1, sizeof(bool)); /* per key */
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
        if (op->req.kind == OP_DEL)
            has_del[so[i].kid] = true;
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
    /* The reads to judge; a key with deletes is no put/get register, and is left out. */
    for (int i = 0; i < n; i++) {
        const struct op *op = history_at(h, (uint64_t)i + 1);
        if (op->req.kind == OP_GET && op->status == OP_OK && op->result.n <= 1 &&
            !has_del[so[i].kid])
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
    free(has_del);
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
