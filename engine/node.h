/*
 * node: a node's lifecycle — up, crashed or paused — and what survives.
 *
 * crash-stop: a killed node stays down. crash-recover: `restart` brings it
 * back with its durable state (the store, and what the model marks durable)
 * and without its volatile state; `wipe` brings it back with nothing, a new
 * disk. A pause is a process pause (GC, VM migration): the node processes no
 * message and no timer while paused — they wait, in order — and on resume it
 * carries on believing what it believed before, which is the danger.
 *
 * Invariant: events for a paused node are parked in arrival order and
 * released in that order on resume; events for a crashed node are dropped.
 */
#ifndef SPLITBRAIN_NODE_H
#define SPLITBRAIN_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

enum node_state {
    NODE_UP,
    NODE_CRASHED,
    NODE_PAUSED,
};

struct node {
    enum node_state state;
    uint32_t incarnation; /* bumped on every restart */
    uint32_t pause_gen;   /* bumped on every pause, so a stale resume event is ignored */
    int64_t paused_until; /* -1: until `resume` */
    int64_t crashed_at;
    struct sim_event *parked;
    size_t n_parked;
    size_t cap_parked;
};

void node_init(struct node *n);
void node_release(struct node *n);
/* Parks ev (copied) until the node resumes. */
void node_park(struct node *n, const struct sim_event *ev);
/* Forgets every parked event (the node crashed). */
void node_drop_parked(struct node *n);
const char *node_state_name(enum node_state s);

#endif
