#include "app.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/script.h"
#include "../engine/util.h"
#include "draw.h"
#include "grid.h"
#include "../lessons/player.h"
#include "../lessons/runner.h"
#include "cmdline.h"
#include "flash.h"
#include "speed.h"
#include "headless.h"
#include "keys.h"
#include "lesson_input.h"
#include "menu.h"
#include "pick.h"
#include "scrub.h"
#include "term.h"
#include "timeline.h"
#include "sandbox.h"
#include "lesson_life.h"
#include "sandbox_clock.h"
#include "command.h"

/* ---- the clock: the frame timer (sandbox_clock.c moves the time) ---- */

static void frame_cb(uv_timer_t *h)
{
    struct app *a = h->data;
    uint64_t now, dt_ns;
    int64_t owed;

    /* Keys first: whatever the frame's work costs, what the user pressed is answered now. */
    tloop_read(&a->keys);
    if (a->quit || a->paused)
        return;
    now = uv_hrtime();
    dt_ns = now - a->last_ns;
    a->last_ns = now;
    if (dt_ns > (uint64_t)APP_MAX_STEP_MS * 1000000u)
        dt_ns = (uint64_t)APP_MAX_STEP_MS * 1000000u;
    /* virtual us = wall ns * (virtual us per wall s) / 1e9; the remainder is carried over. */
    owed = (int64_t)dt_ns * (speed_at(a->speed)->vus_per_s / 1000) + a->carry;
    a->carry = owed % 1000000;
    /* A quiz freezes the run: predict first, then watch. */
    if (a->runner && lesson_runner_phase(a->runner) == RUNNER_QUIZ) {
        a->pace.rate_t0_ns = 0;
        return;
    }
    advance(a, owed / 1000000);
    measure_rate(a, uv_hrtime());
    if (a->paused)
        return; /* the lesson paused on its spotlight or its gate */
    lesson_poll(a);
    a->dirty = true;
}

void app_set_paused(struct app *a, bool paused)
{
    a->paused = paused;
    if (!paused)
        a->lesson_hold = false;
    if (paused && a->frame_on) {
        uv_timer_stop(&a->frame);
        a->frame_on = false;
    } else if (!paused && !a->frame_on) {
        fork_future(a);
        a->last_ns = uv_hrtime();
        a->carry = 0;
        a->pace.rate_t0_ns = 0; /* a fresh window: the pause owed nothing */
        a->pace.behind = false;
        uv_timer_start(&a->frame, frame_cb, APP_FRAME_MS, APP_FRAME_MS);
        a->frame_on = true;
    }
    a->dirty = true;
}

/* ---- adversary mode and the scrubber ---- */

/* Adversary mode's keys (pick.c); false for a key it leaves to the rest of the sandbox. */
static bool pick_keys(struct app *a, int k)
{
    char line[64];

    switch (pick_key(&a->pick, k, a->paused, eng(a), line, sizeof(line))) {
    case PICK_PASS:
        return false;
    case PICK_MOVED:
        a->msg[0] = '\0';
        return true;
    case PICK_EMPTY:
        set_msg(a, true, "no message in flight to pick: . steps on, Esc leaves");
        return true;
    case PICK_RUN:
        /* Through the command line's path, so it is journalled and a rewind replays it. */
        if (exec_line(a, line) == 0 && strncmp(line, "drop ", 5) == 0)
            pick_move(&a->pick, eng(a), 1); /* it is lost: pick the next */
        track_head(a);
        return true;
    case PICK_LEFT:
        set_msg(a, false, "Back to the network's own choices: Space runs on");
        return true;
    }
    return false;
}

/* The scrubber's keys (scrub.c); false when it is closed. */
static bool scrub_keys(struct app *a, int k)
{
    switch (scrub_key(&a->scrub, k, scrub_head(a))) {
    case SCRUB_PASS:
        return false;
    case SCRUB_TAKEN:
        return true;
    case SCRUB_TRAVEL:
        travel(a, a->scrub.us);
        return true;
    case SCRUB_LEFT:
        a->msg[0] = '\0';
        return true;
    }
    return false;
}

/* ---- keys ---- */

/* K and Z: kill or restart, pause or resume the selected node (act is KA_KILL or
 * KA_PAUSE_NODE). */
static void node_act(struct app *a, enum key_action act)
{
    struct engine_node en;
    char line[64];
    int n = a->selected + 1;

    if (engine_node(eng(a), a->selected, &en) < 0)
        return;
    if (act == KA_KILL) {
        snprintf(line, sizeof(line), "%s n%d", en.state == NODE_CRASHED ? "restart" : "kill", n);
    } else if (act == KA_PAUSE_NODE) {
        if (en.state == NODE_CRASHED) {
            set_msg(a, true, "n%d is down: K restarts it", n);
            return;
        }
        snprintf(line, sizeof(line), "%s n%d", en.state == NODE_PAUSED ? "resume" : "pause", n);
    } else {
        return;
    }
    exec_line(a, line);
}

/* ---- lesson keys ---- */

static void top_key(struct app *a, int k);

/* A key while the context menu is open: an item chosen runs as its key at the top level. */
static void menu_keys(struct app *a, int k)
{
    int run = 0;

    switch (menu_key(&a->menu, k, &run)) {
    case MENU_KEPT:
        break;
    case MENU_UNKNOWN:
        set_msg(a, false, "Not in the menu: pick one of its keys, or Esc");
        break;
    case MENU_RUN:
        top_key(a, run);
        break;
    }
    a->dirty = true;
}

/* n / N: the next line back (dir -1) or forward (+1) in the whole event log that holds the
 * filter text (or the text searched for last), scrolled to and marked. */
static void search_jump(struct app *a, int dir)
{
    int n = draw_log_count(a->log), from;

    if (a->filter[0]) {
        snprintf(a->search, sizeof(a->search), "%s", a->filter);
        a->filter[0] = '\0'; /* the search walks the unfiltered log */
    }
    if (!a->search[0]) {
        set_msg(a, true, "Nothing to search for: / types the text, then n and N find it");
        return;
    }
    from = a->log_mark > 0 && a->log_mark <= n ? a->log_mark - 1 : n - a->log_scroll;
    for (int i = from + dir; i >= 0 && i < n; i += dir) {
        int st;
        if (!strstr(draw_log_line(a->log, i, &st), a->search))
            continue;
        a->log_mark = i + 1;
        a->log_scroll = n - 1 - i;
        set_msg(a, false, "'%s': line %d of %d; n older, N newer, Esc follows the log again",
                a->search, i + 1, n);
        return;
    }
    set_msg(a, true, "no %s line with '%s'", dir < 0 ? "older" : "newer", a->search);
}

/* o / O: the op before or after the selected one (from the latest when none is); the quorum
 * view shows it. */
static void op_move(struct app *a, int dir)
{
    size_t n = history_count(engine_history(eng(a)));

    if (n == 0) {
        set_msg(a, true, "No ops yet: w writes, g reads");
        return;
    }
    if (a->op_sel == 0 || a->op_sel > n)
        a->op_sel = dir < 0 ? n : 1;
    else if (dir < 0 && a->op_sel > 1)
        a->op_sel--;
    else if (dir > 0 && a->op_sel < n)
        a->op_sel++;
    set_msg(a, false, "op %zu of %zu selected: o older, O newer, Esc follows the latest", a->op_sel,
            n);
}

/* v: the selected node's link to the next other node in turn, then none again. */
static void link_next(struct app *a)
{
    int n = engine_nodes(eng(a)), o = a->link_to > 0 ? a->link_to - 1 : a->selected;

    if (n < 2)
        return;
    o = (o + 1) % n;
    if (o == a->selected) {
        a->link_to = 0;
        set_msg(a, false, "No link selected: v picks one of n%d's links", a->selected + 1);
        return;
    }
    a->link_to = o + 1;
    set_msg(a, false, "Link n%d-n%d selected: C cuts or mends it, v the next, Esc none",
            a->selected + 1, o + 1);
}

/* ---- a demo: beats and the presenter's keys ---- */

/* The presenter's keys (what clickers send); true when the key was taken. Right, PageDown and
 * Space go to the next beat, even from the middle of one; Left and PageUp go back; p pauses. */
static bool demo_key(struct app *a, int k)
{
    if (!a->pl.demo)
        return false;
    if (k == KEYS_LEFT || k == KEYS_PGUP) {
        demo_back(a);
        return true;
    }
    if (k != ' ' && k != KEYS_RIGHT && k != KEYS_PGDN)
        return false;
    if (a->pl.wait == PLAYER_WAIT_NONE) {
        set_msg(a, false, "The demo has ended: Left goes back a beat, q quits");
        return true;
    }
    if (a->pl.wait != PLAYER_WAIT_BEAT) {
        /* Mid-beat: finish it at once, and stop at the next beat. */
        demo_finish_beat(a);
        if (a->pl.wait == PLAYER_WAIT_BEAT)
            set_msg(a, false, "Beat %d: the rest of the last one played at once", a->pl.n_beats);
        else
            set_msg(a, false, "The demo has ended: Left goes back a beat, q quits");
        app_set_paused(a, true);
        lesson_poll(a);
        return true;
    }
    a->pl.wait = PLAYER_WAIT_NONE;
    a->msg[0] = '\0';
    pump(a);
    if (a->pl.wait != PLAYER_WAIT_BEAT)
        app_set_paused(a, false);
    return true;
}

/* C: cut or mend the selected node's link to the next node (or the one chosen with v). */
static void cut_key(struct app *a)
{
    char line[96];
    int n = engine_nodes(eng(a)), other = (a->selected + 1) % n;
    bool cut = !net_reachable(engine_net(eng(a)), a->selected, other);

    if (n < 2)
        return;
    if (a->link_to > 0 && a->link_to <= n && a->link_to - 1 != a->selected) {
        /* The link chosen with v: cut or mend it at once, through the command language. */
        other = a->link_to - 1;
        cut = !net_reachable(engine_net(eng(a)), a->selected, other) ||
              !net_reachable(engine_net(eng(a)), other, a->selected);
        snprintf(line, sizeof(line), "%s n%d n%d", cut ? "mend" : "cut", a->selected + 1,
                 other + 1);
        exec_line(a, line);
        return;
    }
    snprintf(line, sizeof(line), "%s n%d n%d", cut ? "mend" : "cut", a->selected + 1, other + 1);
    cmd_open(a, line);
    set_msg(a, false, "Enter %s the link; change the second node first if you like",
            cut ? "mends" : "cuts");
}

/* X, S, w, g: the command for the selected node, on the command line to edit before Enter. */
static void prompt_key(struct app *a, enum key_action act)
{
    char line[96], rest[64] = "";
    int n = engine_nodes(eng(a)), sel = a->selected + 1;

    if (act == KA_PARTITION) {
        for (int i = 0; i < n; i++)
            if (i != a->selected)
                snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest), " n%d", i + 1);
        if (n < 2)
            return;
        snprintf(line, sizeof(line), "partition n%d |%s", sel, rest);
        cmd_open(a, line);
        set_msg(a, false, "Enter splits the cluster; move nodes across the | first if you like");
    } else if (act == KA_SKEW) {
        snprintf(line, sizeof(line), "skew n%d +100ms", sel);
        cmd_open(a, line);
        set_msg(a, false, "Enter jumps n%d's clock; edit the amount (like -2s) first if you like",
                sel);
    } else if (act == KA_WRITE) {
        snprintf(line, sizeof(line), "put x %d via n%d", ++a->writes, sel);
        cmd_open(a, line);
        set_msg(a, false, "Enter writes through n%d; edit the key or value first if you like", sel);
    } else if (act == KA_READ) {
        snprintf(line, sizeof(line), "get x via n%d", sel);
        cmd_open(a, line);
        set_msg(a, false, "Enter reads through n%d", sel);
    }
}

/* PgUp, PgDn, Home, End and the wheel: the timeline when it shows, else the event log. */
static void scroll_key(struct app *a, enum key_action act)
{
    int d;

    if (act == KA_OLDEST || act == KA_NEWEST) {
        /* Home / End on the map: the event log's oldest line held, or back to the newest. */
        a->log_scroll = act == KA_OLDEST ? draw_log_count(a->log) : 0;
        return;
    }
    if (act == KA_OLDER || act == KA_NEWER) {
        if (!a->tl_on) {
            /* On the map, they scroll the event log back through what it holds. */
            a->log_scroll += act == KA_OLDER ? APP_TL_PAGE : -APP_TL_PAGE;
            if (a->log_scroll < 0)
                a->log_scroll = 0;
            if (a->log_scroll > draw_log_count(a->log))
                a->log_scroll = draw_log_count(a->log);
            return;
        }
        a->tl_scroll += act == KA_OLDER ? APP_TL_PAGE : -APP_TL_PAGE;
        if (a->tl_scroll < 0)
            a->tl_scroll = 0;
        return;
    }
    d = act == KA_WHEEL_UP ? APP_WHEEL : -APP_WHEEL;
    if (a->tl_on) {
        a->tl_scroll = a->tl_scroll + d < 0 ? 0 : a->tl_scroll + d;
    } else {
        a->log_scroll += d;
        if (a->log_scroll < 0)
            a->log_scroll = 0;
        if (a->log_scroll > draw_log_count(a->log))
            a->log_scroll = draw_log_count(a->log);
    }
}

/* c and t: the clock view and the timeline, each in and out of the map. */
static void view_key(struct app *a, enum key_action act)
{
    if (act == KA_CLOCKS) {
        a->clocks_on = !a->clocks_on;
        a->tl_on = false;
        if (a->clocks_on)
            set_msg(a, false,
                    "Clocks: each node's wall clock against true time; S skews the "
                    "selected one, :ntp n2 resyncs, c goes back to the map");
        return;
    }
    a->clocks_on = false;
    a->tl_on = !a->tl_on;
    a->tl_scroll = 0;
    if (a->tl_on)
        set_msg(a, false,
                "Timeline: a lane per node, time runs down; PgUp/Up scroll back, "
                "t goes back to the map");
}

/* W: the background workload on or off, through the command language. */
static void workload_key(struct app *a)
{
    if (engine_workload_on(eng(a)))
        exec_line(a, "workload off");
    else
        exec_line(a, workload_line(a));
    if (!a->msg_error)
        set_msg(a, false, "%s",
                engine_workload_on(eng(a)) ? "Background workload on: W (or :workload off) stops it"
                                           : "Background workload off: W starts it again");
}

/* m and T: adversary mode and the scrubber start paused, and hold the keys until they end. */
static void mode_key(struct app *a, enum key_action act)
{
    app_set_paused(a, true);
    a->msg[0] = '\0';
    if (act == KA_PICK_MSG) {
        a->tl_on = false;
        a->clocks_on = false;
        a->pick.on = true;
        pick_move(&a->pick, eng(a), 0);
        return;
    }
    track_head(a);
    a->scrub.on = true;
    a->scrub.us = engine_now(eng(a));
}

static void act_key(struct app *a, int k, enum key_action act);

/*
 * A key at the top level: first the modes that hold the keys (a resize and a click, the menu,
 * the help overlay, the scrubber, adversary mode, a demo's presenter keys, the lesson pane, the
 * timeline's arrows, Esc clearing what is marked), then the action the key map binds it to.
 */
static void top_key(struct app *a, int k)
{
    enum key_action act = keys_lookup(k);

    if (k == KEYS_RESIZE) {
        term_resize(a->term);
        a->dirty = true;
        return;
    }
    if (k == KEYS_CLICK) {
        int x, y, node;
        term_click(a->term, &x, &y);
        node = draw_node_at(eng(a), grid_width(a->grid), grid_height(a->grid), a->runner != NULL,
                            a->present, x, y);
        if (node >= 0 && !a->help)
            a->selected = node;
        a->menu.open = false; /* its items were for the node selected before */
        a->dirty = true;
        return;
    }
    if (a->menu.open) {
        menu_keys(a, k);
        return;
    }
    if (a->help) {
        if (act == KA_QUIT)
            a->quit = true;
        else if (act == KA_CLOSE || act == KA_HELP || k == KEYS_ESC)
            a->help = false;
        a->dirty = true;
        return;
    }
    if (scrub_keys(a, k) || pick_keys(a, k) || demo_key(a, k)) {
        a->dirty = true;
        return;
    }
    if (lesson_input_key(&a->li, k, act, a->lesson_hold && a->paused, a->paused)) {
        a->dirty = true;
        return;
    }
    if (a->tl_on && (k == KEYS_UP || k == KEYS_DOWN || k == KEYS_HOME || k == KEYS_END)) {
        /* In the timeline the arrows scroll; Home goes to the oldest row kept, End to now. */
        a->tl_scroll = k == KEYS_UP     ? a->tl_scroll + 1
                       : k == KEYS_DOWN ? a->tl_scroll - 1
                       : k == KEYS_HOME ? 2 * TIMELINE_MAX
                                        : 0;
        if (a->tl_scroll < 0)
            a->tl_scroll = 0;
        a->dirty = true;
        return;
    }
    if (k == KEYS_ESC && (a->msg[0] || a->filter[0] || a->log_mark || a->op_sel || a->link_to)) {
        if (a->log_mark)
            a->log_scroll = 0; /* the log follows the newest lines again */
        a->msg[0] = '\0';
        a->filter[0] = '\0';
        a->log_mark = 0;
        a->op_sel = 0; /* the quorum view follows the latest op again */
        a->link_to = 0;
        a->dirty = true;
        return;
    }
    act_key(a, k, act);
}

/*
 * The action a key is bound to (keys.h), when no mode held the key. It is long because it is a
 * table: one case per action of the key map, each a line or a call, with no default, so
 * -Wswitch-enum names an action added to keys.h and forgotten here.
 */
static void act_key(struct app *a, int k, enum key_action act)
{
    int n = engine_nodes(eng(a));

    switch (act) {
    case KA_NONE:
        break;
    case KA_HELP:
        a->help = true;
        break;
    case KA_CLOSE:
    case KA_QUIT:
        a->quit = true;
        break;
    case KA_COMMAND:
        cmd_open(a, "");
        break;
    case KA_SEARCH:
        cmd_open(a, ""); /* a fresh pattern: the old one is not edited into the new */
        a->cl.searching = true;
        set_msg(a, false, "Type to filter the event log; Enter keeps the filter, Esc drops it");
        break;
    case KA_RUN:
        app_set_paused(a, !a->paused);
        break;
    case KA_STEP:
        app_set_paused(a, true);
        step_one(a);
        break;
    case KA_SLOWER:
    case KA_FASTER:
    case KA_NORMAL_SPEED:
        a->speed = speed_key(act, a->speed, a->present ? a->speed_present : a->speed_default);
        break;
    case KA_PREV_NODE:
    case KA_NEXT_NODE:
    case KA_JUMP_NODE:
        a->link_to = 0;
        if (keys_select(act, k, n, &a->selected) == KEYS_SELECT_MISSING)
            set_msg(a, true, "there is no n%d: this cluster has %d nodes", k - '0', n);
        break;
    case KA_KILL:
    case KA_PAUSE_NODE:
        node_act(a, act);
        break;
    case KA_HEAL:
        exec_line(a, "heal");
        break;
    case KA_CUT:
        cut_key(a);
        break;
    case KA_PARTITION:
    case KA_SKEW:
    case KA_WRITE:
    case KA_READ:
        prompt_key(a, act);
        break;
    case KA_REDRAW:
        term_invalidate(a->term);
        break;
    case KA_BACK:
        travel(a, engine_now(eng(a)) - speed_at(a->speed)->vus_per_s);
        break;
    case KA_FORWARD:
        if (a->travel.rewound_n < 0)
            set_msg(a, false, "This is the present: Space runs on, . steps");
        else
            travel(a, engine_now(eng(a)) + speed_at(a->speed)->vus_per_s);
        break;
    case KA_HINT:
    case KA_RESET_STEP:
    case KA_STEP_BACK:
    case KA_STEP_NEXT:
    case KA_LESSONS:
    case KA_SHOW_ME:
        break; /* lesson_input_key took them */
    case KA_MENU:
        menu_open(&a->menu, eng(a), a->selected);
        break;
    case KA_CLOCKS:
    case KA_TIMELINE:
        view_key(a, act);
        break;
    case KA_OLDER:
    case KA_NEWER:
    case KA_OLDEST:
    case KA_NEWEST:
    case KA_WHEEL_UP:
    case KA_WHEEL_DOWN:
        scroll_key(a, act);
        break;
    case KA_SEARCH_NEXT:
    case KA_SEARCH_PREV:
        search_jump(a, act == KA_SEARCH_NEXT ? -1 : 1);
        break;
    case KA_OP_OLDER:
    case KA_OP_NEWER:
        op_move(a, act == KA_OP_OLDER ? -1 : 1);
        break;
    case KA_LINK:
        link_next(a);
        break;
    case KA_PRESENT:
        set_present(a, !a->present);
        break;
    case KA_LEGEND:
        break; /* a lesson's: lesson_input_key took it */
    case KA_PICK_MSG:
    case KA_SCRUB:
        mode_key(a, act);
        break;
    case KA_WORKLOAD:
        workload_key(a);
        break;
    }
    a->dirty = true;
}

/* Keys reach the sandbox through tloop (tloop.c): one at a time, the `:` line's first. */
static void key_hook(void *ctx, int k)
{
    struct app *a = ctx;

    if (a->cl.open && k != KEYS_RESIZE)
        cmd_key(a, k);
    else
        top_key(a, k);
    if (a->quit) /* q and the like only say so; the loop stops here */
        stop(a);
}

static void resize_hook(void *ctx)
{
    ((struct app *)ctx)->dirty = true;
}

static void quit_hook(void *ctx)
{
    stop(ctx); /* Ctrl-C, SIGINT, SIGTERM, SIGHUP: quit cleanly */
}

static bool quitting_hook(void *ctx)
{
    return ((struct app *)ctx)->quit;
}

static const struct tloop_hooks app_tloop_hooks = {key_hook, resize_hook, quit_hook, quitting_hook};

/*
 * The checkers' verdicts on the history so far. Linearizability and the ops' outcomes are kept
 * live (check_live): every frame reads only the ops that started or completed since the last,
 * and searches only their keys, each over its short window, so the cost of a frame does not
 * grow with the history. Lost writes, split brain and the session guarantees read the whole
 * history (O(n log n)); they are recomputed whenever something that can change one happened
 * since the last time (verdict_event: an op completing, a truncation, a discard, a crash or
 * restart, a role change, a heal) or the cluster was rebuilt, and while the run goes on at
 * most once per APP_CHECKS_SHARE times what the last computation took: they never use more
 * than a fifth of the CPU, so the run keeps the speed asked of it however long the history
 * grows. Paused, they are brought up to date at once.
 */
#define APP_CHECKS_SHARE 5
#define APP_CHECKS_WHOLE                                                                           \
    (CHECK_PART_LOST | CHECK_PART_DUP | CHECK_PART_ZOMBIE | CHECK_PART_SPLIT | CHECK_PART_SESSIONS)
_Static_assert(SCRIPT_VIEW_RING >= TIMELINE_MAX, "the trace ring must cover the timeline");
static void update_checks(struct app *a)
{
    const struct engine *e = eng(a);
    const struct history *h = engine_history(e);
    size_t n = history_count(h), done = n - history_pending(h);
    struct check_summary whole;
    uint64_t t0, gen = script_run_generation(a->run);

    if (!a->live)
        a->live = check_live_create();
    if (gen != a->live_gen) {
        check_live_reset(a->live);
        a->live_gen = gen;
    }
    check_live_update(a->live, h, APP_LIN_BUDGET);
    check_live_fill(a->live, &a->checks);
    t0 = uv_hrtime();
    if (gen == a->checks_gen && done == a->checks_done && !a->checks_stale)
        return;
    if (gen == a->checks_gen && !a->paused && t0 < a->checks_next_ns)
        return;
    a->checks_stale = false;
    a->checks_gen = gen;
    a->checks_done = done;
    check_summary_run(e, script_run_recorder(a->run), 0, APP_CHECKS_WHOLE, &whole);
    a->checks.ran |= whole.ran;
    a->checks.lost = whole.lost;
    a->checks.dup = whole.dup;
    a->checks.zombie = whole.zombie;
    a->checks.split = whole.split;
    a->checks.sess = whole.sess;
    a->checks_next_ns = t0 + APP_CHECKS_SHARE * (uv_hrtime() - t0);
}

/* A frame --cast held back: draw again, and it is written. */
static void cast_timer_cb(uv_timer_t *h)
{
    struct app *a = h->data;

    a->dirty = true;
}

static void render(struct app *a)
{
    char skip[48];
    struct draw_lesson dl;
    struct draw_view v;
    struct draw_cursor cur;
    int w, h;

    term_size(a->term, &w, &h);
    if (w != grid_width(a->grid) || h != grid_height(a->grid))
        grid_resize(a->grid, w, h);
    memset(&v, 0, sizeof(v));
    v.title = a->title;
    v.selected = a->selected;
    v.paused = a->paused;
    speed_label(a);
    v.speed = a->pace.speed_text;
    v.rec = a->record || a->cast_rec;
    if (uv_now(&a->loop) < a->pace.skip_shown_until) {
        char t[32];
        util_fmt_delta(t, sizeof(t), a->pace.skip_last_us);
        snprintf(skip, sizeof(skip), " idle %s skipped ", t + 1);
        v.skip = skip;
    }
    v.present = a->present;
    v.help = a->help;
    v.cmd_open = a->cl.open;
    v.cmd_prompt = a->cl.searching ? '/' : ':';
    v.filter = a->filter;
    v.log_scroll = a->log_scroll;
    v.log_mark = a->log_mark;
    v.op_sel = a->op_sel;
    v.link_to = a->link_to;
    v.flash = a->flash.items;
    v.n_flash = a->flash.n;
    if (a->pl.demo && a->pl.caption[0]) {
        v.caption = a->pl.caption;
        v.beat = a->pl.wait == PLAYER_WAIT_BEAT;
    }
    v.head_us = a->travel.rewound_n >= 0 ? a->travel.head_us : -1;
    v.cmd = a->cl.text;
    v.cmd_cursor = a->cl.cursor;
    v.msg = a->msg[0] ? a->msg : NULL;
    v.msg_error = a->msg_error;
    v.next = a->pl.script.n > 0 ? a->pl.next : NULL;
    v.log = a->log;
    v.workload = a->workload[0] ? a->workload : "on";
    v.clocks = a->clocks_on;
    v.menu = a->menu.open ? &a->menu.items : NULL;
    if (a->pick.on && a->paused) {
        pick_move(&a->pick, eng(a), 0); /* the picked message may have arrived meanwhile */
        v.picking = true;
        v.pick_id = a->pick.id;
    }
    v.scrub = a->scrub.on;
    v.scrub_us = a->scrub.us;
    v.scrub_head_us = scrub_head(a);
    v.events = a->tl;
    if (a->tl_on) {
        v.timeline = a->tl;
        v.timeline_scroll = &a->tl_scroll;
    }
    if (history_count(engine_history(eng(a))) > 0) {
        update_checks(a);
        v.checks = &a->checks;
    }
    if (a->runner) {
        lesson_input_view(&a->li, a->lesson_hold && a->paused, &dl);
        v.lesson = &dl;
    }
    draw_frame(a->grid, eng(a), &v, &cur);
    term_present(a->term, a->grid, &cur);
    if (cast_write(a->cast_rec, a->grid) && !uv_is_active((uv_handle_t *)&a->cast_timer))
        uv_timer_start(&a->cast_timer, cast_timer_cb, CAST_FRAME_MS, 0);
    a->dirty = false;
}

static void draw_cb(uv_prepare_t *h)
{
    struct app *a = h->data;

    if (a->dirty && !a->quit)
        render(a);
}

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

/* ---- setting up ---- */

int app_loop_run(struct app *a, bool ascii, bool mouse)
{
    int w, h;
    bool cast_ok;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "splitbrain: the sandbox needs a terminal; for a headless run use: "
                        "splitbrain run FILE.scn\n");
        return EXIT_USAGE;
    }
    a->term = term_create(mouse);
    if (!a->term)
        return EXIT_USAGE;
    if (a->theme != THEME_DEFAULT || !a->colour)
        term_set_theme(a->term, a->theme, a->colour);
    term_size(a->term, &w, &h);
    a->grid = grid_create(w, h, ascii);
    if (a->cast && !(a->cast_rec = cast_open(a->cast, grid_width(a->grid), grid_height(a->grid)))) {
        term_destroy(a->term);
        a->term = NULL;
        return EXIT_USAGE;
    }
    if (a->pl.demo && a->pl.wait == PLAYER_WAIT_BEAT) {
        char label[64];
        snprintf(label, sizeof(label), "beat %d", a->pl.n_beats);
        cast_marker(a->cast_rec, label); /* the beat the demo opened on */
    }

    uv_loop_init(&a->loop);
    tloop_start(&a->keys, &a->loop, a->term, &app_tloop_hooks, a);
    uv_timer_init(&a->loop, &a->frame);
    a->frame.data = a;
    uv_prepare_init(&a->loop, &a->draw);
    a->draw.data = a;
    uv_prepare_start(&a->draw, draw_cb);
    uv_timer_init(&a->loop, &a->idle);
    a->idle.data = a;
    uv_timer_init(&a->loop, &a->flash_timer);
    a->flash_timer.data = a;
    uv_timer_init(&a->loop, &a->cast_timer);
    a->cast_timer.data = a;
    if (a->runner)
        uv_timer_start(&a->idle, idle_cb, 1000, 1000);
    if (!a->paused) {
        a->paused = true;
        app_set_paused(a, false);
    }
    a->dirty = true;

    uv_run(&a->loop, UV_RUN_DEFAULT);
    cast_ok = cast_close(a->cast_rec);
    a->cast_rec = NULL;

    tloop_close(&a->keys, close_cb);
    uv_close((uv_handle_t *)&a->frame, close_cb);
    uv_close((uv_handle_t *)&a->draw, close_cb);
    uv_close((uv_handle_t *)&a->idle, close_cb);
    uv_close((uv_handle_t *)&a->flash_timer, close_cb);
    uv_close((uv_handle_t *)&a->cast_timer, close_cb);
    uv_run(&a->loop, UV_RUN_DEFAULT);
    uv_loop_close(&a->loop);
    term_destroy(a->term);
    a->term = NULL;
    if (!cast_ok) {
        fprintf(stderr, "splitbrain: --cast %s: write error\n", a->cast);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}
