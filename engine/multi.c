/*
 * multi: multi-leader replication, the way one leader per datacenter works.
 *
 * Every node is a leader. A client write is applied to the node it reaches,
 * appended to that node's replication log as an update with a unique dot
 * (origin node, per-origin sequence number), and acknowledged at once; the
 * update then travels to the other nodes in `repl` messages, asynchronously.
 * Each update carries what a replica needs to place it: the origin's
 * physical timestamp, its Lamport timestamp, a hybrid logical clock (HLC)
 * stamp, the causal context of the key it overwrote (a version vector), the
 * origin's dependency vector (how many updates of every origin it had
 * applied) and the list of nodes the update has passed.
 *
 * Routing (`topology`). all: the origin sends to every node itself. ring:
 * every node forwards to the next one, n1 -> n2 -> ... -> n1, until the next
 * one is already on the path. star: a leaf sends to the hub, the hub
 * forwards to every leaf not on the path. The path list is what stops a
 * forwarded update from looping; a dead ring node or hub stops the flow past
 * it until it returns.
 *
 * Reliability. A receiver answers every `repl` with an `ack` carrying the
 * vector of updates it holds (per origin, the longest gap-free prefix). A
 * sender keeps, for every peer, the last vector it heard, and every `retry`
 * it sends again what a peer it is responsible for still lacks. A node that
 * restarts sends `sync` with its vector to every node; each answers with its
 * own and then pushes everything the restarted node lacks, whatever its
 * origin (a one-off anti-entropy repair). A node whose disk was wiped also
 * has to learn how many writes it made in its past life, or its new dots
 * would collide with old ones that the others would discard as duplicates:
 * it refuses writes until every node has told it. Updates are applied at
 * most once: a replica drops any dot it already holds.
 *
 * Conflicts (`resolve`).
 *  - lww: a key holds one version; the higher (timestamp, node id) wins,
 *    where the timestamp is the origin's physical clock, its Lamport clock or
 *    its HLC (`timestamps`); a tie of physical timestamps goes to the greater
 *    value first, as in Cassandra. The decision ignores causality on purpose — that
 *    is LWW — but the trace records every discarded write that the winner
 *    had not seen as a `conflict`, saying whether the two were concurrent or
 *    the loser was in fact later (a skewed clock).
 *  - siblings: dotted version vectors. Every version keeps its dot and the
 *    context it was written with. A new version removes the versions whose
 *    dots its context covers and keeps the rest as siblings. A write without
 *    `after` carries no context and supersedes nothing: it is a sibling of
 *    what the node holds (Riak with allow_mult); `put ... after rN` uses the
 *    context the read returned, so it supersedes exactly the siblings that
 *    read saw. A put answers with the context of every version of the key
 *    its node holds once the write is in (Riak's return_body), so `after wN`
 *    replaces those. (Under lww a blind write's context is the node's, which
 *    only serves to tell a later write from a concurrent one.) Keeping the dot
 *    apart from the context is what lets two writes through the same node
 *    from stale reads stay siblings instead of one silently winning. A
 *    context is a vector, so "n4: 6" in it claims n4's writes 1..6 were all
 *    seen; that is only true if every replica applies one origin's writes
 *    in order, so replicas always do (see `causal` below) -- a retry can
 *    deliver n4#6 before n4#5, and without the hold-back a write made after
 *    reading n4#6 would silently replace n4#5.
 *  - crdt: op-based CRDTs. `incr` adds to the origin's entry of a PN-counter
 *    (a positive and a negative total per node); `add` puts an element with
 *    a fresh tag (its dot) into an OR-set; `remove` carries the tags it saw
 *    and deletes those only, so a concurrent add survives (add wins).
 *    Exactly-once delivery comes from the dot dedup; a remove that arrives
 *    before the add it cancels leaves a tombstone for that tag, which the add
 *    consumes when it comes, so the result does not depend on the order. A
 *    plain put in this mode is a multi-value register (siblings).
 *
 * Deletes. `del KEY` replicates like a put whose version is a tombstone:
 * under siblings it removes the versions its context covers (a read's with
 * `after`, or everything its node holds, as Riak's delete reads first) and
 * a concurrent put survives it; under lww it is a timestamped cell that wins
 * a tie. Reads hide tombstones.
 *
 * Tombstone collection. `tombstone_gc` is Cassandra's gc_grace_seconds, as
 * it works between datacenters too: a node removes a key whose versions are
 * all tombstones once the newest is that old by its own clock, and purges
 * from its log the delete and the writes the tombstone had replaced (under
 * lww, every write of the key it applied: all lost to the tombstone). A
 * purged entry keeps only its dot, dependencies and path, so a peer that
 * lacks it is still sent it, in its origin's order, but with nothing to
 * apply. A node that missed the delete and comes back later keeps the
 * deleted value (zombie data, which the checkers report as a resurrection),
 * and a write the tombstone had replaced that arrives late, from a node the
 * delete had not reached, is applied as new. Catch-up here goes by dots, not
 * by comparing data as Cassandra's repair does, so the zombie stays on the
 * node that has it and the replicas no longer converge. (Riak's delete_mode
 * reaps a tombstone only once every replica holds it; Cassandra's grace
 * period is the one that shows the anomaly.)
 *
 * Order. A replica always applies the writes of one origin in that origin's
 * order (FIFO per origin), holding back any that arrive early. `causal on`
 * goes further: a replica holds back an update until it has applied every
 * update the origin had applied when it wrote it (its dependency vector),
 * which removes the all-to-all anomaly where a follow-up from another node
 * overtakes the write it depends on. `commit_wait on`: the origin stamps the write with the top
 * of its TrueTime interval and acknowledges only once the bottom of the
 * interval has passed that stamp (Spanner's commit wait), so a write that
 * starts after another was acknowledged gets a larger stamp as long as every
 * clock is within the TrueTime epsilon; the price is about 2 * epsilon of
 * latency on every write. Epsilon is the current one, which grows between
 * syncs (Spanner's sawtooth: `truetime` after an ntp, plus `truetime_drift`
 * ppm of the time since), so a write waits longer the longer ago its node
 * last synced.
 *
 * Durable per node (kept over a restart, gone with a wipe): the log, the
 * replicated state, the clocks and the peers' last known vectors. Volatile:
 * writes waiting out commit wait (their clients time out) and timers.
 */
#include <stdlib.h>
#include <string.h>

#include "dvv.h"
#include "model.h"
#include "nodemask.h"
#include "util.h"

#define MULTI_MAX_LOG       4096 /* updates one node holds; past it new ones are refused */
#define MULTI_MAX_KEYS      256  /* keys one node holds; past it writes to new keys fail */
#define MULTI_MAX_TAGS      64   /* live add-tags of one OR-set key; tags one remove carries */
#define MULTI_MAX_TOMBS     64   /* removes waiting for the add they cancel, per key */
#define MULTI_MAX_WAITS     64   /* writes waiting out commit wait on one node */
#define MULTI_RESEND_MAX    32   /* updates one retry sends one peer */
#define MULTI_MAX_CONFLICTS 1000000000
/*
 * Siblings one key keeps (as many as a read can return). Past it the lowest by last-writer-wins
 * order is discarded with a `conflict` event; which one depends on what a node had when it
 * overflowed, so past this limit replicas may disagree. The store shows the first
 * STORE_MAX_SIBLINGS of them.
 */
#define MULTI_MAX_SIBLINGS HISTORY_MAX_VALUES

enum {
    P_TOPOLOGY,
    P_HUB,
    P_RESOLVE,
    P_TIMESTAMPS,
    P_CAUSAL,
    P_COMMIT_WAIT,
    P_RETRY,
    P_TOMBSTONE_GC,
};

enum topology {
    TOPO_ALL,
    TOPO_RING,
    TOPO_STAR,
};

enum resolve {
    RES_LWW,
    RES_SIBLINGS,
    RES_CRDT,
};

enum stamps {
    TS_PHYSICAL,
    TS_LAMPORT,
    TS_HLC,
};

static const struct param_def params[] = {
    [P_TOPOLOGY] =
        {"topology", PARAM_ENUM, "all|ring|star", "all", 0, 0,
         "who replicates to whom: all = origin to every node; ring = n1 -> n2 -> ... -> n1; star = through the hub"},
    [P_HUB] = {"hub", PARAM_NODE, NULL, "n1", 0, 0, "the centre of the star topology"},
    [P_RESOLVE] =
        {"resolve", PARAM_ENUM, "lww|siblings|crdt", "lww", 0, 0,
         "conflicting writes: last writer wins, keep siblings, or CRDT counters and sets"},
    [P_TIMESTAMPS] =
        {"timestamps", PARAM_ENUM, "physical|lamport|hlc", "physical", 0, 0,
         "what last-writer-wins compares: the origin's wall clock, a Lamport clock or a hybrid logical clock"},
    [P_CAUSAL] =
        {"causal", PARAM_BOOL, NULL, "off", 0, 1,
         "hold back a replicated write until the writes of other nodes it depends on are applied"},
    [P_COMMIT_WAIT] =
        {"commit_wait", PARAM_BOOL, NULL, "off", 0, 1,
         "stamp a write with the top of the TrueTime interval and wait out the uncertainty before the ack"},
    [P_RETRY] =
        {"retry", PARAM_DURATION, NULL, "1s", 1000, 60000000LL,
         "how long a node waits before it sends a peer the writes the peer has not acknowledged"},
    [P_TOMBSTONE_GC] = {"tombstone_gc", PARAM_DURATION, NULL, "0ms", 0, 3600000000LL,
                        "remove a delete's tombstone this long after it was written (0ms: never)"},
};

enum msg_type {
    M_REPL,
    M_ACK,
    M_SYNC,
};

static const char *const msg_names[] = {
    [M_REPL] = "repl",
    [M_ACK] = "ack",
    [M_SYNC] = "sync",
};

enum timer_kind {
    T_RETRY,
    T_COMMIT_WAIT,
    T_GC,
};

/*
 * The kind of a purged update: a write that a collected tombstone had deleted (or the delete
 * itself). Only its dot, dependencies and path are left, so it still takes its place in its
 * origin's order, but it carries nothing to apply.
 */
#define MULTI_PURGED (-1)

enum {
    PR_CONFLICTS,
    PR_LOST,
    PR_HELD,
    PR_WAITED,
};

static const struct pred_def preds[] = {
    [PR_CONFLICTS] =
        {"conflicts",
         "conflicts == N",
         {PRED_INT},
         0,
         NULL,
         true,
         "how many conflicts the nodes have recorded (lww discards and sibling splits)"},
    [PR_LOST] = {"lost",
                 "lost LABEL",
                 {PRED_LABEL},
                 1,
                 NULL,
                 false,
                 "the write LABEL is held by no live node, and no surviving version had seen it"},
    [PR_HELD] = {"held",
                 "held NODE == N",
                 {PRED_NODE},
                 1,
                 NULL,
                 true,
                 "how many replicated writes NODE holds back waiting for their dependencies"},
    [PR_WAITED] = {"waited",
                   "waited LABEL",
                   {PRED_LABEL},
                   1,
                   NULL,
                   false,
                   "the write LABEL waited out its clock uncertainty before its ack"},
};

/* A tag of an OR-set element, and the identity of every update: (origin, sequence). */
struct mdot {
    uint32_t origin;
    uint32_t seq;
};

/* One replicated write: the log entry and the body of a `repl` message. */
struct mupdate {
    int32_t kind; /* enum op_kind */
    uint32_t origin;
    uint32_t seq;
    uint32_t hlc_c;
    uint64_t op_id;
    uint64_t lamport;
    int64_t ts_us; /* the origin's physical clock (the TrueTime top with commit wait) */
    int64_t hlc_l;
    int64_t amount;
    char key[STORE_KEY_MAX];
    char value[STORE_VAL_MAX];
    struct vclock ctx;  /* the key's causal context the write replaces */
    struct vclock deps; /* updates per origin the origin had applied */
    uint32_t npath;
    uint8_t path[CLOCK_MAX_NODES]; /* nodes it has passed, origin first */
    uint32_t ntags;
    struct mdot tags[MULTI_MAX_TAGS]; /* remove: the tags it cancels */
};

/* A `repl` body must fit a message even with every tag in use. */
_Static_assert(sizeof(struct mupdate) <= NET_MAX_BODY, "an update must fit one message");

struct mentry {
    struct mupdate u;
    bool applied;
    int64_t sent_mono; /* when this node last sent it anywhere (its monotonic clock) */
    int64_t wait_us;   /* at the origin: how long commit wait held the ack */
};

/* A register version: a value with its dot and the context it was written with. */
struct mver {
    char value[STORE_VAL_MAX];
    struct mdot dot;
    struct vclock ctx;
    int64_t ts_us;
    uint64_t lamport;
    int64_t hlc_l;
    uint32_t hlc_c;
    bool tomb; /* a delete: hidden from reads, replaces what its context covers */
};

struct mtag {
    char elem[STORE_VAL_MAX];
    struct mdot dot;
};

struct mkey {
    char key[STORE_KEY_MAX];
    int nver;
    struct mver ver[MULTI_MAX_SIBLINGS];
    bool counter;
    int64_t pos[CLOCK_MAX_NODES];
    int64_t neg[CLOCK_MAX_NODES];
    bool set;
    int ntags;
    struct mtag tags[MULTI_MAX_TAGS];
    int ntombs;
    struct mdot tombs[MULTI_MAX_TOMBS];
};

struct mwait {
    bool used;
    struct op_req req;
    int64_t stamp_us;
    int64_t start_mono;
    int entry;
};

struct mnode {
    bool up;
    struct mentry *log;
    int nlog;
    int caplog;
    int32_t *idx[CLOCK_MAX_NODES]; /* idx[o][s - 1]: log index of dot (o, s), or -1 */
    uint32_t idxcap[CLOCK_MAX_NODES];
    struct vclock have;    /* gap-free prefix of updates held, per origin */
    struct vclock applied; /* gap-free prefix of updates applied, per origin */
    int nheld;
    uint32_t next_seq;
    int64_t hlc_l;
    uint32_t hlc_c;
    uint32_t life; /* bumped by a wipe: a rebuilt node's acks outrank its old ones */
    struct vclock peer_have[CLOCK_MAX_NODES];
    uint32_t peer_life[CLOCK_MAX_NODES];
    uint64_t repair; /* peers that asked (sync) for everything they lack */
    struct mkey *keys;
    int nkeys;
    int capkeys;
    struct mwait waits[MULTI_MAX_WAITS];
    bool retry_armed;
    bool rejoining;
    uint64_t heard;
    bool dirty; /* the cached "has unacknowledged work" needs recomputing */
    bool unacked;
    bool gc_armed;
    uint64_t gc_timer;
};

struct model_state {
    struct model_ctx *ctx;
    int n;
    struct mnode *nodes;
    int64_t conflicts; /* for the `conflicts` predicate: every node's, counted together */
};

/* The body of `ack` and `sync`: what the sender holds. */
struct mhave {
    struct vclock have;
    uint32_t life;
};

/* ---- small helpers ---- */

static void fmt_vc(const struct model_state *st, const struct vclock *vc, char *dst, size_t size)
{
    clock_vc_format(vc, st->n, dst, size);
}

/* A clock for a message summary: formatted only when someone reads message text. */
static void summary_vc(const struct model_state *st, const struct vclock *vc, char *dst,
                       size_t size)
{
    if (model_text_wanted(st->ctx))
        fmt_vc(st, vc, dst, size);
    else
        dst[0] = '\0';
}

static bool dot_eq(struct mdot a, struct mdot b)
{
    return a.origin == b.origin && a.seq == b.seq;
}

/* The version vector a store shows for a version: its context plus its own dot. */
static struct vclock ver_vc(const struct mver *v)
{
    struct vclock vc = v->ctx;

    dvv_add(&vc, (int)v->dot.origin, v->dot.seq);
    return vc;
}

/* Last-writer-wins order under the chosen timestamps; ties fall to the node id, then the seq. */
static int lww_cmp(const struct model_state *st, const struct mver *a, const struct mver *b)
{
    switch ((enum stamps)model_pnum(st->ctx, P_TIMESTAMPS)) {
    case TS_PHYSICAL:
        if (a->ts_us != b->ts_us)
            return a->ts_us < b->ts_us ? -1 : 1;
        /* Cassandra breaks a tie of timestamps for the delete, then by value, the greater
         * winning. */
        if (a->tomb != b->tomb)
            return a->tomb ? 1 : -1;
        if (strcmp(a->value, b->value) != 0)
            return strcmp(a->value, b->value) < 0 ? -1 : 1;
        break;
    case TS_LAMPORT:
        if (a->lamport != b->lamport)
            return a->lamport < b->lamport ? -1 : 1;
        break;
    case TS_HLC:
        if (a->hlc_l != b->hlc_l)
            return a->hlc_l < b->hlc_l ? -1 : 1;
        if (a->hlc_c != b->hlc_c)
            return a->hlc_c < b->hlc_c ? -1 : 1;
        break;
    }
    return dvv_dot_cmp((int)a->dot.origin, a->dot.seq, (int)b->dot.origin, b->dot.seq);
}

static void fmt_stamp(const struct model_state *st, const struct mver *v, char *dst, size_t size)
{
    char d[24];

    switch ((enum stamps)model_pnum(st->ctx, P_TIMESTAMPS)) {
    case TS_PHYSICAL:
        util_fmt_time(d, sizeof(d), v->ts_us);
        snprintf(dst, size, "ts %s", d);
        return;
    case TS_LAMPORT:
        snprintf(dst, size, "lamport %llu", (unsigned long long)v->lamport);
        return;
    case TS_HLC:
        util_fmt_time(d, sizeof(d), v->hlc_l);
        snprintf(dst, size, "hlc %s.%u", d, v->hlc_c);
        return;
    }
}

/* ---- the log ---- */

static struct mentry *log_find(struct mnode *nd, uint32_t origin, uint32_t seq)
{
    if (seq == 0 || !nd->idx[origin] || seq > nd->idxcap[origin])
        return NULL;
    if (nd->idx[origin][seq - 1] < 0)
        return NULL;
    return &nd->log[nd->idx[origin][seq - 1]];
}

static void advance_prefixes(struct mnode *nd, uint32_t origin)
{
    struct mentry *e;

    while (log_find(nd, origin, nd->have.v[origin] + 1))
        nd->have.v[origin]++;
    while ((e = log_find(nd, origin, nd->applied.v[origin] + 1)) && e->applied)
        nd->applied.v[origin]++;
}

/* Appends u; returns its index, or -1 when the log is full. */
static int log_add(struct mnode *nd, const struct mupdate *u)
{
    uint32_t o = u->origin;

    if (nd->nlog >= MULTI_MAX_LOG || u->seq == 0 || u->seq > MULTI_MAX_LOG)
        return -1;
    if (nd->nlog == nd->caplog) {
        nd->caplog = nd->caplog ? nd->caplog * 2 : 16;
        nd->log = xrealloc(nd->log, (size_t)nd->caplog * sizeof(*nd->log));
    }
    if (u->seq > nd->idxcap[o]) {
        uint32_t cap = nd->idxcap[o] ? nd->idxcap[o] : 16;
        while (cap < u->seq)
            cap *= 2;
        if (cap > MULTI_MAX_LOG)
            cap = MULTI_MAX_LOG;
        nd->idx[o] = xrealloc(nd->idx[o], cap * sizeof(int32_t));
        for (uint32_t s = nd->idxcap[o]; s < cap; s++)
            nd->idx[o][s] = -1;
        nd->idxcap[o] = cap;
    }
    memset(&nd->log[nd->nlog], 0, sizeof(nd->log[nd->nlog]));
    nd->log[nd->nlog].u = *u;
    nd->log[nd->nlog].sent_mono = INT64_MIN;
    nd->idx[o][u->seq - 1] = nd->nlog;
    nd->nlog++;
    advance_prefixes(nd, o);
    nd->dirty = true;
    return nd->nlog - 1;
}

static void node_reset(struct mnode *nd)
{
    uint32_t life = nd->life;

    free(nd->log);
    for (int o = 0; o < CLOCK_MAX_NODES; o++)
        free(nd->idx[o]);
    free(nd->keys);
    memset(nd, 0, sizeof(*nd));
    nd->life = life;
}

/* ---- routing ---- */

/* The peers node is responsible for sending u to. */
static uint64_t targets(const struct model_state *st, int node, const struct mupdate *u)
{
    const struct mnode *nd = &st->nodes[node];
    int hub = (int)model_pnum(st->ctx, P_HUB);
    uint64_t path = 0, mask = 0;

    for (uint32_t i = 0; i < u->npath; i++)
        path |= nodemask_bit(u->path[i]);
    switch ((enum topology)model_pnum(st->ctx, P_TOPOLOGY)) {
    case TOPO_ALL:
        if ((int)u->origin == node)
            mask = nodemask_all(st->n);
        break;
    case TOPO_RING:
        mask = nodemask_bit((node + 1) % st->n) & ~path;
        break;
    case TOPO_STAR:
        if (hub >= st->n)
            hub = 0;
        if (node == hub)
            mask = nodemask_all(st->n) & ~path;
        else if ((int)u->origin == node)
            mask = nodemask_bit(hub) & ~path;
        break;
    }
    /* A peer that came back and asked gets everything it lacks, whatever the route. */
    mask |= nd->repair;
    return mask & ~nodemask_bit(node);
}

/* The key an update writes, for the trace; a purged update has none left. */
static const char *update_key(const struct mupdate *u)
{
    return u->kind == MULTI_PURGED ? "a purged write" : u->key;
}

static bool peer_lacks(const struct mnode *nd, int peer, const struct mupdate *u)
{
    return nd->peer_have[peer].v[u->origin] < u->seq;
}

static bool has_unacked(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];

    if (!nd->dirty)
        return nd->unacked;
    nd->unacked = false;
    for (int i = 0; i < nd->nlog && !nd->unacked; i++) {
        uint64_t t = targets(st, node, &nd->log[i].u);
        for (int p = 0; p < st->n && t; p++, t >>= 1)
            if ((t & 1) && peer_lacks(nd, p, &nd->log[i].u)) {
                nd->unacked = true;
                break;
            }
    }
    nd->dirty = false;
    return nd->unacked;
}

static void arm_retry(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];

    if (nd->retry_armed)
        return;
    nd->retry_armed = true;
    model_timer(st->ctx, node, T_RETRY, "retry", model_pnum(st->ctx, P_RETRY), 0);
}

static void send_update(struct model_state *st, int node, int peer, struct mentry *e)
{
    const struct mupdate *u = &e->u;
    char vc[64];

    /* Only the tags in use go on the wire. */
    size_t len = offsetof(struct mupdate, tags) + u->ntags * sizeof(u->tags[0]);

    e->sent_mono = model_mono(st->ctx, node);
    if (u->kind == MULTI_PURGED) {
        model_send(st->ctx, node, peer, M_REPL, false, u, len, "n%u#%u purged", u->origin + 1,
                   u->seq);
        return;
    }
    switch ((enum op_kind)u->kind) {
    case OP_PUT:
        summary_vc(st, &u->ctx, vc, sizeof(vc));
        model_send(st->ctx, node, peer, M_REPL, false, u, len, "%s=%s n%u#%u ctx%s", u->key,
                   u->value, u->origin + 1, u->seq, vc);
        break;
    case OP_INCR:
        model_send(st->ctx, node, peer, M_REPL, false, u, len, "%s%+lld n%u#%u", u->key,
                   (long long)u->amount, u->origin + 1, u->seq);
        break;
    case OP_ADD:
        model_send(st->ctx, node, peer, M_REPL, false, u, len, "%s add %s n%u#%u", u->key, u->value,
                   u->origin + 1, u->seq);
        break;
    case OP_REMOVE:
        model_send(st->ctx, node, peer, M_REPL, false, u, len, "%s remove %s n%u#%u", u->key,
                   u->value, u->origin + 1, u->seq);
        break;
    case OP_DEL:
        summary_vc(st, &u->ctx, vc, sizeof(vc));
        model_send(st->ctx, node, peer, M_REPL, false, u, len, "del %s n%u#%u ctx%s", u->key,
                   u->origin + 1, u->seq, vc);
        break;
    case OP_GET:
        break;
    }
}

/* Sends a fresh update to everyone node is responsible for. */
static void push(struct model_state *st, int node, int entry)
{
    struct mnode *nd = &st->nodes[node];
    uint64_t t = targets(st, node, &nd->log[entry].u);

    for (int p = 0; p < st->n; p++)
        if ((t & nodemask_bit(p)) && peer_lacks(nd, p, &nd->log[entry].u))
            send_update(st, node, p, &nd->log[entry]);
    nd->dirty = true;
    if (has_unacked(st, node))
        arm_retry(st, node);
}

/*
 * Sends peer what it lacks and node is responsible for, at most MULTI_RESEND_MAX updates.
 * fresh_only skips updates sent less than `retry` ago (they may still be on their way).
 * Returns how many went.
 */
static int resend(struct model_state *st, int node, int peer, bool fresh_only)
{
    struct mnode *nd = &st->nodes[node];
    int64_t now = model_mono(st->ctx, node), retry = model_pnum(st->ctx, P_RETRY);
    int sent = 0;

    for (int i = 0; i < nd->nlog && sent < MULTI_RESEND_MAX; i++) {
        struct mentry *e = &nd->log[i];
        if (!(targets(st, node, &e->u) & nodemask_bit(peer)) || !peer_lacks(nd, peer, &e->u))
            continue;
        /* Sent within the last `retry` (but not in this very round, to another peer): it may
         * still be on its way. */
        if (fresh_only && e->sent_mono != INT64_MIN && e->sent_mono < now &&
            now - e->sent_mono < retry)
            continue;
        send_update(st, node, peer, e);
        sent++;
    }
    return sent;
}

static void send_have(struct model_state *st, int node, int peer, int type)
{
    struct mnode *nd = &st->nodes[node];
    struct mhave h;
    char vc[64];

    memset(&h, 0, sizeof(h));
    h.have = nd->have;
    h.life = nd->life;
    summary_vc(st, &nd->have, vc, sizeof(vc));
    model_send(st->ctx, node, peer, type, false, &h, sizeof(h), "%s %s",
               type == M_SYNC ? "sync have" : "have", vc);
}

/* ---- keys and their replicated state ---- */

static struct mkey *key_find(struct mnode *nd, const char *key)
{
    for (int i = 0; i < nd->nkeys; i++)
        if (strcmp(nd->keys[i].key, key) == 0)
            return &nd->keys[i];
    return NULL;
}

static struct mkey *key_get(struct mnode *nd, const char *key)
{
    struct mkey *k = key_find(nd, key);

    if (k)
        return k;
    if (nd->nkeys >= MULTI_MAX_KEYS)
        return NULL;
    if (nd->nkeys == nd->capkeys) {
        nd->capkeys = nd->capkeys ? nd->capkeys * 2 : 4;
        nd->keys = xrealloc(nd->keys, (size_t)nd->capkeys * sizeof(*nd->keys));
    }
    k = &nd->keys[nd->nkeys++];
    memset(k, 0, sizeof(*k));
    util_strlcpy(k->key, key, sizeof(k->key));
    return k;
}

/* The context of everything node has seen of key: every version's context and dot. */
static struct vclock key_ctx(const struct mkey *k)
{
    struct vclock vc;

    memset(&vc, 0, sizeof(vc));
    if (!k)
        return vc;
    for (int i = 0; i < k->nver; i++) {
        struct vclock v = ver_vc(&k->ver[i]);
        clock_vc_merge(&vc, &v);
    }
    return vc;
}

static int64_t counter_value(const struct model_state *st, const struct mkey *k)
{
    int64_t sum = 0;

    for (int i = 0; i < st->n; i++)
        sum += k->pos[i] - k->neg[i];
    return sum;
}

static void key_values(const struct model_state *st, const struct mkey *k, struct op_values *out)
{
    memset(out, 0, sizeof(*out));
    if (!k)
        return;
    if (k->set) {
        for (int i = 0; i < k->ntags; i++)
            op_values_add(out, k->tags[i].elem);
    } else if (k->counter) {
        snprintf(out->v[0], sizeof(out->v[0]), "%lld", (long long)counter_value(st, k));
        out->n = 1;
    } else {
        for (int i = 0; i < k->nver; i++)
            if (!k->ver[i].tomb)
                op_values_add(out, k->ver[i].value);
    }
    op_values_sort(out);
}

/* Copies key's state into the node's store, where the summary and the TUI read it. */
static void mirror(struct model_state *st, int node, const struct mkey *k)
{
    struct store_version v[STORE_MAX_SIBLINGS];
    int n = 0;

    memset(v, 0, sizeof(v));
    if (k->set || k->counter) {
        struct op_values vals;
        char text[160];
        key_values(st, k, &vals);
        if (k->set) {
            /* Braces even for one element, so the summary tells a set from a register. */
            util_strlcpy(text, "{", sizeof(text));
            for (int i = 0; i < vals.n; i++)
                util_appendf(text, sizeof(text), "%s%s", i ? "," : "", vals.v[i]);
            util_appendf(text, sizeof(text), "}");
            util_strlcpy(v[0].value, text, sizeof(v[0].value));
        } else {
            util_strlcpy(v[0].value, vals.v[0], sizeof(v[0].value));
        }
        v[0].origin = node;
        v[0].ts_us = model_phys(st->ctx, node);
        v[0].lamport = model_lamport(st->ctx, node);
        n = 1;
    } else {
        for (int i = 0; i < k->nver && i < STORE_MAX_SIBLINGS; i++) {
            util_strlcpy(v[i].value, k->ver[i].value, sizeof(v[i].value));
            v[i].vc = ver_vc(&k->ver[i]);
            v[i].ts_us = k->ver[i].ts_us;
            v[i].lamport = k->ver[i].lamport;
            v[i].origin = (int)k->ver[i].dot.origin;
            v[i].tombstone = k->ver[i].tomb;
        }
        n = k->nver < STORE_MAX_SIBLINGS ? k->nver : STORE_MAX_SIBLINGS;
    }
    store_kv_set(model_store(st->ctx, node), k->key, v, n);
}

static void record_conflict(struct model_state *st)
{
    if (st->conflicts < MULTI_MAX_CONFLICTS)
        st->conflicts++;
}

static void apply_lww(struct model_state *st, int node, struct mkey *k, const struct mver *nv)
{
    struct mver cand[MULTI_MAX_SIBLINGS + 1];
    int n = 0, win = 0;
    char ws[48], ls[48];

    for (int i = 0; i < k->nver; i++)
        cand[n++] = k->ver[i];
    cand[n++] = *nv;
    for (int i = 1; i < n; i++)
        if (lww_cmp(st, &cand[i], &cand[win]) > 0)
            win = i;
    for (int i = 0; i < n; i++) {
        const struct mver *l = &cand[i], *w = &cand[win];
        if (i == win || dvv_covers(&w->ctx, (int)l->dot.origin, l->dot.seq))
            continue; /* the winner had seen it: an ordinary overwrite */
        fmt_stamp(st, w, ws, sizeof(ws));
        fmt_stamp(st, l, ls, sizeof(ls));
        record_conflict(st);
        model_trace(st->ctx, TRACE_CONFLICT, node, (int)l->dot.origin, l->ts_us, w->ts_us, "lww",
                    "%s: kept %s (n%u#%u %s), discarded %s (n%u#%u %s)%s", k->key, w->value,
                    w->dot.origin + 1, w->dot.seq, ws, l->value, l->dot.origin + 1, l->dot.seq, ls,
                    dvv_covers(&l->ctx, (int)w->dot.origin, w->dot.seq)
                        ? ": the lost write came later, its stamp is lower"
                        : ": concurrent writes");
        if (l->tomb)
            continue; /* a delete that lost takes no acknowledged value with it */
        if (dvv_covers(&l->ctx, (int)w->dot.origin, w->dot.seq))
            model_discard_as(st->ctx, node, k->key, l->value, MODEL_DISCARD_LATER,
                             "last write wins kept %s, which it had seen", w->value);
        else
            model_discard(st->ctx, node, k->key, l->value, "last write wins kept %s", w->value);
    }
    k->ver[0] = cand[win];
    k->nver = 1;
}

static int ver_order(const void *a, const void *b)
{
    const struct mver *x = a, *y = b;

    return dvv_dot_cmp((int)x->dot.origin, x->dot.seq, (int)y->dot.origin, y->dot.seq);
}

/* Dotted version vectors: drop what nv's context covers, keep the rest as siblings. */
static void apply_siblings(struct model_state *st, int node, struct mkey *k, const struct mver *nv)
{
    struct mver kept[MULTI_MAX_SIBLINGS + 1];
    int n = 0;
    char list[TRACE_TEXT_MAX] = "";

    for (int i = 0; i < k->nver; i++)
        if (dvv_covers(&k->ver[i].ctx, (int)nv->dot.origin, nv->dot.seq) ||
            dot_eq(k->ver[i].dot, nv->dot))
            return; /* a version here has already seen (and replaced) this write */
    for (int i = 0; i < k->nver; i++)
        if (!dvv_covers(&nv->ctx, (int)k->ver[i].dot.origin, k->ver[i].dot.seq))
            kept[n++] = k->ver[i];
    if (n > 0) {
        for (int i = 0; i < n; i++)
            util_appendf(list, sizeof(list), "%s%s", i ? "," : "", kept[i].value);
        record_conflict(st);
        model_trace(st->ctx, TRACE_CONFLICT, node, (int)nv->dot.origin, nv->ts_us, n, "siblings",
                    "%s: %s (n%u#%u) is concurrent with %s: kept as siblings", k->key, nv->value,
                    nv->dot.origin + 1, nv->dot.seq, list);
    }
    kept[n++] = *nv;
    if (n > MULTI_MAX_SIBLINGS) {
        /* Past the sibling limit the oldest by last-writer-wins order goes, and says so. */
        int lo = 0;
        for (int i = 1; i < n; i++)
            if (lww_cmp(st, &kept[i], &kept[lo]) < 0)
                lo = i;
        record_conflict(st);
        model_trace(st->ctx, TRACE_CONFLICT, node, (int)kept[lo].dot.origin, kept[lo].ts_us, n,
                    "siblings", "%s: more than %d siblings, discarded %s (n%u#%u)", k->key,
                    MULTI_MAX_SIBLINGS, kept[lo].value, kept[lo].dot.origin + 1, kept[lo].dot.seq);
        model_discard_as(st->ctx, node, k->key, kept[lo].value, MODEL_DISCARD_BOUND,
                         "more than %d siblings", MULTI_MAX_SIBLINGS);
        kept[lo] = kept[--n];
    }
    qsort(kept, (size_t)n, sizeof(kept[0]), ver_order);
    memcpy(k->ver, kept, (size_t)n * sizeof(kept[0]));
    k->nver = n;
}

static void apply_add(struct model_state *st, int node, struct mkey *k, const struct mupdate *u)
{
    struct mdot d = {u->origin, u->seq};

    k->set = true;
    for (int i = 0; i < k->ntombs; i++) {
        if (dot_eq(k->tombs[i], d)) {
            /* A remove that had seen this add got here first: the tombstone takes it. */
            k->tombs[i] = k->tombs[--k->ntombs];
            return;
        }
    }
    if (k->ntags >= MULTI_MAX_TAGS) {
        model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "set full",
                    "%s: more than %d tags, add %s dropped", k->key, MULTI_MAX_TAGS, u->value);
        return;
    }
    util_strlcpy(k->tags[k->ntags].elem, u->value, sizeof(k->tags[k->ntags].elem));
    k->tags[k->ntags].dot = d;
    k->ntags++;
}

static void apply_remove(struct model_state *st, int node, struct mkey *k, const struct mupdate *u)
{
    struct mnode *nd = &st->nodes[node];

    k->set = true;
    for (uint32_t t = 0; t < u->ntags; t++) {
        struct mdot d = u->tags[t];
        const struct mentry *add = log_find(nd, d.origin, d.seq);
        bool found = false;
        for (int i = 0; i < k->ntags; i++) {
            if (dot_eq(k->tags[i].dot, d)) {
                k->tags[i] = k->tags[--k->ntags];
                found = true;
                break;
            }
        }
        if (found || (add && add->applied))
            continue;
        if (k->ntombs >= MULTI_MAX_TOMBS) {
            model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "set full",
                        "%s: more than %d early removes, one dropped", k->key, MULTI_MAX_TOMBS);
            continue;
        }
        k->tombs[k->ntombs++] = d;
    }
}

static void apply(struct model_state *st, int node, int entry)
{
    struct mnode *nd = &st->nodes[node];
    struct mentry *e = &nd->log[entry];
    const struct mupdate *u = &e->u;
    struct mkey *k;
    struct mver nv;

    e->applied = true;
    advance_prefixes(nd, u->origin);
    if (u->kind == MULTI_PURGED) {
        model_trace(st->ctx, TRACE_NOTE, node, (int)u->origin, u->seq, 0, "purged",
                    "n%u#%u was purged with a collected tombstone: nothing to apply", u->origin + 1,
                    u->seq);
        return;
    }
    k = key_get(nd, u->key);
    if (!k) {
        model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "full",
                    "more than %d keys: %s from n%u#%u not stored", MULTI_MAX_KEYS, u->key,
                    u->origin + 1, u->seq);
        return;
    }
    switch ((enum op_kind)u->kind) {
    case OP_PUT:
    case OP_DEL:
        memset(&nv, 0, sizeof(nv));
        nv.tomb = u->kind == OP_DEL;
        util_strlcpy(nv.value, u->value, sizeof(nv.value));
        nv.dot.origin = u->origin;
        nv.dot.seq = u->seq;
        nv.ctx = u->ctx;
        nv.ts_us = u->ts_us;
        nv.lamport = u->lamport;
        nv.hlc_l = u->hlc_l;
        nv.hlc_c = u->hlc_c;
        if (model_pnum(st->ctx, P_RESOLVE) == RES_LWW)
            apply_lww(st, node, k, &nv);
        else
            apply_siblings(st, node, k, &nv);
        break;
    case OP_INCR:
        k->counter = true;
        if (u->amount >= 0)
            k->pos[u->origin] += u->amount;
        else
            k->neg[u->origin] -= u->amount;
        break;
    case OP_ADD:
        apply_add(st, node, k, u);
        break;
    case OP_REMOVE:
        apply_remove(st, node, k, u);
        break;
    case OP_GET:
        break;
    }
    mirror(st, node, k);
}

/*
 * Can node apply u now? Always in each origin's order (FIFO): a context that names an origin's
 * write k must imply that its writes before k were seen too, or a version vector would claim
 * writes it never saw and a later write would silently replace them. With causal on, also only
 * after everything the origin had applied when it wrote u.
 */
static bool ready(const struct model_state *st, const struct mnode *nd, const struct mupdate *u)
{
    bool causal = model_pnum(st->ctx, P_CAUSAL) != 0;

    if (nd->applied.v[u->origin] < u->seq - 1)
        return false;
    for (int k = 0; causal && k < st->n; k++)
        if ((uint32_t)k != u->origin && nd->applied.v[k] < u->deps.v[k])
            return false;
    return true;
}

/* Applies every held update whose turn has come. */
static void release_held(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];
    bool progress = true;

    while (nd->nheld > 0 && progress) {
        progress = false;
        for (int i = 0; i < nd->nlog; i++) {
            struct mentry *e = &nd->log[i];
            if (e->applied || !ready(st, nd, &e->u))
                continue;
            nd->nheld--;
            model_trace(st->ctx, TRACE_NOTE, node, (int)e->u.origin, e->u.seq, 0, "release",
                        "applies %s from n%u#%u: what it waited for is here", update_key(&e->u),
                        e->u.origin + 1, e->u.seq);
            apply(st, node, i);
            progress = true;
        }
    }
}

/* ---- clocks ---- */

static void hlc_local(struct mnode *nd, int64_t pt)
{
    if (pt > nd->hlc_l) {
        nd->hlc_l = pt;
        nd->hlc_c = 0;
    } else {
        nd->hlc_c++;
    }
}

static void hlc_recv(struct mnode *nd, int64_t pt, int64_t ml, uint32_t mc)
{
    int64_t l = nd->hlc_l;

    if (ml > l)
        l = ml;
    if (pt > l)
        l = pt;
    if (l == nd->hlc_l && l == ml)
        nd->hlc_c = (nd->hlc_c > mc ? nd->hlc_c : mc) + 1;
    else if (l == nd->hlc_l)
        nd->hlc_c++;
    else if (l == ml)
        nd->hlc_c = mc + 1;
    else
        nd->hlc_c = 0;
    nd->hlc_l = l;
}

/* ---- tombstone collection ---- */

/* Sweeps a few times per grace period, as compaction would come round. */
static void arm_gc(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];
    int64_t grace = model_param(st->ctx, P_TOMBSTONE_GC)->num;

    if (nd->gc_armed || grace == 0)
        return;
    nd->gc_timer =
        model_timer(st->ctx, node, T_GC, "tombstone_gc", grace / 4 > 1000 ? grace / 4 : 1000, 0);
    nd->gc_armed = true;
}

/* Empties a log entry: its dot, dependencies, path and op id stay, the write is gone. */
static void purge_entry(struct mentry *e)
{
    struct mupdate *u = &e->u;

    u->kind = MULTI_PURGED;
    memset(u->key, 0, sizeof(u->key));
    memset(u->value, 0, sizeof(u->value));
    memset(&u->ctx, 0, sizeof(u->ctx));
    u->amount = 0;
    u->ntags = 0;
}

/*
 * Removes key ki, whose versions are all tombstones, from node: its state and, in the log, the
 * delete and every write the tombstones had replaced (under lww every write of the key the
 * node applied, all of which lost to the tombstone). Those entries become purged stubs, so a
 * peer that lacks them is still sent their dots, in order, but nothing to apply.
 */
static void collect_key(struct model_state *st, int node, int ki)
{
    struct mnode *nd = &st->nodes[node];
    struct vclock seen = key_ctx(&nd->keys[ki]);
    bool lww = model_pnum(st->ctx, P_RESOLVE) == RES_LWW;
    char key[STORE_KEY_MAX];
    int purged = 0;

    util_strlcpy(key, nd->keys[ki].key, sizeof(key));
    for (int i = 0; i < nd->nlog; i++) {
        struct mentry *e = &nd->log[i];
        struct mdot d = {e->u.origin, e->u.seq};
        if (!e->applied || (e->u.kind != OP_PUT && e->u.kind != OP_DEL) ||
            strcmp(e->u.key, key) != 0 || (!lww && !dvv_covers(&seen, (int)d.origin, d.seq)))
            continue;
        purge_entry(e);
        purged++;
    }
    memmove(&nd->keys[ki], &nd->keys[ki + 1], (size_t)(nd->nkeys - ki - 1) * sizeof(nd->keys[0]));
    nd->nkeys--;
    store_kv_set(model_store(st->ctx, node), key, NULL, 0);
    model_trace(st->ctx, TRACE_NOTE, node, -1, purged, 0, "tombstone_gc",
                "%s: tombstone collected after its grace period, %d log entries purged", key,
                purged);
}

/*
 * Cassandra's gc_grace_seconds, across datacenters as within one: a register key whose versions
 * are all tombstones, the newest written `tombstone_gc` ago or more by this node's clock, is
 * removed with the log entries of the writes it deleted. A node that missed the delete and
 * comes back after that is sent their dots but not the delete, and keeps the value (zombie
 * data); a write the tombstone had replaced that arrives late is applied as new.
 */
static void on_gc_timer(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];
    int64_t grace = model_param(st->ctx, P_TOMBSTONE_GC)->num, now = model_phys(st->ctx, node);

    nd->gc_armed = false;
    if (grace == 0)
        return;
    for (int i = 0; i < nd->nkeys; i++) {
        const struct mkey *k = &nd->keys[i];
        bool all_dead = !k->set && !k->counter && k->nver > 0;
        int64_t newest = INT64_MIN;
        for (int v = 0; v < k->nver; v++) {
            all_dead = all_dead && k->ver[v].tomb;
            if (k->ver[v].ts_us > newest)
                newest = k->ver[v].ts_us;
        }
        if (!all_dead || now - newest < grace)
            continue;
        collect_key(st, node, i);
        i--; /* the next key moved into this place */
    }
    arm_gc(st, node);
}

/* ---- model operations ---- */

static struct model_state *multi_create(struct model_ctx *ctx)
{
    struct model_state *st = xcalloc(1, sizeof(*st));

    st->ctx = ctx;
    st->n = model_nodes(ctx);
    st->nodes = xcalloc((size_t)st->n, sizeof(*st->nodes));
    for (int i = 0; i < st->n; i++)
        st->nodes[i].up = true;
    return st;
}

static void multi_destroy(struct model_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++)
        node_reset(&st->nodes[i]);
    free(st->nodes);
    free(st);
}

static void multi_start(struct model_state *st)
{
    for (int i = 0; i < st->n; i++)
        arm_gc(st, i);
}

static void multi_param_changed(struct model_state *st, int idx)
{
    for (int i = 0; i < st->n; i++) {
        struct mnode *nd = &st->nodes[i];
        if (!nd->up)
            continue;
        switch (idx) {
        case P_TOPOLOGY:
        case P_HUB:
            /* New routes: whoever is now responsible for a peer's missing writes sends them. */
            nd->dirty = true;
            if (has_unacked(st, i))
                arm_retry(st, i);
            break;
        case P_CAUSAL:
            release_held(st, i);
            break;
        case P_TOMBSTONE_GC:
            if (nd->gc_armed)
                model_timer_cancel(st->ctx, nd->gc_timer);
            nd->gc_armed = false;
            arm_gc(st, i);
            break;
        default:
            break;
        }
    }
}

/*
 * A put's ok carries the context of every version of the key the node holds once the write
 * is in (Riak's return_body: the client is shown the siblings beside its write), so a write
 * `after` it replaces its own and those. Not just the write's own dot: a vector entry n1:5
 * claims all of n1's writes up to 5, and only a node that applied them can claim that.
 */
static void reply_written(struct model_state *st, int node, const struct op_req *req,
                          const struct mupdate *u, const char *detail)
{
    struct op_reply rep;

    op_reply_init(&rep, REPLY_OK, NULL, NULL, detail);
    if ((req->kind == OP_PUT || req->kind == OP_DEL) && u->origin == (uint32_t)node) {
        rep.has_ctx = true;
        rep.ctx = key_ctx(key_find(&st->nodes[node], req->key));
    }
    model_reply(st->ctx, node, req, &rep);
}

static void multi_read_local(struct model_state *st, int node, const char *key,
                             struct op_values *out)
{
    key_values(st, key_find(&st->nodes[node], key), out);
}

static void serve_get(struct model_state *st, int node, const struct op_req *req)
{
    const struct mkey *k = key_find(&st->nodes[node], req->key);
    struct op_reply rep;
    char vc[64];

    op_reply_init(&rep, REPLY_OK, NULL, NULL, NULL);
    key_values(st, k, &rep.vals);
    rep.has_ctx = true;
    rep.ctx = key_ctx(k);
    fmt_vc(st, &rep.ctx, vc, sizeof(vc));
    if (k && !k->set && !k->counter && k->nver > 1)
        snprintf(rep.detail, sizeof(rep.detail), "%d siblings, context %s", k->nver, vc);
    else
        snprintf(rep.detail, sizeof(rep.detail), "context %s", vc);
    model_reply(st->ctx, node, req, &rep);
}

static void write_detail(struct model_state *st, const struct mentry *e, char *dst, size_t size)
{
    struct mver v;
    char stamp[48];

    memset(&v, 0, sizeof(v));
    v.ts_us = e->u.ts_us;
    v.lamport = e->u.lamport;
    v.hlc_l = e->u.hlc_l;
    v.hlc_c = e->u.hlc_c;
    fmt_stamp(st, &v, stamp, sizeof(stamp));
    snprintf(dst, size, "n%u#%u %s", e->u.origin + 1, e->u.seq, stamp);
    if (e->wait_us > 0) {
        char d[24];
        util_fmt_duration(d, sizeof(d), e->wait_us);
        util_appendf(dst, size, ", commit wait %s", d);
    }
}

/* Builds the update for a client write at node; false with *why when it cannot be taken. */
static bool make_update(struct model_state *st, int node, const struct op_req *req,
                        struct mupdate *u, const char **why)
{
    struct mnode *nd = &st->nodes[node];
    const struct mkey *k = key_find(nd, req->key);
    int64_t earliest, latest;

    if (req->kind != OP_PUT && req->kind != OP_DEL && model_pnum(st->ctx, P_RESOLVE) != RES_CRDT) {
        *why = "counters and sets need set resolve crdt";
        return false;
    }
    if (nd->rejoining) {
        *why = "rejoining after a wipe: waiting to hear its past writes";
        return false;
    }
    if (nd->nlog >= MULTI_MAX_LOG || nd->next_seq >= MULTI_MAX_LOG) {
        *why = "replication log full";
        return false;
    }
    if (!k && nd->nkeys >= MULTI_MAX_KEYS) {
        *why = "too many keys";
        return false;
    }
    memset(u, 0, sizeof(*u));
    u->kind = (int32_t)req->kind;
    u->origin = (uint32_t)node;
    u->seq = ++nd->next_seq;
    u->op_id = req->op_id;
    util_strlcpy(u->key, req->key, sizeof(u->key));
    util_strlcpy(u->value, req->value, sizeof(u->value));
    u->amount = req->amount;
    if (model_pnum(st->ctx, P_COMMIT_WAIT)) {
        model_truetime(st->ctx, node, &earliest, &latest);
        u->ts_us = latest;
    } else {
        u->ts_us = model_phys(st->ctx, node);
    }
    u->lamport = model_lamport(st->ctx, node);
    hlc_local(nd, u->ts_us);
    u->hlc_l = nd->hlc_l;
    u->hlc_c = nd->hlc_c;
    /* A blind put under siblings supersedes nothing (Riak's allow_mult); under lww its
     * context records what the node had seen, so a discard can say who came later. */
    if (req->kind == OP_PUT && req->has_ctx)
        u->ctx = req->ctx;
    else if (req->kind == OP_PUT && model_pnum(st->ctx, P_RESOLVE) == RES_LWW)
        u->ctx = key_ctx(k);
    /* A delete removes what it saw: a read's context, or (as Riak's delete reads the object
     * first) everything its node holds of the key. */
    if (req->kind == OP_DEL)
        u->ctx = req->has_ctx ? req->ctx : key_ctx(k);
    if (req->kind == OP_REMOVE && k) {
        for (int i = 0; i < k->ntags && u->ntags < MULTI_MAX_TAGS; i++)
            if (strcmp(k->tags[i].elem, req->value) == 0)
                u->tags[u->ntags++] = k->tags[i].dot;
    }
    u->deps = nd->applied;
    u->deps.v[node] = u->seq - 1;
    u->npath = 1;
    u->path[0] = (uint8_t)node;
    return true;
}

static void serve_write(struct model_state *st, int node, const struct op_req *req)
{
    struct mnode *nd = &st->nodes[node];
    struct mupdate *u = xmalloc(sizeof(*u));
    const char *why = NULL;
    char detail[HISTORY_DETAIL_MAX];
    int entry;

    if (!make_update(st, node, req, u, &why)) {
        model_answer(st->ctx, node, req, REPLY_FAIL, why, NULL, NULL);
        goto out;
    }
    entry = log_add(nd, u);
    /* make_update checked the bounds, so the append cannot fail. */
    apply(st, node, entry);
    push(st, node, entry);
    if (model_pnum(st->ctx, P_COMMIT_WAIT)) {
        int64_t earliest, latest;
        struct mwait *w = NULL;
        for (int i = 0; i < MULTI_MAX_WAITS && !w; i++)
            if (!nd->waits[i].used)
                w = &nd->waits[i];
        if (!w) {
            /* The write is in; only its ack cannot wait. Saying so beats a silent early ack. */
            model_answer(st->ctx, node, req, REPLY_FAIL, "too many writes in commit wait", NULL,
                         NULL);
            goto out;
        }
        w->used = true;
        w->req = *req;
        w->stamp_us = u->ts_us;
        w->start_mono = model_mono(st->ctx, node);
        w->entry = entry;
        model_truetime(st->ctx, node, &earliest, &latest);
        model_timer(st->ctx, node, T_COMMIT_WAIT, "commit wait", u->ts_us - earliest + 1,
                    w - nd->waits);
        goto out;
    }
    write_detail(st, &nd->log[entry], detail, sizeof(detail));
    reply_written(st, node, req, u, detail);
out:
    free(u);
}

static void multi_request(struct model_state *st, int node, const struct op_req *req)
{
    switch (req->kind) {
    case OP_GET:
        serve_get(st, node, req);
        break;
    case OP_PUT:
    case OP_DEL:
    case OP_INCR:
    case OP_ADD:
    case OP_REMOVE:
        serve_write(st, node, req);
        break;
    }
}

/* Our own nodes send these, but a body is bytes: check every index before it is used as one. */
static bool update_valid(const struct model_state *st, const struct mupdate *u)
{
    if (u->origin >= (uint32_t)st->n || u->npath > CLOCK_MAX_NODES || u->ntags > MULTI_MAX_TAGS)
        return false;
    for (uint32_t i = 0; i < u->npath; i++)
        if (u->path[i] >= st->n)
            return false;
    for (uint32_t i = 0; i < u->ntags; i++)
        if (u->tags[i].origin >= (uint32_t)st->n)
            return false;
    return true;
}

static void on_repl(struct model_state *st, int node, int from, const struct mupdate *in)
{
    struct mnode *nd = &st->nodes[node];
    struct mupdate *u;
    int entry;

    if (!update_valid(st, in))
        return;
    if (log_find(nd, in->origin, in->seq)) {
        send_have(st, node, from, M_ACK); /* a duplicate: the sender still needs to hear */
        return;
    }
    u = xmalloc(sizeof(*u));
    *u = *in;
    if (u->npath < CLOCK_MAX_NODES)
        u->path[u->npath++] = (uint8_t)node;
    entry = log_add(nd, u);
    if (entry < 0) {
        model_trace(st->ctx, TRACE_NOTE, node, from, 0, 0, "log full",
                    "replication log full (%d): n%u#%u refused", MULTI_MAX_LOG, u->origin + 1,
                    u->seq);
        free(u);
        return;
    }
    hlc_recv(nd, model_phys(st->ctx, node), u->hlc_l, u->hlc_c);
    if ((int)u->origin == node && u->seq > nd->next_seq)
        nd->next_seq = u->seq; /* one of its own writes from before a wipe, handed back */
    if (!ready(st, nd, u)) {
        char need[64];
        nd->nheld++;
        if (nd->applied.v[u->origin] < u->seq - 1) {
            model_trace(st->ctx, TRACE_NOTE, node, (int)u->origin, u->seq, 0, "hold",
                        "holds back %s from n%u#%u: n%u#%u comes first", update_key(u),
                        u->origin + 1, u->seq, u->origin + 1, nd->applied.v[u->origin] + 1);
        } else {
            fmt_vc(st, &u->deps, need, sizeof(need));
            model_trace(st->ctx, TRACE_NOTE, node, (int)u->origin, u->seq, 0, "hold",
                        "holds back %s from n%u#%u: it depends on %s", update_key(u), u->origin + 1,
                        u->seq, need);
        }
    } else {
        apply(st, node, entry);
        release_held(st, node);
    }
    push(st, node, entry);
    send_have(st, node, from, M_ACK);
    free(u);
}

/* What peer holds, from its ack or sync; life tells a rebuilt peer's news from stale acks. */
static void learn_have(struct model_state *st, int node, int peer, const struct mhave *h,
                       bool exact)
{
    struct mnode *nd = &st->nodes[node];

    if (h->life < nd->peer_life[peer])
        return;
    if (exact || h->life > nd->peer_life[peer])
        nd->peer_have[peer] = h->have;
    else
        clock_vc_merge(&nd->peer_have[peer], &h->have);
    nd->peer_life[peer] = h->life;
    nd->dirty = true;
    if (nd->rejoining) {
        if (h->have.v[node] > nd->next_seq)
            nd->next_seq = h->have.v[node];
        nd->heard |= nodemask_bit(peer);
        if ((nd->heard | nodemask_bit(node)) == nodemask_all(st->n)) {
            nd->rejoining = false;
            model_trace(st->ctx, TRACE_NOTE, node, -1, nd->next_seq, 0, "rejoined",
                        "every node answered: its own past writes end at #%u, writes resume",
                        nd->next_seq);
        }
    }
    if (nd->repair & nodemask_bit(peer)) {
        bool lacks = false;
        for (int i = 0; i < nd->nlog && !lacks; i++)
            lacks = peer_lacks(nd, peer, &nd->log[i].u);
        if (!lacks)
            nd->repair &= ~nodemask_bit(peer);
    }
}

static void multi_message(struct model_state *st, int node, const struct msg *m)
{
    struct mnode *nd = &st->nodes[node];

    switch ((enum msg_type)m->type) {
    case M_REPL: {
        struct mupdate *u = xmalloc(sizeof(*u));
        memset(u, 0, sizeof(*u));
        memcpy(u, m->body, m->body_len < sizeof(*u) ? m->body_len : sizeof(*u));
        on_repl(st, node, m->from, u);
        free(u);
        break;
    }
    case M_ACK: {
        struct mhave h;
        memcpy(&h, m->body, sizeof(h));
        learn_have(st, node, m->from, &h, false);
        break;
    }
    case M_SYNC: {
        struct mhave h;
        int sent;
        memcpy(&h, m->body, sizeof(h));
        learn_have(st, node, m->from, &h, true);
        nd->repair |= nodemask_bit(m->from);
        nd->dirty = true;
        send_have(st, node, m->from, M_ACK);
        sent = resend(st, node, m->from, false);
        if (sent > 0)
            model_trace(st->ctx, TRACE_REPAIR, node, m->from, sent, 0, "catch-up",
                        "sends n%d %d writes it missed", m->from + 1, sent);
        if (has_unacked(st, node))
            arm_retry(st, node);
        break;
    }
    }
}

static void on_retry(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];

    nd->retry_armed = false;
    for (int p = 0; p < st->n; p++) {
        int sent;
        if (p == node)
            continue;
        if (nd->rejoining && !(nd->heard & nodemask_bit(p)))
            send_have(st, node, p, M_SYNC);
        sent = resend(st, node, p, true);
        if (sent > 0)
            model_trace(st->ctx, TRACE_REPAIR, node, p, sent, 0, "resend",
                        "sends n%d %d writes again: no ack yet", p + 1, sent);
    }
    nd->dirty = true;
    if (has_unacked(st, node) || nd->rejoining)
        arm_retry(st, node);
}

static void on_commit_wait(struct model_state *st, int node, int slot)
{
    struct mnode *nd = &st->nodes[node];
    struct mwait *w;
    int64_t earliest, latest;
    char detail[HISTORY_DETAIL_MAX];

    if (slot < 0 || slot >= MULTI_MAX_WAITS || !nd->waits[slot].used)
        return;
    w = &nd->waits[slot];
    model_truetime(st->ctx, node, &earliest, &latest);
    if (earliest <= w->stamp_us) {
        /* The clock was stepped back meanwhile: the uncertainty is not over yet. */
        model_timer(st->ctx, node, T_COMMIT_WAIT, "commit wait", w->stamp_us - earliest + 1, slot);
        return;
    }
    nd->log[w->entry].wait_us = model_mono(st->ctx, node) - w->start_mono;
    write_detail(st, &nd->log[w->entry], detail, sizeof(detail));
    reply_written(st, node, &w->req, &nd->log[w->entry].u, detail);
    w->used = false;
}

static void multi_timer(struct model_state *st, int node, int kind, int64_t arg)
{
    switch ((enum timer_kind)kind) {
    case T_RETRY:
        on_retry(st, node);
        break;
    case T_COMMIT_WAIT:
        on_commit_wait(st, node, (int)arg);
        break;
    case T_GC:
        on_gc_timer(st, node);
        break;
    }
}

static void multi_crash(struct model_state *st, int node)
{
    struct mnode *nd = &st->nodes[node];

    /* Acks waiting out commit wait were in memory: their clients time out. The log is on disk. */
    memset(nd->waits, 0, sizeof(nd->waits));
    nd->retry_armed = false;
    nd->gc_armed = false;
    nd->up = false;
}

static void multi_recover(struct model_state *st, int node, bool durable)
{
    struct mnode *nd = &st->nodes[node];

    if (!durable) {
        node_reset(nd);
        /* A rebuilt node is a new incarnation: peers must trust its news over its old acks. */
        nd->life++;
        nd->rejoining = st->n > 1;
    }
    nd->up = true;
    nd->retry_armed = false;
    memset(nd->waits, 0, sizeof(nd->waits));
    nd->dirty = true;
    for (int p = 0; p < st->n; p++)
        if (p != node)
            send_have(st, node, p, M_SYNC);
    if (nd->nheld > 0)
        release_held(st, node);
    if (has_unacked(st, node) || nd->rejoining)
        arm_retry(st, node);
    arm_gc(st, node);
}

static int multi_route(struct model_state *st, const struct op_req *req, int hint)
{
    (void)req;
    if (hint >= 0)
        return hint;
    return (int)sim_rng_below(model_rng(st->ctx), (uint64_t)st->n);
}

static void multi_describe(struct model_state *st, int node, struct node_desc *out)
{
    struct mnode *nd = &st->nodes[node];
    char vc[64];

    util_strlcpy(out->role, "leader", sizeof(out->role));
    out->leads = true;
    fmt_vc(st, &nd->have, vc, sizeof(vc));
    snprintf(out->detail, sizeof(out->detail), "has %s, log %d", vc, nd->nlog);
    if (nd->nheld > 0)
        util_appendf(out->detail, sizeof(out->detail), ", holds back %d", nd->nheld);
    if (nd->up && has_unacked(st, node))
        util_appendf(out->detail, sizeof(out->detail), ", unacked");
    if (nd->rejoining)
        util_appendf(out->detail, sizeof(out->detail), ", rejoining");
}

static bool multi_busy(struct model_state *st)
{
    for (int i = 0; i < st->n; i++)
        if (st->nodes[i].up && (st->nodes[i].rejoining || has_unacked(st, i)))
            return true;
    return false;
}

/* The log entry of the write with op_id, at its origin first; NULL when no node has it. */
static const struct mentry *find_write(const struct model_state *st, uint64_t op_id)
{
    const struct mentry *found = NULL;

    for (int i = 0; i < st->n; i++) {
        const struct mnode *nd = &st->nodes[i];
        for (int j = 0; j < nd->nlog; j++) {
            if (nd->log[j].u.op_id != op_id || op_id == 0)
                continue;
            if ((int)nd->log[j].u.origin == i)
                return &nd->log[j];
            if (!found)
                found = &nd->log[j];
        }
    }
    return found;
}

static bool cmp_num(const struct op_values *cmp, int64_t num)
{
    char s[32];

    snprintf(s, sizeof(s), "%lld", (long long)num);
    return cmp->n == 1 && strcmp(cmp->v[0], s) == 0;
}

static int eval_lost(struct model_state *st, const struct pred_args *args, char *got, size_t gotlen)
{
    const struct mentry *e = find_write(st, args->a[0].op_id);
    struct mdot d;
    int live = 0;

    if (!e) {
        snprintf(got, gotlen, "%s reached no node", args->a[0].text);
        return 0;
    }
    if (e->u.kind == MULTI_PURGED) {
        snprintf(got, gotlen, "%s was deleted, and the tombstone collected", args->a[0].text);
        return 0;
    }
    if (e->u.kind != OP_PUT) {
        snprintf(got, gotlen, "%s is not a put", args->a[0].text);
        return 0;
    }
    d.origin = e->u.origin;
    d.seq = e->u.seq;
    for (int i = 0; i < st->n; i++) {
        const struct mkey *k;
        if (!st->nodes[i].up)
            continue;
        live++;
        k = key_find(&st->nodes[i], e->u.key);
        for (int j = 0; k && j < k->nver; j++) {
            if (dot_eq(k->ver[j].dot, d)) {
                snprintf(got, gotlen, "n%d holds %s=%s (n%u#%u)", i + 1, e->u.key, e->u.value,
                         d.origin + 1, d.seq);
                return 0;
            }
            if (dvv_covers(&k->ver[j].ctx, (int)d.origin, d.seq)) {
                snprintf(got, gotlen, "n%d holds %s=%s, written after seeing %s", i + 1, e->u.key,
                         k->ver[j].value, args->a[0].text);
                return 0;
            }
        }
    }
    snprintf(got, gotlen, "%s (%s=%s, n%u#%u) survives on none of %d live nodes", args->a[0].text,
             e->u.key, e->u.value, d.origin + 1, d.seq, live);
    return 1;
}

static int multi_eval(struct model_state *st, int pred, const struct pred_args *args, char *got,
                      size_t gotlen)
{
    switch (pred) {
    case PR_CONFLICTS:
        snprintf(got, gotlen, "%lld conflicts", (long long)st->conflicts);
        return cmp_num(&args->cmp, st->conflicts);
    case PR_LOST:
        return eval_lost(st, args, got, gotlen);
    case PR_HELD: {
        int node = args->a[0].node;
        if (node < 0 || node >= st->n)
            return 0;
        snprintf(got, gotlen, "n%d holds back %d writes", node + 1, st->nodes[node].nheld);
        return cmp_num(&args->cmp, st->nodes[node].nheld);
    }
    case PR_WAITED: {
        const struct mentry *e = find_write(st, args->a[0].op_id);
        char d[24];
        if (!e) {
            snprintf(got, gotlen, "%s reached no node", args->a[0].text);
            return 0;
        }
        util_fmt_duration(d, sizeof(d), e->wait_us);
        snprintf(got, gotlen, "%s waited %s before its ack", args->a[0].text, d);
        return e->wait_us > 0;
    }
    default:
        return 0;
    }
}

const struct model_ops multi_model = {
    .name = "multi",
    .title = "multi-leader: every node takes writes and replicates them asynchronously",
    .params = params,
    .n_params = (int)ARRAY_LEN(params),
    .preds = preds,
    .n_preds = (int)ARRAY_LEN(preds),
    .msg_names = msg_names,
    .n_msg_types = (int)ARRAY_LEN(msg_names),
    .op_mask =
        1u << OP_PUT | 1u << OP_GET | 1u << OP_INCR | 1u << OP_ADD | 1u << OP_REMOVE | 1u << OP_DEL,
    .create = multi_create,
    .destroy = multi_destroy,
    .start = multi_start,
    .param_changed = multi_param_changed,
    .message = multi_message,
    .timer = multi_timer,
    .request = multi_request,
    .crash = multi_crash,
    .recover = multi_recover,
    .route = multi_route,
    .describe = multi_describe,
    .read_local = multi_read_local,
    .busy = multi_busy,
    .eval = multi_eval,
};
