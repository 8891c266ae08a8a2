#include "compare.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../engine/compare.h"
#include "../../engine/util.h"
#include "../compare_view.h"
#include "../headless.h"
#include "../speed.h"
#include "cli.h"
#include "config.h"
#include "../config.h"

#define DEFAULT_MODELS "leader,multi,leaderless"
#define CELL_MAX       96

/* One row of the table: a label for people, an id for CSV and JSON, and per model the text a
 * person reads and the raw value a plot reads (a number when num). */
struct row {
    const char *label;
    const char *id;
    bool num;
    char text[COMPARE_MAX_MODELS][CELL_MAX];
    char raw[COMPARE_MAX_MODELS][CELL_MAX];
};

enum {
    ROW_OK,
    ROW_FAILED,
    ROW_TIMEOUT,
    ROW_DURING,
    ROW_P50,
    ROW_P95,
    ROW_MAX,
    ROW_LOST,
    ROW_STALE,
    ROW_LIN,
    ROW_SESSIONS,
    ROW_SPLIT,
    ROW_CONVERGED,
    ROW_CONVERGE_AFTER,
    ROW_MSGS,
    ROW_EXPECTS,
    ROW_COUNT,
};

static const struct {
    const char *label;
    const char *id;
    bool num;
} row_defs[ROW_COUNT] = {
    [ROW_OK] = {"ops ok", "ops_ok", true},
    [ROW_FAILED] = {"ops failed", "ops_failed", true},
    [ROW_TIMEOUT] = {"ops timed out", "ops_timed_out", true},
    [ROW_DURING] = {"available during faults", "available_during_faults_pct", true},
    [ROW_P50] = {"latency p50", "latency_p50_ms", true},
    [ROW_P95] = {"latency p95", "latency_p95_ms", true},
    [ROW_MAX] = {"latency max", "latency_max_ms", true},
    [ROW_LOST] = {"acked writes lost", "lost_writes", true},
    [ROW_STALE] = {"stale reads", "stale_reads", true},
    [ROW_LIN] = {"linearizable", "linearizable", false},
    [ROW_SESSIONS] = {"session guarantees", "session_violations", true},
    [ROW_SPLIT] = {"split brain", "split_brain", true},
    [ROW_CONVERGED] = {"converged", "converged", false},
    [ROW_CONVERGE_AFTER] = {"converged after last fault", "converge_after_fault_ms", true},
    [ROW_MSGS] = {"messages sent", "messages_sent", true},
    [ROW_EXPECTS] = {"expects held", "expects_failed", true},
};

static void fmt_ms(char *dst, size_t size, int64_t us)
{
    snprintf(dst, size, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
}

static void fill_column(struct row *rows, int k, const struct compare_measures *m)
{
    const struct check_avail *av = &m->checks.av;
    int sess = m->checks.sess.ryw + m->checks.sess.monotonic + m->checks.sess.prefix;

#define CELL(r, ...) snprintf(rows[r].text[k], CELL_MAX, __VA_ARGS__)
#define RAW(r, ...)  snprintf(rows[r].raw[k], CELL_MAX, __VA_ARGS__)
    CELL(ROW_OK, "%d of %d", av->ok, av->ops);
    RAW(ROW_OK, "%d", av->ok);
    CELL(ROW_FAILED, "%d", av->failed);
    RAW(ROW_FAILED, "%d", av->failed);
    CELL(ROW_TIMEOUT, "%d", av->timed_out);
    RAW(ROW_TIMEOUT, "%d", av->timed_out);
    if (!m->faults) {
        CELL(ROW_DURING, "no fault");
        RAW(ROW_DURING, "%s", "");
    } else if (m->during_ops == 0) {
        CELL(ROW_DURING, "no op during a fault");
        RAW(ROW_DURING, "%s", "");
    } else {
        CELL(ROW_DURING, "%d%% (%d of %d)", m->during_ok * 100 / m->during_ops, m->during_ok,
             m->during_ops);
        RAW(ROW_DURING, "%d", m->during_ok * 100 / m->during_ops);
    }
    if (av->ok > 0) {
        util_fmt_duration(rows[ROW_P50].text[k], CELL_MAX, av->p50_us);
        util_fmt_duration(rows[ROW_P95].text[k], CELL_MAX, av->p95_us);
        util_fmt_duration(rows[ROW_MAX].text[k], CELL_MAX, av->max_us);
        fmt_ms(rows[ROW_P50].raw[k], CELL_MAX, av->p50_us);
        fmt_ms(rows[ROW_P95].raw[k], CELL_MAX, av->p95_us);
        fmt_ms(rows[ROW_MAX].raw[k], CELL_MAX, av->max_us);
    } else {
        CELL(ROW_P50, "-");
        CELL(ROW_P95, "-");
        CELL(ROW_MAX, "-");
    }
    CELL(ROW_LOST, "%d", m->checks.lost.lost);
    RAW(ROW_LOST, "%d", m->checks.lost.lost);
    CELL(ROW_STALE, "%d", m->stale);
    RAW(ROW_STALE, "%d", m->stale);
    switch (m->checks.lin) {
    case CHECK_OK:
        CELL(ROW_LIN, "yes");
        RAW(ROW_LIN, "yes");
        break;
    case CHECK_VIOLATED:
        CELL(ROW_LIN, "NO (key %s)", m->checks.lin_first.key);
        RAW(ROW_LIN, "NO %s", m->checks.lin_first.key);
        break;
    case CHECK_UNKNOWN:
        CELL(ROW_LIN, "unknown (key %s)", m->checks.lin_first.key);
        RAW(ROW_LIN, "unknown %s", m->checks.lin_first.key);
        break;
    case CHECK_NA:
        CELL(ROW_LIN, "n/a");
        RAW(ROW_LIN, "n/a");
        break;
    }
    if (sess == 0)
        CELL(ROW_SESSIONS, "held");
    else
        CELL(ROW_SESSIONS, "%d broken (ryw %d, mono %d, prefix %d)", sess, m->checks.sess.ryw,
             m->checks.sess.monotonic, m->checks.sess.prefix);
    RAW(ROW_SESSIONS, "%d", sess);
    if (m->checks.split.count)
        CELL(ROW_SPLIT, "YES (%d)", m->checks.split.count);
    else
        CELL(ROW_SPLIT, "none");
    RAW(ROW_SPLIT, "%d", m->checks.split.count);
    if (m->checks.conv.converged) {
        CELL(ROW_CONVERGED, "yes");
        RAW(ROW_CONVERGED, "yes");
    } else {
        CELL(ROW_CONVERGED, "NO (key %s)", m->checks.conv.key);
        RAW(ROW_CONVERGED, "NO %s", m->checks.conv.key);
    }
    if (!m->checks.conv.converged) {
        CELL(ROW_CONVERGE_AFTER, "never");
    } else if (!m->faults && m->last_fault_us <= 0) {
        CELL(ROW_CONVERGE_AFTER, "no fault");
    } else {
        util_fmt_duration(rows[ROW_CONVERGE_AFTER].text[k], CELL_MAX, m->converge_after_us);
        fmt_ms(rows[ROW_CONVERGE_AFTER].raw[k], CELL_MAX, m->converge_after_us);
    }
    CELL(ROW_MSGS, "%" PRIu64, m->msgs);
    RAW(ROW_MSGS, "%" PRIu64, m->msgs);
    CELL(ROW_EXPECTS, "%d of %d", m->expects - m->expects_failed, m->expects);
    RAW(ROW_EXPECTS, "%d", m->expects_failed);
#undef CELL
#undef RAW
}

static void csv_cell(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void print_text(FILE *out, struct compare *c, const struct row *rows, bool md)
{
    int wl = 0, wc[COMPARE_MAX_MODELS];

    for (int r = 0; r < ROW_COUNT; r++)
        if ((int)strlen(rows[r].label) > wl)
            wl = (int)strlen(rows[r].label);
    for (int k = 0; k < c->n; k++) {
        wc[k] = (int)strlen(c->models[k]->name);
        for (int r = 0; r < ROW_COUNT; r++)
            if ((int)strlen(rows[r].text[k]) > wc[k])
                wc[k] = (int)strlen(rows[r].text[k]);
    }
    if (md) {
        fprintf(out, "| %-*s |", wl, "measure");
        for (int k = 0; k < c->n; k++)
            fprintf(out, " %-*s |", wc[k], c->models[k]->name);
        fprintf(out, "\n|-%.*s-|", wl, "----------------------------------------");
        for (int k = 0; k < c->n; k++) {
            fputc('-', out);
            for (int i = 0; i < wc[k]; i++)
                fputc('-', out);
            fputs("-|", out);
        }
        fputc('\n', out);
    } else {
        fprintf(out, "%-*s", wl, "");
        for (int k = 0; k < c->n; k++)
            fprintf(out, "  %-*s", k == c->n - 1 ? 0 : wc[k], c->models[k]->name);
        fputc('\n', out);
    }
    for (int r = 0; r < ROW_COUNT; r++) {
        if (md)
            fprintf(out, "| %-*s |", wl, rows[r].label);
        else
            fprintf(out, "%-*s", wl, rows[r].label);
        for (int k = 0; k < c->n; k++) {
            if (md)
                fprintf(out, " %-*s |", wc[k], rows[r].text[k]);
            else if (k == c->n - 1)
                fprintf(out, "  %s", rows[r].text[k]);
            else
                fprintf(out, "  %-*s", wc[k], rows[r].text[k]);
        }
        fputc('\n', out);
    }
}

static void print_csv(FILE *out, struct compare *c, const struct row *rows)
{
    fputs("measure", out);
    for (int k = 0; k < c->n; k++)
        fprintf(out, ",%s", c->models[k]->name);
    fputc('\n', out);
    for (int r = 0; r < ROW_COUNT; r++) {
        fputs(rows[r].id, out);
        for (int k = 0; k < c->n; k++) {
            fputc(',', out);
            csv_cell(out, rows[r].raw[k]);
        }
        fputc('\n', out);
    }
}

static void print_json(FILE *out, struct compare *c, const struct row *rows)
{
    struct engine *e0 = script_run_engine(c->runs[0]);

    fprintf(out, "{\"file\":");
    json_string(out, c->file);
    fprintf(out, ",\"seed\":%" PRIu64 ",\"models\":[", engine_seed(e0));
    for (int k = 0; k < c->n; k++) {
        fprintf(out, "%s{\"model\":\"%s\"", k ? "," : "", c->models[k]->name);
        for (int r = 0; r < ROW_COUNT; r++) {
            fprintf(out, ",\"%s\":", rows[r].id);
            if (!rows[r].raw[k][0])
                fputs("null", out);
            else if (rows[r].num)
                fputs(rows[r].raw[k], out);
            else
                json_string(out, rows[r].raw[k]);
        }
        fputc('}', out);
    }
    fputs("]}\n", out);
}

void compare_print_table(FILE *out, struct compare *c, enum compare_format fmt)
{
    struct row *rows = xcalloc(ROW_COUNT, sizeof(*rows));

    for (int r = 0; r < ROW_COUNT; r++) {
        rows[r].label = row_defs[r].label;
        rows[r].id = row_defs[r].id;
        rows[r].num = row_defs[r].num;
    }
    for (int k = 0; k < c->n; k++) {
        struct compare_measures m;
        compare_measure(c, k, &m);
        fill_column(rows, k, &m);
    }
    switch (fmt) {
    case COMPARE_TEXT:
        print_text(out, c, rows, false);
        break;
    case COMPARE_MD:
        print_text(out, c, rows, true);
        break;
    case COMPARE_CSV:
        print_csv(out, c, rows);
        break;
    case COMPARE_JSON:
        print_json(out, c, rows);
        break;
    }
    free(rows);
}

struct compare_opts {
    const char *file;
    const char *models;
    int64_t seed;
    int format; /* an enum compare_format, or -1: not given */
    bool quiet;
    bool ascii;
    bool no_mouse;
    int speed; /* the configured speed, a step of speed.h */
};

/* Reads the parsed command line into o: 0, or -1 after printing why (a usage error). */
static int parse_args(const struct cli_args *a, struct compare_opts *o)
{
    static const char *const formats[] = {"text", "md", "csv", "json"};
    const char *v;
    struct config cfg;

    o->file = a->argv[0];
    o->models = cli_value(a, "models") ? cli_value(a, "models") : DEFAULT_MODELS;
    o->seed = -1;
    o->format = -1;
    o->quiet = cli_flag(a, "quiet");
    if (cli_config_flags(a, &cfg) < 0)
        return -1;
    o->ascii = cfg.ascii;
    o->speed = speed_nearest(cfg.speed);
    o->no_mouse = !cfg.mouse;
    if ((v = cli_value(a, "seed")) && headless_seed("compare", v, &o->seed) < 0)
        return -1;
    if ((v = cli_value(a, "format"))) {
        for (int f = 0; f < (int)ARRAY_LEN(formats); f++)
            if (strcmp(v, formats[f]) == 0)
                o->format = f;
        if (o->format < 0) {
            fprintf(stderr, "splitbrain compare: --format takes text, md, csv or json, not '%s'\n",
                    v);
            return -1;
        }
    }
    return 0;
}

/* Loads and parses the file for every model of o into c. 0, or -1 after printing why. */
static int load(const struct compare_opts *o, struct compare *c)
{
    const struct model_ops *models[COMPARE_MAX_MODELS];
    struct script_error err;
    char why[300], msg[SCRIPT_MSG_MAX + 300], *text;
    size_t len;
    int n = compare_models(o->models, models, why, sizeof(why));

    if (n < 0) {
        fprintf(stderr, "splitbrain compare: --models: %s\n", why);
        return -1;
    }
    text = headless_read_file(o->file, &len);
    if (!text)
        return -1;
    if (compare_parse(c, o->file, text, len, models, n, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        free(text);
        return -1;
    }
    free(text);
    return 0;
}

static int compare_headless(const struct compare_opts *o)
{
    struct compare c;
    struct script_error err;
    enum compare_format fmt = o->format < 0 ? COMPARE_TEXT : (enum compare_format)o->format;
    /* Tables for plots keep stdout to themselves; the expects go to stderr. */
    FILE *out = fmt == COMPARE_TEXT || fmt == COMPARE_MD ? stdout : stderr;
    char msg[SCRIPT_MSG_MAX + 300];
    int failed = 0, total = 0;

    if (load(o, &c) < 0)
        return EXIT_USAGE;
    compare_start(&c, o->seed, NULL);
    if (compare_run_all(&c, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        compare_release(&c);
        return EXIT_USAGE;
    }
    if (!o->quiet) {
        if (fmt == COMPARE_TEXT)
            fprintf(stdout, "%s: seed %" PRIu64 ", %d nodes\n", c.file,
                    engine_seed(script_run_engine(c.runs[0])),
                    engine_nodes(script_run_engine(c.runs[0])));
        compare_print_table(stdout, &c, fmt);
    }
    for (int k = 0; k < c.n; k++) {
        struct script_run *run = c.runs[k];
        int n = script_run_expects(run);
        for (int i = 0; i < n; i++) {
            const struct script_expect *x = script_run_expect_at(run, i);
            if (!x->ok)
                fprintf(out, "%s:%d: expect failed on %s: %s -- %s\n", c.file, x->line,
                        c.models[k]->name, x->text, x->msg);
        }
        if (script_run_unquiet(run) && !o->quiet)
            fprintf(out, "note: %s did not go quiet within quiet_max\n", c.models[k]->name);
        total += n;
        failed += script_run_failed(run);
    }
    fprintf(out, "expects: %d passed, %d failed (on %d models)\n", total - failed, failed, c.n);
    compare_release(&c);
    return failed ? EXIT_EXPECT : EXIT_OK;
}

int compare_main(const struct cli_args *a)
{
    struct compare_opts o;
    int r;

    if (parse_args(a, &o) < 0)
        return EXIT_USAGE;
    /* On a terminal, with no table asked for, the models side by side. */
    if (o.format < 0 && !o.quiet && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        struct compare c;
        if (load(&o, &c) < 0)
            return EXIT_USAGE;
        compare_start(&c, o.seed, NULL);
        r = compare_view_run(&c, o.file, 0, o.speed, o.ascii, !o.no_mouse);
        compare_release(&c);
        return r;
    }
    return compare_headless(&o);
}
