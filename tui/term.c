#include "term.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "../engine/util.h"
#include "keys.h"

struct term {
    enum term_colors colors;
    enum theme_name theme;
    bool no_colour; /* the settings' colour = no (NO_COLOR is read here too) */
    int click_x;
    int click_y;
    attr_t attr[ST_COUNT];
    short pair[ST_COUNT];
};

static void fatal_signal(int sig)
{
    /* SA_RESETHAND has restored the default action: put the terminal back, then die of it. */
    endwin();
    raise(sig);
}

static void install_fatal_handlers(void)
{
    static const int sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

/* The theme's attribute bits as curses attributes. */
static attr_t curses_attr(unsigned bits)
{
    attr_t a = A_NORMAL;

    if (bits & THEME_BOLD)
        a |= A_BOLD;
    if (bits & THEME_DIM)
        a |= A_DIM;
    if (bits & THEME_UNDERLINE)
        a |= A_UNDERLINE;
    if (bits & THEME_REVERSE)
        a |= A_REVERSE;
    return a;
}

static void setup_colors(struct term *t)
{
    const char *nc = getenv("NO_COLOR");

    t->colors = TERM_MONO;
    if (!t->no_colour && (!nc || !nc[0]) && has_colors() && start_color() == OK) {
        use_default_colors();
        t->colors = COLORS >= 256 ? TERM_256 : COLORS >= 8 ? TERM_8 : TERM_MONO;
    }
    for (int s = 0; s < ST_COUNT; s++) {
        struct theme_look lk;
        theme_look(t->theme,
                   t->colors == TERM_256 ? 256
                   : t->colors == TERM_8 ? 8
                                         : 0,
                   (enum draw_style)s, &lk);
        t->pair[s] = 0;
        t->attr[s] = curses_attr(lk.attr);
        if (t->colors == TERM_MONO || (lk.fg < 0 && lk.bg < 0))
            continue;
        if (init_pair((short)(s + 1), lk.fg, lk.bg) == OK) {
            t->pair[s] = (short)(s + 1);
            t->attr[s] = curses_attr(lk.colour_attr);
        }
    }
}

/*
 * Can the terminal curses just opened draw the screen at all? One without cursor addressing
 * (TERM=dumb, an emacs shell buffer) would get a blank or garbled screen: the caller says so on
 * one line instead.
 */
static bool can_address(void)
{
    char cup[] = "cup";
    const char *s = tigetstr(cup);

    return s != NULL && s != (char *)-1;
}

/* Sequences terminals (and tmux) send for Home and End that some terminfo entries lack. */
static void define_keys(void)
{
    static const struct {
        const char *seq;
        int key;
    } extra[] = {
        {"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME}, {"\033OH", KEY_HOME},
        {"\033[4~", KEY_END},  {"\033[8~", KEY_END},  {"\033[F", KEY_END},  {"\033OF", KEY_END},
    };

    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
        if (key_defined(extra[i].seq) <= 0)
            define_key(extra[i].seq, extra[i].key);
}

void term_set_theme(struct term *t, enum theme_name theme, bool colour)
{
    t->theme = theme;
    t->no_colour = !colour;
    setup_colors(t);
}

struct term *term_create(bool mouse)
{
    struct term *t = xcalloc(1, sizeof(*t));
    const char *name = getenv("TERM");
    SCREEN *scr;

    if (!getenv("ESCDELAY"))
        setenv("ESCDELAY", "25", 1); /* Esc answers at once; ncurses waits a second by default */
    if (!(scr = newterm(NULL, stdout, stdin))) {
        fprintf(stderr, "splitbrain: cannot start the terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "unset");
        free(t);
        return NULL;
    }
    if (!can_address()) {
        endwin();
        delscreen(scr);
        fprintf(stderr,
                "splitbrain: TERM=%s cannot place the cursor: use a full terminal, or "
                "splitbrain run FILE.scn\n",
                name && name[0] ? name : "unset");
        free(t);
        return NULL;
    }
    install_fatal_handlers();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    leaveok(stdscr, FALSE);
    curs_set(0);
    define_keys();
    if (mouse) {
        mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
    setup_colors(t);
    return t;
}

void term_destroy(struct term *t)
{
    if (!t)
        return;
    curs_set(1);
    endwin();
    free(t);
}

enum term_colors term_colors(const struct term *t)
{
    return t->colors;
}

void term_size(const struct term *t, int *w, int *h)
{
    (void)t;
    *w = COLS;
    *h = LINES;
}

void term_resize(struct term *t)
{
    struct winsize ws;

    (void)t;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
    clearok(curscr, TRUE); /* what the terminal kept of the old frame is unknown: paint it all */
}

void term_invalidate(struct term *t)
{
    (void)t;
    clearok(curscr, TRUE);
}

void term_present(struct term *t, const struct grid *g, const struct draw_cursor *cur)
{
    int w = grid_width(g) < COLS ? grid_width(g) : COLS;
    int h = grid_height(g) < LINES ? grid_height(g) : LINES;

    /* Every cell is written again below; curses sends only what differs from the screen. */
    werase(stdscr);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            struct grid_cell c = grid_at(g, x, y);
            wchar_t wc[2] = {(wchar_t)c.ch, 0};
            cchar_t cc;
            int s = c.style < ST_COUNT ? c.style : ST_NORMAL;
            /* A cell is one column: a wide or zero-width character would shift the row. */
            if (c.ch >= 0x80 && wcwidth((wchar_t)c.ch) != 1)
                wc[0] = '?';
            /* The bottom-right cell would scroll some terminals: leave it. */
            if (y == LINES - 1 && x == COLS - 1)
                continue;
            setcchar(&cc, wc, t->attr[s], t->pair[s], NULL);
            mvadd_wch(y, x, &cc);
        }
    }
    if (cur->show) {
        curs_set(1);
        move(cur->y, cur->x);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

void term_click(const struct term *t, int *x, int *y)
{
    *x = t->click_x;
    *y = t->click_y;
}

/*
 * Esc arrived: alone it is the Esc key. Followed at once by more bytes it is an escape sequence
 * curses did not recognise (its ESCDELAY has passed, so the rest is already waiting): read it to
 * its end and drop it, so "\033[1;5D" never reaches the keys as '[', '1', ';', '5', 'D'. A
 * few Home and End spellings are understood. Esc then any other key is the two keys.
 */
static int escape_sequence(void)
{
    wint_t wc;
    char seq[16];
    int n = 0, r = wget_wch(stdscr, &wc);

    if (r == ERR)
        return KEYS_ESC;
    if (r == KEY_CODE_YES || (wc != '[' && wc != 'O')) {
        /* Esc, then a key typed quickly after it: both count. */
        if (r == KEY_CODE_YES)
            ungetch((int)wc);
        else
            unget_wch((wchar_t)wc);
        return KEYS_ESC;
    }
    seq[n++] = (char)wc;
    /* CSI: parameter and intermediate bytes, then one final byte (0x40-0x7e). */
    while ((r = wget_wch(stdscr, &wc)) != ERR && r != KEY_CODE_YES) {
        if (n < (int)sizeof(seq) - 1)
            seq[n++] = (char)wc;
        if (wc >= 0x40 && wc <= 0x7e && !(n == 2 && seq[0] == '[' && wc == '['))
            break;
    }
    seq[n] = '\0';
    if (strcmp(seq, "[1~") == 0 || strcmp(seq, "[7~") == 0 || strcmp(seq, "[H") == 0 ||
        strcmp(seq, "OH") == 0)
        return KEYS_HOME;
    if (strcmp(seq, "[4~") == 0 || strcmp(seq, "[8~") == 0 || strcmp(seq, "[F") == 0 ||
        strcmp(seq, "OF") == 0)
        return KEYS_END;
    return -2;
}

int term_key(struct term *t)
{
    wint_t wc;
    int r;

    r = wget_wch(stdscr, &wc);
    if (r == ERR)
        return -1;
    if (r == KEY_CODE_YES) {
        switch (wc) {
        case KEY_UP:
            return KEYS_UP;
        case KEY_DOWN:
            return KEYS_DOWN;
        case KEY_LEFT:
            return KEYS_LEFT;
        case KEY_RIGHT:
            return KEYS_RIGHT;
        case KEY_HOME:
            return KEYS_HOME;
        case KEY_END:
            return KEYS_END;
        case KEY_PPAGE:
            return KEYS_PGUP;
        case KEY_NPAGE:
            return KEYS_PGDN;
        case KEY_BACKSPACE:
            return KEYS_BACKSPACE;
        case KEY_DC:
            return KEYS_DELETE;
        case KEY_ENTER:
            return KEYS_ENTER;
        case KEY_RESIZE:
            return KEYS_RESIZE;
        case KEY_F(1):
            return KEYS_F1;
        case KEY_MOUSE: {
            MEVENT me;
            if (getmouse(&me) != OK)
                return -2;
            if (me.bstate & BUTTON4_PRESSED)
                return KEYS_WHEEL_UP;
            if (me.bstate & BUTTON5_PRESSED)
                return KEYS_WHEEL_DOWN;
            if (!(me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
                return -2;
            t->click_x = me.x;
            t->click_y = me.y;
            return KEYS_CLICK;
        }
        default:
            return -2; /* a key the sandbox does not use */
        }
    }
    switch (wc) {
    case '\r':
    case '\n':
        return KEYS_ENTER;
    case 127:
    case 8:
        return KEYS_BACKSPACE;
    case 27:
        return escape_sequence();
    case '\t':
        return KEYS_TAB;
    default:
        return (int)wc;
    }
}
