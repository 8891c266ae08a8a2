/*
 * The journal: every top-level command that changed a run (not run/step), with
 * the virtual time it ran at. Rewinding replays it on a fresh cluster; a
 * recording writes it out as a scenario. It holds at most SCRIPT_MAX_JOURNAL
 * entries: past that, a command is refused with an error and runs not at all,
 * so a rewind can always replay what the run did.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_int.h"
#include "util.h"

static bool advances_time(enum script_cmd_kind k)
{
    return k == CMD_RUN || k == CMD_RUN_UNTIL || k == CMD_RUN_QUIET || k == CMD_RUN_PRED ||
           k == CMD_STEP;
}

bool script_journal_keeps(const struct script_run *run, const struct script_cmd *cmd)
{
    return !run->replaying && !advances_time(cmd->kind);
}

void script_journal_add(struct script_run *run, const struct script_cmd *cmd, int64_t t)
{
    if (!script_journal_keeps(run, cmd))
        return;
    assert(run->n_journal < SCRIPT_MAX_JOURNAL);
    if (run->n_journal == run->cap_journal) {
        run->cap_journal = run->cap_journal ? run->cap_journal * 2 : 64;
        if (run->cap_journal > SCRIPT_MAX_JOURNAL)
            run->cap_journal = SCRIPT_MAX_JOURNAL;
        run->journal = xrealloc(run->journal, (size_t)run->cap_journal * sizeof(*run->journal));
        run->journal_t =
            xrealloc(run->journal_t, (size_t)run->cap_journal * sizeof(*run->journal_t));
    }
    run->journal[run->n_journal] = *cmd;
    run->journal_t[run->n_journal] = t;
    run->n_journal++;
}

static void fmt_exact(char *dst, size_t size, int64_t us)
{
    snprintf(dst, size, "%lld.%06llds", (long long)(us / 1000000), (long long)(us % 1000000));
}

static bool shapes(enum script_cmd_kind k)
{
    return k == CMD_MODEL || k == CMD_NODES || k == CMD_SEED;
}

int script_run_write_recording(const struct script_run *run, FILE *f, int64_t end_us)
{
    int64_t at = 0;
    int from = 0;
    bool acted = false;
    char t[32];

    /*
     * A model, nodes or seed command after others rebuilt the cluster from time 0 with the
     * settings re-applied: the recording starts at the last such rebuild, with the shape
     * and the settings in force then.
     */
    for (int i = 0; i < run->n_journal; i++) {
        if (!shapes(run->journal[i].kind))
            acted = true;
        else if (acted)
            from = i;
    }
    fprintf(f, "# splitbrain recording: every command with the virtual time it ran at.\n");
    fprintf(f, "# splitbrain run reproduces it exactly; splitbrain open plays it.\n");
    fprintf(f, "model %s\nnodes %d\nseed %llu\n", run->model, run->nodes,
            (unsigned long long)run->seed);
    if (from > 0) {
        /* The settings made before the rebuild, which it re-applied; those the new shape
         * rejects (a parameter of another model, a link to a node that is gone) were dropped
         * then and are dropped here. */
        struct script_env env;
        struct script_cmd *tmp = xmalloc(sizeof(*tmp));
        struct script_error err;
        char line[SCRIPT_MAX_LINE + 16];
        script_env_init(&env, false);
        snprintf(line, sizeof(line), "model %s", run->model);
        script_parse_line(&env, "", 1, line, tmp, &err);
        snprintf(line, sizeof(line), "nodes %d", run->nodes);
        script_parse_line(&env, "", 1, line, tmp, &err);
        for (int i = 0; i < from; i++) {
            const struct script_cmd *c = &run->journal[i];
            bool setting = c->kind == CMD_SET || c->kind == CMD_LATENCY || c->kind == CMD_NET ||
                           c->kind == CMD_LINK || c->kind == CMD_MODEL_CMD;
            if (setting && c->at_us < 0 && script_parse_line(&env, "", 1, c->text, tmp, &err) > 0)
                fprintf(f, "%s\n", c->text);
        }
        free(tmp);
        script_env_release(&env);
    }
    for (int i = from; i < run->n_journal; i++) {
        const struct script_cmd *c = &run->journal[i];
        if (shapes(c->kind))
            continue;
        if (run->journal_t[i] > at) {
            at = run->journal_t[i];
            fmt_exact(t, sizeof(t), at);
            fprintf(f, "run until %s\n", t);
        }
        fprintf(f, "%s\n", c->text);
    }
    if (end_us > at) {
        fmt_exact(t, sizeof(t), end_us);
        fprintf(f, "run until %s\n", t);
    }
    return ferror(f) ? -1 : 0;
}

int script_run_journal_count(const struct script_run *run)
{
    return run->n_journal;
}

const struct script_cmd *script_run_journal_at(const struct script_run *run, int i, int64_t *t_us)
{
    if (i < 0 || i >= run->n_journal)
        return NULL;
    if (t_us)
        *t_us = run->journal_t[i];
    return &run->journal[i];
}

/*
 * Rewinds by replaying: the engine is deterministic, so building the
 * cluster afresh and re-issuing every journalled command at the virtual time
 * it first ran reproduces the run exactly, up to t_us.
 */
int script_run_rewind(struct script_run *run, int64_t t_us, int n_entries, struct script_error *err)
{
    struct script_cmd *journal = run->journal;
    int64_t *times = run->journal_t;
    int n = run->n_journal, cap = run->cap_journal, r = 0, upto = 0;

    upto = n_entries >= 0 ? (n_entries < n ? n_entries : n) : script_run_journal_before(run, t_us);
    script_run_forget(run);
    run->replaying = true;
    for (int i = 0; i < upto && r == 0; i++) {
        if (times[i] > (run->e ? engine_now(run->e) : 0)) {
            script_run_engine(run);
            r = script_run_to(run, times[i], err);
        }
        if (r == 0)
            r = journal[i].at_us < 0 ? script_exec_now(run, &journal[i], err)
                                     : script_schedule(run, &journal[i], err);
    }
    if (r == 0) {
        script_run_engine(run); /* the journal may hold nothing but the cluster's shape */
        r = script_run_to(run, t_us, err) < 0 ? -1 : 0;
    }
    run->replaying = false;
    /* The journal stays whole, so a later rewind can go forward again. */
    run->journal = journal;
    run->journal_t = times;
    run->n_journal = n;
    run->cap_journal = cap;
    return r;
}

int script_run_journal_before(const struct script_run *run, int64_t t_us)
{
    int n = 0;

    while (n < run->n_journal && (run->journal_t[n] < t_us || run->journal_t[n] == 0))
        n++;
    return n;
}

void script_run_truncate_journal(struct script_run *run, int n_entries)
{
    if (n_entries >= 0 && n_entries < run->n_journal)
        run->n_journal = n_entries;
}
