#include "draw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/util.h"
#include "keys.h"
#include "timeline.h"

struct draw_log {
    char line[DRAW_LOG_MAX][DRAW_LOG_LINE];
    unsigned char style[DRAW_LOG_MAX];
    int head; /* the slot the next line goes to */
    int n;
};

struct draw_log *draw_log_create(void)
{
    struct draw_log *log = xcalloc(1, sizeof(*log));

    return log;
}

void draw_log_destroy(struct draw_log *log)
{
    free(log);
}

void draw_log_clear(struct draw_log *log)
{
    log->head = 0;
    log->n = 0;
}

void draw_log_add(struct draw_log *log, int style, const char *text)
{
    snprintf(log->line[log->head], DRAW_LOG_LINE, "%s", text);
    log->style[log->head] = (unsigned char)style;
    log->head = (log->head + 1) % DRAW_LOG_MAX;
    if (log->n < DRAW_LOG_MAX)
        log->n++;
}

static int event_style(enum trace_kind k)
{
    switch (k) {
    case TRACE_SEND:
    case TRACE_TIMER:
    case TRACE_DUP:
        return ST_EV_SEND;
    case TRACE_DELIVER:
        return ST_EV_DELIVER;
    case TRACE_DROP:
        return ST_EV_DROP;
    case TRACE_FAULT:
    case TRACE_SUSPECT:
    case TRACE_CLOCK:
        return ST_EV_FAULT;
    case TRACE_ROLE:
        return ST_EV_ROLE;
    case TRACE_OP_START:
    case TRACE_OP_END:
        return ST_EV_OP;
    case TRACE_APPEND:
    case TRACE_COMMIT:
    case TRACE_TRUNCATE:
    case TRACE_CONFLICT:
    case TRACE_REPAIR:
    case TRACE_HINT:
        return ST_EV_STORE;
    case TRACE_SET:
    case TRACE_NOTE:
        return ST_EV_NOTE;
    }
    return ST_NORMAL;
}

void draw_log_event(struct draw_log *log, const struct trace_event *ev)
{
    char text[DRAW_LOG_LINE];

    trace_format_text(ev, text, sizeof(text));
    draw_log_add(log, event_style(ev->kind), text);
}

int draw_log_count(const struct draw_log *log)
{
    return log->n;
}

const char *draw_log_line(const struct draw_log *log, int i, int *style)
{
    int slot;

    if (i < 0 || i >= log->n)
        return NULL;
    slot = (log->head - log->n + i + DRAW_LOG_MAX) % DRAW_LOG_MAX;
    if (style)
        *style = log->style[slot];
    return log->line[slot];
}

/* ---- layout ---- */

struct rect {
    int x;
    int y;
    int w;
    int h;
};

struct layout {
    struct rect map;
    struct rect ops;
    struct rect replica; /* h = 0 when there is no room */
    struct rect log;
    struct rect lesson; /* w = 0 without a lesson */
    bool stacked;       /* map, ops and log one above the other (a lesson at 80 columns) */
    int msg_row;
    int bar_row;
};

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Small numeric helpers, so the frame needs no libm. */
#define DRAW_PI 3.14159265358979323846

static double absd(double v)
{
    return v < 0 ? -v : v;
}

static int roundi(double v)
{
    return v >= 0 ? (int)(v + 0.5) : -(int)(-v + 0.5);
}

/* sin by a Taylor series after reducing to [-pi, pi]: plenty for placing boxes on a circle. */
static double sind(double a)
{
    double term, sum;

    while (a > DRAW_PI)
        a -= 2 * DRAW_PI;
    while (a < -DRAW_PI)
        a += 2 * DRAW_PI;
    term = sum = a;
    for (int k = 1; k < 12; k++) {
        term *= -a * a / ((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}

static double cosd(double a)
{
    return sind(a + DRAW_PI / 2);
}

/* The map, ops, replica and log panes in w columns from x0, body rows high. */
static void lay_out_body(int x0, int w, int body, struct layout *l)
{
    int log_h = clampi(body / 3, 4, 18), top = body - log_h;
    int rw = clampi(w * 3 / 10, 26, 64);

    l->map = (struct rect){x0, 0, w - rw - 1, top};
    l->ops = (struct rect){x0 + w - rw, 0, rw, top};
    if (top >= 12) {
        l->ops.h = top / 2;
        l->replica = (struct rect){x0 + w - rw, top / 2, rw, top - top / 2};
    }
    l->log = (struct rect){x0, top, w, log_h};
}

/*
 * The sandbox's panes; with a lesson, its pane takes a column on the left (read, then act) and
 * the sandbox the rest. When that rest is narrow (80 columns) the map, a short ops pane and the
 * log are stacked, and the replica pane goes.
 */
static void lay_out(int w, int h, bool lesson, bool present, struct layout *l)
{
    int body = h - 2, lw = lesson ? clampi(w * 2 / 5, 40, 64) : 0, aw = lesson ? w - lw - 1 : w;
    int x0 = lesson ? lw + 1 : 0;

    memset(l, 0, sizeof(*l));
    if (present && !lesson) {
        /* Presenter mode: the map and the ops only, the map as large as the screen allows. */
        int rw = clampi(w * 3 / 10, 26, 40);
        l->map = (struct rect){0, 0, w - rw - 1, body};
        l->ops = (struct rect){w - rw, 0, rw, body};
    } else if (!lesson || aw >= 70) {
        lay_out_body(x0, aw, body, l);
    } else {
        int ops_h = 4, log_h = clampi(body / 4, 3, 8), top = body - ops_h - log_h;
        l->map = (struct rect){x0, 0, aw, top};
        l->ops = (struct rect){x0, top, aw, ops_h};
        l->log = (struct rect){x0, top + ops_h, aw, log_h};
        l->stacked = true;
    }
    if (lesson)
        l->lesson = (struct rect){0, 0, lw, body};
    l->msg_row = h - 2;
    l->bar_row = h - 1;
}

/* "── title ─────" across a pane's first row. */
static void pane_title(struct grid *g, struct rect r, const char *title)
{
    for (int i = 0; i < r.w; i++)
        grid_glyph(g, r.x + i, r.y, GL_H, ST_BORDER);
    grid_text_words(g, r.x + 2, r.y, r.w - 4, title, ST_PANE_TITLE);
}

/* ---- the cluster map ---- */

struct nodebox {
    double cx;
    double cy;
    struct rect r;
};

static bool overlap(struct rect a, struct rect b)
{
    return a.x < b.x + b.w + 1 && b.x < a.x + a.w + 1 && a.y < b.y + b.h && b.y < a.y + a.h;
}

static bool inside(struct rect r, int x, int y)
{
    return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

/* Places n boxes of bw x bh on an ellipse in the map; true when none overlap. */
static bool place(struct rect map, int n, int bw, int bh, struct nodebox *b)
{
    double cx = map.x + map.w / 2.0, cy = map.y + map.h / 2.0;
    double rx = (map.w - bw) / 2.0 - 1, ry = (map.h - bh) / 2.0;
    bool ok = rx >= 0 && ry >= 0;

    if (rx < 0)
        rx = 0;
    if (ry < 0)
        ry = 0;
    for (int i = 0; i < n; i++) {
        double a = n == 1 ? 0 : -DRAW_PI / 2 + 2 * DRAW_PI * i / n;
        if (n == 1)
            rx = ry = 0;
        b[i].cx = cx + rx * cosd(a);
        b[i].cy = cy + ry * sind(a);
        b[i].r.w = bw;
        b[i].r.h = bh;
        b[i].r.x = roundi(b[i].cx - bw / 2.0);
        b[i].r.y = roundi(b[i].cy - bh / 2.0);
        b[i].r.x = clampi(b[i].r.x, map.x, map.x + map.w - bw);
        b[i].r.y = clampi(b[i].r.y, map.y, map.y + map.h - bh);
        b[i].cx = b[i].r.x + bw / 2.0;
        b[i].cy = b[i].r.y + bh / 2.0;
    }
    for (int i = 0; i < n && ok; i++)
        for (int j = i + 1; j < n && ok; j++)
            if (overlap(b[i].r, b[j].r))
                ok = false;
    return ok;
}

static void point_on(const struct nodebox *a, const struct nodebox *b, double t, int *x, int *y)
{
    *x = roundi(a->cx - 0.5 + t * (b->cx - a->cx));
    *y = roundi(a->cy - 0.5 + t * (b->cy - a->cy));
}

/* The stretch of the segment a -> b outside both boxes, as fractions [t0, t1]. */
static void open_span(const struct nodebox *a, const struct nodebox *b, double *t0, double *t1)
{
    const int steps = 200;
    int x, y;

    *t0 = 0;
    *t1 = 1;
    for (int i = 0; i <= steps; i++) {
        point_on(a, b, (double)i / steps, &x, &y);
        if (!inside(a->r, x, y)) {
            *t0 = (double)i / steps;
            break;
        }
    }
    for (int i = steps; i >= 0; i--) {
        point_on(a, b, (double)i / steps, &x, &y);
        if (!inside(b->r, x, y)) {
            *t1 = (double)i / steps;
            break;
        }
    }
    if (*t1 < *t0)
        *t0 = *t1 = 0.5;
}

static enum grid_glyph slope_glyph(double dx, double dy)
{
    /* A cell is about twice as tall as it is wide. */
    double s = dx == 0 ? 1e9 : 2 * dy / dx;

    if (absd(s) < 0.45)
        return GL_LINK_H;
    if (absd(s) > 4)
        return GL_LINK_V;
    return s < 0 ? GL_LINK_UP : GL_LINK_DOWN;
}

/*
 * A link is drawn along the cells a DDA walk visits: a cell whose steps in and out both run along
 * a row is a horizontal line, both along a column a vertical one, and a cell where the walk
 * changes row and column a diagonal, so any slope reads as a clean staircase.
 */
#define DRAW_LINK_MAX (GRID_MAX_W + GRID_MAX_H)

static void draw_link(struct grid *g, const struct nodebox *a, const struct nodebox *b, bool cut,
                      bool selected)
{
    double dx = b->cx - a->cx, dy = b->cy - a->cy, t0, t1;
    int steps = (int)(absd(dx) > absd(dy) ? absd(dx) : absd(dy)) + 1, n = 0, x, y;
    int st = selected ? ST_SELECTED : cut ? ST_LINK_CUT : ST_LINK;
    enum grid_glyph diag = (dx > 0) == (dy < 0) ? GL_LINK_UP : GL_LINK_DOWN;
    struct {
        int x, y;
    } c[DRAW_LINK_MAX];

    open_span(a, b, &t0, &t1);
    for (int i = 0; i <= steps && n < DRAW_LINK_MAX; i++) {
        double t = (double)i / steps;
        if (t < t0 || t > t1)
            continue;
        point_on(a, b, t, &x, &y);
        if (n > 0 && c[n - 1].x == x && c[n - 1].y == y)
            continue;
        c[n].x = x;
        c[n].y = y;
        n++;
    }
    for (int i = 0; i < n; i++) {
        bool in_diag = i > 0 && c[i - 1].x != c[i].x && c[i - 1].y != c[i].y;
        bool out_diag = i + 1 < n && c[i + 1].x != c[i].x && c[i + 1].y != c[i].y;
        bool rowwise = (i > 0 && c[i - 1].y == c[i].y) || (i + 1 < n && c[i + 1].y == c[i].y);
        enum grid_glyph gl = in_diag || out_diag ? diag : rowwise ? GL_LINK_H : GL_LINK_V;
        if (n == 1)
            gl = slope_glyph(dx, dy);
        if (cut && i % 3 == 2)
            continue; /* a cut link is drawn broken */
        grid_glyph(g, c[i].x, c[i].y, gl, st);
    }
    if (cut && n > 0)
        grid_glyph(g, c[n / 2].x, c[n / 2].y, GL_CUT, st);
}

static const char *state_word(enum node_state s)
{
    switch (s) {
    case NODE_UP:
        return "up";
    case NODE_CRASHED:
        return "CRASHED";
    case NODE_PAUSED:
        return "paused";
    }
    return "?";
}

/* Whether a node box shows its Lamport clock: not at all (a lesson that does not teach it), or
 * as the box's size allows ("lamport 7" in words, "L7" in a narrow box). */
enum box_lamport {
    BOX_LAMPORT_HIDDEN,
    BOX_LAMPORT_SHOWN,
};

/* A node box's lines, in words ("epoch 1 up", "lamport 13") or, in a narrow box, short
 * ("e1 up", "L13"). Returns how many (at most 4). */
static int node_lines(const struct engine *e, const struct engine_node *en, bool words,
                      enum box_lamport lamport, char lines[4][128], int styles[4])
{
    char t[32], d[32];
    int n = 0;

    (void)e;
    /* Epoch and state. */
    lines[n][0] = '\0';
    if (en->desc.epoch >= 0)
        snprintf(lines[n], 128, "%s%lld ", words ? "epoch " : "e", (long long)en->desc.epoch);
    snprintf(lines[n] + strlen(lines[n]), 128 - strlen(lines[n]), "%s", state_word(en->state));
    if (en->state == NODE_PAUSED && en->paused_until >= 0) {
        util_fmt_time(t, sizeof(t), en->paused_until);
        snprintf(lines[n] + strlen(lines[n]), 128 - strlen(lines[n]), " to %s", t);
    }
    styles[n++] = en->state == NODE_CRASHED  ? ST_CRASHED
                  : en->state == NODE_PAUSED ? ST_PAUSED
                                             : ST_OK;
    /* Its own wall clock, and how far it is from true time. */
    util_fmt_time(t, sizeof(t), en->phys_us);
    if (en->skew_us != 0) {
        util_fmt_delta(d, sizeof(d), en->skew_us);
        snprintf(lines[n], 128, "%s%s %s", words ? "clock " : "", t, d);
    } else {
        snprintf(lines[n], 128, "%s%s", words ? "clock " : "", t);
    }
    styles[n++] = en->skew_us != 0 ? ST_PAUSED : ST_DIM;
    lines[n][0] = '\0';
    if (lamport != BOX_LAMPORT_HIDDEN)
        snprintf(lines[n], 128, "%s%llu", words ? "lamport " : "L",
                 (unsigned long long)en->lamport);
    if (en->desc.commit >= 0)
        snprintf(lines[n] + strlen(lines[n]), 128 - strlen(lines[n]), "%shw %lld",
                 !lines[n][0] ? ""
                 : words      ? "  "
                              : " ",
                 (long long)en->desc.commit);
    if (lines[n][0])
        styles[n++] = ST_DIM;
    snprintf(lines[n], 128, "%s", en->desc.detail);
    styles[n++] = ST_DIM;
    return n;
}

/* spot: the lesson's key moment happened at this node -- a marked corner and a coloured frame. */
static void draw_node(struct grid *g, const struct engine *e, int i, const struct nodebox *b,
                      bool selected, bool spot, enum box_lamport lamport)
{
    struct engine_node en;
    struct rect r = b->r;
    char line[128], lines[4][128], short_lines[4][128];
    int row = r.y + 1, iw = r.w - 2, border, x, styles[4], n;
    bool leader;

    if (engine_node(e, i, &en) < 0)
        return;
    leader = en.desc.leads && en.state != NODE_CRASHED;
    /* The key moment's colour wins over the selection's: the double border still says selected. */
    border = spot                       ? ST_INFO
             : selected                 ? ST_SELECTED
             : en.state == NODE_CRASHED ? ST_CRASHED
             : en.state == NODE_PAUSED  ? ST_PAUSED
                                        : ST_BORDER;
    grid_fill(g, r.x, r.y, r.w, r.h, ' ', ST_NORMAL);
    grid_box(g, r.x, r.y, r.w, r.h, selected, border);
    if (spot)
        grid_glyph(g, r.x, r.y, GL_SPOT, ST_INFO);
    /* Title in the top border: name, then role. */
    snprintf(line, sizeof(line), "n%d", i + 1);
    x = r.x + 1 + grid_text(g, r.x + 1, r.y, iw, line, selected ? ST_SELECTED : ST_BOLD);
    if (leader && x < r.x + r.w - 1)
        grid_glyph(g, x++, r.y, GL_LEADER, ST_LEADER);
    if (en.desc.role[0] && x < r.x + r.w - 2) {
        x++;
        grid_text(g, x, r.y, r.x + r.w - 1 - x, en.desc.role,
                  en.state == NODE_CRASHED ? ST_DIM
                  : leader                 ? ST_LEADER
                                           : ST_NORMAL);
    }
    /* Each line in words when it fits ("epoch 2 up"), short only when it does not ("e2 up"): a
     * long clock line does not take the epoch's words with it. The detail line is what it is. */
    n = node_lines(e, &en, true, lamport, lines, styles);
    if (node_lines(e, &en, false, lamport, short_lines, styles) == n)
        for (int k = 0; k < n - 1; k++)
            if ((int)strlen(lines[k]) > iw)
                memcpy(lines[k], short_lines[k], sizeof(lines[k]));
    for (int k = 0; k < n - 1 && row < r.y + r.h - 1; k++, row++)
        grid_text(g, r.x + 1, row, iw, lines[k], styles[k]);
    /* The detail line, wrapped at spaces and commas over the rows left. */
    for (const char *p = lines[n - 1]; *p && row < r.y + r.h - 1 && iw > 0; row++) {
        int len = (int)strlen(p), cut = len;
        if (len > iw && row + 1 < r.y + r.h - 1) {
            cut = iw;
            while (cut > iw / 2 && p[cut - 1] != ' ' && p[cut - 1] != ',')
                cut--;
            if (cut <= iw / 2)
                cut = iw;
        }
        grid_text(g, r.x + 1, row, cut < iw ? cut : iw, p, styles[n - 1]);
        p += cut < len ? cut : len;
        while (*p == ' ')
            p++;
    }
}

/* The widest line any node's box would hold in words, its detail included (at most max). */
static int node_content_width(const struct engine *e, int max)
{
    int w = 14;

    for (int i = 0; i < engine_nodes(e); i++) {
        struct engine_node en;
        char lines[4][128];
        int styles[4], n;
        if (engine_node(e, i, &en) < 0)
            continue;
        n = node_lines(e, &en, true, BOX_LAMPORT_SHOWN, lines, styles);
        for (int k = 0; k < n; k++)
            if ((int)strlen(lines[k]) > w)
                w = (int)strlen(lines[k]);
        /* The title: "n12★ precandidate". */
        if ((int)strlen(en.desc.role) + 6 > w)
            w = (int)strlen(en.desc.role) + 6;
    }
    return w < max ? w : max;
}

/* The sizes a node box may take when its content does not fit, largest first. */
static const struct {
    int w;
    int h;
} box_sizes[] = {{26, 6}, {20, 5}, {16, 5}, {14, 4}, {12, 3}, {9, 3}};

#define DRAW_BOX_MAX_W 64 /* the widest a box's text grows */

/* The partition groups and their regions of the map; n_groups 0 when there is no partition. */
struct regions {
    int n_groups;
    int group[ENGINE_MAX_NODES]; /* each node's group */
    struct rect r[ENGINE_MAX_NODES];
    int wall_x[ENGINE_MAX_NODES]; /* the boundary left of region k (k >= 1) */
};

/*
 * A partition splits the map into side-by-side regions, one per group, as wide as its share of
 * the nodes; each region's top row is for its name, and a wall runs down between regions.
 */
static void lay_out_regions(const struct engine *e, struct rect map, int min_w, struct regions *rg)
{
    const struct net *net = engine_net(e);
    int n = engine_nodes(e), count[ENGINE_MAX_NODES] = {0}, x = map.x, used = 0;
    int width[ENGINE_MAX_NODES];

    memset(rg, 0, sizeof(*rg));
    if (!net_partitioned(net) || n < 2)
        return;
    for (int i = 0; i < n; i++) {
        int gi = net_group(net, i);
        gi = gi < 0 ? 0 : gi >= ENGINE_MAX_NODES ? ENGINE_MAX_NODES - 1 : gi;
        rg->group[i] = gi;
        count[gi]++;
        if (gi + 1 > rg->n_groups)
            rg->n_groups = gi + 1;
    }
    for (int k = 0; k < rg->n_groups; k++) {
        width[k] = k == rg->n_groups - 1 ? map.x + map.w - x
                                         : (map.w * (used + count[k])) / n - (x - map.x);
        used += count[k];
        x += width[k];
    }
    /* A region too narrow for one box as wide as its text borrows from the widest. */
    for (int k = 0; k < rg->n_groups; k++) {
        int widest = 0;
        for (int j = 1; j < rg->n_groups; j++)
            if (width[j] > width[widest])
                widest = j;
        while (width[k] < min_w && width[widest] > min_w && widest != k) {
            width[k]++;
            width[widest]--;
        }
    }
    x = map.x;
    for (int k = 0; k < rg->n_groups; k++) {
        rg->r[k] = (struct rect){x + (k > 0), map.y + 1, width[k] - (k > 0), map.h - 1};
        rg->wall_x[k] = x;
        x += width[k];
    }
}

/* Places the nodes of one group (or all, group < 0) in r; true when none overlap. */
static bool place_in(struct rect r, const struct regions *rg, int group, int n, int bw, int bh,
                     struct nodebox *b)
{
    struct nodebox tmp[ENGINE_MAX_NODES];
    int idx[ENGINE_MAX_NODES], m = 0;
    bool ok;

    for (int i = 0; i < n; i++)
        if (group < 0 || rg->group[i] == group)
            idx[m++] = i;
    ok = place(r, m, bw, bh, tmp);
    for (int k = 0; k < m; k++)
        b[idx[k]] = tmp[k];
    return ok && bw <= r.w;
}

/*
 * The largest box at which the nodes of one group (all, group < 0) fit r without overlapping:
 * first as wide as the widest node's text (its detail line, the ISR, whole), in presenter mode
 * larger still as the screen allows; then the fixed sizes below that; the smallest when nothing
 * fits.
 */
static void place_group(struct rect r, const struct regions *rg, int group, int n, int ideal,
                        bool present, struct nodebox *b)
{
    int nsz = (int)(sizeof(box_sizes) / sizeof(box_sizes[0]));

    if (present) {
        /* A projector: as large as fits, up to twice the text's width and nine rows; the widest
         * first, then the tallest at that width. */
        for (int bw = ideal * 2; bw >= 9; bw -= 2)
            for (int bh = 9; bh >= 4; bh--)
                if (place_in(r, rg, group, n, bw, bh, b))
                    return;
    }
    if (ideal > box_sizes[0].w && place_in(r, rg, group, n, ideal, 6, b))
        return;
    for (int size = 0; size < nsz; size++)
        if (place_in(r, rg, group, n, box_sizes[size].w, box_sizes[size].h, b))
            return;
    place_in(r, rg, group, n, box_sizes[nsz - 1].w, box_sizes[nsz - 1].h, b);
}

/* Every node placed: on one ellipse, or with a partition, each group in its own region. */
static void place_nodes(const struct engine *e, struct rect map, bool present, struct nodebox *b,
                        struct regions *rg)
{
    int n = engine_nodes(e), ideal = node_content_width(e, DRAW_BOX_MAX_W) + 2;

    lay_out_regions(e, map, ideal + 3, rg);
    if (rg->n_groups == 0) {
        place_group(map, rg, -1, n, ideal, present, b);
        return;
    }
    for (int k = 0; k < rg->n_groups; k++)
        place_group(rg->r[k], rg, k, n, ideal, present, b);
}

int draw_node_at(const struct engine *e, int w, int h, bool lesson, bool present, int x, int y)
{
    struct nodebox b[ENGINE_MAX_NODES];
    struct regions rg;
    struct layout l;
    int n_nodes = engine_nodes(e);

    if (w < DRAW_MIN_W || h < DRAW_MIN_H || n_nodes < 1 || n_nodes > ENGINE_MAX_NODES)
        return -1;
    lay_out(w, h, lesson, present, &l);
    if (l.map.w < 12 || l.map.h < 3)
        return -1;
    place_nodes(e, l.map, present, b, &rg);
    for (int i = 0; i < n_nodes; i++)
        if (inside(b[i].r, x, y))
            return i;
    return -1;
}

/*
 * The quorum view: for the latest leaderless op that finished, the nodes that answered it are
 * marked on their box's lower border (with the op's label, so it never rests on colour alone),
 * its coordinator too, and the map's last row says what it was.
 */
static void draw_quorum(struct grid *g, const struct engine *e, const struct nodebox *b, int n,
                        size_t sel, struct rect map)
{
    const struct history *h = engine_history(e);
    const struct op *op = NULL;
    char line[256], req[96];
    uint64_t set;

    if (sel > 0 && history_at(h, sel)) {
        /* The op chosen with o / O, rather than the latest. */
        op = history_at(h, sel);
        if (op->quorum < 0 || op->status == OP_PENDING) {
            snprintf(line, sizeof(line), "quorum view: %s %s", op->label,
                     op->status == OP_PENDING ? "is still pending"
                                              : "is not a leaderless op: no quorum to show");
            grid_text(g, map.x, map.y + map.h - 1, map.w, line, ST_INFO);
            return;
        }
    }
    for (size_t id = history_count(h), k = 0; !op && id > 0 && k < 64; id--, k++) {
        const struct op *o = history_at(h, id);
        if (o && o->quorum >= 0 && o->status != OP_PENDING) {
            op = o;
            break;
        }
    }
    if (!op)
        return;
    set = op->replicas;
    for (int i = 0; i < n; i++) {
        struct rect r = b[i].r;
        bool replica = nodemask_has(set, i);
        const char *mark = i == op->node ? "coord" : replica ? "replica" : NULL;
        if (!mark || r.h < 3)
            continue;
        snprintf(line, sizeof(line), "%s %s", op->label, mark);
        grid_glyph(g, r.x + 1, r.y + r.h - 1, replica ? GL_OK : GL_PENDING,
                   replica ? ST_OK : ST_INFO);
        grid_text(g, r.x + 2, r.y + r.h - 1, r.w - 3, line, replica ? ST_OK : ST_INFO);
    }
    op_format_req(&op->req, req, sizeof(req));
    snprintf(line, sizeof(line), "%s%s %s via n%d: %s", map.w >= 80 ? "quorum view: " : "",
             op->label, req, op->node + 1, op->detail);
    grid_text(g, map.x, map.y + map.h - 1, map.w, line, op->quorum ? ST_OK : ST_FAIL);
}

/* A link is slow when its latency is over twice the usual (the median link's): that much. */
static int64_t slow_threshold(const struct net *net, int n)
{
    int64_t lat[ENGINE_MAX_NODES * ENGINE_MAX_NODES];
    int m = 0;

    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (i != j)
                lat[m++] = net_link(net, i, j).lat_max_us;
    if (m == 0)
        return INT64_MAX;
    /* An insertion sort: at most 64 x 63 links, drawn once a frame. */
    for (int k = 1; k < m; k++) {
        int64_t v = lat[k];
        int x = k;
        while (x > 0 && lat[x - 1] > v) {
            lat[x] = lat[x - 1];
            x--;
        }
        lat[x] = v;
    }
    return lat[m / 2] > 0 ? 2 * lat[m / 2] : INT64_MAX;
}

/* "12%" or "0.5%" from basis points. */
static void fmt_bp(char *dst, size_t size, uint32_t bp)
{
    if (bp % 100 == 0)
        snprintf(dst, size, "%u%%", bp / 100);
    else
        snprintf(dst, size, "%u.%u%%", bp / 100, (bp % 100) / 10);
}

/* The marks of link i-j in words ("" when none): a one-way cut with its direction, then loss,
 * duplication, reordering, slowness (the worse direction of each). */
static void link_marks(const struct net *net, int i, int j, int64_t slow_us, char *dst, size_t size)
{
    struct net_link ab = net_link(net, i, j), ba = net_link(net, j, i);
    bool r_ab = net_reachable(net, i, j), r_ba = net_reachable(net, j, i);
    uint32_t drop = ab.drop_bp > ba.drop_bp ? ab.drop_bp : ba.drop_bp;
    uint32_t dup = ab.dup_bp > ba.dup_bp ? ab.dup_bp : ba.dup_bp;
    uint32_t reorder = ab.reorder_bp > ba.reorder_bp ? ab.reorder_bp : ba.reorder_bp;
    int64_t lat = ab.lat_max_us > ba.lat_max_us ? ab.lat_max_us : ba.lat_max_us;
    char p[16], t[32];

    dst[0] = '\0';
    if (r_ab != r_ba)
        snprintf(dst, size, "n%d->n%d cut ", r_ab ? j + 1 : i + 1, r_ab ? i + 1 : j + 1);
    if (drop > 0) {
        fmt_bp(p, sizeof(p), drop);
        snprintf(dst + strlen(dst), size - strlen(dst), "loss %s ", p);
    }
    if (dup > 0) {
        fmt_bp(p, sizeof(p), dup);
        snprintf(dst + strlen(dst), size - strlen(dst), "dup %s ", p);
    }
    if (reorder > 0) {
        fmt_bp(p, sizeof(p), reorder);
        snprintf(dst + strlen(dst), size - strlen(dst), "reorder %s ", p);
    }
    if (lat > slow_us) {
        util_fmt_delta(t, sizeof(t), lat);
        snprintf(dst + strlen(dst), size - strlen(dst), "slow %s ", t + 1);
    }
    if (dst[0])
        dst[strlen(dst) - 1] = '\0';
}

/* Are the cells x..x+len-1 of row y inside the map and clear of every box? */
static bool label_fits(const struct nodebox *b, int n, struct rect map, int x, int y, int len)
{
    if (x < map.x || x + len > map.x + map.w || y < map.y || y >= map.y + map.h)
        return false;
    for (int i = 0; i < n; i++)
        if (y >= b[i].r.y && y < b[i].r.y + b[i].r.h && x < b[i].r.x + b[i].r.w &&
            b[i].r.x < x + len)
            return false;
    return true;
}

/* Text near the middle of the open stretch of link i-j, where it hides no box: along the link,
 * or a few rows off it; false when there is no such place. */
static bool link_label(struct grid *g, const struct nodebox *b, int n, int i, int j,
                       const char *text, int style, struct rect map)
{
    static const double along[] = {0.5, 0.35, 0.65, 0.2, 0.8};
    static const int off[] = {0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6};
    double t0, t1;
    int len = (int)strlen(text);

    open_span(&b[i], &b[j], &t0, &t1);
    for (int shift = 0; shift < 3; shift++)
        for (size_t o = 0; o < sizeof(off) / sizeof(off[0]); o++)
            for (size_t k = 0; k < sizeof(along) / sizeof(along[0]); k++) {
                int x, y;
                point_on(&b[i], &b[j], t0 + (t1 - t0) * along[k], &x, &y);
                /* Centred on the link; then flush left or right of it. */
                x -= shift == 0 ? len / 2 : shift == 1 ? len - 1 : 0;
                if (!label_fits(b, n, map, x, y + off[o], len))
                    continue;
                grid_text(g, x, y + off[o], len, text, style);
                return true;
            }
    return false;
}

/* A link's marks: all together where they fit, else each on its own. */
static void link_labels(struct grid *g, const struct nodebox *b, int n, int i, int j,
                        const char *marks, struct rect map)
{
    char part[96];
    const char *p = marks;

    if (link_label(g, b, n, i, j, marks, strstr(marks, "cut") ? ST_LINK_CUT : ST_PAUSED, map))
        return;
    /* Each mark is two words ("loss 25%", "n4->n5 cut"). */
    while (*p) {
        const char *sp = strchr(p, ' ');
        const char *end = sp ? strchr(sp + 1, ' ') : NULL;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        snprintf(part, sizeof(part), "%.*s", (int)len, p);
        link_label(g, b, n, i, j, part, strstr(part, "cut") ? ST_LINK_CUT : ST_PAUSED, map);
        p += len;
        while (*p == ' ')
            p++;
    }
}

/* A partition's regions: a wall down the map between groups, each named on its top row. */
static void draw_regions(struct grid *g, const struct regions *rg, int n, struct rect map)
{
    for (int k = 0; k < rg->n_groups; k++) {
        char names[200] = "", label[240];
        int members = 0;
        if (k > 0)
            for (int y = map.y; y < map.y + map.h; y++)
                grid_glyph(g, rg->wall_x[k], y, GL_WALL, ST_LINK_CUT);
        for (int i = 0; i < n; i++)
            if (rg->group[i] == k) {
                snprintf(names + strlen(names), sizeof(names) - strlen(names), " n%d", i + 1);
                members++;
            }
        if (members == 0)
            continue;
        snprintf(label, sizeof(label), "group %d:%s", k + 1, names);
        if ((int)strlen(label) > rg->r[k].w - 1)
            snprintf(label, sizeof(label), "g%d:%s", k + 1, names);
        if ((int)strlen(label) > rg->r[k].w - 1)
            snprintf(label, sizeof(label), "g%d", k + 1);
        grid_text(g, rg->r[k].x + 1, map.y, rg->r[k].w - 1, label, ST_LINK_CUT);
    }
}

/*
 * The links between nodes of one region. A full mesh of more than a few nodes would bury the
 * map: then a link is drawn only while it is cut, marked, or carries a message that is not
 * background chatter. Links between a partition's groups are not drawn: the wall between the
 * regions says they are cut.
 */
static void draw_links(struct grid *g, const struct net *net, const struct nodebox *b, int n,
                       const struct regions *rg, struct rect map, int64_t slow_us)
{
    bool busy[ENGINE_MAX_NODES][ENGINE_MAX_NODES];
    bool mesh = n <= 5 || (n <= 8 && map.w >= 100);

    memset(busy, 0, sizeof(busy));
    for (int s = 0; !mesh && s < net_slots(net); s++) {
        const struct msg *m = net_slot(net, s);
        if (m && !m->idle && m->from >= 0 && m->to >= 0 && m->from < n && m->to < n)
            busy[m->from][m->to] = busy[m->to][m->from] = true;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            bool cut = !net_reachable(net, i, j) || !net_reachable(net, j, i);
            char mark[96];
            if (rg->n_groups > 0 && rg->group[i] != rg->group[j])
                continue;
            link_marks(net, i, j, slow_us, mark, sizeof(mark));
            if (cut || mesh || busy[i][j] || mark[0])
                draw_link(g, &b[i], &b[j], cut, false);
        }
}

/* The link chosen with v (from the selected node to link_to), or -1 when none is. */
static int chosen_link(const struct draw_view *v, int n)
{
    if (v->link_to > 0 && v->link_to <= n && v->link_to - 1 != v->selected && v->selected >= 0 &&
        v->selected < n)
        return v->link_to - 1;
    return -1;
}

/* What is special about a link, in words beside it: a one-way cut and its direction, loss,
 * duplication, reordering, a slow link. */
static void draw_link_marks(struct grid *g, const struct net *net, const struct nodebox *b, int n,
                            const struct regions *rg, struct rect map, int64_t slow_us)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            char mark[96];
            if (rg->n_groups > 0 && rg->group[i] != rg->group[j])
                continue;
            link_marks(net, i, j, slow_us, mark, sizeof(mark));
            if (mark[0])
                link_labels(g, b, n, i, j, mark, map);
        }
}

/* Writes label at (x, y) in style st, up to max characters, stopping at the first cell under
 * a node's box or past the map; with keep_marks, also at a box's or a cut link's mark, so
 * those stay readable under a message's label. */
static void msg_label(struct grid *g, const struct nodebox *b, int n, struct rect map, int x, int y,
                      const char *label, int max, bool keep_marks, int st)
{
    for (int k = 0; label[k] && k < max; k++) {
        bool hidden = false;
        if (keep_marks) {
            int under = grid_at(g, x + 1 + k, y).style;
            hidden = x + 1 + k >= map.x + map.w || under == ST_PAUSED || under == ST_LINK_CUT;
        }
        for (int i = 0; i < n && !hidden; i++)
            hidden = inside(b[i].r, x + 1 + k, y);
        if (hidden)
            break;
        grid_put(g, x + 1 + k, y, (unsigned char)label[k], st);
    }
}

/* A message in flight, placed along its link by how much of its trip is done. */
static void draw_message(struct grid *g, const struct draw_view *v, const struct msg *m,
                         const struct nodebox *b, int n, int64_t now, struct rect map)
{
    double t0, t1, p;
    int x, y, st = ST_MSG0, maxlab = map.w >= 100 ? 22 : n > 5 ? 8 : 12;
    enum grid_glyph gl = GL_MSG;
    char label[64];

    p = m->deliver_us > m->send_us
            ? (double)(now - m->send_us) / (double)(m->deliver_us - m->send_us)
            : 1;
    p = p < 0 ? 0 : p > 1 ? 1 : p;
    open_span(&b[m->from], &b[m->to], &t0, &t1);
    point_on(&b[m->from], &b[m->to], t0 + p * (t1 - t0), &x, &y);
    switch (m->fate) {
    case NET_DELIVER:
        gl = GL_MSG;
        st = ST_MSG0 + (m->type < 0 ? 0 : m->type % 4);
        break;
    case NET_DUPLICATE:
        gl = GL_MSG_DUP;
        st = ST_MSG0 + (m->type < 0 ? 0 : m->type % 4);
        break;
    case NET_DROP:
        gl = GL_MSG_DROP;
        st = ST_MSG_DROP;
        break;
    }
    if (!inside(map, x, y))
        return;
    if (v->picking && m->id == v->pick_id) {
        /* The picked message: marked, with its id and whole summary. */
        snprintf(label, sizeof(label), "[#%llu %s]", (unsigned long long)m->id,
                 m->summary[0] ? m->summary : m->type_name);
        grid_glyph(g, x, y, gl, ST_SELECTED);
        for (int k = 0; label[k] && x + 1 + k < map.x + map.w; k++)
            grid_put(g, x + 1 + k, y, (unsigned char)label[k], ST_SELECTED);
        return;
    }
    if (m->idle && m->fate != NET_DROP) {
        /* Background chatter is a dim dot without a label, so the real traffic stands out;
         * picking, it shows its id. */
        grid_glyph(g, x, y, GL_MSG_IDLE, ST_DIM);
        if (v->picking) {
            snprintf(label, sizeof(label), "#%llu", (unsigned long long)m->id);
            msg_label(g, b, n, map, x, y, label, map.x + map.w - (x + 1), false, ST_DIM);
        }
        return;
    }
    grid_glyph(g, x, y, gl, st);
    if (v->picking)
        snprintf(label, sizeof(label), "#%llu %s%s", (unsigned long long)m->id,
                 m->summary[0] ? m->summary : m->type_name, m->fate == NET_DROP ? " lost" : "");
    else
        snprintf(label, sizeof(label), "%s%s", m->summary[0] ? m->summary : m->type_name,
                 m->fate == NET_DROP ? " lost" : "");
    msg_label(g, b, n, map, x, y, label, maxlab, true, st);
}

static void draw_map(struct grid *g, const struct engine *e, const struct draw_view *v,
                     struct rect map)
{
    struct nodebox b[ENGINE_MAX_NODES];
    struct regions rg;
    const struct net *net = engine_net(e);
    int n = engine_nodes(e);
    int64_t now = engine_now(e), slow_us;
    int o;

    if (map.w < 12 || map.h < 3)
        return;
    place_nodes(e, map, v->present, b, &rg);
    slow_us = slow_threshold(net, n);
    draw_links(g, net, b, n, &rg, map, slow_us);
    o = chosen_link(v, n);
    if (o >= 0) {
        /* The link chosen with v, drawn over the rest and named on the map's top row. */
        bool cut = !net_reachable(net, v->selected, o) || !net_reachable(net, o, v->selected);
        draw_link(g, &b[v->selected], &b[o], cut, true);
    }
    draw_regions(g, &rg, n, map);
    for (int i = 0; i < n; i++)
        draw_node(g, e, i, &b[i], i == v->selected,
                  v->lesson && v->lesson->spot && v->lesson->spot->node == i,
                  v->lesson && !v->lesson->lamport ? BOX_LAMPORT_HIDDEN : BOX_LAMPORT_SHOWN);
    draw_link_marks(g, net, b, n, &rg, map, slow_us);
    draw_quorum(g, e, b, n, v->op_sel, map);
    if (o >= 0) {
        /* The selected link named on the map's last row (over the quorum view's line). */
        bool cut = !net_reachable(net, v->selected, o) || !net_reachable(net, o, v->selected);
        char line[96];
        snprintf(line, sizeof(line), "link n%d-n%d %s: C %s it, v the next, Esc none",
                 v->selected + 1, o + 1, cut ? "cut" : "up", cut ? "mends" : "cuts");
        grid_fill(g, map.x, map.y + map.h - 1, map.w, 1, ' ', ST_NORMAL);
        grid_text(g, map.x, map.y + map.h - 1, map.w, line, ST_SELECTED);
    }
    for (int s = 0; s < net_slots(net); s++) {
        const struct msg *m = net_slot(net, s);
        if (m && m->from >= 0 && m->to >= 0 && m->from < n && m->to < n)
            draw_message(g, v, m, b, n, now, map);
    }
}

/* ---- the clock view ---- */

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/*
 * Items (each a whole phrase) flowed into rows of w columns from x, y, two spaces apart, later
 * rows indented by three; an item is cut only when it alone is wider than a row. Returns the
 * rows used (at most max_rows).
 */
static int flow_items(struct grid *g, int x, int y, int w, int max_rows, char items[][96],
                      const int *styles, int n)
{
    int cx = 0, row = 0;

    for (int i = 0; i < n && row < max_rows; i++) {
        int len = (int)strlen(items[i]);
        if (cx > 0 && cx + 2 + len > w) {
            row++;
            cx = 3;
            if (row >= max_rows)
                break;
        } else if (cx > 0) {
            cx += 2;
        }
        cx += grid_text(g, x + cx, y + row, w - cx, items[i], styles[i]);
    }
    return row + 1 < max_rows ? row + 1 : max_rows;
}

/*
 * Per node: its wall clock against true time (skew, drift), its monotonic, Lamport and vector
 * clocks, its TrueTime interval and whether that holds true time; a ruler that puts each wall
 * clock and interval against true time at the centre; then the latest clock jumps.
 */
static void draw_clocks(struct grid *g, const struct engine *e, const struct draw_view *v,
                        struct rect r)
{
    int n = engine_nodes(e), y = r.y + 1, end = r.y + r.h, rw = r.w - 8, mid;
    bool rulers;
    int64_t now = engine_now(e), scale = 1000;
    struct engine_node en[ENGINE_MAX_NODES];
    char line[256], a[32], b[32], c[32], vc[96];

    util_fmt_time(a, sizeof(a), now);
    snprintf(line, sizeof(line), " clocks  true time %s  c closes ", a);
    pane_title(g, r, line);
    for (int i = 0; i < n; i++) {
        if (engine_node(e, i, &en[i]) < 0)
            memset(&en[i], 0, sizeof(en[i]));
        if (abs64(en[i].skew_us) > scale)
            scale = abs64(en[i].skew_us);
        if (abs64(en[i].tt_earliest - now) > scale)
            scale = abs64(en[i].tt_earliest - now);
        if (abs64(en[i].tt_latest - now) > scale)
            scale = abs64(en[i].tt_latest - now);
    }
    scale += scale / 5;
    mid = r.x + 5 + rw / 2;
    /* A ruler under each node while there are rows for them (two or three rows of text each,
     * by the width); short of rows, the text alone. */
    rulers = end - y >= (r.w - 1 >= 60 ? 3 : 4) * n + 1 + (v->events ? 4 : 0);
    for (int i = 0; i < n && y < end; i++) {
        const struct engine_node *nd = &en[i];
        bool holds = nd->tt_earliest <= now && now <= nd->tt_latest;
        int x0;
        char it[8][96];
        int st[8], k = 0;
        util_fmt_time(a, sizeof(a), nd->phys_us);
        util_fmt_delta(b, sizeof(b), nd->skew_us);
        snprintf(it[k], sizeof(it[k]), "n%d %s", i + 1, state_word(nd->state));
        st[k++] = nd->state == NODE_CRASHED ? ST_CRASHED : ST_BOLD;
        snprintf(it[k], sizeof(it[k]), "wall %s", a);
        st[k++] = nd->skew_us != 0 ? ST_PAUSED : ST_NORMAL;
        snprintf(it[k], sizeof(it[k]), "skew %s", b);
        st[k++] = nd->skew_us != 0 ? ST_PAUSED : ST_NORMAL;
        snprintf(it[k], sizeof(it[k]), "drift %+dppm", (int)nd->drift_ppm);
        st[k++] = nd->drift_ppm != 0 ? ST_PAUSED : ST_NORMAL;
        util_fmt_time(a, sizeof(a), nd->mono_us);
        util_fmt_delta(b, sizeof(b), nd->tt_earliest - now);
        util_fmt_delta(c, sizeof(c), nd->tt_latest - now);
        clock_vc_format(&nd->vc, n < 8 ? n : 8, vc, sizeof(vc));
        snprintf(it[k], sizeof(it[k]), "mono %s", a);
        st[k++] = ST_DIM;
        snprintf(it[k], sizeof(it[k]), "lamport %llu", (unsigned long long)nd->lamport);
        st[k++] = ST_DIM;
        snprintf(it[k], sizeof(it[k]), "TT [%s, %s] %s", b, c, holds ? "holds" : "MISSES");
        st[k++] = holds ? ST_DIM : ST_FAIL;
        snprintf(it[k], sizeof(it[k]), "vc %s", vc);
        st[k++] = ST_DIM;
        y += flow_items(g, r.x + 1, y, r.w - 1, end - y, it, st, k);
        if (y >= end || rw < 10 || !rulers)
            continue;
        /* The ruler: true time at the centre, the interval as [ ], the wall clock as a dot. */
        x0 = clampi(mid + (int)((nd->tt_earliest - now) * (rw / 2) / scale), r.x + 5, r.x + 4 + rw);
        {
            int x1 = clampi(mid + (int)((nd->tt_latest - now) * (rw / 2) / scale), r.x + 5,
                            r.x + 4 + rw);
            int xw = clampi(mid + (int)(nd->skew_us * (rw / 2) / scale), r.x + 5, r.x + 4 + rw);
            for (int x = r.x + 5; x < r.x + 5 + rw; x++)
                grid_glyph(g, x, y, GL_H, ST_DIM);
            for (int x = x0; x <= x1; x++)
                grid_glyph(g, x, y, GL_H, ST_INFO);
            grid_put(g, x0, y, '[', ST_INFO);
            grid_put(g, x1, y, ']', ST_INFO);
            grid_put(g, mid, y, grid_ascii(g) ? '|' : 0x253c, ST_OK);
            grid_glyph(g, xw, y, GL_MSG, nd->skew_us != 0 ? ST_PAUSED : ST_NORMAL);
        }
        y++;
    }
    if (y < end && rulers) {
        util_fmt_delta(a, sizeof(a), -scale);
        util_fmt_delta(b, sizeof(b), scale);
        snprintf(line, sizeof(line), "%s", a);
        grid_text(g, r.x + 5, y, 12, line, ST_DIM);
        grid_text(g, mid - 2, y, 5, "true", ST_OK);
        grid_text(g, r.x + 5 + rw - (int)strlen(b), y, (int)strlen(b), b, ST_DIM);
        y++;
    }
    /* The latest clock jumps (skew, drift, NTP), newest first. */
    if (v->events && y + 1 < end) {
        int64_t t;
        int node;
        const char *label;
        y++;
        grid_text(g, r.x + 1, y++, r.w - 1, "clock jumps:", ST_BOLD);
        for (int k = 0; y < end && timeline_clock_at(v->events, k, &t, &node, &label); k++) {
            util_fmt_time(a, sizeof(a), t);
            snprintf(line, sizeof(line), "%s n%d %s", a, node + 1, label);
            grid_text(g, r.x + 3, y++, r.w - 3, line, ST_EV_FAULT);
        }
        if (!timeline_clock_at(v->events, 0, &t, &node, &label) && y < end)
            grid_text(g, r.x + 3, y, r.w - 3, "none yet: S skews the selected node's clock",
                      ST_DIM);
    }
}

/* ---- panes ---- */

static const char *verdict_word(enum check_verdict v)
{
    switch (v) {
    case CHECK_OK:
        return "yes";
    case CHECK_VIOLATED:
        return "NO";
    case CHECK_UNKNOWN:
        return "unknown";
    case CHECK_NA:
        return "n/a";
    }
    return "?";
}

/*
 * The checkers' verdicts as items, each a whole phrase in a long and a short form; what broke
 * comes first. An item is never cut: the block wraps between items. Duplicates (a retried
 * write a log holds twice) and resurrections (a deleted value read back) are named only when
 * they happened: most runs cannot have them.
 */
#define DRAW_VERDICT_ITEMS 7
struct verdict_item {
    char longf[96];
    char shortf[48];
    bool bad;
    bool optional; /* the outcome counts: left out before anything is cut */
};

static int verdict_items(const struct check_summary *c, struct verdict_item *out)
{
    struct verdict_item it[DRAW_VERDICT_ITEMS];
    int sess = check_summary_sessions(c), n = 0;
    bool lin_key = (c->lin == CHECK_VIOLATED || c->lin == CHECK_UNKNOWN) && c->lin_first.key[0];

    memset(it, 0, sizeof(it));
    snprintf(it[0].longf, sizeof(it[0].longf), "linearizable %s%s%s", verdict_word(c->lin),
             lin_key ? " on " : "", lin_key ? c->lin_first.key : "");
    snprintf(it[0].shortf, sizeof(it[0].shortf), "lin %s%s%s", verdict_word(c->lin),
             lin_key ? " " : "", lin_key ? c->lin_first.key : "");
    it[0].bad = c->lin == CHECK_VIOLATED;
    snprintf(it[1].longf, sizeof(it[1].longf), "lost writes %d", c->lost.lost);
    snprintf(it[1].shortf, sizeof(it[1].shortf), "lost %d", c->lost.lost);
    it[1].bad = c->lost.lost > 0;
    snprintf(it[2].longf, sizeof(it[2].longf), "split brain %d", c->split.count);
    snprintf(it[2].shortf, sizeof(it[2].shortf), "split %d", c->split.count);
    it[2].bad = c->split.count > 0;
    if (sess > 0) {
        snprintf(it[3].longf, sizeof(it[3].longf), "sessions broken: %d ryw %d mono %d prefix",
                 c->sess.ryw, c->sess.monotonic, c->sess.prefix);
        snprintf(it[3].shortf, sizeof(it[3].shortf), "sess %d", sess);
    } else {
        snprintf(it[3].longf, sizeof(it[3].longf), "sessions ok");
        snprintf(it[3].shortf, sizeof(it[3].shortf), "sess ok");
    }
    it[3].bad = sess > 0;
    snprintf(it[4].longf, sizeof(it[4].longf), "%d ok %d fail %d t/o", c->av.ok, c->av.failed,
             c->av.timed_out);
    snprintf(it[4].shortf, sizeof(it[4].shortf), "%d/%d/%d", c->av.ok, c->av.failed,
             c->av.timed_out);
    it[4].optional = true;
    int m = 5;
    if ((c->ran & CHECK_PART_DUP) && c->dup.writes > 0) {
        snprintf(it[m].longf, sizeof(it[m].longf), "duplicates %d", c->dup.writes);
        snprintf(it[m].shortf, sizeof(it[m].shortf), "dup %d", c->dup.writes);
        it[m++].bad = true;
    }
    if ((c->ran & CHECK_PART_ZOMBIE) && c->zombie.count > 0) {
        snprintf(it[m].longf, sizeof(it[m].longf), "resurrected %d", c->zombie.count);
        snprintf(it[m].shortf, sizeof(it[m].shortf), "zombie %d", c->zombie.count);
        it[m++].bad = true;
    }
    /* What broke first, then the rest in their usual order. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < m; i++)
            if (it[i].bad == (pass == 0))
                out[n++] = it[i];
    return n;
}

/*
 * Flows the items into rows of width w, two spaces apart, none split; returns the rows needed
 * (placing each item's row and column in at_y / at_x when they are not NULL).
 */
static int verdict_flow(const struct verdict_item *it, int n, bool shortf, int w, int *at_x,
                        int *at_y)
{
    int x = 0, rows = 1;

    for (int i = 0; i < n; i++) {
        int len = (int)strlen(shortf ? it[i].shortf : it[i].longf);
        if (x > 0 && x + 2 + len > w) {
            rows++;
            x = 0;
        } else if (x > 0) {
            x += 2;
        }
        if (len > w)
            return 1000; /* one item wider than the pane: this form does not fit */
        if (at_x) {
            at_x[i] = x;
            at_y[i] = rows - 1;
        }
        x += len;
    }
    return rows;
}

/*
 * The checkers' verdicts in the ops pane's last rows, laid out for the width there is: the long
 * form when it fits in the rows the pane can spare, else the short form, else the short form
 * without the outcome counts; one line, or several, never an item cut mid-word. What broke is
 * named first, in the alert colour, and the block opens with a cross; a block that holds opens
 * with a tick. Returns the rows used.
 */
static int draw_verdicts(struct grid *g, const struct check_summary *c, struct rect r)
{
    struct verdict_item it[DRAW_VERDICT_ITEMS];
    int n = verdict_items(c, it), w = r.w - 3, max_rows, rows = 1000, at_x[DRAW_VERDICT_ITEMS],
        at_y[DRAW_VERDICT_ITEMS], y;
    bool bad = false, shortf = false;

    max_rows = r.h - 1 >= 12 ? 3 : r.h - 1 >= 6 ? 2 : r.h - 1 >= 2 ? r.h - 2 : 0;
    if (max_rows <= 0 || w < 8)
        return 0;
    for (int i = 0; i < n; i++)
        bad = bad || it[i].bad;
    /* In words, in words without the counts (the least needed), short, short without them. */
    for (int form = 0, all = n; form < 4 && rows > max_rows; form++) {
        n = form % 2 == 1 && it[all - 1].optional ? all - 1 : all;
        shortf = form >= 2;
        rows = verdict_flow(it, n, shortf, w, NULL, NULL);
    }
    if (rows > max_rows) {
        /* Not even that fits: the rows there are, taken from the pane above. */
        rows = verdict_flow(it, n, true, w, NULL, NULL);
        if (rows > r.h - 1)
            return 0;
    }
    verdict_flow(it, n, shortf, w, at_x, at_y);
    y = r.y + r.h - rows;
    grid_glyph(g, r.x + 1, y,
               bad                       ? GL_FAIL
               : c->lin == CHECK_UNKNOWN ? GL_PENDING
                                         : GL_OK,
               bad                       ? ST_FAIL
               : c->lin == CHECK_UNKNOWN ? ST_PENDING
                                         : ST_OK);
    for (int i = 0; i < n; i++)
        grid_text(g, r.x + 3 + at_x[i], y + at_y[i], w - at_x[i],
                  shortf ? it[i].shortf : it[i].longf,
                  it[i].bad        ? ST_FAIL
                  : it[i].optional ? ST_DIM
                                   : ST_NORMAL);
    return rows;
}

/* sel: the selected op (0: none); spot: the op of a lesson's key moment (0: none). */
static void draw_ops(struct grid *g, const struct engine *e, const struct check_summary *checks,
                     size_t sel, uint64_t spot, struct rect r)
{
    const struct history *h = engine_history(e);
    size_t n = history_count(h);
    int rows = r.h - 1 - (checks ? draw_verdicts(g, checks, r) : 0);
    char title[64], req[96], vals[96], line[256], t[32];
    size_t first = n > (size_t)rows ? n - (size_t)rows : 0;

    /* The selected op (o / O) stays in sight: the pane scrolls back to it. */
    if (sel > 0 && sel <= first)
        first = sel - 1;
    else if (sel == 0 && spot > 0 && spot <= first)
        first = (size_t)spot - 1; /* and so does the key moment's */
    if (sel > 0 && sel <= n)
        snprintf(title, sizeof(title), " ops (%zu): op %zu ", n, sel);
    else
        snprintf(title, sizeof(title), " ops (%zu) ", n);
    pane_title(g, r, title);
    if (n == 0 && rows > 0)
        grid_text(g, r.x + 1, r.y + 1, r.w - 1, "none yet: w writes", ST_DIM);
    for (size_t id = first + 1; id <= n && (int)(id - first) <= rows; id++) {
        const struct op *op = history_at(h, id);
        int y = r.y + 1 + (int)(id - first - 1), st = ST_PENDING;
        enum grid_glyph gl = GL_PENDING;
        if (!op)
            continue;
        op_format_req(&op->req, req, sizeof(req));
        switch (op->status) {
        case OP_PENDING:
            util_fmt_time(t, sizeof(t), engine_now(e) - op->invoke_us);
            snprintf(vals, sizeof(vals), "pending %s", t);
            break;
        case OP_OK:
            gl = GL_OK;
            st = ST_OK;
            if (op->req.kind == OP_GET) {
                char v[64];
                op_format_result(&op->result, v, sizeof(v));
                snprintf(vals, sizeof(vals), "ok %s", v);
            } else {
                snprintf(vals, sizeof(vals), "ok");
            }
            break;
        case OP_FAIL:
            gl = GL_FAIL;
            st = ST_FAIL;
            snprintf(vals, sizeof(vals), "fail %s", op->reason);
            break;
        case OP_TIMEOUT:
            gl = GL_TIMEOUT;
            st = ST_TIMEOUT;
            snprintf(vals, sizeof(vals), "timeout");
            break;
        }
        if (op->quorum >= 0 && op->status != OP_PENDING)
            snprintf(vals + strlen(vals), sizeof(vals) - strlen(vals), " quorum %s",
                     op->quorum ? "met" : "failed");
        if (op->status != OP_PENDING) {
            util_fmt_delta(t, sizeof(t), op->complete_us - op->invoke_us);
            snprintf(vals + strlen(vals), sizeof(vals) - strlen(vals), " %s", t + 1);
        }
        grid_glyph(g, r.x + 1, y, gl, st);
        snprintf(line, sizeof(line), "%s %s n%d %s", op->label, req, op->node + 1, vals);
        if ((int)strlen(line) > r.w - 3 && r.w > 3) {
            /* Too long for the pane: it ends at a word, never in the middle of one. */
            int cut = r.w - 3;
            while (cut > 0 && line[cut] != ' ')
                cut--;
            if (cut > 0)
                line[cut] = '\0';
        }
        if (id == sel) {
            /* Marked by glyph as well as by style. */
            grid_put(g, r.x, y, '>', ST_SELECTED);
            grid_fill(g, r.x + 2, y, r.w - 2, 1, ' ', ST_SELECTED);
            st = ST_SELECTED;
        } else if (id == spot) {
            grid_glyph(g, r.x, y, GL_SPOT, ST_INFO);
            st = ST_INFO;
        }
        grid_text(g, r.x + 3, y, r.w - 3, line, st == ST_PENDING ? ST_NORMAL : st);
    }
}

static void draw_replica(struct grid *g, const struct engine *e, int node,
                         const struct draw_flash *flash, int n_flash, struct rect r)
{
    const struct store *s = engine_store(e, node);
    struct engine_node en;
    char title[48], line[160], v[96];
    int y = r.y + 1, end = r.y + r.h;
    int64_t log_end, from;

    snprintf(title, sizeof(title), " n%d replica ", node + 1);
    pane_title(g, r, title);
    if (!s || engine_node(e, node, &en) < 0)
        return;
    /* What this node just cut from its log or threw away, struck through, before it goes. */
    for (int i = 0; flash && i < n_flash && y < end; i++) {
        if (flash[i].node != node)
            continue;
        snprintf(line, sizeof(line), "-- %s: %s --", flash[i].discarded ? "discarded" : "truncated",
                 flash[i].text);
        grid_text(g, r.x + 1, y++, r.w - 1, line, ST_FAIL);
    }
    log_end = store_log_end(s);
    if (log_end > 0 && y < end) {
        if (en.desc.commit >= 0)
            snprintf(line, sizeof(line), "log: %lld entries, hw %lld", (long long)log_end,
                     (long long)en.desc.commit);
        else
            snprintf(line, sizeof(line), "log: %lld entries", (long long)log_end);
        grid_text(g, r.x + 1, y++, r.w - 1, line, ST_BOLD);
        from = log_end - (end - y) / 2;
        if (from < 0)
            from = 0;
        for (int64_t o = from; o < log_end && y < end; o++) {
            const struct store_entry *en2 = store_log_at(s, o);
            bool committed = en.desc.commit >= 0 && o < en.desc.commit;
            if (!en2)
                continue;
            if (!en2->key[0]) /* a new leader's epoch-start marker (Raft's no-op) */
                snprintf(line, sizeof(line), "@%lld e%lld epoch %lld starts%s", (long long)o,
                         (long long)en2->epoch, (long long)en2->epoch,
                         committed ? "" : "  (uncommitted)");
            else
                snprintf(line, sizeof(line), "@%lld e%lld %s=%s%s", (long long)o,
                         (long long)en2->epoch, en2->key, en2->value,
                         committed ? "" : "  (uncommitted)");
            grid_text(g, r.x + 1, y++, r.w - 1, line, committed ? ST_NORMAL : ST_DIM);
        }
    }
    if (y < end && (store_kv_count(s) > 0 || log_end == 0)) {
        snprintf(line, sizeof(line), "keys: %d", store_kv_count(s));
        grid_text(g, r.x + 1, y++, r.w - 1, line, ST_BOLD);
    }
    for (int i = 0; i < store_kv_count(s) && y < end; i++) {
        const struct store_item *it = store_kv_at(s, i);
        char owners[96] = "";
        int n_owners = 0;
        v[0] = '\0';
        for (int k = 0; k < it->n; k++)
            snprintf(v + strlen(v), sizeof(v) - strlen(v), "%s%s", k ? "," : "",
                     it->v[k].tombstone ? "(deleted)" : it->v[k].value);
        /* Where the key lives, when not every node holds it (a leaderless preference list). */
        for (int k = 0; k < engine_nodes(e); k++) {
            if (!engine_replica_of(e, k, it->key))
                continue;
            snprintf(owners + strlen(owners), sizeof(owners) - strlen(owners), "%sn%d",
                     n_owners++ ? "," : "", k + 1);
        }
        snprintf(line, sizeof(line), "%s = %s%s%s", it->key, it->n > 1 ? "{" : "", v,
                 it->n > 1 ? "}  siblings" : "");
        grid_text(g, r.x + 1, y++, r.w - 1, line, it->n > 1 ? ST_PAUSED : ST_NORMAL);
        if (n_owners < engine_nodes(e) && y < end) {
            snprintf(line, sizeof(line), "  replicas %s", owners);
            grid_text(g, r.x + 1, y++, r.w - 1, line, ST_DIM);
        }
        /*
         * Each version's origin, version vector and timestamp: what tells a conflict from
         * an overwrite. Shown while there is room (always for siblings).
         */
        for (int k = 0; k < it->n && y < end && (it->n > 1 || end - y > 3); k++) {
            const struct store_version *sv = &it->v[k];
            struct vclock zero;
            /* A model that keeps no version vectors (echo) has nothing to explain. */
            memset(&zero, 0, sizeof(zero));
            if (it->n == 1 && clock_vc_compare(&sv->vc, &zero) == CLOCK_EQUAL)
                continue;
            char vc[80], ts[24];
            if (sv->origin < 0 || sv->origin >= engine_nodes(e))
                continue;
            clock_vc_format(&sv->vc, engine_nodes(e) < 8 ? engine_nodes(e) : 8, vc, sizeof(vc));
            util_fmt_time(ts, sizeof(ts), sv->ts_us);
            snprintf(line, sizeof(line), "  %s from n%d %s t=%s",
                     sv->tombstone ? "(del)" : sv->value, sv->origin + 1, vc, ts);
            grid_text(g, r.x + 1, y++, r.w - 1, line, ST_DIM);
        }
    }
}

static void draw_events(struct grid *g, const struct draw_log *log, const char *filter, int scroll,
                        int mark, struct rect r)
{
    int rows = r.h - 1, n = log ? draw_log_count(log) : 0, y = r.y + r.h - 1, skip = scroll;
    char title[128];

    if (filter && filter[0])
        snprintf(title, sizeof(title), " events matching '%s' (Esc shows all) ", filter);
    else
        snprintf(title, sizeof(title), " events ");
    if (scroll > 0)
        snprintf(title + strlen(title) - 1, sizeof(title) - strlen(title) + 1,
                 " - %d back, PgDn to follow ", scroll);
    pane_title(g, r, title);
    /* Newest at the bottom, walking back (past the lines scrolled over) until the pane is
     * full. */
    for (int i = n - 1; i >= 0 && rows > 0; i--) {
        int st = ST_NORMAL;
        const char *s = draw_log_line(log, i, &st);
        if (filter && filter[0] && !strstr(s, filter))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        if (i == mark - 1) {
            /* The search's hit: marked by glyph as well as by style. */
            grid_put(g, r.x, y, '>', ST_SELECTED);
            grid_fill(g, r.x + 1, y, r.w - 1, 1, ' ', ST_SELECTED);
            st = ST_SELECTED;
        }
        grid_text(g, r.x + 1, y--, r.w - 1, s, st);
        rows--;
    }
}

/* Which hints the status bar shows first when it cannot show them all. */
static const enum key_action hint_order[] = {
    KA_RUN,    KA_COMMAND,    KA_KILL, KA_WRITE, KA_HELP,      KA_CLOSE,    KA_STEP,  KA_BACK,
    KA_FASTER, KA_PAUSE_NODE, KA_HEAL, KA_READ,  KA_NEXT_NODE, KA_PICK_MSG, KA_SCRUB,
};

static void draw_bar(struct grid *g, const struct engine *e, const struct draw_view *v, int row)
{
    int w = grid_width(g), x = 0;
    char t[32], line[256];
    size_t nk;
    const struct key_binding *keys = keys_table(&nk);

    grid_fill(g, 0, row, w, 1, ' ', ST_BAR);
    if (v->rec)
        x += grid_text(g, x, row, w - x, grid_ascii(g) ? " (*) REC " : " \xe2\x97\x8f REC ",
                       ST_BAR_PAUSE);
    x += grid_text(g, x, row, w - x, v->paused ? " || PAUSED " : " >> RUNNING ",
                   v->paused ? ST_BAR_PAUSE : ST_BAR_RUN);
    if (v->skip)
        x += grid_text(g, x, row, w - x, v->skip, ST_BAR_KEY);
    util_fmt_time(t, sizeof(t), engine_now(e));
    if (v->title && strcmp(v->title, "sandbox") != 0) {
        const char *base = strrchr(v->title, '/');
        x += grid_text(g, x, row, w / 4, base ? base + 1 : v->title, ST_BAR_KEY);
    }
    if (v->head_us >= 0) {
        char hd[32];
        util_fmt_time(hd, sizeof(hd), v->head_us);
        snprintf(line, sizeof(line), " REWOUND t=%s of %s %s %s %dn", t, hd,
                 v->speed ? v->speed : "", engine_model(e)->name, engine_nodes(e));
    } else {
        snprintf(line, sizeof(line), " t=%s %s %s %dn", t, v->speed ? v->speed : "",
                 engine_model(e)->name, engine_nodes(e));
    }
    if (v->workload && engine_workload_on(e))
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " load %s W stops", v->workload);
    if (w >= 100)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " seed %llu",
                 (unsigned long long)engine_seed(e));
    snprintf(line + strlen(line), sizeof(line) - strlen(line), " ");
    x += grid_text(g, x, row, w - x, line, ST_BAR);
    /* Key hints from the key table, the most useful first, as many as fit. */
    for (size_t r = 0; r < sizeof(hint_order) / sizeof(hint_order[0]); r++) {
        for (size_t i = 0; i < nk; i++) {
            char key[16];
            size_t kl;
            if (keys[i].act != hint_order[r] || !keys[i].hint)
                continue;
            if (v->lesson && keys[i].act == KA_BACK)
                continue; /* a lesson goes back with < instead */
            kl = strcspn(keys[i].keys, " ");
            snprintf(key, sizeof(key), "%.*s", (int)kl, keys[i].keys);
            if (strcmp(key, "Space") == 0)
                snprintf(key, sizeof(key), "Spc");
            if (x + (int)strlen(key) + (int)strlen(keys[i].hint) + 3 > w)
                continue;
            x += 1 + grid_text(g, x + 1, row, w - x, key, ST_BAR_KEY);
            x += 1 + grid_text(g, x + 1, row, w - x, keys[i].hint, ST_BAR);
        }
    }
}

/* Adversary mode's own keys (tui/app.c pick_key handles them), for its status bar. */
static const char *const pick_keys[][2] = {
    {"Tab", "next"}, {"d", "deliver now"}, {"+", "delay 200ms"}, {"D", "drop"}, {"Esc", "done"},
};

/* Adversary mode's status bar: the mode, the time and the mode's own keys. */
static void draw_pick_bar(struct grid *g, const struct engine *e, int row)
{
    const char *const(*keys)[2] = pick_keys;
    int w = grid_width(g), x = 0;
    char t[32], line[48];

    grid_fill(g, 0, row, w, 1, ' ', ST_BAR);
    x += grid_text(g, x, row, w - x, " PICK A MESSAGE ", ST_BAR_PAUSE);
    util_fmt_time(t, sizeof(t), engine_now(e));
    snprintf(line, sizeof(line), " t=%s ", t);
    x += grid_text(g, x, row, w - x, line, ST_BAR);
    for (size_t i = 0; i < sizeof(pick_keys) / sizeof(pick_keys[0]); i++) {
        if (x + (int)strlen(keys[i][0]) + (int)strlen(keys[i][1]) + 3 > w)
            break;
        x += 1 + grid_text(g, x + 1, row, w - x, keys[i][0], ST_BAR_KEY);
        x += 1 + grid_text(g, x + 1, row, w - x, keys[i][1], ST_BAR);
    }
}

/* The picked message in plain words, on the message line. */
static void draw_pick_line(struct grid *g, const struct engine *e, uint64_t id, int row)
{
    const struct net *net = engine_net(e);
    char line[160], due[32];
    int n = 0;

    for (int s = 0; s < net_slots(net); s++) {
        const struct msg *m = net_slot(net, s);
        if (m && m->fate != NET_DROP)
            n++;
    }
    for (int s = 0; s < net_slots(net); s++) {
        const struct msg *m = net_slot(net, s);
        if (!m || m->id != id)
            continue;
        util_fmt_delta(due, sizeof(due), m->deliver_us - engine_now(e));
        snprintf(line, sizeof(line), "#%llu n%d->n%d %s, arrives in %s (%d in flight)",
                 (unsigned long long)m->id, m->from + 1, m->to + 1,
                 m->summary[0] ? m->summary : m->type_name, due, n);
        grid_text(g, 0, row, grid_width(g), line, ST_INFO);
        return;
    }
    grid_text(g, 0, row, grid_width(g), "No message in flight: . steps on, Esc leaves the mode",
              ST_INFO);
}

/* The scrubber: [=====#-----] from 0 to the latest time reached, and where Enter goes. */
static void draw_scrubber(struct grid *g, const struct draw_view *v, int row)
{
    int w = grid_width(g), bw, pos;
    char t[32], hd[32], label[96];
    int64_t head = v->scrub_head_us > 0 ? v->scrub_head_us : 1;
    int64_t at = v->scrub_us < 0 ? 0 : v->scrub_us > head ? head : v->scrub_us;

    util_fmt_time(t, sizeof(t), at);
    util_fmt_time(hd, sizeof(hd), v->scrub_head_us);
    snprintf(label, sizeof(label), " go to %s of %s  Left/Right  Enter goes  Esc", t, hd);
    bw = w - (int)strlen(label) - 2;
    grid_fill(g, 0, row, w, 1, ' ', ST_NORMAL);
    if (bw < 8) {
        grid_text(g, 0, row, w, label + 1, ST_INFO);
        return;
    }
    pos = (int)((double)at / (double)head * (double)(bw - 1) + 0.5);
    grid_put(g, 0, row, '[', ST_BORDER);
    for (int i = 0; i < bw; i++)
        grid_put(g, 1 + i, row,
                 i < pos    ? '='
                 : i == pos ? '#'
                            : '-',
                 i < pos    ? ST_INFO
                 : i == pos ? ST_SELECTED
                            : ST_DIM);
    grid_put(g, 1 + bw, row, ']', ST_BORDER);
    grid_text(g, 2 + bw, row, w - 2 - bw, label, ST_INFO);
}

/* The key table as an overlay: one column when it fits, else two. */
static void draw_help(struct grid *g)
{
    size_t nk;
    const struct key_binding *keys = keys_table(&nk);
    int w = grid_width(g), h = grid_height(g), rows = 0, cols, per, bw, bh, x0, y0, kw = 0, i = 0;

    for (size_t k = 0; k < nk; k++) {
        if (!keys[k].help)
            continue;
        rows++;
        if ((int)strlen(keys[k].keys) > kw)
            kw = (int)strlen(keys[k].keys);
    }
    cols = rows + 4 <= h - 2 ? 1 : 2;
    per = (rows + cols - 1) / cols;
    bw = cols == 1 ? 56 : 2 * (kw + 24) + 4;
    bw = bw < w - 2 ? bw : w - 2;
    bh = per + 4 <= h ? per + 4 : h; /* over the status bar when it must */
    x0 = (w - bw) / 2;
    y0 = (h - bh) / 2;
    grid_fill(g, x0, y0, bw, bh, ' ', ST_HELP);
    grid_box(g, x0, y0, bw, bh, true, ST_HELP);
    grid_text(g, x0 + 2, y0, bw - 4, " keys ", ST_PANE_TITLE);
    for (size_t k = 0; k < nk; k++) {
        int col, row, cx, cw = (bw - 2) / cols;
        if (!keys[k].help)
            continue;
        col = i / per;
        row = i % per;
        i++;
        if (row >= bh - 3)
            continue;
        cx = x0 + 2 + col * cw;
        grid_text(g, cx, y0 + 1 + row, kw, keys[k].keys, ST_BAR_KEY);
        grid_text(g, cx + kw + 1, y0 + 1 + row, cw - kw - 2, keys[k].help, ST_HELP);
    }
    grid_text(g, x0 + 2, y0 + bh - 2, bw - 4, "q, ? or Esc closes this", ST_DIM);
}

/* ---- the lesson pane ---- */

/* Writes wrapped text into a scratch grid, row after row. */
struct flow {
    struct grid *g;
    int w;      /* columns */
    int y;      /* the row being written */
    int x;      /* the next column on it */
    int indent; /* where a wrapped line starts */
};

static bool utf8_lead(char c)
{
    return ((unsigned char)c & 0xc0) != 0x80;
}

/* Columns of a UTF-8 string (one per character: the pane titles use no wide ones). */
static int utf8_cols(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += utf8_lead(*s);
    return n;
}

static void flow_newline(struct flow *f)
{
    f->y++;
    f->x = f->indent;
}

/* One word (bytes with a style each), wrapped as a whole when it fits a line. */
static void flow_word(struct flow *f, const char *b, const uint16_t *st, int len, bool space)
{
    int cols = 0;

    for (int i = 0; i < len; i++)
        cols += utf8_lead(b[i]);
    if (cols == 0)
        return;
    if (f->x > f->indent && f->x + (space ? 1 : 0) + cols > f->w)
        flow_newline(f);
    else if (f->x > f->indent && space)
        f->x++;
    for (int i = 0; i < len;) {
        char one[8];
        int n = 1;
        while (i + n < len && !utf8_lead(b[i + n]) && n < 6)
            n++;
        memcpy(one, b + i, (size_t)n);
        one[n] = '\0';
        if (f->x >= f->w)
            flow_newline(f);
        grid_text(f->g, f->x++, f->y, 1, one, st[i]);
        i += n;
    }
}

/*
 * Flows text with the lesson Markdown subset: *emphasis*, **strong** and `code` become styles
 * (the marks themselves are not shown); a newline starts a new paragraph after a blank row.
 */
static void flow_md(struct flow *f, const char *text, int base)
{
    char word[LESSON_TEXT_MAX];
    uint16_t st[LESSON_TEXT_MAX];
    int len = 0;
    bool em = false, strong = false, code = false, space = false;

    for (const char *p = text; *p; p++) {
        if (*p == '\n' || *p == ' ') {
            if (len > 0)
                flow_word(f, word, st, len, space);
            len = 0;
            space = true;
            if (*p == '\n') {
                flow_newline(f);
                flow_newline(f);
                space = false;
            }
            continue;
        }
        if (!code && p[0] == '*' && p[1] == '*') {
            strong = !strong;
            p++;
            continue;
        }
        if (!code && p[0] == '*' && (em ? p > text && p[-1] != ' ' : p[1] && p[1] != ' ')) {
            em = !em;
            continue;
        }
        if (*p == '`') {
            code = !code;
            continue;
        }
        if (len < (int)sizeof(word) - 1) {
            word[len] = *p;
            st[len++] = (uint16_t)(code ? ST_CODE : strong ? ST_STRONG : em ? ST_EMPH : base);
        }
    }
    flow_word(f, word, st, len, space);
}

/* A label in its own style, then text flowed after it; ends the line. */
static void flow_block(struct flow *f, const char *label, int label_style, const char *text,
                       int base)
{
    f->x = 0;
    if (label && label[0])
        f->x = grid_text(f->g, 0, f->y, f->w, label, label_style);
    f->indent = 0;
    flow_md(f, text, base);
    if (f->x > 0)
        flow_newline(f);
}

static void flow_blank(struct flow *f)
{
    if (f->y > 0)
        flow_newline(f);
}

/* The quiz: the question, the choices, then (answered) the verdict and the explanation. */
static void flow_quiz(struct flow *f, const struct draw_lesson *dl, int level)
{
    const struct lesson_quiz *q = &dl->s->quiz;
    const char *explain = dl->explain ? dl->explain : q->explain;
    bool open = dl->phase == RUNNER_QUIZ;
    bool predict = q->kind == LESSON_PREDICT;
    char mark[16], help[96];

    if (!open && !dl->explain_ready) {
        /* A prediction waits for the run: the answer is kept, the verdict comes later. */
        int picked = 0;
        while (picked < q->n_choices && !(dl->answered & (1u << picked)))
            picked++;
        if (level > 0) {
            snprintf(help, sizeof(help), "You predicted %d. Watch the run decide.", picked + 1);
            flow_block(f, "Predict: ", ST_PANE_TITLE, help, ST_NORMAL);
            return;
        }
    }
    if (!open && dl->explain_ready && level > 0) {
        /* Short of room once answered: the verdict (and the explanation) only. */
        int right = 0;
        while (right < q->n_choices && !(q->correct & (1u << right)))
            right++;
        if (dl->answered == q->correct)
            snprintf(help, sizeof(help), "Right. ");
        else if (q->multiple)
            snprintf(help, sizeof(help), "Not quite. ");
        else
            snprintf(help, sizeof(help), "Not quite: it is %d. ", right + 1);
        flow_block(f, help, dl->answered == q->correct ? ST_OK : ST_FAIL, level > 1 ? "" : explain,
                   ST_NORMAL);
        return;
    }
    flow_block(f, predict ? "Predict: " : "Recall: ", ST_PANE_TITLE, q->question, ST_STRONG);
    for (int i = 0; i < q->n_choices; i++) {
        unsigned bit = 1u << i;
        bool picked = (open ? dl->quiz_pick : dl->answered) & bit;
        int row = f->y;
        if (q->multiple)
            snprintf(mark, sizeof(mark), "%d [%c] ", i + 1, picked ? 'x' : ' ');
        else
            snprintf(mark, sizeof(mark), "%d (%c) ", i + 1, picked ? '*' : ' ');
        f->x = 2;
        if (!open && dl->explain_ready && (q->correct & bit))
            grid_glyph(f->g, 0, f->y, GL_OK, ST_OK);
        else if (!open && dl->explain_ready && picked)
            grid_glyph(f->g, 0, f->y, GL_FAIL, ST_FAIL);
        f->x += grid_text(f->g, f->x, f->y, f->w - f->x, mark, ST_BOLD);
        f->indent = f->x;
        flow_md(f, q->choices[i], ST_NORMAL);
        f->indent = 0;
        if (open && i == dl->quiz_cursor)
            for (int y = row; y <= f->y; y++)
                grid_restyle(f->g, 0, y, f->w, ST_CHOICE);
        flow_newline(f);
    }
    if (open) {
        snprintf(help, sizeof(help), "%s, Enter answers",
                 q->multiple ? "1-9 adds, Space toggles" : "1-9 or Space selects");
        flow_block(f, NULL, 0, help, ST_DIM);
        return;
    }
    flow_blank(f);
    if (!dl->explain_ready) {
        flow_block(f, NULL, 0, "Your prediction is kept: do the task and watch the run decide.",
                   ST_DIM);
        return;
    }
    if (predict)
        flow_block(f,
                   dl->answered == q->correct ? "You predicted right. "
                                              : "The run did not go as you predicted. ",
                   dl->answered == q->correct ? ST_OK : ST_FAIL, explain, ST_NORMAL);
    else if (dl->answered == q->correct)
        flow_block(f, "Right. ", ST_OK, explain, ST_NORMAL);
    else
        flow_block(f, "Not quite. ", ST_FAIL, explain, ST_NORMAL);
}

/* The lesson keys the pane's footer lists, in this order. */
static const enum key_action lesson_order[] = {
    KA_HINT, KA_SHOW_ME, KA_STEP_NEXT, KA_STEP_BACK, KA_RESET_STEP, KA_LESSONS, KA_LEGEND};

/* The lesson keys from the key table, as many rows as it takes. */
static int lesson_footer(struct grid *g, struct rect r, bool draw)
{
    size_t nk;
    const struct key_binding *keys = keys_table(&nk);
    /* The footer's rows end the pane (measured first when drawing: the text above them was
     * given the rest). */
    int x = r.x + 1, rows = 1, y = r.y + r.h - (draw ? lesson_footer(g, r, false) : 1);

    for (size_t o = 0; o < sizeof(lesson_order) / sizeof(lesson_order[0]); o++) {
        for (size_t i = 0; i < nk; i++) {
            int need;
            if (keys[i].act != lesson_order[o] || !keys[i].hint)
                continue;
            need = (int)strlen(keys[i].keys) + 1 + (int)strlen(keys[i].hint) + 2;
            if (x + need > r.x + r.w && x > r.x + 1) {
                rows++;
                x = r.x + 1;
                y++;
            }
            if (draw) {
                x += 1 + grid_text(g, x, y, -1, keys[i].keys, ST_BAR_KEY);
                x += 2 + grid_text(g, x, y, r.x + r.w - x, keys[i].hint, ST_DIM);
            } else {
                x += need;
            }
        }
    }
    return rows;
}

/* What the map's marks mean, one line each: the lesson pane's legend (i). */
static const char *const legend_lines[] = {
    "**The map**",
    "A box is a node, a line a link, a moving dot a message.",
    "Title: *name*, a star if it leads, *role*.",
    "State: **up**, **CRASHED** or **paused**, after the *epoch* (`epoch 2`; `e2` in a narrow box).",
    "A partition walls the map into *partition groups*, named on top (`group 1`; `g1` when narrow).",
    "Clock line (`clock 1.2s`): its wall clock, and how far off it is.",
    "`hw`: the *high watermark*; `lamport` (clocks lesson): the *Lamport clock*.",
    "Last line: what the model keeps (log end, ISR, keys).",
    "A cut link is drawn broken; the selected box has a double border.",
    "`i` goes back to the step.",
};

static void flow_legend(struct flow *f)
{
    for (size_t i = 0; i < sizeof(legend_lines) / sizeof(legend_lines[0]); i++)
        flow_block(f, NULL, 0, legend_lines[i], i == 0 ? ST_PANE_TITLE : ST_NORMAL);
}

/* Flows the whole pane into f (quiz level as in flow_quiz); returns the narration's last row. */
static int pane_flow(struct flow *f, const struct draw_lesson *dl, int level, bool step_title)
{
    const struct lesson_step *s = dl->s;
    int narr_end;

    grid_clear(f->g);
    f->x = f->y = f->indent = 0;
    if (dl->legend) {
        flow_legend(f);
        return 0;
    }
    /* A step title too long for the pane's top border opens the pane instead, whole, while
     * there is room for it. */
    if (step_title && level == 0)
        flow_block(f, NULL, 0, s->title, ST_PANE_TITLE);
    if (dl->step == 0 && dl->title && level == 0) {
        flow_block(f, NULL, 0, dl->title, ST_DIM);
        flow_blank(f);
    }
    if (s->narration[0])
        flow_block(f, NULL, 0, dl->narration ? dl->narration : s->narration, ST_NORMAL);
    narr_end = f->y;
    if (s->has_quiz) {
        flow_blank(f);
        flow_quiz(f, dl, level);
    }
    if (s->task[0] && dl->phase != RUNNER_QUIZ) {
        flow_blank(f);
        flow_block(f, "Task: ", ST_PANE_TITLE, s->task, ST_NORMAL);
    }
    if (dl->hint && dl->phase != RUNNER_QUIZ) {
        char label[32];
        snprintf(label, sizeof(label), "Hint %d/%d: ", dl->hints_shown,
                 dl->hints_total > 0 ? dl->hints_total : s->n_hints);
        flow_blank(f);
        flow_block(f, label, ST_INFO, dl->hint, ST_INFO);
    }
    switch (dl->phase) {
    case RUNNER_QUIZ:
        break;
    case RUNNER_TASK:
        if (dl->evidence) {
            flow_blank(f);
            flow_block(f, "Evidence: ", ST_INFO, dl->evidence, ST_STRONG);
            if (dl->held)
                flow_block(f, NULL, 0, "This is the moment. Space goes on.", ST_DIM);
        }
        if (dl->stuck) {
            flow_blank(f);
            flow_block(f, "Stuck: ", ST_FAIL, dl->stuck, ST_NORMAL);
            flow_block(f, NULL, 0, "R starts this step again; < goes back a step.", ST_BOLD);
        } else if (dl->waiting && dl->waiting[0]) {
            flow_blank(f);
            flow_block(f, "Waiting for: ", ST_DIM, dl->waiting, ST_DIM);
        }
        break;
    case RUNNER_DONE:
        if (dl->evidence) {
            flow_blank(f);
            flow_block(f, "Evidence: ", ST_INFO, dl->evidence, ST_STRONG);
        }
        flow_blank(f);
        if (s->success[0])
            flow_block(f, "Done. ", ST_OK, dl->success ? dl->success : s->success, ST_NORMAL);
        if (dl->finished)
            flow_block(f, NULL, 0, "The lesson is complete. L lists the others.", ST_OK);
        else
            flow_block(f, NULL, 0, "> goes to the next step.", ST_DIM);
        break;
    }
    return narr_end;
}

/*
 * The lesson pane: the step's title, narration, quiz, task, hint, and what the gate waits for
 * or the success message. Short of room, an answered quiz shrinks to its verdict first, then
 * the narration gives way (the learner has read it), and last the top is dropped, so what the
 * step wants now stays in view.
 */
static void draw_lesson_pane(struct grid *g, const struct draw_lesson *dl, struct rect r)
{
    const struct lesson_step *s = dl->s;
    struct flow f;
    char title[256];
    int foot = lesson_footer(g, r, false), avail = r.h - 1 - foot, narr_end = 0, total = 0;
    int iw = r.w - 2, cut = 0, skip = 0, level;
    bool step_title;

    snprintf(title, sizeof(title), " Step %d/%d %s %s ", dl->step + 1, dl->n_steps,
             grid_ascii(g) ? "-" : "\xc2\xb7", s ? s->title : "");
    step_title = s && !dl->legend && utf8_cols(title) > r.w - 4;
    if (!s || iw < 8 || avail < 2) {
        pane_title(g, r, title);
        return;
    }
    memset(&f, 0, sizeof(f));
    f.g = grid_create(iw, 400, grid_ascii(g));
    f.w = iw;
    for (level = 0; level < 3; level++) {
        narr_end = pane_flow(&f, dl, level, step_title);
        total = f.y;
        if (total <= avail)
            break;
        /* Cutting the narration (to a "..." row) would make it fit at this level? */
        if (level > 0 && total - narr_end + 1 <= avail)
            break;
    }
    if (step_title && level == 0)
        snprintf(title, sizeof(title), " Step %d/%d ", dl->step + 1, dl->n_steps);
    pane_title(g, r, title);
    if (total > avail) {
        cut = total - avail + 1 < narr_end ? total - avail + 1 : narr_end;
        if (total - cut + (cut > 0) > avail)
            skip = total - cut + (cut > 0) - avail;
    }
    for (int y = 0, out = r.y + 1; y < total && out < r.y + 1 + avail; y++) {
        if (cut > 0 && y == narr_end - cut) {
            if (skip > 0)
                skip--;
            else
                grid_text(g, r.x + 1, out++, iw, "...", ST_DIM);
            y = narr_end - 1;
            continue;
        }
        if (skip > 0) {
            skip--;
            continue;
        }
        for (int x = 0; x < iw; x++) {
            struct grid_cell c = grid_at(f.g, x, y);
            grid_put(g, r.x + 1 + x, out, c.ch, c.style);
        }
        out++;
    }
    grid_destroy(f.g);
    lesson_footer(g, r, true);
}

void draw_lesson_at(struct grid *g, const struct draw_lesson *dl, int x, int y, int w, int h)
{
    grid_clip(g, x, y, w, h);
    draw_lesson_pane(g, dl, (struct rect){x, y, w, h});
    grid_unclip(g);
}

/* The lesson list (L): every lesson with where the learner stands in it. */
static void draw_lesson_list(struct grid *g, const struct draw_lesson *dl)
{
    int w = grid_width(g), h = grid_height(g), bw = w - 4 < 90 ? w - 4 : 90;
    int rows = dl->n_items > 0 ? dl->n_items : 1, bh = rows + 4 < h - 1 ? rows + 4 : h - 1;
    int x0 = (w - bw) / 2, y0 = (h - bh) / 2, first = 0, vis = bh - 4;
    char line[512];

    grid_fill(g, x0, y0, bw, bh, ' ', ST_HELP);
    grid_box(g, x0, y0, bw, bh, true, ST_HELP);
    snprintf(line, sizeof(line), " lessons: %s ", dl->summary ? dl->summary : "");
    grid_text(g, x0 + 2, y0, bw - 4, line, ST_PANE_TITLE);
    if (dl->n_items == 0)
        grid_text(g, x0 + 2, y0 + 1, bw - 4, "No lessons found.", ST_DIM);
    if (dl->list_cursor >= vis)
        first = dl->list_cursor - vis + 1;
    for (int i = first; i < dl->n_items && i - first < vis; i++) {
        const struct draw_lesson_item *it = &dl->items[i];
        int y = y0 + 1 + i - first;
        snprintf(line, sizeof(line), "%-12s %-22s %s", it->status, it->name, it->title);
        grid_text(g, x0 + 2, y, bw - 4, line, i == dl->list_cursor ? ST_CHOICE : ST_HELP);
        if (i == dl->list_cursor)
            grid_restyle(g, x0 + 1, y, bw - 2, ST_CHOICE);
    }
    grid_text(g, x0 + 2, y0 + bh - 2, bw - 4, "Up/Down choose  Enter opens  q, L or Esc closes",
              ST_DIM);
}

/* The context menu, centred over the cluster map. */
static void draw_menu(struct grid *g, const struct draw_menu *m, struct rect map)
{
    int bw = 36, bh = m->n + 3, x0, y0;
    char line[96];

    if (bw > map.w)
        bw = map.w;
    x0 = map.x + (map.w - bw) / 2;
    y0 = map.y + (map.h - bh) / 2 > 0 ? map.y + (map.h - bh) / 2 : 0;
    grid_fill(g, x0, y0, bw, bh, ' ', ST_HELP);
    grid_box(g, x0, y0, bw, bh, true, ST_HELP);
    snprintf(line, sizeof(line), " %s ", m->title);
    grid_text(g, x0 + 2, y0, bw - 4, line, ST_PANE_TITLE);
    for (int i = 0; i < m->n; i++) {
        int y = y0 + 1 + i;
        grid_text(g, x0 + 2, y, 3, m->items[i].key, ST_BAR_KEY);
        grid_text(g, x0 + 6, y, bw - 8, m->items[i].label, i == m->cursor ? ST_CHOICE : ST_HELP);
        if (i == m->cursor)
            grid_restyle(g, x0 + 1, y, bw - 2, ST_CHOICE);
    }
    grid_text(g, x0 + 2, y0 + bh - 2, bw - 4, "key or Enter runs it, Esc closes", ST_DIM);
}

/*
 * A demo's caption: bold, centred, wrapped at word boundaries, in a band across the top with a
 * rule under it (at most max_rows rows of text). Returns the rows the band takes.
 */
#define DRAW_CAPTION_ROWS 4
static int draw_caption(struct grid *g, const char *text, bool beat, int w, int max_rows)
{
    int width = w - 8, rows = 0, y = 1;
    const char *p = text;
    char line[256];

    if (max_rows > DRAW_CAPTION_ROWS)
        max_rows = DRAW_CAPTION_ROWS;
    if (max_rows < 1)
        max_rows = 1;
    if (width > (int)sizeof(line) - 1)
        width = (int)sizeof(line) - 1;
    while (*p && rows < max_rows) {
        int n, cut, len;
        while (*p == ' ')
            p++;
        n = (int)strlen(p);
        if (n == 0)
            break;
        cut = n;
        if (n > width) {
            cut = width;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = width;
        }
        len = cut;
        memcpy(line, p, (size_t)len);
        line[len] = '\0';
        grid_text(g, (w - len) / 2 > 0 ? (w - len) / 2 : 0, y + rows, w, line, ST_BOLD);
        rows++;
        p += cut;
    }
    for (int i = 0; i < w; i++)
        grid_glyph(g, i, y + rows + 1, GL_H, ST_BORDER);
    if (beat)
        grid_text(g, w - 32 > 0 ? w - 32 : 0, y + rows + 1, -1, " Space next beat  Left back ",
                  ST_INFO);
    return y + rows + 2;
}

/* Presenter mode: nothing dim or thin on a projector; plain and faint text turns bold. */
static void high_contrast(struct grid *g)
{
    for (int y = 0; y < grid_height(g); y++)
        for (int x = 0; x < grid_width(g); x++) {
            switch ((enum draw_style)grid_at(g, x, y).style) {
            case ST_NORMAL:
            case ST_DIM:
            case ST_LINK:
            case ST_EV_SEND:
            case ST_EV_DELIVER:
            case ST_PENDING:
            case ST_HELP:
            case ST_BORDER:
                grid_restyle(g, x, y, 1, ST_BOLD);
                break;
            case ST_BOLD:
            case ST_SELECTED:
            case ST_LEADER:
            case ST_CRASHED:
            case ST_PAUSED:
            case ST_LINK_CUT:
            case ST_MSG0:
            case ST_MSG1:
            case ST_MSG2:
            case ST_MSG3:
            case ST_MSG_DROP:
            case ST_OK:
            case ST_FAIL:
            case ST_TIMEOUT:
            case ST_EV_DROP:
            case ST_EV_FAULT:
            case ST_EV_ROLE:
            case ST_EV_OP:
            case ST_EV_NOTE:
            case ST_EV_STORE:
            case ST_BAR:
            case ST_BAR_KEY:
            case ST_BAR_RUN:
            case ST_BAR_PAUSE:
            case ST_ERROR:
            case ST_INFO:
            case ST_PROMPT:
            case ST_PANE_TITLE:
            case ST_EMPH:
            case ST_STRONG:
            case ST_CODE:
            case ST_CHOICE:
            case ST_COUNT:
                break;
            }
        }
}

void draw_frame(struct grid *g, const struct engine *e, const struct draw_view *v,
                struct draw_cursor *cur)
{
    int w = grid_width(g), h = grid_height(g);
    struct layout l;
    char line[256];

    grid_clear(g);
    cur->show = false;
    if (w < DRAW_MIN_W || h < DRAW_MIN_H) {
        snprintf(line, sizeof(line), "Needs %dx%d, is %dx%d.", DRAW_MIN_W, DRAW_MIN_H, w, h);
        grid_text(g, 0, h / 2 - 1, w, line, ST_BOLD);
        grid_text(g, 0, h / 2, w, "Enlarge it, or q quits.", ST_NORMAL);
        return;
    }
    lay_out(w, h, v->lesson != NULL, v->present, &l);
    if (v->caption) {
        int band = draw_caption(g, v->caption, v->beat, w, l.map.h / 3);
        l.map.y += band;
        l.map.h -= band;
        if (!l.stacked) {
            l.ops.y += band;
            l.ops.h -= band;
        }
        if (l.lesson.h > 0) {
            l.lesson.y += band;
            l.lesson.h -= band;
        }
        /* The verdicts need rows: the replica pane gives its own to the ops. */
        if (!l.stacked && l.replica.h > 0 && l.ops.h < 8) {
            l.ops.h += l.replica.h;
            l.replica.h = 0;
        }
    }
    /* Each pane drawn clipped to its own rectangle (grid_escapes counts what tried to leave). */
    grid_clip(g, l.map.x, l.map.y, l.map.w, l.map.h);
    if (v->timeline) {
        int sc = v->timeline_scroll ? *v->timeline_scroll : 0;
        sc = timeline_draw(g, v->timeline, engine_nodes(e), engine_now(e), l.map.x, l.map.y,
                           l.map.w, l.map.h, sc);
        if (v->timeline_scroll)
            *v->timeline_scroll = sc;
    } else if (v->clocks) {
        draw_clocks(g, e, v, l.map);
    } else {
        draw_map(g, e, v, l.map);
    }
    grid_unclip(g);
    if (!l.stacked)
        for (int y = l.map.y; y < l.map.y + l.map.h; y++)
            grid_glyph(g, l.map.x + l.map.w, y, GL_V, ST_BORDER);
    if (v->lesson) {
        for (int y = l.lesson.y; y < l.lesson.y + l.lesson.h; y++)
            grid_glyph(g, l.lesson.x + l.lesson.w, y, GL_V, ST_BORDER);
        grid_clip(g, l.lesson.x, l.lesson.y, l.lesson.w, l.lesson.h);
        draw_lesson_pane(g, v->lesson, l.lesson);
        grid_unclip(g);
    }
    grid_clip(g, l.ops.x, l.ops.y, l.ops.w, l.ops.h);
    draw_ops(g, e, v->checks, v->op_sel, v->lesson && v->lesson->spot ? v->lesson->spot->op_id : 0,
             l.ops);
    if (l.replica.h > 0) {
        grid_clip(g, l.replica.x, l.replica.y, l.replica.w, l.replica.h);
        draw_replica(g, e, v->selected, v->flash, v->n_flash, l.replica);
    }
    if (l.log.h > 0) {
        grid_clip(g, l.log.x, l.log.y, l.log.w, l.log.h);
        draw_events(g, v->log, v->filter, v->log_scroll, v->log_mark, l.log);
    }
    if (v->next && l.log.h > 0) {
        int nx;
        snprintf(line, sizeof(line), " next: %s ", v->next);
        nx = l.log.x + l.log.w - (int)strlen(line) - 2;
        nx = nx > l.log.x + 12 ? nx : l.log.x + 12;
        grid_text(g, nx, l.log.y, l.log.x + l.log.w - nx, line, ST_INFO);
    }
    grid_clip(g, 0, l.msg_row, w, 2);
    if (v->cmd_open) {
        char prompt[2] = {v->cmd_prompt ? v->cmd_prompt : ':', '\0'};
        int x = grid_text(g, 0, l.bar_row, 1, prompt, ST_PROMPT);
        int off = v->cmd_cursor > w - 3 ? v->cmd_cursor - (w - 3) : 0;
        grid_text(g, x, l.bar_row, w - x, v->cmd + off, ST_NORMAL);
        cur->x = x + v->cmd_cursor - off;
        cur->y = l.bar_row;
        cur->show = true;
        grid_text(g, 0, l.msg_row, w,
                  v->msg ? v->msg : "Enter runs it  Esc cancels  Up/Down history",
                  v->msg && v->msg_error ? ST_ERROR : ST_DIM);
    } else {
        if (v->scrub)
            draw_scrubber(g, v, l.msg_row);
        else if (v->picking && !(v->msg && v->msg_error))
            draw_pick_line(g, e, v->pick_id, l.msg_row);
        else if (v->msg)
            grid_text_words(g, 0, l.msg_row, w, v->msg, v->msg_error ? ST_ERROR : ST_INFO);
        if (v->picking)
            draw_pick_bar(g, e, l.bar_row);
        else
            draw_bar(g, e, v, l.bar_row);
    }
    grid_unclip(g);
    if (v->menu && !v->help)
        draw_menu(g, v->menu, l.map);
    if (v->lesson && v->lesson->list && !v->help)
        draw_lesson_list(g, v->lesson);
    if (v->help)
        draw_help(g);
    if (v->present)
        high_contrast(g);
}

/*
 * One model's column of the side-by-side view: a title line, the cluster map in the upper part
 * and the ops with the checkers' verdicts under it, drawn by the same functions as the sandbox.
 */
void draw_column(struct grid *g, const struct engine *e, const struct draw_view *v,
                 const char *title, int x, int y, int w, int h)
{
    struct rect map = {x, y + 1, w, (h - 1) * 11 / 20};
    struct rect ops = {x, map.y + map.h, w, h - 1 - map.h};

    grid_fill(g, x, y, w, 1, ' ', v->selected < 0 ? ST_BAR : ST_PANE_TITLE);
    grid_text(g, x + 1, y, w - 1, title, ST_PANE_TITLE);
    draw_map(g, e, v, map);
    draw_ops(g, e, v->checks, v->op_sel, 0, ops);
}
