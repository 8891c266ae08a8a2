/*
 * compare: `splitbrain compare FILE.scn` — one scenario on several replication
 * models. Headless (not a terminal, or --format given) it prints a table with a
 * column per model and a row per measure; on a terminal it opens the sandbox's
 * side-by-side view. Exit status as `run`: 0 every expect held on every model,
 * 1 one failed, 2 bad input or usage.
 */
#ifndef SPLITBRAIN_CLI_COMPARE_H
#define SPLITBRAIN_CLI_COMPARE_H

#include <stdio.h>

struct compare;
struct cli_args;

/* The handler of `splitbrain compare` in the table of cli/commands.c. */
int compare_main(const struct cli_args *a);

enum compare_format {
    COMPARE_TEXT,
    COMPARE_MD,
    COMPARE_CSV,
    COMPARE_JSON,
};

/* Writes the measures of every run of c (run to its end) as a table in format fmt. */
void compare_print_table(FILE *out, struct compare *c, enum compare_format fmt);

#endif
