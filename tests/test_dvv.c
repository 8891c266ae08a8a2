/*
 * test_dvv: the dot algebra both the multi-leader and the leaderless model
 * use. (The version-level merge, dvv_sync, is exercised in test_leaderless
 * and through both models' property runs.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../engine/dvv.h"

static void test_covers_and_add(void **state)
{
    struct vclock ctx;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    assert_false(dvv_covers(&ctx, 2, 1));
    dvv_add(&ctx, 2, 3);
    assert_true(dvv_covers(&ctx, 2, 1));
    assert_true(dvv_covers(&ctx, 2, 3));
    assert_false(dvv_covers(&ctx, 2, 4));
    assert_false(dvv_covers(&ctx, 1, 1));
    /* Adding an older dot never lowers an entry. */
    dvv_add(&ctx, 2, 1);
    assert_true(dvv_covers(&ctx, 2, 3));
    dvv_add(&ctx, 63, 7);
    assert_true(dvv_covers(&ctx, 63, 7));
}

static void test_dot_order(void **state)
{
    (void)state;
    assert_true(dvv_dot_cmp(0, 9, 1, 1) < 0);
    assert_true(dvv_dot_cmp(1, 1, 0, 9) > 0);
    assert_true(dvv_dot_cmp(3, 2, 3, 5) < 0);
    assert_true(dvv_dot_cmp(3, 5, 3, 2) > 0);
    assert_int_equal(dvv_dot_cmp(3, 5, 3, 5), 0);
}

/* Two concurrent writes stay siblings; a write whose context covers both replaces them, and
 * the reader's context holds every dot. */
static void test_seen_and_context(void **state)
{
    struct store_version a, b, c, out[4];
    struct vclock ctx;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.origin = 0;
    a.lamport = 1;
    b.origin = 1;
    b.lamport = 1;
    assert_false(dvv_seen(&a, &b));
    assert_true(dvv_seen(&a, &a));
    assert_int_equal(dvv_sync(&a, 1, &b, 1, out), 2);
    dvv_context(out, 2, &ctx);
    assert_true(dvv_covers(&ctx, 0, 1) && dvv_covers(&ctx, 1, 1));
    memset(&c, 0, sizeof(c));
    c.origin = 0;
    c.lamport = 2;
    c.vc = ctx;
    assert_true(dvv_seen(&c, &a) && dvv_seen(&c, &b));
    assert_int_equal(dvv_sync(out, 2, &c, 1, out + 2), 1);
    assert_true(dvv_same_dot(&out[2], &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_covers_and_add),
        cmocka_unit_test(test_dot_order),
        cmocka_unit_test(test_seen_and_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
