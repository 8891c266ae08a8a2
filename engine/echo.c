/*
 * echo: the smallest replication protocol there is, for the first lesson and
 * for measuring the engine itself.
 *
 * A node that takes a client write stores it, then sends an `echo` carrying
 * the key and value to every other node. Each node that receives an echo
 * stores the value and answers `ack`. The first node acknowledges the client
 * once `acks` replicas hold the write -- itself and acks-1 peers that answered,
 * counted as Kafka counts its acks (all of them by default) -- so a dead or
 * cut-off peer makes writes hang until the client times out — the first
 * taste of why real protocols wait for a quorum instead. Reads are local:
 * whatever the node has. There is no ordering: two concurrent writes to the
 * same key can leave nodes disagreeing, which the later models fix.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

#define ECHO_MAX_PENDING 256

enum {
    P_ACKS,
};

static const struct param_def params[] = {
    [P_ACKS] =
        {"acks", PARAM_ENUM_OR_INT, "all", "all", 0, 64,
         "how many replicas, the node that took the write included, must hold it before the client hears ok"},
};

enum msg_type {
    M_ECHO,
    M_ACK,
};

static const char *const msg_names[] = {
    [M_ECHO] = "echo",
    [M_ACK] = "ack",
};

struct echo_body {
    uint64_t wid;
    char key[STORE_KEY_MAX];
    char value[STORE_VAL_MAX];
};

struct pending {
    bool used;
    uint64_t wid;
    struct op_req req;
    int need;
    int got;
};

struct echo_node {
    uint64_t next_wid;
    struct pending pending[ECHO_MAX_PENDING];
};

struct model_state {
    struct model_ctx *ctx;
    int n;
    struct echo_node *nodes;
};

static struct model_state *echo_create(struct model_ctx *ctx)
{
    struct model_state *st = xcalloc(1, sizeof(*st));

    st->ctx = ctx;
    st->n = model_nodes(ctx);
    st->nodes = xcalloc((size_t)st->n, sizeof(*st->nodes));
    return st;
}

static void echo_destroy(struct model_state *st)
{
    if (!st)
        return;
    free(st->nodes);
    free(st);
}

static void echo_start(struct model_state *st)
{
    (void)st;
}

static void store_value(struct model_state *st, int node, const char *key, const char *value)
{
    struct store_version v;

    memset(&v, 0, sizeof(v));
    util_strlcpy(v.value, value, sizeof(v.value));
    v.origin = node;
    v.ts_us = model_phys(st->ctx, node);
    v.lamport = model_lamport(st->ctx, node);
    store_kv_set(model_store(st->ctx, node), key, &v, 1);
}

static void echo_read_local(struct model_state *st, int node, const char *key,
                            struct op_values *out)
{
    const struct store_item *it = store_kv_get(model_store(st->ctx, node), key);

    memset(out, 0, sizeof(*out));
    if (it && it->n > 0)
        op_values_add(out, it->v[0].value);
}

static void echo_request(struct model_state *st, int node, const struct op_req *req)
{
    struct echo_node *en = &st->nodes[node];
    const struct param_value *acks = model_param(st->ctx, P_ACKS);
    struct echo_body body;
    struct pending *p = NULL;
    int need;

    if (req->kind == OP_GET) {
        struct op_values vals;
        echo_read_local(st, node, req->key, &vals);
        model_answer(st->ctx, node, req, REPLY_OK, NULL, &vals, NULL);
        return;
    }
    /* acks counts replicas, this node's own copy included: acks 1 answers at once. */
    need = acks->choice == 0 ? st->n - 1 : (int)acks->num - 1;
    if (need < 0)
        need = 0;
    if (need > st->n - 1)
        need = st->n - 1;
    store_value(st, node, req->key, req->value);
    if (need == 0) {
        model_answer(st->ctx, node, req, REPLY_OK, NULL, NULL, NULL);
    } else {
        for (int i = 0; i < ECHO_MAX_PENDING; i++) {
            if (!en->pending[i].used) {
                p = &en->pending[i];
                break;
            }
        }
        if (!p) {
            model_answer(st->ctx, node, req, REPLY_FAIL, "too many writes in progress", NULL, NULL);
            return;
        }
        p->used = true;
        p->wid = ++en->next_wid;
        p->req = *req;
        p->need = need;
        p->got = 0;
    }
    memset(&body, 0, sizeof(body));
    body.wid = p ? p->wid : 0;
    util_strlcpy(body.key, req->key, sizeof(body.key));
    util_strlcpy(body.value, req->value, sizeof(body.value));
    for (int peer = 0; peer < st->n; peer++)
        if (peer != node)
            model_send(st->ctx, node, peer, M_ECHO, false, &body, sizeof(body), "echo %s=%s",
                       body.key, body.value);
}

static void echo_message(struct model_state *st, int node, const struct msg *m)
{
    struct echo_body body;

    memcpy(&body, m->body, sizeof(body));
    switch ((enum msg_type)m->type) {
    case M_ECHO:
        store_value(st, node, body.key, body.value);
        model_send(st->ctx, node, m->from, M_ACK, false, &body, sizeof(body), "ack %s", body.key);
        break;
    case M_ACK:
        for (int i = 0; i < ECHO_MAX_PENDING; i++) {
            struct pending *p = &st->nodes[node].pending[i];
            /* A duplicated ack must not count twice, so only an open write counts it. */
            if (p->used && p->wid == body.wid && body.wid != 0) {
                if (++p->got >= p->need) {
                    model_answer(st->ctx, node, &p->req, REPLY_OK, NULL, NULL, NULL);
                    p->used = false;
                }
                break;
            }
        }
        break;
    }
}

static void echo_timer(struct model_state *st, int node, int kind, int64_t arg)
{
    (void)st;
    (void)node;
    (void)kind;
    (void)arg;
}

static void echo_crash(struct model_state *st, int node)
{
    /* Writes waiting for acks were in memory: they are gone, and their clients will time out. */
    memset(st->nodes[node].pending, 0, sizeof(st->nodes[node].pending));
}

static void echo_recover(struct model_state *st, int node, bool durable)
{
    (void)durable;
    memset(st->nodes[node].pending, 0, sizeof(st->nodes[node].pending));
}

static int echo_route(struct model_state *st, const struct op_req *req, int hint)
{
    (void)req;
    if (hint >= 0)
        return hint;
    return (int)sim_rng_below(model_rng(st->ctx), (uint64_t)st->n);
}

static void echo_describe(struct model_state *st, int node, struct node_desc *out)
{
    int open = 0;

    for (int i = 0; i < ECHO_MAX_PENDING; i++)
        open += st->nodes[node].pending[i].used;
    util_strlcpy(out->role, "node", sizeof(out->role));
    snprintf(out->detail, sizeof(out->detail), "%d keys, writes waiting for acks: %d",
             store_kv_count(model_store(st->ctx, node)), open);
}

const struct model_ops echo_model = {
    .name = "echo",
    .title = "echo: every write is broadcast and acknowledged by every peer",
    .params = params,
    .n_params = (int)ARRAY_LEN(params),
    .msg_names = msg_names,
    .n_msg_types = (int)ARRAY_LEN(msg_names),
    .op_mask = 1u << OP_PUT | 1u << OP_GET,
    .create = echo_create,
    .destroy = echo_destroy,
    .start = echo_start,
    .message = echo_message,
    .timer = echo_timer,
    .request = echo_request,
    .crash = echo_crash,
    .recover = echo_recover,
    .route = echo_route,
    .describe = echo_describe,
    .read_local = echo_read_local,
};
