#include "theme.h"

#include <stdio.h>
#include <string.h>

/* The terminal's eight colours, numbered as curses and SGR number them. */
enum {
    C8_BLACK,
    C8_RED,
    C8_GREEN,
    C8_YELLOW,
    C8_BLUE,
    C8_MAGENTA,
    C8_CYAN,
    C8_WHITE,
};

/*
 * Each style: the attributes it always has (so a monochrome screen still tells
 * states apart), then foreground and background for 256 and for 8 colours
 * (-1: the terminal's default).
 */
static const struct {
    unsigned attr;
    short fg256, bg256, fg8, bg8;
} styles[ST_COUNT] = {
    [ST_NORMAL] = {0, -1, -1, -1, -1},
    [ST_DIM] = {THEME_DIM, 245, -1, -1, -1},
    [ST_BOLD] = {THEME_BOLD, -1, -1, -1, -1},
    [ST_BORDER] = {0, 67, -1, C8_BLUE, -1},
    [ST_SELECTED] = {THEME_BOLD, 51, -1, C8_CYAN, -1},
    [ST_LEADER] = {THEME_BOLD, 220, -1, C8_YELLOW, -1},
    [ST_CRASHED] = {THEME_BOLD, 196, -1, C8_RED, -1},
    [ST_PAUSED] = {0, 214, -1, C8_YELLOW, -1},
    [ST_LINK] = {THEME_DIM, 240, -1, -1, -1},
    [ST_LINK_CUT] = {THEME_BOLD, 196, -1, C8_RED, -1},
    [ST_MSG0] = {THEME_BOLD, 45, -1, C8_CYAN, -1},
    [ST_MSG1] = {THEME_BOLD, 118, -1, C8_GREEN, -1},
    [ST_MSG2] = {THEME_BOLD, 213, -1, C8_MAGENTA, -1},
    [ST_MSG3] = {THEME_BOLD, 208, -1, C8_YELLOW, -1},
    [ST_MSG_DROP] = {THEME_BOLD, 196, -1, C8_RED, -1},
    [ST_OK] = {0, 40, -1, C8_GREEN, -1},
    [ST_FAIL] = {THEME_BOLD, 196, -1, C8_RED, -1},
    [ST_TIMEOUT] = {THEME_BOLD, 208, -1, C8_YELLOW, -1},
    [ST_PENDING] = {0, -1, -1, -1, -1},
    [ST_EV_SEND] = {THEME_DIM, 244, -1, -1, -1},
    [ST_EV_DELIVER] = {0, -1, -1, -1, -1},
    [ST_EV_DROP] = {0, 203, -1, C8_RED, -1},
    [ST_EV_FAULT] = {THEME_BOLD, 214, -1, C8_YELLOW, -1},
    [ST_EV_ROLE] = {THEME_BOLD, 213, -1, C8_MAGENTA, -1},
    [ST_EV_OP] = {0, 81, -1, C8_CYAN, -1},
    [ST_EV_NOTE] = {THEME_BOLD, -1, -1, -1, -1},
    [ST_EV_STORE] = {0, 114, -1, C8_GREEN, -1},
    [ST_BAR] = {THEME_REVERSE, 252, 236, C8_WHITE, C8_BLUE},
    [ST_BAR_KEY] = {THEME_REVERSE | THEME_BOLD, 226, 236, C8_YELLOW, C8_BLUE},
    [ST_BAR_RUN] = {THEME_BOLD, 16, 40, C8_BLACK, C8_GREEN},
    [ST_BAR_PAUSE] = {THEME_BOLD | THEME_UNDERLINE, 16, 214, C8_BLACK, C8_YELLOW},
    [ST_ERROR] = {THEME_BOLD, 196, -1, C8_RED, -1},
    [ST_INFO] = {0, 117, -1, C8_CYAN, -1},
    [ST_PROMPT] = {THEME_BOLD, 226, -1, C8_YELLOW, -1},
    [ST_PANE_TITLE] = {THEME_BOLD, 255, -1, -1, -1},
    [ST_HELP] = {0, -1, -1, -1, -1},
    [ST_EMPH] = {THEME_UNDERLINE, -1, -1, -1, -1},
    [ST_STRONG] = {THEME_BOLD, -1, -1, -1, -1},
    [ST_CODE] = {0, 222, -1, C8_YELLOW, -1},
    [ST_CHOICE] = {THEME_REVERSE, -1, -1, -1, -1},
};

/*
 * A light background washes out the default theme's pale 256-colour foregrounds: each gets a
 * darker colour of the same hue. (The 8-colour set is the terminal's own, already readable.)
 */
static short light_fg(short fg)
{
    switch (fg) {
    case 245:
    case 244:
    case 240:
        return 242;
    case 51:
    case 45:
    case 81:
    case 117:
        return 25;
    case 220:
    case 214:
    case 226:
    case 222:
        return 130;
    case 118:
    case 40:
    case 114:
        return 28;
    case 213:
        return 127;
    case 255:
        return 16;
    default:
        return fg;
    }
}

/*
 * The high-contrast theme, for projectors: nothing dim, everything a state shows in bold, and
 * grey foregrounds raised to white, so the room at the back reads it.
 */
static unsigned contrast_attr(unsigned a)
{
    return (a & ~THEME_DIM) | THEME_BOLD;
}

void theme_look(enum theme_name theme, int colours, enum draw_style s, struct theme_look *out)
{
    short fg = colours >= 256 ? styles[s].fg256 : styles[s].fg8;
    short bg = colours >= 256 ? styles[s].bg256 : styles[s].bg8;
    unsigned attr = styles[s].attr, colour_attr = attr;

    /* With colour, the reverse video that marks the bars in monochrome gives way to a
     * background. */
    if (styles[s].bg256 >= 0)
        colour_attr &= ~THEME_REVERSE;
    if (theme == THEME_HIGH_CONTRAST) {
        attr = contrast_attr(attr);
        colour_attr = contrast_attr(colour_attr);
    }
    if (colours >= 256 && theme == THEME_LIGHT)
        fg = light_fg(fg);
    if (colours >= 256 && theme == THEME_HIGH_CONTRAST && fg >= 232)
        fg = 231;
    out->attr = attr;
    out->colour_attr = colour_attr;
    out->fg = colours > 0 ? fg : -1;
    out->bg = colours > 0 ? bg : -1;
}

size_t theme_sgr(enum draw_style s, char *dst, size_t size)
{
    static const struct {
        unsigned bit;
        const char *code;
    } codes[] = {{THEME_BOLD, "1"}, {THEME_DIM, "2"}, {THEME_UNDERLINE, "4"}, {THEME_REVERSE, "7"}};
    struct theme_look lk;
    char buf[64] = "";
    size_t n;

    theme_look(THEME_DEFAULT, 256, s, &lk);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (lk.colour_attr & codes[i].bit)
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? ";" : "",
                     codes[i].code);
    if (lk.fg >= 0)
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s38;5;%d", buf[0] ? ";" : "",
                 lk.fg);
    if (lk.bg >= 0)
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s48;5;%d", buf[0] ? ";" : "",
                 lk.bg);
    n = buf[0] ? (size_t)snprintf(dst, size, "\x1b[%sm", buf)
               : (size_t)snprintf(dst, size, "%s", "");
    return n;
}
