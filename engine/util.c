#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t size)
{
    fprintf(stderr, "splitbrain: out of memory (asked for %zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void util_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n;

    if (size == 0)
        return;
    n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void util_appendf(char *dst, size_t size, const char *fmt, ...)
{
    size_t len = strnlen(dst, size);
    va_list ap;

    if (len + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(dst + len, size - len, fmt, ap);
    va_end(ap);
}

void util_fmt_duration(char *dst, size_t size, int64_t us)
{
    const char *sign = us < 0 ? "-" : "";
    int64_t a = us < 0 ? -us : us;

    if (a == 0)
        snprintf(dst, size, "0ms");
    else if (a % 1000000 == 0)
        snprintf(dst, size, "%s%llds", sign, (long long)(a / 1000000));
    else if (a >= 1000000 && a % 1000 == 0)
        snprintf(dst, size, "%s%lld.%03llds", sign, (long long)(a / 1000000),
                 (long long)(a % 1000000 / 1000));
    else if (a % 1000 == 0)
        snprintf(dst, size, "%s%lldms", sign, (long long)(a / 1000));
    else if (a >= 1000)
        snprintf(dst, size, "%s%lld.%03lldms", sign, (long long)(a / 1000), (long long)(a % 1000));
    else
        snprintf(dst, size, "%s%lldus", sign, (long long)a);
}

void util_fmt_time(char *dst, size_t size, int64_t us)
{
    const char *sign = us < 0 ? "-" : "";
    int64_t a = us < 0 ? -us : us;

    snprintf(dst, size, "%s%lld.%03llds", sign, (long long)(a / 1000000),
             (long long)(a % 1000000 / 1000));
}

void util_fmt_delta(char *dst, size_t size, int64_t us)
{
    char sign = us < 0 ? '-' : '+';
    long long a = us < 0 ? -(long long)us : (long long)us;

    if (a < 1000)
        snprintf(dst, size, "%c%lldus", sign, a);
    else if (a < 1000000)
        snprintf(dst, size, "%c%lldms", sign, a / 1000);
    else
        snprintf(dst, size, "%c%lld.%llds", sign, a / 1000000, (a / 100000) % 10);
}

/* Edit distance (insert, delete, substitute, swap neighbours), capped at 3 for speed. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int d[32][32];

    if (la >= 31 || lb >= 31)
        return 99;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *util_suggest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = 3, limit = strlen(word) <= 3 ? 1 : 2;

    for (int i = 0; i < n; i++) {
        int d = distance(word, names[i]);
        if (d < best_d && d <= limit) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}
