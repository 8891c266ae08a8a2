/*
 * The scenario/demo player driven headless, as the screen drives it but with no clock: the
 * commands of an instant run, waits for time and for quiet are moved through, a demo stops at
 * each beat, Left goes back to one, and a rewind puts the player where it stood.
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
#include "../engine/util.h"
#include "../lessons/player.h"

#define DEMO_FILE "assets/demos/02-split-brain.demo"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text;

    if (!f)
        fail_msg("cannot open %s (run from the top of the tree)", path);
    text = xmalloc(1 << 20);
    *len = fread(text, 1, (1 << 20) - 1, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

static struct engine *eng(struct script_run *run)
{
    return script_run_engine(run);
}

/* Runs the commands of this instant, as the screen's pump does; stops at a demo's beat. */
static void pump(struct player *p, struct script_run *run)
{
    const struct script_cmd *c;
    struct script_error err;

    while ((c = player_next(p, eng(run))) != NULL) {
        memset(&err, 0, sizeof(err));
        if (script_run_exec(run, c, &err) < 0)
            fail_msg("line %d: %s", err.line, err.msg);
        if (player_ran(p, c, eng(run), script_run_journal_count(run)))
            break;
    }
    player_snap(p, engine_now(eng(run)));
}

/* Moves time to what the player waits for (a `run until quiet` event by event), then pumps. */
static void finish_wait(struct player *p, struct script_run *run)
{
    struct script_error err;

    memset(&err, 0, sizeof(err));
    if (p->wait == PLAYER_WAIT_TIME) {
        assert_int_equal(script_run_advance(run, p->wait_until, &err), 0);
    } else if (p->wait == PLAYER_WAIT_QUIET) {
        for (int k = 0; k < 1000000 && !player_wait_over(p, eng(run)); k++)
            if (script_run_step(run, &err) <= 0) {
                assert_int_equal(script_run_advance(run, p->wait_until, &err), 0);
                break;
            }
    }
    assert_true(player_wait_over(p, eng(run)));
    pump(p, run);
}

/* Plays to the end, going on at every beat (the presenter's Space); returns the beats met. */
static int play_to_end(struct player *p, struct script_run *run)
{
    int beats = 0;

    for (int guard = 0; guard < 10000; guard++) {
        if (p->wait == PLAYER_WAIT_NONE)
            return beats;
        if (p->wait == PLAYER_WAIT_BEAT) {
            beats++;
            p->wait = PLAYER_WAIT_NONE;
            pump(p, run);
            continue;
        }
        finish_wait(p, run);
    }
    fail_msg("the demo never ended");
    return -1;
}

static void assert_expects_hold(struct script_run *run)
{
    assert_true(script_run_expects(run) > 0);
    for (int i = 0; i < script_run_expects(run); i++) {
        const struct script_expect *x = script_run_expect_at(run, i);
        if (!x->ok)
            fail_msg("line %d: %s: %s", x->line, x->text, x->msg);
    }
}

static void test_demo_beats_and_back(void **state)
{
    struct script_env env;
    struct script_error err;
    struct script_run *run = script_run_create(DEMO_FILE, -1);
    struct player p;
    const struct player_beat *b;
    char *text, caption[PLAYER_CAPTION_MAX];
    size_t len;
    int n_beat_cmds = 0, pc, journal;
    int64_t end_us;

    (void)state;
    text = read_all(DEMO_FILE, &len);
    script_env_init(&env, true);
    player_init(&p, true);
    memset(&err, 0, sizeof(err));
    assert_int_equal(player_load(&p, DEMO_FILE, text, len, &env, &err), 0);
    for (int i = 0; i < p.script.n; i++)
        n_beat_cmds += p.script.cmds[i].kind == CMD_BEAT;
    assert_true(n_beat_cmds >= 2);

    /* The setup runs up to the first wait; the first beat has nothing before it to go back to. */
    pump(&p, run);
    assert_int_equal(p.wait, PLAYER_WAIT_TIME);
    assert_non_null(strstr(p.next, "at 0.500s: "));
    finish_wait(&p, run);
    assert_int_equal(p.wait, PLAYER_WAIT_BEAT);
    assert_int_equal(p.n_beats, 1);
    assert_non_null(strstr(p.caption, "n1 leads"));
    assert_null(player_beat_back(&p));

    /* To the end: every beat met once, every expect of the file holds. */
    assert_int_equal(play_to_end(&p, run), n_beat_cmds);
    assert_int_equal(p.n_beats, n_beat_cmds);
    assert_string_equal(p.next, "end of scenario");
    assert_expects_hold(run);
    end_us = engine_now(eng(run));
    journal = script_run_journal_count(run);

    /* Left at the end goes back to the last beat: the run rewinds to its moment, the player to
     * its place and caption; played on, the same end comes again (the run is deterministic). */
    b = player_beat_back(&p);
    assert_non_null(b);
    assert_ptr_equal(b, &p.beats[n_beat_cmds - 1]);
    pc = b->pc;
    snprintf(caption, sizeof(caption), "%s", b->caption);
    assert_int_equal(script_run_rewind(run, b->t_us, b->journal_n, &err), 0);
    player_at_beat(&p, b);
    assert_int_equal(p.pc, pc);
    assert_int_equal(p.wait, PLAYER_WAIT_BEAT);
    assert_string_equal(p.caption, caption);
    assert_int_equal(engine_now(eng(run)), p.beats[n_beat_cmds - 1].t_us);
    /* Waiting at a beat, Left goes to the one before. */
    assert_ptr_equal(player_beat_back(&p), &p.beats[n_beat_cmds - 2]);
    /* Going on from the past forks a new future, as the screen does. */
    script_run_truncate_journal(run, b->journal_n);
    player_fork(&p, engine_now(eng(run)));
    assert_int_equal(play_to_end(&p, run), 1);
    assert_int_equal(engine_now(eng(run)), end_us);
    assert_int_equal(script_run_journal_count(run), journal);

    player_release(&p);
    script_env_release(&env);
    script_run_destroy(run);
    free(text);
}

static void test_scenario_waits_travel_and_stop(void **state)
{
    static const char text[] = "model leader\n"
                               "nodes 3\n"
                               "seed 1\n"
                               "say \"not a demo\"\n"
                               "beat\n"
                               "put x 1 via n1\n"
                               "run 100ms\n"
                               "kill n2\n"
                               "run until quiet\n"
                               "note done\n";
    struct script_env env;
    struct script_error err;
    struct script_run *run = script_run_create("x.scn", -1);
    struct player p;
    int after_run;

    (void)state;
    script_env_init(&env, true);
    player_init(&p, false);
    memset(&err, 0, sizeof(err));
    if (player_load(&p, "x.scn", text, strlen(text), &env, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);

    /* Outside a demo a beat does not wait. */
    pump(&p, run);
    assert_int_equal(p.wait, PLAYER_WAIT_TIME);
    assert_int_equal(p.wait_until, 100000);
    assert_string_equal(p.next, "at 0.100s: kill n2");
    assert_int_equal(p.n_beats, 0);
    assert_false(player_wait_over(&p, eng(run)));
    after_run = p.pc;

    finish_wait(&p, run);
    assert_int_equal(p.wait, PLAYER_WAIT_QUIET);
    assert_string_equal(p.next, "when quiet: note done");
    assert_int_equal(p.n_snaps, 2);

    /* Back to 50ms: the player stands where it stood before 100ms, waiting for it. */
    player_travel(&p, 50000, false);
    assert_int_equal(p.pc, after_run);
    assert_int_equal(p.wait, PLAYER_WAIT_TIME);
    assert_int_equal(p.wait_until, 100000);
    /* Acting there forks a new future: the later position is forgotten. */
    player_fork(&p, 50000);
    assert_int_equal(p.n_snaps, 1);

    /* A rebuilt cluster stops the file, once. */
    assert_true(player_stop(&p));
    assert_int_equal(p.pc, p.script.n);
    assert_int_equal(p.wait, PLAYER_WAIT_NONE);
    assert_false(player_stop(&p));
    assert_null(player_next(&p, eng(run)));
    assert_string_equal(p.next, "end of scenario");

    player_release(&p);
    script_env_release(&env);
    script_run_destroy(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_beats_and_back),
        cmocka_unit_test(test_scenario_waits_travel_and_stop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
