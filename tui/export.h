/*
 * export: a run's events in formats other tools read — the JSON Lines
 * trace, a ShiViz log (each event with its node's vector clock), and an SVG
 * space-time diagram for handouts and slides. Headless.
 */
#ifndef SPLITBRAIN_EXPORT_H
#define SPLITBRAIN_EXPORT_H

int export_main(int argc, char **argv);

#endif
