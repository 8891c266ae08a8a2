/*
 * test_script: the command language. The parser rejects malformed input
 * with FILE:LINE:COL and a message that names what was expected, and a file
 * with an error anywhere is rejected whole. The executor evaluates expects
 * (and `not`), runs until quiet, schedules `at` commands in time order and
 * reports an `at` in the past as a runtime error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/script.h"

#define MS 1000LL
#define S  1000000LL

/* Every case runs after these two lines, so its own first line is line 3. */
#define HEADER "model echo\nnodes 3\n"

struct bad {
    const char *text; /* after HEADER */
    int line;
    int col;
    const char *msg; /* the whole message, or its start when prefix is set */
    bool prefix;
};

static const struct bad bad_inputs[] = {
    /* unknown command */
    {"frobnicate n1", 3, 1, "unknown command 'frobnicate'; expected model, nodes, seed, set,",
     true},
    /* node names */
    {"kill x1", 3, 6, "expected a node name (n1..n3), got 'x1'", false},
    {"kill n4", 3, 6, "no node 'n4': this cluster has n1..n3", false},
    {"get x via n9", 3, 11, "no node 'n9': this cluster has n1..n3", false},
    {"kill", 3, 5, "expected a node name (n1, n2, ...)", false},
    /* parameters */
    {"set colour red", 3, 5,
     "unknown parameter 'colour' for model echo; valid: timing, gst, op_timeout, durability,",
     true},
    {"set timing fast", 3, 12, "timing takes sync, partial or async, not 'fast'", false},
    {"set timing", 3, 11, "expected a value for timing: sync, partial or async", false},
    {"set acks lots", 3, 10, "acks takes all or a number from 0 to 64, not 'lots'", false},
    {"set op_timeout 0ms", 3, 16,
     "op_timeout takes a duration from 1ms to 3600s (like 250ms or 2s), not '0ms'", false},
    /* durations, ranges, percentages */
    {"run 5", 3, 5,
     "expected a duration like 2s, or 'until', got '5' (a duration is a number with a unit: us, "
     "ms, s or min)",
     false},
    {"run until", 3, 10,
     "expected a time like 3s, 'quiet', or a predicate (run until leader n2, run until w1 done)",
     false},
    {"latency 30ms..10ms", 3, 9, "the range 30ms..10ms runs backwards: the lower end comes first",
     false},
    {"latency 10ms..", 3, 15, "expected the upper end of the range after '..' (like 10ms..30ms)",
     false},
    {"net drop 20", 3, 10, "expected a percentage from 0% to 100% (like 20%), got '20'", false},
    {"net dup 200%", 3, 9, "expected a percentage from 0% to 100% (like 20%), got '200%'", false},
    {"net", 3, 4, "expected drop P%, dup P%, delay D..D or reorder P%", false},
    {"link n1 n2 drop 20% jitter 5ms", 3, 21,
     "unexpected 'jitter': expected drop P%, dup P%, delay D..D or reorder P%", false},
    {"pause n1 for", 3, 13, "expected how long, like 300ms", false},
    {"pause n1 during 3s", 3, 10, "expected 'for DURATION' or the end of the line, got 'during'",
     false},
    {"skew n1 250ms", 3, 9, "expected a signed clock jump like +250ms or -1s, got '250ms'", false},
    {"drift n1 +200", 3, 10, "expected a drift like +200ppm or -50ppm, got '+200'", false},
    /* missing values */
    {"put x", 3, 6, "expected the value to put", false},
    {"expect", 3, 7,
     "expected a predicate (LABEL ok, LABEL == VALUE, value NODE KEY == VALUE, leader NODE, ...)",
     false},
    /* labels */
    {"expect w9 ok", 3, 8, "'w9' is not a predicate nor an earlier op's label;", true},
    {"w1: put x 1\nexpect w1 finished", 4, 11,
     "expected ok, fail, timeout, pending, done or '== VALUE' after w1, got 'finished'", false},
    {"w1: put x 1\nw1: put x 2", 4, 1, "label 'w1' is already used by an earlier op", false},
    {"run: put x 1", 3, 1, "'run' is a command word and cannot be a label", false},
    {"1w: put x 1", 3, 1,
     "a label is a letter then letters, digits or _, at most 15 characters: got '1w'", false},
    {"w1: frob x", 3, 5,
     "expected an operation after the label (put, get, incr, add, remove or del), got 'frob'",
     false},
    {"w1: put x 1 via n1 after w1", 3, 26,
     "an op cannot run after itself: 'after' names an earlier read", false},
    {"put x 1 after r7", 3, 15, "no op labelled 'r7' before this line", false},
    /* at */
    {"at 1s run 2s", 3, 1,
     "'at' schedules faults, ops, settings, notes and expects; not model, nodes, seed, run or step",
     false},
    {"at 1s at 2s heal", 3, 7, "'at' cannot be nested", false},
    {"at 1s", 3, 6, "expected a command to run at 1s", false},
    /* cluster shape */
    {"heal\nnodes 5", 4, 1,
     "'nodes' shapes the cluster, so it must come before every other command in a file", false},
    {"nodes 65", 3, 7, "a cluster has 1 to 64 nodes, not 65", false},
    {"model nosuch", 3, 7, "unknown model 'nosuch'; expected one of: ", true},
    {"seed -1", 3, 6, "expected a whole number, got '-1'", false},
    /* tokens */
    {"note \"unterminated", 3, 6, "unterminated quote: expected a closing \"", false},
    {"note a\001b", 3, 7, "unexpected control character (byte 0x01)", false},
    {"\"quoted\" n1", 3, 1, "expected a command, got quoted text", false},
    {"kill n1 now", 3, 9, "unexpected 'now': expected the end of the line", false},
    /* partitions and links */
    {"partition n1 | | n2", 3, 16, "expected a node before '|': every group names a node", false},
    {"partition n1 n2 |", 3, 18, "expected a node after '|'", false},
    {"partition", 3, 10, "expected groups of nodes, like: partition n1 n2 | n3", false},
    {"partition n1 n1", 3, 14, "n1 is named twice: a node is in one group", false},
    {"cut n1 n1", 3, 8, "a link joins two different nodes", false},
    /* expects and values */
    {"w1: put x 1\nexpect value n1 x = 7", 4, 19, "expected '==' (as in value n2 x == 7), got '='",
     false},
    {"r1: get x\nexpect r1 == {B,C", 4, 14, "expected a set like {B,C} ending in '}', got '{B,C'",
     false},
    {"r1: get x after w1", 3, 11, "'after' carries a read's context into a write; a get takes none",
     false},
    {"put {x 1", 3, 5, "a key may not contain '{', ',' or '\"': got '{x'", false},
    {"put x 1 as d1", 3, 12, "expected a client name c1..c64, got 'd1'", false},
    {"incr c 1", 3, 1, "model echo has no 'incr' operation", false},
    {"step 0", 3, 6, "expected a count of events from 1 to 1000000, got '0'", false},
};

static void test_malformed_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
        const struct bad *b = &bad_inputs[i];
        struct script_env env;
        struct script s;
        struct script_error err;
        char text[600], shown[600];
        int r;

        snprintf(text, sizeof(text), "%s%s\n", HEADER, b->text);
        script_env_init(&env, true);
        memset(&err, 0, sizeof(err));
        r = script_parse_text("bad.scn", text, strlen(text), &env, &s, &err);
        script_env_release(&env);
        script_error_format(&err, shown, sizeof(shown));
        if (r != -1)
            fail_msg("case %zu '%s' parsed; expected an error", i, b->text);
        /* Nothing is kept from a file with an error. */
        assert_int_equal(s.n, 0);
        assert_null(s.cmds);
        assert_string_equal(err.file, "bad.scn");
        if (err.line != b->line || err.col != b->col)
            fail_msg("case %zu '%s': got %s; expected line %d col %d", i, b->text, shown, b->line,
                     b->col);
        if (b->prefix ? strncmp(err.msg, b->msg, strlen(b->msg)) != 0 : strcmp(err.msg, b->msg))
            fail_msg("case %zu '%s': got message\n  %s\nexpected%s\n  %s", i, b->text, err.msg,
                     b->prefix ? " it to start with" : "", b->msg);
    }
}

/* The valid choices are listed in full where the message promises them. */
static void test_lists_name_the_choices(void **state)
{
    struct script_env env;
    struct script_cmd cmd;
    struct script_error err;

    (void)state;
    script_env_init(&env, false);
    env.model = model_find("echo");
    assert_int_equal(script_parse_line(&env, "", 1, "set colour red", &cmd, &err), -1);
    for (int i = 0; i < EP_COUNT; i++)
        assert_non_null(strstr(err.msg, engine_params[i].name));
    assert_non_null(strstr(err.msg, "acks"));
    assert_int_equal(script_parse_line(&env, "", 1, "model nosuch", &cmd, &err), -1);
    for (int i = 0; i < model_count(); i++)
        assert_non_null(strstr(err.msg, model_at(i)->name));
    assert_int_equal(script_parse_line(&env, "", 1, "frobnicate", &cmd, &err), -1);
    assert_non_null(strstr(err.msg, "partition"));
    assert_non_null(strstr(err.msg, "expect"));
    script_env_release(&env);
}

/* A predicate read on its own (a lesson's check) takes the models it is for as expect does. */
static void test_pred_for_models(void **state)
{
    struct script_env env;
    struct script_pred pred;
    struct script_error err;

    (void)state;
    script_env_init(&env, false);
    env.model = model_find("leader");
    assert_int_equal(script_parse_pred(&env, "", 1, "lost-writes == 1", &pred, &err), 1);
    assert_int_equal(pred.kind, SPRED_LOST_WRITES);
    assert_int_equal(script_parse_pred(&env, "", 1, "leader,multi: lost-writes == 1", &pred, &err),
                     1);
    assert_int_equal(script_parse_pred(&env, "", 1, "multi: lost-writes == 1", &pred, &err), 0);
    assert_int_equal(script_parse_pred(&env, "", 1, "nosuch: lost-writes == 1", &pred, &err), -1);
    assert_non_null(strstr(err.msg, "unknown model 'nosuch'"));
    assert_int_equal(script_parse_pred(&env, "", 1, "leader:", &pred, &err), -1);
    assert_int_equal(err.col, 8);
    script_env_release(&env);
}

static void test_error_anywhere_rejects_whole_file(void **state)
{
    const char *text = HEADER "w1: put x 1 via n1\n"
                              "run 1s\n"
                              "expect w1 ok\n"
                              "# a comment\n"
                              "\n"
                              "kill n1\n"
                              "kil n2\n"
                              "run 1s\n";
    struct script_env env;
    struct script s;
    struct script_error err;
    char shown[400];

    (void)state;
    script_env_init(&env, true);
    assert_int_equal(script_parse_text("f.scn", text, strlen(text), &env, &s, &err), -1);
    assert_int_equal(s.n, 0);
    assert_null(s.cmds);
    script_error_format(&err, shown, sizeof(shown));
    assert_true(strncmp(shown, "f.scn:9:1: unknown command 'kil';", 33) == 0);
    script_env_release(&env);
    /* Without a file name the position still shows. */
    err.file[0] = '\0';
    script_error_format(&err, shown, sizeof(shown));
    assert_true(strncmp(shown, "9:1: unknown command", 20) == 0);
}

static void test_good_file_parses(void **state)
{
    const char *text = HEADER "seed 42\n"
                              "# comment line\n"
                              "   \n"
                              "set op_timeout 500ms   # trailing comment\n"
                              "latency 10ms..30ms\n"
                              "w1: put x 1 via n1\n"
                              "r1: get x via n2 as c2\n"
                              "w2: put x \"two words\" via n1 after r1\n"
                              "at 120ms kill n3\n"
                              "at 1s w3: put y 3\n"
                              "run 2s\n"
                              "run until 3s\n"
                              "run until quiet\n"
                              "step 5\n"
                              "restart n3\n"
                              "wipe n2\n"
                              "pause n2 for 300ms\n"
                              "resume n2\n"
                              "partition n1 | n2\n"
                              "heal\n"
                              "cut n1 n2\n"
                              "cut n1 -> n2\n"
                              "mend n1 n2\n"
                              "link n1 n2 drop 20% dup 5% delay 50ms..200ms\n"
                              "link n1 -> n2 reorder 10%\n"
                              "net drop 10%\n"
                              "skew n3 +250ms\n"
                              "skew n3 -1.5s\n"
                              "drift n3 -200ppm\n"
                              "ntp n3\n"
                              "expect w1 ok\n"
                              "expect not w2 fail\n"
                              "expect r1 == 7\n"
                              "expect r1 == {B,C}\n"
                              "expect r1 == {}\n"
                              "expect r1 == nil\n"
                              "expect value n2 x == 7\n"
                              "expect down n1\n"
                              "expect up n2\n"
                              "expect paused n2\n"
                              "expect w3 timeout\n"
                              "note hello \"quoted words\"\n";
    struct script_env env;
    struct script s;
    struct script_error err;
    const struct script_cmd *c;

    (void)state;
    script_env_init(&env, true);
    if (script_parse_text("good.scn", text, strlen(text), &env, &s, &err) < 0) {
        char shown[400];
        script_error_format(&err, shown, sizeof(shown));
        fail_msg("%s", shown);
    }
    assert_int_equal(s.n, 42);
    assert_int_equal(env.n_nodes, 3);
    assert_true(script_env_has_label(&env, "w3"));
    c = &s.cmds[3];
    assert_int_equal(c->kind, CMD_SET);
    assert_string_equal(c->word, "op_timeout");
    assert_string_equal(c->value, "500ms");
    c = &s.cmds[5];
    assert_int_equal(c->kind, CMD_OP);
    assert_string_equal(c->label, "w1");
    assert_int_equal(c->via, 0);
    c = &s.cmds[6];
    assert_int_equal(c->client, 1);
    c = &s.cmds[7];
    assert_string_equal(c->value, "two words");
    assert_string_equal(c->after, "r1");
    c = &s.cmds[8];
    assert_int_equal(c->kind, CMD_KILL);
    assert_int_equal(c->at_us, 120 * MS);
    assert_int_equal(c->node, 2);
    c = &s.cmds[9];
    assert_int_equal(c->kind, CMD_OP);
    assert_string_equal(c->label, "w3");
    assert_int_equal(c->at_us, 1 * S);
    assert_int_equal(s.cmds[14].kind, CMD_RESTART);
    assert_int_equal(s.cmds[15].kind, CMD_WIPE);
    assert_int_equal(s.cmds[16].kind, CMD_PAUSE);
    assert_int_equal(s.cmds[16].dur_us, 300 * MS);
    assert_int_equal(s.cmds[17].kind, CMD_RESUME); /* not restart: both start with "res" */
    assert_int_equal(s.cmds[18].kind, CMD_PARTITION);
    assert_int_equal(s.cmds[18].group[0], 0);
    assert_int_equal(s.cmds[18].group[1], 1);
    assert_int_equal(s.cmds[18].group[2], 2); /* not named: one more group */
    assert_true(s.cmds[20].both);
    assert_false(s.cmds[21].both);
    c = &s.cmds[23];
    assert_int_equal(c->link.drop_bp, 2000);
    assert_int_equal(c->link.dup_bp, 500);
    assert_int_equal(c->link.lat_min_us, 50 * MS);
    assert_int_equal(c->link.lat_max_us, 200 * MS);
    assert_int_equal(c->link.reorder_bp, -1);
    assert_int_equal(s.cmds[27].dur_us, -1500 * MS);
    assert_int_equal(s.cmds[28].num, -200);
    c = &s.cmds[31];
    assert_true(c->pred.negate);
    assert_int_equal(c->pred.kind, SPRED_OP_STATUS);
    assert_int_equal(c->pred.status, OP_FAIL);
    assert_int_equal(s.cmds[34].pred.values.n, 0);
    assert_int_equal(s.cmds[35].pred.values.n, 0);
    assert_string_equal(s.cmds[41].words, "hello quoted words");
    assert_int_equal(s.cmds[41].line, 44);
    assert_string_equal(s.cmds[41].text, "note hello \"quoted words\"");
    script_release(&s);
    script_env_release(&env);
}

static void test_sets_match_in_any_order(void **state)
{
    struct script_env env;
    struct script_cmd a, b, c;
    struct script_error err;

    (void)state;
    script_env_init(&env, false);
    env.model = model_find("echo");
    assert_int_equal(script_parse_line(&env, "", 1, "r1: get x", &a, &err), 1);
    assert_int_equal(script_parse_line(&env, "", 2, "expect r1 == {B,C}", &a, &err), 1);
    assert_int_equal(script_parse_line(&env, "", 3, "expect r1 == {C,B}", &b, &err), 1);
    assert_int_equal(script_parse_line(&env, "", 4, "expect r1 == {B,C,D}", &c, &err), 1);
    assert_int_equal(a.pred.kind, SPRED_OP_VALUE);
    assert_int_equal(a.pred.values.n, 2);
    assert_true(op_values_equal(&a.pred.values, &b.pred.values));
    assert_false(op_values_equal(&a.pred.values, &c.pred.values));
    script_env_release(&env);
}

static void test_interactive_line_mode(void **state)
{
    struct script_env env;
    struct script_cmd cmd;
    struct script_error err;

    (void)state;
    script_env_init(&env, false);
    env.model = model_find("echo");
    assert_int_equal(script_parse_line(&env, NULL, 1, "# just a comment", &cmd, &err), 0);
    assert_int_equal(script_parse_line(&env, NULL, 1, "   ", &cmd, &err), 0);
    assert_int_equal(script_parse_line(&env, NULL, 1, "heal", &cmd, &err), 1);
    /* The interactive line may reshape the cluster at any time. */
    assert_int_equal(script_parse_line(&env, NULL, 2, "nodes 5", &cmd, &err), 1);
    assert_int_equal(env.n_nodes, 5);
    assert_int_equal(script_parse_line(&env, NULL, 3, "kill n5", &cmd, &err), 1);
    /* A failed line changes nothing: no label is taken. */
    assert_int_equal(script_parse_line(&env, NULL, 4, "w1: put x", &cmd, &err), -1);
    assert_false(script_env_has_label(&env, "w1"));
    assert_int_equal(script_parse_line(&env, NULL, 5, "w1: put x 1", &cmd, &err), 1);
    assert_true(script_env_has_label(&env, "w1"));
    /* Unlabelled ops get fresh labels. */
    assert_int_equal(script_parse_line(&env, NULL, 6, "put y 2", &cmd, &err), 1);
    assert_string_equal(cmd.label, "op1");
    script_env_release(&env);
}

/* ---- the executor ---- */

struct notes {
    struct trace_observer obs;
    char seen[32][TRACE_TEXT_MAX];
    int64_t at[32];
    int n;
    int64_t op_start_us;
};

static void notes_fn(struct trace_observer *self, const struct trace_event *ev)
{
    struct notes *n = (struct notes *)((char *)self - offsetof(struct notes, obs));

    if (ev->kind == TRACE_NOTE && strcmp(ev->name, "start") != 0 && n->n < 32) {
        snprintf(n->seen[n->n], sizeof(n->seen[n->n]), "%s", ev->text);
        n->at[n->n++] = ev->t_us;
    }
    if (ev->kind == TRACE_OP_START)
        n->op_start_us = ev->t_us;
}

/* Parses and runs text; returns script_run_all's result. */
static int run_text(const char *text, struct script_run **out, struct trace_observer *obs,
                    struct script_error *err)
{
    struct script_env env;
    struct script s;
    int r;

    script_env_init(&env, true);
    if (script_parse_text("x.scn", text, strlen(text), &env, &s, err) < 0) {
        char shown[400];
        script_error_format(err, shown, sizeof(shown));
        fail_msg("parse failed: %s", shown);
    }
    script_env_release(&env);
    *out = script_run_create("x.scn", -1);
    if (obs)
        script_run_observe(*out, obs);
    r = script_run_all(*out, &s, err);
    script_release(&s);
    return r;
}

static void test_expects_pass_and_fail(void **state)
{
    const char *text = HEADER "seed 1\n"
                              "latency 10ms\n"
                              "w1: put x 1 via n1\n" /* line 5 */
                              "run 100ms\n"
                              "expect w1 ok\n"           /* 7: holds */
                              "expect w1 fail\n"         /* 8: fails */
                              "expect not w1 fail\n"     /* 9: holds */
                              "expect not w1 ok\n"       /* 10: fails */
                              "expect value n2 x == 1\n" /* 11: holds */
                              "expect value n2 x == 2\n" /* 12: fails */
                              "r1: get x via n3\n"
                              "r2: get nothing via n3\n"
                              "run until quiet\n"
                              "expect r1 == 1\n"        /* 16: holds */
                              "expect r1 == {1}\n"      /* 17: holds */
                              "expect r1 == {1,2}\n"    /* 18: fails */
                              "expect r2 == nil\n"      /* 19: holds */
                              "expect r2 == {}\n"       /* 20: holds */
                              "expect converged x\n"    /* 21: holds */
                              "expect up n1\n"          /* 22: holds */
                              "expect down n1\n"        /* 23: fails */
                              "expect not paused n1\n"; /* 24: holds */
    const int failing[] = {8, 10, 12, 18, 23};
    struct script_run *run;
    struct script_error err;

    (void)state;
    assert_int_equal(run_text(text, &run, NULL, &err), 0);
    assert_int_equal(script_run_expects(run), 15);
    assert_int_equal(script_run_failed(run), 5);
    for (int i = 0; i < script_run_expects(run); i++) {
        const struct script_expect *x = script_run_expect_at(run, i);
        bool should_fail = false;
        for (size_t k = 0; k < sizeof(failing) / sizeof(failing[0]); k++)
            should_fail |= x->line == failing[k];
        if (x->ok == should_fail)
            fail_msg("line %d '%s': ok=%d (%s)", x->line, x->text, x->ok, x->msg);
    }
    /* A failed expect says what it found. */
    assert_string_equal(script_run_expect_at(run, 1)->text, "expect w1 fail");
    assert_string_equal(script_run_expect_at(run, 1)->msg, "w1 is ok");
    assert_string_equal(script_run_expect_at(run, 3)->msg, "it holds: w1 is ok");
    assert_string_equal(script_run_expect_at(run, 5)->msg, "n2 has x=1");
    assert_string_equal(script_run_expect_at(run, 6)->msg, "r1 returned 1");
    assert_null(script_run_expect_at(run, 15));
    assert_false(script_run_unquiet(run));
    script_run_destroy(run);
}

static void test_op_timeout_expect(void **state)
{
    const char *text = HEADER "set op_timeout 300ms\n"
                              "kill n3\n"
                              "w1: put x 1 via n1\n"
                              "run 299ms\n"
                              "expect w1 pending\n"
                              "run 1ms\n"
                              "expect w1 timeout\n";
    struct script_run *run;
    struct script_error err;

    (void)state;
    assert_int_equal(run_text(text, &run, NULL, &err), 0);
    assert_int_equal(script_run_expects(run), 2);
    assert_int_equal(script_run_failed(run), 0);
    script_run_destroy(run);
}

static void test_run_until_quiet_bound(void **state)
{
    const char *text = HEADER "set quiet_max 1s\n"
                              "pause n2\n"
                              "w1: put x 1 via n1\n"
                              "run until quiet\n";
    struct script_run *run;
    struct script_error err;

    (void)state;
    assert_int_equal(run_text(text, &run, NULL, &err), 0);
    /* The echo to n2 waits forever, so the run stops at quiet_max, not quiet. */
    assert_true(script_run_unquiet(run));
    assert_true(engine_now(script_run_engine(run)) >= 1 * S);
    script_run_destroy(run);
}

static void test_at_runs_in_time_order(void **state)
{
    const char *text = HEADER "latency 10ms\n"
                              "at 300ms note c\n"
                              "at 100ms note a\n"
                              "at 100ms note b\n"
                              "at 200ms w1: put x 1 via n1\n"
                              "at 250ms expect w1 ok\n"
                              "note now\n"
                              "run 1s\n"
                              "expect w1 ok\n";
    struct script_run *run;
    struct script_error err;
    struct notes n;

    (void)state;
    memset(&n, 0, sizeof(n));
    n.obs.fn = notes_fn;
    assert_int_equal(run_text(text, &run, &n.obs, &err), 0);
    assert_int_equal(n.n, 4);
    assert_string_equal(n.seen[0], "now");
    assert_int_equal(n.at[0], 0);
    assert_string_equal(n.seen[1], "a");
    assert_int_equal(n.at[1], 100 * MS);
    assert_string_equal(n.seen[2], "b"); /* same time: the order they were written */
    assert_int_equal(n.at[2], 100 * MS);
    assert_string_equal(n.seen[3], "c");
    assert_int_equal(n.at[3], 300 * MS);
    assert_int_equal(n.op_start_us, 200 * MS);
    assert_int_equal(script_run_expects(run), 2);
    assert_int_equal(script_run_failed(run), 0);
    script_run_destroy(run);
}

/* `resume` resumes: the parked echo is processed and the write completes. */
static void test_pause_resume_commands(void **state)
{
    const char *text = HEADER "latency 10ms\n"
                              "pause n2\n"
                              "w1: put x 1 via n1\n"
                              "run 100ms\n"
                              "expect paused n2\n"
                              "expect w1 pending\n"
                              "expect value n2 x == nil\n"
                              "resume n2\n"
                              "run until quiet\n"
                              "expect up n2\n"
                              "expect w1 ok\n"
                              "expect value n2 x == 1\n";
    struct script_run *run;
    struct script_error err;

    (void)state;
    assert_int_equal(run_text(text, &run, NULL, &err), 0);
    for (int i = 0; i < script_run_expects(run); i++) {
        const struct script_expect *x = script_run_expect_at(run, i);
        if (!x->ok)
            fail_msg("line %d '%s' failed: %s", x->line, x->text, x->msg);
    }
    assert_int_equal(script_run_expects(run), 6);
    script_run_destroy(run);
}

static void test_runtime_errors(void **state)
{
    struct script_run *run;
    struct script_error err;
    char shown[400];

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(run_text(HEADER "run 1s\nat 500ms heal\n", &run, NULL, &err), -1);
    script_error_format(&err, shown, sizeof(shown));
    assert_string_equal(shown, "x.scn:4:1: 'at' names a time that has passed (now 1.000s)");
    script_run_destroy(run);

    assert_int_equal(run_text(HEADER "kill n1\nkill n1\n", &run, NULL, &err), -1);
    script_error_format(&err, shown, sizeof(shown));
    assert_string_equal(shown, "x.scn:4:1: n1 is already down");
    script_run_destroy(run);

    assert_int_equal(run_text(HEADER "run 2s\nrun until 1s\n", &run, NULL, &err), -1);
    script_error_format(&err, shown, sizeof(shown));
    assert_string_equal(shown, "x.scn:4:1: cannot run until a time that has passed (now 2.000s)");
    script_run_destroy(run);

    assert_int_equal(run_text(HEADER "resume n2\n", &run, NULL, &err), -1);
    script_error_format(&err, shown, sizeof(shown));
    assert_string_equal(shown, "x.scn:3:1: n2 is not paused");
    script_run_destroy(run);
}

static void test_seed_override(void **state)
{
    struct script_run *run = script_run_create("x.scn", 99);
    struct script_env env;
    struct script s;
    struct script_error err;
    const char *text = HEADER "seed 5\nnet drop 50%\n";

    (void)state;
    script_env_init(&env, true);
    assert_int_equal(script_parse_text("x.scn", text, strlen(text), &env, &s, &err), 0);
    assert_int_equal(script_run_all(run, &s, &err), 0);
    assert_int_equal(engine_seed(script_run_engine(run)), 99);
    assert_int_equal(engine_nodes(script_run_engine(run)), 3);
    assert_string_equal(engine_model(script_run_engine(run))->name, "echo");
    script_release(&s);
    script_env_release(&env);
    script_run_destroy(run);
}

/* One line as the screen's `:` reads it, parsed into a fresh command (the caller frees it). */
static struct script_cmd *line_cmd(struct script_env *env, const char *line)
{
    struct script_cmd *c = calloc(1, sizeof(*c));
    struct script_error err;

    assert_non_null(c);
    memset(&err, 0, sizeof(err));
    if (script_parse_line(env, "", 1, line, c, &err) != 1)
        fail_msg("'%s' did not parse: %s", line, err.msg);
    return c;
}

/* The parse error of one line, in line mode. */
static void line_error(const char *line, char *msg, size_t size)
{
    struct script_env env;
    struct script_cmd *c = calloc(1, sizeof(*c));
    struct script_error err;

    assert_non_null(c);
    script_env_init(&env, false);
    memset(&err, 0, sizeof(err));
    assert_int_equal(script_parse_line(&env, "", 1, line, c, &err), -1);
    snprintf(msg, size, "%s", err.msg);
    script_env_release(&env);
    free(c);
}

static void test_command_table(void **state)
{
    struct script_env env;
    struct script_cmd *c;
    char msg[SCRIPT_MSG_MAX], usage[200], want[SCRIPT_MSG_MAX];
    int n = script_commands();
    static const struct {
        const char *line;
        int act;
    } msgs[] = {{"deliver 4", ENGINE_MSG_DELIVER},
                {"delay 4 20ms", ENGINE_MSG_DELAY},
                {"drop 4", ENGINE_MSG_DROP}};

    (void)state;
    assert_true(n >= 36);
    assert_null(script_command_doc(n));
    assert_null(script_command_doc(-1));
    assert_null(script_command_find("frobnicate"));
    for (int i = 0; i < n; i++) {
        const struct script_command_doc *d = script_command_doc(i);
        assert_non_null(d);
        assert_true(d->name[0] && d->help[0]);
        assert_ptr_equal(script_command_find(d->name), d);
        /* Every command word is reserved: no op may take it as its label. */
        snprintf(usage, sizeof(usage), "%s: put x 1", d->name);
        line_error(usage, msg, sizeof(msg));
        snprintf(want, sizeof(want), "'%s' is a command word and cannot be a label", d->name);
        assert_string_equal(msg, want);
    }
    script_command_usage(script_command_find("kill"), usage, sizeof(usage));
    assert_string_equal(usage, "kill NODE");
    script_command_usage(script_command_find("heal"), usage, sizeof(usage));
    assert_string_equal(usage, "heal");
    /* deliver, delay and drop are three entries, each with its action. */
    script_env_init(&env, false);
    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        c = line_cmd(&env, msgs[i].line);
        assert_int_equal(c->kind, CMD_MSG);
        assert_int_equal(c->node, msgs[i].act);
        assert_int_equal(c->num, 4);
        free(c);
    }
    c = line_cmd(&env, "at 1s drop 4");
    assert_int_equal(c->at_us, 1000000);
    free(c);
    script_env_release(&env);
    /* The table says what may follow `at`, and what to suggest for a typo. */
    line_error("at 1s beat", msg, sizeof(msg));
    assert_string_equal(msg, "'at' schedules faults, ops, settings, notes and expects; not model, "
                             "nodes, seed, run or step");
    line_error("delvier 4", msg, sizeof(msg));
    assert_string_equal(msg, "unknown command 'delvier'; did you mean 'deliver'?");
    line_error("wrkload 5/s", msg, sizeof(msg));
    assert_string_equal(msg, "unknown command 'wrkload'; did you mean 'workload'?");
    line_error("zzzzzzzz", msg, sizeof(msg));
    assert_non_null(strstr(msg, ", deliver, delay, drop, say or beat"));
}

/* Does a man page line document the command word name: `.BI "kill " node`,
 * `.B heal`, or `\fBput\fP` inside an entry's line? */
static int man_line_names(const char *line, const char *name)
{
    char bold[64];
    const char *w;
    size_t len = strlen(name);

    if (line[0] != '.')
        return 0;
    snprintf(bold, sizeof(bold), "\\fB%s\\fP", name);
    if (strstr(line, bold))
        return 1;
    if (strncmp(line, ".B ", 3) != 0 && strncmp(line, ".BI ", 4) != 0 &&
        strncmp(line, ".BR ", 4) != 0)
        return 0;
    w = strchr(line, ' ') + 1;
    if (*w == '"')
        w++;
    return strncmp(w, name, len) == 0 && (w[len] == ' ' || w[len] == '"' || w[len] == '\0');
}

/* The man page's THE COMMAND LANGUAGE section describes every command of the table. */
static void test_man_page_names_every_command(void **state)
{
    FILE *f = fopen("assets/splitbrain.1", "r");
    static char text[1 << 20];
    char *section, *end, missing[SCRIPT_MSG_MAX] = "";
    size_t len;

    (void)state;
    assert_non_null(f);
    len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    section = strstr(text, "\n.SH THE COMMAND LANGUAGE\n");
    assert_non_null(section);
    end = strstr(section + 1, "\n.SH ");
    assert_non_null(end);
    *end = '\0';
    for (int i = 0; i < script_commands(); i++) {
        const char *name = script_command_doc(i)->name;
        int found = 0;
        for (char *line = section + 1; line && !found; line = strchr(line, '\n')) {
            char buf[512];
            size_t n;
            if (*line == '\n')
                line++;
            n = strcspn(line, "\n");
            if (n >= sizeof(buf))
                n = sizeof(buf) - 1;
            memcpy(buf, line, n);
            buf[n] = '\0';
            found = man_line_names(buf, name);
            if (!line[n])
                break;
            line += n;
        }
        if (!found)
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s", name);
    }
    if (missing[0])
        fail_msg("assets/splitbrain.1's THE COMMAND LANGUAGE lacks:%s", missing);
}

/* The journal holds SCRIPT_MAX_JOURNAL commands; one more is refused and changes nothing. */
static void test_journal_limit(void **state)
{
    struct script_run *run = script_run_create("", -1);
    struct script_env env;
    struct script_cmd *heal, *run1s;
    struct script_error err;

    (void)state;
    script_env_init(&env, false);
    heal = line_cmd(&env, "heal");
    run1s = line_cmd(&env, "run 1s");
    for (int i = 0; i < SCRIPT_MAX_JOURNAL; i++)
        assert_int_equal(script_run_exec(run, heal, &err), 0);
    assert_int_equal(script_run_journal_count(run), SCRIPT_MAX_JOURNAL);
    memset(&err, 0, sizeof(err));
    assert_int_equal(script_run_exec(run, heal, &err), -1);
    assert_string_equal(err.msg,
                        "too many commands in one run (at most 20000 kept for going back in time)");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 1);
    assert_int_equal(script_run_journal_count(run), SCRIPT_MAX_JOURNAL);
    /* Time still runs: running is not journalled. */
    assert_int_equal(script_run_exec(run, run1s, &err), 0);
    assert_int_equal(engine_now(script_run_engine(run)), 1000000);
    free(heal);
    free(run1s);
    script_env_release(&env);
    script_run_destroy(run);
}

/* A file of `n` copies of line after HEADER. */
static char *repeat_lines(const char *line, int n)
{
    size_t len = strlen(HEADER) + (size_t)n * (strlen(line) + 1) + 1;
    char *text = malloc(len), *p = text;

    assert_non_null(text);
    p += sprintf(p, "%s", HEADER);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s\n", line);
    return text;
}

/* Settings are kept to rebuild the cluster, SCRIPT_MAX_SETTINGS of them: the next is an error
 * at its FILE:LINE:COL. */
static void test_settings_limit(void **state)
{
    char *text = repeat_lines("set op_timeout 2s", SCRIPT_MAX_SETTINGS + 1);
    struct script_run *run;
    struct script_error err;
    char shown[400];

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(run_text(text, &run, NULL, &err), -1);
    script_error_format(&err, shown, sizeof(shown));
    assert_string_equal(shown, "x.scn:2003:1: too many settings in one run (at most 2000 set, "
                               "latency, link, net and model commands, kept to rebuild the "
                               "cluster)");
    script_run_destroy(run);
    free(text);
}

static void test_expects_limit(void **state)
{
    char *text = repeat_lines("expect up n1", SCRIPT_MAX_EXPECTS + 1);
    struct script_run *run;
    struct script_error err;
    char shown[400];

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(run_text(text, &run, NULL, &err), -1);
    script_error_format(&err, shown, sizeof(shown));
    assert_string_equal(shown, "x.scn:10003:1: too many expects in one run (at most 10000)");
    assert_int_equal(script_run_expects(run), SCRIPT_MAX_EXPECTS);
    assert_int_equal(script_run_failed(run), 0);
    script_run_destroy(run);
    free(text);
}

/* The generation changes with every engine the run builds, and only then. */
static void test_generation_counts_rebuilds(void **state)
{
    struct script_run *run = script_run_create("", -1);
    struct script_env env;
    struct script_cmd *c;
    struct script_error err;
    uint64_t g;

    (void)state;
    script_env_init(&env, false);
    assert_int_equal(script_run_generation(run), 0);
    script_run_engine(run);
    g = script_run_generation(run);
    assert_int_equal(g, 1);
    c = line_cmd(&env, "kill n1");
    assert_int_equal(script_run_exec(run, c, &err), 0);
    free(c);
    c = line_cmd(&env, "run 1s");
    assert_int_equal(script_run_exec(run, c, &err), 0);
    free(c);
    assert_int_equal(script_run_generation(run), g);
    c = line_cmd(&env, "nodes 5");
    assert_int_equal(script_run_exec(run, c, &err), 0);
    free(c);
    assert_true(script_run_generation(run) > g);
    g = script_run_generation(run);
    assert_int_equal(script_run_rewind(run, 1000000, 3, &err), 0);
    assert_true(script_run_generation(run) > g);
    assert_int_equal(engine_nodes(script_run_engine(run)), 5);
    g = script_run_generation(run);
    script_run_reset(run, "", -1);
    script_run_engine(run);
    assert_true(script_run_generation(run) > g);
    script_env_release(&env);
    script_run_destroy(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_inputs),
        cmocka_unit_test(test_lists_name_the_choices),
        cmocka_unit_test(test_pred_for_models),
        cmocka_unit_test(test_error_anywhere_rejects_whole_file),
        cmocka_unit_test(test_good_file_parses),
        cmocka_unit_test(test_sets_match_in_any_order),
        cmocka_unit_test(test_interactive_line_mode),
        cmocka_unit_test(test_expects_pass_and_fail),
        cmocka_unit_test(test_op_timeout_expect),
        cmocka_unit_test(test_run_until_quiet_bound),
        cmocka_unit_test(test_at_runs_in_time_order),
        cmocka_unit_test(test_pause_resume_commands),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_seed_override),
        cmocka_unit_test(test_command_table),
        cmocka_unit_test(test_man_page_names_every_command),
        cmocka_unit_test(test_journal_limit),
        cmocka_unit_test(test_settings_limit),
        cmocka_unit_test(test_expects_limit),
        cmocka_unit_test(test_generation_counts_rebuilds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
