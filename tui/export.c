#include "export.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../engine/script.h"
#include "../engine/util.h"
#include "cli/cli.h"
#include "datadir.h"
#include "headless.h"

#define MAX_EVENTS 200000

enum format {
    FMT_JSONL,
    FMT_SHIVIZ,
    FMT_SVG,
    FMT_JEPSEN,
};

/* Collects every trace event of the run (bounded). */
struct collector {
    struct trace_observer obs;
    struct trace_event *ev;
    size_t n;
    size_t cap;
    bool truncated;
};

static void collect(struct trace_observer *self, const struct trace_event *ev)
{
    struct collector *c =
        (struct collector *)(void *)((char *)self - offsetof(struct collector, obs));

    if (c->n >= MAX_EVENTS) {
        c->truncated = true;
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->ev = xrealloc(c->ev, c->cap * sizeof(*c->ev));
    }
    c->ev[c->n++] = *ev;
}

/* ---- ShiViz ---- */

/*
 * ShiViz wants every event with the vector clock of its host. The engine
 * ticks a node's clock on each send and receive; the exporter replays those
 * rules over the trace and also ticks on the node's local events (appends,
 * commits, role changes, faults), so every line has a clock that respects
 * happened-before.
 */
struct vcmap {
    uint64_t id;
    struct vclock vc;
};

static void shiviz_line(FILE *f, int node, int n, const struct vclock *vc, const char *text)
{
    bool first = true;

    fprintf(f, "n%d {", node + 1);
    for (int i = 0; i < n; i++) {
        if (!vc->v[i])
            continue;
        fprintf(f, "%s\"n%d\":%u", first ? "" : ", ", i + 1, vc->v[i]);
        first = false;
    }
    fprintf(f, "}\n%s\n", text);
}

static void write_shiviz(FILE *f, const struct collector *c, int n)
{
    struct vclock vc[ENGINE_MAX_NODES];
    struct vcmap *sent = xcalloc(c->n + 1, sizeof(*sent));
    size_t n_sent = 0;

    memset(vc, 0, sizeof(vc));
    fprintf(
        f,
        "# splitbrain trace for ShiViz. Parser regex: (?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)\n");
    for (size_t i = 0; i < c->n; i++) {
        const struct trace_event *ev = &c->ev[i];
        char text[TRACE_TEXT_MAX + 64];
        char t[24];
        int node = ev->node;

        util_fmt_time(t, sizeof(t), ev->t_us);
        switch (ev->kind) {
        case TRACE_SEND:
            if (node < 0 || node >= n)
                break; /* client hops are outside the node network */
            clock_vc_tick(&vc[node], node);
            sent[n_sent].id = ev->msg_id;
            sent[n_sent].vc = vc[node];
            n_sent++;
            snprintf(text, sizeof(text), "%s send %s to n%d (%s)", t, ev->text, ev->peer + 1,
                     net_fate_name((enum net_fate)ev->c));
            shiviz_line(f, node, n, &vc[node], text);
            break;
        case TRACE_DELIVER:
            if (node < 0 || node >= n)
                break;
            for (size_t k = n_sent; k > 0; k--) {
                if (sent[k - 1].id == ev->msg_id) {
                    clock_vc_merge(&vc[node], &sent[k - 1].vc);
                    break;
                }
            }
            clock_vc_tick(&vc[node], node);
            snprintf(text, sizeof(text), "%s receive %s", t, ev->text);
            shiviz_line(f, node, n, &vc[node], text);
            break;
        case TRACE_DROP:
        case TRACE_DUP:
        case TRACE_TIMER:
        case TRACE_SET:
        case TRACE_NOTE:
        case TRACE_OP_START:
        case TRACE_OP_END:
            break;
        case TRACE_FAULT:
        case TRACE_ROLE:
        case TRACE_APPEND:
        case TRACE_COMMIT:
        case TRACE_TRUNCATE:
        case TRACE_CONFLICT:
        case TRACE_REPAIR:
        case TRACE_HINT:
        case TRACE_SUSPECT:
        case TRACE_CLOCK:
            if (node < 0 || node >= n)
                break;
            clock_vc_tick(&vc[node], node);
            trace_format_text(ev, text, sizeof(text));
            shiviz_line(f, node, n, &vc[node], text);
            break;
        }
    }
    free(sent);
}

/* ---- SVG ---- */

static const char *kind_colour(const char *type)
{
    if (strcmp(type, "request") == 0 || strcmp(type, "reply") == 0)
        return "#777777";
    /* A stable colour per message type, from a small palette that prints well. */
    static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                          "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
    unsigned h = 0;
    for (const char *c = type; *c; c++)
        h = h * 31u + (unsigned char)*c;
    return palette[h % 8];
}

static void svg_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/*
 * The time axis: proportional where things happen, with long quiet stretches
 * squeezed to a fixed gap (drawn as a break), so a run with a 3 s timeout
 * still fits on a page and the busy moments stay readable.
 */
struct axis {
    int64_t *t; /* sorted distinct interesting times */
    int *y;
    size_t n;
};

#define SVG_PX_PER_MS  0.5
#define SVG_MAX_GAP_PX 40

static int cmp_t(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void axis_build(struct axis *ax, const struct collector *c, int top)
{
    size_t k = 0;

    ax->t = xmalloc((2 * c->n + 2) * sizeof(*ax->t));
    ax->t[k++] = 0;
    for (size_t i = 0; i < c->n; i++) {
        ax->t[k++] = c->ev[i].t_us;
        if (c->ev[i].kind == TRACE_SEND)
            ax->t[k++] = c->ev[i].a;
    }
    qsort(ax->t, k, sizeof(*ax->t), cmp_t);
    ax->n = 0;
    for (size_t i = 0; i < k; i++)
        if (ax->n == 0 || ax->t[ax->n - 1] != ax->t[i])
            ax->t[ax->n++] = ax->t[i];
    ax->y = xmalloc(ax->n * sizeof(*ax->y));
    ax->y[0] = top;
    for (size_t i = 1; i < ax->n; i++) {
        double dy = (double)(ax->t[i] - ax->t[i - 1]) / 1000.0 * SVG_PX_PER_MS;
        ax->y[i] = ax->y[i - 1] + (dy > SVG_MAX_GAP_PX ? SVG_MAX_GAP_PX : (int)dy + 1);
    }
}

static int axis_y(const struct axis *ax, int64_t t)
{
    size_t lo = 0, hi = ax->n - 1;

    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (ax->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return ax->y[lo];
}

/*
 * A space-time diagram: one vertical line per node, time running down,
 * every node-to-node message an arrow from its send to its delivery (a lost
 * one ends in a cross where it died), faults and role changes marked on the
 * node's line, partitions and heals across the whole width.
 */
static void write_svg(FILE *f, const struct collector *c, int n, int64_t end_us)
{
    const int col_w = 170, top = 60, left = 90;
    int width = left * 2 + col_w * (n - 1), bottom;
    struct axis ax;

    axis_build(&ax, c, top);
    bottom = axis_y(&ax, end_us) + 20;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "font-family=\"monospace\" font-size=\"11\">\n",
            width + 300, bottom + 30);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    for (int i = 0; i < n; i++) {
        int x = left + i * col_w;
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
                "font-weight=\"bold\">n%d</text>\n",
                x, top - 20, i + 1);
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", x, top, x,
                bottom);
    }
    /* Time labels at each squeezed gap and every 40 px or so in between. */
    {
        int last_y = -100;
        for (size_t i = 0; i < ax.n; i++) {
            char ts[24];
            bool gap = i > 0 && ax.y[i] - ax.y[i - 1] >= SVG_MAX_GAP_PX;
            if (!gap && ax.y[i] - last_y < 40)
                continue;
            if (gap)
                fprintf(f, "<text x=\"4\" y=\"%d\" fill=\"#bbb\">&#x22EE;</text>\n",
                        ax.y[i] - SVG_MAX_GAP_PX / 2);
            util_fmt_time(ts, sizeof(ts), ax.t[i]);
            fprintf(f, "<text x=\"4\" y=\"%d\" fill=\"#888\">%s</text>\n", ax.y[i] + 4, ts);
            last_y = ax.y[i];
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        const struct trace_event *ev = &c->ev[i];
        int y = axis_y(&ax, ev->t_us);
        if (ev->kind == TRACE_SEND && ev->node >= 0 && ev->node < n && ev->peer >= 0 &&
            ev->peer < n) {
            int x1 = left + ev->node * col_w, x2 = left + ev->peer * col_w;
            int y2 = axis_y(&ax, ev->a);
            const char *col = kind_colour(ev->name);
            if (ev->c == NET_DROP) {
                x2 = (x1 + x2) / 2;
                fprintf(f,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                        "stroke-dasharray=\"4 3\"/>\n",
                        x1, y, x2, y2, col);
                fprintf(f,
                        "<text x=\"%d\" y=\"%d\" fill=\"#d62728\" text-anchor=\"middle\" "
                        "font-size=\"14\">&#x2715;</text>\n",
                        x2, y2 + 5);
            } else {
                /* The arrowhead: two short strokes back from the tip, in the line's colour. */
                double dx = x2 - x1, dy = y2 - y, len = dx * dx + dy * dy;
                double ux, uy;
                len = len > 0 ? sqrt(len) : 1;
                ux = dx / len;
                uy = dy / len;
                fprintf(f, "<g stroke=\"%s\"><title>", col);
                svg_text(f, ev->text);
                fprintf(f,
                        "</title><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                        "<polyline fill=\"none\" points=\"%.1f,%.1f %d,%d %.1f,%.1f\"/></g>\n",
                        x1, y, x2, y2, x2 - 8 * ux - 4 * uy, y2 - 8 * uy + 4 * ux, x2, y2,
                        x2 - 8 * ux + 4 * uy, y2 - 8 * uy - 4 * ux);
            }
            fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\" font-size=\"9\">", (x1 + x2) / 2 + 3,
                    (y + y2) / 2 - 2, col);
            svg_text(f, ev->text);
            fprintf(f, "</text>\n");
        } else if ((ev->kind == TRACE_FAULT || ev->kind == TRACE_ROLE) && ev->node >= 0 &&
                   ev->node < n) {
            int x = left + ev->node * col_w;
            char label[64];
            bool bad = ev->kind == TRACE_FAULT &&
                       (ev->sub == TRACE_SUB_KILL || ev->sub == TRACE_SUB_PAUSE);
            if (ev->kind == TRACE_ROLE)
                snprintf(label, sizeof(label), "%s e%lld", ev->name, (long long)ev->a);
            else
                util_strlcpy(label, ev->name, sizeof(label));
            fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>\n", x, y,
                    bad ? "#d62728" : "#2ca02c");
            fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" font-weight=\"bold\">", x + 6,
                    y + 4);
            svg_text(f, label);
            fprintf(f, "</text>\n");
        } else if (ev->kind == TRACE_FAULT && ev->node < 0) {
            /* A cluster-wide fault: a rule across every node. */
            fprintf(f,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d62728\" "
                    "stroke-dasharray=\"2 4\"/>\n",
                    left - 20, y, width - left + 20, y);
            fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#d62728\" font-size=\"10\">",
                    width - left + 24, y + 4);
            svg_text(f, ev->name);
            fprintf(f, " ");
            svg_text(f, ev->text);
            fprintf(f, "</text>\n");
        }
    }
    fprintf(f, "</svg>\n");
    free(ax.t);
    free(ax.y);
}

/* An EDN string literal (EDN strings escape as JSON's do; bytes pass through). */
static void edn_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned)(unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* A value as a number when it is one (Jepsen's registers hold integers), else a string. */
static void edn_value(FILE *f, const char *v)
{
    char *end;

    errno = 0;
    (void)strtoll(v, &end, 10);
    if (v[0] && !*end && !errno && (v[0] != '0' || !v[1]))
        fputs(v, f);
    else
        edn_str(f, v);
}

static const char *jepsen_f(enum op_kind k)
{
    switch (k) {
    case OP_PUT:
    case OP_DEL:
        return "write"; /* a delete writes nil, the register's value before any write */
    case OP_GET:
        return "read";
    case OP_INCR:
    case OP_ADD:
        return "add";
    case OP_REMOVE:
        return "remove";
    }
    return "write";
}

/*
 * One history line, as Jepsen writes them: {:type :invoke|:ok|:fail|:info, :f, :value, :process,
 * :time (nanoseconds), :index}. Keys are independent registers, so :value is a [key value]
 * tuple, as jepsen.independent writes it; a read's value is unknown (nil) at its invocation.
 */
static void jepsen_line(FILE *f, const struct op *op, bool done, int64_t t_us, long index,
                        int process)
{
    const char *type = done ? trace_op_result(op) : "invoke";

    fprintf(f, "{:type :%s, :f :%s, :value [", type, jepsen_f(op->req.kind));
    edn_str(f, op->req.key);
    fputc(' ', f);
    if (op->req.kind == OP_GET) {
        if (!done || op->status != OP_OK || op->result.n == 0) {
            fputs("nil", f);
        } else if (op->result.n == 1) {
            edn_value(f, op->result.v[0]);
        } else {
            fputc('[', f);
            for (int i = 0; i < op->result.n; i++) {
                if (i)
                    fputc(' ', f);
                edn_value(f, op->result.v[i]);
            }
            fputc(']', f);
        }
    } else if (op->req.kind == OP_INCR) {
        fprintf(f, "%lld", (long long)op->req.amount);
    } else if (op->req.kind == OP_DEL) {
        fputs("nil", f);
    } else {
        edn_value(f, op->req.value);
    }
    fprintf(f, "], :process %d, :time %lld, :index %ld, :client \"c%d\"", process,
            (long long)t_us * 1000, index, op->req.client + 1);
    if (done && op->status != OP_OK) {
        fputs(", :error ", f);
        edn_str(f, op->status == OP_TIMEOUT   ? "timeout"
                   : op->status == OP_PENDING ? "still pending at the end"
                                              : op->reason);
    }
    fputs("}\n", f);
}

/*
 * Jepsen's processes are single-threaded and one whose op ended in :info is never used again
 * (it may still be running that op). A splitbrain client can have several ops in flight and
 * carries on after a timeout, so each invocation gets a process of its client that is idle
 * and has never ended in :info, or a new one; :client says whose it is.
 */
struct procs {
    int n;
    int *client; /* per process */
    char *state; /* per process: 0 idle, 1 busy, 2 crashed (ended in :info) */
    int *of_op;  /* per op id: its process */
};

static int proc_take(struct procs *p, int client)
{
    for (int i = 0; i < p->n; i++) {
        if (p->client[i] == client && p->state[i] == 0) {
            p->state[i] = 1;
            return i;
        }
    }
    p->client[p->n] = client;
    p->state[p->n] = 1;
    return p->n++;
}

/* The client history in the order the trace saw it, then an :info for each op left pending. */
static int write_jepsen(FILE *f, const struct collector *c, struct script_run *run, int64_t end_us)
{
    const struct history *h = engine_history(script_run_engine(run));
    size_t n_ops = history_count(h);
    struct procs p = {0};
    long index = 0;

    if (c->truncated) {
        fprintf(stderr,
                "splitbrain export: the run has more than %d events; a Jepsen history "
                "must be whole\n",
                MAX_EVENTS);
        return -1;
    }
    p.client = xcalloc(n_ops + 1, sizeof(*p.client));
    p.state = xcalloc(n_ops + 1, sizeof(*p.state));
    p.of_op = xcalloc(n_ops + 1, sizeof(*p.of_op));
    for (size_t i = 0; i < c->n; i++) {
        const struct trace_event *ev = &c->ev[i];
        const struct op *op;
        if (ev->kind != TRACE_OP_START && ev->kind != TRACE_OP_END)
            continue;
        op = history_at(h, ev->op_id);
        if (!op)
            continue;
        if (ev->kind == TRACE_OP_START) {
            p.of_op[op->id] = proc_take(&p, op->req.client);
            jepsen_line(f, op, false, ev->t_us, index++, p.of_op[op->id]);
        } else {
            jepsen_line(f, op, true, ev->t_us, index++, p.of_op[op->id]);
            p.state[p.of_op[op->id]] = op->status == OP_OK || op->status == OP_FAIL ? 0 : 2;
        }
    }
    for (uint64_t id = 1; id <= n_ops; id++) {
        const struct op *op = history_at(h, id);
        if (op->status == OP_PENDING)
            jepsen_line(f, op, true, end_us, index++, p.of_op[id]);
    }
    free(p.client);
    free(p.state);
    free(p.of_op);
    return 0;
}

int export_main(const struct cli_args *a)
{
    char path[DATADIR_PATH_MAX];
    const char *file = path, *out_path = cli_value(a, "out"), *f = cli_value(a, "format");
    int fmt = -1;
    int64_t seed = -1;
    struct script s;
    struct script_error err;
    struct script_run *run;
    struct collector c = {0};
    char msg[SCRIPT_MSG_MAX + 300];
    FILE *out;
    int status = EXIT_OK;

    if (!out_path)
        out_path = "-";
    if (!f) {
        fprintf(stderr, "splitbrain export: --format is needed: shiviz, jsonl, svg or jepsen\n");
        return EXIT_USAGE;
    }
    fmt = param_choice("jsonl|shiviz|svg|jepsen", f);
    if (fmt < 0) {
        fprintf(stderr,
                "splitbrain export: --format takes shiviz, jsonl, svg or jepsen, not '%s'\n", f);
        return EXIT_USAGE;
    }
    if (cli_value(a, "seed") && headless_seed("export", cli_value(a, "seed"), &seed) < 0)
        return EXIT_USAGE;
    if (datadir_resolve_play(a->argv[0], path, sizeof(path), msg, sizeof(msg)) < 0) {
        fprintf(stderr, "splitbrain export: %s\n", msg);
        return EXIT_USAGE;
    }
    if (headless_load_script(file, &s) < 0)
        return EXIT_USAGE;
    run = script_run_create(file, seed);
    c.obs.fn = collect;
    script_run_observe(run, &c.obs);
    if (script_run_all(run, &s, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        status = EXIT_USAGE;
        goto out;
    }
    out = strcmp(out_path, "-") == 0 ? stdout : fopen(out_path, "w");
    if (!out) {
        fprintf(stderr, "splitbrain: %s: %s\n", out_path, strerror(errno));
        status = EXIT_USAGE;
        goto out;
    }
    {
        struct engine *e = script_run_engine(run);
        switch ((enum format)fmt) {
        case FMT_JSONL:
            for (size_t i = 0; i < c.n; i++) {
                char line[TRACE_JSON_MAX];
                const struct trace_event *ev = &c.ev[i];
                const struct op *op = NULL;
                if (ev->kind == TRACE_OP_START || ev->kind == TRACE_OP_END)
                    op = headless_op_at(run, ev->op_id);
                trace_format_json_op(ev, op, line, sizeof(line));
                fprintf(out, "%s\n", line);
            }
            break;
        case FMT_SHIVIZ:
            write_shiviz(out, &c, engine_nodes(e));
            break;
        case FMT_SVG:
            write_svg(out, &c, engine_nodes(e), engine_now(e));
            break;
        case FMT_JEPSEN:
            if (write_jepsen(out, &c, run, engine_now(e)) < 0)
                status = EXIT_USAGE;
            break;
        }
    }
    if (c.truncated)
        fprintf(stderr,
                "splitbrain export: the run has more than %d events; the first %d are "
                "exported\n",
                MAX_EVENTS, MAX_EVENTS);
    {
        bool bad = fflush(out) != 0 || ferror(out);
        if (out != stdout && cli_fclose(out) != 0)
            bad = true;
        if (bad) {
            fprintf(stderr, "splitbrain export: %s: write error\n", out_path);
            status = EXIT_USAGE;
        }
    }
out:
    script_run_destroy(run);
    script_release(&s);
    free(c.ev);
    return status;
}
