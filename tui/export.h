/*
 * export: a run's events in formats other tools read — the JSON Lines
 * trace, a ShiViz log (each event with its node's vector clock), and an SVG
 * space-time diagram for handouts and slides. Headless.
 */
#ifndef SPLITBRAIN_EXPORT_H
#define SPLITBRAIN_EXPORT_H

struct cli_args;

/* splitbrain export FILE --format FMT [--seed N] [--out FILE]: a handler of cli/commands.c. */
int export_main(const struct cli_args *a);

#endif
