/*
 * lesson: the lesson file format and its parser.
 *
 * A lesson is plain UTF-8 text, readable without the tool. A header of
 * `%` directives (id, title, version, seed, setup in the command language),
 * then steps, each opened by `== id: Title`. In a step, plain lines are the
 * narration (a small Markdown subset: *emphasis*, **strong**, `code`), and
 * directives add a task, checks that gate the step (command-language
 * predicates, on engine state or on what happened since the step began),
 * staged hints, actions the step can perform itself ("show me"), a success
 * message, and a quiz asked before the run reveals the answer. An indented
 * line continues the text directive above it; `;;` at the start of a line is
 * a comment. Errors are FILE:LINE:COL: message, like every parser here.
 *
 * A step can also be forgiving and precise: a %check may carry the sentence
 * the pane shows instead of the predicate (`%check up n3 "n3 is back"`);
 * %decoy lists a plausible wrong action that lint proves keeps the gate
 * closed; %stuck names a dead end and says in plain words what went wrong;
 * `%hint if PRED: text` speaks to what the learner did; %spotlight names the
 * key event the run pauses on. Conditions are predicates joined by ` and `.
 * Success, narration and explanation texts may name values from the run
 * through placeholders ({put.value}, {w1.latency}, {leader}, {n3.x}).
 *
 * A side-by-side lesson (`%compare leader,multi,leaderless` in the header) plays
 * one cluster per model on one clock, the way `splitbrain compare` does: its
 * %setup lines are a comparison scenario's (`for MODEL: set ...` for one
 * model's settings, no `model` line), the learner's commands and the step's
 * %do and %decoy go to every model at once, and a check holds on every model
 * unless it names one (`%check multi: lost-writes == 1`). Every line is parsed
 * once per model, so a shared line one model cannot read is an error naming it.
 *
 * Ownership: a struct lesson owns all its strings and commands.
 */
#ifndef SPLITBRAIN_LESSON_H
#define SPLITBRAIN_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/script.h"

#define LESSON_MAX_STEPS   64
#define LESSON_MAX_CHECKS  8
#define LESSON_MAX_HINTS   6
#define LESSON_MAX_DOS     16
#define LESSON_MAX_SETUP   64
#define LESSON_MAX_CHOICES 8
#define LESSON_TEXT_MAX    2048
#define LESSON_LINE_MAX    512
#define LESSON_MAX_DECOYS  4
#define LESSON_MAX_STUCK   4
#define LESSON_MAX_AND     3 /* predicates in one condition (PRED and PRED ...) */
#define LESSON_MAX_MODELS  3 /* a side-by-side lesson's models (%compare) */

enum lesson_quiz_kind {
    LESSON_RECALL,  /* about what the learner has seen or read: graded at once */
    LESSON_PREDICT, /* about what the run will do: its explanation waits for the gate */
};

struct lesson_quiz {
    bool multiple; /* several answers may be right */
    enum lesson_quiz_kind kind;
    int line;
    char question[LESSON_LINE_MAX];
    int n_choices;
    char choices[LESSON_MAX_CHOICES][LESSON_LINE_MAX];
    unsigned correct; /* bit i: choice i is right */
    char explain[LESSON_TEXT_MAX];
};

/*
 * A predicate of a check or a condition, as `expect` reads it, with the words it was written
 * in. In a side-by-side lesson `on` has bit k set for each of the lesson's models that reads it
 * (`multi: PRED` is multi's alone, a plain PRED every model's); it must hold on each of them.
 * A one-cluster lesson has on = 1.
 */
struct lesson_pred {
    int line;
    int col;
    unsigned on;
    struct script_pred pred;
    char text[LESSON_LINE_MAX]; /* "w1 ok" or "multi: lost-writes == 1", as written */
};

/* A condition: every predicate holds. */
struct lesson_cond {
    int n;
    struct lesson_pred *preds;
};

/* A plausible wrong action (commands, as %do writes them) lint proves keeps the gate closed. */
struct lesson_decoy {
    int line;
    int n_cmds;
    struct script_cmd *cmds;
};

/* A dead end: when the condition holds, the step cannot be finished; text says why. */
struct lesson_stuck {
    int line;
    struct lesson_cond cond;
    char text[LESSON_LINE_MAX];
};

/* The key event a step pauses on: a trace event kind on a node (-1: any), or an op's end. */
struct lesson_spotlight {
    bool on;
    int line;
    int kind;   /* an enum trace_kind */
    int node;   /* -1: any node */
    int status; /* TRACE_OP_END: an enum op_status, or -1 for any end */
};

struct lesson_step {
    char id[32];
    char title[128];
    int line;
    char narration[LESSON_TEXT_MAX];
    char task[LESSON_LINE_MAX];
    int n_checks;
    struct lesson_pred *checks;
    char says[LESSON_MAX_CHECKS][LESSON_LINE_MAX]; /* each check's sentence, or "" */
    int n_hints;
    char hints[LESSON_MAX_HINTS][LESSON_LINE_MAX];
    struct lesson_cond hint_if[LESSON_MAX_HINTS]; /* n = 0: the hint is always given */
    int n_decoys;
    struct lesson_decoy decoys[LESSON_MAX_DECOYS];
    int n_stuck;
    struct lesson_stuck stuck[LESSON_MAX_STUCK];
    struct lesson_spotlight spotlight;
    int n_dos;
    struct script_cmd *dos;
    char success[LESSON_TEXT_MAX];
    int success_line;
    bool has_quiz;
    struct lesson_quiz quiz;
};

struct lesson {
    char file[256];
    char id[48];
    char title[160];
    int version;
    uint64_t seed;
    bool show_lamport; /* %show lamport: the map shows each node's Lamport clock */
    /* %compare leader,multi,leaderless: the lesson runs side by side, one cluster per model on
     * one clock; every command goes to all of them (`for MODEL: ...` to one), and a check
     * holds on every model (`MODEL: PRED` on that one). 0: one cluster. */
    int n_models;
    const struct model_ops *models[LESSON_MAX_MODELS];
    int n_setup;
    struct script_cmd *setup;
    int n_steps;
    struct lesson_step *steps;
};

/* Parses a whole lesson. On error returns -1 with *err filled and nothing kept. */
int lesson_parse(const char *file, const char *text, size_t len, struct lesson *out,
                 struct script_error *err);
void lesson_release(struct lesson *l);

/*
 * Literal values in success texts that a learner's run could contradict: a KEY=VALUE no check
 * of the step pins (`value NODE KEY == VALUE`, `LABEL == VALUE`), or a latency in ms. Appends
 * one "FILE:LINE:1: warning: ..." line per finding to dst; returns how many.
 */
int lesson_text_warnings(const struct lesson *l, char *dst, size_t size);

/* What a check waits for, in words: its own sentence, or one made from a built-in predicate.
 * False (and the predicate's text in dst) when neither exists: a model's predicate needs a
 * sentence, and lint says so. */
bool lesson_check_sentence(const struct lesson_pred *check, const char *says, char *dst,
                           size_t size);

#endif
