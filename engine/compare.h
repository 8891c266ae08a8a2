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
    int during_ops; /* ops invoked while a fault was active */
    int during_ok;
    bool faults;                 /* there was at least one fault window */
    struct check_summary checks; /* availability, lin, lost, sessions, split, convergence */
    int stale;
    char stale_witness[CHECK_WITNESS_MAX];
    int64_t last_fault_us;     /* the last fault, heal or clock change; 0: none */
    int64_t converge_after_us; /* the last state change after it, when converged */
    uint64_t msgs;
    int expects;
    int expects_failed;
    bool unquiet;
};

/* A command the user gave every model at once (a key, or the `:` line), as each model parsed
 * it (on[k] false: model k could not read it) and the virtual time it ran there. */
struct compare_action {
    int64_t at_us; /* the shared clock when it was given */
    int64_t t_us[COMPARE_MAX_MODELS];
    int pc[COMPARE_MAX_MODELS]; /* the script commands run there before it */
    bool on[COMPARE_MAX_MODELS];
    struct script_cmd cmd[COMPARE_MAX_MODELS];
};

/* User commands a comparison keeps (about 45 MB at most); past it a command is refused. */
#define COMPARE_MAX_ACTIONS 4096

/* Where a model's script has got to while it plays on the shared clock. */
enum compare_wait {
    COMPARE_GO,    /* the next command runs now */
    COMPARE_TIME,  /* `run D` / `run until T`: until until_us */
    COMPARE_QUIET, /* `run until quiet`: until quiet, at most until until_us */
    COMPARE_PRED,  /* `run until PRED`: until it holds, at most until until_us */
};

struct compare_play {
    int pc;
    enum compare_wait wait;
    int64_t until_us;
    const struct script_cmd *pred; /* COMPARE_PRED: the command that waits */
    int next_action;
};

struct compare {
    char file[256];
    int n;
    const struct model_ops *models[COMPARE_MAX_MODELS];
    struct script scripts[COMPARE_MAX_MODELS];
    struct script_run *runs[COMPARE_MAX_MODELS];
    struct compare_faults faults[COMPARE_MAX_MODELS];
    /* Playing on a shared clock (the side-by-side screen). */
    int64_t seed;
    struct trace_observer *obs[COMPARE_MAX_MODELS];
    struct compare_play play[COMPARE_MAX_MODELS];
    struct script_env envs[COMPARE_MAX_MODELS]; /* what the user's commands are parsed in */
    bool envs_ready;
    struct compare_action *acts;
    int n_acts;
    int cap_acts;
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

/*
 * The shared clock. compare_play_to() plays every model's script up to virtual time t_us as
 * the screen's clock passes: commands run when reached, `run D` waits D, `run until quiet`
 * (or a predicate) waits for it one event at a time, bounded by quiet_max, so the waits end at
 * the same event however the time is cut into frames. A model may end up to one event past
 * t_us. The user's actions run at the times they were given. 0, or -1 with *err naming the
 * model.
 */
int compare_play_to(struct compare *c, int64_t t_us, struct script_error *err);

/*
 * The user's command, given to every model at the shared time now_us: parsed by each model as
 * a shared line (a `for MODEL:` prefix limits it), run where it parsed. Returns the number of
 * models that ran it; 0 with why saying what the first model objected to. skipped lists, for
 * the caller's message, the models that could not read it.
 */
int compare_act(struct compare *c, int64_t now_us, const char *text, char *why, size_t size,
                char *skipped, size_t skipped_size);

/* Time travel: rebuilds every run and plays scripts and actions again up to t_us (the runs are
 * deterministic, so each is exactly as it was then). 0, or -1 with *err. */
int compare_seek(struct compare *c, int64_t t_us, struct script_error *err);

/* Forgets the actions given after at_us (the user acted in the past: a new future). */
void compare_forget_after(struct compare *c, int64_t at_us);
/* Keeps the first n actions only (a lesson's step begun again); compare_seek replays them. */
void compare_truncate_actions(struct compare *c, int n);

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
