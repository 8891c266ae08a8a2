/* The settings file (tui/config.c): good files, bad files with FILE:LINE, and precedence. */
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

#include "../tui/config.h"

static int parse(struct config *c, const char *text, char *why, size_t size)
{
    return config_parse_text(c, "cfg", text, strlen(text), why, size);
}

static void test_builtin(void **state)
{
    struct config c;
    char v[64];

    (void)state;
    config_init(&c);
    for (int k = 0; k < CONFIG_COUNT; k++)
        assert_int_equal(c.source[k], CONFIG_BUILTIN);
    config_value(&c, CONFIG_SPEED, v, sizeof(v));
    assert_string_equal(v, "0.25x");
    config_value(&c, CONFIG_PRESENTER_SPEED, v, sizeof(v));
    assert_string_equal(v, "0.1x");
    config_value(&c, CONFIG_WORKLOAD, v, sizeof(v));
    assert_string_equal(v, "2/s");
    assert_true(c.mouse && c.colour && !c.ascii && c.idle_skip);
}

static void test_good_file(void **state)
{
    struct config c;
    char why[400];

    (void)state;
    config_init(&c);
    assert_int_equal(parse(&c,
                           "; my settings\n"
                           "# for the projector\n"
                           "[speed]\n"
                           "default = 0.1x\n"
                           "presenter=0.01\n"
                           "idle-skip = no\n"
                           "\n"
                           "[display]\n"
                           "theme = high-contrast ; for the room\n"
                           "ascii = true\n"
                           "colour = off\n"
                           "mouse = no\n"
                           "[sandbox]\n"
                           "workload = 5/s keys a,b\n",
                           why, sizeof(why)),
                     0);
    assert_true(c.speed > 0.099 && c.speed < 0.101);
    assert_true(c.presenter_speed > 0.0099 && c.presenter_speed < 0.0101);
    assert_true(!c.idle_skip && c.ascii && !c.colour && !c.mouse);
    assert_int_equal(c.theme, CONFIG_THEME_HIGH_CONTRAST);
    assert_string_equal(c.workload, "5/s keys a,b");
    assert_int_equal(c.source[CONFIG_SPEED], CONFIG_FILE);
    assert_int_equal(c.line[CONFIG_SPEED], 4);
    assert_int_equal(c.line[CONFIG_WORKLOAD], 14);
    /* A file that sets nothing leaves everything built in. */
    config_init(&c);
    assert_int_equal(parse(&c, "", why, sizeof(why)), 0);
    assert_int_equal(parse(&c, "[display]\n", why, sizeof(why)), 0);
    assert_int_equal(c.source[CONFIG_THEME], CONFIG_BUILTIN);
    assert_int_equal(parse(&c, "[sandbox]\nworkload = off\n", why, sizeof(why)), 0);
    assert_string_equal(c.workload, "off");
}

/* Each bad file: the message starts "cfg:LINE: " and says what, and the settings are unchanged. */
static void test_bad_files(void **state)
{
    static const struct {
        const char *text;
        int line;
        const char *says;
    } bad[] = {
        {"speed = 1x\n", 1, "outside a section"},
        {"[colours]\ntheme = light\n", 2, "unknown section [colours]"},
        {"[speed]\ndefualt = 1x\n", 2, "did you mean 'default'?"},
        {"[speed]\nwarp = 9\n", 2, "unknown setting 'warp' in [speed]"},
        {"[speed]\ndefault = fast\n", 2, "takes a speed from 0.001x to 10x"},
        {"[speed]\ndefault = 0x\n", 2, "takes a speed"},
        {"[speed]\ndefault = 100x\n", 2, "takes a speed"},
        {"[speed]\n\ndefault = 1x\ndefault = 2x\n", 4, "set twice (first on line 3)"},
        {"[display]\nascii = maybe\n", 2, "takes yes or no, not 'maybe'"},
        {"[display]\ntheme = hi-contrast\n", 2, "did you mean 'high-contrast'?"},
        {"[display]\ntheme = dark\n", 2, "expected default, high-contrast or light"},
        {"[display]\nmouse =\n", 2, "has no value"},
        {"[sandbox]\nworkload = 2/s/s\n", 2, "sandbox.workload '2/s/s'"},
        {"[speed]\nthis line has no equals sign\n", 2, "expected [section], NAME = VALUE"},
        {"[speed\n", 1, "expected [section]"},
        {"[display]\nascii = no\n  yes\n", 3, "set twice"},
    };
    char why[400], want[64];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct config c, before;
        config_init(&c);
        before = c;
        if (parse(&c, bad[i].text, why, sizeof(why)) != -1)
            fail_msg("bad file %zu was taken: %s", i, bad[i].text);
        snprintf(want, sizeof(want), "cfg:%d: ", bad[i].line);
        if (strncmp(why, want, strlen(want)) != 0 || !strstr(why, bad[i].says))
            fail_msg("bad file %zu: got '%s', want '%s...%s'", i, why, want, bad[i].says);
        assert_memory_equal(&c, &before, sizeof(c));
    }
}

static void test_long_line_and_nul(void **state)
{
    struct config c;
    char why[400], text[600];

    (void)state;
    config_init(&c);
    memset(text, 'a', sizeof(text));
    memcpy(text, "[speed]\n", 8);
    text[sizeof(text) - 2] = '\n';
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(parse(&c, text, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "cfg:"));
    assert_int_equal(config_parse_text(&c, "cfg", "[speed]\n\0x", 10, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "cfg:2: a NUL byte"));
}

/* built in < file < environment: the file and NO_COLOR, read from where XDG_CONFIG_HOME says. */
static void test_precedence_and_files(void **state)
{
    char dir[] = "/tmp/sbconfig.XXXXXX", sub[80], path[120], why[400], cmd[160];
    struct config c;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    setenv("XDG_CONFIG_HOME", dir, 1);
    unsetenv("NO_COLOR");
    assert_int_equal(config_effective(&c, why, sizeof(why)), 0); /* no file: built in */
    assert_false(c.found);
    assert_int_equal(c.source[CONFIG_COLOUR], CONFIG_BUILTIN);
    snprintf(sub, sizeof(sub), "%s/splitbrain", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof(path), "%s/config", sub);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[display]\ncolour = yes\ntheme = light\n", f);
    fclose(f);
    setenv("NO_COLOR", "1", 1);
    assert_int_equal(config_effective(&c, why, sizeof(why)), 0);
    assert_true(c.found);
    assert_string_equal(c.path, path);
    assert_int_equal(c.theme, CONFIG_THEME_LIGHT);
    assert_int_equal(c.source[CONFIG_THEME], CONFIG_FILE);
    assert_false(c.colour); /* the environment beats the file */
    assert_int_equal(c.source[CONFIG_COLOUR], CONFIG_ENV);
    unsetenv("NO_COLOR");
    /* A bad file is an error naming it and its line, and it is left as it was. */
    f = fopen(path, "w");
    fputs("[display]\ntheme = dark\n", f);
    fclose(f);
    assert_int_equal(config_effective(&c, why, sizeof(why)), -1);
    snprintf(cmd, sizeof(cmd), "%s:2: unknown theme 'dark'", path);
    assert_non_null(strstr(why, cmd));
    snprintf(cmd, sizeof(cmd), "grep -q 'theme = dark' '%s' && rm -rf '%s'", path, dir);
    assert_int_equal(system(cmd), 0);
    unsetenv("XDG_CONFIG_HOME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_long_line_and_nul),
        cmocka_unit_test(test_precedence_and_files),
    };

    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
