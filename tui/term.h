/*
 * term: the ncurses back end of the grid. It owns the terminal between
 * term_create() and term_destroy(): copies a grid to the screen (one refresh
 * per frame; curses sends only what changed), maps the draw styles to
 * colour and attributes through the theme's one table (theme.h: 256
 * colours, 8, or none: NO_COLOR, a monochrome terminal), and translates keys
 * into the project's key codes (keys.h).
 *
 * The terminal is restored on term_destroy() and, through handlers installed
 * by term_create(), on a fatal signal (SEGV, ABRT, BUS, FPE): endwin, then the
 * signal is raised again with its default action so the crash still shows.
 */
#ifndef SPLITBRAIN_TERM_H
#define SPLITBRAIN_TERM_H

#include <stdbool.h>

#include "draw.h"
#include "grid.h"
#include "theme.h"

enum term_colors {
    TERM_MONO,
    TERM_8,
    TERM_256,
};

struct term;

/* Starts curses on stdin/stdout, with mouse clicks reported unless mouse is false; NULL (with a
 * message on stderr) when it cannot. */
struct term *term_create(bool mouse);
/* Ends curses and restores the terminal; NULL is a no-op. */
void term_destroy(struct term *t);
/* Sets the styles up again for a theme; colour false draws in monochrome, as NO_COLOR does. */
void term_set_theme(struct term *t, enum theme_name theme, bool colour);
enum term_colors term_colors(const struct term *t);
void term_size(const struct term *t, int *w, int *h);
/* Asks the terminal for its size again (after SIGWINCH). */
void term_resize(struct term *t);
/* The next frame repaints every cell (Ctrl-L). */
void term_invalidate(struct term *t);
/* Copies g to the screen and places the cursor. */
void term_present(struct term *t, const struct grid *g, const struct draw_cursor *cur);
/* The next key as a project key code, or -1 when none is waiting. */
int term_key(struct term *t);
/* Where the last KEYS_CLICK was. */
void term_click(const struct term *t, int *x, int *y);

#endif
