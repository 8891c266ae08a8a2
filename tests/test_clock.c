/*
 * test_clock: physical and monotonic clocks under drift, skew and NTP
 * (including NTP jumping backwards while the monotonic clock never does),
 * the true time a local timer takes, TrueTime intervals, Lamport clocks and
 * vector clocks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../engine/clock.h"

#define MS 1000LL
#define S  1000000LL

static void test_fresh_clock_is_true_time(void **state)
{
    struct clock c;

    (void)state;
    clock_init(&c);
    for (int64_t t = 0; t < 10 * S; t += 777777) {
        assert_int_equal(clock_phys(&c, t), t);
        assert_int_equal(clock_mono(&c, t), t);
    }
    assert_int_equal(c.lamport, 0);
}

static void test_drift_scales_elapsed_time(void **state)
{
    struct clock c;

    (void)state;
    clock_init(&c);
    clock_set_drift(&c, 0, 100);
    assert_int_equal(clock_phys(&c, 1 * S), 1 * S + 100);
    assert_int_equal(clock_mono(&c, 1 * S), 1 * S + 100);
    assert_int_equal(clock_phys(&c, 10 * S), 10 * S + 1000);
    /* Sub-second remainders are scaled too: 1.5s at -200ppm is 300us short. */
    clock_init(&c);
    clock_set_drift(&c, 0, -200);
    assert_int_equal(clock_phys(&c, 1500 * MS), 1500 * MS - 300);
    /* A drift set later only bends the clock from then on. */
    clock_init(&c);
    clock_set_drift(&c, 2 * S, 1000);
    assert_int_equal(clock_phys(&c, 2 * S), 2 * S);
    assert_int_equal(clock_phys(&c, 3 * S), 3 * S + 1000);
    assert_int_equal(c.drift_ppm, 1000);
}

static void test_drift_is_clamped(void **state)
{
    struct clock c;

    (void)state;
    clock_init(&c);
    clock_set_drift(&c, 0, 5000000);
    assert_int_equal(c.drift_ppm, CLOCK_MAX_DRIFT_PPM);
    clock_set_drift(&c, 0, -5000000);
    assert_int_equal(c.drift_ppm, -CLOCK_MAX_DRIFT_PPM);
    assert_int_equal(clock_phys(&c, 10 * S), 9 * S);
}

static void test_skew_jumps_phys_not_mono(void **state)
{
    struct clock c;

    (void)state;
    clock_init(&c);
    clock_skew(&c, 1 * S, 250 * MS);
    assert_int_equal(clock_phys(&c, 1 * S), 1250 * MS);
    assert_int_equal(clock_mono(&c, 1 * S), 1 * S);
    assert_int_equal(clock_phys(&c, 2 * S), 2250 * MS);
    clock_skew(&c, 2 * S, -1 * S);
    assert_int_equal(clock_phys(&c, 2 * S), 1250 * MS);
    assert_int_equal(clock_mono(&c, 2 * S), 2 * S);
}

static void test_drift_then_skew_then_ntp_backwards(void **state)
{
    struct clock c;
    int64_t jump;

    (void)state;
    clock_init(&c);
    clock_set_drift(&c, 0, 100);
    clock_skew(&c, 1 * S, 250 * MS);
    assert_int_equal(clock_phys(&c, 1 * S), 1 * S + 100 + 250 * MS);
    assert_int_equal(clock_phys(&c, 2 * S), 2 * S + 200 + 250 * MS);
    /* NTP pulls the fast clock back: a backwards jump of 250.2ms. */
    jump = clock_ntp(&c, 2 * S, 0);
    assert_int_equal(jump, -(250 * MS + 200));
    assert_int_equal(clock_phys(&c, 2 * S), 2 * S);
    /* The wall clock read 2.2502s a moment ago and now reads 2s: time went backwards. */
    assert_true(clock_phys(&c, 2 * S) < 2 * S + 200 + 250 * MS);
    /* The monotonic clock did not notice. */
    assert_int_equal(clock_mono(&c, 2 * S), 2 * S + 200);
    assert_int_equal(clock_mono(&c, 3 * S), 3 * S + 300);
    /* The drift stays after NTP: the clock runs fast again from the resync. */
    assert_int_equal(clock_phys(&c, 3 * S), 3 * S + 100);
}

static void test_ntp_with_error_and_forward(void **state)
{
    struct clock c;

    (void)state;
    clock_init(&c);
    clock_skew(&c, 0, -500 * MS);
    assert_int_equal(clock_ntp(&c, 1 * S, 3 * MS), 503 * MS);
    assert_int_equal(clock_phys(&c, 1 * S), 1003 * MS);
    assert_int_equal(clock_ntp(&c, 2 * S, -2 * MS), -5 * MS);
    assert_int_equal(clock_phys(&c, 2 * S), 1998 * MS);
}

static void test_mono_never_goes_back(void **state)
{
    struct clock c;
    int64_t last_mono = -1;
    bool phys_went_back = false;
    int64_t last_phys = -1;

    (void)state;
    clock_init(&c);
    /* A rough life: drift changes, skews both ways, NTP resyncs. */
    for (int64_t t = 0; t < 20 * S; t += 10 * MS) {
        int64_t step = t / (10 * MS);
        if (step % 97 == 0)
            clock_skew(&c, t, step % 2 ? 300 * MS : -400 * MS);
        if (step % 131 == 0)
            clock_set_drift(&c, t, (int32_t)(step % 3 == 0 ? 50000 : -50000));
        if (step % 173 == 0)
            clock_ntp(&c, t, 0);
        assert_true(clock_mono(&c, t) >= last_mono);
        phys_went_back |= clock_phys(&c, t) < last_phys;
        last_mono = clock_mono(&c, t);
        last_phys = clock_phys(&c, t);
    }
    assert_true(phys_went_back); /* the test did exercise backward jumps */
}

static void test_true_span(void **state)
{
    struct clock c;

    (void)state;
    clock_init(&c);
    assert_int_equal(clock_true_span(&c, 300 * MS), 300 * MS);
    /* 10% fast: its 1.1s pass in 1s of true time. */
    clock_set_drift(&c, 0, 100000);
    assert_int_equal(clock_true_span(&c, 1100 * MS), 1 * S);
    /* 10% slow: its 900ms take 1s. */
    clock_set_drift(&c, 0, -100000);
    assert_int_equal(clock_true_span(&c, 900 * MS), 1 * S);
    /* Rounding up: a timer never fires before the node's clock says it is due. */
    for (int32_t ppm = -100000; ppm <= 100000; ppm += 3333) {
        clock_init(&c);
        clock_set_drift(&c, 0, ppm);
        for (int64_t local = 1; local < 5 * S; local = local * 3 + 7) {
            int64_t span = clock_true_span(&c, local);
            assert_true(clock_mono(&c, span) >= local);
            /* ...and at most 2us late (the two integer roundings may disagree by that). */
            assert_true(span <= 2 || clock_mono(&c, span - 3) < local);
        }
    }
}

static void test_truetime_interval(void **state)
{
    struct clock c;
    int64_t lo, hi;

    (void)state;
    clock_init(&c);
    clock_skew(&c, 0, 3 * MS);
    clock_truetime(&c, 1 * S, 7 * MS, 0, &lo, &hi);
    assert_int_equal(lo, 1 * S + 3 * MS - 7 * MS);
    assert_int_equal(hi, 1 * S + 3 * MS + 7 * MS);
    /* With the skew inside epsilon, true time lies in the interval. */
    assert_true(lo <= 1 * S && 1 * S <= hi);
    clock_truetime(&c, 1 * S, 0, 0, &lo, &hi);
    assert_int_equal(lo, hi);
    /* A skew beyond epsilon: the interval no longer contains true time (the danger). */
    clock_skew(&c, 1 * S, 20 * MS);
    clock_truetime(&c, 1 * S, 7 * MS, 0, &lo, &hi);
    assert_true(lo > 1 * S);
}

/* Spanner's sawtooth: epsilon grows by the drift bound between syncs, and ntp resets it. */
static void test_truetime_epsilon_grows_between_syncs(void **state)
{
    struct clock c;
    int64_t lo, hi;

    (void)state;
    clock_init(&c);
    assert_int_equal(clock_tt_eps(&c, 0, 1 * MS, 200), 1 * MS);
    /* 30s at 200ppm: 6ms more, the top of Spanner's 1..7ms sawtooth. */
    assert_int_equal(clock_tt_eps(&c, 30 * S, 1 * MS, 200), 7 * MS);
    clock_truetime(&c, 30 * S, 1 * MS, 200, &lo, &hi);
    assert_int_equal(hi - lo, 14 * MS);
    clock_ntp(&c, 30 * S, 0);
    assert_int_equal(clock_tt_eps(&c, 30 * S, 1 * MS, 200), 1 * MS);
    assert_int_equal(clock_tt_eps(&c, 35 * S, 1 * MS, 200), 2 * MS);
    /* A clock that drifts faster than the bound escapes its interval. */
    clock_set_drift(&c, 35 * S, 1000);
    clock_truetime(&c, 95 * S, 1 * MS, 200, &lo, &hi);
    assert_true(lo > 95 * S);
}

static void test_lamport(void **state)
{
    struct clock a, b;

    (void)state;
    clock_init(&a);
    clock_init(&b);
    assert_int_equal(clock_lamport_tick(&a), 1);
    assert_int_equal(clock_lamport_tick(&a), 2);
    /* b receives a's message stamped 2: jumps past it. */
    assert_int_equal(clock_lamport_recv(&b, 2), 3);
    /* A stale stamp still ticks. */
    assert_int_equal(clock_lamport_recv(&b, 1), 4);
    assert_int_equal(clock_lamport_recv(&a, 10), 11);
    assert_int_equal(a.lamport, 11);
}

static void vc_set(struct vclock *vc, const uint32_t *v, int n)
{
    memset(vc, 0, sizeof(*vc));
    for (int i = 0; i < n; i++)
        vc->v[i] = v[i];
}

static void test_vc_compare(void **state)
{
    struct vclock a, b;

    (void)state;
    vc_set(&a, (const uint32_t[]){1, 2, 0}, 3);
    vc_set(&b, (const uint32_t[]){1, 2, 0}, 3);
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_EQUAL);
    vc_set(&b, (const uint32_t[]){1, 3, 0}, 3);
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_BEFORE);
    assert_int_equal(clock_vc_compare(&b, &a), CLOCK_AFTER);
    vc_set(&b, (const uint32_t[]){0, 2, 1}, 3);
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_CONCURRENT);
    assert_int_equal(clock_vc_compare(&b, &a), CLOCK_CONCURRENT);
    /* The last entry counts too. */
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    b.v[CLOCK_MAX_NODES - 1] = 1;
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_BEFORE);
    assert_string_equal(clock_order_name(CLOCK_CONCURRENT), "concurrent");
    assert_string_equal(clock_order_name(CLOCK_BEFORE), "before");
    assert_string_equal(clock_order_name(CLOCK_AFTER), "after");
    assert_string_equal(clock_order_name(CLOCK_EQUAL), "equal");
}

static void test_vc_tick_merge_covers(void **state)
{
    struct vclock a, b, m;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    clock_vc_tick(&a, 0);
    clock_vc_tick(&a, 0);
    clock_vc_tick(&b, 2);
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_CONCURRENT);
    assert_false(clock_vc_covers(&a, &b));
    m = a;
    clock_vc_merge(&m, &b);
    assert_int_equal(m.v[0], 2);
    assert_int_equal(m.v[1], 0);
    assert_int_equal(m.v[2], 1);
    assert_true(clock_vc_covers(&m, &a));
    assert_true(clock_vc_covers(&m, &b));
    assert_true(clock_vc_covers(&m, &m));
    assert_false(clock_vc_covers(&a, &m));
    assert_int_equal(clock_vc_compare(&a, &m), CLOCK_BEFORE);
    /* Merge is idempotent and takes the max, never the sum. */
    clock_vc_merge(&m, &b);
    assert_int_equal(m.v[2], 1);
}

static void test_vc_format(void **state)
{
    struct vclock a;
    char buf[64];

    (void)state;
    vc_set(&a, (const uint32_t[]){1, 0, 2}, 3);
    clock_vc_format(&a, 3, buf, sizeof(buf));
    assert_string_equal(buf, "[1,0,2]");
    clock_vc_format(&a, 1, buf, sizeof(buf));
    assert_string_equal(buf, "[1]");
    clock_vc_format(&a, 0, buf, sizeof(buf));
    assert_string_equal(buf, "[]");
    /* A small buffer truncates but stays terminated. */
    clock_vc_format(&a, 3, buf, 4);
    assert_int_equal(strlen(buf), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_clock_is_true_time),
        cmocka_unit_test(test_drift_scales_elapsed_time),
        cmocka_unit_test(test_drift_is_clamped),
        cmocka_unit_test(test_skew_jumps_phys_not_mono),
        cmocka_unit_test(test_drift_then_skew_then_ntp_backwards),
        cmocka_unit_test(test_ntp_with_error_and_forward),
        cmocka_unit_test(test_mono_never_goes_back),
        cmocka_unit_test(test_true_span),
        cmocka_unit_test(test_truetime_interval),
        cmocka_unit_test(test_truetime_epsilon_grows_between_syncs),
        cmocka_unit_test(test_lamport),
        cmocka_unit_test(test_vc_compare),
        cmocka_unit_test(test_vc_tick_merge_covers),
        cmocka_unit_test(test_vc_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
