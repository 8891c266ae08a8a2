/*
 * app: the interactive sandbox — the libuv loop that ties the terminal, the
 * engine and the screen together. stdin is watched with uv_poll, SIGWINCH,
 * SIGINT and SIGTERM with uv_signal; a frame timer runs only while the
 * simulation runs (paused: no timer, the process sleeps) and maps wall time
 * to virtual time through a speed factor; a uv_prepare handle draws one
 * frame per loop turn, just before libuv blocks, and only when something
 * changed. Key handlers change state and mark the frame dirty; they never
 * draw.
 *
 * Everything the user does goes through the command language: a key like K
 * runs `kill n2`, so the event log, the scenario files and the `:` line all
 * speak the same words.
 */
#ifndef SPLITBRAIN_APP_H
#define SPLITBRAIN_APP_H

#include <stdbool.h>

/* splitbrain sandbox [--model M] [--nodes N] [--seed S] [--ascii] [--speed X]; argv[0] is
 * "sandbox". --speed takes one of the speeds + and - step through (0.001x .. 10x, the x
 * optional) and is what = comes back to. */
int app_sandbox(int argc, char **argv);
/* splitbrain open|demo|replay FILE [--seed S] [--ascii] [--speed X] [--record FILE.sbr]; argv[0]
 * names which: "demo" waits at each `beat` for the presenter and shows the `say` captions large. */
int app_open(int argc, char **argv);

struct course;
struct progress;

/* splitbrain lesson NAME: the sandbox with the lesson pane, on lesson k of the course, resuming
 * where the progress says; saves progress on every step change and on the way out. */
int app_lesson(struct course *c, int k, struct progress *p, bool ascii, bool mouse,
               const char *speed);

#endif
