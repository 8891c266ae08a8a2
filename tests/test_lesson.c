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

#include "../engine/compare.h"
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
    assert_int_equal(l.steps[1].n_checks, 3);
    assert_int_equal(l.steps[1].n_hints, 3);
    assert_int_equal(l.steps[1].hint_if[0].n, 1);
    assert_int_equal(l.steps[1].hint_if[1].n, 0);
    assert_int_equal(l.steps[1].n_decoys, 1);
    assert_int_equal(l.steps[1].n_dos, 1);
    assert_int_equal(l.steps[2].quiz.kind, LESSON_PREDICT);
    assert_int_equal(l.steps[3].n_stuck, 1);
    assert_int_equal(l.steps[3].stuck[0].cond.n, 2);
    assert_string_equal(l.steps[3].says[2], "n3 misses the write");
    /* Checks are kept as predicates, with the words they were written in. */
    assert_string_equal(l.steps[3].checks[2].text, "not converged x");
    assert_int_equal(l.steps[3].checks[2].pred.kind, SPRED_CONVERGED);
    assert_true(l.steps[3].checks[2].pred.negate);
    assert_int_equal(l.steps[3].checks[2].line, 43);
    assert_string_equal(l.steps[3].stuck[0].cond.preds[1].text, "down n3");
    assert_true(l.steps[3].spotlight.on);
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
        {"%lesson x\n%title T\n== a: A\n%check down n1 \"oops\n", 4, 16, "unterminated quote"},
        {"%lesson x\n%title T\n== a: A\n%stuck down n1\n", 4, 15, "expected what went wrong"},
        {"%lesson x\n%title T\n== a: A\n%stuck down n1 and bogus \"x\"\n", 4, 20,
         "is not a predicate"},
        {"%lesson x\n%title T\n== a: A\n%hint if down n1 then\n", 4, 22, "expected ': '"},
        {"%lesson x\n%title T\n== a: A\n%decoy kill n9\n", 4, 13, "no node 'n9'"},
        {"%lesson x\n%title T\n== a: A\n%spotlight explosion\n", 4, 12,
         "expected an event to spotlight"},
        {"%lesson x\n%title T\n== a: A\n%quiz single guess\n", 4, 14, "expected recall"},
        {"%lesson x\n%title T\n== a: A\n%check did frob\n", 4, 12,
         "expected a command after 'did'"},
        {"%lesson x\n%title T\n== a: A\n%check time >= soon\n", 4, 16, "expected a time"},
        {"%lesson x\n%title T\n== a: A\n%check setting acks == many\n", 4, 24, "acks"},
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
    /* "Waiting for:" says the check in words, never the raw predicate. */
    assert_string_equal(lesson_runner_waiting(r), "you write x through n1");

    /* The decoy: a write through n2 succeeds, but the gate names the action it teaches. */
    assert_int_equal(lesson_runner_exec(r, "put x 7 via n2", &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 500000, &err), 0);
    assert_false(lesson_runner_poll(r));
    /* The conditional hint speaks to what the learner did. */
    assert_non_null(strstr(lesson_runner_hint(r), "went through n2"));
    assert_int_equal(lesson_runner_reset_step(r, &err), 0);
    assert_string_equal(lesson_runner_hint(r), "Press `:` to open the command line.");

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
                         "%decoy kill n3\n%do kill n2\n";

    (void)state;
    load(&l);
    assert_int_equal(lesson_prove(&l, 60000000, &err), 0);
    lesson_release(&l);
    assert_int_equal(lesson_parse("x.lesson", broken, strlen(broken), &l, &err), 0);
    assert_int_equal(lesson_prove(&l, 1000000, &err), -1);
    assert_int_equal(err.line, 6);
    assert_non_null(strstr(err.msg, "step 'a': after the decoy the step cannot be finished"));
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

/* Proves one lesson text; returns lesson_prove's result with err filled. */
static int prove_text(const char *text, struct script_error *err)
{
    struct lesson l;
    int r;

    if (lesson_parse("t.lesson", text, strlen(text), &l, err) < 0)
        fail_msg("%d:%d: %s", err->line, err->col, err->msg);
    r = lesson_prove(&l, 10000000, err);
    lesson_release(&l);
    return r;
}

#define KILL_HEAD                                                                                  \
    "%lesson t\n%title T\n%setup model echo\n%setup nodes 3\n%setup set acks 2\n== k: Kill n1\n"   \
    "%task Kill n1, then write x through n2.\n%check did kill n1\n%check op put x ok\n"

static void test_lint_decoys_and_dead_ends(void **state)
{
    struct script_error err;

    (void)state;
    /* A decoy that keeps the gate closed and leads to a declared dead end: proven. */
    assert_int_equal(prove_text(KILL_HEAD
                                "%stuck down n2 \"n2 is down: it cannot take the write\"\n"
                                "%decoy kill n2\n%do kill n1 ; put x 1 via n2\n",
                                &err),
                     0);
    /* No decoy at all. */
    assert_int_equal(prove_text(KILL_HEAD "%do kill n1 ; put x 1 via n2\n", &err), -1);
    assert_non_null(strstr(err.msg, "has a task but no %decoy"));
    /* A decoy that opens the gate: the gate does not name the action it teaches. */
    assert_int_equal(prove_text("%lesson t\n%title T\n%setup model echo\n== w: W\n%task Write "
                                "through n1.\n%check op put x ok\n%decoy put x 1 via n2\n"
                                "%do put x 1 via n1\n",
                                &err),
                     -1);
    assert_int_equal(err.line, 7);
    assert_non_null(strstr(err.msg, "the decoy opens the gate"));
    /* The dead end is real, but nothing declares it. */
    assert_int_equal(prove_text(KILL_HEAD "%decoy kill n2\n%do kill n1 ; put x 1 via n2\n", &err),
                     -1);
    assert_non_null(strstr(err.msg, "cannot be finished"));
    assert_non_null(strstr(err.msg, "no %stuck rule says so"));
    /* A stuck rule no decoy reaches. */
    assert_int_equal(prove_text(KILL_HEAD "%stuck paused n3 \"n3 froze\"\n%decoy put y 1 via n2\n"
                                          "%do kill n1 ; put x 1 via n2\n",
                                &err),
                     -1);
    assert_non_null(strstr(err.msg, "no decoy reaches this %stuck rule"));
    /* A stuck rule that is no dead end: the step can still be finished after it. */
    assert_int_equal(prove_text(KILL_HEAD "%stuck did put y \"wrong key\"\n%decoy put y 1 via n2\n"
                                          "%do kill n1 ; put x 1 via n2\n",
                                &err),
                     -1);
    assert_non_null(strstr(err.msg, "it is no dead end"));
    /* A model's own predicate needs a sentence. */
    assert_int_equal(prove_text("%lesson t\n%title T\n%setup model leader\n== l: L\n%task Wait.\n"
                                "%check leaders == 1\n%decoy kill n3\n%do put x 1\n",
                                &err),
                     -1);
    assert_non_null(strstr(err.msg, "needs a sentence"));
}

static void test_did_setting_time(void **state)
{
    static const char text[] =
        "%lesson t\n%title T\n%setup model multi\n%setup nodes 3\n%setup set resolve lww\n"
        "== a: A\n%check did skew n2 \"you skew n2\"\n%check did set timestamps lamport\n"
        "%check setting timestamps == lamport\n%check time >= 5s\n%check did put x via n1\n"
        "%decoy skew n1 -10s\n%do skew n2 -10s ; set timestamps lamport ; put x 1 via n1\n";
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct engine *e;

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    /* The wrong node, the wrong value: neither counts. */
    assert_int_equal(lesson_runner_exec(r, "skew n1 -10s", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "set timestamps hlc", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "put x 1 via n2", &err), 0);
    assert_false(lesson_runner_poll(r));
    assert_string_equal(lesson_runner_waiting(r), "you skew n2");
    assert_int_equal(lesson_runner_exec(r, "skew n2 -10s", &err), 0);
    assert_false(lesson_runner_poll(r));
    assert_string_equal(lesson_runner_waiting(r), "you set timestamps to lamport");
    assert_int_equal(lesson_runner_exec(r, "set timestamps lamport", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "put x 2 via n1", &err), 0);
    assert_false(lesson_runner_poll(r));
    assert_string_equal(lesson_runner_waiting(r), "the time to reach 5s");
    assert_int_equal(script_run_advance(lesson_runner_run(r), 5000000, &err), 0);
    assert_true(lesson_runner_poll(r));
    /* "before LABEL": only commands run before the one that started that op. */
    {
        struct script_cmd *c = xmalloc(sizeof(*c));
        struct script_env *env = lesson_runner_env(r);
        char why[256];
        assert_int_equal(script_parse_line(env, "", 1, "expect did heal before w5", c, &err), -1);
        assert_non_null(strstr(err.msg, "no op labelled 'w5'"));
        assert_int_equal(lesson_runner_exec(r, "w5: get x via n3", &err), 0);
        assert_int_equal(script_parse_line(env, "", 1, "expect did heal before w5", c, &err), 1);
        assert_int_equal(lesson_runner_exec(r, "heal", &err), 0);
        assert_false(script_eval(lesson_runner_run(r), &c->pred, why, sizeof(why)));
        assert_int_equal(lesson_runner_exec(r, "w6: get x via n3", &err), 0);
        assert_int_equal(script_parse_line(env, "", 1, "expect did heal before w6", c, &err), 1);
        assert_true(script_eval(lesson_runner_run(r), &c->pred, why, sizeof(why)));
        free(c);
    }
    /* A reset forgets what was done: `did` counts from the step's start. */
    assert_int_equal(lesson_runner_reset_step(r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 6000000, &err), 0);
    assert_false(lesson_runner_poll(r));
    assert_string_equal(lesson_runner_waiting(r), "you skew n2");
    lesson_runner_destroy(r);
    lesson_release(&l);
}

/* `did del`: a delete counts, a put to the same key does not; the sentence says "delete". */
static void test_did_del(void **state)
{
    static const char text[] = "%lesson t\n%title T\n%setup model leaderless\n%setup nodes 3\n"
                               "%setup put x 1 via n1\n== a: A\n%check did del x via n1\n"
                               "%decoy del x via n2\n%do del x via n1\n";
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    assert_int_equal(lesson_runner_exec(r, "put x 2 via n1", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "del x via n2", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "del y via n1", &err), 0);
    assert_false(lesson_runner_poll(r));
    assert_string_equal(lesson_runner_waiting(r), "you delete x through n1");
    assert_int_equal(lesson_runner_exec(r, "del x via n1", &err), 0);
    assert_true(lesson_runner_poll(r));
    lesson_runner_destroy(r);
    lesson_release(&l);
}

static void test_placeholders(void **state)
{
    static const char text[] = "%lesson t\n%title T\n%setup model leader\n%setup nodes 3\n"
                               "== a: A\n%check op put x ok\n%decoy put y 1\n%do put x 5\n";
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct engine *e;
    char out[512];

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(lesson_runner_exec(r, "w9: put x 42", &err), 0);
    lesson_runner_expand(r, "{put.latency}", out, sizeof(out));
    assert_string_equal(out, "(still waiting)");
    /* `at +D` schedules relative to now: a show-me can wait between two of its actions. */
    assert_int_equal(lesson_runner_exec(r, "at +300ms w8: get y", &err), 0);
    assert_null(history_find_label(engine_history(e), "w8"));
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 299000, &err), 0);
    assert_null(history_find_label(engine_history(e), "w8"));
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 1000, &err), 0);
    assert_non_null(history_find_label(engine_history(e), "w8"));
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 2000000, &err), 0);
    assert_true(lesson_runner_poll(r));
    lesson_runner_expand(r,
                         "x={put.value} via {w9.via}, {w9.status}; n3 holds {n3.x}; "
                         "{leader} leads; {nosuch} and {put.bogus} stay",
                         out, sizeof(out));
    assert_string_equal(out, "x=42 via n1, ok; n3 holds 42; n1 leads; {nosuch} and {put.bogus} "
                             "stay");
    lesson_runner_expand(r, "{put.latency}", out, sizeof(out));
    assert_non_null(strstr(out, "ms"));
    assert_int_equal(lesson_runner_exec(r, "get x", &err), 0);
    assert_int_equal(script_run_advance(lesson_runner_run(r), engine_now(e) + 2000000, &err), 0);
    lesson_runner_expand(r, "read {get.result}, last op {op.label}", out, sizeof(out));
    assert_non_null(strstr(out, "read 42, last op "));
    assert_null(strstr(out, "w8")); /* the scheduled read came earlier */
    lesson_runner_destroy(r);
    lesson_release(&l);
}

static void test_predictions(void **state)
{
    static const char text[] =
        "%lesson t\n%title T\n%setup model echo\n%setup nodes 3\n== p: P\n%quiz single predict\n"
        "Q: What happens?\n( ) a\n(*) b\n%explain because\n%task Kill n3.\n%check did kill n3\n"
        "%decoy kill n2\n%do kill n3\n== q: Q\n%quiz single recall\nQ: What was it?\n(*) a\n"
        "( ) b\n%explain it was a\n";
    char dir[] = "/tmp/sb-predict-XXXXXX";
    char path[256], why[256];
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct progress p, q;
    bool right = true;
    int made, nright;

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    assert_false(lesson_runner_has_answer(r, NULL));
    assert_false(lesson_runner_answer(r, 1u));
    assert_true(lesson_runner_has_answer(r, &right));
    assert_false(right);
    /* A prediction's explanation waits for the run to show the answer. */
    assert_false(lesson_runner_explain_ready(r));
    assert_int_equal(lesson_runner_exec(r, "kill n3", &err), 0);
    assert_true(lesson_runner_poll(r));
    assert_true(lesson_runner_explain_ready(r));
    assert_true(lesson_runner_next(r));
    /* A recall question's comes at once. */
    assert_true(lesson_runner_answer(r, 1u));
    assert_true(lesson_runner_explain_ready(r));
    lesson_runner_destroy(r);
    lesson_release(&l);

    /* The answers are kept in the progress file, and counted. */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/progress", dir);
    assert_int_equal(progress_load(&p, path, why, sizeof(why)), 0);
    assert_true(progress_set(&p, "t", 1, 0, false));
    assert_true(progress_answer(&p, "t", 1, 0, 1u, true, false));
    assert_true(progress_answer(&p, "t", 1, 0, 2u, true, true)); /* the latest answer wins */
    assert_true(progress_answer(&p, "t", 1, 3, 4u, true, false));
    assert_true(progress_answer(&p, "t", 1, 4, 1u, false, true));
    assert_false(progress_answer(&p, "other", 1, 0, 1u, true, true));
    assert_int_equal(progress_save(&p, why, sizeof(why)), 0);
    assert_int_equal(progress_load(&q, path, why, sizeof(why)), 0);
    assert_int_equal(progress_get(&q, "t", 1)->n_answers, 3);
    assert_int_equal(progress_get(&q, "t", 1)->answers[0].choices, 2u);
    progress_predictions(progress_get(&q, "t", 1), &made, &nright);
    assert_int_equal(made, 2);
    assert_int_equal(nright, 1);
    /* A new version of the lesson asks afresh. */
    assert_true(progress_set(&q, "t", 2, 0, false));
    assert_int_equal(progress_get(&q, "t", 2)->n_answers, 0);
    {
        FILE *f = fopen(path, "w");
        fputs("t 1 0 open 3:4:x:1\n", f);
        fclose(f);
    }
    assert_int_equal(progress_load(&q, path, why, sizeof(why)), -1);
    assert_non_null(strstr(why, ":1:12: expected an answer"));
    unlink(path);
    rmdir(dir);
}

static void test_spotlight_and_idle_skip(void **state)
{
    static const char text[] =
        "%lesson t\n%title T\n%setup model echo\n%setup nodes 3\n%setup latency 20ms\n"
        "== s: S\n%task Kill n3, then write x through n1.\n%check op put x timeout\n"
        "%spotlight op timeout\n%decoy put y 1\n%do kill n3 ; put x 1 via n1\n";
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct runner_advance adv;
    struct engine *e;
    int64_t t0;

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(lesson_runner_show_me(r, &err), 0);
    t0 = engine_now(e);
    /* Messages in flight: no skip, time moves as asked. */
    assert_int_equal(lesson_runner_advance(r, t0 + 10000, true, &adv, &err), 0);
    assert_int_equal(engine_now(e), t0 + 10000);
    assert_int_equal(adv.skipped_us, 0);
    assert_false(adv.spotlight);
    assert_null(lesson_runner_evidence(r));
    /* Once the acks are in, only the op's timeout is pending: the lull is skipped. */
    assert_int_equal(lesson_runner_advance(r, t0 + 100000, true, &adv, &err), 0);
    assert_true(adv.skipped_us > 1000000);
    /* The skip landed on the timeout: the spotlight pauses the run there and quotes it. */
    assert_true(adv.spotlight);
    assert_true(adv.gate);
    assert_non_null(lesson_runner_evidence(r));
    assert_non_null(strstr(lesson_runner_evidence(r), "put x=1 timed out"));
    assert_int_equal(engine_now(e), t0 + engine_param_num(e, EP_OP_TIMEOUT));
    lesson_runner_destroy(r);

    /* Without the skip, a spotlight still stops the run at its event, short of the target. */
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(lesson_runner_show_me(r, &err), 0);
    t0 = engine_now(e);
    assert_int_equal(lesson_runner_advance(r, t0 + 10000000, false, &adv, &err), 0);
    assert_true(adv.spotlight);
    assert_int_equal(adv.skipped_us, 0);
    assert_true(engine_now(e) < t0 + 10000000);
    lesson_runner_destroy(r);
    lesson_release(&l);
}

/* Silent timers (a tombstone sweep every so often, nothing to collect) do not end a lull:
 * skipped event by event, virtual time would race hours ahead while the learner reads. One
 * lull skips at most RUNNER_SKIP_LULL_MAX_US; then time runs as asked. */
static void test_idle_skip_bounded_by_silent_timers(void **state)
{
    static const char text[] =
        "%lesson t\n%title T\n%setup model leaderless\n%setup nodes 3\n"
        "%setup set tombstone_gc 300s\n"
        "== s: S\n%task Write x.\n%check op put x ok\n%decoy get x\n%do put x 1\n";
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct runner_advance adv;
    struct engine *e;
    int64_t t0, skipped = 0;

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    e = script_run_engine(lesson_runner_run(r));
    assert_int_equal(lesson_runner_show_me(r, &err), 0);
    t0 = engine_now(e);
    /* Ten wall seconds of frames at 0.25x: 2.5 s of virtual time asked for. */
    for (int f = 0; f < 300; f++) {
        assert_int_equal(lesson_runner_advance(r, engine_now(e) + 8333, true, &adv, &err), 0);
        skipped += adv.skipped_us;
    }
    assert_true(skipped > 0);                        /* the lull after the write was skipped... */
    assert_true(skipped <= RUNNER_SKIP_LULL_MAX_US); /* ...but not sweep after sweep */
    assert_true(engine_now(e) - t0 <= RUNNER_SKIP_LULL_MAX_US + 300 * 8333 + 1000000);
    lesson_runner_destroy(r);
    lesson_release(&l);
}

static void test_text_warnings(void **state)
{
    static const char text[] =
        "%lesson t\n%title T\n%setup model echo\n== a: A\n%task Write.\n%check op put x ok\n"
        "%check value n2 y == 4\n%decoy put z 1\n%do put x 3 ; put y 4\n"
        "%success x=3 is committed in about 350 ms; y=4 is pinned; {put.value} and `put q=1` "
        "are fine, and so is n1=n2 style? no: n1=n2 is flagged too.\n";
    struct lesson l;
    struct script_error err;
    char out[4096] = "";

    (void)state;
    assert_int_equal(lesson_parse("t.lesson", text, strlen(text), &l, &err), 0);
    assert_int_equal(lesson_text_warnings(&l, out, sizeof(out)), 4);
    assert_non_null(strstr(out, "t.lesson:10:1: warning: step 'a': the success text says 'x=3'"));
    assert_non_null(strstr(out, "says '350 ms'"));
    assert_null(strstr(out, "'y=4'"));
    assert_null(strstr(out, "q=1"));
    lesson_release(&l);
}

/* A side-by-side lesson: one cluster per model, every command to all of them. */
#define CMP_HEAD                                                                                   \
    "%lesson t\n%title T\n%seed 5\n%compare leader,multi\n%setup nodes 3\n"                        \
    "%setup for leader: set acks all\n%setup for multi: set resolve lww\n"

static const char cmp_lesson[] = CMP_HEAD
    "== cut: Cut\n%task Cut n1 off and write through both sides.\n"
    "%check did partition\n%check leader: op put x fail \"n1's write fails\"\n"
    "%check multi: not op put x fail \"multi takes both\"\n"
    "%decoy put x a via n1 ; put x b via n2\n"
    "%do partition n1 | n2 n3 ; put x a via n1 ; put x b via n2\n"
    "== heal: Heal\n%task Heal.\n%check did heal\n%check multi: lost-writes == 1 \"lost\"\n"
    "%check leader: lost-writes == 0 \"kept\"\n%decoy partition n1 | n2 n3\n%do heal\n";

static void test_compare_lesson(void **state)
{
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct compare *c;

    (void)state;
    if (lesson_parse("t.lesson", cmp_lesson, strlen(cmp_lesson), &l, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    assert_int_equal(l.n_models, 2);
    assert_string_equal(l.models[1]->name, "multi");
    /* A plain check is every model's; `MODEL: PRED` that model's alone. */
    assert_int_equal(l.steps[0].checks[0].on, 3);
    assert_int_equal(l.steps[0].checks[1].on, 1);
    assert_int_equal(l.steps[0].checks[2].on, 2);

    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    c = lesson_runner_compare(r);
    assert_non_null(c);
    assert_int_equal(c->n, 2);
    /* The setup's per-model settings reached their own model only. */
    assert_string_equal(engine_model(script_run_engine(c->runs[0]))->name, "leader");
    assert_string_equal(engine_model(script_run_engine(c->runs[1]))->name, "multi");
    /* One command, every model: the partition is on both. */
    assert_int_equal(lesson_runner_exec(r, "partition n1 | n2 n3", &err), 0);
    assert_null(lesson_runner_skipped(r));
    /* `did partition` holds on both models: the gate waits for the next check. */
    assert_false(lesson_runner_poll(r));
    assert_non_null(strstr(lesson_runner_waiting(r), "leader: n1's write fails"));
    /* A command one model cannot read runs on the other and says so. */
    assert_int_equal(lesson_runner_exec(r, "for multi: put x z via n3", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "put x a via n1", &err), 0);
    assert_int_equal(lesson_runner_exec(r, "put x b via n2", &err), 0);
    for (int i = 0; i < 600 && lesson_runner_phase(r) == RUNNER_TASK; i++) {
        struct runner_advance adv;
        assert_int_equal(lesson_runner_advance(r, lesson_runner_now(r) + 10000, false, &adv, &err),
                         0);
    }
    assert_int_equal(lesson_runner_phase(r), RUNNER_DONE);
    /* Multi took three writes, the leader failed n1's: the per-model histories differ. */
    assert_int_equal(history_count(engine_history(script_run_engine(c->runs[1]))), 3);
    assert_int_equal(history_count(engine_history(script_run_engine(c->runs[0]))), 2);
    assert_true(lesson_runner_next(r));
    assert_int_equal(lesson_runner_exec(r, "heal", &err), 0);
    /* Back: every model rebuilt at the step's start, the heal and the writes gone. */
    assert_int_equal(lesson_runner_back(r, &err), 0);
    assert_int_equal(lesson_runner_step(r), 0);
    c = lesson_runner_compare(r);
    for (int k = 0; k < 2; k++)
        assert_int_equal(history_count(engine_history(script_run_engine(c->runs[k]))), 0);
    lesson_runner_destroy(r);

    /* lint proves it; a check that cannot hold, or a decoy that opens the gate, fails it. */
    if (lesson_prove(&l, 10000000, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    lesson_release(&l);
    {
        char bad[sizeof(cmp_lesson) + 64];
        const char *at = strstr(cmp_lesson, "multi: lost-writes == 1");
        snprintf(bad, sizeof(bad), "%.*smulti: lost-writes == 2%s", (int)(at - cmp_lesson),
                 cmp_lesson, at + strlen("multi: lost-writes == 1"));
        assert_int_equal(prove_text(bad, &err), -1);
        assert_non_null(strstr(err.msg, "multi: lost-writes == 2"));
        at = strstr(cmp_lesson, "%decoy partition n1 | n2 n3");
        snprintf(bad, sizeof(bad), "%.*s%%decoy heal%s", (int)(at - cmp_lesson), cmp_lesson,
                 at + strlen("%decoy partition n1 | n2 n3"));
        assert_int_equal(prove_text(bad, &err), -1);
        assert_non_null(strstr(err.msg, "the decoy opens the gate"));
    }
}

static void test_compare_lesson_errors(void **state)
{
    static const struct bad cases[] = {
        /* A shared line one model cannot read names it, and the model that can. */
        {"%lesson x\n%title T\n%compare leader,multi\n%setup set acks all\n", 4, 12,
         "model multi cannot read this shared line"},
        {"%lesson x\n%title T\n%compare leader,multi\n%setup model multi\n", 4, 8, "model"},
        {"%lesson x\n%title T\n%setup nodes 3\n%compare leader,multi\n", 4, 1,
         "%compare comes once, before the first %setup"},
        {"%lesson x\n%title T\n%compare leader\n", 3, 10, "two models or more"},
        {"%lesson x\n%title T\n%compare leader,nope\n", 3, 10, "unknown model 'nope'"},
        {"%lesson x\n%title T\n%compare leader,multi\n== a: A\n%spotlight commit\n", 5, 1,
         "no %spotlight"},
        {"%lesson x\n%title T\n%compare leader,multi\n== a: A\n%check leaderless: up n1\n", 5, 8,
         "none of this lesson's models (leader,multi) reads this line"},
        {"%lesson x\n%title T\n%compare leader,multi\n== a: A\n%do set resolve lww\n", 5, 9,
         "model leader cannot read this shared line"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lesson l;
        struct script_error err;
        if (lesson_parse("t.lesson", cases[i].text, strlen(cases[i].text), &l, &err) != -1)
            fail_msg("case %zu parsed: %s", i, cases[i].text);
        if (!strstr(err.msg, cases[i].msg) || err.line != cases[i].line || err.col != cases[i].col)
            fail_msg("case %zu: got %d:%d: %s; want %d:%d: ...%s...", i, err.line, err.col, err.msg,
                     cases[i].line, cases[i].col, cases[i].msg);
    }
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
        cmocka_unit_test(test_lint_decoys_and_dead_ends),
        cmocka_unit_test(test_did_setting_time),
        cmocka_unit_test(test_did_del),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_predictions),
        cmocka_unit_test(test_spotlight_and_idle_skip),
        cmocka_unit_test(test_idle_skip_bounded_by_silent_timers),
        cmocka_unit_test(test_text_warnings),
        cmocka_unit_test(test_compare_lesson),
        cmocka_unit_test(test_compare_lesson_errors),
    };
    return cmocka_run_group_tests_name("lesson", tests, NULL, NULL);
}
