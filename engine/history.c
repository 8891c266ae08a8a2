#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * Ops live in chunks of HISTORY_CHUNK that never move: adding never copies the
 * history, and a pointer to an op stays valid for the history's lifetime.
 */
#define HISTORY_CHUNK 1024
/* Result values live in chunks of VALUE_CHUNK slots that never move either; one op's values are
 * contiguous in one chunk (HISTORY_MAX_VALUES <= VALUE_CHUNK). */
#define VALUE_CHUNK 4096
/* Reply contexts, likewise. */
#define CTX_CHUNK 256
/* Reasons and details, likewise. */
#define STR_CHUNK 65536

typedef char value_slot[STORE_VAL_MAX];

struct history {
    struct op **chunks;
    size_t n_chunks;
    size_t len;
    size_t pending;
    value_slot **vchunks; /* the value arena */
    size_t n_vchunks;
    size_t vchunk;           /* the chunk being filled */
    size_t vused;            /* slots used in it */
    struct vclock **cchunks; /* the context arena */
    size_t n_cchunks;
    size_t cused;   /* contexts used, over all chunks */
    char **schunks; /* the string arena */
    size_t n_schunks;
    size_t schunk;   /* the chunk being filled */
    size_t sused;    /* bytes used in it */
    uint64_t resets; /* history_reset calls: a reader that keeps op pointers starts over */
};

struct history *history_create(void)
{
    return xcalloc(1, sizeof(struct history));
}

void history_destroy(struct history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_chunks; i++)
        free(h->chunks[i]);
    free(h->chunks);
    for (size_t i = 0; i < h->n_vchunks; i++)
        free(h->vchunks[i]);
    free(h->vchunks);
    for (size_t i = 0; i < h->n_cchunks; i++)
        free(h->cchunks[i]);
    free(h->cchunks);
    for (size_t i = 0; i < h->n_schunks; i++)
        free(h->schunks[i]);
    free(h->schunks);
    free(h);
}

static struct op *at(const struct history *h, size_t i)
{
    return &h->chunks[i / HISTORY_CHUNK][i % HISTORY_CHUNK];
}

void history_reset(struct history *h)
{
    /* New ops must start zeroed, as fresh chunks do. */
    for (size_t c = 0; c * HISTORY_CHUNK < h->len; c++) {
        size_t used = h->len - c * HISTORY_CHUNK;
        memset(h->chunks[c], 0, (used < HISTORY_CHUNK ? used : HISTORY_CHUNK) * sizeof(struct op));
    }
    h->len = 0;
    h->pending = 0;
    h->vchunk = 0;
    h->vused = 0;
    h->cused = 0;
    h->schunk = 0;
    h->sused = 0;
    h->resets++;
}

uint64_t history_resets(const struct history *h)
{
    return h->resets;
}

struct op *history_add_new(struct history *h)
{
    struct op *op;

    if (h->len >= HISTORY_MAX_OPS)
        return NULL;
    if (h->len == h->n_chunks * HISTORY_CHUNK) {
        h->chunks = xrealloc(h->chunks, (h->n_chunks + 1) * sizeof(*h->chunks));
        /* Zeroed by the allocator (fresh pages cost no writes until an op is filled in). */
        h->chunks[h->n_chunks++] = xcalloc(HISTORY_CHUNK, sizeof(struct op));
    }
    op = at(h, h->len);
    h->len++;
    op->id = h->len;
    op->req.op_id = h->len;
    op->status = OP_PENDING;
    op->reason = "";
    op->detail = "";
    h->pending++;
    return op;
}

/* n contiguous value slots (n <= HISTORY_MAX_VALUES), valid until history_reset. */
static value_slot *value_alloc(struct history *h, int n)
{
    value_slot *v;

    if (h->vchunk < h->n_vchunks && h->vused + (size_t)n > VALUE_CHUNK) {
        h->vchunk++;
        h->vused = 0;
    }
    if (h->vchunk == h->n_vchunks) {
        h->vchunks = xrealloc(h->vchunks, (h->n_vchunks + 1) * sizeof(*h->vchunks));
        h->vchunks[h->n_vchunks++] = xmalloc(VALUE_CHUNK * sizeof(value_slot));
        h->vused = 0;
    }
    v = &h->vchunks[h->vchunk][h->vused];
    h->vused += (size_t)n;
    return v;
}

static void result_copy(struct history *h, struct op_result *r, int n, const value_slot *src)
{
    r->n = n;
    r->v = NULL;
    if (n <= 0)
        return;
    r->v = value_alloc(h, n);
    memcpy(r->v, src, (size_t)n * sizeof(value_slot));
}

void history_result_set(struct history *h, struct op *op, const struct op_values *vals)
{
    result_copy(h, &op->result, vals->n, (const value_slot *)vals->v);
}

bool history_result_add(struct history *h, struct op *op, const char *s)
{
    struct op_values v;

    op_result_values(&op->result, &v);
    if (!op_values_add(&v, s))
        return false;
    if (v.n != op->result.n)
        history_result_set(h, op, &v);
    return true;
}

/* A copy of s cut to size - 1 bytes (as util_strlcpy cuts), valid until history_reset. */
static const char *str_keep(struct history *h, const char *s, size_t size)
{
    char buf[HISTORY_DETAIL_MAX];
    size_t len;
    char *p;

    if (!s || !s[0])
        return "";
    util_strlcpy(buf, s, size < sizeof(buf) ? size : sizeof(buf));
    len = strlen(buf) + 1;
    if (h->schunk < h->n_schunks && h->sused + len > STR_CHUNK) {
        h->schunk++;
        h->sused = 0;
    }
    if (h->schunk == h->n_schunks) {
        h->schunks = xrealloc(h->schunks, (h->n_schunks + 1) * sizeof(*h->schunks));
        h->schunks[h->n_schunks++] = xmalloc(STR_CHUNK);
        h->sused = 0;
    }
    p = &h->schunks[h->schunk][h->sused];
    h->sused += len;
    memcpy(p, buf, len);
    return p;
}

void history_reason_set(struct history *h, struct op *op, const char *s)
{
    op->reason = str_keep(h, s, HISTORY_REASON_MAX);
}

void history_detail_set(struct history *h, struct op *op, const char *s)
{
    op->detail = str_keep(h, s, HISTORY_DETAIL_MAX);
}

void history_ctx_set(struct history *h, struct op *op, const struct vclock *ctx)
{
    struct vclock *c;

    op->has_ctx = ctx != NULL;
    op->ctx = NULL;
    if (!ctx)
        return;
    if (h->cused == h->n_cchunks * CTX_CHUNK) {
        h->cchunks = xrealloc(h->cchunks, (h->n_cchunks + 1) * sizeof(*h->cchunks));
        h->cchunks[h->n_cchunks++] = xmalloc(CTX_CHUNK * sizeof(struct vclock));
    }
    c = &h->cchunks[h->cused / CTX_CHUNK][h->cused % CTX_CHUNK];
    h->cused++;
    *c = *ctx;
    op->ctx = c;
}

uint64_t history_add(struct history *h, const struct op *op)
{
    struct op *p = history_add_new(h);

    if (!p)
        return 0;
    *p = *op;
    result_copy(h, &p->result, op->result.n, (const value_slot *)op->result.v);
    history_ctx_set(h, p, op->has_ctx ? op->ctx : NULL);
    history_reason_set(h, p, op->reason);
    history_detail_set(h, p, op->detail);
    p->id = h->len;
    p->req.op_id = h->len;
    if (op->status != OP_PENDING)
        h->pending--;
    return h->len;
}

size_t history_count(const struct history *h)
{
    return h->len;
}

struct op *history_get(struct history *h, uint64_t id)
{
    if (id == 0 || id > h->len)
        return NULL;
    return at(h, id - 1);
}

const struct op *history_at(const struct history *h, uint64_t id)
{
    if (id == 0 || id > h->len)
        return NULL;
    return at(h, id - 1);
}

const struct op *history_find_label(const struct history *h, const char *label)
{
    /* Newest first: a label reused later names the later op. */
    for (size_t i = h->len; i > 0; i--)
        if (strcmp(at(h, i - 1)->label, label) == 0)
            return at(h, i - 1);
    return NULL;
}

size_t history_pending(const struct history *h)
{
    return h->pending;
}

struct op *history_complete(struct history *h, uint64_t id, enum op_status status, int64_t t_us)
{
    struct op *op = history_get(h, id);

    if (!op || op->status != OP_PENDING || status == OP_PENDING)
        return NULL;
    op->status = status;
    op->complete_us = t_us;
    h->pending--;
    return op;
}

const char *op_kind_name(enum op_kind k)
{
    switch (k) {
    case OP_PUT:
        return "put";
    case OP_GET:
        return "get";
    case OP_INCR:
        return "incr";
    case OP_ADD:
        return "add";
    case OP_REMOVE:
        return "remove";
    case OP_DEL:
        return "del";
    }
    return "?";
}

const char *op_status_name(enum op_status s)
{
    switch (s) {
    case OP_PENDING:
        return "pending";
    case OP_OK:
        return "ok";
    case OP_FAIL:
        return "fail";
    case OP_TIMEOUT:
        return "timeout";
    }
    return "?";
}

void op_reply_init(struct op_reply *rep, enum reply_kind kind, const char *reason,
                   const struct op_values *vals, const char *detail)
{
    memset(rep, 0, sizeof(*rep));
    rep->kind = kind;
    rep->quorum = -1;
    rep->pos = -1;
    rep->redirect = -1;
    if (reason)
        util_strlcpy(rep->reason, reason, sizeof(rep->reason));
    if (vals)
        rep->vals = *vals;
    if (detail)
        util_strlcpy(rep->detail, detail, sizeof(rep->detail));
}

void op_format_req(const struct op_req *req, char *dst, size_t size)
{
    switch (req->kind) {
    case OP_PUT:
        snprintf(dst, size, "put %s=%s", req->key, req->value);
        break;
    case OP_GET:
        snprintf(dst, size, "get %s", req->key);
        break;
    case OP_INCR:
        snprintf(dst, size, "incr %s %lld", req->key, (long long)req->amount);
        break;
    case OP_ADD:
        snprintf(dst, size, "add %s %s", req->key, req->value);
        break;
    case OP_REMOVE:
        snprintf(dst, size, "remove %s %s", req->key, req->value);
        break;
    case OP_DEL:
        snprintf(dst, size, "del %s", req->key);
        break;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void op_values_sort(struct op_values *v)
{
    qsort(v->v, (size_t)v->n, sizeof(v->v[0]), cmp_str);
}

void op_format_values(const struct op_values *v, char *dst, size_t size)
{
    struct op_values s = *v;

    if (v->n == 0) {
        util_strlcpy(dst, "nil", size);
        return;
    }
    if (v->n == 1) {
        util_strlcpy(dst, v->v[0], size);
        return;
    }
    op_values_sort(&s);
    util_strlcpy(dst, "{", size);
    for (int i = 0; i < s.n; i++)
        util_appendf(dst, size, "%s%s", i ? "," : "", s.v[i]);
    util_appendf(dst, size, "}");
}

void op_result_values(const struct op_result *r, struct op_values *out)
{
    out->n = r->n;
    if (r->n > 0)
        memcpy(out->v, r->v, (size_t)r->n * sizeof(out->v[0]));
}

void op_format_result(const struct op_result *r, char *dst, size_t size)
{
    struct op_values v;

    op_result_values(r, &v);
    op_format_values(&v, dst, size);
}

bool op_result_equal(const struct op_result *r, const struct op_values *v)
{
    struct op_values x;

    op_result_values(r, &x);
    return op_values_equal(&x, v);
}

bool op_values_equal(const struct op_values *a, const struct op_values *b)
{
    struct op_values x = *a, y = *b;

    if (x.n != y.n)
        return false;
    op_values_sort(&x);
    op_values_sort(&y);
    for (int i = 0; i < x.n; i++)
        if (strcmp(x.v[i], y.v[i]) != 0)
            return false;
    return true;
}

bool op_values_add(struct op_values *v, const char *s)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->v[i], s) == 0)
            return true;
    if (v->n >= HISTORY_MAX_VALUES)
        return false;
    util_strlcpy(v->v[v->n++], s, sizeof(v->v[0]));
    return true;
}
