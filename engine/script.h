/*
 * script: the one command language — scenario files, the TUI's `:` line,
 * lesson setup and predicates, and demo scripts all go through this parser
 * and this executor.
 *
 * Parsing is separate from running. A parse checks everything it can before
 * anything runs — command words, node names against the node count, labels
 * against the ops defined before, parameters against the model's table — so
 * a file with an error changes nothing, and the error names FILE:LINE:COL
 * and what was expected there. The executor then turns commands into engine
 * calls; `model`, `nodes` and `seed` shape the cluster and so come first in a
 * file (the interactive line may use them at any time: the cluster is rebuilt
 * with its settings re-applied).
 *
 * Ownership: a struct script owns its commands; a struct script_run owns its
 * engine and borrows the observers it is given.
 */
#ifndef SPLITBRAIN_SCRIPT_H
#define SPLITBRAIN_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "engine.h"

#define SCRIPT_MAX_LINE      1024
#define SCRIPT_MAX_CMDS      100000
#define SCRIPT_MAX_LABELS    50000
#define SCRIPT_MAX_OBSERVERS 8
#define SCRIPT_MSG_MAX       1024
/* What one run keeps, each bounded: past a limit the command is an error and runs not at
 * all (FILE:LINE:COL in a file, the message line on the screen). A command is ~3.6 KB. */
#define SCRIPT_MAX_JOURNAL  20000 /* commands that changed the run, for time travel */
#define SCRIPT_MAX_SETTINGS 2000  /* set/latency/link/net/model commands, re-applied on rebuild */
#define SCRIPT_MAX_EXPECTS  10000 /* expect results */

struct script_error {
    char file[256];
    int line;
    int col;
    char msg[SCRIPT_MSG_MAX];
};

/* "FILE:LINE:COL: msg" (or "LINE:COL: msg" with no file name). */
void script_error_format(const struct script_error *err, char *dst, size_t size);

enum script_cmd_kind {
    CMD_MODEL,
    CMD_NODES,
    CMD_SEED,
    CMD_SET,
    CMD_LATENCY,
    CMD_RUN,       /* run DURATION */
    CMD_RUN_UNTIL, /* run until TIME */
    CMD_RUN_QUIET, /* run until quiet */
    CMD_RUN_PRED,  /* run until PREDICATE: a breakpoint, bounded by quiet_max */
    CMD_STEP,      /* step [N] */
    CMD_OP,
    CMD_KILL,
    CMD_RESTART,
    CMD_WIPE,
    CMD_PAUSE,
    CMD_RESUME,
    CMD_PARTITION,
    CMD_HEAL,
    CMD_CUT,
    CMD_MEND,
    CMD_LINK,
    CMD_NET,
    CMD_SKEW,
    CMD_DRIFT,
    CMD_NTP,
    CMD_EXPECT,
    CMD_NOTE,
    CMD_WORKLOAD,  /* workload RATE [keys a,b] [via NODE] [reads P%] | workload off */
    CMD_MSG,       /* deliver ID | delay ID DURATION | drop ID: the user as the network */
    CMD_SAY,       /* say "caption": a demo caption, shown large by the sandbox */
    CMD_BEAT,      /* beat: a demo waits here for the presenter (nothing, headless) */
    CMD_MODEL_CMD, /* a model's own command: "place KEY n1 n2 n3" */
};

enum script_pred_kind {
    SPRED_OP_STATUS,     /* LABEL ok|fail|timeout|pending */
    SPRED_OP_VALUE,      /* LABEL == VALUE */
    SPRED_VALUE,         /* value NODE KEY == VALUE */
    SPRED_LEADER,        /* leader NODE */
    SPRED_DOWN,          /* down NODE */
    SPRED_UP,            /* up NODE */
    SPRED_PAUSED,        /* paused NODE */
    SPRED_CONVERGED,     /* converged KEY */
    SPRED_CONVERGED_ALL, /* converged (every key) */
    SPRED_LINEARIZABLE,  /* linearizable */
    SPRED_LOST_WRITES,   /* lost-writes == N */
    SPRED_SPLIT_BRAIN,   /* split-brain */
    SPRED_SESSIONS,      /* sessions: read-your-writes, monotonic reads, consistent prefix */
    SPRED_AVAILABILITY,  /* availability >= P% */
    SPRED_OP_SEEN,       /* op KIND [KEY] [ok|fail|timeout|pending]: such an op ran (since) */
    SPRED_MODEL,         /* a model's own predicate */
    SPRED_DID,           /* did COMMAND [ARGS]: the run was given such a command (since) */
    SPRED_SETTING,       /* setting PARAM == VALUE: a parameter's value now */
    SPRED_TIME,          /* time >= DURATION|PARAM: virtual time has reached it */
};

struct script_pred {
    enum script_pred_kind kind;
    bool negate;
    char label[HISTORY_LABEL_MAX];
    enum op_status status;
    int node;
    char key[STORE_KEY_MAX];
    struct op_values values;
    int model_pred;
    struct pred_args margs;
    int64_t num;     /* lost-writes count; availability in basis points */
    int op_kind;     /* SPRED_OP_SEEN: an enum op_kind */
    bool done;       /* SPRED_OP_STATUS "LABEL done": ok, fail or timeout */
    bool any_status; /* SPRED_OP_SEEN without a status word */
    /* SPRED_DID: which command (an enum script_cmd_kind) and the arguments it must have;
     * node and node2 are -1 for "any", word and value empty for "any". */
    int did_kind;
    int node2;
    char word[48];                  /* did set / setting: the parameter; a model command's name */
    char value[STORE_VAL_MAX];      /* did set / setting: the value as the parameter formats it */
    int time_param;                 /* SPRED_TIME: an engine parameter (enum engine_param), or -1 */
    char before[HISTORY_LABEL_MAX]; /* SPRED_DID: only before the command that ran this op */
};

struct script_cmd {
    enum script_cmd_kind kind;
    int line;
    int col;
    char text[SCRIPT_MAX_LINE]; /* the command as written, for the trace and the TUI */
    int64_t at_us;              /* `at T ACTION`: T; -1 for now */
    bool at_rel;                /* `at +D ACTION`: at_us is D after the line runs */
    char word[48];              /* model name, parameter key */
    char value[STORE_VAL_MAX];  /* parameter value, put value, set element */
    char words[240];            /* note and say: the text */
    int64_t num;                /* nodes, seed, step count, ppm, incr amount */
    int64_t dur_us;             /* run, pause, skew; -1 = none */
    int node;
    int node2;
    bool both; /* a link in both directions */
    int group[ENGINE_MAX_NODES];
    struct engine_link_cfg link;
    /* CMD_OP */
    char label[HISTORY_LABEL_MAX];
    enum op_kind op;
    char key[STORE_KEY_MAX];
    int via;
    int client;
    char after[HISTORY_LABEL_MAX];
    bool after_last; /* `after last`: the client's last context for the key */
    /* CMD_EXPECT */
    struct script_pred pred;
    /* CMD_WORKLOAD */
    struct engine_workload wl;
    /* CMD_MODEL_CMD: the command's name is in word (looked up again when it runs) */
    struct model_cmd_args margs;
};

/*
 * The command table: every command word of the language with its arguments and one line
 * of help. The parser dispatches through it; the screen completes and explains from it.
 */
struct script_command_doc {
    const char *name; /* "kill" */
    const char *args; /* "NODE": the arguments as usage shows them; "" for none */
    const char *help; /* one line */
};

/* How many commands the table holds; script_command_doc(0..n-1) walks it in order. */
int script_commands(void);
/* The i-th command, or NULL past the end. Static storage. */
const struct script_command_doc *script_command_doc(int i);
/* The command named name, or NULL (a model's own commands are not in the table). */
const struct script_command_doc *script_command_find(const char *name);
/* "kill NODE" into dst. */
void script_command_usage(const struct script_command_doc *doc, char *dst, size_t size);

/* What the parser knows about the world a command will run in. */
struct script_env {
    const struct model_ops *model;
    int n_nodes;
    bool file_mode; /* model/nodes/seed only before any other command */
    bool acted;     /* a command other than model/nodes/seed has been seen */
    char (*labels)[HISTORY_LABEL_MAX];
    int n_labels;
    int cap_labels;
    int auto_label;
    /* Comparison scenarios (`for MODEL:` lines and blocks, `expect MODEL: ...`). */
    bool compare;    /* one model of a comparison: a `model` line is an error */
    long block_mask; /* the models of the open `for` block (bit k = model_at(k)), 0: none */
    int block_line;  /* where that block opened */
    int block_col;
    bool line_shared; /* the last line parsed was read by every model (no `for`) */
};

/* Defaults: model leader if registered (else the first), 3 nodes. */
void script_env_init(struct script_env *env, bool file_mode);
void script_env_release(struct script_env *env);
bool script_env_has_label(const struct script_env *env, const char *label);

/*
 * Parses one line. Returns 1 with *out filled, 0 for a blank or comment
 * line, -1 with *err filled. env changes only on success.
 */
int script_parse_line(struct script_env *env, const char *file, int lineno, const char *line,
                      struct script_cmd *out, struct script_error *err);

/*
 * Parses one predicate, as `expect` reads what follows it ("w1 ok", "not leader n2"), for the
 * layers that keep predicates of their own (lesson checks). A leading `MODEL[,MODEL]:` says
 * which models it is for. Columns in *err count from text's first character. Returns 1 with
 * *out filled; 0 when text is blank or for other models than env's; -1 with *err filled.
 */
int script_parse_pred(struct script_env *env, const char *file, int lineno, const char *text,
                      struct script_pred *out, struct script_error *err);

struct script {
    struct script_cmd *cmds;
    int n;
    int cap; /* commands cmds has room for */
};

/* Parses a whole text; on error returns -1, *err filled and nothing kept. */
int script_parse_text(const char *file, const char *text, size_t len, struct script_env *env,
                      struct script *out, struct script_error *err);
/* The same, reusing what a previous parse into *out (or a zeroed one) allocated: for a
 * caller that parses many texts in turn (explore). On error *out is released. */
int script_parse_text_reuse(const char *file, const char *text, size_t len, struct script_env *env,
                            struct script *out, struct script_error *err);
void script_release(struct script *s);
/* After the last line fed to script_parse_line: -1 with *err filled when a `for` block is
 * still open, else 0. (script_parse_text calls it.) */
int script_parse_end(const struct script_env *env, const char *file, struct script_error *err);

/* ---- running ---- */

struct script_expect {
    int line;
    bool ok;
    char text[SCRIPT_MAX_LINE];
    char msg[SCRIPT_MSG_MAX]; /* why it failed: expected vs got */
};

struct script_run;

/* seed_override >= 0 replaces any `seed` command. */
struct script_run *script_run_create(const char *file, int64_t seed_override);
void script_run_destroy(struct script_run *run);
/* Borrows obs; it is subscribed to every engine this run builds. */
void script_run_observe(struct script_run *run, struct trace_observer *obs);
/* As script_run_create(file, seed_override) would make it, keeping its memory: the engine
 * is reset and reused when the next run asks for the same model and node count (explore's
 * seeds). Observers are dropped; the trace ring setting stays. */
void script_run_reset(struct script_run *run, const char *file, int64_t seed_override);
/* Each engine the run builds keeps its last `events` trace events for cursors that read
 * from sequence 0 (the TUI's event log and timeline); without it (the default: headless
 * runs, explore) there is no ring at all. */
void script_run_trace_ring(struct script_run *run, size_t events);
/* The ring a screen needs: the TUI's timeline holds this many events, its log fewer. */
#define SCRIPT_VIEW_RING 16384

/* Executes one parsed command. On a runtime error (a time in the past, killing a dead node)
 * returns -1 with *err filled; the engine is unchanged. */
int script_run_exec(struct script_run *run, const struct script_cmd *cmd, struct script_error *err);
/* Advances virtual time to t_us, running the `at` commands that fall due. 0, or -1 with *err. */
int script_run_advance(struct script_run *run, int64_t t_us, struct script_error *err);
/* Processes one event: 1 done, 0 nothing left to do, -1 a due `at` command failed. */
int script_run_step(struct script_run *run, struct script_error *err);

/*
 * Time travel. Every top-level command that changed the run (not run/step)
 * is journalled with the virtual time it ran at. Rewinding rebuilds the
 * cluster and replays the journal up to t_us — the engine is deterministic,
 * so the state is exactly what it was then. The journal is kept whole, so a
 * rewind forward again works; truncate it when the user acts in the past.
 */
/* n_entries >= 0: replay exactly the first n_entries journal entries (a lesson step
 * remembers the count at its start); < 0: those issued before t_us, plus the setup at
 * time 0. */
int script_run_rewind(struct script_run *run, int64_t t_us, int n_entries,
                      struct script_error *err);
/* How many journal entries a rewind to t_us replays by default. */
int script_run_journal_before(const struct script_run *run, int64_t t_us);
/* Keeps only the first n_entries: call it when the user acts after rewinding. */
void script_run_truncate_journal(struct script_run *run, int n_entries);
int script_run_journal_count(const struct script_run *run);

/*
 * Writes the run so far as a recording: a plain scenario that rebuilds the
 * cluster with the run's seed and re-issues every journalled command at the
 * virtual time it ran (`run until T` between them), then runs to end_us.
 * `splitbrain run` on it reproduces the run's trace byte for byte; it is text,
 * so it can be read, diffed and edited. Returns 0, or -1 on a write error.
 */
int script_run_write_recording(const struct script_run *run, FILE *f, int64_t end_us);
const struct script_cmd *script_run_journal_at(const struct script_run *run, int i, int64_t *t_us);

/* Executes every command, then runs until quiet so the summary shows where the run settled. */
int script_run_all(struct script_run *run, const struct script *s, struct script_error *err);

/* The engine (built on first need). */
struct engine *script_run_engine(struct script_run *run);
/* How many engines the run has built: it changes whenever the cluster is rebuilt (a new
 * shape, a rewind, a reset), so a screen that compares it knows its trace cursor and the
 * verdicts it computed belong to an engine that is gone (a new engine may reuse the old
 * one's address, so comparing pointers cannot tell). */
uint64_t script_run_generation(const struct script_run *run);
int script_run_expects(const struct script_run *run);
const struct script_expect *script_run_expect_at(const struct script_run *run, int i);
int script_run_failed(const struct script_run *run);
/* True when the last `run until quiet` hit its bound. */
bool script_run_unquiet(const struct script_run *run);

/* What the run's checker recorder saw (leaders, suspicions, faults). */
const struct check_recorder *script_run_recorder(const struct script_run *run);

/* Evaluates a predicate now: 1 holds, 0 not; why says what was expected and found. */
int script_eval(struct script_run *run, const struct script_pred *p, char *why, size_t size);
/* The same, counting only ops invoked at or after since_us ("since the step began"). */
int script_eval_since(struct script_run *run, const struct script_pred *p, int64_t since_us,
                      char *why, size_t size);
/* The same again, `did` counting only journal entries from since_entry on (a lesson step
 * remembers the journal's length when it began: commands at its first instant count). */
int script_eval_step(struct script_run *run, const struct script_pred *p, int64_t since_us,
                     int since_entry, char *why, size_t size);

#endif
