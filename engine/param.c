#include "param.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "util.h"

int param_choice(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int i = 0;

    if (!choices)
        return -1;
    for (const char *p = choices; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == wl && strncmp(p, word, len) == 0)
            return i;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

static void choice_name(const char *choices, int idx, char *dst, size_t size)
{
    const char *p = choices;

    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p) {
        util_strlcpy(dst, "?", size);
        return;
    }
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len >= size)
        len = size - 1;
    memcpy(dst, p, len);
    dst[len] = '\0';
}

/* Parses a whole number, optionally signed; rejects trailing garbage. */
static int parse_int(const char *text, int64_t *out)
{
    char *end;
    long long v;

    if (!*text)
        return -1;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* A decimal number "12" or "1.5" scaled by mult, with at most 6 decimals. */
static int parse_scaled(const char *text, size_t len, int64_t mult, int64_t *out)
{
    int64_t whole = 0, frac = 0, fdiv = 1;
    size_t i = 0;
    bool digits = false;

    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
        /* Keep whole * mult, plus a fraction below mult, within int64 (no signed overflow). */
        if (whole > (INT64_MAX / mult - 1 - (text[i] - '0')) / 10)
            return -1;
        whole = whole * 10 + (text[i] - '0');
        digits = true;
    }
    if (i < len && text[i] == '.') {
        for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
            if (fdiv >= 1000000)
                return -1;
            frac = frac * 10 + (text[i] - '0');
            fdiv *= 10;
            digits = true;
        }
    }
    if (i != len || !digits)
        return -1;
    *out = whole * mult + frac * mult / fdiv;
    return 0;
}

int param_parse_duration(const char *text, int64_t *us)
{
    size_t len = strlen(text);
    int64_t mult;
    size_t unit;

    if (len > 2 && strcmp(text + len - 2, "us") == 0) {
        mult = 1;
        unit = 2;
    } else if (len > 2 && strcmp(text + len - 2, "ms") == 0) {
        mult = 1000;
        unit = 2;
    } else if (len > 1 && text[len - 1] == 's') {
        mult = 1000000;
        unit = 1;
    } else if (len > 3 && strcmp(text + len - 3, "min") == 0) {
        mult = 60000000;
        unit = 3;
    } else {
        return -1;
    }
    return parse_scaled(text, len - unit, mult, us);
}

int param_parse_percent(const char *text, uint32_t *bp)
{
    size_t len = strlen(text);
    int64_t v;

    if (len < 2 || text[len - 1] != '%')
        return -1;
    if (parse_scaled(text, len - 1, 100, &v) < 0 || v > 10000)
        return -1;
    *bp = (uint32_t)v;
    return 0;
}

int param_parse_node(const char *text, int n_nodes)
{
    int64_t k;
    int limit = n_nodes > 0 ? n_nodes : CLOCK_MAX_NODES;

    if (text[0] != 'n' || text[1] < '1' || text[1] > '9')
        return -1;
    if (parse_int(text + 1, &k) < 0 || k < 1 || k > limit)
        return -1;
    return (int)(k - 1);
}

void param_describe(const struct param_def *def, char *dst, size_t size)
{
    char name[32];
    int n = 0;

    dst[0] = '\0';
    switch (def->type) {
    case PARAM_ENUM:
    case PARAM_ENUM_OR_INT:
        n = 1;
        for (const char *p = def->choices; *p; p++)
            n += *p == '|';
        for (int i = 0; i < n; i++) {
            choice_name(def->choices, i, name, sizeof(name));
            const char *sep = i == 0 ? "" : (i == n - 1 && def->type == PARAM_ENUM) ? " or " : ", ";
            util_appendf(dst, size, "%s%s", sep, name);
        }
        if (def->type == PARAM_ENUM_OR_INT)
            util_appendf(dst, size, " or a number from %lld to %lld", (long long)def->min,
                         (long long)def->max);
        break;
    case PARAM_INT:
        snprintf(dst, size, "a whole number from %lld to %lld", (long long)def->min,
                 (long long)def->max);
        break;
    case PARAM_DURATION: {
        char a[24], b[24];
        util_fmt_duration(a, sizeof(a), def->min);
        util_fmt_duration(b, sizeof(b), def->max);
        snprintf(dst, size, "a duration from %s to %s (like 250ms or 2s)", a, b);
        break;
    }
    case PARAM_BOOL:
        util_strlcpy(dst, "on or off", size);
        break;
    case PARAM_PERCENT:
        util_strlcpy(dst, "a percentage from 0% to 100%", size);
        break;
    case PARAM_NODE:
        util_strlcpy(dst, "a node name like n1", size);
        break;
    }
}

int param_parse(const struct param_def *def, const char *text, int n_nodes, struct param_value *out,
                char *err, size_t errlen)
{
    char want[160];
    int64_t v;
    uint32_t bp;
    int c;

    out->choice = -1;
    out->num = 0;
    switch (def->type) {
    case PARAM_ENUM:
    case PARAM_ENUM_OR_INT:
        c = param_choice(def->choices, text);
        if (c >= 0) {
            out->choice = c;
            out->num = c;
            return 0;
        }
        if (def->type == PARAM_ENUM_OR_INT && parse_int(text, &v) == 0 && v >= def->min &&
            v <= def->max) {
            out->num = v;
            return 0;
        }
        break;
    case PARAM_INT:
        if (parse_int(text, &v) == 0 && v >= def->min && v <= def->max) {
            out->num = v;
            return 0;
        }
        break;
    case PARAM_DURATION:
        if (param_parse_duration(text, &v) == 0 && v >= def->min && v <= def->max) {
            out->num = v;
            return 0;
        }
        break;
    case PARAM_BOOL:
        c = param_choice("off|on", text);
        if (c >= 0) {
            out->choice = c;
            out->num = c;
            return 0;
        }
        break;
    case PARAM_PERCENT:
        if (param_parse_percent(text, &bp) == 0) {
            out->num = bp;
            return 0;
        }
        break;
    case PARAM_NODE:
        c = param_parse_node(text, n_nodes);
        if (c >= 0) {
            out->num = c;
            return 0;
        }
        break;
    }
    param_describe(def, want, sizeof(want));
    snprintf(err, errlen, "%s takes %s, not '%s'", def->name, want, text);
    return -1;
}

void param_format(const struct param_def *def, const struct param_value *v, char *dst, size_t size)
{
    switch (def->type) {
    case PARAM_ENUM:
    case PARAM_ENUM_OR_INT:
        if (v->choice >= 0)
            choice_name(def->choices, v->choice, dst, size);
        else
            snprintf(dst, size, "%lld", (long long)v->num);
        break;
    case PARAM_INT:
        snprintf(dst, size, "%lld", (long long)v->num);
        break;
    case PARAM_DURATION:
        util_fmt_duration(dst, size, v->num);
        break;
    case PARAM_BOOL:
        util_strlcpy(dst, v->num ? "on" : "off", size);
        break;
    case PARAM_PERCENT:
        if (v->num % 100 == 0)
            snprintf(dst, size, "%lld%%", (long long)(v->num / 100));
        else
            snprintf(dst, size, "%lld.%02lld%%", (long long)(v->num / 100),
                     (long long)(v->num % 100));
        break;
    case PARAM_NODE:
        snprintf(dst, size, "n%lld", (long long)v->num + 1);
        break;
    }
}
