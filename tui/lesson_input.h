/*
 * lesson_input: the lesson pane's keys — hints, show me, next and back, the step reset and its
 * confirmation, the quiz (digits, arrows, Space, Enter), the lesson list overlay and the
 * legend — and what the pane shows (draw_lesson). It owns the pane's own state (the quiz's
 * cursor and picks, the hint shown, the list's cursor); the run, the message line and the
 * pause belong to the sandbox around it, which lends it a table of hooks (lesson_life.c). Like
 * every key handler it changes state and never draws.
 */
#ifndef SPLITBRAIN_LESSON_INPUT_H
#define SPLITBRAIN_LESSON_INPUT_H

#include <stdbool.h>

#include "../lessons/lesson.h"
#include "../lessons/progress.h"
#include "../lessons/runner.h"
#include "course.h"
#include "draw.h"
#include "keys.h"

struct app;

/* What the pane's keys ask of the sandbox that owns it. */
struct lesson_input_hooks {
    void (*say)(struct app *a, bool error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    void (*drain)(struct app *a);        /* the run changed: the event log catches up */
    void (*step_changed)(struct app *a); /* a new step, or the same from its start */
    void (*run)(struct app *a);          /* the run goes on */
    void (*poll)(struct app *a);         /* does the gate open now? */
    void (*save)(struct app *a);         /* where the learner stands, written out */
    int (*start)(struct app *a, int k);  /* lesson k of the course opens */
    void (*quit)(struct app *a);
};

/* Embedded in the app. The pointers are borrowed: runner and lesson are NULL outside a lesson,
 * and set by the app whenever a lesson starts. */
struct lesson_input {
    struct app *app;
    const struct lesson_input_hooks *hooks;
    struct lesson_runner *runner;
    const struct lesson *lesson;
    const struct course *course;
    const struct progress *prog;
    int course_at; /* the lesson of the course being played */

    int quiz_cursor;
    unsigned quiz_pick;
    const char *hint;   /* the latest hint shown (the lesson's text), or NULL */
    bool confirm_reset; /* R asked; y confirms */
    bool legend;        /* the pane shows the legend (i) instead of the step */
    bool list_open;     /* the lesson list overlay */
    int list_cursor;
    struct draw_lesson_item items[COURSE_MAX];
    char item_status[COURSE_MAX][24];
    char summary[48];
    char narration[LESSON_TEXT_MAX];
    char success[LESSON_TEXT_MAX];
    char explain[LESSON_TEXT_MAX];
};

void lesson_input_init(struct lesson_input *in, struct app *app,
                       const struct lesson_input_hooks *hooks);
/* A new step (or the same one from its start): the pane forgets the old one's hint and picks. */
void lesson_input_step_changed(struct lesson_input *in);
/* Key k (act: its action) for the pane; true when it was the pane's. held: the run is paused
 * on the gate or the spotlight; paused: it is paused at all. */
bool lesson_input_key(struct lesson_input *in, int k, enum key_action act, bool held, bool paused);
/* What the lesson pane shows now, into dl (which points into in). */
void lesson_input_view(struct lesson_input *in, bool held, struct draw_lesson *dl);

#endif
