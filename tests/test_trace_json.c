/* The JSON Lines writer (engine/trace.c): valid UTF-8 whatever the text, ops with fields. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../engine/history.h"
#include "../engine/trace.h"
#include "../engine/util.h"

static void note(struct trace_event *ev, const char *text)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = TRACE_NOTE;
    ev->node = -1;
    ev->peer = -1;
    ev->t_us = 5;
    util_strlcpy(ev->text, text, sizeof(ev->text));
}

/* Checks that s is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
static int valid_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    while (*s) {
        int n = s[0] < 0x80                    ? 1
                : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
                : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                               : 0;
        if (n == 0)
            return 0;
        for (int i = 1; i < n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
            (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
            return 0;
        s += n;
    }
    return 1;
}

static void test_text_is_escaped_and_cut_on_characters(void **state)
{
    struct trace_event ev;
    char line[TRACE_JSON_MAX], text[TRACE_TEXT_MAX + 8];

    (void)state;
    note(&ev, "caf\xe9 \xff ok \"q\" \\ \x01 \xc3\xa9 \xed\xa0\x80 \xe0\x80\x80");
    trace_format_json(&ev, line, sizeof(line));
    assert_true(valid_utf8(line));
    assert_string_equal(line,
                        "{\"t\":5,\"ev\":\"note\",\"text\":\"caf\\\\xE9 \\\\xFF ok \\\"q\\\" \\\\ "
                        "\\u0001 \xc3\xa9 \\\\xED\\\\xA0\\\\x80 \\\\xE0\\\\x80\\\\x80\"}");
    /* Text cut at a byte count inside a character: the partial character is dropped. */
    memset(text, 0, sizeof(text));
    for (size_t i = 0; i + 2 < TRACE_TEXT_MAX; i += 2)
        memcpy(text + i, "\xc3\xa9", 2);
    text[TRACE_TEXT_MAX - 2] = '\xe2'; /* the first byte of a 3-byte character, then the end */
    note(&ev, text);
    assert_int_equal((unsigned char)ev.text[TRACE_TEXT_MAX - 2], 0xe2);
    trace_format_json(&ev, line, sizeof(line));
    assert_true(valid_utf8(line));
    assert_null(strstr(line, "\\\\xE2"));
    assert_non_null(strstr(line, "\xc3\xa9\"}"));
}

static void test_too_small_a_buffer_still_gives_json(void **state)
{
    struct trace_event ev;
    char line[48];

    (void)state;
    note(&ev, "a long note that does not fit in forty-eight bytes at all");
    trace_format_json(&ev, line, sizeof(line));
    assert_string_equal(line, "{\"t\":5,\"ev\":\"note\",\"cut\":true}");
}

static void test_op_fields(void **state)
{
    struct trace_event ev;
    struct op op;
    char line[TRACE_JSON_MAX];
    char vals[2][STORE_VAL_MAX];

    (void)state;
    memset(&ev, 0, sizeof(ev));
    memset(&op, 0, sizeof(op));
    ev.kind = TRACE_OP_END;
    ev.t_us = 900;
    ev.op_id = 3;
    ev.node = 0;
    ev.peer = -1;
    util_strlcpy(ev.name, "ok", sizeof(ev.name));
    util_strlcpy(ev.text, "r1 get x -> {1,2}", sizeof(ev.text));
    op.id = 3;
    op.req.client = 1;
    op.req.kind = OP_GET;
    util_strlcpy(op.req.key, "x", sizeof(op.req.key));
    op.invoke_us = 100;
    op.complete_us = 900;
    op.status = OP_OK;
    op.result.n = 2;
    op.result.v = vals;
    util_strlcpy(vals[0], "1", sizeof(vals[0]));
    util_strlcpy(vals[1], "2", sizeof(vals[1]));
    trace_format_json_op(&ev, &op, line, sizeof(line));
    assert_non_null(strstr(line,
                           ",\"process\":1,\"f\":\"get\",\"key\":\"x\",\"value\":[\"1\",\"2\"],"
                           "\"invoke\":100,\"result\":\"ok\",\"complete\":900}"));
    op.status = OP_TIMEOUT;
    trace_format_json_op(&ev, &op, line, sizeof(line));
    assert_non_null(strstr(line, "\"value\":null,\"invoke\":100,\"result\":\"info\""));
    op.status = OP_FAIL;
    op.req.kind = OP_PUT;
    util_strlcpy(op.req.value, "7", sizeof(op.req.value));
    trace_format_json_op(&ev, &op, line, sizeof(line));
    assert_non_null(strstr(line, "\"f\":\"put\",\"key\":\"x\",\"value\":\"7\""));
    assert_non_null(strstr(line, "\"result\":\"fail\""));
    /* Without the op, the line is as before: no structured fields. */
    trace_format_json(&ev, line, sizeof(line));
    assert_null(strstr(line, "\"process\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_escaped_and_cut_on_characters),
        cmocka_unit_test(test_too_small_a_buffer_still_gives_json),
        cmocka_unit_test(test_op_fields),
    };

    return cmocka_run_group_tests_name("trace_json", tests, NULL, NULL);
}
