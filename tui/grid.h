/*
 * grid: the project's own cell grid — what a frame looks like, independent of
 * any terminal. Every screen is drawn into a grid; ncurses (tui/term.c) is
 * one back end that copies it to the terminal, and render tests compare a
 * grid's text with stored frames, so the two never disagree.
 *
 * A cell holds one character (a Unicode code point, always one column wide)
 * and a style id (the caller's enum; the back end maps it to colour and
 * attributes). Box and line glyphs come from one glyph table with an ASCII
 * twin for each; a grid made with ascii = true draws the twins.
 *
 * Invariant: 0 <= width <= GRID_MAX_W, 0 <= height <= GRID_MAX_H; every write
 * outside the grid is clipped, never an error.
 */
#ifndef SPLITBRAIN_GRID_H
#define SPLITBRAIN_GRID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRID_MAX_W 1000
#define GRID_MAX_H 500

enum grid_glyph {
    GL_H, /* box lines */
    GL_V,
    GL_TL,
    GL_TR,
    GL_BL,
    GL_BR,
    GL_H2, /* a selected box */
    GL_V2,
    GL_TL2,
    GL_TR2,
    GL_BL2,
    GL_BR2,
    GL_LINK_H, /* links between nodes, by slope */
    GL_LINK_V,
    GL_LINK_UP,   /* rising to the right: / */
    GL_LINK_DOWN, /* falling to the right: \ */
    GL_CUT,       /* where a link is cut */
    GL_MSG,       /* a message in flight */
    GL_MSG_DUP,   /* a duplicate copy */
    GL_MSG_DROP,  /* a message that dies on arrival */
    GL_MSG_IDLE,  /* background chatter: heartbeats, empty polls */
    GL_OK,
    GL_FAIL,
    GL_TIMEOUT,
    GL_PENDING,
    GL_LEADER,
    GL_WALL, /* the boundary between a partition's groups */
    GL_SPOT, /* a lesson's key moment: the node box and the op line it happened at */
    GL_COUNT,
};

struct grid_cell {
    uint32_t ch;
    uint16_t style;
};

struct grid;

/* w and h are clamped to the limits. */
struct grid *grid_create(int w, int h, bool ascii);
void grid_destroy(struct grid *g);
/* New size; the content is cleared. */
void grid_resize(struct grid *g, int w, int h);
int grid_width(const struct grid *g);
int grid_height(const struct grid *g);
bool grid_ascii(const struct grid *g);
void grid_set_ascii(struct grid *g, bool ascii);

/* Writes outside the rectangle x, y, w, h are dropped (and counted) until grid_unclip(): each
 * pane is drawn clipped to its own rectangle, and the render tests check that none tried to
 * write outside it. */
void grid_clip(struct grid *g, int x, int y, int w, int h);
void grid_unclip(struct grid *g);
/* How many writes a clip rectangle stopped since the grid was made. */
long grid_escapes(const struct grid *g);

/* Every cell to a space in style 0. */
void grid_clear(struct grid *g);
void grid_put(struct grid *g, int x, int y, uint32_t ch, int style);
void grid_glyph(struct grid *g, int x, int y, enum grid_glyph gl, int style);
uint32_t grid_glyph_char(const struct grid *g, enum grid_glyph gl);
/* Writes UTF-8 text from x, at most maxw columns (maxw < 0: to the edge); control characters
 * show as '?'. Returns the columns written. */
int grid_text(struct grid *g, int x, int y, int maxw, const char *utf8, int style);
/* The same, but text too long for maxw columns ends at a space, never in a word (a word longer
 * than maxw alone is cut). */
int grid_text_words(struct grid *g, int x, int y, int maxw, const char *utf8, int style);
void grid_fill(struct grid *g, int x, int y, int w, int h, uint32_t ch, int style);
/* Changes the style of w cells from x, keeping their characters. */
void grid_restyle(struct grid *g, int x, int y, int w, int style);
/* A box outline; double selects the selected-box glyphs. */
void grid_box(struct grid *g, int x, int y, int w, int h, bool dbl, int style);
/* The cell at x, y; a blank cell outside the grid. */
struct grid_cell grid_at(const struct grid *g, int x, int y);

/* The grid as UTF-8 text, one line per row, trailing spaces trimmed, each ending in '\n'.
 * Returns the length it needed (like snprintf); dst is always terminated when size > 0. */
size_t grid_dump(const struct grid *g, char *dst, size_t size);

/* asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/). All return the length they
 * needed (like snprintf); dst is always terminated when size > 0. */
/* The header line, ending in '\n'; players shorten pauses longer than idle_limit_s. */
size_t grid_cast_header(int w, int h, long long timestamp, double idle_limit_s, char *dst,
                        size_t size);
/* One output event [t, "o", "..."] ending in '\n': clear and home, then every row with the SGR
 * sequence sgr[style] (n_sgr entries; missing ones plain) before each run of a style. */
size_t grid_cast_frame(const struct grid *g, double t, const char *const *sgr, int n_sgr, char *dst,
                       size_t size);
/* Only what changed since prev (a grid of the same size): for each run of changed cells the
 * cursor placed and the cells written; a whole frame when prev is NULL or of another size, and
 * nothing at all (0, dst "") when no cell changed. */
size_t grid_cast_diff(const struct grid *g, const struct grid *prev, double t,
                      const char *const *sgr, int n_sgr, char *dst, size_t size);
/* A marker event [t, "m", "label"] (a demo's beat), ending in '\n'. */
size_t grid_cast_marker(double t, const char *label, char *dst, size_t size);
/* dst becomes a copy of src (its size too). */
void grid_copy(struct grid *dst, const struct grid *src);
/* s escaped as the inside of a JSON string. */
size_t grid_cast_escape(const char *s, char *dst, size_t size);

#endif
