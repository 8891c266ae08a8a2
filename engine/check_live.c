/* check_live: linearizability kept up to date op by op, per key, over a window (see check.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_int.h"
#include "strmap.h"
#include "util.h"

struct live_key {
    char key[STORE_KEY_MAX];
    /* The window: the carried writes of unknown outcome first, then the ops after the cut. */
    const struct op **ops;
    int n;
    int cap;
    int carried;
    bool has_init; /* the register's value at the cut is init (else nil) */
    char init[STORE_VAL_MAX];
    bool dirty;
    bool settled; /* violated or n/a: final */
    struct check_lin lin;
};

struct check_live {
    const struct history *h; /* the history read, and its resets then */
    uint64_t resets;
    struct strmap keys; /* key -> index into k, in the order the history first touched them */
    struct live_key *k;
    int n_keys;
    int cap_keys;
    uint64_t seen;     /* ops with ids up to this one have been read */
    uint64_t *pending; /* read while pending, not yet seen to complete */
    int n_pending;
    int cap_pending;
    int ok;
    int failed;
    int timed_out;
};

struct check_live *check_live_create(void)
{
    struct check_live *l = xcalloc(1, sizeof(*l));

    strmap_init(&l->keys);
    return l;
}

void check_live_reset(struct check_live *l)
{
    for (int i = 0; i < l->n_keys; i++)
        free(l->k[i].ops);
    l->n_keys = 0;
    strmap_clear(&l->keys);
    l->seen = 0;
    l->n_pending = 0;
    l->ok = l->failed = l->timed_out = 0;
}

void check_live_destroy(struct check_live *l)
{
    if (!l)
        return;
    check_live_reset(l);
    strmap_release(&l->keys);
    free(l->k);
    free(l->pending);
    free(l);
}

static struct live_key *key_of(struct check_live *l, const char *key)
{
    int i = strmap_put(&l->keys, 0, key, l->n_keys);
    struct live_key *k;

    if (i < l->n_keys)
        return &l->k[i];
    if (l->n_keys == l->cap_keys) {
        l->cap_keys = l->cap_keys ? 2 * l->cap_keys : 16;
        l->k = xrealloc(l->k, (size_t)l->cap_keys * sizeof(*l->k));
    }
    k = &l->k[l->n_keys++];
    memset(k, 0, sizeof(*k));
    util_strlcpy(k->key, key, sizeof(k->key));
    util_strlcpy(k->lin.key, key, sizeof(k->lin.key));
    k->lin.verdict = CHECK_OK;
    return k;
}

static void key_push(struct live_key *k, const struct op *op)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 16;
        k->ops = xrealloc(k->ops, (size_t)k->cap * sizeof(*k->ops));
    }
    k->ops[k->n++] = op;
    k->dirty = true;
}

static void count_outcome(struct check_live *l, const struct op *op)
{
    switch (op->status) {
    case OP_OK:
        l->ok++;
        break;
    case OP_FAIL:
        l->failed++;
        break;
    case OP_TIMEOUT:
        l->timed_out++;
        break;
    case OP_PENDING:
        break;
    }
}

/* Does an ok read among ops[from..to) return v? */
static bool read_saw(const struct op *const *ops, int from, int to, const char *v)
{
    for (int i = from; i < to; i++)
        if (ops[i]->req.kind == OP_GET && ops[i]->status == OP_OK && ops[i]->result.n == 1 &&
            strcmp(ops[i]->result.v[0], v) == 0)
            return true;
    return false;
}

static bool unknown_write(const struct op *op)
{
    return op->req.kind == OP_PUT && op->status != OP_OK && op->status != OP_PENDING;
}

/*
 * After a search that placed every op of the window: finds the latest clean cut (see check.h)
 * and drops the ops before it, keeping its writes of unknown outcome at the window's front.
 */
static void key_cut(struct live_key *k)
{
    const struct op *w = NULL;  /* the ok write invoked last in the prefix */
    int64_t others = INT64_MIN; /* the latest completion of the prefix's other ok writes */
    int64_t maxret = INT64_MIN; /* the latest completion of the prefix's ops that count */
    int carry = k->carried, best = -1;
    const struct op *best_w = NULL;

    for (int c = k->carried; c < k->n; c++) {
        const struct op *op = k->ops[c];
        /* Is ops[carried..c) a clean prefix? */
        if (c > k->carried && maxret < op->invoke_us && (!w || others < w->invoke_us) &&
            carry <= CHECK_LIVE_CARRY_MAX) {
            best = c;
            best_w = w;
        }
        if (op->status == OP_PENDING)
            break; /* no cut after an op that has not completed */
        if (unknown_write(op)) {
            carry++;
            continue;
        }
        if (op->req.kind == OP_GET && op->status != OP_OK)
            continue; /* an unanswered read says nothing and is left out of the search */
        if (op->complete_us > maxret)
            maxret = op->complete_us;
        if (op->req.kind == OP_PUT) {
            if (!w || op->invoke_us >= w->invoke_us) {
                if (w && w->complete_us > others)
                    others = w->complete_us;
                w = op;
            } else if (op->complete_us > others) {
                others = op->complete_us;
            }
        }
    }
    if (best < 0)
        return;
    /* A write of unknown outcome whose value a read before the cut returned took effect
     * there, perhaps after the last certain write: the value at the cut is not certain. */
    for (int i = 0; i < best; i++) {
        if (i >= k->carried && !unknown_write(k->ops[i]))
            continue;
        if (read_saw(k->ops, k->carried, best, k->ops[i]->req.value))
            return;
    }
    {
        int n = 0;
        for (int i = 0; i < best; i++)
            if (i < k->carried || unknown_write(k->ops[i]))
                k->ops[n++] = k->ops[i];
        k->carried = n;
        memmove(k->ops + n, k->ops + best, (size_t)(k->n - best) * sizeof(*k->ops));
        k->n = n + (k->n - best);
    }
    if (best_w) {
        k->has_init = true;
        util_strlcpy(k->init, best_w->req.value, sizeof(k->init));
    }
}

static void key_search(struct live_key *k, long budget)
{
    struct check_lin r;

    k->dirty = false;
    check_lin_window(k->ops, k->n, k->key, k->has_init ? k->init : NULL, budget, &r);
    k->lin = r;
    switch (r.verdict) {
    case CHECK_OK:
        key_cut(k);
        break;
    case CHECK_VIOLATED:
    case CHECK_NA:
        k->settled = true;
        break;
    case CHECK_UNKNOWN:
        break;
    }
}

int check_live_update(struct check_live *l, const struct history *h, long budget)
{
    uint64_t total = history_count(h);
    int searched = 0, still = 0;

    if (h != l->h || history_resets(h) != l->resets || total < l->seen) {
        check_live_reset(l);
        l->h = h;
        l->resets = history_resets(h);
    }
    /* The ops pending at the last update that have completed since. */
    for (int i = 0; i < l->n_pending; i++) {
        const struct op *op = history_at(h, l->pending[i]);
        if (op->status == OP_PENDING) {
            l->pending[still++] = l->pending[i];
            continue;
        }
        count_outcome(l, op);
        key_of(l, op->req.key)->dirty = true;
    }
    l->n_pending = still;
    /* The ops invoked since. */
    for (uint64_t id = l->seen + 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        struct live_key *k = key_of(l, op->req.key);
        if (!k->settled)
            key_push(k, op);
        if (op->status == OP_PENDING) {
            if (l->n_pending == l->cap_pending) {
                l->cap_pending = l->cap_pending ? 2 * l->cap_pending : 64;
                l->pending = xrealloc(l->pending, (size_t)l->cap_pending * sizeof(*l->pending));
            }
            l->pending[l->n_pending++] = id;
        } else {
            count_outcome(l, op);
        }
    }
    l->seen = total;
    for (int i = 0; i < l->n_keys; i++) {
        struct live_key *k = &l->k[i];
        if (k->dirty && !k->settled) {
            key_search(k, budget);
            searched++;
        }
        k->dirty = false;
    }
    return searched;
}

void check_live_fill(const struct check_live *l, struct check_summary *out)
{
    const struct check_lin *na = NULL;

    out->ran |= CHECK_PART_LIN | CHECK_PART_AVAIL;
    out->lin = CHECK_NA;
    memset(&out->lin_first, 0, sizeof(out->lin_first));
    out->lin_first.verdict = CHECK_NA;
    for (int i = 0; i < l->n_keys; i++) {
        const struct check_lin *r = &l->k[i].lin;
        if (r->verdict == CHECK_NA && !na)
            na = r;
        if (check_severity(r->verdict) > check_severity(out->lin)) {
            out->lin = r->verdict;
            out->lin_first = *r;
        }
    }
    /* As check_linearizable says it: which key was left out of an all-ok verdict, and why. */
    if (out->lin == CHECK_OK && na)
        snprintf(out->lin_first.witness, sizeof(out->lin_first.witness), "%s: %s", na->key,
                 na->witness);
    else if (out->lin == CHECK_NA && na)
        out->lin_first = *na;
    memset(&out->av, 0, sizeof(out->av));
    out->av.ops = (int)l->seen;
    out->av.ok = l->ok;
    out->av.failed = l->failed;
    out->av.timed_out = l->timed_out;
    out->av.pending = l->n_pending;
}

bool check_live_key(const struct check_live *l, const char *key, struct check_lin *out)
{
    int i = strmap_get(&l->keys, 0, key);

    if (i < 0)
        return false;
    *out = l->k[i].lin;
    return true;
}

int check_live_window(const struct check_live *l, const char *key)
{
    int i = strmap_get(&l->keys, 0, key);

    return i < 0 ? 0 : l->k[i].n;
}
