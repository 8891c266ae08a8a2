#include "flash.h"

#include <stdio.h>
#include <string.h>

uint64_t flash_expire(struct flash *f, uint64_t now, bool *changed)
{
    uint64_t next = 0;
    int k = 0;

    for (int i = 0; i < f->n; i++) {
        if (f->until_ms[i] <= now) {
            *changed = true;
            continue;
        }
        f->items[k] = f->items[i];
        f->until_ms[k] = f->until_ms[i];
        if (next == 0 || f->until_ms[k] < next)
            next = f->until_ms[k];
        k++;
    }
    f->n = k;
    return next;
}

bool flash_event(struct flash *f, const struct trace_event *ev, int64_t now_us, uint64_t now_ms)
{
    struct draw_flash *it;
    bool discard = ev->kind == TRACE_CONFLICT && ev->sub == TRACE_SUB_DISCARD;

    /* Not for old events a rewind replays. */
    if (!(ev->kind == TRACE_TRUNCATE || discard) || now_us - ev->t_us > FLASH_RECENT_US)
        return false;
    if (f->n == DRAW_FLASH_MAX) {
        memmove(&f->items[0], &f->items[1], sizeof(f->items[0]) * (DRAW_FLASH_MAX - 1));
        memmove(&f->until_ms[0], &f->until_ms[1], sizeof(f->until_ms[0]) * (DRAW_FLASH_MAX - 1));
        f->n--;
    }
    it = &f->items[f->n];
    it->node = ev->node;
    it->discarded = discard;
    if (discard)
        snprintf(it->text, sizeof(it->text), "%s", ev->text);
    else if (ev->b == 1)
        snprintf(it->text, sizeof(it->text), "@%lld", (long long)ev->a);
    else
        snprintf(it->text, sizeof(it->text), "@%lld..@%lld (%lld entries)", (long long)ev->a,
                 (long long)(ev->a + ev->b - 1), (long long)ev->b);
    f->until_ms[f->n++] = now_ms + FLASH_MS;
    return true;
}
