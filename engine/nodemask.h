/*
 * nodemask: a set of nodes as the bits of a uint64_t, bit i for node index i
 * (0-based). Every node the engine can run fits: CLOCK_MAX_NODES is 64, and
 * the static assertion below keeps it so. Models use it for votes, ISRs and
 * acks; an op reply uses it for the replicas that answered, which the screen
 * reads as it is, never from a sentence.
 *
 * Header-only: these run on the models' hot paths.
 */
#ifndef SPLITBRAIN_NODEMASK_H
#define SPLITBRAIN_NODEMASK_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

#define NODEMASK_BITS 64

static_assert(CLOCK_MAX_NODES <= NODEMASK_BITS, "a node mask must cover every node");

/* The set holding node alone; node in 0..NODEMASK_BITS-1. */
static inline uint64_t nodemask_bit(int node)
{
    assert(node >= 0 && node < NODEMASK_BITS);
    return (uint64_t)1 << (unsigned)node;
}

static inline bool nodemask_has(uint64_t mask, int node)
{
    return node >= 0 && node < NODEMASK_BITS && (mask & nodemask_bit(node)) != 0;
}

/* Nodes 0..n-1, n in 0..NODEMASK_BITS. */
static inline uint64_t nodemask_all(int n)
{
    assert(n >= 0 && n <= NODEMASK_BITS);
    return n >= NODEMASK_BITS ? ~(uint64_t)0 : nodemask_bit(n) - 1;
}

/* How many nodes the set holds. */
static inline int nodemask_count(uint64_t mask)
{
    int c = 0;

    while (mask) {
        mask &= mask - 1;
        c++;
    }
    return c;
}

#endif
