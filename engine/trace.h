/*
 * trace: the event stream — every send, delivery, drop, timer, fault, role
 * change, append, commit, truncate, conflict, repair, hint and op start/end.
 *
 * Two ways to follow it. Observers are called synchronously as each event is
 * emitted (the JSON Lines writer, lesson predicates). Readers poll a bounded
 * ring with their own cursor (the TUI): a reader that falls as many events
 * behind as the ring holds gets TRACE_EGAP and resumes at the oldest event
 * still held, never stale memory.
 *
 * Nothing is paid for what nobody reads. The ring is allocated only when a
 * reader asks for one (trace_ring_reserve, or trace_cursor_now), sized to
 * what it asked for. An observer may say which kinds it ignores and which
 * kinds' text it never reads; the emitters ask trace_wants() and
 * trace_wants_text() first and skip building an event, or formatting its
 * text, that no one would see. Every emitted event still takes a sequence
 * number, so trace_count() is the same whoever listens, and a reader that
 * wants text gets exactly the text it always got.
 *
 * The JSON Lines form is a published contract: one object per line, "t" in
 * virtual microseconds, "ev" the kind, then the kind's own keys. Keys are
 * stable once published.
 */
#ifndef SPLITBRAIN_TRACE_H
#define SPLITBRAIN_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_RING     65536 /* the ring trace_cursor_now() reserves when none is there */
#define TRACE_TEXT_MAX 120

enum {
    TRACE_EGAP = -1,
};

enum trace_kind {
    TRACE_SEND,     /* node, peer, msg_id, name=type, text=summary, a=deliver_us, b=bytes, c=fate */
    TRACE_DELIVER,  /* node=receiver, peer=sender, msg_id, name=type, text=summary */
    TRACE_DROP,     /* node=sender, peer=receiver, msg_id, name=type, text=why */
    TRACE_DUP,      /* node, peer, msg_id (the copy), a=original id */
    TRACE_TIMER,    /* node, name=timer kind */
    TRACE_FAULT,    /* node, peer (or -1), name=fault, text=details */
    TRACE_ROLE,     /* node, name=role, a=epoch or term */
    TRACE_APPEND,   /* node, a=offset, b=epoch, text=entry */
    TRACE_COMMIT,   /* node, a=offset (high watermark / commit index) */
    TRACE_TRUNCATE, /* node, a=from offset, b=entries removed */
    TRACE_CONFLICT, /* node, text=what was discarded or kept as siblings */
    TRACE_REPAIR,   /* node, peer, text=key */
    TRACE_HINT,     /* node=holder, peer=intended owner, text=key */
    TRACE_OP_START, /* peer=client, op_id, name=label, text=op */
    TRACE_OP_END,   /* peer=client, op_id, name=status, text=result */
    TRACE_SUSPECT,  /* node=suspecter, peer=suspect, text=reason */
    TRACE_SET,      /* name=parameter, text=value */
    TRACE_CLOCK,    /* node, name=skew|drift|ntp, a=delta/ppm */
    TRACE_NOTE,     /* text */
};

/*
 * Which variant of its kind an event is, for the kinds whose readers tell variants apart. Readers
 * switch on it, never on the name: the name is the word the JSON Lines trace and the event log
 * show (trace_sub_name(), or a model's own word for a role). TRACE_SUB_NONE for every other event
 * and for the variants no reader needs to know (most of a model's notes).
 */
enum trace_sub {
    TRACE_SUB_NONE,
    /* TRACE_FAULT */
    TRACE_SUB_KILL,
    TRACE_SUB_RESTART,
    TRACE_SUB_WIPE, /* a restart with the node's disk wiped */
    TRACE_SUB_PAUSE,
    TRACE_SUB_RESUME,
    TRACE_SUB_CUT,
    TRACE_SUB_MEND,
    TRACE_SUB_PARTITION,
    TRACE_SUB_HEAL,
    TRACE_SUB_LINK,    /* a link's latency or loss changed */
    TRACE_SUB_DELIVER, /* the user as the network: a message delivered now, by hand */
    TRACE_SUB_DELAY,
    TRACE_SUB_DROP,
    /* TRACE_CLOCK */
    TRACE_SUB_SKEW,
    TRACE_SUB_DRIFT,
    TRACE_SUB_NTP,
    /* TRACE_ROLE: the node now leads (the name is the model's word for the role) */
    TRACE_SUB_LEADS,
    /* TRACE_CONFLICT: a write thrown away (model_discard) */
    TRACE_SUB_DISCARD,
    /* TRACE_NOTE */
    TRACE_SUB_SAY,     /* a demo caption */
    TRACE_SUB_BEAT,    /* a demo beat */
    TRACE_SUB_UNCLEAN, /* an election let a replica without the committed log lead */
    /* TRACE_OP_END: how the op ended */
    TRACE_SUB_OK,
    TRACE_SUB_FAIL,
    TRACE_SUB_TIMEOUT,
};

struct trace_event {
    uint64_t seq;
    int64_t t_us;
    enum trace_kind kind;
    enum trace_sub sub;
    int node;
    int peer;
    uint64_t msg_id;
    uint64_t op_id;
    int64_t a;
    int64_t b;
    int64_t c;
    char name[24];
    char text[TRACE_TEXT_MAX];
};

/*
 * An observer is embedded in its owner's struct; fn receives the observer
 * itself, and the owner finds its struct with container_of-style arithmetic.
 */
struct trace_observer {
    void (*fn)(struct trace_observer *self, const struct trace_event *ev);
    struct trace_observer *next;
    /* What it can do without, as masks of TRACE_BIT(kind); zero (the default) is nothing:
     * every event, with its text. */
    uint32_t skip_kinds; /* kinds it ignores: fn is not called for them */
    uint32_t skip_text;  /* kinds whose text it never reads (name and numbers are always set) */
};

#define TRACE_BIT(kind) (1u << (kind))

struct trace_cursor {
    uint64_t next_seq;
};

struct trace;

struct trace *trace_create(void);
void trace_destroy(struct trace *tr);
/* No events and no observers, as new; a ring stays, and holds nothing readable. */
void trace_reset(struct trace *tr);

/* Stamps ev with the next sequence number, stores it in the ring, calls the observers. */
void trace_emit(struct trace *tr, struct trace_event *ev);
/* Borrows obs until trace_unsubscribe() or trace_destroy(). */
void trace_subscribe(struct trace *tr, struct trace_observer *obs);
void trace_unsubscribe(struct trace *tr, struct trace_observer *obs);

/* Does anyone (an observer or the ring) want events of this kind, or their text? */
bool trace_wants(const struct trace *tr, enum trace_kind kind);
bool trace_wants_text(const struct trace *tr, enum trace_kind kind);
/* The kinds whose text someone reads, as a mask of TRACE_BIT(kind). */
uint32_t trace_text_mask(const struct trace *tr);
/* Counts an event nobody wants without building it (keeps trace_count() exact). */
void trace_skip(struct trace *tr);

/* Keeps the last `events` events (rounded up to a power of two) for cursors to read; a
 * reader calls it before the events it wants to read are emitted. Never shrinks the ring. */
void trace_ring_reserve(struct trace *tr, size_t events);
size_t trace_ring_size(const struct trace *tr);
/* A cursor that starts at the next event to be emitted; reserves TRACE_RING if no ring is
 * there yet. */
struct trace_cursor trace_cursor_now(struct trace *tr);
/* 1 and *out filled; 0 when caught up; TRACE_EGAP when events were lost (cursor moved on). */
int trace_read(const struct trace *tr, struct trace_cursor *cur, struct trace_event *out);
uint64_t trace_count(const struct trace *tr);

const char *trace_kind_name(enum trace_kind k);
/* The word a variant is traced as: "kill", "ntp", "say"; "leader" for TRACE_SUB_LEADS; "" for
 * TRACE_SUB_NONE. */
const char *trace_sub_name(enum trace_sub s);
/* "n3" for a node, "c2" for a client endpoint, "-" for -1. */
void trace_endpoint_name(int endpoint, char *dst, size_t size);

/* Room for any one JSON line: escapes grow text up to six-fold, op events carry their values. */
#define TRACE_JSON_MAX 8192

struct op;

/* Writes one JSON object (no newline) for ev into dst: valid UTF-8 whatever the event's text
 * holds (see json_str in trace.c), and valid JSON even when size is too small (then only "t",
 * "ev" and "cut":true). */
void trace_format_json(const struct trace_event *ev, char *dst, size_t size);
/* The same, with an op event's structured fields from op (the history's record of ev->op_id):
 * process, f, key, value, invoke, and on completion result (ok/fail/info) and complete. */
void trace_format_json_op(const struct trace_event *ev, const struct op *op, char *dst,
                          size_t size);
/* "ok", "fail", or "info" (timed out or still pending: it may or may not have happened). */
const char *trace_op_result(const struct op *op);
/* One line of plain words for the event log: "n1 -> n2 append x=1 @3". */
void trace_format_text(const struct trace_event *ev, char *dst, size_t size);

/* A JSON Lines writer: an observer that writes every event to f (borrowed). */
struct trace_jsonl {
    struct trace_observer obs;
    FILE *f;
    bool failed;
    /* Optional: the op an op event is about, so its line carries structured fields. */
    const struct op *(*op_at)(void *ctx, uint64_t op_id);
    void *op_ctx;
};
void trace_jsonl_init(struct trace_jsonl *w, FILE *f);

#endif
