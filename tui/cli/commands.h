/*
 * commands: the table of splitbrain's sub-commands (cli.h says what a row
 * holds). main() runs a command line against it.
 */
#ifndef SPLITBRAIN_COMMANDS_H
#define SPLITBRAIN_COMMANDS_H

#include "cli.h"

/* Ends with a row whose name is NULL. */
extern const struct cli_cmd cli_commands[];

#endif
