/*
 * check: verdicts on a run, from its client history.
 *
 * Linearizability of each key as a read/write register, by the Wing & Gong
 * search with Lowe's memoization (the algorithm of Porcupine and Knossos),
 * partitioned by key: each op is an interval [invoke, complete]; the search
 * tries to place every op at one instant inside its interval so that every
 * read returns the latest write before it. A write that failed, timed out
 * or is still pending may or may not have taken effect, so its interval
 * never closes: the search may place it anywhere after its invocation, or
 * at the very end, which is the same as never. Reads that did not complete
 * carry no information and are left out. A search that exceeds its budget
 * answers CHECK_UNKNOWN, never a pass.
 *
 * Only put/get histories are registers; a key with incr/add/remove ops or a
 * read that returned several values (siblings) is CHECK_NA.
 */
#ifndef SPLITBRAIN_CHECK_H
#define SPLITBRAIN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "history.h"
#include "trace.h"

/*
 * The search's limits. A key is searched whatever its op count (up to the
 * history's own bound); what bounds the work is the step budget, and what
 * bounds the memory is CHECK_MEMO_MAX_BYTES for the memo of explored states
 * (each the set of ops placed so far, stored as the words between its
 * all-ones prefix and its empty tail). Past either the answer is
 * CHECK_UNKNOWN, with the witness saying which limit was hit.
 */
#define CHECK_MAX_OPS_PER_KEY HISTORY_MAX_OPS
#define CHECK_DEFAULT_BUDGET  2000000 /* search steps per key */
#define CHECK_MEMO_MAX_BYTES  ((size_t)256 << 20)
#define CHECK_WITNESS_MAX     512

enum check_verdict {
    CHECK_OK,
    CHECK_VIOLATED,
    CHECK_UNKNOWN, /* budget exhausted, or too many ops to search */
    CHECK_NA,      /* not a register history */
};

struct check_lin {
    enum check_verdict verdict;
    char key[STORE_KEY_MAX];
    int ops;          /* ops searched */
    long steps;       /* search steps taken */
    uint64_t culprit; /* the op the search could not place (a read, usually), or 0 */
    char witness[CHECK_WITNESS_MAX];
};

/* Checks one key. budget: search steps (<= 0: CHECK_DEFAULT_BUDGET). */
void check_linearizable_key(const struct history *h, const char *key, long budget,
                            struct check_lin *out);

/* Checks every key of the history; returns the worst verdict (VIOLATED > UNKNOWN > OK > NA)
 * and fills *first with the first key that has it. */
enum check_verdict check_linearizable(const struct history *h, long budget,
                                      struct check_lin *first);

struct check_avail {
    int ops;
    int ok;
    int failed;
    int timed_out;
    int pending;
    int64_t p50_us; /* latency percentiles of the ops that completed ok */
    int64_t p95_us;
    int64_t p99_us;
    int64_t max_us;
};

void check_availability(const struct history *h, struct check_avail *out);

struct engine;
struct check_recorder;

struct check_lost {
    int lost;       /* acknowledged writes no live replica holds */
    uint64_t first; /* the first of them, or 0 */
    char witness[CHECK_WITNESS_MAX];
};

/*
 * Lost acknowledged writes: a put that returned ok, that no later put to the
 * same key (invoked after it completed) superseded, and whose value no live
 * replica holds now — in a local read, its log, or its versions. A
 * concurrent write supersedes it unless the model reported discarding it
 * unseen (model_discard, kept by the recorder rec; NULL: it always does):
 * the loser of two concurrent writes under last-write-wins is lost, a write
 * whose successor had seen it is not. In a replicated log nothing supersedes: an
 * acknowledged entry must stay in some live replica's log. Meaningful once
 * the run is quiet.
 */
void check_lost_writes(const struct engine *e, const struct check_recorder *rec,
                       struct check_lost *out);

struct check_dup {
    bool has_log;   /* some replica keeps a log (else there is nothing to judge) */
    int writes;     /* client writes some live replica's log holds more than once */
    int copies;     /* the extra entries, over every live replica */
    uint64_t first; /* the first such write, or 0 */
    char witness[CHECK_WITNESS_MAX];
};

/*
 * Duplicated writes: a client write that one live replica's log holds at two
 * offsets -- what a producer's retry does to a log without idempotence (Kafka
 * before enable.idempotence). O(n log n) in the log's length.
 */
void check_duplicates(const struct engine *e, struct check_dup *out);

/*
 * The recorder: an observer of the trace that keeps what the history alone
 * does not show — who believed it led, when, in which epoch; who suspected
 * whom; when nodes crashed and faults healed. Subscribe it before the run.
 */
#define CHECK_MAX_ROLES      100000
#define CHECK_MAX_SUSPICIONS 100000
#define CHECK_MAX_DISCARDS   10000
#define CHECK_MAX_MOMENTS    100000

/* A fault or a truncation on one node: what a cause is made of. */
struct check_moment {
    int64_t t_us;
    int node;
    char what[16]; /* kill, wipe, pause, truncate */
    int64_t a;     /* truncate: from offset */
    int64_t b;     /* truncate: entries removed */
};
#define CHECK_DISCARD_MAX (STORE_KEY_MAX + STORE_VAL_MAX + 2)

struct check_lead {
    int node;
    int64_t epoch;
    int64_t from_us;
    int64_t to_us; /* INT64_MAX while it still leads */
};

struct check_suspicion {
    int64_t t_us;
    int node;
    int suspect;
    bool true_positive; /* the suspect had crashed */
    int64_t delay_us;   /* since the crash, for a true suspicion */
};

struct check_recorder {
    struct trace_observer obs;
    struct check_lead *leads;
    int n_leads;
    int cap_leads;
    struct check_suspicion *susp;
    int n_susp;
    int cap_susp;
    char (*discards)[CHECK_DISCARD_MAX]; /* "key=value" the models threw away unseen */
    unsigned char *discard_kind;         /* per discard: an enum model_discard_kind */
    int n_discards;
    int cap_discards;
    struct check_moment *moments;
    int n_moments;
    int cap_moments;
    int64_t crashed_at[CLOCK_MAX_NODES]; /* -1 while up */
    int64_t last_fault_us;               /* the last fault or heal of any kind */
    int64_t last_change_us;              /* the last delivery, append, truncate or repair */
    bool dropped;                        /* a table filled up: verdicts are partial */
};

void check_recorder_init(struct check_recorder *r);
void check_recorder_release(struct check_recorder *r);

struct check_split {
    int count; /* pairs of leaders that overlapped and both acknowledged writes */
    bool same_epoch;
    char witness[CHECK_WITNESS_MAX];
};

/* Two nodes leading at overlapping times, each acknowledging a write meanwhile. */
void check_split_brain(const struct check_recorder *r, const struct history *h,
                       struct check_split *out);

struct check_sessions {
    int ryw;                         /* read-your-writes violations */
    int monotonic;                   /* monotonic-reads violations */
    int prefix;                      /* consistent-prefix violations */
    char witness[CHECK_WITNESS_MAX]; /* the first, named with its two ops */
};

/*
 * Session guarantees per client, over registers (put/get with one value).
 * Writes are ordered by real time (w1 before w2 when w1 completed before w2
 * was invoked); values are assumed unique per key, as scenarios write them.
 */
void check_sessions(const struct history *h, struct check_sessions *out);

struct check_detect {
    int suspicions;
    int true_pos;
    int false_pos;
    int64_t mean_delay_us; /* over true suspicions */
    int64_t max_delay_us;
};

void check_detection(const struct check_recorder *r, struct check_detect *out);

struct check_converge {
    bool converged;
    int keys;
    char key[STORE_KEY_MAX]; /* the first key that differs */
    char witness[CHECK_WITNESS_MAX];
    int64_t after_heal_us; /* last state change minus last fault, when converged */
};

/* Do all live replicas agree on every key written? Meaningful once quiet. */
void check_convergence(const struct engine *e, const struct check_recorder *r,
                       struct check_converge *out);

struct check_zombie {
    int count;      /* reads that returned a value an acknowledged delete had removed */
    uint64_t first; /* the first such read, or 0 */
    char witness[CHECK_WITNESS_MAX];
};

/*
 * Resurrections ("zombie data"): an ok read returned the value of a put that a del had
 * removed — a del acknowledged before the read began, whose returned version context covers
 * the put's (so its tombstone had seen and replaced the write). Values are assumed unique
 * per key. Under last write wins with skewed clocks a write may also outlive a delete it
 * was seen by; that is reported too.
 */
void check_resurrections(const struct history *h, struct check_zombie *out);

const char *check_verdict_name(enum check_verdict v);

/*
 * One summary of a run's checkers, the same for every caller: `run` prints it, `explore` turns
 * it into its violation bits, `compare` puts it in its table and the screen draws it. Each
 * field is the result of the checker of that name above; `ran` says which were computed.
 */
enum check_part {
    CHECK_PART_LIN = 1u << 0,
    CHECK_PART_LOST = 1u << 1,
    CHECK_PART_DUP = 1u << 2,
    CHECK_PART_ZOMBIE = 1u << 3,
    CHECK_PART_SPLIT = 1u << 4, /* needs the recorder */
    CHECK_PART_SESSIONS = 1u << 5,
    CHECK_PART_CONVERGE = 1u << 6, /* needs the recorder */
    CHECK_PART_DETECT = 1u << 7,   /* needs the recorder */
    CHECK_PART_AVAIL = 1u << 8,
};
#define CHECK_PART_ALL 0x1ffu
/* What the screen's ops pane shows under the ops. */
#define CHECK_PARTS_SCREEN                                                                         \
    (CHECK_PART_LIN | CHECK_PART_LOST | CHECK_PART_DUP | CHECK_PART_ZOMBIE | CHECK_PART_SPLIT |    \
     CHECK_PART_SESSIONS | CHECK_PART_AVAIL)

struct check_summary {
    unsigned ran;           /* the CHECK_PART_ bits computed */
    enum check_verdict lin; /* the worst key's verdict, and that key */
    struct check_lin lin_first;
    struct check_lost lost;
    struct check_dup dup;
    struct check_zombie zombie;
    struct check_split split;
    struct check_sessions sess;
    struct check_converge conv;
    struct check_detect detect;
    struct check_avail av;
    int64_t last_fault_us; /* the recorder's last fault or heal; 0: none */
};

/*
 * Runs the checkers in parts (CHECK_PART_ bits) on e's history so far. rec: the run's
 * recorder, or NULL (the parts that need it are then left out of ran). budget: search steps
 * per key for linearizability (<= 0: CHECK_DEFAULT_BUDGET).
 */
void check_summary_run(const struct engine *e, const struct check_recorder *rec, long budget,
                       unsigned parts, struct check_summary *out);
/* Session-guarantee violations of every kind. */
int check_summary_sessions(const struct check_summary *s);

/*
 * The live checker: linearizability and the ops' outcomes kept up to date as ops start and
 * complete, for a screen that must not slow down as the history grows. Each update reads only
 * the ops invoked since the last one and the ones still pending then; a key is searched again
 * only when one of its ops started or completed, and only over its window: the ops after the
 * key's last clean cut. A cut is clean where every op before it had completed before any op
 * after it was invoked and the register's value there is certain (one write followed every
 * other in real time, or none was made): a linearization of the whole is then one of the part
 * before the cut followed by one of the window, which starts from that value. A write of
 * unknown outcome before a cut (failed, timed out) stays in the window, free to take effect
 * at any point in it or never, as in the whole-history search; a read before the cut that
 * returned its value keeps the cut from being made. So the live verdict of a key is the
 * whole-history verdict (check_linearizable_key), within the budget: CHECK_LIVE_CARRY_MAX
 * such writes at most are carried, past which no cut is made and the window grows until the
 * budget says unknown. A key found violated or not a register (n/a) stays so: later ops
 * cannot undo either.
 */
#define CHECK_LIVE_CARRY_MAX 64

struct check_live;

struct check_live *check_live_create(void);
void check_live_destroy(struct check_live *l);
/* Forgets every op and verdict, as new (the cluster was rebuilt or its history reset). */
void check_live_reset(struct check_live *l);
/*
 * Reads what changed in h since the last call (another history, or one reset since, starts
 * over; the caller resets l when a history was destroyed and another made in its place) and
 * searches the keys it touched again, each with budget steps (<= 0:
 * CHECK_DEFAULT_BUDGET). Borrows h, whose ops must outlive l or its next reset. Returns the
 * number of keys searched.
 */
int check_live_update(struct check_live *l, const struct history *h, long budget);
/* Fills out's linearizability and availability counts (the latency percentiles are not kept
 * live: 0) and adds CHECK_PART_LIN | CHECK_PART_AVAIL to out->ran. */
void check_live_fill(const struct check_live *l, struct check_summary *out);
/* One key's verdict over its whole history so far; false when the key has no ops. */
bool check_live_key(const struct check_live *l, const char *key, struct check_lin *out);
/* How many ops the key's window holds now (0 for an unknown key). */
int check_live_window(const struct check_live *l, const char *key);

/*
 * Histories from other systems (Jepsen, Knossos, Porcupine, splitbrain's own
 * JSON Lines), checked for linearizability against a model:
 *
 *   register      read and write of one value (nil before any write);
 *   cas-register  read, write and compare-and-set; a cas that failed read a
 *                 different value at some instant of its interval (as
 *                 Porcupine's etcd model reads it);
 *   kv            get, put and append per key; the value before any write is
 *                 the empty string, and append concatenates (Porcupine's
 *                 key-value model). Each key is checked on its own.
 *
 * An op completes ok, fails (a write, append or read that failed did not
 * happen and is left out; a cas that failed is a real result), or is
 * indeterminate (:info, or no completion at all): a write, cas or append of
 * unknown outcome may take effect at any instant after its invocation or
 * never, and a read of unknown outcome says nothing. The search is the same
 * Wing & Gong / Lowe search as above, over the model's states; a key whose
 * search exceeds its step budget or memory is CHECK_UNKNOWN, never a pass.
 *
 * Strings (keys and values) are interned: an op holds their ids. Id 0 is
 * "nil", the value before any write.
 */
#define CHECK_HIST_NIL     0
#define CHECK_HIST_MAX_OPS 2000000 /* past it check_hist_add refuses */

enum check_model {
    CHECK_MODEL_REGISTER,
    CHECK_MODEL_CAS_REGISTER,
    CHECK_MODEL_KV,
};

enum check_hkind {
    CHECK_H_READ,
    CHECK_H_WRITE,
    CHECK_H_CAS,
    CHECK_H_APPEND,
    CHECK_H_OTHER, /* an op no model here knows (incr, add...): its key is not checked */
};

enum check_hstatus {
    CHECK_H_OK,
    CHECK_H_FAIL,
    CHECK_H_INFO, /* indeterminate: it may or may not have taken effect */
};

struct check_hop {
    int process;
    enum check_hkind kind;
    enum check_hstatus status;
    int64_t invoke;   /* in the history's own unit (see check_hist_set_unit) */
    int64_t complete; /* INT64_MAX when it never completed */
    int key;          /* string id; the register's ops all have the same key */
    int value;        /* write, append: the value; read: what it returned; cas: the new value */
    int from;         /* cas: the value it compared with */
    int line;         /* the line of the history file that invoked it (1-based), or 0 */
};

struct check_hist;

struct check_hist *check_hist_create(void);
void check_hist_destroy(struct check_hist *h);
/* The id of s, interning a copy when new. "" is its own string, distinct from nil. */
int check_hist_intern(struct check_hist *h, const char *s);
/* The string of id (nil: "nil"). Valid as long as the history. */
const char *check_hist_str(const struct check_hist *h, int id);
/* Copies op; returns its index, or -1 when the history is full. */
int check_hist_add(struct check_hist *h, const struct check_hop *op);
int check_hist_count(const struct check_hist *h);
/* By index; valid until the next add. */
struct check_hop *check_hist_op(struct check_hist *h, int i);
const struct check_hop *check_hist_at(const struct check_hist *h, int i);
/* The unit times are in, for explanations: "us", "ns", "ms" or "" (line order). */
void check_hist_set_unit(struct check_hist *h, const char *unit);
const char *check_hist_unit(const struct check_hist *h);
const char *check_model_name(enum check_model m);
/* A time in the history's unit, as a person reads it: "1.250s", "#12" (line order). */
void check_hist_fmt_time(const struct check_hist *h, int64_t t, char *dst, size_t size);
/* "p3 write 4 ok [1.000s..1.200s]", "p1 read x -> nil [...]", with the key when kv is true. */
void check_hist_fmt_op(const struct check_hist *h, int i, bool kv, char *dst, size_t size);
const char *check_hkind_name(enum check_hkind k);

#define CHECK_WHY_MAX 1024

/* The verdict on one key, with its explanation. Arrays are owned by the result. */
struct check_hkey {
    int key; /* string id */
    enum check_verdict verdict;
    int ops;     /* ops searched */
    long steps;  /* search steps, minimizing included */
    int culprit; /* a violation: the op the search could not place (history index), or -1 */
    /* A violation: the smallest set of ops found that cannot be ordered (history indexes in
     * invocation order), and the sentence why. UNKNOWN and NA: why says which limit or op. */
    int *window;
    int n_window;
    char why[CHECK_WHY_MAX];
    /* The longest order found in which every op fits (history indexes, first first): the
     * whole order when linearizable, the partial one the search got furthest with otherwise. */
    int *lin;
    int n_lin;
};

struct check_hresult {
    struct check_hkey *keys; /* in the order the history first touched them */
    int n_keys;
    enum check_verdict worst; /* VIOLATED > UNKNOWN > OK > NA */
};

/*
 * Checks every key of h against model. budget: search steps per key (<= 0:
 * CHECK_DEFAULT_BUDGET). explain: minimize a violation to its smallest window
 * (costs searches of its own, within the same budget). Fills out, which the
 * caller releases with check_hresult_release.
 */
void check_hist_run(struct check_hist *h, enum check_model model, long budget, bool explain,
                    struct check_hresult *out);
void check_hresult_release(struct check_hresult *r);

#endif
