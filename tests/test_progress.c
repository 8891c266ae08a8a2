/* Lesson progress on disk: saved whole under a lock, damage reported (lessons/progress.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../engine/util.h"
#include "../lessons/progress.h"

static char dir[128];
static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sbprogress.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/state/progress", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[200];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_raw(const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_round_trip(void **state)
{
    struct progress *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
    char why[1200];

    (void)state;
    assert_int_equal(progress_load(p, path, why, sizeof(why)), 0); /* missing: no progress */
    assert_int_equal(p->n, 0);
    assert_true(progress_set(p, "welcome", 1, 3, false));
    assert_true(progress_set(p, "quorums", 2, 7, true));
    assert_int_equal(progress_save(p, why, sizeof(why)), 0);
    assert_int_equal(progress_load(q, path, why, sizeof(why)), 0);
    assert_int_equal(q->n, 2);
    assert_int_equal(progress_get(q, "welcome", 1)->step, 3);
    assert_true(progress_get(q, "quorums", 2)->done);
    free(p);
    free(q);
}

static void test_damage_is_reported(void **state)
{
    struct progress *p = calloc(1, sizeof(*p));
    char why[1200];

    (void)state;
    write_raw("");
    assert_int_equal(progress_load(p, path, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "empty"));
    write_raw("# header\nwelcome one 3 open\n");
    assert_int_equal(progress_load(p, path, why, sizeof(why)), -1);
    assert_non_null(strstr(why, ":2:1: expected"));
    /* A folder where the file should be cannot be read: said, not taken for no progress. */
    unlink(path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(progress_load(p, path, why, sizeof(why)), -1);
    rmdir(path);
    if (geteuid() != 0) { /* root reads anything */
        write_raw("# header\n");
        chmod(path, 0);
        assert_int_equal(progress_load(p, path, why, sizeof(why)), -1);
        chmod(path, 0600);
    }
    free(p);
}

/* One writer: saves its own progress (n entries, all with the same step) rounds times. */
static void writer(int n, int rounds)
{
    struct progress *p = calloc(1, sizeof(*p));
    char why[1200], id[32];

    if (!p)
        _exit(3);
    util_strlcpy(p->path, path, sizeof(p->path));
    for (int r = 0; r < rounds; r++) {
        p->n = 0;
        for (int i = 0; i < n; i++) {
            snprintf(id, sizeof(id), "lesson-%d", i);
            progress_set(p, id, 1, n, false);
        }
        if (progress_save(p, why, sizeof(why)) < 0) {
            fprintf(stderr, "writer %d: %s\n", n, why);
            _exit(1);
        }
    }
    free(p);
    _exit(0);
}

/*
 * Two processes save in a loop (one 5 entries, one 40) while this one reads: every read must
 * see one writer's whole file — never an empty, missing or torn one — and no temporary file
 * may be left behind.
 */
static void test_two_writers_never_tear(void **state)
{
    struct progress *p = calloc(1, sizeof(*p));
    char why[1200];
    pid_t a, b;
    int st, reads = 0, seen5 = 0, seen40 = 0;

    (void)state;
    assert_int_equal(progress_set(p, "start", 1, 5, false), true);
    util_strlcpy(p->path, path, sizeof(p->path));
    assert_int_equal(progress_save(p, why, sizeof(why)), 0);
    a = fork();
    if (a == 0)
        writer(5, 100);
    b = fork();
    if (b == 0)
        writer(40, 100);
    for (;;) {
        pid_t done = waitpid(-1, &st, WNOHANG);
        assert_int_equal(progress_load(p, path, why, sizeof(why)), 0);
        assert_true(p->n == 1 || p->n == 5 || p->n == 40);
        for (int i = 0; i < p->n; i++)
            assert_int_equal(p->e[i].step, p->n == 1 ? 5 : p->n); /* one writer's, whole */
        seen5 += p->n == 5;
        seen40 += p->n == 40;
        reads++;
        if (done > 0) {
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            assert_true(waitpid(done == a ? b : a, &st, 0) > 0);
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            break;
        }
    }
    assert_true(reads > 0);
    assert_true(seen5 + seen40 > 0);
    /* Only the file and its lock are left: no temporary file of either writer. */
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "test $(ls -A '%s/state' | wc -l) -eq 2", dir);
        assert_int_equal(system(cmd), 0);
    }
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damage_is_reported),
        cmocka_unit_test(test_two_writers_never_tear),
    };

    return cmocka_run_group_tests_name("progress", tests, setup, teardown);
}
