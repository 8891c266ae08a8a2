/*
 * test_histcheck: the readers of histories from other systems and the
 * checker behind `splitbrain check`, through their headers. The core
 * property: on random register histories (several processes, overlapping
 * intervals, writes of unknown outcome, reads of values nobody wrote) the
 * new search gives the same verdict as check_linearizable, the run
 * summary's checker; and every violation's window, searched alone, cannot
 * be ordered either, while leaving out any one op it may leave out makes it
 * orderable (so it is the smallest). And on random small cas-register histories
 * (ok, failed and indeterminate writes and cas), the verdict of trying every
 * order by brute force.
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
#include "../engine/histread.h"
#include "../engine/util.h"
#include "prop.h"

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static struct check_hist *parse(const char *text, enum histread_format *used)
{
    struct check_hist *h = check_hist_create();
    struct histread_error err;
    int rc = histread_parse("t", text, strlen(text), HISTREAD_AUTO, h, used, &err);

    if (rc < 0)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    return h;
}

static enum check_verdict verdict_of(const char *text, long budget)
{
    enum histread_format used;
    struct check_hist *h = parse(text, &used);
    struct check_hresult r;
    enum check_verdict v;

    check_hist_run(h, histread_default_model(h, used), budget, true, &r);
    v = r.worst;
    check_hresult_release(&r);
    check_hist_destroy(h);
    return v;
}

static void test_info_write_semantics(void **state)
{
    (void)state;
    /* A timed-out write a later read saw: it happened. */
    assert_int_equal(verdict_of("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 0 :info :write 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 1\n",
                                0),
                     CHECK_OK);
    /* ... and it cannot happen twice. */
    assert_int_equal(verdict_of("INFO jepsen.util - 2 :invoke :write 0\n"
                                "INFO jepsen.util - 2 :ok :write 0\n"
                                "INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 0 :info :write 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 0\n",
                                0),
                     CHECK_VIOLATED);
    /* A failed write did not happen. */
    assert_int_equal(verdict_of("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 0 :fail :write 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 1\n",
                                0),
                     CHECK_VIOLATED);
}

static void test_cas_semantics(void **state)
{
    (void)state;
    /* An indeterminate cas that found its value took effect. */
    assert_int_equal(verdict_of("{:process 0, :type :invoke, :f :write, :value 1}\n"
                                "{:process 0, :type :ok, :f :write, :value 1}\n"
                                "{:process 1, :type :invoke, :f :cas, :value [1 2]}\n"
                                "{:process 2, :type :invoke, :f :read, :value nil}\n"
                                "{:process 2, :type :ok, :f :read, :value 2}\n",
                                0),
                     CHECK_OK);
    /* A failed cas saw another value: here there was none to see. */
    assert_int_equal(verdict_of("{:process 0, :type :invoke, :f :write, :value 1}\n"
                                "{:process 0, :type :ok, :f :write, :value 1}\n"
                                "{:process 1, :type :invoke, :f :cas, :value [1 2]}\n"
                                "{:process 1, :type :fail, :f :cas, :value [1 2]}\n",
                                0),
                     CHECK_VIOLATED);
}

static void test_append_and_budget(void **state)
{
    (void)state;
    assert_int_equal(
        verdict_of("{:process 0, :type :invoke, :f :append, :key \"k\", :value \"a\"}\n"
                   "{:process 1, :type :invoke, :f :append, :key \"k\", :value \"b\"}\n"
                   "{:process 0, :type :ok, :f :append, :key \"k\", :value nil}\n"
                   "{:process 1, :type :ok, :f :append, :key \"k\", :value nil}\n"
                   "{:process 2, :type :invoke, :f :get, :key \"k\", :value nil}\n"
                   "{:process 2, :type :ok, :f :get, :key \"k\", :value \"ba\"}\n",
                   0),
        CHECK_OK);
    assert_int_equal(
        verdict_of("{:process 0, :type :invoke, :f :append, :key \"k\", :value \"a\"}\n"
                   "{:process 0, :type :ok, :f :append, :key \"k\", :value nil}\n"
                   "{:process 1, :type :invoke, :f :append, :key \"k\", :value \"b\"}\n"
                   "{:process 1, :type :ok, :f :append, :key \"k\", :value nil}\n"
                   "{:process 2, :type :invoke, :f :get, :key \"k\", :value nil}\n"
                   "{:process 2, :type :ok, :f :get, :key \"k\", :value \"ba\"}\n",
                   0),
        CHECK_VIOLATED);
    /* Out of budget: unknown, never a pass. */
    assert_int_equal(verdict_of("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 0 :ok :write 1\n"
                                "INFO jepsen.util - 1 :ok :read 1\n",
                                1),
                     CHECK_UNKNOWN);
}

static void test_malformed_lines(void **state)
{
    struct check_hist *h = check_hist_create();
    struct histread_error err;
    enum histread_format used;
    const char *text = "{:process 0, :type :invoke, :f :cas, :value 3}\n";
    char line[400];

    (void)state;
    assert_int_equal(histread_parse("h.edn", text, strlen(text), HISTREAD_AUTO, h, &used, &err),
                     -1);
    histread_error_format(&err, line, sizeof(line));
    assert_string_equal(line, "h.edn:1:45: expected [from to], the two values of a cas");
    check_hist_destroy(h);
}

/* The same random history as a splitbrain history and as a check_hist. */
static void random_pair(uint64_t seed, struct history *eh, struct check_hist *ch)
{
    int procs = 2 + (int)(next(&seed) % 3), n = 4 + (int)(next(&seed) % 9);
    int64_t free_at[4] = {0, 0, 0, 0};

    for (int i = 0; i < n; i++) {
        int p = (int)(next(&seed) % (uint64_t)procs);
        struct op op;
        struct check_hop c;
        bool write = next(&seed) % 2 == 0;
        bool timeout = write && next(&seed) % 5 == 0;
        int v = (int)(next(&seed) % 4);
        char val[8];
        char one[1][STORE_VAL_MAX];
        int64_t t0 = free_at[p] + (int64_t)(next(&seed) % 20);
        int64_t t1 = t0 + 1 + (int64_t)(next(&seed) % 40);
        free_at[p] = t1 + 1;
        snprintf(val, sizeof(val), "%d", v);
        memset(&op, 0, sizeof(op));
        op.req.kind = write ? OP_PUT : OP_GET;
        util_strlcpy(op.req.key, "x", sizeof(op.req.key));
        op.invoke_us = t0;
        op.complete_us = t1;
        op.status = timeout ? OP_TIMEOUT : OP_OK;
        memset(&c, 0, sizeof(c));
        c.process = p;
        c.kind = write ? CHECK_H_WRITE : CHECK_H_READ;
        c.status = timeout ? CHECK_H_INFO : CHECK_H_OK;
        c.invoke = t0;
        c.complete = t1;
        c.key = check_hist_intern(ch, "x");
        if (write) {
            util_strlcpy(op.req.value, val, sizeof(op.req.value));
            c.value = check_hist_intern(ch, val);
        } else if (v == 3) {
            op.result.n = 0; /* nil */
            c.value = CHECK_HIST_NIL;
        } else {
            op.result.n = 1;
            op.result.v = one; /* history_add copies it into the history */
            util_strlcpy(one[0], val, sizeof(one[0]));
            c.value = check_hist_intern(ch, val);
        }
        history_add(eh, &op);
        check_hist_add(ch, &c);
    }
}

static void test_agrees_with_the_run_summary_checker(void **state)
{
    int seeds = prop_seeds(3000), violated = 0;

    (void)state;
    for (int s = 0; s < seeds; s++) {
        struct history *eh = history_create();
        struct check_hist *ch = check_hist_create();
        struct check_lin old;
        struct check_hresult r;
        random_pair((uint64_t)s, eh, ch);
        check_linearizable_key(eh, "x", 0, &old);
        check_hist_run(ch, CHECK_MODEL_REGISTER, 0, true, &r);
        assert_int_equal(r.n_keys, 1);
        if (old.verdict != r.keys[0].verdict)
            fail_msg("seed %d: run summary says %s, check says %s", s,
                     check_verdict_name(old.verdict), check_verdict_name(r.keys[0].verdict));
        if (r.keys[0].verdict == CHECK_VIOLATED) {
            /* The window alone cannot be ordered either. */
            struct check_hist *w = check_hist_create();
            struct check_hresult wr;
            violated++;
            assert_true(r.keys[0].n_window >= 1);
            for (int i = 0; i < r.keys[0].n_window; i++) {
                struct check_hop o = *check_hist_at(ch, r.keys[0].window[i]);
                o.key = check_hist_intern(w, "x");
                if (o.value != CHECK_HIST_NIL)
                    o.value = check_hist_intern(w, check_hist_str(ch, o.value));
                check_hist_add(w, &o);
            }
            check_hist_run(w, CHECK_MODEL_REGISTER, 0, false, &wr);
            assert_int_equal(wr.worst, CHECK_VIOLATED);
            check_hresult_release(&wr);
            /* Smallest: without any one of its reads the rest can be ordered (a read may
             * always be left out; a write only when no read of the window saw it). */
            for (int skip = 0; skip < check_hist_count(w); skip++) {
                struct check_hist *w2;
                if (check_hist_at(w, skip)->kind != CHECK_H_READ)
                    continue;
                w2 = check_hist_create();
                for (int i = 0; i < check_hist_count(w); i++) {
                    struct check_hop o = *check_hist_at(w, i);
                    if (i == skip)
                        continue;
                    o.key = check_hist_intern(w2, "x");
                    if (o.value != CHECK_HIST_NIL)
                        o.value = check_hist_intern(w2, check_hist_str(w, o.value));
                    check_hist_add(w2, &o);
                }
                check_hist_run(w2, CHECK_MODEL_REGISTER, 0, false, &wr);
                if (wr.worst != CHECK_OK && check_hist_count(w2) > 0)
                    fail_msg("seed %d: the window is not the smallest: it fails without op %d", s,
                             skip);
                check_hresult_release(&wr);
                check_hist_destroy(w2);
            }
            check_hist_destroy(w);
        }
        check_hresult_release(&r);
        check_hist_destroy(ch);
        history_destroy(eh);
    }
    /* The generator must produce both verdicts, or the property says little. */
    assert_true(violated > seeds / 20);
    assert_true(violated < seeds - seeds / 20);
}

/* ---- brute force: every order of a small cas-register history ---- */

struct bf_op {
    enum check_hkind kind;
    enum check_hstatus status;
    int value, from;   /* small integers; -1 = nil */
    int64_t call, ret; /* ret INT64_MAX: indeterminate */
};

/* Can the ops not yet placed (all of them finite, some indeterminate) follow from state? */
static bool bf_dfs(const struct bf_op *ops, int n, unsigned placed, int state)
{
    bool all_finite_placed = true;

    for (int i = 0; i < n; i++)
        if (!(placed & (1u << i)) && ops[i].ret != INT64_MAX)
            all_finite_placed = false;
    if (all_finite_placed)
        return true; /* the indeterminate ones left never took effect */
    for (int i = 0; i < n; i++) {
        bool ready = !(placed & (1u << i));
        int next = state;
        for (int j = 0; j < n && ready; j++)
            if (j != i && !(placed & (1u << j)) && ops[j].ret < ops[i].call)
                ready = false;
        if (!ready)
            continue;
        switch (ops[i].kind) {
        case CHECK_H_READ:
            if (ops[i].value != state)
                continue;
            break;
        case CHECK_H_WRITE:
            next = ops[i].value;
            break;
        case CHECK_H_CAS:
            if (ops[i].status == CHECK_H_OK) {
                if (state != ops[i].from)
                    continue;
                next = ops[i].value;
            } else if (ops[i].status == CHECK_H_FAIL) {
                if (state == ops[i].from)
                    continue;
            } else if (state == ops[i].from) {
                next = ops[i].value;
            }
            break;
        case CHECK_H_APPEND:
        case CHECK_H_OTHER:
            continue;
        }
        if (bf_dfs(ops, n, placed | (1u << i), next))
            return true;
    }
    return false;
}

static void test_cas_register_against_brute_force(void **state)
{
    int seeds = prop_seeds(4000), violated = 0;

    (void)state;
    for (int s = 0; s < seeds; s++) {
        uint64_t seed = (uint64_t)s * 7919u + 17u;
        struct bf_op bf[8];
        int m = 0, procs = 2 + (int)(next(&seed) % 2), n = 3 + (int)(next(&seed) % 5);
        int64_t free_at[4] = {0, 0, 0, 0};
        struct check_hist *ch = check_hist_create();
        struct check_hresult r;
        bool expect;
        for (int i = 0; i < n; i++) {
            int p = (int)(next(&seed) % (uint64_t)procs), dice = (int)(next(&seed) % 10);
            struct check_hop c;
            char a[8], b[8];
            int64_t t0 = free_at[p] + (int64_t)(next(&seed) % 10);
            int64_t t1 = t0 + 1 + (int64_t)(next(&seed) % 25);
            free_at[p] = t1 + 1;
            memset(&c, 0, sizeof(c));
            c.process = p;
            c.invoke = t0;
            c.complete = t1;
            c.key = check_hist_intern(ch, "");
            c.status = CHECK_H_OK;
            c.kind = dice < 4 ? CHECK_H_READ : dice < 7 ? CHECK_H_WRITE : CHECK_H_CAS;
            c.value = (int)(next(&seed) % 3);
            c.from = (int)(next(&seed) % 3);
            if (c.kind != CHECK_H_READ && next(&seed) % 4 == 0)
                c.status = CHECK_H_INFO;
            if (c.kind == CHECK_H_CAS && next(&seed) % 3 == 0)
                c.status = CHECK_H_FAIL;
            bf[m].kind = c.kind;
            bf[m].status = c.status;
            bf[m].value = c.kind == CHECK_H_READ && c.value == 2 ? -1 : c.value;
            bf[m].from = c.from;
            bf[m].call = t0;
            bf[m].ret = c.status == CHECK_H_INFO ? INT64_MAX : t1;
            m++;
            snprintf(a, sizeof(a), "%d", c.value);
            snprintf(b, sizeof(b), "%d", c.from);
            c.value =
                c.kind == CHECK_H_READ && c.value == 2 ? CHECK_HIST_NIL : check_hist_intern(ch, a);
            c.from = check_hist_intern(ch, b);
            if (c.status == CHECK_H_INFO)
                c.complete = INT64_MAX;
            check_hist_add(ch, &c);
        }
        expect = bf_dfs(bf, m, 0, -1);
        check_hist_run(ch, CHECK_MODEL_CAS_REGISTER, 0, true, &r);
        if ((r.worst == CHECK_OK) != expect || (r.worst != CHECK_OK && r.worst != CHECK_VIOLATED))
            fail_msg("seed %d: every order says %s, check says %s", s,
                     expect ? "linearizable" : "violated", check_verdict_name(r.worst));
        violated += !expect;
        check_hresult_release(&r);
        check_hist_destroy(ch);
    }
    assert_true(violated > seeds / 20);
    assert_true(violated < seeds - seeds / 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_write_semantics),
        cmocka_unit_test(test_cas_semantics),
        cmocka_unit_test(test_append_and_budget),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_agrees_with_the_run_summary_checker),
        cmocka_unit_test(test_cas_register_against_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
