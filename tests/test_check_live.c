/*
 * The live checker against the whole-history one: random register histories, fed op by op
 * (each op invoked, taking effect and completing at its own moment, some timing out, a few
 * reads returning a value no order explains), and real engine runs under faults. After every
 * update each key's live verdict must equal check_linearizable_key's on the history so far,
 * and the outcome counts check_availability's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/util.h"

#define BIG_BUDGET 50000000L

static uint64_t next_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/*
 * Every key's live verdict is the batch verdict; returns how many keys were violated. A key
 * marked in violated[] (a violation stays one: later ops cannot undo it) is not searched again
 * by the batch checker, only required to be violated live too.
 */
static int same_verdicts(const struct check_live *l, const struct history *h, int n_keys,
                         const char *const *keys, bool *violated)
{
    struct check_summary sum;
    struct check_avail av;
    int bad = 0;

    for (int k = 0; k < n_keys; k++) {
        struct check_lin live, batch;
        if (violated[k]) {
            assert_true(check_live_key(l, keys[k], &live));
            assert_int_equal(live.verdict, CHECK_VIOLATED);
            bad++;
            continue;
        }
        check_linearizable_key(h, keys[k], BIG_BUDGET, &batch);
        violated[k] = batch.verdict == CHECK_VIOLATED;
        if (!check_live_key(l, keys[k], &live)) {
            assert_int_equal(batch.ops, 0);
            continue;
        }
        if (live.verdict != batch.verdict)
            fail_msg("key %s: live %s, whole history %s (%zu ops; %s)", keys[k],
                     check_verdict_name(live.verdict), check_verdict_name(batch.verdict),
                     history_count(h), batch.witness);
        bad += batch.verdict == CHECK_VIOLATED;
    }
    memset(&sum, 0, sizeof(sum));
    check_live_fill(l, &sum);
    check_availability(h, &av);
    assert_int_equal(sum.av.ops, av.ops);
    assert_int_equal(sum.av.ok, av.ok);
    assert_int_equal(sum.av.failed, av.failed);
    assert_int_equal(sum.av.timed_out, av.timed_out);
    assert_int_equal(sum.av.pending, av.pending);
    assert_int_equal(sum.lin == CHECK_VIOLATED, bad > 0);
    return bad;
}

enum phase {
    IDLE,
    INVOKED,
    TOOK_EFFECT
};

/*
 * One random history on two keys by four clients against a real register per key: an op takes
 * effect at a moment of its own between invocation and completion; a write may time out
 * (having taken effect or not), a read may fail; with probability lie_pct a read returns a
 * random value instead. Returns the number of violated keys at the end.
 */
static int one_history(uint64_t seed, int steps, int lie_pct)
{
    static const char *const keys[] = {"x", "y"};
    static const char *const vals[] = {"1", "2", "3", "4"};
    struct history *h = history_create();
    struct check_live *l = check_live_create();
    enum phase phase[4] = {IDLE, IDLE, IDLE, IDLE};
    uint64_t id[4] = {0};
    char result[4][8];
    char reg[2][8] = {"", ""}; /* "": nil */
    uint64_t s = seed * 2654435761ULL + 1;
    int64_t t = 0;
    int bad = 0;
    bool violated[2] = {false, false};

    for (int i = 0; i < steps; i++) {
        int c = (int)(next_rand(&s) % 4);
        t += (int64_t)(next_rand(&s) % 3); /* ties happen: touching intervals */
        if (phase[c] == IDLE) {
            struct op *op = history_add_new(h);
            assert_non_null(op);
            op->req.client = c;
            op->req.kind = next_rand(&s) % 2 ? OP_PUT : OP_GET;
            util_strlcpy(op->req.key, keys[next_rand(&s) % 2], sizeof(op->req.key));
            if (op->req.kind == OP_PUT)
                util_strlcpy(op->req.value, vals[next_rand(&s) % 4], sizeof(op->req.value));
            snprintf(op->label, sizeof(op->label), "o%llu", (unsigned long long)op->id);
            op->invoke_us = t;
            op->status = OP_PENDING;
            id[c] = op->id;
            phase[c] = INVOKED;
        } else if (phase[c] == INVOKED) {
            struct op *op = history_get(h, id[c]);
            int k = strcmp(op->req.key, "x") == 0 ? 0 : 1;
            if (op->req.kind == OP_PUT)
                util_strlcpy(reg[k], op->req.value, sizeof(reg[k]));
            else
                util_strlcpy(result[c], reg[k], sizeof(result[c]));
            phase[c] = TOOK_EFFECT;
        } else {
            struct op *op = history_get(h, id[c]);
            unsigned r = (unsigned)(next_rand(&s) % 100);
            if (op->req.kind == OP_PUT) {
                history_complete(h, id[c], r < 10 ? OP_TIMEOUT : OP_OK, t);
            } else if (r < 5) {
                history_complete(h, id[c], OP_FAIL, t);
            } else {
                if ((int)(next_rand(&s) % 100) < lie_pct)
                    util_strlcpy(result[c], vals[next_rand(&s) % 4], sizeof(result[c]));
                history_complete(h, id[c], OP_OK, t);
                if (result[c][0])
                    history_result_add(h, op, result[c]);
            }
            phase[c] = IDLE;
        }
        /* A write that timed out without taking effect: some never reach their INVOKED
         * step's effect (they time out from INVOKED): model it by completing early. */
        if (phase[c] == INVOKED && next_rand(&s) % 20 == 0 &&
            history_get(h, id[c])->req.kind == OP_PUT) {
            history_complete(h, id[c], OP_TIMEOUT, t);
            phase[c] = IDLE;
        }
        if (next_rand(&s) % 3 == 0) {
            check_live_update(l, h, BIG_BUDGET);
            bad = same_verdicts(l, h, 2, keys, violated);
        }
    }
    check_live_update(l, h, BIG_BUDGET);
    bad = same_verdicts(l, h, 2, keys, violated);
    check_live_destroy(l);
    history_destroy(h);
    return bad;
}

/* Honest registers: every key linearizable, seed after seed, with windows kept short. */
static void test_live_equals_batch_ok(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 100; seed++)
        assert_int_equal(one_history(seed, 300, 0), 0);
}

/* Reads that lie now and then: the live verdict finds each violation the batch one finds. */
static void test_live_equals_batch_lies(void **state)
{
    int violated = 0;

    (void)state;
    for (uint64_t seed = 1; seed <= 200; seed++)
        violated += one_history(seed, 250, 3) > 0;
    assert_true(violated > 30); /* the test can tell */
}

/* The window stays short on a long healthy history: cuts are made. */
static void test_live_window_bounded(void **state)
{
    struct history *h = history_create();
    struct check_live *l = check_live_create();
    struct check_lin r;
    char v[16];

    (void)state;
    for (int i = 0; i < 20000; i++) {
        struct op *op = history_add_new(h);
        op->req.kind = i % 2 ? OP_GET : OP_PUT;
        util_strlcpy(op->req.key, "x", sizeof(op->req.key));
        snprintf(v, sizeof(v), "%d", i / 2);
        if (op->req.kind == OP_PUT)
            util_strlcpy(op->req.value, v, sizeof(op->req.value));
        op->invoke_us = 10 * i;
        op->status = OP_PENDING;
        if (i % 2)
            history_result_add(h, op, v);
        history_complete(h, op->id, OP_OK, 10 * i + 5);
        check_live_update(l, h, 0);
        assert_true(check_live_window(l, "x") <= 3);
    }
    assert_true(check_live_key(l, "x", &r));
    assert_int_equal(r.verdict, CHECK_OK);
    check_linearizable_key(h, "x", 0, &r);
    assert_int_equal(r.verdict, CHECK_OK);
    check_live_destroy(l);
    history_destroy(h);
}

/* Real runs of the models under faults, fed event by event. */
static void engine_run(const char *model, uint64_t seed, const char *const *sets, int *violated)
{
    static const char *const keys[] = {"x", "y", "z"};
    struct engine *e;
    struct check_live *l = check_live_create();
    struct engine_workload w;
    int64_t t = 0;
    bool seen[3] = {false, false, false};

    assert_int_equal(engine_create(model, 5, seed, &e), 0);
    for (int i = 0; sets[i]; i += 2) {
        char err[256];
        if (engine_set(e, sets[i], sets[i + 1], err, sizeof(err)) < 0)
            fail_msg("set %s %s: %s", sets[i], sets[i + 1], err);
    }
    memset(&w, 0, sizeof(w));
    w.period_us = 10000;
    w.via = -1;
    w.reads_bp = 5000;
    engine_workload(e, &w);
    for (int step = 0; step < 300; step++) {
        uint64_t action;
        t += 5000;
        if (step == 60)
            engine_kill(e, (int)(seed % 5));
        if (step == 100)
            engine_partition(e, (const int[]){0, 0, 1, 1, 1});
        if (step == 160)
            engine_heal(e);
        if (step == 200)
            engine_restart(e, (int)(seed % 5), false);
        engine_run_until(e, t, &action);
        if (step % 5 == 0)
            check_live_update(l, engine_history(e), BIG_BUDGET);
        if (step % 50 == 0)
            *violated += same_verdicts(l, engine_history(e), 3, keys, seen) > 0;
    }
    check_live_update(l, engine_history(e), BIG_BUDGET);
    *violated += same_verdicts(l, engine_history(e), 3, keys, seen) > 0;
    check_live_destroy(l);
    engine_destroy(e);
}

static void test_live_engine_runs(void **state)
{
    static const char *const loose[] = {"w", "1", "r", "1", "resolve", "lww", NULL};
    static const char *const leader[] = {"acks", "1", "reads", "any", NULL};
    static const char *const none[] = {NULL};
    int violated = 0;

    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        engine_run("leaderless", seed, loose, &violated);
        engine_run("leader", seed, leader, &violated);
    }
    /* The default leader under the same kill and partition: an election, writes of unknown
     * outcome carried across cuts, every key linearizable. */
    engine_run("leader", 4, none, &violated);
    assert_true(violated > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_equals_batch_ok),
        cmocka_unit_test(test_live_equals_batch_lies),
        cmocka_unit_test(test_live_window_bounded),
        cmocka_unit_test(test_live_engine_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
