#include "cast.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../engine/util.h"
#include "theme.h"

struct cast {
    const char *path;
    FILE *f;
    struct timespec t0;
    char sgr[ST_COUNT][48]; /* each style as an SGR sequence (theme.h) */
    const char *sgr_of[ST_COUNT];
    struct grid *prev; /* the frame last written: the next writes only what changed */
    double last_t;     /* when it was written (seconds into the recording) */
};

struct cast *cast_open(const char *path, int w, int h)
{
    struct cast *c;
    char hdr[160];
    FILE *f = fopen(path, "w");

    if (!f) {
        fprintf(stderr, "splitbrain: --cast %s: cannot write it\n", path);
        return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    c->path = path;
    c->f = f;
    for (int s = 0; s < ST_COUNT; s++) {
        theme_sgr((enum draw_style)s, c->sgr[s], sizeof(c->sgr[s]));
        c->sgr_of[s] = c->sgr[s];
    }
    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    grid_cast_header(w, h, (long long)time(NULL), CAST_IDLE_S, hdr, sizeof(hdr));
    fputs(hdr, c->f);
    fflush(c->f);
    return c;
}

/* Seconds since the recording began. */
static double cast_time(const struct cast *c)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - c->t0.tv_sec) + (double)(now.tv_nsec - c->t0.tv_nsec) / 1e9;
}

bool cast_write(struct cast *c, const struct grid *g)
{
    double t;
    size_t n;
    char *buf;

    if (!c)
        return false;
    t = cast_time(c);
    if (c->prev && t - c->last_t < CAST_FRAME_MS / 1000.0)
        return true; /* ten frames a second are plenty for a recording: this one waits */
    c->last_t = t;
    n = grid_cast_diff(g, c->prev, t, c->sgr_of, ST_COUNT, NULL, 0);
    if (n == 0)
        return false;
    buf = xmalloc(n + 1);
    grid_cast_diff(g, c->prev, t, c->sgr_of, ST_COUNT, buf, n + 1);
    fwrite(buf, 1, n, c->f);
    fflush(c->f);
    free(buf);
    if (!c->prev)
        c->prev = grid_create(grid_width(g), grid_height(g), false);
    grid_copy(c->prev, g);
    return false;
}

void cast_marker(struct cast *c, const char *label)
{
    char buf[256];

    if (!c)
        return;
    grid_cast_marker(cast_time(c), label, buf, sizeof(buf));
    fputs(buf, c->f);
    fflush(c->f);
}

bool cast_close(struct cast *c)
{
    bool ok;

    if (!c)
        return true;
    ok = !ferror(c->f);
    if (fclose(c->f) != 0)
        ok = false;
    grid_destroy(c->prev);
    free(c);
    return ok;
}
