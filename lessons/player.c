#include "player.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/util.h"

void player_init(struct player *p, bool demo)
{
    memset(p, 0, sizeof(*p));
    p->demo = demo;
}

void player_release(struct player *p)
{
    script_release(&p->script);
    free(p->snaps);
    free(p->beats);
    p->snaps = NULL;
    p->beats = NULL;
}

int player_load(struct player *p, const char *file, const char *text, size_t len,
                struct script_env *env, struct script_error *err)
{
    if (script_parse_text(file, text, len, env, &p->script, err) < 0)
        return -1;
    p->snaps = xcalloc((size_t)p->script.n + 1, sizeof(*p->snaps));
    p->beats = xcalloc((size_t)p->script.n + 1, sizeof(*p->beats));
    return 0;
}

/* What comes next, for the status bar. */
static void set_next(struct player *p)
{
    char t[32];

    if (p->pc >= p->script.n) {
        snprintf(p->next, sizeof(p->next), "end of scenario");
        return;
    }
    if (p->wait == PLAYER_WAIT_TIME) {
        util_fmt_time(t, sizeof(t), p->wait_until);
        snprintf(p->next, sizeof(p->next), "at %s: %s", t, p->script.cmds[p->pc].text);
    } else if (p->wait == PLAYER_WAIT_QUIET) {
        snprintf(p->next, sizeof(p->next), "when quiet: %s", p->script.cmds[p->pc].text);
    } else if (p->wait == PLAYER_WAIT_BEAT) {
        snprintf(p->next, sizeof(p->next), "beat %d: Space goes on, then %s", p->n_beats,
                 p->script.cmds[p->pc].text);
    } else {
        snprintf(p->next, sizeof(p->next), "%s", p->script.cmds[p->pc].text);
    }
}

void player_snap(struct player *p, int64_t now_us)
{
    struct player_snap *sn;

    if (!p->snaps)
        return;
    sn = &p->snaps[p->n_snaps < p->script.n + 1 ? p->n_snaps++ : p->script.n];
    sn->t_us = now_us;
    sn->pc = p->pc;
    sn->wait = p->wait;
    sn->wait_until = p->wait_until;
}

const struct script_cmd *player_next(struct player *p, const struct engine *e)
{
    while (p->pc < p->script.n) {
        const struct script_cmd *c = &p->script.cmds[p->pc];
        int64_t now = engine_now(e);
        p->pc++;
        if (c->kind == CMD_RUN) {
            p->wait = PLAYER_WAIT_TIME;
            p->wait_until = now + c->dur_us;
            set_next(p);
            return NULL;
        }
        if (c->kind == CMD_RUN_UNTIL) {
            p->wait = PLAYER_WAIT_TIME;
            p->wait_until = c->dur_us > now ? c->dur_us : now;
            set_next(p);
            return NULL;
        }
        if (c->kind == CMD_RUN_QUIET) {
            p->wait = PLAYER_WAIT_QUIET;
            p->wait_until = now + engine_param_num(e, EP_QUIET_MAX);
            set_next(p);
            return NULL;
        }
        /* Everything else (a step too) happens at this instant. */
        return c;
    }
    p->wait = PLAYER_WAIT_NONE;
    set_next(p);
    return NULL;
}

bool player_ran(struct player *p, const struct script_cmd *c, const struct engine *e, int journal_n)
{
    struct player_beat *b;

    if (c->kind == CMD_SAY)
        snprintf(p->caption, sizeof(p->caption), "%s", c->words);
    if (c->kind != CMD_BEAT || !p->demo)
        return false;
    /* A demo reached a `beat`: it waits, and remembers the moment for going back. */
    p->wait = PLAYER_WAIT_BEAT;
    if (p->beats && p->n_beats < p->script.n + 1) {
        b = &p->beats[p->n_beats++];
        b->t_us = engine_now(e);
        b->journal_n = journal_n;
        b->pc = p->pc;
        snprintf(b->caption, sizeof(b->caption), "%s", p->caption);
    }
    set_next(p);
    return true;
}

bool player_wait_over(const struct player *p, const struct engine *e)
{
    switch (p->wait) {
    case PLAYER_WAIT_NONE:
        return false;
    case PLAYER_WAIT_TIME:
        return engine_now(e) >= p->wait_until;
    case PLAYER_WAIT_QUIET:
        return engine_quiet(e) || engine_now(e) >= p->wait_until;
    case PLAYER_WAIT_BEAT:
        return false;
    }
    return false;
}

void player_travel(struct player *p, int64_t t_us, bool to_head)
{
    for (int i = p->n_snaps - 1; i >= 0; i--) {
        if (to_head || p->snaps[i].t_us < t_us || p->snaps[i].t_us == 0) {
            p->pc = p->snaps[i].pc;
            p->wait = p->snaps[i].wait;
            p->wait_until = p->snaps[i].wait_until;
            set_next(p);
            break;
        }
    }
}

void player_fork(struct player *p, int64_t now_us)
{
    while (p->n_snaps > 1 && p->snaps[p->n_snaps - 1].t_us > now_us)
        p->n_snaps--;
}

bool player_stop(struct player *p)
{
    if (p->pc >= p->script.n)
        return false;
    p->pc = p->script.n;
    p->wait = PLAYER_WAIT_NONE;
    p->next[0] = '\0';
    return true;
}

const struct player_beat *player_beat_back(const struct player *p)
{
    int target = p->wait == PLAYER_WAIT_BEAT ? p->n_beats - 2 : p->n_beats - 1;

    return target < 0 ? NULL : &p->beats[target];
}

void player_at_beat(struct player *p, const struct player_beat *b)
{
    int target = (int)(b - p->beats);

    p->pc = b->pc;
    p->wait = PLAYER_WAIT_BEAT;
    p->n_beats = target + 1;
    snprintf(p->caption, sizeof(p->caption), "%s", b->caption);
    set_next(p);
}
