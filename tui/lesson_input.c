#include "lesson_input.h"

#include <stdio.h>
#include <string.h>

void lesson_input_init(struct lesson_input *in, struct app *app,
                       const struct lesson_input_hooks *hooks)
{
    memset(in, 0, sizeof(*in));
    in->app = app;
    in->hooks = hooks;
}

void lesson_input_step_changed(struct lesson_input *in)
{
    in->hint = NULL;
    in->quiz_cursor = 0;
    in->quiz_pick = 0;
    in->confirm_reset = false;
    in->legend = false;
}

/* The lesson list overlay's rows: each lesson of the course with its status. */
static void lesson_items(struct lesson_input *in)
{
    for (int i = 0; i < in->course->n; i++) {
        const struct course_item *it = &in->course->items[i];
        course_status(it, in->prog, in->item_status[i], sizeof(in->item_status[i]));
        in->items[i].name = it->name;
        in->items[i].title = it->error[0] ? it->error : it->title;
        in->items[i].status = in->item_status[i];
    }
    course_summary(in->course, in->prog, in->summary, sizeof(in->summary));
}

/* The quiz takes the digits, the arrows, Space and Enter while it waits for an answer. */
static bool quiz_key(struct lesson_input *in, int k)
{
    const struct lesson_quiz *q = &lesson_runner_current(in->runner)->quiz;
    int pick = -1;

    if (k >= '1' && k <= '9') {
        if (k - '1' >= q->n_choices) {
            in->hooks->say(in->app, true, "there are %d choices", q->n_choices);
            return true;
        }
        pick = k - '1';
    } else if (k == KEYS_UP || k == 'k') {
        in->quiz_cursor = (in->quiz_cursor + q->n_choices - 1) % q->n_choices;
    } else if (k == KEYS_DOWN || k == 'j') {
        in->quiz_cursor = (in->quiz_cursor + 1) % q->n_choices;
    } else if (k == ' ') {
        /* Space toggles the highlighted choice. */
        unsigned bit = 1u << in->quiz_cursor;
        in->quiz_pick = q->multiple ? in->quiz_pick ^ bit : (in->quiz_pick == bit ? 0 : bit);
    } else if (k == KEYS_ENTER) {
        bool right;
        if (!in->quiz_pick) {
            in->hooks->say(in->app, true,
                           "Nothing is selected yet: press a number (1-%d)%s, then Enter",
                           q->n_choices, q->multiple ? " or Space on each answer you choose" : "");
            return true;
        }
        right = lesson_runner_answer(in->runner, in->quiz_pick);
        if (q->kind == LESSON_PREDICT)
            in->hooks->say(in->app, false, "Prediction recorded. Now %s and watch what happens.",
                           lesson_runner_phase(in->runner) == RUNNER_TASK ? "do the task"
                                                                          : "read on");
        else
            in->hooks->say(in->app, !right, "%s",
                           right ? "Right!" : "Not quite: the pane says why.");
        in->hooks->poll(in->app);
        in->hooks->save(in->app);
    } else {
        return false;
    }
    if (pick >= 0) {
        /* A number selects that choice (and adds it, in a multiple-answer question). */
        in->quiz_cursor = pick;
        in->quiz_pick = q->multiple ? in->quiz_pick | (1u << pick) : 1u << pick;
    }
    return true;
}

/* The lesson list overlay: choose with the arrows, Enter opens. */
static void list_key(struct lesson_input *in, int k, enum key_action act)
{
    int n = in->course->n;

    if (act == KA_QUIT) {
        in->hooks->quit(in->app);
    } else if (k == KEYS_UP || k == 'k') {
        in->list_cursor = n ? (in->list_cursor + n - 1) % n : 0;
    } else if (k == KEYS_DOWN || k == 'j') {
        in->list_cursor = n ? (in->list_cursor + 1) % n : 0;
    } else if (k == KEYS_ENTER && n > 0) {
        in->list_open = false;
        if (in->list_cursor != in->course_at)
            in->hooks->start(in->app, in->list_cursor);
    } else if (act == KA_CLOSE || act == KA_LESSONS || k == KEYS_ESC) {
        in->list_open = false;
    }
}

/* M: the step's own actions run, and the learner watches what they do. */
static void show_me(struct lesson_input *in, bool paused)
{
    struct script_error err;

    memset(&err, 0, sizeof(err));
    if (lesson_runner_phase(in->runner) == RUNNER_QUIZ) {
        in->hooks->say(in->app, false, "Predict first: answer the question, then M shows you");
    } else if (lesson_runner_phase(in->runner) == RUNNER_DONE) {
        in->hooks->say(in->app, false, "This step is done: > goes on");
    } else if (lesson_runner_current(in->runner)->n_dos == 0) {
        in->hooks->say(in->app, false, "This step has nothing to show: the task says what to do");
    } else if (lesson_runner_show_me(in->runner, &err) < 0) {
        in->hooks->drain(in->app);
        in->hooks->say(in->app, true, "show me stopped: %s", err.msg);
    } else {
        in->hooks->drain(in->app);
        in->hooks->say(in->app, false, "Shown: the step's own actions ran; watch what they do");
        if (paused)
            in->hooks->run(in->app);
        in->hooks->poll(in->app);
    }
}

/* >: the next step, once the gate is open; a run held for reading goes on with it. */
static void step_next(struct lesson_input *in, bool held)
{
    const char *w;

    if (lesson_runner_next(in->runner)) {
        in->hooks->step_changed(in->app);
        if (held)
            in->hooks->run(in->app); /* read: the run goes on with the next step */
        in->hooks->say(in->app, false, "Step %d of %d", lesson_runner_step(in->runner) + 1,
                       in->lesson->n_steps);
    } else if (lesson_runner_finished(in->runner)) {
        in->hooks->say(in->app, false, "That was the last step: L lists the lessons");
    } else {
        w = lesson_runner_waiting(in->runner);
        in->hooks->say(in->app, false, "Not yet: %s%s",
                       lesson_runner_phase(in->runner) == RUNNER_QUIZ ? "answer the question first"
                       : w[0]                                         ? "waiting for "
                                                                      : "do the task first",
                       lesson_runner_phase(in->runner) == RUNNER_QUIZ ? "" : w);
    }
}

/* The pane's own actions (no mode holds the keys); true when act was one of them. */
static bool lesson_act(struct lesson_input *in, enum key_action act, bool held, bool paused)
{
    struct script_error err;
    const char *w;

    memset(&err, 0, sizeof(err));
    switch (act) {
    case KA_HINT:
        if (lesson_runner_phase(in->runner) == RUNNER_QUIZ) {
            in->hooks->say(in->app, false,
                           "Predict first: the hints are for the task after the question");
        } else if ((w = lesson_runner_hint(in->runner)) != NULL) {
            in->hint = w;
            in->hooks->say(in->app, false, "Hint %d of %d: in the lesson pane",
                           lesson_runner_hints_shown(in->runner),
                           lesson_runner_hints_total(in->runner));
        } else {
            in->hooks->say(
                in->app, false, "No more hints%s",
                lesson_runner_current(in->runner)->n_dos ? ": M shows you (it does the step)" : "");
        }
        return true;
    case KA_SHOW_ME:
        show_me(in, paused);
        return true;
    case KA_STEP_NEXT:
        step_next(in, held);
        return true;
    case KA_STEP_BACK:
        if (lesson_runner_back(in->runner, &err) < 0)
            in->hooks->say(in->app, true, "going back stopped: %s", err.msg);
        else
            in->hooks->say(in->app, false, "Back to the start of step %d: the run was rewound",
                           lesson_runner_step(in->runner) + 1);
        in->hooks->step_changed(in->app);
        return true;
    case KA_RESET_STEP:
        if (lesson_runner_stuck(in->runner)) {
            /* A dead end was explained: nothing here is worth keeping, so no question. */
            if (lesson_runner_reset_step(in->runner, &err) < 0)
                in->hooks->say(in->app, true, "the reset stopped: %s", err.msg);
            else
                in->hooks->say(in->app, false, "The step starts again, from the moment it began");
            in->hooks->step_changed(in->app);
            return true;
        }
        in->confirm_reset = true;
        in->hooks->say(in->app, false,
                       "Start this step again from its beginning? y resets, any other key "
                       "keeps it");
        return true;
    case KA_LESSONS:
        lesson_items(in);
        in->list_open = true;
        in->list_cursor = in->course_at;
        return true;
    case KA_BACK:
    case KA_FORWARD:
        in->hooks->say(in->app, false,
                       "In a lesson, < goes back a step: it rewinds the run to the step's start");
        return true;
    case KA_STEP:
        if (lesson_runner_phase(in->runner) == RUNNER_QUIZ) {
            in->hooks->say(in->app, false, "Predict first: the run waits for your answer");
            return true;
        }
        return false;
    case KA_NONE:
    case KA_HELP:
    case KA_CLOSE:
    case KA_QUIT:
    case KA_COMMAND:
    case KA_SEARCH:
    case KA_RUN:
    case KA_SLOWER:
    case KA_FASTER:
    case KA_NORMAL_SPEED:
    case KA_PREV_NODE:
    case KA_NEXT_NODE:
    case KA_JUMP_NODE:
    case KA_KILL:
    case KA_PAUSE_NODE:
    case KA_HEAL:
    case KA_CUT:
    case KA_PARTITION:
    case KA_SKEW:
    case KA_WRITE:
    case KA_READ:
    case KA_REDRAW:
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
        return false;
    case KA_LEGEND:
        in->legend = !in->legend;
        in->hooks->say(in->app, false,
                       in->legend ? "The legend is in the lesson pane: i goes back to the step"
                                  : "Back to the step");
        return true;
    }
    return false;
}

/* Keys only a lesson has: the modes that hold every key first (the list, the reset's question,
 * the quiz), then the pane's own actions. */
bool lesson_input_key(struct lesson_input *in, int k, enum key_action act, bool held, bool paused)
{
    struct script_error err;

    if (!in->runner) {
        if (act == KA_HINT || act == KA_SHOW_ME || act == KA_STEP_NEXT || act == KA_STEP_BACK ||
            act == KA_RESET_STEP || act == KA_LESSONS || act == KA_LEGEND) {
            in->hooks->say(in->app, false,
                           "That key works in a lesson: splitbrain lesson lists them");
            return true;
        }
        return false;
    }
    if (in->list_open) {
        list_key(in, k, act);
        return true;
    }
    if (in->confirm_reset) {
        in->confirm_reset = false;
        if (k == 'y' || k == 'Y') {
            memset(&err, 0, sizeof(err));
            if (lesson_runner_reset_step(in->runner, &err) < 0)
                in->hooks->say(in->app, true, "the reset stopped: %s", err.msg);
            else
                in->hooks->say(in->app, false, "The step starts again, from the moment it began");
            in->hooks->step_changed(in->app);
        } else {
            in->hooks->say(in->app, false, "Not reset");
        }
        return true;
    }
    if (lesson_runner_phase(in->runner) == RUNNER_QUIZ && quiz_key(in, k))
        return true;
    return lesson_act(in, act, held, paused);
}

void lesson_input_view(struct lesson_input *in, bool held, struct draw_lesson *dl)
{
    struct lesson_runner *r = in->runner;

    memset(dl, 0, sizeof(*dl));
    dl->title = in->lesson->title;
    dl->step = lesson_runner_step(r);
    dl->n_steps = in->lesson->n_steps;
    dl->s = lesson_runner_current(r);
    dl->phase = lesson_runner_phase(r);
    dl->quiz_cursor = in->quiz_cursor;
    dl->quiz_pick = in->quiz_pick;
    dl->answered = lesson_runner_answered(r);
    dl->hint = in->hint;
    dl->hints_shown = lesson_runner_hints_shown(r);
    dl->waiting = lesson_runner_waiting(r);
    dl->finished = lesson_runner_finished(r);
    dl->stuck = lesson_runner_stuck(r);
    dl->evidence = lesson_runner_evidence(r);
    dl->spot = lesson_runner_spot(r);
    dl->held = held;
    dl->explain_ready = lesson_runner_explain_ready(r);
    dl->hints_total = lesson_runner_hints_total(r);
    dl->legend = in->legend;
    dl->lamport = in->lesson->show_lamport;
    lesson_runner_expand(r, dl->s->narration, in->narration, sizeof(in->narration));
    lesson_runner_expand(r, dl->s->success, in->success, sizeof(in->success));
    lesson_runner_expand(r, dl->s->quiz.explain, in->explain, sizeof(in->explain));
    dl->narration = in->narration;
    dl->success = in->success;
    dl->explain = in->explain;
    dl->list = in->list_open;
    dl->items = in->items;
    dl->n_items = in->course->n;
    dl->list_cursor = in->list_cursor;
    dl->summary = in->summary;
}
