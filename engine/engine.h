/*
 * engine: the facade. One deterministic in-process cluster — a model running
 * on N nodes over a simulated network — and the one header tui/ and lessons/
 * include.
 *
 * The engine owns virtual time, the event queue, the network, every node's
 * clocks, lifecycle and store, the client sessions and the history, and the
 * trace. It never reads the wall clock, never calls rand(), never sleeps and
 * never touches the terminal: the same calls with the same seed produce the
 * same trace, byte for byte.
 *
 * Queries copy small value structs out; the event stream is read through the
 * trace (observers or a cursor).
 */
#ifndef SPLITBRAIN_ENGINE_H
#define SPLITBRAIN_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "history.h"
#include "model.h"
#include "net.h"
#include "node.h"
#include "nodemask.h"
#include "param.h"
#include "store.h"
#include "trace.h"

#define ENGINE_MAX_NODES   NET_MAX_NODES
#define ENGINE_MAX_CLIENTS NET_MAX_CLIENTS
#define ENGINE_MAX_TIMERS  65536
#define ENGINE_MAX_ACTIONS 65536

enum {
    ENGINE_EMODEL = -1, /* no such model */
    ENGINE_ENODES = -2, /* node count out of range */
    ENGINE_EPARAM = -3, /* unknown parameter or bad value */
    ENGINE_ENODE = -4,  /* no such node */
    ENGINE_EFULL = -5,  /* a bounded table is full */
    ENGINE_EPAST = -6,  /* a time before now */
    ENGINE_ESTATE = -7, /* not possible in the node's current state */
    ENGINE_EOP = -8,    /* the model does not serve this op */
};

/* What a run call stopped on. */
enum engine_stop {
    ENGINE_REACHED, /* the target time */
    ENGINE_QUIET,   /* nothing left to do */
    ENGINE_BOUND,   /* run until quiet hit its bound before the cluster went quiet */
    ENGINE_ACTION,  /* a scheduled action is due: the caller runs it, then calls again */
    ENGINE_EMPTY,   /* step: no event at all */
    ENGINE_STEPPED, /* step: one event processed */
};

/* The engine's own parameters, ahead of any model's. */
enum engine_param {
    EP_TIMING,
    EP_GST,
    EP_OP_TIMEOUT,
    EP_DURABILITY,
    EP_TRUETIME,
    EP_CLIENT_LATENCY,
    EP_NTP_ERROR,
    EP_QUIET_MAX,
    EP_REDIRECTS,
    EP_RETRIES,
    EP_TRUETIME_DRIFT,
    EP_COUNT,
};

/* A node as the TUI and the summary see it. */
struct engine_node {
    enum node_state state;
    int64_t paused_until; /* -1: until resumed */
    int64_t phys_us;      /* its wall clock as it reads it */
    int64_t mono_us;
    int64_t skew_us; /* phys - true time */
    int32_t drift_ppm;
    int64_t tt_earliest;
    int64_t tt_latest;
    uint64_t lamport;
    struct vclock vc;
    uint32_t incarnation;
    struct node_desc desc;
};

/* A client op as a command asks for it. */
struct engine_op_spec {
    const char *label; /* may be NULL or "" */
    int client;        /* 0-based */
    enum op_kind kind;
    const char *key;
    const char *value; /* put value / set element; may be NULL */
    int64_t amount;
    int via;        /* node index or -1 */
    uint64_t after; /* op id whose read context a write carries, or 0 */
    bool carry;     /* a write carries the client's last context for the key, if it has one */
};

struct engine;

/* model: a registered model name; n_nodes in 1..ENGINE_MAX_NODES. */
int engine_create(const char *model, int n_nodes, uint64_t seed, struct engine **out);
void engine_destroy(struct engine *e);
/* The engine as engine_create(its model, its nodes, seed) would make it — same traces, byte
 * for byte — keeping its memory: for running many seeds in turn. Observers are dropped. */
int engine_reset(struct engine *e, uint64_t seed);
const char *engine_strerror(int err);

/* Parameters: engine ones first, then the model's. */
extern const struct param_def engine_params[EP_COUNT];
/* key and value as a user writes them. On error, err says what is valid. */
int engine_set(struct engine *e, const char *key, const char *value, char *err, size_t errlen);
/* The value of a parameter as a user would write it; -1 if unknown. */
int engine_get(const struct engine *e, const char *key, char *dst, size_t size);
int64_t engine_param_num(const struct engine *e, enum engine_param p);

/* Cluster shape and time. */
int engine_nodes(const struct engine *e);
uint64_t engine_seed(const struct engine *e);
const struct model_ops *engine_model(const struct engine *e);
int64_t engine_now(const struct engine *e);

/* Running. Each returns an engine_stop; ENGINE_ACTION fills *action with the id
 * given to engine_schedule_action(). */
enum engine_stop engine_step(struct engine *e, uint64_t *action);
enum engine_stop engine_run_until(struct engine *e, int64_t t_us, uint64_t *action);
/* Runs until quiet (no busy message in flight, no pending op, no scheduled action,
 * no model work), or until max_us of virtual time have passed. */
enum engine_stop engine_run_until_quiet(struct engine *e, int64_t max_us, uint64_t *action);
bool engine_quiet(const struct engine *e);
/* The virtual time of the next queued event (message, timer, resume, action); -1 when none. */
int64_t engine_next_at(const struct engine *e);
/* Idle skip (lessons, sandbox, demos): when nothing a viewer could watch is under way -- no
 * message on the wire, chatter included, only timers pending (node timers, op timeouts,
 * resumes, scheduled actions) -- the time of the next of them, which a viewer may skip to at
 * once; -1 while a message is in flight or nothing is pending at all. */
int64_t engine_idle_until(const struct engine *e);
/* Schedules an action (the caller's id) for time at_us; the run calls stop on it. */
int engine_schedule_action(struct engine *e, int64_t at_us, uint64_t id);
size_t engine_pending_actions(const struct engine *e);

/* Faults. Each is traced. */
int engine_kill(struct engine *e, int node);
int engine_restart(struct engine *e, int node, bool wipe);
/* for_us < 0: until engine_resume(). */
int engine_pause(struct engine *e, int node, int64_t for_us);
int engine_resume(struct engine *e, int node);
int engine_cut(struct engine *e, int from, int to, bool both, bool cut);
/* group[i] per node. */
int engine_partition(struct engine *e, const int *group);
void engine_heal(struct engine *e);
/* Link settings; from = to = -1 for every link. A field < 0 is left alone. */
struct engine_link_cfg {
    int64_t lat_min_us;
    int64_t lat_max_us;
    int64_t drop_bp;
    int64_t dup_bp;
    int64_t reorder_bp;
};
int engine_link(struct engine *e, int from, int to, bool both, const struct engine_link_cfg *cfg);
int engine_skew(struct engine *e, int node, int64_t delta_us);
int engine_drift(struct engine *e, int node, int32_t ppm);
int engine_ntp(struct engine *e, int node);
/* The user as the network (adversary mode): deliver an in-flight message now, hold it
 * back by delay_us more, or drop it. ENGINE_ENODE when no message with that id is in
 * flight. Traced as a fault. */
enum engine_msg_act {
    ENGINE_MSG_DELIVER,
    ENGINE_MSG_DELAY,
    ENGINE_MSG_DROP,
};
int engine_msg(struct engine *e, uint64_t id, enum engine_msg_act act, int64_t delay_us);

/* A note in the trace marked what (TRACE_SUB_SAY for a demo caption, TRACE_SUB_BEAT for a demo
 * beat). */
void engine_mark(struct engine *e, enum trace_sub what, const char *text);
/* A plain note in the trace (the script's `note`). */
void engine_note(struct engine *e, const char *text);

/*
 * A steady background workload: every period_us of virtual time one client op
 * on a key picked from keys (a put of a fresh value, or a get with probability
 * reads_bp/10000), through via or wherever the model routes it, from clients
 * c1..c3 in turn. Each put carries its client's last context for the key (as
 * a Riak client writes back the object it fetched). A running workload keeps
 * the cluster from being quiet.
 */
#define ENGINE_WORKLOAD_KEYS 8
struct engine_workload {
    int64_t period_us; /* 0: off */
    char keys[ENGINE_WORKLOAD_KEYS][STORE_KEY_MAX];
    int n_keys; /* 0: x, y, z */
    int via;    /* node index or -1 */
    uint32_t reads_bp;
};
void engine_workload(struct engine *e, const struct engine_workload *w);
bool engine_workload_on(const struct engine *e);

/* Client ops. Returns the op id (> 0), or a negative ENGINE_E*. */
int64_t engine_submit(struct engine *e, const struct engine_op_spec *spec);

/* Queries. */
int engine_node(const struct engine *e, int node, struct engine_node *out);
const struct store *engine_store(const struct engine *e, int node);
const struct net *engine_net(const struct engine *e);
const struct history *engine_history(const struct engine *e);
struct trace *engine_trace(struct engine *e);
/* Is node one of key's replicas (always true for models that replicate everything)? */
bool engine_replica_of(const struct engine *e, int node, const char *key);
/* What a local read of key at node returns now. */
void engine_read_local(const struct engine *e, int node, const char *key, struct op_values *out);
/* 1 holds, 0 not; got says what was found. */
int engine_eval_model_pred(const struct engine *e, int pred, const struct pred_args *args,
                           char *got, size_t gotlen);
/* Runs the model's own command cmd (model_ops.cmds), traced as a setting. 0, or
 * ENGINE_EPARAM with err saying why. */
int engine_command(struct engine *e, int cmd, const struct model_cmd_args *args, char *err,
                   size_t errlen);
/* Counters for benches and the summary. */
uint64_t engine_events(const struct engine *e);

#endif
