#include "compare_draw.h"

#include <stdio.h>
#include <string.h>

#include "../engine/util.h"

int compare_draw_lesson_rows(int w, int h)
{
    int rows = (h - 2) / 2;

    (void)w;
    return rows < 9 ? 9 : rows > 18 ? 18 : rows;
}

int compare_draw_columns(int w, int n)
{
    if (w >= COMPARE_DRAW_ALL_W || n < 2)
        return n;
    return 2;
}

static void draw_status(struct grid *g, struct compare *c, const struct compare_screen *s, int row,
                        int shown)
{
    int w = grid_width(g), x = 0;
    char t[32], hd[32], line[256];
    const char *base = s->title ? strrchr(s->title, '/') : NULL;
    static const char *const keys[][2] = {
        {"Spc", "run"}, {"Tab", "models"}, {"K", "kill"},   {"X", "partition"},
        {"S", "skew"},  {"U", "heal"},     {"[ ]", "time"}, {":", "cmd"},
        {"q", "quit"},  {"Z", "pause"},    {"w", "write"},  {"g", "read"},
    };

    grid_fill(g, 0, row, w, 1, ' ', ST_BAR);
    x += grid_text(g, x, row, w - x, s->paused ? " || PAUSED " : " >> RUNNING ",
                   s->paused ? ST_BAR_PAUSE : ST_BAR_RUN);
    x += grid_text(g, x, row, w / 4, base ? base + 1 : s->title ? s->title : "compare", ST_BAR_KEY);
    util_fmt_time(t, sizeof(t), s->now_us);
    if (s->head_us >= 0) {
        util_fmt_time(hd, sizeof(hd), s->head_us);
        snprintf(line, sizeof(line), " REWOUND t=%s of %s %s n%d", t, hd, s->speed,
                 s->selected + 1);
    } else {
        snprintf(line, sizeof(line), " t=%s %s n%d", t, s->speed, s->selected + 1);
    }
    if (shown < c->n)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " models %d-%d of %d",
                 s->first + 1, s->first + shown, c->n);
    x += grid_text(g, x, row, w - x, line, ST_BAR) + 1;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i][0], "Tab") == 0 && shown == c->n)
            continue;
        if (strcmp(keys[i][0], "[ ]") == 0 && s->lesson)
            continue; /* a lesson travels by steps: < and > */
        if (x + (int)strlen(keys[i][0]) + (int)strlen(keys[i][1]) + 2 > w)
            continue;
        x += 1 + grid_text(g, x, row, w - x, keys[i][0], ST_BAR_KEY);
        x += 1 + grid_text(g, x, row, w - x, keys[i][1], ST_BAR);
    }
}

void compare_draw(struct grid *g, struct compare *c, const struct compare_screen *s,
                  struct draw_cursor *cur)
{
    int w = grid_width(g), h = grid_height(g), shown = compare_draw_columns(w, c->n);
    int body = h - 2 - (s->lesson ? compare_draw_lesson_rows(w, h) : 0), x = 0;
    char line[256];

    grid_clear(g);
    cur->show = false;
    if (w < DRAW_MIN_W || h < DRAW_MIN_H) {
        snprintf(line, sizeof(line), "Needs %dx%d, is %dx%d.", DRAW_MIN_W, DRAW_MIN_H, w, h);
        grid_text(g, 0, h / 2 - 1, w, line, ST_BOLD);
        grid_text(g, 0, h / 2, w, "Enlarge it, or q quits.", ST_NORMAL);
        return;
    }
    for (int i = 0; i < shown; i++) {
        int k = (s->first + i) % c->n;
        int cw = (w - (shown - 1)) / shown + (i < (w - (shown - 1)) % shown ? 1 : 0);
        struct engine *e = script_run_engine(c->runs[k]);
        struct draw_view v;
        char title[160], t[32];

        memset(&v, 0, sizeof(v));
        v.selected = s->selected < engine_nodes(e) ? s->selected : 0;
        v.paused = s->paused;
        v.speed = s->speed;
        v.cmd = "";
        v.head_us = -1;
        v.checks = s->checks ? &s->checks[k] : NULL;
        v.lesson = s->lesson; /* a lesson that does not teach Lamport clocks hides them */
        snprintf(title, sizeof(title), "%s", c->models[k]->title);
        if (engine_now(e) != s->now_us) {
            util_fmt_time(t, sizeof(t), engine_now(e));
            snprintf(title + strlen(title), sizeof(title) - strlen(title), " (at %s)", t);
        }
        draw_column(g, e, &v, title, x, 0, cw, body);
        x += cw;
        if (i < shown - 1) {
            for (int y = 0; y < body; y++)
                grid_glyph(g, x, y, GL_V, ST_BORDER);
            x++;
        }
    }
    if (s->lesson)
        draw_lesson_at(g, s->lesson, 0, body, w, h - 2 - body);
    if (s->cmd_open) {
        int px = grid_text(g, 0, h - 1, 1, ":", ST_PROMPT);
        int off = s->cmd_cursor > w - 3 ? s->cmd_cursor - (w - 3) : 0;
        grid_text(g, px, h - 1, w - px, s->cmd + off, ST_NORMAL);
        cur->x = px + s->cmd_cursor - off;
        cur->y = h - 1;
        cur->show = true;
        grid_text(g, 0, h - 2, w, s->msg ? s->msg : "Enter gives it to every model  Esc cancels",
                  s->msg && s->msg_error ? ST_ERROR : ST_DIM);
        return;
    }
    if (s->msg)
        grid_text(g, 0, h - 2, w, s->msg, s->msg_error ? ST_ERROR : ST_INFO);
    draw_status(g, c, s, h - 1, shown);
}
