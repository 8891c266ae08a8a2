/*
 * bench_leader: the single-leader model under a steady workload, the work a
 * Raft visualisation simulates — 5 nodes, `model leader`, `workload 100/s`
 * (one client op every 10ms: puts, through whichever node the client
 * believes leads), 60 simulated seconds, nobody reading the trace. Prints
 * node-to-node messages per CPU second and simulated seconds per CPU
 * second (CPU time of this process: the machine is shared), the median of
 * several runs; every run must send the same messages (same seed).
 *
 *   bench_leader [--runs N] [--seconds S] [--nodes N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../engine/engine.h"

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = 5, seconds = 60, nodes = 5;
    double msgs_s[15], sim_x[15];
    uint64_t node_msgs = 0, events = 0, ops = 0;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--nodes") == 0)
            nodes = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > 15 || seconds < 1 || nodes < 1 || nodes > ENGINE_MAX_NODES) {
        fprintf(stderr, "usage: bench_leader [--runs 1..15] [--seconds S] [--nodes N]\n");
        return 2;
    }
    for (int r = 0; r < runs; r++) {
        struct engine *e;
        struct engine_workload wl;
        double t0, cpu;
        uint64_t action;

        if (engine_create("leader", nodes, 42, &e) < 0) {
            fprintf(stderr, "bench_leader: no leader model\n");
            return 1;
        }
        memset(&wl, 0, sizeof(wl));
        wl.period_us = 10000; /* 100 ops a second */
        wl.via = -1;
        t0 = cpu_now();
        engine_workload(e, &wl);
        engine_run_until(e, (int64_t)seconds * 1000000, &action);
        cpu = cpu_now() - t0;
        if (r > 0 && (net_node_sent(engine_net(e)) != node_msgs || engine_events(e) != events)) {
            fprintf(stderr, "bench_leader: runs with the same seed disagreed\n");
            return 1;
        }
        node_msgs = net_node_sent(engine_net(e));
        events = engine_events(e);
        ops = history_count(engine_history(e));
        msgs_s[r] = (double)node_msgs / cpu;
        sim_x[r] = (double)seconds / cpu;
        engine_destroy(e);
    }
    qsort(msgs_s, (size_t)runs, sizeof(msgs_s[0]), cmp_double);
    qsort(sim_x, (size_t)runs, sizeof(sim_x[0]), cmp_double);
    printf(
        "bench_leader: %d nodes, model leader, workload 100/s, %d simulated s, no trace reader\n",
        nodes, seconds);
    printf("  %llu ops, %llu node-to-node messages, %llu events per run\n", (unsigned long long)ops,
           (unsigned long long)node_msgs, (unsigned long long)events);
    printf("  node-to-node messages per CPU second  %12.0f   (target >= 1300000)\n",
           msgs_s[runs / 2]);
    printf("  simulated seconds per CPU second      %12.0f x (target >= 4500)\n", sim_x[runs / 2]);
    return 0;
}
