/* Time travel: rewinding replays the journal and lands on exactly the earlier state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/script.h"
#include "../engine/util.h"

static void exec(struct script_run *run, struct script_env *env, const char *line)
{
    struct script_cmd *cmd = xmalloc(sizeof(*cmd));
    struct script_error err;

    assert_int_equal(script_parse_line(env, "t", 1, line, cmd, &err), 1);
    assert_int_equal(script_run_exec(run, cmd, &err), 0);
    free(cmd);
}

/* Everything a person could see of the run, as text. */
static void snapshot(struct script_run *run, char *dst, size_t size)
{
    struct engine *e = script_run_engine(run);
    const struct history *h = engine_history(e);

    dst[0] = '\0';
    util_appendf(dst, size, "t=%lld in_flight=%zu\n", (long long)engine_now(e),
                 net_in_flight(engine_net(e)));
    for (uint64_t id = 1; id <= history_count(h); id++) {
        const struct op *op = history_at(h, id);
        char vals[64];
        op_format_result(&op->result, vals, sizeof(vals));
        util_appendf(dst, size, "%s %s %s %lld\n", op->label, op_status_name(op->status), vals,
                     (long long)op->complete_us);
    }
    for (int i = 0; i < engine_nodes(e); i++) {
        struct engine_node info;
        struct op_values v;
        char vals[64];
        engine_node(e, i, &info);
        engine_read_local(e, i, "x", &v);
        op_format_values(&v, vals, sizeof(vals));
        util_appendf(dst, size, "n%d %s x=%s lamport=%llu\n", i + 1, node_state_name(info.state),
                     vals, (unsigned long long)info.lamport);
    }
}

static void test_rewind_lands_on_the_same_state(void **state)
{
    struct script_env env;
    struct script_run *run = script_run_create("t", -1);
    struct script_error err;
    static char at1[8192], at2[8192], again[8192];

    (void)state;
    script_env_init(&env, false);
    exec(run, &env, "model echo");
    exec(run, &env, "nodes 4");
    exec(run, &env, "seed 5");
    exec(run, &env, "net drop 10%");
    exec(run, &env, "w1: put x 1 via n1");
    exec(run, &env, "at 700ms kill n3");
    assert_int_equal(script_run_advance(run, 400000, &err), 0);
    exec(run, &env, "w2: put x 2 via n2");
    exec(run, &env, "pause n4 for 300ms");
    assert_int_equal(script_run_advance(run, 1000000, &err), 0);
    snapshot(run, at1, sizeof(at1));
    exec(run, &env, "restart n3");
    exec(run, &env, "w3: put x 3 via n3");
    assert_int_equal(script_run_advance(run, 2500000, &err), 0);
    snapshot(run, at2, sizeof(at2));
    assert_string_not_equal(at1, at2);

    assert_int_equal(script_run_rewind(run, 1000000, -1, &err), 0);
    snapshot(run, again, sizeof(again));
    assert_string_equal(again, at1);

    assert_int_equal(script_run_rewind(run, 2500000, -1, &err), 0);
    snapshot(run, again, sizeof(again));
    assert_string_equal(again, at2);

    /* Acting in the past forgets the old future. */
    assert_int_equal(script_run_rewind(run, 1000000, -1, &err), 0);
    script_run_truncate_journal(run, script_run_journal_before(run, 1000000));
    assert_int_equal(script_run_journal_count(run), 8);

    /* By entry count: the first five entries are the setup and w1. */
    assert_int_equal(script_run_rewind(run, 0, 5, &err), 0);
    snapshot(run, again, sizeof(again));
    assert_non_null(strstr(again, "t=0 "));
    assert_non_null(strstr(again, "w1 pending"));
    assert_null(strstr(again, "w2"));
    script_run_destroy(run);
    script_env_release(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewind_lands_on_the_same_state),
    };
    return cmocka_run_group_tests_name("rewind", tests, NULL, NULL);
}
