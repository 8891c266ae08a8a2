/* The lesson parser, the runner and saved progress. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/util.h"
#include "../lessons/lesson.h"
#include "../lessons/progress.h"
#include "../lessons/runner.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void load(struct lesson *l)
{
    size_t len;
    char *text = slurp("tests/lessons/echo-basics.lesson", &len);
    struct script_error err;

    if (lesson_parse("echo-basics.lesson", text, len, l, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    free(text);
}

static void test_parse_shipped_shape(void **state)
{
    struct lesson l;

    (void)state;
    load(&l);
    assert_string_equal(l.id, "echo-basics");
    assert_string_equal(l.title, "Messages between nodes (a first look)");
    assert_int_equal(l.version, 2);
    assert_int_equal(l.seed, 7);
    assert_int_equal(l.n_setup, 3);
    assert_int_equal(l.n_steps, 4);
    assert_string_equal(l.steps[0].id, "hello");
    assert_non_null(strstr(l.steps[0].narration, "**n1**"));
    assert_non_null(strstr(l.steps[0].narration, "\nNothing to do"));
    assert_int_equal(l.steps[1].n_checks, 2);
    assert_int_equal(l.steps[1].n_hints, 2);
    assert_int_equal(l.steps[1].n_dos, 1);
    assert_true(l.steps[2].has_quiz);
    assert_int_equal(l.steps[2].quiz.n_choices, 3);
    assert_int_equal(l.steps[2].quiz.correct, 2u);
    assert_non_null(strstr(l.steps[2].quiz.question, "What does the client hear?"));
    assert_non_null(strstr(l.steps[2].quiz.explain, "and the client gives up"));
    assert_int_equal(l.steps[3].n_dos, 2);
    lesson_release(&l);
}

struct bad {
    const char *text;
    int line;
    int col;
    const char *msg;
};

static const char head[] = "%lesson x\n%title T\n";

static void test_malformed(void **state)
{
    static const struct bad cases[] = {
        {"%title T\n== a: A\n", 2, 1, "expected %lesson ID"},
        {"%lesson x\n== a: A\n", 2, 1, "expected %title"},
        {"%lesson x y\n", 1, 10, "a lesson id is letters"},
        {"%lesson x\n%title T\n%version zero\n", 3, 10, "expected a version number"},
        {"%lesson x\n%title T\n%seed -1\n", 3, 7, "expected a seed number"},
        {"%lesson x\n%title T\nstray text\n", 3, 1, "expected a % directive in the header"},
        {"%lesson x\n%title T\n%bogus 1\n", 3, 1, "unknown header directive %bogus"},
        {"%lesson x\n%title T\n%setup nodes 99\n", 3, 14, "a cluster has 1 to 64 nodes"},
        {"%lesson x\n%title T\n== a A\n", 3, 4, "expected '== id: Title'"},
        {"%lesson x\n%title T\n== a b: A\n", 3, 5, "a step id is letters"},
        {"%lesson x\n%title T\n== a: A\n== a: B\n", 4, 4, "step id 'a' is used twice"},
        {"%lesson x\n%title T\n== a:\n", 3, 6, "expected a title"},
        {"%lesson x\n%title T\n== a: A\n%check kill n1\n", 4, 8, "is not a predicate"},
        {"%lesson x\n%title T\n== a: A\n%check down n9\n", 4, 13, "no node 'n9'"},
        {"%lesson x\n%title T\n== a: A\n%do kill n1 ; ; heal\n", 4, 15,
         "expected a command before"},
        {"%lesson x\n%title T\n== a: A\n%do run 2s\n", 4, 5, "does not run time itself"},
        {"%lesson x\n%title T\n== a: A\n%do frobnicate\n", 4, 5, "unknown command 'frobnicate'"},
        {"%lesson x\n%title T\n== a: A\n%quiz maybe\n", 4, 7, "expected single or multiple"},
        {"%lesson x\n%title T\n== a: A\n%quiz single\n(*) a\n", 5, 1, "expected the question"},
        {"%lesson x\n%title T\n== a: A\n%quiz single\nQ: q?\n[x] a\n", 6, 1, "a single quiz marks"},
        {"%lesson x\n%title T\n== a: A\n%quiz single\nQ: q?\n(*) a\n(*) b\n%explain e\n", 8, 1,
         "marks more than one choice right"},
        {"%lesson x\n%title T\n== a: A\n%quiz single\nQ: q?\n( ) a\n( ) b\n%explain e\n", 8, 1,
         "marks no choice as right"},
        {"%lesson x\n%title T\n== a: A\n%quiz single\nQ: q?\n(*) a\n( ) b\n", 8, 1,
         "needs an %explain"},
        {"%lesson x\n%title T\n== a: A\n%explain e\n", 4, 1, "%explain goes after a %quiz"},
        {"%lesson x\n%title T\n== a: A\n%task a\n%task b\n", 5, 1, "already has a %task"},
        {"%lesson x\n%title T\n== a: A\n%setup nodes 3\n", 4, 1, "belongs in the header"},
        {"%lesson x\n%title T\n== a: A\n%hint\n", 4, 6, "expected a value after %hint"},
        {"%lesson x\n%title T\n", 3, 1, "expected at least one step"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct lesson l;
        struct script_error err;
        int r = lesson_parse("bad.lesson", cases[i].text, strlen(cases[i].text), &l, &err);
        if (r != -1 || err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: got %d %d:%d %s", i, r, err.line, err.col, err.msg);
        assert_string_equal(err.file, "bad.lesson");
    }
    (void)head;
}

static void test_runner_gates_on_state_and_events(void **state)
{
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct engine *e;

    (void)state;
    load(&l);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    /* A step without checks is done at once. */
    assert_int_equal(lesson_runner_phase(r), RUNNER_DONE);
    assert_true(lesson_runner_next(r));
    assert_int_equal(lesson_runner_step(r), 1);
    assert_int_equal(lesson_runner_phase(r), RUNNER_TASK);
    assert_false(lesson_runner_next(r));
    assert_false(lesson_runner_poll(r));
    assert_non_null(strstr(lesson_runner_waiting(r), "op put x ok"));

    /* A typo changes nothing. */
    assert_int_equal(lesson_runner_exec(r, "put x", &err), -1);
    assert_non_null(strstr(err.msg, "expected the value to put"));

    /* The learner types the command; time passes; the gate opens. */
    assert_int_equal(lesson_runner_exec(r, "put x 1 via n1", &err), 0);
    assert_false(lesson_runner_poll(r));
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 500000, &err), 0);
    assert_true(lesson_runner_poll(r));
    assert_int_equal(lesson_runner_phase(r), RUNNER_DONE);
    assert_true(lesson_runner_next(r));

    /* The quiz comes first; a wrong answer is graded wrong but moves on to the task. */
    assert_int_equal(lesson_runner_phase(r), RUNNER_QUIZ);
    assert_false(lesson_runner_answer(r, 1u));
    assert_int_equal(lesson_runner_answered(r), 1u);
    assert_int_equal(lesson_runner_phase(r), RUNNER_DONE);
    assert_true(lesson_runner_next(r));

    /* An op from an earlier step does not count for "op put x timeout" of this one. */
    assert_false(lesson_runner_poll(r));
    assert_int_equal(lesson_runner_show_me(r, &err), 0);
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 3000000, &err), 0);
    assert_true(lesson_runner_poll(r));
    assert_true(lesson_runner_finished(r));
    lesson_runner_destroy(r);
    lesson_release(&l);
}

static void test_hints_on_request_and_inactivity(void **state)
{
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;

    (void)state;
    load(&l);
    assert_int_equal(lesson_runner_create(&l, 1, &r, &err), 0);
    assert_null(lesson_runner_idle(r, 10000000));
    assert_string_equal(lesson_runner_idle(r, RUNNER_IDLE_HINT_US),
                        "Press `:` to open the command line.");
    assert_null(lesson_runner_idle(r, RUNNER_IDLE_HINT_US + 1));
    assert_string_equal(lesson_runner_hint(r), "Type `put x 1 via n1` and press Enter.");
    assert_null(lesson_runner_hint(r));
    assert_int_equal(lesson_runner_hints_shown(r), 2);
    lesson_runner_destroy(r);
    lesson_release(&l);
}

static void test_back_and_resume(void **state)
{
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct op_values v;
    struct engine *e;

    (void)state;
    load(&l);
    /* Resume at the last step: the earlier steps' own actions have been replayed. */
    assert_int_equal(lesson_runner_create(&l, 3, &r, &err), 0);
    assert_int_equal(lesson_runner_step(r), 3);
    e = script_run_engine(lesson_runner_run(r));
    engine_read_local(e, 2, "x", &v);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.v[0], "1");

    /* Act in this step, then reset it: the act is undone. */
    assert_int_equal(lesson_runner_exec(r, "kill n2", &err), 0);
    assert_int_equal(lesson_runner_reset_step(r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    {
        struct engine_node info;
        engine_node(e, 1, &info);
        assert_int_equal(info.state, NODE_UP);
    }
    /* Back twice: step 1 again, before the first write, so x is missing on n3. */
    assert_int_equal(lesson_runner_back(r, &err), 0);
    assert_int_equal(lesson_runner_back(r, &err), 0);
    assert_int_equal(lesson_runner_step(r), 1);
    e = script_run_engine(lesson_runner_run(r));
    engine_read_local(e, 2, "x", &v);
    assert_int_equal(v.n, 0);
    lesson_runner_destroy(r);
    lesson_release(&l);
}

static void test_prove_completable(void **state)
{
    struct lesson l;
    struct script_error err;
    const char *broken = "%lesson x\n%title T\n%setup model echo\n== a: A\n%check down n1\n"
                         "%do kill n2\n";

    (void)state;
    load(&l);
    assert_int_equal(lesson_prove(&l, 60000000, &err), 0);
    lesson_release(&l);
    assert_int_equal(lesson_parse("x.lesson", broken, strlen(broken), &l, &err), 0);
    assert_int_equal(lesson_prove(&l, 1000000, &err), -1);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "step 'a' cannot be completed"));
    assert_non_null(strstr(err.msg, "down n1 (n1 is up)"));
    lesson_release(&l);
}

static void test_progress_atomic(void **state)
{
    char dir[] = "/tmp/sb-progress-XXXXXX";
    char path[256], why[256], tmp[300];
    struct progress p, q;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state/splitbrain/progress", dir);
    assert_int_equal(progress_load(&p, path, why, sizeof(why)), 0);
    assert_int_equal(p.n, 0);
    assert_true(progress_set(&p, "welcome", 1, 3, false));
    assert_true(progress_set(&p, "leader", 2, 5, true));
    assert_int_equal(progress_save(&p, why, sizeof(why)), 0);

    /* A kill mid-write leaves a torn temp file behind; the real file is intact. */
    snprintf(tmp, sizeof(tmp), "%s.tmp-Ab12Cd", path);
    f = fopen(tmp, "w");
    fputs("welcome 1 9 do", f);
    fclose(f);
    assert_int_equal(progress_load(&q, path, why, sizeof(why)), 0);
    assert_int_equal(q.n, 2);
    assert_int_equal(progress_get(&q, "welcome", 1)->step, 3);
    assert_true(progress_get(&q, "leader", 2)->done);
    assert_null(progress_get(&q, "leader", 1)); /* another version starts afresh */

    /* The next save replaces the file and removes the stale temp file. */
    progress_reset(&q, "welcome");
    assert_int_equal(progress_save(&q, why, sizeof(why)), 0);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(progress_load(&p, path, why, sizeof(why)), 0);
    assert_int_equal(p.n, 1);
    progress_reset(&p, NULL);
    assert_int_equal(p.n, 0);

    /* A malformed file is an error with its line. */
    f = fopen(path, "w");
    fputs("welcome one 2 done\n", f);
    fclose(f);
    assert_int_equal(progress_load(&p, path, why, sizeof(why)), -1);
    assert_non_null(strstr(why, ":1:1: expected"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_shipped_shape),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_runner_gates_on_state_and_events),
        cmocka_unit_test(test_hints_on_request_and_inactivity),
        cmocka_unit_test(test_back_and_resume),
        cmocka_unit_test(test_prove_completable),
        cmocka_unit_test(test_progress_atomic),
    };
    return cmocka_run_group_tests_name("lesson", tests, NULL, NULL);
}
