/*
 * bench_live: the sandbox's checkers at 10x, headless. The work the screen does with
 * `workload 100/s reads 50%` on 5 nodes of the leader model at 10x: a frame every 33.3 ms of
 * wall time advances the run 333 ms and brings the verdicts up to date the way tui/app.c does
 * (linearizability and outcomes live, check_live, every frame; lost writes, split brain and
 * sessions over the whole history, at most once per 5x what they last took). The wall clock is
 * modelled: a frame takes 33.3 ms or its work's CPU time when that is longer, so the achieved
 * speed is what the screen would reach on this CPU. Runs until the history is full
 * (HISTORY_MAX_OPS). Beside it, the old way: every checker over the whole history, measured at
 * 1k, 10k and the last op. Also the key latency (a frame's wait plus its live update, worst
 * case) and the resident memory at start and at the end. A bench, so it may read the clock.
 *
 *   bench_live [--runs N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/check.h"
#include "../../engine/engine.h"
#include "../../engine/script.h"

#define MAX_RUNS 15
#define FRAME_S  (1.0 / 30)
#define SPEED    10
#define BUDGET   200000 /* the sandbox's search steps per key */

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
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

struct result {
    double speed_pct;     /* achieved / requested */
    double live_max_ms;   /* the slowest frame's live update */
    double live_first_ms; /* mean live update over the first and last 100 frames */
    double live_last_ms;
    double batch_ms[3];     /* every checker over the whole history at 1k, 10k ops and the end */
    double engine_first_ms; /* the engine's CPU per frame over the first and last 100 frames */
    double engine_last_ms;
    double check_share_pct; /* the checkers' CPU (live and whole) over the modelled wall time */
    size_t ops;
    double sim_s;
    long rss_start_kb;
    long rss_end_kb;
};

static void one_run(struct result *r)
{
    struct script s;
    struct script_env env;
    struct script_error err;
    struct script_run *run;
    struct engine *e;
    struct check_live *live = check_live_create();
    struct check_summary sum, whole;
    static const char text[] = "model leader\nnodes 5\nworkload 100/s reads 50%\n";
    double wall = 0, next_whole = 0, *frame_live = NULL, *frame_eng = NULL, checkers = 0;
    int frames = 0, cap = 0, batch_at = 0;
    const size_t marks[3] = {1000, 10000, HISTORY_MAX_OPS - 200};

    memset(r, 0, sizeof(*r));
    r->rss_start_kb = rss_kb();
    script_env_init(&env, true);
    if (script_parse_text("bench", text, strlen(text), &env, &s, &err) < 0) {
        fprintf(stderr, "bench_live: %s\n", err.msg);
        exit(1);
    }
    run = script_run_create("bench", -1);
    if (script_run_all(run, &s, &err) < 0) {
        fprintf(stderr, "bench_live: %s\n", err.msg);
        exit(1);
    }
    e = script_run_engine(run);
    while (history_count(engine_history(e)) < HISTORY_MAX_OPS - 200) {
        uint64_t action;
        double t0 = cpu_now(), t1, t2, work;
        engine_run_until(e, engine_now(e) + (int64_t)(FRAME_S * SPEED * 1e6), &action);
        t1 = cpu_now();
        check_live_update(live, engine_history(e), BUDGET);
        check_live_fill(live, &sum);
        t2 = cpu_now();
        if (wall >= next_whole) {
            double w0 = cpu_now();
            check_summary_run(e, script_run_recorder(run), 0,
                              CHECK_PART_LOST | CHECK_PART_SPLIT | CHECK_PART_SESSIONS, &whole);
            next_whole = wall + 5 * (cpu_now() - w0);
            checkers += cpu_now() - w0;
        }
        checkers += t2 - t1;
        work = cpu_now() - t0;
        wall += work > FRAME_S ? work : FRAME_S;
        if (frames == cap) {
            cap = cap ? 2 * cap : 1024;
            frame_live = realloc(frame_live, (size_t)cap * sizeof(*frame_live));
            frame_eng = realloc(frame_eng, (size_t)cap * sizeof(*frame_eng));
        }
        frame_eng[frames] = t1 - t0;
        frame_live[frames++] = t2 - t1;
        if (batch_at < 3 && history_count(engine_history(e)) >= marks[batch_at]) {
            double b0 = cpu_now();
            check_summary_run(e, script_run_recorder(run), BUDGET, CHECK_PARTS_SCREEN, &whole);
            r->batch_ms[batch_at++] = 1000 * (cpu_now() - b0);
        }
    }
    if (batch_at < 3) {
        double b0 = cpu_now();
        check_summary_run(e, script_run_recorder(run), BUDGET, CHECK_PARTS_SCREEN, &whole);
        r->batch_ms[2] = 1000 * (cpu_now() - b0);
    }
    r->ops = history_count(engine_history(e));
    r->sim_s = (double)engine_now(e) / 1e6;
    r->speed_pct = 100.0 * (r->sim_s / wall) / SPEED;
    for (int i = 0; i < frames; i++) {
        if (1000 * frame_live[i] > r->live_max_ms)
            r->live_max_ms = 1000 * frame_live[i];
        if (i < 100) {
            r->live_first_ms += 1000 * frame_live[i] / 100;
            r->engine_first_ms += 1000 * frame_eng[i] / 100;
        }
        if (i >= frames - 100) {
            r->live_last_ms += 1000 * frame_live[i] / 100;
            r->engine_last_ms += 1000 * frame_eng[i] / 100;
        }
    }
    r->check_share_pct = 100 * checkers / wall;
    r->rss_end_kb = rss_kb();
    if (sum.lin != CHECK_OK) {
        fprintf(stderr, "bench_live: the healthy run is not linearizable live (%s)\n",
                check_verdict_name(sum.lin));
        exit(1);
    }
    free(frame_live);
    free(frame_eng);
    check_live_destroy(live);
    script_run_destroy(run);
    script_release(&s);
    script_env_release(&env);
}

int main(int argc, char **argv)
{
    int runs = 3;
    struct result r[MAX_RUNS];
    double speed[MAX_RUNS], lmax[MAX_RUNS], lfirst[MAX_RUNS], llast[MAX_RUNS], b[3][MAX_RUNS];
    double efirst[MAX_RUNS], elast[MAX_RUNS], share[MAX_RUNS];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: bench_live [--runs 1..%d]\n", MAX_RUNS);
        return 2;
    }
    for (int i = 0; i < runs; i++) {
        one_run(&r[i]);
        speed[i] = r[i].speed_pct;
        lmax[i] = r[i].live_max_ms;
        lfirst[i] = r[i].live_first_ms;
        llast[i] = r[i].live_last_ms;
        efirst[i] = r[i].engine_first_ms;
        elast[i] = r[i].engine_last_ms;
        share[i] = r[i].check_share_pct;
        for (int k = 0; k < 3; k++)
            b[k][i] = r[i].batch_ms[k];
    }
    printf("bench_live: sandbox at 10x, leader 5 nodes, workload 100/s reads 50%%, to %zu ops "
           "(%.0f simulated s), CPU ms, median of %d runs\n",
           r[0].ops, r[0].sim_s, runs);
    printf("  achieved speed          %6.1f%% of the requested 10x (target >= 95%%)\n",
           median(speed, runs));
    printf(
        "  checkers' share         %6.1f%% of the wall time (live every frame, the whole-history "
        "ones throttled to a fifth)\n",
        median(share, runs));
    printf(
        "  engine per frame        %6.2f ms over the first 100 frames, %.2f ms over the last 100 "
        "(the run itself, no checker)\n",
        median(efirst, runs), median(elast, runs));
    printf("  live update per frame   %6.3f ms over the first 100 frames, %.3f ms over the last "
           "100, %.2f ms at most\n",
           median(lfirst, runs), median(llast, runs), median(lmax, runs));
    printf("  key answered within     %6.1f ms (a frame's wait, 33.3 ms, plus the slowest live "
           "update; target <= 50 ms)\n",
           33.3 + median(lmax, runs));
    printf("  every checker, whole    %6.2f ms at 1k ops, %.2f ms at 10k, %.2f ms at %zu (the "
           "old per-frame cost)\n",
           median(b[0], runs), median(b[1], runs), median(b[2], runs), r[0].ops);
    printf("  resident memory         %6ld kB at start, %ld kB at %zu ops (engine and checkers, "
           "no screen)\n",
           r[0].rss_start_kb, r[0].rss_end_kb, r[0].ops);
    return 0;
}
