/*
 * compare_view: the side-by-side screen's loop. One shared clock drives every
 * model's run (compare_play_to); a key or a `:` command is given to every model
 * at once (compare_act); [ and ] travel in time on all of them together by
 * rebuilding and replaying (compare_seek). The libuv loop is the sandbox's
 * shape: stdin by uv_poll, SIGWINCH by uv_signal, a frame timer only while
 * time runs, and one draw per loop turn when something changed.
 */
#include "compare_view.h"
#include "speed.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../engine/util.h"
#include "compare_draw.h"
#include "headless.h"
#include "keys.h"
#include "term.h"

#define CV_FRAME_MS    33
#define CV_MAX_STEP_MS 100
#define CV_LIN_BUDGET  20000
#define CV_CMD_MAX     256

struct cview {
    struct compare *c;
    const char *title;
    struct term *term;
    struct grid *grid;
    uv_loop_t loop;
    uv_poll_t in;
    uv_signal_t sig_winch;
    uv_signal_t sig_int;
    uv_signal_t sig_term;
    uv_timer_t frame;
    uv_prepare_t draw;
    bool frame_on;
    bool paused;
    bool dirty;
    bool quit;
    int speed;
    int speed_home; /* what = returns to */
    uint64_t last_ns;
    int64_t carry;
    int64_t now_us;
    int64_t head_us;
    int selected;
    int first;
    int writes;
    struct check_summary checks[COMPARE_MAX_MODELS];
    size_t seen_ops[COMPARE_MAX_MODELS];
    size_t seen_pending[COMPARE_MAX_MODELS];
    bool checks_valid;
    char msg[512];
    bool msg_error;
    bool cmd_open;
    char cmd[CV_CMD_MAX];
    int cmd_len;
    /* A demo's `say` captions and `beat`s, seen on the first model's trace. */
    struct trace_observer marks;
    char caption[240];
    bool beat;
};

static void marks_event(struct trace_observer *self, const struct trace_event *ev)
{
    struct cview *v = (struct cview *)(void *)((char *)self - offsetof(struct cview, marks));

    if (ev->kind != TRACE_NOTE)
        return;
    if (strcmp(ev->name, "say") == 0)
        snprintf(v->caption, sizeof(v->caption), "%s", ev->text);
    else if (strcmp(ev->name, "beat") == 0)
        v->beat = true;
}

static void set_msg(struct cview *v, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(struct cview *v, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
    va_end(ap);
    v->msg_error = error;
    v->dirty = true;
}

/* The checkers run again only when a model's ops changed (one started or ended). */
static void refresh_checks(struct cview *v)
{
    for (int k = 0; k < v->c->n; k++) {
        struct script_run *run = v->c->runs[k];
        const struct engine *e = script_run_engine(run);
        const struct history *h = engine_history(e);
        size_t n = history_count(h), p = history_pending(h);
        if (v->checks_valid && n == v->seen_ops[k] && p == v->seen_pending[k])
            continue;
        check_summary_run(e, script_run_recorder(run), CV_LIN_BUDGET, CHECK_PARTS_SCREEN,
                          &v->checks[k]);
        v->seen_ops[k] = n;
        v->seen_pending[k] = p;
    }
    v->checks_valid = true;
}

static void frame_cb(uv_timer_t *h);

static void set_paused(struct cview *v, bool paused)
{
    v->paused = paused;
    if (paused && v->frame_on) {
        uv_timer_stop(&v->frame);
        v->frame_on = false;
    } else if (!paused && !v->frame_on) {
        v->last_ns = uv_hrtime();
        v->carry = 0;
        uv_timer_start(&v->frame, frame_cb, CV_FRAME_MS, CV_FRAME_MS);
        v->frame_on = true;
    }
    v->dirty = true;
}

static void play_to(struct cview *v, int64_t t_us)
{
    struct script_error err;
    char msg[SCRIPT_MSG_MAX + 300];

    if (compare_play_to(v->c, t_us, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        set_msg(v, true, "%s", msg);
        set_paused(v, true);
    }
    v->now_us = t_us;
    if (v->head_us >= 0 && v->now_us >= v->head_us)
        v->head_us = -1;
    v->dirty = true;
}

static void frame_cb(uv_timer_t *h)
{
    struct cview *v = h->data;
    uint64_t now = uv_hrtime(), dt_ns = now - v->last_ns;
    int64_t owed;

    v->last_ns = now;
    if (dt_ns > (uint64_t)CV_MAX_STEP_MS * 1000000u)
        dt_ns = (uint64_t)CV_MAX_STEP_MS * 1000000u;
    owed = (int64_t)dt_ns * (speed_at(v->speed)->vus_per_s / 1000) + v->carry;
    v->carry = owed % 1000000;
    v->beat = false;
    play_to(v, v->now_us + owed / 1000000);
    /* A demo's beat: every model waits here for the presenter's Space. */
    if (v->beat) {
        set_paused(v, true);
        set_msg(v, false, "%s  [Space goes on]", v->caption[0] ? v->caption : "beat");
    } else if (v->caption[0]) {
        set_msg(v, false, "%s", v->caption);
    }
}

/* [ and ]: every model rebuilt and replayed to t_us together. */
static void travel(struct cview *v, int64_t t_us)
{
    struct script_error err;
    char msg[SCRIPT_MSG_MAX + 300], t[32], hd[32];
    int64_t head = v->head_us >= 0 ? v->head_us : v->now_us;

    if (t_us < 0)
        t_us = 0;
    if (t_us > head)
        t_us = head;
    set_paused(v, true);
    v->caption[0] = '\0';
    if (compare_seek(v->c, t_us, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        set_msg(v, true, "%s", msg);
        return;
    }
    v->now_us = t_us;
    v->head_us = t_us < head ? head : -1;
    v->checks_valid = false;
    draw_fmt_time(t, sizeof(t), t_us);
    draw_fmt_time(hd, sizeof(hd), head);
    if (v->head_us >= 0)
        set_msg(v, false, "All models at %s of %s: ] goes forward; acting here forks a new future",
                t, hd);
    else
        set_msg(v, false, "All models back at the present, %s", t);
}

/* Gives text to every model at the shared clock. */
static void act(struct cview *v, const char *text)
{
    char why[SCRIPT_MSG_MAX + 64], skipped[128];
    int ran;

    if (v->head_us >= 0) {
        compare_forget_after(v->c, v->now_us);
        v->head_us = -1;
    }
    ran = compare_act(v->c, v->now_us, text, why, sizeof(why), skipped, sizeof(skipped));
    if (ran == 0)
        set_msg(v, true, "%s", why);
    else if (skipped[0])
        set_msg(v, false, "%s: on %d model%s; not on %s (%s)", text, ran, ran == 1 ? "" : "s",
                skipped, why);
    else
        set_msg(v, false, "%s: on every model", text);
}

/* The first shown model's view of the selected node decides kill or restart, pause or resume. */
static struct engine_node selected_node(struct cview *v)
{
    struct engine_node info;
    struct engine *e = script_run_engine(v->c->runs[v->first]);

    memset(&info, 0, sizeof(info));
    engine_node(e, v->selected < engine_nodes(e) ? v->selected : 0, &info);
    return info;
}

static void node_key(struct cview *v, enum key_action a)
{
    char text[128], rest[96] = "";
    int n = engine_nodes(script_run_engine(v->c->runs[0])), s = v->selected + 1;
    struct engine_node info = selected_node(v);

    if (a == KA_KILL) {
        snprintf(text, sizeof(text), "%s n%d", info.state == NODE_CRASHED ? "restart" : "kill", s);
    } else if (a == KA_PAUSE_NODE) {
        snprintf(text, sizeof(text), "%s n%d", info.state == NODE_PAUSED ? "resume" : "pause", s);
    } else if (a == KA_PARTITION) {
        for (int i = 0; i < n; i++)
            if (i != v->selected)
                util_appendf(rest, sizeof(rest), " n%d", i + 1);
        snprintf(text, sizeof(text), "partition n%d |%s", s, rest);
    } else if (a == KA_HEAL) {
        snprintf(text, sizeof(text), "heal");
    } else if (a == KA_SKEW) {
        snprintf(text, sizeof(text), "skew n%d -2s", s);
    } else if (a == KA_WRITE) {
        snprintf(text, sizeof(text), "put x c%d via n%d", ++v->writes, s);
    } else if (a == KA_READ) {
        snprintf(text, sizeof(text), "get x via n%d", s);
    } else {
        return;
    }
    act(v, text);
}

static void cmd_key(struct cview *v, int k)
{
    if (k == KEYS_ESC) {
        v->cmd_open = false;
    } else if (k == KEYS_ENTER) {
        v->cmd_open = false;
        if (v->cmd_len > 0)
            act(v, v->cmd);
    } else if (k == KEYS_BACKSPACE) {
        if (v->cmd_len > 0)
            v->cmd[--v->cmd_len] = '\0';
    } else if (k >= 0x20 && k < 0x7f && v->cmd_len < CV_CMD_MAX - 1) {
        v->cmd[v->cmd_len++] = (char)k;
        v->cmd[v->cmd_len] = '\0';
    }
    v->dirty = true;
}

static void top_key(struct cview *v, int k)
{
    enum key_action a = keys_lookup(k);
    int n = engine_nodes(script_run_engine(v->c->runs[0]));

    if (k == KEYS_TAB) {
        v->first = (v->first + 1) % v->c->n;
        v->dirty = true;
        return;
    }
    switch (a) {
    case KA_CLOSE:
    case KA_QUIT:
        v->quit = true;
        break;
    case KA_COMMAND:
        v->cmd_open = true;
        v->cmd_len = 0;
        v->cmd[0] = '\0';
        v->msg[0] = '\0';
        break;
    case KA_RUN:
        set_paused(v, !v->paused);
        break;
    case KA_SLOWER:
        if (v->speed > 0)
            v->speed--;
        break;
    case KA_FASTER:
        if (v->speed < speed_count() - 1)
            v->speed++;
        break;
    case KA_NORMAL_SPEED:
        v->speed = v->speed_home;
        break;
    case KA_BACK:
        travel(v, v->now_us - speed_at(v->speed)->vus_per_s);
        break;
    case KA_FORWARD:
        if (v->head_us >= 0)
            travel(v, v->now_us + speed_at(v->speed)->vus_per_s);
        break;
    case KA_PREV_NODE:
        v->selected = (v->selected + n - 1) % n;
        break;
    case KA_NEXT_NODE:
        v->selected = (v->selected + 1) % n;
        break;
    case KA_JUMP_NODE:
        if (k - '1' < n)
            v->selected = k - '1';
        break;
    case KA_KILL:
    case KA_PAUSE_NODE:
    case KA_PARTITION:
    case KA_HEAL:
    case KA_SKEW:
    case KA_WRITE:
    case KA_READ:
        node_key(v, a);
        break;
    case KA_REDRAW:
        term_invalidate(v->term);
        break;
    case KA_NONE:
    case KA_HELP:
    case KA_SEARCH:
    case KA_STEP:
    case KA_CUT:
    case KA_HINT:
    case KA_RESET_STEP:
    case KA_STEP_BACK:
    case KA_STEP_NEXT:
    case KA_LESSONS:
    case KA_SHOW_ME:
    case KA_WORKLOAD:
    case KA_TIMELINE:
    case KA_CLOCKS:
    case KA_MENU:
    case KA_OLDER:
    case KA_NEWER:
    case KA_PICK_MSG:
    case KA_SCRUB:
    case KA_SEARCH_NEXT:
    case KA_SEARCH_PREV:
    case KA_OP_OLDER:
    case KA_OP_NEWER:
    case KA_LINK:
    case KA_PRESENT:
    case KA_OLDEST:
    case KA_NEWEST:
    case KA_WHEEL_UP:
    case KA_WHEEL_DOWN:
    case KA_LEGEND:
        set_msg(v, false, "Not in the side-by-side view: Space K Z X S U w g [ ] Tab : q");
        break;
    }
    v->dirty = true;
}

static void in_cb(uv_poll_t *h, int status, int events)
{
    struct cview *v = h->data;
    int k;

    (void)events;
    if (status < 0)
        v->quit = true;
    while (!v->quit && (k = term_key(v->term)) != -1) {
        if (k == -2)
            continue;
        if (k == KEYS_CTRL('c'))
            v->quit = true;
        else if (k == KEYS_RESIZE)
            v->dirty = true;
        else if (v->cmd_open)
            cmd_key(v, k);
        else
            top_key(v, k);
    }
    if (v->quit)
        uv_stop(&v->loop);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    struct cview *v = h->data;

    if (signum == SIGWINCH) {
        int w, hh;
        term_resize(v->term);
        term_size(v->term, &w, &hh);
        grid_resize(v->grid, w, hh);
        v->dirty = true;
        return;
    }
    v->quit = true;
    uv_stop(&v->loop);
}

static void draw_cb(uv_prepare_t *h)
{
    struct cview *v = h->data;
    struct compare_screen s;
    struct draw_cursor cur;

    if (!v->dirty || v->quit)
        return;
    refresh_checks(v);
    memset(&s, 0, sizeof(s));
    s.title = v->title;
    s.now_us = v->now_us;
    s.head_us = v->head_us;
    s.paused = v->paused;
    s.speed = speed_at(v->speed)->label;
    s.selected = v->selected;
    s.first = v->first;
    s.checks = v->checks;
    s.msg = v->msg[0] ? v->msg : NULL;
    s.msg_error = v->msg_error;
    s.cmd_open = v->cmd_open;
    s.cmd = v->cmd;
    s.cmd_cursor = v->cmd_len;
    compare_draw(v->grid, v->c, &s, &cur);
    term_present(v->term, v->grid, &cur);
    v->dirty = false;
}

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

int compare_view_run(struct compare *c, const char *title, int64_t start_us, int speed, bool ascii,
                     bool mouse)
{
    struct cview *v;
    int w, h, flags;
    const char *cs;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "splitbrain: the side-by-side view needs a terminal; for a table use: "
                        "splitbrain compare FILE.scn --format text\n");
        return EXIT_USAGE;
    }
    setlocale(LC_ALL, "");
    cs = nl_langinfo(CODESET);
    ascii = ascii || !cs || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0);
    v = xcalloc(1, sizeof(*v));
    v->c = c;
    v->title = title;
    v->speed = v->speed_home = speed >= 0 && speed < speed_count() ? speed : SPEED_DEFAULT;
    v->head_us = -1;
    v->paused = true;
    v->term = term_create(mouse);
    if (!v->term) {
        free(v);
        return EXIT_USAGE;
    }
    term_size(v->term, &w, &h);
    v->grid = grid_create(w, h, ascii);
    uv_loop_init(&v->loop);
    uv_poll_init(&v->loop, &v->in, STDIN_FILENO);
    v->in.data = v;
    uv_poll_start(&v->in, UV_READABLE, in_cb);
    /* uv_poll made the tty non-blocking, and stdout shares it: curses must not see EAGAIN. */
    flags = fcntl(STDOUT_FILENO, F_GETFL);
    if (flags >= 0)
        fcntl(STDOUT_FILENO, F_SETFL, flags & ~O_NONBLOCK);
    uv_signal_init(&v->loop, &v->sig_winch);
    uv_signal_init(&v->loop, &v->sig_int);
    uv_signal_init(&v->loop, &v->sig_term);
    v->sig_winch.data = v->sig_int.data = v->sig_term.data = v;
    uv_signal_start(&v->sig_winch, signal_cb, SIGWINCH);
    uv_signal_start(&v->sig_int, signal_cb, SIGINT);
    uv_signal_start(&v->sig_term, signal_cb, SIGTERM);
    uv_timer_init(&v->loop, &v->frame);
    v->frame.data = v;
    uv_prepare_init(&v->loop, &v->draw);
    v->draw.data = v;
    uv_prepare_start(&v->draw, draw_cb);
    v->marks.fn = marks_event;
    c->obs[0] = &v->marks; /* subscribed again whenever time travel rebuilds the runs */
    script_run_observe(c->runs[0], &v->marks);
    play_to(v, start_us);
    set_msg(v, false, "%d models on one clock: Space runs; K X S U act on all; Tab %s", c->n,
            compare_draw_columns(w, c->n) < c->n ? "shows the next pair" : "rotates");
    uv_run(&v->loop, UV_RUN_DEFAULT);

    uv_close((uv_handle_t *)&v->in, close_cb);
    uv_close((uv_handle_t *)&v->sig_winch, close_cb);
    uv_close((uv_handle_t *)&v->sig_int, close_cb);
    uv_close((uv_handle_t *)&v->sig_term, close_cb);
    uv_close((uv_handle_t *)&v->frame, close_cb);
    uv_close((uv_handle_t *)&v->draw, close_cb);
    uv_run(&v->loop, UV_RUN_DEFAULT);
    uv_loop_close(&v->loop);
    c->obs[0] = NULL;
    term_destroy(v->term);
    grid_destroy(v->grid);
    free(v);
    return EXIT_OK;
}

int compare_view_journal(struct script_run *run, int64_t now_us, const char *models, int speed,
                         bool ascii, bool mouse)
{
    const struct model_ops *m[COMPARE_MAX_MODELS];
    struct engine *e = script_run_engine(run);
    struct compare c;
    struct script_error err;
    char why[SCRIPT_MSG_MAX + 64], skipped[128], shape[96];
    int n = compare_models(models && *models ? models : "leader,multi,leaderless", m, why,
                           sizeof(why)),
        from = 0, count = script_run_journal_count(run);

    if (n < 0) {
        fprintf(stderr, "splitbrain: compare: %s\n", why);
        return EXIT_USAGE;
    }
    snprintf(shape, sizeof(shape), "nodes %d\nseed %llu\n", engine_nodes(e),
             (unsigned long long)engine_seed(e));
    if (compare_parse(&c, "sandbox", shape, strlen(shape), m, n, &err) < 0) {
        fprintf(stderr, "splitbrain: compare: %s\n", err.msg);
        return EXIT_USAGE;
    }
    compare_start(&c, -1, NULL);
    /* What came before the cluster last changed shape belongs to another cluster. */
    for (int i = 0; i < count; i++) {
        int64_t t;
        const struct script_cmd *cmd = script_run_journal_at(run, i, &t);
        if (cmd->kind == CMD_MODEL || cmd->kind == CMD_NODES || cmd->kind == CMD_SEED)
            from = i + 1;
    }
    for (int i = from; i < count; i++) {
        int64_t t;
        const struct script_cmd *cmd = script_run_journal_at(run, i, &t);
        if (t > now_us)
            break;
        if (compare_play_to(&c, t, &err) < 0)
            break;
        compare_act(&c, t, cmd->text, why, sizeof(why), skipped, sizeof(skipped));
    }
    n = compare_view_run(&c, "sandbox", now_us, speed, ascii, mouse);
    compare_release(&c);
    return n;
}
