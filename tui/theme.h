/*
 * theme: the draw styles and the one table that says how each looks. Styles are semantic (a
 * crashed node, a cut link); here each gets its attributes (which it keeps in monochrome, so
 * states stay apart without colour) and its colours for 256 and for 8 colours. The terminal back
 * end (term.c) and the asciicast writer (cast.c) both read this table, so a recording shows the
 * colours the terminal does. No curses here: render tests link it.
 */
#ifndef SPLITBRAIN_THEME_H
#define SPLITBRAIN_THEME_H

#include <stdbool.h>
#include <stddef.h>

enum draw_style {
    ST_NORMAL,
    ST_DIM,
    ST_BOLD,
    ST_BORDER,
    ST_SELECTED,
    ST_LEADER,
    ST_CRASHED,
    ST_PAUSED,
    ST_LINK,
    ST_LINK_CUT,
    ST_MSG0, /* messages, coloured by type */
    ST_MSG1,
    ST_MSG2,
    ST_MSG3,
    ST_MSG_DROP,
    ST_OK,
    ST_FAIL,
    ST_TIMEOUT,
    ST_PENDING,
    ST_EV_SEND,
    ST_EV_DELIVER,
    ST_EV_DROP,
    ST_EV_FAULT,
    ST_EV_ROLE,
    ST_EV_OP,
    ST_EV_NOTE,
    ST_EV_STORE,
    ST_BAR,
    ST_BAR_KEY,
    ST_BAR_RUN,
    ST_BAR_PAUSE,
    ST_ERROR,
    ST_INFO,
    ST_PROMPT,
    ST_PANE_TITLE,
    ST_HELP,
    ST_EMPH,   /* the lesson pane's Markdown: *emphasis* */
    ST_STRONG, /* **strong** */
    ST_CODE,   /* `code` */
    ST_CHOICE, /* the quiz choice under the cursor; the lesson list's cursor */
    ST_COUNT,
};

/* The colour themes of the settings (config.h): the default, one for projectors, one for
 * terminals with a light background. */
enum theme_name {
    THEME_DEFAULT,
    THEME_HIGH_CONTRAST,
    THEME_LIGHT,
};

/* Attribute bits of a look; the back end maps them to its own. */
#define THEME_BOLD      0x1u
#define THEME_DIM       0x2u
#define THEME_UNDERLINE 0x4u
#define THEME_REVERSE   0x8u

/* How a style looks under a theme at a colour depth (0: monochrome, 8 or 256 colours). attr is
 * what it has without a colour pair; colour_attr what it has drawn with fg and bg (a bar's
 * reverse video gives way to its background). Colours are -1 for the terminal's default. */
struct theme_look {
    unsigned attr;
    unsigned colour_attr;
    short fg;
    short bg;
};

void theme_look(enum theme_name theme, int colours, enum draw_style s, struct theme_look *out);

/* The SGR escape sequence of style s in the default theme at 256 colours ("" for a plain style),
 * written to dst (always terminated); returns its length. For the asciicast recording. */
size_t theme_sgr(enum draw_style s, char *dst, size_t size);

#endif
