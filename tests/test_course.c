/*
 * The shipped course at 80x24: every lesson in assets/lessons played step by
 * step (its quiz answered right, its own actions performed, time run until
 * its gate opens), with the lesson pane drawn at 80x24 at each stage. Nothing a
 * step asks of the learner may be cut: its narration when the step opens, its
 * question and every choice while the quiz is open, its task and what the gate
 * waits for while the task is open, and its success text once it is done.
 * A side-by-side lesson (%compare) is drawn as the side-by-side view draws
 * it: the models' columns above, the lesson pane across the bottom.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../engine/script.h"
#include "../engine/util.h"
#include "../lessons/lesson.h"
#include "../lessons/runner.h"
#include "../tui/compare_draw.h"
#include "../tui/draw.h"
#include "../tui/grid.h"

#define W      80
#define H      24
#define PANE_W 40 /* the lesson pane's width at 80 columns (draw.c's layout) */

/* Text as the pane shows it: Markdown marks dropped, every non-ASCII character one '?',
 * every run of spaces and line breaks one space. */
static void flatten(const char *src, char *dst, size_t size)
{
    size_t o = 0;
    bool space = true;

    for (const unsigned char *c = (const unsigned char *)src; *c && o + 2 < size; c++) {
        if (*c == '*' || *c == '`')
            continue;
        if ((*c & 0xc0) == 0x80)
            continue; /* a continuation byte: its character was counted at its lead byte */
        if (*c == ' ' || *c == '\n' || *c == '\t') {
            if (!space)
                dst[o++] = ' ';
            space = true;
            continue;
        }
        dst[o++] = *c >= 0x80 ? '?' : (char)*c;
        space = false;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

/* The inside of the pane whose top border is row y0 (w x h cells from x 0), row after row,
 * joined by spaces and flattened like the texts. */
static void pane_text(const struct grid *g, int y0, int w, int h, char *dst, size_t size)
{
    char raw[H * W * 2];
    size_t o = 0;

    for (int y = y0 + 1; y < y0 + h; y++) {
        for (int x = 1; x < w - 1; x++) {
            uint32_t ch = grid_at(g, x, y).ch;
            raw[o++] = ch == 0 ? ' ' : ch < 0x80 ? (char)ch : '?';
        }
        raw[o++] = '\n';
    }
    raw[o] = '\0';
    flatten(raw, dst, size);
}

struct play {
    const char *file;
    struct lesson l;
    struct lesson_runner *r;
    struct draw_lesson dl;
    char narration[LESSON_TEXT_MAX], success[LESSON_TEXT_MAX], explain[LESSON_TEXT_MAX];
};

/* Draws the frame at 80x24 and fails unless every text in want is on the pane. */
static void expect_in_view(struct play *p, const char *stage, const char *const *want, int n)
{
    struct grid *g = grid_create(W, H, false);
    struct draw_view v;
    struct draw_cursor cur;
    char seen[H * W * 2], text[LESSON_TEXT_MAX];
    const struct lesson_step *s = lesson_runner_current(p->r);

    memset(&v, 0, sizeof(v));
    v.title = p->l.id;
    v.speed = "0.05x";
    v.cmd = "";
    v.head_us = -1;
    p->dl.title = p->l.title;
    p->dl.step = lesson_runner_step(p->r);
    p->dl.n_steps = p->l.n_steps;
    p->dl.s = s;
    p->dl.phase = lesson_runner_phase(p->r);
    p->dl.answered = lesson_runner_answered(p->r);
    p->dl.waiting = lesson_runner_waiting(p->r);
    p->dl.stuck = lesson_runner_stuck(p->r);
    p->dl.evidence = lesson_runner_evidence(p->r);
    p->dl.finished = lesson_runner_finished(p->r);
    p->dl.explain_ready = lesson_runner_explain_ready(p->r);
    p->dl.hints_total = lesson_runner_hints_total(p->r);
    p->dl.lamport = p->l.show_lamport;
    lesson_runner_expand(p->r, s->narration, p->narration, sizeof(p->narration));
    lesson_runner_expand(p->r, s->success, p->success, sizeof(p->success));
    lesson_runner_expand(p->r, s->quiz.explain, p->explain, sizeof(p->explain));
    p->dl.narration = p->narration;
    p->dl.success = p->success;
    p->dl.explain = p->explain;
    v.lesson = &p->dl;
    if (p->l.n_models > 0) {
        /* Side by side: the columns above, the pane across the bottom, above the message. */
        struct compare_screen cs;
        int rows = compare_draw_lesson_rows(W, H);
        char frame[(W * 4 + 1) * H];
        memset(&cs, 0, sizeof(cs));
        cs.title = p->l.id;
        cs.now_us = lesson_runner_now(p->r);
        cs.head_us = -1;
        cs.speed = "0.25x";
        cs.lesson = &p->dl;
        compare_draw(g, lesson_runner_compare(p->r), &cs, &cur);
        pane_text(g, H - 2 - rows, W, rows, seen, sizeof(seen));
        grid_dump(g, frame, sizeof(frame));
        for (int k = 0; k < compare_draw_columns(W, p->l.n_models); k++) {
            char head[32]; /* a column's title, as much as a 39-cell column shows */
            snprintf(head, sizeof(head), "%s", p->l.models[k]->title);
            if (!strstr(frame, head))
                fail_msg("%s, step '%s': no column for model %s at %dx%d", p->file, s->id,
                         p->l.models[k]->name, W, H);
        }
    } else {
        draw_frame(g, script_run_engine(lesson_runner_run(p->r)), &v, &cur);
        pane_text(g, 0, PANE_W, H - 2, seen, sizeof(seen));
    }
    {
        /* The map shows a Lamport clock, in words, only in a lesson that teaches it. */
        char frame[(W * 4 + 1) * H];
        grid_dump(g, frame, sizeof(frame));
        if (p->l.show_lamport && !strstr(frame, "lamport "))
            fail_msg("%s, step '%s': the boxes do not show the Lamport clock in words", p->file,
                     s->id);
    }
    for (int i = 0; i < n; i++) {
        flatten(want[i], text, sizeof(text));
        if (text[0] && !strstr(seen, text))
            fail_msg("%s, step '%s' (%s) at %dx%d: '%s' is cut from the lesson pane, which shows: "
                     "%s",
                     p->file, s->id, stage, W, H, text, seen);
    }
    grid_destroy(g);
}

/* Runs time until the step's gate opens (at most 60 s of virtual time). */
static void run_to_gate(struct play *p)
{
    int64_t limit = lesson_runner_now(p->r) + 60000000;
    struct script_error err;
    struct runner_advance adv;

    while (lesson_runner_phase(p->r) == RUNNER_TASK && lesson_runner_now(p->r) < limit)
        assert_int_equal(
            lesson_runner_advance(p->r, lesson_runner_now(p->r) + 10000, false, &adv, &err), 0);
    if (lesson_runner_phase(p->r) != RUNNER_DONE)
        fail_msg("%s, step '%s': the gate never opened", p->file, lesson_runner_current(p->r)->id);
}

static void play_lesson(const char *path, bool legend_only)
{
    struct play *p = calloc(1, sizeof(*p));
    struct script_error err;
    size_t len;
    char *text;
    FILE *f = fopen(path, "rb");
    long n;

    assert_non_null(p);
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = xmalloc((size_t)n + 1);
    len = fread(text, 1, (size_t)n, f);
    text[len] = '\0';
    fclose(f);
    p->file = path;
    if (lesson_parse(path, text, len, &p->l, &err) < 0)
        fail_msg("%s:%d:%d: %s", path, err.line, err.col, err.msg);
    free(text);
    assert_int_equal(lesson_runner_create(&p->l, 0, &p->r, &err), 0);
    if (legend_only) {
        /* i: the legend takes the pane, whole, at 80x24. */
        static const char *const want[] = {
            "The map",
            "A box is a node, a line a link, a moving dot a message.",
            "after the *epoch* (`epoch 2`; `e2` in a narrow box).",
            "named on top (`group 1`; `g1` when narrow).",
            "Clock line (`clock 1.2s`): its wall clock",
            "`hw`: the *high watermark*; `lamport` (clocks lesson): the *Lamport clock*.",
            "`i` goes back to the step.",
        };
        p->dl.legend = true;
        expect_in_view(p, "the legend", want, (int)(sizeof(want) / sizeof(want[0])));
        p->dl.legend = false;
        lesson_runner_destroy(p->r);
        lesson_release(&p->l);
        free(p);
        return;
    }
    for (;;) {
        const struct lesson_step *s = lesson_runner_current(p->r);
        if (lesson_runner_phase(p->r) == RUNNER_QUIZ) {
            const char *want[LESSON_MAX_CHOICES + 3];
            int k = 0;
            want[k++] = s->narration; /* the step's first view: nothing read yet */
            want[k++] = s->quiz.question;
            for (int i = 0; i < s->quiz.n_choices; i++)
                want[k++] = s->quiz.choices[i];
            want[k++] = "Enter answers";
            expect_in_view(p, "its question", want, k);
            lesson_runner_answer(p->r, s->quiz.correct);
        }
        if (lesson_runner_phase(p->r) == RUNNER_TASK) {
            const char *want[3] = {s->task, NULL, s->has_quiz ? "" : s->narration};
            assert_int_equal(lesson_runner_show_me(p->r, &err), 0);
            lesson_runner_poll(p->r);
            if (lesson_runner_phase(p->r) == RUNNER_TASK) {
                char waiting[SCRIPT_MSG_MAX + 16];
                snprintf(waiting, sizeof(waiting), "Waiting for: %s", lesson_runner_waiting(p->r));
                want[1] = waiting;
                expect_in_view(p, "its task", want, 3);
                run_to_gate(p);
            }
        }
        {
            /* A step with nothing to do is read: its narration must be whole. */
            const char *want[3] = {s->success, NULL,
                                   s->has_quiz || s->n_checks ? "" : s->narration};
            char success[LESSON_TEXT_MAX];
            lesson_runner_expand(p->r, s->success, success, sizeof(success));
            want[0] = success;
            want[1] = lesson_runner_finished(p->r) ? "The lesson is complete."
                                                   : "> goes to the next step.";
            expect_in_view(p, "done", want, 3);
        }
        if (!lesson_runner_next(p->r))
            break;
    }
    lesson_runner_destroy(p->r);
    lesson_release(&p->l);
    free(p);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_course_at_80x24(void **state)
{
    DIR *d = opendir("assets/lessons");
    struct dirent *ent;
    char *names[64];
    int n = 0;

    (void)state;
    assert_non_null(d);
    while ((ent = readdir(d)) != NULL && n < 64) {
        size_t l = strlen(ent->d_name);
        if (l > 7 && strcmp(ent->d_name + l - 7, ".lesson") == 0) {
            names[n] = xmalloc(l + 32);
            snprintf(names[n], l + 32, "assets/lessons/%s", ent->d_name);
            n++;
        }
    }
    closedir(d);
    assert_true(n >= 16);
    qsort(names, (size_t)n, sizeof(names[0]), by_name);
    for (int i = 0; i < n; i++) {
        play_lesson(names[i], false);
        free(names[i]);
    }
}

static void test_legend_at_80x24(void **state)
{
    (void)state;
    play_lesson("assets/lessons/01-welcome.lesson", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_course_at_80x24),
        cmocka_unit_test(test_legend_at_80x24),
    };

    return cmocka_run_group_tests_name("course", tests, NULL, NULL);
}
