#include "pick.h"

#include <stdio.h>

#include "../engine/net.h"
#include "keys.h"

/* The messages in flight the learner can pick, in the order Tab visits them: the soonest to
 * arrive first (ties by id). Dropped ones are already lost. Returns how many. */
static int pick_list(const struct engine *e, uint64_t *ids, int max)
{
    const struct net *net = engine_net(e);
    int64_t due[PICK_MAX];
    int n = 0;

    if (max > PICK_MAX)
        max = PICK_MAX;
    for (int s = 0; s < net_slots(net) && n < max; s++) {
        const struct msg *m = net_slot(net, s);
        int i;
        if (!m || m->fate == NET_DROP)
            continue;
        for (i = n; i > 0 && (due[i - 1] > m->deliver_us ||
                              (due[i - 1] == m->deliver_us && ids[i - 1] > m->id));
             i--) {
            due[i] = due[i - 1];
            ids[i] = ids[i - 1];
        }
        due[i] = m->deliver_us;
        ids[i] = m->id;
        n++;
    }
    return n;
}

void pick_move(struct pick *p, const struct engine *e, int dir)
{
    uint64_t ids[PICK_MAX];
    int n = pick_list(e, ids, PICK_MAX), at = -1;

    for (int i = 0; i < n; i++)
        if (ids[i] == p->id)
            at = i;
    if (n == 0)
        p->id = 0;
    else if (at < 0)
        p->id = ids[0];
    else
        p->id = ids[((at + dir) % n + n) % n];
}

/* d, + and D: the command for the picked message. */
static enum pick_result pick_act(const struct pick *p, const char *verb, const char *arg,
                                 char *line, size_t size)
{
    if (!p->id)
        return PICK_EMPTY;
    snprintf(line, size, "%s %llu%s%s", verb, (unsigned long long)p->id, arg ? " " : "",
             arg ? arg : "");
    return PICK_RUN;
}

enum pick_result pick_key(struct pick *p, int k, bool paused, const struct engine *e, char *line,
                          size_t size)
{
    if (!p->on)
        return PICK_PASS;
    if (!paused) {
        p->on = false; /* running again: the mode is over */
        return PICK_PASS;
    }
    switch (k) {
    case KEYS_TAB:
    case KEYS_RIGHT:
    case KEYS_DOWN:
    case 'j':
    case 'l':
        pick_move(p, e, 1);
        return PICK_MOVED;
    case KEYS_LEFT:
    case KEYS_UP:
    case 'k':
    case 'h':
        pick_move(p, e, -1);
        return PICK_MOVED;
    case 'd':
        return pick_act(p, "deliver", NULL, line, size);
    case '+':
    case '>':
        return pick_act(p, "delay", PICK_DELAY, line, size);
    case 'D':
        return pick_act(p, "drop", NULL, line, size);
    case KEYS_ESC:
    case 'q':
    case 'm':
        p->on = false;
        return PICK_LEFT;
    default:
        return PICK_PASS;
    }
}
