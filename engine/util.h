/*
 * util: the few helpers every module needs.
 *
 * Out of memory aborts here and only here (xmalloc and friends), as tmux and
 * git do: a tutor has nothing sensible to do without memory. The bounded
 * string helpers never overflow and always terminate.
 */
#ifndef SPLITBRAIN_UTIL_H
#define SPLITBRAIN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Returns memory the caller frees with free(); never NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/* Copies at most size-1 bytes of src into dst and terminates it. */
void util_strlcpy(char *dst, const char *src, size_t size);

/* snprintf that appends at dst+strlen(dst); truncates quietly. */
void util_appendf(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats a duration in microseconds the way a person reads it: "250ms", "1.5s". */
void util_fmt_duration(char *dst, size_t size, int64_t us);

/* Formats a virtual time stamp as seconds with millisecond precision: "1.234s". */
void util_fmt_time(char *dst, size_t size, int64_t us);

/* Formats a signed offset, always with its sign, in the largest unit that fits: "+500us",
 * "-20ms", "+1.5s" (a clock's skew, a message's latency). */
void util_fmt_delta(char *dst, size_t size, int64_t us);

/* The one of names (n of them) closest to word when word is a likely typo of it (one edit
 * for a word of up to 3 letters, two for longer ones); else NULL. For "did you mean". */
const char *util_suggest(const char *word, const char *const *names, int n);

#endif
