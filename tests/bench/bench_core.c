/*
 * bench_core: how fast the engine core simulates, with the trivial echo model.
 *
 * Each configuration builds an engine (model echo, N nodes, a fixed seed),
 * sets every link to 1ms..5ms, then drives a steady stream of client writes
 * through the facade: one put every millisecond of virtual time, spread over
 * the nodes and 64 clients, and finally runs until quiet. Every write costs
 * the echo model 2 (N - 1) node-to-node messages, so the work per write grows
 * with N. The figure is simulated events per CPU second of this process (the
 * machine is shared, so wall time would count the others' work) — the
 * median of several runs. Events and messages
 * must come out identical in every run (same seed, deterministic engine); a
 * difference is reported and fails the bench.
 *
 * This is a bench, not engine code: it may read the wall clock.
 *
 *   bench_core                      the whole table (what `make bench` runs)
 *   bench_core --nodes 5 --ops 2000 --runs 1
 *                                   one configuration, e.g. under
 *                                   valgrind --tool=callgrind
 *   options: --nodes N  --ops N  --runs N  --drop P  --dup P  (P in percent)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/engine.h"

#define BENCH_SEED     42
#define BENCH_MAX_RUNS 15
#define BENCH_CLIENTS  64
#define BENCH_KEYS     64
#define BENCH_GAP_US   1000     /* one write per millisecond of virtual time */
#define BENCH_QUIET_US 60000000 /* bound on the final run until quiet */
#define BENCH_EVENTS   2000000  /* events a default configuration aims to simulate per run */
#define BENCH_MAX_OPS  40000    /* below HISTORY_MAX_OPS */

struct bench_cfg {
    int nodes;
    int ops;
    int drop_pct;
    int dup_pct;
};

struct bench_result {
    uint64_t events;
    uint64_t sent;
    uint64_t ok;
    double wall_s;
};

/* CPU time of this process: the machine is shared, and wall time would measure the others. */
static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_core: %s: %s\n", what, engine_strerror(err));
    exit(1);
}

/* One run of one configuration; exits when the engine refuses something. */
static void bench_once(const struct bench_cfg *cfg, struct bench_result *res)
{
    struct engine *e;
    struct engine_link_cfg link;
    const struct history *h;
    char err[256], keys[BENCH_KEYS][16], (*values)[16];
    double t0;
    int r;

    r = engine_create("echo", cfg->nodes, BENCH_SEED, &e);
    if (r < 0)
        die("engine_create", r);
    memset(&link, 0, sizeof(link));
    link.lat_min_us = 1000;
    link.lat_max_us = 5000;
    link.drop_bp = cfg->drop_pct * 100;
    link.dup_bp = cfg->dup_pct * 100;
    link.reorder_bp = -1;
    r = engine_link(e, -1, -1, false, &link);
    if (r < 0)
        die("engine_link", r);
    /*
     * With acks=all, a write whose echo or ack is lost keeps its slot at the
     * first node for good (echo has no retries), and after 256 of them that
     * node refuses writes without sending anything. With faults, acks=0
     * (answer the client at once, still broadcast and still ack) keeps the
     * message pattern of every write the same.
     */
    if (cfg->drop_pct > 0 && engine_set(e, "acks", "0", err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_core: set acks 0: %s\n", err);
        exit(1);
    }

    /* The driver's own strings are made before the clock starts: they are not the engine's. */
    values = malloc((size_t)cfg->ops * sizeof(*values));
    if (!values)
        die("malloc", 0);
    for (int i = 0; i < BENCH_KEYS; i++)
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
    for (int i = 0; i < cfg->ops; i++)
        snprintf(values[i], sizeof(values[i]), "%d", i);
    t0 = wall_now();
    for (int i = 0; i < cfg->ops; i++) {
        struct engine_op_spec spec;
        int64_t id;

        engine_run_until(e, (int64_t)i * BENCH_GAP_US, NULL);
        memset(&spec, 0, sizeof(spec));
        spec.client = i % BENCH_CLIENTS;
        spec.kind = OP_PUT;
        spec.key = keys[i % BENCH_KEYS];
        spec.value = values[i];
        spec.via = i % cfg->nodes;
        id = engine_submit(e, &spec);
        if (id < 0)
            die("engine_submit", (int)id);
    }
    engine_run_until_quiet(e, BENCH_QUIET_US, NULL);
    res->wall_s = wall_now() - t0;
    free(values);

    res->events = engine_events(e);
    res->sent = net_total_sent(engine_net(e));
    res->ok = 0;
    h = engine_history(e);
    for (uint64_t id = 1; id <= history_count(h); id++)
        res->ok += history_at(h, id)->status == OP_OK;
    engine_destroy(e);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Runs cfg `runs` times and prints one line. Returns 0, or 1 if the runs disagreed. */
static int bench_config(const struct bench_cfg *cfg, int runs)
{
    struct bench_result first = {0, 0, 0, 0}, res;
    double eps[BENCH_MAX_RUNS], walls[BENCH_MAX_RUNS];
    char faults[32];
    int bad = 0;

    for (int i = 0; i < runs; i++) {
        bench_once(cfg, &res);
        if (i == 0)
            first = res;
        else if (res.events != first.events || res.sent != first.sent || res.ok != first.ok)
            bad = 1;
        walls[i] = res.wall_s;
        eps[i] = res.wall_s > 0 ? (double)res.events / res.wall_s : 0;
    }
    qsort(eps, (size_t)runs, sizeof(eps[0]), cmp_double);
    qsort(walls, (size_t)runs, sizeof(walls[0]), cmp_double);
    if (cfg->drop_pct || cfg->dup_pct)
        snprintf(faults, sizeof(faults), "drop %d%% dup %d%%", cfg->drop_pct, cfg->dup_pct);
    else
        snprintf(faults, sizeof(faults), "-");
    printf("%5d  %-16s %6d %6llu %9llu %10llu %8.1f %10.0f %7.2f\n", cfg->nodes, faults, cfg->ops,
           (unsigned long long)first.ok, (unsigned long long)first.events,
           (unsigned long long)first.sent, walls[runs / 2] * 1e3, eps[runs / 2],
           (double)first.events / cfg->ops);
    if (bad)
        fprintf(stderr,
                "bench_core: %d nodes: runs with the same seed disagreed (not deterministic)\n",
                cfg->nodes);
    fflush(stdout);
    return bad;
}

static void header(int runs)
{
    printf("bench_core: engine core, model echo, links 1ms..5ms, one put per virtual ms, seed %d\n",
           BENCH_SEED);
    printf("            cpu ms and events/s are the median of %d run%s\n", runs,
           runs == 1 ? "" : "s");
    printf("%5s  %-16s %6s %6s %9s %10s %8s %10s %7s\n", "nodes", "faults", "ops", "ok", "events",
           "msgs sent", "cpu ms", "events/s", "ev/op");
}

/*
 * Enough writes for about BENCH_EVENTS events. A write costs 2N + 1: the
 * request, 2 (N - 1) echoes and acks, the reply, and the client's timeout
 * (which finds the op done).
 */
static int default_ops(int nodes)
{
    int ops = BENCH_EVENTS / (2 * nodes + 1);

    return ops > BENCH_MAX_OPS ? BENCH_MAX_OPS : ops;
}

static int parse_int_arg(const char *name, const char *s, int lo, int hi)
{
    char *end;
    long v;

    if (!s) {
        fprintf(stderr, "bench_core: %s takes a number\n", name);
        exit(2);
    }
    v = strtol(s, &end, 10);
    if (*end || !*s || v < lo || v > hi) {
        fprintf(stderr, "bench_core: %s takes a number from %d to %d, got '%s'\n", name, lo, hi, s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    const int sizes[] = {3, 5, 9, 16, 32};
    struct bench_cfg one = {0, 0, 0, 0};
    int runs = 5, bad = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--nodes") == 0)
            one.nodes = parse_int_arg(a, v, 1, ENGINE_MAX_NODES);
        else if (strcmp(a, "--ops") == 0)
            one.ops = parse_int_arg(a, v, 1, BENCH_MAX_OPS);
        else if (strcmp(a, "--runs") == 0)
            runs = parse_int_arg(a, v, 1, BENCH_MAX_RUNS);
        else if (strcmp(a, "--drop") == 0)
            one.drop_pct = parse_int_arg(a, v, 0, 100);
        else if (strcmp(a, "--dup") == 0)
            one.dup_pct = parse_int_arg(a, v, 0, 100);
        else {
            fprintf(stderr,
                    "usage: bench_core [--nodes N] [--ops N] [--runs N] [--drop P] [--dup P]\n");
            return 2;
        }
        i++;
    }

    header(runs);
    if (one.nodes || one.ops || one.drop_pct || one.dup_pct) {
        if (!one.nodes)
            one.nodes = 5;
        if (!one.ops)
            one.ops = default_ops(one.nodes);
        bad |= bench_config(&one, runs);
        return bad;
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct bench_cfg c = {sizes[i], default_ops(sizes[i]), 0, 0};
        bad |= bench_config(&c, runs);
    }
    {
        struct bench_cfg c = {5, default_ops(5), 10, 5};
        bad |= bench_config(&c, runs);
    }
    return bad;
}
