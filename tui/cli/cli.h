/*
 * cli: the one table of sub-commands and their options, and the parser that
 * reads a command line against it with getopt_long.
 *
 * Every sub-command is a row (name, operands, help line, options, handler);
 * every option is a row (long name, short letter, value name, help line).
 * From the table come the parsing (`--seed 9`, `--seed=9`, `-s 9`, unique
 * prefixes), `-h`/`--help` on every sub-command (to standard output, exit 0),
 * the top-level usage, each sub-command's help, and the "did you mean" for a
 * mistyped command or option. Exit statuses are the same everywhere: 0 ok,
 * 1 a check failed, 2 usage or bad input (CLI_EXIT_*).
 *
 * The table itself lives in cli/commands.c; this module knows nothing of
 * what the commands do, so the unit tests drive it with tables of their own.
 */
#ifndef SPLITBRAIN_CLI_H
#define SPLITBRAIN_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_CHECK = 1, /* a check or expect failed */
    CLI_EXIT_USAGE = 2, /* bad usage or bad input, a failed write */
};

#define CLI_MAX_OPTS     24   /* options per sub-command, --help included */
#define CLI_MAX_GIVEN    128  /* options given on one command line */
#define CLI_MAX_OPERANDS 1024 /* operands (file names) on one command line */

struct cli_opt {
    const char *name; /* "seed", given as --seed; NULL ends a table */
    int short_name;   /* 's' for -s, or 0 */
    const char *arg;  /* NULL: a flag; else the value's name in help ("N", "FILE") */
    const char *help; /* one line */
};

struct cli_args;

struct cli_cmd {
    const char *name;           /* NULL ends a table */
    const char *operands;       /* as a synopsis: "FILE.scn", "[NAME]", "FILE..." */
    const char *help;           /* one line: what the command does */
    int min_operands;           /* operands it needs */
    int max_operands;           /* operands it takes; -1: any number */
    const struct cli_opt *opts; /* ends with a row whose name is NULL; may be NULL */
    int (*run)(const struct cli_args *a);
    const char *alias; /* another name that runs it, or NULL */
};

struct cli_given {
    const struct cli_opt *opt;
    const char *value; /* NULL for a flag; borrowed from argv */
};

/* A parsed command line. Everything is borrowed from argv and the table. */
struct cli_args {
    const struct cli_cmd *cmd;
    int n_given;
    struct cli_given given[CLI_MAX_GIVEN]; /* in the order given */
    int argc;                              /* the operands, in order */
    char *argv[CLI_MAX_OPERANDS];
};

/*
 * Parses argv (argv[0] is the sub-command's name) against cmd. Returns 0 when
 * the command should run, 1 after printing its help to standard output (-h,
 * --help), or -1 after printing a usage error to err (an unknown option with
 * a "did you mean", a missing value, too many or too few operands). Options
 * and operands may come in any order; `--` ends the options.
 */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *out, FILE *err);

/* Was the flag given? */
bool cli_flag(const struct cli_args *a, const char *name);
/* The value given last for the option, or NULL. */
const char *cli_value(const struct cli_args *a, const char *name);
/* Every value given for the option, in order, up to max; returns how many there were. */
int cli_values(const struct cli_args *a, const char *name, const char **out, int max);

/* One sub-command's synopsis line: "run FILE.scn [--seed N] [--trace FILE] [--quiet]". */
void cli_synopsis(const struct cli_cmd *cmd, FILE *out);
/* The sub-command's full help: synopsis, help line, every option. */
void cli_help(const struct cli_cmd *cmd, FILE *out);
/* The top-level usage: every sub-command of the table with its help line. */
void cli_usage(const struct cli_cmd *table, FILE *out);
/* The row named name (or aliased so), or NULL. */
const struct cli_cmd *cli_find(const struct cli_cmd *table, const char *name);
/* The closest command name to a mistyped one, or NULL. */
const char *cli_suggest_cmd(const struct cli_cmd *table, const char *name);

/*
 * Runs a whole command line: -h/--help/help [CMD], -V/--version/version, or
 * a sub-command of the table, parsed and run; then checks that everything
 * written to standard output got there (a failed write is reported and
 * exits 2). argv[0] is the program's name. no_command runs when argc is 1.
 */
int cli_main(const struct cli_cmd *table, const char *version, int argc, char **argv,
             int (*no_command)(void));

/* fclose that also fails when an earlier write to f failed: -1 and errno when anything did. */
int cli_fclose(FILE *f);

#endif
