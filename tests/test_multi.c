/*
 * test_multi: the multi-leader model through the engine's public API —
 * version vectors, the LWW order and its tie-break, dotted version vectors
 * with stale contexts, PN-counter and OR-set merges in every delivery order,
 * a wiped node rejoining, and a property run over many seeds with random
 * partitions, crashes and latencies: with siblings or crdt, once healed and
 * quiet, every replica holds the same state and no acknowledged write was
 * dropped without a later write having seen it.
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
#include "prop.h"

#define MS          1000LL
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static struct engine *make(int n, uint64_t seed, const char *resolve)
{
    struct engine *e = NULL;
    char err[200];

    assert_int_equal(engine_create("multi", n, seed, &e), 0);
    assert_int_equal(engine_set(e, "resolve", resolve, err, sizeof(err)), 0);
    return e;
}

static void set(struct engine *e, const char *key, const char *value)
{
    char err[200];

    assert_int_equal(engine_set(e, key, value, err, sizeof(err)), 0);
}

static uint64_t op(struct engine *e, int client, enum op_kind kind, const char *key,
                   const char *value, int64_t amount, int via, uint64_t after)
{
    struct engine_op_spec spec;
    int64_t id;

    memset(&spec, 0, sizeof(spec));
    spec.client = client;
    spec.kind = kind;
    spec.key = key;
    spec.value = value;
    spec.amount = amount;
    spec.via = via;
    spec.after = after;
    id = engine_submit(e, &spec);
    assert_true(id > 0);
    return (uint64_t)id;
}

static void run_for(struct engine *e, int64_t us)
{
    assert_int_equal(engine_run_until(e, engine_now(e) + us, NULL), ENGINE_REACHED);
}

static void quiet(struct engine *e)
{
    assert_int_equal(engine_run_until_quiet(e, 120000 * MS, NULL), ENGINE_QUIET);
}

static void check_value(const struct engine *e, int node, const char *key, const char *want)
{
    struct op_values v;
    char got[256];

    engine_read_local(e, node, key, &v);
    op_format_values(&v, got, sizeof(got));
    assert_string_equal(got, want);
}

static const struct op *get_op(const struct engine *e, uint64_t id)
{
    const struct op *o = history_at(engine_history(e), id);

    assert_non_null(o);
    return o;
}

/* ---- version vectors: the primitives the model compares with ---- */

static void test_vc_compare_merge(void **state)
{
    struct vclock a, b, m;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_EQUAL);
    clock_vc_tick(&a, 0);
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_AFTER);
    assert_int_equal(clock_vc_compare(&b, &a), CLOCK_BEFORE);
    clock_vc_tick(&b, 1);
    assert_int_equal(clock_vc_compare(&a, &b), CLOCK_CONCURRENT);
    assert_false(clock_vc_covers(&a, &b));
    m = a;
    clock_vc_merge(&m, &b);
    assert_int_equal(m.v[0], 1);
    assert_int_equal(m.v[1], 1);
    assert_true(clock_vc_covers(&m, &a));
    assert_true(clock_vc_covers(&m, &b));
    assert_int_equal(clock_vc_compare(&m, &a), CLOCK_AFTER);
    /* Merge is idempotent and commutative. */
    clock_vc_merge(&m, &a);
    assert_int_equal(clock_vc_compare(&m, &b), CLOCK_AFTER);
    b.v[1] = 5;
    clock_vc_merge(&b, &a);
    assert_int_equal(b.v[0], 1);
    assert_int_equal(b.v[1], 5);
}

/* The version a read's context leads to carries both writes' entries. */
static void test_read_context_is_merged_vv(void **state)
{
    struct engine *e = make(3, 1, "siblings");
    uint64_t r;
    const struct op *o;

    (void)state;
    engine_cut(e, 0, 1, true, true);
    op(e, 0, OP_PUT, "x", "A", 0, 0, 0);
    op(e, 1, OP_PUT, "x", "B", 0, 1, 0);
    run_for(e, 200 * MS);
    r = op(e, 2, OP_GET, "x", NULL, 0, 2, 0);
    run_for(e, 10 * MS);
    o = get_op(e, r);
    assert_int_equal(o->status, OP_OK);
    assert_true(o->has_ctx);
    assert_int_equal(o->ctx->v[0], 1);
    assert_int_equal(o->ctx->v[1], 1);
    assert_int_equal(o->ctx->v[2], 0);
    check_value(e, 2, "x", "{A,B}");
    engine_destroy(e);
}

/* ---- last writer wins ---- */

static void test_lww_tie_breaks_on_node_id(void **state)
{
    const char *modes[] = {"physical", "lamport", "hlc"};

    (void)state;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct engine *e = make(3, 3, "lww");
        set(e, "timestamps", modes[i]);
        /* Same instant, same clocks, first message at each node: equal stamps. */
        op(e, 0, OP_PUT, "x", "from-n3", 0, 2, 0);
        op(e, 1, OP_PUT, "x", "from-n1", 0, 0, 0);
        quiet(e);
        for (int n = 0; n < 3; n++)
            check_value(e, n, "x", "from-n3");
        engine_destroy(e);
    }
}

static void test_lww_higher_stamp_wins_over_order(void **state)
{
    struct engine *e = make(3, 4, "lww");

    (void)state;
    engine_skew(e, 0, 50 * MS);
    engine_cut(e, 0, 2, true, true);
    op(e, 0, OP_PUT, "x", "early-fast-clock", 0, 0, 0);
    run_for(e, 20 * MS);
    op(e, 1, OP_PUT, "x", "later", 0, 2, 0);
    run_for(e, 100 * MS);
    engine_cut(e, 0, 2, true, false);
    quiet(e);
    /* Physical stamps: n1's clock is 50ms ahead, so its earlier write wins everywhere. */
    for (int n = 0; n < 3; n++)
        check_value(e, n, "x", "early-fast-clock");
    engine_destroy(e);
}

/* ---- siblings: dotted version vectors ---- */

/*
 * A write through n1 with a context from before n1's own previous write must
 * not replace that write: with plain version vectors n1's entry would cover
 * it; the dot kept apart from the context keeps both.
 */
static void test_stale_context_through_same_node_keeps_sibling(void **state)
{
    struct engine *e = make(2, 5, "siblings");
    uint64_t r, w;

    (void)state;
    r = op(e, 0, OP_GET, "x", NULL, 0, 0, 0);
    run_for(e, 5 * MS);
    op(e, 1, OP_PUT, "x", "A", 0, 0, 0);
    run_for(e, 5 * MS);
    w = op(e, 0, OP_PUT, "x", "B", 0, 0, r);
    quiet(e);
    assert_int_equal(get_op(e, w)->status, OP_OK);
    check_value(e, 0, "x", "{A,B}");
    check_value(e, 1, "x", "{A,B}");
    /* Reading both and writing after that read resolves them. */
    r = op(e, 0, OP_GET, "x", NULL, 0, 1, 0);
    run_for(e, 5 * MS);
    op(e, 0, OP_PUT, "x", "AB", 0, 1, r);
    quiet(e);
    check_value(e, 0, "x", "AB");
    check_value(e, 1, "x", "AB");
    engine_destroy(e);
}

/* A causally later version arriving first makes the older one obsolete on arrival. */
static void test_siblings_out_of_order_overwrite(void **state)
{
    struct engine *e = make(3, 6, "siblings");
    struct engine_link_cfg slow = {300 * MS, 300 * MS, -1, -1, -1};
    uint64_t rd;

    (void)state;
    engine_link(e, 0, 2, false, &slow);
    op(e, 0, OP_PUT, "x", "old", 0, 0, 0);
    run_for(e, 45 * MS);
    rd = op(e, 1, OP_GET, "x", NULL, 0, 1, 0);
    run_for(e, 5 * MS);
    op(e, 1, OP_PUT, "x", "new", 0, 1, rd);
    run_for(e, 60 * MS);
    check_value(e, 2, "x", "new");
    quiet(e);
    for (int n = 0; n < 3; n++)
        check_value(e, n, "x", "new");
    engine_destroy(e);
}

/*
 * n3 receives n2's second write before its first (the first waits for a retry). If n3 applied
 * it at once, a read there would return context n2:2, which claims n2's first write too, and
 * a write after that read would silently replace a write its client never saw. Writes of one
 * origin are applied in order, so the first write survives as a sibling.
 */
static void test_fifo_per_origin_keeps_vectors_honest(void **state)
{
    struct engine *e = make(3, 13, "siblings");
    uint64_t r0, r1, a;

    (void)state;
    r0 = op(e, 0, OP_GET, "x", NULL, 0, 1, 0);
    run_for(e, 5 * MS);
    engine_cut(e, 1, 2, false, true);
    a = op(e, 0, OP_PUT, "x", "A", 0, 1, 0);
    run_for(e, 50 * MS);
    engine_cut(e, 1, 2, false, false);
    op(e, 0, OP_PUT, "x", "B", 0, 1, r0);
    run_for(e, 80 * MS);
    r1 = op(e, 1, OP_GET, "x", NULL, 0, 2, 0);
    run_for(e, 5 * MS);
    op(e, 1, OP_PUT, "x", "C", 0, 2, r1);
    quiet(e);
    assert_int_equal(get_op(e, a)->status, OP_OK);
    for (int n = 0; n < 3; n++)
        check_value(e, n, "x", "{A,B,C}");
    engine_destroy(e);
}

/* ---- CRDTs ---- */

static void test_pn_counter_any_order(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        struct engine *e = make(4, seed, "crdt");
        struct engine_link_cfg mixed = {1 * MS, 400 * MS, -1, -1, 5000};
        int group[4] = {0, 1, 2, 3};
        int64_t want = 0;
        char w[32];

        engine_link(e, -1, -1, false, &mixed);
        engine_partition(e, group);
        for (int i = 0; i < 12; i++) {
            int64_t amount = (int64_t)(i % 5) - 1;
            op(e, i % 4, OP_INCR, "c", NULL, amount, i % 4, 0);
            want += amount;
            run_for(e, 7 * MS);
        }
        run_for(e, 100 * MS);
        engine_heal(e);
        quiet(e);
        snprintf(w, sizeof(w), "%lld", (long long)want);
        for (int n = 0; n < 4; n++)
            check_value(e, n, "c", w);
        engine_destroy(e);
    }
}

static void test_incr_needs_crdt(void **state)
{
    struct engine *e = make(2, 7, "lww");
    uint64_t id;

    (void)state;
    id = op(e, 0, OP_INCR, "c", NULL, 1, 0, 0);
    quiet(e);
    assert_int_equal(get_op(e, id)->status, OP_FAIL);
    engine_destroy(e);
}

/* n3 gets the remove before the add it cancels: the tombstone waits for the add. */
static void test_or_set_remove_before_add(void **state)
{
    struct engine *e = make(3, 8, "crdt");
    struct engine_link_cfg slow = {400 * MS, 400 * MS, -1, -1, -1};

    (void)state;
    engine_link(e, 0, 2, false, &slow);
    op(e, 0, OP_ADD, "s", "a", 0, 0, 0);
    op(e, 1, OP_ADD, "s", "b", 0, 1, 0);
    run_for(e, 60 * MS);
    check_value(e, 1, "s", "{a,b}");
    op(e, 1, OP_REMOVE, "s", "a", 0, 1, 0);
    run_for(e, 60 * MS);
    check_value(e, 2, "s", "b");
    quiet(e);
    for (int n = 0; n < 3; n++)
        check_value(e, n, "s", "b");
    engine_destroy(e);
}

static void test_or_set_add_wins(void **state)
{
    struct engine *e = make(3, 9, "crdt");
    int group[3] = {0, 1, 1};

    (void)state;
    op(e, 0, OP_ADD, "s", "milk", 0, 0, 0);
    quiet(e);
    engine_partition(e, group);
    op(e, 0, OP_REMOVE, "s", "milk", 0, 0, 0);
    op(e, 1, OP_ADD, "s", "milk", 0, 1, 0);
    op(e, 2, OP_REMOVE, "s", "nothing", 0, 2, 0);
    run_for(e, 100 * MS);
    check_value(e, 0, "s", "nil");
    engine_heal(e);
    quiet(e);
    for (int n = 0; n < 3; n++)
        check_value(e, n, "s", "milk");
    engine_destroy(e);
}

/* ---- crash, wipe, topologies ---- */

static void test_wiped_node_rejoins_without_reusing_dots(void **state)
{
    struct engine *e = make(3, 10, "siblings");
    uint64_t early, late, prev = 0;
    unsigned o = 0, s = 0;

    (void)state;
    for (int i = 0; i < 3; i++) {
        char v[8];
        snprintf(v, sizeof(v), "v%d", i);
        /* v1 is written after v0 (with its context), so it replaces it. */
        prev = op(e, 0, OP_PUT, i == 2 ? "y" : "x", v, 0, 0, i == 1 ? prev : 0);
        run_for(e, 5 * MS);
    }
    quiet(e);
    assert_int_equal(engine_restart(e, 0, true), 0);
    early = op(e, 0, OP_PUT, "z", "too-soon", 0, 0, 0);
    run_for(e, 5 * MS);
    assert_int_equal(get_op(e, early)->status, OP_FAIL);
    quiet(e);
    late = op(e, 0, OP_PUT, "z", "fresh", 0, 0, 0);
    quiet(e);
    assert_int_equal(get_op(e, late)->status, OP_OK);
    assert_int_equal(sscanf(get_op(e, late)->detail, "n%u#%u", &o, &s), 2);
    assert_int_equal(o, 1);
    assert_int_equal(s, 4);
    for (int n = 0; n < 3; n++) {
        check_value(e, n, "x", "v1");
        check_value(e, n, "y", "v2");
        check_value(e, n, "z", "fresh");
    }
    engine_destroy(e);
}

static void test_ring_stops_at_dead_node(void **state)
{
    struct engine *e = make(4, 11, "lww");

    (void)state;
    set(e, "topology", "ring");
    engine_kill(e, 1);
    op(e, 0, OP_PUT, "x", "1", 0, 0, 0);
    run_for(e, 3000 * MS);
    check_value(e, 2, "x", "nil");
    check_value(e, 3, "x", "nil");
    engine_restart(e, 1, false);
    quiet(e);
    for (int n = 0; n < 4; n++)
        check_value(e, n, "x", "1");
    engine_destroy(e);
}

static void test_commit_wait_delays_ack(void **state)
{
    struct engine *e = make(2, 12, "lww");
    uint64_t id;
    const struct op *o;

    (void)state;
    set(e, "commit_wait", "on");
    set(e, "truetime", "20ms");
    id = op(e, 0, OP_PUT, "x", "1", 0, 0, 0);
    quiet(e);
    o = get_op(e, id);
    assert_int_equal(o->status, OP_OK);
    assert_true(o->complete_us - o->invoke_us >= 40 * MS);
    engine_destroy(e);
}

/* ---- the property run ---- */

#define P_MAX_OPS 48

static const char *const reg_keys[] = {"a", "b", "c"};
static const char *const elems[] = {"x", "y", "z"};

/* Every live node answers the same for every key, and stores the same versions. */
static void check_converged(const struct engine *e, uint64_t seed)
{
    int n = engine_nodes(e);
    const struct store *s0 = engine_store(e, 0);

    for (int i = 1; i < n; i++) {
        const struct store *si = engine_store(e, i);
        if (store_kv_count(si) != store_kv_count(s0))
            fail_msg("seed %llu: n1 has %d keys, n%d has %d", (unsigned long long)seed,
                     store_kv_count(s0), i + 1, store_kv_count(si));
        for (int k = 0; k < store_kv_count(s0); k++) {
            const struct store_item *a = store_kv_at(s0, k), *b = store_kv_at(si, k);
            struct op_values va, vb;
            char fa[256], fb[256];
            engine_read_local(e, 0, a->key, &va);
            engine_read_local(e, i, a->key, &vb);
            op_format_values(&va, fa, sizeof(fa));
            op_format_values(&vb, fb, sizeof(fb));
            if (strcmp(a->key, b->key) != 0 || !op_values_equal(&va, &vb))
                fail_msg("seed %llu: %s: n1 has %s, n%d has %s=%s", (unsigned long long)seed,
                         a->key, fa, i + 1, b->key, fb);
            assert_int_equal(a->n, b->n);
            for (int v = 0; v < a->n; v++)
                if (clock_vc_compare(&a->v[v].vc, &b->v[v].vc) != CLOCK_EQUAL)
                    fail_msg("seed %llu: %s: version vectors differ", (unsigned long long)seed,
                             a->key);
        }
    }
}

/* Collects the dots of writes a node said (in a `conflict` event) it discarded. */
#define P_MAX_REPORTED 256

struct reported {
    struct trace_observer obs; /* first: the observer is the struct */
    int n;
    unsigned origin[P_MAX_REPORTED];
    unsigned seq[P_MAX_REPORTED];
};

static void on_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct reported *r = (struct reported *)self;
    const char *d = strstr(ev->text, "discarded");
    unsigned o, s;

    if (ev->kind != TRACE_CONFLICT || !d || r->n >= P_MAX_REPORTED)
        return;
    d = strchr(d, '(');
    if (d && sscanf(d, "(n%u#%u)", &o, &s) == 2) {
        r->origin[r->n] = o;
        r->seq[r->n] = s;
        r->n++;
    }
}

static bool was_reported(const struct reported *r, unsigned origin, unsigned seq)
{
    for (int i = 0; i < r->n; i++)
        if (r->origin[i] == origin && r->seq[i] == seq)
            return true;
    return false;
}

/*
 * An acknowledged put survives, or a surviving version's vector covers its dot (a later write
 * had seen it), or a node reported discarding it (past the sibling limit): never silently gone.
 * A read's context is the entry-wise join of the surviving versions' vectors, so a dot is
 * covered by some survivor exactly when the context covers it: a final read of every key at n1
 * gives the survivors' vectors whatever their number.
 */
static void check_no_silent_loss(struct engine *e, const struct reported *rep, uint64_t seed)
{
    const struct history *h = engine_history(e);
    size_t last = history_count(h);
    uint64_t reads[COUNT_OF(reg_keys)];

    for (size_t k = 0; k < COUNT_OF(reg_keys); k++)
        reads[k] = op(e, 0, OP_GET, reg_keys[k], NULL, 0, 0, 0);
    quiet(e);
    for (uint64_t id = 1; id <= last; id++) {
        const struct op *o = history_at(h, id);
        const struct op *r = NULL;
        unsigned origin, seq;
        if (o->req.kind != OP_PUT || o->status != OP_OK)
            continue;
        assert_int_equal(sscanf(o->detail, "n%u#%u", &origin, &seq), 2);
        for (size_t k = 0; k < COUNT_OF(reg_keys); k++)
            if (strcmp(reg_keys[k], o->req.key) == 0)
                r = get_op(e, reads[k]);
        assert_non_null(r);
        assert_int_equal(r->status, OP_OK);
        assert_true(r->has_ctx);
        if (r->ctx->v[origin - 1] < seq && !was_reported(rep, origin, seq))
            fail_msg("seed %llu: acknowledged %s=%s (n%u#%u) vanished", (unsigned long long)seed,
                     o->req.key, o->req.value, origin, seq);
    }
}

static void check_crdts(const struct engine *e, uint64_t seed)
{
    const struct history *h = engine_history(e);
    int64_t acked = 0, unsure = 0;
    struct op_values v;

    for (uint64_t id = 1; id <= history_count(h); id++) {
        const struct op *o = history_at(h, id);
        if (o->req.kind == OP_INCR && o->status == OP_OK)
            acked += o->req.amount;
        else if (o->req.kind == OP_INCR)
            unsure += o->req.amount;
    }
    engine_read_local(e, 0, "hits", &v);
    if (acked + unsure > 0) {
        long long got = v.n == 1 ? atoll(v.v[0]) : 0;
        if (got < acked || got > acked + unsure)
            fail_msg("seed %llu: counter %lld, acknowledged increments %lld (+%lld unsure)",
                     (unsigned long long)seed, got, (long long)acked, (long long)unsure);
    }
    /* An element added with an ok and never the target of a remove must be there. */
    for (size_t el = 0; el < sizeof(elems) / sizeof(elems[0]); el++) {
        bool added = false, removed = false, present = false;
        for (uint64_t id = 1; id <= history_count(h); id++) {
            const struct op *o = history_at(h, id);
            if (strcmp(o->req.value, elems[el]) != 0)
                continue;
            added |= o->req.kind == OP_ADD && o->status == OP_OK;
            removed |= o->req.kind == OP_REMOVE;
        }
        engine_read_local(e, 0, "set", &v);
        for (int i = 0; i < v.n; i++)
            present |= strcmp(v.v[i], elems[el]) == 0;
        if (added && !removed && !present)
            fail_msg("seed %llu: acknowledged add %s vanished", (unsigned long long)seed,
                     elems[el]);
    }
}

static void prop_one(uint64_t seed)
{
    struct sim_rng rng;
    struct engine *e;
    bool crdt = seed % 2 == 0;
    int n, topo;
    uint64_t gets[P_MAX_OPS];
    int n_gets = 0;
    const char *topos[] = {"all", "ring", "star"};
    char hub[8];
    struct reported rep;

    sim_rng_seed(&rng, seed, 99);
    n = 3 + (int)sim_rng_below(&rng, 3);
    e = make(n, seed, crdt ? "crdt" : "siblings");
    memset(&rep, 0, sizeof(rep));
    rep.obs.fn = on_event;
    trace_subscribe(engine_trace(e), &rep.obs);
    topo = (int)sim_rng_below(&rng, 3);
    set(e, "topology", topos[topo]);
    snprintf(hub, sizeof(hub), "n%d", 1 + (int)sim_rng_below(&rng, (uint64_t)n));
    set(e, "hub", hub);
    set(e, "causal", sim_rng_below(&rng, 2) ? "on" : "off");
    set(e, "retry", "300ms");
    for (int step = 0; step < P_MAX_OPS; step++) {
        uint64_t r = sim_rng_below(&rng, 100);
        int node = (int)sim_rng_below(&rng, (uint64_t)n);
        int client = (int)sim_rng_below(&rng, 8);
        struct engine_node info;

        engine_node(e, node, &info);
        if (r < 8) {
            int group[ENGINE_MAX_NODES];
            for (int i = 0; i < n; i++)
                group[i] = (int)sim_rng_below(&rng, 2);
            engine_partition(e, group);
        } else if (r < 14) {
            engine_heal(e);
        } else if (r < 19) {
            if (info.state != NODE_CRASHED)
                engine_kill(e, node);
        } else if (r < 26) {
            if (info.state == NODE_CRASHED)
                engine_restart(e, node, false);
        } else if (r < 30) {
            int to = (int)sim_rng_below(&rng, (uint64_t)n);
            int64_t hi = (int64_t)(1 + sim_rng_below(&rng, 400)) * MS;
            struct engine_link_cfg cfg = {MS, hi, -1, -1, (int64_t)sim_rng_below(&rng, 3000)};
            if (to != node)
                engine_link(e, node, to, true, &cfg);
        } else if (r < 45) {
            gets[n_gets++] =
                op(e, client, OP_GET, reg_keys[sim_rng_below(&rng, COUNT_OF(reg_keys))], NULL, 0,
                   node, 0);
        } else if (crdt && r < 60) {
            op(e, client, OP_INCR, "hits", NULL, (int64_t)(1 + sim_rng_below(&rng, 5)), node, 0);
        } else if (crdt && r < 75) {
            op(e, client, sim_rng_below(&rng, 3) ? OP_ADD : OP_REMOVE, "set",
               elems[sim_rng_below(&rng, COUNT_OF(elems))], 0, node, 0);
        } else {
            char val[16];
            uint64_t after = 0;
            const char *key = reg_keys[sim_rng_below(&rng, COUNT_OF(reg_keys))];
            snprintf(val, sizeof(val), "v%d", step);
            if (n_gets > 0 && sim_rng_below(&rng, 3) == 0) {
                const struct op *g = get_op(e, gets[sim_rng_below(&rng, (uint64_t)n_gets)]);
                if (g->status == OP_OK)
                    after = g->id;
                key = g->req.key;
            }
            op(e, client, OP_PUT, key, val, 0, node, after);
        }
        run_for(e, (int64_t)sim_rng_below(&rng, 120) * MS);
    }
    engine_heal(e);
    for (int i = 0; i < n; i++) {
        struct engine_node info;
        engine_node(e, i, &info);
        assert_true(info.desc.leads); /* every node of a multi-leader cluster leads */
        if (info.state == NODE_CRASHED)
            engine_restart(e, i, false);
    }
    if (engine_run_until_quiet(e, 300000 * MS, NULL) != ENGINE_QUIET)
        fail_msg("seed %llu: never went quiet after the heal", (unsigned long long)seed);
    check_converged(e, seed);
    check_no_silent_loss(e, &rep, seed);
    if (crdt)
        check_crdts(e, seed);
    engine_destroy(e);
}

static void test_property_converge_no_silent_loss(void **state)
{
    int seeds = prop_seeds(100);

    (void)state;
    for (int s = 1; s <= seeds; s++)
        prop_one((uint64_t)s);
}

/* A del is a tombstone: it removes what it saw everywhere; a put it had not seen survives. */
static void test_del_is_a_tombstone(void **state)
{
    struct engine *e = make(3, 4, "siblings");

    (void)state;
    op(e, 0, OP_PUT, "x", "1", 0, 0, 0);
    quiet(e);
    op(e, 0, OP_DEL, "x", NULL, 0, 1, 0);
    quiet(e);
    for (int n = 0; n < 3; n++)
        check_value(e, n, "x", "nil");
    /* Concurrent with a put it never saw: the put stays. */
    engine_cut(e, 0, 1, true, true);
    op(e, 0, OP_DEL, "x", NULL, 0, 0, 0);
    op(e, 1, OP_PUT, "x", "2", 0, 1, 0);
    run_for(e, 100 * MS);
    engine_heal(e);
    quiet(e);
    for (int n = 0; n < 3; n++)
        check_value(e, n, "x", "2");
    engine_destroy(e);
}

/*
 * tombstone_gc (Cassandra's gc_grace_seconds): n3 misses a delete while it is down. Kept longer
 * than the outage, the tombstone reaches n3 when it returns; collected before, only the purged
 * dots do, n3 serves the deleted value, and the checker reports the resurrection.
 */
static struct engine *zombie_run(const char *resolve, const char *grace)
{
    struct engine *e = make(3, 5, resolve);

    set(e, "tombstone_gc", grace);
    op(e, 0, OP_PUT, "k", "v", 0, 0, 0);
    run_for(e, 200 * MS);
    check_value(e, 2, "k", "v");
    engine_kill(e, 2);
    op(e, 0, OP_DEL, "k", NULL, 0, 0, 0);
    run_for(e, 3000 * MS);
    check_value(e, 0, "k", "nil");
    engine_restart(e, 2, false);
    run_for(e, 500 * MS);
    op(e, 0, OP_GET, "k", NULL, 0, 2, 0);
    run_for(e, 100 * MS);
    return e;
}

static void test_tombstone_gc_and_zombies(void **state)
{
    static const char *const modes[] = {"siblings", "lww"};
    struct check_zombie zb;

    (void)state;
    for (size_t m = 0; m < COUNT_OF(modes); m++) {
        struct engine *e = zombie_run(modes[m], "10s");
        const struct op *rd = get_op(e, history_count(engine_history(e)));
        assert_int_equal(rd->status, OP_OK);
        assert_int_equal(rd->result.n, 0);
        check_value(e, 2, "k", "nil");
        check_resurrections(engine_history(e), &zb);
        assert_int_equal(zb.count, 0);
        engine_destroy(e);

        e = zombie_run(modes[m], "1s");
        rd = get_op(e, history_count(engine_history(e)));
        assert_int_equal(rd->status, OP_OK);
        assert_int_equal(rd->result.n, 1);
        assert_string_equal(rd->result.v[0], "v");
        check_value(e, 2, "k", "v");
        check_value(e, 0, "k", "nil"); /* the zombie stays where it was */
        check_resurrections(engine_history(e), &zb);
        assert_int_equal(zb.count, 1);
        assert_non_null(strstr(zb.witness, "had deleted"));
        engine_destroy(e);
    }
}

/*
 * A write the delete had seen (n2's, read through n1) reaches n3 late from n2, which the
 * delete did not reach (n2 -> n3 and n1 -> n2 are cut). While n3 keeps the tombstone, its
 * context says the write is already deleted; once it is collected, the write is applied as
 * new. With causal delivery n3 holds the delete back until the write is in, so collecting it
 * later brings nothing back.
 */
static void late_write_run(const char *grace, bool causal, const char *want)
{
    struct engine *e = make(3, 6, "siblings");
    uint64_t r;

    set(e, "tombstone_gc", grace);
    set(e, "causal", causal ? "on" : "off");
    engine_cut(e, 1, 2, false, true);
    engine_cut(e, 0, 1, false, true);
    op(e, 1, OP_PUT, "k", "v", 0, 1, 0);
    run_for(e, 200 * MS);
    r = op(e, 0, OP_GET, "k", NULL, 0, 0, 0);
    run_for(e, 50 * MS);
    op(e, 0, OP_DEL, "k", NULL, 0, 0, r);
    run_for(e, 3000 * MS);
    engine_heal(e);
    quiet(e);
    run_for(e, 3000 * MS);
    check_value(e, 0, "k", "nil");
    check_value(e, 2, "k", want);
    engine_destroy(e);
}

static void test_tombstone_gc_late_write(void **state)
{
    (void)state;
    late_write_run("0ms", false, "nil");
    late_write_run("1s", false, "v");
    late_write_run("1s", true, "nil");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vc_compare_merge),
        cmocka_unit_test(test_read_context_is_merged_vv),
        cmocka_unit_test(test_lww_tie_breaks_on_node_id),
        cmocka_unit_test(test_lww_higher_stamp_wins_over_order),
        cmocka_unit_test(test_stale_context_through_same_node_keeps_sibling),
        cmocka_unit_test(test_siblings_out_of_order_overwrite),
        cmocka_unit_test(test_del_is_a_tombstone),
        cmocka_unit_test(test_tombstone_gc_and_zombies),
        cmocka_unit_test(test_tombstone_gc_late_write),
        cmocka_unit_test(test_fifo_per_origin_keeps_vectors_honest),
        cmocka_unit_test(test_pn_counter_any_order),
        cmocka_unit_test(test_incr_needs_crdt),
        cmocka_unit_test(test_or_set_remove_before_add),
        cmocka_unit_test(test_or_set_add_wins),
        cmocka_unit_test(test_wiped_node_rejoins_without_reusing_dots),
        cmocka_unit_test(test_ring_stops_at_dead_node),
        cmocka_unit_test(test_commit_wait_delays_ack),
        cmocka_unit_test(test_property_converge_no_silent_loss),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
