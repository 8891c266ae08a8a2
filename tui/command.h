/*
 * command: the sandbox's command path — a line the user typed (or a key spelled as a command)
 * parsed and run on the sandbox's run, or handed to the lesson's runner while a lesson runs;
 * the `:` line's own words (`:open`, `:demo`, `:help`, `:compare`); and the keys of the open `:`
 * and `/` lines, which edit themselves in cmdline.c and come here when a command is finished.
 */
#ifndef SPLITBRAIN_COMMAND_H
#define SPLITBRAIN_COMMAND_H

#include "sandbox.h"

/* Runs a command the user typed (or a key spelled out). Returns -1 on a parse or runtime
 * error, with the message line saying where; a parse error changes nothing. */
int exec_line(struct app *a, const char *line);
/* The `workload` command W starts: the settings' rate, or the built-in one when they say off. */
const char *workload_line(struct app *a);
/* Opens the `:` line holding text (cmdline_open) and clears the message line. */
void cmd_open(struct app *a, const char *text);
/* A key on the open `:` or `/` line. */
void cmd_key(struct app *a, int k);

#endif
