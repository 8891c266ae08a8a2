/*
 * compare_draw: the side-by-side screen of `splitbrain compare` — one column per
 * model (its map and its ops with the checkers' verdicts, drawn by draw.c's
 * own functions), one shared clock on the status bar. Three columns from 160
 * columns up; below that two at a time, Tab showing the next pair. No
 * terminal: render tests draw it into a grid. A side-by-side lesson adds its
 * pane across the bottom, the full width, so every column keeps its map.
 */
#ifndef SPLITBRAIN_COMPARE_DRAW_H
#define SPLITBRAIN_COMPARE_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine/compare.h"
#include "draw.h"
#include "grid.h"

#define COMPARE_DRAW_ALL_W 160 /* from this width every model has a column */

/* What the frame shows besides the runs. Borrowed for one compare_draw() call. */
struct compare_screen {
    const char *title; /* the scenario file, or "sandbox" */
    int64_t now_us;    /* the shared clock */
    int64_t head_us;   /* rewound: the furthest time reached; -1 at the present */
    bool paused;
    const char *speed;                  /* "0.25x" */
    int selected;                       /* node index: the keys act on it in every model */
    int first;                          /* the first model shown when not every one fits */
    const struct check_summary *checks; /* per model, or NULL */
    const char *msg;                    /* the message line, or NULL */
    bool msg_error;
    bool cmd_open;
    const char *cmd;
    int cmd_cursor;
    /* A side-by-side lesson's pane, across the bottom under the columns; NULL for none. */
    const struct draw_lesson *lesson;
};

/* A side-by-side lesson's pane in a w x h frame: the rows it takes at the bottom, above the
 * message line (the columns get the rest). */
int compare_draw_lesson_rows(int w, int h);

/* How many columns a frame w cells wide shows for n models. */
int compare_draw_columns(int w, int n);

void compare_draw(struct grid *g, struct compare *c, const struct compare_screen *s,
                  struct draw_cursor *cur);

#endif
