#include "explore.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/script.h"
#include "../engine/sim.h"
#include "../engine/util.h"
#include "cli/cli.h"
#include "headless.h"

#define MAX_SETS   32
#define MAX_JOBS   64
#define SCRIPT_CAP (1 << 20)

enum fault {
    F_KILL,
    F_RESTART,
    F_PAUSE,
    F_PARTITION,
    F_CUT,
    F_DROP,
    F_DUP,
    F_SKEW,
    F_DRIFT,
    F_COUNT,
};

static const char *const fault_names[F_COUNT] = {
    "kill", "restart", "pause", "partition", "cut", "drop", "dup", "skew", "drift",
};

/* What broke, per seed; one bit per guarantee. */
enum broke {
    B_LIN = 1 << 0,
    B_LOST = 1 << 1,
    B_SPLIT = 1 << 2,
    B_SESSION = 1 << 3,
    B_CONVERGE = 1 << 4,
    B_UNKNOWN = 1 << 5,
    B_ERROR = 1 << 6,
};

static const char *const broke_names[] = {
    "linearizability",
    "lost acknowledged writes",
    "split brain (one epoch)",
    "session guarantees",
    "convergence",
    "unknown (search budget)",
    "run error",
};
#define N_BROKE 7

struct opts {
    const char *model;
    int nodes;
    const char *sets[MAX_SETS];
    int n_sets;
    long seeds;
    uint64_t first_seed;
    unsigned faults; /* bit per enum fault */
    int ops;
    int leader_pct; /* share of pauses and partitions aimed at whichever node leads */
    int keep;
    int jobs;
    const char *out_dir;
};

/* ---- the random scenario ---- */

struct gen {
    struct sim_rng rng;
    char *buf;
    size_t len;
};

static void put(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (g->len + 256 >= SCRIPT_CAP)
        return;
    va_start(ap, fmt);
    n = vsnprintf(g->buf + g->len, SCRIPT_CAP - g->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        g->len += (size_t)n;
}

static int pick(struct gen *g, int n)
{
    return (int)sim_rng_below(&g->rng, (uint64_t)n);
}

/* What the faults written so far have left, so the next one undoes or adds to it. */
struct gen_faults {
    enum {
        UP,
        DOWN
    } state[64];
    int64_t paused_until[64];
    int64_t leader_paused_until;
    int cut_a, cut_b;
    bool parted, dropping, duping;
};

/* Writes fault f (one of those enabled), at now in the scenario, as it fits what the faults
 * before it left. Two nodes are drawn whatever the fault, so each fault takes the same
 * numbers from the seed's generator as before. */
static void gen_fault(const struct opts *o, struct gen *g, struct gen_faults *s, enum fault f,
                      int64_t now)
{
    int n = o->nodes;
    int a = pick(g, n), b = pick(g, n);

    switch (f) {
    case F_KILL:
        if (s->state[a] == UP) {
            put(g, "kill n%d\n", a + 1);
            s->state[a] = DOWN;
        }
        break;
    case F_RESTART:
        for (int t = 0; t < n; t++) {
            int c = (a + t) % n;
            if (s->state[c] == DOWN) {
                put(g, "restart n%d\n", c + 1);
                s->state[c] = UP;
                break;
            }
        }
        break;
    case F_PAUSE:
        /* Which node "leader" names is known only when it runs: until that pause
         * is over, pause nobody else by name (it may be the same node). */
        if (pick(g, 100) < o->leader_pct) {
            if (s->leader_paused_until < now) {
                int ms = 50 + pick(g, 1500);
                put(g, "pause leader for %dms\n", ms);
                s->leader_paused_until = now + ms;
            }
        } else if (s->state[a] == UP && s->paused_until[a] < now && s->leader_paused_until < now) {
            int ms = 50 + pick(g, 1500);
            put(g, "pause n%d for %dms\n", a + 1, ms);
            s->paused_until[a] = now + ms;
        }
        break;
    case F_PARTITION:
        if (s->parted) {
            put(g, "heal\n");
            s->parted = false;
            s->cut_a = -1;
        } else if (n > 1 && pick(g, 100) < o->leader_pct) {
            put(g, "partition leader\n");
            s->parted = true;
        } else if (n > 1) {
            int side = 1 + pick(g, n - 1), shown = 0;
            put(g, "partition");
            for (int t = 0; t < n && shown < side; t++) {
                if (pick(g, 2) || n - t <= side - shown) {
                    put(g, " n%d", t + 1);
                    shown++;
                }
            }
            put(g, "\n");
            s->parted = true;
        }
        break;
    case F_CUT:
        if (s->cut_a >= 0) {
            put(g, "mend n%d n%d\n", s->cut_a + 1, s->cut_b + 1);
            s->cut_a = -1;
        } else if (a != b) {
            put(g, "cut n%d n%d\n", a + 1, b + 1);
            s->cut_a = a;
            s->cut_b = b;
        }
        break;
    case F_DROP:
        put(g, "net drop %d%%\n", s->dropping ? 0 : 5 + pick(g, 25));
        s->dropping = !s->dropping;
        break;
    case F_DUP:
        put(g, "net dup %d%%\n", s->duping ? 0 : 5 + pick(g, 25));
        s->duping = !s->duping;
        break;
    case F_SKEW:
        put(g, "skew n%d %c%dms\n", a + 1, pick(g, 2) ? '+' : '-', 1 + pick(g, 500));
        break;
    case F_DRIFT:
        put(g, "drift n%d %+dppm\n", a + 1, pick(g, 2001) - 1000);
        break;
    case F_COUNT:
        break;
    }
}

/*
 * Writes a scenario for one seed: setup, then ops and faults interleaved in
 * time with `run` between them, then heal everything and run until quiet so
 * the end state can be checked. Values are unique so the checkers can tell
 * which write a read saw.
 */
static void generate(const struct opts *o, uint64_t seed, struct gen *g)
{
    struct gen_faults s;
    int64_t now = 0;
    int n = o->nodes;
    unsigned enabled[F_COUNT];
    int n_enabled = 0;

    memset(&s, 0, sizeof(s));
    s.leader_paused_until = -1;
    s.cut_a = s.cut_b = -1;
    sim_rng_seed(&g->rng, seed, 77);
    g->len = 0;
    for (int i = 0; i < n; i++)
        s.state[i] = UP;
    for (int f = 0; f < F_COUNT; f++)
        if (o->faults & (1u << f))
            enabled[n_enabled++] = (unsigned)f;
    put(g, "# splitbrain explore: seed %llu\n", (unsigned long long)seed);
    put(g, "model %s\nnodes %d\nseed %llu\n", o->model, n, (unsigned long long)seed);
    for (int i = 0; i < o->n_sets; i++)
        put(g, "set %s\n", o->sets[i]);
    bool carry = strcmp(o->model, "leaderless") == 0 || strcmp(o->model, "multi") == 0;

    for (int i = 0; i < o->ops; i++) {
        int k = pick(g, 3);
        int via = pick(g, 2) ? pick(g, n) : -1;
        int client = pick(g, 3);
        const char *key = k == 0 ? "x" : k == 1 ? "y" : "z";

        /* Under the versioned models a client writes back the context of its last op on
         * the key, as a Riak client does; a put without one is blind (a sibling). */
        if (pick(g, 100) < 55)
            put(g, "w%d: put %s v%d%s", i + 1, key, i + 1, carry ? " after last" : "");
        else
            put(g, "r%d: get %s", i + 1, key);
        if (via >= 0)
            put(g, " via n%d", via + 1);
        put(g, " as c%d\n", client + 1);
        /* A fault now and then: about one every four ops. */
        if (n_enabled && pick(g, 4) == 0)
            gen_fault(o, g, &s, (enum fault)enabled[pick(g, n_enabled)], now);
        {
            int ms = 1 + pick(g, 60);
            put(g, "run %dms\n", ms);
            now += ms;
        }
    }
    /* The end: every fault healed, every node back, the cluster left to settle. */
    put(g, "net drop 0%%\nnet dup 0%%\nheal\n");
    for (int i = 0; i < n; i++)
        if (s.state[i] == DOWN)
            put(g, "restart n%d\n", i + 1);
    put(g, "run until quiet\n");
}

/* ---- one seed ---- */

struct verdicts {
    unsigned broke;
    int lost;
    int64_t sim_us; /* virtual time the seed ran */
};

/* What a worker keeps from seed to seed: nothing is allocated again per seed. */
struct worker_state {
    struct gen g;
    struct script s;
    struct script_run *run;
};

static unsigned check_run(struct script_run *run, struct verdicts *v)
{
    struct check_summary sum;

    check_summary_run(script_run_engine(run), script_run_recorder(run), 0,
                      CHECK_PART_LIN | CHECK_PART_LOST | CHECK_PART_SPLIT | CHECK_PART_SESSIONS |
                          CHECK_PART_CONVERGE,
                      &sum);
    v->broke = 0;
    if (sum.lin == CHECK_VIOLATED)
        v->broke |= B_LIN;
    else if (sum.lin == CHECK_UNKNOWN)
        v->broke |= B_UNKNOWN;
    v->lost = sum.lost.lost;
    if (sum.lost.lost)
        v->broke |= B_LOST;
    /* Leaders of different epochs overlapping is the normal moment before the old one
     * hears of the new epoch; what it acknowledged then is judged by the lost-writes
     * checker. Two leaders in one epoch is the guarantee an election makes. */
    if (sum.split.count && sum.split.same_epoch)
        v->broke |= B_SPLIT;
    if (check_summary_sessions(&sum))
        v->broke |= B_SESSION;
    if (!sum.conv.converged && !script_run_unquiet(run))
        v->broke |= B_CONVERGE;
    return v->broke;
}

static int run_seed(const struct opts *o, uint64_t seed, struct worker_state *w, struct verdicts *v)
{
    struct script_env env;
    struct script_error err;
    struct script_run *run;
    struct gen *g = &w->g;
    int r;

    generate(o, seed, g);
    script_env_init(&env, true);
    r = script_parse_text_reuse("explore", g->buf, g->len, &env, &w->s, &err);
    script_env_release(&env);
    if (r < 0) {
        char msg[SCRIPT_MSG_MAX + 300];
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "splitbrain explore: seed %llu: %s\n", (unsigned long long)seed, msg);
        v->broke = B_ERROR;
        return -1;
    }
    /* The same run, and its engine, seed after seed: reset, not rebuilt. */
    if (!w->run)
        w->run = script_run_create("explore", -1);
    else
        script_run_reset(w->run, "explore", -1);
    run = w->run;
    r = script_run_all(run, &w->s, &err);
    if (r < 0) {
        char msg[SCRIPT_MSG_MAX + 300];
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "splitbrain explore: seed %llu: %s\n", (unsigned long long)seed, msg);
        v->broke = B_ERROR;
    } else {
        check_run(run, v);
    }
    v->sim_us = engine_now(script_run_engine(run));
    return 0;
}

/* Writes the failing seed's scenario with expect lines that hold when the violation recurs. */
static int keep_seed(const struct opts *o, uint64_t seed, struct gen *g, const struct verdicts *v)
{
    char path[1024];
    FILE *f;

    generate(o, seed, g);
    snprintf(path, sizeof(path), "%s/explore-%s-%llu.scn", o->out_dir, o->model,
             (unsigned long long)seed);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "splitbrain explore: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fwrite(g->buf, 1, g->len, f) != g->len)
        fprintf(stderr, "splitbrain explore: %s: %s\n", path, strerror(errno));
    fprintf(f, "\n# What explore found broken in this run:\n");
    if (v->broke & B_LIN)
        fprintf(f, "expect not linearizable\n");
    if (v->broke & B_LOST)
        fprintf(f, "expect lost-writes == %d\n", v->lost);
    if (v->broke & B_SPLIT)
        fprintf(f, "expect split-brain\n");
    if (v->broke & B_CONVERGE)
        fprintf(f, "expect not converged\n");
    if (v->broke & B_SESSION)
        fprintf(f, "expect not sessions\n");
    if (cli_fclose(f) != 0) {
        fprintf(stderr, "splitbrain explore: %s: write error\n", path);
        return -1;
    }
    printf("wrote %s\n", path);
    return 0;
}

/* ---- options ---- */

static int parse_faults(const char *s, unsigned *out)
{
    char buf[256];
    char *save = NULL;

    util_strlcpy(buf, s, sizeof(buf));
    *out = 0;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int f = -1;
        for (int i = 0; i < F_COUNT; i++)
            if (strcmp(fault_names[i], w) == 0)
                f = i;
        if (f < 0) {
            fprintf(stderr,
                    "splitbrain explore: unknown fault '%s'; expected some of kill, restart, "
                    "pause, partition, cut, drop, dup, skew, drift\n",
                    w);
            return -1;
        }
        *out |= 1u << f;
    }
    return 0;
}

static int parse_long(const char *flag, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || !*s || v < lo || v > hi) {
        fprintf(stderr, "splitbrain explore: %s takes a whole number from %ld to %ld\n", flag, lo,
                hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* A numeric option, if given, within lo..hi. */
static int opt_long(const struct cli_args *a, const char *name, long lo, long hi, long *out)
{
    const char *v = cli_value(a, name);
    char flag[32];

    if (!v)
        return 0;
    snprintf(flag, sizeof(flag), "--%s", name);
    return parse_long(flag, v, lo, hi, out);
}

static int parse_opts(const struct cli_args *a, struct opts *o)
{
    long v, cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *s;

    memset(o, 0, sizeof(*o));
    o->model = "leader";
    o->nodes = 5;
    o->seeds = 1000;
    o->first_seed = 1;
    o->faults = (1u << F_KILL) | (1u << F_RESTART) | (1u << F_PAUSE) | (1u << F_PARTITION);
    o->ops = 100;
    o->keep = 3;
    o->jobs = cores > 0 ? (int)(cores < MAX_JOBS ? cores : MAX_JOBS) : 1;
    o->out_dir = ".";
    if ((s = cli_value(a, "model")) != NULL) {
        if (!headless_model("explore", s))
            return -1;
        o->model = s;
    }
    v = o->nodes;
    if (opt_long(a, "nodes", 1, 64, &v) < 0)
        return -1;
    o->nodes = (int)v;
    o->n_sets = cli_values(a, "set", o->sets, MAX_SETS);
    if (o->n_sets > MAX_SETS) {
        fprintf(stderr, "splitbrain explore: --set at most %d times\n", MAX_SETS);
        return -1;
    }
    for (int i = 0; i < o->n_sets; i++) {
        if (!strchr(o->sets[i], '=')) {
            fprintf(stderr, "splitbrain explore: --set takes KEY=VALUE, not '%s'\n", o->sets[i]);
            return -1;
        }
    }
    if (opt_long(a, "seeds", 1, 100000000, &o->seeds) < 0)
        return -1;
    v = 1;
    if (opt_long(a, "first-seed", 0, 2000000000, &v) < 0)
        return -1;
    o->first_seed = (uint64_t)v;
    if ((s = cli_value(a, "faults")) != NULL && parse_faults(s, &o->faults) < 0)
        return -1;
    v = o->ops;
    if (opt_long(a, "ops", 1, 10000, &v) < 0)
        return -1;
    o->ops = (int)v;
    v = o->leader_pct;
    if (opt_long(a, "leader-faults", 0, 100, &v) < 0)
        return -1;
    o->leader_pct = (int)v;
    v = o->keep;
    if (opt_long(a, "keep", 0, 1000, &v) < 0)
        return -1;
    o->keep = (int)v;
    v = o->jobs;
    if (opt_long(a, "jobs", 1, MAX_JOBS, &v) < 0)
        return -1;
    o->jobs = (int)v;
    if ((s = cli_value(a, "out")) != NULL)
        o->out_dir = s;
    return 0;
}

/*
 * The folder the failing runs go to must take files before the first seed runs, so a typo
 * costs nothing: a probe file is made there and removed.
 */
static int check_out_dir(const struct opts *o)
{
    char probe[1100];
    int fd;

    if (o->keep == 0)
        return 0;
    snprintf(probe, sizeof(probe), "%s/.splitbrain-explore-XXXXXX", o->out_dir);
    fd = mkstemp(probe);
    if (fd < 0) {
        fprintf(stderr, "splitbrain explore: --out %s: %s\n", o->out_dir, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(probe);
    return 0;
}

/*
 * Checks the --set pairs against the model's parameters before any seed
 * runs, so a typo is one clear error, not a thousand failed seeds.
 */
static int check_sets(struct opts *o, char (*lines)[128])
{
    struct script_env env;
    struct script_error err;
    struct script_cmd *cmd = xmalloc(sizeof(*cmd));
    char line[160], msg[600];
    int r = 0;

    script_env_init(&env, true);
    snprintf(line, sizeof(line), "model %s", o->model);
    script_parse_line(&env, "--model", 1, line, cmd, &err);
    snprintf(line, sizeof(line), "nodes %d", o->nodes);
    script_parse_line(&env, "--nodes", 1, line, cmd, &err);
    for (int i = 0; i < o->n_sets && r == 0; i++) {
        const char *eq = strchr(o->sets[i], '=');
        snprintf(lines[i], 128, "%.*s %s", (int)(eq - o->sets[i]), o->sets[i], eq + 1);
        snprintf(line, sizeof(line), "set %s", lines[i]);
        if (script_parse_line(&env, "--set", i + 1, line, cmd, &err) < 0) {
            snprintf(msg, sizeof(msg), "%s", err.msg);
            fprintf(stderr, "splitbrain explore: --set %s: %s\n", o->sets[i], msg);
            r = -1;
        }
        o->sets[i] = lines[i];
    }
    script_env_release(&env);
    free(cmd);
    return r;
}

/* ---- workers ---- */

struct result {
    uint64_t seed;
    unsigned broke;
    int lost;
    int64_t sim_us;
};

static void worker(const struct opts *o, int k, int fd)
{
    struct worker_state w;

    memset(&w, 0, sizeof(w));
    w.g.buf = xmalloc(SCRIPT_CAP);
    for (long i = k; i < o->seeds; i += o->jobs) {
        struct verdicts v = {0};
        struct result res;
        uint64_t seed = o->first_seed + (uint64_t)i;
        run_seed(o, seed, &w, &v);
        res.seed = seed;
        res.broke = v.broke;
        res.lost = v.lost;
        res.sim_us = v.sim_us;
        if (write(fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
            _exit(3);
    }
    script_run_destroy(w.run);
    script_release(&w.s);
    free(w.g.buf);
    _exit(0);
}

static double wall_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the seeds read back so far broke: per guarantee, how many and the first seed. */
struct tally {
    long done, broken;
    long counts[N_BROKE];
    uint64_t first[N_BROKE];
    int64_t sim_us;
};

/* Forks o->jobs workers, each writing its seeds' results into its pipe (fds[k]). */
static int start_workers(const struct opts *o, int *fds, pid_t *pids)
{
    for (int k = 0; k < o->jobs; k++) {
        int p[2];
        if (pipe(p) < 0) {
            fprintf(stderr, "splitbrain explore: pipe: %s\n", strerror(errno));
            return -1;
        }
        pids[k] = fork();
        if (pids[k] < 0) {
            fprintf(stderr, "splitbrain explore: fork: %s\n", strerror(errno));
            return -1;
        }
        if (pids[k] == 0) {
            close(p[0]);
            worker(o, k, p[1]);
        }
        close(p[1]);
        fds[k] = p[0];
    }
    return 0;
}

static void tally_add(struct tally *t, const struct result *res)
{
    t->sim_us += res->sim_us;
    t->done++;
    if (res->broke & ~(unsigned)B_UNKNOWN)
        t->broken++;
    for (int b = 0; b < N_BROKE; b++) {
        if (res->broke & (1u << b)) {
            if (t->counts[b]++ == 0)
                t->first[b] = res->seed;
        }
    }
}

/* The workers' CPU time: simulated time per CPU second is the per-core speed. */
static double children_cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void print_report(const struct opts *o, const struct tally *t, double elapsed, double cpu_s)
{
    printf("explore: model %s, %d nodes, seeds %llu..%llu, %d ops each", o->model, o->nodes,
           (unsigned long long)o->first_seed,
           (unsigned long long)(o->first_seed + (uint64_t)o->seeds - 1), o->ops);
    for (int i = 0; i < o->n_sets; i++)
        printf(", set %s", o->sets[i]);
    printf("\nfaults:");
    for (int f = 0; f < F_COUNT; f++)
        if (o->faults & (1u << f))
            printf(" %s", fault_names[f]);
    printf("\n\n%-28s %8s  %s\n", "guarantee", "broken", "first seed");
    for (int b = 0; b < N_BROKE; b++) {
        if (b >= 5 && t->counts[b] == 0)
            continue;
        if (t->counts[b])
            printf("%-28s %8ld  %llu\n", broke_names[b], t->counts[b],
                   (unsigned long long)t->first[b]);
        else
            printf("%-28s %8ld  -\n", broke_names[b], t->counts[b]);
    }
    printf("\n%ld of %ld seeds broke something (%.1f seeds/s with %d jobs; %.0fx real time per "
           "core: %.0f simulated s in %.2f CPU s)\n",
           t->broken, t->done, elapsed > 0 ? (double)t->done / elapsed : 0.0, o->jobs,
           cpu_s > 0 ? (double)t->sim_us / 1e6 / cpu_s : 0.0, (double)t->sim_us / 1e6, cpu_s);
}

int explore_main(const struct cli_args *a)
{
    struct opts o;
    char set_lines[MAX_SETS][128];
    struct result *results;
    int fds[MAX_JOBS];
    pid_t pids[MAX_JOBS];
    struct tally tl;
    bool tty = isatty(STDERR_FILENO);
    double t0 = wall_seconds(), elapsed, cpu_s;
    struct gen g;
    int kept = 0, status = EXIT_OK;

    if (parse_opts(a, &o) < 0 || check_sets(&o, set_lines) < 0 || check_out_dir(&o) < 0)
        return EXIT_USAGE;
    if (o.jobs > o.seeds)
        o.jobs = (int)o.seeds;
    memset(&tl, 0, sizeof(tl));
    results = xcalloc((size_t)o.seeds, sizeof(*results));
    fflush(stdout);
    if (start_workers(&o, fds, pids) < 0)
        return EXIT_USAGE;
    /* Results come back per worker in seed order; read them round-robin. */
    for (long i = 0; i < o.seeds; i++) {
        int k = (int)(i % o.jobs);
        struct result res;
        ssize_t got = read(fds[k], &res, sizeof(res));
        if (got != (ssize_t)sizeof(res)) {
            /* The worker died on this seed (an invariant abort): keep its scenario to replay. */
            struct verdicts dead = {B_ERROR, 0, 0};
            uint64_t seed = o.first_seed + (uint64_t)i;
            fprintf(stderr, "splitbrain explore: worker %d stopped early, at seed %llu\n", k,
                    (unsigned long long)seed);
            g.buf = xmalloc(SCRIPT_CAP);
            keep_seed(&o, seed, &g, &dead);
            free(g.buf);
            status = EXIT_USAGE;
            break;
        }
        results[i] = res;
        tally_add(&tl, &res);
        if (tty && (tl.done % 25 == 0 || tl.done == o.seeds)) {
            fprintf(stderr, "\r%ld/%ld seeds, %ld with violations, %.0f seeds/s ", tl.done, o.seeds,
                    tl.broken, (double)tl.done / (wall_seconds() - t0));
            fflush(stderr);
        }
    }
    if (tty)
        fprintf(stderr, "\n");
    for (int k = 0; k < o.jobs; k++) {
        int ws;
        close(fds[k]);
        waitpid(pids[k], &ws, 0);
    }
    elapsed = wall_seconds() - t0;
    cpu_s = children_cpu_seconds();
    print_report(&o, &tl, elapsed, cpu_s);
    g.buf = xmalloc(SCRIPT_CAP);
    for (long i = 0; i < tl.done && kept < o.keep; i++) {
        struct verdicts v = {results[i].broke, results[i].lost, 0};
        if (!(results[i].broke & (B_LIN | B_LOST | B_SPLIT | B_CONVERGE | B_SESSION)))
            continue;
        if (keep_seed(&o, results[i].seed, &g, &v) < 0)
            status = EXIT_USAGE;
        kept++;
    }
    free(g.buf);
    free(results);
    if (tl.counts[6])
        status = EXIT_USAGE;
    return status;
}
