/* The command-line table's parser (tui/cli/cli.c) and the data path (tui/datadir.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tui/cli/cli.h"
#include "../tui/datadir.h"

static int ran;

static int run_cmd(const struct cli_args *a)
{
    (void)a;
    ran++;
    return 0;
}

static const struct cli_opt opts[] = {
    {"seed", 's', "N", "the seed"},
    {"set", 0, "K=V", "a parameter"},
    {"quiet", 'q', NULL, "say less"},
    {"trace", 't', "FILE", "the trace"},
    {NULL, 0, NULL, NULL},
};

static const struct cli_cmd table[] = {
    {"run", "FILE", "run a file", 1, 1, opts, run_cmd, NULL},
    {"lint", "FILE...", "lint files", 1, -1, NULL, run_cmd, "check"},
    {"models", "", "the models", 0, 0, NULL, run_cmd, NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

/* Parses a NULL-terminated list of words against the command named by the first; the error
 * text goes to errbuf. */
static int parse(struct cli_args *a, char *errbuf, size_t size, ...)
{
    char *argv[32];
    int argc = 0, r;
    va_list ap;
    FILE *err = fmemopen(errbuf, size, "w");

    assert_non_null(err);
    va_start(ap, size);
    for (char *w; (w = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = w;
    va_end(ap);
    argv[argc] = NULL;
    memset(errbuf, 0, size);
    r = cli_parse(cli_find(table, argv[0]), argc, argv, a, err);
    fclose(err);
    return r;
}

static void test_values_both_spellings(void **state)
{
    struct cli_args *a = malloc(sizeof(*a));
    char err[512];
    char w[][16] = {"run", "--seed", "9", "f.scn", "--seed=10", "-s11", "-q", "--trace=-"};

    (void)state;
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[1], w[2], w[3], (char *)NULL), 0);
    assert_string_equal(cli_value(a, "seed"), "9");
    assert_int_equal(a->argc, 1);
    assert_string_equal(a->argv[0], "f.scn");
    assert_false(cli_flag(a, "quiet"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[3], w[4], (char *)NULL), 0);
    assert_string_equal(cli_value(a, "seed"), "10");
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[5], w[3], w[6], w[7], (char *)NULL), 0);
    assert_string_equal(cli_value(a, "seed"), "11");
    assert_true(cli_flag(a, "quiet"));
    assert_string_equal(cli_value(a, "trace"), "-");
    assert_null(cli_value(a, "set"));
    free(a);
}

static void test_repeated_and_operands_after_dashdash(void **state)
{
    struct cli_args *a = malloc(sizeof(*a));
    const char *sets[4];
    char err[512];
    char w[][16] = {"run", "--set", "a=1", "--set=b=2", "--", "-odd-name"};

    (void)state;
    setenv("POSIXLY_CORRECT", "1", 1); /* options after operands must still be options */
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[1], w[2], w[3], w[4], w[5], (char *)NULL),
                     0);
    unsetenv("POSIXLY_CORRECT");
    assert_int_equal(cli_values(a, "set", sets, 4), 2);
    assert_string_equal(sets[0], "a=1");
    assert_string_equal(sets[1], "b=2");
    assert_int_equal(a->argc, 1);
    assert_string_equal(a->argv[0], "-odd-name");
    free(a);
}

static void test_errors_say_what(void **state)
{
    struct cli_args *a = malloc(sizeof(*a));
    char err[512];
    char w[][16] = {"run", "--sed", "1", "f", "--quiet=1", "--se", "--seed", "g", "-z", "models"};

    (void)state;
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[1], w[2], w[3], (char *)NULL), -1);
    assert_non_null(strstr(err, "unknown option '--sed'; did you mean '--seed'?"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[3], w[4], (char *)NULL), -1);
    assert_non_null(strstr(err, "--quiet takes no value"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[3], w[5], w[2], (char *)NULL), -1);
    assert_non_null(strstr(err, "--se is ambiguous: --seed, --set"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[3], w[6], (char *)NULL), -1);
    assert_non_null(strstr(err, "--seed needs a value"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[3], w[7], (char *)NULL), -1);
    assert_non_null(strstr(err, "'g' is one operand too many"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], (char *)NULL), -1);
    assert_non_null(strstr(err, "FILE missing"));
    assert_int_equal(parse(a, err, sizeof(err), w[0], w[3], w[8], (char *)NULL), -1);
    assert_non_null(strstr(err, "unknown option '-z'"));
    assert_int_equal(parse(a, err, sizeof(err), w[9], w[3], (char *)NULL), -1);
    assert_non_null(strstr(err, "takes no operand"));
    /* Every error shows the usage line. */
    assert_non_null(strstr(err, "usage: splitbrain models"));
    free(a);
}

static void test_help_and_table(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    cli_help(&table[0], f);
    cli_usage(table, f);
    fclose(f);
    /* The help names every option of the row, and --help; the usage every command. */
    for (const struct cli_opt *o = opts; o->name; o++) {
        char want[64];
        snprintf(want, sizeof(want), "--%s", o->name);
        assert_non_null(strstr(buf, want));
    }
    assert_non_null(strstr(buf, "-h, --help"));
    assert_non_null(strstr(buf, "usage: splitbrain run FILE [--seed N] [--set K=V] [--quiet]"));
    assert_non_null(strstr(buf, "  lint FILE..."));
    assert_non_null(strstr(buf, "-V, --version"));
    free(buf);
    assert_ptr_equal(cli_find(table, "check"), &table[1]);
    assert_null(cli_find(table, "nope"));
    assert_string_equal(cli_suggest_cmd(table, "lnit"), "lint");
    assert_null(cli_suggest_cmd(table, "xyzzy"));
}

static void test_fclose_reports_a_failed_write(void **state)
{
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    if (!f)
        skip();
    fprintf(f, "lost\n");
    assert_int_equal(cli_fclose(f), -1);
    f = tmpfile();
    assert_non_null(f);
    fprintf(f, "kept\n");
    assert_int_equal(cli_fclose(f), 0);
}

/* ---- the data path ---- */

static char root[256];

static void put_file(const char *rel, const char *text)
{
    char path[512], dir[512], *slash;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    for (char *c = dir + 1; (slash = strchr(c, '/')) != NULL; c = slash + 1) {
        *slash = '\0';
        mkdir(dir, 0700);
        *slash = '/';
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int data_setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/sbdata.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    put_file("data/scenarios/tour.scn", "# A first look.\nmodel echo\n");
    put_file("data/scenarios/leader/acks_one_loss.scn", "# Async loses a write.\n");
    put_file("data/scenarios/leader/siblings.scn", "# one\n");
    put_file("data/scenarios/multi/siblings.scn", "# two\n");
    put_file("data/demos/01-async-failover.demo", "# Demo: failover.\n");
    put_file("data/demos/02-split-brain.demo", "# Demo: two leaders.\n");
    put_file("xdg/splitbrain/scenarios/tour.scn", "# Mine, hidden by SPLITBRAIN_DATA.\n");
    put_file("xdg/splitbrain/scenarios/mine.scn", "# Only mine.\n");
    {
        char d[300], x[300];
        snprintf(d, sizeof(d), "%s/data", root);
        snprintf(x, sizeof(x), "%s/xdg", root);
        setenv("SPLITBRAIN_DATA", d, 1);
        setenv("XDG_DATA_HOME", x, 1);
        setenv("XDG_DATA_DIRS", "/nonexistent", 1);
    }
    return 0;
}

static int data_teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void expect_path(enum datadir_kind k, const char *name, const char *rel)
{
    char path[DATADIR_PATH_MAX], why[1200], want[600];

    snprintf(want, sizeof(want), "%s/%s", root, rel);
    assert_int_equal(datadir_resolve(k, name, path, sizeof(path), why, sizeof(why)), 0);
    /* The roots are real paths; the temporary folder may sit behind a link. */
    assert_non_null(strstr(path, rel));
    (void)want;
}

static void test_names_find_files(void **state)
{
    (void)state;
    expect_path(DATADIR_SCENARIOS, "tour", "data/scenarios/tour.scn");
    expect_path(DATADIR_SCENARIOS, "tour.scn", "data/scenarios/tour.scn");
    expect_path(DATADIR_SCENARIOS, "acks-one-loss", "data/scenarios/leader/acks_one_loss.scn");
    expect_path(DATADIR_SCENARIOS, "ACKS_one_loss", "data/scenarios/leader/acks_one_loss.scn");
    expect_path(DATADIR_SCENARIOS, "multi/siblings", "data/scenarios/multi/siblings.scn");
    expect_path(DATADIR_SCENARIOS, "mine", "xdg/splitbrain/scenarios/mine.scn");
    expect_path(DATADIR_DEMOS, "split-brain", "data/demos/02-split-brain.demo");
    expect_path(DATADIR_DEMOS, "02-split-brain.demo", "data/demos/02-split-brain.demo");
    expect_path(DATADIR_DEMOS, "1", "data/demos/01-async-failover.demo");
}

static void test_names_that_fail_say_why(void **state)
{
    char path[DATADIR_PATH_MAX], why[1200];

    (void)state;
    assert_int_equal(
        datadir_resolve(DATADIR_SCENARIOS, "siblings", path, sizeof(path), why, sizeof(why)), -1);
    assert_non_null(strstr(why, "could be leader/siblings or multi/siblings"));
    assert_int_equal(
        datadir_resolve(DATADIR_SCENARIOS, "acks-one-los", path, sizeof(path), why, sizeof(why)),
        -1);
    assert_non_null(strstr(why, "did you mean 'acks-one-loss'?"));
    assert_int_equal(
        datadir_resolve(DATADIR_SCENARIOS, "./nope.scn", path, sizeof(path), why, sizeof(why)), -1);
    assert_non_null(strstr(why, "no such file"));
    assert_int_equal(datadir_resolve(DATADIR_DEMOS, "99", path, sizeof(path), why, sizeof(why)),
                     -1);
}

static void test_list_merges_roots_first_wins(void **state)
{
    struct datadir_list *l = malloc(sizeof(*l));
    int tour = 0;

    (void)state;
    datadir_list(DATADIR_SCENARIOS, l);
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, "tour") == 0) {
            tour++;
            assert_non_null(strstr(l->items[i].path, "/data/scenarios/tour.scn"));
        }
        if (i > 0)
            assert_true(strcmp(l->items[i - 1].name, l->items[i].name) < 0);
    }
    assert_int_equal(tour, 1);
    free(l);
}

int main(void)
{
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_values_both_spellings),
        cmocka_unit_test(test_repeated_and_operands_after_dashdash),
        cmocka_unit_test(test_errors_say_what),
        cmocka_unit_test(test_help_and_table),
        cmocka_unit_test(test_fclose_reports_a_failed_write),
    };
    const struct CMUnitTest data[] = {
        cmocka_unit_test(test_names_find_files),
        cmocka_unit_test(test_names_that_fail_say_why),
        cmocka_unit_test(test_list_merges_roots_first_wins),
    };
    int r = cmocka_run_group_tests_name("cli", cli, NULL, NULL);

    (void)ran;
    return r | cmocka_run_group_tests_name("datadir", data, data_setup, data_teardown);
}
