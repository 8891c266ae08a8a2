/*
 * bench_render: how long one full frame takes to draw into the grid at
 * 200x60 with 9 nodes and about 50 messages in flight — the projector case,
 * and the work the sandbox does per frame while it runs (the terminal copy
 * by ncurses comes on top). The figure is the median of several batches.
 *
 * This is a bench, not engine code: it may read the wall clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/engine.h"
#include "../../tui/draw.h"
#include "../../tui/grid.h"

#define BENCH_FRAMES  200
#define BENCH_BATCHES 9

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(void)
{
    struct engine *e;
    struct engine_link_cfg link = {50000, 100000, -1, -1, -1};
    struct draw_log *log = draw_log_create();
    struct grid *g = grid_create(200, 60, false);
    struct trace_cursor cur = {0};
    struct trace_event ev;
    struct draw_view v;
    struct draw_cursor dc;
    double batch[BENCH_BATCHES];
    uint64_t action;
    int r;

    if (engine_create("echo", 9, 42, &e) < 0) {
        fprintf(stderr, "bench_render: no echo model\n");
        return 1;
    }
    trace_ring_reserve(engine_trace(e), TRACE_RING);
    engine_link(e, -1, -1, false, &link);
    /* Seven writes through different nodes: each sends 8 echoes, 56 messages in flight. */
    for (int i = 0; i < 7; i++) {
        struct engine_op_spec op = {NULL, i, OP_PUT, "x", "1", 0, i, 0, false};
        engine_submit(e, &op);
    }
    engine_run_until(e, 20000, &action);
    while ((r = trace_read(engine_trace(e), &cur, &ev)) != 0)
        if (r > 0)
            draw_log_event(log, &ev);
    memset(&v, 0, sizeof(v));
    v.title = "sandbox";
    v.speed = "0.05x";
    v.cmd = "";
    v.log = log;
    v.head_us = -1;
    for (int b = 0; b < BENCH_BATCHES; b++) {
        double t0 = now_s();
        for (int f = 0; f < BENCH_FRAMES; f++)
            draw_frame(g, e, &v, &dc);
        batch[b] = (now_s() - t0) / BENCH_FRAMES;
    }
    qsort(batch, BENCH_BATCHES, sizeof(batch[0]), cmp_double);
    printf("bench_render: one 200x60 frame, 9 nodes, %zu messages in flight: %.1f us "
           "(median of %d x %d frames)\n",
           net_in_flight(engine_net(e)), batch[BENCH_BATCHES / 2] * 1e6, BENCH_BATCHES,
           BENCH_FRAMES);
    grid_destroy(g);
    draw_log_destroy(log);
    engine_destroy(e);
    return 0;
}
