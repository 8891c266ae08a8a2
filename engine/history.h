/*
 * history: every client operation, as a client saw it — invoked at one
 * virtual time, completed (ok with values, fail with a reason, or timeout) at
 * another, or still pending. The checkers read it; the summary prints it.
 *
 * Also the wire shapes of a client request and of a node's reply, which
 * travel as message bodies (copied by value, like every message).
 *
 * Limit: HISTORY_MAX_OPS operations; past it history_add() refuses and the
 * op fails at once with "history full".
 */
#ifndef SPLITBRAIN_HISTORY_H
#define SPLITBRAIN_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "store.h"

#define HISTORY_MAX_OPS    50000
#define HISTORY_MAX_VALUES 16
#define HISTORY_LABEL_MAX  16
#define HISTORY_REASON_MAX 64
#define HISTORY_DETAIL_MAX 96

enum op_kind {
    OP_PUT,
    OP_GET,
    OP_INCR,
    OP_ADD,
    OP_REMOVE,
    OP_DEL, /* a delete: a tombstone with its own version */
};

enum op_status {
    OP_PENDING,
    OP_OK,
    OP_FAIL,
    OP_TIMEOUT,
};

/* One value, or several (siblings, a set); n = 0 is "nothing" (a read of a missing key). */
struct op_values {
    int n;
    char v[HISTORY_MAX_VALUES][STORE_VAL_MAX];
};

/*
 * An op's result as the history keeps it: n values stored out of line in the history's value
 * arena (v is NULL when n is 0), so an op record holds 16 bytes here, not 16 full values. Read
 * it as r.n and r.v[i], like struct op_values; fill it with history_result_set() or
 * history_result_add(). Valid as long as the history (until history_reset).
 */
struct op_result {
    int n;
    char (*v)[STORE_VAL_MAX];
};

/* What a client sends to a node. */
struct op_req {
    uint64_t op_id;
    int client; /* client index, 0-based */
    enum op_kind kind;
    char key[STORE_KEY_MAX];
    char value[STORE_VAL_MAX]; /* put value, or set element */
    int64_t amount;            /* incr */
    bool has_ctx;              /* a write "after rN": the version context that read returned */
    struct vclock ctx;
    int64_t session_pos;  /* the client's session position (e.g. offset of its last write) */
    int64_t client_ts_us; /* the client's clock when it issued the op (a client timestamp) */
    int sticky;           /* the node a sticky session reads from, or -1 */
    bool direct;          /* the client named the node ("via"): do not forward */
    int attempt;
};

enum reply_kind {
    REPLY_OK,
    REPLY_FAIL,
    REPLY_REDIRECT,
};

/* What a node answers. */
struct op_reply {
    uint64_t op_id;
    enum reply_kind kind;
    struct op_values vals;
    char reason[HISTORY_REASON_MAX];
    int redirect; /* REPLY_REDIRECT: where to go; -1 unknown */
    bool has_ctx; /* a read's version context, for a later "after" write */
    struct vclock ctx;
    int64_t pos; /* session position the write reached or the read reflects; -1 none */
    int quorum;  /* -1 not a quorum op; 0 failed; 1 met */
    /* A quorum op: the replicas that answered it, as a node mask (nodemask.h). */
    uint64_t replicas;
    char detail[HISTORY_DETAIL_MAX]; /* what the model wants the summary to say */
    bool retriable; /* REPLY_FAIL: a client with retries left may send the write again */
};

/*
 * The one way a reply is built: kind, with reason, values and detail copied (each may be NULL:
 * none); not a quorum op (quorum -1), no session position (pos -1), no redirect (-1), no
 * context, not retriable. The model fills in whatever else it has before model_reply().
 */
void op_reply_init(struct op_reply *rep, enum reply_kind kind, const char *reason,
                   const struct op_values *vals, const char *detail);

struct op {
    uint64_t id; /* 1-based; the index in the history plus one */
    char label[HISTORY_LABEL_MAX];
    struct op_req req;
    int via;        /* the node the client named, or -1 */
    int node;       /* the node it last went to */
    uint64_t after; /* the op whose context a write carries, or 0 */
    int64_t invoke_us;
    int64_t complete_us;
    enum op_status status;
    struct op_result result;
    /* Never NULL in the history ("" when none): kept in its string arena, cut as before to
     * HISTORY_REASON_MAX - 1 and HISTORY_DETAIL_MAX - 1 bytes; set with history_reason_set() and
     * history_detail_set(). */
    const char *reason;
    const char *detail;
    int quorum;
    uint64_t replicas; /* the reply's replica set (a nodemask), when quorum >= 0 */
    bool has_ctx;
    /* The reply's version context when has_ctx, kept in the history's context arena (NULL
     * otherwise): most ops carry none, so a record holds a pointer, not 64 entries. */
    const struct vclock *ctx;
    int redirects;
    int retries; /* how many times the client sent it again (`set retries`) */
};

struct history;

struct history *history_create(void);
void history_destroy(struct history *h);
/* Empty, as new, keeping the memory. */
void history_reset(struct history *h);
/* How many times h was reset: a reader that keeps pointers to its ops must start over when it
 * changes (the ops are zeroed and reused). */
uint64_t history_resets(const struct history *h);

/* Copies op (and its result's values, reply context, reason and detail, wherever they live), gives
 * it the next id; returns the id, or 0 when full. */
uint64_t history_add(struct history *h, const struct op *op);
/* A new pending op, zeroed but for its id, for the caller to fill in place; NULL when full. */
struct op *history_add_new(struct history *h);
size_t history_count(const struct history *h);
/* By id (1-based); NULL when out of range. Valid as long as the history. */
struct op *history_get(struct history *h, uint64_t id);
const struct op *history_at(const struct history *h, uint64_t id);
/* The op with this label, or NULL. */
const struct op *history_find_label(const struct history *h, const char *label);
size_t history_pending(const struct history *h);
/* Sets op's result to a copy of vals (op must be in h). */
void history_result_set(struct history *h, struct op *op, const struct op_values *vals);
/* Adds s to op's result unless present, as op_values_add(); false when full. */
bool history_result_add(struct history *h, struct op *op, const char *s);
/* Sets op's reply context: a copy of ctx (has_ctx true), or none when ctx is NULL. */
void history_ctx_set(struct history *h, struct op *op, const struct vclock *ctx);
/* Sets op's reason or detail to a copy of s (cut to fit, as a fixed field would). */
void history_reason_set(struct history *h, struct op *op, const char *s);
void history_detail_set(struct history *h, struct op *op, const char *s);
/* Marks a pending op finished with status at t_us; the caller fills result, reason and detail. */
struct op *history_complete(struct history *h, uint64_t id, enum op_status status, int64_t t_us);

const char *op_kind_name(enum op_kind k);
const char *op_status_name(enum op_status s);
/* "put x=1", "get x", "incr c 2", "add s a". */
void op_format_req(const struct op_req *req, char *dst, size_t size);
/* "7", "{B,C}", "nil" — sorted, as expect compares them. */
void op_format_values(const struct op_values *v, char *dst, size_t size);
/* The same for an op's result, and the result as a struct op_values. */
void op_format_result(const struct op_result *r, char *dst, size_t size);
void op_result_values(const struct op_result *r, struct op_values *out);
bool op_result_equal(const struct op_result *r, const struct op_values *v);
/* Sorts values so two sets compare equal whatever their order. */
void op_values_sort(struct op_values *v);
bool op_values_equal(const struct op_values *a, const struct op_values *b);
/* Adds s unless present; false when full. */
bool op_values_add(struct op_values *v, const char *s);

#endif
