/*
 * test_render: frames of known states drawn into the project's cell grid
 * (tui/grid.c + tui/draw.c, no terminal) and compared with stored frames in
 * tests/render/: a message mid-flight, a partition with a doomed message, a
 * crashed node in ASCII, the help overlay, 80x24 and 200x60, and a window
 * too small to use. Each test also asserts what the frame must show, so a
 * regenerated golden file cannot hide a lost state.
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
#include "../tui/draw.h"
#include "../tui/grid.h"
#include "../tui/keys.h"

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

static void test_partition_200x60(void **state)
{
    struct fixture f;
    struct draw_view v;
    char *frame;

    (void)state;
    build(&f, "model echo\nnodes 5\nseed 3\nlatency 20ms..40ms\npartition n1 n2 | n3 n4 n5\n"
              "w1: put x 1 via n1\nrun 10ms\n");
    v = view(&f);
    v.selected = 2;
    frame = render(&f, &v, 200, 60, false);
    /* Cut links carry the cut mark; the echo to the far side is marked as lost. */
    assert_non_null(strstr(frame, "\xe2\x95\xb3"));
    assert_non_null(strstr(frame, "echo x=1 lost"));
    assert_non_null(strstr(frame, "g2"));
    assert_non_null(strstr(frame, "n3 replica"));
    golden("partition_200x60", frame);
    free(frame);
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
                if (draw_node_at(80, 24, 3, x, y) == node) {
                    fx = x;
                    fy = y;
                }
        assert_true(fx >= 0);
        assert_true(grid_at(g, fx, fy).ch == '+' || grid_at(g, fx, fy).ch == '#');
        assert_int_equal(grid_at(g, fx + 1, fy).ch, 'n');
        assert_int_equal(grid_at(g, fx + 2, fy).ch, (uint32_t)('1' + node));
    }
    assert_int_equal(draw_node_at(80, 24, 3, 0, 23), -1);
    assert_int_equal(draw_node_at(40, 10, 3, 5, 5), -1); /* too small to lay out */
    grid_destroy(g);
    release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_clips_and_dumps),
        cmocka_unit_test(test_message_in_flight_80x24),
        cmocka_unit_test(test_partition_200x60),
        cmocka_unit_test(test_crashed_ascii_80x24),
        cmocka_unit_test(test_command_error_and_help),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_click_finds_the_box),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
