/*
 * flash: the entries a node cut from its log (TRACE_TRUNCATE) or a model threw away (a
 * "discard" conflict), kept a moment so the replica pane can flash them before they go. A small
 * list, oldest first, each with the wall time it goes at; the oldest goes when it is full. It
 * reads no clock: the caller gives the times (and owns the timer that expires them).
 */
#ifndef SPLITBRAIN_FLASH_H
#define SPLITBRAIN_FLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine/trace.h"
#include "draw.h"

#define FLASH_MS        1200    /* how long a flash stays, in wall time */
#define FLASH_RECENT_US 2000000 /* older events (a replay's) do not flash */

/* Embedded in the app; zeroed is empty. */
struct flash {
    struct draw_flash items[DRAW_FLASH_MAX];
    uint64_t until_ms[DRAW_FLASH_MAX];
    int n;
};

/* Keeps ev when it is a truncation or a discard that happened within FLASH_RECENT_US of
 * virtual time now_us; it goes at now_ms + FLASH_MS. True when kept. */
bool flash_event(struct flash *f, const struct trace_event *ev, int64_t now_us, uint64_t now_ms);
/* Drops the flashes whose time is up at now_ms (*changed: some went). Returns when the next
 * goes, 0 when none is left. */
uint64_t flash_expire(struct flash *f, uint64_t now_ms, bool *changed);

#endif
