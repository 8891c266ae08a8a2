/* Unit tests of the checkers on hand-made histories with known answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../engine/check.h"
#include "../engine/sim.h"
#include "../engine/util.h"

/* Adds one op: a put (val = value written) or a get (val = value read, NULL = nil). */
static void add(struct history *h, const char *label, enum op_kind kind, const char *val,
                enum op_status st, int64_t t0, int64_t t1)
{
    struct op op;

    memset(&op, 0, sizeof(op));
    util_strlcpy(op.label, label, sizeof(op.label));
    op.req.kind = kind;
    util_strlcpy(op.req.key, "x", sizeof(op.req.key));
    if (kind == OP_PUT && val)
        util_strlcpy(op.req.value, val, sizeof(op.req.value));
    op.invoke_us = t0;
    op.status = OP_PENDING;
    uint64_t id = history_add(h, &op);
    assert_true(id > 0);
    if (kind == OP_GET && val)
        assert_true(history_result_add(h, history_get(h, id), val));
    if (st != OP_PENDING)
        assert_non_null(history_complete(h, id, st, t1));
    if (kind == OP_GET && val && st == OP_OK)
        history_result_add(h, history_get(h, id), val);
}

static enum check_verdict verdict(struct history *h, struct check_lin *r)
{
    check_linearizable_key(h, "x", 0, r);
    return r->verdict;
}

static void test_sequential_ok(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    add(h, "r0", OP_GET, NULL, OP_OK, 0, 5);
    add(h, "w1", OP_PUT, "1", OP_OK, 10, 20);
    add(h, "r1", OP_GET, "1", OP_OK, 30, 40);
    add(h, "w2", OP_PUT, "2", OP_OK, 50, 60);
    add(h, "r2", OP_GET, "2", OP_OK, 70, 80);
    assert_int_equal(verdict(h, &r), CHECK_OK);
    assert_int_equal(r.ops, 5);
    history_destroy(h);
}

static void test_stale_read_after_completed_write(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    add(h, "w1", OP_PUT, "1", OP_OK, 0, 10);
    add(h, "w2", OP_PUT, "2", OP_OK, 20, 30);
    add(h, "r1", OP_GET, "1", OP_OK, 40, 50);
    assert_int_equal(verdict(h, &r), CHECK_VIOLATED);
    assert_int_equal(r.culprit, 3);
    assert_non_null(strstr(r.witness, "r1 get x -> 1"));
    assert_non_null(strstr(r.witness, "w2 put x=2 ok"));
    assert_non_null(strstr(r.witness, "completed before the read began"));
    history_destroy(h);
}

static void test_overlapping_reads_either_value(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    add(h, "w1", OP_PUT, "1", OP_OK, 0, 100);
    add(h, "r1", OP_GET, "1", OP_OK, 10, 20);
    add(h, "r2", OP_GET, NULL, OP_OK, 5, 8);
    assert_int_equal(verdict(h, &r), CHECK_OK);
    history_destroy(h);
}

static void test_overlapping_reads_cannot_go_back(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    /* Both reads overlap the write, but the second starts after the first saw 1. */
    add(h, "w1", OP_PUT, "1", OP_OK, 0, 100);
    add(h, "r1", OP_GET, "1", OP_OK, 10, 20);
    add(h, "r2", OP_GET, NULL, OP_OK, 30, 40);
    assert_int_equal(verdict(h, &r), CHECK_VIOLATED);
    history_destroy(h);
}

static void test_indeterminate_write_may_or_may_not_apply(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    add(h, "w1", OP_PUT, "1", OP_TIMEOUT, 0, 50);
    add(h, "r1", OP_GET, NULL, OP_OK, 60, 70);
    add(h, "r2", OP_GET, "1", OP_OK, 80, 90);
    assert_int_equal(verdict(h, &r), CHECK_OK);
    history_destroy(h);

    h = history_create();
    add(h, "w1", OP_PUT, "1", OP_FAIL, 0, 50);
    add(h, "r1", OP_GET, NULL, OP_OK, 60, 70);
    assert_int_equal(verdict(h, &r), CHECK_OK);
    history_destroy(h);

    /* Once a read saw it, it took effect: a later read cannot miss it. */
    h = history_create();
    add(h, "w1", OP_PUT, "1", OP_PENDING, 0, 0);
    add(h, "r1", OP_GET, "1", OP_OK, 60, 70);
    add(h, "r2", OP_GET, NULL, OP_OK, 80, 90);
    assert_int_equal(verdict(h, &r), CHECK_VIOLATED);
    history_destroy(h);
}

static void test_value_never_written(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    add(h, "w1", OP_PUT, "1", OP_OK, 0, 10);
    add(h, "r1", OP_GET, "9", OP_OK, 20, 30);
    assert_int_equal(verdict(h, &r), CHECK_VIOLATED);
    assert_non_null(strstr(r.witness, "no write ever wrote 9"));
    history_destroy(h);
}

static void test_reads_disagree_on_order(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    add(h, "w1", OP_PUT, "1", OP_OK, 0, 100);
    add(h, "w2", OP_PUT, "2", OP_OK, 0, 100);
    add(h, "r1", OP_GET, "1", OP_OK, 110, 120);
    add(h, "r2", OP_GET, "2", OP_OK, 130, 140);
    assert_int_equal(verdict(h, &r), CHECK_VIOLATED);
    history_destroy(h);

    /* The same reads while the writes are still in flight are fine. */
    h = history_create();
    add(h, "w1", OP_PUT, "1", OP_OK, 0, 100);
    add(h, "w2", OP_PUT, "2", OP_OK, 0, 100);
    add(h, "r1", OP_GET, "2", OP_OK, 10, 20);
    add(h, "r2", OP_GET, "1", OP_OK, 30, 40);
    assert_int_equal(verdict(h, &r), CHECK_OK);
    history_destroy(h);
}

/*
 * A large history that is linearizable by construction: ops happen at
 * distinct instants on a real register, then each interval is widened at
 * random around its instant, so many ops overlap.
 */
static void build_large(struct history *h, uint64_t seed, int n)
{
    struct sim_rng rng;
    char cur[16] = "";
    bool have = false;

    sim_rng_seed(&rng, seed, 9);
    for (int i = 0; i < n; i++) {
        int64_t at = (int64_t)i * 100;
        int64_t t0 = at - sim_rng_range(&rng, 0, 800);
        int64_t t1 = at + sim_rng_range(&rng, 0, 800);
        char label[16], val[16];
        snprintf(label, sizeof(label), "o%d", i);
        if (sim_rng_chance(&rng, 5000)) {
            snprintf(val, sizeof(val), "%d", i);
            add(h, label, OP_PUT, val, OP_OK, t0, t1);
            util_strlcpy(cur, val, sizeof(cur));
            have = true;
        } else {
            add(h, label, OP_GET, have ? cur : NULL, OP_OK, t0, t1);
        }
    }
}

static void test_large_concurrent_history(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        struct history *h = history_create();
        struct check_lin r;
        build_large(h, seed, 200);
        assert_int_equal(verdict(h, &r), CHECK_OK);
        assert_int_equal(r.ops, 200);
        history_destroy(h);
    }
}

static void test_budget_gives_unknown_never_pass(void **state)
{
    struct history *h = history_create();
    struct check_lin r;

    (void)state;
    build_large(h, 3, 200);
    check_linearizable_key(h, "x", 10, &r);
    assert_int_equal(r.verdict, CHECK_UNKNOWN);
    assert_non_null(strstr(r.witness, "budget"));
    history_destroy(h);
}

static void test_not_a_register(void **state)
{
    struct history *h = history_create();
    struct op op;
    struct check_lin r;

    (void)state;
    memset(&op, 0, sizeof(op));
    op.req.kind = OP_INCR;
    util_strlcpy(op.req.key, "x", sizeof(op.req.key));
    history_add(h, &op);
    assert_int_equal(check_linearizable(h, 0, &r), CHECK_NA);
    history_destroy(h);
}

static void test_availability_percentiles(void **state)
{
    struct history *h = history_create();
    struct check_avail av;

    (void)state;
    for (int i = 1; i <= 100; i++)
        add(h, "w", OP_PUT, "1", OP_OK, 0, i * 1000);
    add(h, "f", OP_PUT, "1", OP_FAIL, 0, 5);
    add(h, "t", OP_PUT, "1", OP_TIMEOUT, 0, 5);
    add(h, "p", OP_PUT, "1", OP_PENDING, 0, 0);
    check_availability(h, &av);
    assert_int_equal(av.ops, 103);
    assert_int_equal(av.ok, 100);
    assert_int_equal(av.failed, 1);
    assert_int_equal(av.timed_out, 1);
    assert_int_equal(av.pending, 1);
    assert_int_equal(av.p50_us, 50000);
    assert_int_equal(av.p95_us, 95000);
    assert_int_equal(av.p99_us, 99000);
    assert_int_equal(av.max_us, 100000);
    history_destroy(h);
}

/* Like add(), for another key, client and node. */
static uint64_t add2(struct history *h, const char *label, int client, int node, enum op_kind kind,
                     const char *key, const char *val, int64_t t0, int64_t t1)
{
    struct op op;
    uint64_t id;

    memset(&op, 0, sizeof(op));
    util_strlcpy(op.label, label, sizeof(op.label));
    op.req.kind = kind;
    op.req.client = client;
    op.node = node;
    util_strlcpy(op.req.key, key, sizeof(op.req.key));
    if (kind == OP_PUT)
        util_strlcpy(op.req.value, val, sizeof(op.req.value));
    op.invoke_us = t0;
    id = history_add(h, &op);
    assert_non_null(history_complete(h, id, OP_OK, t1));
    if (kind == OP_GET && val)
        history_result_add(h, history_get(h, id), val);
    return id;
}

static void test_sessions(void **state)
{
    struct history *h = history_create();
    struct check_sessions ss;

    (void)state;
    /* c1 writes x=1 then x=2, then reads x=1 from a lagging replica: read-your-writes broken. */
    add2(h, "w1", 0, 0, OP_PUT, "x", "1", 0, 10);
    add2(h, "w2", 0, 0, OP_PUT, "x", "2", 20, 30);
    add2(h, "r1", 0, 1, OP_GET, "x", "1", 40, 50);
    check_sessions(h, &ss);
    assert_int_equal(ss.ryw, 1);
    assert_non_null(strstr(ss.witness, "read-your-writes"));
    assert_non_null(strstr(ss.witness, "r1"));
    history_destroy(h);

    /* c2 reads x=2 then x=1: monotonic reads broken (and nothing else). */
    h = history_create();
    add2(h, "w1", 0, 0, OP_PUT, "x", "1", 0, 10);
    add2(h, "w2", 0, 0, OP_PUT, "x", "2", 20, 30);
    add2(h, "r1", 1, 0, OP_GET, "x", "2", 40, 50);
    add2(h, "r2", 1, 1, OP_GET, "x", "1", 60, 70);
    check_sessions(h, &ss);
    assert_int_equal(ss.ryw, 0);
    assert_int_equal(ss.monotonic, 1);
    assert_int_equal(ss.prefix, 0);
    history_destroy(h);

    /* c2 sees the answer (y) before the question (x) it followed: consistent prefix broken. */
    h = history_create();
    add2(h, "wq", 0, 0, OP_PUT, "x", "question", 0, 10);
    add2(h, "wa", 0, 0, OP_PUT, "y", "answer", 20, 30);
    add2(h, "ra", 1, 1, OP_GET, "y", "answer", 40, 50);
    add2(h, "rq", 1, 1, OP_GET, "x", NULL, 60, 70);
    check_sessions(h, &ss);
    assert_int_equal(ss.prefix, 1);
    history_destroy(h);

    /* A clean session. */
    h = history_create();
    add2(h, "w1", 0, 0, OP_PUT, "x", "1", 0, 10);
    add2(h, "r1", 0, 1, OP_GET, "x", "1", 20, 30);
    add2(h, "r2", 0, 1, OP_GET, "x", "1", 40, 50);
    check_sessions(h, &ss);
    assert_int_equal(ss.ryw + ss.monotonic + ss.prefix, 0);
    history_destroy(h);
}

static void emit(struct trace *tr, enum trace_kind kind, enum trace_sub sub, int64_t t, int node,
                 int peer, const char *name, int64_t a)
{
    struct trace_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.sub = sub;
    ev.t_us = t;
    ev.node = node;
    ev.peer = peer;
    ev.a = a;
    util_strlcpy(ev.name, name, sizeof(ev.name));
    trace_emit(tr, &ev);
}

static void test_split_brain_and_detection(void **state)
{
    struct trace *tr = trace_create();
    struct check_recorder rec;
    struct history *h = history_create();
    struct check_split sb;
    struct check_detect fd;

    (void)state;
    check_recorder_init(&rec);
    trace_subscribe(tr, &rec.obs);
    emit(tr, TRACE_ROLE, TRACE_SUB_LEADS, 0, 0, -1, "leader", 1);
    add2(h, "w1", 0, 0, OP_PUT, "x", "1", 100, 110);
    /* n3 suspects n1 while n1 is alive (cut off): a false suspicion. */
    emit(tr, TRACE_SUSPECT, TRACE_SUB_NONE, 500, 2, 0, "", 0);
    emit(tr, TRACE_ROLE, TRACE_SUB_LEADS, 600, 2, -1, "leader", 2);
    add2(h, "w2", 0, 2, OP_PUT, "x", "2", 700, 710);
    add2(h, "w3", 1, 0, OP_PUT, "x", "3", 720, 730);
    check_split_brain(&rec, h, &sb);
    assert_int_equal(sb.count, 1);
    assert_false(sb.same_epoch);
    assert_non_null(strstr(sb.witness, "n1 (epoch 1) and n3 (epoch 2)"));

    /* n1 steps down; then n3 crashes and n2 notices 300us later: a true suspicion. */
    emit(tr, TRACE_ROLE, TRACE_SUB_NONE, 800, 0, -1, "follower", 2);
    emit(tr, TRACE_FAULT, TRACE_SUB_KILL, 1000, 2, -1, "kill", 0);
    emit(tr, TRACE_SUSPECT, TRACE_SUB_NONE, 1300, 1, 2, "", 0);
    check_detection(&rec, &fd);
    assert_int_equal(fd.suspicions, 2);
    assert_int_equal(fd.true_pos, 1);
    assert_int_equal(fd.false_pos, 1);
    assert_int_equal(fd.mean_delay_us, 300);

    /* Leaders that never overlap are no split brain. */
    check_recorder_release(&rec);
    check_recorder_init(&rec);
    emit(tr, TRACE_ROLE, TRACE_SUB_LEADS, 2000, 0, -1, "leader", 3);
    emit(tr, TRACE_ROLE, TRACE_SUB_NONE, 2100, 0, -1, "follower", 3);
    emit(tr, TRACE_ROLE, TRACE_SUB_LEADS, 2200, 1, -1, "leader", 4);
    check_split_brain(&rec, h, &sb);
    assert_int_equal(sb.count, 0);
    check_recorder_release(&rec);
    history_destroy(h);
    trace_destroy(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_ok),
        cmocka_unit_test(test_stale_read_after_completed_write),
        cmocka_unit_test(test_overlapping_reads_either_value),
        cmocka_unit_test(test_overlapping_reads_cannot_go_back),
        cmocka_unit_test(test_indeterminate_write_may_or_may_not_apply),
        cmocka_unit_test(test_value_never_written),
        cmocka_unit_test(test_reads_disagree_on_order),
        cmocka_unit_test(test_large_concurrent_history),
        cmocka_unit_test(test_budget_gives_unknown_never_pass),
        cmocka_unit_test(test_not_a_register),
        cmocka_unit_test(test_availability_percentiles),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_split_brain_and_detection),
    };
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
