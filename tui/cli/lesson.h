/*
 * splitbrain lesson [NAME | --reset NAME | --reset --all] [--ascii] [--no-mouse]: lists the
 * course with the learner's progress, resets progress, or opens a lesson in the sandbox (app.h).
 * Listing and resetting are headless: they print and exit.
 */
#ifndef SPLITBRAIN_CLI_LESSON_H
#define SPLITBRAIN_CLI_LESSON_H

struct cli_args;

/* A handler of the table in cli/commands.c. */
int cli_lesson(const struct cli_args *a);

#endif
