#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/net.h"
#include "../engine/util.h"
#include "theme.h"

enum tl_kind {
    TL_MSG,    /* a node-to-node message */
    TL_FAULT,  /* on one node: kill, restart, pause, cut ... */
    TL_ROLE,   /* a node's new role */
    TL_CLOCK,  /* skew, drift, an NTP jump */
    TL_GLOBAL, /* partition, heal: the whole cluster */
};

struct tl_ev {
    int64_t t;
    int64_t t2; /* a message: when it is delivered, or dies */
    uint64_t msg_id;
    enum tl_kind kind;
    int a; /* the node (a message: the sender) */
    int b; /* a message: the receiver */
    bool lost;
    bool bad;   /* a fault that takes the node away (kill, pause, wipe) */
    bool leads; /* a role: the node now leads */
    char label[40];
};

struct timeline {
    struct tl_ev ev[TIMELINE_MAX];
    int head; /* the slot the next event goes to */
    int n;
    int64_t rows[2 * TIMELINE_MAX + 1]; /* scratch: the axis, rebuilt by each draw */
};

struct timeline *timeline_create(void)
{
    struct timeline *tl = xcalloc(1, sizeof(*tl));

    return tl;
}

void timeline_destroy(struct timeline *tl)
{
    free(tl);
}

void timeline_clear(struct timeline *tl)
{
    tl->head = 0;
    tl->n = 0;
}

int timeline_count(const struct timeline *tl)
{
    return tl->n;
}

/* i = 0 is the oldest held. */
static struct tl_ev *at(struct timeline *tl, int i)
{
    return &tl->ev[(tl->head - tl->n + i + TIMELINE_MAX) % TIMELINE_MAX];
}

static const struct tl_ev *cat(const struct timeline *tl, int i)
{
    return &tl->ev[(tl->head - tl->n + i + TIMELINE_MAX) % TIMELINE_MAX];
}

static struct tl_ev *push(struct timeline *tl, const struct trace_event *ev, enum tl_kind k)
{
    struct tl_ev *e = &tl->ev[tl->head];

    memset(e, 0, sizeof(*e));
    e->t = e->t2 = ev->t_us;
    e->kind = k;
    e->a = ev->node;
    e->b = ev->peer;
    tl->head = (tl->head + 1) % TIMELINE_MAX;
    if (tl->n < TIMELINE_MAX)
        tl->n++;
    return e;
}

static bool node_ep(int ep)
{
    return ep >= 0 && !net_is_client(ep);
}

void timeline_add(struct timeline *tl, const struct trace_event *ev)
{
    struct tl_ev *e;
    char d[32];

    switch (ev->kind) {
    case TRACE_SEND:
        if (!node_ep(ev->node) || !node_ep(ev->peer) || ev->node == ev->peer)
            return;
        e = push(tl, ev, TL_MSG);
        e->t2 = ev->a > ev->t_us ? ev->a : ev->t_us;
        e->msg_id = ev->msg_id;
        e->lost = ev->c == NET_DROP;
        snprintf(e->label, sizeof(e->label), "%s", ev->name);
        return;
    case TRACE_DROP:
        /* A message that died on the way (its receiver crashed, say): find its send. */
        for (int i = tl->n - 1, k = 0; i >= 0 && k < 4096; i--, k++) {
            e = at(tl, i);
            if (e->kind == TL_MSG && e->msg_id == ev->msg_id) {
                e->lost = true;
                e->t2 = ev->t_us;
                return;
            }
        }
        return;
    case TRACE_FAULT:
        if (ev->node < 0) {
            e = push(tl, ev, TL_GLOBAL);
            snprintf(e->label, sizeof(e->label), "%s %s", ev->name,
                     ev->sub == TRACE_SUB_PARTITION ? ev->text : "");
            return;
        }
        if (!node_ep(ev->node))
            return;
        e = push(tl, ev, TL_FAULT);
        e->bad = ev->sub == TRACE_SUB_KILL || ev->sub == TRACE_SUB_PAUSE ||
                 ev->sub == TRACE_SUB_WIPE || ev->sub == TRACE_SUB_CUT;
        if (node_ep(ev->peer))
            snprintf(e->label, sizeof(e->label), "%s n%d", ev->name, ev->peer + 1);
        else
            snprintf(e->label, sizeof(e->label), "%s", ev->name);
        return;
    case TRACE_ROLE:
        if (!node_ep(ev->node))
            return;
        e = push(tl, ev, TL_ROLE);
        e->leads = ev->sub == TRACE_SUB_LEADS;
        if (ev->a >= 0)
            snprintf(e->label, sizeof(e->label), "%s e%lld", ev->name, (long long)ev->a);
        else
            snprintf(e->label, sizeof(e->label), "%s", ev->name);
        return;
    case TRACE_CLOCK:
        if (!node_ep(ev->node))
            return;
        e = push(tl, ev, TL_CLOCK);
        if (ev->sub == TRACE_SUB_DRIFT) {
            snprintf(e->label, sizeof(e->label), "drift %+lldppm", (long long)ev->a);
        } else {
            util_fmt_delta(d, sizeof(d), ev->a);
            snprintf(e->label, sizeof(e->label), "%s %s", ev->name, d);
        }
        return;
    case TRACE_DELIVER:
    case TRACE_DUP:
    case TRACE_TIMER:
    case TRACE_APPEND:
    case TRACE_COMMIT:
    case TRACE_TRUNCATE:
    case TRACE_CONFLICT:
    case TRACE_REPAIR:
    case TRACE_HINT:
    case TRACE_OP_START:
    case TRACE_OP_END:
    case TRACE_SUSPECT:
    case TRACE_SET:
    case TRACE_NOTE:
        return;
    }
}

bool timeline_clock_at(const struct timeline *tl, int k, int64_t *t_us, int *node,
                       const char **label)
{
    for (int i = tl->n - 1; i >= 0; i--) {
        const struct tl_ev *e = cat(tl, i);
        if (e->kind != TL_CLOCK || k-- > 0)
            continue;
        *t_us = e->t;
        *node = e->a;
        *label = e->label;
        return true;
    }
    return false;
}

/* ---- drawing ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * The axis keys come nearly sorted (a delivery follows its send by a latency, a few events
 * later), so an insertion sort is linear in practice; a run with long delays that would make it
 * costly falls back to qsort.
 */
static void sort_rows(int64_t *k, int n)
{
    long budget = 64L * n + 1024;

    for (int i = 1; i < n; i++) {
        int64_t v = k[i];
        int j = i - 1;
        while (j >= 0 && k[j] > v) {
            k[j + 1] = k[j];
            j--;
            if (--budget < 0) {
                k[j + 1] = v; /* put it back somewhere: qsort sorts the lot */
                qsort(k, (size_t)n, sizeof(k[0]), cmp_i64);
                return;
            }
        }
        k[j + 1] = v;
    }
}

/*
 * The axis keys: a millisecond times TL_SUB, plus, for the second and later marks (faults, role
 * changes, clock jumps, partitions) in the same millisecond, their place among them, so marks of
 * one instant stack on rows of their own instead of overwriting each other.
 */
#define TL_SUB 16

static int64_t key_of(int64_t t, int sub)
{
    return t / TIMELINE_ROW_US * TL_SUB + (sub < TL_SUB - 1 ? sub : TL_SUB - 1);
}

/* Each event's place among the marks of its millisecond (0 for messages), in ring order. */
struct tl_sub {
    int64_t ms;
    int count;
};

static int mark_sub(struct tl_sub *st, const struct tl_ev *e)
{
    int64_t ms = e->t / TIMELINE_ROW_US;

    if (e->kind == TL_MSG)
        return 0;
    if (ms != st->ms) {
        st->ms = ms;
        st->count = 0;
    }
    return st->count++;
}

/* The row index of the row holding key: the last row at or before it. */
static int row_of_key(const int64_t *rows, int n, int64_t key)
{
    int lo = 0, hi = n - 1;

    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (rows[mid] <= key)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The row holding time t (a message's send or end). */
static int row_of(const int64_t *rows, int n, int64_t t)
{
    return row_of_key(rows, n, key_of(t, 0));
}

/* Where the body of the diagram is, and how its rows and lanes map to cells. */
struct tl_view {
    struct grid *g;
    int x0; /* the body: columns and rows */
    int y0;
    int w;
    int h;
    int first; /* the row index drawn at y0 */
    int lane0; /* the first lane's column */
    int sp;    /* columns between lanes */
    int n;     /* nodes: lanes */
};

static int lane_x(const struct tl_view *v, int node)
{
    return v->lane0 + node * v->sp;
}

static bool in_body(const struct tl_view *v, int x, int y)
{
    return x >= v->x0 && x < v->x0 + v->w && y >= v->y0 && y < v->y0 + v->h;
}

static int msg_style(const char *name)
{
    unsigned hsh = 0;

    for (const char *p = name; *p; p++)
        hsh = hsh * 31u + (unsigned char)*p;
    return ST_MSG0 + (int)(hsh % 4u);
}

/* The arrowheads, crosses and dots that end a message's line. */
static uint32_t arrow_char(const struct grid *g, int dir)
{
    return grid_ascii(g) ? (dir > 0 ? '>' : '<') : (dir > 0 ? 0x25b8 : 0x25c2);
}

static bool is_end_mark(const struct grid *g, uint32_t ch)
{
    return ch == arrow_char(g, 1) || ch == arrow_char(g, -1) ||
           ch == grid_glyph_char(g, GL_MSG_DROP) || ch == grid_glyph_char(g, GL_MSG);
}

#define TL_PATH_MAX (GRID_MAX_W + GRID_MAX_H)

/*
 * A message as a line of cells from (xs, ys) to (xe, ye) (ye >= ys), the glyph of each cell by
 * how the walk enters and leaves it, as the map draws links; its type written into the longest
 * run along one row when it fits there.
 */
static void draw_msg(const struct tl_view *v, int xs, int ys, int xe, int ye, int st,
                     const char *label, int pass)
{
    struct {
        int x, y;
    } c[TL_PATH_MAX];
    int dx = xe - xs, dy = ye - ys, adx = dx < 0 ? -dx : dx, steps = adx > dy ? adx : dy, n = 0;
    enum grid_glyph diag = dx >= 0 ? GL_LINK_DOWN : GL_LINK_UP;
    int best = 0, best_at = 0, run = 0, len = (int)strlen(label);

    if (steps == 0)
        steps = 1;
    for (int i = 0; i <= steps && n < TL_PATH_MAX; i++) {
        /* Rounded to the nearest cell, in integers. */
        int x = xs + (2 * i * dx + (dx >= 0 ? steps : -steps)) / (2 * steps);
        int y = ys + (2 * i * dy + steps) / (2 * steps);
        if (n > 0 && c[n - 1].x == x && c[n - 1].y == y)
            continue;
        c[n].x = x;
        c[n].y = y;
        n++;
    }
    for (int i = 0; i < n; i++) {
        bool in_d = i > 0 && c[i - 1].x != c[i].x && c[i - 1].y != c[i].y;
        bool out_d = i + 1 < n && c[i + 1].x != c[i].x && c[i + 1].y != c[i].y;
        bool rowwise = (i > 0 && c[i - 1].y == c[i].y) || (i + 1 < n && c[i + 1].y == c[i].y);
        enum grid_glyph gl = in_d || out_d ? diag : rowwise || n == 1 ? GL_LINK_H : GL_LINK_V;
        if (pass == 0 && in_body(v, c[i].x, c[i].y))
            grid_glyph(v->g, c[i].x, c[i].y, gl, st);
        run = i > 0 && c[i - 1].y == c[i].y && !in_d ? run + 1 : 1;
        if (run > best && i + 1 < n) { /* never over the last cell: the arrowhead */
            best = run;
            best_at = i;
        }
    }
    if (pass == 2 && len > 0 && best >= len + 2) {
        int i0 = best_at - best + 1 + (best - len) / 2;
        int x = c[i0].x < c[i0 + len - 1].x ? c[i0].x : c[i0 + len - 1].x;
        bool clear = in_body(v, x, c[i0].y) && in_body(v, x + len - 1, c[i0].y);
        /* Never over another message's end: where it arrived or died says more. */
        for (int k = 0; clear && k < len; k++)
            clear = !is_end_mark(v->g, grid_at(v->g, x + k, c[i0].y).ch);
        if (clear)
            grid_text(v->g, x, c[i0].y, len, label, st);
    }
}

static void msg_at(const struct tl_view *vp, const struct tl_ev *e, const int64_t *rows, int nrows,
                   int last, int64_t now, int pass)
{
    const struct tl_view v = *vp;
    struct grid *g = v.g;
    int ys, ye, xa, xb, dir, st;
    int64_t end;

    if (e->kind != TL_MSG || e->a >= v.n || e->b >= v.n)
        return;
    ys = row_of(rows, nrows, e->t);
    end = e->t2 <= now ? e->t2 : now;
    ye = row_of(rows, nrows, end);
    if (ye < v.first || ys > last)
        return;
    xa = lane_x(&v, e->a);
    xb = lane_x(&v, e->b);
    dir = xb > xa ? 1 : -1;
    st = e->lost ? ST_MSG_DROP : msg_style(e->label);
    if (e->lost) {
        /* It dies halfway, where its delivery would have been. */
        int xm = xa + (xb - xa) / 2;
        if (e->t2 > now)
            xm = xa + (int)((xm - xa) * (now - e->t) / (e->t2 - e->t > 0 ? e->t2 - e->t : 1));
        draw_msg(&v, xa + dir, v.y0 + ys - v.first, xm, v.y0 + ye - v.first, st, "", pass);
        if (pass == 1 && e->t2 <= now && in_body(&v, xm, v.y0 + ye - v.first))
            grid_glyph(g, xm, v.y0 + ye - v.first, GL_MSG_DROP, ST_MSG_DROP);
    } else if (e->t2 > now) {
        /* Still on its way: it reaches as far across as its trip is done. */
        int64_t trip = e->t2 - e->t > 0 ? e->t2 - e->t : 1;
        int xm = xa + dir + (int)((xb - dir - xa - dir) * (now - e->t) / trip);
        draw_msg(&v, xa + dir, v.y0 + ys - v.first, xm, v.y0 + ye - v.first, st, "", pass);
        if (pass == 1 && in_body(&v, xm, v.y0 + ye - v.first))
            grid_glyph(g, xm, v.y0 + ye - v.first, GL_MSG, st);
    } else {
        draw_msg(&v, xa + dir, v.y0 + ys - v.first, xb - dir, v.y0 + ye - v.first, st, e->label,
                 pass);
        if (pass == 1 && in_body(&v, xb - dir, v.y0 + ye - v.first))
            grid_put(g, xb - dir, v.y0 + ye - v.first, arrow_char(g, dir), st);
    }
}

/* Fills tl->rows with the axis: every millisecond in which something happened (and a row more
 * for each further mark in it), and the present, sorted, each once. Returns the rows. */
static int build_axis(struct timeline *tl, int64_t now)
{
    struct tl_sub sub;
    int nr = 0, nrows = 0;

    memset(&sub, 0, sizeof(sub));
    sub.ms = -1;
    for (int i = 0; i < tl->n; i++) {
        const struct tl_ev *e = cat(tl, i);
        tl->rows[nr++] = key_of(e->t, mark_sub(&sub, e));
        if (e->kind == TL_MSG && e->t2 <= now)
            tl->rows[nr++] = key_of(e->t2, 0);
    }
    tl->rows[nr++] = key_of(now, 0);
    sort_rows(tl->rows, nr);
    for (int i = 0; i < nr; i++)
        if (nrows == 0 || tl->rows[nrows - 1] != tl->rows[i])
            tl->rows[nrows++] = tl->rows[i];
    return nrows;
}

/* The title, the lane heads and lanes, and the time column (each row after a quiet stretch,
 * and every fifth row), for the rows v->first..last; the time column is tcol wide. */
static void draw_frame(const struct tl_view *v, const struct timeline *tl, int last, int scroll,
                       int tcol)
{
    struct grid *g = v->g;
    int x = v->x0, y = v->y0 - 2, w = v->w;
    char title[160], t[32];

    for (int i = 0; i < w; i++)
        grid_glyph(g, x + i, y, GL_H, ST_BORDER);
    if (scroll > 0)
        snprintf(title, sizeof(title), " timeline: %d rows back  PgDn/Down forward, End: now ",
                 scroll);
    else
        snprintf(title, sizeof(title), " timeline  PgUp/Up scroll back  t closes ");
    grid_text_words(g, x + 2, y, w - 4, title, ST_PANE_TITLE);
    if (tl->n >= TIMELINE_MAX) {
        util_fmt_time(t, sizeof(t), cat(tl, 0)->t);
        snprintf(title, sizeof(title), " kept from %s ", t);
        grid_text(g, x + w - 2 - (int)strlen(title), y, -1, title, ST_DIM);
    }
    for (int i = 0; i < v->n; i++) {
        snprintf(title, sizeof(title), "n%d", i + 1);
        grid_text(g, lane_x(v, i) - (i + 1 >= 10 ? 1 : 0), y + 1, 3, title, ST_BOLD);
        for (int r = 0; r < v->h && v->first + r <= last; r++)
            grid_glyph(g, lane_x(v, i), v->y0 + r, GL_V, ST_DIM);
    }
    for (int r = 0; r < v->h && v->first + r <= last; r++) {
        int k = v->first + r;
        bool gap = k > 0 && (tl->rows[k] / TL_SUB - tl->rows[k - 1] / TL_SUB) * TIMELINE_ROW_US >
                                TIMELINE_GAP_US;
        if (!gap && r % 5 != 0 && k != last)
            continue;
        if (tl->rows[k] % TL_SUB != 0)
            continue; /* a further mark of the same instant: the row above says when */
        util_fmt_time(t, sizeof(t), tl->rows[k] / TL_SUB * TIMELINE_ROW_US);
        if (gap)
            grid_put(g, x, v->y0 + r, grid_ascii(g) ? ':' : 0x22ee, ST_INFO);
        grid_text(g, x + 1, v->y0 + r, tcol - 2, t, gap ? ST_INFO : ST_DIM);
    }
}

/* The marks on the lanes (faults, roles, clocks, each with its label) and the events of the
 * whole cluster across them, for the rows v->first..last. */
static void draw_marks(const struct tl_view *v, const struct timeline *tl, int nrows, int last,
                       int tcol)
{
    struct grid *g = v->g;
    int x = v->x0, w = v->w;
    struct tl_sub sub;

    memset(&sub, 0, sizeof(sub));
    sub.ms = -1;
    for (int i = 0; i < tl->n; i++) {
        const struct tl_ev *e = cat(tl, i);
        int r = row_of_key(tl->rows, nrows, key_of(e->t, mark_sub(&sub, e)));
        int yy = v->y0 + r - v->first, xx, st = ST_NORMAL;
        if (e->kind == TL_MSG || r < v->first || r > last)
            continue;
        if (e->kind == TL_GLOBAL) {
            for (int k = x + tcol; k < x + w; k++)
                grid_put(g, k, yy, grid_ascii(g) ? '~' : 0x254c, ST_EV_FAULT);
            grid_text(g, x + tcol + 1, yy, w - tcol - 2, e->label, ST_EV_FAULT);
            continue;
        }
        if (e->a >= v->n)
            continue;
        xx = lane_x(v, e->a);
        switch (e->kind) {
        case TL_FAULT:
            st = e->bad ? ST_CRASHED : ST_OK;
            grid_glyph(g, xx, yy, e->bad ? GL_FAIL : GL_OK, st);
            break;
        case TL_ROLE:
            st = e->leads ? ST_LEADER : ST_EV_ROLE;
            grid_glyph(g, xx, yy, st == ST_LEADER ? GL_LEADER : GL_PENDING, st);
            break;
        case TL_CLOCK:
            st = ST_PAUSED;
            grid_glyph(g, xx, yy, GL_TIMEOUT, st);
            break;
        case TL_MSG:
        case TL_GLOBAL:
            continue;
        }
        /* The label to the lane's right, short of the next lane and inside the diagram. */
        grid_text(g, xx + 1, yy, v->sp - 2 < x + w - xx - 1 ? v->sp - 2 : x + w - xx - 1, e->label,
                  st);
    }
}

int timeline_draw(struct grid *g, const struct timeline *tl_in, int n, int64_t now, int x, int y,
                  int w, int h, int scroll)
{
    struct timeline *tl = (struct timeline *)(uintptr_t)tl_in; /* the axis is scratch space */
    struct tl_view v;
    int nrows, last, tcol = 10;

    memset(&v, 0, sizeof(v));
    v.g = g;
    v.x0 = x;
    v.y0 = y + 2;
    v.w = w;
    v.h = h - 2;
    v.n = n;
    if (n < 1 || v.h < 1 || w < tcol + 8)
        return 0;
    v.sp = (w - tcol) / n;
    if (v.sp > 40)
        v.sp = 40;
    v.lane0 = x + tcol + v.sp / 2;
    nrows = build_axis(tl, now);
    if (scroll > nrows - v.h)
        scroll = nrows - v.h;
    if (scroll < 0)
        scroll = 0;
    last = nrows - 1 - scroll;
    v.first = last - v.h + 1 < 0 ? 0 : last - v.h + 1;
    draw_frame(&v, tl, last, scroll, tcol);
    /* Lines first, then their ends (arrowheads, crosses), then the labels where they fit
     * (so a later line cuts none), then the marks on the lanes. */
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < tl->n; i++)
            msg_at(&v, cat(tl, i), tl->rows, nrows, last, now, pass);
    draw_marks(&v, tl, nrows, last, tcol);
    return scroll;
}
