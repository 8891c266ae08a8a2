/* check_lost: acknowledged writes lost, duplicated or resurrected (check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_int.h"
#include "engine.h"
#include "model.h"
#include "strmap.h"
#include "util.h"

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
struct dup_entry {
    uint64_t op_id;
    int64_t offset;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int cmp_dup(const void *a, const void *b)
{
    const struct dup_entry *x = a, *y = b;

    if (x->op_id != y->op_id)
        return x->op_id < y->op_id ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void check_duplicates(const struct engine *e, struct check_dup *out)
{
    const struct history *h = engine_history(e);
    uint64_t *ids = NULL; /* the duplicated writes, over every replica */
    size_t n_ids = 0, cap = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < engine_nodes(e); i++) {
        const struct store *s = engine_store(e, i);
        int64_t end = store_log_end(s), n = 0;
        struct engine_node info;
        struct dup_entry *d;
        if (end > 0)
            out->has_log = true;
        if (end < 2 || engine_node(e, i, &info) < 0 || info.state == NODE_CRASHED)
            continue;
        d = xmalloc((size_t)end * sizeof(*d));
        for (int64_t o = 0; o < end; o++) {
            const struct store_entry *en = store_log_at(s, o);
            if (en->op_id) {
                d[n].op_id = en->op_id;
                d[n++].offset = o;
            }
        }
        if (n > 1)
            qsort(d, (size_t)n, sizeof(*d), cmp_dup);
        for (int64_t k = 1; k < n; k++) {
            const struct op *w;
            if (d[k].op_id != d[k - 1].op_id)
                continue;
            out->copies++;
            if (n_ids == cap) {
                cap = cap ? 2 * cap : 16;
                ids = xrealloc(ids, cap * sizeof(*ids));
            }
            ids[n_ids++] = d[k].op_id;
            if (out->first)
                continue;
            out->first = d[k].op_id;
            w = d[k].op_id <= history_count(h) ? history_at(h, d[k].op_id) : NULL;
            snprintf(out->witness, sizeof(out->witness),
                     "%s put %s=%s is in n%d's log twice (offsets %lld and %lld): a resend the "
                     "leader appended again",
                     w ? w->label : "a write", w ? w->req.key : "?", w ? w->req.value : "?", i + 1,
                     (long long)d[k - 1].offset, (long long)d[k].offset);
        }
        free(d);
    }
    if (n_ids > 1)
        qsort(ids, n_ids, sizeof(*ids), cmp_u64);
    for (size_t k = 0; k < n_ids; k++)
        out->writes += k == 0 || ids[k] != ids[k - 1];
    free(ids);
}

/*
 * Over 120 lines on purpose: three passes over the history (index the keys,
 * the ok puts per key by completion, then judge each acknowledged write)
 * share the per-key arrays they build; each pass is commented where it
 * starts.
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
        /* What may replace a write: a later put, or a delete (a tombstone is a write too). */
        if (op->req.kind != OP_PUT && op->req.kind != OP_DEL)
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
        if ((op->req.kind == OP_PUT || op->req.kind == OP_DEL) && op->status == OP_OK)
            ok_done[fill[kid[id - 1]]++] = op->complete_us;
    }
    for (int k = 0; k < n_keys; k++)
        qsort(ok_done + ok_start[k], (size_t)(ok_start[k + 1] - ok_start[k]), sizeof(int64_t),
              cmp_i64_desc);
    held_values(e, &keys, n_keys, key_names, &held);
    /* The first report of each discarded key=value, as 1 + the enum model_discard_kind. */
    for (int i = 0; rec && i < rec->n_discards; i++)
        strmap_put(&thrown_set, 0, rec->discards[i], 1 + (int)rec->discard_kind[i]);

    for (uint64_t id = 1; id <= total; id++) {
        const struct op *w = history_at(h, id);
        bool superseded = false;
        int k = kid[id - 1], thrown = 0; /* 0, or 1 + the enum model_discard_kind */

        if (w->req.kind != OP_PUT || w->status != OP_OK)
            continue;
        if (rec) {
            char kv[CHECK_DISCARD_MAX];
            snprintf(kv, sizeof(kv), "%s=%s", w->req.key, w->req.value);
            thrown = strmap_get(&thrown_set, 0, kv);
            if (thrown < 0)
                thrown = 0;
        }
        if (!log_model) {
            /*
             * A write that began after this one was acknowledged may legitimately replace
             * it, even one that failed (it may still have taken effect). A concurrent one
             * may too — its replica may have seen this write first — unless the model
             * reported throwing this write away unseen: the loser of two concurrent writes
             * under last-write-wins is lost. An ok put that completed before this one
             * began never supersedes it, and nothing excuses a write a replica pushed out
             * over the model's bound on siblings.
             */
            if (thrown == 1 + MODEL_DISCARD_BOUND) {
                superseded = false;
            } else if (thrown) {
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

/* Is every entry of a at most b's? */
static bool vc_le(const struct vclock *a, const struct vclock *b)
{
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        if (a->v[i] > b->v[i])
            return false;
    return true;
}

/*
 * Keys and values are indexed once (the first ok put of each value with a context, and each
 * key's ok deletes with one), so the cost is the history's length plus, per read, the deletes
 * of its key.
 */
void check_resurrections(const struct history *h, struct check_zombie *out)
{
    size_t total = history_count(h);
    struct strmap keys, puts;
    int n_keys = 0, *kid = xmalloc((total + 1) * sizeof(int));
    int *del_start, *fill, *dels;

    memset(out, 0, sizeof(*out));
    strmap_init(&keys);
    strmap_init(&puts);
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *o = history_at(h, id);
        kid[id - 1] = strmap_put(&keys, 0, o->req.key, n_keys);
        if (kid[id - 1] == n_keys)
            n_keys++;
        if (o->req.kind == OP_PUT && o->status == OP_OK && o->has_ctx)
            strmap_put(&puts, kid[id - 1], o->req.value, (int)id);
    }
    del_start = xcalloc((size_t)n_keys + 1, sizeof(int));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *o = history_at(h, id);
        if (o->req.kind == OP_DEL && o->status == OP_OK && o->has_ctx)
            del_start[kid[id - 1] + 1]++;
    }
    for (int k = 0; k < n_keys; k++)
        del_start[k + 1] += del_start[k];
    fill = xmalloc(((size_t)n_keys + 1) * sizeof(int));
    memcpy(fill, del_start, ((size_t)n_keys + 1) * sizeof(int));
    dels = xmalloc(((size_t)del_start[n_keys] + 1) * sizeof(int));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *o = history_at(h, id);
        if (o->req.kind == OP_DEL && o->status == OP_OK && o->has_ctx)
            dels[fill[kid[id - 1]]++] = (int)id;
    }
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *r = history_at(h, id);
        int k = kid[id - 1];
        if (r->req.kind != OP_GET || r->status != OP_OK || del_start[k] == del_start[k + 1])
            continue;
        for (int v = 0; v < r->result.n; v++) {
            int wid = strmap_get(&puts, k, r->result.v[v]);
            const struct op *w, *d = NULL;
            if (wid < 0)
                continue;
            w = history_at(h, (uint64_t)wid);
            /* A delete acknowledged before the read began, whose context had seen the write. */
            for (int j = del_start[k]; j < del_start[k + 1] && !d; j++) {
                const struct op *o = history_at(h, (uint64_t)dels[j]);
                if (o->complete_us < r->invoke_us && vc_le(w->ctx, o->ctx))
                    d = o;
            }
            if (!d || out->count++ > 0)
                continue;
            out->first = r->id;
            snprintf(out->witness, sizeof(out->witness),
                     "%s read %s=%s, which %s had deleted (acknowledged before the read began)",
                     r->label, r->req.key, r->result.v[v], d->label);
        }
    }
    free(dels);
    free(fill);
    free(del_start);
    strmap_release(&puts);
    strmap_release(&keys);
    free(kid);
}
