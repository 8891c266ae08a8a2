/* check_recorder: what the trace shows and the history does not; split brain, failure
 * detection and convergence, which read it (check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_int.h"
#include "engine.h"
#include "model.h"
#include "strmap.h"
#include "util.h"

/* ---- the recorder ---- */

static void record_lead(struct check_recorder *r, int node, int64_t epoch, int64_t t)
{
    if (r->n_leads >= CHECK_MAX_ROLES) {
        r->dropped = true;
        return;
    }
    if (r->n_leads == r->cap_leads) {
        r->cap_leads = r->cap_leads ? r->cap_leads * 2 : 32;
        r->leads = xrealloc(r->leads, (size_t)r->cap_leads * sizeof(*r->leads));
    }
    r->leads[r->n_leads++] = (struct check_lead){node, epoch, t, INT64_MAX};
}

static void end_lead(struct check_recorder *r, int node, int64_t t)
{
    for (int i = r->n_leads - 1; i >= 0; i--) {
        if (r->leads[i].node == node && r->leads[i].to_us == INT64_MAX) {
            r->leads[i].to_us = t;
            return;
        }
    }
}

static void record_suspicion(struct check_recorder *r, const struct trace_event *ev)
{
    struct check_suspicion *s;

    if (ev->peer < 0 || ev->peer >= CLOCK_MAX_NODES)
        return;
    if (r->n_susp >= CHECK_MAX_SUSPICIONS) {
        r->dropped = true;
        return;
    }
    if (r->n_susp == r->cap_susp) {
        r->cap_susp = r->cap_susp ? r->cap_susp * 2 : 32;
        r->susp = xrealloc(r->susp, (size_t)r->cap_susp * sizeof(*r->susp));
    }
    s = &r->susp[r->n_susp++];
    s->t_us = ev->t_us;
    s->node = ev->node;
    s->suspect = ev->peer;
    s->true_positive = r->crashed_at[ev->peer] >= 0;
    s->delay_us = s->true_positive ? ev->t_us - r->crashed_at[ev->peer] : 0;
}

static void record_discard(struct check_recorder *r, const struct trace_event *ev)
{
    const char *colon = strstr(ev->text, ": ");
    size_t len = colon ? (size_t)(colon - ev->text) : strlen(ev->text);
    char kv[CHECK_DISCARD_MAX];

    if (len >= sizeof(kv))
        len = sizeof(kv) - 1;
    memcpy(kv, ev->text, len);
    kv[len] = '\0';
    for (int i = 0; i < r->n_discards; i++) {
        if (strcmp(r->discards[i], kv) == 0) {
            if (ev->a > r->discard_kind[i])
                r->discard_kind[i] = (unsigned char)ev->a; /* the gravest reason */
            return;
        }
    }
    if (r->n_discards >= CHECK_MAX_DISCARDS) {
        r->dropped = true;
        return;
    }
    if (r->n_discards == r->cap_discards) {
        r->cap_discards = r->cap_discards ? r->cap_discards * 2 : 16;
        r->discards = xrealloc(r->discards, (size_t)r->cap_discards * sizeof(*r->discards));
        r->discard_kind =
            xrealloc(r->discard_kind, (size_t)r->cap_discards * sizeof(*r->discard_kind));
    }
    r->discard_kind[r->n_discards] = (unsigned char)ev->a;
    util_strlcpy(r->discards[r->n_discards++], kv, sizeof(r->discards[0]));
}

static void record_moment(struct check_recorder *r, const struct trace_event *ev, const char *what)
{
    struct check_moment *m;

    if (r->n_moments >= CHECK_MAX_MOMENTS) {
        r->dropped = true;
        return;
    }
    if (r->n_moments == r->cap_moments) {
        r->cap_moments = r->cap_moments ? r->cap_moments * 2 : 32;
        r->moments = xrealloc(r->moments, (size_t)r->cap_moments * sizeof(*r->moments));
    }
    m = &r->moments[r->n_moments++];
    m->t_us = ev->t_us;
    m->node = ev->node;
    util_strlcpy(m->what, what, sizeof(m->what));
    m->a = ev->a;
    m->b = ev->b;
}

static void recorder_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct check_recorder *r =
        (struct check_recorder *)(void *)((char *)self - offsetof(struct check_recorder, obs));
    bool node_ok = ev->node >= 0 && ev->node < CLOCK_MAX_NODES;

    switch (ev->kind) {
    case TRACE_ROLE:
        if (!node_ok)
            break;
        end_lead(r, ev->node, ev->t_us);
        if (ev->sub == TRACE_SUB_LEADS)
            record_lead(r, ev->node, ev->a, ev->t_us);
        break;
    case TRACE_FAULT:
        r->last_fault_us = ev->t_us;
        if (!node_ok)
            break;
        if (ev->sub == TRACE_SUB_KILL) {
            end_lead(r, ev->node, ev->t_us);
            r->crashed_at[ev->node] = ev->t_us;
        } else if (ev->sub == TRACE_SUB_RESTART || ev->sub == TRACE_SUB_WIPE) {
            r->crashed_at[ev->node] = -1;
        }
        if (ev->sub == TRACE_SUB_KILL || ev->sub == TRACE_SUB_WIPE || ev->sub == TRACE_SUB_PAUSE)
            record_moment(r, ev, ev->name);
        break;
    case TRACE_SUSPECT:
        record_suspicion(r, ev);
        break;
    case TRACE_CONFLICT:
        if (ev->sub == TRACE_SUB_DISCARD)
            record_discard(r, ev);
        r->last_change_us = ev->t_us;
        break;
    case TRACE_TRUNCATE:
        if (node_ok)
            record_moment(r, ev, "truncate");
        r->last_change_us = ev->t_us;
        break;
    case TRACE_DELIVER:
    case TRACE_APPEND:
    case TRACE_COMMIT:
    case TRACE_REPAIR:
    case TRACE_HINT:
        r->last_change_us = ev->t_us;
        break;
    case TRACE_NOTE:
        /* A model's election that let a replica without the committed log lead. */
        if (node_ok && ev->sub == TRACE_SUB_UNCLEAN)
            record_moment(r, ev, "unclean");
        break;
    case TRACE_SEND:
    case TRACE_DROP:
    case TRACE_DUP:
    case TRACE_TIMER:
    case TRACE_OP_START:
    case TRACE_OP_END:
    case TRACE_SET:
    case TRACE_CLOCK:
        break;
    }
}

void check_recorder_init(struct check_recorder *r)
{
    memset(r, 0, sizeof(*r));
    r->obs.fn = recorder_event;
    /* It reads names and numbers (a note's too: an unclean election is one), and the text of a
     * discard only. */
    r->obs.skip_kinds = TRACE_BIT(TRACE_SEND) | TRACE_BIT(TRACE_DROP) | TRACE_BIT(TRACE_DUP) |
                        TRACE_BIT(TRACE_TIMER) | TRACE_BIT(TRACE_OP_START) |
                        TRACE_BIT(TRACE_OP_END) | TRACE_BIT(TRACE_SET) | TRACE_BIT(TRACE_CLOCK);
    r->obs.skip_text = ~TRACE_BIT(TRACE_CONFLICT);
    for (int i = 0; i < CLOCK_MAX_NODES; i++)
        r->crashed_at[i] = -1;
}

void check_recorder_release(struct check_recorder *r)
{
    free(r->leads);
    free(r->susp);
    free(r->discards);
    free(r->discard_kind);
    free(r->moments);
    r->moments = NULL;
    r->n_moments = r->cap_moments = 0;
    r->leads = NULL;
    r->susp = NULL;
    r->discards = NULL;
    r->discard_kind = NULL;
    r->n_discards = r->cap_discards = 0;
    r->n_leads = r->n_susp = r->cap_leads = r->cap_susp = 0;
}

/* ---- split brain ---- */

/* An ok write that node acknowledged while [from, to) overlapped the op. */
static const struct op *acked_during(const struct history *h, int node, int64_t from, int64_t to)
{
    size_t total = history_count(h);

    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        if (op->req.kind == OP_GET || op->status != OP_OK || op->node != node)
            continue;
        if (op->complete_us >= from && op->invoke_us < to)
            return op;
    }
    return NULL;
}

void check_split_brain(const struct check_recorder *r, const struct history *h,
                       struct check_split *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < r->n_leads; i++) {
        for (int j = i + 1; j < r->n_leads; j++) {
            const struct check_lead *a = &r->leads[i], *b = &r->leads[j];
            int64_t from = a->from_us > b->from_us ? a->from_us : b->from_us;
            int64_t to = a->to_us < b->to_us ? a->to_us : b->to_us;
            const struct op *wa, *wb;
            if (a->node == b->node || from >= to)
                continue;
            wa = acked_during(h, a->node, from, to);
            wb = acked_during(h, b->node, from, to);
            if (!wa || !wb)
                continue;
            if (out->count++ == 0) {
                char t0[24], t1[24];
                util_fmt_time(t0, sizeof(t0), from);
                if (to == INT64_MAX)
                    util_strlcpy(t1, "the end", sizeof(t1));
                else
                    util_fmt_time(t1, sizeof(t1), to);
                snprintf(out->witness, sizeof(out->witness),
                         "n%d (epoch %lld) and n%d (epoch %lld) both led from %s to %s; n%d "
                         "acknowledged %s and n%d acknowledged %s",
                         a->node + 1, (long long)a->epoch, b->node + 1, (long long)b->epoch, t0, t1,
                         a->node + 1, wa->label, b->node + 1, wb->label);
            }
            if (a->epoch == b->epoch)
                out->same_epoch = true;
        }
    }
}

/* ---- failure detection ---- */

void check_detection(const struct check_recorder *r, struct check_detect *out)
{
    int64_t sum = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < r->n_susp; i++) {
        const struct check_suspicion *s = &r->susp[i];
        out->suspicions++;
        if (s->true_positive) {
            out->true_pos++;
            sum += s->delay_us;
            if (s->delay_us > out->max_delay_us)
                out->max_delay_us = s->delay_us;
        } else {
            out->false_pos++;
        }
    }
    out->mean_delay_us = out->true_pos ? sum / out->true_pos : 0;
}

/* ---- convergence ---- */

void check_convergence(const struct engine *e, const struct check_recorder *r,
                       struct check_converge *out)
{
    const struct history *h = engine_history(e);
    size_t total = history_count(h);

    memset(out, 0, sizeof(*out));
    out->converged = true;
    struct strmap keys;
    int n_keys = 0;

    strmap_init(&keys);
    for (uint64_t id = 1; id <= total; id++) {
        const char *key = history_at(h, id)->req.key;
        struct op_values first = {0}, v;
        bool have = false;
        char line[CHECK_WITNESS_MAX] = "";

        /* Each key once, at its first op. */
        if (strmap_put(&keys, 0, key, n_keys) != n_keys)
            continue;
        n_keys++;
        out->keys++;
        for (int i = 0; i < engine_nodes(e); i++) {
            struct engine_node info;
            char vals[96];
            engine_node(e, i, &info);
            if (info.state == NODE_CRASHED || !engine_replica_of(e, i, key))
                continue;
            engine_read_local(e, i, key, &v);
            op_format_values(&v, vals, sizeof(vals));
            util_appendf(line, sizeof(line), "%sn%d=%s", line[0] ? " " : "", i + 1, vals);
            if (!have) {
                first = v;
                have = true;
            } else if (!op_values_equal(&first, &v) && out->converged) {
                out->converged = false;
                util_strlcpy(out->key, key, sizeof(out->key));
            }
        }
        if (!out->converged && strcmp(out->key, key) == 0)
            snprintf(out->witness, sizeof(out->witness), "%s differs: %s", key, line);
    }
    strmap_release(&keys);
    if (out->converged && r)
        out->after_heal_us =
            r->last_change_us > r->last_fault_us ? r->last_change_us - r->last_fault_us : 0;
}
