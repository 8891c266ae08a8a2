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

/* What a command line asks of the sandbox (cli/play.c fills it in). Strings are borrowed. */
struct app_launch {
    const char *cmd;   /* "sandbox", "open", "demo", "replay": for messages */
    const char *file;  /* open, demo, replay: the file to play */
    bool demo;         /* wait at each `beat` for the presenter; captions large */
    const char *model; /* sandbox: --model, --nodes, --seed as typed (checked as commands) */
    const char *nodes;
    const char *seed;
    long long seed_n; /* open, demo, replay: the seed, or -1 for the file's own */
    const char *record;
    const char *cast;
    bool present;
    const struct config *cfg; /* the settings: speeds, theme, ASCII, mouse, workload */
};

/* The sandbox on a fresh cluster. */
int app_sandbox_run(const struct app_launch *l);
/* A scenario, demo or recording loaded paused at t=0 and played in the sandbox. */
int app_open_run(const struct app_launch *l);

struct config;

struct course;
struct progress;

/* splitbrain lesson NAME: the sandbox with the lesson pane, on lesson k of the course, resuming
 * where the progress says; saves progress on every step change and on the way out. */
int app_lesson(struct course *c, int k, struct progress *p, const struct config *cfg);

/* The commands above start here (start.c): they build the sandbox's state (sandbox.h), then run
 * the loop (app.c) on it. */
struct app;

/* The loop: the terminal, stdin, the signals, the frame timer and the drawing, until the user
 * quits or a command ends it. EXIT_OK, or EXIT_USAGE with the reason on stderr. */
int app_loop_run(struct app *a, bool ascii, bool mouse);
/* Pauses or resumes the clock (the frame timer): lent to the rooms as struct app's pause. */
void app_set_paused(struct app *a, bool paused);

#endif
