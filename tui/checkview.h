/*
 * checkview: `splitbrain check FILE --view`, a history in the screen — a
 * lane per process, each op a bar from its invocation to its completion, the
 * window of a violation highlighted, the order the checker found marked,
 * scrollable and zoomable by time.
 */
#ifndef SPLITBRAIN_CHECKVIEW_H
#define SPLITBRAIN_CHECKVIEW_H

#include <stdbool.h>

#include "../engine/check.h"

/* Runs until the user quits; borrows everything. 0, or -1 when there is no terminal. */
int checkview_run(const char *file, const struct check_hist *h, enum check_model model,
                  const struct check_hresult *res, bool ascii);

#endif
