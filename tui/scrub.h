/*
 * scrub: the scrubber (T), a line from 0 to the latest time reached with a position on it that
 * the arrows, PgUp/PgDn, Home and End move; Enter travels there (the caller's time travel), Esc
 * leaves. It holds every key until one of those two.
 */
#ifndef SPLITBRAIN_SCRUB_H
#define SPLITBRAIN_SCRUB_H

#include <stdbool.h>
#include <stdint.h>

#define SCRUB_MIN_US 1000 /* the scrubber's smallest step */

/* Embedded in the app; zeroed is closed. */
struct scrub {
    bool on;
    int64_t us; /* where Enter would travel to */
};

enum scrub_result {
    SCRUB_PASS,   /* the scrubber is closed: the key is the rest of the sandbox's */
    SCRUB_TAKEN,  /* the position moved (or the key was held) */
    SCRUB_TRAVEL, /* Enter: travel to us; the scrubber closed */
    SCRUB_LEFT,   /* Esc, q or T: closed without travelling */
};

/* Key k on the scrubber, whose right end is head_us. */
enum scrub_result scrub_key(struct scrub *s, int k, int64_t head_us);

#endif
