/*
 * net: the simulated network between nodes, and the hop between clients and nodes.
 *
 * Every directed link n_i -> n_j has a latency range, drop / duplicate /
 * reorder probabilities and a cut flag; a partition assigns nodes to groups
 * and blocks every link between groups. A message's fate (delivered, dropped,
 * or an extra duplicate copy) and its delivery time are decided from the
 * net's own random stream when it is sent, so the in-flight table tells the
 * TUI exactly where each message is. A link cut while a message is in flight
 * drops it on arrival. Links are FIFO unless a message is picked for
 * reordering. Clients sit outside the node network: no cut, partition, drop
 * or duplicate applies to a client hop.
 *
 * Invariant: at most NET_MAX_IN_FLIGHT messages are in flight; a send beyond
 * that is refused (NET_EFULL) and the caller traces it as a drop.
 */
#ifndef SPLITBRAIN_NET_H
#define SPLITBRAIN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "sim.h"

#define NET_MAX_NODES     CLOCK_MAX_NODES
#define NET_MAX_CLIENTS   64
#define NET_CLIENT_BASE   NET_MAX_NODES /* endpoint ids >= this are clients */
#define NET_MAX_IN_FLIGHT 16384
#define NET_MAX_BODY      2048
#define NET_HEADER_BYTES  24 /* what a message costs on the wire before its body */

enum {
    NET_EFULL = -1,
    NET_EBODY = -2,
};

enum net_fate {
    NET_DELIVER,   /* on its way, to be delivered */
    NET_DROP,      /* lost: deliver_us is when it dies */
    NET_DUPLICATE, /* an extra copy the network made; delivered like any other */
};

enum net_why {
    NET_WHY_NONE,
    NET_WHY_LOSS, /* random loss on the link */
    NET_WHY_CUT,  /* link cut or partitioned */
    NET_WHY_DOWN, /* destination crashed */
    NET_WHY_FULL, /* too many messages in flight */
    NET_WHY_HAND, /* dropped by the user playing the network */
};

enum net_timing {
    NET_SYNC,    /* every delay within the link's bound */
    NET_PARTIAL, /* unbounded delays until GST, bounded after */
    NET_ASYNC,   /* long-tailed delays, always */
};

/* A message as the network carries it. Copied by value in and out. */
struct msg {
    uint64_t id;
    uint64_t dup_of; /* id of the original when fate is NET_DUPLICATE */
    int from;
    int to;
    int type;
    char type_name[16];
    char summary[48];
    int64_t send_us;
    int64_t deliver_us;
    enum net_fate fate;
    enum net_why why;
    bool idle;           /* background chatter: does not keep "run until quiet" waiting */
    uint32_t retimed;    /* bumped each time its delivery time is changed by hand */
    uint32_t wire_bytes; /* what it would cost encoded; 0 from the sender: header + body */
    uint64_t lamport;
    struct vclock vc;
    uint16_t body_len;
    unsigned char body[NET_MAX_BODY];
};

/*
 * Copies a message (header, the first n entries of its vector clock, body):
 * a cluster of n nodes never sets the other entries, which stay zero in
 * every buffer a message is copied into.
 */
void msg_copy(struct msg *dst, const struct msg *src, int n);

struct net_link {
    int64_t lat_min_us;
    int64_t lat_max_us;
    uint32_t drop_bp; /* basis points: 100 = 1% */
    uint32_t dup_bp;
    uint32_t reorder_bp;
    bool cut;
};

struct net;

/* The net owns its random stream, seeded from seed. */
struct net *net_create(int n_nodes, uint64_t seed);
void net_destroy(struct net *net);
/* As net_create(n_nodes, seed) would make it, keeping the memory (n_nodes unchanged). */
void net_reset(struct net *net, uint64_t seed);

int net_nodes(const struct net *net);
bool net_is_client(int endpoint);

/* Link configuration. from/to are node indexes; -1 as both means every link. */
void net_set_latency(struct net *net, int from, int to, int64_t min_us, int64_t max_us);
void net_set_drop(struct net *net, int from, int to, uint32_t bp);
void net_set_dup(struct net *net, int from, int to, uint32_t bp);
void net_set_reorder(struct net *net, int from, int to, uint32_t bp);
void net_set_client_latency(struct net *net, int64_t us);
void net_set_timing(struct net *net, enum net_timing timing, int64_t gst_us);
struct net_link net_link(const struct net *net, int from, int to);

/* Faults. */
void net_cut(struct net *net, int from, int to, bool cut);
/* group[i] is node i's group number; nodes in different groups cannot talk. */
void net_partition(struct net *net, const int *group);
int net_group(const struct net *net, int node);
bool net_partitioned(const struct net *net);
void net_heal(struct net *net);
/* Can a message from -> to get through right now (cuts and partitions only)? */
bool net_reachable(const struct net *net, int from, int to);

/* Where a message sits in the in-flight table: the handle the event queue carries. */
struct net_ref {
    uint64_t id;
    int slot;
};

/*
 * Sends *m at now_us: assigns ids, delivery times and fates, and copies the
 * message (and a duplicate, when the link makes one) into the in-flight
 * table. out receives the copies' handles (1 or 2); returns how many, or
 * NET_EFULL / NET_EBODY. m->from, to, type, type_name, summary, body,
 * body_len, wire_bytes, lamport, vc and idle are the caller's; the rest is
 * filled in.
 */
int net_send(struct net *net, int64_t now_us, const struct msg *m, struct net_ref out[2]);

/* The in-flight message behind ref, or NULL if it is gone. Valid until the next change to the
 * table. */
const struct msg *net_find(const struct net *net, struct net_ref ref);
/* Marks a message to die on arrival (cut meanwhile, or destination down). */
void net_mark_dropped(struct net *net, struct net_ref ref, enum net_why why);
/* Marks every in-flight message to node as lost (it crashed); returns how many. */
int net_drop_to(struct net *net, int node);
/* Finds an in-flight message by id; false when it is not in flight. */
bool net_find_id(const struct net *net, uint64_t id, struct net_ref *out);
/* Moves a message's delivery (or death) to deliver_us; returns its new retime generation. */
uint32_t net_retime(struct net *net, struct net_ref ref, int64_t deliver_us);
/* Removes a message from the table once it is delivered or has died. */
void net_remove(struct net *net, struct net_ref ref);

/* Iterates the in-flight table: slots 0 .. net_slots()-1, NULL for a free slot. */
int net_slots(const struct net *net);
const struct msg *net_slot(const struct net *net, int slot);
size_t net_in_flight(const struct net *net);
/* In-flight messages that are not idle chatter (and not already doomed). */
size_t net_busy(const struct net *net);
uint64_t net_total_sent(const struct net *net);
/* Of those, the copies sent from one node to another (no client request or reply). */
uint64_t net_node_sent(const struct net *net);

const char *net_fate_name(enum net_fate f);
const char *net_why_name(enum net_why w);
const char *net_timing_name(enum net_timing t);

#endif
