#include "node.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void node_init(struct node *n)
{
    memset(n, 0, sizeof(*n));
    n->state = NODE_UP;
    n->paused_until = -1;
}

void node_release(struct node *n)
{
    free(n->parked);
    n->parked = NULL;
    n->n_parked = n->cap_parked = 0;
}

void node_park(struct node *n, const struct sim_event *ev)
{
    if (n->n_parked == n->cap_parked) {
        n->cap_parked = n->cap_parked ? n->cap_parked * 2 : 16;
        n->parked = xrealloc(n->parked, n->cap_parked * sizeof(*n->parked));
    }
    n->parked[n->n_parked++] = *ev;
}

void node_drop_parked(struct node *n)
{
    n->n_parked = 0;
}

const char *node_state_name(enum node_state s)
{
    switch (s) {
    case NODE_UP:
        return "up";
    case NODE_CRASHED:
        return "crashed";
    case NODE_PAUSED:
        return "paused";
    }
    return "?";
}
