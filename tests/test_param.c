/*
 * test_param: durations, percentages, node names and typed parameters as
 * the command language writes them, and error messages that say what would
 * have been valid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../engine/engine.h"
#include "../engine/param.h"

static int64_t dur(const char *text)
{
    int64_t us = -12345;

    if (param_parse_duration(text, &us) < 0)
        return -1;
    return us;
}

static void test_duration_units(void **state)
{
    (void)state;
    assert_int_equal(dur("500us"), 500);
    assert_int_equal(dur("250ms"), 250000);
    assert_int_equal(dur("2s"), 2000000);
    assert_int_equal(dur("2min"), 120000000);
    assert_int_equal(dur("0ms"), 0);
    assert_int_equal(dur("0s"), 0);
}

static void test_duration_decimals(void **state)
{
    (void)state;
    assert_int_equal(dur("1.5s"), 1500000);
    assert_int_equal(dur("0.25ms"), 250);
    assert_int_equal(dur(".5s"), 500000);
    assert_int_equal(dur("1.000001s"), 1000001);
    assert_int_equal(dur("0.5min"), 30000000);
    /* Below a microsecond is truncated, not rounded. */
    assert_int_equal(dur("1.9us"), 1);
    /* More than 6 decimals is refused rather than silently cut. */
    assert_int_equal(dur("1.0000001s"), -1);
}

static void test_duration_garbage(void **state)
{
    const char *bad[] = {"",      "s",     "ms",   "10",  "10 ms", "-5ms",   "+5ms",
                         "1e3ms", "5mins", "5sec", "abc", "1..2s", "1.2.3s", "ten s",
                         "5m",    "5h",    ".s",   "5 ",  " 5s",   "0x10ms"};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t us = 77;
        if (param_parse_duration(bad[i], &us) == 0)
            fail_msg("'%s' parsed as a duration (%lld us)", bad[i], (long long)us);
    }
}

static void test_duration_overflow_refused(void **state)
{
    (void)state;
    /* Numbers that would overflow 64-bit microseconds must be refused, not wrap. */
    assert_int_equal(dur("9223372036859s"), -1);
    assert_int_equal(dur("153722867289min"), -1);
    assert_int_equal(dur("99999999999999999999us"), -1);
    assert_int_equal(dur("9223372036854775806us"), 9223372036854775806LL);
    /* A big but sane value still works. */
    assert_int_equal(dur("100000000s"), 100000000000000LL);
}

static int64_t pct(const char *text)
{
    uint32_t bp = 4242;

    if (param_parse_percent(text, &bp) < 0)
        return -1;
    return bp;
}

static void test_percent(void **state)
{
    const char *bad[] = {"", "%", "20", "101%", "-1%", "abc%", "20%%", "1e1%", "100.01%", "20 %"};

    (void)state;
    assert_int_equal(pct("20%"), 2000);
    assert_int_equal(pct("0%"), 0);
    assert_int_equal(pct("100%"), 10000);
    assert_int_equal(pct("12.5%"), 1250);
    assert_int_equal(pct("0.01%"), 1);
    assert_int_equal(pct("100.0%"), 10000);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pct(bad[i]) >= 0)
            fail_msg("'%s' parsed as a percentage", bad[i]);
}

static void test_node_names(void **state)
{
    (void)state;
    assert_int_equal(param_parse_node("n1", 3), 0);
    assert_int_equal(param_parse_node("n3", 3), 2);
    assert_int_equal(param_parse_node("n4", 3), -1);
    assert_int_equal(param_parse_node("n64", 64), 63);
    assert_int_equal(param_parse_node("n64", 0), 63);
    assert_int_equal(param_parse_node("n65", 0), -1);
    assert_int_equal(param_parse_node("n0", 3), -1);
    assert_int_equal(param_parse_node("n01", 3), -1);
    assert_int_equal(param_parse_node("N1", 3), -1);
    assert_int_equal(param_parse_node("n", 3), -1);
    assert_int_equal(param_parse_node("", 3), -1);
    assert_int_equal(param_parse_node("n1x", 3), -1);
    assert_int_equal(param_parse_node("x1", 3), -1);
    assert_int_equal(param_parse_node("n-1", 3), -1);
    assert_int_equal(param_parse_node("n99999999999999999999", 0), -1);
}

static void test_choice(void **state)
{
    (void)state;
    assert_int_equal(param_choice("sync|partial|async", "sync"), 0);
    assert_int_equal(param_choice("sync|partial|async", "partial"), 1);
    assert_int_equal(param_choice("sync|partial|async", "async"), 2);
    assert_int_equal(param_choice("sync|partial|async", "par"), -1);
    assert_int_equal(param_choice("sync|partial|async", "asyncx"), -1);
    assert_int_equal(param_choice("sync|partial|async", ""), -1);
    assert_int_equal(param_choice("sync|partial|async", "SYNC"), -1);
    assert_int_equal(param_choice(NULL, "sync"), -1);
    assert_int_equal(param_choice("one", "one"), 0);
}

static const struct param_def *engine_def(enum engine_param p)
{
    return &engine_params[p];
}

static void test_parse_enum(void **state)
{
    struct param_value v;
    char err[200], shown[48];

    (void)state;
    assert_int_equal(param_parse(engine_def(EP_TIMING), "partial", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.choice, 1);
    assert_int_equal(v.num, 1);
    param_format(engine_def(EP_TIMING), &v, shown, sizeof(shown));
    assert_string_equal(shown, "partial");
    assert_int_equal(param_parse(engine_def(EP_TIMING), "fast", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "timing takes sync, partial or async, not 'fast'");
}

static const struct param_def acks_def = {
    "acks", PARAM_ENUM_OR_INT, "all|quorum", "all", 0, 63, "test",
};

static void test_parse_enum_or_int(void **state)
{
    struct param_value v;
    char err[200], shown[48];

    (void)state;
    assert_int_equal(param_parse(&acks_def, "quorum", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.choice, 1);
    assert_int_equal(param_parse(&acks_def, "7", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.choice, -1);
    assert_int_equal(v.num, 7);
    param_format(&acks_def, &v, shown, sizeof(shown));
    assert_string_equal(shown, "7");
    assert_int_equal(param_parse(&acks_def, "0", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 0);
    assert_int_equal(v.choice, -1);
    assert_int_equal(param_parse(&acks_def, "64", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "acks takes all, quorum or a number from 0 to 63, not '64'");
    assert_int_equal(param_parse(&acks_def, "most", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "acks takes all, quorum or a number from 0 to 63, not 'most'");
    assert_int_equal(param_parse(&acks_def, "3x", 3, &v, err, sizeof(err)), -1);
}

static void test_parse_int_duration_bool(void **state)
{
    struct param_value v;
    char err[200], shown[48];

    (void)state;
    assert_int_equal(param_parse(engine_def(EP_REDIRECTS), "10", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 10);
    assert_int_equal(param_parse(engine_def(EP_REDIRECTS), "11", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "redirects takes a whole number from 0 to 10, not '11'");
    assert_int_equal(param_parse(engine_def(EP_REDIRECTS), "two", 3, &v, err, sizeof(err)), -1);

    assert_int_equal(param_parse(engine_def(EP_OP_TIMEOUT), "1.5s", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 1500000);
    param_format(engine_def(EP_OP_TIMEOUT), &v, shown, sizeof(shown));
    assert_string_equal(shown, "1.500s");
    /* Below its minimum of 1ms. */
    assert_int_equal(param_parse(engine_def(EP_OP_TIMEOUT), "500us", 3, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "op_timeout takes a duration from 1ms to"));
    assert_non_null(strstr(err, "not '500us'"));
    assert_int_equal(param_parse(engine_def(EP_OP_TIMEOUT), "2", 3, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "(like 250ms or 2s)"));

    assert_int_equal(param_parse(engine_def(EP_DURABILITY), "memory", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 1);
    param_format(engine_def(EP_DURABILITY), &v, shown, sizeof(shown));
    assert_string_equal(shown, "memory");
    assert_int_equal(param_parse(engine_def(EP_DURABILITY), "disk", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 0);
    assert_int_equal(param_parse(engine_def(EP_DURABILITY), "yes", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "durability takes disk or memory, not 'yes'");
}

static const struct param_def loss_def = {"loss", PARAM_PERCENT, NULL, "0%", 0, 10000, "test"};
static const struct param_def leader_def = {"home", PARAM_NODE, NULL, "n1", 0, 0, "test"};

static void test_parse_percent_and_node(void **state)
{
    struct param_value v;
    char err[200], shown[48];

    (void)state;
    assert_int_equal(param_parse(&loss_def, "12.5%", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 1250);
    param_format(&loss_def, &v, shown, sizeof(shown));
    assert_string_equal(shown, "12.50%");
    assert_int_equal(param_parse(&loss_def, "20%", 3, &v, err, sizeof(err)), 0);
    param_format(&loss_def, &v, shown, sizeof(shown));
    assert_string_equal(shown, "20%");
    assert_int_equal(param_parse(&loss_def, "20", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "loss takes a percentage from 0% to 100%, not '20'");

    assert_int_equal(param_parse(&leader_def, "n3", 3, &v, err, sizeof(err)), 0);
    assert_int_equal(v.num, 2);
    param_format(&leader_def, &v, shown, sizeof(shown));
    assert_string_equal(shown, "n3");
    assert_int_equal(param_parse(&leader_def, "n4", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "home takes a node name like n1, not 'n4'");
}

/* Every default in the engine's table parses, and formats back to what it says. */
static void test_engine_defaults_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < EP_COUNT; i++) {
        struct param_value v;
        char err[200], shown[48];
        assert_non_null(engine_params[i].name);
        assert_non_null(engine_params[i].help);
        if (param_parse(&engine_params[i], engine_params[i].def, 3, &v, err, sizeof(err)) < 0)
            fail_msg("default of %s does not parse: %s", engine_params[i].name, err);
        param_format(&engine_params[i], &v, shown, sizeof(shown));
        assert_string_equal(shown, engine_params[i].def);
    }
}

static void test_describe(void **state)
{
    char d[160];

    (void)state;
    param_describe(engine_def(EP_TIMING), d, sizeof(d));
    assert_string_equal(d, "sync, partial or async");
    param_describe(engine_def(EP_DURABILITY), d, sizeof(d));
    assert_string_equal(d, "disk or memory");
    param_describe(&acks_def, d, sizeof(d));
    assert_string_equal(d, "all, quorum or a number from 0 to 63");
    /* A tiny buffer truncates safely. */
    param_describe(engine_def(EP_TIMING), d, 5);
    assert_int_equal(strlen(d), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_decimals),
        cmocka_unit_test(test_duration_garbage),
        cmocka_unit_test(test_duration_overflow_refused),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_node_names),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_parse_enum),
        cmocka_unit_test(test_parse_enum_or_int),
        cmocka_unit_test(test_parse_int_duration_bool),
        cmocka_unit_test(test_parse_percent_and_node),
        cmocka_unit_test(test_engine_defaults_round_trip),
        cmocka_unit_test(test_describe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
