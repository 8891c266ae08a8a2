/*
 * The settings a command runs with, and `splitbrain config` (declared with the headless
 * handlers in headless.h), which prints them and where each came from.
 */
#ifndef SPLITBRAIN_CLI_CONFIG_H
#define SPLITBRAIN_CLI_CONFIG_H

struct cli_args;
struct config;

/* The settings a command runs with: built in, the config file, the environment, then its own
 * --ascii and --no-mouse. -1 after printing "splitbrain CMD: FILE:LINE: what". */
int cli_config_flags(const struct cli_args *a, struct config *c);

#endif
