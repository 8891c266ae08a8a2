/*
 * compare_view: the side-by-side screen's loop. One shared clock drives every
 * model's run (compare_play_to); a key or a `:` command is given to every model
 * at once (compare_act); [ and ] travel in time on all of them together by
 * rebuilding and replaying (compare_seek). The libuv loop is the sandbox's
 * shape: keys and signals through tloop (as the sandbox), a frame timer only while
 * time runs, and one draw per loop turn when something changed.
 *
 * A side-by-side lesson (compare_view_lesson) plays here too: its runner owns
 * the comparison, the learner's keys and `:` commands go through it (so its
 * gates see them), a pane under the columns shows the step, and < > R M H
 * work as in a lesson on one cluster.
 */
#include "tloop.h"
#include "compare_view.h"
#include "speed.h"

#include <stdarg.h>
#include <stddef.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../engine/util.h"
#include "../lessons/progress.h"
#include "../lessons/runner.h"
#include "compare_draw.h"
#include "headless.h"
#include "keys.h"
#include "term.h"

#define CV_FRAME_MS    33
#define CV_MAX_STEP_MS 100
#define CV_LIN_BUDGET  20000
#define CV_CMD_MAX     256

struct cview {
    struct compare *c;
    const char *title;
    struct term *term;
    struct grid *grid;
    uv_loop_t loop;
    struct tloop tl; /* keys and signals */
    uv_timer_t frame;
    uv_prepare_t draw;
    bool frame_on;
    bool paused;
    bool dirty;
    bool quit;
    int speed;
    int speed_home; /* what = returns to */
    uint64_t last_ns;
    int64_t carry;
    int64_t now_us;
    int64_t head_us;
    int selected;
    int first;
    int writes;
    struct check_summary checks[COMPARE_MAX_MODELS];
    size_t seen_ops[COMPARE_MAX_MODELS];
    size_t seen_pending[COMPARE_MAX_MODELS];
    uint64_t seen_events[COMPARE_MAX_MODELS];
    uint64_t checks_ns; /* when the checkers last ran */
    bool checks_valid;
    char msg[512];
    bool msg_error;
    bool cmd_open;
    char cmd[CV_CMD_MAX];
    int cmd_len;
    /* A demo's `say` captions and `beat`s, seen on the first model's trace. */
    struct trace_observer marks;
    char caption[240];
    bool beat;
    /* A side-by-side lesson: the runner plays the comparison c is. */
    struct lesson_runner *runner;
    const struct lesson *lesson;
    struct progress *prog;
    bool prog_failed;
    uv_timer_t idle;
    const char *hint;
    int quiz_cursor;
    unsigned quiz_pick;
    bool hold; /* the gate opened and the clock stopped: the success is there to read */
    bool legend;
    bool confirm_reset;
    char narration[LESSON_TEXT_MAX];
    char success[LESSON_TEXT_MAX];
    char explain[LESSON_TEXT_MAX];
};

static void marks_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct cview *v = (struct cview *)(void *)((char *)self - offsetof(struct cview, marks));

    if (ev->kind != TRACE_NOTE)
        return;
    if (ev->sub == TRACE_SUB_SAY)
        snprintf(v->caption, sizeof(v->caption), "%s", ev->text);
    else if (ev->sub == TRACE_SUB_BEAT)
        v->beat = true;
}

static void set_msg(struct cview *v, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(struct cview *v, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
    va_end(ap);
    v->msg_error = error;
    v->dirty = true;
}

/* The checkers run again when a model's ops changed (one started or ended), and, at most every
 * CV_CHECKS_MS, when anything else happened there (a heal's merge can lose a write without an
 * op ending). A pause runs them all (set_paused invalidates them). */
#define CV_CHECKS_MS 250
static void refresh_checks(struct cview *v)
{
    uint64_t now = uv_hrtime();
    bool due = now - v->checks_ns >= (uint64_t)CV_CHECKS_MS * 1000000u;

    for (int k = 0; k < v->c->n; k++) {
        struct script_run *run = v->c->runs[k];
        const struct engine *e = script_run_engine(run);
        const struct history *h = engine_history(e);
        size_t n = history_count(h), p = history_pending(h);
        uint64_t ev = engine_events(e);
        if (v->checks_valid && n == v->seen_ops[k] && p == v->seen_pending[k] &&
            (ev == v->seen_events[k] || !due))
            continue;
        check_summary_run(e, script_run_recorder(run), CV_LIN_BUDGET, CHECK_PARTS_SCREEN,
                          &v->checks[k]);
        v->seen_ops[k] = n;
        v->seen_pending[k] = p;
        v->seen_events[k] = ev;
        v->checks_ns = now;
    }
    v->checks_valid = true;
}

static void frame_cb(uv_timer_t *h);

static void set_paused(struct cview *v, bool paused)
{
    v->paused = paused;
    if (paused)
        v->checks_valid = false; /* the frame a pause leaves on screen has every verdict */
    if (paused && v->frame_on) {
        uv_timer_stop(&v->frame);
        v->frame_on = false;
    } else if (!paused && !v->frame_on) {
        v->last_ns = uv_hrtime();
        v->carry = 0;
        uv_timer_start(&v->frame, frame_cb, CV_FRAME_MS, CV_FRAME_MS);
        v->frame_on = true;
    }
    v->dirty = true;
}

static void lesson_gate(struct cview *v);

static void play_to(struct cview *v, int64_t t_us)
{
    struct script_error err;
    char msg[SCRIPT_MSG_MAX + 300];

    if (v->runner) {
        struct runner_advance adv;
        if (lesson_runner_advance(v->runner, t_us, false, &adv, &err) < 0) {
            script_error_format(&err, msg, sizeof(msg));
            set_msg(v, true, "%s", msg);
            set_paused(v, true);
        }
        v->now_us = lesson_runner_now(v->runner);
        v->dirty = true;
        if (adv.gate)
            lesson_gate(v);
        return;
    }
    if (compare_play_to(v->c, t_us, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        set_msg(v, true, "%s", msg);
        set_paused(v, true);
    }
    v->now_us = t_us;
    if (v->head_us >= 0 && v->now_us >= v->head_us)
        v->head_us = -1;
    v->dirty = true;
}

static void frame_cb(uv_timer_t *h)
{
    struct cview *v = h->data;
    uint64_t now = uv_hrtime(), dt_ns = now - v->last_ns;
    int64_t owed;

    v->last_ns = now;
    if (dt_ns > (uint64_t)CV_MAX_STEP_MS * 1000000u)
        dt_ns = (uint64_t)CV_MAX_STEP_MS * 1000000u;
    owed = (int64_t)dt_ns * (speed_at(v->speed)->vus_per_s / 1000) + v->carry;
    v->carry = owed % 1000000;
    v->beat = false;
    play_to(v, v->now_us + owed / 1000000);
    /* A demo's beat: every model waits here for the presenter's Space. */
    if (v->beat) {
        set_paused(v, true);
        set_msg(v, false, "%s  [Space goes on]", v->caption[0] ? v->caption : "beat");
    } else if (v->caption[0]) {
        set_msg(v, false, "%s", v->caption);
    }
}

/* [ and ]: every model rebuilt and replayed to t_us together. */
static void travel(struct cview *v, int64_t t_us)
{
    struct script_error err;
    char msg[SCRIPT_MSG_MAX + 300], t[32], hd[32];
    int64_t head = v->head_us >= 0 ? v->head_us : v->now_us;

    if (t_us < 0)
        t_us = 0;
    if (t_us > head)
        t_us = head;
    set_paused(v, true);
    v->caption[0] = '\0';
    if (compare_seek(v->c, t_us, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        set_msg(v, true, "%s", msg);
        return;
    }
    v->now_us = t_us;
    v->head_us = t_us < head ? head : -1;
    v->checks_valid = false;
    util_fmt_time(t, sizeof(t), t_us);
    util_fmt_time(hd, sizeof(hd), head);
    if (v->head_us >= 0)
        set_msg(v, false, "All models at %s of %s: ] goes forward; acting here forks a new future",
                t, hd);
    else
        set_msg(v, false, "All models back at the present, %s", t);
}

/* Gives text to every model at the shared clock. */
static void act(struct cview *v, const char *text)
{
    char why[SCRIPT_MSG_MAX + 64], skipped[128];
    int ran;

    if (v->runner) {
        struct script_error err;
        const char *skip;
        if (lesson_runner_phase(v->runner) == RUNNER_QUIZ) {
            set_msg(v, false, "Predict first: answer the question (1-9, Enter), then act");
            return;
        }
        if (lesson_runner_exec(v->runner, text, &err) < 0) {
            set_msg(v, true, "%s", err.msg);
            return;
        }
        v->tl.input_ns = uv_hrtime();
        skip = lesson_runner_skipped(v->runner);
        if (skip)
            set_msg(v, false, "%s: not on %s", text, skip);
        else
            set_msg(v, false, "%s: on every model", text);
        if (lesson_runner_poll(v->runner))
            lesson_gate(v);
        return;
    }
    if (v->head_us >= 0) {
        compare_forget_after(v->c, v->now_us);
        v->head_us = -1;
    }
    ran = compare_act(v->c, v->now_us, text, why, sizeof(why), skipped, sizeof(skipped));
    if (ran == 0)
        set_msg(v, true, "%s", why);
    else if (skipped[0])
        set_msg(v, false, "%s: on %d model%s; not on %s (%s)", text, ran, ran == 1 ? "" : "s",
                skipped, why);
    else
        set_msg(v, false, "%s: on every model", text);
}

/* The first shown model's view of the selected node decides kill or restart, pause or resume. */
static struct engine_node selected_node(struct cview *v)
{
    struct engine_node info;
    struct engine *e = script_run_engine(v->c->runs[v->first]);

    memset(&info, 0, sizeof(info));
    engine_node(e, v->selected < engine_nodes(e) ? v->selected : 0, &info);
    return info;
}

static void node_key(struct cview *v, enum key_action a)
{
    char text[128], rest[96] = "";
    int n = engine_nodes(script_run_engine(v->c->runs[0])), s = v->selected + 1;
    struct engine_node info = selected_node(v);

    if (a == KA_KILL) {
        snprintf(text, sizeof(text), "%s n%d", info.state == NODE_CRASHED ? "restart" : "kill", s);
    } else if (a == KA_PAUSE_NODE) {
        snprintf(text, sizeof(text), "%s n%d", info.state == NODE_PAUSED ? "resume" : "pause", s);
    } else if (a == KA_PARTITION) {
        for (int i = 0; i < n; i++)
            if (i != v->selected)
                util_appendf(rest, sizeof(rest), " n%d", i + 1);
        snprintf(text, sizeof(text), "partition n%d |%s", s, rest);
    } else if (a == KA_HEAL) {
        snprintf(text, sizeof(text), "heal");
    } else if (a == KA_SKEW) {
        snprintf(text, sizeof(text), "skew n%d -2s", s);
    } else if (a == KA_WRITE) {
        snprintf(text, sizeof(text), "put x c%d via n%d", ++v->writes, s);
    } else if (a == KA_READ) {
        snprintf(text, sizeof(text), "get x via n%d", s);
    } else {
        return;
    }
    act(v, text);
}

static void cmd_key(struct cview *v, int k)
{
    if (k == KEYS_ESC) {
        v->cmd_open = false;
    } else if (k == KEYS_ENTER) {
        v->cmd_open = false;
        if (v->cmd_len > 0)
            act(v, v->cmd);
    } else if (k == KEYS_BACKSPACE) {
        if (v->cmd_len > 0)
            v->cmd[--v->cmd_len] = '\0';
    } else if (k >= 0x20 && k < 0x7f && v->cmd_len < CV_CMD_MAX - 1) {
        v->cmd[v->cmd_len++] = (char)k;
        v->cmd[v->cmd_len] = '\0';
    }
    v->dirty = true;
}

/* ---- a side-by-side lesson ---- */

/* Records where the learner stands (the same progress file as every lesson). */
static void lesson_save(struct cview *v)
{
    const struct progress_entry *e;
    const struct lesson_step *s;
    char why[PROGRESS_PATH_MAX + 200];
    bool done, right;

    if (!v->runner || !v->prog)
        return;
    e = progress_get(v->prog, v->lesson->id, v->lesson->version);
    done = (e && e->done) || lesson_runner_finished(v->runner);
    progress_set(v->prog, v->lesson->id, v->lesson->version, lesson_runner_step(v->runner), done);
    s = lesson_runner_current(v->runner);
    if (lesson_runner_has_answer(v->runner, &right))
        progress_answer(v->prog, v->lesson->id, v->lesson->version, lesson_runner_step(v->runner),
                        lesson_runner_answered(v->runner), s->quiz.kind == LESSON_PREDICT, right);
    if (progress_save(v->prog, why, sizeof(why)) < 0 && !v->prog_failed) {
        v->prog_failed = true;
        set_msg(v, true, "progress is not saved: %s", v->prog->path[0] ? why : "no HOME");
    }
}

/* The gate opened: the clock stops so the success text can be read. */
static void lesson_gate(struct cview *v)
{
    if (lesson_runner_finished(v->runner))
        set_msg(v, false, "Lesson complete! q quits; splitbrain lesson lists the others");
    else
        set_msg(v, false, "Step done in every column: read it, then > goes on (Space runs on)");
    if (!v->paused) {
        set_paused(v, true);
        v->hold = true;
    }
    lesson_save(v);
}

/* A new step, or the same one from its start: the models were rebuilt, the pane starts over. */
static void lesson_step_changed(struct cview *v)
{
    v->hint = NULL;
    v->quiz_cursor = 0;
    v->quiz_pick = 0;
    v->confirm_reset = false;
    v->hold = false;
    v->legend = false;
    v->now_us = lesson_runner_now(v->runner);
    v->checks_valid = false;
    lesson_save(v);
}

/* The quiz takes the digits, the arrows, Space and Enter while it waits for an answer. */
static bool quiz_key(struct cview *v, int k)
{
    const struct lesson_quiz *q = &lesson_runner_current(v->runner)->quiz;
    int pick = -1;

    if (k >= '1' && k <= '9') {
        if (k - '1' >= q->n_choices) {
            set_msg(v, true, "there are %d choices", q->n_choices);
            return true;
        }
        pick = k - '1';
    } else if (k == KEYS_UP || k == 'k') {
        v->quiz_cursor = (v->quiz_cursor + q->n_choices - 1) % q->n_choices;
    } else if (k == KEYS_DOWN || k == 'j') {
        v->quiz_cursor = (v->quiz_cursor + 1) % q->n_choices;
    } else if (k == ' ') {
        unsigned bit = 1u << v->quiz_cursor;
        v->quiz_pick = q->multiple ? v->quiz_pick ^ bit : (v->quiz_pick == bit ? 0 : bit);
    } else if (k == KEYS_ENTER) {
        bool right;
        if (!v->quiz_pick) {
            set_msg(v, true, "Nothing is selected yet: press a number (1-%d)%s, then Enter",
                    q->n_choices, q->multiple ? " or Space on each answer you choose" : "");
            return true;
        }
        right = lesson_runner_answer(v->runner, v->quiz_pick);
        if (q->kind == LESSON_PREDICT)
            set_msg(v, false, "Prediction recorded. Now %s and watch the three columns.",
                    lesson_runner_phase(v->runner) == RUNNER_TASK ? "do the task" : "read on");
        else
            set_msg(v, !right, "%s", right ? "Right!" : "Not quite: the pane says why.");
        if (lesson_runner_poll(v->runner))
            lesson_gate(v);
        lesson_save(v);
    } else {
        return false;
    }
    if (pick >= 0) {
        v->quiz_cursor = pick;
        v->quiz_pick = q->multiple ? v->quiz_pick | (1u << pick) : 1u << pick;
    }
    v->dirty = true;
    return true;
}

/* Keys only a lesson has; true when k was one of them (or the lesson took it). */
static bool lesson_key(struct cview *v, int k, enum key_action a)
{
    struct script_error err;
    const char *w;

    if (!v->runner)
        return false;
    v->dirty = true;
    if (v->confirm_reset) {
        v->confirm_reset = false;
        if (k != 'y' && k != 'Y') {
            set_msg(v, false, "Not reset");
            return true;
        }
        if (lesson_runner_reset_step(v->runner, &err) < 0)
            set_msg(v, true, "the reset stopped: %s", err.msg);
        else
            set_msg(v, false, "The step starts again on every model, from the moment it began");
        lesson_step_changed(v);
        return true;
    }
    if (lesson_runner_phase(v->runner) == RUNNER_QUIZ && quiz_key(v, k))
        return true;
    memset(&err, 0, sizeof(err));
    switch ((int)a) { /* the lesson's own keys; every other falls through to the view */
    case KA_RUN:
        if (lesson_runner_phase(v->runner) == RUNNER_QUIZ) {
            set_msg(v, false, "Predict first: the run waits for your answer");
            return true;
        }
        v->hold = false;
        return false;
    case KA_HINT:
        if (lesson_runner_phase(v->runner) == RUNNER_QUIZ)
            set_msg(v, false, "Predict first: the hints are for the task after the question");
        else if ((w = lesson_runner_hint(v->runner)) != NULL) {
            v->hint = w;
            set_msg(v, false, "Hint %d of %d: in the lesson pane",
                    lesson_runner_hints_shown(v->runner), lesson_runner_hints_total(v->runner));
        } else
            set_msg(v, false, "No more hints%s",
                    lesson_runner_current(v->runner)->n_dos ? ": M shows you (it does the step)"
                                                            : "");
        return true;
    case KA_SHOW_ME:
        if (lesson_runner_phase(v->runner) == RUNNER_QUIZ) {
            set_msg(v, false, "Predict first: answer the question, then M shows you");
        } else if (lesson_runner_phase(v->runner) == RUNNER_DONE) {
            set_msg(v, false, "This step is done: > goes on");
        } else if (lesson_runner_current(v->runner)->n_dos == 0) {
            set_msg(v, false, "This step has nothing to show: the task says what to do");
        } else if (lesson_runner_show_me(v->runner, &err) < 0) {
            set_msg(v, true, "show me stopped: %s", err.msg);
        } else {
            set_msg(v, false, "Shown: the step's own actions ran on every model; watch them");
            if (v->paused)
                set_paused(v, false);
            if (lesson_runner_poll(v->runner))
                lesson_gate(v);
        }
        return true;
    case KA_STEP_NEXT: {
        bool held = v->hold && v->paused;
        if (lesson_runner_next(v->runner)) {
            lesson_step_changed(v);
            if (held && lesson_runner_phase(v->runner) != RUNNER_QUIZ)
                set_paused(v, false);
            set_msg(v, false, "Step %d of %d", lesson_runner_step(v->runner) + 1,
                    v->lesson->n_steps);
        } else if (lesson_runner_finished(v->runner)) {
            set_msg(v, false, "That was the last step: q quits");
        } else {
            w = lesson_runner_waiting(v->runner);
            set_msg(v, false, "Not yet: %s%s",
                    lesson_runner_phase(v->runner) == RUNNER_QUIZ ? "answer the question first"
                    : w[0]                                        ? "waiting for "
                                                                  : "do the task first",
                    lesson_runner_phase(v->runner) == RUNNER_QUIZ ? "" : w);
        }
        return true;
    }
    case KA_STEP_BACK:
        set_paused(v, true);
        if (lesson_runner_back(v->runner, &err) < 0)
            set_msg(v, true, "going back stopped: %s", err.msg);
        else
            set_msg(v, false, "Back to the start of step %d: every model was rewound",
                    lesson_runner_step(v->runner) + 1);
        lesson_step_changed(v);
        return true;
    case KA_RESET_STEP:
        if (lesson_runner_stuck(v->runner)) {
            set_paused(v, true);
            if (lesson_runner_reset_step(v->runner, &err) < 0)
                set_msg(v, true, "the reset stopped: %s", err.msg);
            else
                set_msg(v, false, "The step starts again on every model, from the moment it began");
            lesson_step_changed(v);
            return true;
        }
        v->confirm_reset = true;
        set_msg(v, false,
                "Start this step again from its beginning? y resets, any other key keeps it");
        return true;
    case KA_LEGEND:
        v->legend = !v->legend;
        return true;
    case KA_LESSONS:
        set_msg(v, false, "q leaves this lesson (it is saved); splitbrain lesson lists them all");
        return true;
    case KA_BACK:
    case KA_FORWARD:
        set_msg(v, false, "In a lesson, < goes back a step: it rewinds every model to its start");
        return true;
    default:
        return false;
    }
}

/* Every second: how long has the learner been idle? The runner may answer with a hint. */
static void idle_cb(uv_timer_t *h)
{
    struct cview *v = h->data;
    const char *hint =
        lesson_runner_idle(v->runner, (int64_t)((uv_hrtime() - v->tl.input_ns) / 1000u));

    if (hint) {
        v->hint = hint;
        set_msg(v, false, "A hint, after a while without progress: see the lesson pane");
    }
}

/* The lesson pane's contents now. */
static void lesson_pane(struct cview *v, struct draw_lesson *dl)
{
    const struct lesson_runner *r = v->runner;

    memset(dl, 0, sizeof(*dl));
    dl->title = v->lesson->title;
    dl->step = lesson_runner_step(r);
    dl->n_steps = v->lesson->n_steps;
    dl->s = lesson_runner_current(r);
    dl->phase = lesson_runner_phase(r);
    dl->quiz_cursor = v->quiz_cursor;
    dl->quiz_pick = v->quiz_pick;
    dl->answered = lesson_runner_answered(r);
    dl->hint = v->hint;
    dl->hints_shown = lesson_runner_hints_shown(r);
    dl->waiting = lesson_runner_waiting(r);
    dl->finished = lesson_runner_finished(r);
    dl->stuck = lesson_runner_stuck(r);
    dl->held = v->hold && v->paused;
    dl->explain_ready = lesson_runner_explain_ready(r);
    dl->hints_total = lesson_runner_hints_total(r);
    dl->legend = v->legend;
    lesson_runner_expand(v->runner, dl->s->narration, v->narration, sizeof(v->narration));
    lesson_runner_expand(v->runner, dl->s->success, v->success, sizeof(v->success));
    lesson_runner_expand(v->runner, dl->s->quiz.explain, v->explain, sizeof(v->explain));
    dl->narration = v->narration;
    dl->success = v->success;
    dl->explain = v->explain;
}

static void top_key(struct cview *v, int k)
{
    enum key_action a = keys_lookup(k);
    int n = engine_nodes(script_run_engine(v->c->runs[0]));

    if (k == KEYS_TAB) {
        v->first = (v->first + 1) % v->c->n;
        v->dirty = true;
        return;
    }
    if (lesson_key(v, k, a))
        return;
    switch (a) {
    case KA_CLOSE:
    case KA_QUIT:
        v->quit = true;
        break;
    case KA_COMMAND:
        v->cmd_open = true;
        v->cmd_len = 0;
        v->cmd[0] = '\0';
        v->msg[0] = '\0';
        break;
    case KA_RUN:
        set_paused(v, !v->paused);
        break;
    case KA_SLOWER:
    case KA_FASTER:
    case KA_NORMAL_SPEED:
        v->speed = speed_key(a, v->speed, v->speed_home);
        break;
    case KA_BACK:
        travel(v, v->now_us - speed_at(v->speed)->vus_per_s);
        break;
    case KA_FORWARD:
        if (v->head_us >= 0)
            travel(v, v->now_us + speed_at(v->speed)->vus_per_s);
        break;
    case KA_PREV_NODE:
    case KA_NEXT_NODE:
    case KA_JUMP_NODE:
        keys_select(a, k, n, &v->selected); /* a digit past the last node does nothing here */
        break;
    case KA_KILL:
    case KA_PAUSE_NODE:
    case KA_PARTITION:
    case KA_HEAL:
    case KA_SKEW:
    case KA_WRITE:
    case KA_READ:
        node_key(v, a);
        break;
    case KA_REDRAW:
        term_invalidate(v->term);
        break;
    case KA_NONE:
    case KA_HELP:
    case KA_SEARCH:
    case KA_STEP:
    case KA_CUT:
    case KA_HINT:
    case KA_RESET_STEP:
    case KA_STEP_BACK:
    case KA_STEP_NEXT:
    case KA_LESSONS:
    case KA_SHOW_ME:
    case KA_WORKLOAD:
    case KA_TIMELINE:
    case KA_CLOCKS:
    case KA_MENU:
    case KA_OLDER:
    case KA_NEWER:
    case KA_PICK_MSG:
    case KA_SCRUB:
    case KA_SEARCH_NEXT:
    case KA_SEARCH_PREV:
    case KA_OP_OLDER:
    case KA_OP_NEWER:
    case KA_LINK:
    case KA_PRESENT:
    case KA_OLDEST:
    case KA_NEWEST:
    case KA_WHEEL_UP:
    case KA_WHEEL_DOWN:
    case KA_LEGEND:
        set_msg(v, false, "Not in the side-by-side view: Space K Z X S U w g [ ] Tab : q");
        break;
    }
    v->dirty = true;
}

/* Keys reach the view through tloop (tloop.c), as they reach the sandbox. */
static void key_hook(void *ctx, int k)
{
    struct cview *v = ctx;

    if (k == KEYS_RESIZE)
        v->dirty = true;
    else if (v->cmd_open)
        cmd_key(v, k);
    else
        top_key(v, k);
    if (v->quit)
        uv_stop(&v->loop);
}

static void resize_hook(void *ctx)
{
    struct cview *v = ctx;
    int w, hh;

    term_size(v->term, &w, &hh);
    grid_resize(v->grid, w, hh);
    v->dirty = true;
}

static void quit_hook(void *ctx)
{
    struct cview *v = ctx;

    v->quit =
        true; /* Ctrl-C, SIGINT, SIGTERM, SIGHUP: a lesson's progress is saved on the way out */
    uv_stop(&v->loop);
}

static bool quitting_hook(void *ctx)
{
    return ((struct cview *)ctx)->quit;
}

static const struct tloop_hooks cv_tloop_hooks = {key_hook, resize_hook, quit_hook, quitting_hook};

static void draw_cb(uv_prepare_t *h)
{
    struct cview *v = h->data;
    struct compare_screen s;
    struct draw_cursor cur;
    struct draw_lesson dl;

    if (!v->dirty || v->quit)
        return;
    refresh_checks(v);
    memset(&s, 0, sizeof(s));
    s.title = v->title;
    s.now_us = v->now_us;
    s.head_us = v->head_us;
    s.paused = v->paused;
    s.speed = speed_at(v->speed)->label;
    s.selected = v->selected;
    s.first = v->first;
    s.checks = v->checks;
    s.msg = v->msg[0] ? v->msg : NULL;
    s.msg_error = v->msg_error;
    s.cmd_open = v->cmd_open;
    s.cmd = v->cmd;
    s.cmd_cursor = v->cmd_len;
    if (v->runner) {
        lesson_pane(v, &dl);
        s.lesson = &dl;
    }
    compare_draw(v->grid, v->c, &s, &cur);
    term_present(v->term, v->grid, &cur);
    v->dirty = false;
}

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

/* The screen's loop for v (its lesson, if any, already set), until q. Frees v. */
static int view_main(struct cview *v, struct compare *c, const char *title, int64_t start_us,
                     int speed, bool ascii, bool mouse)
{
    int w, h;
    const char *cs;

    setlocale(LC_ALL, "");
    cs = nl_langinfo(CODESET);
    ascii = ascii || !cs || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0);
    v->c = c;
    v->title = title;
    v->speed = v->speed_home = speed >= 0 && speed < speed_count() ? speed : SPEED_DEFAULT;
    v->head_us = -1;
    v->paused = true;
    v->term = term_create(mouse);
    if (!v->term) {
        free(v);
        return EXIT_USAGE;
    }
    term_size(v->term, &w, &h);
    v->grid = grid_create(w, h, ascii);
    uv_loop_init(&v->loop);
    tloop_start(&v->tl, &v->loop, v->term, &cv_tloop_hooks, v);
    uv_timer_init(&v->loop, &v->frame);
    v->frame.data = v;
    uv_prepare_init(&v->loop, &v->draw);
    v->draw.data = v;
    uv_prepare_start(&v->draw, draw_cb);
    v->marks.fn = marks_event;
    c->obs[0] = &v->marks; /* subscribed again whenever time travel rebuilds the runs */
    script_run_observe(c->runs[0], &v->marks);
    if (v->runner) {
        uv_timer_init(&v->loop, &v->idle);
        v->idle.data = v;
        v->tl.input_ns = uv_hrtime();
        uv_timer_start(&v->idle, idle_cb, 1000, 1000);
        v->now_us = start_us;
        if (lesson_runner_step(v->runner) > 0)
            set_msg(v, false, "Welcome back: step %d of %d on every model; < goes back a step",
                    lesson_runner_step(v->runner) + 1, v->lesson->n_steps);
        else
            set_msg(v, false, "%d models, one clock: read the pane below; keys act on all%s", c->n,
                    compare_draw_columns(w, c->n) < c->n ? "; Tab: next pair" : "");
    } else {
        play_to(v, start_us);
        set_msg(v, false, "%d models on one clock: Space runs; K X S U act on all; Tab %s", c->n,
                compare_draw_columns(w, c->n) < c->n ? "shows the next pair" : "rotates");
    }
    uv_run(&v->loop, UV_RUN_DEFAULT);
    if (v->runner) {
        lesson_save(v); /* q, Ctrl-C and the signals all end the loop here */
        uv_close((uv_handle_t *)&v->idle, close_cb);
    }

    tloop_close(&v->tl, close_cb);
    uv_close((uv_handle_t *)&v->frame, close_cb);
    uv_close((uv_handle_t *)&v->draw, close_cb);
    uv_run(&v->loop, UV_RUN_DEFAULT);
    uv_loop_close(&v->loop);
    c->obs[0] = NULL;
    term_destroy(v->term);
    grid_destroy(v->grid);
    free(v);
    return EXIT_OK;
}

static bool need_tty(void)
{
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
        return true;
    fprintf(stderr, "splitbrain: the side-by-side view needs a terminal; for a table use: "
                    "splitbrain compare FILE.scn --format text\n");
    return false;
}

int compare_view_run(struct compare *c, const char *title, int64_t start_us, int speed, bool ascii,
                     bool mouse)
{
    if (!need_tty())
        return EXIT_USAGE;
    return view_main(xcalloc(1, sizeof(struct cview)), c, title, start_us, speed, ascii, mouse);
}

int compare_view_lesson(const struct lesson *l, int start_step, struct progress *prog, int speed,
                        bool ascii, bool mouse)
{
    struct lesson_runner *r;
    struct script_error err;
    struct cview *v;
    char msg[SCRIPT_MSG_MAX + 300];
    int rc;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "splitbrain lesson: a lesson needs a terminal\n");
        return EXIT_USAGE;
    }
    if (lesson_runner_create(l, start_step, &r, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "splitbrain lesson: %s\n", msg);
        return EXIT_USAGE;
    }
    v = xcalloc(1, sizeof(*v));
    v->runner = r;
    v->lesson = l;
    v->prog = prog;
    lesson_save(v);
    rc = view_main(v, lesson_runner_compare(r), l->id, lesson_runner_now(r), speed, ascii, mouse);
    lesson_runner_destroy(r);
    return rc;
}

int compare_view_journal(struct script_run *run, int64_t now_us, const char *models, int speed,
                         bool ascii, bool mouse)
{
    const struct model_ops *m[COMPARE_MAX_MODELS];
    struct engine *e = script_run_engine(run);
    struct compare c;
    struct script_error err;
    char why[SCRIPT_MSG_MAX + 64], skipped[128], shape[96];
    int n = compare_models(models && *models ? models : "leader,multi,leaderless", m, why,
                           sizeof(why)),
        from = 0, count = script_run_journal_count(run);

    if (n < 0) {
        fprintf(stderr, "splitbrain: compare: %s\n", why);
        return EXIT_USAGE;
    }
    snprintf(shape, sizeof(shape), "nodes %d\nseed %llu\n", engine_nodes(e),
             (unsigned long long)engine_seed(e));
    if (compare_parse(&c, "sandbox", shape, strlen(shape), m, n, &err) < 0) {
        fprintf(stderr, "splitbrain: compare: %s\n", err.msg);
        return EXIT_USAGE;
    }
    compare_start(&c, -1, NULL);
    /* What came before the cluster last changed shape belongs to another cluster. */
    for (int i = 0; i < count; i++) {
        int64_t t;
        const struct script_cmd *cmd = script_run_journal_at(run, i, &t);
        if (cmd->kind == CMD_MODEL || cmd->kind == CMD_NODES || cmd->kind == CMD_SEED)
            from = i + 1;
    }
    for (int i = from; i < count; i++) {
        int64_t t;
        const struct script_cmd *cmd = script_run_journal_at(run, i, &t);
        if (t > now_us)
            break;
        if (compare_play_to(&c, t, &err) < 0)
            break;
        compare_act(&c, t, cmd->text, why, sizeof(why), skipped, sizeof(skipped));
    }
    n = compare_view_run(&c, "sandbox", now_us, speed, ascii, mouse);
    compare_release(&c);
    return n;
}
