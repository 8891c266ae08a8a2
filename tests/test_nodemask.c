/*
 * test_nodemask: the node-set helpers cover every node the engine can run,
 * the 64th included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../engine/engine.h"
#include "../engine/nodemask.h"

static void test_covers_every_node(void **state)
{
    uint64_t all = 0;

    (void)state;
    assert_true(ENGINE_MAX_NODES <= NODEMASK_BITS);
    for (int i = 0; i < ENGINE_MAX_NODES; i++) {
        assert_true(nodemask_has(nodemask_bit(i), i));
        assert_false(all & nodemask_bit(i)); /* every node its own bit */
        all |= nodemask_bit(i);
    }
    assert_true(all == nodemask_all(ENGINE_MAX_NODES));
    assert_int_equal(nodemask_count(all), ENGINE_MAX_NODES);
    assert_true(nodemask_has(all, 63));
    assert_false(nodemask_has(all, 64));
    assert_false(nodemask_has(all, -1));
}

static void test_all_and_count(void **state)
{
    (void)state;
    assert_true(nodemask_all(0) == 0);
    assert_true(nodemask_all(1) == 1);
    assert_true(nodemask_all(40) == (((uint64_t)1 << 40) - 1));
    assert_int_equal(nodemask_count(nodemask_all(33)), 33);
    assert_int_equal(nodemask_count(nodemask_bit(35) | nodemask_bit(0)), 2);
    assert_false(nodemask_has(nodemask_all(40), 40));
    assert_true(nodemask_has(nodemask_all(40), 39));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_covers_every_node),
        cmocka_unit_test(test_all_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
