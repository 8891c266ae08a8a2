/*
 * test_render: frames of known states drawn into the project's cell grid
 * (tui/grid.c + tui/draw.c, no terminal) and compared with stored frames in
 * tests/render/: a message mid-flight, a partition with a doomed message, a
 * crashed node in ASCII, the help overlay, 80x24 and 200x60, and a window
 * too small to use; the lesson pane (narration with its Markdown as styles, a
 * task with a hint and what the gate waits for, a quiz open and graded, the
 * lesson list) at 80x24 and 120x40. Each test also asserts what the frame
 * must show, so a regenerated golden file cannot hide a lost state.
 *
 * The golden files are regenerated only on purpose:
 *   make BUILD=... render-golden   (SPLITBRAIN_UPDATE_GOLDEN=1 test_render)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../engine/script.h"
#include "../lessons/lesson.h"
#include "../lessons/runner.h"
#include "../tui/draw.h"
#include "../tui/grid.h"
#include "../tui/keys.h"
#include "../tui/timeline.h"

#define FRAME_MAX (GRID_MAX_W * 4 + 1) * 80

/* A cluster built by running script text, and the event log the screen would show. */
struct fixture {
    struct script_run *run;
    struct draw_log *log;
};

static void build(struct fixture *f, const char *text)
{
    struct script_env env;
    struct script s;
    struct script_error err;
    struct trace_cursor cur = {0};
    struct trace_event ev;
    int r;

    script_env_init(&env, true);
    r = script_parse_text("fixture", text, strlen(text), &env, &s, &err);
    if (r < 0)
        fail_msg("fixture does not parse: %d:%d: %s", err.line, err.col, err.msg);
    f->run = script_run_create("fixture", -1);
    script_run_trace_ring(f->run, TRACE_RING);
    for (int i = 0; i < s.n; i++)
        assert_int_equal(script_run_exec(f->run, &s.cmds[i], &err), 0);
    f->log = draw_log_create();
    while ((r = trace_read(engine_trace(script_run_engine(f->run)), &cur, &ev)) != 0)
        if (r > 0)
            draw_log_event(f->log, &ev);
    script_release(&s);
    script_env_release(&env);
}

static void release(struct fixture *f)
{
    script_run_destroy(f->run);
    draw_log_destroy(f->log);
}

static struct draw_view view(const struct fixture *f)
{
    struct draw_view v;

    memset(&v, 0, sizeof(v));
    v.title = "sandbox";
    v.paused = true;
    v.speed = "0.05x";
    v.cmd = "";
    v.log = f->log;
    v.head_us = -1;
    return v;
}

static char *render(const struct fixture *f, const struct draw_view *v, int w, int h, bool ascii)
{
    struct grid *g = grid_create(w, h, ascii);
    struct draw_cursor cur;
    char *text = malloc(FRAME_MAX);

    assert_non_null(text);
    draw_frame(g, script_run_engine(f->run), v, &cur);
    grid_dump(g, text, FRAME_MAX);
    grid_destroy(g);
    return text;
}

/* Compares with tests/render/NAME.txt, or writes it when SPLITBRAIN_UPDATE_GOLDEN is set. */
static void golden(const char *name, const char *frame)
{
    char path[256], *want;
    const char *upd = getenv("SPLITBRAIN_UPDATE_GOLDEN");
    FILE *fp;
    long len;
    int line = 1;

    snprintf(path, sizeof(path), "tests/render/%s.txt", name);
    if (upd && upd[0] == '1') {
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(frame, fp);
        fclose(fp);
        return;
    }
    fp = fopen(path, "rb");
    if (!fp)
        fail_msg("no golden frame %s: make render-golden writes it", path);
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    want = calloc(1, (size_t)len + 1);
    assert_non_null(want);
    assert_int_equal(fread(want, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    for (size_t i = 0; want[i] || frame[i]; i++) {
        if (want[i] != frame[i]) {
            line = -line;
            break;
        }
        if (want[i] == '\n')
            line++;
    }
    free(want);
    if (line < 0) {
        fprintf(stderr, "frame differs from %s at line %d; the frame drawn:\n%s", path, -line,
                frame);
        fail_msg("%s: frame differs at line %d", path, -line);
    }
}

static const char *inflight =
    "model echo\nnodes 3\nseed 7\nlatency 10ms..30ms\nw1: put x 1 via n1\nrun 12ms\n";

/* A demo at a beat: its latest caption large in the band at the top, wrapped and centred. */
static void test_demo_caption_100x30(void **state)
{
    static const char *demo = "model echo\nnodes 3\nseed 7\nw1: put x 1 via n1\nrun 12ms\n"
                              "say \"acks=1: the leader answers as soon as the write is in its "
                              "own log, before any follower has fetched it.\"\n";
    struct fixture f;
    struct draw_view v;
    char *frame, *first, *second;

    (void)state;
    build(&f, demo);
    v = view(&f);
    v.caption = "acks=1: the leader answers as soon as the write is in its own log, before any "
                "follower has fetched it. The next beat kills it.";
    v.beat = true;
    frame = render(&f, &v, 100, 30, false);
    /* Wrapped at a word: the first row ends a word, the next starts one; both in the band. */
    first = strstr(frame, "acks=1: the leader answers");
    assert_non_null(first);
    second = strstr(frame, "The next beat kills it.");
    assert_non_null(second);
    assert_true(second > first);
    assert_true(first - frame < 2 * (100 * 4 + 1)); /* on the second row of the screen */
    assert_non_null(strstr(frame, "Space next beat  Left back"));
    /* The map is still there, below the band. */
    assert_non_null(strstr(frame, "n1"));
    assert_non_null(strstr(frame, "w1 put x=1 n1"));
    golden("demo_caption_100x30", frame);
    free(frame);
    release(&f);
}

static void test_message_in_flight_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    frame = render(&f, &v, 80, 24, false);
    /* Two echoes are on their way, drawn as dots labelled with their summary. */
    assert_non_null(strstr(frame, "\xe2\x97\x8f"
                                  "echo x=1"));
    assert_non_null(strstr(frame, "PAUSED"));
    assert_non_null(strstr(frame, "w1 put x=1 n1 pending"));
    golden("inflight_80x24", frame);
    free(frame);
    release(&f);
}

/*
 * The map's network faults at every size, for 3, 5 and 9 nodes: a partition drawn as regions
 * with a wall between them and each group named, a one-way cut with its direction, a lossy and
 * a slow link marked in words; and node boxes as wide as their text where there is room (at
 * 200x60 the whole detail line, the ISR included).
 */
static const char *const faults[] = {
    "model leader\nnodes 3\nseed 3\nlink n2 n3 drop 25%\nw1: put x 1 via n1\nrun 400ms\n"
    "partition n1 | n2 n3\ncut n2 -> n3\nw2: put x 2 via n1\nrun 30ms\n",
    "model leader\nnodes 5\nseed 3\nlink n3 n4 drop 25%\nlink n1 n2 delay 300ms..400ms\n"
    "w1: put x 1 via n1\nrun 400ms\npartition n1 n2 | n3 n4 n5\ncut n4 -> n5\n"
    "w2: put x 2 via n1\nrun 30ms\n",
    "model leader\nnodes 9\nseed 3\nlink n5 n6 drop 25%\nw1: put x 1 via n1\nrun 400ms\n"
    "partition n1 n2 n3 n4 | n5 n6 n7 n8 n9\ncut n7 -> n8\nw2: put x 2 via n1\nrun 30ms\n",
};

static void test_faults_on_the_map(void **state)
{
    static const int sizes[][2] = {{80, 24}, {120, 40}, {200, 60}};
    static const int nodes[] = {3, 5, 9};
    char name[64];

    (void)state;
    for (int k = 0; k < 3; k++) {
        struct fixture f;
        build(&f, faults[k]);
        for (int s = 0; s < 3; s++) {
            int w = sizes[s][0], h = sizes[s][1];
            struct draw_view v = view(&f);
            struct grid *g = grid_create(w, h, false);
            struct draw_cursor cur;
            char *frame = malloc(FRAME_MAX), want[64];
            assert_non_null(frame);
            v.selected = 1;
            draw_frame(g, script_run_engine(f.run), &v, &cur);
            grid_dump(g, frame, FRAME_MAX);
            assert_int_equal(grid_escapes(g), 0);
            /* The wall between the regions, and each region named. */
            assert_non_null(strstr(frame, "\xe2\x94\x8a"));
            assert_true(strstr(frame, "group 1:") || strstr(frame, "g1:") || strstr(frame, "g1"));
            assert_true(strstr(frame, "group 2:") || strstr(frame, "g2:") || strstr(frame, "g2"));
            /* The one-way cut says which way; the lossy link says so. */
            snprintf(want, sizeof(want), "n%d->n%d cut",
                     k == 0   ? 2
                     : k == 1 ? 4
                              : 7,
                     k == 0   ? 3
                     : k == 1 ? 5
                              : 8);
            if ((w >= 120 || nodes[k] < 9) && !strstr(frame, want))
                fail_msg("%dx%d %d nodes: no '%s' on the map:\n%s", w, h, nodes[k], want, frame);
            if (w >= 120)
                assert_non_null(strstr(frame, "loss 25%"));
            if (k == 1 && w >= 120)
                assert_non_null(strstr(frame, "slow 400ms"));
            /* Boxes as wide as their text: the ISR whole at 200x60 with 3 and 5 nodes. */
            if (w == 200 && nodes[k] <= 5) {
                /* "isr n1,n3,n4,n5" then the box's right border: the list is whole. */
                const char *isr = strstr(frame, "isr n1,");
                assert_non_null(isr);
                isr += strspn(isr + 4, "n0123456789,") + 4;
                assert_true(strncmp(isr, "\xe2\x94\x82", 3) == 0 ||
                            strncmp(isr, "\xe2\x95\x91", 3) == 0);
            }
            snprintf(name, sizeof(name), "faults_%dn_%dx%d", nodes[k], w, h);
            golden(name, frame);
            free(frame);
            grid_destroy(g);
        }
        release(&f);
    }
}

static struct timeline *timeline_of(const struct fixture *f);

/* Marks of one instant (a kill, a partition, a clock skew at the same moment) each get a row
 * of their own in the timeline, none overwriting another. */
static void test_timeline_one_instant(void **state)
{
    struct fixture f;
    struct timeline *tl;
    struct grid *g = grid_create(120, 40, false);
    char *frame = malloc(FRAME_MAX);
    const char *kill, *part, *skew;

    (void)state;
    assert_non_null(frame);
    build(&f, "model leader\nnodes 3\nseed 1\nrun 100ms\nkill n2\npartition n1 | n2 n3\n"
              "skew n3 +5ms\nrun 2ms\n");
    tl = timeline_of(&f);
    timeline_draw(g, tl, 3, engine_now(script_run_engine(f.run)), 0, 0, 120, 40, 0);
    grid_dump(g, frame, FRAME_MAX);
    kill = strstr(frame, "kill");
    part = strstr(frame, "n1 | n2 n3");
    skew = strstr(frame, "skew");
    assert_non_null(kill);
    assert_non_null(part);
    assert_non_null(skew);
    /* Three rows, in the order they happened. */
    assert_true(strchr(kill, '\n') < part);
    assert_true(strchr(part, '\n') < skew);
    timeline_destroy(tl);
    grid_destroy(g);
    free(frame);
    release(&f);
}

/* Presenter mode with the faults at a projector's sizes: boxes as large as the screen allows
 * (larger than the sandbox's at the same size), every mark still there, the verdicts whole. */
static void test_faults_presented(void **state)
{
    static const int sizes[][2] = {{100, 30}, {180, 50}};
    struct fixture f;
    struct check_summary c;
    char name[64];

    (void)state;
    build(&f, faults[1]);
    memset(&c, 0, sizeof(c));
    c.lin = CHECK_OK;
    c.lost.lost = 1;
    c.av.ok = 1;
    for (int s = 0; s < 2; s++) {
        int w = sizes[s][0], h = sizes[s][1], box_plain = 0, box_present = 0;
        struct draw_view v = view(&f);
        struct grid *g = grid_create(w, h, false);
        struct draw_cursor cur;
        char *frame = malloc(FRAME_MAX);
        assert_non_null(frame);
        v.checks = &c;
        v.present = true;
        v.caption = "The old leader n1 is cut off with n2; the other side elects a new one.";
        draw_frame(g, script_run_engine(f.run), &v, &cur);
        grid_dump(g, frame, FRAME_MAX);
        assert_int_equal(grid_escapes(g), 0);
        assert_non_null(strstr(frame, "group 1: n1 n2"));
        assert_non_null(strstr(frame, "n4->n5 cut"));
        assert_non_null(strstr(frame, "lost writes 1") ? "" : strstr(frame, "lost 1"));
        /* n1's box is larger than the sandbox's at the same size. */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                box_plain += draw_node_at(script_run_engine(f.run), w, h, false, false, x, y) == 0;
                box_present += draw_node_at(script_run_engine(f.run), w, h, false, true, x, y) == 0;
            }
        assert_true(box_present > box_plain);
        snprintf(name, sizeof(name), "faults_present_5n_%dx%d", w, h);
        golden(name, frame);
        free(frame);
        grid_destroy(g);
    }
    release(&f);
}

static void test_crashed_ascii_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, "model echo\nnodes 3\nseed 7\nw1: put x 1 via n1\nrun 200ms\nkill n2\n"
              "w2: put x 2 via n1\nrun 5ms\n");
    v = view(&f);
    v.selected = 1;
    v.paused = false;
    v.msg = "> kill n2";
    frame = render(&f, &v, 80, 24, true);
    assert_non_null(strstr(frame, "CRASHED"));
    assert_non_null(strstr(frame, "RUNNING"));
    assert_non_null(strstr(frame, "#n2=")); /* the selected box, in the ASCII twins */
    for (const char *p = frame; *p; p++)
        assert_true((unsigned char)*p < 0x80); /* nothing but ASCII */
    golden("crashed_ascii_80x24", frame);
    free(frame);
    release(&f);
}

/*
 * A leaderless cluster under a steady background workload: the ops pane shows each op's quorum
 * and, under the ops, the checkers' verdicts; the status bar says the workload runs and how to
 * stop it.
 */
static void test_workload_verdicts_200x60(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct check_summary c;
    char *frame;

    (void)state;
    build(&f, "model leaderless\nnodes 5\nseed 4\nworkload 20/s\nrun 1s\n");
    check_summary_run(script_run_engine(f.run), script_run_recorder(f.run), 0, CHECK_PARTS_SCREEN,
                      &c);
    assert_int_equal(c.lin, CHECK_OK);
    assert_int_equal(c.lost.lost, 0);
    assert_true(c.av.ok > 10);
    v = view(&f);
    v.checks = &c;
    v.workload = "20/s";
    v.paused = false;
    frame = render(&f, &v, 200, 60, false);
    assert_non_null(strstr(frame, "load 20/s W stops"));
    assert_non_null(strstr(frame, "quorum met"));
    assert_non_null(strstr(frame, "linearizable yes  lost writes 0  split brain 0"));
    assert_non_null(strstr(frame, "sessions ok"));
    golden("workload_verdicts_200x60", frame);
    free(frame);
    release(&f);
}

/* Verdicts that went wrong, on a narrow ops pane: one line, marked as a failure. */
static void test_verdicts_violated_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct check_summary c;
    char *frame;

    (void)state;
    build(&f, inflight);
    memset(&c, 0, sizeof(c));
    c.lin = CHECK_VIOLATED;
    snprintf(c.lin_first.key, sizeof(c.lin_first.key), "x");
    c.lost.lost = 1;
    c.sess.ryw = 2;
    v = view(&f);
    v.checks = &c;
    frame = render(&f, &v, 80, 24, true);
    /* What broke first, each item whole: the register check with its key, the lost write and
     * the sessions, before the checks that hold. */
    assert_non_null(strstr(frame, "x lin NO x  lost 1\n"));
    assert_non_null(strstr(frame, "|   sess 2  split 0  0/0/0\n"));
    assert_null(strstr(frame, "load ")); /* no workload runs: the bar does not say one does */
    golden("verdicts_violated_ascii_80x24", frame);
    free(frame);
    release(&f);
}

/* The whole trace of a fixture into a timeline, as the app feeds it. */
static struct timeline *timeline_of(const struct fixture *f)
{
    struct timeline *tl = timeline_create();
    struct trace_cursor cur = {0};
    struct trace_event ev;
    int r;

    while ((r = trace_read(engine_trace(script_run_engine(f->run)), &cur, &ev)) != 0)
        if (r > 0)
            timeline_add(tl, &ev);
    return tl;
}

/*
 * The timeline view: the leader killed mid-replication (the messages to it die, marked with a
 * cross), a clock skewed, a new leader elected; scrolled back, it shows the start of the run.
 */
static void test_timeline(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct timeline *tl;
    char *frame;
    int scroll = 0;

    (void)state;
    build(&f, "model leader\nnodes 3\nseed 5\nrun 300ms\nw1: put x 1 via n1\nrun 8ms\n"
              "kill n1\nskew n3 +200ms\nrun 1s\nw2: put x 2 via n2\nrun 40ms\n");
    tl = timeline_of(&f);
    assert_true(timeline_count(tl) > 10);
    v = view(&f);
    v.timeline = tl;
    v.timeline_scroll = &scroll;
    frame = render(&f, &v, 200, 60, false);
    assert_non_null(strstr(frame, "timeline  PgUp/Up scroll back"));
    assert_non_null(strstr(frame, "\xe2\x9c\x97")); /* a lost message's cross */
    assert_non_null(strstr(frame, "vote_req"));
    assert_non_null(strstr(frame, "leader e2"));
    assert_non_null(strstr(frame, "\xe2\x8b\xae")); /* a squeezed quiet stretch */
    golden("timeline_200x60", frame);
    free(frame);
    /* Scrolled all the way back (the draw clamps it): the kill and its lost messages. */
    scroll = 1000000;
    frame = render(&f, &v, 80, 24, true);
    assert_true(scroll > 0 && scroll < 1000000);
    assert_non_null(strstr(frame, "rows back"));
    assert_non_null(strstr(frame, " 0.000s"));
    assert_non_null(strstr(frame, "*leader e1"));
    golden("timeline_back_ascii_80x24", frame);
    free(frame);
    /* Scrolling forward from the start reaches the kill: n1's lane marks it, n3's the skew. */
    scroll = 1000000;
    for (int back = -1; back != 0; back = scroll) {
        frame = render(&f, &v, 200, 60, false);
        if (strstr(frame, "skew +200ms"))
            break;
        free(frame);
        frame = NULL;
        scroll = scroll > 10 ? scroll - 10 : 0;
    }
    assert_non_null(frame);
    assert_non_null(strstr(frame, "\xe2\x9c\x97kill"));
    golden("timeline_kill_200x60", frame);
    free(frame);
    timeline_destroy(tl);
    release(&f);
}

/*
 * The clock view: n3 skewed past its TrueTime uncertainty (the interval misses true time), n2
 * drifting, n1 resynced by NTP; the clock jumps listed newest first.
 */
static void test_clocks_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct timeline *tl;
    char *frame;

    (void)state;
    build(&f, "model leader\nnodes 3\nseed 5\nrun 100ms\nskew n3 +200ms\ndrift n2 +500ppm\n"
              "skew n1 -30ms\nrun 1s\nntp n1\nrun 10ms\n");
    tl = timeline_of(&f);
    v = view(&f);
    v.clocks = true;
    v.events = tl;
    frame = render(&f, &v, 80, 24, false);
    assert_non_null(strstr(frame, "clocks  true time 1.110s"));
    assert_non_null(strstr(frame, "skew +200ms"));
    assert_non_null(strstr(frame, "drift +500ppm"));
    /* Each item whole, wrapped rather than cut at the pane's edge. */
    assert_non_null(strstr(frame, "TT [+198ms, +201ms] MISSES"));
    assert_non_null(strstr(frame, "vc [72,35,37]"));
    assert_non_null(strstr(frame, "lamport 89"));
    assert_non_null(strstr(frame, "n1 ntp"));
    assert_non_null(strstr(frame, "0.100s n1 skew -30ms"));
    golden("clocks_80x24", frame);
    free(frame);
    timeline_destroy(tl);
    release(&f);
}

/* The context menu over the map: each item with its key, the cursor's item marked. */
/* Adversary mode: ids on every message in flight, the picked one marked and described, and the
 * mode's keys on the status bar. */
static void test_pick_message_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    const struct net *net;
    uint64_t id = 0;
    char *frame, want[64];

    (void)state;
    build(&f, inflight);
    net = engine_net(script_run_engine(f.run));
    for (int s = 0; s < net_slots(net) && !id; s++)
        if (net_slot(net, s))
            id = net_slot(net, s)->id;
    assert_true(id > 0);
    v = view(&f);
    v.picking = true;
    v.pick_id = id;
    frame = render(&f, &v, 80, 24, false);
    snprintf(want, sizeof(want), "[#%llu echo x=1]", (unsigned long long)id);
    assert_non_null(strstr(frame, want));
    snprintf(want, sizeof(want), "#%llu n", (unsigned long long)id);
    assert_non_null(strstr(frame, want));
    assert_non_null(strstr(frame, "arrives in"));
    assert_non_null(strstr(frame, "PICK A MESSAGE"));
    assert_non_null(strstr(frame, "d deliver now"));
    assert_non_null(strstr(frame, "D drop"));
    golden("pick_80x24", frame);
    free(frame);
    release(&f);
}

/* The scrubber: the run from 0 to the latest time reached, the position marked. */
static void test_scrubber_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    v.scrub = true;
    v.scrub_us = 3000;
    v.scrub_head_us = 12000;
    frame = render(&f, &v, 80, 24, true);
    assert_non_null(strstr(frame, "go to 0.003s of 0.012s"));
    assert_non_null(strstr(frame, "=#-"));
    assert_non_null(strstr(frame, "Enter goes"));
    golden("scrubber_ascii_80x24", frame);
    free(frame);
    release(&f);
}

static void test_menu_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct draw_menu m;
    const char *keys[] = {"K", "Z", "w", "g", "S", "C", "X"};
    const char *labels[] = {"kill n2",          "pause n2",        "write through n2",
                            "read through n2",  "skew n2's clock", "cut / mend a link to...",
                            "partition n2 away"};
    char *frame;

    (void)state;
    build(&f, inflight);
    memset(&m, 0, sizeof(m));
    m.title = "n2 (node)";
    for (int i = 0; i < 7; i++) {
        m.items[i].key = keys[i];
        snprintf(m.items[i].label, sizeof(m.items[i].label), "%s", labels[i]);
    }
    m.n = 7;
    m.cursor = 2;
    v = view(&f);
    v.selected = 1;
    v.menu = &m;
    frame = render(&f, &v, 80, 24, false);
    assert_non_null(strstr(frame, "n2 (node)"));
    assert_non_null(strstr(frame, "K   kill n2"));
    assert_non_null(strstr(frame, "X   partition n2 away"));
    assert_non_null(strstr(frame, "key or Enter runs it, Esc closes"));
    golden("menu_80x24", frame);
    free(frame);
    release(&f);
}

/* The quorum view: the nodes that answered the latest leaderless op are marked on the map. */
static void test_quorum_view_200x60(void **state)
{
    struct fixture f;
    struct draw_view v;
    const struct op *op;
    char *frame, want[160];

    (void)state;
    build(&f, "model leaderless\nnodes 5\nseed 4\nw1: put x 1 via n2\nrun 500ms\n");
    op = history_find_label(engine_history(script_run_engine(f.run)), "w1");
    assert_non_null(op);
    assert_int_equal(op->quorum, 1);
    v = view(&f);
    frame = render(&f, &v, 200, 60, false);
    snprintf(want, sizeof(want), "quorum view: w1 put x=1 via n2: %s", op->detail);
    assert_non_null(strstr(frame, want));
    assert_non_null(strstr(frame, "w1 coord"));
    assert_non_null(strstr(frame, "w1 replica"));
    golden("quorum_200x60", frame);
    free(frame);
    release(&f);
}

/*
 * The quorum view at the engine's most nodes (64): the replica set comes from the reply's 64-bit
 * node mask, so nodes past the 32nd are marked (a 32-bit mask shifted past its width there,
 * which UBSan stops on in the SAN build). k lives on n1, n32, n33, n63 and n64.
 */
static void test_quorum_view_64_nodes(void **state)
{
    struct fixture f;
    struct draw_view v;
    const struct op *op;
    char *frame;
    int replicas;

    (void)state;
    build(&f, "model leaderless\nnodes 64\nseed 4\nset n 5\nset w 5\n"
              "place k n1 n32 n33 n63 n64\nw1: put k 1 via n33\nrun until quiet\n");
    op = history_find_label(engine_history(script_run_engine(f.run)), "w1");
    assert_non_null(op);
    assert_int_equal(op->quorum, 1);
    assert_true(nodemask_has(op->replicas, 63));
    assert_int_equal(nodemask_count(op->replicas), 5);
    v = view(&f);
    frame = render(&f, &v, GRID_MAX_W, 120, false);
    assert_non_null(strstr(frame, "quorum view: w1 put k=1 via n33"));
    /* Every replica but the coordinator is marked on its box. */
    replicas = 0;
    for (const char *p = frame; (p = strstr(p, "w1 replica")) != NULL; p++)
        replicas++;
    assert_int_equal(replicas, 4);
    assert_non_null(strstr(frame, "w1 coord"));
    free(frame);
    release(&f);
}

/* n / N: the search's hit is scrolled to in the whole log and marked with '>'. */
static void test_search_mark_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame, want[64];
    int n, hit = -1, st;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    n = draw_log_count(f.log);
    for (int i = 0; i < n && hit < 0; i++)
        if (strstr(draw_log_line(f.log, i, &st), "w1"))
            hit = i;
    assert_true(hit >= 0);
    v.log_mark = hit + 1;
    v.log_scroll = n - 1 - hit;
    frame = render(&f, &v, 80, 24, true);
    snprintf(want, sizeof(want), ">%.30s", draw_log_line(f.log, hit, &st));
    assert_non_null(strstr(frame, want));
    golden("search_mark_ascii_80x24", frame);
    free(frame);
    release(&f);
}

/* o / O: the op chosen is highlighted in the ops pane and the quorum view shows it, not the
 * latest. */
static void test_op_select_200x60(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, "model leaderless\nnodes 5\nseed 4\nw1: put x 1 via n2\nrun 500ms\n"
              "w2: put y 2 via n4\nrun 500ms\n");
    v = view(&f);
    frame = render(&f, &v, 200, 60, false);
    assert_non_null(strstr(frame, "quorum view: w2 put y=2 via n4"));
    free(frame);
    v.op_sel = 1;
    frame = render(&f, &v, 200, 60, false);
    assert_non_null(strstr(frame, "quorum view: w1 put x=1 via n2"));
    assert_null(strstr(frame, "quorum view: w2"));
    assert_non_null(strstr(frame, "ops (2): op 1 "));
    assert_non_null(strstr(frame, ">"));
    golden("op_select_200x60", frame);
    free(frame);
    release(&f);
}

/* Truncated and discarded entries are shown struck in their node's replica pane. */
static void test_flash_120x40(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct draw_flash fl[3];
    char *frame;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    memset(fl, 0, sizeof(fl));
    fl[0].node = 0;
    snprintf(fl[0].text, sizeof(fl[0].text), "@2..@3 (2 entries)");
    fl[1].node = 0;
    fl[1].discarded = true;
    snprintf(fl[1].text, sizeof(fl[1].text), "x=7: lost to x=8");
    fl[2].node = 1; /* another node's: not in n1's pane */
    snprintf(fl[2].text, sizeof(fl[2].text), "@9");
    v.flash = fl;
    v.n_flash = 3;
    frame = render(&f, &v, 120, 40, false);
    assert_non_null(strstr(frame, "-- truncated: @2..@3 (2 entries) --"));
    assert_non_null(strstr(frame, "-- discarded: x=7: lost to x=8 --"));
    assert_null(strstr(frame, "@9"));
    golden("flash_120x40", frame);
    free(frame);
    release(&f);
}

/* v: the selected link is drawn highlighted and named with what C would do to it. */
static void test_link_select_80x24(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, "model echo\nnodes 3\nseed 7\ncut n1 n2\n");
    v = view(&f);
    v.link_to = 3;
    frame = render(&f, &v, 80, 24, false);
    assert_non_null(strstr(frame, "link n1-n3 up: C cuts it"));
    free(frame);
    v.link_to = 2;
    frame = render(&f, &v, 80, 24, false);
    assert_non_null(strstr(frame, "link n1-n2 cut: C mends it"));
    golden("link_select_80x24", frame);
    free(frame);
    v.link_to = 1; /* the node itself: no link */
    frame = render(&f, &v, 80, 24, false);
    assert_null(strstr(frame, "link n1-n1"));
    free(frame);
    release(&f);
}

static void test_command_error_and_help(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    v.cmd_open = true;
    v.cmd = "kil n2";
    v.msg = "1:1: unknown command 'kil'";
    v.msg_error = true;
    frame = render(&f, &v, 80, 24, false);
    assert_non_null(strstr(frame, ":kil n2\n"));
    assert_non_null(strstr(frame, "1:1: unknown command 'kil'"));
    golden("cmd_error_80x24", frame);
    free(frame);
    v.cmd_open = false;
    v.msg = NULL;
    v.help = true;
    frame = render(&f, &v, 80, 24, false);
    /* Every entry of the key table is on the overlay, even at 80x24. */
    {
        size_t nk;
        const struct key_binding *keys = keys_table(&nk);
        for (size_t i = 0; i < nk; i++)
            if (keys[i].help && !strstr(frame, keys[i].help))
                fail_msg("the help overlay at 80x24 lacks '%s'", keys[i].help);
    }
    golden("help_80x24", frame);
    free(frame);
    release(&f);
}

static void test_too_small(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    frame = render(&f, &v, 50, 10, false);
    assert_non_null(strstr(frame, "Needs 60x16, is 50x10."));
    free(frame);
    release(&f);
}

static void test_grid_clips_and_dumps(void **state)
{
    struct grid *g = grid_create(4, 2, false);
    char out[64];

    (void)state;
    assert_int_equal(grid_text(g, 2, 0, -1, "abc", 0), 2);
    grid_put(g, 9, 9, 'z', 0);
    grid_put(g, -1, 0, 'z', 0);
    grid_glyph(g, 0, 1, GL_TL, 0);
    grid_dump(g, out, sizeof(out));
    assert_string_equal(out, "  ab\n\xe2\x94\x8c\n");
    grid_set_ascii(g, true);
    grid_glyph(g, 0, 1, GL_TL, 0);
    grid_text(g, 1, 1, -1, "\xc3\xa9\x01", 0);
    grid_dump(g, out, sizeof(out));
    assert_string_equal(out, "  ab\n+??\n");
    /* A clip rectangle keeps writes in, and counts the ones it stopped. */
    assert_int_equal(grid_escapes(g), 0);
    grid_clip(g, 1, 0, 2, 1);
    grid_put(g, 0, 0, 'q', 0);
    grid_text(g, 1, 0, -1, "xyz", 0);
    grid_restyle(g, 0, 1, 1, 3);
    grid_unclip(g);
    grid_put(g, 3, 1, 'w', 0);
    assert_int_equal(grid_escapes(g), 3);
    grid_dump(g, out, sizeof(out));
    assert_string_equal(out, " xyb\n+??w\n");
    grid_destroy(g);
    /* Text too long ends at a space; a single word too long is cut. */
    g = grid_create(12, 2, false);
    assert_int_equal(grid_text_words(g, 0, 0, 9, "ab cd efgh", 0), 5);
    assert_int_equal(grid_text_words(g, 0, 1, 4, "abcdefgh", 0), 4);
    grid_dump(g, out, sizeof(out));
    assert_string_equal(out, "ab cd\nabcd\n");
    grid_destroy(g);
}

/* A click lands on the box the frame drew there. */
static void test_click_finds_the_box(void **state)
{
    struct fixture f;
    struct draw_view v;
    struct grid *g = grid_create(80, 24, true);
    struct draw_cursor cur;

    (void)state;
    build(&f, inflight);
    v = view(&f);
    draw_frame(g, script_run_engine(f.run), &v, &cur);
    /* The first cell of each node's clickable area is its box's corner, its name right after. */
    for (int node = 0; node < 3; node++) {
        int fx = -1, fy = -1;
        for (int y = 0; y < 24 && fx < 0; y++)
            for (int x = 0; x < 80 && fx < 0; x++)
                if (draw_node_at(script_run_engine(f.run), 80, 24, false, false, x, y) == node) {
                    fx = x;
                    fy = y;
                }
        assert_true(fx >= 0);
        assert_true(grid_at(g, fx, fy).ch == '+' || grid_at(g, fx, fy).ch == '#');
        assert_int_equal(grid_at(g, fx + 1, fy).ch, 'n');
        assert_int_equal(grid_at(g, fx + 2, fy).ch, (uint32_t)('1' + node));
    }
    assert_int_equal(draw_node_at(script_run_engine(f.run), 80, 24, false, false, 0, 23), -1);
    assert_int_equal(draw_node_at(script_run_engine(f.run), 40, 10, false, false, 5, 5),
                     -1); /* too small to lay out */
    grid_destroy(g);
    release(&f);
}

/* ---- the lesson pane ---- */

/* A lesson runner on tests/lessons/echo-basics.lesson, and the pane that shows it. */
struct lfix {
    struct lesson l;
    struct lesson_runner *r;
    struct draw_log *log;
    struct draw_lesson dl;
    char success[LESSON_TEXT_MAX]; /* the texts with the run's values, as the app fills them */
    char explain[LESSON_TEXT_MAX];
};

static void lfix_open(struct lfix *f)
{
    FILE *fp = fopen("tests/lessons/echo-basics.lesson", "rb");
    char text[8192];
    size_t len;
    struct script_error err;

    memset(f, 0, sizeof(*f));
    assert_non_null(fp);
    len = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[len] = '\0';
    if (lesson_parse("echo-basics.lesson", text, len, &f->l, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    assert_int_equal(lesson_runner_create(&f->l, 0, &f->r, &err), 0);
    f->log = draw_log_create();
}

/* Runs virtual time to t_us, then fills the pane's view from the runner. */
static void lfix_view(struct lfix *f, int64_t t_us, struct draw_view *v)
{
    struct script_error err;
    struct trace_cursor cur = {0};
    struct trace_event ev;
    int r;

    assert_int_equal(script_run_advance(lesson_runner_run(f->r), t_us, &err), 0);
    lesson_runner_poll(f->r);
    draw_log_clear(f->log);
    while ((r = trace_read(engine_trace(script_run_engine(lesson_runner_run(f->r))), &cur, &ev)) !=
           0)
        if (r > 0)
            draw_log_event(f->log, &ev);
    memset(v, 0, sizeof(*v));
    v->title = f->l.id;
    v->speed = "0.05x";
    v->cmd = "";
    v->log = f->log;
    v->head_us = -1;
    f->dl.title = f->l.title;
    f->dl.step = lesson_runner_step(f->r);
    f->dl.n_steps = f->l.n_steps;
    f->dl.s = lesson_runner_current(f->r);
    f->dl.phase = lesson_runner_phase(f->r);
    f->dl.answered = lesson_runner_answered(f->r);
    f->dl.hints_shown = lesson_runner_hints_shown(f->r);
    f->dl.waiting = lesson_runner_waiting(f->r);
    f->dl.finished = lesson_runner_finished(f->r);
    f->dl.explain_ready = lesson_runner_explain_ready(f->r);
    f->dl.evidence = lesson_runner_evidence(f->r);
    f->dl.spot = lesson_runner_spot(f->r);
    f->dl.hints_total = lesson_runner_hints_total(f->r);
    lesson_runner_expand(f->r, f->dl.s->success, f->success, sizeof(f->success));
    lesson_runner_expand(f->r, f->dl.s->quiz.explain, f->explain, sizeof(f->explain));
    f->dl.success = f->success;
    f->dl.explain = f->explain;
    v->lesson = &f->dl;
}

static char *lfix_render(struct lfix *f, const struct draw_view *v, int w, int h, struct grid **g)
{
    struct draw_cursor cur;
    char *text = malloc(FRAME_MAX);

    assert_non_null(text);
    *g = grid_create(w, h, false);
    draw_frame(*g, script_run_engine(lesson_runner_run(f->r)), v, &cur);
    grid_dump(*g, text, FRAME_MAX);
    return text;
}

static void lfix_close(struct lfix *f)
{
    lesson_runner_destroy(f->r);
    lesson_release(&f->l);
    draw_log_destroy(f->log);
}

/* Where text first appears in the grid; fails when it does not. */
static void find_text(const struct grid *g, const char *text, int *fx, int *fy)
{
    int n = (int)strlen(text);

    for (int y = 0; y < grid_height(g); y++)
        for (int x = 0; x + n <= grid_width(g); x++) {
            int k = 0;
            while (k < n && grid_at(g, x + k, y).ch == (uint32_t)(unsigned char)text[k])
                k++;
            if (k == n) {
                *fx = x;
                *fy = y;
                return;
            }
        }
    fail_msg("'%s' is not on the frame", text);
}

/* Step 1 at 80x24: the step's title, the narration's Markdown as styles, the map narrowed. */
static void test_lesson_narration_80x24(void **state)
{
    struct lfix f;
    struct draw_view v;
    struct grid *g;
    char *frame;
    int x, y;

    (void)state;
    lfix_open(&f);
    lfix_view(&f, 48000, &v);
    frame = lfix_render(&f, &v, 80, 24, &g);
    assert_non_null(strstr(frame, "Step 1/4 \xc2\xb7 Three nodes"));
    assert_null(strstr(frame, "**")); /* the marks are not shown... */
    find_text(g, "n1, n2", &x, &y);   /* ...they are styles */
    assert_int_equal(grid_at(g, x, y).style, ST_STRONG);
    assert_int_equal(grid_at(g, x + 2, y).style, ST_NORMAL);
    find_text(g, "echoed", &x, &y);
    assert_int_equal(grid_at(g, x, y).style, ST_EMPH);
    assert_non_null(strstr(frame, "> goes to the next step."));
    assert_non_null(strstr(frame, "H hint"));
    assert_non_null(strstr(frame, "RUNNING"));
    /* The narrowed map still draws every node, and a click finds them. */
    for (int node = 0; node < 3; node++) {
        int found = 0;
        for (y = 0; y < 24; y++)
            for (x = 0; x < 80; x++)
                if (draw_node_at(script_run_engine(lesson_runner_run(f.r)), 80, 24, true, false, x,
                                 y) == node &&
                    !found++)
                    assert_int_equal(grid_at(g, x + 2, y).ch, (uint32_t)('1' + node));
        assert_true(found > 0);
    }
    golden("lesson_narration_80x24", frame);
    free(frame);
    grid_destroy(g);
    lfix_close(&f);
}

/* Step 2 at 120x40: the task with `code`, the first hint, what the gate waits for. */
static void test_lesson_task_120x40(void **state)
{
    struct lfix f;
    struct draw_view v;
    struct grid *g;
    char *frame;
    int x, y;

    (void)state;
    lfix_open(&f);
    assert_true(lesson_runner_next(f.r));
    f.dl.hint = lesson_runner_hint(f.r);
    lfix_view(&f, 200000, &v);
    frame = lfix_render(&f, &v, 120, 40, &g);
    assert_non_null(strstr(frame, "Step 2/4 \xc2\xb7 Your first write"));
    assert_non_null(strstr(frame, "Task: Write x=1 through n1: type"));
    find_text(g, ":put x 1", &x, &y);
    assert_int_equal(grid_at(g, x, y).style, ST_CODE);
    assert_non_null(strstr(frame, "Hint 1/2: Press : to open the command line."));
    assert_non_null(strstr(frame, "Waiting for: you write x through n1"));
    assert_non_null(strstr(frame, "n1 replica")); /* at 120 columns the sandbox keeps its panes */
    golden("lesson_task_120x40", frame);
    free(frame);
    grid_destroy(g);
    /* Done: the success message replaces what it waited for. */
    assert_int_equal(lesson_runner_show_me(f.r, &(struct script_error){0}), 0);
    lfix_view(&f, 1000000, &v);
    assert_int_equal(f.dl.phase, RUNNER_DONE);
    frame = lfix_render(&f, &v, 120, 40, &g);
    assert_non_null(strstr(frame, "Done. n1 stored x=1 and echoed it;"));
    assert_null(strstr(frame, "Waiting for"));
    free(frame);
    grid_destroy(g);
    lfix_close(&f);
}

/* Step 3: the quiz before the run shows it, then graded with the explanation. */
static void test_lesson_quiz(void **state)
{
    struct lfix f;
    struct draw_view v;
    struct grid *g;
    char *frame;
    int x, y;

    (void)state;
    lfix_open(&f);
    assert_true(lesson_runner_next(f.r));
    assert_int_equal(lesson_runner_show_me(f.r, &(struct script_error){0}), 0);
    lfix_view(&f, 1000000, &v);
    assert_true(lesson_runner_next(f.r));
    lfix_view(&f, 1000000, &v);
    assert_int_equal(f.dl.phase, RUNNER_QUIZ);
    f.dl.quiz_cursor = 1;
    f.dl.quiz_pick = 1u << 1;
    frame = lfix_render(&f, &v, 80, 24, &g);
    assert_non_null(strstr(frame, "Predict: n3 is cut off from n1."));
    assert_non_null(strstr(frame, "2 (*) nothing: the write waits"));
    assert_non_null(strstr(frame, "1 ( ) ok, at once"));
    assert_non_null(strstr(frame, "Enter answers"));
    assert_null(strstr(frame, "Not quite"));
    find_text(g, "2 (*)", &x, &y);
    assert_int_equal(grid_at(g, x, y).style, ST_CHOICE); /* the cursor's row */
    golden("lesson_quiz_80x24", frame);
    free(frame);
    grid_destroy(g);
    /* A wrong answer: marked, with the right one and the explanation. */
    assert_false(lesson_runner_answer(f.r, 1u << 2));
    lfix_view(&f, 1000000, &v);
    frame = lfix_render(&f, &v, 120, 40, &g);
    assert_non_null(strstr(frame, "\xe2\x9c\x93 2 ( ) nothing"));
    assert_non_null(strstr(frame, "\xe2\x9c\x97 3 (*) an error"));
    assert_non_null(strstr(frame, "The run did not go as you predicted."));
    assert_null(strstr(frame, "Enter answers"));
    golden("lesson_graded_120x40", frame);
    free(frame);
    grid_destroy(g);
    lfix_close(&f);
}

/* L: the lesson list with each lesson's progress. */
static void test_lesson_list_80x24(void **state)
{
    static const struct draw_lesson_item items[] = {
        {"01-welcome", "Welcome: nodes, links and messages", "done"},
        {"02-single-leader", "Single leader: one log", "at step 3/7"},
        {"03-sync-async", "Synchronous or asynchronous", "new"},
    };
    struct lfix f;
    struct draw_view v;
    struct grid *g;
    char *frame;
    int x, y;

    (void)state;
    lfix_open(&f);
    lfix_view(&f, 0, &v);
    f.dl.list = true;
    f.dl.items = items;
    f.dl.n_items = 3;
    f.dl.list_cursor = 1;
    f.dl.summary = "1/3 done";
    frame = lfix_render(&f, &v, 80, 24, &g);
    assert_non_null(strstr(frame, "lessons: 1/3 done"));
    assert_non_null(strstr(frame, "done         01-welcome"));
    assert_non_null(strstr(frame, "at step 3/7  02-single-leader"));
    find_text(g, "02-single-leader", &x, &y);
    assert_int_equal(grid_at(g, x, y).style, ST_CHOICE);
    golden("lesson_list_80x24", frame);
    free(frame);
    grid_destroy(g);
    lfix_close(&f);
}

/* Where glyph gl first appears in the grid's column x (any row), or -1. */
static int glyph_row(const struct grid *g, int x, uint32_t ch)
{
    for (int y = 0; y < grid_height(g); y++)
        if (grid_at(g, x, y).ch == ch)
            return y;
    return -1;
}

/* Step 4's spotlight (op timeout): the evidence in the pane, and the op's line and the node it
 * went to marked with the spotlight glyph and style; nothing marked before it happens. */
static void test_lesson_spotlight_80x24(void **state)
{
    struct lfix f;
    struct draw_view v;
    struct grid *g;
    char *frame;
    int x, y, bx, by;

    (void)state;
    lfix_open(&f);
    assert_true(lesson_runner_next(f.r));
    assert_int_equal(lesson_runner_show_me(f.r, &(struct script_error){0}), 0);
    lfix_view(&f, 1000000, &v);
    assert_true(lesson_runner_next(f.r));
    lesson_runner_answer(f.r, f.l.steps[2].quiz.correct);
    lfix_view(&f, 1000000, &v);
    assert_true(lesson_runner_next(f.r));
    assert_int_equal(lesson_runner_show_me(f.r, &(struct script_error){0}), 0);
    lfix_view(&f, 1100000, &v);
    assert_null(f.dl.spot); /* the write is still waiting: nothing to mark yet */
    frame = lfix_render(&f, &v, 80, 24, &g);
    assert_null(strstr(frame, "\xe2\x96\xb6"));
    free(frame);
    grid_destroy(g);
    lfix_view(&f, 8000000, &v);
    assert_non_null(f.dl.spot);
    assert_int_equal(f.dl.spot->node, 0);
    frame = lfix_render(&f, &v, 80, 24, &g);
    assert_non_null(strstr(frame, "Evidence:"));
    /* The op's line in the ops pane: the glyph in its first column, the line in ST_INFO. */
    find_text(g, "w2 put x=2 n1 timeout", &x, &y);
    assert_int_equal(grid_at(g, x - 3, y).ch, 0x25b6u);
    assert_int_equal(grid_at(g, x, y).style, ST_INFO);
    /* n1's box: the glyph on its top-left corner, its frame in ST_INFO; n2's box is plain. */
    find_text(g, "n1", &bx, &by);
    assert_int_equal(grid_at(g, bx - 1, by).ch, 0x25b6u);
    assert_int_equal(grid_at(g, bx - 1, by).style, ST_INFO);
    assert_int_equal(grid_at(g, bx - 1, by + 1).style, ST_INFO);
    find_text(g, "n2", &bx, &by);
    assert_true(grid_at(g, bx - 1, by).ch != 0x25b6u);
    assert_true(glyph_row(g, bx - 1, 0x25b6u) < 0);
    golden("lesson_spotlight_80x24", frame);
    free(frame);
    grid_destroy(g);
    lfix_close(&f);
}

/* Short of room at 80x24: an answered quiz shrinks, the narration gives way, and what the step
 * wants now (the task, the hint, what the gate waits for) stays in view. */
static void test_lesson_pane_short_of_room(void **state)
{
    static const char text[] =
        "%lesson long\n%title Long\n%setup model echo\n%setup nodes 3\n"
        "== a: A long step\n"
        "One two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
        "One two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
        "One two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
        "One two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
        "One two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
        "The last narration line.\n"
        "%quiz single\nQ: A question that takes a good part of a line or two to ask, really?\n"
        "( ) the first answer, which is long enough to wrap onto a second line\n"
        "(*) the second answer, which is long enough to wrap onto a second line\n"
        "( ) the third answer, which is long enough to wrap onto a second line\n"
        "%explain Because the explanation says so, at some length, over two lines.\n"
        "%task Kill n2 and watch what the others do about it.\n"
        "%check down n2\n"
        "%hint The first hint is long enough to take two lines of the pane here.\n"
        "%do kill n2\n";
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    struct draw_lesson dl;
    struct draw_view v;
    struct grid *g = grid_create(80, 24, false);
    struct draw_cursor cur;
    char *frame = malloc(FRAME_MAX);

    (void)state;
    assert_non_null(frame);
    if (lesson_parse("long.lesson", text, strlen(text), &l, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    assert_int_equal(lesson_runner_create(&l, 0, &r, &err), 0);
    memset(&v, 0, sizeof(v));
    memset(&dl, 0, sizeof(dl));
    v.speed = "1x";
    v.cmd = "";
    v.head_us = -1;
    v.lesson = &dl;
    dl.step = 0;
    dl.n_steps = 1;
    dl.s = lesson_runner_current(r);
    /* The quiz open: the choices and how to answer are in view, the narration cut short. */
    dl.phase = RUNNER_QUIZ;
    draw_frame(g, script_run_engine(lesson_runner_run(r)), &v, &cur);
    grid_dump(g, frame, FRAME_MAX);
    assert_non_null(strstr(frame, "Enter answers"));
    assert_non_null(strstr(frame, "3 ( ) the third"));
    assert_non_null(strstr(frame, "One two three"));
    assert_null(strstr(frame, "The last narration line."));
    /* Answered, with a hint and the gate waiting: the quiz shrinks to its verdict. */
    assert_false(lesson_runner_answer(r, 1u));
    dl.phase = lesson_runner_phase(r);
    dl.answered = 1u;
    dl.hint = lesson_runner_hint(r);
    dl.hints_shown = 1;
    assert_false(lesson_runner_poll(r));
    dl.waiting = lesson_runner_waiting(r);
    dl.explain_ready = lesson_runner_explain_ready(r);
    draw_frame(g, script_run_engine(lesson_runner_run(r)), &v, &cur);
    grid_dump(g, frame, FRAME_MAX);
    assert_non_null(strstr(frame, "Not quite: it is 2."));
    assert_null(strstr(frame, "1 (*) the first"));
    assert_non_null(strstr(frame, "Task: Kill n2"));
    assert_non_null(strstr(frame, "Hint 1/1: The first hint"));
    assert_non_null(strstr(frame, "Waiting for: n2 is down"));
    assert_non_null(strstr(frame, "R reset"));
    free(frame);
    grid_destroy(g);
    lesson_runner_destroy(r);
    lesson_release(&l);
}

/* --cast: the asciicast v2 header and one frame event, JSON escaping included. */
/* The recording's colours come from the theme's one table: each style's SGR sequence is what the
 * 256-colour default theme draws (these are the sequences --cast wrote from its own copy). */
static void test_theme_sgr(void **state)
{
    static const char *const want[ST_COUNT] = {
        [ST_NORMAL] = "",
        [ST_DIM] = "\x1b[2;38;5;245m",
        [ST_BOLD] = "\x1b[1m",
        [ST_BORDER] = "\x1b[38;5;67m",
        [ST_SELECTED] = "\x1b[1;38;5;51m",
        [ST_LEADER] = "\x1b[1;38;5;220m",
        [ST_CRASHED] = "\x1b[1;38;5;196m",
        [ST_PAUSED] = "\x1b[38;5;214m",
        [ST_LINK] = "\x1b[2;38;5;240m",
        [ST_LINK_CUT] = "\x1b[1;38;5;196m",
        [ST_MSG0] = "\x1b[1;38;5;45m",
        [ST_MSG1] = "\x1b[1;38;5;118m",
        [ST_MSG2] = "\x1b[1;38;5;213m",
        [ST_MSG3] = "\x1b[1;38;5;208m",
        [ST_MSG_DROP] = "\x1b[1;38;5;196m",
        [ST_OK] = "\x1b[38;5;40m",
        [ST_FAIL] = "\x1b[1;38;5;196m",
        [ST_TIMEOUT] = "\x1b[1;38;5;208m",
        [ST_PENDING] = "",
        [ST_EV_SEND] = "\x1b[2;38;5;244m",
        [ST_EV_DELIVER] = "",
        [ST_EV_DROP] = "\x1b[38;5;203m",
        [ST_EV_FAULT] = "\x1b[1;38;5;214m",
        [ST_EV_ROLE] = "\x1b[1;38;5;213m",
        [ST_EV_OP] = "\x1b[38;5;81m",
        [ST_EV_NOTE] = "\x1b[1m",
        [ST_EV_STORE] = "\x1b[38;5;114m",
        [ST_BAR] = "\x1b[38;5;252;48;5;236m",
        [ST_BAR_KEY] = "\x1b[1;38;5;226;48;5;236m",
        [ST_BAR_RUN] = "\x1b[1;38;5;16;48;5;40m",
        [ST_BAR_PAUSE] = "\x1b[1;4;38;5;16;48;5;214m",
        [ST_ERROR] = "\x1b[1;38;5;196m",
        [ST_INFO] = "\x1b[38;5;117m",
        [ST_PROMPT] = "\x1b[1;38;5;226m",
        [ST_PANE_TITLE] = "\x1b[1;38;5;255m",
        [ST_HELP] = "",
        [ST_EMPH] = "\x1b[4m",
        [ST_STRONG] = "\x1b[1m",
        [ST_CODE] = "\x1b[38;5;222m",
        [ST_CHOICE] = "\x1b[7m",
    };
    char buf[64];

    (void)state;
    for (int s = 0; s < ST_COUNT; s++) {
        size_t n = theme_sgr((enum draw_style)s, buf, sizeof(buf));
        assert_non_null(want[s]);
        assert_string_equal(buf, want[s]);
        assert_int_equal(n, strlen(want[s]));
    }
}

static void test_cast_encoder(void **state)
{
    (void)state;
    struct grid *g = grid_create(4, 2, false);
    const char *const sgr[2] = {"", "\x1b[1m"};
    char buf[512];
    size_t n;

    assert_non_null(g);
    n = grid_cast_header(100, 30, 1700000000LL, 2.0, buf, sizeof(buf));
    assert_string_equal(buf, "{\"version\": 2, \"width\": 100, \"height\": 30, "
                             "\"timestamp\": 1700000000, \"idle_time_limit\": 2.0, "
                             "\"title\": \"splitbrain\"}\n");
    assert_int_equal(n, strlen(buf));

    grid_put(g, 0, 0, '"', 1);
    grid_put(g, 1, 0, '\\', 0);
    grid_put(g, 2, 0, 0x2500, 0); /* a box line: UTF-8 as is */
    grid_put(g, 0, 1, 'x', 0);
    n = grid_cast_frame(g, 1.5, sgr, 2, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "[1.500000, \"o\", \"\\u001b[0m\\u001b[H\\u001b[2J"
                             "\\u001b[1;1H\\u001b[0m\\u001b[1m\\\"\\u001b[0m\\\\\xe2\x94\x80 "
                             "\\u001b[0m\\u001b[2;1H\\u001b[0mx   \\u001b[0m\"]\n");
    /* Too small a buffer: the length it needed, and a terminated prefix. */
    assert_int_equal(grid_cast_frame(g, 1.5, sgr, 2, buf, 8), n);
    assert_int_equal(strlen(buf), 7);
    /* Styles beyond the table are plain. */
    grid_put(g, 0, 1, 'y', 9);
    grid_cast_frame(g, 0, sgr, 2, buf, sizeof(buf));
    assert_non_null(strstr(buf, "\\u001b[2;1H\\u001b[0my"));

    assert_int_equal(grid_cast_escape("a\"b\\c\n\x01", buf, sizeof(buf)), 19);
    assert_string_equal(buf, "a\\\"b\\\\c\\u000a\\u0001");

    /* Only what changed: one cell moved, one run written at its place; nothing, nothing. */
    {
        struct grid *prev = grid_create(4, 2, false);
        grid_copy(prev, g);
        assert_int_equal(grid_cast_diff(g, prev, 2.0, sgr, 2, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "");
        grid_put(g, 3, 1, 'z', 1);
        n = grid_cast_diff(g, prev, 2.0, sgr, 2, buf, sizeof(buf));
        assert_int_equal(n, strlen(buf));
        assert_string_equal(buf, "[2.000000, \"o\", \"\\u001b[2;4H\\u001b[0m\\u001b[1mz"
                                 "\\u001b[0m\"]\n");
        /* Changes far apart on one row are two runs; near ones, one. */
        {
            struct grid *a = grid_create(20, 1, false), *b = grid_create(20, 1, false);
            grid_put(a, 1, 0, 'p', 0);
            grid_put(a, 15, 0, 'q', 0);
            grid_put(a, 17, 0, 'r', 0);
            n = grid_cast_diff(a, b, 1.0, sgr, 2, buf, sizeof(buf));
            assert_int_equal(n, strlen(buf));
            assert_string_equal(buf, "[1.000000, \"o\", \"\\u001b[1;2H\\u001b[0mp"
                                     "\\u001b[1;16Hq r\\u001b[0m\"]\n");
            grid_destroy(a);
            grid_destroy(b);
        }
        /* Another size: the whole frame again. */
        grid_resize(prev, 3, 3);
        assert_non_null(strstr(grid_cast_diff(g, prev, 2.0, sgr, 2, buf, sizeof(buf)) ? buf : "",
                               "\\u001b[2J"));
        grid_destroy(prev);
    }
    n = grid_cast_marker(3.25, "beat 2", buf, sizeof(buf));
    assert_string_equal(buf, "[3.250000, \"m\", \"beat 2\"]\n");
    assert_int_equal(n, strlen(buf));
    grid_destroy(g);
}

/* Presenter mode at 100x30: map, ops and caption only, bigger boxes, nothing dim or plain. */
static void test_present_100x30(void **state)
{
    static const char *demo = "model echo\nnodes 3\nseed 7\nw1: put x 1 via n1\nrun 12ms\n";
    struct fixture f;
    struct draw_view v;
    struct draw_cursor cur;
    struct grid *g = grid_create(100, 30, false);
    char *frame = malloc(FRAME_MAX), *plain;

    (void)state;
    assert_non_null(frame);
    build(&f, demo);
    v = view(&f);
    plain = render(&f, &v, 100, 30, false);
    assert_non_null(strstr(plain, " events "));
    v.caption = "The leader acknowledges before any follower has the write.";
    v.present = true;
    draw_frame(g, script_run_engine(f.run), &v, &cur);
    grid_dump(g, frame, FRAME_MAX);
    assert_non_null(strstr(frame, "The leader acknowledges"));
    assert_null(strstr(frame, " events "));
    assert_non_null(strstr(frame, "n1"));
    assert_non_null(strstr(frame, "w1 put x=1 n1"));
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 100; x++) {
            int st = grid_at(g, x, y).style;
            assert_true(st != ST_DIM && st != ST_NORMAL && st != ST_LINK && st != ST_EV_SEND);
        }
    /* The map takes the rows the event log had: n1's box is found further down. */
    {
        int lowest_plain = -1, lowest_present = -1;
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 100; x++) {
                if (draw_node_at(script_run_engine(f.run), 100, 30, false, false, x, y) >= 0)
                    lowest_plain = y;
                if (draw_node_at(script_run_engine(f.run), 100, 30, false, true, x, y) >= 0)
                    lowest_present = y;
            }
        assert_true(lowest_present > lowest_plain);
    }
    golden("present_100x30", frame);
    free(plain);
    free(frame);
    grid_destroy(g);
    release(&f);
}

/* Is item (in its long or short form) on the frame whole? */
static bool verdict_whole(const char *frame, const char *longf, const char *shortf)
{
    return strstr(frame, longf) || strstr(frame, shortf);
}

/*
 * About 30 random sizes from 60x16 to 250x80 (a fixed seed), each with every view — the map,
 * the timeline, the clock view, the help overlay, a demo caption, presenter mode — on a
 * five-node cluster with a partition, a one-way cut and a lossy link: no pane writes outside
 * its rectangle, and the verdict block is whole (every check named, none cut mid-word).
 */
static void test_random_sizes(void **state)
{
    struct fixture f;
    struct timeline *tl;
    struct check_summary c;
    uint64_t rng = 0x5eed;
    char *frame = malloc(FRAME_MAX);

    (void)state;
    assert_non_null(frame);
    build(&f, "model leader\nnodes 5\nseed 3\nlink n1 n2 drop 30%\nw1: put x 1 via n1\n"
              "run 300ms\npartition n1 n2 | n3 n4 n5\ncut n3 -> n4\nw2: put x 2 via n1\n"
              "run 200ms\n");
    tl = timeline_of(&f);
    memset(&c, 0, sizeof(c));
    c.lin = CHECK_VIOLATED;
    snprintf(c.lin_first.key, sizeof(c.lin_first.key), "x");
    c.lost.lost = 1;
    c.split.count = 2;
    c.sess.ryw = 1;
    c.av.ok = 12;
    for (int k = 0; k < 30; k++) {
        int w, h;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        w = 60 + (int)((rng >> 33) % 191);
        h = 16 + (int)((rng >> 17) % 65);
        for (int view_k = 0; view_k < 6; view_k++) {
            struct draw_view v = view(&f);
            struct draw_cursor cur;
            struct grid *g = grid_create(w, h, false);
            int sc = 0;
            v.checks = &c;
            v.events = tl;
            if (view_k == 1) {
                v.timeline = tl;
                v.timeline_scroll = &sc;
            }
            v.clocks = view_k == 2;
            v.help = view_k == 3;
            if (view_k >= 4) {
                v.caption = "A partition: the majority side elects a new leader while the old "
                            "one still takes writes.";
                v.beat = true;
            }
            v.present = view_k == 5;
            draw_frame(g, script_run_engine(f.run), &v, &cur);
            grid_dump(g, frame, FRAME_MAX);
            if (grid_escapes(g) != 0)
                fail_msg("%dx%d view %d: %ld writes outside their pane:\n%s", w, h, view_k,
                         grid_escapes(g), frame);
            if (view_k != 3 &&
                !(verdict_whole(frame, "linearizable NO on x", "lin NO x") &&
                  verdict_whole(frame, "lost writes 1", "lost 1") &&
                  verdict_whole(frame, "split brain 2", "split 2") &&
                  verdict_whole(frame, "sessions broken: 1 ryw 0 mono 0 prefix", "sess 1")))
                fail_msg("%dx%d view %d: the verdict block is not whole:\n%s", w, h, view_k, frame);
            grid_destroy(g);
        }
    }
    timeline_destroy(tl);
    free(frame);
    release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_clips_and_dumps),
        cmocka_unit_test(test_message_in_flight_80x24),
        cmocka_unit_test(test_faults_on_the_map),
        cmocka_unit_test(test_faults_presented),
        cmocka_unit_test(test_timeline_one_instant),
        cmocka_unit_test(test_crashed_ascii_80x24),
        cmocka_unit_test(test_workload_verdicts_200x60),
        cmocka_unit_test(test_verdicts_violated_80x24),
        cmocka_unit_test(test_timeline),
        cmocka_unit_test(test_clocks_80x24),
        cmocka_unit_test(test_menu_80x24),
        cmocka_unit_test(test_pick_message_80x24),
        cmocka_unit_test(test_scrubber_80x24),
        cmocka_unit_test(test_quorum_view_200x60),
        cmocka_unit_test(test_quorum_view_64_nodes),
        cmocka_unit_test(test_search_mark_80x24),
        cmocka_unit_test(test_op_select_200x60),
        cmocka_unit_test(test_flash_120x40),
        cmocka_unit_test(test_link_select_80x24),
        cmocka_unit_test(test_command_error_and_help),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_click_finds_the_box),
        cmocka_unit_test(test_lesson_narration_80x24),
        cmocka_unit_test(test_lesson_task_120x40),
        cmocka_unit_test(test_lesson_quiz),
        cmocka_unit_test(test_lesson_list_80x24),
        cmocka_unit_test(test_lesson_spotlight_80x24),
        cmocka_unit_test(test_lesson_pane_short_of_room),
        cmocka_unit_test(test_demo_caption_100x30),
        cmocka_unit_test(test_cast_encoder),
        cmocka_unit_test(test_theme_sgr),
        cmocka_unit_test(test_present_100x30),
        cmocka_unit_test(test_random_sizes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
