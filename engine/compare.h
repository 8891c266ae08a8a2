/*
 * compare: one scenario run on several replication models, side by side.
 *
 * A comparison scenario is an ordinary scenario without a `model` line: the
 * workload, the client ops, the faults and the expects are shared, and the
 * settings that belong to one model sit in `for MODEL:` lines or blocks that
 * only that model reads (see script.h). compare_parse() parses the file once
 * per model, so a shared line that one model cannot read is an error at that
 * line naming the model that lacks it. Each model then gets its own
 * script_run (its own engine, same seed), and compare_measure() reads the
 * verdicts of each run through the checkers of check.h — the same ones
 * `splitbrain run` prints — plus two measures only a comparison needs: how
 * available each model was while a fault was active, and how many reads
 * returned a value older than one already acknowledged (stale reads).
 *
 * Invariant: runs[k] executes exactly scripts[k]; every run has the same
 * seed, so the shared commands happen at the same virtual times everywhere.
 *
 * Ownership: a struct compare owns its scripts, runs and observers.
 */
#ifndef SPLITBRAIN_COMPARE_H
#define SPLITBRAIN_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "engine.h"
#include "script.h"

#define COMPARE_MAX_MODELS  3
#define COMPARE_MAX_WINDOWS 4096 /* fault windows kept; past it the last one stretches */

/*
 * Fault windows: an observer of one run's trace that knows when at least one
 * fault was active — a node down or paused, a link cut, a partition, a clock
 * set off (skew or drift, until an NTP resync). A trace that starts over (a
 * rewind rebuilds the engine) starts the windows over.
 */
struct compare_faults {
    struct trace_observer obs;
    uint64_t last_seq;
    uint64_t down;   /* bit per node: crashed */
    uint64_t paused; /* bit per node */
    uint64_t skewed; /* bit per node */
    int cuts;        /* links cut and not mended */
    bool partitioned;
    int64_t last_us; /* the last fault, heal or clock change; 0: none */
    int n;
    int64_t from_us[COMPARE_MAX_WINDOWS];
    int64_t to_us[COMPARE_MAX_WINDOWS]; /* INT64_MAX while open */
};

struct compare_measures {
    struct check_avail av;
    int during_ops; /* ops invoked while a fault was active */
    int during_ok;
    bool faults; /* there was at least one fault window */
    enum check_verdict lin;
    struct check_lin lin_first;
    struct check_lost lost;
    int stale;
    char stale_witness[CHECK_WITNESS_MAX];
    struct check_sessions sess;
    struct check_split split;
    struct check_converge conv;
    int64_t last_fault_us;     /* the last fault, heal or clock change; 0: none */
    int64_t converge_after_us; /* the last state change after it, when converged */
    uint64_t msgs;
    int expects;
    int expects_failed;
    bool unquiet;
};

struct compare {
    char file[256];
    int n;
    const struct model_ops *models[COMPARE_MAX_MODELS];
    struct script scripts[COMPARE_MAX_MODELS];
    struct script_run *runs[COMPARE_MAX_MODELS];
    struct compare_faults faults[COMPARE_MAX_MODELS];
};

/*
 * Parses models "leader,multi,leaderless" (a comma list of registered names, no repeats, at
 * most COMPARE_MAX_MODELS) into out; returns the count, or -1 with why filled.
 */
int compare_models(const char *list, const struct model_ops **out, char *why, size_t size);

/*
 * Parses text once per model. On error returns -1 with *err filled (a shared line one model
 * cannot read names that model) and c left empty. On success c holds the scripts; runs are
 * built by compare_start(). Copies models.
 */
int compare_parse(struct compare *c, const char *file, const char *text, size_t len,
                  const struct model_ops *const *models, int n, struct script_error *err);

/* Creates one run per model, seeded with seed (< 0: the file's), set to its model, with
 * extra observers (obs[k] for run k, may be NULL) subscribed. Executes nothing else. */
void compare_start(struct compare *c, int64_t seed, struct trace_observer *const *obs);

/* Runs every script to its end and until quiet. 0, or -1 with *err naming the model. */
int compare_run_all(struct compare *c, struct script_error *err);

void compare_release(struct compare *c);

/* The measures of run k now. */
void compare_measure(struct compare *c, int k, struct compare_measures *out);

/*
 * Stale reads: reads that returned ok with only values older than a write
 * acknowledged before the read began (every value's write had completed
 * before that write was invoked), or nothing at all after such a write. A
 * value written by a failed or timed-out write, or by no write of the
 * history, is never counted. Registers only (put/get); values are assumed
 * unique per key, as scenarios and workloads write them.
 */
int compare_stale_reads(const struct history *h, char *witness, size_t size);

void compare_faults_init(struct compare_faults *f);
/* Ops of h invoked inside a fault window, and how many of them completed ok. */
void compare_faults_ops(const struct compare_faults *f, const struct history *h, int *ops, int *ok);

#endif
