/*
 * timeline: the space-time view (t) — one lane per node, time running down,
 * each node-to-node message a line from its send to its delivery (a lost one
 * ends in a cross where it died), faults, clock jumps and role changes marked
 * on their node's lane.
 *
 * It keeps its own bounded copy of the trace events it needs (a ring of
 * TIMELINE_MAX; the oldest go first), fed one event at a time by whoever
 * reads the trace, so it can scroll back through the run long after the
 * engine's trace ring and the event log moved on.
 *
 * The time axis gives each millisecond in which something happened its own
 * row and squeezes the quiet stretches between them to nothing, marking a
 * long one (over TIMELINE_GAP_US) with a break and the time it skipped, as
 * tui/export.c does for the SVG.
 */
#ifndef SPLITBRAIN_TIMELINE_H
#define SPLITBRAIN_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine/trace.h"
#include "grid.h"

#define TIMELINE_MAX    16384
#define TIMELINE_ROW_US 1000   /* events within one millisecond share a row */
#define TIMELINE_GAP_US 100000 /* a quiet stretch longer than this is drawn as a break */

struct timeline;

struct timeline *timeline_create(void);
void timeline_destroy(struct timeline *tl);
void timeline_clear(struct timeline *tl);
/* Keeps what the diagram needs of ev (sends, drops, faults, clock jumps, role changes). */
void timeline_add(struct timeline *tl, const struct trace_event *ev);
int timeline_count(const struct timeline *tl);
/* The k-th newest clock event held (skew, drift, NTP jump): false when there are fewer. */
bool timeline_clock_at(const struct timeline *tl, int k, int64_t *t_us, int *node,
                       const char **label);

/*
 * Draws the diagram of n nodes at virtual time now into the rectangle x, y, w, h: a title row,
 * the lane heads, then the rows. scroll counts rows back from the newest (0: follow the
 * present); it is clamped to what there is, and the value used is returned.
 */
int timeline_draw(struct grid *g, const struct timeline *tl, int n, int64_t now, int x, int y,
                  int w, int h, int scroll);

#endif
