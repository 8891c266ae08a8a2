/*
 * bench_histcheck: `splitbrain check`'s checker on generated histories of
 * 1,000, 10,000 and 100,000 ops at concurrency 5 and 10: a cas register
 * (reads, writes, cas that succeed and cas that fail, some writes of
 * unknown outcome that did happen), the same with one stale read at the end
 * (a violation, found and then shrunk to its window with --explain's
 * search), and a key-value store of 100 keys with get, put and append. CPU
 * time, the median of 3 runs; budget exhaustion is printed, never hidden.
 *
 * The failed cas expected the value of three writes before, as a client
 * with a stale read would.
 *
 * The histories are deterministic (a fixed-seed generator of their own) and
 * linearizable by construction: op i takes effect at instant 10*i, on
 * process i mod C, and its interval is widened around that instant by up to
 * 5*C on each side, so about C ops are in flight at once and a process's ops
 * never overlap.
 *
 *   bench_histcheck [--max OPS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/check.h"
#include "../../engine/util.h"

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

enum shape {
    CAS_REGISTER,
    CAS_REGISTER_STALE,
    KV_APPEND,
};

static struct check_hist *generate(enum shape shape, int n, int conc)
{
    struct check_hist *h = check_hist_create();
    uint64_t seed = (uint64_t)n * 31u + (uint64_t)conc;
    int keys = shape == KV_APPEND ? 100 : 1;
    int *state = xcalloc((size_t)keys, sizeof(int));
    char buf[64];
    int written = 0;

    for (int k = 0; k < keys; k++) {
        snprintf(buf, sizeof(buf), "%d", k);
        check_hist_intern(h, buf);
        state[k] = shape == KV_APPEND ? check_hist_intern(h, "") : CHECK_HIST_NIL;
    }
    for (int i = 0; i < n; i++) {
        struct check_hop op;
        int64_t lp = 10 * (int64_t)i;
        uint64_t r = next(&seed);
        int k = (int)(r % (uint64_t)keys);
        int dice = (int)((r >> 20) % 100);
        memset(&op, 0, sizeof(op));
        op.process = i % conc;
        op.invoke = lp - (int64_t)((r >> 32) % (uint64_t)(5 * conc));
        op.complete = lp + (int64_t)((r >> 44) % (uint64_t)(5 * conc));
        op.status = CHECK_H_OK;
        snprintf(buf, sizeof(buf), "%d", k);
        op.key = check_hist_intern(h, buf);
        op.line = i + 1;
        if (shape == KV_APPEND) {
            if (dice < 50) {
                op.kind = CHECK_H_READ;
                op.value = state[k];
            } else {
                char v[32];
                snprintf(v, sizeof(v), "x%dy", written++);
                op.kind = dice < 60 ? CHECK_H_WRITE : CHECK_H_APPEND;
                op.value = check_hist_intern(h, v);
                if (op.kind == CHECK_H_WRITE) {
                    state[k] = op.value;
                } else {
                    char both[4096];
                    const char *old = check_hist_str(h, state[k]);
                    if (strlen(old) > 2000) {
                        /* Keep values short: a put instead. */
                        op.kind = CHECK_H_WRITE;
                        state[k] = op.value;
                    } else {
                        snprintf(both, sizeof(both), "%s%s", old, v);
                        state[k] = check_hist_intern(h, both);
                    }
                }
            }
        } else if (dice < 50) {
            op.kind = CHECK_H_READ;
            op.value = state[0];
        } else if (dice < 75) {
            snprintf(buf, sizeof(buf), "%d", written++);
            op.kind = CHECK_H_WRITE;
            op.value = check_hist_intern(h, buf);
            state[0] = op.value;
            if (dice == 74) { /* happened, but the client never heard: indeterminate */
                op.status = CHECK_H_INFO;
                op.complete = INT64_MAX;
            }
        } else if (dice < 90) {
            snprintf(buf, sizeof(buf), "%d", written++);
            op.kind = CHECK_H_CAS;
            op.from = state[0];
            op.value = check_hist_intern(h, buf);
            state[0] = op.value;
        } else {
            /* A cas that expected a value the register held three writes ago: it fails. */
            snprintf(buf, sizeof(buf), "%d", written >= 3 ? written - 3 : -1);
            op.kind = CHECK_H_CAS;
            op.from = check_hist_intern(h, buf);
            op.value = check_hist_intern(h, "-2");
            op.status = CHECK_H_FAIL;
        }
        check_hist_add(h, &op);
    }
    if (shape == CAS_REGISTER_STALE) {
        /* A read, after everything, of the first value ever written. */
        struct check_hop op;
        memset(&op, 0, sizeof(op));
        op.process = conc;
        op.kind = CHECK_H_READ;
        op.status = CHECK_H_OK;
        op.invoke = 10 * (int64_t)n + 100 * conc;
        op.complete = op.invoke + 5;
        op.value = check_hist_intern(h, "0");
        op.key = check_hist_intern(h, "0");
        check_hist_add(h, &op);
    }
    free(state);
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    static const int sizes[] = {1000, 10000, 100000};
    static const int concs[] = {5, 10};
    static const char *const names[] = {"cas-register", "cas-register, 1 stale read",
                                        "kv, 100 keys"};
    static const enum check_model models[] = {CHECK_MODEL_CAS_REGISTER, CHECK_MODEL_CAS_REGISTER,
                                              CHECK_MODEL_KV};
    int max = 100000;

    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--max") == 0)
            max = atoi(argv[i + 1]);
    printf("bench_histcheck: splitbrain check's search (CPU time, median of 3 runs)\n");
    printf("  %-28s %8s %5s %10s %-10s %12s %8s\n", "history", "ops", "conc", "time", "verdict",
           "steps", "window");
    for (int s = 0; s < 3; s++) {
        for (size_t z = 0; z < ARRAY_LEN(sizes); z++) {
            if (sizes[z] > max)
                continue;
            for (size_t c = 0; c < ARRAY_LEN(concs); c++) {
                double t[3];
                struct check_hresult res;
                long steps = 0;
                int window = 0;
                enum check_verdict worst = CHECK_OK;
                for (int run = 0; run < 3; run++) {
                    struct check_hist *h = generate((enum shape)s, sizes[z], concs[c]);
                    double t0 = cpu_now();
                    check_hist_run(h, models[s], 0, s == CAS_REGISTER_STALE, &res);
                    t[run] = cpu_now() - t0;
                    worst = res.worst;
                    steps = 0;
                    window = 0;
                    for (int k = 0; k < res.n_keys; k++) {
                        steps += res.keys[k].steps;
                        window += res.keys[k].n_window;
                    }
                    check_hresult_release(&res);
                    check_hist_destroy(h);
                }
                qsort(t, 3, sizeof(double), cmp_double);
                printf("  %-28s %8d %5d %8.1fms %-10s %12ld %8d\n", names[s], sizes[z], concs[c],
                       t[1] * 1e3, check_verdict_name(worst), steps, window);
                fflush(stdout);
            }
        }
    }
    return 0;
}
