#include "sandbox_clock.h"

#include <stdio.h>
#include <string.h>

#include "../engine/util.h"
#include "grid.h"
#include "lesson_life.h"
#include "speed.h"

static void pump_inner(struct app *a);

/* A demo reached a `beat` (the player remembered it): the recording marks it, and the run
 * pauses for the presenter. */
static void demo_reached_beat(struct app *a)
{
    char label[64];

    snprintf(label, sizeof(label), "beat %d", a->pl.n_beats);
    cast_marker(a->cast_rec, label);
    if (a->term)
        sandbox_pause(a, true);
    else
        a->paused = true;
}

void pump(struct app *a)
{
    pump_inner(a);
    player_snap(&a->pl, engine_now(eng(a)));
}

/* Executes the file's commands up to the next one that lets time pass (lessons/player.c says
 * what that one waits for); the user's clock (Space, speed, `.`) moves time, and the next
 * commands run when it gets there. */
static void pump_inner(struct app *a)
{
    const struct script_cmd *c;

    while ((c = player_next(&a->pl, eng(a))) != NULL) {
        fork_future(a);
        exec_cmd(a, c, true);
        if (player_ran(&a->pl, c, eng(a), script_run_journal_count(a->run))) {
            demo_reached_beat(a);
            return;
        }
    }
}

static bool wait_over(struct app *a)
{
    return player_wait_over(&a->pl, eng(a));
}

/*
 * A lesson's clock: the runner moves the run, pausing on the step's spotlight event and on
 * the gate, and skipping the lulls where only timers are pending.
 */
static void lesson_run_until(struct app *a, int64_t t_us)
{
    struct script_error err;
    struct runner_advance adv;
    char text[APP_MSG_MAX];

    memset(&err, 0, sizeof(err));
    if (lesson_runner_advance(a->runner, t_us, a->idle_skip, &adv, &err) < 0) {
        format_err(&err, false, text, sizeof(text));
        set_msg(a, true, "%s", text);
    }
    track_head(a);
    drain(a);
    if (adv.skipped_us >= RUNNER_SKIP_MIN_US) {
        set_msg(a, false, "%s %.1f s of waiting skipped (only timers were pending)",
                grid_ascii(a->grid) ? ">>" : "\xc2\xbb", (double)adv.skipped_us / 1e6);
    }
    if (adv.spotlight) {
        char line[APP_MSG_MAX];
        /* The event log marks the moment too, so it is there when the log scrolls on. */
        snprintf(line, sizeof(line), "%s this is the moment: %s",
                 grid_ascii(a->grid) ? ">>" : "\xe2\x96\xb6",
                 lesson_runner_evidence(a->runner) ? lesson_runner_evidence(a->runner) : "");
        draw_log_add(a->log, ST_INFO, line);
    }
    if (adv.spotlight && a->term) {
        sandbox_pause(a, true);
        a->lesson_hold = true;
        set_msg(a, false, "This is the moment: the evidence is in the lesson pane. Space goes on");
    }
    if (adv.gate)
        lesson_passed(a);
}

static void run_until(struct app *a, int64_t t_us)
{
    struct script_error err;
    char text[APP_MSG_MAX];

    if (a->runner) {
        lesson_run_until(a, t_us);
        return;
    }
    memset(&err, 0, sizeof(err));
    if (script_run_advance(a->run, t_us, &err) < 0) {
        format_err(&err, a->pl.script.n > 0, text, sizeof(text));
        set_msg(a, true, "%s", text);
        draw_log_add(a->log, ST_ERROR, text);
    }
    track_head(a);
    drain(a);
}

/*
 * Idle waits: when nothing is on the wire (engine_idle_until), only
 * timers are pending, and watching an empty map until the next one fires teaches nothing.
 * Demos and presenter mode jump straight to it (never past limit_us, nor past what the scenario
 * waits for) and the status bar says how much was skipped; a lesson's runner skips its own lulls
 * (lesson_run_until), so that a spotlight event is never skipped past. Returns the virtual time
 * skipped; 0 when there was nothing to skip or skipping is off.
 */
static int64_t app_idle_skip(struct app *a, int64_t limit_us)
{
    struct engine *e = eng(a);
    int64_t now = engine_now(e), next = engine_idle_until(e), to;

    if (!a->idle_skip || a->runner || !(a->pl.demo || a->present) || next < 0 ||
        a->pl.wait == PLAYER_WAIT_BEAT)
        return 0;
    to = next < limit_us ? next : limit_us;
    if (a->pl.wait == PLAYER_WAIT_TIME && a->pl.wait_until < to)
        to = a->pl.wait_until;
    if (to - now < APP_SKIP_MIN_US)
        return 0;
    run_until(a, to);
    a->pace.skipped_us += to - now;
    a->pace.skip_last_us = to - now;
    a->pace.skip_shown_until = uv_now(&a->loop) + APP_SKIP_SHOW_MS;
    return to - now;
}

/*
 * Moves virtual time forward by dv_us, stopping where the scenario has commands to run. The work
 * is cut into slices, and once a frame's share of wall time (APP_FRAME_BUDGET_NS) is spent the
 * rest is dropped: keys are answered within a frame whatever the load, and the status bar shows
 * the speed achieved falling behind the one asked for.
 */
void advance(struct app *a, int64_t dv_us)
{
    int64_t target = engine_now(eng(a)) + dv_us, slice = dv_us / 8 > 1000 ? dv_us / 8 : 1000;
    uint64_t t0 = uv_hrtime();

    for (int guard = 0; guard < 1000; guard++) {
        int64_t now = engine_now(eng(a)), skipped;
        if (a->paused)
            break; /* a lesson paused on its spotlight or its gate: no more time passes */
        if (wait_over(a)) {
            pump(a);
            continue;
        }
        if (a->pl.wait == PLAYER_WAIT_BEAT)
            break; /* a demo waits for the presenter: no time passes */
        /* A skip moves the target with it: the frame's own share of time still plays. */
        skipped = app_idle_skip(a, target + (a->present || a->pl.demo ? 60000000 : 10000000));
        if (skipped > 0) {
            target += skipped;
            continue;
        }
        if (now >= target)
            break;
        if (a->pl.wait == PLAYER_WAIT_TIME && a->pl.wait_until <= target &&
            a->pl.wait_until - now <= slice) {
            run_until(a, a->pl.wait_until);
            a->pace.rate_moved_us += engine_now(eng(a)) - now;
            continue;
        }
        run_until(a, target - now > slice ? now + slice : target);
        a->pace.rate_moved_us += engine_now(eng(a)) - now;
        if (wait_over(a))
            pump(a);
        if (uv_hrtime() - t0 > APP_FRAME_BUDGET_NS)
            break; /* out of time: the rest of this frame's virtual time is dropped */
    }
}

/* The speed label for the bar: what was asked, and what was achieved when it falls behind. */
void speed_label(struct app *a)
{
    char got[32];
    int64_t v = a->pace.achieved_vus_per_s;

    if (!a->pace.behind || a->paused) {
        snprintf(a->pace.speed_text, sizeof(a->pace.speed_text), "%s", speed_at(a->speed)->label);
        return;
    }
    if (v >= 1000000)
        snprintf(got, sizeof(got), "%.1fx", (double)v / 1e6);
    else
        snprintf(got, sizeof(got), "%.3gx", (double)v / 1e6);
    snprintf(a->pace.speed_text, sizeof(a->pace.speed_text), "%s asked, %s achieved",
             speed_at(a->speed)->label, got);
}

/* Once a window has passed: the speed achieved over it, and whether it is behind. */
void measure_rate(struct app *a, uint64_t now_ns)
{
    uint64_t dt = now_ns - a->pace.rate_t0_ns;

    if (a->pace.rate_t0_ns == 0 || dt > 10 * APP_RATE_WINDOW_NS) {
        a->pace.rate_t0_ns = now_ns;
        a->pace.rate_moved_us = 0;
        return;
    }
    if (dt < APP_RATE_WINDOW_NS)
        return;
    a->pace.achieved_vus_per_s = (int64_t)((double)a->pace.rate_moved_us * 1e9 / (double)dt);
    /* Behind when under nine tenths of what was asked, except when a beat held the clock (then
     * nothing was owed). */
    a->pace.behind = a->pace.achieved_vus_per_s * 10 < speed_at(a->speed)->vus_per_s * 9 &&
                     a->pl.wait != PLAYER_WAIT_BEAT;
    a->pace.rate_t0_ns = now_ns;
    a->pace.rate_moved_us = 0;
}

void step_one(struct app *a)
{
    struct script_error err;
    char text[APP_MSG_MAX];

    fork_future(a);
    memset(&err, 0, sizeof(err));
    if (script_run_step(a->run, &err) < 0) {
        format_err(&err, a->pl.script.n > 0, text, sizeof(text));
        set_msg(a, true, "%s", text);
    }
    track_head(a);
    drain(a);
    if (wait_over(a))
        pump(a);
    lesson_poll(a);
}

/*
 * Time travel: the cluster is rebuilt and the journal replayed up to t_us (the
 * engine is deterministic, so it is exactly the state it was then). Going
 * forward is replaying further, up to the furthest time reached; acting in the
 * past forks a new future (fork_future).
 */
void travel(struct app *a, int64_t t_us)
{
    struct script_error err;
    char t[32], h[32];
    bool to_head;
    int n, r;

    sandbox_pause(a, true);
    track_head(a);
    if (t_us < 0)
        t_us = 0;
    to_head = t_us >= a->travel.head_us;
    if (to_head)
        t_us = a->travel.head_us;
    n = script_run_journal_count(a->run);
    if (!to_head) {
        int64_t jt;
        int k = a->travel.journal_floor;
        while (k < n && script_run_journal_at(a->run, k, &jt) && (jt < t_us || jt == 0))
            k++;
        n = k;
    }
    memset(&err, 0, sizeof(err));
    r = script_run_rewind(a->run, t_us, n, &err);
    a->travel.rewound_n = to_head ? -1 : n;
    /* Put the scenario player where it stood at that moment. */
    player_travel(&a->pl, t_us, to_head);
    drain(a);
    util_fmt_time(t, sizeof(t), engine_now(eng(a)));
    util_fmt_time(h, sizeof(h), a->travel.head_us);
    if (r < 0)
        set_msg(a, true, "the replay stopped: %s", err.msg);
    else if (to_head)
        set_msg(a, false, "Back at the present, %s", t);
    else
        set_msg(a, false, "Rewound to %s of %s: ] replays forward; acting here forks a new future",
                t, h);
}

/* The scrubber's right end: the latest time reached. */
int64_t scrub_head(struct app *a)
{
    int64_t now = engine_now(eng(a));

    return a->travel.head_us > now ? a->travel.head_us : now;
}

/* Left / PageUp: rewind to the last beat left (or, waiting at one, to the one before). */
void demo_back(struct app *a)
{
    struct script_error err;
    const struct player_beat *b = player_beat_back(&a->pl);
    int r;

    if (!b) {
        set_msg(a, false, "This is the first beat: Space goes on");
        return;
    }
    sandbox_pause(a, true);
    track_head(a);
    memset(&err, 0, sizeof(err));
    r = script_run_rewind(a->run, b->t_us, b->journal_n, &err);
    a->travel.rewound_n = b->journal_n;
    player_at_beat(&a->pl, b);
    drain(a);
    if (r < 0)
        set_msg(a, true, "the replay stopped: %s", err.msg);
    else
        set_msg(a, false, "Back at beat %d: Space goes on", a->pl.n_beats);
}

/*
 * A clicker pressed mid-beat: the rest of the run up to the next beat plays at once, with no
 * wall time (each wait finished exactly as the file says: a `run D` to its time, a `run until
 * quiet` event by event to the moment the cluster goes quiet), so the state at the beat is the
 * same however far the clock had got.
 */
void demo_finish_beat(struct app *a)
{
    struct script_error err;

    fork_future(a);
    for (int guard = 0;
         guard < 100000 && a->pl.wait != PLAYER_WAIT_BEAT && a->pl.wait != PLAYER_WAIT_NONE;
         guard++) {
        if (a->pl.wait == PLAYER_WAIT_TIME) {
            run_until(a, a->pl.wait_until);
        } else if (a->pl.wait == PLAYER_WAIT_QUIET) {
            for (int k = 0; k < 1000000 && !wait_over(a); k++) {
                memset(&err, 0, sizeof(err));
                if (script_run_step(a->run, &err) <= 0) {
                    run_until(a, a->pl.wait_until);
                    break;
                }
            }
            track_head(a);
            drain(a);
        }
        if (wait_over(a))
            pump(a);
    }
}
