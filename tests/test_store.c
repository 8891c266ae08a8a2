/*
 * test_store: the append-only log (dense offsets, truncate, the limit) and
 * the sorted key -> versions map (siblings, remove, the limits), copy and
 * clear.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../engine/store.h"

static struct store_entry entry(const char *key, const char *value, int64_t epoch)
{
    struct store_entry e;

    memset(&e, 0, sizeof(e));
    snprintf(e.key, sizeof(e.key), "%s", key);
    snprintf(e.value, sizeof(e.value), "%s", value);
    e.epoch = epoch;
    e.offset = 999; /* the store sets it */
    return e;
}

static struct store_version version(const char *value, int origin)
{
    struct store_version v;

    memset(&v, 0, sizeof(v));
    snprintf(v.value, sizeof(v.value), "%s", value);
    v.origin = origin;
    v.vc.v[origin] = 1;
    return v;
}

static void test_log_append_at(void **state)
{
    struct store *s = store_create();
    struct store_entry e = entry("x", "1", 1);
    const struct store_entry *got;

    (void)state;
    assert_int_equal(store_log_end(s), 0);
    assert_null(store_log_at(s, 0));
    assert_int_equal(store_log_append(s, &e), 0);
    e = entry("y", "2", 1);
    assert_int_equal(store_log_append(s, &e), 1);
    e = entry("x", "3", 2);
    assert_int_equal(store_log_append(s, &e), 2);
    assert_int_equal(store_log_end(s), 3);
    got = store_log_at(s, 1);
    assert_non_null(got);
    assert_int_equal(got->offset, 1);
    assert_string_equal(got->key, "y");
    assert_string_equal(got->value, "2");
    got = store_log_at(s, 2);
    assert_int_equal(got->epoch, 2);
    assert_null(store_log_at(s, 3));
    assert_null(store_log_at(s, -1));
    store_destroy(s);
}

static void test_log_truncate(void **state)
{
    struct store *s = store_create();
    struct store_entry e;

    (void)state;
    for (int i = 0; i < 10; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", i);
        e = entry("k", v, 1);
        store_log_append(s, &e);
    }
    assert_int_equal(store_log_truncate(s, 7), 3);
    assert_int_equal(store_log_end(s), 7);
    assert_null(store_log_at(s, 7));
    assert_int_equal(store_log_truncate(s, 7), 0);   /* nothing at or after 7 */
    assert_int_equal(store_log_truncate(s, 100), 0); /* beyond the end */
    /* The next append reuses the freed offset. */
    e = entry("k", "new", 2);
    assert_int_equal(store_log_append(s, &e), 7);
    assert_string_equal(store_log_at(s, 7)->value, "new");
    assert_int_equal(store_log_truncate(s, -5), 8); /* clamps to 0: everything */
    assert_int_equal(store_log_end(s), 0);
    store_destroy(s);
}

static void test_log_limit(void **state)
{
    struct store *s = store_create();
    struct store_entry e = entry("k", "v", 1);

    (void)state;
    for (int64_t i = 0; i < STORE_MAX_LOG; i++)
        assert_int_equal(store_log_append(s, &e), i);
    assert_int_equal(store_log_append(s, &e), STORE_EFULL);
    assert_int_equal(store_log_end(s), STORE_MAX_LOG);
    assert_string_equal(store_strerror(STORE_EFULL), "replica storage full");
    store_destroy(s);
}

static void test_kv_set_get_order(void **state)
{
    struct store *s = store_create();
    const char *keys[] = {"m", "b", "z", "a", "q", "b2"};
    const char *sorted[] = {"a", "b", "b2", "m", "q", "z"};
    struct store_version v;
    const struct store_item *it;

    (void)state;
    assert_null(store_kv_get(s, "a"));
    for (size_t i = 0; i < 6; i++) {
        v = version(keys[i], 0);
        assert_int_equal(store_kv_set(s, keys[i], &v, 1), 0);
    }
    assert_int_equal(store_kv_count(s), 6);
    for (int i = 0; i < 6; i++) {
        it = store_kv_at(s, i);
        assert_non_null(it);
        assert_string_equal(it->key, sorted[i]);
        assert_int_equal(it->n, 1);
        assert_string_equal(it->v[0].value, sorted[i]);
    }
    assert_null(store_kv_at(s, 6));
    assert_null(store_kv_at(s, -1));
    /* Overwriting a key replaces its versions and keeps the count. */
    v = version("new", 1);
    assert_int_equal(store_kv_set(s, "m", &v, 1), 0);
    assert_int_equal(store_kv_count(s), 6);
    it = store_kv_get(s, "m");
    assert_string_equal(it->v[0].value, "new");
    assert_int_equal(it->v[0].origin, 1);
    store_destroy(s);
}

static void test_kv_siblings(void **state)
{
    struct store *s = store_create();
    struct store_version v[STORE_MAX_SIBLINGS + 1];
    const struct store_item *it;

    (void)state;
    for (int i = 0; i <= STORE_MAX_SIBLINGS; i++) {
        char val[8];
        snprintf(val, sizeof(val), "v%d", i);
        v[i] = version(val, i);
    }
    assert_int_equal(store_kv_set(s, "x", v, 2), 0);
    it = store_kv_get(s, "x");
    assert_int_equal(it->n, 2);
    assert_string_equal(it->v[0].value, "v0");
    assert_string_equal(it->v[1].value, "v1");
    assert_int_equal(it->v[1].vc.v[1], 1);
    assert_int_equal(store_kv_set(s, "x", v, STORE_MAX_SIBLINGS), 0);
    assert_int_equal(store_kv_get(s, "x")->n, STORE_MAX_SIBLINGS);
    /* Too many siblings: refused, nothing changes. */
    assert_int_equal(store_kv_set(s, "x", v, STORE_MAX_SIBLINGS + 1), STORE_ERANGE);
    assert_int_equal(store_kv_get(s, "x")->n, STORE_MAX_SIBLINGS);
    assert_int_equal(store_kv_set(s, "y", v, -1), STORE_ERANGE);
    assert_null(store_kv_get(s, "y"));
    /* Resolving siblings down to one. */
    assert_int_equal(store_kv_set(s, "x", &v[3], 1), 0);
    assert_int_equal(store_kv_get(s, "x")->n, 1);
    assert_string_equal(store_kv_get(s, "x")->v[0].value, "v3");
    store_destroy(s);
}

static void test_kv_remove(void **state)
{
    struct store *s = store_create();
    struct store_version v = version("1", 0);

    (void)state;
    store_kv_set(s, "a", &v, 1);
    store_kv_set(s, "b", &v, 1);
    store_kv_set(s, "c", &v, 1);
    assert_int_equal(store_kv_set(s, "b", NULL, 0), 0);
    assert_int_equal(store_kv_count(s), 2);
    assert_null(store_kv_get(s, "b"));
    assert_string_equal(store_kv_at(s, 0)->key, "a");
    assert_string_equal(store_kv_at(s, 1)->key, "c");
    /* Removing a missing key is a no-op. */
    assert_int_equal(store_kv_set(s, "zz", NULL, 0), 0);
    assert_int_equal(store_kv_count(s), 2);
    /* A tombstone is a version, not a removal. */
    v.tombstone = true;
    store_kv_set(s, "a", &v, 1);
    assert_true(store_kv_get(s, "a")->v[0].tombstone);
    assert_int_equal(store_kv_count(s), 2);
    store_destroy(s);
}

static void test_kv_limit(void **state)
{
    struct store *s = store_create();
    struct store_version v = version("v", 0);
    char key[STORE_KEY_MAX];

    (void)state;
    for (int i = 0; i < STORE_MAX_KEYS; i++) {
        snprintf(key, sizeof(key), "k%05d", i); /* ascending: appends, no big moves */
        assert_int_equal(store_kv_set(s, key, &v, 1), 0);
    }
    assert_int_equal(store_kv_set(s, "one-more", &v, 1), STORE_EFULL);
    assert_int_equal(store_kv_count(s), STORE_MAX_KEYS);
    assert_null(store_kv_get(s, "one-more"));
    /* An existing key can still change at the limit. */
    assert_int_equal(store_kv_set(s, "k00000", &v, 1), 0);
    for (int i = 1; i < STORE_MAX_KEYS; i++)
        assert_true(strcmp(store_kv_at(s, i - 1)->key, store_kv_at(s, i)->key) < 0);
    store_destroy(s);
}

static void test_copy_and_clear(void **state)
{
    struct store *a = store_create(), *b = store_create();
    struct store_entry e = entry("x", "1", 1);
    struct store_version v = version("7", 2);

    (void)state;
    for (int i = 0; i < 100; i++)
        store_log_append(a, &e);
    store_kv_set(a, "x", &v, 1);
    store_kv_set(a, "y", &v, 1);
    /* b has its own, different content first: the copy replaces it. */
    store_log_append(b, &e);
    store_kv_set(b, "zzz", &v, 1);
    store_copy(b, a);
    assert_int_equal(store_log_end(b), 100);
    assert_int_equal(store_kv_count(b), 2);
    assert_null(store_kv_get(b, "zzz"));
    assert_string_equal(store_kv_get(b, "y")->v[0].value, "7");
    /* A deep copy: changing a does not change b. */
    store_log_truncate(a, 0);
    v = version("8", 0);
    store_kv_set(a, "y", &v, 1);
    assert_int_equal(store_log_end(b), 100);
    assert_string_equal(store_kv_get(b, "y")->v[0].value, "7");
    /* Clear: a wiped disk. */
    store_clear(b);
    assert_int_equal(store_log_end(b), 0);
    assert_int_equal(store_kv_count(b), 0);
    assert_null(store_kv_get(b, "x"));
    /* And usable afterwards. */
    assert_int_equal(store_log_append(b, &e), 0);
    assert_int_equal(store_kv_set(b, "x", &v, 1), 0);
    /* Copying an empty store empties the destination. */
    store_copy(b, a);
    assert_int_equal(store_log_end(b), 0);
    store_destroy(a);
    store_destroy(b);
    store_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_append_at), cmocka_unit_test(test_log_truncate),
        cmocka_unit_test(test_log_limit),     cmocka_unit_test(test_kv_set_get_order),
        cmocka_unit_test(test_kv_siblings),   cmocka_unit_test(test_kv_remove),
        cmocka_unit_test(test_kv_limit),      cmocka_unit_test(test_copy_and_clear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
