#include "lesson_life.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lessons/progress.h"
#include "course.h"
#include "headless.h"

/* Records where the learner stands and writes it out (atomically: progress.c). */
void lesson_save(struct app *a)
{
    const struct progress_entry *e;
    char why[PROGRESS_PATH_MAX + 200];
    bool done;

    if (!a->runner || !a->prog)
        return;
    e = progress_get(a->prog, a->lesson.id, a->lesson.version);
    done = (e && e->done) || lesson_runner_finished(a->runner);
    progress_set(a->prog, a->lesson.id, a->lesson.version, lesson_runner_step(a->runner), done);
    {
        bool right;
        const struct lesson_step *s = lesson_runner_current(a->runner);
        if (lesson_runner_has_answer(a->runner, &right))
            progress_answer(a->prog, a->lesson.id, a->lesson.version, lesson_runner_step(a->runner),
                            lesson_runner_answered(a->runner), s->quiz.kind == LESSON_PREDICT,
                            right);
    }
    if (progress_save(a->prog, why, sizeof(why)) < 0 && !a->prog_failed) {
        a->prog_failed = true;
        set_msg(a, true, "progress is not saved: %s", a->prog->path[0] ? why : "no HOME");
    }
}

/* A new step (or the same one from its start): the pane forgets the old one's hint and picks. */
void lesson_step_changed(struct app *a)
{
    lesson_input_step_changed(&a->li);
    a->lesson_hold = false;
    drain(a);
    lesson_save(a);
}

/* The gate just opened: the run holds still until the learner has read the success text. */
void lesson_passed(struct app *a)
{
    if (lesson_runner_finished(a->runner))
        set_msg(a, false, "Lesson complete! L lists the lessons, q quits");
    else
        set_msg(a, false, "Step done: read it, then > goes to the next one (Space runs on)");
    if (a->term && !a->paused) {
        sandbox_pause(a, true);
        a->lesson_hold = true;
    }
    lesson_save(a);
}

/* Time moved or the learner acted: does the gate open now? */
void lesson_poll(struct app *a)
{
    if (!a->runner || !lesson_runner_poll(a->runner))
        return;
    lesson_passed(a);
}

/* The lesson pane's keys act on the run through these (lesson_input.h). */
static void lesson_run_on(struct app *a)
{
    sandbox_pause(a, false);
}

static void lesson_quit(struct app *a)
{
    a->quit = true;
}

/* Every second: how long has the learner been idle? The runner may answer with a hint. */
void idle_cb(uv_timer_t *h)
{
    struct app *a = h->data;
    const char *hint;

    if (!a->runner || a->li.list_open)
        return;
    hint = lesson_runner_idle(a->runner, (int64_t)((uv_hrtime() - a->keys.input_ns) / 1000u));
    if (hint) {
        a->li.hint = hint;
        set_msg(a, false, "A hint, after a while without progress: see the lesson pane");
    }
}

/*
 * Opens lesson k of the course, resuming at the step its progress names (a finished lesson
 * starts again from the top). The runner owns the run and the parser env from here on, so the
 * `:` line and every key act on the cluster its checks read. On failure the old lesson stays.
 */
int lesson_start(struct app *a, int k)
{
    const struct course_item *it = &a->li.course->items[k];
    const struct progress_entry *e;
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    char *text, why[APP_MSG_MAX];
    size_t len;
    int start = 0;

    if (it->error[0]) {
        set_msg(a, true, "%s", it->error);
        return -1;
    }
    if (it->side_by_side) {
        a->side_lesson = k + 1;
        a->quit = true;
        return 0;
    }
    text = headless_read_file(it->path, &len);
    if (!text) {
        set_msg(a, true, "%s cannot be read", it->path);
        return -1;
    }
    memset(&err, 0, sizeof(err));
    if (lesson_parse(it->path, text, len, &l, &err) < 0) {
        free(text);
        script_error_format(&err, why, sizeof(why));
        set_msg(a, true, "%s", why);
        return -1;
    }
    free(text);
    e = progress_get(a->prog, l.id, l.version);
    /* Resume where the learner stopped; a lesson finished at its last step starts over. */
    if (e && !(e->done && e->step >= l.n_steps - 1))
        start = e->step;
    if (a->runner)
        lesson_save(a); /* where the learner leaves the old one */
    /* The runner borrows the lesson: it moves into the app first, then the runner is made. */
    if (a->lesson_loaded) {
        lesson_runner_destroy(a->runner);
        a->runner = NULL;
        lesson_release(&a->lesson);
    }
    a->lesson = l;
    a->lesson_loaded = true;
    if (lesson_runner_create(&a->lesson, start, &r, &err) < 0) {
        script_error_format(&err, why, sizeof(why));
        lesson_release(&a->lesson);
        a->lesson_loaded = false;
        set_msg(a, true, "%s", why);
        return -1;
    }
    if (!a->runner_mode_run_owned)
        script_run_destroy(a->run); /* the sandbox's own run gives way to the runner's */
    a->runner_mode_run_owned = true;
    a->runner = r;
    a->run = lesson_runner_run(r);
    a->traced_gen = 0; /* another run, with generations of its own: read its trace afresh */
    a->env = lesson_runner_env(r);
    a->li.runner = r;
    a->li.lesson = &a->lesson;
    a->li.course_at = k;
    a->prog_failed = false;
    snprintf(a->title, sizeof(a->title), "%s", a->lesson.id);
    a->selected = 0;
    lesson_step_changed(a);
    if (start > 0)
        set_msg(a, false, "Welcome back: step %d of %d. < goes back, L lists the lessons",
                lesson_runner_step(r) + 1, a->lesson.n_steps);
    else
        set_msg(a, false,
                "Read the pane on the left, then act on the cluster: H hints, > goes on, "
                "? lists every key");
    lesson_poll(a);
    return 0;
}

const struct lesson_input_hooks lesson_life_hooks = {
    .say = set_msg,
    .drain = drain,
    .step_changed = lesson_step_changed,
    .run = lesson_run_on,
    .poll = lesson_poll,
    .save = lesson_save,
    .start = lesson_start,
    .quit = lesson_quit,
};
