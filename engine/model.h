/*
 * model: the interface every replication model implements, and the calls
 * the engine offers a model in return.
 *
 * A model is one file that exports one const struct model_ops. The engine
 * owns time, the network, clocks, node lifecycles, stores and the history; a
 * model owns only its protocol state, which it keeps in its own
 * struct model_state (each model defines that struct in its own file). Every
 * handler runs on behalf of one node and may read only that node's state and
 * the message it was handed: nodes share nothing, and a message body is a
 * copy. A node learns of other nodes only through messages and timeouts —
 * there is deliberately no "is node k up?" call.
 *
 * Handlers are called only for nodes that are up and not paused. Time seen
 * by a node is its own clock (model_phys, model_mono); timers are set in the
 * node's local (drifting) time.
 */
#ifndef SPLITBRAIN_MODEL_H
#define SPLITBRAIN_MODEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "history.h"
#include "net.h"
#include "param.h"
#include "sim.h"
#include "store.h"
#include "trace.h"

#define MODEL_MAX_PARAMS    32
#define MODEL_MAX_PRED_ARGS 3

/* How a model describes one node for the TUI and the summary. */
struct node_desc {
    char role[16];   /* "leader", "follower", "candidate", "replica", "" */
    int64_t epoch;   /* epoch or term; -1 when the model has none */
    int64_t commit;  /* commit offset / high watermark; -1 when the model has none */
    char detail[96]; /* one line: "hw 3, isr n1,n2" */
    /* It leads: takes writes and orders them for others (a single-leader model's leader, every
     * node of a multi-leader one). Callers test this, never the role's word. */
    bool leads;
};

/* Argument kinds of a model-defined predicate ("expect hw n1 == 3"). */
enum pred_arg {
    PRED_NODE,  /* n1 */
    PRED_KEY,   /* a key */
    PRED_LABEL, /* an op label defined earlier */
    PRED_INT,   /* a whole number */
    PRED_WORD,  /* one of the predicate's words, "met|failed" */
};

struct pred_def {
    const char *name;
    const char *usage; /* "quorum LABEL met|failed" */
    enum pred_arg args[MODEL_MAX_PRED_ARGS];
    int nargs;
    const char *words; /* choices for a PRED_WORD argument */
    bool compares;     /* followed by "== VALUE" */
    const char *help;
};

struct pred_value {
    int node;
    int64_t num; /* PRED_INT, or PRED_WORD choice index */
    uint64_t op_id;
    char text[STORE_VAL_MAX];
};

struct pred_args {
    struct pred_value a[MODEL_MAX_PRED_ARGS];
    struct op_values cmp; /* the "== VALUE" side, when the predicate compares */
};

/*
 * A model's own command, written like the built-in ones: NAME KEY NODE...
 * ("place cart n1 n2 n3"). The script parser checks the key and the node
 * names; the model checks the rest when the command runs.
 */
#define MODEL_MAX_CMD_NODES 8

struct model_cmd_def {
    const char *name;
    const char *usage; /* "place KEY NODE..." */
    int min_nodes;
    int max_nodes; /* at most MODEL_MAX_CMD_NODES */
    const char *help;
};

struct model_cmd_args {
    char key[STORE_KEY_MAX];
    int nodes[MODEL_MAX_CMD_NODES];
    int n_nodes;
};

struct model_ctx;
struct model_state;

struct model_ops {
    const char *name;  /* "leader": what `model NAME` takes */
    const char *title; /* one line for help and the summary */
    const struct param_def *params;
    int n_params;
    const struct pred_def *preds;
    int n_preds;
    const char *const *msg_names; /* name of each message type the model sends */
    int n_msg_types;
    unsigned op_mask; /* 1u << OP_PUT | ...: which client ops it serves */

    /* Builds the model's state for model_nodes(ctx) nodes; parameters are already set. */
    struct model_state *(*create)(struct model_ctx *ctx);
    void (*destroy)(struct model_state *st);
    /* Time 0: initial roles, first timers. */
    void (*start)(struct model_state *st);
    /* Parameter idx changed during a run (model_param() has the new value). */
    void (*param_changed)(struct model_state *st, int idx);
    void (*message)(struct model_state *st, int node, const struct msg *m);
    void (*timer)(struct model_state *st, int node, int kind, int64_t arg);
    /* A client request arrived at node. Answer it, now or later, with model_reply(). */
    void (*request)(struct model_state *st, int node, const struct op_req *req);
    /* The node crashed: its volatile state is gone. Called after the engine stopped its timers. */
    void (*crash)(struct model_state *st, int node);
    /* The node restarts. durable: its durable state (and store) survived; false after a wipe. */
    void (*recover)(struct model_state *st, int node, bool durable);
    /* Which node a client without "via" sends req to; hint is the node the client last
     * heard is right (a redirect), or -1. */
    int (*route)(struct model_state *st, const struct op_req *req, int hint);
    void (*describe)(struct model_state *st, int node, struct node_desc *out);
    /* What a local read of key at node returns right now (for "expect value" and convergence). */
    void (*read_local)(struct model_state *st, int node, const char *key, struct op_values *out);
    /* Is node one of key's replicas? NULL: every node holds every key. Convergence compares
     * only a key's replicas. */
    bool (*replica_of)(struct model_state *st, int node, const char *key);
    /* True while the model has work queued that no message in flight shows (NULL: never). */
    bool (*busy)(struct model_state *st);
    /*
     * True when the client of req expects no answer at all (Kafka's acks=0): the engine
     * records the op ok as soon as it is sent, with detail. NULL: every op waits for a reply.
     */
    bool (*fire_and_forget)(struct model_state *st, const struct op_req *req, char *detail,
                            size_t size);
    /* Evaluates model predicate pred: 1 holds, 0 does not; got says what was found. */
    int (*eval)(struct model_state *st, int pred, const struct pred_args *args, char *got,
                size_t gotlen);
    /* The model's own commands (NULL/0: none) and the call that runs one: 0, or -1 with err. */
    const struct model_cmd_def *cmds;
    int n_cmds;
    int (*command)(struct model_state *st, int cmd, const struct model_cmd_args *args, char *err,
                   size_t errlen);
};

/* The models, one file each; model.c lists them in the order `model` shows them. */
extern const struct model_ops leader_model;
extern const struct model_ops multi_model;
extern const struct model_ops leaderless_model;
extern const struct model_ops echo_model;

/* The registry of models. */
const struct model_ops *model_find(const char *name);
int model_count(void);
const struct model_ops *model_at(int i);
int model_find_param(const struct model_ops *ops, const char *name);
int model_find_pred(const struct model_ops *ops, const char *name);
int model_find_cmd(const struct model_ops *ops, const char *name);

/* ---- What the engine offers a model (implemented in engine.c) ---- */

int model_nodes(const struct model_ctx *ctx);
/* The node's own clocks. */
int64_t model_phys(const struct model_ctx *ctx, int node);
int64_t model_mono(const struct model_ctx *ctx, int node);
void model_truetime(const struct model_ctx *ctx, int node, int64_t *earliest, int64_t *latest);
uint64_t model_lamport(const struct model_ctx *ctx, int node);
const struct vclock *model_vclock(const struct model_ctx *ctx, int node);

/*
 * Sends a message from node from to node to. body (len bytes, at most
 * NET_MAX_BODY) is copied. idle marks background chatter (heartbeats, empty
 * polls) that does not keep "run until quiet" waiting. summary is a short
 * human label, "append x=1 @3". Returns 0, or a negative NET_E* (traced as
 * a drop). The summary is formatted only when someone reads message text
 * (model_text_wanted); a model that builds an argument for it at some cost
 * (a clock formatted into a buffer) can skip that work when no one does.
 */
bool model_text_wanted(const struct model_ctx *ctx);
int model_send(struct model_ctx *ctx, int from, int to, int type, bool idle, const void *body,
               size_t len, const char *summary_fmt, ...) __attribute__((format(printf, 8, 9)));

/* Starts a timer on node that fires after local_us of the node's own clock. Returns its id. */
uint64_t model_timer(struct model_ctx *ctx, int node, int kind, const char *name, int64_t local_us,
                     int64_t arg);
void model_timer_cancel(struct model_ctx *ctx, uint64_t id);

/* Answers a client request (copied); the reply travels back to the client. */
void model_reply(struct model_ctx *ctx, int node, const struct op_req *req,
                 const struct op_reply *rep);
/* The plain answer: op_reply_init(kind, reason, vals, detail), then model_reply(). */
void model_answer(struct model_ctx *ctx, int node, const struct op_req *req, enum reply_kind kind,
                  const char *reason, const struct op_values *vals, const char *detail);

/* The node's replica store. */
struct store *model_store(struct model_ctx *ctx, int node);
const struct param_value *model_param(const struct model_ctx *ctx, int idx);
/* Its number: the choice index of an enum, 0/1 of a bool, microseconds, a node index. */
int64_t model_pnum(const struct model_ctx *ctx, int idx);
/* The run's seed and how many events it has dispatched (for an invariant's report). */
uint64_t model_seed(const struct model_ctx *ctx);
uint64_t model_event_no(const struct model_ctx *ctx);
/* The model's own random stream. */
struct sim_rng *model_rng(struct model_ctx *ctx);

/* Records an event in the trace on node's behalf. */
void model_trace(struct model_ctx *ctx, enum trace_kind kind, int node, int peer, int64_t a,
                 int64_t b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* The same for a variant of its kind that readers tell apart (trace.h): a role that leads, a
 * note of an unclean election. */
void model_trace_as(struct model_ctx *ctx, enum trace_kind kind, enum trace_sub sub, int node,
                    int peer, int64_t a, int64_t b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
/*
 * Node threw away key=value without the survivor having seen it (last write wins between
 * concurrent writes, a sibling over the limit): the write is lost, and the lost-writes
 * checker counts on this record to tell a loss from an overwrite. Traced as a conflict.
 */
void model_discard(struct model_ctx *ctx, int node, const char *key, const char *value,
                   const char *why_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Why a write was thrown away; model_discard() is MODEL_DISCARD_CONCURRENT. */
enum model_discard_kind {
    MODEL_DISCARD_CONCURRENT, /* for a write it had not seen and that had not seen it */
    MODEL_DISCARD_LATER,      /* though it had seen the survivor (lww, a clock behind) */
    MODEL_DISCARD_BOUND,      /* pushed out by a bound of the model (too many siblings) */
};
/* The same, saying why: the lost-writes checker names the cause, and a write pushed out by
 * a bound is lost whatever came after it. */
void model_discard_as(struct model_ctx *ctx, int node, const char *key, const char *value,
                      enum model_discard_kind kind, const char *why_fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Node decided suspect is dead (a timeout, an ISR removal): the failure-detection record. */
void model_suspect(struct model_ctx *ctx, int node, int suspect, const char *reason);

#endif
