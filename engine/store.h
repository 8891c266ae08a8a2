/*
 * store: what one replica holds.
 *
 * Two shapes, one per family of models: an append-only log with dense
 * offsets starting at 0 and an epoch on every entry (single-leader), and a
 * key -> versions map where a key holds one version or several concurrent
 * siblings, each with its version vector and timestamps (multi-leader,
 * leaderless). Keys are kept sorted so every reader lists them in the same
 * order. The store has no opinion about which version wins: the model does.
 *
 * Limits: STORE_MAX_LOG entries, STORE_MAX_KEYS keys, STORE_MAX_SIBLINGS
 * siblings per key; past a limit an insert fails with STORE_EFULL and
 * nothing changes.
 */
#ifndef SPLITBRAIN_STORE_H
#define SPLITBRAIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"

#define STORE_KEY_MAX      24
#define STORE_VAL_MAX      40
#define STORE_MAX_LOG      65536
#define STORE_MAX_KEYS     4096
#define STORE_MAX_SIBLINGS 16

enum {
    STORE_EFULL = -1,
    STORE_ERANGE = -2,
};

struct store_entry {
    int64_t offset;
    int64_t epoch;
    char key[STORE_KEY_MAX];
    char value[STORE_VAL_MAX];
    uint64_t op_id; /* the client op that wrote it, 0 if none */
    int64_t ts_us;  /* the leader's physical clock when it appended */
};

struct store_version {
    char value[STORE_VAL_MAX];
    struct vclock vc;
    int64_t ts_us;    /* the origin's physical (or hybrid) timestamp */
    uint64_t lamport; /* the origin's Lamport timestamp */
    int origin;       /* the node that accepted the write */
    bool tombstone;
};

struct store_item {
    char key[STORE_KEY_MAX];
    int n; /* 1 = one version; more = concurrent siblings */
    struct store_version v[STORE_MAX_SIBLINGS];
};

struct store;

struct store *store_create(void);
void store_destroy(struct store *s);
/* Forgets everything (a wiped disk). */
void store_clear(struct store *s);
/* Makes dst an exact copy of src. */
void store_copy(struct store *dst, const struct store *src);

/* The log. */
int64_t store_log_end(const struct store *s);
/* Copies e; its offset is set to the log end. Returns the offset or STORE_EFULL. */
int64_t store_log_append(struct store *s, const struct store_entry *e);
/* The entry at offset, or NULL when out of range. Valid until the log changes. */
const struct store_entry *store_log_at(const struct store *s, int64_t offset);
/* Removes every entry at or after offset; returns how many went. */
int64_t store_log_truncate(struct store *s, int64_t offset);

/* The key-value map. */
int store_kv_count(const struct store *s);
/* Items in key order, 0 <= i < store_kv_count(). Valid until the map changes. */
const struct store_item *store_kv_at(const struct store *s, int i);
const struct store_item *store_kv_get(const struct store *s, const char *key);
/* Replaces key's versions with the n given (n = 0 removes the key). */
int store_kv_set(struct store *s, const char *key, const struct store_version *v, int n);

const char *store_strerror(int err);

#endif
