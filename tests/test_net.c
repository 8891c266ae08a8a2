/*
 * test_net: the simulated network. Link faults give exact, reproducible
 * counts under a fixed seed; links are FIFO unless reordering is on; cuts,
 * partitions and heal; clients are outside the node network; the in-flight
 * table has a limit; and the three timing models bound delays as they claim.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../engine/net.h"

#define MS 1000LL
#define S  1000000LL

static struct msg mk(int from, int to)
{
    struct msg m;

    memset(&m, 0, sizeof(m));
    m.from = from;
    m.to = to;
    m.type = 0;
    snprintf(m.type_name, sizeof(m.type_name), "ping");
    snprintf(m.summary, sizeof(m.summary), "ping %d->%d", from, to);
    m.body_len = 4;
    memcpy(m.body, "abcd", 4);
    return m;
}

struct tally {
    int sent;
    int copies;
    int dropped;
    int duplicated;
};

/* Sends n messages on from -> to at 1ms intervals, removing each right away. */
static struct tally send_many(struct net *net, int from, int to, int n)
{
    struct tally t = {0, 0, 0, 0};
    struct msg m = mk(from, to);

    for (int i = 0; i < n; i++) {
        struct net_ref refs[2];
        int k = net_send(net, i * MS, &m, refs);
        assert_true(k == 1 || k == 2);
        t.sent++;
        for (int j = 0; j < k; j++) {
            const struct msg *c = net_find(net, refs[j]);
            assert_non_null(c);
            t.copies++;
            if (c->fate == NET_DROP)
                t.dropped++;
            if (c->fate == NET_DUPLICATE) {
                t.duplicated++;
                assert_true(c->dup_of == refs[0].id);
            }
        }
        for (int j = 0; j < k; j++)
            net_remove(net, refs[j]);
    }
    assert_int_equal(net_in_flight(net), 0);
    return t;
}

static void test_drop_exact_count(void **state)
{
    struct net *net = net_create(3, 42);
    struct net *again = net_create(3, 42);
    struct net *other = net_create(3, 43);
    struct tally t, t2, t3;

    (void)state;
    net_set_drop(net, 0, 1, 2000);
    net_set_drop(again, 0, 1, 2000);
    net_set_drop(other, 0, 1, 2000);
    t = send_many(net, 0, 1, 10000);
    /* 20% of 10000 is 2000; the standard deviation is 40. */
    assert_in_range(t.dropped, 1850, 2150);
    /* The exact figure for seed 42: a change here means the fault stream changed. */
    assert_int_equal(t.dropped, 2065);
    assert_int_equal(t.duplicated, 0);
    t2 = send_many(again, 0, 1, 10000);
    assert_int_equal(t2.dropped, t.dropped);
    t3 = send_many(other, 0, 1, 10000);
    assert_in_range(t3.dropped, 1850, 2150);
    assert_true(t3.dropped != t.dropped);
    /* Other links were not touched. */
    assert_int_equal(send_many(net, 1, 0, 1000).dropped, 0);
    assert_int_equal(send_many(net, 0, 2, 1000).dropped, 0);
    net_destroy(net);
    net_destroy(again);
    net_destroy(other);
}

static void test_drop_every_link_and_extremes(void **state)
{
    struct net *net = net_create(3, 7);

    (void)state;
    net_set_drop(net, -1, -1, 10000);
    assert_int_equal(send_many(net, 0, 1, 500).dropped, 500);
    assert_int_equal(send_many(net, 2, 1, 500).dropped, 500);
    net_set_drop(net, -1, -1, 0);
    assert_int_equal(send_many(net, 0, 1, 500).dropped, 0);
    assert_int_equal(net_link(net, 2, 0).drop_bp, 0);
    net_destroy(net);
}

static void test_dropped_message_dies_mid_link(void **state)
{
    struct net *net = net_create(2, 1);
    struct msg m = mk(0, 1);
    struct net_ref refs[2];
    const struct msg *c;

    (void)state;
    net_set_drop(net, 0, 1, 10000);
    net_set_latency(net, 0, 1, 40 * MS, 40 * MS);
    assert_int_equal(net_send(net, 1 * S, &m, refs), 1);
    c = net_find(net, refs[0]);
    assert_int_equal(c->fate, NET_DROP);
    assert_int_equal(c->why, NET_WHY_LOSS);
    assert_int_equal(c->deliver_us, 1 * S + 20 * MS);
    /* A doomed message does not keep the network busy. */
    assert_int_equal(net_in_flight(net), 1);
    assert_int_equal(net_busy(net), 0);
    net_destroy(net);
}

static void test_duplicates_exact_count(void **state)
{
    struct net *net = net_create(3, 42);
    struct net *again = net_create(3, 42);
    struct tally t, t2;

    (void)state;
    net_set_dup(net, 0, 1, 500);
    net_set_dup(again, 0, 1, 500);
    t = send_many(net, 0, 1, 10000);
    /* 5% of 10000 is 500; the standard deviation is about 22. */
    assert_in_range(t.duplicated, 420, 580);
    assert_int_equal(t.duplicated, 494);
    assert_int_equal(t.copies, t.sent + t.duplicated);
    assert_int_equal(t.dropped, 0);
    t2 = send_many(again, 0, 1, 10000);
    assert_int_equal(t2.duplicated, t.duplicated);
    net_destroy(net);
    net_destroy(again);
}

static void test_message_fields(void **state)
{
    struct net *net = net_create(3, 5);
    struct msg m = mk(2, 0);
    struct net_ref refs[2];
    const struct msg *c;

    (void)state;
    net_set_latency(net, 2, 0, 10 * MS, 30 * MS);
    assert_int_equal(net_send(net, 7 * MS, &m, refs), 1);
    c = net_find(net, refs[0]);
    assert_int_equal(c->id, 1);
    assert_int_equal(c->from, 2);
    assert_int_equal(c->to, 0);
    assert_string_equal(c->type_name, "ping");
    assert_string_equal(c->summary, "ping 2->0");
    assert_int_equal(c->send_us, 7 * MS);
    assert_in_range(c->deliver_us, 17 * MS, 37 * MS);
    assert_int_equal(c->fate, NET_DELIVER);
    assert_int_equal(c->wire_bytes, NET_HEADER_BYTES + 4);
    assert_memory_equal(c->body, "abcd", 4);
    assert_int_equal(net_total_sent(net), 1);
    /* A message copied in: changing the caller's copy changes nothing in flight. */
    m.body[0] = 'X';
    assert_int_equal(c->body[0], 'a');
    /* An explicit wire size is kept. */
    m.wire_bytes = 999;
    assert_int_equal(net_send(net, 7 * MS, &m, refs), 1);
    assert_int_equal(net_find(net, refs[0])->wire_bytes, 999);
    /* Too large a body is refused. */
    m.body_len = NET_MAX_BODY + 1;
    assert_int_equal(net_send(net, 7 * MS, &m, refs), NET_EBODY);
    net_destroy(net);
}

static void test_fifo_without_reorder(void **state)
{
    struct net *net = net_create(2, 9);
    struct msg m = mk(0, 1);
    int64_t last = -1;

    (void)state;
    /* A wide latency range: independent delays would reorder often. */
    net_set_latency(net, 0, 1, 1 * MS, 100 * MS);
    for (int i = 0; i < 2000; i++) {
        struct net_ref refs[2];
        const struct msg *c;
        int64_t now = i * 500;
        assert_int_equal(net_send(net, now, &m, refs), 1);
        c = net_find(net, refs[0]);
        assert_true(c->deliver_us >= last);
        /* Waiting behind an earlier message never pushes past the bound. */
        assert_in_range(c->deliver_us - now, 1 * MS, 100 * MS);
        last = c->deliver_us;
        net_remove(net, refs[0]);
    }
    net_destroy(net);
}

/*
 * With reordering on, some later message must arrive before an earlier one.
 * A fixed latency makes it sharp: without reordering every message takes
 * exactly 10ms, so any overtaking comes from a message held back.
 */
static void test_reorder_lets_later_messages_overtake(void **state)
{
    struct net *net = net_create(2, 9);
    struct msg m = mk(0, 1);
    int64_t deliver[1000];
    int overtaken = 0;

    (void)state;
    net_set_latency(net, 0, 1, 10 * MS, 10 * MS);
    net_set_reorder(net, 0, 1, 2000);
    for (int i = 0; i < 1000; i++) {
        struct net_ref refs[2];
        assert_int_equal(net_send(net, i * MS, &m, refs), 1);
        deliver[i] = net_find(net, refs[0])->deliver_us;
        assert_true(deliver[i] >= i * MS + 10 * MS);
        net_remove(net, refs[0]);
    }
    for (int i = 0; i + 1 < 1000; i++)
        overtaken += deliver[i + 1] < deliver[i];
    /* About 20% are held back by 0..10ms, so roughly one in five is overtaken. */
    assert_in_range(overtaken, 50, 300);
    /* Messages not held back keep their 10ms: the hold does not stall the whole link. */
    int exact = 0;
    for (int i = 0; i < 1000; i++)
        exact += deliver[i] == i * MS + 10 * MS;
    assert_in_range(exact, 700, 900);
    net_destroy(net);
}

static void test_cut_one_way_and_both(void **state)
{
    struct net *net = net_create(3, 3);
    struct msg fwd = mk(0, 1), back = mk(1, 0);
    struct net_ref refs[2];

    (void)state;
    net_cut(net, 0, 1, true);
    assert_false(net_reachable(net, 0, 1));
    assert_true(net_reachable(net, 1, 0));
    assert_true(net_reachable(net, 0, 2));
    assert_true(net_link(net, 0, 1).cut);
    assert_int_equal(net_send(net, 0, &fwd, refs), 1);
    assert_int_equal(net_find(net, refs[0])->fate, NET_DROP);
    assert_int_equal(net_find(net, refs[0])->why, NET_WHY_CUT);
    assert_int_equal(net_send(net, 0, &back, refs), 1);
    assert_int_equal(net_find(net, refs[0])->fate, NET_DELIVER);
    /* Both ways. */
    net_cut(net, 1, 0, true);
    assert_false(net_reachable(net, 1, 0));
    assert_int_equal(net_send(net, 0, &back, refs), 1);
    assert_int_equal(net_find(net, refs[0])->fate, NET_DROP);
    /* Mend one direction. */
    net_cut(net, 0, 1, false);
    assert_true(net_reachable(net, 0, 1));
    assert_false(net_reachable(net, 1, 0));
    /* A node always reaches itself. */
    assert_true(net_reachable(net, 1, 1));
    net_destroy(net);
}

static void test_partition_and_heal(void **state)
{
    struct net *net = net_create(5, 3);
    const int groups[5] = {0, 0, 1, 1, 2};

    (void)state;
    assert_false(net_partitioned(net));
    net_partition(net, groups);
    assert_true(net_partitioned(net));
    assert_int_equal(net_group(net, 3), 1);
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            assert_int_equal(net_reachable(net, a, b), groups[a] == groups[b]);
    /* Messages across the partition are lost, inside it they go through. */
    assert_int_equal(send_many(net, 0, 2, 100).dropped, 100);
    assert_int_equal(send_many(net, 4, 0, 100).dropped, 100);
    assert_int_equal(send_many(net, 2, 3, 100).dropped, 0);
    net_cut(net, 0, 1, true);
    net_heal(net);
    assert_false(net_partitioned(net));
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            assert_true(net_reachable(net, a, b));
    assert_false(net_link(net, 0, 1).cut);
    assert_int_equal(send_many(net, 0, 2, 100).dropped, 0);
    net_destroy(net);
}

static void test_clients_exempt(void **state)
{
    struct net *net = net_create(3, 3);
    const int groups[3] = {0, 1, 1};
    int client = NET_CLIENT_BASE + 2;
    struct msg req = mk(client, 0), rep = mk(0, client);
    struct net_ref refs[2];

    (void)state;
    assert_true(net_is_client(client));
    assert_false(net_is_client(NET_CLIENT_BASE - 1));
    net_partition(net, groups);
    net_cut(net, 1, 0, true);
    net_set_drop(net, -1, -1, 10000);
    net_set_dup(net, -1, -1, 10000);
    net_set_client_latency(net, 3 * MS);
    assert_true(net_reachable(net, client, 0));
    assert_true(net_reachable(net, 0, client));
    for (int i = 0; i < 200; i++) {
        assert_int_equal(net_send(net, 10 * MS, &req, refs), 1);
        assert_int_equal(net_find(net, refs[0])->fate, NET_DELIVER);
        assert_int_equal(net_find(net, refs[0])->deliver_us, 13 * MS);
        net_remove(net, refs[0]);
        assert_int_equal(net_send(net, 10 * MS, &rep, refs), 1);
        assert_int_equal(net_find(net, refs[0])->fate, NET_DELIVER);
        net_remove(net, refs[0]);
    }
    net_destroy(net);
}

static void test_in_flight_limit(void **state)
{
    struct net *net = net_create(2, 3);
    struct msg m = mk(0, 1);
    struct net_ref refs[2], first;

    (void)state;
    for (int i = 0; i < NET_MAX_IN_FLIGHT; i++) {
        assert_int_equal(net_send(net, 0, &m, refs), 1);
        if (i == 0)
            first = refs[0];
    }
    assert_int_equal(net_in_flight(net), NET_MAX_IN_FLIGHT);
    assert_int_equal(net_busy(net), NET_MAX_IN_FLIGHT);
    assert_int_equal(net_send(net, 0, &m, refs), NET_EFULL);
    assert_int_equal(net_in_flight(net), NET_MAX_IN_FLIGHT);
    /* Freeing one slot makes room for exactly one more. */
    net_remove(net, first);
    assert_null(net_find(net, first));
    assert_int_equal(net_send(net, 0, &m, refs), 1);
    assert_int_equal(net_send(net, 0, &m, refs), NET_EFULL);
    /* A stale handle to a reused slot finds nothing. */
    assert_null(net_find(net, first));
    net_destroy(net);
}

static void test_drop_to_and_busy(void **state)
{
    struct net *net = net_create(3, 3);
    struct msg a = mk(0, 1), b = mk(2, 1), c = mk(1, 0), idle = mk(0, 2);
    struct net_ref refs[2];
    int seen = 0;

    (void)state;
    idle.idle = true;
    net_send(net, 0, &a, refs);
    net_send(net, 0, &b, refs);
    net_send(net, 0, &c, refs);
    net_send(net, 0, &idle, refs);
    assert_int_equal(net_in_flight(net), 4);
    assert_int_equal(net_busy(net), 3); /* idle chatter does not count */
    assert_int_equal(net_drop_to(net, 1), 2);
    assert_int_equal(net_busy(net), 1);
    assert_int_equal(net_in_flight(net), 4);  /* still on the wire until they arrive */
    assert_int_equal(net_drop_to(net, 1), 0); /* already doomed */
    for (int s = 0; s < net_slots(net); s++) {
        const struct msg *m = net_slot(net, s);
        if (m && m->to == 1) {
            assert_int_equal(m->fate, NET_DROP);
            assert_int_equal(m->why, NET_WHY_DOWN);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    /* Marking one dropped by hand. */
    net_mark_dropped(net, refs[0], NET_WHY_CUT);
    assert_int_equal(net_find(net, refs[0])->why, NET_WHY_CUT);
    assert_int_equal(net_busy(net), 1); /* it was idle: busy unchanged */
    net_destroy(net);
}

/* The largest delay over n sends at 1ms intervals from start; *over_bound counts those past bound.
 */
static int64_t max_delay(struct net *net, int64_t start, int n, int *over_bound, int64_t bound)
{
    struct msg m = mk(0, 1);
    int64_t worst = 0;

    *over_bound = 0;
    for (int i = 0; i < n; i++) {
        struct net_ref refs[2];
        int64_t now = start + i * MS;
        int64_t d;
        assert_int_equal(net_send(net, now, &m, refs), 1);
        d = net_find(net, refs[0])->deliver_us - now;
        if (d > worst)
            worst = d;
        *over_bound += d > bound;
        net_remove(net, refs[0]);
    }
    return worst;
}

static void test_timing_sync(void **state)
{
    struct net *net = net_create(2, 11);
    int over;

    (void)state;
    net_set_latency(net, -1, -1, 10 * MS, 30 * MS);
    net_set_timing(net, NET_SYNC, 0);
    assert_true(max_delay(net, 0, 5000, &over, 30 * MS) <= 30 * MS);
    assert_int_equal(over, 0);
    assert_string_equal(net_timing_name(NET_SYNC), "sync");
    net_destroy(net);
}

static void test_timing_partial(void **state)
{
    struct net *before = net_create(2, 11);
    struct net *after = net_create(2, 11);
    int over;
    int64_t worst;

    (void)state;
    net_set_latency(before, -1, -1, 10 * MS, 30 * MS);
    net_set_latency(after, -1, -1, 10 * MS, 30 * MS);
    net_set_timing(before, NET_PARTIAL, 1000 * S);
    net_set_timing(after, NET_PARTIAL, 5 * S);
    /* Before GST: many delays beyond the bound, some far beyond it. */
    worst = max_delay(before, 0, 3000, &over, 30 * MS);
    assert_true(over > 300);
    assert_true(worst > 10 * 30 * MS);
    /* After GST (a net whose links saw no pre-GST traffic): every delay is within the bound. */
    worst = max_delay(after, 5 * S, 3000, &over, 30 * MS);
    assert_int_equal(over, 0);
    assert_true(worst <= 30 * MS);
    assert_string_equal(net_timing_name(NET_PARTIAL), "partial");
    net_destroy(before);
    net_destroy(after);
}

static void test_timing_async_long_tail(void **state)
{
    struct net *net = net_create(2, 11);
    struct msg m = mk(0, 1);
    int within = 0, beyond4 = 0;

    (void)state;
    net_set_latency(net, -1, -1, 10 * MS, 30 * MS);
    net_set_timing(net, NET_ASYNC, 0);
    for (int i = 0; i < 10000; i++) {
        struct net_ref refs[2];
        int64_t now = i * 100 * S; /* far apart: no message waits behind a slow one */
        int64_t d;
        net_send(net, now, &m, refs);
        d = net_find(net, refs[0])->deliver_us - now;
        within += d <= 30 * MS;
        beyond4 += d > 4 * 30 * MS;
        net_remove(net, refs[0]);
    }
    /* Most messages are on time (about 75%), yet a real tail goes far past the bound. */
    assert_in_range(within, 7000, 8000);
    assert_in_range(beyond4, 50, 2000);
    assert_string_equal(net_timing_name(NET_ASYNC), "async");
    net_destroy(net);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(net_fate_name(NET_DELIVER), "delivered");
    assert_string_equal(net_fate_name(NET_DROP), "dropped");
    assert_string_equal(net_fate_name(NET_DUPLICATE), "duplicated");
    assert_string_equal(net_why_name(NET_WHY_CUT), "link cut");
    assert_string_equal(net_why_name(NET_WHY_DOWN), "node down");
    assert_string_equal(net_why_name(NET_WHY_LOSS), "lost");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_exact_count),
        cmocka_unit_test(test_drop_every_link_and_extremes),
        cmocka_unit_test(test_dropped_message_dies_mid_link),
        cmocka_unit_test(test_duplicates_exact_count),
        cmocka_unit_test(test_message_fields),
        cmocka_unit_test(test_fifo_without_reorder),
        cmocka_unit_test(test_reorder_lets_later_messages_overtake),
        cmocka_unit_test(test_cut_one_way_and_both),
        cmocka_unit_test(test_partition_and_heal),
        cmocka_unit_test(test_clients_exempt),
        cmocka_unit_test(test_in_flight_limit),
        cmocka_unit_test(test_drop_to_and_busy),
        cmocka_unit_test(test_timing_sync),
        cmocka_unit_test(test_timing_partial),
        cmocka_unit_test(test_timing_async_long_tail),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
