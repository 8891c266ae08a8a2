/*
 * test_leader: the single-leader model through the public interfaces — the
 * high watermark, ISR bookkeeping, the truncation point of a diverged log,
 * the vote rules, the parameters that shape reads and acks — and a property
 * run over many seeds (3 nodes with min_insync 2, 5 nodes with min_insync 3):
 * with acks=all, clean majority elections and fencing on, random kills,
 * partitions and pauses never lose an acknowledged write and never give one
 * epoch two leaders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/script.h"
#include "prop.h"

#define REC_MAX 4096

/* Records the events a test asserts on. */
struct recorder {
    struct trace_observer obs;
    int n;
    struct trace_event ev[REC_MAX];
};

static void rec_fn(struct trace_observer *self, const struct trace_event *ev)
{
    struct recorder *r = (struct recorder *)(void *)((char *)self - offsetof(struct recorder, obs));

    if (ev->kind != TRACE_ROLE && ev->kind != TRACE_TRUNCATE && ev->kind != TRACE_SUSPECT &&
        ev->kind != TRACE_COMMIT && ev->kind != TRACE_NOTE && ev->kind != TRACE_APPEND)
        return;
    if (r->n < REC_MAX)
        r->ev[r->n++] = *ev;
}

static struct recorder *rec_new(void)
{
    struct recorder *r = calloc(1, sizeof(*r));

    assert_non_null(r);
    r->obs.fn = rec_fn;
    return r;
}

static int rec_count(const struct recorder *r, enum trace_kind kind, int node, const char *name,
                     const char *text_part)
{
    int c = 0;

    for (int i = 0; i < r->n; i++) {
        const struct trace_event *ev = &r->ev[i];
        if (ev->kind != kind || (node >= 0 && ev->node != node))
            continue;
        if (name && strcmp(ev->name, name) != 0)
            continue;
        if (text_part && !strstr(ev->text, text_part))
            continue;
        c++;
    }
    return c;
}

/* Parses and runs text; every expect in it must hold. */
static struct script_run *run_text(const char *text, struct recorder *rec)
{
    struct script_env env;
    struct script s;
    struct script_error err;
    struct script_run *run;
    char msg[600];

    script_env_init(&env, true);
    if (script_parse_text("test", text, strlen(text), &env, &s, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    script_env_release(&env);
    run = script_run_create("test", -1);
    if (rec)
        script_run_observe(run, &rec->obs);
    if (script_run_all(run, &s, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    script_release(&s);
    for (int i = 0; i < script_run_expects(run); i++) {
        const struct script_expect *x = script_run_expect_at(run, i);
        if (!x->ok)
            print_message("line %d: %s -- %s\n", x->line, x->text, x->msg);
    }
    assert_int_equal(script_run_failed(run), 0);
    return run;
}

/* Runs a shipped scenario file (every expect in it must hold). */
static struct script_run *run_file(const char *path, struct recorder *rec)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return run_text(buf, rec);
}

/* The high watermark a node reported never went back (commit events in order). */
static bool hw_monotonic(const struct recorder *r, int node)
{
    int64_t last = -1;

    for (int i = 0; i < r->n; i++) {
        if (r->ev[i].kind != TRACE_COMMIT || r->ev[i].node != node)
            continue;
        if (r->ev[i].a < last)
            return false;
        last = r->ev[i].a;
    }
    return true;
}

static void lost_witness(struct script_run *run, struct check_lost *out)
{
    check_lost_writes(script_run_engine(run), script_run_recorder(run), out);
}

static const struct op *op_by_label(struct script_run *run, const char *label)
{
    const struct op *op = history_find_label(engine_history(script_run_engine(run)), label);

    assert_non_null(op);
    return op;
}

static struct engine_node node_info(struct script_run *run, int node)
{
    struct engine_node info;

    assert_int_equal(engine_node(script_run_engine(run), node, &info), 0);
    return info;
}

/* ---- high watermark ---- */

static void test_hw_waits_for_slowest_isr_member(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 3\nlatency 10ms..20ms\nset acks all\n"
                   "link n1 -> n3 delay 200ms..200ms\n"
                   "w1: put x 1\nrun 100ms\n"
                   "expect logend n2 == 1\nexpect logend n3 == 0\nexpect hw n1 == 0\n"
                   "expect w1 pending\n"
                   "run 400ms\nexpect hw n1 == 1\nexpect w1 ok\n",
                   rec);
    /* The leader's hw moved once, to 1, after n3 fetched; the followers learned it later. */
    assert_int_equal(rec_count(rec, TRACE_COMMIT, 0, NULL, NULL), 1);
    assert_int_equal(rec_count(rec, TRACE_COMMIT, 1, NULL, NULL), 1);
    assert_int_equal(rec_count(rec, TRACE_COMMIT, 2, NULL, NULL), 1);
    assert_true(op_by_label(run, "w1")->complete_us >= 200000);
    assert_int_equal(node_info(run, 1).desc.commit, 1);
    script_run_destroy(run);
    free(rec);
}

static void test_hw_only_moves_with_min_insync(void **state)
{
    struct script_run *run;

    (void)state;
    /* acks=1 writes still go in, but a leader cut off from everyone cannot shrink its ISR
     * (the controller quorum is out of reach), so nothing commits. */
    run = run_text("model leader\nnodes 3\nseed 4\nlatency 10ms..20ms\nset acks 1\n"
                   "set min_insync 2\nset election_timeout 10s\n"
                   "w1: put x 1\nrun 200ms\nexpect hw n1 == 1\n"
                   "partition n1 | n2 | n3\nrun 500ms\nexpect isr_wanted n1 == {n1}\n"
                   "expect isr n1 == {n1,n2,n3}\n"
                   "w2: put x 2\nrun 200ms\nexpect w2 ok\nexpect logend n1 == 2\n"
                   "expect hw n1 == 1\nexpect value n1 x == 1\n"
                   "heal\nrun 1s\nexpect hw n1 == 2\nexpect value n1 x == 2\n",
                   NULL);
    script_run_destroy(run);
}

/* ---- ISR ---- */

static void test_isr_shrinks_after_lag_max_and_rejoins(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 5\nlatency 10ms..20ms\nset lag_max 200ms\n"
                   "set election_timeout 10s\n"
                   "w1: put x 1\nrun 100ms\ncut n1 n3\nrun 150ms\n"
                   "expect isr n1 == {n1,n2,n3}\n"
                   "run 200ms\nexpect isr n1 == {n1,n2}\n"
                   "mend n1 n3\nrun 500ms\nexpect isr n1 == {n1,n2,n3}\n",
                   rec);
    assert_int_equal(rec_count(rec, TRACE_SUSPECT, 0, NULL, "ISR: n3"), 1);
    assert_int_equal(rec_count(rec, TRACE_SUSPECT, 0, NULL, "ISR: n2"), 0);
    script_run_destroy(run);
    free(rec);
}

static void test_min_insync_refuses_acks_all(void **state)
{
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 6\nlatency 10ms..20ms\nset acks all\n"
                   "set min_insync 3\nset election_timeout 10s\n"
                   "w1: put x 1\nrun 200ms\nexpect w1 ok\n"
                   "kill n2\nrun 1s\nexpect isr n1 == {n1,n3}\n"
                   "w2: put x 2\nrun 100ms\nexpect w2 fail\n"
                   "restart n2\nrun 2s\nexpect isr n1 == {n1,n2,n3}\n"
                   "w3: put x 3\nrun 200ms\nexpect w3 ok\n",
                   NULL);
    assert_string_equal(op_by_label(run, "w2")->reason, "not enough replicas");
    script_run_destroy(run);
}

/* ---- acks ---- */

static void test_acks_counts_replicas(void **state)
{
    struct script_run *run;

    (void)state;
    /* n2 and n3 are both slow; acks 2 waits for one of them, acks 1 for nobody. */
    run = run_text("model leader\nnodes 3\nseed 7\nlatency 10ms..20ms\n"
                   "link n1 -> n2 delay 100ms..100ms\nlink n1 -> n3 delay 300ms..300ms\n"
                   "set acks 2\nw1: put x 1\nrun 2s\n"
                   "set acks 1\nw2: put x 2\nrun 2s\n"
                   "set acks 3\nw3: put x 3\nrun 2s\n"
                   "set acks majority\nw4: put x 4\nrun 2s\n"
                   "set acks 0\nw5: put x 5\nrun 2s\n",
                   NULL);
    const struct op *w1 = op_by_label(run, "w1"), *w2 = op_by_label(run, "w2");
    const struct op *w3 = op_by_label(run, "w3"), *w4 = op_by_label(run, "w4");
    const struct op *w5 = op_by_label(run, "w5");
    assert_int_equal(w1->status, OP_OK);
    assert_in_range((uint64_t)(w1->complete_us - w1->invoke_us), 100000, 299999);
    assert_true(w2->complete_us - w2->invoke_us < 10000);
    assert_true(w3->complete_us - w3->invoke_us >= 300000);
    assert_in_range((uint64_t)(w4->complete_us - w4->invoke_us), 100000, 299999);
    assert_true(w5->complete_us - w5->invoke_us < 10000);
    /* acks=0: ok the moment it was sent, with no answer from anyone. */
    assert_int_equal(w5->complete_us, w5->invoke_us);
    assert_non_null(strstr(w5->detail, "no answer awaited"));
    script_run_destroy(run);
}

/* ---- truncation ---- */

static void test_truncation_point_is_end_of_shared_epoch(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;
    const struct store *s;

    (void)state;
    /* n1 appends three writes in epoch 1 that nobody fetches, then dies; the new leader
     * writes two entries in epoch 2 from offset 1. n1 must cut back to offset 1. */
    run = run_text("model leader\nnodes 3\nseed 8\nlatency 10ms..20ms\nset acks 1\n"
                   "w0: put x 0\nrun 500ms\n"
                   "cut n1 n2\ncut n1 n3\n"
                   "a1: put x 1 via n1\na2: put x 2 via n1\na3: put x 3 via n1\nrun 10ms\n"
                   "kill n1\nmend n1 n2\nmend n1 n3\nrun 3s\nexpect leaders == 1\n"
                   "b1: put y 1\nb2: put y 2\nrun 500ms\nexpect b2 ok\n"
                   "expect logend n1 == 4\n"
                   "restart n1\nrun 3s\n"
                   "expect logend n1 == 4\nexpect not holds n1 a1\nexpect holds n1 b2\n"
                   "expect converged x\nexpect converged y\n",
                   rec);
    assert_int_equal(rec_count(rec, TRACE_TRUNCATE, 0, NULL, NULL), 1);
    for (int i = 0; i < rec->n; i++) {
        if (rec->ev[i].kind == TRACE_TRUNCATE) {
            assert_int_equal(rec->ev[i].a, 1); /* from offset 1 */
            assert_int_equal(rec->ev[i].b, 3); /* three entries removed */
        }
    }
    /* Every entry carries its epoch; n1 now holds the new leader's history, which starts
     * with its epoch-start marker. */
    s = engine_store(script_run_engine(run), 0);
    assert_int_equal(store_log_at(s, 0)->epoch, 1);
    assert_int_equal(store_log_at(s, 1)->epoch, 2);
    assert_string_equal(store_log_at(s, 1)->key, "");
    assert_int_equal(store_log_at(s, 2)->epoch, 2);
    assert_int_equal(store_log_at(s, 3)->epoch, 2);
    script_run_destroy(run);
    free(rec);
}

static void test_no_truncation_when_logs_agree(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 9\nlatency 10ms..20ms\nset acks all\n"
                   "w1: put x 1\nw2: put x 2\nrun 500ms\nkill n1\nrun 3s\n"
                   "w3: put x 3\nrun 500ms\nrestart n1\nrun 3s\nexpect converged x\n"
                   "expect holds n1 w2\nexpect holds n1 w3\n",
                   rec);
    assert_int_equal(rec_count(rec, TRACE_TRUNCATE, -1, NULL, NULL), 0);
    script_run_destroy(run);
    free(rec);
}

/* ---- vote rules ---- */

static int leader_events(const struct recorder *rec, int node)
{
    return rec_count(rec, TRACE_ROLE, node, "leader", NULL);
}

/* n3 misses w2, committed by n1 and n2; both go down; n3 returns, then n2. */
static void stale_candidate(char *dst, size_t size, const char *setting, const char *tail)
{
    snprintf(dst, size,
             "model leader\nnodes 3\nseed 7\nlatency 10ms..30ms\nset acks all\n%s"
             "w1: put x 1\nrun 500ms\nkill n3\nw2: put x 2\nrun 1s\nexpect w2 ok\n"
             "kill n1\nkill n2\nrestart n3\nrun 3s\nexpect leaders == 0\nrestart n2\n"
             "run 3s\n%s",
             setting, tail);
}

static void test_vote_refused_to_less_up_to_date_candidate(void **state)
{
    struct recorder *rec = rec_new();
    char text[1024];
    struct script_run *run;

    (void)state;
    stale_candidate(text, sizeof(text), "", "expect leader n2\nexpect holds n3 w2\n");
    run = run_text(text, rec);
    /* n3 stood but never won; n2 did, and n3 then fetched the committed write. */
    assert_true(rec_count(rec, TRACE_ROLE, 2, "candidate", NULL) +
                    rec_count(rec, TRACE_ROLE, 2, "precandidate", NULL) >
                0);
    assert_int_equal(leader_events(rec, 2), 0);
    assert_int_equal(leader_events(rec, 1), 1);
    script_run_destroy(run);
    free(rec);
}

static void test_unclean_vote_ignores_logs(void **state)
{
    struct recorder *rec = rec_new();
    char text[1024];
    struct script_run *run;

    (void)state;
    stale_candidate(text, sizeof(text), "set unclean on\n",
                    "expect leader n3\nexpect not holds n2 w2\n");
    run = run_text(text, rec);
    assert_int_equal(leader_events(rec, 2), 1);
    assert_true(rec_count(rec, TRACE_TRUNCATE, 1, NULL, NULL) > 0);
    script_run_destroy(run);
    free(rec);
}

static void test_isolated_follower_does_not_disrupt(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    /* n3 loses the leader but n2 still hears it: pre-votes fail, so no epoch moves. */
    run = run_text("model leader\nnodes 3\nseed 10\nlatency 10ms..20ms\n"
                   "cut n1 n3\nrun 5s\n"
                   "expect leader n1\nexpect epoch n1 == 1\nexpect epoch n2 == 1\n"
                   "expect epoch n3 == 1\nexpect leaders_per_epoch == 1\n"
                   "mend n1 n3\nrun 2s\nexpect leader n1\n",
                   rec);
    assert_true(rec_count(rec, TRACE_SUSPECT, 2, NULL, "no fetch response") > 0);
    assert_int_equal(rec_count(rec, TRACE_ROLE, 2, "candidate", NULL), 0);
    script_run_destroy(run);
    free(rec);
}

static void test_naive_election_promotes_without_votes(void **state)
{
    struct script_run *run;

    (void)state;
    /* Every isolated node promotes itself; n2 and n3 both take epoch 2. Healing deposes the
     * epoch-1 leader (fencing), but nothing settles the tie within epoch 2. */
    run = run_text("model leader\nnodes 3\nseed 11\nlatency 10ms..20ms\nset election naive\n"
                   "partition n1 | n2 | n3\nrun 3s\nexpect leaders == 3\n"
                   "expect leaders_per_epoch == 2\n"
                   "heal\nrun 3s\nexpect not leader n1\nexpect epoch n1 == 2\n",
                   NULL);
    script_run_destroy(run);
    run = run_text("model leader\nnodes 3\nseed 11\nlatency 10ms..20ms\n"
                   "partition n1 | n2 | n3\nrun 3s\nexpect leaders == 0\n"
                   "heal\nrun 3s\nexpect leaders == 1\nexpect leaders_per_epoch == 1\n",
                   NULL);
    script_run_destroy(run);
}

/* ---- reads, redirects, sessions, lease ---- */

static void test_follower_redirects_or_fails(void **state)
{
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 12\nlatency 10ms..20ms\n"
                   "w1: put x 1 via n2\nrun 500ms\nexpect w1 ok\n"
                   "r1: get x via n3\nrun 200ms\nexpect r1 == 1\n"
                   "set not_leader fail\nw2: put x 2 via n2\nrun 200ms\nexpect w2 fail\n",
                   NULL);
    assert_int_equal(op_by_label(run, "w1")->redirects, 1);
    assert_int_equal(op_by_label(run, "w1")->node, 0);
    assert_int_equal(op_by_label(run, "r1")->node, 0);
    assert_string_equal(op_by_label(run, "w2")->reason, "not leader");
    script_run_destroy(run);
}

static void test_sticky_session_keeps_one_replica(void **state)
{
    char text[4096];
    struct script_run *run;
    int distinct;

    (void)state;
    for (int sticky = 0; sticky < 2; sticky++) {
        bool seen[3] = {false, false, false};
        snprintf(text, sizeof(text),
                 "model leader\nnodes 3\nseed 13\nset reads any\nset session %s\n"
                 "w1: put x 1\nrun 200ms\n",
                 sticky ? "sticky" : "none");
        for (int i = 0; i < 20; i++) {
            char line[64];
            snprintf(line, sizeof(line), "r%d: get x\nrun 20ms\n", i);
            strncat(text, line, sizeof(text) - strlen(text) - 1);
        }
        run = run_text(text, NULL);
        for (int i = 1; i < 20; i++) {
            char label[8];
            snprintf(label, sizeof(label), "r%d", i);
            seen[op_by_label(run, label)->node] = true;
        }
        distinct = seen[0] + seen[1] + seen[2];
        if (sticky)
            assert_int_equal(distinct, 1);
        else
            assert_true(distinct > 1);
        script_run_destroy(run);
    }
}

static void test_committed_vs_log_visibility(void **state)
{
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 14\nlatency 10ms..20ms\nset acks 1\n"
                   "set reads any\nset election_timeout 10s\nset lag_max 5s\ncut n1 n3\n"
                   "run 100ms\nw1: put x 1\nrun 200ms\n"
                   "expect value n2 x == nil\nexpect logend n2 == 1\n"
                   "set visible log\nexpect value n2 x == 1\n",
                   NULL);
    script_run_destroy(run);
}

static void test_lease_refuses_reads_after_pause(void **state)
{
    struct script_run *run;

    (void)state;
    /* Without a lease the paused (deposed) leader answers from its log; with one it refuses. */
    run = run_text("model leader\nnodes 3\nseed 15\nlatency 10ms..20ms\nset acks all\n"
                   "w1: put x 1\nrun 500ms\npause n1 for 1500ms\nrun 100ms\n"
                   "r1: get x via n1\nrun 1500ms\nexpect r1 == 1\n",
                   NULL);
    script_run_destroy(run);
    run = run_text("model leader\nnodes 3\nseed 15\nlatency 10ms..20ms\nset acks all\n"
                   "set lease 400ms\nw1: put x 1\nrun 500ms\nr0: get x\nrun 100ms\n"
                   "expect r0 == 1\npause n1 for 1500ms\nrun 100ms\n"
                   "r1: get x via n1\nrun 1500ms\nexpect r1 fail\n",
                   NULL);
    assert_non_null(strstr(op_by_label(run, "r1")->reason, "lease"));
    script_run_destroy(run);
}

static void test_memory_durability_restarts_empty(void **state)
{
    struct script_run *run;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 16\nlatency 10ms..20ms\nset durability memory\n"
                   "w1: put x 1\nrun 500ms\nrestart n3\nexpect logend n3 == 0\n"
                   "expect epoch n3 == 0\nrun 3s\nexpect logend n3 == 1\nexpect epoch n3 == 1\n",
                   NULL);
    script_run_destroy(run);
}

static void test_start_leader_and_quiet(void **state)
{
    struct script_run *run;

    (void)state;
    /* `set leader` picks the leader of epoch 1; idle fetches do not keep `run until quiet`
     * waiting, but unreplicated entries do. */
    run = run_text("model leader\nnodes 5\nseed 17\nlatency 10ms..20ms\nset leader n4\n"
                   "set acks 1\nw1: put x 1\nrun until quiet\nexpect leader n4\n"
                   "expect w1 ok\nexpect converged x\nexpect value n1 x == 1\n"
                   "expect hw n2 == 1\n",
                   NULL);
    assert_false(script_run_unquiet(run));
    assert_int_equal(op_by_label(run, "w1")->node, 3);
    assert_true(engine_now(script_run_engine(run)) < 1000000);
    script_run_destroy(run);
}

/* ---- the property run ---- */

struct role_watch {
    struct trace_observer obs;
    int64_t leader_of[1024]; /* node + 1 that led epoch i, 0 none */
    bool shared;
};

static void watch_fn(struct trace_observer *self, const struct trace_event *ev)
{
    struct role_watch *w =
        (struct role_watch *)(void *)((char *)self - offsetof(struct role_watch, obs));

    if (ev->kind != TRACE_ROLE)
        return;
    /* The typed variant and the role's word agree. */
    assert_int_equal(ev->sub == TRACE_SUB_LEADS, strcmp(ev->name, "leader") == 0);
    if (ev->sub != TRACE_SUB_LEADS)
        return;
    /* Epochs past the table are not expected in four seconds of chaos; they go unchecked. */
    if (ev->a < 0 || ev->a >= 1024)
        return;
    if (w->leader_of[ev->a] && w->leader_of[ev->a] != ev->node + 1)
        w->shared = true;
    w->leader_of[ev->a] = ev->node + 1;
}

static void set_or_fail(struct engine *e, const char *k, const char *v)
{
    char err[200];

    assert_int_equal(engine_set(e, k, v, err, sizeof(err)), 0);
}

static int run_one_seed(uint64_t seed, int n)
{
    struct engine *e;
    struct role_watch *w = calloc(1, sizeof(*w));
    struct sim_rng rng;
    int acked = 0, leader = -1;
    int64_t t = 0;
    uint64_t act, last_ids[4];
    struct trace_jsonl jw;

    assert_non_null(w);
    w->obs.fn = watch_fn;
    assert_int_equal(engine_create("leader", n, seed, &e), 0);
    trace_subscribe(engine_trace(e), &w->obs);
    /* LEADER_TRACE=1 writes every seed's trace to stderr, to replay a failing seed. */
    if (getenv("LEADER_TRACE")) {
        trace_jsonl_init(&jw, stderr);
        trace_subscribe(engine_trace(e), &jw.obs);
    }
    set_or_fail(e, "acks", "all");
    set_or_fail(e, "min_insync", n == 3 ? "2" : "3");
    set_or_fail(e, "election", "majority");
    set_or_fail(e, "unclean", "off");
    set_or_fail(e, "fencing", "on");
    set_or_fail(e, "op_timeout", "1s");
    sim_rng_seed(&rng, seed, 99);
    {
        struct engine_link_cfg cfg = {5000, 40000, -1, -1, -1};
        engine_link(e, -1, -1, true, &cfg);
    }
    /* Four seconds of chaos: a write every 40ms from one of four clients, a fault now and then. */
    for (int step = 0; step < 100; step++) {
        char val[16];
        struct engine_op_spec op = {0};
        t += 40000;
        snprintf(val, sizeof(val), "v%d", step);
        op.client = step % 4;
        op.kind = OP_PUT;
        op.key = step % 2 ? "x" : "y";
        op.value = val;
        op.via = -1;
        assert_true(engine_submit(e, &op) > 0);
        if (sim_rng_chance(&rng, 1500)) {
            int node = (int)sim_rng_below(&rng, (uint64_t)n);
            switch (sim_rng_below(&rng, 6)) {
            case 0:
                engine_kill(e, node);
                break;
            case 1:
                engine_restart(e, node, false);
                break;
            case 2: {
                int group[ENGINE_MAX_NODES] = {0};
                for (int i = 0; i < n; i++)
                    group[i] = (int)sim_rng_below(&rng, 2);
                group[node] = 1;
                engine_partition(e, group);
                break;
            }
            case 3:
                engine_heal(e);
                break;
            case 4:
                engine_pause(e, node, sim_rng_range(&rng, 100000, 1500000));
                break;
            default:
                engine_cut(e, node, (node + 1) % n, sim_rng_chance(&rng, 5000), true);
                break;
            }
        }
        while (engine_run_until(e, t, &act) == ENGINE_ACTION)
            ;
    }
    /* Calm: everything heals and comes back, and the cluster settles. */
    engine_heal(e);
    for (int i = 0; i < n; i++) {
        struct engine_node info;
        engine_node(e, i, &info);
        if (info.state == NODE_CRASHED)
            engine_restart(e, i, false);
        else if (info.state == NODE_PAUSED)
            engine_resume(e, i);
    }
    t += 4000000;
    while (engine_run_until(e, t, &act) == ENGINE_ACTION)
        ;
    /* Once calm, the cluster takes writes again. */
    for (int i = 0; i < 4; i++) {
        struct engine_op_spec op = {0};
        op.client = i;
        op.kind = OP_PUT;
        op.key = "z";
        op.value = "calm";
        op.via = -1;
        last_ids[i] = (uint64_t)engine_submit(e, &op);
    }
    t += 2000000;
    while (engine_run_until(e, t, &act) == ENGINE_ACTION)
        ;
    for (int i = 0; i < 4; i++)
        if (history_at(engine_history(e), last_ids[i])->status != OP_OK)
            fail_msg("seed %llu: a write after the calm did not succeed: %s",
                     (unsigned long long)seed, history_at(engine_history(e), last_ids[i])->reason);
    for (int i = 0; i < n; i++) {
        struct engine_node info;
        engine_node(e, i, &info);
        /* The typed flag and the role's word agree. */
        assert_int_equal(info.desc.leads, strcmp(info.desc.role, "leader") == 0);
        if (info.desc.leads) {
            assert_int_equal(leader, -1); /* one leader once calm */
            leader = i;
        }
    }
    if (leader < 0)
        fail_msg("seed %llu: no leader after the calm", (unsigned long long)seed);
    if (w->shared)
        fail_msg("seed %llu: two leaders shared an epoch", (unsigned long long)seed);
    {
        const struct history *h = engine_history(e);
        const struct store *s = engine_store(e, leader);
        for (uint64_t id = 1; id <= history_count(h); id++) {
            const struct op *op = history_at(h, id);
            bool found = false;
            if (op->status != OP_OK)
                continue;
            acked++;
            for (int64_t o = 0; o < store_log_end(s) && !found; o++)
                found = store_log_at(s, o)->op_id == id;
            if (!found)
                fail_msg("seed %llu: acknowledged write %s (%s=%s) is lost",
                         (unsigned long long)seed, op->label, op->req.key, op->req.value);
        }
    }
    trace_unsubscribe(engine_trace(e), &w->obs);
    engine_destroy(e);
    free(w);
    return acked;
}

static void test_property_no_acked_write_lost(void **state)
{
    int seeds = prop_seeds(100), acked = 0;

    (void)state;
    for (int s = 1; s <= seeds; s++)
        acked += run_one_seed((uint64_t)s, 3);
    for (int s = 1; s <= seeds / 4; s++)
        acked += run_one_seed((uint64_t)s, 5);
    /* The chaos must leave room for progress, or the property says nothing. */
    assert_true(acked > seeds * 20);
    print_message("%d seeds on 3 nodes and %d on 5, %d acknowledged writes, none lost\n", seeds,
                  seeds / 4, acked);
}

/* ---- the controller, elections, commitment (model fidelity) ---- */

static void test_stale_leader_cannot_shrink_isr(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;
    struct check_lost lost;

    (void)state;
    /* min_insync 1, fencing off: the resumed leader of epoch 1 asks to drop its followers
     * from the ISR; the controller quorum, in epoch 2, refuses; nothing is acknowledged. */
    run = run_file("assets/scenarios/leader/paused_leader_controller.scn", rec);
    assert_true(rec_count(rec, TRACE_NOTE, 0, "isr_fenced", "epoch 1 is stale") >= 1);
    assert_int_equal(rec_count(rec, TRACE_NOTE, 0, "isr", "ISR is now n1:"), 0);
    assert_int_equal(op_by_label(run, "w1")->status, OP_FAIL);
    assert_string_equal(op_by_label(run, "w1")->reason,
                        "not leader: the controller fenced it, a newer epoch leads");
    lost_witness(run, &lost);
    assert_int_equal(lost.lost, 0);
    script_run_destroy(run);
    free(rec);
}

static void test_isr_change_needs_a_majority(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    /* Cut off from everyone, the leader wants {n1} but no majority can accept it. */
    run = run_text("model leader\nnodes 3\nseed 5\nlatency 10ms..20ms\nset acks all\n"
                   "set election_timeout 10s\nw1: put x 1\nrun 300ms\nexpect w1 ok\n"
                   "partition n1 | n2 | n3\nw2: put x 2\nrun 1s\n"
                   "expect isr_wanted n1 == {n1}\nexpect isr n1 == {n1,n2,n3}\nexpect w2 pending\n"
                   "heal\nrun 1s\nexpect w2 ok\nexpect isr n1 == {n1,n2,n3}\n",
                   rec);
    assert_true(rec_count(rec, TRACE_NOTE, 0, "isr_propose", "ISR n1 in epoch 1") >= 1);
    /* Nothing committed the smaller ISR while the partition lasted (it began at 300ms). */
    for (int i = 0; i < rec->n; i++)
        if (rec->ev[i].kind == TRACE_NOTE && strcmp(rec->ev[i].name, "isr") == 0)
            assert_true(rec->ev[i].t_us < 300000 || rec->ev[i].t_us >= 1300000);
    script_run_destroy(run);
    free(rec);
}

static void test_offline_then_unclean_election(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;
    struct check_lost lost;

    (void)state;
    run = run_file("assets/scenarios/leader/offline_unclean.scn", rec);
    assert_string_equal(op_by_label(run, "w4")->reason,
                        "offline: no in-sync replica alive; unclean elections are off");
    assert_true(rec_count(rec, TRACE_NOTE, -1, "offline", "not in the ISR n1") >= 1);
    /* The unclean election is its own event, naming the replica and what it lacks. */
    assert_int_equal(rec_count(rec, TRACE_NOTE, 1, "unclean", "n2 leads epoch"), 1);
    assert_int_equal(rec_count(rec, TRACE_NOTE, 1, "unclean", "from offset 2"), 1);
    lost_witness(run, &lost);
    assert_int_equal(lost.lost, 1);
    assert_non_null(strstr(lost.witness, "allowed by min_insync=1"));
    assert_non_null(strstr(lost.witness, "allowed by unclean=on"));
    script_run_destroy(run);
    free(rec);
}

static void test_new_leader_commits_through_its_marker(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;
    const struct store *s;

    (void)state;
    run = run_file("assets/scenarios/leader/epoch_start_commit.scn", rec);
    /* n2 held w2 (epoch 1) with n3 before its marker was replicated: its hw never stopped
     * at 2, it went from 1 past the marker to 3. */
    assert_int_equal(rec_count(rec, TRACE_COMMIT, 1, NULL, "high watermark 2"), 0);
    assert_int_equal(rec_count(rec, TRACE_COMMIT, 1, NULL, "high watermark 3"), 1);
    assert_int_equal(rec_count(rec, TRACE_APPEND, 1, NULL, "epoch 2 starts"), 1);
    s = engine_store(script_run_engine(run), 1);
    assert_int_equal(store_log_at(s, 1)->epoch, 1);
    assert_int_equal(store_log_at(s, 2)->epoch, 2);
    assert_string_equal(store_log_at(s, 2)->key, "");
    script_run_destroy(run);
    free(rec);
}

static void test_acks_majority_hw_follows_the_ack(void **state)
{
    struct script_run *run;

    (void)state;
    run = run_file("assets/scenarios/leader/acks_majority_read.scn", NULL);
    assert_true(op_by_label(run, "r1")->invoke_us >= op_by_label(run, "w1")->complete_us);
    assert_string_equal(op_by_label(run, "r1")->result.v[0], "1");
    script_run_destroy(run);
}

static void test_stale_fetch_responses_are_ignored(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    run = run_file("assets/scenarios/leader/duplicate_fetch.scn", rec);
    assert_true(rec_count(rec, TRACE_NOTE, -1, "stale", "already answered") > 0);
    for (int i = 0; i < 3; i++)
        assert_true(hw_monotonic(rec, i));
    assert_int_equal(rec_count(rec, TRACE_NOTE, -1, "hw_back", NULL), 0);
    script_run_destroy(run);
    free(rec);
}

static void test_acks0_is_fire_and_forget(void **state)
{
    struct script_run *run;
    struct check_lost lost;
    const struct op *w1;

    (void)state;
    run = run_file("assets/scenarios/leader/acks0_lost.scn", NULL);
    w1 = op_by_label(run, "w1");
    assert_int_equal(w1->status, OP_OK);
    assert_int_equal(w1->complete_us, w1->invoke_us);
    lost_witness(run, &lost);
    assert_int_equal(lost.lost, 1);
    assert_non_null(strstr(lost.witness, "allowed by acks=0"));
    script_run_destroy(run);
}

static void test_acks1_loss_names_the_setting(void **state)
{
    struct script_run *run;
    struct check_lost lost;

    (void)state;
    run = run_file("assets/scenarios/leader/acks_one_loss.scn", NULL);
    lost_witness(run, &lost);
    assert_int_equal(lost.lost, 1);
    assert_non_null(strstr(lost.witness, "allowed by acks=1"));
    script_run_destroy(run);
}

static void test_retries_duplicate_unless_idempotent(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    run = run_file("assets/scenarios/leader/retries_idempotence.scn", rec);
    assert_int_equal(op_by_label(run, "w1")->retries, 1);
    assert_int_equal(rec_count(rec, TRACE_NOTE, 0, "duplicate", "x=1"), 1);
    assert_int_equal(op_by_label(run, "w2")->retries, 1);
    assert_int_equal(rec_count(rec, TRACE_NOTE, 0, "dedup", "x=2"), 1);
    assert_int_equal(rec_count(rec, TRACE_NOTE, 0, "duplicate", "x=2"), 0);
    script_run_destroy(run);
    free(rec);
}

/* The checker sees the duplicate the retry left in the logs, and names the write; with
 * idempotence on it sees none. */
static void test_duplicates_checker(void **state)
{
    struct script_run *run;
    struct check_dup dup;
    const struct op *w1;

    (void)state;
    run = run_text("model leader\nnodes 3\nseed 7\nlatency 10ms..30ms\nset acks all\n"
                   "set retries 2\nset op_timeout 300ms\nlink n1 -> n2 delay 400ms..400ms\n"
                   "link n1 -> n3 delay 400ms..400ms\nw1: put x 1\nrun 3s\n",
                   NULL);
    check_duplicates(script_run_engine(run), &dup);
    w1 = op_by_label(run, "w1");
    assert_true(dup.has_log);
    assert_int_equal(dup.writes, 1);
    assert_true(dup.copies >= 1); /* n1's log, and each follower that fetched the copy */
    assert_int_equal(dup.first, w1->id);
    assert_non_null(strstr(dup.witness, "w1 put x=1"));
    script_run_destroy(run);
    run = run_text("model leader\nnodes 3\nseed 7\nlatency 10ms..30ms\nset acks all\n"
                   "set retries 2\nset idempotence on\nset op_timeout 300ms\n"
                   "link n1 -> n2 delay 400ms..400ms\nlink n1 -> n3 delay 400ms..400ms\n"
                   "w1: put x 1\nrun 3s\n",
                   NULL);
    check_duplicates(script_run_engine(run), &dup);
    assert_true(dup.has_log);
    assert_int_equal(dup.writes, 0);
    assert_int_equal(dup.copies, 0);
    script_run_destroy(run);
}

static void test_check_quorum_is_a_parameter(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;

    (void)state;
    run = run_file("assets/scenarios/leader/check_quorum_off.scn", rec);
    /* Off: n1 never stepped down by itself; on: the isolated leader did. */
    assert_int_equal(rec_count(rec, TRACE_SUSPECT, 0, NULL, "check-quorum"), 0);
    assert_int_equal(rec_count(rec, TRACE_SUSPECT, -1, NULL, "check-quorum"), 1);
    script_run_destroy(run);
    free(rec);
}

static void test_lease_margin_against_a_slow_clock(void **state)
{
    struct script_run *run;

    (void)state;
    run = run_file("assets/scenarios/leader/lease_margin_zero.scn", NULL);
    assert_int_equal(op_by_label(run, "r1")->status, OP_OK);
    script_run_destroy(run);
    run = run_file("assets/scenarios/leader/lease_margin.scn", NULL);
    assert_int_equal(op_by_label(run, "r1")->status, OP_FAIL);
    assert_string_equal(op_by_label(run, "r1")->reason, "no lease: cannot vouch for being leader");
    script_run_destroy(run);
}

/* When node first stepped down by check-quorum, or -1. */
static int64_t first_check_quorum_us(const struct recorder *r, int node)
{
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].kind == TRACE_SUSPECT && r->ev[i].node == node &&
            strstr(r->ev[i].text, "check-quorum"))
            return r->ev[i].t_us;
    return -1;
}

static void test_timeout_clock_wall_vs_monotonic(void **state)
{
    struct recorder *rec = rec_new();
    struct script_run *run;
    const struct op *w2, *r1;

    (void)state;
    /* Wall: the NTP step back stretches n1's lease and check-quorum by 5 s. It still leads after
     * the new leader committed x=2, serves x=1, and steps down only seconds later. */
    run = run_file("assets/scenarios/leader/lease_wall_clock.scn", rec);
    w2 = op_by_label(run, "w2");
    r1 = op_by_label(run, "r1");
    assert_int_equal(r1->status, OP_OK);
    assert_true(first_check_quorum_us(rec, 0) > w2->complete_us + 2000000);
    script_run_destroy(run);
    free(rec);
    /* Monotonic: the same step changes nothing; cut off, n1 steps down before the new leader is
     * elected, and the read through it fails. */
    rec = rec_new();
    run = run_file("assets/scenarios/leader/lease_monotonic_clock.scn", rec);
    w2 = op_by_label(run, "w2");
    r1 = op_by_label(run, "r1");
    assert_int_equal(r1->status, OP_FAIL);
    assert_true(first_check_quorum_us(rec, 0) > 0);
    assert_true(first_check_quorum_us(rec, 0) < w2->invoke_us);
    script_run_destroy(run);
    free(rec);
}

static void test_leases_do_not_stop_elections(void **state)
{
    (void)state;
    /* lease >= 2 x election_timeout: followers still draw lease + jitter, so a crashed
     * leader is replaced on every seed. */
    for (int seed = 1; seed <= 40; seed++) {
        char text[400];
        struct script_run *run;
        snprintf(text, sizeof(text),
                 "model leader\nnodes 3\nseed %d\nlatency 5ms..15ms\nset lease 1s\n"
                 "set election_timeout 200ms\nw1: put x 1\nrun 300ms\nkill n1\nrun 4s\n"
                 "expect leaders == 1\nw2: put x 2\nrun 500ms\nexpect w2 ok\n",
                 seed);
        run = run_text(text, NULL);
        script_run_destroy(run);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hw_waits_for_slowest_isr_member),
        cmocka_unit_test(test_hw_only_moves_with_min_insync),
        cmocka_unit_test(test_isr_shrinks_after_lag_max_and_rejoins),
        cmocka_unit_test(test_min_insync_refuses_acks_all),
        cmocka_unit_test(test_acks_counts_replicas),
        cmocka_unit_test(test_truncation_point_is_end_of_shared_epoch),
        cmocka_unit_test(test_no_truncation_when_logs_agree),
        cmocka_unit_test(test_vote_refused_to_less_up_to_date_candidate),
        cmocka_unit_test(test_unclean_vote_ignores_logs),
        cmocka_unit_test(test_isolated_follower_does_not_disrupt),
        cmocka_unit_test(test_naive_election_promotes_without_votes),
        cmocka_unit_test(test_follower_redirects_or_fails),
        cmocka_unit_test(test_sticky_session_keeps_one_replica),
        cmocka_unit_test(test_committed_vs_log_visibility),
        cmocka_unit_test(test_lease_refuses_reads_after_pause),
        cmocka_unit_test(test_memory_durability_restarts_empty),
        cmocka_unit_test(test_start_leader_and_quiet),
        cmocka_unit_test(test_stale_leader_cannot_shrink_isr),
        cmocka_unit_test(test_isr_change_needs_a_majority),
        cmocka_unit_test(test_offline_then_unclean_election),
        cmocka_unit_test(test_new_leader_commits_through_its_marker),
        cmocka_unit_test(test_acks_majority_hw_follows_the_ack),
        cmocka_unit_test(test_stale_fetch_responses_are_ignored),
        cmocka_unit_test(test_acks0_is_fire_and_forget),
        cmocka_unit_test(test_acks1_loss_names_the_setting),
        cmocka_unit_test(test_retries_duplicate_unless_idempotent),
        cmocka_unit_test(test_duplicates_checker),
        cmocka_unit_test(test_check_quorum_is_a_parameter),
        cmocka_unit_test(test_lease_margin_against_a_slow_clock),
        cmocka_unit_test(test_timeout_clock_wall_vs_monotonic),
        cmocka_unit_test(test_leases_do_not_stop_elections),
        cmocka_unit_test(test_property_no_acked_write_lost),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
