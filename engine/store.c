#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct store {
    struct store_entry *log;
    int64_t log_len;
    int64_t log_cap;
    struct store_item *items;
    int n_items;
    int cap_items;
};

struct store *store_create(void)
{
    return xcalloc(1, sizeof(struct store));
}

void store_destroy(struct store *s)
{
    if (!s)
        return;
    free(s->log);
    free(s->items);
    free(s);
}

void store_clear(struct store *s)
{
    s->log_len = 0;
    s->n_items = 0;
}

void store_copy(struct store *dst, const struct store *src)
{
    if (dst->log_cap < src->log_len) {
        dst->log_cap = src->log_len;
        dst->log = xrealloc(dst->log, (size_t)dst->log_cap * sizeof(*dst->log));
    }
    if (src->log_len)
        memcpy(dst->log, src->log, (size_t)src->log_len * sizeof(*src->log));
    dst->log_len = src->log_len;
    if (dst->cap_items < src->n_items) {
        dst->cap_items = src->n_items;
        dst->items = xrealloc(dst->items, (size_t)dst->cap_items * sizeof(*dst->items));
    }
    if (src->n_items)
        memcpy(dst->items, src->items, (size_t)src->n_items * sizeof(*src->items));
    dst->n_items = src->n_items;
}

int64_t store_log_end(const struct store *s)
{
    return s->log_len;
}

int64_t store_log_append(struct store *s, const struct store_entry *e)
{
    if (s->log_len >= STORE_MAX_LOG)
        return STORE_EFULL;
    if (s->log_len == s->log_cap) {
        s->log_cap = s->log_cap ? s->log_cap * 2 : 64;
        s->log = xrealloc(s->log, (size_t)s->log_cap * sizeof(*s->log));
    }
    s->log[s->log_len] = *e;
    s->log[s->log_len].offset = s->log_len;
    return s->log_len++;
}

const struct store_entry *store_log_at(const struct store *s, int64_t offset)
{
    if (offset < 0 || offset >= s->log_len)
        return NULL;
    return &s->log[offset];
}

int64_t store_log_truncate(struct store *s, int64_t offset)
{
    int64_t gone;

    if (offset < 0)
        offset = 0;
    if (offset >= s->log_len)
        return 0;
    gone = s->log_len - offset;
    s->log_len = offset;
    return gone;
}

int store_kv_count(const struct store *s)
{
    return s->n_items;
}

const struct store_item *store_kv_at(const struct store *s, int i)
{
    if (i < 0 || i >= s->n_items)
        return NULL;
    return &s->items[i];
}

/* Binary search: index of key, or -(insertion point) - 1. */
static int find(const struct store *s, const char *key)
{
    int lo = 0, hi = s->n_items - 1;

    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(s->items[mid].key, key);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -lo - 1;
}

const struct store_item *store_kv_get(const struct store *s, const char *key)
{
    int i = find(s, key);
    return i >= 0 ? &s->items[i] : NULL;
}

int store_kv_set(struct store *s, const char *key, const struct store_version *v, int n)
{
    int i = find(s, key);
    struct store_item *it;

    if (n < 0 || n > STORE_MAX_SIBLINGS)
        return STORE_ERANGE;
    if (n == 0) {
        if (i >= 0) {
            memmove(&s->items[i], &s->items[i + 1],
                    (size_t)(s->n_items - i - 1) * sizeof(*s->items));
            s->n_items--;
        }
        return 0;
    }
    if (i < 0) {
        if (s->n_items >= STORE_MAX_KEYS)
            return STORE_EFULL;
        if (s->n_items == s->cap_items) {
            s->cap_items = s->cap_items ? s->cap_items * 2 : 16;
            s->items = xrealloc(s->items, (size_t)s->cap_items * sizeof(*s->items));
        }
        i = -i - 1;
        memmove(&s->items[i + 1], &s->items[i], (size_t)(s->n_items - i) * sizeof(*s->items));
        s->n_items++;
        memset(&s->items[i], 0, sizeof(s->items[i]));
        util_strlcpy(s->items[i].key, key, sizeof(s->items[i].key));
    }
    it = &s->items[i];
    it->n = n;
    memcpy(it->v, v, (size_t)n * sizeof(*v));
    return 0;
}

const char *store_strerror(int err)
{
    switch (err) {
    case STORE_EFULL:
        return "replica storage full";
    case STORE_ERANGE:
        return "too many siblings";
    default:
        return "unknown store error";
    }
}
