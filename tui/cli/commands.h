/*
 * commands: the table of splitbrain's sub-commands (cli.h says what a row
 * holds). main() runs a command line against it.
 */
#ifndef SPLITBRAIN_COMMANDS_H
#define SPLITBRAIN_COMMANDS_H

#include "cli.h"

/* Ends with a row whose name is NULL. */
extern const struct cli_cmd cli_commands[];

struct config;

/* The settings a command runs with: built in, the config file, the environment, then its own
 * --ascii and --no-mouse. -1 after printing "splitbrain CMD: FILE:LINE: what". */
int cli_config_flags(const struct cli_args *a, struct config *c);

#endif
