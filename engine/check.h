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

#define CHECK_MAX_OPS_PER_KEY 4096
#define CHECK_DEFAULT_BUDGET  2000000 /* search steps per key */
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

#endif
