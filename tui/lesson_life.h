/*
 * lesson_life: a lesson's lifecycle in the sandbox (splitbrain lesson NAME) — opening lesson k of
 * the course where the progress says, saving progress on every step change, the gate opening
 * (the run holds so the success text can be read), the hint after a while without progress, and
 * the hooks the lesson pane's keys act through (lesson_input.h). Pausing goes through the
 * loop's hook (sandbox.h); nothing here calls back into the loop.
 */
#ifndef SPLITBRAIN_LESSON_LIFE_H
#define SPLITBRAIN_LESSON_LIFE_H

#include <uv.h>

#include "sandbox.h"

/* What the lesson pane's keys ask of the sandbox (lesson_input_init's table). */
extern const struct lesson_input_hooks lesson_life_hooks;

/* Records where the learner stands and writes it out (atomically: progress.c). */
void lesson_save(struct app *a);
/* A new step (or the same one from its start): the pane forgets the old one's hint and picks. */
void lesson_step_changed(struct app *a);
/* The gate just opened: the run holds still until the learner has read the success text. */
void lesson_passed(struct app *a);
/* Time moved or the learner acted: does the gate open now? */
void lesson_poll(struct app *a);
/* Every second while a lesson runs (the loop's idle timer): a hint after inactivity. */
void idle_cb(uv_timer_t *h);
/* Opens lesson k of the course (0 when it opened or a side-by-side lesson ends the loop; -1 with
 * the reason on the message line, the old lesson kept). */
int lesson_start(struct app *a, int k);

#endif
