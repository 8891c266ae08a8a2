/*
 * dvv: dotted version vectors, the one implementation the multi-leader and
 * leaderless models share (Riak's DVVs; Preguiça et al., "Dotted Version
 * Vectors", 2010).
 *
 * A version carries a dot, (origin, counter): the node that accepted the
 * write and that node's write counter; and a causal context, a version
 * vector of what the writer had seen, not counting the dot itself. A
 * version y has seen x when x's dot is y's own or inside y's context; two
 * versions neither of which has seen the other are concurrent, and both
 * stay as siblings. The version vector a reader gets back is the merge of
 * every context with every dot.
 *
 * Invariants: dvv_sync() never keeps a version another kept version has
 * seen, keeps each version once, and returns them sorted by dot, so two
 * replicas holding the same versions hold them in the same order (and hash
 * alike).
 */
#ifndef SPLITBRAIN_DVV_H
#define SPLITBRAIN_DVV_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "store.h"

/* Is the dot (origin, counter) inside the context ctx covers? */
bool dvv_covers(const struct vclock *ctx, int origin, uint64_t counter);
/* Adds the dot (origin, counter) to the version vector vv. */
void dvv_add(struct vclock *vv, int origin, uint64_t counter);
/* Orders dots by origin, then counter: <0, 0, >0. */
int dvv_dot_cmp(int origin_a, uint64_t counter_a, int origin_b, uint64_t counter_b);

/* Over the engine's versions (store_version: the dot is origin and lamport, the context vc).
 * Do a and b carry the same dot (copies of one version)? */
bool dvv_same_dot(const struct store_version *a, const struct store_version *b);
/* True when x's dot is in y's causal history (y has seen x, or is x). */
bool dvv_seen(const struct store_version *y, const struct store_version *x);
/*
 * Merges two sibling sets: keeps each version no other version has seen,
 * once, sorted by dot. More than STORE_MAX_SIBLINGS survivors: the oldest
 * by timestamp are dropped. out may not alias a or b. Returns the count.
 */
int dvv_sync(const struct store_version *a, int na, const struct store_version *b, int nb,
             struct store_version *out);
/* The version vector a reader gets back: everything the versions have seen, dots included. */
void dvv_context(const struct store_version *v, int n, struct vclock *out);

#endif
