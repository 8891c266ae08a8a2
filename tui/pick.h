/*
 * pick: adversary mode (m), the learner as the network. While the run is paused the learner
 * walks the messages in flight (the soonest to arrive first) and picks what becomes of one:
 * delivered now, held back, dropped. It owns the mode and the pick; the command it spells
 * (`deliver 12`, `delay 12 200ms`, `drop 12`) is the caller's to run, through the command
 * line's path, so it is journalled and a rewind replays it.
 */
#ifndef SPLITBRAIN_PICK_H
#define SPLITBRAIN_PICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/engine.h"

#define PICK_MAX   256     /* messages adversary mode cycles through */
#define PICK_DELAY "200ms" /* what + holds a picked message back by */

/* Embedded in the app; zeroed is off. */
struct pick {
    bool on;
    uint64_t id; /* the message picked (0: none) */
};

/* Keeps the pick on a message of e still in flight; moves it by dir (+1 next, -1 previous, 0
 * stay). */
void pick_move(struct pick *p, const struct engine *e, int dir);

enum pick_result {
    PICK_PASS,  /* not the mode's key (or the run goes on, which ends the mode) */
    PICK_MOVED, /* another message picked */
    PICK_EMPTY, /* d, + or D with no message in flight */
    PICK_RUN,   /* line holds the command to run */
    PICK_LEFT,  /* Esc, q or m: back to the network's own choices */
};

/* Adversary mode's key k; paused: the run is paused (running ends the mode). */
enum pick_result pick_key(struct pick *p, int k, bool paused, const struct engine *e, char *line,
                          size_t size);

#endif
