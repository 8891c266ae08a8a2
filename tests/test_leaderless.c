/*
 * test_leaderless: the Dynamo-style model's building blocks — ring placement
 * and preference lists, dotted version vector dominance, Merkle tree diffs;
 * the read repair modes and sloppy quorum with hinted handoff through the
 * engine, and property runs over many seeds: with W + R > N, no sloppy
 * quorum and one client doing read-modify-writes (or blind writes under
 * last-write-wins), no successful read is stale.
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
#include "../engine/dvv.h"
#include "../engine/engine.h"
#include "../engine/leaderless.h"
#include "../engine/script.h"
#include "../engine/sim.h"
#include "../engine/util.h"
#include "prop.h"

/* ---- ring ---- */

static void test_ring_walk_names_every_node_once(void **state)
{
    struct leaderless_ring *r = leaderless_ring_create(7);
    struct leaderless_ring *again = leaderless_ring_create(7);

    (void)state;
    for (int k = 0; k < 200; k++) {
        char key[16];
        int walk[CLOCK_MAX_NODES], walk2[CLOCK_MAX_NODES];
        int seen[7] = {0};
        snprintf(key, sizeof(key), "key%d", k);
        assert_int_equal(leaderless_ring_walk(r, key, walk), 7);
        leaderless_ring_walk(again, key, walk2);
        for (int i = 0; i < 7; i++) {
            assert_true(walk[i] >= 0 && walk[i] < 7);
            seen[walk[i]]++;
            assert_int_equal(walk[i], walk2[i]); /* same ring, same walk */
        }
        for (int i = 0; i < 7; i++)
            assert_int_equal(seen[i], 1);
    }
    leaderless_ring_destroy(r);
    leaderless_ring_destroy(again);
}

static void test_ring_spreads_keys(void **state)
{
    struct leaderless_ring *r = leaderless_ring_create(5);
    int primary[5] = {0}, replica[5] = {0};
    const int keys = 5000;

    (void)state;
    for (int k = 0; k < keys; k++) {
        char key[16];
        int walk[CLOCK_MAX_NODES];
        snprintf(key, sizeof(key), "user:%d", k);
        leaderless_ring_walk(r, key, walk);
        primary[walk[0]]++;
        for (int i = 0; i < 3; i++)
            replica[walk[i]]++;
    }
    for (int i = 0; i < 5; i++) {
        /* A fair share is 20% as primary and 60% as one of three replicas. */
        assert_in_range(primary[i], keys / 10, keys * 3 / 10);
        assert_in_range(replica[i], keys * 45 / 100, keys * 75 / 100);
    }
    leaderless_ring_destroy(r);
}

/* A joining node claims every fourth partition of a ring of three, and nothing else moves. */
static void test_ring_join_claims_a_quarter(void **state)
{
    struct leaderless_ring *before = leaderless_ring_create_first(4, 3), *after;
    int moved = 0;

    (void)state;
    assert_false(leaderless_ring_member(before, 3));
    for (int p = 0; p < LEADERLESS_PARTITIONS; p++)
        assert_int_not_equal(leaderless_ring_owner(before, p), 3);
    after = leaderless_ring_copy(before);
    assert_int_equal(leaderless_ring_claim(after, 3), LEADERLESS_PARTITIONS / 4);
    assert_true(leaderless_ring_member(after, 3));
    for (int p = 0; p < LEADERLESS_PARTITIONS; p++) {
        int was = leaderless_ring_owner(before, p), is = leaderless_ring_owner(after, p);
        if (was != is) {
            assert_int_equal(is, 3);
            moved++;
        }
    }
    assert_int_equal(moved, LEADERLESS_PARTITIONS / 4);
    /* Each of the three members gave up a share. */
    for (int m = 0; m < 3; m++) {
        int gave = 0;
        for (int p = 0; p < LEADERLESS_PARTITIONS; p++)
            gave += leaderless_ring_owner(before, p) == m && leaderless_ring_owner(after, p) == 3;
        assert_true(gave >= 4);
    }
    leaderless_ring_destroy(before);
    leaderless_ring_destroy(after);
}

static void test_targets_skip_suspects_only_when_sloppy(void **state)
{
    int order[5] = {4, 0, 3, 1, 2};
    bool suspect[5] = {false};
    int node[5], home[5], k;

    (void)state;
    /* Nobody suspected: the first n, all home replicas. */
    k = leaderless_targets(order, 5, 3, suspect, true, node, home);
    assert_int_equal(k, 3);
    assert_int_equal(node[0], 4);
    assert_int_equal(node[1], 0);
    assert_int_equal(node[2], 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(home[i], -1);

    /* n1 (index 0) suspected: strict keeps it, sloppy replaces it by the next node, hinted. */
    suspect[0] = true;
    k = leaderless_targets(order, 5, 3, suspect, false, node, home);
    assert_int_equal(k, 3);
    assert_int_equal(node[1], 0);
    assert_int_equal(home[1], -1);
    k = leaderless_targets(order, 5, 3, suspect, true, node, home);
    assert_int_equal(k, 3);
    assert_int_equal(node[0], 4);
    assert_int_equal(node[1], 3);
    assert_int_equal(home[1], -1);
    assert_int_equal(node[2], 1);
    assert_int_equal(home[2], 0);

    /* A suspected stand-in is skipped too; when nobody is left there are fewer targets. */
    suspect[1] = true;
    suspect[2] = true;
    k = leaderless_targets(order, 5, 3, suspect, true, node, home);
    assert_int_equal(k, 2);
    assert_int_equal(node[0], 4);
    assert_int_equal(node[1], 3);
    k = leaderless_targets(order, 5, 3, suspect, false, node, home);
    assert_int_equal(k, 3);
}

/* ---- dotted version vectors ---- */

static struct store_version dv(const char *value, int origin, uint64_t dot, const int *ctx,
                               int64_t ts)
{
    struct store_version v;

    memset(&v, 0, sizeof(v));
    snprintf(v.value, sizeof(v.value), "%s", value);
    v.origin = origin;
    v.lamport = dot;
    v.ts_us = ts;
    for (int i = 0; ctx && i < 4; i++)
        v.vc.v[i] = (uint32_t)ctx[i];
    return v;
}

static void test_dvv_dominance(void **state)
{
    int none[4] = {0, 0, 0, 0};
    int saw_ab[4] = {1, 1, 0, 0};
    struct store_version a = dv("A", 0, 1, none, 10);
    struct store_version b = dv("B", 1, 1, none, 20);
    struct store_version c = dv("C", 2, 1, saw_ab, 30);
    struct store_version set[2] = {a, b};
    struct store_version out[2 * STORE_MAX_SIBLINGS];
    struct vclock ctx;
    int n;

    (void)state;
    /* Concurrent: neither has seen the other; both survive, sorted by dot. */
    assert_false(dvv_seen(&a, &b));
    assert_false(dvv_seen(&b, &a));
    n = dvv_sync(&a, 1, &b, 1, out);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].value, "A");
    assert_string_equal(out[1].value, "B");

    /* The context a reader gets covers both, dots included. */
    dvv_context(set, 2, &ctx);
    assert_int_equal(ctx.v[0], 1);
    assert_int_equal(ctx.v[1], 1);
    assert_int_equal(ctx.v[2], 0);

    /* A write with that context supersedes both, from either side of the merge. */
    assert_true(dvv_seen(&c, &a));
    assert_true(dvv_seen(&c, &b));
    assert_false(dvv_seen(&a, &c));
    n = dvv_sync(set, 2, &c, 1, out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].value, "C");
    n = dvv_sync(&c, 1, set, 2, out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].value, "C");

    /* A copy of the same version is kept once. */
    n = dvv_sync(&a, 1, &a, 1, out);
    assert_int_equal(n, 1);
}

static void test_dvv_same_coordinator_blind_writes_stay_siblings(void **state)
{
    int none[4] = {0, 0, 0, 0};
    int saw_first[4] = {1, 0, 0, 0};
    struct store_version x = dv("X", 0, 1, none, 10);
    struct store_version y = dv("Y", 0, 2, none, 20);
    struct store_version y2 = dv("Y2", 0, 3, saw_first, 30);
    struct store_version out[2 * STORE_MAX_SIBLINGS];
    int n;

    (void)state;
    /* One vector entry per coordinator would say (n1:2) covers (n1:1) and lose X. Dots do not. */
    assert_false(dvv_seen(&y, &x));
    n = dvv_sync(&x, 1, &y, 1, out);
    assert_int_equal(n, 2);
    /* A write whose context includes X's dot does supersede it. */
    assert_true(dvv_seen(&y2, &x));
    assert_false(dvv_seen(&y2, &y));
    n = dvv_sync(out, 2, &y2, 1, out + 2);
    assert_int_equal(n, 2);
    assert_string_equal(out[2].value, "Y");
    assert_string_equal(out[3].value, "Y2");
}

static void test_dvv_sibling_limit_drops_oldest(void **state)
{
    struct store_version many[STORE_MAX_SIBLINGS + 2];
    struct store_version out[2 * STORE_MAX_SIBLINGS];
    int n;

    (void)state;
    for (int i = 0; i < STORE_MAX_SIBLINGS + 2; i++) {
        char v[8];
        snprintf(v, sizeof(v), "v%d", i);
        many[i] = dv(v, i, 1, NULL, 100 + i);
    }
    n = dvv_sync(many, STORE_MAX_SIBLINGS, many + STORE_MAX_SIBLINGS, 2, out);
    assert_int_equal(n, STORE_MAX_SIBLINGS);
    for (int i = 0; i < n; i++) {
        assert_string_not_equal(out[i].value, "v0");
        assert_string_not_equal(out[i].value, "v1");
    }
}

/* ---- Merkle trees ---- */

static struct store_item item(const char *key, const char *value, uint64_t dot)
{
    struct store_item it;

    memset(&it, 0, sizeof(it));
    snprintf(it.key, sizeof(it.key), "%s", key);
    it.n = 1;
    it.v[0] = dv(value, 0, dot, NULL, 5);
    return it;
}

static void build(struct leaderless_merkle *t, const struct store_item *items, int n, bool reverse)
{
    leaderless_merkle_init(t);
    for (int i = 0; i < n; i++)
        leaderless_merkle_add(t, &items[reverse ? n - 1 - i : i]);
    leaderless_merkle_seal(t);
}

static void test_merkle_diff(void **state)
{
    struct store_item a[40], b[41];
    struct leaderless_merkle ta, tb;
    uint32_t mask;

    (void)state;
    for (int i = 0; i < 40; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", i);
        a[i] = item(key, "1", 1);
        b[i] = a[i];
    }
    /* Same keys and versions, added in another order: same tree. */
    build(&ta, a, 40, false);
    build(&tb, b, 40, true);
    assert_int_equal(leaderless_merkle_diff(&ta, &tb), 0);
    assert_true(ta.h[0] != 0);

    /* One key with a newer version: exactly its range differs. */
    b[17] = item("k17", "2", 2);
    build(&tb, b, 40, false);
    mask = leaderless_merkle_diff(&ta, &tb);
    assert_int_equal(mask, 1u << leaderless_merkle_leaf("k17"));
    assert_true(ta.h[0] != tb.h[0]);

    /* Plus a key only one side has: its range differs as well. */
    b[40] = item("extra", "1", 1);
    build(&tb, b, 41, false);
    mask = leaderless_merkle_diff(&ta, &tb);
    assert_true(mask & (1u << leaderless_merkle_leaf("k17")));
    assert_true(mask & (1u << leaderless_merkle_leaf("extra")));
    for (int i = 0; i < LEADERLESS_MERKLE_LEAVES; i++)
        if (i != leaderless_merkle_leaf("k17") && i != leaderless_merkle_leaf("extra"))
            assert_false(mask & (1u << i));

    /* An empty tree against a full one differs wherever the full one has keys. */
    build(&tb, b, 0, false);
    assert_int_equal(tb.h[0], 0);
    assert_true(leaderless_merkle_diff(&ta, &tb) != 0);
}

/* ---- the model through the engine ---- */

static int set_or_fail(struct engine *e, const char *k, const char *v)
{
    char err[200];
    int r = engine_set(e, k, v, err, sizeof(err));

    if (r < 0)
        fail_msg("set %s %s: %s", k, v, err);
    return r;
}

/* Runs until op id finishes (it always does: the client times out). */
static const struct op *finish(struct engine *e, int64_t id)
{
    const struct op *op = NULL;

    for (int i = 0; i < 100; i++) {
        engine_run_until(e, engine_now(e) + 50000, NULL);
        op = history_at(engine_history(e), (uint64_t)id);
        if (op->status != OP_PENDING)
            break;
    }
    assert_non_null(op);
    assert_int_not_equal(op->status, OP_PENDING);
    return op;
}

static int64_t submit(struct engine *e, enum op_kind kind, const char *key, const char *value,
                      int via, uint64_t after)
{
    struct engine_op_spec spec;
    int64_t id;

    memset(&spec, 0, sizeof(spec));
    spec.kind = kind;
    spec.key = key;
    spec.value = value;
    spec.via = via;
    spec.after = after;
    id = engine_submit(e, &spec);
    assert_true(id > 0);
    return id;
}

/* Steps until op id finishes, so the test sees the cluster at the moment the client hears back. */
static const struct op *step_until_done(struct engine *e, int64_t id)
{
    const struct op *op = history_at(engine_history(e), (uint64_t)id);

    for (int i = 0; i < 100000 && op->status == OP_PENDING; i++) {
        assert_int_not_equal(engine_step(e, NULL), ENGINE_EMPTY);
        op = history_at(engine_history(e), (uint64_t)id);
    }
    assert_int_not_equal(op->status, OP_PENDING);
    return op;
}

static void local_is(struct engine *e, int node, const char *key, const char *want)
{
    struct op_values v;
    char got[64];

    engine_read_local(e, node, key, &v);
    op_format_values(&v, got, sizeof(got));
    assert_string_equal(got, want);
}

/* n3 misses a write; then a read via n1 that waits for all three replicas (R=3) meets it. */
static struct engine *stale_n3(const char *read_repair)
{
    struct engine *e;
    int64_t first;
    struct engine_link_cfg link = {10000, 30000, -1, -1, -1};

    assert_int_equal(engine_create("leaderless", 3, 9, &e), 0);
    engine_link(e, -1, -1, false, &link);
    set_or_fail(e, "read_repair", read_repair);
    first = submit(e, OP_PUT, "k", "old", 0, 0);
    finish(e, first);
    engine_run_until(e, engine_now(e) + 200000, NULL);
    engine_kill(e, 2);
    assert_int_equal(finish(e, submit(e, OP_PUT, "k", "new", 0, (uint64_t)first))->status, OP_OK);
    engine_run_until(e, engine_now(e) + 1000000, NULL);
    engine_restart(e, 2, false);
    local_is(e, 2, "k", "old");
    set_or_fail(e, "r", "3");
    return e;
}

static void test_read_repair_sync_async_off(void **state)
{
    struct engine *e;
    const struct op *rd;

    (void)state;
    /* sync: with w=3 the answer waits until all three replicas hold it, so the stale one is
     * fixed before the client hears the answer. */
    e = stale_n3("sync");
    set_or_fail(e, "w", "3");
    rd = step_until_done(e, submit(e, OP_GET, "k", NULL, 0, 0));
    assert_string_equal(rd->result.v[0], "new");
    assert_non_null(strstr(rd->detail, "repaired n3"));
    local_is(e, 2, "k", "new");
    engine_destroy(e);

    /* async: the answer goes out first; the repair lands a little later. */
    e = stale_n3("async");
    rd = step_until_done(e, submit(e, OP_GET, "k", NULL, 0, 0));
    assert_string_equal(rd->result.v[0], "new");
    local_is(e, 2, "k", "old");
    engine_run_until(e, engine_now(e) + 200000, NULL);
    local_is(e, 2, "k", "new");
    engine_destroy(e);

    /* off: the read is right, the replica stays stale. */
    e = stale_n3("off");
    rd = step_until_done(e, submit(e, OP_GET, "k", NULL, 0, 0));
    assert_string_equal(rd->result.v[0], "new");
    engine_run_until(e, engine_now(e) + 2000000, NULL);
    local_is(e, 2, "k", "old");
    engine_destroy(e);
}

/* Home replicas n1 and n2 of k are down: strict quorum fails, sloppy quorum succeeds through
 * hinted stand-ins, and handoff delivers once the owners are back. */
static void test_sloppy_quorum_and_handoff(void **state)
{
    struct engine *e;
    struct model_cmd_args place;
    char err[200];
    const struct op *w;
    int cmd;

    (void)state;
    for (int sloppy = 0; sloppy <= 1; sloppy++) {
        assert_int_equal(engine_create("leaderless", 5, 3, &e), 0);
        memset(&place, 0, sizeof(place));
        snprintf(place.key, sizeof(place.key), "k");
        place.nodes[0] = 0;
        place.nodes[1] = 1;
        place.nodes[2] = 2;
        place.n_nodes = 3;
        cmd = model_find_cmd(engine_model(e), "place");
        assert_true(cmd >= 0);
        assert_int_equal(engine_command(e, cmd, &place, err, sizeof(err)), 0);
        set_or_fail(e, "sloppy", sloppy ? "on" : "off");
        engine_kill(e, 0);
        engine_kill(e, 1);
        w = finish(e, submit(e, OP_PUT, "k", "v", 2, 0));
        if (!sloppy) {
            assert_int_equal(w->status, OP_FAIL);
            assert_string_equal(w->reason, "quorum not reached (got 1 of 2)");
            assert_int_equal(w->quorum, 0);
            engine_destroy(e);
            continue;
        }
        assert_int_equal(w->status, OP_OK);
        assert_int_equal(w->quorum, 1);
        assert_non_null(strstr(w->detail, "(for n"));
        /* The stand-ins keep hints, not data of their own. */
        local_is(e, 3, "k", "nil");
        local_is(e, 4, "k", "nil");
        engine_restart(e, 0, false);
        engine_restart(e, 1, false);
        assert_int_equal(engine_run_until_quiet(e, 10000000, NULL), ENGINE_QUIET);
        local_is(e, 0, "k", "v");
        local_is(e, 1, "k", "v");
        engine_destroy(e);
    }
}

/*
 * At the engine's most nodes, the reply's replica set is a 64-bit node mask with the nodes that
 * answered, the top ones included (a 32-bit mask, or one parsed back from the detail sentence,
 * lost them). k lives on n1, n32, n33, n63 and n64; then n64 dies and, sloppy, a stand-in
 * answers for it and is in the set instead.
 */
static void test_replica_mask_at_64_nodes(void **state)
{
    static const int homes[] = {0, 31, 32, 62, 63};
    struct engine *e;
    struct model_cmd_args place;
    char err[200];
    const struct op *w;
    uint64_t want = 0, stand_in;
    int cmd;

    (void)state;
    assert_int_equal(ENGINE_MAX_NODES, 64);
    assert_int_equal(engine_create("leaderless", ENGINE_MAX_NODES, 3, &e), 0);
    memset(&place, 0, sizeof(place));
    snprintf(place.key, sizeof(place.key), "k");
    for (int i = 0; i < 5; i++) {
        place.nodes[i] = homes[i];
        want |= nodemask_bit(homes[i]);
    }
    place.n_nodes = 5;
    set_or_fail(e, "n", "5");
    set_or_fail(e, "w", "5");
    cmd = model_find_cmd(engine_model(e), "place");
    assert_int_equal(engine_command(e, cmd, &place, err, sizeof(err)), 0);
    w = finish(e, submit(e, OP_PUT, "k", "v", 32, 0));
    assert_int_equal(w->status, OP_OK);
    assert_int_equal(w->quorum, 1);
    assert_true(w->replicas == want);
    assert_true(nodemask_has(w->replicas, 63));
    assert_int_equal(nodemask_count(w->replicas), 5);

    set_or_fail(e, "sloppy", "on");
    engine_kill(e, 63);
    w = finish(e, submit(e, OP_PUT, "k", "v2", 32, 0));
    assert_int_equal(w->status, OP_OK);
    assert_int_equal(w->quorum, 1);
    assert_non_null(strstr(w->detail, "(for n64)"));
    assert_false(nodemask_has(w->replicas, 63));
    assert_int_equal(nodemask_count(w->replicas), 5);
    stand_in = w->replicas & ~want;
    assert_int_equal(nodemask_count(stand_in), 1);
    for (int i = 0; i < 64; i++)
        if (nodemask_has(stand_in, i)) {
            char name[16];
            snprintf(name, sizeof(name), "n%d(for n64)", i + 1);
            assert_non_null(strstr(w->detail, name));
        }
    engine_destroy(e);
}

/*
 * A failed write left 50 on n1 alone. A quorum read through n1 meets it; n2, the other
 * replica that answered, dies before the write-back reaches it. Blocking read repair must
 * then fail the read rather than show a value one replica holds (the next quorum read,
 * n2 and n3, answers 100). Without blocking the read answers 50: the property can fail.
 */
/* out: the first read; vals: its values, kept past the engine (out->result lives in its history).
 */
static void read_after_failed_write(const char *read_repair, struct op *out, struct op_values *vals,
                                    char *reason)
{
    struct engine *e;
    struct engine_link_cfg link = {10000, 10000, -1, -1, -1};
    int groups[3] = {0, 1, 1};
    const struct op *rd;
    int64_t id;

    assert_int_equal(engine_create("leaderless", 3, 3, &e), 0);
    engine_link(e, -1, -1, false, &link);
    set_or_fail(e, "read_repair", read_repair);
    id = submit(e, OP_PUT, "k", "100", 0, 0);
    assert_int_equal(finish(e, id)->status, OP_OK);
    engine_partition(e, groups);
    assert_int_equal(finish(e, submit(e, OP_PUT, "k", "50", 0, (uint64_t)id))->status, OP_FAIL);
    local_is(e, 0, "k", "50");
    engine_heal(e);
    engine_cut(e, 0, 2, true, true);
    id = submit(e, OP_GET, "k", NULL, 0, 0);
    engine_run_until(e, engine_now(e) + 25000, NULL);
    engine_kill(e, 1);
    *out = *finish(e, id);
    op_result_values(&out->result, vals);
    out->result.v = NULL;
    util_strlcpy(reason, out->reason, HISTORY_REASON_MAX);
    out->reason = reason;
    out->detail = "";
    engine_restart(e, 1, false);
    engine_heal(e);
    engine_cut(e, 0, 1, true, true);
    engine_cut(e, 0, 2, true, true);
    rd = finish(e, submit(e, OP_GET, "k", NULL, 2, 0));
    assert_int_equal(rd->status, OP_OK);
    assert_string_equal(rd->result.v[0], "100");
    engine_destroy(e);
}

static void test_sync_read_repair_blocks_until_w_hold_it(void **state)
{
    struct op rd;
    struct op_values vals;
    char reason[HISTORY_REASON_MAX];

    (void)state;
    read_after_failed_write("sync", &rd, &vals, reason);
    assert_int_equal(rd.status, OP_FAIL);
    assert_string_equal(rd.reason, "read repair not confirmed (1 of 2 hold it)");
    read_after_failed_write("async", &rd, &vals, reason);
    assert_int_equal(rd.status, OP_OK);
    assert_int_equal(vals.n, 1);
    assert_string_equal(vals.v[0], "50");
}

/*
 * Riak with allow_mult: a put without a context supersedes nothing, even through the same
 * coordinator; a put after an earlier put (its returned context) or after a read replaces
 * what that op saw. The register checker leaves a key that read siblings out, and says why.
 */
static void test_blind_put_is_a_sibling(void **state)
{
    struct engine *e;
    const struct op *rd;
    struct check_lin lin;
    int64_t w1, w2;

    (void)state;
    assert_int_equal(engine_create("leaderless", 3, 2, &e), 0);
    w1 = submit(e, OP_PUT, "k", "a", 0, 0);
    assert_int_equal(finish(e, w1)->status, OP_OK);
    assert_true(history_at(engine_history(e), (uint64_t)w1)->has_ctx);
    w2 = submit(e, OP_PUT, "k", "b", 0, 0);
    assert_int_equal(finish(e, w2)->status, OP_OK);
    engine_run_until(e, engine_now(e) + 200000, NULL);
    local_is(e, 0, "k", "{a,b}");
    rd = finish(e, submit(e, OP_GET, "k", NULL, 1, 0));
    assert_int_equal(rd->result.n, 2);
    assert_int_equal(check_linearizable(engine_history(e), 0, &lin), CHECK_NA);
    assert_non_null(strstr(lin.witness, "siblings: not a register"));
    /* After w2: w2's context covered a and b, both on n1 when it was written. */
    assert_int_equal(finish(e, submit(e, OP_PUT, "k", "c", 0, (uint64_t)w2))->status, OP_OK);
    engine_run_until(e, engine_now(e) + 200000, NULL);
    local_is(e, 0, "k", "c");
    engine_destroy(e);

    /* Under lww the same blind puts overwrite by timestamp: no siblings. */
    assert_int_equal(engine_create("leaderless", 3, 2, &e), 0);
    set_or_fail(e, "resolve", "lww");
    finish(e, submit(e, OP_PUT, "k", "a", 0, 0));
    finish(e, submit(e, OP_PUT, "k", "b", 0, 0));
    engine_run_until(e, engine_now(e) + 200000, NULL);
    local_is(e, 0, "k", "b");
    engine_destroy(e);
}

/*
 * Cassandra's last write wins: the highest timestamp wins whatever the causality. n2's clock is
 * a second behind, so a write through n2 made after reading n1's is thrown away, and the
 * lost-writes checker calls it causally later. With client timestamps the later write wins;
 * equal timestamps go to the greater value.
 */
static void test_lww_highest_timestamp_wins_whatever_the_causality(void **state)
{
    struct engine *e;
    struct check_recorder rec;
    struct check_lost lost;
    int64_t w1, rd;

    (void)state;
    for (int client = 0; client <= 1; client++) {
        assert_int_equal(engine_create("leaderless", 3, 2, &e), 0);
        check_recorder_init(&rec);
        trace_subscribe(engine_trace(e), &rec.obs);
        set_or_fail(e, "resolve", "lww");
        set_or_fail(e, "timestamp_source", client ? "client" : "coordinator");
        engine_skew(e, 1, -1000000);
        w1 = submit(e, OP_PUT, "x", "b", 0, 0);
        finish(e, w1);
        rd = submit(e, OP_GET, "x", NULL, 0, 0);
        finish(e, rd);
        /* "a" is the smaller value too, so only its timestamp could make it win. */
        assert_int_equal(finish(e, submit(e, OP_PUT, "x", "a", 1, (uint64_t)rd))->status, OP_OK);
        assert_int_equal(engine_run_until_quiet(e, 10000000, NULL), ENGINE_QUIET);
        check_lost_writes(e, &rec, &lost);
        if (client) {
            local_is(e, 2, "x", "a");
            assert_int_equal(lost.lost, 0);
        } else {
            local_is(e, 2, "x", "b");
            assert_int_equal(lost.lost, 1);
            assert_non_null(strstr(lost.witness, "causally later"));
        }
        trace_unsubscribe(engine_trace(e), &rec.obs);
        check_recorder_release(&rec);
        engine_destroy(e);
    }

    /* A tie of client timestamps: every replica keeps the greater value. */
    assert_int_equal(engine_create("leaderless", 3, 2, &e), 0);
    set_or_fail(e, "resolve", "lww");
    set_or_fail(e, "timestamp_source", "client");
    submit(e, OP_PUT, "z", "pear", 0, 0);
    submit(e, OP_PUT, "z", "apple", 2, 0);
    assert_int_equal(engine_run_until_quiet(e, 10000000, NULL), ENGINE_QUIET);
    for (int n = 0; n < 3; n++)
        local_is(e, n, "z", "pear");
    engine_destroy(e);
}

/*
 * Cassandra's coordinator stamps are strictly increasing per node (ClientState's
 * lastTimestampMicros): two puts that reach n1 in the same microsecond get distinct stamps, so
 * the second wins though its value is the smaller, and nothing is lost.
 */
static void test_lww_coordinator_stamps_increase(void **state)
{
    struct check_recorder rec;
    struct check_lost lost;
    struct engine *e;
    int64_t first, second;

    (void)state;
    assert_int_equal(engine_create("leaderless", 3, 3, &e), 0);
    check_recorder_init(&rec);
    trace_subscribe(engine_trace(e), &rec.obs);
    set_or_fail(e, "resolve", "lww");
    first = submit(e, OP_PUT, "x", "b", 0, 0);
    second = submit(e, OP_PUT, "x", "a", 0, 0);
    assert_int_equal(finish(e, first)->status, OP_OK);
    assert_int_equal(finish(e, second)->status, OP_OK);
    engine_run_until(e, engine_now(e) + 500000, NULL);
    for (int n = 0; n < 3; n++)
        local_is(e, n, "x", "a");
    check_lost_writes(e, &rec, &lost);
    assert_int_equal(lost.lost, 0);
    trace_unsubscribe(engine_trace(e), &rec.obs);
    check_recorder_release(&rec);
    engine_destroy(e);
}

/*
 * A delete is a tombstone: it hides the value, and read repair carries it to a replica that
 * missed it. Collected after tombstone_gc, it can no longer do that: the replica that was
 * away brings the value back, and the checker reports the resurrection.
 */
static void zombie_run(const char *grace, struct engine **out)
{
    struct engine *e;
    int64_t w;

    assert_int_equal(engine_create("leaderless", 3, 5, &e), 0);
    set_or_fail(e, "read_repair", "sync");
    set_or_fail(e, "tombstone_gc", grace);
    w = submit(e, OP_PUT, "k", "v", 0, 0);
    assert_int_equal(finish(e, w)->status, OP_OK);
    engine_run_until(e, engine_now(e) + 200000, NULL);
    engine_kill(e, 2);
    assert_int_equal(finish(e, submit(e, OP_DEL, "k", NULL, 0, 0))->status, OP_OK);
    local_is(e, 0, "k", "nil");
    engine_run_until(e, engine_now(e) + 3000000, NULL);
    engine_restart(e, 2, false);
    local_is(e, 2, "k", "v");
    finish(e, submit(e, OP_GET, "k", NULL, 2, 0));
    *out = e;
}

static void test_tombstones_and_zombies(void **state)
{
    struct engine *e;
    struct check_zombie zb;
    const struct op *rd;

    (void)state;
    zombie_run("10s", &e);
    rd = history_at(engine_history(e), history_count(engine_history(e)));
    assert_int_equal(rd->status, OP_OK);
    assert_int_equal(rd->result.n, 0);
    local_is(e, 2, "k", "nil"); /* read repair carried the tombstone */
    check_resurrections(engine_history(e), &zb);
    assert_int_equal(zb.count, 0);
    engine_destroy(e);

    zombie_run("1s", &e);
    rd = history_at(engine_history(e), history_count(engine_history(e)));
    assert_int_equal(rd->status, OP_OK);
    assert_int_equal(rd->result.n, 1);
    assert_string_equal(rd->result.v[0], "v");
    local_is(e, 0, "k", "v"); /* and read repair spread the zombie */
    check_resurrections(engine_history(e), &zb);
    assert_int_equal(zb.count, 1);
    assert_non_null(strstr(zb.witness, "had deleted"));
    engine_destroy(e);
}

/*
 * One home replica (n = 1) and every message delivered twice: each write through another node
 * is forwarded, and its copy must not be coordinated again, or one client put would become two
 * versions of its value.
 */
static void test_duplicate_forward_is_one_write(void **state)
{
    static const char *const vals[] = {"a", "b", "c"};
    struct engine_link_cfg link = {10000, 10000, -1, 10000, -1};
    struct engine *e;
    int held = 0;

    (void)state;
    assert_int_equal(engine_create("leaderless", 3, 4, &e), 0);
    set_or_fail(e, "n", "1");
    set_or_fail(e, "w", "1");
    set_or_fail(e, "r", "1");
    engine_link(e, -1, -1, false, &link);
    for (int i = 0; i < 3; i++)
        assert_int_equal(finish(e, submit(e, OP_PUT, "k", vals[i], i, 0))->status, OP_OK);
    engine_run_until(e, engine_now(e) + 500000, NULL);
    for (int i = 0; i < 3; i++) {
        const struct store_item *it = store_kv_get(engine_store(e, i), "k");
        held += it ? it->n : 0;
    }
    assert_int_equal(held, 3);
    engine_destroy(e);
}

/*
 * Riak's max_siblings, sized so no merge overflows: the three home replicas, cut apart, each
 * take blind writes (W = 1) until a put would leave more than 16 / 3 siblings. Healed, anti-
 * entropy brings every replica all of them: 15 fit the 16 a key holds, and none is lost.
 */
static void test_write_limit_keeps_merges_whole(void **state)
{
    struct check_recorder rec;
    struct check_lost lost;
    struct engine *e;
    int ok = 0, refused = 0;
    char v[16];

    (void)state;
    assert_int_equal(engine_create("leaderless", 3, 8, &e), 0);
    check_recorder_init(&rec);
    trace_subscribe(engine_trace(e), &rec.obs);
    set_or_fail(e, "w", "1");
    set_or_fail(e, "anti_entropy", "300ms");
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            engine_cut(e, a, b, true, true);
    for (int node = 0; node < 3; node++) {
        for (int i = 0; i < 6; i++) {
            const struct op *o;
            snprintf(v, sizeof(v), "n%d-%d", node + 1, i);
            o = finish(e, submit(e, OP_PUT, "k", v, node, 0));
            if (o->status == OP_OK) {
                ok++;
            } else {
                refused++;
                assert_non_null(strstr(o->reason, "more than 5 siblings"));
            }
        }
    }
    assert_int_equal(ok, 15);
    assert_int_equal(refused, 3);
    engine_heal(e);
    engine_run_until(e, engine_now(e) + 5000000, NULL);
    for (int node = 0; node < 3; node++)
        assert_int_equal(store_kv_get(engine_store(e, node), "k")->n, 15);
    check_lost_writes(e, &rec, &lost);
    assert_int_equal(lost.lost, 0);
    trace_unsubscribe(engine_trace(e), &rec.obs);
    check_recorder_release(&rec);
    engine_destroy(e);
}

/* ---- the safe settings' properties, over random concurrent runs ---- */

/*
 * A scenario for one seed: keys x and y on n1..n3 of 5 nodes, W = R = 2, sync read repair,
 * no sloppy quorum, anti-entropy; three clients, writes through home replicas carrying their
 * last context (`after last`), reads through any node; kills, restarts, pauses, partitions,
 * cuts, message loss and duplication (and, unless lww, clock skew and drift).
 */
static size_t safe_scenario(uint64_t seed, bool lww, char *buf, size_t cap)
{
    struct sim_rng rng;
    size_t len = 0;
    bool down[5] = {false};
    int64_t paused_until[5] = {0}, now_ms = 0;

#define OUT(...) (len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__))
    sim_rng_seed(&rng, seed, 13);
    OUT("model leaderless\nnodes 5\nseed %llu\nset w 2\nset r 2\nset read_repair sync\n"
        "set anti_entropy 300ms\nset resolve %s\nplace x n1 n2 n3\nplace y n1 n2 n3\n",
        (unsigned long long)seed, lww ? "lww" : "siblings");
    for (int i = 0; i < 60 && len + 200 < cap; i++) {
        const char *key = sim_rng_below(&rng, 2) ? "x" : "y";
        int client = (int)sim_rng_below(&rng, 3) + 1;
        if (sim_rng_below(&rng, 2))
            OUT("w%d: put %s v%d via n%d as c%d after last\n", i, key, i,
                (int)sim_rng_below(&rng, 3) + 1, client);
        else
            OUT("r%d: get %s via n%d as c%d\n", i, key, (int)sim_rng_below(&rng, 5) + 1, client);
        switch (sim_rng_below(&rng, 12)) {
        case 0: {
            int n = (int)sim_rng_below(&rng, 5);
            if (paused_until[n] > now_ms)
                break;
            OUT("%s n%d\n", down[n] ? "restart" : "kill", n + 1);
            down[n] = !down[n];
            break;
        }
        case 1: {
            int n = (int)sim_rng_below(&rng, 5), ms = (int)sim_rng_below(&rng, 400) + 1;
            if (down[n] || paused_until[n] > now_ms)
                break;
            OUT("pause n%d for %dms\n", n + 1, ms);
            paused_until[n] = now_ms + ms;
            break;
        }
        case 2: {
            int a = (int)sim_rng_below(&rng, 2) + 2;
            OUT("partition n1 n%d | n%d n4 n5\n", a, 5 - a);
            break;
        }
        case 3:
            OUT("heal\n");
            break;
        case 4:
            OUT("cut n%d n%d\n", (int)sim_rng_below(&rng, 3) + 1, (int)sim_rng_below(&rng, 2) + 4);
            break;
        case 5:
            OUT("net drop %d%%\nnet dup %d%%\n", (int)sim_rng_below(&rng, 20),
                (int)sim_rng_below(&rng, 20));
            break;
        case 6:
            if (!lww)
                OUT("skew n%d %+dms\n", (int)sim_rng_below(&rng, 5) + 1,
                    (int)sim_rng_below(&rng, 1000) - 500);
            break;
        case 7:
            if (!lww)
                OUT("drift n%d %+dppm\n", (int)sim_rng_below(&rng, 5) + 1,
                    (int)sim_rng_below(&rng, 2001) - 1000);
            break;
        default:
            break;
        }
        {
            int ms = (int)sim_rng_below(&rng, 60) + 1;
            OUT("run %dms\n", ms);
            now_ms += ms;
        }
    }
    OUT("net drop 0%%\nnet dup 0%%\nheal\n");
    for (int n = 0; n < 5; n++)
        if (down[n])
            OUT("restart n%d\n", n + 1);
    OUT("run until quiet\n");
#undef OUT
    return len;
}

static bool vc_covers(const struct vclock *big, const struct vclock *small)
{
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        if (small->v[i] > big->v[i])
            return false;
    return true;
}

/*
 * Under siblings: every ok read returns every put acknowledged before it began, unless the
 * read returned a put whose context had seen it (which superseded it). A put's "seen" is its
 * returned context: writes here go through home replicas, which return one.
 */
/* Did the model report pushing key=value out over its bound on siblings? */
static bool pushed_out(const struct check_recorder *rec, const char *key, const char *value)
{
    char kv[CHECK_DISCARD_MAX];

    snprintf(kv, sizeof(kv), "%s=%s", key, value);
    for (int i = 0; i < rec->n_discards; i++)
        if (rec->discard_kind[i] == MODEL_DISCARD_BOUND && strcmp(rec->discards[i], kv) == 0)
            return true;
    return false;
}

/* Returns how many misses the sibling bound explains (they are reported, not excused, by the
 * lost-writes checker); any other miss fails. */
static int check_reads_keep_acknowledged(uint64_t seed, const struct history *h,
                                         const struct check_recorder *rec)
{
    size_t total = history_count(h);
    int bound = 0;

    for (uint64_t i = 1; i <= total; i++) {
        const struct op *r = history_at(h, i);
        if (r->req.kind != OP_GET || r->status != OP_OK)
            continue;
        for (uint64_t j = 1; j <= total; j++) {
            const struct op *w = history_at(h, j);
            bool kept = false;
            if (w->req.kind != OP_PUT || w->status != OP_OK || !w->has_ctx ||
                strcmp(w->req.key, r->req.key) != 0 || w->complete_us >= r->invoke_us)
                continue;
            for (int k = 0; k < r->result.n && !kept; k++) {
                if (strcmp(r->result.v[k], w->req.value) == 0) {
                    kept = true;
                    break;
                }
                for (uint64_t m = 1; m <= total && !kept; m++) {
                    const struct op *s = history_at(h, m);
                    kept = s->req.kind == OP_PUT && s->req.has_ctx &&
                           strcmp(s->req.key, r->req.key) == 0 &&
                           strcmp(s->req.value, r->result.v[k]) == 0 &&
                           vc_covers(&s->req.ctx, w->ctx);
                }
            }
            if (!kept && pushed_out(rec, w->req.key, w->req.value))
                bound++;
            else if (!kept)
                fail_msg("seed %llu: %s returned %d value(s) without %s's %s=%s, acknowledged "
                         "before it began and superseded by none of them",
                         (unsigned long long)seed, r->label, r->result.n, w->label, w->req.key,
                         w->req.value);
        }
    }
    return bound;
}

static int safe_property_run(uint64_t seed, bool lww)
{
    int bound = 0;
    char *buf = xmalloc(1 << 16);
    size_t len = safe_scenario(seed, lww, buf, 1 << 16);
    struct script_env env;
    struct script s;
    struct script_error err;
    struct script_run *run;
    struct check_lin lin;
    struct check_lost lost;
    struct engine *e;

    script_env_init(&env, true);
    if (script_parse_text("prop", buf, len, &env, &s, &err) < 0)
        fail_msg("seed %llu: %s at %d:%d", (unsigned long long)seed, err.msg, err.line, err.col);
    script_env_release(&env);
    run = script_run_create("prop", -1);
    if (script_run_all(run, &s, &err) < 0)
        fail_msg("seed %llu: %s at line %d", (unsigned long long)seed, err.msg, err.line);
    e = script_run_engine(run);
    if (lww) {
        if (check_linearizable(engine_history(e), 0, &lin) == CHECK_VIOLATED)
            fail_msg("seed %llu: not linearizable: %s", (unsigned long long)seed, lin.witness);
    } else {
        check_lost_writes(e, script_run_recorder(run), &lost);
        bound = check_reads_keep_acknowledged(seed, engine_history(e), script_run_recorder(run));
        /* Only the model's own bound on siblings may lose a write, and it says so. */
        if (lost.lost && !strstr(lost.witness, "bound on siblings"))
            fail_msg("seed %llu: %s", (unsigned long long)seed, lost.witness);
        bound += lost.lost;
    }
    script_run_destroy(run);
    script_release(&s);
    free(buf);
    return bound > 0;
}

/* W + R > N, sloppy off, sync repair, lww without clock faults: every key is linearizable. */
static void test_property_safe_lww_linearizable(void **state)
{
    int seeds = prop_seeds(200);

    (void)state;
    for (int s = 1; s <= seeds; s++)
        assert_int_equal(safe_property_run((uint64_t)s, true), 0);
}

/* The same under siblings, with clock faults too: no acknowledged write lost, and every read
 * returns every acknowledged write nothing it returned has superseded. */
static void test_property_safe_siblings_keep_acknowledged(void **state)
{
    int seeds = prop_seeds(200), bound = 0;

    (void)state;
    for (int s = 1; s <= seeds; s++)
        bound += safe_property_run((uint64_t)s, false);
    /* The sibling bound (STORE_MAX_SIBLINGS) is a limit of the simulation, not of Dynamo.
     * The write limit keeps every merge within it while no store is wiped and no key moves,
     * as here: no run may lose a write to it. */
    if (bound > 0)
        fail_msg("%d of %d seeds lost a write to the sibling bound", bound, seeds);
}

/* Five nodes, k pinned to n1 n2 n3, sloppy on, W = 3, n1 down: writes need a stand-in. */
static struct engine *sloppy_n1_down(const char *hint_window, const char *down_retry)
{
    struct engine *e;
    struct model_cmd_args place;
    struct engine_link_cfg link = {10000, 10000, -1, -1, -1};
    char err[200];

    assert_int_equal(engine_create("leaderless", 5, 3, &e), 0);
    engine_link(e, -1, -1, false, &link);
    memset(&place, 0, sizeof(place));
    snprintf(place.key, sizeof(place.key), "k");
    place.nodes[0] = 0;
    place.nodes[1] = 1;
    place.nodes[2] = 2;
    place.n_nodes = 3;
    assert_int_equal(
        engine_command(e, model_find_cmd(engine_model(e), "place"), &place, err, sizeof(err)), 0);
    set_or_fail(e, "sloppy", "on");
    set_or_fail(e, "w", "3");
    set_or_fail(e, "hint_window", hint_window);
    set_or_fail(e, "down_retry", down_retry);
    engine_kill(e, 0);
    return e;
}

/* Cassandra's max_hint_window: past it the stand-in drops its hint, and the owner misses the
 * write until anti-entropy; without a window the hint is delivered. */
static void test_hint_window_drops_hints(void **state)
{
    (void)state;
    for (int windowed = 0; windowed <= 1; windowed++) {
        struct engine *e = sloppy_n1_down(windowed ? "1s" : "0ms", "2s");
        assert_int_equal(finish(e, submit(e, OP_PUT, "k", "v", 1, 0))->status, OP_OK);
        engine_run_until(e, engine_now(e) + 2000000, NULL);
        engine_restart(e, 0, false);
        engine_run_until(e, engine_now(e) + 1000000, NULL);
        local_is(e, 0, "k", windowed ? "nil" : "v");
        engine_destroy(e);
    }
}

/* Dynamo's local failure detection: within down_retry a coordinator skips the replica that
 * timed out and goes straight to a stand-in; after it, it tries (and waits for) it again. */
static void test_down_retry_skips_a_down_replica(void **state)
{
    struct engine *e = sloppy_n1_down("0ms", "2s");
    const struct op *w;
    int64_t id;

    (void)state;
    w = finish(e, submit(e, OP_PUT, "k", "a", 1, 0));
    assert_true(w->complete_us - w->invoke_us >= 500000); /* one quorum timeout */
    id = submit(e, OP_PUT, "k", "b", 1, (uint64_t)w->id);
    w = finish(e, id);
    assert_int_equal(w->status, OP_OK);
    assert_true(w->complete_us - w->invoke_us < 100000); /* n1 is known down: no wait */
    engine_run_until(e, engine_now(e) + 2500000, NULL);
    w = finish(e, submit(e, OP_PUT, "k", "c", 1, (uint64_t)id));
    assert_true(w->complete_us - w->invoke_us >= 500000); /* the mark expired: n1 is tried */
    engine_destroy(e);
}

#define PROP_STEPS  40
#define PROP_WRITES (PROP_STEPS + 1)

/*
 * One seed: N=3 on 3 or 5 nodes, W + R > N, random read repair and
 * anti-entropy settings, message loss, and one node at a time crashing and
 * coming back. One client reads, then writes a fresh value `after` that
 * read. Every successful read must contain the latest value whose write
 * succeeded before the read began, or something newer — and never an older
 * value that was successfully overwritten. (Failed writes may linger: they
 * are not rolled back.) With lww, the writes are blind instead (no context):
 * last-write-wins orders them by timestamp, and the clocks agree.
 */
static void prop_one(uint64_t seed, bool lww)
{
    const int wr[3][2] = {{2, 2}, {3, 1}, {1, 3}};
    const char *const rr[3] = {"sync", "async", "off"};
    int nodes = seed % 2 ? 5 : 3;
    struct engine *e;
    struct sim_rng rng;
    struct engine_link_cfg link = {5000, 25000, 300, -1, -1};
    int status[PROP_WRITES]; /* per write index: 1 ok, 0 failed or timed out */
    int n_writes = 0, latest_ok = -1, down = -1;
    char num[8];

    assert_int_equal(engine_create("leaderless", nodes, seed, &e), 0);
    sim_rng_seed(&rng, seed, 77);
    snprintf(num, sizeof(num), "%d", wr[seed % 3][0]);
    set_or_fail(e, "w", num);
    snprintf(num, sizeof(num), "%d", wr[seed % 3][1]);
    set_or_fail(e, "r", num);
    set_or_fail(e, "read_repair", rr[(seed / 3) % 3]);
    set_or_fail(e, "anti_entropy", seed % 4 == 0 ? "300ms" : "0ms");
    set_or_fail(e, "resolve", lww ? "lww" : "siblings");
    engine_link(e, -1, -1, false, &link);

    for (int step = 0; step < PROP_STEPS; step++) {
        const struct op *rd;
        int64_t rid;

        if (sim_rng_chance(&rng, 2000)) {
            if (down >= 0) {
                engine_restart(e, down, false);
                down = -1;
            } else {
                down = (int)sim_rng_below(&rng, (uint64_t)nodes);
                engine_kill(e, down);
            }
        }
        rid = submit(e, OP_GET, "k", NULL, (int)sim_rng_below(&rng, (uint64_t)nodes), 0);
        rd = finish(e, rid);
        if (rd->status == OP_OK) {
            bool has_latest_or_newer = latest_ok < 0;
            for (int i = 0; i < rd->result.n; i++) {
                int idx = atoi(rd->result.v[i] + 1);
                assert_true(idx >= 0 && idx < n_writes);
                if (idx >= latest_ok)
                    has_latest_or_newer = true;
                else if (status[idx])
                    fail_msg("seed %llu step %d: read %s returned v%d, overwritten by v%d",
                             (unsigned long long)seed, step, rd->label, idx, latest_ok);
            }
            if (!has_latest_or_newer)
                fail_msg("seed %llu step %d: stale read: v%d was acknowledged, read returned %d "
                         "older value(s)",
                         (unsigned long long)seed, step, latest_ok, rd->result.n);
            if (!sim_rng_chance(&rng, 3000)) {
                char value[16];
                const struct op *wo;
                snprintf(value, sizeof(value), "v%d", n_writes);
                wo = finish(e,
                            submit(e, OP_PUT, "k", value, (int)sim_rng_below(&rng, (uint64_t)nodes),
                                   lww ? 0 : (uint64_t)rid));
                status[n_writes] = wo->status == OP_OK;
                if (wo->status == OP_OK)
                    latest_ok = n_writes;
                n_writes++;
            }
        }
    }
    engine_destroy(e);
}

static void test_property_no_stale_quorum_reads(void **state)
{
    int seeds = prop_seeds(100);

    (void)state;
    for (int s = 1; s <= seeds; s++)
        prop_one((uint64_t)s, false);
}

static void test_property_lww_blind_writes(void **state)
{
    int seeds = prop_seeds(100);

    (void)state;
    for (int s = 1; s <= seeds; s++)
        prop_one((uint64_t)s, true);
}

/* The same cluster without overlapping quorums does serve stale reads: the property can fail. */
/* join: n4 takes exactly the keys of its partitions, through stream messages, including a
 * write that landed on a member after it had streamed; then reads of those keys go to n4. */
static void test_join_streams_the_claimed_keys(void **state)
{
    struct engine *e;
    struct model_cmd_args join;
    char err[200], key[8];
    int moved = 0;
    const struct op *rd;

    (void)state;
    assert_int_equal(engine_create("leaderless", 4, 3, &e), 0);
    set_or_fail(e, "ring", "3");
    set_or_fail(e, "n", "1");
    set_or_fail(e, "w", "1");
    set_or_fail(e, "r", "1");
    set_or_fail(e, "resolve", "lww");
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        finish(e, submit(e, OP_PUT, key, "1", 0, 0));
    }
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        local_is(e, 3, key, "nil"); /* outside the ring, n4 holds nothing */
    }
    memset(&join, 0, sizeof(join));
    snprintf(join.key, sizeof(join.key), "n3");
    assert_true(engine_command(e, 1, &join, err, sizeof(err)) < 0); /* in the ring already */
    snprintf(join.key, sizeof(join.key), "n4");
    assert_int_equal(engine_command(e, 1, &join, err, sizeof(err)), 0);
    assert_true(engine_command(e, 1, &join, err, sizeof(err)) < 0); /* one bootstrap at a time */
    engine_run_until(e, engine_now(e) + 2000000, NULL);
    for (int i = 0; i < 40; i++) {
        struct op_values v;
        snprintf(key, sizeof(key), "k%d", i);
        engine_read_local(e, 3, key, &v);
        if (v.n == 0)
            continue;
        moved++;
        /* A moved key is now read from n4 alone: through n1, the answer comes from n4. */
        rd = finish(e, submit(e, OP_GET, key, NULL, 0, 0));
        assert_int_equal(rd->status, OP_OK);
        assert_true(strstr(rd->detail, "n4") != NULL);
    }
    /* About a quarter of the keys moved, never all or none. */
    assert_true(moved >= 4 && moved <= 20);
    engine_destroy(e);
}

/* A joiner that crashes mid-join abandons it, stays outside the ring, and can join again once
 * it runs; a down node cannot join. */
static void test_join_abandoned_by_a_crash(void **state)
{
    struct engine *e;
    struct model_cmd_args join;
    char err[200];
    struct op_values v;
    struct engine_node info;

    (void)state;
    assert_int_equal(engine_create("leaderless", 4, 5, &e), 0);
    set_or_fail(e, "ring", "3");
    set_or_fail(e, "n", "1");
    set_or_fail(e, "w", "1");
    set_or_fail(e, "r", "1");
    for (int i = 0; i < 20; i++) {
        char key[8];
        snprintf(key, sizeof(key), "k%d", i);
        finish(e, submit(e, OP_PUT, key, "1", 0, 0));
    }
    memset(&join, 0, sizeof(join));
    snprintf(join.key, sizeof(join.key), "n4");
    assert_int_equal(engine_command(e, 1, &join, err, sizeof(err)), 0);
    assert_int_equal(engine_kill(e, 3), 0);
    engine_run_until(e, engine_now(e) + 2000000, NULL);
    assert_true(engine_command(e, 1, &join, err, sizeof(err)) < 0); /* down */
    assert_non_null(strstr(err, "down"));
    assert_int_equal(engine_restart(e, 3, true), 0);
    engine_run_until(e, engine_now(e) + 100000, NULL);
    /* Wiped and outside the ring: nothing arrived for the abandoned join. */
    engine_read_local(e, 3, "k0", &v);
    assert_int_equal(v.n, 0);
    assert_int_equal(engine_node(e, 3, &info), 0);
    assert_string_equal(info.desc.role, "outside");
    assert_int_equal(engine_command(e, 1, &join, err, sizeof(err)), 0);
    engine_run_until(e, engine_now(e) + 2000000, NULL);
    /* n4 took the keys of its partitions this time: some key is now read through it. */
    {
        int held = 0;
        for (int i = 0; i < 20; i++) {
            char key[8];
            snprintf(key, sizeof(key), "k%d", i);
            engine_read_local(e, 3, key, &v);
            held += v.n > 0;
        }
        assert_true(held > 0);
    }
    assert_int_equal(engine_node(e, 3, &info), 0);
    assert_string_equal(info.desc.role, "replica");
    engine_destroy(e);
}

static void test_without_overlap_reads_go_stale(void **state)
{
    struct engine *e;
    const struct op *rd;

    (void)state;
    assert_int_equal(engine_create("leaderless", 3, 1, &e), 0);
    set_or_fail(e, "w", "1");
    set_or_fail(e, "r", "1");
    set_or_fail(e, "read_repair", "off");
    finish(e, submit(e, OP_PUT, "k", "old", 0, 0));
    engine_run_until(e, engine_now(e) + 500000, NULL);
    engine_cut(e, 0, 2, true, true);
    assert_int_equal(finish(e, submit(e, OP_PUT, "k", "new", 0, 0))->status, OP_OK);
    rd = finish(e, submit(e, OP_GET, "k", NULL, 2, 0));
    assert_int_equal(rd->status, OP_OK);
    assert_int_equal(rd->result.n, 1);
    assert_string_equal(rd->result.v[0], "old");
    engine_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_walk_names_every_node_once),
        cmocka_unit_test(test_ring_spreads_keys),
        cmocka_unit_test(test_ring_join_claims_a_quarter),
        cmocka_unit_test(test_join_streams_the_claimed_keys),
        cmocka_unit_test(test_join_abandoned_by_a_crash),
        cmocka_unit_test(test_targets_skip_suspects_only_when_sloppy),
        cmocka_unit_test(test_dvv_dominance),
        cmocka_unit_test(test_dvv_same_coordinator_blind_writes_stay_siblings),
        cmocka_unit_test(test_dvv_sibling_limit_drops_oldest),
        cmocka_unit_test(test_merkle_diff),
        cmocka_unit_test(test_without_overlap_reads_go_stale),
        cmocka_unit_test(test_read_repair_sync_async_off),
        cmocka_unit_test(test_sloppy_quorum_and_handoff),
        cmocka_unit_test(test_replica_mask_at_64_nodes),
        cmocka_unit_test(test_sync_read_repair_blocks_until_w_hold_it),
        cmocka_unit_test(test_blind_put_is_a_sibling),
        cmocka_unit_test(test_tombstones_and_zombies),
        cmocka_unit_test(test_lww_coordinator_stamps_increase),
        cmocka_unit_test(test_duplicate_forward_is_one_write),
        cmocka_unit_test(test_write_limit_keeps_merges_whole),
        cmocka_unit_test(test_hint_window_drops_hints),
        cmocka_unit_test(test_down_retry_skips_a_down_replica),
        cmocka_unit_test(test_lww_highest_timestamp_wins_whatever_the_causality),
        cmocka_unit_test(test_property_no_stale_quorum_reads),
        cmocka_unit_test(test_property_lww_blind_writes),
        cmocka_unit_test(test_property_safe_lww_linearizable),
        cmocka_unit_test(test_property_safe_siblings_keep_acknowledged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
