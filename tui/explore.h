/*
 * explore: randomized fault search. Runs many seeds, each with a random
 * client workload and a random fault schedule drawn from that seed, checks
 * every run, prints how many seeds broke which guarantee, and writes the
 * first failing seeds as self-contained scenario files that `splitbrain
 * run` reproduces exactly. Headless: no terminal needed.
 */
#ifndef SPLITBRAIN_EXPLORE_H
#define SPLITBRAIN_EXPLORE_H

struct cli_args;

/* splitbrain explore [OPTIONS]: the handler in the table of cli/commands.c. */
int explore_main(const struct cli_args *a);

#endif
