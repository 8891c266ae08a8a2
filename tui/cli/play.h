/*
 * splitbrain sandbox, open, demo and replay: the command line turned into what the sandbox is
 * asked to do (struct app_launch, app.h).
 */
#ifndef SPLITBRAIN_CLI_PLAY_H
#define SPLITBRAIN_CLI_PLAY_H

struct cli_args;

/* The handlers of sandbox, and of open, demo and replay, in the table of cli/commands.c. */
int app_sandbox(const struct cli_args *a);
int app_open(const struct cli_args *a);

#endif
