#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t hash_of(int tag, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)(unsigned)tag * 0x9e3779b97f4a7c15ULL);

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 31;
    return h ? h : 1;
}

void strmap_init(struct strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void strmap_release(struct strmap *m)
{
    free(m->slots);
    free(m->buf);
    memset(m, 0, sizeof(*m));
}

void strmap_clear(struct strmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof(*m->slots));
    m->len = 0;
    m->buf_len = 0;
}

static size_t find(const struct strmap *m, uint64_t h, int tag, const char *s)
{
    size_t i = (size_t)h & (m->cap - 1);

    while (m->slots[i].hash) {
        const struct strmap_slot *sl = &m->slots[i];
        if (sl->hash == h && sl->tag == tag && strcmp(m->buf + sl->off, s) == 0)
            return i;
        i = (i + 1) & (m->cap - 1);
    }
    return i;
}

int strmap_get(const struct strmap *m, int tag, const char *s)
{
    size_t i;

    if (!m->cap)
        return -1;
    i = find(m, hash_of(tag, s), tag, s);
    return m->slots[i].hash ? m->slots[i].val : -1;
}

static void grow(struct strmap *m)
{
    struct strmap_slot *old = m->slots;
    size_t old_cap = m->cap;

    m->cap = old_cap ? old_cap * 2 : 64;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t k = 0; k < old_cap; k++) {
        size_t i;
        if (!old[k].hash)
            continue;
        i = (size_t)old[k].hash & (m->cap - 1);
        while (m->slots[i].hash)
            i = (i + 1) & (m->cap - 1);
        m->slots[i] = old[k];
    }
    free(old);
}

int strmap_put(struct strmap *m, int tag, const char *s, int val)
{
    uint64_t h = hash_of(tag, s);
    size_t len = strlen(s) + 1, i;

    if ((m->len + 1) * 2 > m->cap)
        grow(m);
    i = find(m, h, tag, s);
    if (m->slots[i].hash)
        return m->slots[i].val;
    if (m->buf_len + len > m->buf_cap) {
        m->buf_cap = (m->buf_cap ? m->buf_cap * 2 : 1024) + len;
        m->buf = xrealloc(m->buf, m->buf_cap);
    }
    memcpy(m->buf + m->buf_len, s, len);
    m->slots[i] = (struct strmap_slot){h, m->buf_len, tag, val};
    m->buf_len += len;
    m->len++;
    return val;
}
