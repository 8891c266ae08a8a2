/*
 * bench_checkers: how each checker scales — session guarantees, lost
 * writes and linearizability on histories of 1,000, 10,000 and 50,000 ops
 * (HISTORY_MAX_OPS, the most a history holds; leaderless's 16-bit dot
 * counters keep it below 65,536),
 * and the two linearizability cases with targets: one key with 10,000 ops
 * from 5 clients, half reads (decided in at most 1 s), and 1,000 ops with
 * about 17 in flight at once (at most 50 ms). CPU time, the median of
 * several runs; a bench, so it may read the clock.
 *
 * The register histories are linearizable by construction: 5 clients, 8
 * keys, an op every 100us, each read returning the value its key held at
 * the op's instant, then every interval widened at random so ops overlap.
 * Lost writes needs a cluster: the echo model runs the same mix of puts and
 * gets through its engine, and the checker reads its history and replicas.
 *
 *   bench_checkers [--runs N] [--max OPS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/check.h"
#include "../../engine/engine.h"
#include "../../engine/sim.h"
#include "../../engine/util.h"

#define MAX_RUNS 15

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(t[0]), cmp_double);
    return t[n / 2];
}

/* n ops over n_keys keys from 5 clients, half reads; intervals widened by up to overlap_us. */
static struct history *registers(int n, int n_keys, int64_t overlap_us, uint64_t seed)
{
    struct history *h = history_create();
    struct sim_rng rng;
    char cur[8][16];
    int have[8] = {0};

    sim_rng_seed(&rng, seed, 9);
    for (int i = 0; i < n; i++) {
        struct op op;
        uint64_t id;
        int k = (int)sim_rng_below(&rng, (uint64_t)n_keys);
        int64_t at = (int64_t)i * 100;

        memset(&op, 0, sizeof(op));
        snprintf(op.label, sizeof(op.label), "o%d", i);
        snprintf(op.req.key, sizeof(op.req.key), "k%d", k);
        op.req.client = i % 5;
        op.invoke_us = at - sim_rng_range(&rng, 0, overlap_us);
        if (sim_rng_chance(&rng, 5000)) {
            op.req.kind = OP_PUT;
            snprintf(cur[k], sizeof(cur[k]), "v%d", i);
            have[k] = 1;
            util_strlcpy(op.req.value, cur[k], sizeof(op.req.value));
        } else {
            op.req.kind = OP_GET;
        }
        id = history_add(h, &op);
        history_complete(h, id, OP_OK, at + sim_rng_range(&rng, 0, overlap_us));
        if (op.req.kind == OP_GET && have[k])
            history_result_add(h, history_get(h, id), cur[k]);
    }
    return h;
}

/* The echo model, 5 nodes, n ops (half reads) one every 100us over 8 keys, run until quiet. */
static struct engine *cluster(int n)
{
    struct engine *e;
    struct engine_link_cfg link = {1000, 5000, -1, -1, -1};
    char value[16];

    if (engine_create("echo", 5, 7, &e) < 0)
        exit(1);
    engine_link(e, -1, -1, false, &link);
    for (int i = 0; i < n; i++) {
        struct engine_op_spec spec = {NULL, i % 5, i % 2 ? OP_GET : OP_PUT, NULL, NULL, 0, -1,
                                      0,    false};
        char key[8];
        snprintf(key, sizeof(key), "k%d", i % 8);
        snprintf(value, sizeof(value), "v%d", i);
        spec.key = key;
        spec.value = value;
        engine_run_until(e, (int64_t)i * 100, NULL);
        if (engine_submit(e, &spec) < 0)
            exit(1);
    }
    engine_run_until_quiet(e, 60000000, NULL);
    return e;
}

int main(int argc, char **argv)
{
    static const int sizes[] = {1000, 10000, HISTORY_MAX_OPS};
    int runs = 5, max_ops = HISTORY_MAX_OPS;
    double t[MAX_RUNS];

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--max") == 0)
            max_ops = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > MAX_RUNS)
        runs = 5;
    printf("bench_checkers: CPU ms, median of %d runs (5 clients, 8 keys, half reads)\n", runs);
    printf("  %-28s %10s %10s %10s\n", "checker", "1k ops", "10k ops", "50k ops");
    for (int c = 0; c < 3; c++) {
        static const char *const names[] = {"session guarantees", "lost writes (echo, 5 nodes)",
                                            "linearizability"};
        printf("  %-28s", names[c]);
        for (size_t s = 0; s < 3; s++) {
            int n = sizes[s];
            if (n > max_ops) {
                printf(" %10s", "-");
                continue;
            }
            if (c == 1) {
                struct engine *e = cluster(n);
                struct check_recorder rec;
                struct check_lost lost;
                check_recorder_init(&rec);
                for (int r = 0; r < runs; r++) {
                    double t0 = cpu_now();
                    check_lost_writes(e, &rec, &lost);
                    t[r] = cpu_now() - t0;
                }
                check_recorder_release(&rec);
                engine_destroy(e);
            } else {
                struct history *h = registers(n, 8, 300, 11);
                for (int r = 0; r < runs; r++) {
                    double t0 = cpu_now();
                    if (c == 0) {
                        struct check_sessions ss;
                        check_sessions(h, &ss);
                    } else {
                        struct check_lin lin;
                        check_linearizable(h, 0, &lin);
                    }
                    t[r] = cpu_now() - t0;
                }
                history_destroy(h);
            }
            printf(" %10.2f", median(t, runs) * 1e3);
            fflush(stdout);
        }
        printf("\n");
    }
    /* The two cases with targets. */
    {
        struct history *h = registers(10000, 1, 250, 5);
        struct check_lin r;
        for (int k = 0; k < runs; k++) {
            double t0 = cpu_now();
            check_linearizable_key(h, "k0", 0, &r);
            t[k] = cpu_now() - t0;
        }
        printf("  linearizability, one key, 10,000 ops (5 clients, half reads): %s in %.1f ms, %ld "
               "steps (target: decided, <= 1000 ms)\n",
               check_verdict_name(r.verdict), median(t, runs) * 1e3, r.steps);
        history_destroy(h);
    }
    {
        /* 1,000 ops, each widened by up to 800us around its 100us slot: ~17 in flight. */
        struct history *h = registers(1000, 1, 800, 7);
        struct check_lin r;
        for (int k = 0; k < runs; k++) {
            double t0 = cpu_now();
            check_linearizable_key(h, "k0", 0, &r);
            t[k] = cpu_now() - t0;
        }
        printf("  linearizability, one key, 1,000 ops, ~17 overlapping: %s in %.1f ms, %ld steps "
               "(target <= 50 ms)\n",
               check_verdict_name(r.verdict), median(t, runs) * 1e3, r.steps);
        history_destroy(h);
    }
    return 0;
}
