/*
 * leaderless: the pure building blocks of the Dynamo-style model
 * (engine/leaderless.c) — the consistent-hash ring, dotted version vectors
 * and the Merkle trees of anti-entropy — exported so tests can check them
 * directly. The model itself is reached only through leaderless_model.
 *
 * Invariant: a ring walk names every node exactly once, in the same order
 * on every machine.
 */
#ifndef SPLITBRAIN_LEADERLESS_H
#define SPLITBRAIN_LEADERLESS_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "store.h"

#define LEADERLESS_PARTITIONS    64 /* equal slices of the hash ring, claimed round-robin */
#define LEADERLESS_MERKLE_LEAVES 16 /* key ranges a Merkle tree compares */

/* FNV-1a, then a 64-bit finaliser: the one hash the ring and the trees use. */
uint64_t leaderless_hash(const char *s);

/* ---- the ring ---- */

struct leaderless_ring;

/* n_nodes in 1..CLOCK_MAX_NODES; returns a ring the caller frees with leaderless_ring_destroy. */
struct leaderless_ring *leaderless_ring_create(int n_nodes);
/* The same with only the first members nodes in the ring (1..n_nodes); the others own nothing
 * until they join, and come last in every walk. */
struct leaderless_ring *leaderless_ring_create_first(int n_nodes, int members);
/* A copy the caller frees with leaderless_ring_destroy. */
struct leaderless_ring *leaderless_ring_copy(const struct leaderless_ring *r);
void leaderless_ring_destroy(struct leaderless_ring *r);
bool leaderless_ring_member(const struct leaderless_ring *r, int node);
/* The node that owns partition (0..LEADERLESS_PARTITIONS-1). */
int leaderless_ring_owner(const struct leaderless_ring *r, int partition);
/* node, not yet a member, joins: it claims 1/(m+1) of the partitions, spread round the ring.
 * Returns how many it took. */
int leaderless_ring_claim(struct leaderless_ring *r, int node);
/*
 * Every node once, clockwise from key's partition: the owners of the
 * partitions that follow, each node the first time it appears. out holds
 * n_nodes entries. Returns n_nodes.
 */
int leaderless_ring_walk(const struct leaderless_ring *r, const char *key, int *out);

/*
 * The replicas a coordinator talks to, from a key's walk order (its home
 * replicas first). The first n of order are the home replicas. Without
 * sloppy they are the targets whatever suspect says. With sloppy, a
 * suspected home replica is replaced by the next unsuspected node further
 * along order, and home[i] names the replica that node stands in for (-1
 * for a home replica). Returns how many targets (fewer than n when too few
 * nodes are left).
 */
int leaderless_targets(const int *order, int n_order, int n, const bool *suspect, bool sloppy,
                       int *node, int *home);

/* Dotted version vectors are engine/dvv.h, shared with the multi-leader model. */

/* ---- Merkle trees over key ranges ---- */

/* A complete binary tree in an array: 0 is the root, i's children are 2i+1 and 2i+2. */
struct leaderless_merkle {
    uint64_t h[2 * LEADERLESS_MERKLE_LEAVES - 1];
};

/* Which key range (leaf) key falls in. */
int leaderless_merkle_leaf(const char *key);
void leaderless_merkle_init(struct leaderless_merkle *t);
/* Adds one key with its versions (in any order of calls). */
void leaderless_merkle_add(struct leaderless_merkle *t, const struct store_item *it);
/* Computes the inner hashes from the leaves; call once after the adds. */
void leaderless_merkle_seal(struct leaderless_merkle *t);
/* Bit i set: leaf i differs. Descends only into subtrees whose hashes differ. */
uint32_t leaderless_merkle_diff(const struct leaderless_merkle *a,
                                const struct leaderless_merkle *b);

#endif
