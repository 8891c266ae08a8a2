/*
 * bench_cast: how many bytes a --cast recording takes per minute of a class, drawn the way the
 * sandbox draws it: 30 frames a second into the grid, of which the recording keeps ten, each
 * appended as only the cells that changed (grid_cast_diff), against a whole repaint per frame. Two
 * cases: the default sandbox (3-node leader, workload 2/s, 0.25x, 100x30) and a busy one (5 nodes,
 * workload 10/s, 1x, 120x40). The figures are virtual, not timed: the frames are drawn as fast as
 * they come.
 *
 * This is a bench, not engine code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"
#include "../../engine/script.h"
#include "../../tui/draw.h"
#include "../../tui/grid.h"

#define CAST_FPS     30
#define CAST_KEEP    3 /* one frame in three: tui/app.c keeps ten a second */
#define CAST_SECONDS 60

/* Styles as a 256-colour theme would spell them: every one but plain gets a sequence. */
static const char *const sgr[ST_COUNT] = {
    [ST_DIM] = "\x1b[2;38;5;245m",
    [ST_BOLD] = "\x1b[1m",
    [ST_BORDER] = "\x1b[38;5;67m",
    [ST_SELECTED] = "\x1b[1;38;5;51m",
    [ST_LEADER] = "\x1b[1;38;5;220m",
    [ST_LINK] = "\x1b[2;38;5;240m",
    [ST_MSG0] = "\x1b[1;38;5;45m",
    [ST_MSG1] = "\x1b[1;38;5;118m",
    [ST_MSG2] = "\x1b[1;38;5;213m",
    [ST_MSG3] = "\x1b[1;38;5;208m",
    [ST_OK] = "\x1b[38;5;40m",
    [ST_EV_SEND] = "\x1b[2;38;5;244m",
    [ST_BAR] = "\x1b[38;5;252;48;5;236m",
    [ST_BAR_KEY] = "\x1b[1;38;5;226;48;5;236m",
    [ST_BAR_RUN] = "\x1b[1;38;5;16;48;5;40m",
    [ST_PANE_TITLE] = "\x1b[1;38;5;255m",
    [ST_INFO] = "\x1b[38;5;117m",
    [ST_EV_OP] = "\x1b[38;5;81m",
    [ST_EV_STORE] = "\x1b[38;5;114m",
};

static void one(const char *what, const char *setup, int w, int h, int64_t vus_per_s)
{
    struct script_run *run = script_run_create("bench", -1);
    struct script_env env;
    struct script s;
    struct script_error err;
    struct grid *g = grid_create(w, h, false), *prev = grid_create(w, h, false);
    struct draw_log *log = draw_log_create();
    struct trace_cursor cur = {0};
    struct trace_event ev;
    struct draw_view v;
    struct draw_cursor dc;
    struct check_summary checks;
    double diff = 0, full = 0;
    int r;

    script_env_init(&env, true);
    if (script_parse_text("bench", setup, strlen(setup), &env, &s, &err) < 0) {
        fprintf(stderr, "bench_cast: %d:%d: %s\n", err.line, err.col, err.msg);
        exit(1);
    }
    for (int i = 0; i < s.n; i++)
        script_run_exec(run, &s.cmds[i], &err);
    memset(&v, 0, sizeof(v));
    v.title = "sandbox";
    v.speed = "0.25x";
    v.cmd = "";
    v.log = log;
    v.head_us = -1;
    v.checks = &checks;
    v.rec = true;
    memset(&checks, 0, sizeof(checks));
    for (int f = 0; f < CAST_FPS * CAST_SECONDS; f++) {
        struct engine *e;
        size_t n;
        script_run_advance(run, engine_now(script_run_engine(run)) + vus_per_s / CAST_FPS, &err);
        e = script_run_engine(run);
        while ((r = trace_read(engine_trace(e), &cur, &ev)) != 0)
            if (r > 0)
                draw_log_event(log, &ev);
        if (f % CAST_FPS == 0)
            check_summary_run(e, script_run_recorder(run), 1000, CHECK_PARTS_SCREEN, &checks);
        draw_frame(g, e, &v, &dc);
        full += (double)grid_cast_frame(g, f / (double)CAST_FPS, sgr, ST_COUNT, NULL, 0);
        if (f % CAST_KEEP != 0)
            continue;
        n = grid_cast_diff(g, f == 0 ? NULL : prev, f / (double)CAST_FPS, sgr, ST_COUNT, NULL, 0);
        diff += (double)n;
        grid_copy(prev, g);
    }
    printf("bench_cast: %s: %.0f KB a minute (a 45-minute class: %.1f MB), against %.0f KB a "
           "minute repainting every frame\n",
           what, diff / 1024 * 60 / CAST_SECONDS, diff / 1048576 * 45 * 60 / CAST_SECONDS,
           full / 1024 * 60 / CAST_SECONDS);
    script_release(&s);
    script_env_release(&env);
    script_run_destroy(run);
    draw_log_destroy(log);
    grid_destroy(g);
    grid_destroy(prev);
}

int main(void)
{
    one("default sandbox, 3 nodes, workload 2/s, 0.25x, 100x30",
        "model leader\nnodes 3\nseed 1\nworkload 2/s\n", 100, 30, 250000);
    one("busy, 5 nodes, workload 10/s, 1x, 120x40",
        "model leader\nnodes 5\nseed 1\n"
        "workload 10/s\n",
        120, 40, 1000000);
    return 0;
}
