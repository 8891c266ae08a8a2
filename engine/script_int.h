/*
 * script_int: what the script module's files share and nothing else includes.
 * script_parse.c reads lines into commands through the one command table;
 * script_pred.c reads the predicates of expect, run until and lesson checks,
 * which script_eval.c evaluates; script_run.c executes commands against an
 * engine; script_journal.c keeps the commands that changed a run, for time
 * travel and recordings.
 *
 * Invariant: a struct script_run's engine, when there is one, was built for
 * run->model, run->nodes and run->seed, and run->generation counts every
 * engine it has built (a screen compares it to know its cursors are stale).
 */
#ifndef SPLITBRAIN_SCRIPT_INT_H
#define SPLITBRAIN_SCRIPT_INT_H

#include "script.h"

/* `pause leader`, `partition leader`: the node that leads when the command runs. */
#define NODE_LEADER (-2)

struct script_run {
    char file[256];
    int64_t seed_override;
    char model[48];
    int nodes;
    uint64_t seed;
    struct engine *e;
    struct engine *spare; /* a previous run's engine, reset and reused when the shape matches */
    uint64_t generation;  /* engines built so far: first build, rebuild, rewind, reset */
    struct trace_observer *obs[SCRIPT_MAX_OBSERVERS];
    int n_obs;
    size_t ring;                /* trace ring each engine keeps for cursors; 0: none */
    struct script_cmd *actions; /* scheduled `at` commands; the action id is the index */
    int n_actions;
    int cap_actions;
    struct script_cmd *settings; /* set/latency/link/net, re-applied when the cluster is rebuilt */
    int n_settings;
    int cap_settings;
    struct script_expect *expects;
    int n_expects;
    int cap_expects;
    int failed;
    bool unquiet;
    struct check_recorder rec;
    struct script_cmd *journal; /* top-level commands that changed the run, with their times */
    int64_t *journal_t;
    int n_journal;
    int cap_journal;
    bool replaying;
};

/* ---- the parser, shared by script_parse.c and script_pred.c ---- */

#define MAX_TOKS 80
#define TOK_MAX  256

struct cmd_entry;

struct tok {
    char s[TOK_MAX];
    int col; /* 1-based */
    bool quoted;
};

struct parser {
    struct script_env *env;
    const char *file;
    int line;
    int n;
    int i;
    int end_col; /* the column just past the last character, for "expected more" errors */
    struct script_error *err;
    struct script_cmd *cmd;
    /* What this line would change in env, applied only on success. */
    const struct model_ops *new_model;
    int new_nodes;
    char new_label[HISTORY_LABEL_MAX];
    const struct cmd_entry *entry; /* the table's entry for the command read last, if any */
    /* Last, and not zeroed up front (21 KB): tokenize() clears each token it fills. */
    struct tok t[MAX_TOKS];
};

/* Fills p->err at column col of the line; returns -1. */
int script_perr(struct parser *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Are there tokens left? */
bool script_more(const struct parser *p);
/* Is the next token the bare word word? */
bool script_peek_is(const struct parser *p, const char *word);
/* Takes the next token, or fails (NULL, p->err filled) saying what was expected there. */
const struct tok *script_need(struct parser *p, const char *what);
int script_parse_node(struct parser *p, int *node);
int script_parse_key(struct parser *p, char *dst);
/* An op label defined on an earlier line (or this line's own). */
int script_parse_label_ref(struct parser *p, char *dst);
/* A letter, then letters, digits or _. */
bool script_valid_ident(const char *s);
/* A predicate from p->i into p->cmd->pred. (script_pred.c) */
int script_read_pred(struct parser *p);

/* A parameter's definition, the engine's or the model's; NULL when there is none.
 * *engine_idx is its enum engine_param, or -1 for a model's own. (script_parse.c) */
const struct param_def *script_find_param_def(const struct model_ops *m, const char *name,
                                              int *engine_idx);

/* Fills *err with run's file and cmd's line and column; returns -1. (script_run.c) */
int script_runtime_error(struct script_run *run, const struct script_cmd *cmd,
                         struct script_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Executes cmd now, unjournalled. (script_run.c) */
int script_exec_now(struct script_run *run, const struct script_cmd *cmd, struct script_error *err);
/* Queues an `at` command in the engine. (script_run.c) */
int script_schedule(struct script_run *run, const struct script_cmd *cmd, struct script_error *err);
/* Runs the engine to target, executing the `at` commands that fall due. (script_run.c) */
int script_run_to(struct script_run *run, int64_t target, struct script_error *err);
/* Forgets the engine and everything built on it: shape, settings, actions, expects.
 * (script_run.c) */
void script_run_forget(struct script_run *run);

/* Journals a top-level command that ran at t: a no-op while replaying and for commands
 * that only advance time. The caller checked there is room. (script_journal.c) */
void script_journal_add(struct script_run *run, const struct script_cmd *cmd, int64_t t);
/* Would script_journal_add keep cmd? (script_journal.c) */
bool script_journal_keeps(const struct script_run *run, const struct script_cmd *cmd);

#endif
