#include "net.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct slot {
    bool used;
    struct msg m;
};

struct net {
    int n;
    struct sim_rng rng;
    struct net_link link[NET_MAX_NODES][NET_MAX_NODES];
    int64_t last_deliver_us[NET_MAX_NODES][NET_MAX_NODES]; /* FIFO: the latest arrival per link */
    int group[NET_MAX_NODES];
    int64_t client_latency_us;
    enum net_timing timing;
    int64_t gst_us;
    uint64_t next_id;
    struct slot *slots;
    int n_slots;   /* slots in use or on the free list */
    int cap_slots; /* slots allocated */
    int *free_list;
    int n_free;
    size_t in_flight;
    size_t busy;
    uint64_t node_sent; /* copies sent node to node (not to or from a client) */
};

struct net *net_create(int n_nodes, uint64_t seed)
{
    struct net *net = xcalloc(1, sizeof(*net));

    assert(n_nodes >= 1 && n_nodes <= NET_MAX_NODES);
    net->n = n_nodes;
    net->free_list = xmalloc(NET_MAX_IN_FLIGHT * sizeof(int));
    net_reset(net, seed);
    return net;
}

void net_reset(struct net *net, uint64_t seed)
{
    sim_rng_seed(&net->rng, seed, 1);
    /* Only the n x n corner is ever used (net_create's calloc zeroed the rest). */
    for (int i = 0; i < net->n; i++) {
        memset(net->link[i], 0, (size_t)net->n * sizeof(net->link[i][0]));
        memset(net->last_deliver_us[i], 0, (size_t)net->n * sizeof(net->last_deliver_us[i][0]));
    }
    memset(net->group, 0, sizeof(net->group));
    net->client_latency_us = 1000;
    net->timing = NET_SYNC;
    net->gst_us = 0;
    net->next_id = 1;
    /* The slots stay allocated; a slot's vector clock entries past n are zero, as always. */
    net->n_slots = 0;
    net->n_free = 0;
    net->in_flight = 0;
    net->busy = 0;
    net->node_sent = 0;
    net_set_latency(net, -1, -1, 10000, 30000);
}

void net_destroy(struct net *net)
{
    if (!net)
        return;
    free(net->slots);
    free(net->free_list);
    free(net);
}

int net_nodes(const struct net *net)
{
    return net->n;
}

bool net_is_client(int endpoint)
{
    return endpoint >= NET_CLIENT_BASE;
}

/* Calls fn-like updates on one link or, with -1/-1, on every link. */
#define FOR_LINKS(net, from, to, stmt)                                                             \
    do {                                                                                           \
        for (int i_ = 0; i_ < (net)->n; i_++)                                                      \
            for (int j_ = 0; j_ < (net)->n; j_++) {                                                \
                if ((from) >= 0 && (i_ != (from) || j_ != (to)))                                   \
                    continue;                                                                      \
                struct net_link *l_ = &(net)->link[i_][j_];                                        \
                stmt;                                                                              \
            }                                                                                      \
    } while (0)

void net_set_latency(struct net *net, int from, int to, int64_t min_us, int64_t max_us)
{
    assert(min_us >= 0 && min_us <= max_us);
    FOR_LINKS(net, from, to, (l_->lat_min_us = min_us, l_->lat_max_us = max_us));
}

void net_set_drop(struct net *net, int from, int to, uint32_t bp)
{
    FOR_LINKS(net, from, to, l_->drop_bp = bp);
}

void net_set_dup(struct net *net, int from, int to, uint32_t bp)
{
    FOR_LINKS(net, from, to, l_->dup_bp = bp);
}

void net_set_reorder(struct net *net, int from, int to, uint32_t bp)
{
    FOR_LINKS(net, from, to, l_->reorder_bp = bp);
}

void net_set_client_latency(struct net *net, int64_t us)
{
    net->client_latency_us = us;
}

void net_set_timing(struct net *net, enum net_timing timing, int64_t gst_us)
{
    net->timing = timing;
    net->gst_us = gst_us;
}

struct net_link net_link(const struct net *net, int from, int to)
{
    return net->link[from][to];
}

void net_cut(struct net *net, int from, int to, bool cut)
{
    net->link[from][to].cut = cut;
}

void net_partition(struct net *net, const int *group)
{
    for (int i = 0; i < net->n; i++)
        net->group[i] = group[i];
}

int net_group(const struct net *net, int node)
{
    return net->group[node];
}

bool net_partitioned(const struct net *net)
{
    for (int i = 1; i < net->n; i++)
        if (net->group[i] != net->group[0])
            return true;
    return false;
}

void net_heal(struct net *net)
{
    for (int i = 0; i < net->n; i++) {
        net->group[i] = 0;
        for (int j = 0; j < net->n; j++)
            net->link[i][j].cut = false;
    }
}

bool net_reachable(const struct net *net, int from, int to)
{
    if (net_is_client(from) || net_is_client(to) || from == to)
        return true;
    return !net->link[from][to].cut && net->group[from] == net->group[to];
}

/*
 * The extra delay of a slow network: double the delay again and again with
 * probability 1/2 each time, up to max_doublings. Integer-only so every
 * machine draws the same numbers; the tail is a power law, as measured
 * network delays tend to be.
 */
static int64_t tail(struct sim_rng *rng, int64_t d, int max_doublings)
{
    for (int k = 0; k < max_doublings && (sim_rng_next(rng) & 1); k++)
        d *= 2;
    return d;
}

static int64_t draw_delay(struct net *net, int64_t now_us, const struct net_link *l)
{
    int64_t d = sim_rng_range(&net->rng, l->lat_min_us, l->lat_max_us);

    switch (net->timing) {
    case NET_SYNC:
        return d;
    case NET_PARTIAL:
        if (now_us < net->gst_us && sim_rng_chance(&net->rng, 3000))
            return tail(&net->rng, d + l->lat_max_us, 8);
        return d;
    case NET_ASYNC:
        if (sim_rng_chance(&net->rng, 2500))
            return tail(&net->rng, d + l->lat_max_us, 10);
        return d;
    }
    return d;
}

static int take_slot(struct net *net)
{
    if (net->n_free > 0)
        return net->free_list[--net->n_free];
    if (net->n_slots >= NET_MAX_IN_FLIGHT)
        return -1;
    if (net->n_slots == net->cap_slots) {
        /* Grow geometrically: a slot holds a whole message, and growing one slot at a time
         * copies the table on every send (quadratic; minutes under ASan at the limit). */
        net->cap_slots = net->cap_slots ? net->cap_slots * 2 : 64;
        if (net->cap_slots > NET_MAX_IN_FLIGHT)
            net->cap_slots = NET_MAX_IN_FLIGHT;
        net->slots = xrealloc(net->slots, (size_t)net->cap_slots * sizeof(*net->slots));
        /* Zero, so the vector clock entries msg_copy never writes read as zero. */
        memset(&net->slots[net->n_slots], 0,
               (size_t)(net->cap_slots - net->n_slots) * sizeof(*net->slots));
    }
    net->slots[net->n_slots].used = false;
    return net->n_slots++;
}

static void count(struct net *net, const struct msg *m, int sign)
{
    if (sign > 0) {
        net->in_flight++;
        if (!m->idle && m->fate != NET_DROP)
            net->busy++;
    } else {
        net->in_flight--;
        if (!m->idle && m->fate != NET_DROP)
            net->busy--;
    }
}

/* Fills in one copy's timing and fate and files it in a slot. */
static int place(struct net *net, int64_t now_us, const struct msg *m, enum net_fate fate,
                 uint64_t dup_of, struct net_ref *ref)
{
    int s = take_slot(net);
    struct msg *c;
    bool client = net_is_client(m->from) || net_is_client(m->to);
    bool held = false;
    int64_t delay;

    if (s < 0)
        return NET_EFULL;
    c = &net->slots[s].m;
    msg_copy(c, m, net->n);
    c->id = net->next_id++;
    c->dup_of = dup_of;
    c->send_us = now_us;
    c->fate = fate;
    c->why = NET_WHY_NONE;
    c->retimed = 0;
    if (!c->wire_bytes)
        c->wire_bytes = NET_HEADER_BYTES + m->body_len;
    if (client) {
        delay = net->client_latency_us;
    } else {
        const struct net_link *l = &net->link[m->from][m->to];
        int64_t *last = &net->last_deliver_us[m->from][m->to];

        net->node_sent++;
        delay = draw_delay(net, now_us, l);
        if (fate != NET_DROP && !net_reachable(net, m->from, m->to)) {
            c->fate = NET_DROP;
            c->why = NET_WHY_CUT;
        } else if (fate == NET_DROP) {
            c->why = NET_WHY_LOSS;
        }
        if (c->fate == NET_DROP) {
            delay /= 2; /* a lost message dies mid-link */
        } else if (l->reorder_bp && sim_rng_chance(&net->rng, l->reorder_bp)) {
            delay +=
                sim_rng_range(&net->rng, 0, l->lat_max_us); /* held back; later ones overtake */
            held = true;
        } else if (now_us + delay < *last) {
            delay = *last - now_us; /* FIFO: never overtake an earlier message on this link */
        }
        /* A held-back message does not move the FIFO mark, or every later message would
         * queue behind it and nothing would ever overtake it. */
        if (c->fate != NET_DROP && !held && now_us + delay > *last)
            *last = now_us + delay;
    }
    c->deliver_us = now_us + delay;
    net->slots[s].used = true;
    count(net, c, +1);
    ref->id = c->id;
    ref->slot = s;
    return 0;
}

int net_send(struct net *net, int64_t now_us, const struct msg *m, struct net_ref out[2])
{
    bool client = net_is_client(m->from) || net_is_client(m->to);
    enum net_fate fate = NET_DELIVER;
    bool dup = false;
    int err;

    if (m->body_len > NET_MAX_BODY)
        return NET_EBODY;
    if (!client) {
        const struct net_link *l = &net->link[m->from][m->to];
        if (sim_rng_chance(&net->rng, l->drop_bp))
            fate = NET_DROP;
        else if (sim_rng_chance(&net->rng, l->dup_bp))
            dup = true;
    }
    err = place(net, now_us, m, fate, 0, &out[0]);
    if (err < 0)
        return err;
    if (!dup)
        return 1;
    err = place(net, now_us, m, NET_DUPLICATE, out[0].id, &out[1]);
    return err < 0 ? 1 : 2;
}

void msg_copy(struct msg *dst, const struct msg *src, int n)
{
    memcpy(dst, src, offsetof(struct msg, vc));
    memcpy(dst->vc.v, src->vc.v, (size_t)n * sizeof(src->vc.v[0]));
    dst->body_len = src->body_len;
    memcpy(dst->body, src->body, src->body_len);
}

static struct msg *lookup(const struct net *net, struct net_ref ref)
{
    if (ref.slot < 0 || ref.slot >= net->n_slots || !net->slots[ref.slot].used)
        return NULL;
    if (net->slots[ref.slot].m.id != ref.id)
        return NULL;
    return &net->slots[ref.slot].m;
}

const struct msg *net_find(const struct net *net, struct net_ref ref)
{
    return lookup(net, ref);
}

static void doom(struct net *net, struct msg *m, enum net_why why)
{
    if (m->fate == NET_DROP)
        return;
    count(net, m, -1);
    m->fate = NET_DROP;
    m->why = why;
    count(net, m, +1);
}

void net_mark_dropped(struct net *net, struct net_ref ref, enum net_why why)
{
    struct msg *m = lookup(net, ref);

    if (m)
        doom(net, m, why);
}

bool net_find_id(const struct net *net, uint64_t id, struct net_ref *out)
{
    for (int s = 0; s < net->n_slots; s++) {
        if (net->slots[s].used && net->slots[s].m.id == id) {
            out->id = id;
            out->slot = s;
            return true;
        }
    }
    return false;
}

uint32_t net_retime(struct net *net, struct net_ref ref, int64_t deliver_us)
{
    struct msg *m = lookup(net, ref);

    if (!m)
        return 0;
    m->deliver_us = deliver_us;
    return ++m->retimed;
}

int net_drop_to(struct net *net, int node)
{
    int n = 0;

    for (int s = 0; s < net->n_slots; s++) {
        struct msg *m = &net->slots[s].m;
        if (net->slots[s].used && m->to == node && m->fate != NET_DROP) {
            doom(net, m, NET_WHY_DOWN);
            n++;
        }
    }
    return n;
}

void net_remove(struct net *net, struct net_ref ref)
{
    const struct msg *m = net_find(net, ref);

    if (!m)
        return;
    count(net, m, -1);
    net->slots[ref.slot].used = false;
    net->free_list[net->n_free++] = ref.slot;
}

int net_slots(const struct net *net)
{
    return net->n_slots;
}

const struct msg *net_slot(const struct net *net, int slot)
{
    if (slot < 0 || slot >= net->n_slots || !net->slots[slot].used)
        return NULL;
    return &net->slots[slot].m;
}

size_t net_in_flight(const struct net *net)
{
    return net->in_flight;
}

size_t net_busy(const struct net *net)
{
    return net->busy;
}

uint64_t net_total_sent(const struct net *net)
{
    return net->next_id - 1;
}

uint64_t net_node_sent(const struct net *net)
{
    return net->node_sent;
}

const char *net_fate_name(enum net_fate f)
{
    switch (f) {
    case NET_DELIVER:
        return "delivered";
    case NET_DROP:
        return "dropped";
    case NET_DUPLICATE:
        return "duplicated";
    }
    return "?";
}

const char *net_why_name(enum net_why w)
{
    switch (w) {
    case NET_WHY_NONE:
        return "";
    case NET_WHY_LOSS:
        return "lost";
    case NET_WHY_CUT:
        return "link cut";
    case NET_WHY_DOWN:
        return "node down";
    case NET_WHY_FULL:
        return "network full";
    case NET_WHY_HAND:
        return "dropped by hand";
    }
    return "?";
}

const char *net_timing_name(enum net_timing t)
{
    switch (t) {
    case NET_SYNC:
        return "sync";
    case NET_PARTIAL:
        return "partial";
    case NET_ASYNC:
        return "async";
    }
    return "?";
}
