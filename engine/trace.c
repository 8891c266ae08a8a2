#include "trace.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "net.h"
#include "util.h"

struct trace {
    struct trace_event *ring; /* NULL until a reader reserves one */
    size_t ring_cap;          /* a power of two, or 0 */
    uint64_t next_seq;
    struct trace_observer *observers;
    uint32_t want;      /* kinds someone wants */
    uint32_t want_text; /* kinds whose text someone reads */
};

#define TRACE_ALL_KINDS 0xffffffffu

static void recompute(struct trace *tr)
{
    tr->want = tr->ring ? TRACE_ALL_KINDS : 0;
    tr->want_text = tr->want;
    for (struct trace_observer *o = tr->observers; o; o = o->next) {
        tr->want |= ~o->skip_kinds;
        tr->want_text |= ~o->skip_kinds & ~o->skip_text;
    }
}

struct trace *trace_create(void)
{
    return xcalloc(1, sizeof(struct trace));
}

void trace_destroy(struct trace *tr)
{
    if (!tr)
        return;
    free(tr->ring);
    free(tr);
}

void trace_reset(struct trace *tr)
{
    tr->next_seq = 0;
    tr->observers = NULL;
    recompute(tr);
}

bool trace_wants(const struct trace *tr, enum trace_kind kind)
{
    return tr->want & TRACE_BIT(kind);
}

bool trace_wants_text(const struct trace *tr, enum trace_kind kind)
{
    return tr->want_text & TRACE_BIT(kind);
}

uint32_t trace_text_mask(const struct trace *tr)
{
    return tr->want_text;
}

void trace_skip(struct trace *tr)
{
    tr->next_seq++;
}

void trace_emit(struct trace *tr, struct trace_event *ev)
{
    uint32_t bit = TRACE_BIT(ev->kind);

    ev->seq = tr->next_seq++;
    if (tr->ring)
        tr->ring[ev->seq & (tr->ring_cap - 1)] = *ev;
    for (struct trace_observer *o = tr->observers; o; o = o->next)
        if (!(o->skip_kinds & bit))
            o->fn(o, ev);
}

void trace_ring_reserve(struct trace *tr, size_t events)
{
    size_t cap = 64;
    struct trace_event *ring;

    while (cap < events)
        cap *= 2;
    if (cap <= tr->ring_cap)
        return;
    /* Not zeroed: a cursor reads only events emitted since (pages never written cost nothing). */
    ring = xmalloc(cap * sizeof(*ring));
    /* Keep what the old ring held, each event at its place in the new one. */
    if (tr->ring) {
        uint64_t held = tr->next_seq < tr->ring_cap ? tr->next_seq : tr->ring_cap;
        for (uint64_t s = tr->next_seq - held; s < tr->next_seq; s++)
            ring[s & (cap - 1)] = tr->ring[s & (tr->ring_cap - 1)];
        free(tr->ring);
    }
    tr->ring = ring;
    tr->ring_cap = cap;
    recompute(tr);
}

size_t trace_ring_size(const struct trace *tr)
{
    return tr->ring_cap;
}

void trace_subscribe(struct trace *tr, struct trace_observer *obs)
{
    struct trace_observer **p = &tr->observers;

    /* Append, so observers run in the order they subscribed. */
    while (*p)
        p = &(*p)->next;
    obs->next = NULL;
    *p = obs;
    recompute(tr);
}

void trace_unsubscribe(struct trace *tr, struct trace_observer *obs)
{
    for (struct trace_observer **p = &tr->observers; *p; p = &(*p)->next) {
        if (*p == obs) {
            *p = obs->next;
            recompute(tr);
            return;
        }
    }
}

struct trace_cursor trace_cursor_now(struct trace *tr)
{
    struct trace_cursor c = {tr->next_seq};

    if (!tr->ring)
        trace_ring_reserve(tr, TRACE_RING);
    return c;
}

int trace_read(const struct trace *tr, struct trace_cursor *cur, struct trace_event *out)
{
    uint64_t oldest = tr->next_seq > tr->ring_cap ? tr->next_seq - tr->ring_cap : 0;

    if (cur->next_seq < oldest) {
        cur->next_seq = oldest;
        return TRACE_EGAP;
    }
    if (cur->next_seq >= tr->next_seq)
        return 0;
    *out = tr->ring[cur->next_seq & (tr->ring_cap - 1)];
    cur->next_seq++;
    return 1;
}

uint64_t trace_count(const struct trace *tr)
{
    return tr->next_seq;
}

const char *trace_kind_name(enum trace_kind k)
{
    switch (k) {
    case TRACE_SEND:
        return "send";
    case TRACE_DELIVER:
        return "deliver";
    case TRACE_DROP:
        return "drop";
    case TRACE_DUP:
        return "dup";
    case TRACE_TIMER:
        return "timer";
    case TRACE_FAULT:
        return "fault";
    case TRACE_ROLE:
        return "role";
    case TRACE_APPEND:
        return "append";
    case TRACE_COMMIT:
        return "commit";
    case TRACE_TRUNCATE:
        return "truncate";
    case TRACE_CONFLICT:
        return "conflict";
    case TRACE_REPAIR:
        return "repair";
    case TRACE_HINT:
        return "hint";
    case TRACE_OP_START:
        return "op_start";
    case TRACE_OP_END:
        return "op_end";
    case TRACE_SUSPECT:
        return "suspect";
    case TRACE_SET:
        return "set";
    case TRACE_CLOCK:
        return "clock";
    case TRACE_NOTE:
        return "note";
    }
    return "?";
}

const char *trace_sub_name(enum trace_sub s)
{
    switch (s) {
    case TRACE_SUB_NONE:
        return "";
    case TRACE_SUB_KILL:
        return "kill";
    case TRACE_SUB_RESTART:
        return "restart";
    case TRACE_SUB_WIPE:
        return "wipe";
    case TRACE_SUB_PAUSE:
        return "pause";
    case TRACE_SUB_RESUME:
        return "resume";
    case TRACE_SUB_CUT:
        return "cut";
    case TRACE_SUB_MEND:
        return "mend";
    case TRACE_SUB_PARTITION:
        return "partition";
    case TRACE_SUB_HEAL:
        return "heal";
    case TRACE_SUB_LINK:
        return "link";
    case TRACE_SUB_DELIVER:
        return "deliver";
    case TRACE_SUB_DELAY:
        return "delay";
    case TRACE_SUB_DROP:
        return "drop";
    case TRACE_SUB_SKEW:
        return "skew";
    case TRACE_SUB_DRIFT:
        return "drift";
    case TRACE_SUB_NTP:
        return "ntp";
    case TRACE_SUB_LEADS:
        return "leader";
    case TRACE_SUB_DISCARD:
        return "discard";
    case TRACE_SUB_SAY:
        return "say";
    case TRACE_SUB_BEAT:
        return "beat";
    case TRACE_SUB_UNCLEAN:
        return "unclean";
    case TRACE_SUB_OK:
        return "ok";
    case TRACE_SUB_FAIL:
        return "fail";
    case TRACE_SUB_TIMEOUT:
        return "timeout";
    }
    return "?";
}

void trace_endpoint_name(int endpoint, char *dst, size_t size)
{
    if (endpoint < 0)
        util_strlcpy(dst, "-", size);
    else if (net_is_client(endpoint))
        snprintf(dst, size, "c%d", endpoint - NET_CLIENT_BASE + 1);
    else
        snprintf(dst, size, "n%d", endpoint + 1);
}

/*
 * The length of the well-formed UTF-8 sequence at s (1 to 4), 0 when the bytes there are not
 * one (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF), or -1 when
 * the string ends inside a sequence that was well-formed so far: text cut at a byte count.
 */
static int utf8_len(const unsigned char *s)
{
    int n;
    unsigned lo = 0x80, hi = 0xBF;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    for (int i = 1; i < n; i++) {
        unsigned c = s[i];
        if (c == 0)
            return -1;
        if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xBF))
            return 0;
    }
    return n;
}

/*
 * Appends a JSON string literal: the escapes JSON requires, well-formed UTF-8 copied as it is,
 * a sequence cut off by the end of the text dropped (so a cut never splits a character), and
 * any other byte that is not UTF-8 written as the six characters \\xNN, so every line is
 * valid UTF-8 and says which bytes were there.
 */
static void json_str(char *dst, size_t size, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    util_appendf(dst, size, "\"");
    while (*s) {
        int n = utf8_len(s);
        if (n < 0)
            break;
        if (n == 0) {
            util_appendf(dst, size, "\\\\x%02X", *s);
            s++;
        } else if (*s == '"' || *s == '\\') {
            util_appendf(dst, size, "\\%c", *s);
            s++;
        } else if (*s < 0x20) {
            util_appendf(dst, size, "\\u%04x", *s);
            s++;
        } else {
            util_appendf(dst, size, "%.*s", n, (const char *)s);
            s += n;
        }
    }
    util_appendf(dst, size, "\"");
}

static void json_key_str(char *dst, size_t size, const char *key, const char *val)
{
    util_appendf(dst, size, ",\"%s\":", key);
    json_str(dst, size, val);
}

static void json_key_ep(char *dst, size_t size, const char *key, int ep)
{
    char name[8];

    if (ep < 0)
        return;
    trace_endpoint_name(ep, name, sizeof(name));
    json_key_str(dst, size, key, name);
}

static void json_key_int(char *dst, size_t size, const char *key, int64_t v)
{
    util_appendf(dst, size, ",\"%s\":%lld", key, (long long)v);
}

/* An op's value, or a read's values: a string, null for nothing, or an array of siblings. */
static void json_values(char *dst, size_t size, const struct op_result *v)
{
    if (v->n == 0) {
        util_appendf(dst, size, "null");
        return;
    }
    if (v->n == 1) {
        json_str(dst, size, v->v[0]);
        return;
    }
    util_appendf(dst, size, "[");
    for (int i = 0; i < v->n; i++) {
        if (i)
            util_appendf(dst, size, ",");
        json_str(dst, size, v->v[i]);
    }
    util_appendf(dst, size, "]");
}

/* Jepsen's sense of an outcome: ok, fail (it surely did not happen), info (it may have). */
const char *trace_op_result(const struct op *op)
{
    switch (op->status) {
    case OP_OK:
        return "ok";
    case OP_FAIL:
        return "fail";
    case OP_TIMEOUT:
    case OP_PENDING:
        return "info";
    }
    return "info";
}

/* The structured fields of an op event: the history's record, never the event's prose. */
static void json_op_fields(char *dst, size_t size, const struct trace_event *ev,
                           const struct op *op)
{
    const struct op_req *r = &op->req;

    json_key_int(dst, size, "process", r->client);
    json_key_str(dst, size, "f", op_kind_name(r->kind));
    json_key_str(dst, size, "key", r->key);
    if (ev->kind == TRACE_OP_END && r->kind == OP_GET && op->status == OP_OK) {
        util_appendf(dst, size, ",\"value\":");
        json_values(dst, size, &op->result);
    } else if (r->kind == OP_INCR) {
        json_key_int(dst, size, "value", r->amount);
    } else if (r->kind == OP_GET || r->kind == OP_DEL) {
        util_appendf(dst, size, ",\"value\":null");
    } else {
        json_key_str(dst, size, "value", r->value);
    }
    json_key_int(dst, size, "invoke", op->invoke_us);
    if (ev->kind == TRACE_OP_END) {
        json_key_str(dst, size, "result", trace_op_result(op));
        json_key_int(dst, size, "complete", op->complete_us);
    }
}

void trace_format_json(const struct trace_event *ev, char *dst, size_t size)
{
    trace_format_json_op(ev, NULL, dst, size);
}

void trace_format_json_op(const struct trace_event *ev, const struct op *op, char *dst, size_t size)
{
    dst[0] = '\0';
    util_appendf(dst, size, "{\"t\":%lld,\"ev\":\"%s\"", (long long)ev->t_us,
                 trace_kind_name(ev->kind));
    switch (ev->kind) {
    case TRACE_SEND:
        json_key_int(dst, size, "id", (int64_t)ev->msg_id);
        json_key_ep(dst, size, "from", ev->node);
        json_key_ep(dst, size, "to", ev->peer);
        json_key_str(dst, size, "type", ev->name);
        json_key_str(dst, size, "msg", ev->text);
        json_key_int(dst, size, "bytes", ev->b);
        json_key_int(dst, size, "deliver", ev->a);
        json_key_str(dst, size, "fate", net_fate_name((enum net_fate)ev->c));
        break;
    case TRACE_DELIVER:
        json_key_int(dst, size, "id", (int64_t)ev->msg_id);
        json_key_ep(dst, size, "from", ev->peer);
        json_key_ep(dst, size, "to", ev->node);
        json_key_str(dst, size, "type", ev->name);
        json_key_str(dst, size, "msg", ev->text);
        break;
    case TRACE_DROP:
        json_key_int(dst, size, "id", (int64_t)ev->msg_id);
        json_key_ep(dst, size, "from", ev->node);
        json_key_ep(dst, size, "to", ev->peer);
        json_key_str(dst, size, "type", ev->name);
        json_key_str(dst, size, "why", ev->text);
        break;
    case TRACE_DUP:
        json_key_int(dst, size, "id", (int64_t)ev->msg_id);
        json_key_int(dst, size, "of", ev->a);
        json_key_ep(dst, size, "from", ev->node);
        json_key_ep(dst, size, "to", ev->peer);
        break;
    case TRACE_OP_START:
    case TRACE_OP_END:
        json_key_int(dst, size, "op", (int64_t)ev->op_id);
        json_key_ep(dst, size, "client", ev->peer);
        json_key_ep(dst, size, "node", ev->node);
        json_key_str(dst, size, ev->kind == TRACE_OP_START ? "label" : "status", ev->name);
        json_key_str(dst, size, "text", ev->text);
        if (op)
            json_op_fields(dst, size, ev, op);
        break;
    case TRACE_ROLE:
        json_key_ep(dst, size, "node", ev->node);
        json_key_str(dst, size, "role", ev->name);
        json_key_int(dst, size, "epoch", ev->a);
        break;
    case TRACE_APPEND:
        json_key_ep(dst, size, "node", ev->node);
        json_key_int(dst, size, "offset", ev->a);
        json_key_int(dst, size, "epoch", ev->b);
        json_key_str(dst, size, "entry", ev->text);
        break;
    case TRACE_COMMIT:
        json_key_ep(dst, size, "node", ev->node);
        json_key_int(dst, size, "offset", ev->a);
        if (ev->text[0])
            json_key_str(dst, size, "text", ev->text);
        break;
    case TRACE_TRUNCATE:
        json_key_ep(dst, size, "node", ev->node);
        json_key_int(dst, size, "from", ev->a);
        json_key_int(dst, size, "removed", ev->b);
        break;
    case TRACE_CLOCK:
        json_key_ep(dst, size, "node", ev->node);
        json_key_str(dst, size, "what", ev->name);
        json_key_int(dst, size, "value", ev->a);
        break;
    case TRACE_SET:
        json_key_str(dst, size, "key", ev->name);
        json_key_str(dst, size, "value", ev->text);
        break;
    case TRACE_TIMER:
    case TRACE_FAULT:
    case TRACE_CONFLICT:
    case TRACE_REPAIR:
    case TRACE_HINT:
    case TRACE_SUSPECT:
    case TRACE_NOTE:
        json_key_ep(dst, size, "node", ev->node);
        json_key_ep(dst, size, "peer", ev->peer);
        if (ev->name[0])
            json_key_str(dst, size, "what", ev->name);
        if (ev->op_id)
            json_key_int(dst, size, "op", (int64_t)ev->op_id);
        json_key_str(dst, size, "text", ev->text);
        break;
    }
    util_appendf(dst, size, "}");
    /* A line that did not fit would be cut mid-token: say so in a line that is still JSON. */
    if (strlen(dst) + 1 >= size)
        snprintf(dst, size, "{\"t\":%lld,\"ev\":\"%s\",\"cut\":true}", (long long)ev->t_us,
                 trace_kind_name(ev->kind));
}

void trace_format_text(const struct trace_event *ev, char *dst, size_t size)
{
    char t[24], a[8], b[8];

    util_fmt_time(t, sizeof(t), ev->t_us);
    trace_endpoint_name(ev->node, a, sizeof(a));
    trace_endpoint_name(ev->peer, b, sizeof(b));
    switch (ev->kind) {
    case TRACE_SEND:
        snprintf(dst, size, "%s %s -> %s %s", t, a, b, ev->text);
        break;
    case TRACE_DELIVER:
        snprintf(dst, size, "%s %s <- %s %s", t, a, b, ev->text);
        break;
    case TRACE_DROP:
        snprintf(dst, size, "%s %s -> %s %s lost (%s)", t, a, b, ev->name, ev->text);
        break;
    case TRACE_DUP:
        snprintf(dst, size, "%s %s -> %s duplicated #%lld", t, a, b, (long long)ev->a);
        break;
    case TRACE_OP_START:
        snprintf(dst, size, "%s %s %s: %s", t, b, ev->name, ev->text);
        break;
    case TRACE_OP_END:
        snprintf(dst, size, "%s %s %s", t, b, ev->text);
        break;
    case TRACE_ROLE:
        if (ev->a < 0) /* a model without epochs */
            snprintf(dst, size, "%s %s is %s", t, a, ev->name);
        else
            snprintf(dst, size, "%s %s is %s (epoch %lld)", t, a, ev->name, (long long)ev->a);
        break;
    case TRACE_APPEND:
        snprintf(dst, size, "%s %s appends @%lld e%lld %s", t, a, (long long)ev->a,
                 (long long)ev->b, ev->text);
        break;
    case TRACE_COMMIT:
        snprintf(dst, size, "%s %s commits up to %lld %s", t, a, (long long)ev->a, ev->text);
        break;
    case TRACE_TRUNCATE:
        snprintf(dst, size, "%s %s truncates %lld entries from @%lld", t, a, (long long)ev->b,
                 (long long)ev->a);
        break;
    case TRACE_SET:
        snprintf(dst, size, "%s set %s %s", t, ev->name, ev->text);
        break;
    case TRACE_TIMER:
    case TRACE_FAULT:
    case TRACE_CONFLICT:
    case TRACE_REPAIR:
    case TRACE_HINT:
    case TRACE_SUSPECT:
    case TRACE_CLOCK:
    case TRACE_NOTE:
        snprintf(dst, size, "%s %s%s%s %s", t, ev->node >= 0 ? a : "", ev->node >= 0 ? " " : "",
                 trace_kind_name(ev->kind), ev->text);
        break;
    }
}

static void jsonl_write(struct trace_observer *self, const struct trace_event *ev)
{
    struct trace_jsonl *w =
        (struct trace_jsonl *)((char *)self - offsetof(struct trace_jsonl, obs));
    char line[TRACE_JSON_MAX];
    const struct op *op = NULL;

    if (w->op_at && (ev->kind == TRACE_OP_START || ev->kind == TRACE_OP_END))
        op = w->op_at(w->op_ctx, ev->op_id);
    trace_format_json_op(ev, op, line, sizeof(line));
    if (fprintf(w->f, "%s\n", line) < 0)
        w->failed = true;
}

void trace_jsonl_init(struct trace_jsonl *w, FILE *f)
{
    memset(w, 0, sizeof(*w));
    w->obs.fn = jsonl_write;
    w->f = f;
}
