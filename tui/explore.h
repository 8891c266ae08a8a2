/*
 * explore: randomized fault search. Runs many seeds, each with a random
 * client workload and a random fault schedule drawn from that seed, checks
 * every run, prints how many seeds broke which guarantee, and writes the
 * first failing seeds as self-contained scenario files that `splitbrain
 * run` reproduces exactly. Headless: no terminal needed.
 */
#ifndef SPLITBRAIN_EXPLORE_H
#define SPLITBRAIN_EXPLORE_H

int explore_main(int argc, char **argv);

#endif
