/*
 * strmap: an open-addressing hash map from (tag, string) to an int, for the
 * checkers' indexes — interning keys and values once per history so the
 * searches compare small integers instead of strings.
 *
 * Invariant: at most half the slots are used; the strings are copied into the
 * map's own buffer, so the caller's may change or go away. Grows without
 * bound: the caller bounds what it puts in (a history is bounded).
 */
#ifndef SPLITBRAIN_STRMAP_H
#define SPLITBRAIN_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    uint64_t hash; /* 0: empty */
    size_t off;    /* the string, in buf */
    int tag;
    int val;
};

struct strmap {
    struct strmap_slot *slots;
    size_t cap; /* a power of two */
    size_t len;
    char *buf;
    size_t buf_len;
    size_t buf_cap;
};

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
/* Empties the map, keeping its memory for reuse. */
void strmap_clear(struct strmap *m);
/* The value stored for (tag, s), or -1. */
int strmap_get(const struct strmap *m, int tag, const char *s);
/* Stores val for (tag, s) unless present; returns the value now stored. */
int strmap_put(struct strmap *m, int tag, const char *s, int val);

#endif
