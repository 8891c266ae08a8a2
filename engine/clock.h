/*
 * clock: what each node believes the time is, and the logical clocks.
 *
 * A node's physical (wall) clock reads
 *     phys(t) = anchor_phys + (t - anchor_true) * (1 + drift_ppm / 1e6)
 * where t is true virtual time. skew() jumps it, drift() changes its rate,
 * ntp() pulls it back to true time — possibly backwards, which is the point.
 * The monotonic clock runs at the same (drifting) rate but never jumps: skew
 * and NTP do not touch it, so it never goes back. Lamport and vector clocks
 * are plain counters that the engine ticks on every send and receive.
 * Invariant: clock_mono() is non-decreasing in t.
 */
#ifndef SPLITBRAIN_CLOCK_H
#define SPLITBRAIN_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_MAX_NODES     64
#define CLOCK_MAX_DRIFT_PPM 100000 /* 10%: beyond that a "clock" is a random number */

struct clock {
    int64_t anchor_true_us;
    int64_t anchor_phys_us;
    int64_t anchor_mono_us;
    int32_t drift_ppm;
    uint64_t lamport;
    int64_t sync_mono_us; /* the monotonic clock at the last NTP sync (0: boot) */
};

void clock_init(struct clock *c);
int64_t clock_phys(const struct clock *c, int64_t true_us);
int64_t clock_mono(const struct clock *c, int64_t true_us);
/* Jumps the physical clock by delta_us (either sign) at true time now_us. */
void clock_skew(struct clock *c, int64_t now_us, int64_t delta_us);
/* Sets the rate error from now on; clamped to +-CLOCK_MAX_DRIFT_PPM. */
void clock_set_drift(struct clock *c, int64_t now_us, int32_t drift_ppm);
/* Resyncs the physical clock to true time + error_us; returns the jump (negative: backwards). */
int64_t clock_ntp(struct clock *c, int64_t now_us, int64_t error_us);
/* How much true time passes while this clock measures local_us (timers run on the node's clock). */
int64_t clock_true_span(const struct clock *c, int64_t local_us);
/*
 * TrueTime-style interval [phys - eps, phys + eps], where eps grows between syncs as Spanner's
 * does: base_us plus drift_bound_ppm of the time this clock has measured since its last NTP
 * sync (a sawtooth that ntp() resets). It holds true time only while the clock really drifts
 * no faster than the bound and is not skewed by hand.
 */
void clock_truetime(const struct clock *c, int64_t true_us, int64_t base_us,
                    int64_t drift_bound_ppm, int64_t *earliest, int64_t *latest);
/* The eps of that interval. */
int64_t clock_tt_eps(const struct clock *c, int64_t true_us, int64_t base_us,
                     int64_t drift_bound_ppm);

/* Lamport: a local event or send; returns the new value. */
uint64_t clock_lamport_tick(struct clock *c);
/* Lamport: receive a message stamped remote; returns the new value. */
uint64_t clock_lamport_recv(struct clock *c, uint64_t remote);

/* A vector clock over at most CLOCK_MAX_NODES nodes; zero-initialise. */
struct vclock {
    uint32_t v[CLOCK_MAX_NODES];
};

enum clock_order {
    CLOCK_EQUAL,
    CLOCK_BEFORE,     /* a happened before b */
    CLOCK_AFTER,      /* b happened before a */
    CLOCK_CONCURRENT, /* neither: a conflict */
};

void clock_vc_tick(struct vclock *vc, int node);
void clock_vc_merge(struct vclock *dst, const struct vclock *src);
/* The same over the first n entries only (a cluster of n nodes never sets the others). */
void clock_vc_merge_n(struct vclock *dst, const struct vclock *src, int n);
enum clock_order clock_vc_compare(const struct vclock *a, const struct vclock *b);
/* True when a >= b entry by entry (a has seen everything b has). */
bool clock_vc_covers(const struct vclock *a, const struct vclock *b);
/* "[1,0,2]" over the first n entries. */
void clock_vc_format(const struct vclock *vc, int n, char *dst, size_t size);
const char *clock_order_name(enum clock_order o);

#endif
