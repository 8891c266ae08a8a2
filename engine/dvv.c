#include "dvv.h"

#include <stdlib.h>
#include <string.h>

bool dvv_covers(const struct vclock *ctx, int origin, uint64_t counter)
{
    return counter <= ctx->v[origin];
}

void dvv_add(struct vclock *vv, int origin, uint64_t counter)
{
    if (vv->v[origin] < counter)
        vv->v[origin] = (uint32_t)counter;
}

int dvv_dot_cmp(int origin_a, uint64_t counter_a, int origin_b, uint64_t counter_b)
{
    if (origin_a != origin_b)
        return origin_a < origin_b ? -1 : 1;
    if (counter_a != counter_b)
        return counter_a < counter_b ? -1 : 1;
    return 0;
}

bool dvv_same_dot(const struct store_version *a, const struct store_version *b)
{
    return a->origin == b->origin && a->lamport == b->lamport;
}

bool dvv_seen(const struct store_version *y, const struct store_version *x)
{
    return dvv_same_dot(x, y) || dvv_covers(&y->vc, x->origin, x->lamport);
}

static int version_cmp(const void *a, const void *b)
{
    const struct store_version *x = a, *y = b;

    return dvv_dot_cmp(x->origin, x->lamport, y->origin, y->lamport);
}

int dvv_sync(const struct store_version *a, int na, const struct store_version *b, int nb,
             struct store_version *out)
{
    struct store_version all[2 * STORE_MAX_SIBLINGS];
    bool drop[2 * STORE_MAX_SIBLINGS] = {false};
    int total = 0, kept = 0;

    for (int i = 0; i < na; i++)
        all[total++] = a[i];
    for (int i = 0; i < nb; i++)
        all[total++] = b[i];
    for (int i = 0; i < total; i++) {
        for (int j = 0; j < total && !drop[i]; j++) {
            if (i == j || drop[j])
                continue;
            /* A copy of the same version: keep the first. Seen by another: obsolete. */
            if (dvv_same_dot(&all[i], &all[j]))
                drop[i] = j < i;
            else if (dvv_seen(&all[j], &all[i]))
                drop[i] = true;
        }
    }
    for (int i = 0; i < total; i++)
        if (!drop[i])
            all[kept++] = all[i];
    /* Past the sibling limit the oldest go: a bound we name rather than grow past. */
    while (kept > STORE_MAX_SIBLINGS) {
        int old = 0;
        for (int i = 1; i < kept; i++)
            if (all[i].ts_us < all[old].ts_us)
                old = i;
        all[old] = all[--kept];
    }
    qsort(all, (size_t)kept, sizeof(all[0]), version_cmp);
    memcpy(out, all, (size_t)kept * sizeof(all[0]));
    return kept;
}

void dvv_context(const struct store_version *v, int n, struct vclock *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n; i++) {
        clock_vc_merge(out, &v[i].vc);
        dvv_add(out, v[i].origin, v[i].lamport);
    }
}
