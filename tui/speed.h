/*
 * speed: the steps of the screen's clock (virtual time per wall second),
 * slowest first, that every screen (sandbox, lessons, demos, compare) shares:
 * `-` and `+` walk them, `=` returns to the configured one.
 */
#ifndef SPLITBRAIN_SPEED_H
#define SPLITBRAIN_SPEED_H

#include <stdint.h>

#include "keys.h"

struct speed_step {
    int64_t vus_per_s; /* virtual microseconds per wall second */
    const char *label; /* "0.25x" */
};

/*
 * 0.25x: the sandbox's first write (its workload puts every half second) shows within about two
 * seconds, a message crosses a 20ms link in a twelfth of a second, and a leader failover (an
 * election timeout near a second, then a vote round) plays over five or six seconds: slow
 * enough to follow, quick enough not to wait. A room needs it slower still: 0.1x.
 */
#define SPEED_DEFAULT 8 /* 0.25x */
#define SPEED_PRESENT 6 /* 0.1x */

int speed_count(void);
/* The step at index i, 0 <= i < speed_count(). Returns a static entry. */
const struct speed_step *speed_at(int i);
/* The step nearest a factor (1.0 = real time), nearest on a log scale. */
int speed_nearest(double factor);
/* What the speed keys do, on every screen: - (KA_SLOWER) one step slower, + (KA_FASTER) one
 * faster, = (KA_NORMAL_SPEED) back to home; the step speed for any other action. */
int speed_key(enum key_action act, int speed, int home);

#endif
