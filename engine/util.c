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
