/*
 * sim: virtual time, the event queue and the seeded random generator.
 *
 * Invariant: events leave the queue in (time, sequence) order, where the
 * sequence number is the order of sim_schedule() calls, so two events at the
 * same virtual time always run in the order they were scheduled. Virtual time
 * never moves backwards. Nothing here reads the wall clock or global state:
 * the same calls give the same order on every machine.
 */
#ifndef SPLITBRAIN_SIM_H
#define SPLITBRAIN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The queue holds at most this many events; sim_schedule() refuses more. */
#define SIM_MAX_EVENTS (1 << 20)

enum {
    SIM_EFULL = -1, /* the queue holds SIM_MAX_EVENTS events */
    SIM_EPAST = -2, /* the event would run before the current time */
};

/* One queued event. The meaning of kind, node, id and arg is the caller's. */
struct sim_event {
    int64_t at_us;
    uint64_t seq;
    int kind;
    int node;
    uint64_t id;
    int64_t arg;
};

struct sim;

struct sim *sim_create(void);
void sim_destroy(struct sim *sim);
/* Back to time 0 with an empty queue, keeping the memory. */
void sim_reset(struct sim *sim);

int64_t sim_now(const struct sim *sim);

/* Copies ev, stamps it with at_us and the next sequence number; returns that number or a SIM_E*. */
int64_t sim_schedule(struct sim *sim, int64_t at_us, const struct sim_event *ev);

/*
 * The same, for an event the caller schedules in time order (e.g. always a
 * fixed span after now): it goes to a FIFO lane beside the heap when it is
 * not earlier than the lane's last, else into the heap. Either way the order
 * events leave the queue is the same as with sim_schedule().
 */
int64_t sim_schedule_fifo(struct sim *sim, int64_t at_us, const struct sim_event *ev);

/* The next event without removing it; false when the queue is empty. */
bool sim_peek(const struct sim *sim, struct sim_event *out);

/* Removes the next event into *out and moves the clock to its time. */
bool sim_pop(struct sim *sim, struct sim_event *out);
/* The same, only when the next event is due at or before t_us (peek and pop in one). */
bool sim_pop_until(struct sim *sim, int64_t t_us, struct sim_event *out);

/* Moves the clock forward to t (no-op if t is not later). Asserts no event is due before t. */
void sim_advance(struct sim *sim, int64_t t_us);

size_t sim_pending(const struct sim *sim);

const char *sim_strerror(int err);

/*
 * A small, fast, seedable generator (xoshiro256**, seeded through splitmix64).
 * Each consumer owns its own stream, so adding randomness in one place does
 * not shift the numbers another place sees.
 */
struct sim_rng {
    uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *rng, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(struct sim_rng *rng);
/* Uniform in [0, n); n > 0; unbiased. */
uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n);
/* Uniform in [lo, hi]; lo <= hi. */
int64_t sim_rng_range(struct sim_rng *rng, int64_t lo, int64_t hi);
/* True with probability bp / 10000 (basis points: 2000 = 20%). */
bool sim_rng_chance(struct sim_rng *rng, uint32_t bp);

#endif
