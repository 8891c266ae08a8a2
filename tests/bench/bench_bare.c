/*
 * bench_bare: the ceiling for bench_core's echo workload — the same events
 * in a bare binary-heap event loop with nothing else: no network model, no
 * trace, no history, no store, no model table. One write per virtual
 * millisecond arrives at a node after 1ms; the node sends an echo to each of
 * the N - 1 others (1..5ms, drawn from the same xoshiro generator); each
 * answers an ack; the last ack sends the reply (1ms); a timeout per write
 * sits in the queue for 2s, as the engine's client timeout does. Events are
 * ordered by (time, sequence) like the engine's. What the engine adds on top
 * of this is its cost; bench_core's figure over this one is the share of
 * the limit the engine reaches.
 *
 *   bench_bare [--nodes N] [--ops N] [--runs N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/sim.h"

enum {
    EV_REQUEST,
    EV_ECHO,
    EV_ACK,
    EV_REPLY,
    EV_TIMEOUT
};

struct ev {
    int64_t at;
    uint64_t seq;
    int kind;
    int node;
    int from;
    int write;
};

struct loop {
    struct ev *heap;
    size_t len, cap;
    uint64_t seq;
    int64_t now;
    struct sim_rng rng;
    int *acks; /* per write: acks still to come */
};

static int before(const struct ev *a, const struct ev *b)
{
    return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

static void push(struct loop *l, int64_t at, int kind, int node, int from, int write)
{
    size_t i = l->len++;
    struct ev e = {at, l->seq++, kind, node, from, write};

    if (l->len > l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->heap = realloc(l->heap, l->cap * sizeof(*l->heap));
        if (!l->heap)
            abort();
    }
    while (i > 0 && before(&e, &l->heap[(i - 1) / 2])) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = e;
}

static struct ev pop(struct loop *l)
{
    struct ev top = l->heap[0], last = l->heap[--l->len];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->len)
            break;
        if (c + 1 < l->len && before(&l->heap[c + 1], &l->heap[c]))
            c++;
        if (!before(&l->heap[c], &last))
            break;
        l->heap[i] = l->heap[c];
        i = c;
    }
    l->heap[i] = last;
    return top;
}

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns events processed; *cpu_s the CPU time it took. */
static uint64_t run(int nodes, int ops, double *cpu_s)
{
    struct loop l;
    uint64_t events = 0;
    double t0 = cpu_now();

    memset(&l, 0, sizeof(l));
    sim_rng_seed(&l.rng, 42, 1);
    l.acks = calloc((size_t)ops, sizeof(int));
    for (int w = 0; w < ops; w++) {
        int64_t t = (int64_t)w * 1000;
        /* Run everything due before the next write, as engine_run_until does. */
        while (l.len && l.heap[0].at <= t) {
            struct ev e = pop(&l);
            l.now = e.at;
            events++;
            switch (e.kind) {
            case EV_REQUEST:
                l.acks[e.write] = nodes - 1;
                for (int p = 0; p < nodes; p++)
                    if (p != e.node)
                        push(&l, l.now + sim_rng_range(&l.rng, 1000, 5000), EV_ECHO, p, e.node,
                             e.write);
                if (nodes == 1)
                    push(&l, l.now + 1000, EV_REPLY, -1, e.node, e.write);
                break;
            case EV_ECHO:
                push(&l, l.now + sim_rng_range(&l.rng, 1000, 5000), EV_ACK, e.from, e.node,
                     e.write);
                break;
            case EV_ACK:
                if (--l.acks[e.write] == 0)
                    push(&l, l.now + 1000, EV_REPLY, -1, e.node, e.write);
                break;
            case EV_REPLY:
            case EV_TIMEOUT:
                break;
            }
        }
        l.now = t;
        push(&l, t + 1000, EV_REQUEST, w % nodes, -1, w);
        push(&l, t + 2000000, EV_TIMEOUT, -1, -1, w);
    }
    while (l.len) {
        struct ev e = pop(&l);
        events++;
        l.now = e.at;
        if (e.kind == EV_REQUEST || e.kind == EV_ECHO || e.kind == EV_ACK) {
            /* The tail: the same handling as above. */
            if (e.kind == EV_REQUEST) {
                l.acks[e.write] = nodes - 1;
                for (int p = 0; p < nodes; p++)
                    if (p != e.node)
                        push(&l, l.now + sim_rng_range(&l.rng, 1000, 5000), EV_ECHO, p, e.node,
                             e.write);
            } else if (e.kind == EV_ECHO) {
                push(&l, l.now + sim_rng_range(&l.rng, 1000, 5000), EV_ACK, e.from, e.node,
                     e.write);
            } else if (--l.acks[e.write] == 0) {
                push(&l, l.now + 1000, EV_REPLY, -1, e.node, e.write);
            }
        }
    }
    *cpu_s = cpu_now() - t0;
    free(l.acks);
    free(l.heap);
    return events;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int nodes = 5, ops = 40000, runs = 5;
    double eps[15];
    uint64_t events = 0;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--nodes") == 0)
            nodes = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--ops") == 0)
            ops = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
    }
    if (nodes < 1 || nodes > 64 || ops < 1 || runs < 1 || runs > 15) {
        fprintf(stderr, "usage: bench_bare [--nodes 1..64] [--ops N] [--runs 1..15]\n");
        return 2;
    }
    for (int r = 0; r < runs; r++) {
        double cpu;
        events = run(nodes, ops, &cpu);
        eps[r] = cpu > 0 ? (double)events / cpu : 0;
    }
    qsort(eps, (size_t)runs, sizeof(eps[0]), cmp_double);
    printf("bench_bare: %d nodes, %d writes, %llu events, %.0f events per CPU second (median of "
           "%d)\n",
           nodes, ops, (unsigned long long)events, eps[runs / 2], runs);
    return 0;
}
