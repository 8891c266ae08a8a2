#include "sim.h"

#include <assert.h>
#include <stdlib.h>

#include "util.h"

struct sim {
    int64_t now_us;
    uint64_t next_seq;
    struct sim_event *heap;
    size_t len;
    size_t cap;
};

struct sim *sim_create(void)
{
    struct sim *sim = xcalloc(1, sizeof(*sim));
    sim->cap = 256;
    sim->heap = xmalloc(sim->cap * sizeof(*sim->heap));
    return sim;
}

void sim_destroy(struct sim *sim)
{
    if (!sim)
        return;
    free(sim->heap);
    free(sim);
}

int64_t sim_now(const struct sim *sim)
{
    return sim->now_us;
}

static bool before(const struct sim_event *a, const struct sim_event *b)
{
    if (a->at_us != b->at_us)
        return a->at_us < b->at_us;
    return a->seq < b->seq;
}

static void sift_up(struct sim *sim, size_t i)
{
    struct sim_event ev = sim->heap[i];

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
    struct sim_event ev = sim->heap[i];

    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct sim_event *best = &ev;

        if (l < sim->len && before(&sim->heap[l], best)) {
            m = l;
            best = &sim->heap[l];
        }
        if (r < sim->len && before(&sim->heap[r], best))
            m = r;
        if (m == i)
            break;
        sim->heap[i] = sim->heap[m];
        i = m;
    }
    sim->heap[i] = ev;
}

int64_t sim_schedule(struct sim *sim, int64_t at_us, const struct sim_event *ev)
{
    if (at_us < sim->now_us)
        return SIM_EPAST;
    if (sim->len >= SIM_MAX_EVENTS)
        return SIM_EFULL;
    if (sim->len == sim->cap) {
        sim->cap *= 2;
        sim->heap = xrealloc(sim->heap, sim->cap * sizeof(*sim->heap));
    }
    sim->heap[sim->len] = *ev;
    sim->heap[sim->len].at_us = at_us;
    sim->heap[sim->len].seq = sim->next_seq++;
    sim->len++;
    sift_up(sim, sim->len - 1);
    return (int64_t)(sim->next_seq - 1);
}

bool sim_peek(const struct sim *sim, struct sim_event *out)
{
    if (sim->len == 0)
        return false;
    *out = sim->heap[0];
    return true;
}

bool sim_pop(struct sim *sim, struct sim_event *out)
{
    if (sim->len == 0)
        return false;
    *out = sim->heap[0];
    sim->len--;
    if (sim->len > 0) {
        sim->heap[0] = sim->heap[sim->len];
        sift_down(sim, 0);
    }
    assert(out->at_us >= sim->now_us);
    sim->now_us = out->at_us;
    return true;
}

void sim_advance(struct sim *sim, int64_t t_us)
{
    assert(sim->len == 0 || sim->heap[0].at_us >= t_us);
    if (t_us > sim->now_us)
        sim->now_us = t_us;
}

size_t sim_pending(const struct sim *sim)
{
    return sim->len;
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
