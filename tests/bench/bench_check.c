/*
 * bench_check: how long the linearizability checker takes on large
 * histories of one key — built linearizable by construction (ops at distinct
 * instants on a real register, then each interval widened at random so many
 * overlap), the hard case for the search, since it must find an order rather
 * than refute one. Median of several runs; a bench, so it may read the clock.
 *
 *   bench_check [--ops N] [--overlap US] [--runs N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/check.h"
#include "../../engine/sim.h"
#include "../../engine/util.h"

static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add(struct history *h, int i, enum op_kind kind, const char *val, int64_t t0,
                int64_t t1)
{
    struct op op;
    uint64_t id;

    memset(&op, 0, sizeof(op));
    snprintf(op.label, sizeof(op.label), "o%d", i);
    op.req.kind = kind;
    util_strlcpy(op.req.key, "x", sizeof(op.req.key));
    if (kind == OP_PUT)
        util_strlcpy(op.req.value, val, sizeof(op.req.value));
    op.invoke_us = t0;
    id = history_add(h, &op);
    history_complete(h, id, OP_OK, t1);
    if (kind == OP_GET && val)
        history_result_add(h, history_get(h, id), val);
}

static struct history *build(int n, int64_t overlap_us, uint64_t seed)
{
    struct history *h = history_create();
    struct sim_rng rng;
    char cur[16] = "";
    int have = 0;

    sim_rng_seed(&rng, seed, 9);
    for (int i = 0; i < n; i++) {
        int64_t at = (int64_t)i * 100;
        int64_t t0 = at - sim_rng_range(&rng, 0, overlap_us);
        int64_t t1 = at + sim_rng_range(&rng, 0, overlap_us);
        if (sim_rng_chance(&rng, 5000)) {
            snprintf(cur, sizeof(cur), "%d", i);
            have = 1;
            add(h, i, OP_PUT, cur, t0, t1);
        } else {
            add(h, i, OP_GET, have ? cur : NULL, t0, t1);
        }
    }
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 5, only_ops = 0;
    int64_t only_overlap = -1;
    static const int ops[] = {100, 1000, 1000, 1000};
    static const int64_t overlaps[] = {800, 200, 500, 800};

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--ops") == 0)
            only_ops = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--overlap") == 0)
            only_overlap = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > 51)
        runs = 5;
    printf("bench_check: linearizability of one key, histories linearizable by construction\n");
    printf("    ops  overlap   ~concurrent   steps      verdict   ms (median of %d)\n", runs);
    for (size_t c = 0; c < sizeof(ops) / sizeof(ops[0]); c++) {
        int n = only_ops > 0 ? only_ops : ops[c];
        int64_t ov = only_overlap >= 0 ? only_overlap : overlaps[c];
        double t[51];
        struct check_lin r;
        struct history *h = build(n, ov, 7);
        for (int k = 0; k < runs; k++) {
            double t0 = wall_now();
            check_linearizable_key(h, "x", 0, &r);
            t[k] = wall_now() - t0;
        }
        qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
        printf("%7d  %5lldus  %8lld      %8ld  %9s   %.2f\n", n, (long long)ov,
               (long long)(2 * ov / 100 + 1), r.steps, check_verdict_name(r.verdict),
               t[runs / 2] * 1000.0);
        history_destroy(h);
        if (only_ops > 0 || only_overlap >= 0)
            break;
    }
    return 0;
}
