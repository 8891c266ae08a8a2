/*
 * check: `splitbrain check FILE`, the linearizability checker on histories
 * from real systems (engine/histread.h reads them, engine/check.h checks
 * them). Headless unless --view is given.
 */
#ifndef SPLITBRAIN_CLI_CHECK_H
#define SPLITBRAIN_CLI_CHECK_H

/* Exit 0 linearizable, 1 not, 3 unknown (or not checkable), 2 bad input or usage. */
#define CHECK_EXIT_UNKNOWN 3

struct cli_args;

/* The handler of `splitbrain check` in the table of cli/commands.c. */
int cli_check_main(const struct cli_args *a);

#endif
