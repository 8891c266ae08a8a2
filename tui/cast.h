/*
 * cast: --cast FILE, the frames the screen draws appended to an asciicast v2 recording. The
 * first frame is written whole, each later one as what changed since the last written (the
 * grid's own encoder, grid.h), stamped with the wall seconds since the recording began, in the
 * colours of the theme's table (theme.h). At most ten frames a second are kept: a frame that
 * comes sooner is held back, and the caller draws again CAST_FRAME_MS later so the last state
 * before a pause is never lost. A demo's beats become markers a player can jump to.
 */
#ifndef SPLITBRAIN_CAST_H
#define SPLITBRAIN_CAST_H

#include <stdbool.h>

#include "grid.h"

#define CAST_FRAME_MS 100 /* --cast keeps at most ten frames a second */
#define CAST_IDLE_S   2.0 /* a player shortens a recording's longer pauses to this */

struct cast;

/* Creates path and writes the header for a w x h screen; NULL (with a message on stderr) when it
 * cannot. Borrows path, which must outlive the cast. */
struct cast *cast_open(const char *path, int w, int h);
/* Appends what changed in g since the frame last written (nothing when nothing did). Returns
 * true when the frame came too soon after the last and was held back: draw again
 * CAST_FRAME_MS later. */
bool cast_write(struct cast *c, const struct grid *g);
/* A marker in the recording (a demo's beat), so a player can jump to it. */
void cast_marker(struct cast *c, const char *label);
/* Closes the recording and frees c; false when any frame of it failed to be written. NULL is a
 * no-op that returns true. */
bool cast_close(struct cast *c);

#endif
