#include "grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/util.h"

struct grid {
    int w;
    int h;
    bool ascii;
    struct grid_cell *cells;
    /* The clip rectangle (the whole grid when off) and the writes it stopped. */
    bool clip_on;
    int cx, cy, cw, ch;
    long escapes;
};

/* One table, Unicode and its ASCII twin side by side. */
static const struct {
    uint32_t uni;
    char ascii;
} glyphs[GL_COUNT] = {
    [GL_H] = {0x2500, '-'},          [GL_V] = {0x2502, '|'},        [GL_TL] = {0x250c, '+'},
    [GL_TR] = {0x2510, '+'},         [GL_BL] = {0x2514, '+'},       [GL_BR] = {0x2518, '+'},
    [GL_H2] = {0x2550, '='},         [GL_V2] = {0x2551, 'H'},       [GL_TL2] = {0x2554, '#'},
    [GL_TR2] = {0x2557, '#'},        [GL_BL2] = {0x255a, '#'},      [GL_BR2] = {0x255d, '#'},
    [GL_LINK_H] = {0x2500, '-'},     [GL_LINK_V] = {0x2502, '|'},   [GL_LINK_UP] = {0x2571, '/'},
    [GL_LINK_DOWN] = {0x2572, '\\'}, [GL_CUT] = {0x2573, 'X'},      [GL_MSG] = {0x25cf, 'o'},
    [GL_MSG_DUP] = {0x25c9, '@'},    [GL_MSG_DROP] = {0x2717, '*'}, [GL_MSG_IDLE] = {0x00b7, '.'},
    [GL_OK] = {0x2713, '+'},         [GL_FAIL] = {0x2717, 'x'},     [GL_TIMEOUT] = {0x25d4, 'T'},
    [GL_PENDING] = {0x2026, '.'},    [GL_LEADER] = {0x2605, '*'},   [GL_WALL] = {0x250a, ':'},
    [GL_SPOT] = {0x25b6, '>'},
};

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void alloc_cells(struct grid *g, int w, int h)
{
    g->w = clampi(w, 0, GRID_MAX_W);
    g->h = clampi(h, 0, GRID_MAX_H);
    free(g->cells);
    g->cells = xcalloc((size_t)g->w * (size_t)g->h + 1, sizeof(*g->cells));
    grid_clear(g);
}

struct grid *grid_create(int w, int h, bool ascii)
{
    struct grid *g = xcalloc(1, sizeof(*g));

    g->ascii = ascii;
    alloc_cells(g, w, h);
    return g;
}

void grid_destroy(struct grid *g)
{
    if (!g)
        return;
    free(g->cells);
    free(g);
}

void grid_resize(struct grid *g, int w, int h)
{
    alloc_cells(g, w, h);
}

int grid_width(const struct grid *g)
{
    return g->w;
}

int grid_height(const struct grid *g)
{
    return g->h;
}

bool grid_ascii(const struct grid *g)
{
    return g->ascii;
}

void grid_set_ascii(struct grid *g, bool ascii)
{
    g->ascii = ascii;
}

void grid_clear(struct grid *g)
{
    size_t n = (size_t)g->w * (size_t)g->h;

    for (size_t i = 0; i < n; i++) {
        g->cells[i].ch = ' ';
        g->cells[i].style = 0;
    }
}

void grid_clip(struct grid *g, int x, int y, int w, int h)
{
    g->clip_on = true;
    g->cx = x;
    g->cy = y;
    g->cw = w;
    g->ch = h;
}

void grid_unclip(struct grid *g)
{
    g->clip_on = false;
}

long grid_escapes(const struct grid *g)
{
    return g->escapes;
}

/* Outside the clip rectangle: counted, and not written. */
static bool clipped(struct grid *g, int x, int y)
{
    if (!g->clip_on || (x >= g->cx && x < g->cx + g->cw && y >= g->cy && y < g->cy + g->ch))
        return false;
    g->escapes++;
    return true;
}

void grid_put(struct grid *g, int x, int y, uint32_t ch, int style)
{
    struct grid_cell *c;

    if (clipped(g, x, y) || x < 0 || y < 0 || x >= g->w || y >= g->h)
        return;
    c = &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
    c->ch = ch;
    c->style = (uint16_t)style;
}

uint32_t grid_glyph_char(const struct grid *g, enum grid_glyph gl)
{
    return g->ascii ? (uint32_t)(unsigned char)glyphs[gl].ascii : glyphs[gl].uni;
}

void grid_glyph(struct grid *g, int x, int y, enum grid_glyph gl, int style)
{
    grid_put(g, x, y, grid_glyph_char(g, gl), style);
}

/* Decodes one UTF-8 sequence at *s; a malformed byte decodes as '?'. */
static uint32_t utf8_next(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t cp;
    int extra;

    if (p[0] < 0x80) {
        *s = p + 1;
        return p[0];
    }
    if ((p[0] & 0xe0) == 0xc0) {
        cp = p[0] & 0x1fu;
        extra = 1;
    } else if ((p[0] & 0xf0) == 0xe0) {
        cp = p[0] & 0x0fu;
        extra = 2;
    } else if ((p[0] & 0xf8) == 0xf0) {
        cp = p[0] & 0x07u;
        extra = 3;
    } else {
        *s = p + 1;
        return '?';
    }
    for (int i = 1; i <= extra; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *s = p + 1;
            return '?';
        }
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    *s = p + 1 + extra;
    return cp;
}

int grid_text(struct grid *g, int x, int y, int maxw, const char *utf8, int style)
{
    const unsigned char *s = (const unsigned char *)utf8;
    int n = 0;

    if (maxw < 0)
        maxw = g->w - x;
    while (*s && n < maxw) {
        uint32_t cp = utf8_next(&s);
        if (cp < 0x20 || cp == 0x7f)
            cp = '?';
        else if (cp >= 0x80 && g->ascii)
            cp = '?';
        grid_put(g, x + n, y, cp, style);
        n++;
    }
    return n;
}

int grid_text_words(struct grid *g, int x, int y, int maxw, const char *utf8, int style)
{
    const unsigned char *s = (const unsigned char *)utf8;
    int cols = 0, cut = -1;

    if (maxw < 0)
        maxw = g->w - x;
    /* Where the text would end at a space within maxw columns, when it does not fit whole. */
    for (const unsigned char *p = s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        if (*p == ' ' && cols <= maxw)
            cut = cols;
        cols++;
    }
    if (cols <= maxw || cut <= 0)
        return grid_text(g, x, y, maxw, utf8, style);
    return grid_text(g, x, y, cut, utf8, style);
}

void grid_fill(struct grid *g, int x, int y, int w, int h, uint32_t ch, int style)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            grid_put(g, x + i, y + j, ch, style);
}

void grid_restyle(struct grid *g, int x, int y, int w, int style)
{
    for (int i = 0; i < w; i++) {
        if (clipped(g, x + i, y) || x + i < 0 || x + i >= g->w || y < 0 || y >= g->h)
            continue;
        g->cells[(size_t)y * (size_t)g->w + (size_t)(x + i)].style = (uint16_t)style;
    }
}

void grid_box(struct grid *g, int x, int y, int w, int h, bool dbl, int style)
{
    enum grid_glyph hl = dbl ? GL_H2 : GL_H, vl = dbl ? GL_V2 : GL_V;

    if (w < 2 || h < 2)
        return;
    for (int i = 1; i < w - 1; i++) {
        grid_glyph(g, x + i, y, hl, style);
        grid_glyph(g, x + i, y + h - 1, hl, style);
    }
    for (int j = 1; j < h - 1; j++) {
        grid_glyph(g, x, y + j, vl, style);
        grid_glyph(g, x + w - 1, y + j, vl, style);
    }
    grid_glyph(g, x, y, dbl ? GL_TL2 : GL_TL, style);
    grid_glyph(g, x + w - 1, y, dbl ? GL_TR2 : GL_TR, style);
    grid_glyph(g, x, y + h - 1, dbl ? GL_BL2 : GL_BL, style);
    grid_glyph(g, x + w - 1, y + h - 1, dbl ? GL_BR2 : GL_BR, style);
}

struct grid_cell grid_at(const struct grid *g, int x, int y)
{
    struct grid_cell blank = {' ', 0};

    if (x < 0 || y < 0 || x >= g->w || y >= g->h)
        return blank;
    return g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

static size_t utf8_put(char *buf, uint32_t cp)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xc0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    buf[0] = (char)(0xf0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    buf[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

size_t grid_dump(const struct grid *g, char *dst, size_t size)
{
    size_t len = 0;

    for (int y = 0; y < g->h; y++) {
        int end = g->w;
        while (end > 0 && g->cells[(size_t)y * (size_t)g->w + (size_t)(end - 1)].ch == ' ')
            end--;
        for (int x = 0; x <= end; x++) {
            char buf[4];
            size_t n;
            if (x == end) {
                buf[0] = '\n';
                n = 1;
            } else {
                n = utf8_put(buf, g->cells[(size_t)y * (size_t)g->w + (size_t)x].ch);
            }
            for (size_t i = 0; i < n; i++, len++)
                if (len + 1 < size)
                    dst[len] = buf[i];
        }
    }
    if (size > 0)
        dst[len < size ? len : size - 1] = '\0';
    return len;
}

/* ---- asciicast v2 ---- */

/* Appends n bytes to dst at *len, counting what does not fit (like snprintf). */
static void cast_put(char *dst, size_t size, size_t *len, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, (*len)++)
        if (*len + 1 < size)
            dst[*len] = s[i];
}

/* Appends s as the inside of a JSON string: quote, backslash and control bytes escaped. */
static void cast_json(char *dst, size_t size, size_t *len, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            cast_put(dst, size, len, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
            cast_put(dst, size, len, esc, 6);
        } else {
            cast_put(dst, size, len, (const char *)&c, 1);
        }
    }
}

static void cast_finish(char *dst, size_t size, size_t len)
{
    if (size > 0)
        dst[len < size ? len : size - 1] = '\0';
}

size_t grid_cast_escape(const char *s, char *dst, size_t size)
{
    size_t len = 0;
    cast_json(dst, size, &len, s, strlen(s));
    cast_finish(dst, size, len);
    return len;
}

size_t grid_cast_header(int w, int h, long long timestamp, double idle_limit_s, char *dst,
                        size_t size)
{
    char buf[200];
    size_t len = 0;
    int n = snprintf(buf, sizeof(buf),
                     "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld, "
                     "\"idle_time_limit\": %.1f, \"title\": \"splitbrain\"}\n",
                     w, h, timestamp, idle_limit_s);
    cast_put(dst, size, &len, buf, n > 0 ? (size_t)n : 0);
    cast_finish(dst, size, len);
    return len;
}

size_t grid_cast_frame(const struct grid *g, double t, const char *const *sgr, int n_sgr, char *dst,
                       size_t size)
{
    char buf[64];
    size_t len = 0;
    int n = snprintf(buf, sizeof(buf), "[%.6f, \"o\", \"", t);
    cast_put(dst, size, &len, buf, n > 0 ? (size_t)n : 0);
    cast_json(dst, size, &len, "\x1b[0m\x1b[H\x1b[2J", 11);
    for (int y = 0; y < g->h; y++) {
        int cur = -1;
        n = snprintf(buf, sizeof(buf), "\x1b[%d;1H", y + 1);
        cast_json(dst, size, &len, buf, n > 0 ? (size_t)n : 0);
        for (int x = 0; x < g->w; x++) {
            struct grid_cell c = g->cells[(size_t)y * (size_t)g->w + (size_t)x];
            size_t k;
            if (c.style != cur) {
                const char *s = c.style < n_sgr && sgr && sgr[c.style] ? sgr[c.style] : "";
                cast_json(dst, size, &len, "\x1b[0m", 4);
                cast_json(dst, size, &len, s, strlen(s));
                cur = c.style;
            }
            k = utf8_put(buf, c.ch);
            cast_json(dst, size, &len, buf, k);
        }
        cast_json(dst, size, &len, "\x1b[0m", 4);
    }
    cast_put(dst, size, &len, "\"]\n", 3);
    cast_finish(dst, size, len);
    return len;
}

void grid_copy(struct grid *dst, const struct grid *src)
{
    if (dst->w != src->w || dst->h != src->h)
        alloc_cells(dst, src->w, src->h);
    memcpy(dst->cells, src->cells, (size_t)src->w * (size_t)src->h * sizeof(*src->cells));
    dst->ascii = src->ascii;
}

/* Appends the cells x0..x1-1 of row y: the cursor placed, then each run of a style after its
 * SGR sequence (none when *cur, the style the terminal is in, is already it). */
static void cast_run(const struct grid *g, int y, int x0, int x1, const char *const *sgr, int n_sgr,
                     char *dst, size_t size, size_t *len, int *cur)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "\x1b[%d;%dH", y + 1, x0 + 1);

    cast_json(dst, size, len, buf, n > 0 ? (size_t)n : 0);
    for (int x = x0; x < x1; x++) {
        struct grid_cell c = g->cells[(size_t)y * (size_t)g->w + (size_t)x];
        size_t k;
        if (c.style != *cur) {
            const char *st = c.style < n_sgr && sgr && sgr[c.style] ? sgr[c.style] : "";
            cast_json(dst, size, len, "\x1b[0m", 4);
            cast_json(dst, size, len, st, strlen(st));
            *cur = c.style;
        }
        k = utf8_put(buf, c.ch);
        cast_json(dst, size, len, buf, k);
    }
}

static bool cell_same(struct grid_cell a, struct grid_cell b)
{
    return a.ch == b.ch && a.style == b.style;
}

size_t grid_cast_diff(const struct grid *g, const struct grid *prev, double t,
                      const char *const *sgr, int n_sgr, char *dst, size_t size)
{
    char buf[64];
    size_t len = 0, start;
    int n, cur = -1;

    if (!prev || prev->w != g->w || prev->h != g->h)
        return grid_cast_frame(g, t, sgr, n_sgr, dst, size);
    n = snprintf(buf, sizeof(buf), "[%.6f, \"o\", \"", t);
    cast_put(dst, size, &len, buf, n > 0 ? (size_t)n : 0);
    start = len;
    for (int y = 0; y < g->h; y++) {
        const struct grid_cell *row = g->cells + (size_t)y * (size_t)g->w;
        const struct grid_cell *old = prev->cells + (size_t)y * (size_t)g->w;
        for (int x = 0; x < g->w;) {
            int last = x;
            if (cell_same(row[x], old[x])) {
                x++;
                continue;
            }
            /* A run of changes to its last changed cell; unchanged stretches under 6 cells are
             * cheaper to write again than to move the cursor over. */
            for (int x1 = x + 1; x1 < g->w && x1 - last < 6; x1++)
                if (!cell_same(row[x1], old[x1]))
                    last = x1;
            cast_run(g, y, x, last + 1, sgr, n_sgr, dst, size, &len, &cur);
            x = last + 1;
        }
    }
    if (len == start) {
        /* Nothing changed: no event at all. */
        cast_finish(dst, size, 0);
        return 0;
    }
    cast_json(dst, size, &len, "\x1b[0m", 4);
    cast_put(dst, size, &len, "\"]\n", 3);
    cast_finish(dst, size, len);
    return len;
}

size_t grid_cast_marker(double t, const char *label, char *dst, size_t size)
{
    char buf[64];
    size_t len = 0;
    int n = snprintf(buf, sizeof(buf), "[%.6f, \"m\", \"", t);

    cast_put(dst, size, &len, buf, n > 0 ? (size_t)n : 0);
    cast_json(dst, size, &len, label, strlen(label));
    cast_put(dst, size, &len, "\"]\n", 3);
    cast_finish(dst, size, len);
    return len;
}
