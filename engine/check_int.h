/*
 * check_int: what the checker's files share and no caller outside them needs.
 */
#ifndef SPLITBRAIN_CHECK_INT_H
#define SPLITBRAIN_CHECK_INT_H

#include "check.h"

/*
 * Linearizability of m ops of one key (a register), given in id order, from a register that
 * holds init before the first of them (NULL: nil, nothing written yet). Borrows ops.
 */
void check_lin_window(const struct op *const *ops, int m, const char *key, const char *init,
                      long budget, struct check_lin *out);

/* How bad a verdict is, for picking the worst key: n/a < ok < unknown < violated. (check.c) */
int check_severity(enum check_verdict v);

#endif
