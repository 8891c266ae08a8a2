#include "scrub.h"

#include "keys.h"

enum scrub_result scrub_key(struct scrub *s, int k, int64_t head)
{
    int64_t step;

    if (!s->on)
        return SCRUB_PASS;
    step = head / 100 > SCRUB_MIN_US ? head / 100 : SCRUB_MIN_US;
    switch (k) {
    case KEYS_LEFT:
    case 'h':
        s->us -= step;
        break;
    case KEYS_RIGHT:
    case 'l':
        s->us += step;
        break;
    case KEYS_PGUP:
    case KEYS_DOWN:
        s->us -= 10 * step;
        break;
    case KEYS_PGDN:
    case KEYS_UP:
        s->us += 10 * step;
        break;
    case KEYS_HOME:
        s->us = 0;
        break;
    case KEYS_END:
        s->us = head;
        break;
    case KEYS_ENTER:
        s->on = false;
        return SCRUB_TRAVEL;
    case KEYS_ESC:
    case 'q':
    case 'T':
        s->on = false;
        return SCRUB_LEFT;
    default:
        return SCRUB_TAKEN; /* the scrubber holds the keys until Enter or Esc */
    }
    if (s->us < 0)
        s->us = 0;
    if (s->us > head)
        s->us = head;
    return SCRUB_TAKEN;
}
