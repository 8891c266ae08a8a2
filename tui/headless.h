/*
 * headless: the sub-commands that need no terminal — `run`, `lint`, `params`. They
 * never call initscr(), so they work in CI, in pipes and over ssh.
 */
#ifndef SPLITBRAIN_HEADLESS_H
#define SPLITBRAIN_HEADLESS_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses shared by every sub-command. */
enum {
    EXIT_OK = 0,
    EXIT_EXPECT = 1, /* an expect did not hold */
    EXIT_USAGE = 2,  /* bad input or usage */
};

struct cli_args;
struct model_ops;

/* The handlers of the table in cli/commands.c: run, lint, params, models. */
int headless_run(const struct cli_args *a);
int headless_lint(const struct cli_args *a);
int headless_params(const struct cli_args *a);
int headless_models(const struct cli_args *a);
int headless_config(const struct cli_args *a);

/* The model named name; else NULL after "splitbrain CMD: unknown model 'x'; did you mean ...". */
const struct model_ops *headless_model(const char *cmd, const char *name);

/* A whole number from 0 to INT64_MAX for --seed; -1 (after saying so for cmd) when it is not. */
int headless_seed(const char *cmd, const char *s, int64_t *seed);

struct script;
struct op;

/* The op with this id in the history of run (a struct script_run): for trace_jsonl's op_at. */
const struct op *headless_op_at(void *run, uint64_t op_id);

/* Reads and parses a scenario file (s is the caller's to release). On bad input prints
 * FILE:LINE:COL: message and returns -1, keeping nothing. */
int headless_load_script(const char *file, struct script *out);

/* Reads a whole file (at most 16 MiB) into a NUL-terminated buffer the caller frees.
 * On failure prints "splitbrain: FILE: why" and returns NULL. */
char *headless_read_file(const char *path, size_t *len);

#endif
