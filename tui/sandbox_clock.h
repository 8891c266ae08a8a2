/*
 * sandbox_clock: moving the sandbox's virtual time — the frame's share of time played in slices
 * within a wall-time budget, idle waits skipped in demos and presenter mode, a lesson's clock
 * through its runner, the speed achieved — the scenario or demo player driven by it
 * (lessons/player.c: the file's commands run when the clock gets to them, a demo stops at its
 * beats), and time travel: rewinding by replaying the journal up to a moment, back to the present,
 * a demo's beats. The frame timer that calls it is the loop's (app.c); pausing goes through the
 * loop's hook.
 */
#ifndef SPLITBRAIN_SANDBOX_CLOCK_H
#define SPLITBRAIN_SANDBOX_CLOCK_H

#include <stdint.h>

#include "sandbox.h"

/* Runs the file's commands up to the next one that lets time pass, and notes the position. */
void pump(struct app *a);
/* Moves virtual time forward by dv_us, within the frame's budget of wall time. */
void advance(struct app *a, int64_t dv_us);
/* The speed label for the bar (speed_text): asked, and achieved when it falls behind. */
void speed_label(struct app *a);
/* Once a window has passed: the speed achieved over it, and whether it is behind. */
void measure_rate(struct app *a, uint64_t now_ns);
/* One event, then the scenario's next commands if their time came. */
void step_one(struct app *a);
/* Time travel to t_us: the journal replayed up to it (at most to the furthest time reached). */
void travel(struct app *a, int64_t t_us);
/* The scrubber's right end: the latest time reached. */
int64_t scrub_head(struct app *a);
/* A demo: rewind to the last beat left (or, waiting at one, to the one before). */
void demo_back(struct app *a);
/* A demo: the rest of the run up to the next beat, played at once. */
void demo_finish_beat(struct app *a);

#endif
