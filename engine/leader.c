/*
 * leader: single-leader replication of one log, as a Kafka partition does it
 * under a KRaft controller, with Raft's election and commitment rules. Each
 * rule below says which system it comes from.
 *
 * One node leads; it alone appends client writes to the log, each entry
 * stamped with the leader's epoch. Followers replicate by pulling (Kafka): a
 * follower sends `fetch` carrying its log end offset, the epoch of its last
 * entry and its high watermark; the leader answers `fetch_resp` with the
 * entries from that offset on, its high watermark, its epoch and the
 * committed in-sync replica set (ISR). The fetch offset is the follower's
 * acknowledgement of everything below it. Every fetch carries a session (a
 * node's incarnation) and a number, and the response echoes them: a follower
 * takes a response only if it answers a newer fetch than the last it took, at
 * the offset its log still ends at, and the leader ignores a fetch it already
 * answered. Duplicated, late or overtaken copies are traced as `stale`.
 *
 * The ISR belongs to the controller (Kafka's AlterPartition, KIP-497/KIP-631).
 * A follower that has not caught up for `lag_max` should leave the ISR, one
 * that has caught up should rejoin; the leader only proposes the change
 * (`alter_isr`), one at a time, to a controller quorum -- here the brokers
 * themselves, as in KRaft's combined mode: a majority of the cluster. A voter
 * accepts only a proposal from the leader of its own current epoch and
 * refuses an older one (FENCED_LEADER_EPOCH); the change is committed once a
 * majority accepted it, and until then the high watermark still waits for the
 * larger of the old and proposed ISR. So a leader that was paused or cut off
 * while the others elected a new one can never shrink its ISR to itself and
 * acknowledge alone. Every node keeps the last committed ISR it heard of (from
 * fetch responses, votes and proposals), with its version.
 *
 * Commitment. acks all: the high watermark (hw) is the smallest log end among
 * the ISR members, and moves only while the ISR has at least `min_insync`
 * members (Kafka, KIP-966); below that, acks=all writes fail with `not enough
 * replicas`. acks K (or majority, K = N/2+1): the hw is the K-th largest log
 * end, the leader's included -- Raft's commit rule -- so what was acknowledged
 * is what a read at the leader sees. A write is acknowledged once the hw
 * passes it (and, for K, once K replicas have it). acks 1 acknowledges after
 * the leader's append, before the hw passes the write, so a read at the leader
 * sees it only once the ISR has it -- as a Kafka consumer, which reads below
 * the hw, would; acks 0 not at all: the client records the write ok as it
 * sends it and the leader never answers (Kafka). With
 * `sync_timeout` a leader that waited that long acknowledges alone and stays
 * asynchronous until its followers catch up (MySQL semi-sync). An
 * acknowledgement that rested on fewer than a majority says which setting
 * allowed it (acks=1, acks=0, acks=K, min_insync=1, sync_timeout), which the
 * lost-writes checker repeats if the write is later lost.
 *
 * A new leader's first entry is an epoch-start marker (Raft's no-op, section
 * 8), and its hw may pass the entries it inherited only by committing that
 * marker: it never commits an older epoch's entries by counting the replicas
 * that hold them (Raft section 5.4.2, "Figure 8"; Kafka's leader-epoch start
 * offset). Until then it holds reads, so no read returns what a later
 * election could truncate. Readers see the log below hw (`visible committed`)
 * or the whole local log (`visible log`).
 *
 * Elections (Raft). A follower that hears no fetch response for its election
 * timeout suspects the leader. With `election naive` it promotes itself at
 * once. With `election majority` it first asks for pre-votes (so a node cut
 * off alone does not inflate epochs), then for votes in epoch+1; a voter
 * grants one vote per epoch, only to a candidate whose log is at least as up
 * to date as its own (last epoch, then log end), that is in the committed ISR
 * (the newer of the voter's and the candidate's), and only if it has not
 * itself heard from a leader within the timeout. Clean elections pick only
 * from the committed ISR (Kafka): a node outside it may not stand, and when no
 * member is alive the partition is offline -- no leader, and a write or read
 * fails with "offline: no in-sync replica alive; unclean elections are off".
 * `unclean on` lets any replica stand and drops the voters' log and ISR
 * checks; an election won outside the ISR is an `unclean` event naming the
 * replica and the offsets it lacks, and the new leader's ISR is itself alone.
 * With `check_quorum on` (the default; Raft's check-quorum) a leader that
 * hears fetches from less than a majority for the election timeout steps
 * down; off, a cut-off leader believes it leads until it hears of a newer
 * epoch (MySQL semi-sync). A new leader announces itself with `begin`, and
 * repeats it to nodes that stay silent.
 *
 * Fencing. With `fencing on` (the default) every message carries the
 * sender's epoch: a message from a newer epoch deposes the receiver at once,
 * and a fetch response or announcement from an older epoch is refused with
 * `fenced`, which deposes its stale sender and fails the writes it was
 * holding. With `fencing off` epochs only order elections, logs and which
 * announcement a follower believes: a leader yields to nobody's epoch, and a
 * controller refusal only stops its ISR change. A paused or partitioned old
 * leader then goes on acknowledging acks=1 writes that are later truncated.
 *
 * Log reconciliation (Kafka, KIP-101/KIP-279). When a follower's (offset,
 * last epoch) does not match the leader's history, the leader answers with
 * the largest epoch it has at or below the follower's last epoch and where
 * that epoch ends in its log; the follower truncates there (or where that
 * epoch ends in its own log, whichever is smaller). A follower never
 * truncates below its high watermark, and no hw moves back, except after an
 * unclean election, which the trace flags (`hw_back`).
 *
 * Reads go to the leader (`reads leader`; a follower redirects the client,
 * or fails it with `not leader` under `not_leader fail`), or to any replica
 * (`reads any`), which answers from its own, possibly stale, log. `session
 * ryw` makes a replica hold a read until it has caught up with the client's
 * last write; `session sticky` keeps a client reading from one replica.
 * Leases (Raft's leader lease, section 6.4). With a `lease`, the leader
 * serves reads only while a majority has promised, by fetching, not to elect
 * anyone else for that long: the follower echoes the leader's stamp on the
 * response it last took, and the leader counts the lease from that stamp on
 * its own clock, less `lease_margin` (default 20%, twice the engine's 10%
 * drift bound) for a clock that runs slow; each follower waits the lease out
 * on its clock and then a random part of the election timeout before it
 * stands, so elections still happen after a crash and votes do not split.
 *
 * Which clock (`timeout_clock`). Every lease, timeout and "heard from the
 * leader lately" test above compares two readings of the node's own clock.
 * With `monotonic` (the default) that is the clock that never jumps, as in
 * Raft implementations (etcd's raft counts ticks of a local ticker;
 * hashicorp/raft compares Go's monotonic readings, which Go added in 1.9 after
 * a leap second stepped wall clocks back under running timeouts) and on the
 * JVM (System.nanoTime for elapsed time): a wall clock is stepped by NTP, by
 * an operator or by a leap second. With `wall` the
 * readings come from the wall clock (skew, ntp): a leader whose clock is
 * stepped back finds its lease and its check-quorum deadline that much
 * further away, so it goes on serving reads after the followers have waited
 * the lease out and elected another leader -- two nodes that each believe
 * they hold the lease (Kleppmann, DDIA ch. 8, "Process Pauses"). Timers that
 * are already armed still run for their duration; only the comparisons move.
 *
 * Clients (Kafka's producer). `set retries N` (an engine setting) resends a
 * write after a timeout or a retriable failure (not leader, fenced, offline,
 * not enough replicas). A resend whose first copy did land is appended twice
 * (a `duplicate` note, the `duplicates` predicate) unless `idempotence on`,
 * with which the leader recognises the producer id and sequence number (here
 * the client's op, which a resend keeps) and drops it (`dedup`).
 *
 * Invariants, checked after every event in builds with assertions (a broken
 * one aborts with the event number and seed): epochs never decrease on a
 * node; with majority elections, at most one leader per epoch and log
 * matching; with clean elections and fencing, no hw decreases except at a
 * flagged unclean election; a committed read never returns an entry at or
 * above the serving node's hw; with acks all and min_insync a majority (or
 * acks a majority), no sync_timeout and no wiped node, a leader of a later
 * epoch holds every acknowledged write.
 *
 * Durable (survives `restart` under `set durability disk`): the log, the
 * epoch, the vote of the current epoch, the last committed ISR a node heard
 * of and its version, and its high watermark checkpoint. Volatile: roles, the
 * leader's follower progress and ISR proposal, fetch sessions, writes waiting
 * for acks, reads waiting for a session position.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "nodemask.h"
#include "util.h"

#define LEADER_BATCH       16  /* entries one fetch response carries */
#define LEADER_MAX_PENDING 128 /* writes a leader holds waiting for acks */
#define LEADER_MAX_READS   32  /* reads a node holds waiting for a session position */
#define LEADER_MAX_EPOCHS  4096

enum {
    P_LEADER,
    P_ACKS,
    P_MIN_INSYNC,
    P_LAG_MAX,
    P_SYNC_TIMEOUT,
    P_READS,
    P_VISIBLE,
    P_SESSION,
    P_LEASE,
    P_ELECTION,
    P_ELECTION_TIMEOUT,
    P_FETCH_INTERVAL,
    P_UNCLEAN,
    P_FENCING,
    P_NOT_LEADER,
    P_CHECK_QUORUM,
    P_IDEMPOTENCE,
    P_LEASE_MARGIN,
    P_TIMEOUT_CLOCK,
};

static const struct param_def params[] = {
    [P_LEADER] = {"leader", PARAM_NODE, NULL, "n1", 0, 0, "the node that leads epoch 1"},
    [P_ACKS] =
        {"acks", PARAM_ENUM_OR_INT, "all|majority", "all", 0, 64,
         "0: ok as it is sent, nobody answers; 1: after the leader's append; all: once every in-sync replica has it; K: once K replicas have it; majority"},
    [P_MIN_INSYNC] =
        {"min_insync", PARAM_INT, NULL, "1", 1, 64,
         "smallest ISR that may commit; acks=all writes fail with 'not enough replicas' below it"},
    [P_LAG_MAX] =
        {"lag_max", PARAM_DURATION, NULL, "300ms", 1000, 3600000000LL,
         "a follower not caught up for this long leaves the ISR, once the controller quorum accepts it"},
    [P_SYNC_TIMEOUT] =
        {"sync_timeout", PARAM_DURATION, NULL, "0ms", 0, 3600000000LL,
         "a leader that waited this long for followers acknowledges alone (0: wait forever)"},
    [P_READS] = {"reads", PARAM_ENUM, "leader|any", "leader", 0, 0,
                 "where reads are served: only the leader, or any replica"},
    [P_VISIBLE] = {"visible", PARAM_ENUM, "committed|log", "committed", 0, 0,
                   "what a read sees: the log below the high watermark, or the whole local log"},
    [P_SESSION] =
        {"session", PARAM_ENUM, "none|ryw|sticky", "none", 0, 0,
         "ryw: a replica holds a read until it has the client's last write; sticky: a client reads from one replica"},
    [P_LEASE] =
        {"lease", PARAM_DURATION, NULL, "0ms", 0, 3600000000LL,
         "leader serves reads only while its lease holds; followers wait it out, then a random part of election_timeout, before electing (0: no lease)"},
    [P_ELECTION] =
        {"election", PARAM_ENUM, "majority|naive", "majority", 0, 0,
         "majority: pre-vote and vote, one leader per epoch; naive: a follower that hears nothing promotes itself"},
    [P_ELECTION_TIMEOUT] =
        {"election_timeout", PARAM_DURATION, NULL, "500ms", 1000, 3600000000LL,
         "silence from the leader before a follower suspects it (randomised up to twice this)"},
    [P_FETCH_INTERVAL] = {"fetch_interval", PARAM_DURATION, NULL, "50ms", 1000, 60000000LL,
                          "how often an idle follower fetches (the fetch is its heartbeat)"},
    [P_UNCLEAN] =
        {"unclean", PARAM_BOOL, NULL, "off", 0, 1,
         "on: an out-of-sync replica may become leader (and lose committed writes); off: with no ISR member alive the partition is offline"},
    [P_FENCING] =
        {"fencing", PARAM_BOOL, NULL, "on", 0, 1,
         "on: messages from an older epoch are refused and a newer epoch deposes a leader at once"},
    [P_NOT_LEADER] =
        {"not_leader", PARAM_ENUM, "redirect|fail", "redirect", 0, 0,
         "what a follower does with a request only the leader serves: redirect the client, or fail it"},
    [P_CHECK_QUORUM] =
        {"check_quorum", PARAM_BOOL, NULL, "on", 0, 1,
         "on: a leader that hears fetches from less than a majority for election_timeout steps down"},
    [P_IDEMPOTENCE] =
        {"idempotence", PARAM_BOOL, NULL, "off", 0, 1,
         "on: the leader drops a resent write it already has (Kafka's idempotent producer)"},
    [P_LEASE_MARGIN] =
        {"lease_margin", PARAM_PERCENT, NULL, "20%", 0, 10000,
         "share of the lease the leader gives up for clock drift (default: twice the 10% drift bound)"},
    [P_TIMEOUT_CLOCK] =
        {"timeout_clock", PARAM_ENUM, "monotonic|wall", "monotonic", 0, 0,
         "the clock a node measures leases and timeouts on: monotonic never jumps; wall follows skew and NTP steps, back as well as forward"},
};

/* The choices of the enum parameters, in the order their table lists them (check_choices()). */
enum acks_choice {
    ACKS_ALL, /* a number of acks has choice -1 */
    ACKS_MAJORITY,
};

enum reads_choice {
    READS_LEADER,
    READS_ANY,
};

enum visible_choice {
    VISIBLE_COMMITTED,
    VISIBLE_LOG,
};

enum session_choice {
    SESSION_NONE,
    SESSION_RYW,
    SESSION_STICKY,
};

enum election_choice {
    ELECTION_MAJORITY,
    ELECTION_NAIVE,
};

enum timeout_clock_choice {
    TIMEOUT_MONOTONIC,
    TIMEOUT_WALL,
};

enum not_leader_choice {
    NOT_LEADER_REDIRECT,
    NOT_LEADER_FAIL,
};

enum msg_type {
    M_FETCH,
    M_FETCH_RESP,
    M_NOT_LEADER,
    M_VOTE_REQ,
    M_VOTE,
    M_BEGIN,
    M_FENCED,
    M_ALTER_ISR,
    M_ALTER_ISR_RESP,
};

static const char *const msg_names[] = {
    [M_FETCH] = "fetch",
    [M_FETCH_RESP] = "fetch_resp",
    [M_NOT_LEADER] = "not_leader",
    [M_VOTE_REQ] = "vote_req",
    [M_VOTE] = "vote",
    [M_BEGIN] = "begin",
    [M_FENCED] = "fenced",
    [M_ALTER_ISR] = "alter_isr",
    [M_ALTER_ISR_RESP] = "alter_isr_resp",
};

enum timer_kind {
    T_FETCH,
    T_ELECTION,
    T_TICK,
    T_SYNC,
};

enum role {
    R_FOLLOWER,
    R_PRECANDIDATE,
    R_CANDIDATE,
    R_LEADER,
};

static const char *const role_names[] = {
    [R_FOLLOWER] = "follower",
    [R_PRECANDIDATE] = "precandidate",
    [R_CANDIDATE] = "candidate",
    [R_LEADER] = "leader",
};

enum pred {
    PR_HW,
    PR_EPOCH,
    PR_LOGEND,
    PR_ISR,
    PR_LEADERS,
    PR_LEADERS_PER_EPOCH,
    PR_HOLDS,
    PR_ISR_WANTED,
    PR_DUPLICATES,
};

static const struct pred_def preds[] = {
    [PR_HW] = {"hw", "hw NODE == N", {PRED_NODE}, 1, NULL, true, "the node's high watermark"},
    [PR_EPOCH] = {"epoch", "epoch NODE == N", {PRED_NODE}, 1, NULL, true, "the node's epoch"},
    [PR_LOGEND] = {"logend",
                   "logend NODE == N",
                   {PRED_NODE},
                   1,
                   NULL,
                   true,
                   "the node's log end offset (how many entries it holds)"},
    [PR_ISR] = {"isr",
                "isr NODE == {n1,n2}",
                {PRED_NODE},
                1,
                NULL,
                true,
                "the in-sync replica set as the node, a leader, sees it"},
    [PR_LEADERS] = {"leaders",
                    "leaders == N",
                    {PRED_INT},
                    0,
                    NULL,
                    true,
                    "how many live nodes believe they lead right now"},
    [PR_LEADERS_PER_EPOCH] = {"leaders_per_epoch",
                              "leaders_per_epoch == N",
                              {PRED_INT},
                              0,
                              NULL,
                              true,
                              "the most nodes that ever led one and the same epoch"},
    [PR_HOLDS] = {"holds",
                  "holds NODE LABEL",
                  {PRED_NODE, PRED_LABEL},
                  2,
                  NULL,
                  false,
                  "the node's log holds the entry the write LABEL appended"},
    [PR_ISR_WANTED] = {"isr_wanted",
                       "isr_wanted NODE == {n1}",
                       {PRED_NODE},
                       1,
                       NULL,
                       true,
                       "the ISR a leader wants by lag, before the controller quorum accepts it"},
    [PR_DUPLICATES] = {"duplicates",
                       "duplicates NODE == N",
                       {PRED_NODE},
                       1,
                       NULL,
                       true,
                       "entries in the node's log that a resent write appended a second time"},
};

/* ---- wire formats ---- */

struct wire_entry {
    int64_t epoch;
    uint64_t op_id;
    int64_t ts_us;
    char key[STORE_KEY_MAX];
    char value[STORE_VAL_MAX];
};

struct fetch_body {
    int64_t epoch;
    int64_t offset;     /* the follower's log end */
    int64_t last_epoch; /* epoch of its entry at offset - 1, 0 for an empty log */
    int64_t hw;
    int64_t echo_us;  /* the leader's stamp on the last response the follower took */
    uint64_t session; /* the follower's incarnation: a restart starts a new fetch session */
    uint64_t seq;     /* numbers the fetches of one session; the response echoes it */
};

struct fetch_resp_body {
    int64_t epoch;
    int64_t hw;
    int64_t stamp_us; /* the leader's monotonic time when it answered (lease bookkeeping) */
    uint64_t isr;
    int64_t isr_epoch; /* the committed ISR's version: the epoch that committed it, */
    uint64_t isr_seq;  /* and the change's number within that epoch */
    uint64_t session;  /* the fetch this answers: its session and number */
    uint64_t seq;
    int64_t leo;     /* the leader's log end */
    int32_t unclean; /* the leader won its epoch in an unclean election */
    int32_t pad;
    int64_t start;
    int32_t n;
    int32_t diverge;
    int64_t div_epoch;
    int64_t div_end;
    struct wire_entry e[LEADER_BATCH];
};

struct epoch_body {
    int64_t epoch;
    int32_t leader;
    int32_t pad;
};

/* AlterPartition: the leader of epoch asks the controller quorum to make isr the ISR. */
struct alter_body {
    int64_t epoch;
    uint64_t isr;
    uint64_t seq;
};

struct alter_resp_body {
    int64_t epoch; /* the responder's epoch: newer than the proposal's means fenced */
    uint64_t seq;
    int32_t accepted;
    int32_t leader;
};

struct vote_req_body {
    int64_t epoch;
    int64_t log_end;
    int64_t last_epoch;
    uint64_t round;
    uint64_t isr; /* the committed ISR the candidate knows, and its version */
    int64_t isr_epoch;
    uint64_t isr_seq;
    int32_t pre;
    int32_t pad;
};

struct vote_body {
    int64_t epoch;
    uint64_t round;
    uint64_t isr; /* the committed ISR the voter knows, and its version */
    int64_t isr_epoch;
    uint64_t isr_seq;
    int32_t granted;
    int32_t pre;
    int32_t leader;
    int32_t pad;
};

/* ---- state ---- */

struct prog {
    int64_t match;         /* the follower's log end, as its last fetch said */
    int64_t fhw;           /* the hw it reported */
    int64_t last_fetch_us; /* leader's clock */
    int64_t caught_up_us;
    int64_t prev_fetch_us;
    int64_t leo_at_prev;
    int64_t lease_base_us; /* leader's stamp the follower last echoed */
    int64_t begin_sent_us;
    uint64_t session; /* the follower's fetch session, and the last fetch of it answered */
    uint64_t last_seq;
};

struct pending {
    bool used;
    int64_t offset;
    struct op_req req;
    uint64_t timer;
};

struct read_wait {
    bool used;
    struct op_req req;
};

struct lnode {
    /* Durable. */
    int64_t epoch;
    int voted_for;
    uint64_t
        isr_known;     /* the ISR the controller quorum last committed, as far as this node knows */
    int64_t isr_epoch; /* its version: the epoch of the leader that proposed it, */
    uint64_t isr_seq;  /* and the proposal's number in that epoch */
    /* Volatile. */
    uint64_t session;   /* this incarnation's fetch session */
    uint64_t fetch_seq; /* the last fetch sent */
    uint64_t resp_seq;  /* the fetch whose response was last taken: older answers are stale */
    int64_t leader_leo; /* the leader's log end, as its last response said */
    bool offline;       /* no leader, and this node may not stand: the partition is offline */
    bool unclean;       /* leads an epoch it won in an unclean election */
    uint64_t want_isr;  /* the ISR this leader would like (lag decides) */
    uint64_t prop_isr;  /* the ISR change it has proposed and not yet seen committed */
    uint64_t prop_seq;
    uint64_t prop_acks; /* the controller voters that accepted prop_isr */
    int64_t prop_sent_us;
    bool prop_live;
    int64_t refused_by; /* a newer epoch the controller quorum fenced this leader with, or 0 */
    bool down;
    enum role role;
    int leader;
    int64_t hw;
    int64_t last_heard_us;
    int64_t resp_stamp_us;
    bool fetch_waiting;
    int64_t fetch_sent_us;
    uint64_t fetch_timer;
    uint64_t elect_timer;
    uint64_t tick_timer;
    uint64_t round;
    uint64_t votes;
    uint64_t isr;
    int64_t epoch_start;   /* where this leader's epoch begins in its log (its marker, if any) */
    int64_t inherited_end; /* the log it inherited, marker included: reads wait for hw to pass it */
    bool fallback;
    struct prog prog[NET_MAX_NODES];
    struct pending pending[LEADER_MAX_PENDING];
    int n_pending; /* how many of pending are used */
    struct read_wait reads[LEADER_MAX_READS];
};

struct epoch_rec {
    int64_t epoch;
    uint64_t leaders;
};

/* A write acknowledged under acks=all, for the no-lost-write invariant. */
struct acked_rec {
    uint64_t op_id;
    int64_t offset;
    int64_t epoch;
};

#define LEADER_MAX_ACKED 4096

struct model_state {
    struct model_ctx *ctx;
    int n;
    struct lnode *nodes;
    /* Observation only, for predicates: which nodes led each epoch. */
    struct epoch_rec epochs[LEADER_MAX_EPOCHS];
    int n_epochs;
    uint64_t next_session; /* hands each incarnation of a node a fresh fetch session id */
    /* Observation only, for the invariants (leader_invariants). */
    int64_t inv_epoch[NET_MAX_NODES];
    int64_t inv_hw[NET_MAX_NODES];
    bool hw_back_ok[NET_MAX_NODES]; /* the next hw decrease was flagged (unclean election) */
    bool log_dirty;
    /* What the invariants already checked, so each event checks only what changed: the lowest
     * offset of each log changed since the last check (0 after a create: everything), the
     * prefix each pair of logs was found to agree on (n x n), and for each node while it leads
     * one epoch, how many acknowledged writes it was checked to hold and the highest offset of
     * those. */
    int64_t inv_low[NET_MAX_NODES];
    int64_t *inv_agree;
    int inv_acked_done[NET_MAX_NODES];
    int64_t inv_acked_epoch[NET_MAX_NODES];
    int64_t inv_acked_top[NET_MAX_NODES];
    bool wiped;   /* a node lost its durable state: acknowledged writes may be gone */
    bool unclean; /* an unclean election happened */
    bool inv_naive, inv_unclean, inv_unsafe; /* settings that ever held in this run */
    struct acked_rec acked[LEADER_MAX_ACKED];
    int n_acked;
};

/* ---- small helpers ---- */

/*
 * The time a node measures its leases and timeouts against: the monotonic clock (Raft
 * implementations: etcd's tick counter, hashicorp/raft on Go's monotonic readings), or, under
 * `timeout_clock wall`, the wall clock, which a skew or an NTP step moves -- backwards too.
 */
static int64_t now_us(const struct model_state *st, int node)
{
    if (model_pnum(st->ctx, P_TIMEOUT_CLOCK) == TIMEOUT_WALL)
        return model_phys(st->ctx, node);
    return model_mono(st->ctx, node);
}

static int majority(const struct model_state *st)
{
    return st->n / 2 + 1;
}

static bool fencing(const struct model_state *st)
{
    return model_pnum(st->ctx, P_FENCING) != 0;
}

static struct store *log_of(struct model_state *st, int node)
{
    return model_store(st->ctx, node);
}

static int64_t log_end(struct model_state *st, int node)
{
    return store_log_end(log_of(st, node));
}

/* node's log changed at offset from and maybe after it, for the invariants. */
static void log_changed(struct model_state *st, int node, int64_t from)
{
    st->log_dirty = true;
    if (from < st->inv_low[node])
        st->inv_low[node] = from < 0 ? 0 : from;
}

static int64_t last_epoch(struct model_state *st, int node)
{
    int64_t end = log_end(st, node);

    return end > 0 ? store_log_at(log_of(st, node), end - 1)->epoch : 0;
}

/* The largest epoch at or below e among the log's entries, or 0. */
static int64_t epoch_at_or_below(struct model_state *st, int node, int64_t e)
{
    const struct store *s = log_of(st, node);

    for (int64_t o = store_log_end(s) - 1; o >= 0; o--)
        if (store_log_at(s, o)->epoch <= e)
            return store_log_at(s, o)->epoch;
    return 0;
}

/* Where epoch e ends in the log: the first offset holding a later epoch, or the log end. */
static int64_t end_of_epoch(struct model_state *st, int node, int64_t e)
{
    const struct store *s = log_of(st, node);
    int64_t o = store_log_end(s);

    while (o > 0 && store_log_at(s, o - 1)->epoch > e)
        o--;
    return o;
}

static int64_t visible_end(struct model_state *st, int node)
{
    if (model_pnum(st->ctx, P_VISIBLE) == VISIBLE_LOG)
        return log_end(st, node);
    return st->nodes[node].hw;
}

static void names_of(const struct model_state *st, uint64_t mask, char *dst, size_t size)
{
    dst[0] = '\0';
    for (int i = 0; i < st->n; i++)
        if (mask & nodemask_bit(i))
            util_appendf(dst, size, "%sn%d", dst[0] ? "," : "", i + 1);
    if (!dst[0])
        util_strlcpy(dst, "-", size);
}

static void cancel(struct model_state *st, uint64_t *id)
{
    if (*id)
        model_timer_cancel(st->ctx, *id);
    *id = 0;
}

static void note_leader(struct model_state *st, int node, int64_t epoch)
{
    for (int i = 0; i < st->n_epochs; i++) {
        if (st->epochs[i].epoch == epoch) {
            st->epochs[i].leaders |= nodemask_bit(node);
            return;
        }
    }
    /* Past the bound the record stops growing; it only feeds predicates. */
    if (st->n_epochs < LEADER_MAX_EPOCHS) {
        st->epochs[st->n_epochs].epoch = epoch;
        st->epochs[st->n_epochs].leaders = nodemask_bit(node);
        st->n_epochs++;
    }
}

static void trace_role(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    if (ln->role == R_FOLLOWER && ln->leader >= 0)
        model_trace(st->ctx, TRACE_ROLE, node, ln->leader, ln->epoch, 0, role_names[ln->role],
                    "follows n%d in epoch %lld", ln->leader + 1, (long long)ln->epoch);
    else if (ln->role == R_FOLLOWER)
        model_trace(st->ctx, TRACE_ROLE, node, -1, ln->epoch, 0, role_names[ln->role],
                    "follower in epoch %lld, no leader known", (long long)ln->epoch);
    else
        model_trace_as(st->ctx, TRACE_ROLE, ln->role == R_LEADER ? TRACE_SUB_LEADS : TRACE_SUB_NONE,
                       node, -1, ln->epoch, 0, role_names[ln->role], "%s of epoch %lld",
                       role_names[ln->role], (long long)ln->epoch);
}

/* ---- replies to clients ---- */

static void reply(struct model_state *st, int node, const struct op_req *req, enum reply_kind kind,
                  const char *reason, const struct op_values *vals, int64_t pos, const char *detail)
{
    struct op_reply rep;

    op_reply_init(&rep, kind, reason, vals, detail);
    rep.pos = pos;
    /* A write that failed for want of a (reachable, current) leader may be sent again. */
    rep.retriable =
        kind == REPLY_FAIL && req->kind == OP_PUT && reason &&
        (strncmp(reason, "not leader", 10) == 0 || strncmp(reason, "fenced", 6) == 0 ||
         strncmp(reason, "offline", 7) == 0 || strcmp(reason, "not enough replicas") == 0);
    model_reply(st->ctx, node, req, &rep);
}

static void redirect_or_fail(struct model_state *st, int node, const struct op_req *req)
{
    struct lnode *ln = &st->nodes[node];
    struct op_reply rep;

    if (ln->role == R_FOLLOWER && ln->leader < 0 && ln->offline) {
        reply(st, node, req, REPLY_FAIL,
              "offline: no in-sync replica alive; unclean elections are off", NULL, -1, NULL);
        return;
    }
    if (model_pnum(st->ctx, P_NOT_LEADER) == NOT_LEADER_FAIL) {
        reply(st, node, req, REPLY_FAIL, "not leader", NULL, -1, NULL);
        return;
    }
    op_reply_init(&rep, REPLY_REDIRECT, NULL, NULL, NULL);
    rep.redirect = ln->role == R_FOLLOWER ? ln->leader : -1;
    util_strlcpy(rep.reason, rep.redirect >= 0 ? "not leader" : "not leader: no leader known",
                 sizeof(rep.reason));
    model_reply(st->ctx, node, req, &rep);
}

static void fail_pending(struct model_state *st, int node, const char *reason)
{
    struct lnode *ln = &st->nodes[node];

    for (int i = 0; i < LEADER_MAX_PENDING; i++) {
        struct pending *p = &ln->pending[i];
        if (!p->used)
            continue;
        cancel(st, &p->timer);
        reply(st, node, &p->req, REPLY_FAIL, reason, NULL, -1, NULL);
        p->used = false;
        ln->n_pending--;
    }
}

/* ---- reads ---- */

static void read_value(struct model_state *st, int node, const char *key, struct op_values *out)
{
    const struct store *s = log_of(st, node);
    int64_t end = visible_end(st, node);

    memset(out, 0, sizeof(*out));
    if (end > store_log_end(s))
        end = store_log_end(s);
    for (int64_t o = end - 1; o >= 0; o--) {
        const struct store_entry *e = store_log_at(s, o);
        if (strcmp(e->key, key) == 0) {
            /* Invariant: a committed read never returns an entry at or above the hw. */
            assert(model_pnum(st->ctx, P_VISIBLE) == VISIBLE_LOG || o < st->nodes[node].hw);
            op_values_add(out, e->value);
            return;
        }
    }
}

static void answer_read(struct model_state *st, int node, const struct op_req *req)
{
    struct op_values vals;
    char detail[HISTORY_DETAIL_MAX];
    int64_t end = visible_end(st, node);

    read_value(st, node, req->key, &vals);
    snprintf(detail, sizeof(detail), "read at n%d, log below %lld", node + 1, (long long)end);
    reply(st, node, req, REPLY_OK, NULL, &vals, end, detail);
}

/* Answers the reads that waited for this node to reach their session position. */
static void serve_reads(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    for (int i = 0; i < LEADER_MAX_READS; i++) {
        struct read_wait *r = &ln->reads[i];
        if (r->used && visible_end(st, node) >= r->req.session_pos) {
            r->used = false;
            answer_read(st, node, &r->req);
        }
    }
}

/* ---- commit bookkeeping on the leader ---- */

static int acks_needed(const struct model_state *st)
{
    const struct param_value *a = model_param(st->ctx, P_ACKS);
    int k;

    if (a->choice == ACKS_ALL)
        return -1; /* all: the ISR decides */
    k = a->choice == ACKS_MAJORITY ? majority(st) : (int)a->num;
    return k > st->n ? st->n : k;
}

static int replicas_with(struct model_state *st, int node, int64_t offset)
{
    struct lnode *ln = &st->nodes[node];
    int c = log_end(st, node) > offset;

    for (int f = 0; f < st->n; f++)
        if (f != node && ln->prog[f].match > offset)
            c++;
    return c;
}

/* The ISR the high watermark waits for: the committed one plus any change still in flight
 * (Kafka's "maximal ISR", KIP-497), so a shrink counts only once the controller accepted it. */
static uint64_t hw_isr(const struct model_state *st, int node)
{
    const struct lnode *ln = &st->nodes[node];

    return ln->isr | (ln->prop_live ? ln->prop_isr : 0) | nodemask_bit(node);
}

static void note_acked(struct model_state *st, const struct op_req *req, int64_t offset,
                       int64_t epoch)
{
    if (st->n_acked < LEADER_MAX_ACKED)
        st->acked[st->n_acked++] = (struct acked_rec){req->op_id, offset, epoch};
}

/* What let an acknowledgement rest on fewer than a majority, for the lost-writes cause. */
static void ack_cause(struct model_state *st, int node, int k, char *dst, size_t size)
{
    if (k < 0 && nodemask_count(hw_isr(st, node)) < majority(st)) {
        char names[200];
        names_of(st, hw_isr(st, node), names, sizeof(names));
        util_appendf(dst, size, ", isr %s: allowed by min_insync=%lld", names,
                     (long long)model_pnum(st->ctx, P_MIN_INSYNC));
    } else if (k > 0 && k < majority(st)) {
        util_appendf(dst, size, ", allowed by acks=%d", k);
    }
}

/* Writes v in decimal at dst; returns how many characters (at most 20). */
static size_t put_i64(char *dst, int64_t v)
{
    char tmp[20];
    size_t n = 0, len = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        dst[len++] = '-';
    while (n > 0)
        dst[len++] = tmp[--n];
    return len;
}

/* "offset O epoch E", what snprintf would write, without its cost (once per acknowledged
 * write). */
static void fmt_offset_epoch(char *dst, int64_t offset, int64_t epoch)
{
    size_t len = 0;

    memcpy(dst, "offset ", 7);
    len = 7 + put_i64(dst + 7, offset);
    memcpy(dst + len, " epoch ", 7);
    len += 7;
    len += put_i64(dst + len, epoch);
    dst[len] = '\0';
}
_Static_assert(HISTORY_DETAIL_MAX >= sizeof("offset  epoch ") + 2 * 20, "room for two numbers");

static void complete_pending(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    int k = acks_needed(st), left = ln->n_pending;

    for (int i = 0; i < LEADER_MAX_PENDING && left > 0; i++) {
        struct pending *p = &ln->pending[i];
        char detail[HISTORY_DETAIL_MAX];
        bool done;
        if (!p->used)
            continue;
        left--;
        /* What is acknowledged is what a read at the leader sees: below the hw. */
        done = ln->hw > p->offset && (k < 0 || replicas_with(st, node, p->offset) >= k);
        if (!done)
            continue;
        fmt_offset_epoch(detail, p->offset, ln->epoch);
        ack_cause(st, node, k, detail, sizeof(detail));
        if (k < 0 || k >= majority(st))
            note_acked(st, &p->req, p->offset, ln->epoch);
        cancel(st, &p->timer);
        p->used = false;
        ln->n_pending--;
        reply(st, node, &p->req, REPLY_OK, NULL, NULL, p->offset + 1, detail);
    }
}

static void set_hw(struct model_state *st, int node, int64_t hw)
{
    struct lnode *ln = &st->nodes[node];

    if (hw == ln->hw)
        return;
    ln->hw = hw;
    model_trace(st->ctx, TRACE_COMMIT, node, -1, hw, ln->epoch, "hw", "high watermark %lld",
                (long long)hw);
    serve_reads(st, node);
}

/*
 * Where the high watermark could go, by the rule the acknowledgements use. acks all (and 0
 * and 1, which acknowledge without it): Kafka's smallest log end among the ISR members,
 * while the ISR is big enough to commit. acks K or majority: the K-th largest log end, the
 * leader's included -- Raft's commit rule, so that what was acknowledged is what is read.
 */
static int64_t hw_candidate(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    int64_t end = log_end(st, node), v[NET_MAX_NODES];
    int k = acks_needed(st), c = 0;
    uint64_t isr = hw_isr(st, node);

    if (k >= 2) {
        v[c++] = end;
        for (int f = 0; f < st->n; f++)
            if (f != node)
                v[c++] = ln->prog[f].match < end ? ln->prog[f].match : end;
        /* A partial selection sort: the k largest first. */
        for (int i = 0; i < k && i < c; i++)
            for (int j = i + 1; j < c; j++)
                if (v[j] > v[i]) {
                    int64_t t = v[i];
                    v[i] = v[j];
                    v[j] = t;
                }
        return k <= c ? v[k - 1] : -1;
    }
    if (nodemask_count(isr) < model_pnum(st->ctx, P_MIN_INSYNC))
        return -1;
    for (int f = 0; f < st->n; f++)
        if (f != node && (isr & nodemask_bit(f)) && ln->prog[f].match < end)
            end = ln->prog[f].match;
    return end;
}

/*
 * Moves the leader's hw forward. Raft's rule (section 5.4.2, "Figure 8"), which Kafka keeps
 * with its leader-epoch start offset: a new leader commits the entries it inherited only by
 * committing an entry of its own epoch, the epoch-start marker at epoch_start, never by
 * counting copies of the older entries.
 */
static void advance_hw(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    int64_t m = hw_candidate(st, node);

    if (m > ln->hw && m > ln->epoch_start)
        set_hw(st, node, m);
    complete_pending(st, node);
}

/* ---- role changes ---- */

static void propose_isr(struct model_state *st, int node);
static bool isr_newer(int64_t e1, uint64_t s1, int64_t e2, uint64_t s2);

/*
 * Arms the election timer: base plus a random part up to election_timeout. A follower that
 * promised a leader its lease may not stand before the lease is out, so the lease only moves
 * the earliest moment; the random part stays, so followers that waited out the same lease do
 * not all stand at once. A candidate retrying after a split vote promised nobody.
 */
static void arm_timer(struct model_state *st, int node, int64_t base_us, bool lease)
{
    struct lnode *ln = &st->nodes[node];
    int64_t t = model_pnum(st->ctx, P_ELECTION_TIMEOUT);
    int64_t d = sim_rng_range(model_rng(st->ctx), 0, t);

    d += lease && model_pnum(st->ctx, P_LEASE) > base_us ? model_pnum(st->ctx, P_LEASE) : base_us;
    cancel(st, &ln->elect_timer);
    ln->elect_timer = model_timer(st->ctx, node, T_ELECTION, "election", d, 0);
}

static void arm_election(struct model_state *st, int node, int64_t base_us)
{
    arm_timer(st, node, base_us, true);
}

static void arm_fetch(struct model_state *st, int node, int64_t delay_us)
{
    struct lnode *ln = &st->nodes[node];

    cancel(st, &ln->fetch_timer);
    ln->fetch_timer = model_timer(st->ctx, node, T_FETCH, "fetch", delay_us, 0);
}

static void send_fetch(struct model_state *st, int node, bool idle)
{
    struct lnode *ln = &st->nodes[node];
    struct fetch_body b;

    if (ln->role != R_FOLLOWER || ln->leader < 0)
        return;
    memset(&b, 0, sizeof(b));
    b.epoch = ln->epoch;
    b.offset = log_end(st, node);
    b.last_epoch = last_epoch(st, node);
    b.hw = ln->hw;
    b.echo_us = ln->resp_stamp_us;
    b.session = ln->session;
    b.seq = ++ln->fetch_seq;
    ln->fetch_waiting = true;
    ln->fetch_sent_us = now_us(st, node);
    model_send(st->ctx, node, ln->leader, M_FETCH, idle, &b, sizeof(b), "fetch @%lld",
               (long long)b.offset);
}

static void send_epoch_msg(struct model_state *st, int from, int to, int type, bool idle)
{
    struct lnode *ln = &st->nodes[from];
    struct epoch_body b;

    memset(&b, 0, sizeof(b));
    b.epoch = ln->epoch;
    b.leader = ln->role == R_LEADER ? from : ln->leader;
    model_send(st->ctx, from, to, type, idle, &b, sizeof(b), "%s e%lld", msg_names[type],
               (long long)b.epoch);
}

static void become_follower(struct model_state *st, int node, int leader)
{
    struct lnode *ln = &st->nodes[node];
    bool changed = ln->role != R_FOLLOWER || ln->leader != leader;

    cancel(st, &ln->tick_timer);
    ln->role = R_FOLLOWER;
    ln->leader = leader;
    ln->fallback = false;
    ln->fetch_waiting = false;
    if (leader >= 0)
        ln->offline = false;
    ln->last_heard_us = now_us(st, node);
    if (changed)
        trace_role(st, node);
    arm_election(st, node, model_pnum(st->ctx, P_ELECTION_TIMEOUT));
    if (leader >= 0) {
        send_fetch(st, node, false);
        arm_fetch(st, node, model_pnum(st->ctx, P_FETCH_INTERVAL));
    } else {
        cancel(st, &ln->fetch_timer);
    }
}

/* A leader learns it was replaced: the writes it held fail with reason. */
static void step_down(struct model_state *st, int node, int new_leader, const char *reason)
{
    struct lnode *ln = &st->nodes[node];

    if (ln->role == R_LEADER)
        fail_pending(st, node, reason);
    become_follower(st, node, new_leader);
}

static void adopt_epoch(struct model_state *st, int node, int64_t epoch)
{
    struct lnode *ln = &st->nodes[node];

    if (epoch > ln->epoch) {
        ln->epoch = epoch;
        ln->voted_for = -1;
        /* Whoever led the old epoch does not lead this one: until the new leader makes
         * itself known, a follower knows no leader (and redirects nobody to a corpse). */
        if (ln->role != R_LEADER)
            ln->leader = -1;
    }
}

static void arm_tick(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    cancel(st, &ln->tick_timer);
    ln->tick_timer =
        model_timer(st->ctx, node, T_TICK, "tick", model_pnum(st->ctx, P_FETCH_INTERVAL), 0);
}

/*
 * An election that gave the epoch to a replica outside the ISR it knows of, or (with unclean
 * on) to one whose log is shorter than the old leader's last log end it heard of: the new
 * leader's log wins, and whatever it lacks is gone. Its own trace event, with what it lacks.
 */
static bool note_unclean(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    int64_t end = log_end(st, node);
    char names[200];

    if ((ln->isr_known & nodemask_bit(node)) &&
        (!model_pnum(st->ctx, P_UNCLEAN) || ln->leader_leo <= end))
        return false;
    names_of(st, ln->isr_known, names, sizeof(names));
    if (ln->leader_leo > end)
        model_trace_as(
            st->ctx, TRACE_NOTE, TRACE_SUB_UNCLEAN, node, -1, end, ln->leader_leo,
            trace_sub_name(TRACE_SUB_UNCLEAN),
            "unclean election: n%d leads epoch %lld outside the ISR %s; it lacks offsets "
            "%lld..%lld",
            node + 1, (long long)ln->epoch, names, (long long)end, (long long)ln->leader_leo - 1);
    else
        model_trace_as(st->ctx, TRACE_NOTE, TRACE_SUB_UNCLEAN, node, -1, end, ln->leader_leo,
                       trace_sub_name(TRACE_SUB_UNCLEAN),
                       "unclean election: n%d leads epoch %lld outside the ISR %s; it lacks any "
                       "entry from offset %lld it never fetched",
                       node + 1, (long long)ln->epoch, names, (long long)end);
    st->unclean = true;
    return true;
}

/* Raft's no-op: the first entry of a new leader's epoch, which commits what it inherited. */
static void append_marker(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    struct store_entry e;
    int64_t off;

    memset(&e, 0, sizeof(e));
    e.epoch = ln->epoch;
    e.ts_us = model_phys(st->ctx, node);
    off = store_log_append(log_of(st, node), &e);
    if (off < 0)
        return;
    log_changed(st, node, off);
    model_trace(st->ctx, TRACE_APPEND, node, -1, off, e.epoch, "append", "epoch %lld starts",
                (long long)e.epoch);
}

static void become_leader(struct model_state *st, int node, bool announce)
{
    struct lnode *ln = &st->nodes[node];
    int64_t now = now_us(st, node);

    cancel(st, &ln->elect_timer);
    cancel(st, &ln->fetch_timer);
    ln->unclean = announce && note_unclean(st, node);
    ln->role = R_LEADER;
    ln->leader = node;
    ln->fallback = false;
    ln->offline = false;
    ln->epoch_start = log_end(st, node);
    ln->inherited_end = 0;
    if (announce) {
        append_marker(st, node);
        ln->inherited_end = log_end(st, node);
    }
    if (ln->unclean) {
        /* As Kafka's controller does at an unclean election: the ISR is the new leader. */
        ln->isr_known = nodemask_bit(node);
        ln->isr_epoch = ln->epoch;
        ln->isr_seq = 0;
    }
    ln->isr = ln->isr_known ? ln->isr_known : nodemask_all(st->n);
    ln->want_isr = ln->isr | nodemask_bit(node);
    ln->prop_live = false;
    ln->prop_seq = 0;
    ln->refused_by = 0;
    for (int f = 0; f < st->n; f++) {
        struct prog *p = &ln->prog[f];
        memset(p, 0, sizeof(*p));
        p->last_fetch_us = now;
        p->caught_up_us = now;
        p->prev_fetch_us = now;
        p->lease_base_us = now - model_pnum(st->ctx, P_LEASE) - 1;
        p->begin_sent_us = now;
    }
    note_leader(st, node, ln->epoch);
    trace_role(st, node);
    if (announce)
        for (int f = 0; f < st->n; f++)
            if (f != node)
                send_epoch_msg(st, node, f, M_BEGIN, false);
    arm_tick(st, node);
    propose_isr(st, node);
    advance_hw(st, node);
}

/* ---- elections ---- */

static bool may_stand(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    return model_pnum(st->ctx, P_UNCLEAN) || (ln->isr_known & nodemask_bit(node));
}

static void send_vote_reqs(struct model_state *st, int node, bool pre)
{
    struct lnode *ln = &st->nodes[node];
    struct vote_req_body b;

    memset(&b, 0, sizeof(b));
    b.epoch = pre ? ln->epoch + 1 : ln->epoch;
    b.log_end = log_end(st, node);
    b.last_epoch = last_epoch(st, node);
    b.round = ln->round;
    b.isr = ln->isr_known;
    b.isr_epoch = ln->isr_epoch;
    b.isr_seq = ln->isr_seq;
    b.pre = pre;
    for (int f = 0; f < st->n; f++)
        if (f != node)
            model_send(st->ctx, node, f, M_VOTE_REQ, false, &b, sizeof(b), "%svote? e%lld",
                       pre ? "pre" : "", (long long)b.epoch);
}

static void start_vote(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    ln->epoch++;
    ln->voted_for = node;
    ln->role = R_CANDIDATE;
    ln->leader = -1;
    ln->round++;
    ln->votes = nodemask_bit(node);
    trace_role(st, node);
    arm_timer(st, node, model_pnum(st->ctx, P_ELECTION_TIMEOUT), false);
    if (nodemask_count(ln->votes) >= majority(st)) {
        become_leader(st, node, true);
        return;
    }
    send_vote_reqs(st, node, false);
}

static void start_prevote(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    cancel(st, &ln->fetch_timer);
    ln->role = R_PRECANDIDATE;
    ln->leader = -1;
    ln->round++;
    ln->votes = nodemask_bit(node);
    trace_role(st, node);
    arm_timer(st, node, model_pnum(st->ctx, P_ELECTION_TIMEOUT), false);
    if (nodemask_count(ln->votes) >= majority(st)) {
        start_vote(st, node);
        return;
    }
    send_vote_reqs(st, node, true);
}

static void on_election_timer(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    char why[96];

    ln->elect_timer = 0;
    if (ln->role == R_LEADER)
        return;
    if (ln->role == R_FOLLOWER) {
        char d[24];
        util_fmt_duration(d, sizeof(d), now_us(st, node) - ln->last_heard_us);
        if (ln->leader >= 0)
            snprintf(why, sizeof(why), "no fetch response from leader n%d for %s", ln->leader + 1,
                     d);
        else
            snprintf(why, sizeof(why), "no leader known for %s", d);
        model_suspect(st->ctx, node, ln->leader, why);
    }
    if (!may_stand(st, node)) {
        char names[200];
        names_of(st, ln->isr_known, names, sizeof(names));
        if (!ln->offline)
            model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "offline",
                        "offline: no leader, and not in the ISR %s (unclean off)", names);
        ln->offline = true;
        /* The leader it suspects is no one to send clients to; a live leader's `begin`,
         * repeated to silent nodes, brings it back. */
        if (ln->role != R_FOLLOWER || ln->leader >= 0) {
            become_follower(st, node, -1);
            ln->offline = true;
        } else {
            arm_election(st, node, model_pnum(st->ctx, P_ELECTION_TIMEOUT));
        }
        return;
    }
    if (model_pnum(st->ctx, P_ELECTION) == ELECTION_NAIVE) {
        /* Naive: no votes, no quorum — the follower simply takes over. */
        ln->epoch++;
        ln->voted_for = node;
        become_leader(st, node, true);
        return;
    }
    start_prevote(st, node);
}

static bool log_ok(struct model_state *st, int voter, int cand, const struct vote_req_body *b)
{
    struct lnode *ln = &st->nodes[voter];
    int64_t my_last = last_epoch(st, voter);

    uint64_t isr = ln->isr_known;

    if (model_pnum(st->ctx, P_UNCLEAN))
        return true;
    /* Judge by the newer of the two committed ISRs the voter and the candidate know. */
    if (isr_newer(b->isr_epoch, b->isr_seq, ln->isr_epoch, ln->isr_seq))
        isr = b->isr;
    if (isr && !(isr & nodemask_bit(cand)))
        return false;
    if (b->last_epoch != my_last)
        return b->last_epoch > my_last;
    return b->log_end >= log_end(st, voter);
}

static void on_vote_req(struct model_state *st, int node, int from, const struct vote_req_body *b)
{
    struct lnode *ln = &st->nodes[node];
    int64_t quiet = model_pnum(st->ctx, P_ELECTION_TIMEOUT);
    bool sticky, granted = false;
    struct vote_body r;

    if (model_pnum(st->ctx, P_LEASE) > quiet)
        quiet = model_pnum(st->ctx, P_LEASE);
    /* Raft's leader stickiness: while a leader is heard from, nobody else gets a vote. */
    sticky = ln->role == R_LEADER || (ln->role == R_FOLLOWER && ln->leader >= 0 &&
                                      now_us(st, node) - ln->last_heard_us < quiet);
    if (!sticky) {
        if (b->pre) {
            granted = b->epoch > ln->epoch && log_ok(st, node, from, b);
        } else {
            if (b->epoch > ln->epoch) {
                adopt_epoch(st, node, b->epoch);
                if (ln->role != R_FOLLOWER)
                    become_follower(st, node, -1);
            }
            granted = b->epoch == ln->epoch && (ln->voted_for < 0 || ln->voted_for == from) &&
                      log_ok(st, node, from, b);
            if (granted) {
                ln->voted_for = from;
                arm_election(st, node, model_pnum(st->ctx, P_ELECTION_TIMEOUT));
            }
        }
    }
    memset(&r, 0, sizeof(r));
    r.epoch = ln->epoch;
    r.round = b->round;
    r.granted = granted;
    r.pre = b->pre;
    r.leader = ln->role == R_LEADER ? node : (ln->role == R_FOLLOWER ? ln->leader : -1);
    r.isr = ln->isr_known;
    r.isr_epoch = ln->isr_epoch;
    r.isr_seq = ln->isr_seq;
    model_send(st->ctx, node, from, M_VOTE, false, &r, sizeof(r), "%s%s e%lld", b->pre ? "pre" : "",
               granted ? "yes" : "no", (long long)b->epoch);
}

static void on_vote(struct model_state *st, int node, int from, const struct vote_body *b)
{
    struct lnode *ln = &st->nodes[node];

    if (ln->role != R_PRECANDIDATE && ln->role != R_CANDIDATE)
        return;
    /* A voter that knows a newer committed ISR teaches it: a candidate outside it stops
     * standing at its next timeout (and, if nobody may, the partition is offline). */
    if (isr_newer(b->isr_epoch, b->isr_seq, ln->isr_epoch, ln->isr_seq)) {
        ln->isr_known = b->isr;
        ln->isr_epoch = b->isr_epoch;
        ln->isr_seq = b->isr_seq;
    }
    if (b->epoch > ln->epoch && (!b->pre || !b->granted)) {
        adopt_epoch(st, node, b->epoch);
        become_follower(st, node, b->leader != node ? b->leader : -1);
        return;
    }
    if (!b->granted) {
        if (b->leader >= 0 && b->leader != node && b->epoch >= ln->epoch) {
            /* The voter knows a live leader: follow it instead of standing. */
            adopt_epoch(st, node, b->epoch);
            become_follower(st, node, b->leader);
        }
        return;
    }
    if (b->round != ln->round || (bool)b->pre != (ln->role == R_PRECANDIDATE))
        return;
    ln->votes |= nodemask_bit(from);
    if (nodemask_count(ln->votes) < majority(st))
        return;
    if (ln->role == R_PRECANDIDATE)
        start_vote(st, node);
    else
        become_leader(st, node, true);
}

/* ---- replication: the leader's side ---- */

/* ---- the ISR and its controller quorum (Kafka's AlterPartition) ---- */

static bool isr_newer(int64_t e1, uint64_t s1, int64_t e2, uint64_t s2)
{
    return e1 > e2 || (e1 == e2 && s1 > s2);
}

static void send_alter(struct model_state *st, int node, bool idle)
{
    struct lnode *ln = &st->nodes[node];
    struct alter_body b;
    char names[200];

    memset(&b, 0, sizeof(b));
    b.epoch = ln->epoch;
    b.isr = ln->prop_isr;
    b.seq = ln->prop_seq;
    names_of(st, b.isr, names, sizeof(names));
    ln->prop_sent_us = now_us(st, node);
    for (int f = 0; f < st->n; f++)
        if (f != node && !(ln->prop_acks & nodemask_bit(f)))
            model_send(st->ctx, node, f, M_ALTER_ISR, idle, &b, sizeof(b), "isr {%s}? e%lld #%llu",
                       names, (long long)b.epoch, (unsigned long long)b.seq);
}

/* A majority of the controller quorum accepted the proposal in this epoch: it is the ISR now. */
static void commit_isr(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    char names[200], voters[200];

    ln->isr = ln->prop_isr;
    ln->isr_known = ln->isr;
    ln->isr_epoch = ln->epoch;
    ln->isr_seq = ln->prop_seq;
    ln->prop_live = false;
    names_of(st, ln->isr, names, sizeof(names));
    names_of(st, ln->prop_acks, voters, sizeof(voters));
    model_trace(st->ctx, TRACE_NOTE, node, -1, nodemask_count(ln->isr), ln->epoch, "isr",
                "ISR is now %s: the controller quorum (%s) accepted it in epoch %lld", names,
                voters, (long long)ln->epoch);
    if (acks_needed(st) < 0 && nodemask_count(ln->isr) < model_pnum(st->ctx, P_MIN_INSYNC))
        fail_pending(st, node, "not enough replicas");
    advance_hw(st, node);
    propose_isr(st, node);
}

/*
 * The leader asks the controller quorum to make want_isr the ISR, when it differs from the
 * committed one and is not already asked for. Until a majority of the cluster accepts it in
 * the leader's current epoch, the high watermark still waits for the committed ISR.
 */
static void propose_isr(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    char names[200];

    /* One change in flight at a time, as Kafka's AlterPartition: the next waits for it. */
    if (ln->prop_live || ln->want_isr == ln->isr)
        return;
    ln->prop_live = true;
    ln->prop_isr = ln->want_isr;
    ln->prop_seq++;
    ln->prop_acks = nodemask_bit(node);
    names_of(st, ln->prop_isr, names, sizeof(names));
    model_trace(st->ctx, TRACE_NOTE, node, -1, nodemask_count(ln->prop_isr), ln->epoch,
                "isr_propose", "asks the controller quorum for ISR %s in epoch %lld", names,
                (long long)ln->epoch);
    if (nodemask_count(ln->prop_acks) >= majority(st)) {
        commit_isr(st, node);
        return;
    }
    send_alter(st, node, false);
}

/* A controller voter: accepts an ISR change only from the leader of its current epoch. */
static void on_alter_isr(struct model_state *st, int node, int from, const struct alter_body *b)
{
    struct lnode *ln = &st->nodes[node];
    struct alter_resp_body r;

    memset(&r, 0, sizeof(r));
    r.seq = b->seq;
    if (b->epoch > ln->epoch && (ln->role != R_LEADER || fencing(st))) {
        char why[80];
        adopt_epoch(st, node, b->epoch);
        snprintf(why, sizeof(why), "fenced: epoch %lld is newer", (long long)b->epoch);
        step_down(st, node, from, why);
    }
    if (b->epoch == ln->epoch) {
        if (isr_newer(b->epoch, b->seq, ln->isr_epoch, ln->isr_seq)) {
            ln->isr_known = b->isr;
            ln->isr_epoch = b->epoch;
            ln->isr_seq = b->seq;
        }
        r.accepted = ln->isr_epoch == b->epoch && ln->isr_seq == b->seq;
    }
    r.epoch = ln->epoch;
    r.leader = ln->role == R_LEADER ? node : ln->leader;
    model_send(st->ctx, node, from, M_ALTER_ISR_RESP, false, &r, sizeof(r), "%s e%lld #%llu",
               r.accepted             ? "isr ok"
               : b->epoch < ln->epoch ? "isr fenced"
                                      : "isr stale",
               (long long)r.epoch, (unsigned long long)r.seq);
}

static void on_alter_isr_resp(struct model_state *st, int node, int from,
                              const struct alter_resp_body *b)
{
    struct lnode *ln = &st->nodes[node];

    if (ln->role != R_LEADER)
        return;
    if (b->epoch > ln->epoch) {
        char why[120];
        snprintf(why, sizeof(why), "fenced by the controller: epoch %lld is newer",
                 (long long)b->epoch);
        model_trace(st->ctx, TRACE_NOTE, node, from, b->epoch, ln->epoch, "isr_fenced",
                    "n%d refuses its ISR change: epoch %lld is stale, n%d is in epoch %lld",
                    from + 1, (long long)ln->epoch, from + 1, (long long)b->epoch);
        /* With fencing off the stale leader is refused but not told to go: it keeps believing
         * it leads, with an ISR it can never shrink, until check-quorum. */
        if (fencing(st)) {
            adopt_epoch(st, node, b->epoch);
            step_down(st, node, b->leader != node ? b->leader : -1, why);
        } else if (b->epoch > ln->refused_by) {
            ln->refused_by = b->epoch;
        }
        return;
    }
    if (!ln->prop_live || b->seq != ln->prop_seq || !b->accepted || b->epoch != ln->epoch)
        return;
    ln->prop_acks |= nodemask_bit(from);
    if (nodemask_count(ln->prop_acks) >= majority(st))
        commit_isr(st, node);
}

static void on_fetch(struct model_state *st, int node, int from, const struct fetch_body *b)
{
    struct lnode *ln = &st->nodes[node];
    struct fetch_resp_body r;
    struct prog *p = &ln->prog[from];
    int64_t now = now_us(st, node), end;
    size_t len;
    bool idle;

    if (ln->role != R_LEADER) {
        send_epoch_msg(st, node, from, M_NOT_LEADER, true);
        return;
    }
    if (fencing(st) && b->epoch > ln->epoch) {
        char why[80];
        adopt_epoch(st, node, b->epoch);
        snprintf(why, sizeof(why), "fenced: epoch %lld is newer", (long long)b->epoch);
        step_down(st, node, -1, why);
        return;
    }
    if (b->session == p->session && b->seq <= p->last_seq) {
        model_trace(st->ctx, TRACE_NOTE, node, from, (int64_t)b->seq, (int64_t)p->last_seq, "stale",
                    "ignores fetch #%llu from n%d: it already answered #%llu (a duplicate or a "
                    "late copy)",
                    (unsigned long long)b->seq, from + 1, (unsigned long long)p->last_seq);
        return;
    }
    p->session = b->session;
    p->last_seq = b->seq;
    end = log_end(st, node);
    memset(&r, 0, sizeof(r));
    r.epoch = ln->epoch;
    r.stamp_us = now;
    r.start = b->offset;
    r.session = b->session;
    r.seq = b->seq;
    r.leo = end;
    r.unclean = ln->unclean;
    r.isr_epoch = ln->isr_epoch;
    r.isr_seq = ln->isr_seq;
    if (b->offset > 0) {
        int64_t e = epoch_at_or_below(st, node, b->last_epoch);
        int64_t e_end = end_of_epoch(st, node, e);
        if (e != b->last_epoch || e_end < b->offset) {
            r.diverge = 1;
            r.div_epoch = e;
            r.div_end = e_end;
            r.hw = ln->hw;
            r.isr = ln->isr;
            model_send(st->ctx, node, from, M_FETCH_RESP, false, &r,
                       offsetof(struct fetch_resp_body, e), "diverged: epoch %lld ends at %lld",
                       (long long)e, (long long)e_end);
            return;
        }
    }
    /* Progress: the fetch offset is the acknowledgement of everything below it. */
    p->match = b->offset;
    p->fhw = b->hw;
    p->last_fetch_us = now;
    if (b->echo_us > p->lease_base_us)
        p->lease_base_us = b->echo_us;
    if (b->offset >= end)
        p->caught_up_us = now;
    else if (b->offset >= p->leo_at_prev)
        p->caught_up_us = p->prev_fetch_us;
    p->prev_fetch_us = now;
    p->leo_at_prev = end;
    if (!(ln->want_isr & nodemask_bit(from)) && b->offset >= ln->hw &&
        b->offset >= ln->inherited_end && now - p->caught_up_us <= model_pnum(st->ctx, P_LAG_MAX)) {
        char names[200];
        ln->want_isr |= nodemask_bit(from);
        names_of(st, ln->want_isr, names, sizeof(names));
        model_trace(st->ctx, TRACE_NOTE, node, from, nodemask_count(ln->want_isr), 0, "isr_want",
                    "n%d caught up: the ISR should be %s", from + 1, names);
        propose_isr(st, node);
    }
    advance_hw(st, node);
    /* advance_hw may have answered clients, but the log itself is unchanged. */
    r.hw = ln->hw;
    r.isr = ln->isr;
    for (int64_t o = b->offset; o < end && r.n < LEADER_BATCH; o++) {
        const struct store_entry *e = store_log_at(log_of(st, node), o);
        struct wire_entry *w = &r.e[r.n++];
        w->epoch = e->epoch;
        w->op_id = e->op_id;
        w->ts_us = e->ts_us;
        util_strlcpy(w->key, e->key, sizeof(w->key));
        util_strlcpy(w->value, e->value, sizeof(w->value));
    }
    len = offsetof(struct fetch_resp_body, e) + (size_t)r.n * sizeof(struct wire_entry);
    idle = r.n == 0 && r.hw == b->hw;
    if (r.n > 0)
        model_send(st->ctx, node, from, M_FETCH_RESP, idle, &r, len, "%d entries @%lld hw %lld",
                   r.n, (long long)r.start, (long long)r.hw);
    else
        model_send(st->ctx, node, from, M_FETCH_RESP, idle, &r, len, "nothing new, hw %lld",
                   (long long)r.hw);
}

static void on_tick(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    int64_t now = now_us(st, node), et = model_pnum(st->ctx, P_ELECTION_TIMEOUT);
    int64_t lag = model_pnum(st->ctx, P_LAG_MAX), end = log_end(st, node);
    int heard = 1, k = acks_needed(st);
    bool shrank = false;

    ln->tick_timer = 0;
    if (ln->role != R_LEADER)
        return;
    for (int f = 0; f < st->n; f++) {
        struct prog *p = &ln->prog[f];
        if (f == node)
            continue;
        if ((ln->want_isr & nodemask_bit(f)) &&
            now - p->caught_up_us > model_pnum(st->ctx, P_LAG_MAX)) {
            char why[96], d[24], names[200];
            ln->want_isr &= ~nodemask_bit(f);
            shrank = true;
            util_fmt_duration(d, sizeof(d), now - p->caught_up_us);
            snprintf(why, sizeof(why), "ISR: n%d has not caught up for %s", f + 1, d);
            model_suspect(st->ctx, node, f, why);
            names_of(st, ln->want_isr, names, sizeof(names));
            model_trace(st->ctx, TRACE_NOTE, node, f, nodemask_count(ln->want_isr), 0, "isr_want",
                        "n%d lags: the ISR should be %s", f + 1, names);
        }
        if (now - p->last_fetch_us < et)
            heard++;
        if (now - p->last_fetch_us >= lag && now - p->begin_sent_us >= lag) {
            /* A silent node may be a returning old leader: tell it who leads now. */
            p->begin_sent_us = now;
            send_epoch_msg(st, node, f, M_BEGIN, true);
        }
    }
    if (shrank)
        propose_isr(st, node);
    if (ln->role != R_LEADER)
        return;
    if (ln->prop_live && now - ln->prop_sent_us >= lag)
        send_alter(st, node, true);
    advance_hw(st, node);
    if (ln->fallback) {
        bool caught = k < 0 ? ln->hw == end : replicas_with(st, node, end - 1) >= k;
        if (end == 0 || caught) {
            ln->fallback = false;
            model_trace(st->ctx, TRACE_NOTE, node, -1, 0, 0, "sync",
                        "followers caught up: back to synchronous acknowledgements");
        }
    }
    if (model_pnum(st->ctx, P_ELECTION) == ELECTION_MAJORITY &&
        model_pnum(st->ctx, P_CHECK_QUORUM) && heard < majority(st)) {
        char why[160];
        snprintf(why, sizeof(why), "%s",
                 ln->refused_by ? "not leader: the controller fenced it, a newer epoch leads"
                                : "not leader any more: lost contact with a majority");
        model_suspect(st->ctx, node, -1, "check-quorum: no fetch from a majority");
        step_down(st, node, -1, why);
        return;
    }
    arm_tick(st, node);
}

static bool lease_holds(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];
    int64_t now = now_us(st, node), lease = model_pnum(st->ctx, P_LEASE);
    int c = 1;

    /* The leader's clock may run slower than the followers': it trusts less of the lease. */
    lease -= lease * model_pnum(st->ctx, P_LEASE_MARGIN) / 10000;
    for (int f = 0; f < st->n; f++)
        if (f != node && now < ln->prog[f].lease_base_us + lease)
            c++;
    return c >= majority(st);
}

/* ---- replication: the follower's side ---- */

static void truncate_log(struct model_state *st, int node, int64_t to, const char *why)
{
    struct lnode *ln = &st->nodes[node];
    int64_t gone = store_log_truncate(log_of(st, node), to);

    log_changed(st, node, to);
    if (gone > 0)
        model_trace(st->ctx, TRACE_TRUNCATE, node, ln->leader, to, gone, "truncate",
                    "drops %lld entries from offset %lld: %s", (long long)gone, (long long)to, why);
    if (ln->hw > to)
        set_hw(st, node, to);
}

static void on_fetch_resp(struct model_state *st, int node, int from,
                          const struct fetch_resp_body *b)
{
    struct lnode *ln = &st->nodes[node];
    int64_t end;
    int appended = 0;

    if (ln->role != R_FOLLOWER || ln->leader != from) {
        if (fencing(st) && b->epoch < ln->epoch) {
            send_epoch_msg(st, node, from, M_FENCED, false);
        } else if (fencing(st) && b->epoch > ln->epoch && ln->role != R_LEADER) {
            adopt_epoch(st, node, b->epoch);
            become_follower(st, node, from);
        }
        return;
    }
    if (fencing(st) && b->epoch < ln->epoch) {
        send_epoch_msg(st, node, from, M_FENCED, false);
        return;
    }
    end = log_end(st, node);
    /* A response answers one fetch: a duplicate, a late copy or one overtaken by a newer
     * answer is stale, and taking it could move this log back or forth by mistake. */
    if (b->session != ln->session || b->seq <= ln->resp_seq || b->start != end) {
        model_trace(st->ctx, TRACE_NOTE, node, from, (int64_t)b->seq, (int64_t)ln->resp_seq,
                    "stale", "ignores the response to fetch #%llu @%lld: %s",
                    (unsigned long long)b->seq, (long long)b->start,
                    b->session != ln->session ? "it was sent before a restart"
                    : b->seq <= ln->resp_seq  ? "a newer fetch was already answered"
                                              : "the log end has moved since");
        if (b->session == ln->session && b->seq > ln->resp_seq)
            ln->resp_seq = b->seq;
        if (b->seq == ln->fetch_seq)
            ln->fetch_waiting = false;
        return;
    }
    ln->resp_seq = b->seq;
    adopt_epoch(st, node, b->epoch);
    if (b->seq == ln->fetch_seq)
        ln->fetch_waiting = false;
    ln->last_heard_us = now_us(st, node);
    ln->resp_stamp_us = b->stamp_us;
    ln->leader_leo = b->leo;
    if (isr_newer(b->isr_epoch, b->isr_seq, ln->isr_epoch, ln->isr_seq) ||
        (b->isr_epoch == ln->isr_epoch && b->isr_seq == ln->isr_seq)) {
        ln->isr_known = b->isr;
        ln->isr_epoch = b->isr_epoch;
        ln->isr_seq = b->isr_seq;
    }
    arm_election(st, node, model_pnum(st->ctx, P_ELECTION_TIMEOUT));
    if (b->diverge) {
        char why[96];
        int64_t to = end_of_epoch(st, node, b->div_epoch);
        if (b->div_end < to)
            to = b->div_end;
        /* Always make progress, even against a confused (naive) history. */
        if (to >= end)
            to = end > 0 ? end - 1 : 0;
        snprintf(why, sizeof(why), "n%d's epoch %lld ends at %lld", from + 1,
                 (long long)b->div_epoch, (long long)b->div_end);
        if (to < ln->hw) {
            /* Below the high watermark: committed entries go. Only an unclean election may
             * do that; anything else is a bug the invariants catch (or unsafe settings). */
            model_trace(st->ctx, TRACE_NOTE, node, from, ln->hw, to, "hw_back",
                        "high watermark moves back from %lld to %lld: %s", (long long)ln->hw,
                        (long long)to,
                        b->unclean ? "the leader won its epoch in an unclean election (unclean=on)"
                                   : "the settings let a leader lose committed entries");
            st->hw_back_ok[node] = b->unclean != 0;
        }
        truncate_log(st, node, to, why);
        send_fetch(st, node, false);
        return;
    }
    if (b->start == end) {
        for (int i = 0; i < b->n && i < LEADER_BATCH; i++) {
            struct store_entry e;
            int64_t off;
            memset(&e, 0, sizeof(e));
            e.epoch = b->e[i].epoch;
            e.op_id = b->e[i].op_id;
            e.ts_us = b->e[i].ts_us;
            util_strlcpy(e.key, b->e[i].key, sizeof(e.key));
            util_strlcpy(e.value, b->e[i].value, sizeof(e.value));
            off = store_log_append(log_of(st, node), &e);
            if (off < 0)
                break;
            log_changed(st, node, off);
            appended++;
            model_trace(st->ctx, TRACE_APPEND, node, from, off, e.epoch, "append", "%s=%s", e.key,
                        e.value);
        }
    }
    end = log_end(st, node);
    if (b->hw > ln->hw && b->start == end - appended)
        set_hw(st, node, b->hw < end ? b->hw : end);
    serve_reads(st, node);
    if (appended > 0)
        send_fetch(st, node, false);
}

static void on_begin(struct model_state *st, int node, int from, const struct epoch_body *b)
{
    struct lnode *ln = &st->nodes[node];

    if (!fencing(st)) {
        /* A node that believes it leads yields to nobody, and nobody tells a stale leader so;
         * followers still follow the newest epoch they have heard of. */
        if (ln->role == R_LEADER || b->epoch < ln->epoch)
            return;
        adopt_epoch(st, node, b->epoch);
        if (ln->role != R_FOLLOWER || ln->leader != from)
            become_follower(st, node, from);
        return;
    }
    if (b->epoch < ln->epoch) {
        send_epoch_msg(st, node, from, M_FENCED, false);
        return;
    }
    if (b->epoch > ln->epoch) {
        char why[80];
        adopt_epoch(st, node, b->epoch);
        snprintf(why, sizeof(why), "fenced: epoch %lld is newer", (long long)b->epoch);
        step_down(st, node, from, why);
        return;
    }
    if (ln->role != R_LEADER && (ln->role != R_FOLLOWER || ln->leader != from))
        become_follower(st, node, from);
}

static void on_fenced(struct model_state *st, int node, const struct epoch_body *b)
{
    struct lnode *ln = &st->nodes[node];
    char why[80];
    int leader = b->leader != node ? b->leader : -1;

    if (b->epoch <= ln->epoch)
        return;
    adopt_epoch(st, node, b->epoch);
    snprintf(why, sizeof(why), "fenced: epoch %lld is newer", (long long)b->epoch);
    model_suspect(st->ctx, node, -1, why);
    step_down(st, node, leader, why);
}

static void on_not_leader(struct model_state *st, int node, int from, const struct epoch_body *b)
{
    struct lnode *ln = &st->nodes[node];

    if (ln->role != R_FOLLOWER || ln->leader != from)
        return;
    if (b->leader >= 0 && b->leader != node && b->leader != from &&
        (!fencing(st) || b->epoch >= ln->epoch)) {
        adopt_epoch(st, node, b->epoch);
        become_follower(st, node, b->leader);
        return;
    }
    ln->leader = -1;
    ln->fetch_waiting = false;
    cancel(st, &ln->fetch_timer);
    trace_role(st, node);
}

/* ---- model operations ---- */

static struct model_state *leader_create(struct model_ctx *ctx)
{
    struct model_state *st = xcalloc(1, sizeof(*st));

    st->ctx = ctx;
    st->n = model_nodes(ctx);
    st->nodes = xcalloc((size_t)st->n, sizeof(*st->nodes));
    st->inv_agree = xcalloc((size_t)st->n * (size_t)st->n, sizeof(*st->inv_agree));
    return st;
}

static void leader_destroy(struct model_state *st)
{
    if (!st)
        return;
    free(st->nodes);
    free(st->inv_agree);
    free(st);
}

/* The choice enums name the entries of the parameters' choice lists: a list edited out of step
 * with its enum would make every comparison mean another choice. */
static void check_choices(void)
{
    assert(param_choice(params[P_ACKS].choices, "all") == ACKS_ALL);
    assert(param_choice(params[P_ACKS].choices, "majority") == ACKS_MAJORITY);
    assert(param_choice(params[P_READS].choices, "leader") == READS_LEADER);
    assert(param_choice(params[P_READS].choices, "any") == READS_ANY);
    assert(param_choice(params[P_VISIBLE].choices, "committed") == VISIBLE_COMMITTED);
    assert(param_choice(params[P_VISIBLE].choices, "log") == VISIBLE_LOG);
    assert(param_choice(params[P_SESSION].choices, "none") == SESSION_NONE);
    assert(param_choice(params[P_SESSION].choices, "ryw") == SESSION_RYW);
    assert(param_choice(params[P_SESSION].choices, "sticky") == SESSION_STICKY);
    assert(param_choice(params[P_ELECTION].choices, "majority") == ELECTION_MAJORITY);
    assert(param_choice(params[P_ELECTION].choices, "naive") == ELECTION_NAIVE);
    assert(param_choice(params[P_TIMEOUT_CLOCK].choices, "monotonic") == TIMEOUT_MONOTONIC);
    assert(param_choice(params[P_TIMEOUT_CLOCK].choices, "wall") == TIMEOUT_WALL);
    assert(param_choice(params[P_NOT_LEADER].choices, "redirect") == NOT_LEADER_REDIRECT);
    assert(param_choice(params[P_NOT_LEADER].choices, "fail") == NOT_LEADER_FAIL);
}

static void leader_start(struct model_state *st)
{
    check_choices();
    int l = (int)model_pnum(st->ctx, P_LEADER);

    for (int i = 0; i < st->n; i++) {
        struct lnode *ln = &st->nodes[i];
        ln->epoch = 1;
        ln->voted_for = l;
        ln->isr_known = nodemask_all(st->n);
        ln->isr_epoch = 1;
        ln->leader = -1;
        ln->role = R_FOLLOWER;
        ln->session = ++st->next_session;
        st->inv_epoch[i] = 1;
    }
    become_leader(st, l, false);
    for (int i = 0; i < st->n; i++) {
        if (i == l)
            continue;
        become_follower(st, i, l);
    }
}

/* ---- invariants, checked after every event in builds with assertions ---- */

#ifndef NDEBUG
static void broken(const struct model_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void broken(const struct model_state *st, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    fprintf(stderr, "splitbrain: leader invariant broken at event %llu, seed %llu: %s\n",
            (unsigned long long)model_event_no(st->ctx), (unsigned long long)model_seed(st->ctx),
            what);
    abort();
}

/* Log matching: where two logs hold an entry of the same epoch at one offset, they agree on
 * everything up to it. Checked from the highest such offset down. A prefix the pair was found
 * to agree on and that neither log changed since still agrees, so it is not read again. */
static void check_log_matching(struct model_state *st)
{
    const struct store *logs[NET_MAX_NODES];
    int64_t ends[NET_MAX_NODES];

    for (int a = 0; a < st->n; a++) {
        logs[a] = log_of(st, a);
        ends[a] = store_log_end(logs[a]);
    }
    for (int a = 0; a < st->n; a++) {
        for (int b = a + 1; b < st->n; b++) {
            const struct store *sa = logs[a], *sb = logs[b];
            int64_t *agree = &st->inv_agree[a * st->n + b];
            int64_t v = *agree;
            int64_t o = ends[a] < ends[b] ? ends[a] : ends[b];
            if (v == o && st->inv_low[a] >= v && st->inv_low[b] >= v)
                continue; /* nothing new in common, and the common part did not change */
            if (st->inv_low[a] < v)
                v = st->inv_low[a];
            if (st->inv_low[b] < v)
                v = st->inv_low[b];
            if (v > o)
                v = o;
            while (o > v && store_log_at(sa, o - 1)->epoch != store_log_at(sb, o - 1)->epoch)
                o--;
            *agree = o;
            for (int64_t i = v; i < o; i++) {
                const struct store_entry *x = store_log_at(sa, i), *y = store_log_at(sb, i);
                if (x->epoch != y->epoch || x->op_id != y->op_id || strcmp(x->key, y->key) != 0)
                    broken(st,
                           "log matching: n%d and n%d agree at offset %lld (epoch %lld) but "
                           "differ at offset %lld",
                           a + 1, b + 1, (long long)o - 1, (long long)x->epoch, (long long)i);
            }
        }
    }
}

/* Leader completeness: a leader of a later epoch holds every write acknowledged under the safe
 * settings (acks all, min_insync at least a majority, clean elections, fencing). */
static void check_acked(struct model_state *st)
{
    for (int l = 0; l < st->n; l++) {
        const struct lnode *ln = &st->nodes[l];
        const struct store *s = log_of(st, l);
        if (ln->down || ln->role != R_LEADER) {
            st->inv_acked_done[l] = 0;
            continue;
        }
        /* Writes already found in this leader's log stay there unless it changed at or
         * below one of them, or it leads another epoch now. */
        if (ln->epoch != st->inv_acked_epoch[l] || st->inv_low[l] <= st->inv_acked_top[l]) {
            st->inv_acked_done[l] = 0;
            st->inv_acked_epoch[l] = ln->epoch;
            st->inv_acked_top[l] = -1;
        }
        for (int i = st->inv_acked_done[l]; i < st->n_acked; i++) {
            const struct acked_rec *a = &st->acked[i];
            const struct store_entry *e = store_log_at(s, a->offset);
            if (a->epoch >= ln->epoch)
                continue;
            if (a->offset > st->inv_acked_top[l])
                st->inv_acked_top[l] = a->offset;
            if (!e || e->op_id != a->op_id)
                broken(st,
                       "acknowledged write at offset %lld (epoch %lld) is missing from n%d, "
                       "leader of epoch %lld",
                       (long long)a->offset, (long long)a->epoch, l + 1, (long long)ln->epoch);
        }
        st->inv_acked_done[l] = st->n_acked;
    }
}

static void leader_invariants(struct model_state *st)
{
    bool majority_elections, clean, safe;

    /* A guarantee holds for a run only if its settings held all along. */
    st->inv_naive |= model_pnum(st->ctx, P_ELECTION) != ELECTION_MAJORITY;
    st->inv_unclean |= st->inv_naive || model_pnum(st->ctx, P_UNCLEAN) || !fencing(st);
    st->inv_unsafe |= st->inv_unclean || model_pnum(st->ctx, P_SYNC_TIMEOUT) != 0 || st->wiped ||
                      (acks_needed(st) < 0 ? model_pnum(st->ctx, P_MIN_INSYNC) < majority(st)
                                           : acks_needed(st) < majority(st));
    majority_elections = !st->inv_naive;
    clean = !st->inv_unclean;
    safe = !st->inv_unsafe;

    for (int i = 0; i < st->n; i++) {
        struct lnode *ln = &st->nodes[i];
        if (ln->epoch < st->inv_epoch[i])
            broken(st, "n%d's epoch went back from %lld to %lld", i + 1,
                   (long long)st->inv_epoch[i], (long long)ln->epoch);
        st->inv_epoch[i] = ln->epoch;
        if (clean && ln->hw < st->inv_hw[i] && !st->hw_back_ok[i])
            broken(st,
                   "n%d's high watermark went back from %lld to %lld without an unclean "
                   "election",
                   i + 1, (long long)st->inv_hw[i], (long long)ln->hw);
        st->inv_hw[i] = ln->hw;
        st->hw_back_ok[i] = false;
    }
    if (majority_elections) {
        for (int i = 0; i < st->n_epochs; i++)
            if (nodemask_count(st->epochs[i].leaders) > 1)
                broken(st, "two leaders in epoch %lld", (long long)st->epochs[i].epoch);
        if (st->log_dirty)
            check_log_matching(st);
    }
    st->log_dirty = false;
    if (safe)
        check_acked(st);
    for (int i = 0; i < st->n; i++)
        st->inv_low[i] = INT64_MAX;
}
#else
static void leader_invariants(struct model_state *st)
{
    (void)st;
}
#endif

static void leader_message(struct model_state *st, int node, const struct msg *m)
{
    switch ((enum msg_type)m->type) {
    case M_FETCH: {
        struct fetch_body b;
        memcpy(&b, m->body, sizeof(b));
        on_fetch(st, node, m->from, &b);
        break;
    }
    case M_FETCH_RESP: {
        struct fetch_resp_body b;
        memset(&b, 0, sizeof(b));
        memcpy(&b, m->body, m->body_len < sizeof(b) ? m->body_len : sizeof(b));
        on_fetch_resp(st, node, m->from, &b);
        break;
    }
    case M_NOT_LEADER: {
        struct epoch_body b;
        memcpy(&b, m->body, sizeof(b));
        on_not_leader(st, node, m->from, &b);
        break;
    }
    case M_VOTE_REQ: {
        struct vote_req_body b;
        memcpy(&b, m->body, sizeof(b));
        on_vote_req(st, node, m->from, &b);
        break;
    }
    case M_VOTE: {
        struct vote_body b;
        memcpy(&b, m->body, sizeof(b));
        on_vote(st, node, m->from, &b);
        break;
    }
    case M_BEGIN: {
        struct epoch_body b;
        memcpy(&b, m->body, sizeof(b));
        if (m->from != node)
            on_begin(st, node, m->from, &b);
        break;
    }
    case M_FENCED: {
        struct epoch_body b;
        memcpy(&b, m->body, sizeof(b));
        on_fenced(st, node, &b);
        break;
    }
    case M_ALTER_ISR: {
        struct alter_body b;
        memcpy(&b, m->body, sizeof(b));
        on_alter_isr(st, node, m->from, &b);
        break;
    }
    case M_ALTER_ISR_RESP: {
        struct alter_resp_body b;
        memcpy(&b, m->body, sizeof(b));
        on_alter_isr_resp(st, node, m->from, &b);
        break;
    }
    }
    leader_invariants(st);
}

static void on_sync_timeout(struct model_state *st, int node, int64_t offset)
{
    struct lnode *ln = &st->nodes[node];

    for (int i = 0; i < LEADER_MAX_PENDING; i++) {
        struct pending *p = &ln->pending[i];
        char detail[HISTORY_DETAIL_MAX];
        if (!p->used || p->offset != offset)
            continue;
        p->timer = 0;
        p->used = false;
        ln->n_pending--;
        if (!ln->fallback)
            model_trace(st->ctx, TRACE_NOTE, node, -1, offset, 0, "async",
                        "sync_timeout: stops waiting for followers, acknowledges alone");
        ln->fallback = true;
        snprintf(detail, sizeof(detail),
                 "offset %lld, acknowledged alone after sync_timeout: allowed by sync_timeout",
                 (long long)offset);
        reply(st, node, &p->req, REPLY_OK, NULL, NULL, offset + 1, detail);
    }
}

static void timer_body(struct model_state *st, int node, int kind, int64_t arg)
{
    struct lnode *ln = &st->nodes[node];

    switch ((enum timer_kind)kind) {
    case T_FETCH:
        ln->fetch_timer = 0;
        if (ln->role != R_FOLLOWER || ln->leader < 0)
            return;
        /* One fetch at a time, unless the last one has surely been lost. */
        if (!ln->fetch_waiting ||
            now_us(st, node) - ln->fetch_sent_us >= 4 * model_pnum(st->ctx, P_FETCH_INTERVAL))
            send_fetch(st, node, true);
        arm_fetch(st, node, model_pnum(st->ctx, P_FETCH_INTERVAL));
        break;
    case T_ELECTION:
        on_election_timer(st, node);
        break;
    case T_TICK:
        on_tick(st, node);
        break;
    case T_SYNC:
        on_sync_timeout(st, node, arg);
        break;
    }
}

/* Where the log holds the entry client op op_id wrote, or -1. */
static int64_t find_op(struct model_state *st, int node, uint64_t op_id)
{
    const struct store *s = log_of(st, node);

    for (int64_t o = store_log_end(s) - 1; o >= 0; o--)
        if (store_log_at(s, o)->op_id == op_id)
            return o;
    return -1;
}

static bool leader_fire_and_forget(struct model_state *st, const struct op_req *req, char *detail,
                                   size_t size)
{
    const struct param_value *acks = model_param(st->ctx, P_ACKS);

    if (req->kind != OP_PUT || acks->choice >= 0 || acks->num != 0)
        return false;
    snprintf(detail, size, "sent, no answer awaited: allowed by acks=0");
    return true;
}

static void leader_write(struct model_state *st, int node, const struct op_req *req)
{
    struct lnode *ln = &st->nodes[node];
    const struct param_value *acks = model_param(st->ctx, P_ACKS);
    struct store_entry e;
    struct pending *p = NULL;
    char detail[HISTORY_DETAIL_MAX];
    int64_t off;
    bool ack0 = acks->choice < 0 && acks->num == 0;
    bool ack1 = acks->choice < 0 && acks->num == 1;

    if (acks->choice == ACKS_ALL && nodemask_count(ln->isr) < model_pnum(st->ctx, P_MIN_INSYNC)) {
        reply(st, node, req, REPLY_FAIL, "not enough replicas", NULL, -1, NULL);
        return;
    }
    if (!ack0 && !ack1 && !ln->fallback) {
        for (int i = 0; i < LEADER_MAX_PENDING && !p; i++)
            if (!ln->pending[i].used)
                p = &ln->pending[i];
        if (!p) {
            reply(st, node, req, REPLY_FAIL, "too many writes in progress", NULL, -1, NULL);
            return;
        }
    }
    off = req->attempt > 0 ? find_op(st, node, req->op_id) : -1;
    if (off >= 0 && model_pnum(st->ctx, P_IDEMPOTENCE)) {
        /* Kafka's idempotent producer: the resend's producer id and sequence number (here the
         * client's op, which a resend keeps) are already in the log, so it is not appended. */
        model_trace(st->ctx, TRACE_NOTE, node, -1, off, (int64_t)req->op_id, "dedup",
                    "drops a resent %s=%s: it is already at offset %lld (idempotence on)", req->key,
                    req->value, (long long)off);
        if (p && ln->hw <= off) {
            p->used = true;
            ln->n_pending++;
            p->offset = off;
            p->req = *req;
            p->timer = 0;
        } else if (!ack0) {
            snprintf(detail, sizeof(detail), "offset %lld, a resend it already had",
                     (long long)off);
            reply(st, node, req, REPLY_OK, NULL, NULL, off + 1, detail);
        }
        advance_hw(st, node);
        return;
    }
    if (off >= 0)
        model_trace(st->ctx, TRACE_NOTE, node, -1, off, (int64_t)req->op_id, "duplicate",
                    "appends a resent %s=%s again: it is already at offset %lld (idempotence off)",
                    req->key, req->value, (long long)off);
    memset(&e, 0, sizeof(e));
    e.epoch = ln->epoch;
    e.op_id = req->op_id;
    e.ts_us = model_phys(st->ctx, node);
    util_strlcpy(e.key, req->key, sizeof(e.key));
    util_strlcpy(e.value, req->value, sizeof(e.value));
    off = store_log_append(log_of(st, node), &e);
    log_changed(st, node, off < 0 ? INT64_MAX : off);
    if (off < 0) {
        if (!ack0)
            reply(st, node, req, REPLY_FAIL, "log full", NULL, -1, NULL);
        return;
    }
    /* acks=0: nobody waits for an answer (the engine told the client ok when it sent). */
    model_trace(st->ctx, TRACE_APPEND, node, -1, off, e.epoch, "append", "%s=%s", e.key, e.value);
    if (ack1 || (!ack0 && ln->fallback)) {
        snprintf(detail, sizeof(detail), "offset %lld epoch %lld, %s", (long long)off,
                 (long long)e.epoch,
                 ln->fallback ? "async after sync_timeout: allowed by sync_timeout"
                              : "on the leader alone: allowed by acks=1");
        reply(st, node, req, REPLY_OK, NULL, NULL, off + 1, detail);
    } else if (p) {
        p->used = true;
        ln->n_pending++;
        p->offset = off;
        p->req = *req;
        p->timer = 0;
        if (model_pnum(st->ctx, P_SYNC_TIMEOUT) > 0)
            p->timer = model_timer(st->ctx, node, T_SYNC, "sync_timeout",
                                   model_pnum(st->ctx, P_SYNC_TIMEOUT), off);
    }
    advance_hw(st, node);
}

/* Parks a read until the node's visible log reaches req->session_pos (serve_reads answers it). */
static void hold_read(struct model_state *st, int node, const struct op_req *req, const char *what,
                      const char *why)
{
    struct lnode *ln = &st->nodes[node];

    for (int i = 0; i < LEADER_MAX_READS; i++) {
        if (!ln->reads[i].used) {
            ln->reads[i].used = true;
            ln->reads[i].req = *req;
            model_trace(st->ctx, TRACE_NOTE, node, -1, req->session_pos, 0, what,
                        "holds a read until %s (offset %lld, has %lld)", why,
                        (long long)req->session_pos, (long long)visible_end(st, node));
            return;
        }
    }
    reply(st, node, req, REPLY_FAIL, "too many reads waiting", NULL, -1, NULL);
}

static void request_body(struct model_state *st, int node, const struct op_req *req)
{
    struct lnode *ln = &st->nodes[node];

    if (req->kind == OP_PUT) {
        if (ln->role != R_LEADER) {
            redirect_or_fail(st, node, req);
            return;
        }
        leader_write(st, node, req);
        return;
    }
    if (model_pnum(st->ctx, P_READS) == READS_LEADER && ln->role != R_LEADER) {
        redirect_or_fail(st, node, req);
        return;
    }
    if (ln->role == R_LEADER && model_pnum(st->ctx, P_LEASE) > 0 && !lease_holds(st, node)) {
        reply(st, node, req, REPLY_FAIL, "no lease: cannot vouch for being leader", NULL, -1, NULL);
        return;
    }
    /*
     * A new leader's high watermark can trail what its predecessor acknowledged: it has
     * every committed entry (the election saw to that) but not yet the knowledge that they
     * are committed. Serving reads below that would show a past the clients already saw
     * overwritten, so it holds them until everything it inherited is committed (Raft's
     * rule that a leader first commits an entry of its own term).
     */
    if (ln->role == R_LEADER && model_pnum(st->ctx, P_VISIBLE) == VISIBLE_COMMITTED &&
        ln->hw < ln->inherited_end) {
        struct op_req held = *req;
        if (held.session_pos < ln->inherited_end)
            held.session_pos = ln->inherited_end;
        hold_read(st, node, &held, "new-leader", "what it inherited is committed");
        return;
    }
    if (model_pnum(st->ctx, P_SESSION) == SESSION_RYW && req->session_pos > visible_end(st, node)) {
        hold_read(st, node, req, "ryw", "it has the client's last write");
        return;
    }
    answer_read(st, node, req);
}

static void leader_timer(struct model_state *st, int node, int kind, int64_t arg)
{
    timer_body(st, node, kind, arg);
    leader_invariants(st);
}

static void leader_request(struct model_state *st, int node, const struct op_req *req)
{
    request_body(st, node, req);
    leader_invariants(st);
}

static void clear_volatile(struct model_state *st, int node)
{
    struct lnode *ln = &st->nodes[node];

    ln->role = R_FOLLOWER;
    ln->leader = -1;
    ln->fallback = false;
    ln->fetch_waiting = false;
    ln->fetch_timer = 0;
    ln->elect_timer = 0;
    ln->tick_timer = 0;
    ln->votes = 0;
    ln->isr = 0;
    ln->fetch_seq = 0;
    ln->resp_seq = 0;
    ln->leader_leo = 0;
    ln->offline = false;
    ln->unclean = false;
    ln->want_isr = 0;
    ln->prop_live = false;
    ln->prop_acks = 0;
    memset(ln->prog, 0, sizeof(ln->prog));
    memset(ln->pending, 0, sizeof(ln->pending));
    ln->n_pending = 0;
    memset(ln->reads, 0, sizeof(ln->reads));
}

static void leader_crash(struct model_state *st, int node)
{
    /* The engine stopped the timers; waiting writes and reads were in memory, so their clients
     * will time out. */
    clear_volatile(st, node);
    st->nodes[node].down = true;
    leader_invariants(st);
}

static void leader_recover(struct model_state *st, int node, bool durable)
{
    struct lnode *ln = &st->nodes[node];

    clear_volatile(st, node);
    ln->down = false;
    ln->session = ++st->next_session;
    if (!durable) {
        ln->epoch = 0;
        ln->voted_for = -1;
        ln->isr_known = 0;
        ln->isr_epoch = 0;
        ln->isr_seq = 0;
        ln->hw = 0;
        st->wiped = true;
        st->inv_epoch[node] = 0;
        st->inv_hw[node] = 0;
        log_changed(st, node, 0);
    }
    if (ln->hw > log_end(st, node))
        ln->hw = log_end(st, node);
    ln->last_heard_us = now_us(st, node);
    trace_role(st, node);
    /* A node that just came back listens for a leader for longer before it stands itself. */
    arm_election(st, node, 2 * model_pnum(st->ctx, P_ELECTION_TIMEOUT));
    leader_invariants(st);
}

static int leader_route(struct model_state *st, const struct op_req *req, int hint)
{
    int best = -1;

    if (req->kind == OP_GET && model_pnum(st->ctx, P_READS) == READS_ANY) {
        if (model_pnum(st->ctx, P_SESSION) == SESSION_STICKY && req->sticky >= 0)
            return req->sticky;
        return (int)sim_rng_below(model_rng(st->ctx), (uint64_t)st->n);
    }
    /* A client whose last good node is down gets "connection refused" and looks again. */
    if (hint >= 0 && hint < st->n && !st->nodes[hint].down)
        return hint;
    /* A metadata lookup: ask the live node with the newest epoch who leads. */
    for (int i = 0; i < st->n; i++)
        if (!st->nodes[i].down && (best < 0 || st->nodes[i].epoch > st->nodes[best].epoch))
            best = i;
    if (best < 0)
        return (int)model_pnum(st->ctx, P_LEADER);
    if (st->nodes[best].role == R_LEADER)
        return best;
    if (st->nodes[best].leader >= 0)
        return st->nodes[best].leader;
    return best;
}

static void leader_describe(struct model_state *st, int node, struct node_desc *out)
{
    struct lnode *ln = &st->nodes[node];
    char names[200];

    if (ln->down) {
        out->epoch = ln->epoch;
        out->commit = ln->hw;
        snprintf(out->detail, sizeof(out->detail), "log end %lld", (long long)log_end(st, node));
        return;
    }
    util_strlcpy(out->role, role_names[ln->role], sizeof(out->role));
    out->leads = ln->role == R_LEADER;
    out->epoch = ln->epoch;
    out->commit = ln->hw;
    if (ln->role == R_LEADER) {
        names_of(st, ln->isr, names, sizeof(names));
        snprintf(out->detail, sizeof(out->detail), "hw %lld, log end %lld, isr %s%s",
                 (long long)ln->hw, (long long)log_end(st, node), names,
                 ln->fallback ? ", async fallback" : "");
        if (ln->prop_live) {
            names_of(st, ln->prop_isr, names, sizeof(names));
            util_appendf(out->detail, sizeof(out->detail), ", asks isr %s", names);
        }
    } else if (ln->leader >= 0) {
        snprintf(out->detail, sizeof(out->detail), "hw %lld, log end %lld, leader n%d",
                 (long long)ln->hw, (long long)log_end(st, node), ln->leader + 1);
    } else {
        snprintf(out->detail, sizeof(out->detail), "hw %lld, log end %lld, no leader%s",
                 (long long)ln->hw, (long long)log_end(st, node),
                 ln->offline ? ", offline (not in the isr)" : "");
    }
}

static void leader_read_local(struct model_state *st, int node, const char *key,
                              struct op_values *out)
{
    read_value(st, node, key, out);
}

/*
 * Work the cluster still has to do: a follower that lacks part of the
 * leader's log or its high watermark, or no leader at all while nodes are
 * up (an election timeout will start one). Without the last, a cluster that
 * lost its leader would look "quiet" while an election is only a timer away.
 */
static bool leader_busy(struct model_state *st)
{
    bool any_up = false, any_leader = false;

    for (int l = 0; l < st->n; l++) {
        struct lnode *ln = &st->nodes[l];
        int64_t end;
        if (ln->down)
            continue;
        any_up = true;
        if (ln->role != R_LEADER)
            continue;
        any_leader = true;
        /* An ISR change the controller quorum has not accepted yet is work in progress. */
        if (ln->prop_live || (ln->want_isr | nodemask_bit(l)) != (ln->isr | nodemask_bit(l)))
            return true;
        end = log_end(st, l);
        for (int f = 0; f < st->n; f++)
            if (f != l && !st->nodes[f].down &&
                (ln->prog[f].match < end || ln->prog[f].fhw < ln->hw))
                return true;
    }
    return any_up && !any_leader;
}

static int cmp_num(const struct pred_args *args, int64_t have, char *got, size_t gotlen,
                   const char *what)
{
    char *endp;
    long long want;

    snprintf(got, gotlen, "%s %lld", what, (long long)have);
    if (args->cmp.n != 1)
        return 0;
    want = strtoll(args->cmp.v[0], &endp, 10);
    if (*endp || !args->cmp.v[0][0])
        return 0;
    return have == want;
}

static int leader_eval(struct model_state *st, int pred, const struct pred_args *args, char *got,
                       size_t gotlen)
{
    int node = args->a[0].node;
    char what[48];

    switch ((enum pred)pred) {
    case PR_HW:
        snprintf(what, sizeof(what), "n%d has hw", node + 1);
        return cmp_num(args, st->nodes[node].hw, got, gotlen, what);
    case PR_EPOCH:
        snprintf(what, sizeof(what), "n%d is in epoch", node + 1);
        return cmp_num(args, st->nodes[node].epoch, got, gotlen, what);
    case PR_LOGEND:
        snprintf(what, sizeof(what), "n%d has log end", node + 1);
        return cmp_num(args, log_end(st, node), got, gotlen, what);
    case PR_ISR:
    case PR_ISR_WANTED: {
        struct op_values have, want = args->cmp;
        char names[200];
        uint64_t isr = pred == PR_ISR ? st->nodes[node].isr : st->nodes[node].want_isr;
        memset(&have, 0, sizeof(have));
        for (int i = 0; i < st->n; i++) {
            if (st->nodes[node].role == R_LEADER && (isr & nodemask_bit(i))) {
                snprintf(names, sizeof(names), "n%d", i + 1);
                op_values_add(&have, names);
            }
        }
        op_format_values(&have, names, sizeof(names));
        snprintf(got, gotlen, "n%d %s: %s %s", node + 1,
                 st->nodes[node].role == R_LEADER ? "leads" : "does not lead",
                 pred == PR_ISR ? "isr" : "wants isr", names);
        op_values_sort(&have);
        op_values_sort(&want);
        return op_values_equal(&have, &want);
    }
    case PR_LEADERS: {
        int c = 0;
        for (int i = 0; i < st->n; i++)
            c += !st->nodes[i].down && st->nodes[i].role == R_LEADER;
        return cmp_num(args, c, got, gotlen, "live leaders:");
    }
    case PR_LEADERS_PER_EPOCH: {
        int most = 0;
        for (int i = 0; i < st->n_epochs; i++)
            if (nodemask_count(st->epochs[i].leaders) > most)
                most = nodemask_count(st->epochs[i].leaders);
        return cmp_num(args, most, got, gotlen, "most leaders of one epoch:");
    }
    case PR_DUPLICATES: {
        const struct store *s = log_of(st, node);
        int c = 0;
        snprintf(what, sizeof(what), "n%d's log has duplicates:", node + 1);
        for (int64_t o = 0; o < store_log_end(s); o++) {
            uint64_t id = store_log_at(s, o)->op_id;
            for (int64_t q = 0; id && q < o; q++)
                if (store_log_at(s, q)->op_id == id) {
                    c++;
                    break;
                }
        }
        return cmp_num(args, c, got, gotlen, what);
    }
    case PR_HOLDS: {
        const struct store *s = log_of(st, node);
        uint64_t id = args->a[1].op_id;
        for (int64_t o = 0; o < store_log_end(s); o++) {
            if (id && store_log_at(s, o)->op_id == id) {
                snprintf(got, gotlen, "n%d holds %s at offset %lld", node + 1, args->a[1].text,
                         (long long)o);
                return 1;
            }
        }
        snprintf(got, gotlen, "n%d does not hold %s", node + 1, args->a[1].text);
        return 0;
    }
    }
    return 0;
}

const struct model_ops leader_model = {
    .name = "leader",
    .title = "leader: one leader, followers fetch its log (Kafka-style acks, ISR, epochs)",
    .params = params,
    .n_params = (int)ARRAY_LEN(params),
    .preds = preds,
    .n_preds = (int)ARRAY_LEN(preds),
    .msg_names = msg_names,
    .n_msg_types = (int)ARRAY_LEN(msg_names),
    .op_mask = 1u << OP_PUT | 1u << OP_GET,
    .create = leader_create,
    .destroy = leader_destroy,
    .start = leader_start,
    .message = leader_message,
    .timer = leader_timer,
    .request = leader_request,
    .crash = leader_crash,
    .recover = leader_recover,
    .route = leader_route,
    .describe = leader_describe,
    .read_local = leader_read_local,
    .busy = leader_busy,
    .fire_and_forget = leader_fire_and_forget,
    .eval = leader_eval,
};
