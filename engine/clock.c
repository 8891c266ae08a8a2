#include "clock.h"

#include <string.h>

#include "util.h"

void clock_init(struct clock *c)
{
    memset(c, 0, sizeof(*c));
}

static int64_t scaled(int64_t elapsed, int32_t drift_ppm)
{
    return elapsed + elapsed / 1000000 * drift_ppm + elapsed % 1000000 * drift_ppm / 1000000;
}

int64_t clock_phys(const struct clock *c, int64_t true_us)
{
    return c->anchor_phys_us + scaled(true_us - c->anchor_true_us, c->drift_ppm);
}

int64_t clock_mono(const struct clock *c, int64_t true_us)
{
    return c->anchor_mono_us + scaled(true_us - c->anchor_true_us, c->drift_ppm);
}

static void reanchor(struct clock *c, int64_t now_us)
{
    c->anchor_phys_us = clock_phys(c, now_us);
    c->anchor_mono_us = clock_mono(c, now_us);
    c->anchor_true_us = now_us;
}

void clock_skew(struct clock *c, int64_t now_us, int64_t delta_us)
{
    reanchor(c, now_us);
    c->anchor_phys_us += delta_us;
}

void clock_set_drift(struct clock *c, int64_t now_us, int32_t drift_ppm)
{
    reanchor(c, now_us);
    if (drift_ppm > CLOCK_MAX_DRIFT_PPM)
        drift_ppm = CLOCK_MAX_DRIFT_PPM;
    if (drift_ppm < -CLOCK_MAX_DRIFT_PPM)
        drift_ppm = -CLOCK_MAX_DRIFT_PPM;
    c->drift_ppm = drift_ppm;
}

int64_t clock_ntp(struct clock *c, int64_t now_us, int64_t error_us)
{
    int64_t before;

    reanchor(c, now_us);
    before = c->anchor_phys_us;
    c->anchor_phys_us = now_us + error_us;
    c->sync_mono_us = c->anchor_mono_us;
    return c->anchor_phys_us - before;
}

int64_t clock_true_span(const struct clock *c, int64_t local_us)
{
    /* local = true * (1e6 + d) / 1e6, so true = local * 1e6 / (1e6 + d), rounded up. */
    int64_t rate = 1000000 + c->drift_ppm;
    int64_t whole = local_us / rate * 1000000;
    int64_t rest = (local_us % rate * 1000000 + rate - 1) / rate;
    return whole + rest;
}

int64_t clock_tt_eps(const struct clock *c, int64_t true_us, int64_t base_us,
                     int64_t drift_bound_ppm)
{
    int64_t since = clock_mono(c, true_us) - c->sync_mono_us;

    /* Rounded up: the uncertainty is never understated. */
    return base_us + (since * drift_bound_ppm + 999999) / 1000000;
}

void clock_truetime(const struct clock *c, int64_t true_us, int64_t base_us,
                    int64_t drift_bound_ppm, int64_t *earliest, int64_t *latest)
{
    int64_t p = clock_phys(c, true_us);
    int64_t eps = clock_tt_eps(c, true_us, base_us, drift_bound_ppm);

    *earliest = p - eps;
    *latest = p + eps;
}

uint64_t clock_lamport_tick(struct clock *c)
{
    return ++c->lamport;
}

uint64_t clock_lamport_recv(struct clock *c, uint64_t remote)
{
    if (remote > c->lamport)
        c->lamport = remote;
    return ++c->lamport;
}

void clock_vc_tick(struct vclock *vc, int node)
{
    vc->v[node]++;
}

void clock_vc_merge(struct vclock *dst, const struct vclock *src)
{
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        if (src->v[i] > dst->v[i])
            dst->v[i] = src->v[i];
}

void clock_vc_merge_n(struct vclock *dst, const struct vclock *src, int n)
{
    for (int i = 0; i < n; i++)
        if (src->v[i] > dst->v[i])
            dst->v[i] = src->v[i];
}

enum clock_order clock_vc_compare(const struct vclock *a, const struct vclock *b)
{
    bool a_more = false, b_more = false;

    for (int i = 0; i < CLOCK_MAX_NODES; i++) {
        if (a->v[i] > b->v[i])
            a_more = true;
        else if (a->v[i] < b->v[i])
            b_more = true;
    }
    if (a_more && b_more)
        return CLOCK_CONCURRENT;
    if (a_more)
        return CLOCK_AFTER;
    if (b_more)
        return CLOCK_BEFORE;
    return CLOCK_EQUAL;
}

bool clock_vc_covers(const struct vclock *a, const struct vclock *b)
{
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        if (a->v[i] < b->v[i])
            return false;
    return true;
}

/* Appends c at *p when there is room for it and the terminator. */
static void put_char(char *dst, size_t size, size_t *p, char c)
{
    if (*p + 1 < size)
        dst[(*p)++] = c;
}

/*
 * "[3,0,1]". By hand rather than through printf: models format clocks into
 * message summaries on every send, and this was the bulk of their cost.
 */
void clock_vc_format(const struct vclock *vc, int n, char *dst, size_t size)
{
    size_t p = 0;

    if (size == 0)
        return;
    put_char(dst, size, &p, '[');
    for (int i = 0; i < n && i < CLOCK_MAX_NODES; i++) {
        char digits[12];
        int len = 0;
        uint32_t x = vc->v[i];
        if (i)
            put_char(dst, size, &p, ',');
        do {
            digits[len++] = (char)('0' + x % 10);
            x /= 10;
        } while (x);
        while (len)
            put_char(dst, size, &p, digits[--len]);
    }
    put_char(dst, size, &p, ']');
    dst[p] = '\0';
}

const char *clock_order_name(enum clock_order o)
{
    switch (o) {
    case CLOCK_EQUAL:
        return "equal";
    case CLOCK_BEFORE:
        return "before";
    case CLOCK_AFTER:
        return "after";
    case CLOCK_CONCURRENT:
        return "concurrent";
    }
    return "?";
}
