#include "engine.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

/* Kinds of event on the queue. */
enum {
    EV_DELIVER,    /* id = message id, arg = slot */
    EV_TIMER,      /* id = timer id, arg = slot */
    EV_ACTION,     /* id = the caller's action id */
    EV_OP_TIMEOUT, /* id = op id */
    EV_RESUME,     /* node, arg = pause generation */
    EV_WORKLOAD,   /* arg = workload generation */
};

/* Message types the engine itself sends between clients and nodes. */
enum {
    MSG_REQUEST = -1,
    MSG_REPLY = -2,
};

const struct param_def engine_params[EP_COUNT] = {
    [EP_TIMING] =
        {"timing", PARAM_ENUM, "sync|partial|async", "sync", 0, 0,
         "system model: sync = delays within the link bound; partial = unbounded until gst; async = long-tailed delays, always"},
    [EP_GST] = {"gst", PARAM_DURATION, NULL, "5s", 0, 3600000000LL,
                "global stabilisation time of the partially synchronous model"},
    [EP_OP_TIMEOUT] = {"op_timeout", PARAM_DURATION, NULL, "2s", 1000, 3600000000LL,
                       "how long a client waits for an answer before it records a timeout"},
    [EP_DURABILITY] =
        {"durability", PARAM_ENUM, "disk|memory", "disk", 0, 0,
         "disk: a restarted node keeps its store and durable state; memory: it comes back empty and catches up from scratch"},
    [EP_TRUETIME] = {"truetime", PARAM_DURATION, NULL, "1ms", 0, 60000000LL,
                     "base epsilon of the TrueTime interval [now - e, now + e], just after a sync"},
    [EP_CLIENT_LATENCY] = {"client_latency", PARAM_DURATION, NULL, "1ms", 0, 10000000LL,
                           "one-way delay between a client and a node"},
    [EP_NTP_ERROR] = {"ntp_error", PARAM_DURATION, NULL, "0ms", 0, 10000000LL,
                      "an NTP resync lands within +- this of true time"},
    [EP_QUIET_MAX] = {"quiet_max", PARAM_DURATION, NULL, "60s", 1000, 3600000000LL,
                      "the most virtual time `run until quiet` waits"},
    [EP_REDIRECTS] = {"redirects", PARAM_INT, NULL, "3", 0, 10,
                      "how many redirects a client follows before the op fails"},
    [EP_RETRIES] =
        {"retries", PARAM_INT, NULL, "0", 0, 100,
         "how many times a client sends a write again after a timeout or a retriable failure (not leader, fenced)"},
    [EP_TRUETIME_DRIFT] =
        {"truetime_drift", PARAM_INT, NULL, "200", 0, 100000,
         "TrueTime's assumed drift bound in ppm: epsilon grows by this much of the time since the node's last ntp"},
};

struct timer_slot {
    uint64_t id;
    int node;
    int kind;
    int64_t arg;
    char name[16];
    bool active;
};

/* Version contexts one client remembers (its last for each of this many keys, oldest
 * replaced first). */
#define ENGINE_CLIENT_CTX_KEYS 16

struct client_ctx {
    char key[STORE_KEY_MAX];
    struct vclock ctx;
    uint64_t used; /* the op that left it; 0: empty */
};

struct client {
    int hint;            /* the node a redirect last pointed at, or -1 */
    int64_t session_pos; /* highest position a reply reported */
    int sticky;          /* the node this client read from last, or -1 */
    struct client_ctx ctx[ENGINE_CLIENT_CTX_KEYS];
};

struct model_ctx {
    struct engine *e;
};

struct engine {
    const struct model_ops *ops;
    struct model_state *st;
    struct model_ctx ctx;
    int n;
    uint64_t seed;
    struct sim *sim;
    struct net *net;
    struct trace *trace;
    struct history *hist;
    struct sim_rng model_rng;
    struct sim_rng engine_rng;
    struct node nodes[ENGINE_MAX_NODES];
    struct clock clocks[ENGINE_MAX_NODES];
    struct vclock vcs[ENGINE_MAX_NODES];
    struct store *stores[ENGINE_MAX_NODES];
    struct client clients[ENGINE_MAX_CLIENTS];
    struct param_value eparams[EP_COUNT];
    struct param_value mparams[MODEL_MAX_PARAMS];
    struct timer_slot *timers;
    int n_timer_slots;
    int *timer_free;
    int n_timer_free;
    uint64_t next_timer_id;
    size_t pending_actions;
    uint64_t events;
    bool started;
    struct engine_workload wl;
    uint32_t wl_gen;
    uint64_t wl_count;
    /* Scratch for the message being sent and the one being delivered: no allocation per
     * message. A handler runs with in_msg and sends through out_msg; neither nests. */
    struct msg out_msg;
    struct msg in_msg;
};

/* ---- helpers ---- */

static struct trace_event new_event(const struct engine *e, enum trace_kind kind, int node,
                                    int peer)
{
    struct trace_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.t_us = sim_now(e->sim);
    ev.kind = kind;
    ev.node = node;
    ev.peer = peer;
    return ev;
}

static void emitf(struct engine *e, enum trace_kind kind, int node, int peer, const char *name,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void emit_sub(struct engine *e, enum trace_kind kind, enum trace_sub sub, int node, int peer,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Emits an event with printf-style text. Nothing is built for a kind no one
 * wants, and the text is formatted only when someone reads it (trace.h).
 */
static void emitf(struct engine *e, enum trace_kind kind, int node, int peer, const char *name,
                  const char *fmt, ...)
{
    struct trace_event ev;
    va_list ap;

    if (!trace_wants(e->trace, kind)) {
        trace_skip(e->trace);
        return;
    }
    ev = new_event(e, kind, node, peer);
    if (name)
        util_strlcpy(ev.name, name, sizeof(ev.name));
    if (trace_wants_text(e->trace, kind)) {
        va_start(ap, fmt);
        vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
        va_end(ap);
    }
    trace_emit(e->trace, &ev);
}

/* The same for a variant of its kind: typed as sub, named by trace_sub_name(sub). */
static void emit_sub(struct engine *e, enum trace_kind kind, enum trace_sub sub, int node, int peer,
                     const char *fmt, ...)
{
    struct trace_event ev;
    va_list ap;

    if (!trace_wants(e->trace, kind)) {
        trace_skip(e->trace);
        return;
    }
    ev = new_event(e, kind, node, peer);
    ev.sub = sub;
    util_strlcpy(ev.name, trace_sub_name(sub), sizeof(ev.name));
    if (trace_wants_text(e->trace, kind)) {
        va_start(ap, fmt);
        vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
        va_end(ap);
    }
    trace_emit(e->trace, &ev);
}

/* Does anyone read message summaries (in send, deliver, drop or fault text, or in flight)? */
static bool want_summaries(const struct engine *e)
{
    return trace_text_mask(e->trace) & (TRACE_BIT(TRACE_SEND) | TRACE_BIT(TRACE_DELIVER) |
                                        TRACE_BIT(TRACE_DROP) | TRACE_BIT(TRACE_FAULT));
}

/* A message header in the scratch buffer, ready for net_send to fill in the rest. */
static struct msg *out_msg(struct engine *e, int from, int to, int type, const char *type_name)
{
    struct msg *m = &e->out_msg;

    m->from = from;
    m->to = to;
    m->type = type;
    m->idle = false;
    m->wire_bytes = 0;
    m->lamport = 0;
    m->summary[0] = '\0';
    util_strlcpy(m->type_name, type_name, sizeof(m->type_name));
    return m;
}

/* The sender's vector clock into m: the cluster's entries (the rest stay zero). */
static void stamp_vc(struct engine *e, struct msg *m, int node)
{
    clock_vc_tick(&e->vcs[node], node);
    memcpy(m->vc.v, e->vcs[node].v, (size_t)e->n * sizeof(m->vc.v[0]));
}

static void schedule(struct engine *e, int64_t at, int kind, int node, uint64_t id, int64_t arg)
{
    struct sim_event ev = {0};
    int64_t r;

    ev.kind = kind;
    ev.node = node;
    ev.id = id;
    ev.arg = arg;
    r = sim_schedule(e->sim, at, &ev);
    /* The queue bound is a million events; hitting it is a runaway model, a programmer error. */
    assert(r >= 0);
    (void)r;
}

static bool valid_node(const struct engine *e, int node)
{
    return node >= 0 && node < e->n;
}

/* ---- lifecycle ---- */

static void set_defaults(struct engine *e)
{
    char err[200];

    for (int i = 0; i < EP_COUNT; i++) {
        int r = param_parse(&engine_params[i], engine_params[i].def, e->n, &e->eparams[i], err,
                            sizeof(err));
        assert(r == 0);
        (void)r;
    }
    for (int i = 0; i < e->ops->n_params; i++) {
        int r = param_parse(&e->ops->params[i], e->ops->params[i].def, e->n, &e->mparams[i], err,
                            sizeof(err));
        assert(r == 0);
        (void)r;
    }
}

int engine_create(const char *model, int n_nodes, uint64_t seed, struct engine **out)
{
    const struct model_ops *ops = model_find(model);
    struct engine *e;

    *out = NULL;
    if (!ops)
        return ENGINE_EMODEL;
    if (n_nodes < 1 || n_nodes > ENGINE_MAX_NODES)
        return ENGINE_ENODES;
    assert(ops->n_params <= MODEL_MAX_PARAMS);
    e = xcalloc(1, sizeof(*e));
    e->ops = ops;
    e->n = n_nodes;
    e->seed = seed;
    e->ctx.e = e;
    e->sim = sim_create();
    e->net = net_create(n_nodes, seed);
    e->trace = trace_create();
    e->hist = history_create();
    sim_rng_seed(&e->model_rng, seed, 2);
    sim_rng_seed(&e->engine_rng, seed, 3);
    for (int i = 0; i < n_nodes; i++) {
        node_init(&e->nodes[i]);
        clock_init(&e->clocks[i]);
        e->stores[i] = store_create();
    }
    for (int i = 0; i < ENGINE_MAX_CLIENTS; i++) {
        e->clients[i].hint = -1;
        e->clients[i].sticky = -1;
    }
    e->timer_free = xmalloc(ENGINE_MAX_TIMERS * sizeof(int));
    e->next_timer_id = 1;
    set_defaults(e);
    net_set_client_latency(e->net, e->eparams[EP_CLIENT_LATENCY].num);
    e->st = ops->create(&e->ctx);
    *out = e;
    return 0;
}

int engine_reset(struct engine *e, uint64_t seed)
{
    e->ops->destroy(e->st);
    e->st = NULL;
    e->seed = seed;
    sim_reset(e->sim);
    net_reset(e->net, seed);
    trace_reset(e->trace);
    history_reset(e->hist);
    sim_rng_seed(&e->model_rng, seed, 2);
    sim_rng_seed(&e->engine_rng, seed, 3);
    for (int i = 0; i < e->n; i++) {
        node_release(&e->nodes[i]);
        node_init(&e->nodes[i]);
        clock_init(&e->clocks[i]);
        memset(&e->vcs[i], 0, sizeof(e->vcs[i]));
        store_clear(e->stores[i]);
    }
    /* Everything a client remembers, its causal contexts too, starts afresh. */
    memset(e->clients, 0, sizeof(e->clients));
    for (int i = 0; i < ENGINE_MAX_CLIENTS; i++) {
        e->clients[i].hint = -1;
        e->clients[i].sticky = -1;
    }
    e->n_timer_slots = 0;
    e->n_timer_free = 0;
    e->next_timer_id = 1;
    e->pending_actions = 0;
    e->events = 0;
    e->started = false;
    memset(&e->wl, 0, sizeof(e->wl));
    e->wl_gen = 0;
    e->wl_count = 0;
    set_defaults(e);
    net_set_client_latency(e->net, e->eparams[EP_CLIENT_LATENCY].num);
    e->st = e->ops->create(&e->ctx);
    return 0;
}

/*
 * The model starts lazily, on the first step, so that `set` commands written
 * before the first run shape the cluster from time 0.
 */
static void ensure_started(struct engine *e)
{
    if (e->started)
        return;
    e->started = true;
    emitf(e, TRACE_NOTE, -1, -1, "start", "model %s on %d nodes, seed %llu", e->ops->name, e->n,
          (unsigned long long)e->seed);
    e->ops->start(e->st);
}

void engine_destroy(struct engine *e)
{
    if (!e)
        return;
    if (e->st)
        e->ops->destroy(e->st);
    for (int i = 0; i < e->n; i++) {
        node_release(&e->nodes[i]);
        store_destroy(e->stores[i]);
    }
    free(e->timers);
    free(e->timer_free);
    history_destroy(e->hist);
    trace_destroy(e->trace);
    net_destroy(e->net);
    sim_destroy(e->sim);
    free(e);
}

const char *engine_strerror(int err)
{
    switch (err) {
    case ENGINE_EMODEL:
        return "no such model";
    case ENGINE_ENODES:
        return "node count must be from 1 to 64";
    case ENGINE_EPARAM:
        return "bad parameter";
    case ENGINE_ENODE:
        return "no such node";
    case ENGINE_EFULL:
        return "a table is full";
    case ENGINE_EPAST:
        return "that time has passed";
    case ENGINE_ESTATE:
        return "not possible in the node's state";
    case ENGINE_EOP:
        return "the model does not serve that operation";
    default:
        return "unknown error";
    }
}

/* ---- parameters ---- */

static void apply_engine_param(struct engine *e, int idx)
{
    switch ((enum engine_param)idx) {
    case EP_TIMING:
    case EP_GST:
        net_set_timing(e->net, (enum net_timing)e->eparams[EP_TIMING].num, e->eparams[EP_GST].num);
        break;
    case EP_CLIENT_LATENCY:
        net_set_client_latency(e->net, e->eparams[EP_CLIENT_LATENCY].num);
        break;
    case EP_OP_TIMEOUT:
    case EP_DURABILITY:
    case EP_TRUETIME:
    case EP_NTP_ERROR:
    case EP_QUIET_MAX:
    case EP_REDIRECTS:
    case EP_RETRIES:
    case EP_TRUETIME_DRIFT:
    case EP_COUNT:
        break;
    }
}

static int find_engine_param(const char *key)
{
    for (int i = 0; i < EP_COUNT; i++)
        if (strcmp(engine_params[i].name, key) == 0)
            return i;
    return -1;
}

int engine_set(struct engine *e, const char *key, const char *value, char *err, size_t errlen)
{
    int i = find_engine_param(key);
    struct param_value v;
    char shown[48];

    if (i >= 0) {
        if (param_parse(&engine_params[i], value, e->n, &v, err, errlen) < 0)
            return ENGINE_EPARAM;
        e->eparams[i] = v;
        apply_engine_param(e, i);
        param_format(&engine_params[i], &v, shown, sizeof(shown));
        emitf(e, TRACE_SET, -1, -1, key, "%s", shown);
        return 0;
    }
    i = model_find_param(e->ops, key);
    if (i < 0) {
        snprintf(err, errlen, "unknown parameter '%s'", key);
        return ENGINE_EPARAM;
    }
    if (param_parse(&e->ops->params[i], value, e->n, &v, err, errlen) < 0)
        return ENGINE_EPARAM;
    e->mparams[i] = v;
    param_format(&e->ops->params[i], &v, shown, sizeof(shown));
    emitf(e, TRACE_SET, -1, -1, key, "%s", shown);
    if (e->ops->param_changed)
        e->ops->param_changed(e->st, i);
    return 0;
}

int engine_get(const struct engine *e, const char *key, char *dst, size_t size)
{
    int i = find_engine_param(key);

    if (i >= 0) {
        param_format(&engine_params[i], &e->eparams[i], dst, size);
        return 0;
    }
    i = model_find_param(e->ops, key);
    if (i < 0)
        return -1;
    param_format(&e->ops->params[i], &e->mparams[i], dst, size);
    return 0;
}

int64_t engine_param_num(const struct engine *e, enum engine_param p)
{
    return e->eparams[p].num;
}

/* ---- simple queries ---- */

int engine_nodes(const struct engine *e)
{
    return e->n;
}

uint64_t engine_seed(const struct engine *e)
{
    return e->seed;
}

const struct model_ops *engine_model(const struct engine *e)
{
    return e->ops;
}

int64_t engine_now(const struct engine *e)
{
    return sim_now(e->sim);
}

const struct store *engine_store(const struct engine *e, int node)
{
    return valid_node(e, node) ? e->stores[node] : NULL;
}

const struct net *engine_net(const struct engine *e)
{
    return e->net;
}

const struct history *engine_history(const struct engine *e)
{
    return e->hist;
}

struct trace *engine_trace(struct engine *e)
{
    return e->trace;
}

uint64_t engine_events(const struct engine *e)
{
    return e->events;
}

size_t engine_pending_actions(const struct engine *e)
{
    return e->pending_actions;
}

int engine_node(const struct engine *e, int node, struct engine_node *out)
{
    int64_t now = sim_now(e->sim);
    const struct clock *c;

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    c = &e->clocks[node];
    memset(out, 0, sizeof(*out));
    out->state = e->nodes[node].state;
    out->paused_until = e->nodes[node].paused_until;
    out->incarnation = e->nodes[node].incarnation;
    out->phys_us = clock_phys(c, now);
    out->mono_us = clock_mono(c, now);
    out->skew_us = out->phys_us - now;
    out->drift_ppm = c->drift_ppm;
    clock_truetime(c, now, e->eparams[EP_TRUETIME].num, e->eparams[EP_TRUETIME_DRIFT].num,
                   &out->tt_earliest, &out->tt_latest);
    out->lamport = c->lamport;
    out->vc = e->vcs[node];
    out->desc.epoch = -1;
    out->desc.commit = -1;
    e->ops->describe(e->st, node, &out->desc);
    return 0;
}

bool engine_replica_of(const struct engine *e, int node, const char *key)
{
    if (!valid_node(e, node))
        return false;
    return !e->ops->replica_of || e->ops->replica_of(e->st, node, key);
}

void engine_read_local(const struct engine *e, int node, const char *key, struct op_values *out)
{
    memset(out, 0, sizeof(*out));
    if (valid_node(e, node))
        e->ops->read_local(e->st, node, key, out);
}

int engine_eval_model_pred(const struct engine *e, int pred, const struct pred_args *args,
                           char *got, size_t gotlen)
{
    got[0] = '\0';
    if (!e->ops->eval || pred < 0 || pred >= e->ops->n_preds)
        return 0;
    return e->ops->eval(e->st, pred, args, got, gotlen);
}

int engine_command(struct engine *e, int cmd, const struct model_cmd_args *args, char *err,
                   size_t errlen)
{
    char text[TRACE_TEXT_MAX];

    err[0] = '\0';
    if (!e->ops->command || cmd < 0 || cmd >= e->ops->n_cmds) {
        snprintf(err, errlen, "model %s has no such command", e->ops->name);
        return ENGINE_EPARAM;
    }
    for (int i = 0; i < args->n_nodes; i++) {
        if (!valid_node(e, args->nodes[i])) {
            snprintf(err, errlen, "no node n%d in this cluster", args->nodes[i] + 1);
            return ENGINE_EPARAM;
        }
    }
    if (e->ops->command(e->st, cmd, args, err, errlen) < 0)
        return ENGINE_EPARAM;
    util_strlcpy(text, args->key, sizeof(text));
    for (int i = 0; i < args->n_nodes; i++)
        util_appendf(text, sizeof(text), " n%d", args->nodes[i] + 1);
    emitf(e, TRACE_SET, -1, -1, e->ops->cmds[cmd].name, "%s", text);
    return 0;
}

/* ---- the model's side ---- */

uint64_t model_seed(const struct model_ctx *ctx)
{
    return ctx->e->seed;
}

uint64_t model_event_no(const struct model_ctx *ctx)
{
    return ctx->e->events;
}

int model_nodes(const struct model_ctx *ctx)
{
    return ctx->e->n;
}

int64_t model_phys(const struct model_ctx *ctx, int node)
{
    return clock_phys(&ctx->e->clocks[node], sim_now(ctx->e->sim));
}

int64_t model_mono(const struct model_ctx *ctx, int node)
{
    return clock_mono(&ctx->e->clocks[node], sim_now(ctx->e->sim));
}

void model_truetime(const struct model_ctx *ctx, int node, int64_t *earliest, int64_t *latest)
{
    clock_truetime(&ctx->e->clocks[node], sim_now(ctx->e->sim), ctx->e->eparams[EP_TRUETIME].num,
                   ctx->e->eparams[EP_TRUETIME_DRIFT].num, earliest, latest);
}

uint64_t model_lamport(const struct model_ctx *ctx, int node)
{
    return ctx->e->clocks[node].lamport;
}

const struct vclock *model_vclock(const struct model_ctx *ctx, int node)
{
    return &ctx->e->vcs[node];
}

struct store *model_store(struct model_ctx *ctx, int node)
{
    return ctx->e->stores[node];
}

const struct param_value *model_param(const struct model_ctx *ctx, int idx)
{
    assert(idx >= 0 && idx < ctx->e->ops->n_params);
    return &ctx->e->mparams[idx];
}

int64_t model_pnum(const struct model_ctx *ctx, int idx)
{
    return model_param(ctx, idx)->num;
}

struct sim_rng *model_rng(struct model_ctx *ctx)
{
    return &ctx->e->model_rng;
}

/* Files a message with the network and schedules its arrival; traces send, dup and early drops. */
static int send_msg(struct engine *e, const struct msg *m)
{
    struct net_ref refs[2];
    int64_t now = sim_now(e->sim);
    int n, from = m->from, to = m->to;

    n = net_send(e->net, now, m, refs);
    if (n < 0) {
        struct trace_event ev;
        if (!trace_wants(e->trace, TRACE_DROP)) {
            trace_skip(e->trace);
            return n;
        }
        ev = new_event(e, TRACE_DROP, from, to);
        util_strlcpy(ev.name, m->type_name, sizeof(ev.name));
        util_strlcpy(ev.text, n == NET_EFULL ? "network full" : "message too large",
                     sizeof(ev.text));
        trace_emit(e->trace, &ev);
        return n;
    }
    /* From here m may be overwritten (an observer may send): only from and to are used. */
    for (int i = 0; i < n; i++) {
        const struct msg *c = net_find(e->net, refs[i]);
        uint64_t id = c->id;
        int64_t at = c->deliver_us;

        if (c->fate == NET_DUPLICATE) {
            if (trace_wants(e->trace, TRACE_DUP)) {
                struct trace_event d = new_event(e, TRACE_DUP, from, to);
                d.msg_id = c->id;
                d.a = (int64_t)c->dup_of;
                trace_emit(e->trace, &d);
            } else {
                trace_skip(e->trace);
            }
            c = net_find(e->net, refs[i]);
        }
        if (trace_wants(e->trace, TRACE_SEND)) {
            struct trace_event ev = new_event(e, TRACE_SEND, from, to);
            ev.msg_id = c->id;
            ev.a = c->deliver_us;
            ev.b = c->wire_bytes;
            ev.c = c->fate;
            util_strlcpy(ev.name, c->type_name, sizeof(ev.name));
            if (trace_wants_text(e->trace, TRACE_SEND))
                util_strlcpy(ev.text, c->summary, sizeof(ev.text));
            trace_emit(e->trace, &ev);
        } else {
            trace_skip(e->trace);
        }
        schedule(e, at, EV_DELIVER, to, id, refs[i].slot);
    }
    return 0;
}

bool model_text_wanted(const struct model_ctx *ctx)
{
    return want_summaries(ctx->e);
}

int model_send(struct model_ctx *ctx, int from, int to, int type, bool idle, const void *body,
               size_t len, const char *summary_fmt, ...)
{
    struct engine *e = ctx->e;
    struct msg *m;
    va_list ap;
    int r;

    assert(valid_node(e, from) && valid_node(e, to));
    assert(type >= 0 && type < e->ops->n_msg_types);
    if (len > NET_MAX_BODY)
        return NET_EBODY;
    m = out_msg(e, from, to, type, e->ops->msg_names[type]);
    m->idle = idle;
    if (want_summaries(e)) {
        va_start(ap, summary_fmt);
        vsnprintf(m->summary, sizeof(m->summary), summary_fmt, ap);
        va_end(ap);
    }
    m->lamport = clock_lamport_tick(&e->clocks[from]);
    stamp_vc(e, m, from);
    m->body_len = (uint16_t)len;
    if (len)
        memcpy(m->body, body, len);
    r = send_msg(e, m);
    return r;
}

uint64_t model_timer(struct model_ctx *ctx, int node, int kind, const char *name, int64_t local_us,
                     int64_t arg)
{
    struct engine *e = ctx->e;
    struct timer_slot *t;
    int slot;

    assert(valid_node(e, node) && local_us >= 0);
    if (e->n_timer_free > 0) {
        slot = e->timer_free[--e->n_timer_free];
    } else {
        /* A model that holds 65536 timers at once has lost track of them. */
        assert(e->n_timer_slots < ENGINE_MAX_TIMERS);
        slot = e->n_timer_slots++;
        e->timers = xrealloc(e->timers, (size_t)e->n_timer_slots * sizeof(*e->timers));
    }
    t = &e->timers[slot];
    t->id = e->next_timer_id++;
    t->node = node;
    t->kind = kind;
    t->arg = arg;
    t->active = true;
    util_strlcpy(t->name, name, sizeof(t->name));
    schedule(e, sim_now(e->sim) + clock_true_span(&e->clocks[node], local_us), EV_TIMER, node,
             t->id, slot);
    return t->id;
}

static void free_timer(struct engine *e, int slot)
{
    e->timers[slot].active = false;
    e->timer_free[e->n_timer_free++] = slot;
}

void model_timer_cancel(struct model_ctx *ctx, uint64_t id)
{
    struct engine *e = ctx->e;

    /* Timer ids grow; a linear scan over live slots is cheap at our sizes. */
    for (int s = 0; s < e->n_timer_slots; s++) {
        if (e->timers[s].active && e->timers[s].id == id) {
            free_timer(e, s);
            return;
        }
    }
}

/*
 * A reply's body carries only the values it has: the fields before the value
 * array, the n values, then the fields after it (a reply struct is mostly an
 * empty array of sixteen values).
 */
#define REPLY_HEAD offsetof(struct op_reply, vals.v)
#define REPLY_TAIL offsetof(struct op_reply, reason)

static uint16_t reply_pack(const struct op_reply *rep, unsigned char *body)
{
    size_t vals = (size_t)rep->vals.n * sizeof(rep->vals.v[0]);

    assert(rep->vals.n >= 0 && rep->vals.n <= HISTORY_MAX_VALUES);
    memcpy(body, rep, REPLY_HEAD);
    memcpy(body + REPLY_HEAD, rep->vals.v, vals);
    memcpy(body + REPLY_HEAD + vals, (const char *)rep + REPLY_TAIL, sizeof(*rep) - REPLY_TAIL);
    return (uint16_t)(REPLY_HEAD + vals + sizeof(*rep) - REPLY_TAIL);
}

/* Unpacks into rep; the value slots past vals.n are left as they were. */
static void reply_unpack(const unsigned char *body, struct op_reply *rep)
{
    size_t vals;

    memcpy(rep, body, REPLY_HEAD);
    vals = (size_t)rep->vals.n * sizeof(rep->vals.v[0]);
    memcpy(rep->vals.v, body + REPLY_HEAD, vals);
    memcpy((char *)rep + REPLY_TAIL, body + REPLY_HEAD + vals, sizeof(*rep) - REPLY_TAIL);
}

static void send_reply(struct engine *e, int node, const struct op_req *req,
                       const struct op_reply *rep)
{
    struct msg *m = out_msg(e, node, NET_CLIENT_BASE + req->client, MSG_REPLY, "reply");
    char vals[64];

    switch (want_summaries(e) ? rep->kind : (enum reply_kind) - 1) {
    case REPLY_OK:
        if (req->kind == OP_GET) {
            op_format_values(&rep->vals, vals, sizeof(vals));
            snprintf(m->summary, sizeof(m->summary), "ok %s", vals);
        } else {
            util_strlcpy(m->summary, "ok", sizeof(m->summary));
        }
        break;
    case REPLY_FAIL:
        snprintf(m->summary, sizeof(m->summary), "fail: %s", rep->reason);
        break;
    case REPLY_REDIRECT:
        snprintf(m->summary, sizeof(m->summary), "redirect n%d", rep->redirect + 1);
        break;
    }
    m->lamport = clock_lamport_tick(&e->clocks[node]);
    stamp_vc(e, m, node);
    m->body_len = reply_pack(rep, m->body);
    m->wire_bytes = (uint32_t)(NET_HEADER_BYTES + 16 + strlen(rep->reason) +
                               (rep->has_ctx ? 8u * (size_t)e->n : 0));
    for (int i = 0; i < rep->vals.n; i++)
        m->wire_bytes += (uint32_t)strlen(rep->vals.v[i]) + 1;
    memcpy(m->body + offsetof(struct op_reply, op_id), &req->op_id, sizeof(req->op_id));
    send_msg(e, m);
}

void model_reply(struct model_ctx *ctx, int node, const struct op_req *req,
                 const struct op_reply *rep)
{
    send_reply(ctx->e, node, req, rep);
}

void model_answer(struct model_ctx *ctx, int node, const struct op_req *req, enum reply_kind kind,
                  const char *reason, const struct op_values *vals, const char *detail)
{
    struct op_reply rep;

    op_reply_init(&rep, kind, reason, vals, detail);
    send_reply(ctx->e, node, req, &rep);
}

static void model_trace_va(struct model_ctx *ctx, enum trace_kind kind, enum trace_sub sub,
                           int node, int peer, int64_t a, int64_t b, const char *name,
                           const char *fmt, va_list ap) __attribute__((format(printf, 9, 0)));

void model_trace(struct model_ctx *ctx, enum trace_kind kind, int node, int peer, int64_t a,
                 int64_t b, const char *name, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    model_trace_va(ctx, kind, TRACE_SUB_NONE, node, peer, a, b, name, fmt, ap);
    va_end(ap);
}

void model_trace_as(struct model_ctx *ctx, enum trace_kind kind, enum trace_sub sub, int node,
                    int peer, int64_t a, int64_t b, const char *name, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    model_trace_va(ctx, kind, sub, node, peer, a, b, name, fmt, ap);
    va_end(ap);
}

static void model_trace_va(struct model_ctx *ctx, enum trace_kind kind, enum trace_sub sub,
                           int node, int peer, int64_t a, int64_t b, const char *name,
                           const char *fmt, va_list ap)
{
    struct trace_event ev;

    if (!trace_wants(ctx->e->trace, kind)) {
        trace_skip(ctx->e->trace);
        return;
    }
    ev = new_event(ctx->e, kind, node, peer);
    ev.sub = sub;
    ev.a = a;
    ev.b = b;
    if (name)
        util_strlcpy(ev.name, name, sizeof(ev.name));
    if (trace_wants_text(ctx->e->trace, kind))
        vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
    trace_emit(ctx->e->trace, &ev);
}

static void emit_discard(struct model_ctx *ctx, int node, const char *key, const char *value,
                         enum model_discard_kind kind, const char *why_fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void emit_discard(struct model_ctx *ctx, int node, const char *key, const char *value,
                         enum model_discard_kind kind, const char *why_fmt, va_list ap)
{
    struct trace_event ev;
    char why[TRACE_TEXT_MAX];

    if (!trace_wants(ctx->e->trace, TRACE_CONFLICT)) {
        trace_skip(ctx->e->trace);
        return;
    }
    ev = new_event(ctx->e, TRACE_CONFLICT, node, -1);
    vsnprintf(why, sizeof(why), why_fmt, ap);
    ev.sub = TRACE_SUB_DISCARD;
    util_strlcpy(ev.name, trace_sub_name(ev.sub), sizeof(ev.name));
    ev.a = kind;
    snprintf(ev.text, sizeof(ev.text), "%s=%s: %s", key, value, why);
    trace_emit(ctx->e->trace, &ev);
}

void model_discard(struct model_ctx *ctx, int node, const char *key, const char *value,
                   const char *why_fmt, ...)
{
    va_list ap;

    va_start(ap, why_fmt);
    emit_discard(ctx, node, key, value, MODEL_DISCARD_CONCURRENT, why_fmt, ap);
    va_end(ap);
}

void model_discard_as(struct model_ctx *ctx, int node, const char *key, const char *value,
                      enum model_discard_kind kind, const char *why_fmt, ...)
{
    va_list ap;

    va_start(ap, why_fmt);
    emit_discard(ctx, node, key, value, kind, why_fmt, ap);
    va_end(ap);
}

void model_suspect(struct model_ctx *ctx, int node, int suspect, const char *reason)
{
    emitf(ctx->e, TRACE_SUSPECT, node, suspect, NULL, "%s", reason);
}

/* ---- clients ---- */

static void send_request(struct engine *e, struct op *op)
{
    struct msg *m = out_msg(e, NET_CLIENT_BASE + op->req.client, op->node, MSG_REQUEST, "request");

    memset(&m->vc, 0, sizeof(m->vc));
    if (want_summaries(e))
        op_format_req(&op->req, m->summary, sizeof(m->summary));
    m->body_len = sizeof(op->req);
    memcpy(m->body, &op->req, sizeof(op->req));
    /* On a real wire a request is its key and value plus a few fixed fields, not our struct. */
    m->wire_bytes = (uint32_t)(NET_HEADER_BYTES + 16 + strlen(op->req.key) + strlen(op->req.value) +
                               (op->req.has_ctx ? 8u * (size_t)e->n : 0));
    send_msg(e, m);
}

static void finish_op(struct engine *e, struct op *op)
{
    struct trace_event ev;
    char what[48], vals[80];

    if (!trace_wants(e->trace, TRACE_OP_END)) {
        trace_skip(e->trace);
        return;
    }
    ev = new_event(e, TRACE_OP_END, op->node, NET_CLIENT_BASE + op->req.client);
    ev.op_id = op->id;
    switch (op->status) {
    case OP_PENDING:
        break;
    case OP_OK:
        ev.sub = TRACE_SUB_OK;
        break;
    case OP_FAIL:
        ev.sub = TRACE_SUB_FAIL;
        break;
    case OP_TIMEOUT:
        ev.sub = TRACE_SUB_TIMEOUT;
        break;
    }
    util_strlcpy(ev.name, op_status_name(op->status), sizeof(ev.name));
    if (!trace_wants_text(e->trace, TRACE_OP_END)) {
        trace_emit(e->trace, &ev);
        return;
    }
    op_format_req(&op->req, what, sizeof(what));
    switch (op->status) {
    case OP_OK:
        op_format_result(&op->result, vals, sizeof(vals));
        if (op->req.kind == OP_GET)
            snprintf(ev.text, sizeof(ev.text), "%s %s -> %s", op->label, what, vals);
        else
            snprintf(ev.text, sizeof(ev.text), "%s %s ok", op->label, what);
        break;
    case OP_FAIL:
        snprintf(ev.text, sizeof(ev.text), "%s %s failed: %s", op->label, what, op->reason);
        break;
    case OP_TIMEOUT:
        snprintf(ev.text, sizeof(ev.text), "%s %s timed out", op->label, what);
        break;
    case OP_PENDING:
        break;
    }
    trace_emit(e->trace, &ev);
}

/* prefix and n in decimal ("op17"): snprintf costs more than the rest of a submit. */
static void fmt_label(char *dst, size_t size, const char *prefix, uint64_t n)
{
    char digits[24];
    size_t len = 0, p = 0;

    do {
        digits[len++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (*prefix && p + 1 < size)
        dst[p++] = *prefix++;
    while (len && p + 1 < size)
        dst[p++] = digits[--len];
    dst[p] = '\0';
}

/* The context the client's last ok op on key returned, or NULL. */
static const struct client_ctx *client_ctx_find(const struct client *cl, const char *key)
{
    for (int i = 0; i < ENGINE_CLIENT_CTX_KEYS; i++)
        if (cl->ctx[i].used && strcmp(cl->ctx[i].key, key) == 0)
            return &cl->ctx[i];
    return NULL;
}

static void client_ctx_keep(struct client *cl, const struct op *op)
{
    struct client_ctx *slot = NULL;

    for (int i = 0; i < ENGINE_CLIENT_CTX_KEYS && !slot; i++)
        if (cl->ctx[i].used && strcmp(cl->ctx[i].key, op->req.key) == 0)
            slot = &cl->ctx[i];
    for (int i = 0; i < ENGINE_CLIENT_CTX_KEYS && !slot; i++)
        if (!cl->ctx[i].used)
            slot = &cl->ctx[i];
    if (!slot) {
        slot = &cl->ctx[0];
        for (int i = 1; i < ENGINE_CLIENT_CTX_KEYS; i++)
            if (cl->ctx[i].used < slot->used)
                slot = &cl->ctx[i];
    }
    util_strlcpy(slot->key, op->req.key, sizeof(slot->key));
    slot->ctx = *op->ctx;
    slot->used = op->id;
}

/* The model's fire_and_forget, if any: true when nothing will answer op; what it says goes to
 * the op's detail either way. */
static bool fire_and_forget(struct engine *e, struct op *op)
{
    char detail[HISTORY_DETAIL_MAX] = "";
    bool sent = e->ops->fire_and_forget(e->st, &op->req, detail, sizeof(detail));

    if (detail[0])
        history_detail_set(e->hist, op, detail);
    return sent;
}

int64_t engine_submit(struct engine *e, const struct engine_op_spec *spec)
{
    struct op local, *op;
    struct trace_event ev;
    const struct op *after = NULL;
    struct client *cl;
    char what[48];
    uint64_t id;
    struct op *p;

    if (spec->client < 0 || spec->client >= ENGINE_MAX_CLIENTS)
        return ENGINE_EPARAM;
    if (spec->via >= e->n)
        return ENGINE_ENODE;
    if (!(e->ops->op_mask & (1u << spec->kind)))
        return ENGINE_EOP;
    ensure_started(e);
    cl = &e->clients[spec->client];
    /* Filled in place in the history; a full history still routes the op (the model's
     * random stream moves on as it always did) before refusing it. */
    p = history_add_new(e->hist);
    op = p;
    if (!op) {
        memset(&local, 0, sizeof(local));
        op = &local;
    }
    if (spec->label)
        util_strlcpy(op->label, spec->label, sizeof(op->label));
    op->req.client = spec->client;
    op->req.kind = spec->kind;
    util_strlcpy(op->req.key, spec->key, sizeof(op->req.key));
    if (spec->value)
        util_strlcpy(op->req.value, spec->value, sizeof(op->req.value));
    op->req.amount = spec->amount;
    op->req.session_pos = cl->session_pos;
    /* Clients keep exact time here: only the nodes' clocks can be skewed or drift. */
    op->req.client_ts_us = sim_now(e->sim);
    op->req.sticky = cl->sticky;
    op->req.direct = spec->via >= 0;
    op->via = spec->via;
    op->after = spec->after;
    op->quorum = -1;
    if (spec->after && (!p || spec->after < p->id))
        after = history_at(e->hist, spec->after);
    if (after && after->has_ctx) {
        op->req.has_ctx = true;
        op->req.ctx = *after->ctx;
    } else if (spec->carry && spec->kind != OP_GET) {
        const struct client_ctx *cc = client_ctx_find(cl, spec->key);
        if (cc) {
            op->req.has_ctx = true;
            op->req.ctx = cc->ctx;
            op->after = cc->used;
        }
    }
    op->invoke_us = sim_now(e->sim);
    op->status = OP_PENDING;
    id = op->req.op_id;
    op->req.op_id = 0; /* the model routes a request that has no id yet */
    op->node = spec->via >= 0 ? spec->via : e->ops->route(e->st, &op->req, cl->hint);
    op->req.op_id = id;
    if (!p)
        return ENGINE_EFULL;
    p = history_get(e->hist, id);
    if (!p->label[0])
        fmt_label(p->label, sizeof(p->label), "op", id);
    if (trace_wants(e->trace, TRACE_OP_START)) {
        ev = new_event(e, TRACE_OP_START, p->node, NET_CLIENT_BASE + spec->client);
        ev.op_id = id;
        util_strlcpy(ev.name, p->label, sizeof(ev.name));
        if (trace_wants_text(e->trace, TRACE_OP_START)) {
            op_format_req(&p->req, what, sizeof(what));
            snprintf(ev.text, sizeof(ev.text), "%s via n%d", what, p->node + 1);
        }
        trace_emit(e->trace, &ev);
    } else {
        trace_skip(e->trace);
    }
    send_request(e, p);
    {
        /* Timeouts are a fixed span after now: in time order, so the queue's FIFO lane. */
        struct sim_event tev = {0};
        int64_t r;
        tev.kind = EV_OP_TIMEOUT;
        tev.node = -1;
        tev.id = id;
        r = sim_schedule_fifo(e->sim, sim_now(e->sim) + e->eparams[EP_OP_TIMEOUT].num, &tev);
        assert(r >= 0);
        (void)r;
    }
    if (e->ops->fire_and_forget && fire_and_forget(e, p)) {
        /* Nothing will answer: the producer was told the record was sent, and that is all. */
        p = history_complete(e->hist, id, OP_OK, sim_now(e->sim));
        finish_op(e, p);
    }
    return (int64_t)id;
}

/*
 * A client with retries left sends a write again (Kafka's producer `retries`): to whichever
 * node the model routes it to now, as a new attempt with a fresh op_timeout. The request keeps
 * its op id, so a leader with idempotence can tell a resend from a new write.
 */
static bool retry(struct engine *e, struct op *op, const char *why)
{
    struct client *cl = &e->clients[op->req.client];

    if (op->req.kind != OP_PUT || op->retries >= e->eparams[EP_RETRIES].num)
        return false;
    op->retries++;
    op->req.attempt++;
    cl->hint = -1;
    op->node = op->via >= 0 ? op->via : e->ops->route(e->st, &op->req, -1);
    emitf(e, TRACE_NOTE, op->node, NET_CLIENT_BASE + op->req.client, "retry",
          "%s: sent again (retry %d of %lld) after %s", op->label, op->retries,
          (long long)e->eparams[EP_RETRIES].num, why);
    send_request(e, op);
    schedule(e, sim_now(e->sim) + e->eparams[EP_OP_TIMEOUT].num, EV_OP_TIMEOUT, -1, op->id,
             op->retries);
    return true;
}

static void on_reply(struct engine *e, const struct msg *m)
{
    struct op_reply rep;
    struct client *cl;
    struct op *op;

    reply_unpack(m->body, &rep);
    op = history_get(e->hist, rep.op_id);
    if (!op)
        return;
    if (op->status != OP_PENDING) {
        emitf(e, TRACE_NOTE, m->from, m->to, "late", "%s: reply after the client gave up, ignored",
              op->label);
        return;
    }
    cl = &e->clients[op->req.client];
    if (rep.kind == REPLY_REDIRECT) {
        if (rep.redirect >= 0 && rep.redirect < e->n &&
            op->redirects < e->eparams[EP_REDIRECTS].num) {
            op->redirects++;
            cl->hint = rep.redirect;
            op->node = rep.redirect;
            op->req.attempt++;
            send_request(e, op);
            return;
        }
        op = history_complete(e->hist, op->id, OP_FAIL, sim_now(e->sim));
        history_reason_set(e->hist, op, rep.reason[0] ? rep.reason : "not leader");
    } else {
        if (rep.kind == REPLY_FAIL && rep.retriable && retry(e, op, rep.reason))
            return;
        op = history_complete(e->hist, op->id, rep.kind == REPLY_OK ? OP_OK : OP_FAIL,
                              sim_now(e->sim));
        history_result_set(e->hist, op, &rep.vals);
        history_reason_set(e->hist, op, rep.reason);
        history_ctx_set(e->hist, op, rep.has_ctx ? &rep.ctx : NULL);
        if (rep.kind == REPLY_OK && rep.has_ctx)
            client_ctx_keep(cl, op);
        if (rep.kind == REPLY_OK) {
            if (rep.pos > cl->session_pos)
                cl->session_pos = rep.pos;
            if (op->req.kind == OP_GET)
                cl->sticky = m->from;
            if (!op->req.direct)
                cl->hint = m->from;
        }
    }
    op->quorum = rep.quorum;
    op->replicas = rep.replicas;
    history_detail_set(e->hist, op, rep.detail);
    finish_op(e, op);
}

static void on_op_timeout(struct engine *e, uint64_t id, int64_t retries)
{
    struct op *op = history_get(e->hist, id);

    /* A timer of an earlier attempt, or of an op already answered. */
    if (!op || op->status != OP_PENDING || retries != op->retries)
        return;
    if (retry(e, op, "a timeout"))
        return;
    op = history_complete(e->hist, id, OP_TIMEOUT, sim_now(e->sim));

    if (!op)
        return;
    history_reason_set(e->hist, op, "no answer before op_timeout");
    /* The client will try whatever the model routes to next time, not the node that was silent. */
    e->clients[op->req.client].hint = -1;
    finish_op(e, op);
}

/* ---- the event loop ---- */

static void deliver(struct engine *e, const struct sim_event *sev)
{
    struct net_ref ref = {sev->id, (int)(sev->arg & 0xffffffff)};
    const struct msg *found = net_find(e->net, ref);
    struct trace_event ev;
    struct msg *m;
    int to;

    /* A message retimed by hand has a newer event; this one is stale. */
    if (!found || found->retimed != (uint32_t)(sev->arg >> 32))
        return;
    to = found->to;
    if (!net_is_client(to) && found->fate != NET_DROP) {
        struct node *nd = &e->nodes[to];
        if (nd->state == NODE_PAUSED) {
            node_park(nd, sev);
            return;
        }
        if (nd->state == NODE_CRASHED)
            net_mark_dropped(e->net, ref, NET_WHY_DOWN);
        else if (!net_reachable(e->net, found->from, to))
            net_mark_dropped(e->net, ref, NET_WHY_CUT);
    }
    if (found->fate == NET_DROP) {
        if (trace_wants(e->trace, TRACE_DROP)) {
            ev = new_event(e, TRACE_DROP, found->from, found->to);
            ev.msg_id = found->id;
            util_strlcpy(ev.name, found->type_name, sizeof(ev.name));
            util_strlcpy(ev.text, net_why_name(found->why), sizeof(ev.text));
            trace_emit(e->trace, &ev);
        } else {
            trace_skip(e->trace);
        }
        net_remove(e->net, ref);
        return;
    }
    /* Copy out: handlers send messages, which may move the in-flight table. */
    m = &e->in_msg;
    msg_copy(m, found, e->n);
    net_remove(e->net, ref);
    if (trace_wants(e->trace, TRACE_DELIVER)) {
        ev = new_event(e, TRACE_DELIVER, m->to, m->from);
        ev.msg_id = m->id;
        util_strlcpy(ev.name, m->type_name, sizeof(ev.name));
        if (trace_wants_text(e->trace, TRACE_DELIVER))
            util_strlcpy(ev.text, m->summary, sizeof(ev.text));
        trace_emit(e->trace, &ev);
    } else {
        trace_skip(e->trace);
    }
    if (net_is_client(to)) {
        on_reply(e, m);
    } else {
        clock_lamport_recv(&e->clocks[to], m->lamport);
        if (!net_is_client(m->from))
            clock_vc_merge_n(&e->vcs[to], &m->vc, e->n);
        clock_vc_tick(&e->vcs[to], to);
        if (m->type == MSG_REQUEST) {
            struct op_req req;
            memcpy(&req, m->body, sizeof(req));
            e->ops->request(e->st, to, &req);
        } else {
            e->ops->message(e->st, to, m);
        }
    }
}

static void fire_timer(struct engine *e, const struct sim_event *sev)
{
    int slot = (int)sev->arg;
    struct timer_slot t;

    if (slot < 0 || slot >= e->n_timer_slots || !e->timers[slot].active ||
        e->timers[slot].id != sev->id)
        return;
    if (e->nodes[sev->node].state == NODE_PAUSED) {
        node_park(&e->nodes[sev->node], sev);
        return;
    }
    t = e->timers[slot];
    free_timer(e, slot);
    emitf(e, TRACE_TIMER, t.node, -1, t.name, "%s", t.name);
    e->ops->timer(e->st, t.node, t.kind, t.arg);
}

static void do_resume(struct engine *e, int node)
{
    struct node *nd = &e->nodes[node];
    int64_t now = sim_now(e->sim);

    nd->state = NODE_UP;
    nd->paused_until = -1;
    nd->pause_gen++;
    emit_sub(e, TRACE_FAULT, TRACE_SUB_RESUME, node, -1,
             "resumes after its pause (%zu events waited)", nd->n_parked);
    /* Everything that waited runs now, in the order it arrived. */
    for (size_t i = 0; i < nd->n_parked; i++)
        schedule(e, now, nd->parked[i].kind, nd->parked[i].node, nd->parked[i].id,
                 nd->parked[i].arg);
    node_drop_parked(nd);
}

/* One op of the background workload, and the next tick. */
static void workload_tick(struct engine *e)
{
    struct engine_op_spec spec;
    char label[HISTORY_LABEL_MAX], value[STORE_VAL_MAX];
    static const char *const dflt[] = {"x", "y", "z"};
    int n_keys = e->wl.n_keys ? e->wl.n_keys : 3;
    int k = (int)sim_rng_below(&e->engine_rng, (uint64_t)n_keys);

    memset(&spec, 0, sizeof(spec));
    e->wl_count++;
    fmt_label(label, sizeof(label), "wl", e->wl_count);
    fmt_label(value, sizeof(value), "v", e->wl_count);
    spec.label = label;
    spec.client = (int)(e->wl_count % 3);
    spec.key = e->wl.n_keys ? e->wl.keys[k] : dflt[k];
    spec.via = e->wl.via;
    spec.carry = true;
    if (sim_rng_chance(&e->engine_rng, e->wl.reads_bp)) {
        spec.kind = OP_GET;
    } else {
        spec.kind = OP_PUT;
        spec.value = value;
    }
    if (engine_submit(e, &spec) < 0) {
        /* A full history (or a model without that op) ends the workload, said once. */
        e->wl.period_us = 0;
        emitf(e, TRACE_NOTE, -1, -1, "workload", "workload stopped: the op could not be issued");
        return;
    }
    schedule(e, sim_now(e->sim) + e->wl.period_us, EV_WORKLOAD, -1, 0, e->wl_gen);
}

void engine_workload(struct engine *e, const struct engine_workload *w)
{
    char per[24];

    ensure_started(e);
    e->wl = *w;
    e->wl_gen++;
    if (w->period_us <= 0) {
        e->wl.period_us = 0;
        emitf(e, TRACE_NOTE, -1, -1, "workload", "workload off");
        return;
    }
    util_fmt_duration(per, sizeof(per), w->period_us);
    emitf(e, TRACE_NOTE, -1, -1, "workload", "workload on: one op every %s", per);
    schedule(e, sim_now(e->sim) + w->period_us, EV_WORKLOAD, -1, 0, e->wl_gen);
}

bool engine_workload_on(const struct engine *e)
{
    return e->wl.period_us > 0;
}

/* Processes one popped event. Returns true when it was an action for the caller. */
static bool dispatch(struct engine *e, const struct sim_event *ev, uint64_t *action)
{
    e->events++;
    switch (ev->kind) {
    case EV_DELIVER:
        deliver(e, ev);
        break;
    case EV_TIMER:
        fire_timer(e, ev);
        break;
    case EV_ACTION:
        e->pending_actions--;
        if (action)
            *action = ev->id;
        return true;
    case EV_OP_TIMEOUT:
        on_op_timeout(e, ev->id, ev->arg);
        break;
    case EV_RESUME:
        if (e->nodes[ev->node].state == NODE_PAUSED &&
            e->nodes[ev->node].pause_gen == (uint32_t)ev->arg)
            do_resume(e, ev->node);
        break;
    case EV_WORKLOAD:
        if ((uint32_t)ev->arg == e->wl_gen && e->wl.period_us > 0)
            workload_tick(e);
        break;
    default:
        assert(ev->kind >= EV_DELIVER && ev->kind <= EV_WORKLOAD);
    }
    return false;
}

enum engine_stop engine_step(struct engine *e, uint64_t *action)
{
    struct sim_event ev;

    ensure_started(e);
    if (!sim_pop(e->sim, &ev))
        return ENGINE_EMPTY;
    return dispatch(e, &ev, action) ? ENGINE_ACTION : ENGINE_STEPPED;
}

enum engine_stop engine_run_until(struct engine *e, int64_t t_us, uint64_t *action)
{
    struct sim_event ev;

    ensure_started(e);
    while (sim_pop_until(e->sim, t_us, &ev)) {
        if (dispatch(e, &ev, action))
            return ENGINE_ACTION;
    }
    sim_advance(e->sim, t_us);
    return ENGINE_REACHED;
}

bool engine_quiet(const struct engine *e)
{
    if (net_busy(e->net) > 0 || history_pending(e->hist) > 0 || e->pending_actions > 0 ||
        e->wl.period_us > 0)
        return false;
    return !(e->ops->busy && e->ops->busy(e->st));
}

int64_t engine_next_at(const struct engine *e)
{
    struct sim_event ev;

    return sim_peek(e->sim, &ev) ? ev.at_us : -1;
}

int64_t engine_idle_until(const struct engine *e)
{
    return net_in_flight(e->net) > 0 ? -1 : engine_next_at(e);
}

enum engine_stop engine_run_until_quiet(struct engine *e, int64_t max_us, uint64_t *action)
{
    int64_t limit = sim_now(e->sim) + max_us;
    struct sim_event ev;

    ensure_started(e);
    while (!engine_quiet(e)) {
        if (!sim_pop_until(e->sim, limit, &ev)) {
            sim_advance(e->sim, limit);
            return ENGINE_BOUND;
        }
        if (dispatch(e, &ev, action))
            return ENGINE_ACTION;
    }
    return ENGINE_QUIET;
}

int engine_schedule_action(struct engine *e, int64_t at_us, uint64_t id)
{
    if (at_us < sim_now(e->sim))
        return ENGINE_EPAST;
    if (e->pending_actions >= ENGINE_MAX_ACTIONS)
        return ENGINE_EFULL;
    schedule(e, at_us, EV_ACTION, -1, id, 0);
    e->pending_actions++;
    return 0;
}

/* ---- faults ---- */

static void stop_timers(struct engine *e, int node)
{
    for (int s = 0; s < e->n_timer_slots; s++)
        if (e->timers[s].active && e->timers[s].node == node)
            free_timer(e, s);
}

int engine_kill(struct engine *e, int node)
{
    struct node *nd;
    int lost;

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    nd = &e->nodes[node];
    if (nd->state == NODE_CRASHED)
        return ENGINE_ESTATE;
    ensure_started(e);
    nd->state = NODE_CRASHED;
    nd->crashed_at = sim_now(e->sim);
    /* Messages that reached it while it was paused are still in the in-flight table: hand them
     * back to the queue, where they die as "node down" (traced), instead of staying forever. */
    for (size_t i = 0; i < nd->n_parked; i++)
        if (nd->parked[i].kind == EV_DELIVER)
            schedule(e, sim_now(e->sim), EV_DELIVER, nd->parked[i].node, nd->parked[i].id,
                     nd->parked[i].arg);
    node_drop_parked(nd);
    stop_timers(e, node);
    lost = net_drop_to(e->net, node);
    emit_sub(e, TRACE_FAULT, TRACE_SUB_KILL, node, -1, "crashes (%d messages to it will be lost)",
             lost);
    e->ops->crash(e->st, node);
    return 0;
}

int engine_restart(struct engine *e, int node, bool wipe)
{
    struct node *nd;
    bool durable;

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    nd = &e->nodes[node];
    ensure_started(e);
    if (nd->state != NODE_CRASHED) {
        /* Restarting a live node is a crash followed by a recovery. */
        engine_kill(e, node);
    }
    durable = !wipe && e->eparams[EP_DURABILITY].num == 0;
    if (!durable) {
        store_clear(e->stores[node]);
        e->clocks[node].lamport = 0;
        memset(&e->vcs[node], 0, sizeof(e->vcs[node]));
    }
    nd->state = NODE_UP;
    nd->incarnation++;
    emit_sub(e, TRACE_FAULT, wipe ? TRACE_SUB_WIPE : TRACE_SUB_RESTART, node, -1,
             wipe      ? "restarts with an empty disk"
             : durable ? "restarts (durable state kept)"
                       : "restarts (nothing was durable)");
    e->ops->recover(e->st, node, durable);
    return 0;
}

int engine_pause(struct engine *e, int node, int64_t for_us)
{
    struct node *nd;
    char d[24];

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    nd = &e->nodes[node];
    if (nd->state != NODE_UP)
        return ENGINE_ESTATE;
    ensure_started(e);
    nd->state = NODE_PAUSED;
    nd->pause_gen++;
    nd->paused_until = for_us >= 0 ? sim_now(e->sim) + for_us : -1;
    if (for_us >= 0) {
        util_fmt_duration(d, sizeof(d), for_us);
        schedule(e, nd->paused_until, EV_RESUME, node, 0, nd->pause_gen);
        emit_sub(e, TRACE_FAULT, TRACE_SUB_PAUSE, node, -1, "pauses for %s", d);
    } else {
        emit_sub(e, TRACE_FAULT, TRACE_SUB_PAUSE, node, -1, "pauses until resumed");
    }
    return 0;
}

int engine_resume(struct engine *e, int node)
{
    if (!valid_node(e, node))
        return ENGINE_ENODE;
    if (e->nodes[node].state != NODE_PAUSED)
        return ENGINE_ESTATE;
    do_resume(e, node);
    return 0;
}

int engine_cut(struct engine *e, int from, int to, bool both, bool cut)
{
    if (!valid_node(e, from) || !valid_node(e, to))
        return ENGINE_ENODE;
    ensure_started(e);
    net_cut(e->net, from, to, cut);
    if (both)
        net_cut(e->net, to, from, cut);
    emit_sub(e, TRACE_FAULT, cut ? TRACE_SUB_CUT : TRACE_SUB_MEND, from, to, "%s link n%d %s n%d",
             cut ? "cuts" : "mends", from + 1, both ? "<->" : "->", to + 1);
    return 0;
}

int engine_partition(struct engine *e, const int *group)
{
    char text[TRACE_TEXT_MAX] = "";
    int max_group = 0;

    ensure_started(e);
    net_partition(e->net, group);
    for (int i = 0; i < e->n; i++)
        if (group[i] > max_group)
            max_group = group[i];
    for (int g = 0; g <= max_group; g++) {
        bool any = false;
        for (int i = 0; i < e->n; i++) {
            if (group[i] != g)
                continue;
            util_appendf(text, sizeof(text), "%sn%d", any ? " " : (g ? " | " : ""), i + 1);
            any = true;
        }
    }
    emit_sub(e, TRACE_FAULT, TRACE_SUB_PARTITION, -1, -1, "%s", text);
    return 0;
}

void engine_heal(struct engine *e)
{
    ensure_started(e);
    net_heal(e->net);
    emit_sub(e, TRACE_FAULT, TRACE_SUB_HEAL, -1, -1, "every link and partition restored");
}

int engine_link(struct engine *e, int from, int to, bool both, const struct engine_link_cfg *cfg)
{
    char text[TRACE_TEXT_MAX] = "";

    if ((from >= 0 || to >= 0) && (!valid_node(e, from) || !valid_node(e, to)))
        return ENGINE_ENODE;
    for (int pass = 0; pass < (both ? 2 : 1); pass++) {
        int a = pass ? to : from, b = pass ? from : to;
        if (cfg->lat_min_us >= 0)
            net_set_latency(e->net, a, b, cfg->lat_min_us, cfg->lat_max_us);
        if (cfg->drop_bp >= 0)
            net_set_drop(e->net, a, b, (uint32_t)cfg->drop_bp);
        if (cfg->dup_bp >= 0)
            net_set_dup(e->net, a, b, (uint32_t)cfg->dup_bp);
        if (cfg->reorder_bp >= 0)
            net_set_reorder(e->net, a, b, (uint32_t)cfg->reorder_bp);
    }
    if (from >= 0)
        snprintf(text, sizeof(text), "n%d %s n%d", from + 1, both ? "<->" : "->", to + 1);
    else
        util_strlcpy(text, "every link", sizeof(text));
    if (cfg->lat_min_us >= 0) {
        char a[24], b[24];
        util_fmt_duration(a, sizeof(a), cfg->lat_min_us);
        util_fmt_duration(b, sizeof(b), cfg->lat_max_us);
        util_appendf(text, sizeof(text), " delay %s..%s", a, b);
    }
    if (cfg->drop_bp >= 0)
        util_appendf(text, sizeof(text), " drop %lld.%02lld%%", (long long)(cfg->drop_bp / 100),
                     (long long)(cfg->drop_bp % 100));
    if (cfg->dup_bp >= 0)
        util_appendf(text, sizeof(text), " dup %lld.%02lld%%", (long long)(cfg->dup_bp / 100),
                     (long long)(cfg->dup_bp % 100));
    if (cfg->reorder_bp >= 0)
        util_appendf(text, sizeof(text), " reorder %lld.%02lld%%",
                     (long long)(cfg->reorder_bp / 100), (long long)(cfg->reorder_bp % 100));
    emit_sub(e, TRACE_FAULT, TRACE_SUB_LINK, from, to, "%s", text);
    return 0;
}

int engine_skew(struct engine *e, int node, int64_t delta_us)
{
    char d[24];
    struct trace_event ev;

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    clock_skew(&e->clocks[node], sim_now(e->sim), delta_us);
    util_fmt_duration(d, sizeof(d), delta_us);
    ev = new_event(e, TRACE_CLOCK, node, -1);
    ev.sub = TRACE_SUB_SKEW;
    util_strlcpy(ev.name, trace_sub_name(ev.sub), sizeof(ev.name));
    ev.a = delta_us;
    snprintf(ev.text, sizeof(ev.text), "clock jumps %s%s", delta_us >= 0 ? "+" : "", d);
    trace_emit(e->trace, &ev);
    return 0;
}

int engine_drift(struct engine *e, int node, int32_t ppm)
{
    struct trace_event ev;

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    clock_set_drift(&e->clocks[node], sim_now(e->sim), ppm);
    ev = new_event(e, TRACE_CLOCK, node, -1);
    ev.sub = TRACE_SUB_DRIFT;
    util_strlcpy(ev.name, trace_sub_name(ev.sub), sizeof(ev.name));
    ev.a = e->clocks[node].drift_ppm;
    snprintf(ev.text, sizeof(ev.text), "clock drifts %+dppm", e->clocks[node].drift_ppm);
    trace_emit(e->trace, &ev);
    return 0;
}

int engine_ntp(struct engine *e, int node)
{
    int64_t err_max = e->eparams[EP_NTP_ERROR].num;
    int64_t error = err_max ? sim_rng_range(&e->engine_rng, -err_max, err_max) : 0;
    int64_t jump;
    char d[24];
    struct trace_event ev;

    if (!valid_node(e, node))
        return ENGINE_ENODE;
    jump = clock_ntp(&e->clocks[node], sim_now(e->sim), error);
    util_fmt_duration(d, sizeof(d), jump);
    ev = new_event(e, TRACE_CLOCK, node, -1);
    ev.sub = TRACE_SUB_NTP;
    util_strlcpy(ev.name, trace_sub_name(ev.sub), sizeof(ev.name));
    ev.a = jump;
    snprintf(ev.text, sizeof(ev.text), "NTP resync: clock jumps %s%s%s", jump >= 0 ? "+" : "", d,
             jump < 0 ? " (backwards)" : "");
    trace_emit(e->trace, &ev);
    return 0;
}

int engine_msg(struct engine *e, uint64_t id, enum engine_msg_act act, int64_t delay_us)
{
    struct net_ref ref;
    const struct msg *m;
    int64_t now = sim_now(e->sim), at = now;
    uint32_t gen;
    char d[24];

    if (!net_find_id(e->net, id, &ref))
        return ENGINE_ENODE;
    m = net_find(e->net, ref);
    switch (act) {
    case ENGINE_MSG_DELIVER:
        at = now;
        emit_sub(e, TRACE_FAULT, TRACE_SUB_DELIVER, m->from, m->to,
                 "#%llu %s delivered now, by hand", (unsigned long long)id, m->summary);
        break;
    case ENGINE_MSG_DELAY:
        at = (m->deliver_us > now ? m->deliver_us : now) + delay_us;
        util_fmt_duration(d, sizeof(d), delay_us);
        emit_sub(e, TRACE_FAULT, TRACE_SUB_DELAY, m->from, m->to,
                 "#%llu %s held back %s more, by hand", (unsigned long long)id, m->summary, d);
        break;
    case ENGINE_MSG_DROP:
        at = now;
        emit_sub(e, TRACE_FAULT, TRACE_SUB_DROP, m->from, m->to, "#%llu %s dropped by hand",
                 (unsigned long long)id, m->summary);
        net_mark_dropped(e->net, ref, NET_WHY_HAND);
        break;
    }
    gen = net_retime(e->net, ref, at);
    schedule(e, at, EV_DELIVER, -1, id, (int64_t)ref.slot | ((int64_t)gen << 32));
    return 0;
}

void engine_note(struct engine *e, const char *text)
{
    emitf(e, TRACE_NOTE, -1, -1, NULL, "%s", text);
}

void engine_mark(struct engine *e, enum trace_sub what, const char *text)
{
    emit_sub(e, TRACE_NOTE, what, -1, -1, "%s", text);
}
