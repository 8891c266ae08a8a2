#include "sim.h"

#include <assert.h>
#include <stdlib.h>

#include "util.h"

/*
 * The heap holds 16-byte entries — the time, then the sequence number and the
 * slot of the event's payload packed in one word (sequence in the high bits,
 * so comparing the word compares sequence numbers) — and the payloads stay
 * put in a slot table. A sift moves 16 bytes per level instead of a whole
 * event.
 */
#define SLOT_BITS 20 /* SIM_MAX_EVENTS slots */
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

struct hent {
    int64_t at_us;
    uint64_t key; /* seq << SLOT_BITS | slot */
};

/*
 * The lane: a FIFO beside the heap for events scheduled in time order (each
 * at or after the previous one), such as timeouts a fixed span after now.
 * They cost O(1) in and out instead of a trip through the heap, and keep the
 * heap small. Popping takes whichever of the heap's top and the lane's head
 * comes first by (time, sequence), so the order is exactly the heap-only one.
 */
struct lane {
    struct sim_event *ev; /* a ring of cap (a power of two) */
    size_t cap;
    size_t head;
    size_t len;
};

struct sim {
    int64_t now_us;
    uint64_t next_seq;
    struct hent *heap;
    size_t len;
    size_t cap;
    struct sim_event *events; /* payloads by slot */
    uint32_t *free_slots;
    size_t n_free;
    size_t n_slots; /* slots ever handed out */
    struct lane lane;
};

struct sim *sim_create(void)
{
    struct sim *sim = xcalloc(1, sizeof(*sim));
    sim->cap = 256;
    sim->heap = xmalloc(sim->cap * sizeof(*sim->heap));
    sim->events = xmalloc(sim->cap * sizeof(*sim->events));
    sim->free_slots = xmalloc(sim->cap * sizeof(*sim->free_slots));
    return sim;
}

void sim_destroy(struct sim *sim)
{
    if (!sim)
        return;
    free(sim->heap);
    free(sim->events);
    free(sim->free_slots);
    free(sim->lane.ev);
    free(sim);
}

void sim_reset(struct sim *sim)
{
    sim->now_us = 0;
    sim->next_seq = 0;
    sim->len = 0;
    sim->n_free = 0;
    sim->n_slots = 0;
    sim->lane.head = 0;
    sim->lane.len = 0;
}

int64_t sim_now(const struct sim *sim)
{
    return sim->now_us;
}

static bool before(const struct hent *a, const struct hent *b)
{
    if (a->at_us != b->at_us)
        return a->at_us < b->at_us;
    return a->key < b->key;
}

static void sift_up(struct sim *sim, size_t i)
{
    struct hent ev = sim->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&ev, &sim->heap[parent]))
            break;
        sim->heap[i] = sim->heap[parent];
        i = parent;
    }
    sim->heap[i] = ev;
}

static void sift_down(struct sim *sim, size_t i)
{
    struct hent ev = sim->heap[i];
    size_t len = sim->len;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= len)
            break;
        if (c + 1 < len && before(&sim->heap[c + 1], &sim->heap[c]))
            c++;
        if (!before(&sim->heap[c], &ev))
            break;
        sim->heap[i] = sim->heap[c];
        i = c;
    }
    sim->heap[i] = ev;
}

int64_t sim_schedule(struct sim *sim, int64_t at_us, const struct sim_event *ev)
{
    uint32_t slot;
    uint64_t seq;

    if (at_us < sim->now_us)
        return SIM_EPAST;
    if (sim->len + sim->lane.len >= SIM_MAX_EVENTS)
        return SIM_EFULL;
    if (sim->len == sim->cap) {
        sim->cap *= 2;
        sim->heap = xrealloc(sim->heap, sim->cap * sizeof(*sim->heap));
        sim->events = xrealloc(sim->events, sim->cap * sizeof(*sim->events));
        sim->free_slots = xrealloc(sim->free_slots, sim->cap * sizeof(*sim->free_slots));
    }
    slot = sim->n_free ? sim->free_slots[--sim->n_free] : (uint32_t)sim->n_slots++;
    seq = sim->next_seq++;
    /* 2^44 events would take years of simulating; past it the order would be wrong. */
    assert(seq < (1ULL << (64 - SLOT_BITS)));
    sim->events[slot] = *ev;
    sim->events[slot].at_us = at_us;
    sim->events[slot].seq = seq;
    sim->heap[sim->len].at_us = at_us;
    sim->heap[sim->len].key = seq << SLOT_BITS | slot;
    sim->len++;
    sift_up(sim, sim->len - 1);
    return (int64_t)seq;
}

int64_t sim_schedule_fifo(struct sim *sim, int64_t at_us, const struct sim_event *ev)
{
    struct lane *l = &sim->lane;
    struct sim_event *slot;

    if (at_us < sim->now_us)
        return SIM_EPAST;
    /* Out of order for the lane (a shorter span than before): the heap takes it. */
    if (l->len && l->ev[(l->head + l->len - 1) & (l->cap - 1)].at_us > at_us)
        return sim_schedule(sim, at_us, ev);
    if (sim->len + l->len >= SIM_MAX_EVENTS)
        return SIM_EFULL;
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct sim_event *ring = xmalloc(cap * sizeof(*ring));
        for (size_t i = 0; i < l->len; i++)
            ring[i] = l->ev[(l->head + i) & (l->cap - 1)];
        free(l->ev);
        l->ev = ring;
        l->cap = cap;
        l->head = 0;
    }
    slot = &l->ev[(l->head + l->len) & (l->cap - 1)];
    *slot = *ev;
    slot->at_us = at_us;
    slot->seq = sim->next_seq++;
    l->len++;
    return (int64_t)slot->seq;
}

/* Is the lane's head due before the heap's top? */
static bool lane_first(const struct sim *sim)
{
    const struct lane *l = &sim->lane;
    const struct sim_event *h;

    if (!l->len)
        return false;
    if (!sim->len)
        return true;
    h = &l->ev[l->head];
    if (h->at_us != sim->heap[0].at_us)
        return h->at_us < sim->heap[0].at_us;
    return h->seq < sim->heap[0].key >> SLOT_BITS;
}

bool sim_peek(const struct sim *sim, struct sim_event *out)
{
    if (lane_first(sim)) {
        *out = sim->lane.ev[sim->lane.head];
        return true;
    }
    if (sim->len == 0)
        return false;
    *out = sim->events[sim->heap[0].key & SLOT_MASK];
    return true;
}

bool sim_pop(struct sim *sim, struct sim_event *out)
{
    uint32_t slot;

    if (lane_first(sim)) {
        struct lane *l = &sim->lane;
        *out = l->ev[l->head];
        l->head = (l->head + 1) & (l->cap - 1);
        l->len--;
        assert(out->at_us >= sim->now_us);
        sim->now_us = out->at_us;
        return true;
    }
    if (sim->len == 0)
        return false;
    slot = (uint32_t)(sim->heap[0].key & SLOT_MASK);
    *out = sim->events[slot];
    sim->free_slots[sim->n_free++] = slot;
    sim->len--;
    if (sim->len > 0) {
        sim->heap[0] = sim->heap[sim->len];
        sift_down(sim, 0);
    }
    assert(out->at_us >= sim->now_us);
    sim->now_us = out->at_us;
    return true;
}

bool sim_pop_until(struct sim *sim, int64_t t_us, struct sim_event *out)
{
    bool heap_due = sim->len && sim->heap[0].at_us <= t_us;
    bool lane_due = sim->lane.len && sim->lane.ev[sim->lane.head].at_us <= t_us;

    if (!heap_due && !lane_due)
        return false;
    return sim_pop(sim, out);
}

void sim_advance(struct sim *sim, int64_t t_us)
{
    assert(sim->len == 0 || sim->heap[0].at_us >= t_us);
    assert(sim->lane.len == 0 || sim->lane.ev[sim->lane.head].at_us >= t_us);
    if (t_us > sim->now_us)
        sim->now_us = t_us;
}

size_t sim_pending(const struct sim *sim)
{
    return sim->len + sim->lane.len;
}

const char *sim_strerror(int err)
{
    switch (err) {
    case SIM_EFULL:
        return "event queue full";
    case SIM_EPAST:
        return "event scheduled in the past";
    default:
        return "unknown sim error";
    }
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_seed(struct sim_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct sim_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n)
{
    uint64_t limit, x;

    assert(n > 0);
    /* Reject the top sliver that would bias the modulo. */
    limit = UINT64_MAX - UINT64_MAX % n;
    do {
        x = sim_rng_next(rng);
    } while (x >= limit);
    return x % n;
}

int64_t sim_rng_range(struct sim_rng *rng, int64_t lo, int64_t hi)
{
    assert(lo <= hi);
    return lo + (int64_t)sim_rng_below(rng, (uint64_t)(hi - lo) + 1);
}

bool sim_rng_chance(struct sim_rng *rng, uint32_t bp)
{
    if (bp == 0)
        return false;
    if (bp >= 10000)
        return true;
    return sim_rng_below(rng, 10000) < bp;
}
