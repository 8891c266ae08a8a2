/*
 * test_engine: the facade, driven with the echo model. Pause parks a node's
 * messages and runs them in order on resume; a crash loses what was in
 * flight to the node; restart keeps or loses the store as `durability` and
 * `wipe` say; ops time out; every event reaches observers, a slow cursor sees
 * a gap, and the JSON Lines trace is well formed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"

#define MS 1000LL
#define S  1000000LL

/* ---- helpers ---- */

struct rec {
    struct trace_observer obs;
    struct trace_event *ev;
    size_t n;
    size_t cap;
    uint64_t next_seq;
    bool seq_gap;
};

static void rec_fn(struct trace_observer *self, const struct trace_event *ev)
{
    struct rec *r = (struct rec *)((char *)self - offsetof(struct rec, obs));

    if (ev->seq != r->next_seq)
        r->seq_gap = true;
    r->next_seq = ev->seq + 1;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->ev = realloc(r->ev, r->cap * sizeof(*r->ev));
        assert_non_null(r->ev);
    }
    r->ev[r->n++] = *ev;
}

static void rec_init(struct rec *r, struct engine *e)
{
    memset(r, 0, sizeof(*r));
    r->obs.fn = rec_fn;
    r->next_seq = trace_count(engine_trace(e));
    trace_subscribe(engine_trace(e), &r->obs);
}

static void rec_release(struct rec *r)
{
    free(r->ev);
}

/* An echo cluster with every link at exactly 10ms, and clients 1ms away. */
static struct engine *cluster(int n, uint64_t seed)
{
    struct engine *e;
    struct engine_link_cfg cfg = {10 * MS, 10 * MS, -1, -1, -1};

    assert_int_equal(engine_create("echo", n, seed, &e), 0);
    assert_int_equal(engine_link(e, -1, -1, false, &cfg), 0);
    return e;
}

static int64_t submit(struct engine *e, enum op_kind kind, const char *label, const char *key,
                      const char *value, int via)
{
    struct engine_op_spec spec;
    int64_t id;

    memset(&spec, 0, sizeof(spec));
    spec.label = label;
    spec.kind = kind;
    spec.key = key;
    spec.value = value;
    spec.via = via;
    id = engine_submit(e, &spec);
    assert_true(id > 0);
    return id;
}

static const struct op *op(struct engine *e, int64_t id)
{
    return history_at(engine_history(e), (uint64_t)id);
}

static const char *local(struct engine *e, int node, const char *key, char *buf, size_t size)
{
    struct op_values v;

    engine_read_local(e, node, key, &v);
    op_format_values(&v, buf, size);
    return buf;
}

static void run_to(struct engine *e, int64_t t)
{
    uint64_t action;

    assert_int_equal(engine_run_until(e, t, &action), ENGINE_REACHED);
    assert_int_equal(engine_now(e), t);
}

static enum node_state state_of(struct engine *e, int node)
{
    struct engine_node info;

    assert_int_equal(engine_node(e, node, &info), 0);
    return info.state;
}

/* ---- idle waits ---- */

/* Idle (nothing in flight) only between messages; then the next event's time. */
static void test_idle_until(void **state)
{
    struct engine *e = cluster(3, 1);
    int64_t next;

    (void)state;
    submit(e, OP_PUT, "w1", "x", "1", 0);
    run_to(e, 5 * MS);
    assert_int_equal(engine_idle_until(e), -1); /* its echoes are on the wire */
    engine_destroy(e);
    /* A leader cluster between fetch rounds: nothing on the wire, the next timer pending. */
    assert_int_equal(engine_create("leader", 3, 1, &e), 0);
    next = -1;
    for (int i = 0; i < 1000 && next < 0; i++) {
        uint64_t action;
        engine_step(e, &action);
        next = engine_idle_until(e);
    }
    assert_true(next >= engine_now(e));
    assert_int_equal(net_in_flight(engine_net(e)), 0);
    engine_destroy(e);
}

/* ---- pause ---- */

static void test_pause_parks_and_resumes_in_order(void **state)
{
    struct engine *e = cluster(3, 1);
    struct rec r;
    char buf[64];
    int64_t w1, r1;
    size_t i, resume_at = 0;
    int to_n2_while_paused = 0, from_n2_while_paused = 0;
    int64_t echo_seen = -1, get_seen = -1;

    (void)state;
    rec_init(&r, e);
    assert_int_equal(engine_pause(e, 1, 300 * MS), 0);
    assert_int_equal(state_of(e, 1), NODE_PAUSED);
    w1 = submit(e, OP_PUT, "w1", "x", "1", 0);
    run_to(e, 50 * MS);
    /* n3 has the echo; n2 is frozen and has not seen it. */
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "1");
    assert_string_equal(local(e, 1, "x", buf, sizeof(buf)), "nil");
    /* A read sent to the paused node gets no answer while it is paused. */
    r1 = submit(e, OP_GET, "r1", "x", NULL, 1);
    run_to(e, 299 * MS);
    assert_int_equal(op(e, w1)->status, OP_PENDING);
    assert_int_equal(op(e, r1)->status, OP_PENDING);
    assert_int_equal(state_of(e, 1), NODE_PAUSED);
    run_to(e, 400 * MS);
    assert_int_equal(state_of(e, 1), NODE_UP);
    /* On resume the echo (which arrived first) ran before the read: the read sees x=1. */
    assert_int_equal(op(e, r1)->status, OP_OK);
    assert_int_equal(op(e, r1)->result.n, 1);
    assert_string_equal(op(e, r1)->result.v[0], "1");
    assert_int_equal(op(e, r1)->complete_us, 300 * MS + 1 * MS);
    /* The write completes once n2's ack arrives, 10ms after the resume. */
    assert_int_equal(op(e, w1)->status, OP_OK);
    assert_int_equal(op(e, w1)->complete_us, 300 * MS + 10 * MS + 1 * MS);
    /* In the trace: nothing reached or left n2 between the pause and the resume. */
    for (i = 0; i < r.n; i++) {
        const struct trace_event *ev = &r.ev[i];
        /* A variant's name is the word it is typed as. */
        if (ev->sub != TRACE_SUB_NONE)
            assert_string_equal(ev->name, trace_sub_name(ev->sub));
        if (ev->kind == TRACE_FAULT && ev->sub == TRACE_SUB_RESUME) {
            resume_at = i;
            assert_int_equal(ev->t_us, 300 * MS);
            break;
        }
        if (ev->kind == TRACE_DELIVER && ev->node == 1)
            to_n2_while_paused++;
        if (ev->kind == TRACE_SEND && ev->node == 1)
            from_n2_while_paused++;
    }
    assert_true(resume_at > 0);
    assert_int_equal(to_n2_while_paused, 0);
    assert_int_equal(from_n2_while_paused, 0);
    for (i = resume_at; i < r.n; i++) {
        const struct trace_event *ev = &r.ev[i];
        if (ev->kind == TRACE_DELIVER && ev->node == 1 && strcmp(ev->name, "echo") == 0)
            echo_seen = (int64_t)i;
        if (ev->kind == TRACE_DELIVER && ev->node == 1 && strcmp(ev->name, "request") == 0)
            get_seen = (int64_t)i;
    }
    assert_true(echo_seen > 0 && get_seen > 0);
    assert_true(echo_seen < get_seen);
    assert_false(r.seq_gap);
    trace_unsubscribe(engine_trace(e), &r.obs);
    rec_release(&r);
    engine_destroy(e);
}

/*
 * Timers of a paused node wait too, and fire late, on resume. Echo sets no
 * timers, so this borrows the first registered model that does.
 */
static void test_pause_delays_timers(void **state)
{
    struct engine *e = NULL;
    struct rec r;
    uint64_t action;
    int during = 0, at_resume = 0, before = 0;
    bool resumed = false;

    (void)state;
    for (int m = 0; m < model_count() && !e; m++) {
        assert_int_equal(engine_create(model_at(m)->name, 3, 1, &e), 0);
        rec_init(&r, e);
        engine_run_until(e, 1 * S, &action);
        for (size_t i = 0; i < r.n; i++)
            before += r.ev[i].kind == TRACE_TIMER && r.ev[i].node == 0;
        if (before == 0) {
            trace_unsubscribe(engine_trace(e), &r.obs);
            rec_release(&r);
            engine_destroy(e);
            e = NULL;
        }
    }
    if (!e)
        skip();
    r.n = 0;
    assert_int_equal(engine_pause(e, 0, 500 * MS), 0);
    engine_run_until(e, 2 * S, &action);
    for (size_t i = 0; i < r.n; i++) {
        const struct trace_event *ev = &r.ev[i];
        if (ev->kind == TRACE_FAULT && ev->node == 0 && ev->sub == TRACE_SUB_RESUME)
            resumed = true;
        if (ev->kind != TRACE_TIMER || ev->node != 0)
            continue;
        if (ev->t_us < 1500 * MS)
            during++;
        if (ev->t_us == 1500 * MS) {
            assert_true(resumed); /* after the resume, never before */
            at_resume++;
        }
    }
    assert_int_equal(during, 0);
    /* The timers that fell due during the pause all fire at the moment it ends. */
    assert_true(at_resume > 0);
    trace_unsubscribe(engine_trace(e), &r.obs);
    rec_release(&r);
    engine_destroy(e);
}

static void test_pause_until_resumed(void **state)
{
    struct engine *e = cluster(3, 1);
    struct engine_node info;
    char buf[64];
    uint64_t action;

    (void)state;
    assert_int_equal(engine_pause(e, 2, -1), 0);
    engine_node(e, 2, &info);
    assert_int_equal(info.paused_until, -1);
    submit(e, OP_PUT, "w1", "x", "1", 0);
    /* The echo to n3 waits forever: run until quiet gives up at its bound. */
    assert_int_equal(engine_run_until_quiet(e, 1 * S, &action), ENGINE_BOUND);
    assert_int_equal(engine_now(e), 1 * S);
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "nil");
    assert_int_equal(engine_pause(e, 2, 10 * MS), ENGINE_ESTATE); /* already paused */
    assert_int_equal(engine_resume(e, 2), 0);
    assert_int_equal(engine_resume(e, 2), ENGINE_ESTATE);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "1");
    engine_destroy(e);
}

static void test_stale_resume_is_ignored(void **state)
{
    struct engine *e = cluster(2, 1);

    (void)state;
    /* Pause for 100ms, resume by hand, pause again with no end: the old 100ms timer must not
     * end the second pause. */
    engine_pause(e, 0, 100 * MS);
    run_to(e, 10 * MS);
    engine_resume(e, 0);
    engine_pause(e, 0, -1);
    run_to(e, 500 * MS);
    assert_int_equal(state_of(e, 0), NODE_PAUSED);
    engine_destroy(e);
}

/* ---- crash and restart ---- */

static void test_crash_loses_in_flight(void **state)
{
    struct engine *e = cluster(3, 1);
    struct rec r;
    char buf[64];
    int64_t w1;
    int lost_to_n2 = 0;
    uint64_t action;

    (void)state;
    engine_set(e, "op_timeout", "500ms", buf, sizeof(buf));
    rec_init(&r, e);
    w1 = submit(e, OP_PUT, "w1", "x", "1", 0);
    /* The echoes leave n1 at 1ms and arrive at 11ms; kill n2 in between. */
    run_to(e, 5 * MS);
    assert_int_equal(engine_kill(e, 1), 0);
    assert_int_equal(engine_kill(e, 1), ENGINE_ESTATE);
    assert_int_equal(state_of(e, 1), NODE_CRASHED);
    assert_int_equal(engine_pause(e, 1, 10 * MS), ENGINE_ESTATE);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    for (size_t i = 0; i < r.n; i++)
        if (r.ev[i].kind == TRACE_DROP && r.ev[i].peer == 1 &&
            strcmp(r.ev[i].text, "node down") == 0) {
            lost_to_n2++;
            assert_int_equal(r.ev[i].t_us, 11 * MS);
        }
    assert_int_equal(lost_to_n2, 1);
    assert_string_equal(local(e, 1, "x", buf, sizeof(buf)), "nil");
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "1");
    /* n1 waited for every ack: the write times out after op_timeout. */
    assert_int_equal(op(e, w1)->status, OP_TIMEOUT);
    assert_int_equal(op(e, w1)->complete_us, 500 * MS);
    assert_string_equal(op(e, w1)->reason, "no answer before op_timeout");
    assert_int_equal(net_in_flight(engine_net(e)), 0);
    trace_unsubscribe(engine_trace(e), &r.obs);
    rec_release(&r);
    engine_destroy(e);
}

static void test_requests_to_crashed_node_time_out(void **state)
{
    struct engine *e = cluster(3, 1);
    char err[200];
    int64_t r1;
    uint64_t action;

    (void)state;
    assert_int_equal(engine_set(e, "op_timeout", "300ms", err, sizeof(err)), 0);
    engine_kill(e, 2);
    r1 = submit(e, OP_GET, "r1", "x", NULL, 2);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_int_equal(op(e, r1)->status, OP_TIMEOUT);
    assert_int_equal(op(e, r1)->invoke_us, 0);
    assert_int_equal(op(e, r1)->complete_us, 300 * MS);
    engine_destroy(e);
}

static void test_restart_durable_and_not(void **state)
{
    struct engine *e = cluster(3, 1);
    struct engine_node info;
    char buf[64], err[200];
    uint64_t action;

    (void)state;
    submit(e, OP_PUT, "w1", "x", "1", 0);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    for (int i = 0; i < 3; i++)
        assert_string_equal(local(e, i, "x", buf, sizeof(buf)), "1");
    engine_node(e, 1, &info);
    assert_true(info.lamport > 0);
    /* durability disk (the default): a restart keeps the store. */
    assert_int_equal(engine_kill(e, 1), 0);
    assert_int_equal(engine_restart(e, 1, false), 0);
    assert_int_equal(state_of(e, 1), NODE_UP);
    assert_string_equal(local(e, 1, "x", buf, sizeof(buf)), "1");
    engine_node(e, 1, &info);
    assert_int_equal(info.incarnation, 1);
    /* wipe: even durable state is gone (restarting a live node crashes it first). */
    assert_int_equal(engine_restart(e, 0, true), 0);
    assert_string_equal(local(e, 0, "x", buf, sizeof(buf)), "nil");
    assert_int_equal(store_kv_count(engine_store(e, 0)), 0);
    engine_node(e, 0, &info);
    assert_int_equal(info.lamport, 0);
    assert_int_equal(info.incarnation, 1);
    /* durability memory: a plain restart loses the store too. */
    assert_int_equal(engine_set(e, "durability", "memory", err, sizeof(err)), 0);
    engine_kill(e, 2);
    engine_restart(e, 2, false);
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "nil");
    /* The restarted nodes work: a new write reaches everyone. */
    submit(e, OP_PUT, "w2", "y", "2", 2);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    for (int i = 0; i < 3; i++)
        assert_string_equal(local(e, i, "y", buf, sizeof(buf)), "2");
    engine_destroy(e);
}

/* A message that reached a paused node waits there; if the node is killed, the message is lost
 * (and traced as lost), not left in flight forever. */
static void test_kill_paused_node_loses_parked(void **state)
{
    struct engine *e = cluster(3, 1);
    struct rec r;
    int lost = 0;
    uint64_t action;
    char err[200];

    (void)state;
    engine_set(e, "op_timeout", "200ms", err, sizeof(err));
    rec_init(&r, e);
    engine_pause(e, 1, -1);
    submit(e, OP_PUT, "w1", "x", "1", 0);
    run_to(e, 50 * MS); /* the echo to n2 arrived at 11ms and is parked */
    assert_int_equal(net_in_flight(engine_net(e)), 1);
    assert_int_equal(engine_kill(e, 1), 0);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_int_equal(net_in_flight(engine_net(e)), 0);
    for (size_t i = 0; i < r.n; i++)
        lost += r.ev[i].kind == TRACE_DROP && r.ev[i].peer == 1;
    assert_int_equal(lost, 1);
    /* Restarted, it never processes the old echo. */
    engine_restart(e, 1, false);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_int_equal(store_kv_count(engine_store(e, 1)), 0);
    trace_unsubscribe(engine_trace(e), &r.obs);
    rec_release(&r);
    engine_destroy(e);
}

static void test_cut_and_partition_through_engine(void **state)
{
    struct engine *e = cluster(3, 1);
    const int groups[3] = {0, 0, 1};
    char buf[64];
    uint64_t action;
    int64_t w1, r1;

    (void)state;
    assert_int_equal(engine_partition(e, groups), 0);
    w1 = submit(e, OP_PUT, "w1", "x", "1", 0);
    /* Clients reach n3 even though it is partitioned from the others. */
    r1 = submit(e, OP_GET, "r1", "x", NULL, 2);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_int_equal(op(e, r1)->status, OP_OK);
    assert_int_equal(op(e, w1)->status, OP_TIMEOUT);
    assert_string_equal(local(e, 1, "x", buf, sizeof(buf)), "1");
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "nil");
    engine_heal(e);
    assert_int_equal(engine_cut(e, 0, 2, false, true), 0);
    submit(e, OP_PUT, "w2", "x", "2", 0);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_string_equal(local(e, 1, "x", buf, sizeof(buf)), "2");
    assert_string_equal(local(e, 2, "x", buf, sizeof(buf)), "nil"); /* n1 -> n3 is cut */
    assert_int_equal(engine_cut(e, 0, 5, false, true), ENGINE_ENODE);
    engine_destroy(e);
}

/* ---- parameters, errors ---- */

static void test_set_get_and_errors(void **state)
{
    struct engine *e;
    char err[300], val[48];
    struct engine_op_spec spec;

    (void)state;
    assert_int_equal(engine_create("nosuch", 3, 1, &e), ENGINE_EMODEL);
    assert_null(e);
    assert_int_equal(engine_create("echo", 0, 1, &e), ENGINE_ENODES);
    assert_int_equal(engine_create("echo", 65, 1, &e), ENGINE_ENODES);
    assert_int_equal(engine_create("echo", 64, 1, &e), 0);
    engine_destroy(e);
    e = cluster(3, 1);
    assert_int_equal(engine_set(e, "timing", "partial", err, sizeof(err)), 0);
    assert_int_equal(engine_get(e, "timing", val, sizeof(val)), 0);
    assert_string_equal(val, "partial");
    assert_int_equal(engine_set(e, "acks", "1", err, sizeof(err)), 0);
    assert_int_equal(engine_get(e, "acks", val, sizeof(val)), 0);
    assert_string_equal(val, "1");
    assert_int_equal(engine_set(e, "timing", "soon", err, sizeof(err)), ENGINE_EPARAM);
    assert_string_equal(err, "timing takes sync, partial or async, not 'soon'");
    assert_int_equal(engine_set(e, "nosuch", "1", err, sizeof(err)), ENGINE_EPARAM);
    assert_non_null(strstr(err, "nosuch"));
    assert_int_equal(engine_get(e, "nosuch", val, sizeof(val)), -1);
    assert_int_equal(engine_param_num(e, EP_OP_TIMEOUT), 2 * S);
    /* Ops the model does not serve, nodes that do not exist. */
    memset(&spec, 0, sizeof(spec));
    spec.kind = OP_INCR;
    spec.key = "c";
    spec.via = -1;
    assert_int_equal(engine_submit(e, &spec), ENGINE_EOP);
    spec.kind = OP_GET;
    spec.via = 3;
    assert_int_equal(engine_submit(e, &spec), ENGINE_ENODE);
    spec.via = -1;
    spec.client = ENGINE_MAX_CLIENTS;
    assert_int_equal(engine_submit(e, &spec), ENGINE_EPARAM);
    assert_int_equal(engine_kill(e, 3), ENGINE_ENODE);
    assert_int_equal(engine_kill(e, -1), ENGINE_ENODE);
    assert_int_equal(engine_node(e, 3, &(struct engine_node){0}), ENGINE_ENODE);
    assert_null(engine_store(e, 3));
    /* Actions in the past are refused. */
    run_to(e, 1 * S);
    assert_int_equal(engine_schedule_action(e, 999 * MS, 1), ENGINE_EPAST);
    assert_string_equal(engine_strerror(ENGINE_EPAST), "that time has passed");
    engine_destroy(e);
}

static void test_actions_stop_the_run(void **state)
{
    struct engine *e = cluster(3, 1);
    uint64_t action = 0;

    (void)state;
    assert_int_equal(engine_schedule_action(e, 200 * MS, 7), 0);
    assert_int_equal(engine_schedule_action(e, 100 * MS, 8), 0);
    assert_int_equal(engine_schedule_action(e, 100 * MS, 9), 0);
    assert_int_equal(engine_pending_actions(e), 3);
    assert_false(engine_quiet(e));
    assert_int_equal(engine_run_until(e, 1 * S, &action), ENGINE_ACTION);
    assert_int_equal(action, 8);
    assert_int_equal(engine_now(e), 100 * MS);
    assert_int_equal(engine_run_until(e, 1 * S, &action), ENGINE_ACTION);
    assert_int_equal(action, 9);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_ACTION);
    assert_int_equal(action, 7);
    assert_int_equal(engine_now(e), 200 * MS);
    assert_int_equal(engine_pending_actions(e), 0);
    assert_int_equal(engine_run_until_quiet(e, 10 * S, &action), ENGINE_QUIET);
    assert_int_equal(engine_step(e, &action), ENGINE_EMPTY);
    engine_destroy(e);
}

static void test_clock_faults_through_engine(void **state)
{
    struct engine *e = cluster(3, 1);
    struct engine_node info;
    char err[200];

    (void)state;
    engine_set(e, "truetime", "5ms", err, sizeof(err));
    engine_set(e, "truetime_drift", "0", err, sizeof(err)); /* a fixed epsilon here */
    run_to(e, 1 * S);
    assert_int_equal(engine_skew(e, 2, 250 * MS), 0);
    assert_int_equal(engine_drift(e, 2, -200), 0);
    run_to(e, 2 * S);
    engine_node(e, 2, &info);
    assert_int_equal(info.phys_us, 2 * S + 250 * MS - 200);
    assert_int_equal(info.skew_us, 250 * MS - 200);
    assert_int_equal(info.mono_us, 2 * S - 200);
    assert_int_equal(info.drift_ppm, -200);
    assert_int_equal(info.tt_earliest, info.phys_us - 5 * MS);
    assert_int_equal(info.tt_latest, info.phys_us + 5 * MS);
    assert_int_equal(engine_ntp(e, 2), 0); /* ntp_error 0: lands on true time */
    engine_node(e, 2, &info);
    assert_int_equal(info.phys_us, 2 * S);
    assert_int_equal(info.mono_us, 2 * S - 200); /* NTP went back 250ms; mono did not */
    assert_int_equal(engine_skew(e, 5, 1), ENGINE_ENODE);
    engine_destroy(e);
}

/* ---- the trace ---- */

static void test_observer_sees_every_event(void **state)
{
    struct engine *e = cluster(4, 3);
    struct rec a, b;
    struct engine_link_cfg lossy = {-1, -1, 2000, 1000, -1};
    uint64_t action, first;

    (void)state;
    first = trace_count(engine_trace(e)); /* cluster() traced its link setting */
    rec_init(&a, e);
    rec_init(&b, e);
    engine_link(e, -1, -1, false, &lossy);
    for (int i = 0; i < 50; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", i);
        submit(e, OP_PUT, NULL, "x", v, i % 4);
        engine_run_until(e, engine_now(e) + 7 * MS, &action);
    }
    engine_kill(e, 3);
    engine_note(e, "hello");
    engine_run_until_quiet(e, 60 * S, &action);
    assert_true(a.n > 500);
    assert_int_equal(a.n, trace_count(engine_trace(e)) - first);
    assert_int_equal(b.n, a.n);
    assert_false(a.seq_gap);
    assert_memory_equal(a.ev, b.ev, a.n * sizeof(*a.ev));
    /* Some of every kind this run makes. */
    {
        int kinds[TRACE_NOTE + 1] = {0};
        for (size_t i = 0; i < a.n; i++)
            kinds[a.ev[i].kind]++;
        assert_true(kinds[TRACE_SEND] > 0);
        assert_true(kinds[TRACE_DELIVER] > 0);
        assert_true(kinds[TRACE_DROP] > 0);
        assert_true(kinds[TRACE_DUP] > 0);
        assert_true(kinds[TRACE_OP_START] == 50);
        assert_true(kinds[TRACE_OP_END] == 50);
        assert_true(kinds[TRACE_FAULT] > 0);
        assert_true(kinds[TRACE_NOTE] >= 2); /* start, hello */
    }
    /* Unsubscribed observers hear nothing more. */
    trace_unsubscribe(engine_trace(e), &b.obs);
    engine_note(e, "only a");
    assert_int_equal(a.n, b.n + 1);
    trace_unsubscribe(engine_trace(e), &a.obs);
    rec_release(&a);
    rec_release(&b);
    engine_destroy(e);
}

static void test_cursor_gap(void **state)
{
    struct engine *e = cluster(2, 1);
    struct trace *tr = engine_trace(e);
    struct trace_cursor cur = trace_cursor_now(tr);
    struct trace_event ev;
    uint64_t oldest, n = 0;
    char text[32];

    (void)state;
    assert_int_equal(trace_read(tr, &cur, &ev), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(text, sizeof(text), "note %d", i);
        engine_note(e, text);
    }
    assert_int_equal(trace_read(tr, &cur, &ev), 1);
    assert_string_equal(ev.text, "note 0");
    /* Fall far behind: the ring holds TRACE_RING events. */
    for (int i = 0; i < TRACE_RING + 100; i++)
        engine_note(e, "filler");
    assert_int_equal(trace_read(tr, &cur, &ev), TRACE_EGAP);
    oldest = trace_count(tr) - TRACE_RING;
    assert_int_equal(cur.next_seq, oldest);
    /* Then it reads on from the oldest event still held, every one of them, in order. */
    while (trace_read(tr, &cur, &ev) == 1) {
        assert_int_equal(ev.seq, oldest + n);
        n++;
    }
    assert_int_equal(n, TRACE_RING);
    assert_int_equal(trace_read(tr, &cur, &ev), 0);
    engine_note(e, "fresh");
    assert_int_equal(trace_read(tr, &cur, &ev), 1);
    assert_string_equal(ev.text, "fresh");
    engine_destroy(e);
}

/* A small JSON checker: one object of string, integer, true/false/null values. */
static const char *json_ws(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

static const char *json_string(const char *s)
{
    if (*s != '"')
        return NULL;
    for (s++; *s && *s != '"'; s++) {
        if ((unsigned char)*s < 0x20)
            return NULL;
        if (*s == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)s[i]))
                        return NULL;
                s += 4;
            } else if (!strchr("\"\\/bfnrt", *s) || !*s) {
                return NULL;
            }
        }
    }
    return *s == '"' ? s + 1 : NULL;
}

static const char *json_value(const char *s)
{
    if (*s == '"')
        return json_string(s);
    if (*s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return NULL;
    if (*s == '0' && isdigit((unsigned char)s[1]))
        return NULL;
    while (isdigit((unsigned char)*s))
        s++;
    return s;
}

static bool json_object(const char *s)
{
    bool first = true;

    s = json_ws(s);
    if (*s++ != '{')
        return false;
    for (;;) {
        s = json_ws(s);
        if (*s == '}' && first)
            break;
        if (!(s = json_string(s)))
            return false;
        s = json_ws(s);
        if (*s++ != ':')
            return false;
        if (!(s = json_value(json_ws(s))))
            return false;
        s = json_ws(s);
        first = false;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '}')
            break;
        return false;
    }
    return *json_ws(s + 1) == '\0';
}

static void test_json_checker_itself(void **state)
{
    (void)state;
    assert_true(json_object("{\"t\":0,\"ev\":\"note\",\"text\":\"a \\\"b\\\" \\u0009\"}"));
    assert_false(json_object("{\"t\":0,\"ev\":\"note\",}"));
    assert_false(json_object("{\"t\":0,\"text\":\"a\"b\"}"));
    assert_false(json_object("{\"t\":01}"));
    assert_false(json_object("{\"t\":0} x"));
    assert_false(json_object("{\"text\":\"tab\there\"}"));
}

static void test_jsonl_well_formed(void **state)
{
    struct engine *e = cluster(3, 5);
    struct trace_jsonl w;
    struct engine_link_cfg lossy = {5 * MS, 50 * MS, 1000, 1000, 2000};
    const int groups[3] = {0, 0, 1};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    uint64_t action;
    char err[200];
    uint64_t lines = 0, first = trace_count(engine_trace(e));

    (void)state;
    assert_non_null(f);
    trace_jsonl_init(&w, f);
    trace_subscribe(engine_trace(e), &w.obs);
    engine_set(e, "timing", "async", err, sizeof(err));
    engine_link(e, -1, -1, false, &lossy);
    engine_note(e, "quotes \" and \\ backslash, a\ttab and \x01 a control byte");
    for (int i = 0; i < 20; i++) {
        char v[8];
        snprintf(v, sizeof(v), "v%d", i);
        submit(e, i % 3 ? OP_PUT : OP_GET, NULL, "k", v, i % 3);
        engine_run_until(e, engine_now(e) + 13 * MS, &action);
        if (i == 5)
            engine_partition(e, groups);
        if (i == 9)
            engine_heal(e);
        if (i == 12)
            engine_pause(e, 1, 40 * MS);
        if (i == 15)
            engine_skew(e, 2, -30 * MS);
    }
    engine_kill(e, 0);
    engine_restart(e, 0, true);
    engine_ntp(e, 2);
    engine_run_until_quiet(e, 60 * S, &action);
    trace_unsubscribe(engine_trace(e), &w.obs);
    fclose(f);
    assert_false(w.failed);
    for (char *line = buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl); /* every line ends in a newline */
        *nl = '\0';
        if (!json_object(line))
            fail_msg("line %llu is not a JSON object: %s", (unsigned long long)lines + 1, line);
        assert_true(strncmp(line, "{\"t\":", 5) == 0);
        assert_non_null(strstr(line, ",\"ev\":\""));
        lines++;
    }
    assert_int_equal(lines, trace_count(engine_trace(e)) - first);
    assert_true(lines > 100);
    free(buf);
    engine_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_until),
        cmocka_unit_test(test_pause_parks_and_resumes_in_order),
        cmocka_unit_test(test_pause_delays_timers),
        cmocka_unit_test(test_pause_until_resumed),
        cmocka_unit_test(test_stale_resume_is_ignored),
        cmocka_unit_test(test_crash_loses_in_flight),
        cmocka_unit_test(test_requests_to_crashed_node_time_out),
        cmocka_unit_test(test_restart_durable_and_not),
        cmocka_unit_test(test_kill_paused_node_loses_parked),
        cmocka_unit_test(test_cut_and_partition_through_engine),
        cmocka_unit_test(test_set_get_and_errors),
        cmocka_unit_test(test_actions_stop_the_run),
        cmocka_unit_test(test_clock_faults_through_engine),
        cmocka_unit_test(test_observer_sees_every_event),
        cmocka_unit_test(test_cursor_gap),
        cmocka_unit_test(test_json_checker_itself),
        cmocka_unit_test(test_jsonl_well_formed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
