#include "sandbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../engine/util.h"

static void flash_cb(uv_timer_t *h);

struct engine *eng(struct app *a)
{
    return script_run_engine(a->run);
}

void set_msg(struct app *a, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
    va_end(ap);
    a->msg_error = error;
    a->dirty = true;
}

/* Drops the flashes whose time is up; arms the timer for the next to go. */
void flash_arm(struct app *a)
{
    uint64_t now = uv_now(&a->loop), next;
    bool changed = false;

    next = flash_expire(&a->flash, now, &changed);
    if (changed)
        a->dirty = true;
    if (next > 0 && a->flash_timer.data)
        uv_timer_start(&a->flash_timer, flash_cb, next - now, 0);
}

static void flash_cb(uv_timer_t *h)
{
    flash_arm(h->data);
}

/* Can ev change a checker's verdict? An op ending, a node cutting its log or a model throwing a
 * write away, a crash, a restart, a heal, a new role: each can lose a write or end a split. */
static bool verdict_event(const struct trace_event *ev)
{
    switch (ev->kind) {
    case TRACE_OP_END:
    case TRACE_TRUNCATE:
    case TRACE_CONFLICT:
    case TRACE_FAULT:
    case TRACE_ROLE:
        return true;
    case TRACE_SEND:
    case TRACE_DELIVER:
    case TRACE_DROP:
    case TRACE_DUP:
    case TRACE_TIMER:
    case TRACE_SUSPECT:
    case TRACE_CLOCK:
    case TRACE_OP_START:
    case TRACE_APPEND:
    case TRACE_COMMIT:
    case TRACE_REPAIR:
    case TRACE_HINT:
    case TRACE_SET:
    case TRACE_NOTE:
        return false;
    }
    return true;
}

/* Moves every new trace event into the event log. */
void drain(struct app *a)
{
    struct engine *e = eng(a);
    struct trace_event ev;
    int r;

    if (script_run_generation(a->run) != a->traced_gen) {
        a->traced_gen = script_run_generation(a->run);
        a->cur.next_seq = 0;
        a->checks_gen = 0; /* and its verdicts */
        timeline_clear(a->tl);
        draw_log_clear(a->log); /* the old cluster's events went with it */
    }
    while ((r = trace_read(engine_trace(e), &a->cur, &ev)) != 0) {
        if (r == TRACE_EGAP) {
            draw_log_add(a->log, ST_DIM, "... (older events skipped)");
            continue;
        }
        draw_log_event(a->log, &ev);
        timeline_add(a->tl, &ev);
        /* Not before the loop runs (no screen yet). */
        if (a->flash_timer.data &&
            flash_event(&a->flash, &ev, engine_now(eng(a)), uv_now(&a->loop)))
            flash_arm(a);
        if (verdict_event(&ev))
            a->checks_stale = true;
    }
    if (a->selected >= engine_nodes(e))
        a->selected = engine_nodes(e) - 1;
    a->dirty = true;
}

/*
 * Acting after a rewind forks a new future: the journal forgets what came after the moment
 * the user went back to, and the player's later positions with it.
 */
void fork_future(struct app *a)
{
    int64_t now;
    char t[32];

    if (a->travel.rewound_n < 0)
        return;
    now = engine_now(eng(a));
    script_run_truncate_journal(a->run, a->travel.rewound_n);
    player_fork(&a->pl, now);
    a->travel.rewound_n = -1;
    a->travel.head_us = now;
    util_fmt_time(t, sizeof(t), now);
    set_msg(a, false, "A new future from %s: the old one after it is gone", t);
}

void track_head(struct app *a)
{
    int64_t now = engine_now(eng(a));

    if (a->travel.rewound_n < 0 && now > a->travel.head_us)
        a->travel.head_us = now;
}

void format_err(const struct script_error *err, bool with_file, char *dst, size_t size)
{
    if (with_file) {
        script_error_format(err, dst, size);
        return;
    }
    snprintf(dst, size, "%d:%d: %s", err->line, err->col, err->msg);
}

/* Runs one parsed command; on error fills the message line and returns -1. */
int exec_cmd(struct app *a, const struct script_cmd *c, bool from_file)
{
    struct script_error err;
    char text[APP_MSG_MAX];
    int r;

    memset(&err, 0, sizeof(err));
    r = script_run_exec(a->run, c, &err);
    if (r < 0) {
        format_err(&err, from_file, text, sizeof(text));
        set_msg(a, true, "%s", text);
        draw_log_add(a->log, ST_ERROR, text);
        drain(a);
        return -1;
    }
    drain(a);
    if (c->kind == CMD_WORKLOAD)
        sscanf(c->text, "%*s %15s", a->workload);
    if (c->kind == CMD_EXPECT && c->at_us < 0) {
        const struct script_expect *x =
            script_run_expect_at(a->run, script_run_expects(a->run) - 1);
        if (x) {
            snprintf(text, sizeof(text), "%s: %s%s%s", x->text, x->ok ? "holds" : "FAILED",
                     x->msg[0] ? ": " : "", x->msg);
            draw_log_add(a->log, x->ok ? ST_OK : ST_FAIL, text);
            set_msg(a, !x->ok, "%s", text);
        }
    }
    return 0;
}

/* Presenter mode on or off: the pace goes with it (slower for a room, back to the default). */
void set_present(struct app *a, bool on)
{
    a->present = on;
    a->speed = on ? a->speed_present : a->speed_default;
    set_msg(a, false, "%s",
            on ? "Presenter mode: map, ops and captions, high contrast, slower; P leaves it"
               : "Presenter mode off");
}

void stop(struct app *a)
{
    a->quit = true;
    uv_stop(&a->loop);
}

void sandbox_pause(struct app *a, bool paused)
{
    a->pause(a, paused);
}
