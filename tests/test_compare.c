/*
 * test_compare: comparison scenarios. `for MODEL:` lines and blocks are read
 * only by the models they name (in `run` too), `expect MODEL:` is an expect
 * for one model, and a shared line that one model cannot read is an error at
 * its line and column naming that model. A comparison runs the same seed on
 * every model and measures each run: the availability while a fault was
 * active and the stale reads as well as the checkers' verdicts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/compare.h"
#include "../engine/script.h"

static const struct model_ops *three[3];

static int setup(void **state)
{
    (void)state;
    three[0] = model_find("leader");
    three[1] = model_find("multi");
    three[2] = model_find("leaderless");
    return three[0] && three[1] && three[2] ? 0 : -1;
}

/* Parses text as `run` does, with the model the text names (leader by default). */
static int parse_run(const char *text, struct script *s, struct script_error *err)
{
    struct script_env env;
    int r;

    script_env_init(&env, true);
    r = script_parse_text("t.scn", text, strlen(text), &env, s, err);
    script_env_release(&env);
    return r;
}

static int count_kind(const struct script *s, enum script_cmd_kind k)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->cmds[i].kind == k;
    return n;
}

static void test_for_line_in_run(void **state)
{
    struct script s;
    struct script_error err;
    const char *text = "nodes 3\n"
                       "for leader: set acks 1\n"
                       "for multi: set resolve lww\n"
                       "for leader,leaderless: put x 1\n"
                       "for multi , leaderless: put x 2\n"
                       "for leaderless:\n"
                       "  set w 1\n"
                       "  set nonsense 1\n"
                       "end\n"
                       "expect leader: lost-writes == 0\n"
                       "expect multi: lost-writes == 3\n";

    (void)state;
    assert_int_equal(parse_run(text, &s, &err), 0);
    /* nodes, the leader's set and put, the leader's expect: nothing else. The multi and
     * leaderless lines are skipped unread, even the nonsense in the leaderless block. */
    assert_int_equal(s.n, 4);
    assert_int_equal(s.cmds[1].kind, CMD_SET);
    assert_string_equal(s.cmds[1].word, "acks");
    assert_int_equal(s.cmds[1].col, 13);
    assert_int_equal(s.cmds[2].kind, CMD_OP);
    assert_string_equal(s.cmds[2].value, "1");
    assert_int_equal(s.cmds[3].kind, CMD_EXPECT);
    assert_int_equal(s.cmds[3].pred.kind, SPRED_LOST_WRITES);
    assert_int_equal(s.cmds[3].pred.num, 0);
    assert_int_equal(s.cmds[3].line, 10);
    script_release(&s);
}

static void test_blocks_per_model(void **state)
{
    struct compare c;
    struct script_error err;
    const char *text = "nodes 3\n"
                       "for leaderless:\n"
                       "  set w 1\n"
                       "  set r 1\n"
                       "end\n"
                       "for leader: set acks 1\n"
                       "w1: put x 1\n"
                       "run 1s\n"
                       "expect w1 ok\n"
                       "expect leaderless: w1 ok\n";

    (void)state;
    assert_int_equal(compare_parse(&c, "t.scn", text, strlen(text), three, 3, &err), 0);
    assert_int_equal(c.n, 3);
    /* leader: nodes, set acks, put, run, expect. */
    assert_int_equal(c.scripts[0].n, 5);
    assert_int_equal(count_kind(&c.scripts[0], CMD_SET), 1);
    /* multi: nodes, put, run, expect. */
    assert_int_equal(c.scripts[1].n, 4);
    assert_int_equal(count_kind(&c.scripts[1], CMD_SET), 0);
    /* leaderless: nodes, two sets, put, run, two expects. */
    assert_int_equal(c.scripts[2].n, 7);
    assert_int_equal(count_kind(&c.scripts[2], CMD_SET), 2);
    assert_int_equal(count_kind(&c.scripts[2], CMD_EXPECT), 2);
    compare_start(&c, -1, NULL);
    assert_int_equal(compare_run_all(&c, &err), 0);
    for (int k = 0; k < 3; k++) {
        assert_ptr_equal(engine_model(script_run_engine(c.runs[k])), three[k]);
        assert_int_equal(script_run_failed(c.runs[k]), 0);
    }
    compare_release(&c);
}

struct bad {
    const char *text;
    int line;
    int col;
    const char *msg; /* the start of the message */
};

static const struct bad bad_inputs[] = {
    {"nodes 3\nset acks 1\n", 2, 5,
     "models multi and leaderless cannot read this shared line (unknown parameter 'acks' for "
     "model multi"},
    {"nodes 3\nset resolve lww\n", 2, 5,
     "model leader cannot read this shared line (unknown parameter 'resolve' for model "
     "leader"},
    {"nodes 3\nput x 1\nrun 1s\nexpect hw n1 == 1\n", 4, 8,
     "models multi and leaderless cannot read this shared line ("},
    {"nodes 3\nfor leader,multi: set acks 1\n", 2, 23, "unknown parameter 'acks' for model multi"},
    {"model leader\nnodes 3\n", 1, 1,
     "a comparison runs this file on every model, so it has no 'model' line"},
    {"nodes 3\nfor leaderless:\nset w 1\n", 2, 1, "the 'for' block opened here has no 'end'"},
    {"nodes 3\nend\n", 2, 1, "'end' without a 'for MODEL:' block to close"},
    {"nodes 3\nfor multi:\nfor leader: set acks 1\nend\n", 3, 1,
     "'for' inside the 'for' block of line 2: close it with 'end' first"},
    {"nodes 3\nfor leaderles: set w 1\n", 2, 5, "unknown model 'leaderles'; expected one of:"},
    {"nodes 3\nexpect leaderles: linearizable\n", 2, 8, "unknown model 'leaderles'"},
    {"nodes 3\nfor leader set acks 1\n", 2, 22, "expected ':' after the model names of 'for'"},
    {"nodes 3\nfor\n", 2, 4, "expected a model name and ':' after 'for'"},
};

static void test_bad_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
        const struct bad *b = &bad_inputs[i];
        struct compare c;
        struct script_error err;
        int r = compare_parse(&c, "t.scn", b->text, strlen(b->text), three, 3, &err);
        if (r == 0 || err.line != b->line || err.col != b->col ||
            strncmp(err.msg, b->msg, strlen(b->msg)) != 0)
            fail_msg("case %zu: got %d %d:%d: %s", i, r, err.line, err.col, err.msg);
        assert_string_equal(err.file, "t.scn");
        assert_int_equal(c.n, 0);
    }
}

/* On the `:` line there is no file to hold a block; a one-line `for` works. */
static void test_interactive_for(void **state)
{
    struct script_env env;
    struct script_cmd cmd;
    struct script_error err;

    (void)state;
    script_env_init(&env, false);
    env.model = model_find("multi");
    assert_int_equal(script_parse_line(&env, NULL, 1, "for multi:", &cmd, &err), -1);
    assert_int_equal(err.col, 11);
    assert_int_equal(script_parse_line(&env, NULL, 1, "for multi: set resolve lww", &cmd, &err), 1);
    assert_int_equal(cmd.kind, CMD_SET);
    assert_int_equal(script_parse_line(&env, NULL, 1, "for leader: set acks 1", &cmd, &err), 0);
    script_env_release(&env);
}

static void test_models_option(void **state)
{
    const struct model_ops *m[COMPARE_MAX_MODELS];
    char why[200];

    (void)state;
    assert_int_equal(compare_models("leader,multi,leaderless", m, why, sizeof(why)), 3);
    assert_ptr_equal(m[2], three[2]);
    assert_int_equal(compare_models("multi,leader", m, why, sizeof(why)), 2);
    assert_ptr_equal(m[0], three[1]);
    assert_int_equal(compare_models("leader,leader", m, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "twice"));
    assert_int_equal(compare_models("leader,raft", m, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "unknown model 'raft'"));
    assert_int_equal(compare_models("leader,multi,leaderless,echo", m, why, sizeof(why)), -1);
}

/* A clock set back makes last-writer-wins keep the older of two writes on the multi-leader
 * model: the later write is lost and a later read is stale. The single leader orders writes by
 * its log and shows neither. */
static void test_measures_skew(void **state)
{
    struct compare c;
    struct script_error err;
    struct compare_measures m[3];
    const char *text = "nodes 3\nseed 3\nlatency 10ms..20ms\nfor multi: set resolve lww\n"
                       "skew n1 -2s\nrun 100ms\nw1: put x 1 via n2\nrun 300ms\n"
                       "w2: put x 2 via n1\nrun 1s\nr1: get x via n3\nrun until quiet\n";

    (void)state;
    assert_int_equal(compare_parse(&c, "t.scn", text, strlen(text), three, 3, &err), 0);
    compare_start(&c, -1, NULL);
    assert_int_equal(compare_run_all(&c, &err), 0);
    for (int k = 0; k < 3; k++)
        compare_measure(&c, k, &m[k]);
    assert_int_equal(m[0].stale, 0);
    assert_int_equal(m[0].checks.lost.lost, 0);
    assert_int_equal(m[0].checks.lin, CHECK_OK);
    assert_int_equal(m[1].stale, 1);
    assert_non_null(strstr(m[1].stale_witness, "r1 read x=1 after w2"));
    assert_int_equal(m[1].checks.lost.lost, 1);
    assert_int_equal(m[1].checks.lin, CHECK_VIOLATED);
    /* The skew is a fault from t=0 on: every op ran during it. */
    for (int k = 0; k < 3; k++) {
        assert_true(m[k].faults);
        assert_int_equal(m[k].during_ops, 3);
        assert_int_equal(m[k].checks.av.ops, 3);
        assert_true(m[k].msgs > 0);
    }
    compare_release(&c);
}

/* Ops invoked while a node is down count as during the fault; ops after it restarts do not. */
static void test_fault_windows(void **state)
{
    struct compare c;
    struct script_error err;
    struct compare_measures m;
    const struct model_ops *multi[1] = {three[1]};
    const char *text = "nodes 3\nput x 1 via n2\nrun 500ms\nkill n1\nput x 2 via n1\n"
                       "put x 3 via n2\nrun 3s\nrestart n1\nrun 1s\nput x 4 via n1\n"
                       "run until quiet\n";

    (void)state;
    assert_int_equal(compare_parse(&c, "t.scn", text, strlen(text), multi, 1, &err), 0);
    compare_start(&c, 1, NULL);
    assert_int_equal(compare_run_all(&c, &err), 0);
    compare_measure(&c, 0, &m);
    assert_int_equal(c.faults[0].n, 1);
    assert_int_equal(c.faults[0].from_us[0], 500000);
    assert_int_equal(c.faults[0].to_us[0], 3500000);
    assert_int_equal(m.checks.av.ops, 4);
    assert_int_equal(m.during_ops, 2);
    assert_int_equal(m.during_ok, 1); /* the put through the dead n1 timed out */
    assert_int_equal(m.checks.av.timed_out, 1);
    compare_release(&c);
}

/* A rewind rebuilds the engine; the fault windows start over with it. */
static void test_fault_windows_rewind(void **state)
{
    struct compare c;
    struct script_error err;
    const struct model_ops *leader[1] = {three[0]};
    const char *text = "nodes 3\nrun 1s\nkill n2\nrun 1s\n";

    (void)state;
    assert_int_equal(compare_parse(&c, "t.scn", text, strlen(text), leader, 1, &err), 0);
    compare_start(&c, 1, NULL);
    assert_int_equal(compare_run_all(&c, &err), 0);
    assert_int_equal(c.faults[0].n, 1);
    assert_int_equal(script_run_rewind(c.runs[0], 500000, -1, &err), 0);
    assert_int_equal(c.faults[0].n, 0);
    compare_release(&c);
}

/* The shared clock: playing in small frames, with an action given on the way, ends in exactly
 * the state a seek (rebuild and replay in one go) reaches; a seek back and forth again too. */
static void test_play_frames_equal_seek(void **state)
{
    struct compare c;
    struct script_error err;
    char why[256], skipped[64];
    uint64_t events[3], ops[3];
    const char *text = "nodes 3\nseed 4\nlatency 10ms..30ms\nfor leader: set acks 1\n"
                       "workload 20/s keys x,y\nrun 400ms\nkill n1\nrun until quiet\n"
                       "w1: put x 9 via n2\nrun 1s\nexpect w1 ok\n";

    (void)state;
    assert_int_equal(compare_parse(&c, "t.scn", text, strlen(text), three, 3, &err), 0);
    compare_start(&c, -1, NULL);
    for (int64_t t = 0; t <= 3000000; t += 33000) {
        assert_int_equal(compare_play_to(&c, t, &err), 0);
        if (t == 1188000) {
            /* leader-only setting: the others cannot read it, and say so */
            assert_int_equal(
                compare_act(&c, t, "set acks all", why, sizeof(why), skipped, sizeof(skipped)), 1);
            assert_string_equal(skipped, "multi, leaderless");
            assert_int_equal(compare_act(&c, t, "partition n2 | n1 n3", why, sizeof(why), skipped,
                                         sizeof(skipped)),
                             3);
            assert_int_equal(
                compare_act(&c, t, "run 1s", why, sizeof(why), skipped, sizeof(skipped)), 0);
            assert_non_null(strstr(why, "shared clock"));
        }
    }
    for (int k = 0; k < 3; k++) {
        events[k] = engine_events(script_run_engine(c.runs[k]));
        ops[k] = history_count(engine_history(script_run_engine(c.runs[k])));
        assert_true(ops[k] > 5);
    }
    assert_int_equal(compare_seek(&c, 2970000, &err), 0);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(engine_events(script_run_engine(c.runs[k])), events[k]);
        assert_int_equal(history_count(engine_history(script_run_engine(c.runs[k]))), ops[k]);
    }
    assert_int_equal(compare_seek(&c, 500000, &err), 0);
    assert_true(history_count(engine_history(script_run_engine(c.runs[0]))) < ops[0]);
    assert_int_equal(compare_seek(&c, 2970000, &err), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(engine_events(script_run_engine(c.runs[k])), events[k]);
    /* Acting in the past forgets the future's actions. */
    compare_forget_after(&c, 1000000);
    assert_int_equal(c.n_acts, 0);
    compare_release(&c);
}

/* An action given at time 0, right after the setup ran, replays after it too: the setup's
 * `nodes` and settings do not rebuild the cluster under it. Truncating the actions (a
 * lesson's step begun again) and seeking replays only those kept. */
static void test_seek_keeps_action_order(void **state)
{
    struct compare c;
    struct script_error err;
    char why[256], skipped[64];
    const char *text = "nodes 3\nseed 5\nfor leader: set acks all\nfor multi: set resolve lww\n";

    (void)state;
    assert_int_equal(compare_parse(&c, "t.scn", text, strlen(text), three, 2, &err), 0);
    compare_start(&c, -1, NULL);
    assert_int_equal(compare_play_to(&c, 0, &err), 0);
    assert_int_equal(
        compare_act(&c, 0, "put x a via n1", why, sizeof(why), skipped, sizeof(skipped)), 2);
    assert_int_equal(compare_play_to(&c, 500000, &err), 0);
    assert_int_equal(
        compare_act(&c, 500000, "put x b via n2", why, sizeof(why), skipped, sizeof(skipped)), 2);
    assert_int_equal(compare_seek(&c, 1000000, &err), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(history_count(engine_history(script_run_engine(c.runs[k]))), 2);
    compare_truncate_actions(&c, 1);
    assert_int_equal(compare_seek(&c, 1000000, &err), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(history_count(engine_history(script_run_engine(c.runs[k]))), 1);
    compare_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_for_line_in_run),      cmocka_unit_test(test_seek_keeps_action_order),
        cmocka_unit_test(test_blocks_per_model),     cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_interactive_for),      cmocka_unit_test(test_models_option),
        cmocka_unit_test(test_measures_skew),        cmocka_unit_test(test_fault_windows),
        cmocka_unit_test(test_fault_windows_rewind), cmocka_unit_test(test_play_frames_equal_seek),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
