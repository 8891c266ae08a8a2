/* check_summary: every checker of a run at once, for every caller (see check.h). */
#include <string.h>

#include "check.h"
#include "engine.h"

void check_summary_run(const struct engine *e, const struct check_recorder *rec, long budget,
                       unsigned parts, struct check_summary *out)
{
    const struct history *h = engine_history(e);

    memset(out, 0, sizeof(*out));
    if (!rec)
        parts &= ~(unsigned)(CHECK_PART_SPLIT | CHECK_PART_CONVERGE | CHECK_PART_DETECT);
    out->ran = parts;
    out->lin = CHECK_NA;
    if (parts & CHECK_PART_LIN)
        out->lin = check_linearizable(h, budget, &out->lin_first);
    if (parts & CHECK_PART_LOST)
        check_lost_writes(e, rec, &out->lost);
    if (parts & CHECK_PART_DUP)
        check_duplicates(e, &out->dup);
    if (parts & CHECK_PART_ZOMBIE)
        check_resurrections(h, &out->zombie);
    if (parts & CHECK_PART_SPLIT)
        check_split_brain(rec, h, &out->split);
    if (parts & CHECK_PART_SESSIONS)
        check_sessions(h, &out->sess);
    if (parts & CHECK_PART_CONVERGE)
        check_convergence(e, rec, &out->conv);
    if (parts & CHECK_PART_DETECT)
        check_detection(rec, &out->detect);
    if (parts & CHECK_PART_AVAIL)
        check_availability(h, &out->av);
    out->last_fault_us = rec ? rec->last_fault_us : 0;
}

int check_summary_sessions(const struct check_summary *s)
{
    return s->sess.ryw + s->sess.monotonic + s->sess.prefix;
}
