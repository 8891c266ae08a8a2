/*
 * The history view. Time runs left to right over [t0, t0 + span); each
 * process has a lane; each op of the key shown is a bar from its invocation
 * to its completion ([===]; an indeterminate op runs on to the edge as
 * [---->). The ops of a violation's window are drawn in the error style, the
 * op the search could not place is marked !, and each op of the order the
 * search found carries a * at its linearization point (the earliest instant
 * in its interval after the previous op's point). Only the ops that overlap
 * the view are drawn, so a frame costs one pass over the key's ops.
 */
#include "checkview.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/util.h"
#include "draw.h"
#include "grid.h"
#include "keys.h"
#include "term.h"

#define LANE_LABEL_W 7

struct cv_key {
    int *ops; /* history indexes of the key's ops */
    int n;
    int *procs; /* its processes, sorted */
    int n_procs;
};

struct checkview {
    const char *file;
    const struct check_hist *h;
    enum check_model model;
    const struct check_hresult *res;
    struct cv_key *keys;
    int cur;        /* the key shown */
    int64_t t0;     /* the view's left edge */
    int64_t span;   /* time across the lanes */
    int lane_top;   /* the first lane shown */
    int64_t *lin_t; /* per history op: its linearization point, or INT64_MIN */
    int *lin_no;    /* per history op: its place in the order found (1-based), or 0 */
    unsigned char *in_window;
};

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int64_t op_end(const struct check_hop *o, int64_t last)
{
    return o->complete == INT64_MAX ? last : o->complete;
}

static void cv_build(struct checkview *v)
{
    const struct check_hist *h = v->h;
    int n = check_hist_count(h);

    v->keys = xcalloc((size_t)v->res->n_keys + 1, sizeof(*v->keys));
    v->lin_t = xmalloc(((size_t)n + 1) * sizeof(int64_t));
    v->lin_no = xcalloc((size_t)n + 1, sizeof(int));
    v->in_window = xcalloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++)
        v->lin_t[i] = INT64_MIN;
    for (int k = 0; k < v->res->n_keys; k++) {
        const struct check_hkey *kr = &v->res->keys[k];
        struct cv_key *ck = &v->keys[k];
        int64_t point = INT64_MIN;
        ck->ops = xmalloc(((size_t)n + 1) * sizeof(int));
        ck->procs = xmalloc(((size_t)n + 1) * sizeof(int));
        for (int i = 0; i < n; i++) {
            const struct check_hop *o = check_hist_at(h, i);
            if (o->key != kr->key)
                continue;
            ck->ops[ck->n++] = i;
            ck->procs[ck->n_procs++] = o->process;
        }
        qsort(ck->procs, (size_t)ck->n_procs, sizeof(int), cmp_int);
        {
            int m = 0;
            for (int i = 0; i < ck->n_procs; i++)
                if (m == 0 || ck->procs[m - 1] != ck->procs[i])
                    ck->procs[m++] = ck->procs[i];
            ck->n_procs = m;
        }
        for (int i = 0; i < kr->n_lin; i++) {
            const struct check_hop *o = check_hist_at(h, kr->lin[i]);
            point = o->invoke > point ? o->invoke : point;
            v->lin_t[kr->lin[i]] = point;
            v->lin_no[kr->lin[i]] = i + 1;
        }
        for (int i = 0; i < kr->n_window; i++)
            v->in_window[kr->window[i]] = 1;
    }
}

static void cv_free(struct checkview *v)
{
    for (int k = 0; k < v->res->n_keys; k++) {
        free(v->keys[k].ops);
        free(v->keys[k].procs);
    }
    free(v->keys);
    free(v->lin_t);
    free(v->lin_no);
    free(v->in_window);
}

/* The time range of the key's ops, or of its violating window when window is true. */
static void cv_range(const struct checkview *v, bool window, int64_t *lo, int64_t *hi)
{
    const struct cv_key *ck = &v->keys[v->cur];
    int64_t last = INT64_MIN;

    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int i = 0; i < ck->n; i++) {
        const struct check_hop *o = check_hist_at(v->h, ck->ops[i]);
        int64_t e = o->complete == INT64_MAX ? o->invoke : o->complete;
        last = e > last ? e : last;
    }
    for (int i = 0; i < ck->n; i++) {
        const struct check_hop *o = check_hist_at(v->h, ck->ops[i]);
        if (window && !v->in_window[ck->ops[i]])
            continue;
        *lo = o->invoke < *lo ? o->invoke : *lo;
        *hi = op_end(o, last) > *hi ? op_end(o, last) : *hi;
    }
    if (*lo > *hi) {
        *lo = 0;
        *hi = 1;
    }
}

static void cv_fit(struct checkview *v, bool window)
{
    int64_t lo, hi;

    cv_range(v, window, &lo, &hi);
    v->span = hi - lo + 1;
    v->span += v->span / 10 + 1;
    v->t0 = lo - v->span / 20;
}

static int cv_x(const struct checkview *v, int64_t t, int w)
{
    double f = (double)(t - v->t0) / (double)v->span;
    if (f < -1.0)
        f = -1.0;
    if (f > 2.0)
        f = 2.0;
    return LANE_LABEL_W + (int)(f * (double)w);
}

/* The title bar (file, model, key, verdict), the time row and the lanes' labels. */
static void cv_draw_head(const struct checkview *v, struct grid *g, int lane_w, int lanes_h)
{
    int W = grid_width(g);
    const struct cv_key *ck = &v->keys[v->cur];
    const struct check_hkey *kr = &v->res->keys[v->cur];
    char line[512], t0s[32], t1s[32];
    bool kv = v->model == CHECK_MODEL_KV || check_hist_str(v->h, kr->key)[0];

    snprintf(line, sizeof(line), " %s  %s  %s%s%s (%d/%d): %s ", v->file,
             check_model_name(v->model), kv ? "key \"" : "register",
             kv ? check_hist_str(v->h, kr->key) : "", kv ? "\"" : "", v->cur + 1, v->res->n_keys,
             kr->verdict == CHECK_OK         ? "linearizable"
             : kr->verdict == CHECK_VIOLATED ? "NOT linearizable"
             : kr->verdict == CHECK_UNKNOWN  ? "unknown (budget)"
                                             : "not checked");
    grid_fill(g, 0, 0, W, 1, ' ', ST_BAR);
    grid_text(g, 0, 0, W, line, kr->verdict == CHECK_VIOLATED ? ST_ERROR : ST_BAR);
    check_hist_fmt_time(v->h, v->t0, t0s, sizeof(t0s));
    check_hist_fmt_time(v->h, v->t0 + v->span, t1s, sizeof(t1s));
    grid_text(g, 0, 1, LANE_LABEL_W, " time", ST_DIM);
    grid_text(g, LANE_LABEL_W, 1, lane_w, t0s, ST_DIM);
    grid_text(g, W - 1 - (int)strlen(t1s), 1, -1, t1s, ST_DIM);
    for (int r = 0; r < lanes_h && v->lane_top + r < ck->n_procs; r++) {
        snprintf(line, sizeof(line), "p%-4d", ck->procs[v->lane_top + r]);
        grid_text(g, 0, 2 + r, LANE_LABEL_W - 1, line, ST_BOLD);
        grid_put(g, LANE_LABEL_W - 1, 2 + r, '|', ST_BORDER);
    }
}

/* The op's text inside its bar (x0..x1 on row) when it fits. */
static void cv_draw_op_label(const struct checkview *v, struct grid *g, const struct check_hop *o,
                             int x0, int x1, int row, int style)
{
    int W = grid_width(g);
    char lab[80];
    const char *val = check_hist_str(v->h, o->value);
    int lx = x0 + 2 < LANE_LABEL_W ? LANE_LABEL_W : x0 + 2;
    int room = (x1 < W ? x1 : W) - lx;

    switch (o->kind) {
    case CHECK_H_READ:
        snprintf(lab, sizeof(lab), "r %s", val);
        break;
    case CHECK_H_WRITE:
        snprintf(lab, sizeof(lab), "w %s", val);
        break;
    case CHECK_H_CAS:
        snprintf(lab, sizeof(lab), "cas %s>%s", check_hist_str(v->h, o->from), val);
        break;
    case CHECK_H_APPEND:
        snprintf(lab, sizeof(lab), "a %s", val);
        break;
    case CHECK_H_OTHER:
        snprintf(lab, sizeof(lab), "%s", val);
        break;
    }
    if (room >= (int)strlen(lab))
        grid_text(g, lx, row, room, lab, style);
}

/* One op as a bar in its process's lane, with its place in the order found (*) and, for the
 * op the search could not place, a '!'. last: the latest completion of the key's ops. */
static void cv_draw_op(const struct checkview *v, struct grid *g, int idx, int64_t last, int lane_w,
                       int lanes_h)
{
    int W = grid_width(g);
    const struct cv_key *ck = &v->keys[v->cur];
    const struct check_hkey *kr = &v->res->keys[v->cur];
    const struct check_hop *o = check_hist_at(v->h, idx);
    int64_t end = o->status == CHECK_H_INFO ? v->t0 + v->span : op_end(o, last);
    int lane, row, x0, x1, style;
    int *pos;

    if (end < v->t0 || o->invoke > v->t0 + v->span)
        return;
    pos = bsearch(&o->process, ck->procs, (size_t)ck->n_procs, sizeof(int), cmp_int);
    lane = (int)(pos - ck->procs);
    row = lane - v->lane_top;
    if (row < 0 || row >= lanes_h)
        return;
    row += 2;
    x0 = cv_x(v, o->invoke, lane_w);
    x1 = cv_x(v, end, lane_w);
    if (x1 < x0)
        x1 = x0;
    style = v->in_window[idx]                                     ? ST_FAIL
            : o->status == CHECK_H_INFO                           ? ST_TIMEOUT
            : o->status == CHECK_H_FAIL && o->kind != CHECK_H_CAS ? ST_DIM
                                                                  : ST_OK;
    for (int x = x0; x <= x1; x++) {
        uint32_t ch = o->status == CHECK_H_INFO ? '-' : '=';
        if (x < LANE_LABEL_W || x >= W)
            continue;
        if (x == x0)
            ch = '[';
        else if (x == x1)
            ch = o->status == CHECK_H_INFO ? '>' : ']';
        grid_put(g, x, row, ch, style);
    }
    cv_draw_op_label(v, g, o, x0, x1, row, style);
    if (v->lin_t[idx] != INT64_MIN) {
        int x = cv_x(v, v->lin_t[idx], lane_w);
        if (x >= LANE_LABEL_W && x < W)
            grid_put(g, x, row, '*', ST_SELECTED);
    }
    if (idx == kr->culprit && x1 >= LANE_LABEL_W && x1 < W)
        grid_put(g, x1, row, '!', ST_ERROR);
}

/* The lanes' scroll position, the legend, why (on two lines, broken at a space, when it is
 * long) and the keys. */
static void cv_draw_foot(const struct checkview *v, struct grid *g, int lanes_h)
{
    int W = grid_width(g), H = grid_height(g);
    const struct cv_key *ck = &v->keys[v->cur];
    const struct check_hkey *kr = &v->res->keys[v->cur];
    const char *why = kr->why[0] ? kr->why : "every op fits one order: linearizable";
    int len = (int)strlen(why), cut = len;
    char line[512];

    if (ck->n_procs > lanes_h) {
        snprintf(line, sizeof(line), " lanes %d-%d of %d ", v->lane_top + 1,
                 v->lane_top + lanes_h < ck->n_procs ? v->lane_top + lanes_h : ck->n_procs,
                 ck->n_procs);
        grid_text(g, W - (int)strlen(line) - 1, H - 4, -1, line, ST_DIM);
    }
    grid_text(g, 1, H - 4, W - 2,
              kr->verdict == CHECK_VIOLATED ? "red: the window that cannot be ordered  "
                                              "!: the op the search could not place  "
                                              "*: the order found so far"
                                            : "*: each op's place in the order found",
              ST_DIM);
    if (len > W - 2) {
        cut = W - 2;
        while (cut > 0 && why[cut] != ' ')
            cut--;
        if (cut == 0)
            cut = W - 2;
    }
    grid_text(g, 1, H - 3, cut, why, ST_INFO);
    if (cut < len)
        grid_text(g, 1, H - 2, W - 2, why + cut + (why[cut] == ' '), ST_INFO);
    grid_fill(g, 0, H - 1, W, 1, ' ', ST_BAR);
    grid_text(g, 0, H - 1, W,
              " Left/Right scroll  +/- zoom  0 fit  w window  Up/Down lanes  Tab key  q quit",
              ST_BAR);
}

static void cv_draw(struct checkview *v, struct grid *g)
{
    int W = grid_width(g), H = grid_height(g);
    const struct cv_key *ck = &v->keys[v->cur];
    int lane_w = W - LANE_LABEL_W - 1, lanes_h = H - 6;
    int64_t last = INT64_MIN;

    grid_clear(g);
    if (lane_w < 10 || lanes_h < 1) {
        grid_text(g, 0, 0, W, "the terminal is too small", ST_ERROR);
        return;
    }
    cv_draw_head(v, g, lane_w, lanes_h);
    for (int i = 0; i < ck->n; i++) {
        const struct check_hop *o = check_hist_at(v->h, ck->ops[i]);
        int64_t e = o->complete == INT64_MAX ? o->invoke : o->complete;
        last = e > last ? e : last;
    }
    for (int i = 0; i < ck->n; i++)
        cv_draw_op(v, g, ck->ops[i], last, lane_w, lanes_h);
    cv_draw_foot(v, g, lanes_h);
}

/* Returns false to quit. */
static bool cv_key(struct checkview *v, int key, int lanes_h)
{
    switch (key) {
    case 'q':
    case 'Q':
    case KEYS_ESC:
        return false;
    case KEYS_LEFT:
    case 'h':
        v->t0 -= v->span / 4 > 0 ? v->span / 4 : 1;
        break;
    case KEYS_RIGHT:
    case 'l':
        v->t0 += v->span / 4 > 0 ? v->span / 4 : 1;
        break;
    case '+':
    case '=':
        if (v->span > 4) {
            v->t0 += v->span / 4;
            v->span /= 2;
        }
        break;
    case '-':
        v->t0 -= v->span / 2;
        v->span *= 2;
        break;
    case '0':
        cv_fit(v, false);
        break;
    case 'w':
        cv_fit(v, v->res->keys[v->cur].n_window > 0);
        break;
    case KEYS_UP:
    case 'k':
        if (v->lane_top > 0)
            v->lane_top--;
        break;
    case KEYS_DOWN:
    case 'j':
        if (v->lane_top + lanes_h < v->keys[v->cur].n_procs)
            v->lane_top++;
        break;
    case KEYS_PGUP:
        v->lane_top = v->lane_top > lanes_h ? v->lane_top - lanes_h : 0;
        break;
    case KEYS_PGDN:
        if (v->lane_top + 2 * lanes_h <= v->keys[v->cur].n_procs)
            v->lane_top += lanes_h;
        break;
    case KEYS_TAB:
        v->cur = (v->cur + 1) % v->res->n_keys;
        v->lane_top = 0;
        cv_fit(v, v->res->keys[v->cur].n_window > 0);
        break;
    default:
        break;
    }
    return true;
}

int checkview_run(const char *file, const struct check_hist *h, enum check_model model,
                  const struct check_hresult *res, bool ascii)
{
    struct checkview v;
    struct term *t;
    struct grid *g;
    struct draw_cursor cur = {0, 0, false};
    bool running = true;
    int w, hh;

    if (res->n_keys == 0)
        return 0;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "splitbrain check: --view needs a terminal\n");
        return -1;
    }
    memset(&v, 0, sizeof(v));
    v.file = file;
    v.h = h;
    v.model = model;
    v.res = res;
    cv_build(&v);
    /* Open on the first key that is not linearizable, zoomed on its window. */
    for (int k = 0; k < res->n_keys; k++) {
        if (res->keys[k].verdict == CHECK_VIOLATED) {
            v.cur = k;
            break;
        }
    }
    cv_fit(&v, res->keys[v.cur].n_window > 0);
    t = term_create(false);
    if (!t) {
        cv_free(&v);
        return -1;
    }
    term_size(t, &w, &hh);
    g = grid_create(w, hh, ascii);
    while (running) {
        struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
        int key;
        cv_draw(&v, g);
        term_present(t, g, &cur);
        (void)poll(&pfd, 1, 250);
        while ((key = term_key(t)) != -1) {
            if (key == KEYS_RESIZE) {
                term_resize(t);
                term_size(t, &w, &hh);
                grid_resize(g, w, hh);
                continue;
            }
            running = cv_key(&v, key, hh - 6);
            if (!running)
                break;
        }
    }
    grid_destroy(g);
    term_destroy(t);
    cv_free(&v);
    return 0;
}
