/* check: what the checkers share, and the ops' outcomes (check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_int.h"
#include "engine.h"
#include "model.h"
#include "strmap.h"
#include "util.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t pct(const int64_t *v, int n, int p)
{
    int i;

    if (n == 0)
        return 0;
    i = (n * p + 99) / 100 - 1;
    if (i < 0)
        i = 0;
    return v[i];
}

void check_availability(const struct history *h, struct check_avail *out)
{
    size_t total = history_count(h);
    int64_t *lat = xmalloc((total + 1) * sizeof(*lat));
    int n = 0;

    memset(out, 0, sizeof(*out));
    for (uint64_t id = 1; id <= total; id++) {
        const struct op *op = history_at(h, id);
        out->ops++;
        switch (op->status) {
        case OP_OK:
            out->ok++;
            lat[n++] = op->complete_us - op->invoke_us;
            break;
        case OP_FAIL:
            out->failed++;
            break;
        case OP_TIMEOUT:
            out->timed_out++;
            break;
        case OP_PENDING:
            out->pending++;
            break;
        }
    }
    qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
    out->p50_us = pct(lat, n, 50);
    out->p95_us = pct(lat, n, 95);
    out->p99_us = pct(lat, n, 99);
    out->max_us = n ? lat[n - 1] : 0;
    free(lat);
}

const char *check_verdict_name(enum check_verdict v)
{
    switch (v) {
    case CHECK_OK:
        return "ok";
    case CHECK_VIOLATED:
        return "violated";
    case CHECK_UNKNOWN:
        return "unknown";
    case CHECK_NA:
        return "n/a";
    }
    return "?";
}

int check_severity(enum check_verdict v)
{
    switch (v) {
    case CHECK_NA:
        return 0;
    case CHECK_OK:
        return 1;
    case CHECK_UNKNOWN:
        return 2;
    case CHECK_VIOLATED:
        return 3;
    }
    return 0;
}
