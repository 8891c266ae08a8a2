/* Recordings: a run written out as a scenario replays to the same trace, byte for byte. */
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

/* A live session: commands typed at moments chosen by a person. */
static char *live_session(char **recording, int rebuild)
{
    struct script_env env;
    struct script_run *run = script_run_create("live", -1);
    struct script_error err;
    struct trace_jsonl w;
    char *trace = NULL, *rec = NULL;
    size_t tlen = 0, rlen = 0;
    FILE *tf = open_memstream(&trace, &tlen), *rf;

    script_env_init(&env, false);
    trace_jsonl_init(&w, tf);
    script_run_observe(run, &w.obs);
    exec(run, &env, "model leader");
    exec(run, &env, "seed 9");
    if (rebuild) {
        /* A first cluster the user throws away by changing its shape. */
        exec(run, &env, "w0: put y 0");
        assert_int_equal(script_run_advance(run, 300000, &err), 0);
        exec(run, &env, "nodes 5");
    }
    exec(run, &env, "set acks 1");
    exec(run, &env, "workload 5/s keys a,b reads 20%");
    assert_int_equal(script_run_advance(run, 730123, &err), 0);
    exec(run, &env, "w1: put x 1");
    assert_int_equal(script_run_advance(run, 1200000, &err), 0);
    exec(run, &env, "kill n1");
    exec(run, &env, "at 2500ms restart n1");
    assert_int_equal(script_run_advance(run, 1900777, &err), 0);
    exec(run, &env, "pause n2 for 300ms");
    assert_int_equal(script_run_advance(run, 4000000, &err), 0);
    fflush(tf);
    rf = open_memstream(&rec, &rlen);
    assert_int_equal(script_run_write_recording(run, rf, 4000000), 0);
    fclose(rf);
    script_run_destroy(run);
    script_env_release(&env);
    fclose(tf);
    *recording = rec;
    return trace;
}

static char *replay(const char *recording)
{
    struct script_env env;
    struct script s;
    struct script_error err;
    struct script_run *run = script_run_create("rec", -1);
    struct trace_jsonl w;
    char *trace = NULL;
    size_t tlen = 0;
    FILE *tf = open_memstream(&trace, &tlen);

    script_env_init(&env, true);
    if (script_parse_text("rec", recording, strlen(recording), &env, &s, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    trace_jsonl_init(&w, tf);
    script_run_observe(run, &w.obs);
    for (int i = 0; i < s.n; i++)
        assert_int_equal(script_run_exec(run, &s.cmds[i], &err), 0);
    script_run_destroy(run);
    script_release(&s);
    script_env_release(&env);
    fclose(tf);
    return trace;
}

static void check_replay(int rebuild)
{
    char *rec, *live = live_session(&rec, rebuild), *again = replay(rec);

    assert_non_null(strstr(rec, "run until 0.730123s\nw1: put x 1\n"));
    assert_non_null(strstr(rec, "at 2500ms restart n1\n"));
    assert_true(strlen(live) > 1000);
    /* The rebuilt run's trace starts again at the rebuild; compare from its start. */
    if (rebuild) {
        const char *from = strstr(live, "{\"t\":0,\"ev\":\"set\",\"key\":\"acks\"");
        assert_non_null(from);
        assert_non_null(strstr(rec, "nodes 5\n"));
        assert_null(strstr(rec, "w0: put y 0"));
        assert_string_equal(strstr(again, "{\"t\":0,\"ev\":\"set\",\"key\":\"acks\""), from);
    } else {
        assert_string_equal(again, live);
    }
    free(rec);
    free(live);
    free(again);
}

static void test_recording_replays_exactly(void **state)
{
    (void)state;
    check_replay(0);
}

static void test_recording_after_a_rebuild(void **state)
{
    (void)state;
    check_replay(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recording_replays_exactly),
        cmocka_unit_test(test_recording_after_a_rebuild),
    };
    return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
