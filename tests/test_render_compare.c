/*
 * test_render_compare: the side-by-side screen of `splitbrain compare`, drawn
 * into the grid as the terminal would show it. At 160 columns every model has
 * a column; at 80 two do, and the next pair is a Tab away. Each column shows
 * its own model's map, ops and verdicts on the one shared clock.
 *
 * Golden frames live in tests/render/compare_*.txt; regenerate on purpose:
 *   make render-golden   (SPLITBRAIN_UPDATE_GOLDEN=1 test_render_compare)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/compare.h"
#include "../tui/compare_draw.h"
#include "../tui/draw.h"
#include "../tui/grid.h"

#define FRAME_MAX (GRID_MAX_W * 4 + 1) * 80

/* Writes on both sides of a partition, stopped while it holds. */
static const char *scenario = "nodes 3\nseed 5\nlatency 10ms..30ms\n"
                              "for leader: set min_insync 2\nfor multi: set resolve lww\n"
                              "a1: put x a1 via n1\nb1: put x b1 via n2\nrun 500ms\n"
                              "partition n1 | n2 n3\nrun 100ms\na2: put x a2 via n1\n"
                              "b2: put x b2 via n2\nrun 1s\n";

struct fixture {
    struct compare c;
    struct check_summary checks[COMPARE_MAX_MODELS];
};

static void build(struct fixture *f, int64_t t_us)
{
    const struct model_ops *m[3] = {model_find("leader"), model_find("multi"),
                                    model_find("leaderless")};
    struct script_error err;

    if (compare_parse(&f->c, "partition.scn", scenario, strlen(scenario), m, 3, &err) < 0)
        fail_msg("%d:%d: %s", err.line, err.col, err.msg);
    compare_start(&f->c, -1, NULL);
    assert_int_equal(compare_play_to(&f->c, t_us, &err), 0);
    for (int k = 0; k < 3; k++)
        check_summary_run(script_run_engine(f->c.runs[k]), script_run_recorder(f->c.runs[k]), 20000,
                          CHECK_PARTS_SCREEN, &f->checks[k]);
}

static char *render(struct fixture *f, int w, int h, int first, int64_t now_us)
{
    struct grid *g = grid_create(w, h, true);
    struct compare_screen s;
    struct draw_cursor cur;
    char *text = malloc(FRAME_MAX);

    assert_non_null(text);
    memset(&s, 0, sizeof(s));
    s.title = "assets/scenarios/compare/partition.scn";
    s.now_us = now_us;
    s.head_us = -1;
    s.paused = true;
    s.speed = "0.25x"; /* the default step (speed.h) */
    s.first = first;
    s.checks = f->checks;
    compare_draw(g, &f->c, &s, &cur);
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
    if (strcmp(want, frame) != 0) {
        fprintf(stderr, "frame differs from %s; the frame drawn:\n%s", path, frame);
        free(want);
        fail_msg("%s: frame differs", path);
    }
    free(want);
}

/* The line of frame that holds needle, copied into line; false when none does. */
static bool line_with(const char *frame, const char *needle, char *line, size_t size)
{
    const char *p = strstr(frame, needle), *b, *e;

    if (!p)
        return false;
    for (b = p; b > frame && b[-1] != '\n'; b--)
        ;
    e = strchr(p, '\n');
    snprintf(line, size, "%.*s", (int)(e ? e - b : (long)strlen(b)), b);
    return true;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_three_columns_160x48(void **state)
{
    struct fixture f;
    char *frame, line[1024];

    (void)state;
    build(&f, 1600000);
    frame = render(&f, 160, 48, 0, 1600000);
    /* One column per model, titled with the model, in one row. */
    assert_true(line_with(frame, "leader:", line, sizeof(line)));
    assert_non_null(strstr(line, "multi-leader"));
    assert_non_null(strstr(line, "leaderless"));
    /* The partition is drawn in each map: three cut n1-n2 links at least. */
    assert_int_equal(count(frame, "ops (4)"), 3);
    /* Each column's verdicts, side by side: the leader refused the minority's writes
     * (min_insync 2), multi-leader took both sides. */
    assert_true(line_with(frame, "a2 put x=a2", line, sizeof(line)));
    assert_int_equal(count(line, "a2 put x=a2"), 3);
    assert_non_null(strstr(line, "fail"));
    assert_int_equal(count(frame, "linearizable"), 3);
    assert_non_null(strstr(frame, "t=1.600s"));
    assert_null(strstr(frame, "models 1-2 of 3"));
    golden("compare_three_160x48", frame);
    free(frame);
    compare_release(&f.c);
}

static void test_two_columns_80x24(void **state)
{
    struct fixture f;
    char *frame, line[1024];

    (void)state;
    build(&f, 1600000);
    frame = render(&f, 80, 24, 0, 1600000);
    assert_true(line_with(frame, "leader:", line, sizeof(line)));
    assert_non_null(strstr(line, "multi-leader"));
    assert_null(strstr(frame, "leaderless"));
    assert_non_null(strstr(frame, "models 1-2 of 3"));
    assert_non_null(strstr(frame, "Tab"));
    assert_int_equal(count(frame, "lin"), 2);
    golden("compare_two_80x24", frame);
    free(frame);
    /* Tab: the next pair, multi and leaderless. */
    frame = render(&f, 80, 24, 1, 1600000);
    assert_true(line_with(frame, "multi-leader", line, sizeof(line)));
    assert_non_null(strstr(line, "leaderless"));
    assert_non_null(strstr(frame, "models 2-3 of 3"));
    golden("compare_two_next_80x24", frame);
    free(frame);
    compare_release(&f.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_columns_160x48),
        cmocka_unit_test(test_two_columns_80x24),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
