/*
 * headless: the sub-commands that need no terminal — `run` and `lint`. They
 * never call initscr(), so they work in CI, in pipes and over ssh.
 */
#ifndef SPLITBRAIN_HEADLESS_H
#define SPLITBRAIN_HEADLESS_H

#include <stddef.h>

/* Exit statuses shared by every sub-command. */
enum {
    EXIT_OK = 0,
    EXIT_EXPECT = 1, /* an expect did not hold */
    EXIT_USAGE = 2,  /* bad input or usage */
};

int headless_run(int argc, char **argv);
int headless_lint(int argc, char **argv);

struct script;

/* Reads and parses a scenario file (s is the caller's to release). On bad input prints
 * FILE:LINE:COL: message and returns -1, keeping nothing. */
int headless_load_script(const char *file, struct script *out);

/* Reads a whole file (at most 16 MiB) into a NUL-terminated buffer the caller frees.
 * On failure prints "splitbrain: FILE: why" and returns NULL. */
char *headless_read_file(const char *path, size_t *len);

#endif
