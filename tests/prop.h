/*
 * prop: how many seeds a property run covers. `make test` uses the suite's
 * default; `make soak` sets SPLITBRAIN_SEEDS much higher for a long sweep.
 */
#ifndef SPLITBRAIN_TESTS_PROP_H
#define SPLITBRAIN_TESTS_PROP_H

#include <stdlib.h>

static inline int prop_seeds(int dflt)
{
    const char *s = getenv("SPLITBRAIN_SEEDS");
    int n = s ? atoi(s) : 0;

    return n > 0 ? n : dflt;
}

#endif
