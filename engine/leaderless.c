/*
 * leaderless: Dynamo-style replication — no leader, quorums of replicas,
 * and three ways for replicas to catch up (read repair, hinted handoff,
 * anti-entropy).
 *
 * Placement. The hash ring is cut into LEADERLESS_PARTITIONS equal
 * partitions, claimed by the nodes round-robin (as Riak's ring is); a key
 * hashes into a partition, and its preference list is the first `n`
 * distinct nodes met walking clockwise from there (`place KEY n1 n2 n3`
 * pins the list instead, so a lesson can say where a key lives; a shorter
 * pinned list is filled up from the ring, a longer one cut to `n`). Every
 * node knows the ring and the pins, so every node computes the same list.
 *
 * Joining (Cassandra's bootstrap, Riak's claim and ownership handoff).
 * `set ring K` keeps only the first K nodes in the ring; the others run,
 * take client requests and pass writes on, own no partition and come last
 * in every walk (sloppy stand-ins). `join nN` bootstraps one: it claims
 * every (m+1)-th partition of a ring of m members -- 1/(m+1) of the ring, a
 * share from every member, the rest keeping their owners, so only the keys
 * of those partitions change their preference lists -- and sends `join` to
 * every member. A member streams it every key it holds whose preference
 * list on the new ring includes the joiner (`stream`), then a `stream` with
 * no key to say it is done;
 * from then on it passes on every version it stores for such a key
 * (Cassandra's writes to a pending range). The joiner asks again every
 * LL_JOIN_RETRY_US those it has not heard from (a member that is down holds
 * the join up), and once every member has streamed it owns its partitions
 * (a `joined` note, then a `role` event: it is a replica). One node joins at a time; a joiner that
 * crashes abandons its join. Simplifications: the new ring becomes every
 * node's at that moment, where Cassandra and Riak spread it by gossip; and
 * a write acknowledged while its copy to the joiner is still in flight can
 * be missed by a read right after the switch, as in Cassandra before
 * pending ranges counted toward a write's quorum (CASSANDRA-833) -- the
 * checkers report it. The nodes that gave a range up keep their copies,
 * unread (what Cassandra's `nodetool cleanup` removes).
 *
 * Writes. Any node takes a client op, but a write (put or del) that lands
 * outside the key's preference list is forwarded to the first home replica
 * that node does not suspect (Dynamo's "first among the top N"; Riak's put
 * goes to a vnode of the preflist), so a write's coordinator always holds
 * the key. The coordinator makes a new version, stores it, and sends `put`
 * to the other replicas; the client hears ok once `w` replicas (itself included) have
 * stored it. If `timeout` passes first, the op fails with "quorum not
 * reached (got K of W)" — and the replicas that did store the write keep
 * it: nothing is rolled back, so a later read may still return a "failed"
 * write. Replicas that stayed silent are suspected (the trace's failure
 * detection record).
 *
 * Versions are dotted version vectors. A version carries a dot (the
 * coordinator and its write counter) and a causal context (the version
 * vector of what the writer had seen). A write issued `after` a read carries
 * the context that read returned and supersedes exactly what the read saw. A
 * put without a context is blind and supersedes nothing: it becomes a
 * sibling of whatever is stored, even through the same coordinator (Riak
 * with allow_mult; DDIA's shopping cart). A put answers with the context of
 * the versions it left on its coordinator (Riak's return_body), so a write
 * `after` that put replaces them. Workload and explore clients write back the
 * context of their last op on the key (`after last`), as Riak clients do.
 * Two writes that have not seen each other's are concurrent: replicas keep
 * both as siblings and a read returns {B,C}, until a write after that read
 * merges them. Dots (rather than one
 * version vector entry per coordinator) keep two blind writes through the
 * same coordinator from silently overwriting each other.
 *
 * Last write wins (`resolve lww`) is Cassandra's: each write carries one
 * timestamp — its coordinator's clock (made strictly increasing per node,
 * as Cassandra's ClientState does), or with `timestamp_source client`
 * the client's when it issued the op (clients keep exact time here; only
 * nodes' clocks are skewed) — and a replica keeps the version with the
 * highest, whatever the causality. A tie goes to a tombstone, then to the
 * greater value, so every replica picks the same. A write the winner had
 * not seen is lost, and recorded so: "concurrent" when neither had seen
 * the other, "causally later" when the loser had seen the winner (its
 * clock ran behind).
 *
 * The coordinator sends its whole resulting sibling set, not just the new
 * version (as Riak's coordinating vnode does), so a replica that takes one
 * of its dots also takes, or supersedes, every earlier sibling that
 * coordinator kept.
 *
 * A key keeps at most STORE_MAX_SIBLINGS (16) siblings, a bound of this
 * simulation. A coordinator refuses a put that would leave more than
 * 16 / n of them (5 with n = 3), as Riak refuses writes past max_siblings
 * (100 there): only the n home replicas coordinate writes, and a version
 * nothing has superseded stays on the replica that wrote it, so the
 * versions of all replicas together fit 16 and read repair, handoff and
 * anti-entropy never have to push one out (as Riak's merges never do). A
 * replica refuses a put that would push a version out; a read whose
 * answers hold more than 16 fails rather than hide one; and a merge that
 * still overflows (a wiped replica or a moved key can get there) drops the
 * oldest and reports it as lost to the bound.
 *
 * A forwarded write is coordinated once: a copy the network delivered
 * twice is known by its request id and attempt and dropped (a transport's
 * duplicate, not a client's retry, which Riak would write again).
 *
 * Reads. The coordinator asks the replicas (all `n`, or only `r` with
 * `read_fanout r`), merges what the first `r` answer, and returns the
 * newest version or every concurrent sibling, with the merged context.
 * `read_repair`: replicas that answered with less are sent the merged
 * versions — before the client hears back (sync) or after (async); replies
 * that come in after the answer are repaired too. `off` leaves stale
 * replicas stale. Sync repair really blocks (Cassandra's blocking read
 * repair, the write-back phase of Attiya, Bar-Noy and Dolev's register):
 * the read fixes its answer when its quorum is in and answers only once `w`
 * home replicas are known to hold it — those that answered with it (or
 * with something that replaced it) and those that acknowledged the
 * write-back; with `read_fanout r` the home replicas it did not ask are
 * written to as well. If that cannot be confirmed before `timeout`, the
 * read fails with "read repair not confirmed": it never shows a value that
 * a later quorum read could miss (the value of a failed write that only
 * one replica kept, say). That is what makes W + R > N an atomic register.
 *
 * Sloppy quorum and hinted handoff. With `sloppy on`, a coordinator that
 * has timed out on a home replica (it cannot ask the engine who is up)
 * writes instead to the next node along the ring that it does not suspect,
 * with a hint naming the home replica; an op that is short of its quorum at
 * the timeout tries such stand-ins once more before it gives up. A
 * coordinator that got no answer marks the replica down for `down_retry`
 * (Dynamo's local failure detection; each mark is a failure-detection
 * record the checker counts as a true or false suspicion), or until it is
 * heard from: meanwhile its sloppy writes go straight to a stand-in instead
 * of waiting out a timeout on every op; then the home replica is tried
 * again. Without `sloppy`, suspicion is only recorded: ops always go to the
 * home replicas. A stand-in keeps hinted versions apart from its own data,
 * and answers reads with them. With `handoff on` the holder keeps offering
 * each hint to its owner and drops it once the owner acknowledges. Until
 * then a quorum read of the home replicas can miss an acknowledged write,
 * W + R > N notwithstanding. `hint_window` is Cassandra's max_hint_window:
 * a node stops keeping hints for a peer it has believed down (suspected, or
 * holding hints it has not taken) longer than that — a coordinator finds no
 * stand-in for it, a stand-in refuses new hints and drops those it holds,
 * traced — and only read repair or anti-entropy can then bring the owner
 * those writes.
 *
 * Anti-entropy. Every `anti_entropy` period each node compares a Merkle
 * tree (hashes over LEADERLESS_MERKLE_LEAVES key ranges) of the keys it
 * shares with one peer, round-robin. The peer answers with the ranges that
 * differ, and both sides push their versions of the keys in those ranges.
 * Rounds that find nothing are idle chatter.
 *
 * Deletes. `del KEY` writes a tombstone: a version with its own dot whose
 * context is the delete's (`after LABEL`), or, without one, what its
 * coordinator holds (Riak's delete reads the object first). Reads hide it;
 * read repair, hinted handoff and anti-entropy carry it like any version, so
 * a replica that missed the delete learns of it. Under lww a tombstone is a
 * timestamped cell like any other and wins a tie (Cassandra).
 * `tombstone_gc` (Cassandra's gc_grace_seconds) removes a key whose versions
 * are all tombstones that long after the newest was written, by each
 * replica's own clock, on a sweep a few times per period. A replica that
 * missed the delete and returns after that still holds the value, and
 * nothing is left to refute it: read repair and anti-entropy spread it back
 * (zombie data, which the checkers report as a resurrection).
 *
 * Durability. The store is the engine's (kept across a restart when
 * `durability` is disk). Hints count as durable too. A node's write counter lives
 * with its identity and survives even a wipe: reusing a dot would make two
 * different writes look like one. In-flight ops and suspicions are
 * volatile.
 */
#include "leaderless.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dvv.h"
#include "model.h"
#include "nodemask.h"
#include "util.h"

#define LL_MAX_COORD   512 /* ops one node coordinates at once */
#define LL_MAX_TARGETS 32  /* replicas one op may talk to, stand-ins included */
#define LL_MAX_HINTS   128 /* hinted keys one node holds */
#define LL_SPARES      8   /* finished coordinators kept for reuse */
#define LL_MAX_FWD     64  /* forwarded writes one node remembers, to know a duplicate */
#define LL_MAX_PLACED  256 /* pinned keys */
#define LL_MAX_ROUNDS  2   /* a sloppy op tries stand-ins this many times */
#define LL_MAX_N       16  /* most replicas per key */
#define LL_HANDOFF_US  200000LL

/* Dots and context entries travel as 16-bit counters: one per client write, and there are at
 * most HISTORY_MAX_OPS of those. */
_Static_assert(HISTORY_MAX_OPS < 65536, "dot counters must fit in 16 bits on the wire");

enum {
    P_N,
    P_W,
    P_R,
    P_TIMEOUT,
    P_RESOLVE,
    P_READ_REPAIR,
    P_READ_FANOUT,
    P_SLOPPY,
    P_HANDOFF,
    P_ANTI_ENTROPY,
    P_TIMESTAMP_SOURCE,
    P_TOMBSTONE_GC,
    P_HINT_WINDOW,
    P_DOWN_RETRY,
    P_RING,
};

enum {
    RESOLVE_SIBLINGS,
    RESOLVE_LWW
};
enum {
    RR_SYNC,
    RR_ASYNC,
    RR_OFF
};
enum {
    FANOUT_N,
    FANOUT_R
};
enum {
    TSRC_COORDINATOR,
    TSRC_CLIENT
};

static const struct param_def params[] = {
    [P_N] = {"n", PARAM_INT, NULL, "3", 1, LL_MAX_N, "replicas per key (its preference list)"},
    [P_W] = {"w", PARAM_INT, NULL, "2", 1, LL_MAX_N, "replicas that must store a write before ok"},
    [P_R] = {"r", PARAM_INT, NULL, "2", 1, LL_MAX_N, "replicas that must answer a read"},
    [P_TIMEOUT] = {"timeout", PARAM_DURATION, NULL, "500ms", 1000, 60000000LL,
                   "how long a coordinator waits for its quorum"},
    [P_RESOLVE] = {"resolve", PARAM_ENUM, "siblings|lww", "siblings", 0, 0,
                   "concurrent writes: keep both as siblings, or the highest timestamp (lww)"},
    [P_READ_REPAIR] =
        {"read_repair", PARAM_ENUM, "sync|async|off", "async", 0, 0,
         "write the newest version back to stale replicas a read met: answer once w hold it (sync), or answer first (async)"},
    [P_READ_FANOUT] = {"read_fanout", PARAM_ENUM, "n|r", "n", 0, 0,
                       "a read asks all n replicas, or only the first r"},
    [P_SLOPPY] =
        {"sloppy", PARAM_BOOL, NULL, "off", 0, 1,
         "sloppy quorum: write to the next healthy nodes, with a hint, when home replicas time out"},
    [P_HANDOFF] = {"handoff", PARAM_BOOL, NULL, "on", 0, 1,
                   "hinted handoff: a hint holder delivers the hint once the owner answers"},
    [P_ANTI_ENTROPY] = {"anti_entropy", PARAM_DURATION, NULL, "0ms", 0, 3600000000LL,
                        "compare Merkle trees with a peer this often (0ms: never)"},
    [P_TIMESTAMP_SOURCE] =
        {"timestamp_source", PARAM_ENUM, "coordinator|client", "coordinator", 0, 0,
         "whose clock stamps a write for lww: the coordinator's, or the client's when it issued the op"},
    [P_TOMBSTONE_GC] = {"tombstone_gc", PARAM_DURATION, NULL, "0ms", 0, 3600000000LL,
                        "remove a delete's tombstone this long after it was written (0ms: never)"},
    [P_HINT_WINDOW] =
        {"hint_window", PARAM_DURATION, NULL, "0ms", 0, 3600000000LL,
         "stop keeping hints for a node unreachable longer than this (0ms: no limit)"},
    [P_DOWN_RETRY] = {"down_retry", PARAM_DURATION, NULL, "2s", 1000, 60000000LL,
                      "a coordinator treats a replica that did not answer as down this long"},
    [P_RING] =
        {"ring", PARAM_INT, NULL, "0", 0, CLOCK_MAX_NODES,
         "nodes in the hash ring, the first K (0: all); the others stay outside until `join` (set it before the first write)"},
};

enum {
    PRED_QUORUM,
    PRED_IN_RING
};

static const struct pred_def preds[] = {
    [PRED_QUORUM] = {"quorum",
                     "quorum LABEL met|failed",
                     {PRED_LABEL, PRED_WORD},
                     2,
                     "met|failed",
                     false,
                     "whether the op's coordinator reached its quorum"},
    [PRED_IN_RING] =
        {"in-ring",
         "in-ring NODE",
         {PRED_NODE},
         1,
         NULL,
         false,
         "the node owns partitions of the hash ring (it was in it from the start, or has joined)"},
};

enum {
    CMD_PLACE,
    CMD_JOIN
};

static const struct model_cmd_def cmds[] = {
    [CMD_PLACE] = {"place", "place KEY NODE...", 1, MODEL_MAX_CMD_NODES,
                   "pin KEY's preference list: its home replicas, in order"},
    [CMD_JOIN] =
        {"join", "join NODE", 0, 0,
         "a node outside the ring bootstraps into it: claims partitions, the members stream it their data"},
};

enum msg_type {
    M_PUT,
    M_PUT_ACK,
    M_GET,
    M_GET_REPLY,
    M_REPAIR,
    M_REPAIR_ACK,
    M_HANDOFF,
    M_HANDOFF_ACK,
    M_AE_TREE,
    M_AE_DIFF,
    M_AE_KEY,
    M_FORWARD,
    M_JOIN,
    M_STREAM, /* one key's versions for a joiner; with no key, the end of a member's stream */
};

static const char *const msg_names[] = {
    [M_PUT] = "put",         [M_PUT_ACK] = "put_ack",
    [M_GET] = "get",         [M_GET_REPLY] = "get_reply",
    [M_REPAIR] = "repair",   [M_REPAIR_ACK] = "repair_ack",
    [M_HANDOFF] = "handoff", [M_HANDOFF_ACK] = "handoff_ack",
    [M_AE_TREE] = "ae_tree", [M_AE_DIFF] = "ae_diff",
    [M_AE_KEY] = "ae_key",   [M_FORWARD] = "forward",
    [M_JOIN] = "join",       [M_STREAM] = "stream",
};

enum timer_kind {
    K_OP,
    K_HANDOFF,
    K_AE,
    K_GC,
    K_JOIN,
};

/* ---- wire shapes ---- */

/*
 * A version vector travels sparse: the nodes with a nonzero entry. Only a key's home replicas
 * coordinate its writes (others forward them), and there are at most LL_MAX_N of those, so
 * LL_WIRE_VC entries carry any vector this model makes.
 */
#define LL_WIRE_VC LL_MAX_N

struct wire_version {
    char value[STORE_VAL_MAX];
    int64_t ts_us;
    uint16_t dot;
    uint8_t origin;
    uint8_t tombstone;
    uint8_t n_vc;
    uint8_t vc_node[LL_WIRE_VC];
    uint16_t vc_count[LL_WIRE_VC];
};

/* Every message but the tree exchange. Only the first n versions travel. */
struct ll_body {
    uint64_t rid;  /* the coordinator's op, or the holder's hint, this answers */
    int32_t hint;  /* put: the home replica a stand-in holds this for; -1 none */
    int32_t ok;    /* acks: stored (1) or refused (0) */
    uint32_t mask; /* ae_diff: key ranges that differ */
    uint64_t root; /* ae_diff: the answering side's root hash */
    char key[STORE_KEY_MAX];
    int32_t n;
    struct wire_version v[STORE_MAX_SIBLINGS];
};

_Static_assert(sizeof(struct ll_body) <= NET_MAX_BODY, "a full sibling set must fit a message");

struct ae_tree_body {
    struct leaderless_merkle tree;
};

/* ---- state ---- */

struct vset {
    int n;
    struct store_version v[STORE_MAX_SIBLINGS];
};

enum target_state {
    T_SENT,
    T_ANSWERED,
    T_SILENT,
};

struct target {
    int node;
    int home; /* the home replica this stand-in holds a hint for; -1: a home replica */
    enum target_state state;
    bool ok;
    bool repair_wait; /* sync read repair: a repair went out and its ack is awaited */
    bool holds;       /* sync read repair: known to hold the answer (answered so, or acked) */
};

struct coord {
    int slot; /* its place in the node's table: the low bits of its request id */
    uint32_t gen;
    struct op_req req;
    bool is_read;
    int need;
    int got;
    bool answered;
    bool answer_held; /* sync read repair: the answer waits until `w` replicas hold it */
    int repairs_waiting;
    bool frozen;        /* sync read repair: the answer below is fixed */
    bool overflow;      /* read: the answers hold more siblings than a reply can carry */
    int confirmed;      /* sync read repair: home replicas known to hold the answer */
    struct vset answer; /* sync read repair: what the read will answer, fixed when held */
    int round;
    uint64_t timer;
    int n_targets;
    struct target t[LL_MAX_TARGETS];
    struct vset sent;  /* write: what the put carried */
    bool sent_all;     /* write: the put carries the coordinator's whole resulting set */
    struct vset best;  /* read: everything merged so far */
    struct vset *sets; /* read: each target's answer */
    char repaired[48]; /* read: who was repaired before the answer */
    char key[STORE_KEY_MAX];
};

struct hint {
    bool used;
    uint32_t gen;
    int64_t since_us; /* the holder's monotonic clock when it took the first of these versions */
    int owner;
    char key[STORE_KEY_MAX];
    struct vset set;
};

struct ll_node {
    bool up; /* bookkeeping from crash()/recover(), only for busy() */
    uint32_t next_dot;
    uint32_t next_gen;
    int64_t suspect_until[CLOCK_MAX_NODES]; /* the node's monotonic clock; 0: trusted */
    int64_t suspect_since[CLOCK_MAX_NODES]; /* when it last stopped trusting the peer */
    struct coord *coord[LL_MAX_COORD];
    struct hint *hints; /* LL_MAX_HINTS, allocated on the first hint */
    int n_hints;
    uint64_t handoff_timer;
    bool handoff_armed;
    uint64_t ae_timer;
    bool ae_armed;
    uint64_t gc_timer;
    bool gc_armed;
    int ae_next;
    uint64_t *ae_agreed; /* per peer: the root both sides last agreed on */
    struct {
        uint64_t op_id;
        int attempt;
    } fwd[LL_MAX_FWD]; /* the last forwarded writes it coordinated (volatile) */
    int fwd_next;
    int64_t last_stamp_us; /* the last timestamp it gave a write it coordinated (volatile) */
    bool stamped;
};

struct placed {
    char key[STORE_KEY_MAX];
    int nodes[MODEL_MAX_CMD_NODES];
    int n;
};

struct op_note {
    int quorum; /* -1 unknown, 0 failed, 1 met */
    char detail[HISTORY_DETAIL_MAX];
};

struct model_state {
    struct model_ctx *ctx;
    int n;
    struct leaderless_ring *ring;
    /* A bootstrap in progress (`join`): the ring it will make, the node, the members asked for
     * their data, those that finished streaming, and those that heard of it. */
    struct leaderless_ring *next;
    int joiner; /* -1: none */
    uint64_t join_want, join_got, join_known;
    uint64_t join_seq; /* which join: a late end of stream from an abandoned one does not count */
    bool join_armed;
    uint64_t join_timer;
    struct ll_node *nodes;
    struct placed placed[LL_MAX_PLACED];
    int n_placed;
    struct op_note *notes; /* by op id; grows up to HISTORY_MAX_OPS + 1 */
    size_t cap_notes;
    /* Finished coordinators and read answer tables kept for the next ops, so an op does not
     * map, fault in and zero fresh pages (a read's table is 164 KB). */
    struct coord *spare_coord[LL_SPARES];
    struct vset *spare_sets[LL_SPARES];
    int n_spare_coord, n_spare_sets;
};

/* ---- hashing and the ring ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t leaderless_hash(const char *s)
{
    return mix64(fnv_bytes(0xcbf29ce484222325ULL, s, strlen(s)));
}

/*
 * The ring is cut into LEADERLESS_PARTITIONS equal partitions, claimed by the
 * nodes round-robin (Riak's ring): partition p belongs to node p mod N, so
 * every node owns an equal share and a key's preference list is a run of
 * consecutive nodes, which is easy to read in a lesson.
 */
struct leaderless_ring {
    int n_nodes;
    int n_members;
    bool member[CLOCK_MAX_NODES];
    int owner[LEADERLESS_PARTITIONS];
};

struct leaderless_ring *leaderless_ring_create(int n_nodes)
{
    return leaderless_ring_create_first(n_nodes, n_nodes);
}

struct leaderless_ring *leaderless_ring_create_first(int n_nodes, int members)
{
    struct leaderless_ring *r = xcalloc(1, sizeof(*r));

    assert(n_nodes >= 1 && n_nodes <= CLOCK_MAX_NODES);
    assert(members >= 1 && members <= n_nodes);
    r->n_nodes = n_nodes;
    r->n_members = members;
    for (int i = 0; i < members; i++)
        r->member[i] = true;
    for (int p = 0; p < LEADERLESS_PARTITIONS; p++)
        r->owner[p] = p % members;
    return r;
}

struct leaderless_ring *leaderless_ring_copy(const struct leaderless_ring *r)
{
    struct leaderless_ring *c = xmalloc(sizeof(*c));

    *c = *r;
    return c;
}

int leaderless_ring_owner(const struct leaderless_ring *r, int partition)
{
    assert(partition >= 0 && partition < LEADERLESS_PARTITIONS);
    return r->owner[partition];
}

bool leaderless_ring_member(const struct leaderless_ring *r, int node)
{
    return node >= 0 && node < r->n_nodes && r->member[node];
}

/*
 * A joining node claims every (m+1)-th partition of a ring of m members, so it takes 1/(m+1) of
 * the ring, spread round it, a share from every member -- as Riak's claim takes partitions from
 * every node rather than one range from a neighbour; the other partitions keep their owners.
 */
int leaderless_ring_claim(struct leaderless_ring *r, int node)
{
    int m = r->n_members, got = 0;

    assert(node >= 0 && node < r->n_nodes && !r->member[node]);
    for (int p = 0; p < LEADERLESS_PARTITIONS; p++)
        if (p % (m + 1) == m) {
            r->owner[p] = node;
            got++;
        }
    r->member[node] = true;
    r->n_members++;
    return got;
}

void leaderless_ring_destroy(struct leaderless_ring *r)
{
    free(r);
}

int leaderless_ring_walk(const struct leaderless_ring *r, const char *key, int *out)
{
    int first = (int)(leaderless_hash(key) % LEADERLESS_PARTITIONS);
    bool seen[CLOCK_MAX_NODES] = {false};
    int got = 0;

    /* Past the last partition the walk wraps to the first; with more nodes than partitions
     * the nodes that own none follow in order. */
    for (int k = 0; k < LEADERLESS_PARTITIONS && got < r->n_nodes; k++) {
        int node = r->owner[(first + k) % LEADERLESS_PARTITIONS];
        if (!seen[node]) {
            seen[node] = true;
            out[got++] = node;
        }
    }
    for (int node = 0; node < r->n_nodes && got < r->n_nodes; node++) {
        if (!seen[node]) {
            seen[node] = true;
            out[got++] = node;
        }
    }
    return got;
}

int leaderless_targets(const int *order, int n_order, int n, const bool *suspect, bool sloppy,
                       int *node, int *home)
{
    bool used[CLOCK_MAX_NODES] = {false};
    int count = 0, next = n;

    if (n > n_order)
        n = n_order;
    for (int i = 0; i < n; i++) {
        if (!sloppy || !suspect[order[i]]) {
            node[count] = order[i];
            home[count] = -1;
            used[order[i]] = true;
            count++;
        }
    }
    if (!sloppy)
        return count;
    for (int i = 0; i < n; i++) {
        if (!suspect[order[i]])
            continue;
        while (next < n_order && (suspect[order[next]] || used[order[next]]))
            next++;
        if (next >= n_order)
            break;
        node[count] = order[next];
        home[count] = order[i];
        used[order[next]] = true;
        count++;
        next++;
    }
    return count;
}

/* ---- Merkle trees ---- */

int leaderless_merkle_leaf(const char *key)
{
    return (int)(leaderless_hash(key) >> 60) % LEADERLESS_MERKLE_LEAVES;
}

void leaderless_merkle_init(struct leaderless_merkle *t)
{
    memset(t, 0, sizeof(*t));
}

static uint64_t version_digest(uint64_t h, const struct store_version *v)
{
    h = fnv_bytes(h, v->value, strlen(v->value) + 1);
    h = fnv_bytes(h, &v->ts_us, sizeof(v->ts_us));
    h = fnv_bytes(h, &v->lamport, sizeof(v->lamport));
    h = fnv_bytes(h, &v->origin, sizeof(v->origin));
    h = fnv_bytes(h, &v->tombstone, sizeof(v->tombstone));
    return fnv_bytes(h, v->vc.v, sizeof(v->vc.v));
}

static uint64_t set_digest(const char *key, const struct store_version *v, int n)
{
    uint64_t h = fnv_bytes(0xcbf29ce484222325ULL, key, strlen(key) + 1);

    for (int i = 0; i < n; i++)
        h = version_digest(h, &v[i]);
    return mix64(h);
}

void leaderless_merkle_add(struct leaderless_merkle *t, const struct store_item *it)
{
    int leaf = leaderless_merkle_leaf(it->key);

    /* A sum is independent of the order keys are added in; keys are distinct within a store. */
    t->h[LEADERLESS_MERKLE_LEAVES - 1 + leaf] += set_digest(it->key, it->v, it->n);
}

void leaderless_merkle_seal(struct leaderless_merkle *t)
{
    for (int i = LEADERLESS_MERKLE_LEAVES - 2; i >= 0; i--) {
        uint64_t l = t->h[2 * i + 1], r = t->h[2 * i + 2];
        t->h[i] = (l | r) ? mix64(l ^ ((r << 17) | (r >> 47)) ^ 0x9e3779b97f4a7c15ULL) : 0;
    }
}

static uint32_t merkle_descend(const struct leaderless_merkle *a, const struct leaderless_merkle *b,
                               int i)
{
    if (a->h[i] == b->h[i])
        return 0;
    if (i >= LEADERLESS_MERKLE_LEAVES - 1)
        return 1u << (i - (LEADERLESS_MERKLE_LEAVES - 1));
    return merkle_descend(a, b, 2 * i + 1) | merkle_descend(a, b, 2 * i + 2);
}

uint32_t leaderless_merkle_diff(const struct leaderless_merkle *a,
                                const struct leaderless_merkle *b)
{
    return merkle_descend(a, b, 0);
}

/* ---- small helpers ---- */

static int param_n(const struct model_state *st)
{
    int n = (int)model_pnum(st->ctx, P_N);

    return n < st->n ? n : st->n;
}

static int param_w(const struct model_state *st)
{
    int w = (int)model_pnum(st->ctx, P_W), n = param_n(st);

    return w < n ? w : n;
}

static void to_wire(const struct store_version *v, struct wire_version *w)
{
    memset(w, 0, sizeof(*w));
    util_strlcpy(w->value, v->value, sizeof(w->value));
    w->ts_us = v->ts_us;
    w->dot = (uint16_t)v->lamport;
    w->origin = (uint8_t)v->origin;
    w->tombstone = v->tombstone;
    for (int i = 0; i < CLOCK_MAX_NODES; i++) {
        if (v->vc.v[i] == 0)
            continue;
        /* More writers than home replicas cannot happen: writes are forwarded home. */
        assert(w->n_vc < LL_WIRE_VC);
        if (w->n_vc >= LL_WIRE_VC)
            break;
        w->vc_node[w->n_vc] = (uint8_t)i;
        w->vc_count[w->n_vc++] = (uint16_t)v->vc.v[i];
    }
}

static void from_wire(const struct wire_version *w, struct store_version *v)
{
    memset(v, 0, sizeof(*v));
    util_strlcpy(v->value, w->value, sizeof(v->value));
    v->ts_us = w->ts_us;
    v->lamport = w->dot;
    v->origin = w->origin;
    v->tombstone = w->tombstone;
    for (int i = 0; i < w->n_vc && i < LL_WIRE_VC; i++)
        if (w->vc_node[i] < CLOCK_MAX_NODES)
            v->vc.v[w->vc_node[i]] = w->vc_count[i];
}

static void body_init(struct ll_body *b, uint64_t rid, const char *key)
{
    memset(b, 0, sizeof(*b));
    b->rid = rid;
    b->hint = -1;
    util_strlcpy(b->key, key, sizeof(b->key));
}

static void body_set(struct ll_body *b, const struct vset *s)
{
    b->n = s->n;
    for (int i = 0; i < s->n; i++)
        to_wire(&s->v[i], &b->v[i]);
}

static void body_get(const struct msg *m, struct ll_body *b)
{
    memset(b, 0, sizeof(*b));
    memcpy(b, m->body, m->body_len < sizeof(*b) ? m->body_len : sizeof(*b));
}

static void body_vset(const struct ll_body *b, struct vset *s)
{
    s->n = b->n < 0 ? 0 : (b->n > STORE_MAX_SIBLINGS ? STORE_MAX_SIBLINGS : b->n);
    for (int i = 0; i < s->n; i++)
        from_wire(&b->v[i], &s->v[i]);
}

static size_t body_len(const struct ll_body *b)
{
    return offsetof(struct ll_body, v) + (size_t)b->n * sizeof(b->v[0]);
}

static void format_set(const struct vset *s, char *dst, size_t size)
{
    struct op_values v;

    memset(&v, 0, sizeof(v));
    for (int i = 0; i < s->n; i++)
        if (!s->v[i].tombstone)
            op_values_add(&v, s->v[i].value);
    if (v.n == 0 && s->n > 0) {
        snprintf(dst, size, "(deleted)"); /* only tombstones */
        return;
    }
    op_format_values(&v, dst, size);
}

/* A set for a message summary: formatted only when someone reads message text. */
static void summary_set(const struct model_state *st, const struct vset *s, char *dst, size_t size)
{
    if (model_text_wanted(st->ctx))
        format_set(s, dst, size);
    else
        dst[0] = '\0';
}

static void set_values(const struct vset *s, struct op_values *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < s->n; i++)
        if (!s->v[i].tombstone)
            op_values_add(out, s->v[i].value);
}

/*
 * Cassandra's reconciliation: the higher timestamp wins; on a tie a tombstone wins, then the
 * greater value (so every replica picks the same whatever the order it met them in); the dot
 * only separates two writes of one value.
 */
static bool lww_wins(const struct store_version *a, const struct store_version *b)
{
    int c;

    if (a->ts_us != b->ts_us)
        return a->ts_us > b->ts_us;
    if (a->tombstone != b->tombstone)
        return a->tombstone;
    c = strcmp(a->value, b->value);
    if (c != 0)
        return c > 0;
    if (a->origin != b->origin)
        return a->origin > b->origin;
    return a->lamport > b->lamport;
}

static bool sets_equal(const struct vset *a, const struct vset *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (!dvv_same_dot(&a->v[i], &b->v[i]))
            return false;
    return true;
}

/*
 * The versions of a and b that the merge m kept neither itself nor through a version that
 * had seen them: the ones the sibling limit dropped. Returns how many (in dropped).
 */
static int sibling_overflow(const struct vset *a, const struct vset *b, const struct vset *m,
                            struct vset *dropped)
{
    dropped->n = 0;
    for (int side = 0; side < 2; side++) {
        const struct vset *s = side ? b : a;
        for (int i = 0; i < s->n; i++) {
            bool gone = true;
            for (int k = 0; k < m->n && gone; k++)
                gone = !dvv_seen(&m->v[k], &s->v[i]);
            for (int k = 0; k < dropped->n && gone; k++)
                gone = !dvv_same_dot(&dropped->v[k], &s->v[i]);
            if (gone && dropped->n < STORE_MAX_SIBLINGS)
                dropped->v[dropped->n++] = s->v[i];
        }
    }
    return dropped->n;
}

/* Would merging in into cur keep more siblings than a key can hold? */
static bool would_overflow(const struct vset *cur, const struct vset *in)
{
    struct vset m, dropped;

    if (cur->n + in->n <= STORE_MAX_SIBLINGS)
        return false; /* the common case: everything fits */
    m.n = dvv_sync(cur->v, cur->n, in->v, in->n, m.v);
    return sibling_overflow(cur, in, &m, &dropped) > 0;
}

/*
 * Riak's max_siblings: the most siblings a coordinator lets a put leave on the key. It is the
 * key's capacity shared among its n home replicas, because only they coordinate writes: a
 * version that nothing has superseded stays on the replica that wrote it, which held at most
 * this many when it last took a write, so however the replicas' versions meet later (read
 * repair, hinted handoff, anti-entropy) they fit the STORE_MAX_SIBLINGS a key holds and no
 * merge has to push an acknowledged version out. (That holds while stores survive restarts
 * and the preference list stays put: a wiped replica, or a `place` that moves the key, can
 * still overflow a merge, which then reports the loss.)
 */
static int write_limit(const struct model_state *st)
{
    int lim = STORE_MAX_SIBLINGS / param_n(st);

    return lim > 0 ? lim : 1;
}

/* Would a put of in at a coordinator holding cur leave more siblings than write_limit()? */
static bool over_write_limit(const struct model_state *st, const struct vset *cur,
                             const struct vset *in)
{
    struct vset m;

    if (cur->n + in->n <= write_limit(st))
        return false;
    m.n = dvv_sync(cur->v, cur->n, in->v, in->n, m.v);
    return m.n > write_limit(st) || would_overflow(cur, in);
}

/* Merges b into a under the current resolve rule. Traces what a conflict kept, at node. */
static void merge_sets(struct model_state *st, int node, const char *key, const struct vset *a,
                       const struct vset *b, struct vset *out, bool trace)
{
    struct vset m;
    char kept[64], lost[64];

    if (model_pnum(st->ctx, P_RESOLVE) == RESOLVE_LWW && a->n + b->n > 1) {
        /*
         * Cassandra: the highest timestamp wins whatever the causality. A version the
         * winner had seen is an ordinary overwrite; one that had not is lost, and one that
         * had in fact seen the winner (its writer's clock ran behind) is lost though it
         * came later.
         */
        struct store_version all[2 * STORE_MAX_SIBLINGS];
        int total = 0, win = 0;
        struct vset w, l;
        bool later = false;
        memset(all, 0, sizeof(all));
        for (int i = 0; i < a->n; i++)
            all[total++] = a->v[i];
        for (int i = 0; i < b->n; i++)
            all[total++] = b->v[i];
        for (int i = 1; i < total; i++)
            if (lww_wins(&all[i], &all[win]))
                win = i;
        w.n = 1;
        w.v[0] = all[win];
        l.n = 0;
        for (int i = 0; i < total; i++) {
            bool dup = dvv_same_dot(&all[i], &all[win]);
            for (int k = 0; k < l.n && !dup; k++)
                dup = dvv_same_dot(&all[i], &l.v[k]);
            if (!dup && !dvv_seen(&all[win], &all[i]))
                l.v[l.n++] = all[i];
        }
        if (trace && l.n > 0 && !sets_equal(a, &w)) {
            for (int i = 0; i < l.n; i++)
                later = later || dvv_seen(&l.v[i], &all[win]);
            format_set(&w, kept, sizeof(kept));
            format_set(&l, lost, sizeof(lost));
            model_trace(st->ctx, TRACE_CONFLICT, node, -1, 0, 0, "lww",
                        "%s: last write wins keeps %s, discards %s %s", key, kept,
                        later ? "causally later" : "concurrent", lost);
        }
        /* Recorded even when the merge is not traced: the lost-writes checker needs it. */
        for (int i = 0; i < l.n; i++) {
            if (l.v[i].tombstone)
                continue;
            if (dvv_seen(&l.v[i], &w.v[0]))
                model_discard_as(st->ctx, node, key, l.v[i].value, MODEL_DISCARD_LATER,
                                 "last write wins kept %s, which it had seen", w.v[0].value);
            else
                model_discard(st->ctx, node, key, l.v[i].value, "last write wins kept %s",
                              w.v[0].value);
        }
        *out = w;
        return;
    }
    m.n = dvv_sync(a->v, a->n, b->v, b->n, m.v);
    if (m.n == STORE_MAX_SIBLINGS) {
        /* Past the sibling limit the oldest went: a loss, and recorded as one. */
        struct vset dropped;
        for (int i = 0; i < sibling_overflow(a, b, &m, &dropped); i++) {
            if (dropped.v[i].tombstone)
                continue;
            model_trace(st->ctx, TRACE_CONFLICT, node, -1, 0, 0, "siblings",
                        "%s: more than %d siblings, discards %s", key, STORE_MAX_SIBLINGS,
                        dropped.v[i].value);
            model_discard_as(st->ctx, node, key, dropped.v[i].value, MODEL_DISCARD_BOUND,
                             "more than %d siblings", STORE_MAX_SIBLINGS);
        }
    }
    if (trace && m.n > 1 && m.n > a->n) {
        format_set(&m, kept, sizeof(kept));
        model_trace(st->ctx, TRACE_CONFLICT, node, -1, 0, 0, "siblings",
                    "%s: concurrent writes kept as siblings %s", key, kept);
    }
    *out = m;
}

static void local_set(struct model_state *st, int node, const char *key, struct vset *out)
{
    const struct store_item *it = store_kv_get(model_store(st->ctx, node), key);

    out->n = 0;
    if (it) {
        out->n = it->n;
        memcpy(out->v, it->v, (size_t)it->n * sizeof(it->v[0]));
    }
}

/*
 * Merges incoming versions into node's store: 1 when the store changed, 0 when it already had
 * them, -1 when it refused them. A merge that would keep more siblings than a key holds is
 * refused whole, write, repair or anti-entropy alike: pushing an acknowledged version out to
 * make room would lose it (Riak, whose limit is far higher, refuses client writes past
 * max_siblings). The replicas then disagree until a write after a read merges the siblings.
 */
static void join_forward(struct model_state *st, int node, const char *key);
static int walk_order_on(const struct model_state *st, const struct leaderless_ring *ring,
                         const char *key, int *out);

static int apply_store(struct model_state *st, int node, const char *key, const struct vset *in,
                       bool refuse_overflow)
{
    struct vset cur, next;

    local_set(st, node, key, &cur);
    if (refuse_overflow && model_pnum(st->ctx, P_RESOLVE) == RESOLVE_SIBLINGS &&
        would_overflow(&cur, in)) {
        model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "siblings",
                    "%s: refused, it would keep more than %d siblings", key, STORE_MAX_SIBLINGS);
        return -1;
    }
    merge_sets(st, node, key, &cur, in, &next, true);
    if (sets_equal(&cur, &next))
        return 0;
    if (store_kv_set(model_store(st->ctx, node), key, next.v, next.n) < 0) {
        model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "full", "store full: %s not stored", key);
        return -1;
    }
    join_forward(st, node, key);
    return 1;
}

/* The key's walk order: its pinned replicas first, then the ring walk. Returns st->n. */
static int walk_order(const struct model_state *st, const char *key, int *out)
{
    return walk_order_on(st, st->ring, key, out);
}

/* The same on ring (the current one, or the one a join will make). */
static int walk_order_on(const struct model_state *st, const struct leaderless_ring *ring,
                         const char *key, int *out)
{
    int walk[CLOCK_MAX_NODES], got = 0;
    bool used[CLOCK_MAX_NODES] = {false};

    for (int i = 0; i < st->n_placed; i++) {
        if (strcmp(st->placed[i].key, key) != 0)
            continue;
        for (int k = 0; k < st->placed[i].n; k++) {
            out[got++] = st->placed[i].nodes[k];
            used[st->placed[i].nodes[k]] = true;
        }
        break;
    }
    leaderless_ring_walk(ring, key, walk);
    for (int i = 0; i < st->n; i++)
        if (!used[walk[i]])
            out[got++] = walk[i];
    return got;
}

static bool is_home(const struct model_state *st, const char *key, int node)
{
    int order[CLOCK_MAX_NODES];
    int n = param_n(st);

    walk_order(st, key, order);
    for (int i = 0; i < n; i++)
        if (order[i] == node)
            return true;
    return false;
}

static bool ll_replica_of(struct model_state *st, int node, const char *key)
{
    return is_home(st, key, node);
}

static bool suspects(struct model_state *st, int node, int peer)
{
    int64_t until = st->nodes[node].suspect_until[peer];

    return until != 0 && model_mono(st->ctx, node) < until;
}

static void trust(struct model_state *st, int node, int peer)
{
    st->nodes[node].suspect_until[peer] = 0;
    st->nodes[node].suspect_since[peer] = 0;
}

/* How long node has believed peer down, by its own evidence: a suspicion, or (for a hint
 * holder) the oldest hint peer has not taken. 0 when it has none. */
static int64_t down_for(struct model_state *st, int node, int peer)
{
    struct ll_node *nd = &st->nodes[node];
    int64_t now = model_mono(st->ctx, node), since = 0;

    if (nd->suspect_until[peer] != 0 && now < nd->suspect_until[peer])
        since = nd->suspect_since[peer];
    for (int i = 0; nd->hints && i < LL_MAX_HINTS; i++)
        if (nd->hints[i].used && nd->hints[i].owner == peer &&
            (since == 0 || nd->hints[i].since_us < since))
            since = nd->hints[i].since_us;
    return since == 0 ? 0 : now - since;
}

/* Cassandra's max_hint_window: no more hints for a node down longer than this. */
static bool past_hint_window(struct model_state *st, int node, int peer)
{
    int64_t window = model_pnum(st->ctx, P_HINT_WINDOW);

    return window > 0 && down_for(st, node, peer) > window;
}

static void node_name_list(char *dst, size_t size, const char *sep_first, int node, int home)
{
    if (home >= 0)
        util_appendf(dst, size, "%sn%d(for n%d)", sep_first, node + 1, home + 1);
    else
        util_appendf(dst, size, "%sn%d", sep_first, node + 1);
}

static struct op_note *note_for(struct model_state *st, uint64_t op_id)
{
    if (op_id == 0 || op_id > HISTORY_MAX_OPS)
        return NULL;
    if (op_id >= st->cap_notes) {
        size_t cap = st->cap_notes ? st->cap_notes : 64;
        while (cap <= op_id)
            cap *= 2;
        st->notes = xrealloc(st->notes, cap * sizeof(*st->notes));
        for (size_t i = st->cap_notes; i < cap; i++) {
            st->notes[i].quorum = -1;
            st->notes[i].detail[0] = '\0';
        }
        st->cap_notes = cap;
    }
    return &st->notes[op_id];
}

/* ---- hints ---- */

static struct hint *hint_find(struct ll_node *nd, const char *key, int owner)
{
    if (!nd->hints)
        return NULL;
    for (int i = 0; i < LL_MAX_HINTS; i++)
        if (nd->hints[i].used && nd->hints[i].owner == owner && strcmp(nd->hints[i].key, key) == 0)
            return &nd->hints[i];
    return NULL;
}

static void arm_handoff(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];

    if (nd->handoff_armed || nd->n_hints == 0 || !model_pnum(st->ctx, P_HANDOFF))
        return;
    nd->handoff_timer = model_timer(st->ctx, node, K_HANDOFF, "handoff", LL_HANDOFF_US, 0);
    nd->handoff_armed = true;
}

/* A stand-in keeps versions for owner. False when its hint table is full. */
static bool hint_store(struct model_state *st, int node, int owner, const char *key,
                       const struct vset *in)
{
    struct ll_node *nd = &st->nodes[node];
    struct hint *h = hint_find(nd, key, owner);
    char vals[64];

    if (past_hint_window(st, node, owner)) {
        format_set(in, vals, sizeof(vals));
        model_trace(st->ctx, TRACE_HINT, node, owner, 0, 0, "refused",
                    "%s=%s: no hint for n%d, unreachable longer than hint_window", key, vals,
                    owner + 1);
        return false;
    }
    if (!h) {
        if (!nd->hints)
            nd->hints = xcalloc(LL_MAX_HINTS, sizeof(*nd->hints));
        for (int i = 0; i < LL_MAX_HINTS && !h; i++)
            if (!nd->hints[i].used)
                h = &nd->hints[i];
        if (!h)
            return false;
        memset(h, 0, sizeof(*h));
        h->used = true;
        h->owner = owner;
        h->since_us = model_mono(st->ctx, node);
        util_strlcpy(h->key, key, sizeof(h->key));
        nd->n_hints++;
    }
    merge_sets(st, node, key, &h->set, in, &h->set, false);
    h->gen = ++nd->next_gen;
    format_set(&h->set, vals, sizeof(vals));
    model_trace(st->ctx, TRACE_HINT, node, owner, 0, 0, "hold", "%s=%s held for n%d", key, vals,
                owner + 1);
    arm_handoff(st, node);
    return true;
}

/* What node answers a read of key with: its own versions and any it holds as hints. */
static void read_set(struct model_state *st, int node, const char *key, struct vset *out)
{
    struct ll_node *nd = &st->nodes[node];

    local_set(st, node, key, out);
    if (!nd->hints)
        return;
    for (int i = 0; i < LL_MAX_HINTS; i++)
        if (nd->hints[i].used && strcmp(nd->hints[i].key, key) == 0)
            merge_sets(st, node, key, out, &nd->hints[i].set, out, false);
}

/* ---- coordinating ---- */

static uint64_t rid_of(int slot, uint32_t gen)
{
    return (uint64_t)gen << 16 | (uint64_t)slot;
}

static struct coord *coord_find(struct model_state *st, int node, uint64_t rid)
{
    int slot = (int)(rid & 0xffff);
    struct coord *c;

    if (slot >= LL_MAX_COORD)
        return NULL;
    c = st->nodes[node].coord[slot];
    if (!c || rid_of(slot, c->gen) != rid)
        return NULL;
    return c;
}

static void coord_free(struct model_state *st, int node, struct coord *c)
{
    st->nodes[node].coord[c->slot] = NULL;
    if (c->sets && st->n_spare_sets < LL_SPARES)
        st->spare_sets[st->n_spare_sets++] = c->sets;
    else
        free(c->sets);
    if (st->n_spare_coord < LL_SPARES)
        st->spare_coord[st->n_spare_coord++] = c;
    else
        free(c);
}

static void coord_detail(const struct coord *c, char *dst, size_t size)
{
    int n = 0;

    dst[0] = '\0';
    util_appendf(dst, size, "replicas ");
    /* In node order, so the summary reads n1,n2 whatever order the answers came in. */
    for (int node = 0; node < CLOCK_MAX_NODES; node++) {
        for (int i = 0; i < c->n_targets; i++) {
            if (c->t[i].node != node || c->t[i].state != T_ANSWERED || !c->t[i].ok)
                continue;
            node_name_list(dst, size, n++ ? "," : "", c->t[i].node, c->t[i].home);
        }
    }
    if (n == 0)
        util_appendf(dst, size, "none");
    util_appendf(dst, size, "; quorum %s %d/%d", c->got >= c->need ? "met" : "failed", c->got,
                 c->need);
    if (c->repaired[0])
        util_appendf(dst, size, "; repaired %s", c->repaired);
}

/* The replicas that answered the op (a stand-in for a home replica among them), as the reply's
 * node mask: the same nodes coord_detail names. */
static uint64_t coord_replicas(const struct coord *c)
{
    uint64_t set = 0;

    for (int i = 0; i < c->n_targets; i++)
        if (c->t[i].state == T_ANSWERED && c->t[i].ok)
            set |= nodemask_bit(c->t[i].node);
    return set;
}

static void coord_answer(struct model_state *st, int node, struct coord *c)
{
    struct op_reply rep;
    struct op_note *note = note_for(st, c->req.op_id);

    op_reply_init(&rep, REPLY_FAIL, NULL, NULL, NULL);
    rep.quorum = c->got >= c->need;
    rep.replicas = coord_replicas(c);
    coord_detail(c, rep.detail, sizeof(rep.detail));
    if (rep.quorum && c->is_read && c->overflow) {
        /* Answering some siblings would hide an acknowledged write: say so instead. */
        rep.kind = REPLY_FAIL;
        snprintf(rep.reason, sizeof(rep.reason), "more than %d siblings", STORE_MAX_SIBLINGS);
    } else if (rep.quorum && c->is_read && c->frozen && c->confirmed < param_w(st)) {
        rep.kind = REPLY_FAIL;
        snprintf(rep.reason, sizeof(rep.reason), "read repair not confirmed (%d of %d hold it)",
                 c->confirmed, param_w(st));
    } else if (rep.quorum) {
        const struct vset *ans = c->frozen ? &c->answer : &c->best;
        rep.kind = REPLY_OK;
        if (c->is_read) {
            rep.has_ctx = true;
            set_values(ans, &rep.vals);
            dvv_context(ans->v, ans->n, &rep.ctx);
        } else if (c->sent_all) {
            /*
             * A put returns the context of the versions it left on its coordinator (Riak's
             * return_body shows them), so a write after it replaces them. Only a coordinator
             * that holds the key may: a context entry n1:5 claims every write n1 coordinated
             * up to its fifth, and a node that keeps no copy cannot vouch for those.
             */
            rep.has_ctx = true;
            dvv_context(c->sent.v, c->sent.n, &rep.ctx);
        }
    } else {
        rep.kind = REPLY_FAIL;
        snprintf(rep.reason, sizeof(rep.reason), "quorum not reached (got %d of %d)", c->got,
                 c->need);
    }
    if (note) {
        note->quorum = rep.quorum;
        util_strlcpy(note->detail, rep.detail, sizeof(note->detail));
    }
    c->answered = true;
    model_reply(st->ctx, node, &c->req, &rep);
}

/* Frees the op once nothing more can change it. */
static void coord_maybe_done(struct model_state *st, int node, struct coord *c)
{
    if (!c->answered || c->repairs_waiting > 0)
        return;
    for (int i = 0; i < c->n_targets; i++)
        if (c->t[i].state == T_SENT)
            return;
    model_timer_cancel(st->ctx, c->timer);
    coord_free(st, node, c);
}

static uint64_t coord_rid(const struct coord *c)
{
    return rid_of(c->slot, c->gen);
}

static void send_put(struct model_state *st, int node, struct coord *c, int i)
{
    struct ll_body *b = xmalloc(sizeof(*b));
    char vals[64];

    body_init(b, coord_rid(c), c->key);
    b->hint = c->t[i].home;
    body_set(b, &c->sent);
    summary_set(st, &c->sent, vals, sizeof(vals));
    if (c->t[i].home >= 0)
        model_send(st->ctx, node, c->t[i].node, M_PUT, false, b, body_len(b), "put %s=%s hint n%d",
                   c->key, vals, c->t[i].home + 1);
    else
        model_send(st->ctx, node, c->t[i].node, M_PUT, false, b, body_len(b), "put %s=%s", c->key,
                   vals);
    free(b);
}

static void send_get(struct model_state *st, int node, struct coord *c, int i)
{
    struct ll_body b;

    body_init(&b, coord_rid(c), c->key);
    model_send(st->ctx, node, c->t[i].node, M_GET, false, &b, body_len(&b), "get %s", c->key);
}

static void on_read_answer(struct model_state *st, int node, struct coord *c, int i,
                           const struct vset *got);
static void on_write_ack(struct model_state *st, int node, struct coord *c, int i, bool ok);

/* Starts talking to target i: a local target answers at once. */
static void coord_contact(struct model_state *st, int node, struct coord *c, int i)
{
    if (c->t[i].node != node) {
        if (c->is_read)
            send_get(st, node, c, i);
        else
            send_put(st, node, c, i);
        return;
    }
    if (c->is_read) {
        struct vset mine;
        read_set(st, node, c->key, &mine);
        on_read_answer(st, node, c, i, &mine);
    } else if (c->t[i].home >= 0) {
        on_write_ack(st, node, c, i, hint_store(st, node, c->t[i].home, c->key, &c->sent));
    } else {
        apply_store(st, node, c->key, &c->sent, true);
        on_write_ack(st, node, c, i, true);
    }
}

static void choose_targets(struct model_state *st, int node, const char *key, bool read,
                           struct coord *c)
{
    int order[CLOCK_MAX_NODES], tn[CLOCK_MAX_NODES], th[CLOCK_MAX_NODES];
    bool sus[CLOCK_MAX_NODES];
    int n = param_n(st), k;

    walk_order(st, key, order);
    for (int i = 0; i < st->n; i++)
        sus[i] = i != node && suspects(st, node, i);
    k = leaderless_targets(order, st->n, n, sus, model_pnum(st->ctx, P_SLOPPY) != 0, tn, th);
    if (read && model_pnum(st->ctx, P_READ_FANOUT) == FANOUT_R && k > c->need)
        k = c->need;
    c->n_targets = 0;
    for (int i = 0; i < k && c->n_targets < LL_MAX_TARGETS; i++) {
        struct target *t = &c->t[c->n_targets];
        if (th[i] >= 0 && past_hint_window(st, node, th[i])) {
            model_trace(st->ctx, TRACE_HINT, node, th[i], 0, 0, "refused",
                        "%s: no stand-in for n%d, down longer than hint_window", key, th[i] + 1);
            continue;
        }
        t->node = tn[i];
        t->home = th[i];
        t->state = T_SENT;
        t->ok = false;
        c->n_targets++;
    }
}

static struct coord *coord_new(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];

    for (int s = 0; s < LL_MAX_COORD; s++) {
        if (!nd->coord[s]) {
            struct coord *c;
            if (st->n_spare_coord > 0) {
                c = st->spare_coord[--st->n_spare_coord];
                memset(c, 0, sizeof(*c));
            } else {
                c = xcalloc(1, sizeof(*c));
            }
            c->slot = s;
            c->gen = ++nd->next_gen;
            nd->coord[s] = c;
            return c;
        }
    }
    return NULL;
}

static void coordinate(struct model_state *st, int node, const struct op_req *req);

/*
 * Has node coordinated this forwarded write already? The network may deliver a message twice;
 * coordinating the copy would write the client's one put twice, as two versions with their own
 * dots (two siblings of one value, under siblings). A request id and attempt identify it, as a
 * transport's sequence numbers would: a copy is dropped, while a client's retry, a new
 * attempt, is a new write (as a retried put is in Riak). Remembers the write when it is new.
 */
static bool forward_again(struct ll_node *nd, const struct op_req *req)
{
    if (req->op_id == 0)
        return false;
    for (int i = 0; i < LL_MAX_FWD; i++)
        if (nd->fwd[i].op_id == req->op_id && nd->fwd[i].attempt == req->attempt)
            return true;
    nd->fwd[nd->fwd_next].op_id = req->op_id;
    nd->fwd[nd->fwd_next].attempt = req->attempt;
    nd->fwd_next = (nd->fwd_next + 1) % LL_MAX_FWD;
    return false;
}

/*
 * A write reaching a node outside the key's preference list is forwarded to the first home
 * replica this node does not suspect (Dynamo: "the first among the top N"; Riak forwards a
 * put to a vnode of the preflist). A coordinator that holds the key sends its whole sibling
 * set with the new version and can answer with the context of what it left, which a node
 * that keeps no copy could not. Reads are coordinated where they land.
 */
static void ll_request(struct model_state *st, int node, const struct op_req *req)
{
    int order[CLOCK_MAX_NODES], n = param_n(st), to = -1;

    if (req->kind == OP_GET || is_home(st, req->key, node)) {
        coordinate(st, node, req);
        return;
    }
    walk_order(st, req->key, order);
    for (int i = 0; i < n && to < 0; i++)
        if (!suspects(st, node, order[i]))
            to = order[i];
    if (to < 0)
        to = order[0];
    model_send(st->ctx, node, to, M_FORWARD, false, req, sizeof(*req), "forward %s %s%s%s",
               req->kind == OP_DEL ? "del" : "put", req->key, req->kind == OP_DEL ? "" : "=",
               req->value);
}

/*
 * A coordinator's timestamp, strictly increasing on this node as Cassandra's ClientState makes
 * it (its lastTimestampMicros, kept in memory): two writes coordinated in the same microsecond,
 * or after the clock stepped back, get distinct, ordered stamps instead of a tie that the
 * greater value would win.
 */
static int64_t coordinator_stamp(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];
    int64_t now = model_phys(st->ctx, node);

    if (nd->stamped && now <= nd->last_stamp_us)
        now = nd->last_stamp_us + 1;
    nd->last_stamp_us = now;
    nd->stamped = true;
    return now;
}

static void coordinate(struct model_state *st, int node, const struct op_req *req)
{
    bool read = req->kind == OP_GET;
    int need = (int)model_pnum(st->ctx, read ? P_R : P_W);
    int n = param_n(st);
    struct coord *c;
    char why[HISTORY_REASON_MAX];

    if (req->kind != OP_GET && req->kind != OP_PUT && req->kind != OP_DEL) {
        model_answer(st->ctx, node, req, REPLY_FAIL, "the leaderless model serves put, get and del",
                     NULL, NULL);
        return;
    }
    if (need > n) {
        snprintf(why, sizeof(why), "%s=%d is more than the n=%d replicas", read ? "r" : "w", need,
                 n);
        model_answer(st->ctx, node, req, REPLY_FAIL, why, NULL, NULL);
        return;
    }
    c = coord_new(st, node);
    if (!c) {
        model_answer(st->ctx, node, req, REPLY_FAIL, "too many ops in progress at this node", NULL,
                     NULL);
        return;
    }
    c->req = *req;
    c->is_read = read;
    c->need = need;
    util_strlcpy(c->key, req->key, sizeof(c->key));
    choose_targets(st, node, req->key, read, c);
    if (read) {
        /* A target's answer is read only once it came (on_read_answer) or was set empty
         * (hold_answer), and only its n versions: nothing to zero, and only the pages of the
         * targets asked are touched (the table is 164 KB). */
        c->sets = st->n_spare_sets > 0 ? st->spare_sets[--st->n_spare_sets]
                                       : xmalloc(LL_MAX_TARGETS * sizeof(*c->sets));
    } else {
        struct store_version v;
        struct vset mine;
        memset(&v, 0, sizeof(v));
        util_strlcpy(v.value, req->value, sizeof(v.value));
        v.tombstone = req->kind == OP_DEL;
        v.origin = node;
        v.lamport = ++st->nodes[node].next_dot;
        /* One timestamp per write, as Cassandra gives a cell: the coordinator's clock, or
         * the client's (a driver's client-side timestamp). */
        v.ts_us = model_pnum(st->ctx, P_TIMESTAMP_SOURCE) == TSRC_CLIENT
                      ? req->client_ts_us
                      : coordinator_stamp(st, node);
        /*
         * A write after a read supersedes exactly what the read saw. A blind one (no
         * context) supersedes nothing: under siblings it becomes a sibling of whatever is
         * stored (Riak with allow_mult). Under lww its context only records what the
         * coordinator had seen, so a discard can say whether the loser came later.
         */
        local_set(st, node, req->key, &mine);
        if (req->has_ctx)
            v.vc = req->ctx;
        else if (model_pnum(st->ctx, P_RESOLVE) == RESOLVE_LWW || v.tombstone)
            /* A delete without a context removes what its coordinator holds, as Riak's
             * delete reads the object first. */
            dvv_context(mine.v, mine.n, &v.vc);
        /* The coordinator sends its whole resulting set when it holds the key itself. */
        c->sent.n = 1;
        c->sent.v[0] = v;
        c->sent_all = is_home(st, req->key, node);
        if (c->sent_all && model_pnum(st->ctx, P_RESOLVE) == RESOLVE_SIBLINGS &&
            over_write_limit(st, &mine, &c->sent)) {
            coord_free(st, node, c);
            snprintf(why, sizeof(why), "more than %d siblings: read, then write after the read",
                     write_limit(st));
            model_answer(st->ctx, node, req, REPLY_FAIL, why, NULL, NULL);
            return;
        }
        if (c->sent_all)
            merge_sets(st, node, req->key, &mine, &c->sent, &c->sent, false);
    }
    c->timer = model_timer(st->ctx, node, K_OP, read ? "read quorum" : "write quorum",
                           model_pnum(st->ctx, P_TIMEOUT), (int64_t)coord_rid(c));
    for (int i = 0; i < c->n_targets; i++) {
        /* A local answer may complete and free the op: stop once it is gone. */
        uint64_t rid = coord_rid(c);
        coord_contact(st, node, c, i);
        if (!coord_find(st, node, rid))
            return;
    }
    if (c->n_targets == 0 || c->answered)
        coord_maybe_done(st, node, c);
}

static void on_write_ack(struct model_state *st, int node, struct coord *c, int i, bool ok)
{
    c->t[i].state = T_ANSWERED;
    c->t[i].ok = ok;
    if (ok)
        c->got++;
    if (!c->answered && c->got >= c->need)
        coord_answer(st, node, c);
    coord_maybe_done(st, node, c);
}

static void send_repair(struct model_state *st, int node, struct coord *c, int to)
{
    struct ll_body *b = xmalloc(sizeof(*b));
    char vals[64];

    body_init(b, coord_rid(c), c->key);
    body_set(b, &c->best);
    summary_set(st, &c->best, vals, sizeof(vals));
    model_send(st->ctx, node, to, M_REPAIR, false, b, body_len(b), "repair %s=%s", c->key, vals);
    free(b);
}

/* Is what target i answered missing anything the merged result has? */
static bool target_stale(struct model_state *st, const struct coord *c, int i)
{
    const struct vset *have = &c->sets[i];
    struct vset merged;

    if (model_pnum(st->ctx, P_RESOLVE) == RESOLVE_LWW)
        return !(have->n == 1 && c->best.n == 1 && dvv_same_dot(&have->v[0], &c->best.v[0]));
    merged.n = dvv_sync(have->v, have->n, c->best.v, c->best.n, merged.v);
    return !sets_equal(have, &merged);
}

/* Repairs target i if it is a home replica that answered with less. Returns 1 if a repair
 * message went out, 0 otherwise. */
static int repair_target(struct model_state *st, int node, struct coord *c, int i)
{
    if (model_pnum(st->ctx, P_READ_REPAIR) == RR_OFF || c->t[i].home >= 0 ||
        c->t[i].state != T_ANSWERED || !target_stale(st, c, i))
        return 0;
    c->sets[i] = c->best;
    if (c->t[i].node == node) {
        if (apply_store(st, node, c->key, &c->best, false) > 0)
            model_trace(st->ctx, TRACE_REPAIR, node, -1, 0, 0, "read_repair",
                        "read repair brings %s up to date", c->key);
        return 0;
    }
    send_repair(st, node, c, c->t[i].node);
    return 1;
}

/*
 * Does a replica that holds have also hold want — each of want's versions,
 * or one that replaced it? Under lww a replica keeps one version: the
 * answer's or one that wins over it.
 */
static bool set_holds(struct model_state *st, const struct vset *have, const struct vset *want)
{
    struct vset merged;

    if (want->n == 0)
        return true;
    if (model_pnum(st->ctx, P_RESOLVE) == RESOLVE_LWW)
        return have->n >= 1 &&
               (dvv_same_dot(&have->v[0], &want->v[0]) || lww_wins(&have->v[0], &want->v[0]));
    merged.n = dvv_sync(have->v, have->n, want->v, want->n, merged.v);
    return sets_equal(have, &merged);
}

/* Sync read repair: answers once `w` home replicas are known to hold the answer. */
static void confirm_maybe_answer(struct model_state *st, int node, struct coord *c)
{
    if (!c->answer_held || c->confirmed < param_w(st))
        return;
    c->answer_held = false;
    coord_answer(st, node, c);
}

/* Sync read repair: target i is known to hold the answer. */
static void confirm_target(struct coord *c, int i)
{
    if (c->t[i].holds)
        return;
    c->t[i].holds = true;
    c->confirmed++;
}

/* Sync read repair: target i answered; count it, or repair it and wait for its ack. */
static void confirm_or_repair(struct model_state *st, int node, struct coord *c, int i)
{
    if (c->t[i].home >= 0 || c->t[i].holds || c->t[i].repair_wait)
        return;
    if (set_holds(st, &c->sets[i], &c->answer)) {
        confirm_target(c, i);
        return;
    }
    node_name_list(c->repaired, sizeof(c->repaired), c->repaired[0] ? "," : "", c->t[i].node, -1);
    if (repair_target(st, node, c, i)) {
        c->t[i].repair_wait = true;
        c->repairs_waiting++;
    } else if (c->t[i].node == node) {
        struct vset mine; /* repaired in place, unless the store refused it */
        local_set(st, node, c->key, &mine);
        if (set_holds(st, &mine, &c->answer))
            confirm_target(c, i);
    }
}

/*
 * Sync read repair when the read quorum is in: fix the answer, count the home
 * replicas that already hold it, and write it back to the others — to the
 * stale ones that answered, and to home replicas the read did not ask (read
 * fanout r), so that `w` of them can hold it. The answer waits for that
 * (Attiya, Bar-Noy and Dolev's write-back phase, Cassandra's blocking read
 * repair): without it a value one replica holds could be answered now and
 * missed by the next quorum read.
 */
static void hold_answer(struct model_state *st, int node, struct coord *c)
{
    int order[CLOCK_MAX_NODES], n = param_n(st);

    c->answer = c->best;
    c->frozen = true;
    c->answer_held = true;
    for (int k = 0; k < c->n_targets; k++)
        if (c->t[k].state == T_ANSWERED)
            confirm_or_repair(st, node, c, k);
    walk_order(st, c->key, order);
    for (int h = 0; h < n && c->confirmed + c->repairs_waiting < param_w(st); h++) {
        bool asked = false;
        int k;
        for (k = 0; k < c->n_targets && !asked; k++)
            asked = c->t[k].node == order[h];
        if (asked || c->n_targets >= LL_MAX_TARGETS)
            continue;
        k = c->n_targets++;
        memset(&c->t[k], 0, sizeof(c->t[k]));
        c->t[k].node = order[h];
        c->t[k].home = -1;
        c->t[k].state = T_ANSWERED;
        c->sets[k].n = 0; /* not asked: assume it holds nothing */
        confirm_or_repair(st, node, c, k);
    }
    confirm_maybe_answer(st, node, c);
}

static void on_read_answer(struct model_state *st, int node, struct coord *c, int i,
                           const struct vset *got)
{
    bool changed;
    struct vset before = c->best;

    c->t[i].state = T_ANSWERED;
    c->t[i].ok = true;
    c->sets[i] = *got;
    c->got++;
    if (model_pnum(st->ctx, P_RESOLVE) == RESOLVE_SIBLINGS && !c->answered &&
        would_overflow(&c->best, got))
        c->overflow = true;
    merge_sets(st, node, c->key, &c->best, got, &c->best, false);
    changed = !sets_equal(&before, &c->best);
    if (!c->answered && !c->answer_held && c->got >= c->need) {
        if (model_pnum(st->ctx, P_READ_REPAIR) == RR_SYNC) {
            hold_answer(st, node, c);
        } else {
            for (int k = 0; k < c->n_targets; k++) {
                if (c->t[k].state != T_ANSWERED || c->t[k].home >= 0 || !target_stale(st, c, k))
                    continue;
                repair_target(st, node, c, k);
                if (model_pnum(st->ctx, P_READ_REPAIR) != RR_OFF)
                    node_name_list(c->repaired, sizeof(c->repaired), c->repaired[0] ? "," : "",
                                   c->t[k].node, -1);
            }
            coord_answer(st, node, c);
        }
    } else if (c->answer_held) {
        /* A late answer to a held read: it may hold the answer already, or need it. */
        confirm_or_repair(st, node, c, i);
        confirm_maybe_answer(st, node, c);
    } else if (c->answered) {
        /* A late answer: repair it, and everyone else if it brought something newer. */
        if (changed) {
            for (int k = 0; k < c->n_targets; k++)
                repair_target(st, node, c, k);
        } else {
            repair_target(st, node, c, i);
        }
    }
    coord_maybe_done(st, node, c);
}

/* The quorum timer: answer what can be answered, try stand-ins, or fail. */
static void on_op_timer(struct model_state *st, int node, uint64_t rid)
{
    struct coord *c = coord_find(st, node, rid);
    char why[96];
    int added = 0;

    if (!c)
        return;
    for (int i = 0; i < c->n_targets; i++) {
        if (c->t[i].state != T_SENT)
            continue;
        c->t[i].state = T_SILENT;
        if (!suspects(st, node, c->t[i].node))
            st->nodes[node].suspect_since[c->t[i].node] = model_mono(st->ctx, node);
        /* Dynamo's local failure detection: for down_retry the replica counts as down and
         * (with sloppy on) its writes go straight to a stand-in, without another timeout. */
        st->nodes[node].suspect_until[c->t[i].node] =
            model_mono(st->ctx, node) + model_pnum(st->ctx, P_DOWN_RETRY);
        snprintf(why, sizeof(why), "no %s from n%d within the quorum timeout",
                 c->is_read ? "get_reply" : "put_ack", c->t[i].node + 1);
        model_suspect(st->ctx, node, c->t[i].node, why);
    }
    if (c->answered) {
        coord_free(st, node, c);
        return;
    }
    if (c->answer_held) {
        /* Fewer than `w` replicas are known to hold what the read found: answering it could
         * show a value the next quorum read misses. */
        util_appendf(c->repaired, sizeof(c->repaired), " (unconfirmed)");
        c->answer_held = false;
        c->repairs_waiting = 0;
        coord_answer(st, node, c);
        coord_free(st, node, c);
        return;
    }
    /* Sloppy quorum: the silent replicas' places go to the next nodes this node trusts. */
    if (model_pnum(st->ctx, P_SLOPPY) && c->round + 1 < LL_MAX_ROUNDS) {
        int order[CLOCK_MAX_NODES];
        bool used[CLOCK_MAX_NODES] = {false};
        int first = c->n_targets;
        walk_order(st, c->key, order);
        for (int i = 0; i < c->n_targets; i++)
            used[c->t[i].node] = true;
        for (int i = 0; i < first && c->n_targets < LL_MAX_TARGETS; i++) {
            int home = c->t[i].home >= 0 ? c->t[i].home : c->t[i].node;
            if (c->t[i].state != T_SILENT || past_hint_window(st, node, home))
                continue;
            for (int k = 0; k < st->n; k++) {
                int cand = order[k];
                if (used[cand] || (cand != node && suspects(st, node, cand)))
                    continue;
                used[cand] = true;
                c->t[c->n_targets].node = cand;
                c->t[c->n_targets].home = is_home(st, c->key, cand) ? -1 : home;
                c->t[c->n_targets].state = T_SENT;
                c->t[c->n_targets].ok = false;
                c->n_targets++;
                added++;
                break;
            }
        }
        if (added > 0) {
            c->round++;
            c->timer = model_timer(st->ctx, node, K_OP, c->is_read ? "read quorum" : "write quorum",
                                   model_pnum(st->ctx, P_TIMEOUT), (int64_t)rid);
            for (int i = first; i < c->n_targets; i++) {
                coord_contact(st, node, c, i);
                if (!coord_find(st, node, rid))
                    return;
            }
            return;
        }
    }
    coord_answer(st, node, c);
    coord_free(st, node, c);
}

static int find_target(const struct coord *c, int from)
{
    for (int i = 0; i < c->n_targets; i++)
        if (c->t[i].node == from && c->t[i].state == T_SENT)
            return i;
    return -1;
}

/* ---- replica side ---- */

static void send_ack(struct model_state *st, int node, int to, int type, uint64_t rid,
                     const char *key, bool ok)
{
    struct ll_body b;

    body_init(&b, rid, key);
    b.ok = ok;
    model_send(st->ctx, node, to, type, false, &b, body_len(&b), "%s %s%s", msg_names[type], key,
               ok ? "" : " refused");
}

static void on_put(struct model_state *st, int node, const struct msg *m, const struct ll_body *b)
{
    struct vset in;
    bool ok = true;

    body_vset(b, &in);
    if (b->hint >= 0 && b->hint < st->n) {
        ok = hint_store(st, node, b->hint, b->key, &in);
    } else {
        ok = apply_store(st, node, b->key, &in, true) >= 0;
    }
    send_ack(st, node, m->from, M_PUT_ACK, b->rid, b->key, ok);
}

static void on_get(struct model_state *st, int node, const struct msg *m, const struct ll_body *b)
{
    struct ll_body *r = xmalloc(sizeof(*r));
    struct vset mine;
    char vals[64];

    read_set(st, node, b->key, &mine);
    body_init(r, b->rid, b->key);
    body_set(r, &mine);
    summary_set(st, &mine, vals, sizeof(vals));
    model_send(st->ctx, node, m->from, M_GET_REPLY, false, r, body_len(r), "%s=%s", b->key, vals);
    free(r);
}

/* ---- hinted handoff ---- */

static void on_handoff_timer(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];
    struct ll_body *b;

    nd->handoff_armed = false;
    if (!model_pnum(st->ctx, P_HANDOFF) || nd->n_hints == 0)
        return;
    b = xmalloc(sizeof(*b));
    for (int i = 0; i < LL_MAX_HINTS; i++) {
        struct hint *h = &nd->hints[i];
        char vals[64];
        if (!h->used)
            continue;
        if (past_hint_window(st, node, h->owner)) {
            /* Only anti-entropy or read repair can bring these versions to the owner now. */
            format_set(&h->set, vals, sizeof(vals));
            model_trace(st->ctx, TRACE_HINT, node, h->owner, 0, 0, "expired",
                        "%s=%s: hint for n%d dropped, unreachable longer than hint_window", h->key,
                        vals, h->owner + 1);
            h->used = false;
            nd->n_hints--;
            continue;
        }
        body_init(b, (uint64_t)h->gen << 16 | (uint64_t)i, h->key);
        body_set(b, &h->set);
        summary_set(st, &h->set, vals, sizeof(vals));
        model_send(st->ctx, node, h->owner, M_HANDOFF, false, b, body_len(b), "handoff %s=%s",
                   h->key, vals);
    }
    free(b);
    arm_handoff(st, node);
}

static void on_handoff(struct model_state *st, int node, const struct msg *m,
                       const struct ll_body *b)
{
    struct vset in;

    body_vset(b, &in);
    send_ack(st, node, m->from, M_HANDOFF_ACK, b->rid, b->key,
             apply_store(st, node, b->key, &in, false) >= 0);
}

static void on_handoff_ack(struct model_state *st, int node, const struct ll_body *b)
{
    struct ll_node *nd = &st->nodes[node];
    int slot = (int)(b->rid & 0xffff);
    struct hint *h;
    char vals[64];

    if (!nd->hints || slot >= LL_MAX_HINTS)
        return;
    h = &nd->hints[slot];
    /* A hint that took a newer write since this offer went out stays until that is delivered;
     * one the owner refused stays too. */
    if (!h->used)
        return;
    if (h->gen != (uint32_t)(b->rid >> 16) || !b->ok) {
        h->since_us = model_mono(st->ctx, node); /* the owner is reachable: not down */
        return;
    }
    format_set(&h->set, vals, sizeof(vals));
    model_trace(st->ctx, TRACE_HINT, node, h->owner, 0, 0, "delivered", "%s=%s handed off to n%d",
                h->key, vals, h->owner + 1);
    h->used = false;
    nd->n_hints--;
}

/* ---- anti-entropy ---- */

/* The keys node holds that peer also replicates, as a Merkle tree. */
static void build_tree(struct model_state *st, int node, int peer, struct leaderless_merkle *t)
{
    const struct store *s = model_store(st->ctx, node);

    leaderless_merkle_init(t);
    for (int i = 0; i < store_kv_count(s); i++) {
        const struct store_item *it = store_kv_at(s, i);
        if (is_home(st, it->key, node) && is_home(st, it->key, peer))
            leaderless_merkle_add(t, it);
    }
    leaderless_merkle_seal(t);
}

static void arm_ae(struct model_state *st, int node, int64_t delay_us)
{
    struct ll_node *nd = &st->nodes[node];

    if (nd->ae_armed || model_pnum(st->ctx, P_ANTI_ENTROPY) == 0 || st->n < 2)
        return;
    nd->ae_timer = model_timer(st->ctx, node, K_AE, "anti_entropy", delay_us, 0);
    nd->ae_armed = true;
}

static void on_ae_timer(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];
    struct ae_tree_body b;
    int peer;

    nd->ae_armed = false;
    if (model_pnum(st->ctx, P_ANTI_ENTROPY) == 0 || st->n < 2)
        return;
    peer = nd->ae_next % st->n;
    if (peer == node)
        peer = (peer + 1) % st->n;
    nd->ae_next = peer + 1;
    build_tree(st, node, peer, &b.tree);
    model_send(st->ctx, node, peer, M_AE_TREE, b.tree.h[0] == nd->ae_agreed[peer], &b, sizeof(b),
               "merkle root %04llx", (unsigned long long)(b.tree.h[0] >> 48));
    arm_ae(st, node, model_pnum(st->ctx, P_ANTI_ENTROPY));
}

/* Sends peer node's versions of every key it shares with peer in the ranges of mask. */
static void ae_push(struct model_state *st, int node, int peer, uint32_t mask)
{
    const struct store *s = model_store(st->ctx, node);
    struct ll_body *b = xmalloc(sizeof(*b));

    for (int i = 0; i < store_kv_count(s); i++) {
        const struct store_item *it = store_kv_at(s, i);
        struct vset set;
        char vals[64];
        if (!(mask & (1u << leaderless_merkle_leaf(it->key))) || !is_home(st, it->key, node) ||
            !is_home(st, it->key, peer))
            continue;
        set.n = it->n;
        memcpy(set.v, it->v, (size_t)it->n * sizeof(it->v[0]));
        body_init(b, 0, it->key);
        body_set(b, &set);
        summary_set(st, &set, vals, sizeof(vals));
        model_send(st->ctx, node, peer, M_AE_KEY, false, b, body_len(b), "ae %s=%s", it->key, vals);
        /* The store does not change while we send, so it is safe to keep iterating. */
    }
    free(b);
}

static int popcount32(uint32_t x)
{
    int n = 0;

    for (; x; x &= x - 1)
        n++;
    return n;
}

static void on_ae_tree(struct model_state *st, int node, const struct msg *m)
{
    struct ae_tree_body theirs;
    struct leaderless_merkle mine;
    struct ll_body b;
    uint32_t mask;

    memset(&theirs, 0, sizeof(theirs));
    memcpy(&theirs, m->body, m->body_len < sizeof(theirs) ? m->body_len : sizeof(theirs));
    build_tree(st, node, m->from, &mine);
    mask = leaderless_merkle_diff(&theirs.tree, &mine);
    body_init(&b, 0, "");
    b.mask = mask;
    b.root = mine.h[0];
    if (mask == 0) {
        st->nodes[node].ae_agreed[m->from] = mine.h[0];
        model_send(st->ctx, node, m->from, M_AE_DIFF, true, &b, body_len(&b), "in sync");
        return;
    }
    model_trace(st->ctx, TRACE_REPAIR, node, m->from, popcount32(mask), 0, "merkle",
                "merkle trees differ in %d of %d key ranges", popcount32(mask),
                LEADERLESS_MERKLE_LEAVES);
    model_send(st->ctx, node, m->from, M_AE_DIFF, false, &b, body_len(&b), "%d ranges differ",
               popcount32(mask));
    ae_push(st, node, m->from, mask);
}

static void on_ae_diff(struct model_state *st, int node, const struct msg *m,
                       const struct ll_body *b)
{
    if (b->mask == 0) {
        st->nodes[node].ae_agreed[m->from] = b->root;
        return;
    }
    ae_push(st, node, m->from, b->mask);
}

static void on_ae_key(struct model_state *st, int node, const struct msg *m,
                      const struct ll_body *b)
{
    struct vset in;
    char vals[64];

    body_vset(b, &in);
    if (apply_store(st, node, b->key, &in, false) <= 0)
        return;
    local_set(st, node, b->key, &in);
    format_set(&in, vals, sizeof(vals));
    model_trace(st->ctx, TRACE_REPAIR, node, m->from, 0, 0, "anti_entropy",
                "anti-entropy repairs %s=%s from n%d", b->key, vals, m->from + 1);
}

/* ---- a node joins the ring ---- */

#define LL_JOIN_RETRY_US 500000LL /* a joiner asks the members it has not heard from again */

/* Is node a home replica of key on the ring a join in progress will make? */
static bool next_home(const struct model_state *st, const char *key, int node)
{
    int order[CLOCK_MAX_NODES];
    int n = param_n(st);

    walk_order_on(st, st->next, key, order);
    for (int i = 0; i < n; i++)
        if (order[i] == node)
            return true;
    return false;
}

static void send_stream(struct model_state *st, int node, const char *key)
{
    struct ll_body *b = xmalloc(sizeof(*b));
    struct vset set;
    char vals[64];

    local_set(st, node, key, &set);
    body_init(b, 0, key);
    body_set(b, &set);
    format_set(&set, vals, sizeof(vals));
    model_send(st->ctx, node, st->joiner, M_STREAM, false, b, body_len(b), "stream %s=%s", key,
               vals);
    free(b);
}

/*
 * A member that has heard of a join passes on every version it stores from then on for a key
 * the joiner will hold (Cassandra's writes to a pending range), so nothing written during the
 * stream is left behind.
 */
static void join_forward(struct model_state *st, int node, const char *key)
{
    if (st->joiner < 0 || node == st->joiner || !(st->join_known & (1ull << node)) ||
        !next_home(st, key, st->joiner))
        return;
    send_stream(st, node, key);
}

static void arm_join(struct model_state *st)
{
    st->join_timer = model_timer(st->ctx, st->joiner, K_JOIN, "join", LL_JOIN_RETRY_US, 0);
    st->join_armed = true;
}

/* The joiner asks every member it has not had all the data from. */
static void join_ask(struct model_state *st)
{
    struct ll_body *b = xmalloc(sizeof(*b));

    body_init(b, st->join_seq, "");
    for (int m = 0; m < st->n; m++)
        if ((st->join_want & ~st->join_got) & (1ull << m))
            model_send(st->ctx, st->joiner, m, M_JOIN, false, b, body_len(b),
                       "join: send me my ranges");
    free(b);
    arm_join(st);
}

/* A member streams the joiner every key the joiner will be a home replica of, then says so. */
static void on_join(struct model_state *st, int node, const struct msg *m, const struct ll_body *jb)
{
    const struct store *s = model_store(st->ctx, node);
    struct ll_body *b;
    int sent = 0;

    if (m->from != st->joiner || jb->rid != st->join_seq)
        return; /* a join that was abandoned */
    st->join_known |= 1ull << node;
    for (int i = 0; i < store_kv_count(s); i++) {
        const struct store_item *it = store_kv_at(s, i);
        if (next_home(st, it->key, st->joiner)) {
            send_stream(st, node, it->key);
            sent++;
        }
    }
    b = xmalloc(sizeof(*b));
    body_init(b, jb->rid, "");
    model_send(st->ctx, node, m->from, M_STREAM, false, b, body_len(b), "stream done: %d keys",
               sent);
    free(b);
}

static void on_stream(struct model_state *st, int node, const struct msg *m,
                      const struct ll_body *b)
{
    struct vset in;
    char vals[64];

    if (node != st->joiner && !leaderless_ring_member(st->ring, node))
        return;
    body_vset(b, &in);
    if (apply_store(st, node, b->key, &in, false) <= 0)
        return;
    local_set(st, node, b->key, &in);
    format_set(&in, vals, sizeof(vals));
    model_trace(st->ctx, TRACE_REPAIR, node, m->from, 0, 0, "stream",
                "n%d takes %s=%s from n%d as it joins", node + 1, b->key, vals, m->from + 1);
}

/*
 * Every member has streamed: the joiner owns its partitions. The ring is every node's shared
 * knowledge here (as `place` is), so all switch to it at this moment -- where Cassandra and Riak
 * spread it by gossip, and a coordinator can act on the old ring a little longer.
 */
static void on_stream_end(struct model_state *st, int node, const struct msg *m,
                          const struct ll_body *b)
{
    const struct store *s = model_store(st->ctx, node);
    int parts = 0;

    if (node != st->joiner || b->rid != st->join_seq)
        return;
    st->join_got |= 1ull << m->from;
    if ((st->join_want & ~st->join_got) != 0)
        return;
    for (int p = 0; p < LEADERLESS_PARTITIONS; p++)
        parts += leaderless_ring_owner(st->next, p) == node;
    leaderless_ring_destroy(st->ring);
    st->ring = st->next;
    st->next = NULL;
    st->joiner = -1;
    st->join_known = 0;
    if (st->join_armed)
        model_timer_cancel(st->ctx, st->join_timer);
    st->join_armed = false;
    model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "joined",
                "n%d joined the ring: it owns %d of %d partitions and holds %d keys", node + 1,
                parts, LEADERLESS_PARTITIONS, store_kv_count(s));
    model_trace(st->ctx, TRACE_ROLE, node, -1, -1, 0, "replica", "joined the ring");
}

static void join_abandon(struct model_state *st, const char *why)
{
    model_trace(st->ctx, TRACE_NOTE, st->joiner, -1, 0, 0, "join", "n%d's join is abandoned: %s",
                st->joiner + 1, why);
    leaderless_ring_destroy(st->next);
    st->next = NULL;
    st->joiner = -1;
    st->join_known = 0;
    st->join_armed = false;
}

static int join_cmd(struct model_state *st, const char *name, char *err, size_t errlen)
{
    char *end;
    long v = name[0] == 'n' ? strtol(name + 1, &end, 10) : 0;
    int node = (int)v - 1, parts;
    char names[128] = "";

    if (name[0] != 'n' || *end != '\0' || v < 1 || v > st->n) {
        snprintf(err, errlen, "join takes a node name, n1 to n%d: got '%s'", st->n, name);
        return -1;
    }
    if (leaderless_ring_member(st->ring, node)) {
        snprintf(err, errlen, "n%d is in the ring already (set ring K leaves nodes out)", node + 1);
        return -1;
    }
    if (st->joiner >= 0) {
        snprintf(err, errlen, "n%d is still joining: one bootstrap at a time", st->joiner + 1);
        return -1;
    }
    if (!st->nodes[node].up) {
        snprintf(err, errlen, "n%d is down: a node joins only while it runs", node + 1);
        return -1;
    }
    st->next = leaderless_ring_copy(st->ring);
    parts = leaderless_ring_claim(st->next, node);
    st->joiner = node;
    st->join_seq++;
    st->join_want = 0;
    st->join_got = 0;
    st->join_known = 0;
    for (int m = 0; m < st->n; m++)
        if (leaderless_ring_member(st->ring, m)) {
            st->join_want |= 1ull << m;
            util_appendf(names, sizeof(names), " n%d", m + 1);
        }
    model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "join",
                "n%d joins the ring: it claims %d of %d partitions and asks%s for their data",
                node + 1, parts, LEADERLESS_PARTITIONS, names);
    join_ask(st);
    return 0;
}

/* ---- tombstone collection ---- */

/* Sweeps a few times per grace period, as compaction would come round. */
static void arm_gc(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];
    int64_t grace = model_pnum(st->ctx, P_TOMBSTONE_GC);

    if (nd->gc_armed || grace == 0)
        return;
    nd->gc_timer =
        model_timer(st->ctx, node, K_GC, "tombstone_gc", grace / 4 > 1000 ? grace / 4 : 1000, 0);
    nd->gc_armed = true;
}

/*
 * Cassandra's gc_grace_seconds: a key whose versions are all tombstones, the newest written
 * `tombstone_gc` ago or more by this node's clock, is removed from the store. A replica that
 * missed the delete and comes back after that still holds the value, and nothing is left to
 * tell it the value was deleted: read repair and anti-entropy copy it back ("zombie data").
 */
static void on_gc_timer(struct model_state *st, int node)
{
    struct store *s = model_store(st->ctx, node);
    int64_t grace = model_pnum(st->ctx, P_TOMBSTONE_GC), now = model_phys(st->ctx, node);

    st->nodes[node].gc_armed = false;
    if (grace == 0)
        return;
    for (int i = 0; i < store_kv_count(s); i++) {
        const struct store_item *it = store_kv_at(s, i);
        int64_t newest = INT64_MIN;
        bool all_dead = it->n > 0;
        char key[STORE_KEY_MAX];
        for (int k = 0; k < it->n; k++) {
            all_dead = all_dead && it->v[k].tombstone;
            if (it->v[k].ts_us > newest)
                newest = it->v[k].ts_us;
        }
        if (!all_dead || now - newest < grace)
            continue;
        util_strlcpy(key, it->key, sizeof(key));
        store_kv_set(s, key, NULL, 0);
        model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "tombstone_gc",
                    "%s: tombstone collected after its grace period", key);
        i--; /* the next key moved into this place */
    }
    arm_gc(st, node);
}

/* ---- the model interface ---- */

static struct model_state *ll_create(struct model_ctx *ctx)
{
    struct model_state *st = xcalloc(1, sizeof(*st));

    st->ctx = ctx;
    st->n = model_nodes(ctx);
    st->ring = leaderless_ring_create(st->n);
    st->joiner = -1;
    st->nodes = xcalloc((size_t)st->n, sizeof(*st->nodes));
    for (int i = 0; i < st->n; i++) {
        st->nodes[i].up = true;
        st->nodes[i].ae_agreed = xcalloc((size_t)st->n, sizeof(uint64_t));
        st->nodes[i].ae_next = i + 1;
    }
    return st;
}

static void drop_coords(struct ll_node *nd)
{
    for (int s = 0; s < LL_MAX_COORD; s++) {
        if (nd->coord[s]) {
            free(nd->coord[s]->sets);
            free(nd->coord[s]);
            nd->coord[s] = NULL;
        }
    }
}

static void ll_destroy(struct model_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++) {
        drop_coords(&st->nodes[i]);
        free(st->nodes[i].hints);
        free(st->nodes[i].ae_agreed);
    }
    for (int i = 0; i < st->n_spare_coord; i++)
        free(st->spare_coord[i]);
    for (int i = 0; i < st->n_spare_sets; i++)
        free(st->spare_sets[i]);
    free(st->nodes);
    free(st->notes);
    leaderless_ring_destroy(st->ring);
    leaderless_ring_destroy(st->next);
    free(st);
}

/* Staggers the nodes' anti-entropy rounds across one period. */
static void start_ae_all(struct model_state *st)
{
    int64_t every = model_pnum(st->ctx, P_ANTI_ENTROPY);

    for (int i = 0; i < st->n; i++)
        if (st->nodes[i].up)
            arm_ae(st, i, every + every * i / st->n);
}

static void ll_start(struct model_state *st)
{
    start_ae_all(st);
    for (int i = 0; i < st->n; i++)
        arm_gc(st, i);
}

static void ll_param_changed(struct model_state *st, int idx)
{
    switch (idx) {
    case P_ANTI_ENTROPY:
        for (int i = 0; i < st->n; i++) {
            if (st->nodes[i].ae_armed)
                model_timer_cancel(st->ctx, st->nodes[i].ae_timer);
            st->nodes[i].ae_armed = false;
        }
        start_ae_all(st);
        break;
    case P_HANDOFF:
        for (int i = 0; i < st->n; i++)
            if (st->nodes[i].up)
                arm_handoff(st, i);
        break;
    case P_RING: {
        int k = (int)model_pnum(st->ctx, P_RING);
        /* Who is in the ring from the start; the data stays where it is. */
        if (st->joiner >= 0)
            join_abandon(st, "the ring was set anew");
        leaderless_ring_destroy(st->ring);
        st->ring = leaderless_ring_create_first(st->n, k == 0 || k > st->n ? st->n : k);
        break;
    }
    case P_TOMBSTONE_GC:
        for (int i = 0; i < st->n; i++) {
            if (st->nodes[i].gc_armed)
                model_timer_cancel(st->ctx, st->nodes[i].gc_timer);
            st->nodes[i].gc_armed = false;
            if (st->nodes[i].up)
                arm_gc(st, i);
        }
        break;
    default:
        break;
    }
}

static void ll_message(struct model_state *st, int node, const struct msg *m)
{
    struct ll_body *b;
    struct coord *c;
    int i;

    /* Any word from a node is proof it is reachable again. */
    trust(st, node, m->from);
    if (m->type == M_AE_TREE) {
        on_ae_tree(st, node, m);
        return;
    }
    if (m->type == M_FORWARD) {
        struct op_req req;
        memset(&req, 0, sizeof(req));
        memcpy(&req, m->body, m->body_len < sizeof(req) ? m->body_len : sizeof(req));
        if (forward_again(&st->nodes[node], &req)) {
            model_trace(st->ctx, TRACE_NOTE, node, m->from, 0, 0, "duplicate",
                        "drops a second copy of the forwarded %s %s: it coordinates it already",
                        req.kind == OP_DEL ? "del" : "put", req.key);
            return;
        }
        coordinate(st, node, &req); /* once: a forwarded write is never forwarded again */
        return;
    }
    b = xmalloc(sizeof(*b));
    body_get(m, b);
    switch ((enum msg_type)m->type) {
    case M_PUT:
        on_put(st, node, m, b);
        break;
    case M_GET:
        on_get(st, node, m, b);
        break;
    case M_PUT_ACK:
        c = coord_find(st, node, b->rid);
        if (c && !c->is_read && (i = find_target(c, m->from)) >= 0)
            on_write_ack(st, node, c, i, b->ok != 0);
        break;
    case M_GET_REPLY:
        c = coord_find(st, node, b->rid);
        if (c && c->is_read && (i = find_target(c, m->from)) >= 0) {
            struct vset got;
            body_vset(b, &got);
            on_read_answer(st, node, c, i, &got);
        }
        break;
    case M_REPAIR: {
        struct vset in;
        int r;
        body_vset(b, &in);
        r = apply_store(st, node, b->key, &in, false);
        if (r > 0)
            model_trace(st->ctx, TRACE_REPAIR, node, m->from, 0, 0, "read_repair",
                        "read repair brings %s up to date", b->key);
        send_ack(st, node, m->from, M_REPAIR_ACK, b->rid, b->key, r >= 0);
        break;
    }
    case M_REPAIR_ACK:
        c = coord_find(st, node, b->rid);
        if (!c || !c->answer_held)
            break;
        for (i = 0; i < c->n_targets; i++) {
            if (c->t[i].node == m->from && c->t[i].repair_wait) {
                c->t[i].repair_wait = false;
                c->repairs_waiting--;
                if (b->ok) /* a refused write-back confirms nothing */
                    confirm_target(c, i);
            }
        }
        confirm_maybe_answer(st, node, c);
        coord_maybe_done(st, node, c);
        break;
    case M_HANDOFF:
        on_handoff(st, node, m, b);
        break;
    case M_HANDOFF_ACK:
        on_handoff_ack(st, node, b);
        break;
    case M_AE_TREE:
    case M_FORWARD:
        break;
    case M_AE_DIFF:
        on_ae_diff(st, node, m, b);
        break;
    case M_AE_KEY:
        on_ae_key(st, node, m, b);
        break;
    case M_JOIN:
        on_join(st, node, m, b);
        break;
    case M_STREAM:
        if (b->key[0])
            on_stream(st, node, m, b);
        else
            on_stream_end(st, node, m, b);
        break;
    }
    free(b);
}

static void ll_timer(struct model_state *st, int node, int kind, int64_t arg)
{
    switch ((enum timer_kind)kind) {
    case K_OP:
        on_op_timer(st, node, (uint64_t)arg);
        break;
    case K_HANDOFF:
        on_handoff_timer(st, node);
        break;
    case K_AE:
        on_ae_timer(st, node);
        break;
    case K_GC:
        on_gc_timer(st, node);
        break;
    case K_JOIN:
        st->join_armed = false;
        if (st->joiner == node)
            join_ask(st);
        break;
    }
}

static void ll_crash(struct model_state *st, int node)
{
    struct ll_node *nd = &st->nodes[node];

    /* Ops in progress and suspicions were in memory; the engine has stopped the timers. */
    drop_coords(nd);
    memset(nd->suspect_until, 0, sizeof(nd->suspect_until));
    memset(nd->suspect_since, 0, sizeof(nd->suspect_since));
    nd->handoff_armed = false;
    nd->ae_armed = false;
    nd->gc_armed = false;
    memset(nd->fwd, 0, sizeof(nd->fwd));
    nd->fwd_next = 0;
    nd->stamped = false;
    nd->up = false;
    if (st->joiner == node)
        join_abandon(st, "it crashed; `join` starts it again");
}

static void ll_recover(struct model_state *st, int node, bool durable)
{
    struct ll_node *nd = &st->nodes[node];

    nd->up = true;
    if (!durable && nd->hints) {
        memset(nd->hints, 0, LL_MAX_HINTS * sizeof(*nd->hints));
        nd->n_hints = 0;
    }
    if (!durable)
        memset(nd->ae_agreed, 0, (size_t)st->n * sizeof(uint64_t));
    arm_handoff(st, node);
    arm_ae(st, node, model_pnum(st->ctx, P_ANTI_ENTROPY));
    arm_gc(st, node);
}

static int ll_route(struct model_state *st, const struct op_req *req, int hint)
{
    (void)req;
    (void)hint;
    /* No leader to find: any node coordinates. */
    return (int)sim_rng_below(model_rng(st->ctx), (uint64_t)st->n);
}

static void ll_describe(struct model_state *st, int node, struct node_desc *out)
{
    struct ll_node *nd = &st->nodes[node];
    int open = 0;

    for (int s = 0; s < LL_MAX_COORD; s++)
        open += nd->coord[s] != NULL;
    util_strlcpy(out->role,
                 leaderless_ring_member(st->ring, node) ? "replica"
                 : st->joiner == node                   ? "joining"
                                                        : "outside",
                 sizeof(out->role));
    snprintf(out->detail, sizeof(out->detail), "%d keys",
             store_kv_count(model_store(st->ctx, node)));
    if (open)
        util_appendf(out->detail, sizeof(out->detail), ", %d ops open", open);
    if (nd->n_hints) {
        int shown = 0;
        util_appendf(out->detail, sizeof(out->detail), ", hints:");
        for (int i = 0; i < LL_MAX_HINTS && shown < 4; i++) {
            if (!nd->hints[i].used)
                continue;
            util_appendf(out->detail, sizeof(out->detail), " %s for n%d", nd->hints[i].key,
                         nd->hints[i].owner + 1);
            shown++;
        }
    }
}

static void ll_read_local(struct model_state *st, int node, const char *key, struct op_values *out)
{
    struct vset s;

    local_set(st, node, key, &s);
    set_values(&s, out);
}

/* Do two replicas hold the same versions of a key (by dot)? */
static bool same_versions(const struct store_item *a, const struct store_item *b)
{
    if (!a || !b)
        return a == b;
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++) {
        bool found = false;
        for (int j = 0; j < b->n && !found; j++)
            found = a->v[i].origin == b->v[j].origin && a->v[i].lamport == b->v[j].lamport;
        if (!found)
            return false;
    }
    return true;
}

/* With anti-entropy on, two live replicas of a key that disagree are work still to do. */
static bool replicas_differ(struct model_state *st)
{
    for (int i = 0; i < st->n; i++) {
        const struct store *si = model_store(st->ctx, i);
        if (!st->nodes[i].up)
            continue;
        for (int k = 0; k < store_kv_count(si); k++) {
            const struct store_item *it = store_kv_at(si, k);
            if (!is_home(st, it->key, i))
                continue;
            for (int j = 0; j < st->n; j++) {
                if (j == i || !st->nodes[j].up || !is_home(st, it->key, j))
                    continue;
                if (!same_versions(it, store_kv_get(model_store(st->ctx, j), it->key)))
                    return true;
            }
        }
    }
    return false;
}

/*
 * Work that no message in flight shows: hints waiting for owners that are up,
 * and, with anti-entropy on, replicas that still disagree (the next round
 * will repair them), so `run until quiet` waits for convergence it will get.
 */
static bool ll_busy(struct model_state *st)
{
    if (model_pnum(st->ctx, P_HANDOFF)) {
        for (int i = 0; i < st->n; i++) {
            const struct ll_node *nd = &st->nodes[i];
            if (!nd->up || nd->n_hints == 0)
                continue;
            for (int k = 0; k < LL_MAX_HINTS; k++)
                if (nd->hints[k].used && st->nodes[nd->hints[k].owner].up)
                    return true;
        }
    }
    return model_pnum(st->ctx, P_ANTI_ENTROPY) > 0 && replicas_differ(st);
}

static int ll_eval(struct model_state *st, int pred, const struct pred_args *args, char *got,
                   size_t gotlen)
{
    const struct op_note *note;
    int want;

    if (pred == PRED_IN_RING) {
        int node = args->a[0].node;
        snprintf(got, gotlen, "n%d is %s", node + 1,
                 leaderless_ring_member(st->ring, node) ? "in the ring"
                 : st->joiner == node                   ? "still joining"
                                                        : "outside the ring");
        return leaderless_ring_member(st->ring, node);
    }
    if (pred != PRED_QUORUM)
        return 0;
    want = args->a[1].num == 0 ? 1 : 0; /* met|failed */
    note = args->a[0].op_id < st->cap_notes ? &st->notes[args->a[0].op_id] : NULL;
    if (!note || note->quorum < 0) {
        snprintf(got, gotlen, "%s: no coordinator has answered it", args->a[0].text);
        return 0;
    }
    snprintf(got, gotlen, "%s: %s", args->a[0].text, note->detail);
    return note->quorum == want;
}

static int ll_command(struct model_state *st, int cmd, const struct model_cmd_args *args, char *err,
                      size_t errlen)
{
    struct placed *p = NULL;

    if (cmd == CMD_JOIN)
        return join_cmd(st, args->key, err, errlen);
    if (cmd != CMD_PLACE) {
        snprintf(err, errlen, "unknown command");
        return -1;
    }
    for (int i = 0; i < args->n_nodes; i++) {
        for (int k = 0; k < i; k++) {
            if (args->nodes[k] == args->nodes[i]) {
                snprintf(err, errlen, "place names n%d twice: a key lives on distinct nodes",
                         args->nodes[i] + 1);
                return -1;
            }
        }
    }
    for (int i = 0; i < st->n_placed && !p; i++)
        if (strcmp(st->placed[i].key, args->key) == 0)
            p = &st->placed[i];
    if (!p) {
        if (st->n_placed >= LL_MAX_PLACED) {
            snprintf(err, errlen, "at most %d keys can be placed", LL_MAX_PLACED);
            return -1;
        }
        p = &st->placed[st->n_placed++];
    }
    util_strlcpy(p->key, args->key, sizeof(p->key));
    memcpy(p->nodes, args->nodes, sizeof(p->nodes));
    p->n = args->n_nodes;
    return 0;
}

const struct model_ops leaderless_model = {
    .name = "leaderless",
    .title = "leaderless: Dynamo-style N/W/R quorums, read repair, hinted handoff, anti-entropy",
    .params = params,
    .n_params = (int)ARRAY_LEN(params),
    .preds = preds,
    .n_preds = (int)ARRAY_LEN(preds),
    .msg_names = msg_names,
    .n_msg_types = (int)ARRAY_LEN(msg_names),
    .op_mask = 1u << OP_PUT | 1u << OP_GET | 1u << OP_DEL,
    .create = ll_create,
    .destroy = ll_destroy,
    .start = ll_start,
    .param_changed = ll_param_changed,
    .message = ll_message,
    .timer = ll_timer,
    .request = ll_request,
    .crash = ll_crash,
    .recover = ll_recover,
    .route = ll_route,
    .describe = ll_describe,
    .read_local = ll_read_local,
    .replica_of = ll_replica_of,
    .busy = ll_busy,
    .eval = ll_eval,
    .cmds = cmds,
    .n_cmds = (int)ARRAY_LEN(cmds),
    .command = ll_command,
};
