#include "app.h"

#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/script.h"
#include "draw.h"
#include "grid.h"
#include "../lessons/progress.h"
#include "../lessons/runner.h"
#include "compare_view.h"
#include "config.h"
#include "speed.h"
#include "course.h"
#include "datadir.h"
#include "headless.h"
#include "keys.h"
#include "term.h"
#include "timeline.h"

/* The draw styles as SGR sequences for --cast, matching tui/term.c's 256-colour theme. */
static const char *const app_cast_sgr[ST_COUNT] = {
    [ST_NORMAL] = "",
    [ST_DIM] = "\x1b[2;38;5;245m",
    [ST_BOLD] = "\x1b[1m",
    [ST_BORDER] = "\x1b[38;5;67m",
    [ST_SELECTED] = "\x1b[1;38;5;51m",
    [ST_LEADER] = "\x1b[1;38;5;220m",
    [ST_CRASHED] = "\x1b[1;38;5;196m",
    [ST_PAUSED] = "\x1b[38;5;214m",
    [ST_LINK] = "\x1b[2;38;5;240m",
    [ST_LINK_CUT] = "\x1b[1;38;5;196m",
    [ST_MSG0] = "\x1b[1;38;5;45m",
    [ST_MSG1] = "\x1b[1;38;5;118m",
    [ST_MSG2] = "\x1b[1;38;5;213m",
    [ST_MSG3] = "\x1b[1;38;5;208m",
    [ST_MSG_DROP] = "\x1b[1;38;5;196m",
    [ST_OK] = "\x1b[38;5;40m",
    [ST_FAIL] = "\x1b[1;38;5;196m",
    [ST_TIMEOUT] = "\x1b[1;38;5;208m",
    [ST_PENDING] = "",
    [ST_EV_SEND] = "\x1b[2;38;5;244m",
    [ST_EV_DELIVER] = "",
    [ST_EV_DROP] = "\x1b[38;5;203m",
    [ST_EV_FAULT] = "\x1b[1;38;5;214m",
    [ST_EV_ROLE] = "\x1b[1;38;5;213m",
    [ST_EV_OP] = "\x1b[38;5;81m",
    [ST_EV_NOTE] = "\x1b[1m",
    [ST_EV_STORE] = "\x1b[38;5;114m",
    [ST_BAR] = "\x1b[38;5;252;48;5;236m",
    [ST_BAR_KEY] = "\x1b[1;38;5;226;48;5;236m",
    [ST_BAR_RUN] = "\x1b[1;38;5;16;48;5;40m",
    [ST_BAR_PAUSE] = "\x1b[1;4;38;5;16;48;5;214m",
    [ST_ERROR] = "\x1b[1;38;5;196m",
    [ST_INFO] = "\x1b[38;5;117m",
    [ST_PROMPT] = "\x1b[1;38;5;226m",
    [ST_PANE_TITLE] = "\x1b[1;38;5;255m",
    [ST_HELP] = "",
    [ST_EMPH] = "\x1b[4m",
    [ST_STRONG] = "\x1b[1m",
    [ST_CODE] = "\x1b[38;5;222m",
    [ST_CHOICE] = "\x1b[7m",
};

#define APP_FRAME_MS    33  /* about 30 frames a second while running */
#define APP_MAX_STEP_MS 100 /* a stalled loop does not make virtual time jump */
#define APP_HISTORY     64  /* command-line history entries */
#define APP_MSG_MAX     (SCRIPT_MSG_MAX + 300)
#define APP_TL_PAGE     10      /* rows PgUp and PgDn scroll the timeline */
#define APP_WHEEL       3       /* rows a click of the mouse wheel scrolls */
#define APP_WORKLOAD    "2/s"   /* the sandbox's gentle background workload */
#define APP_LIN_BUDGET  200000  /* search steps per key for the live linearizability verdict */
#define APP_PICK_MAX    256     /* messages adversary mode cycles through */
#define APP_PICK_DELAY  "200ms" /* what + holds a picked message back by */
#define APP_SCRUB_MIN   1000    /* the scrubber's smallest step, in us */

#define APP_FRAME_BUDGET_NS 20000000u   /* the most wall time one frame's simulation may take */
#define APP_SKIP_MIN_US     20000       /* idle waits shorter than this are not worth a skip */
#define APP_SKIP_SHOW_MS    1500        /* how long the bar shows a skip */
#define APP_CAST_IDLE_S     2.0         /* a player shortens a recording's longer pauses to this */
#define APP_CAST_FRAME_MS   100         /* --cast keeps at most ten frames a second */
#define APP_RATE_WINDOW_NS  1000000000u /* the achieved speed is measured over a second */

/* What the scenario being played waits for before its next command. */
enum app_wait {
    WAIT_NONE, /* nothing: it has ended, or there is no scenario */
    WAIT_TIME, /* virtual time wait_until */
    WAIT_QUIET,
    WAIT_BEAT, /* a demo's `beat`: the presenter's Space, Right or PageDown goes on */
};

/* Where a demo stood when it reached a beat, so Left can rewind to it. */
struct app_beat {
    int64_t t_us;
    int journal_n;
    int pc;
    char caption[240];
};

struct app {
    uv_loop_t loop;
    uv_poll_t in;
    uv_signal_t sig_winch;
    uv_signal_t sig_int;
    uv_signal_t sig_term;
    uv_signal_t sig_hup;
    uv_timer_t frame;
    uv_prepare_t draw;
    bool frame_on;
    uint64_t last_ns;
    int64_t carry; /* virtual time owed by the last frame, in millionths of a us */

    struct term *term;
    struct grid *grid;
    struct draw_log *log;
    bool dirty;
    bool quit;
    bool compare; /* `:compare [MODELS]`: quit into the side-by-side view */
    char compare_models[64];

    struct script_run *run; /* the sandbox's own, or the lesson runner's */
    struct script_env *env; /* what the `:` line parses with: own_env, or the runner's */
    struct script_env own_env;
    struct engine *traced; /* the engine the trace cursor follows */
    struct trace_cursor cur;

    char title[256];
    bool paused;
    int speed;
    int selected;
    bool help;
    int writes;

    bool cmd_open;
    bool searching; /* the line edits the event-log filter, not a command */
    char filter[64];
    char cmd[SCRIPT_MAX_LINE];
    int cmd_len;
    int cmd_cursor;
    char hist[APP_HISTORY][SCRIPT_MAX_LINE];
    int n_hist;
    int hist_pos;
    char msg[APP_MSG_MAX];
    bool msg_error;
    char workload[16];   /* the rate of the last `workload` command, for the status bar */
    struct timeline *tl; /* the timeline view's own copy of the trace */
    bool tl_on;
    bool clocks_on; /* the clock view */
    bool menu_open; /* the context menu for the selected node */
    struct draw_menu menu;
    char menu_title[32];
    int tl_scroll;  /* rows back from the newest */
    int log_scroll; /* event-log lines back from the newest (PgUp/PgDn on the map) */
    /* n / N: what they look for (the filter text they were given) and the line they landed on
     * (draw_log_line's index + 1; 0: none). */
    char search[64];
    int log_mark;
    size_t op_sel; /* o / O: the op the quorum view shows (history id; 0: the latest) */
    int link_to;   /* v: the selected node's link to node link_to - 1 (0: none) */
    /* Truncated or discarded entries flashed in the replica pane until flash_until (uv_now). */
    struct draw_flash flash[DRAW_FLASH_MAX];
    uint64_t flash_until[DRAW_FLASH_MAX];
    int n_flash;
    uv_timer_t flash_timer;
    /* Adversary mode (m): the learner as the network; the message picked (0: none). */
    bool picking;
    uint64_t pick_id;
    /* The scrubber (T): where Enter would travel to. */
    bool scrub;
    int64_t scrub_us;

    /* The checkers' verdicts: linearizability and outcomes kept live, the rest recomputed. */
    struct check_summary checks;
    struct check_live *live;
    const struct engine *checks_eng;
    size_t checks_done;      /* completed ops when they were computed; SIZE_MAX: never */
    bool checks_stale;       /* an event that can change a verdict came since */
    uint64_t checks_next_ns; /* while running, not recomputed before this (uv_hrtime) */

    /* The scenario being played (open FILE), its next command and what it waits for. */
    struct script script;
    int pc;
    enum app_wait wait;
    int64_t wait_until;
    char next[SCRIPT_MAX_LINE + 40];
    /* Where the player stood each time it started waiting, so a rewind can put it back. */
    struct app_snap *snaps;
    int n_snaps;
    /* A demo (splitbrain demo FILE): beats wait for the presenter; the latest caption. */
    bool demo;
    char caption[240];
    struct app_beat *beats;
    int n_beats;
    /* --record FILE: the run written there as a scenario on the way out. */
    const char *record;
    /* `:open NAME` or `:demo NAME`: the file to play next, once this loop has ended. */
    char reopen[DATADIR_PATH_MAX];
    bool reopen_demo;
    /* --cast FILE: every drawn frame appended there as an asciicast v2 event. */
    const char *cast;
    FILE *cast_f;
    struct timespec cast_t0;
    struct grid *cast_prev; /* the frame last written: the next writes only what changed */
    double cast_last_t;     /* when it was written (seconds into the recording) */
    uv_timer_t cast_timer;  /* writes a frame held back by the rate limit a moment later */
    /* Presenter mode (--present, P): fewer panes, high contrast, a slower clock. */
    bool present;
    /* Idle waits skipped (lessons, demos, presenter mode): in all, the latest, and until when
     * (uv_now) the bar shows it. */
    int64_t skipped_us;
    int64_t skip_last_us;
    uint64_t skip_shown_until;
    /* The speed achieved: virtual time moved by the clock (skips left out) over the wall time
     * of a window; behind while it is under nine tenths of the speed asked for. */
    uint64_t rate_t0_ns;
    int64_t rate_moved_us;
    int64_t achieved_vus_per_s;
    bool behind;
    char speed_text[48];
    /* From the settings (config.h): the speeds `=` returns to, and the rest. */
    int speed_default;
    int speed_present;
    bool idle_skip;
    enum term_theme theme;
    bool colour;
    char set_workload[CONFIG_TEXT_MAX]; /* the settings' workload: "2/s", "off" */
    char workload_cmd[CONFIG_TEXT_MAX + 16];

    /* Time travel: the furthest time reached, and while rewound how many journal entries the
     * replay kept (-1: not rewound). */
    int64_t head_us;
    int rewound_n;
    /* Journal entries before this belong to clusters a `model`, `nodes` or `seed` replaced: a
     * rewind replays them all, then goes back only within the present cluster. */
    int journal_floor;

    /* A lesson (splitbrain lesson NAME): the runner owns run and env, so what the learner
     * does on the live cluster is what its checks see. */
    struct lesson_runner *runner;
    bool runner_mode_run_owned; /* the sandbox's own run is gone: run is the runner's */
    struct lesson lesson;
    bool lesson_loaded;
    struct course *course;
    int course_at;
    struct progress *prog;
    bool prog_failed; /* said once that progress cannot be saved */
    int quiz_cursor;
    unsigned quiz_pick;
    const char *hint;   /* the latest hint shown (the lesson's text), or NULL */
    bool confirm_reset; /* R asked; y confirms */
    bool lesson_hold;   /* the run paused on the gate or the spotlight: Space or > goes on */
    bool legend;        /* the lesson pane shows the legend (i) instead of the step */
    bool list_open;     /* the lesson list overlay */
    int list_cursor;
    uint64_t input_ns; /* wall time of the learner's last key, for hints after inactivity */
    uv_timer_t idle;
    struct draw_lesson_item items[COURSE_MAX];
    char item_status[COURSE_MAX][24];
    char summary[48];
};

struct app_snap {
    int64_t t_us;
    int pc;
    enum app_wait wait;
    int64_t wait_until;
};

static struct engine *eng(struct app *a)
{
    return script_run_engine(a->run);
}

static void set_msg(struct app *a, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(struct app *a, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
    va_end(ap);
    a->msg_error = error;
    a->dirty = true;
}

/* ---- truncated and discarded entries, flashed before they go ---- */

#define APP_FLASH_MS        1200    /* how long a flash stays, in wall time */
#define APP_FLASH_RECENT_US 2000000 /* older events (a replay's) do not flash */

static void flash_cb(uv_timer_t *h);

/* Drops the flashes whose time is up; arms the timer for the next to go. */
static void flash_expire(struct app *a)
{
    uint64_t now = uv_now(&a->loop), next = 0;
    int k = 0;

    for (int i = 0; i < a->n_flash; i++) {
        if (a->flash_until[i] <= now) {
            a->dirty = true;
            continue;
        }
        a->flash[k] = a->flash[i];
        a->flash_until[k] = a->flash_until[i];
        if (next == 0 || a->flash_until[k] < next)
            next = a->flash_until[k];
        k++;
    }
    a->n_flash = k;
    if (next > 0 && a->flash_timer.data)
        uv_timer_start(&a->flash_timer, flash_cb, next - now, 0);
}

static void flash_cb(uv_timer_t *h)
{
    flash_expire(h->data);
}

/* A node cut its log (TRACE_TRUNCATE) or a model threw a write away (a "discard" conflict):
 * keep it in the small list the replica pane flashes; the oldest goes when it is full. */
static void flash_event(struct app *a, const struct trace_event *ev)
{
    struct draw_flash *f;
    bool discard = ev->kind == TRACE_CONFLICT && strcmp(ev->name, "discard") == 0;

    /* Not before the loop runs (no screen yet), nor for old events a rewind replays. */
    if (!(ev->kind == TRACE_TRUNCATE || discard) || !a->flash_timer.data ||
        engine_now(eng(a)) - ev->t_us > APP_FLASH_RECENT_US)
        return;
    if (a->n_flash == DRAW_FLASH_MAX) {
        memmove(&a->flash[0], &a->flash[1], sizeof(a->flash[0]) * (DRAW_FLASH_MAX - 1));
        memmove(&a->flash_until[0], &a->flash_until[1],
                sizeof(a->flash_until[0]) * (DRAW_FLASH_MAX - 1));
        a->n_flash--;
    }
    f = &a->flash[a->n_flash];
    f->node = ev->node;
    f->discarded = discard;
    if (discard)
        snprintf(f->text, sizeof(f->text), "%s", ev->text);
    else if (ev->b == 1)
        snprintf(f->text, sizeof(f->text), "@%lld", (long long)ev->a);
    else
        snprintf(f->text, sizeof(f->text), "@%lld..@%lld (%lld entries)", (long long)ev->a,
                 (long long)(ev->a + ev->b - 1), (long long)ev->b);
    a->flash_until[a->n_flash++] = uv_now(&a->loop) + APP_FLASH_MS;
    flash_expire(a);
}

/* Can ev change a checker's verdict? An op ending, a node cutting its log or a model throwing a
 * write away, a crash, a restart, a heal, a new role: each can lose a write or end a split. */
static bool verdict_event(const struct trace_event *ev)
{
    switch (ev->kind) {
    case TRACE_OP_END:
    case TRACE_TRUNCATE:
    case TRACE_CONFLICT:
    case TRACE_FAULT:
    case TRACE_ROLE:
        return true;
    case TRACE_SEND:
    case TRACE_DELIVER:
    case TRACE_DROP:
    case TRACE_DUP:
    case TRACE_TIMER:
    case TRACE_SUSPECT:
    case TRACE_CLOCK:
    case TRACE_OP_START:
    case TRACE_APPEND:
    case TRACE_COMMIT:
    case TRACE_REPAIR:
    case TRACE_HINT:
    case TRACE_SET:
    case TRACE_NOTE:
        return false;
    }
    return true;
}

/* Moves every new trace event into the event log. */
static void drain(struct app *a)
{
    struct engine *e = eng(a);
    struct trace_event ev;
    int r;

    if (e != a->traced) {
        a->traced = e;
        a->cur.next_seq = 0;
        a->checks_eng = NULL; /* and its verdicts */
        timeline_clear(a->tl);
        draw_log_clear(a->log); /* the old cluster's events went with it */
    }
    while ((r = trace_read(engine_trace(e), &a->cur, &ev)) != 0) {
        if (r == TRACE_EGAP) {
            draw_log_add(a->log, ST_DIM, "... (older events skipped)");
            continue;
        }
        draw_log_event(a->log, &ev);
        timeline_add(a->tl, &ev);
        flash_event(a, &ev);
        if (verdict_event(&ev))
            a->checks_stale = true;
    }
    if (a->selected >= engine_nodes(e))
        a->selected = engine_nodes(e) - 1;
    a->dirty = true;
}

/*
 * Acting after a rewind forks a new future: the journal forgets what came after the moment
 * the user went back to, and the player's later positions with it.
 */
static void fork_future(struct app *a)
{
    int64_t now;
    char t[32];

    if (a->rewound_n < 0)
        return;
    now = engine_now(eng(a));
    script_run_truncate_journal(a->run, a->rewound_n);
    while (a->n_snaps > 1 && a->snaps[a->n_snaps - 1].t_us > now)
        a->n_snaps--;
    a->rewound_n = -1;
    a->head_us = now;
    draw_fmt_time(t, sizeof(t), now);
    set_msg(a, false, "A new future from %s: the old one after it is gone", t);
}

static void track_head(struct app *a)
{
    int64_t now = engine_now(eng(a));

    if (a->rewound_n < 0 && now > a->head_us)
        a->head_us = now;
}

static void format_err(const struct script_error *err, bool with_file, char *dst, size_t size)
{
    if (with_file) {
        script_error_format(err, dst, size);
        return;
    }
    snprintf(dst, size, "%d:%d: %s", err->line, err->col, err->msg);
}

/* Runs one parsed command; on error fills the message line and returns -1. */
static int exec_cmd(struct app *a, const struct script_cmd *c, bool from_file)
{
    struct script_error err;
    bool shape = c->kind == CMD_MODEL || c->kind == CMD_NODES || c->kind == CMD_SEED;
    char text[APP_MSG_MAX];
    int r;

    memset(&err, 0, sizeof(err));
    r = script_run_exec(a->run, c, &err);
    if (shape)
        a->traced = NULL; /* the cluster was rebuilt: follow the new trace from its start */
    if (r < 0) {
        format_err(&err, from_file, text, sizeof(text));
        set_msg(a, true, "%s", text);
        draw_log_add(a->log, ST_ERROR, text);
        drain(a);
        return -1;
    }
    drain(a);
    if (c->kind == CMD_WORKLOAD)
        sscanf(c->text, "%*s %15s", a->workload);
    if (c->kind == CMD_EXPECT && c->at_us < 0) {
        const struct script_expect *x =
            script_run_expect_at(a->run, script_run_expects(a->run) - 1);
        if (x) {
            snprintf(text, sizeof(text), "%s: %s%s%s", x->text, x->ok ? "holds" : "FAILED",
                     x->msg[0] ? ": " : "", x->msg);
            draw_log_add(a->log, x->ok ? ST_OK : ST_FAIL, text);
            set_msg(a, !x->ok, "%s", text);
        }
    }
    return 0;
}

/* ---- the lesson ---- */

/* Records where the learner stands and writes it out (atomically: progress.c). */
static void lesson_save(struct app *a)
{
    const struct progress_entry *e;
    char why[PROGRESS_PATH_MAX + 200];
    bool done;

    if (!a->runner || !a->prog)
        return;
    e = progress_get(a->prog, a->lesson.id, a->lesson.version);
    done = (e && e->done) || lesson_runner_finished(a->runner);
    progress_set(a->prog, a->lesson.id, a->lesson.version, lesson_runner_step(a->runner), done);
    {
        bool right;
        const struct lesson_step *s = lesson_runner_current(a->runner);
        if (lesson_runner_has_answer(a->runner, &right))
            progress_answer(a->prog, a->lesson.id, a->lesson.version, lesson_runner_step(a->runner),
                            lesson_runner_answered(a->runner), s->quiz.kind == LESSON_PREDICT,
                            right);
    }
    if (progress_save(a->prog, why, sizeof(why)) < 0 && !a->prog_failed) {
        a->prog_failed = true;
        set_msg(a, true, "progress is not saved: %s", a->prog->path[0] ? why : "no HOME");
    }
}

/* A new step (or the same one from its start): the pane forgets the old one's hint and picks. */
static void lesson_step_changed(struct app *a)
{
    a->hint = NULL;
    a->quiz_cursor = 0;
    a->quiz_pick = 0;
    a->confirm_reset = false;
    a->lesson_hold = false;
    a->legend = false;
    a->traced = NULL; /* a rewind rebuilt the cluster */
    drain(a);
    lesson_save(a);
}

static void set_paused(struct app *a, bool paused);

/* The gate just opened: the run holds still until the learner has read the success text. */
static void lesson_passed(struct app *a)
{
    if (lesson_runner_finished(a->runner))
        set_msg(a, false, "Lesson complete! L lists the lessons, q quits");
    else
        set_msg(a, false, "Step done: read it, then > goes to the next one (Space runs on)");
    if (a->term && !a->paused) {
        set_paused(a, true);
        a->lesson_hold = true;
    }
    lesson_save(a);
}

/* Time moved or the learner acted: does the gate open now? */
static void lesson_poll(struct app *a)
{
    if (!a->runner || !lesson_runner_poll(a->runner))
        return;
    lesson_passed(a);
}

/* The learner's command line (and every key spelled as a command) while a lesson runs: the
 * runner executes it, on its own run. */
static int lesson_exec(struct app *a, const char *line)
{
    struct script_error err;
    char first[16] = "", text[APP_MSG_MAX];

    sscanf(line, "%15s", first);
    if (!first[0])
        return 0;
    if (strcmp(first, "model") == 0 || strcmp(first, "nodes") == 0 || strcmp(first, "seed") == 0) {
        set_msg(a, true, "a lesson keeps its cluster: '%s' works in the sandbox", first);
        return -1;
    }
    memset(&err, 0, sizeof(err));
    if (lesson_runner_exec(a->runner, line, &err) < 0) {
        format_err(&err, false, text, sizeof(text));
        set_msg(a, true, "%s", text);
        drain(a);
        return -1;
    }
    drain(a);
    set_msg(a, false, "> %s", line);
    lesson_poll(a);
    return 0;
}

static void stop(struct app *a);

/* Runs a command the user typed (or a key spelled out). Returns -1 on a parse or runtime
 * error, with the message line saying where; a parse error changes nothing. */
static int exec_line(struct app *a, const char *line)
{
    struct script_cmd *c = calloc(1, sizeof(*c));
    struct script_error err;
    char text[APP_MSG_MAX];
    int r;

    if (!c)
        abort();
    if (a->runner) {
        free(c);
        return lesson_exec(a, line);
    }
    if (strncmp(line, "compare", 7) == 0 && (line[7] == '\0' || line[7] == ' ')) {
        /* Leaves the loop; app_sandbox and app_open hand the journal to the compare view. */
        a->compare = true;
        snprintf(a->compare_models, sizeof(a->compare_models), "%s", line + 7 + (line[7] == ' '));
        free(c);
        stop(a);
        return 0;
    }
    memset(&err, 0, sizeof(err));
    r = script_parse_line(a->env, "", 1, line, c, &err);
    if (r < 0) {
        format_err(&err, false, text, sizeof(text));
        set_msg(a, true, "%s", text);
        free(c);
        return -1;
    }
    if (r == 0) {
        free(c);
        return 0;
    }
    fork_future(a);
    r = exec_cmd(a, c, false);
    if (r == 0 && (c->kind == CMD_MODEL || c->kind == CMD_NODES || c->kind == CMD_SEED)) {
        a->journal_floor = script_run_journal_count(a->run);
        a->head_us = 0;
    }
    if (r == 0) {
        set_msg(a, false, "> %s", c->text);
        if ((c->kind == CMD_MODEL || c->kind == CMD_NODES || c->kind == CMD_SEED) &&
            a->pc < a->script.n) {
            a->pc = a->script.n;
            a->wait = WAIT_NONE;
            a->next[0] = '\0';
            set_msg(a, false, "> %s (the cluster was rebuilt; the scenario stops here)", c->text);
        }
    }
    free(c);
    return r;
}

/* ---- playing a scenario ---- */

static void set_next(struct app *a)
{
    char t[32];

    if (a->pc >= a->script.n) {
        snprintf(a->next, sizeof(a->next), "end of scenario");
        return;
    }
    if (a->wait == WAIT_TIME) {
        draw_fmt_time(t, sizeof(t), a->wait_until);
        snprintf(a->next, sizeof(a->next), "at %s: %s", t, a->script.cmds[a->pc].text);
    } else if (a->wait == WAIT_QUIET) {
        snprintf(a->next, sizeof(a->next), "when quiet: %s", a->script.cmds[a->pc].text);
    } else if (a->wait == WAIT_BEAT) {
        snprintf(a->next, sizeof(a->next), "beat %d: Space goes on, then %s", a->n_beats,
                 a->script.cmds[a->pc].text);
    } else {
        snprintf(a->next, sizeof(a->next), "%s", a->script.cmds[a->pc].text);
    }
}

/* Remembers where the player stands now, for a later rewind. */
static void snap(struct app *a)
{
    struct app_snap *sn;

    if (!a->snaps)
        return;
    sn = &a->snaps[a->n_snaps < a->script.n + 1 ? a->n_snaps++ : a->script.n];
    sn->t_us = engine_now(eng(a));
    sn->pc = a->pc;
    sn->wait = a->wait;
    sn->wait_until = a->wait_until;
}

static void pump_inner(struct app *a);
static void set_paused(struct app *a, bool paused);
static void cast_marker(struct app *a, const char *label);

/* A demo reached a `beat`: it pauses, and remembers the moment for Left. */
static void demo_reached_beat(struct app *a)
{
    struct app_beat *b;

    a->wait = WAIT_BEAT;
    if (a->beats && a->n_beats < a->script.n + 1) {
        b = &a->beats[a->n_beats++];
        b->t_us = engine_now(eng(a));
        b->journal_n = script_run_journal_count(a->run);
        b->pc = a->pc;
        snprintf(b->caption, sizeof(b->caption), "%s", a->caption);
    }
    {
        char label[64];
        snprintf(label, sizeof(label), "beat %d", a->n_beats);
        cast_marker(a, label);
    }
    set_next(a);
    if (a->term)
        set_paused(a, true);
    else
        a->paused = true;
}

static void pump(struct app *a)
{
    pump_inner(a);
    snap(a);
}

/*
 * Executes the scenario's commands up to the next one that lets time pass,
 * and records what that one waits for. `run D` and `run until T` become a
 * wait for a virtual time, `run until quiet` a wait for the cluster to go
 * quiet (or quiet_max): the user's clock (Space, speed, `.`) moves time, and
 * the next commands run when it gets there.
 */
static void pump_inner(struct app *a)
{
    while (a->pc < a->script.n) {
        const struct script_cmd *c = &a->script.cmds[a->pc];
        int64_t now = engine_now(eng(a));
        a->pc++;
        if (c->kind == CMD_RUN) {
            a->wait = WAIT_TIME;
            a->wait_until = now + c->dur_us;
            set_next(a);
            return;
        }
        if (c->kind == CMD_RUN_UNTIL) {
            a->wait = WAIT_TIME;
            a->wait_until = c->dur_us > now ? c->dur_us : now;
            set_next(a);
            return;
        }
        if (c->kind == CMD_RUN_QUIET) {
            a->wait = WAIT_QUIET;
            a->wait_until = now + engine_param_num(eng(a), EP_QUIET_MAX);
            set_next(a);
            return;
        }
        /* Everything else (a step too) happens at this instant. */
        fork_future(a);
        exec_cmd(a, c, true);
        if (c->kind == CMD_SAY)
            snprintf(a->caption, sizeof(a->caption), "%s", c->words);
        if (c->kind == CMD_BEAT && a->demo) {
            demo_reached_beat(a);
            return;
        }
    }
    a->wait = WAIT_NONE;
    set_next(a);
}

static bool wait_over(struct app *a)
{
    struct engine *e = eng(a);

    switch (a->wait) {
    case WAIT_NONE:
        return false;
    case WAIT_TIME:
        return engine_now(e) >= a->wait_until;
    case WAIT_QUIET:
        return engine_quiet(e) || engine_now(e) >= a->wait_until;
    case WAIT_BEAT:
        return false;
    }
    return false;
}

/* ---- moving time ---- */

/*
 * A lesson's clock: the runner moves the run, pausing on the step's spotlight event and on
 * the gate, and skipping the lulls where only timers are pending.
 */
static void lesson_run_until(struct app *a, int64_t t_us)
{
    struct script_error err;
    struct runner_advance adv;
    char text[APP_MSG_MAX];

    memset(&err, 0, sizeof(err));
    if (lesson_runner_advance(a->runner, t_us, a->idle_skip, &adv, &err) < 0) {
        format_err(&err, false, text, sizeof(text));
        set_msg(a, true, "%s", text);
    }
    track_head(a);
    drain(a);
    if (adv.skipped_us >= RUNNER_SKIP_MIN_US) {
        set_msg(a, false, "%s %.1f s of waiting skipped (only timers were pending)",
                grid_ascii(a->grid) ? ">>" : "\xc2\xbb", (double)adv.skipped_us / 1e6);
    }
    if (adv.spotlight) {
        char line[APP_MSG_MAX];
        /* The event log marks the moment too, so it is there when the log scrolls on. */
        snprintf(line, sizeof(line), "%s this is the moment: %s",
                 grid_ascii(a->grid) ? ">>" : "\xe2\x96\xb6",
                 lesson_runner_evidence(a->runner) ? lesson_runner_evidence(a->runner) : "");
        draw_log_add(a->log, ST_INFO, line);
    }
    if (adv.spotlight && a->term) {
        set_paused(a, true);
        a->lesson_hold = true;
        set_msg(a, false, "This is the moment: the evidence is in the lesson pane. Space goes on");
    }
    if (adv.gate)
        lesson_passed(a);
}

static void run_until(struct app *a, int64_t t_us)
{
    struct script_error err;
    char text[APP_MSG_MAX];

    if (a->runner) {
        lesson_run_until(a, t_us);
        return;
    }
    memset(&err, 0, sizeof(err));
    if (script_run_advance(a->run, t_us, &err) < 0) {
        format_err(&err, a->script.n > 0, text, sizeof(text));
        set_msg(a, true, "%s", text);
        draw_log_add(a->log, ST_ERROR, text);
    }
    track_head(a);
    drain(a);
}

/*
 * Idle waits: when nothing is on the wire (engine_idle_until), only
 * timers are pending, and watching an empty map until the next one fires teaches nothing.
 * Demos and presenter mode jump straight to it (never past limit_us, nor past what the scenario
 * waits for) and the status bar says how much was skipped; a lesson's runner skips its own lulls
 * (lesson_run_until), so that a spotlight event is never skipped past. Returns the virtual time
 * skipped; 0 when there was nothing to skip or skipping is off.
 */
static int64_t app_idle_skip(struct app *a, int64_t limit_us)
{
    struct engine *e = eng(a);
    int64_t now = engine_now(e), next = engine_idle_until(e), to;

    if (!a->idle_skip || a->runner || !(a->demo || a->present) || next < 0 || a->wait == WAIT_BEAT)
        return 0;
    to = next < limit_us ? next : limit_us;
    if (a->wait == WAIT_TIME && a->wait_until < to)
        to = a->wait_until;
    if (to - now < APP_SKIP_MIN_US)
        return 0;
    run_until(a, to);
    a->skipped_us += to - now;
    a->skip_last_us = to - now;
    a->skip_shown_until = uv_now(&a->loop) + APP_SKIP_SHOW_MS;
    return to - now;
}

/*
 * Moves virtual time forward by dv_us, stopping where the scenario has commands to run. The work
 * is cut into slices, and once a frame's share of wall time (APP_FRAME_BUDGET_NS) is spent the
 * rest is dropped: keys are answered within a frame whatever the load, and the status bar shows
 * the speed achieved falling behind the one asked for.
 */
static void advance(struct app *a, int64_t dv_us)
{
    int64_t target = engine_now(eng(a)) + dv_us, slice = dv_us / 8 > 1000 ? dv_us / 8 : 1000;
    uint64_t t0 = uv_hrtime();

    for (int guard = 0; guard < 1000; guard++) {
        int64_t now = engine_now(eng(a)), skipped;
        if (a->paused)
            break; /* a lesson paused on its spotlight or its gate: no more time passes */
        if (wait_over(a)) {
            pump(a);
            continue;
        }
        if (a->wait == WAIT_BEAT)
            break; /* a demo waits for the presenter: no time passes */
        /* A skip moves the target with it: the frame's own share of time still plays. */
        skipped = app_idle_skip(a, target + (a->present || a->demo ? 60000000 : 10000000));
        if (skipped > 0) {
            target += skipped;
            continue;
        }
        if (now >= target)
            break;
        if (a->wait == WAIT_TIME && a->wait_until <= target && a->wait_until - now <= slice) {
            run_until(a, a->wait_until);
            a->rate_moved_us += engine_now(eng(a)) - now;
            continue;
        }
        run_until(a, target - now > slice ? now + slice : target);
        a->rate_moved_us += engine_now(eng(a)) - now;
        if (wait_over(a))
            pump(a);
        if (uv_hrtime() - t0 > APP_FRAME_BUDGET_NS)
            break; /* out of time: the rest of this frame's virtual time is dropped */
    }
}

/* The speed label for the bar: what was asked, and what was achieved when it falls behind. */
static void speed_label(struct app *a)
{
    char got[32];
    int64_t v = a->achieved_vus_per_s;

    if (!a->behind || a->paused) {
        snprintf(a->speed_text, sizeof(a->speed_text), "%s", speed_at(a->speed)->label);
        return;
    }
    if (v >= 1000000)
        snprintf(got, sizeof(got), "%.1fx", (double)v / 1e6);
    else
        snprintf(got, sizeof(got), "%.3gx", (double)v / 1e6);
    snprintf(a->speed_text, sizeof(a->speed_text), "%s asked, %s achieved",
             speed_at(a->speed)->label, got);
}

/* Once a window has passed: the speed achieved over it, and whether it is behind. */
static void measure_rate(struct app *a, uint64_t now_ns)
{
    uint64_t dt = now_ns - a->rate_t0_ns;

    if (a->rate_t0_ns == 0 || dt > 10 * APP_RATE_WINDOW_NS) {
        a->rate_t0_ns = now_ns;
        a->rate_moved_us = 0;
        return;
    }
    if (dt < APP_RATE_WINDOW_NS)
        return;
    a->achieved_vus_per_s = (int64_t)((double)a->rate_moved_us * 1e9 / (double)dt);
    /* Behind when under nine tenths of what was asked, except when a beat held the clock (then
     * nothing was owed). */
    a->behind =
        a->achieved_vus_per_s * 10 < speed_at(a->speed)->vus_per_s * 9 && a->wait != WAIT_BEAT;
    a->rate_t0_ns = now_ns;
    a->rate_moved_us = 0;
}

static void set_paused(struct app *a, bool paused);

static void step_one(struct app *a)
{
    struct script_error err;
    char text[APP_MSG_MAX];

    fork_future(a);
    memset(&err, 0, sizeof(err));
    if (script_run_step(a->run, &err) < 0) {
        format_err(&err, a->script.n > 0, text, sizeof(text));
        set_msg(a, true, "%s", text);
    }
    track_head(a);
    drain(a);
    if (wait_over(a))
        pump(a);
    lesson_poll(a);
}

/*
 * Time travel: the cluster is rebuilt and the journal replayed up to t_us (the
 * engine is deterministic, so it is exactly the state it was then). Going
 * forward is replaying further, up to the furthest time reached; acting in the
 * past forks a new future (fork_future).
 */
static void travel(struct app *a, int64_t t_us)
{
    struct script_error err;
    char t[32], h[32];
    bool to_head;
    int n, r;

    set_paused(a, true);
    track_head(a);
    if (t_us < 0)
        t_us = 0;
    to_head = t_us >= a->head_us;
    if (to_head)
        t_us = a->head_us;
    n = script_run_journal_count(a->run);
    if (!to_head) {
        int64_t jt;
        int k = a->journal_floor;
        while (k < n && script_run_journal_at(a->run, k, &jt) && (jt < t_us || jt == 0))
            k++;
        n = k;
    }
    memset(&err, 0, sizeof(err));
    r = script_run_rewind(a->run, t_us, n, &err);
    a->traced = NULL; /* a new cluster: follow its trace from the start */
    a->rewound_n = to_head ? -1 : n;
    /* Put the scenario player where it stood at that moment. */
    for (int i = a->n_snaps - 1; i >= 0; i--) {
        if (to_head || a->snaps[i].t_us < t_us || a->snaps[i].t_us == 0) {
            a->pc = a->snaps[i].pc;
            a->wait = a->snaps[i].wait;
            a->wait_until = a->snaps[i].wait_until;
            set_next(a);
            break;
        }
    }
    drain(a);
    draw_fmt_time(t, sizeof(t), engine_now(eng(a)));
    draw_fmt_time(h, sizeof(h), a->head_us);
    if (r < 0)
        set_msg(a, true, "the replay stopped: %s", err.msg);
    else if (to_head)
        set_msg(a, false, "Back at the present, %s", t);
    else
        set_msg(a, false, "Rewound to %s of %s: ] replays forward; acting here forks a new future",
                t, h);
}

static void in_cb(uv_poll_t *h, int status, int events);

static void frame_cb(uv_timer_t *h)
{
    struct app *a = h->data;
    uint64_t now, dt_ns;
    int64_t owed;

    /* Keys first: whatever the frame's work costs, what the user pressed is answered now. */
    in_cb(&a->in, 0, UV_READABLE);
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
        a->rate_t0_ns = 0;
        return;
    }
    advance(a, owed / 1000000);
    measure_rate(a, uv_hrtime());
    if (a->paused)
        return; /* the lesson paused on its spotlight or its gate */
    lesson_poll(a);
    a->dirty = true;
}

static void set_paused(struct app *a, bool paused)
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
        a->rate_t0_ns = 0; /* a fresh window: the pause owed nothing */
        a->behind = false;
        uv_timer_start(&a->frame, frame_cb, APP_FRAME_MS, APP_FRAME_MS);
        a->frame_on = true;
    }
    a->dirty = true;
}

/* ---- adversary mode and the scrubber ---- */

/* The messages in flight the learner can pick, in the order Tab visits them: the soonest to
 * arrive first (ties by id). Dropped ones are already lost. Returns how many. */
static int pick_list(struct app *a, uint64_t *ids, int max)
{
    const struct net *net = engine_net(eng(a));
    int64_t due[APP_PICK_MAX];
    int n = 0;

    if (max > APP_PICK_MAX)
        max = APP_PICK_MAX;
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

/* Keeps the pick on a message still in flight; moves it by dir (+1 next, -1 previous). */
static void pick_move(struct app *a, int dir)
{
    uint64_t ids[APP_PICK_MAX];
    int n = pick_list(a, ids, APP_PICK_MAX), at = -1;

    for (int i = 0; i < n; i++)
        if (ids[i] == a->pick_id)
            at = i;
    if (n == 0)
        a->pick_id = 0;
    else if (at < 0)
        a->pick_id = ids[0];
    else
        a->pick_id = ids[((at + dir) % n + n) % n];
}

/* d, + and D: the command goes through the command line's path, so it is journalled and a
 * rewind replays it. */
static void pick_act(struct app *a, const char *verb, const char *arg)
{
    char line[64];
    uint64_t id = a->pick_id;

    if (!id) {
        set_msg(a, true, "no message in flight to pick: . steps on, Esc leaves");
        return;
    }
    snprintf(line, sizeof(line), "%s %llu%s%s", verb, (unsigned long long)id, arg ? " " : "",
             arg ? arg : "");
    if (exec_line(a, line) == 0 && strcmp(verb, "drop") == 0)
        pick_move(a, 1); /* it is lost: pick the next */
    track_head(a);
}

/* Adversary mode's keys; false for a key it leaves to the rest of the sandbox. */
static bool pick_key(struct app *a, int k)
{
    if (!a->picking)
        return false;
    if (!a->paused) {
        a->picking = false; /* running again: the mode is over */
        return false;
    }
    switch (k) {
    case KEYS_TAB:
    case KEYS_RIGHT:
    case KEYS_DOWN:
    case 'j':
    case 'l':
        a->msg[0] = '\0';
        pick_move(a, 1);
        return true;
    case KEYS_LEFT:
    case KEYS_UP:
    case 'k':
    case 'h':
        a->msg[0] = '\0';
        pick_move(a, -1);
        return true;
    case 'd':
        pick_act(a, "deliver", NULL);
        return true;
    case '+':
    case '>':
        pick_act(a, "delay", APP_PICK_DELAY);
        return true;
    case 'D':
        pick_act(a, "drop", NULL);
        return true;
    case KEYS_ESC:
    case 'q':
    case 'm':
        a->picking = false;
        set_msg(a, false, "Back to the network's own choices: Space runs on");
        return true;
    default:
        return false;
    }
}

/* The scrubber's right end: the latest time reached. */
static int64_t scrub_head(struct app *a)
{
    int64_t now = engine_now(eng(a));

    return a->head_us > now ? a->head_us : now;
}

static bool scrub_key(struct app *a, int k)
{
    int64_t head, step;

    if (!a->scrub)
        return false;
    head = scrub_head(a);
    step = head / 100 > APP_SCRUB_MIN ? head / 100 : APP_SCRUB_MIN;
    switch (k) {
    case KEYS_LEFT:
    case 'h':
        a->scrub_us -= step;
        break;
    case KEYS_RIGHT:
    case 'l':
        a->scrub_us += step;
        break;
    case KEYS_PGUP:
    case KEYS_DOWN:
        a->scrub_us -= 10 * step;
        break;
    case KEYS_PGDN:
    case KEYS_UP:
        a->scrub_us += 10 * step;
        break;
    case KEYS_HOME:
        a->scrub_us = 0;
        break;
    case KEYS_END:
        a->scrub_us = head;
        break;
    case KEYS_ENTER:
        a->scrub = false;
        travel(a, a->scrub_us);
        return true;
    case KEYS_ESC:
    case 'q':
    case 'T':
        a->scrub = false;
        a->msg[0] = '\0';
        return true;
    default:
        return true; /* the scrubber holds the keys until Enter or Esc */
    }
    if (a->scrub_us < 0)
        a->scrub_us = 0;
    if (a->scrub_us > head)
        a->scrub_us = head;
    return true;
}

/* ---- keys ---- */

/* The `workload` command W starts: the settings' rate, or the built-in one when they say off. */
static const char *workload_line(struct app *a)
{
    snprintf(a->workload_cmd, sizeof(a->workload_cmd), "workload %s",
             strcmp(a->set_workload, "off") != 0 ? a->set_workload : APP_WORKLOAD);
    return a->workload_cmd;
}

static void cmd_open(struct app *a, const char *text)
{
    a->cmd_open = true;
    a->searching = false;
    snprintf(a->cmd, sizeof(a->cmd), "%s", text);
    a->cmd_len = (int)strlen(a->cmd);
    a->cmd_cursor = a->cmd_len;
    a->hist_pos = a->n_hist;
    a->msg[0] = '\0';
    a->msg_error = false;
    a->dirty = true;
}

static void hist_push(struct app *a, const char *line)
{
    if (!line[0] || (a->n_hist > 0 && strcmp(a->hist[a->n_hist - 1], line) == 0))
        return;
    if (a->n_hist == APP_HISTORY) {
        memmove(a->hist[0], a->hist[1], sizeof(a->hist[0]) * (APP_HISTORY - 1));
        a->n_hist--;
    }
    snprintf(a->hist[a->n_hist++], sizeof(a->hist[0]), "%s", line);
}

/* The words the command line completes: the first word of a command, then words inside one. */
static const char *const command_words[] = {
    "model", "nodes", "seed",   "set",       "latency", "at",   "run",      "step",
    "put",   "get",   "incr",   "add",       "remove",  "del",  "kill",     "restart",
    "wipe",  "pause", "resume", "partition", "heal",    "cut",  "mend",     "link",
    "net",   "skew",  "drift",  "ntp",       "expect",  "note", "workload",
};
static const char *const inner_words[] = {"until",     "quiet", "via",  "for",  "not",
                                          "converged", "off",   "keys", "reads"};

#define APP_MAX_CANDS 128

/*
 * Tab: completes the word before the cursor — a command word, a node name,
 * a model name after `model`, a parameter after `set` — to the longest
 * prefix the candidates share; with several, the message line lists them.
 */
static void complete(struct app *a)
{
    const char *cands[APP_MAX_CANDS];
    char nodes[ENGINE_MAX_NODES][8], first[32] = "", word[64], list[APP_MSG_MAX] = "";
    int start = a->cmd_cursor, n = 0, nn = engine_nodes(eng(a)), common = -1, len;
    const struct model_ops *m = engine_model(eng(a));

    while (start > 0 && a->cmd[start - 1] != ' ')
        start--;
    len = a->cmd_cursor - start;
    if (len >= (int)sizeof(word))
        return;
    memcpy(word, a->cmd + start, (size_t)len);
    word[len] = '\0';
    sscanf(a->cmd, "%31s", first);
    if (start > 0 && strcmp(first, "model") == 0) {
        for (int i = 0; i < model_count() && n < APP_MAX_CANDS; i++)
            cands[n++] = model_at(i)->name;
    } else if (start > 0 && strcmp(first, "set") == 0) {
        for (int i = 0; i < EP_COUNT && n < APP_MAX_CANDS; i++)
            cands[n++] = engine_params[i].name;
        for (int i = 0; i < m->n_params && n < APP_MAX_CANDS; i++)
            cands[n++] = m->params[i].name;
    } else if (start == 0 || strcmp(first, "at") == 0) {
        for (size_t i = 0; i < sizeof(command_words) / sizeof(command_words[0]); i++)
            cands[n++] = command_words[i];
    } else {
        for (size_t i = 0; i < sizeof(inner_words) / sizeof(inner_words[0]); i++)
            cands[n++] = inner_words[i];
        for (int i = 0; i < nn && n < APP_MAX_CANDS; i++) {
            snprintf(nodes[i], sizeof(nodes[i]), "n%d", i + 1);
            cands[n++] = nodes[i];
        }
    }
    /* Keep the candidates that extend the word; find how far they agree. */
    for (int i = 0, kept = 0; i < n; i++) {
        if (strncmp(cands[i], word, (size_t)len) != 0)
            continue;
        if (common < 0) {
            common = (int)strlen(cands[i]);
            cands[kept] = cands[i];
        } else {
            int c = 0;
            while (c < common && cands[i][c] == cands[0][c])
                c++;
            common = c;
            cands[kept] = cands[i];
        }
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", kept ? " " : "",
                 cands[i]);
        kept++;
    }
    if (common < 0) {
        set_msg(a, true, "nothing completes '%s'", word);
        return;
    }
    for (int c = len; c < common && a->cmd_len < SCRIPT_MAX_LINE - 2; c++) {
        memmove(a->cmd + a->cmd_cursor + 1, a->cmd + a->cmd_cursor,
                (size_t)(a->cmd_len - a->cmd_cursor + 1));
        a->cmd[a->cmd_cursor++] = cands[0][c];
        a->cmd_len++;
    }
    if (!strchr(list, ' ') && a->cmd_len < SCRIPT_MAX_LINE - 2 && a->cmd[a->cmd_cursor] != ' ') {
        memmove(a->cmd + a->cmd_cursor + 1, a->cmd + a->cmd_cursor,
                (size_t)(a->cmd_len - a->cmd_cursor + 1));
        a->cmd[a->cmd_cursor++] = ' ';
        a->cmd_len++;
        a->msg[0] = '\0';
    } else if (strchr(list, ' ')) {
        set_msg(a, false, "%s", list);
    }
}

/* The `/` line: the filter follows every keystroke; Enter keeps it, Esc drops it. */
static void search_key(struct app *a, int k)
{
    switch (k) {
    case KEYS_ENTER:
        a->cmd_open = false;
        break;
    case KEYS_ESC:
        a->cmd_open = false;
        a->cmd[0] = '\0';
        break;
    case KEYS_BACKSPACE:
        if (a->cmd_len == 0) {
            a->cmd_open = false;
        } else if (a->cmd_cursor > 0) {
            memmove(a->cmd + a->cmd_cursor - 1, a->cmd + a->cmd_cursor,
                    (size_t)(a->cmd_len - a->cmd_cursor + 1));
            a->cmd_cursor--;
            a->cmd_len--;
        }
        break;
    default:
        if (k >= 32 && k < 127 && a->cmd_len < (int)sizeof(a->filter) - 1) {
            memmove(a->cmd + a->cmd_cursor + 1, a->cmd + a->cmd_cursor,
                    (size_t)(a->cmd_len - a->cmd_cursor + 1));
            a->cmd[a->cmd_cursor++] = (char)k;
            a->cmd_len++;
        }
        break;
    }
    snprintf(a->filter, sizeof(a->filter), "%s", a->cmd);
    if (!a->cmd_open)
        a->msg[0] = '\0';
    a->dirty = true;
}

static void stop(struct app *a);

/*
 * `:open NAME` and `:demo NAME` are the sandbox's, not the command language's: they name a
 * file (or a shipped scenario or demo) to play instead of this run. The loop ends and the
 * caller opens it. Returns 1 when line was one of them, 0 when it was not; an unknown name
 * leaves the run as it is, with the reason on the message line.
 */
static int open_line(struct app *a, const char *line)
{
    char verb[8] = "", name[SCRIPT_MAX_LINE] = "", why[DATADIR_PATH_MAX + 200];
    bool demo;
    int r;

    if (sscanf(line, " %7s %1023s", verb, name) < 1 ||
        (strcmp(verb, "open") != 0 && strcmp(verb, "demo") != 0))
        return 0;
    demo = strcmp(verb, "demo") == 0;
    if (a->runner) {
        set_msg(a, true, ":%s works in the sandbox, not in a lesson", verb);
        return 1;
    }
    if (!name[0]) {
        set_msg(a, true, ":%s NAME: a file, or a shipped %s (splitbrain %s lists them)", verb,
                demo ? "demo" : "scenario", verb);
        return 1;
    }
    r = demo ? datadir_resolve(DATADIR_DEMOS, name, a->reopen, sizeof(a->reopen), why, sizeof(why))
             : datadir_resolve_play(name, a->reopen, sizeof(a->reopen), why, sizeof(why));
    if (r < 0) {
        a->reopen[0] = '\0';
        set_msg(a, true, "%s", why);
        return 1;
    }
    a->reopen_demo = demo || strstr(a->reopen, ".demo") != NULL;
    stop(a);
    return 1;
}

static void cmd_key(struct app *a, int k)
{
    if (a->searching) {
        search_key(a, k);
        return;
    }
    switch (k) {
    case KEYS_ENTER: {
        char line[SCRIPT_MAX_LINE];
        snprintf(line, sizeof(line), "%s", a->cmd);
        hist_push(a, line);
        if (open_line(a, line)) {
            if (a->reopen[0])
                a->cmd_open = false;
        } else if (exec_line(a, line) == 0) {
            a->cmd_open = false;
        } else {
            /* Keep the line to fix; put the cursor where the error points. */
            const char *colon = strchr(a->msg, ':');
            int col = colon ? atoi(colon + 1) : 0;
            if (col > 0 && col - 1 <= a->cmd_len)
                a->cmd_cursor = col - 1;
        }
        break;
    }
    case KEYS_ESC:
        a->cmd_open = false;
        a->msg[0] = '\0';
        break;
    case KEYS_BACKSPACE:
        if (a->cmd_cursor > 0) {
            memmove(a->cmd + a->cmd_cursor - 1, a->cmd + a->cmd_cursor,
                    (size_t)(a->cmd_len - a->cmd_cursor + 1));
            a->cmd_cursor--;
            a->cmd_len--;
        } else if (a->cmd_len == 0) {
            a->cmd_open = false;
        }
        break;
    case KEYS_DELETE:
        if (a->cmd_cursor < a->cmd_len) {
            memmove(a->cmd + a->cmd_cursor, a->cmd + a->cmd_cursor + 1,
                    (size_t)(a->cmd_len - a->cmd_cursor));
            a->cmd_len--;
        }
        break;
    case KEYS_LEFT:
        if (a->cmd_cursor > 0)
            a->cmd_cursor--;
        break;
    case KEYS_RIGHT:
        if (a->cmd_cursor < a->cmd_len)
            a->cmd_cursor++;
        break;
    case KEYS_HOME:
    case KEYS_CTRL('a'):
        a->cmd_cursor = 0;
        break;
    case KEYS_END:
    case KEYS_CTRL('e'):
        a->cmd_cursor = a->cmd_len;
        break;
    case KEYS_CTRL('u'):
        memmove(a->cmd, a->cmd + a->cmd_cursor, (size_t)(a->cmd_len - a->cmd_cursor + 1));
        a->cmd_len -= a->cmd_cursor;
        a->cmd_cursor = 0;
        break;
    case KEYS_TAB:
        complete(a);
        break;
    case KEYS_UP:
    case KEYS_DOWN:
        if (k == KEYS_UP && a->hist_pos > 0)
            a->hist_pos--;
        else if (k == KEYS_DOWN && a->hist_pos < a->n_hist)
            a->hist_pos++;
        snprintf(a->cmd, sizeof(a->cmd), "%s", a->hist_pos < a->n_hist ? a->hist[a->hist_pos] : "");
        a->cmd_len = (int)strlen(a->cmd);
        a->cmd_cursor = a->cmd_len;
        break;
    default:
        if (k >= 32 && k < 127 && a->cmd_len < SCRIPT_MAX_LINE - 2) {
            memmove(a->cmd + a->cmd_cursor + 1, a->cmd + a->cmd_cursor,
                    (size_t)(a->cmd_len - a->cmd_cursor + 1));
            a->cmd[a->cmd_cursor++] = (char)k;
            a->cmd_len++;
        }
        break;
    }
    a->dirty = true;
}

static void node_act(struct app *a, enum key_action act)
{
    struct engine_node en;
    char line[64];
    int n = a->selected + 1;

    if (engine_node(eng(a), a->selected, &en) < 0)
        return;
    switch (act) {
    case KA_KILL:
        snprintf(line, sizeof(line), "%s n%d", en.state == NODE_CRASHED ? "restart" : "kill", n);
        break;
    case KA_PAUSE_NODE:
        if (en.state == NODE_CRASHED) {
            set_msg(a, true, "n%d is down: K restarts it", n);
            return;
        }
        snprintf(line, sizeof(line), "%s n%d", en.state == NODE_PAUSED ? "resume" : "pause", n);
        break;
    case KA_NONE:
    case KA_HELP:
    case KA_CLOSE:
    case KA_QUIT:
    case KA_COMMAND:
    case KA_SEARCH:
    case KA_RUN:
    case KA_STEP:
    case KA_SLOWER:
    case KA_FASTER:
    case KA_NORMAL_SPEED:
    case KA_PREV_NODE:
    case KA_NEXT_NODE:
    case KA_JUMP_NODE:
    case KA_HEAL:
    case KA_CUT:
    case KA_PARTITION:
    case KA_SKEW:
    case KA_WRITE:
    case KA_READ:
    case KA_REDRAW:
    case KA_BACK:
    case KA_FORWARD:
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
        return;
    }
    exec_line(a, line);
}

/* ---- lesson keys ---- */

static void lesson_items(struct app *a)
{
    for (int i = 0; i < a->course->n; i++) {
        const struct course_item *it = &a->course->items[i];
        course_status(it, a->prog, a->item_status[i], sizeof(a->item_status[i]));
        a->items[i].name = it->name;
        a->items[i].title = it->error[0] ? it->error : it->title;
        a->items[i].status = a->item_status[i];
    }
    course_summary(a->course, a->prog, a->summary, sizeof(a->summary));
}

static int lesson_start(struct app *a, int k);

/* The quiz takes the digits, the arrows, Space and Enter while it waits for an answer. */
static bool quiz_key(struct app *a, int k)
{
    const struct lesson_quiz *q = &lesson_runner_current(a->runner)->quiz;
    int pick = -1;

    if (k >= '1' && k <= '9') {
        if (k - '1' >= q->n_choices) {
            set_msg(a, true, "there are %d choices", q->n_choices);
            return true;
        }
        pick = k - '1';
    } else if (k == KEYS_UP || k == 'k') {
        a->quiz_cursor = (a->quiz_cursor + q->n_choices - 1) % q->n_choices;
    } else if (k == KEYS_DOWN || k == 'j') {
        a->quiz_cursor = (a->quiz_cursor + 1) % q->n_choices;
    } else if (k == ' ') {
        /* Space toggles the highlighted choice. */
        unsigned bit = 1u << a->quiz_cursor;
        a->quiz_pick = q->multiple ? a->quiz_pick ^ bit : (a->quiz_pick == bit ? 0 : bit);
    } else if (k == KEYS_ENTER) {
        bool right;
        if (!a->quiz_pick) {
            set_msg(a, true, "Nothing is selected yet: press a number (1-%d)%s, then Enter",
                    q->n_choices, q->multiple ? " or Space on each answer you choose" : "");
            return true;
        }
        right = lesson_runner_answer(a->runner, a->quiz_pick);
        if (q->kind == LESSON_PREDICT)
            set_msg(a, false, "Prediction recorded. Now %s and watch what happens.",
                    lesson_runner_phase(a->runner) == RUNNER_TASK ? "do the task" : "read on");
        else
            set_msg(a, !right, "%s", right ? "Right!" : "Not quite: the pane says why.");
        lesson_poll(a);
        lesson_save(a);
    } else {
        return false;
    }
    if (pick >= 0) {
        /* A number selects that choice (and adds it, in a multiple-answer question). */
        a->quiz_cursor = pick;
        a->quiz_pick = q->multiple ? a->quiz_pick | (1u << pick) : 1u << pick;
    }
    a->dirty = true;
    return true;
}

/* The lesson list overlay: choose with the arrows, Enter opens. */
static void list_key(struct app *a, int k, enum key_action act)
{
    int n = a->course->n;

    if (act == KA_QUIT) {
        a->quit = true;
    } else if (k == KEYS_UP || k == 'k') {
        a->list_cursor = n ? (a->list_cursor + n - 1) % n : 0;
    } else if (k == KEYS_DOWN || k == 'j') {
        a->list_cursor = n ? (a->list_cursor + 1) % n : 0;
    } else if (k == KEYS_ENTER && n > 0) {
        a->list_open = false;
        if (a->list_cursor != a->course_at)
            lesson_start(a, a->list_cursor);
    } else if (act == KA_CLOSE || act == KA_LESSONS || k == KEYS_ESC) {
        a->list_open = false;
    }
    a->dirty = true;
}

/* Keys only a lesson has; true when k was one of them (or the lesson took it). */
static bool lesson_key(struct app *a, int k, enum key_action act)
{
    struct script_error err;
    const char *w;
    bool held;

    if (!a->runner) {
        if (act == KA_HINT || act == KA_SHOW_ME || act == KA_STEP_NEXT || act == KA_STEP_BACK ||
            act == KA_RESET_STEP || act == KA_LESSONS || act == KA_LEGEND) {
            set_msg(a, false, "That key works in a lesson: splitbrain lesson lists them");
            return true;
        }
        return false;
    }
    if (a->list_open) {
        list_key(a, k, act);
        return true;
    }
    if (a->confirm_reset) {
        a->confirm_reset = false;
        if (k == 'y' || k == 'Y') {
            memset(&err, 0, sizeof(err));
            if (lesson_runner_reset_step(a->runner, &err) < 0)
                set_msg(a, true, "the reset stopped: %s", err.msg);
            else
                set_msg(a, false, "The step starts again, from the moment it began");
            lesson_step_changed(a);
        } else {
            set_msg(a, false, "Not reset");
        }
        return true;
    }
    if (lesson_runner_phase(a->runner) == RUNNER_QUIZ && quiz_key(a, k))
        return true;
    memset(&err, 0, sizeof(err));
    switch (act) {
    case KA_HINT:
        if (lesson_runner_phase(a->runner) == RUNNER_QUIZ) {
            set_msg(a, false, "Predict first: the hints are for the task after the question");
        } else if ((w = lesson_runner_hint(a->runner)) != NULL) {
            a->hint = w;
            set_msg(a, false, "Hint %d of %d: in the lesson pane",
                    lesson_runner_hints_shown(a->runner), lesson_runner_hints_total(a->runner));
        } else {
            set_msg(a, false, "No more hints%s",
                    lesson_runner_current(a->runner)->n_dos ? ": M shows you (it does the step)"
                                                            : "");
        }
        return true;
    case KA_SHOW_ME:
        if (lesson_runner_phase(a->runner) == RUNNER_QUIZ) {
            set_msg(a, false, "Predict first: answer the question, then M shows you");
        } else if (lesson_runner_phase(a->runner) == RUNNER_DONE) {
            set_msg(a, false, "This step is done: > goes on");
        } else if (lesson_runner_current(a->runner)->n_dos == 0) {
            set_msg(a, false, "This step has nothing to show: the task says what to do");
        } else if (lesson_runner_show_me(a->runner, &err) < 0) {
            drain(a);
            set_msg(a, true, "show me stopped: %s", err.msg);
        } else {
            drain(a);
            set_msg(a, false, "Shown: the step's own actions ran; watch what they do");
            if (a->paused)
                set_paused(a, false);
            lesson_poll(a);
        }
        return true;
    case KA_STEP_NEXT:
        held = a->lesson_hold && a->paused;
        if (lesson_runner_next(a->runner)) {
            lesson_step_changed(a);
            if (held)
                set_paused(a, false); /* read: the run goes on with the next step */
            set_msg(a, false, "Step %d of %d", lesson_runner_step(a->runner) + 1,
                    a->lesson.n_steps);
        } else if (lesson_runner_finished(a->runner)) {
            set_msg(a, false, "That was the last step: L lists the lessons");
        } else {
            w = lesson_runner_waiting(a->runner);
            set_msg(a, false, "Not yet: %s%s",
                    lesson_runner_phase(a->runner) == RUNNER_QUIZ ? "answer the question first"
                    : w[0]                                        ? "waiting for "
                                                                  : "do the task first",
                    lesson_runner_phase(a->runner) == RUNNER_QUIZ ? "" : w);
        }
        return true;
    case KA_STEP_BACK:
        if (lesson_runner_back(a->runner, &err) < 0)
            set_msg(a, true, "going back stopped: %s", err.msg);
        else
            set_msg(a, false, "Back to the start of step %d: the run was rewound",
                    lesson_runner_step(a->runner) + 1);
        lesson_step_changed(a);
        return true;
    case KA_RESET_STEP:
        if (lesson_runner_stuck(a->runner)) {
            /* A dead end was explained: nothing here is worth keeping, so no question. */
            if (lesson_runner_reset_step(a->runner, &err) < 0)
                set_msg(a, true, "the reset stopped: %s", err.msg);
            else
                set_msg(a, false, "The step starts again, from the moment it began");
            lesson_step_changed(a);
            return true;
        }
        a->confirm_reset = true;
        set_msg(a, false,
                "Start this step again from its beginning? y resets, any other key "
                "keeps it");
        return true;
    case KA_LESSONS:
        lesson_items(a);
        a->list_open = true;
        a->list_cursor = a->course_at;
        return true;
    case KA_BACK:
    case KA_FORWARD:
        set_msg(a, false,
                "In a lesson, < goes back a step: it rewinds the run to the step's start");
        return true;
    case KA_STEP:
        if (lesson_runner_phase(a->runner) == RUNNER_QUIZ) {
            set_msg(a, false, "Predict first: the run waits for your answer");
            return true;
        }
        return false;
    case KA_NONE:
    case KA_HELP:
    case KA_CLOSE:
    case KA_QUIT:
    case KA_COMMAND:
    case KA_SEARCH:
    case KA_RUN:
    case KA_SLOWER:
    case KA_FASTER:
    case KA_NORMAL_SPEED:
    case KA_PREV_NODE:
    case KA_NEXT_NODE:
    case KA_JUMP_NODE:
    case KA_KILL:
    case KA_PAUSE_NODE:
    case KA_HEAL:
    case KA_CUT:
    case KA_PARTITION:
    case KA_SKEW:
    case KA_WRITE:
    case KA_READ:
    case KA_REDRAW:
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
        return false;
    case KA_LEGEND:
        a->legend = !a->legend;
        set_msg(a, false,
                a->legend ? "The legend is in the lesson pane: i goes back to the step"
                          : "Back to the step");
        return true;
    }
    return false;
}

/* The context menu's items for the selected node, each the key that does it. */
static void menu_build(struct app *a)
{
    struct draw_menu *m = &a->menu;
    struct engine_node en;
    int n = a->selected + 1, nn = engine_nodes(eng(a));

    memset(m, 0, sizeof(*m));
    if (engine_node(eng(a), a->selected, &en) < 0)
        return;
    snprintf(a->menu_title, sizeof(a->menu_title), "n%d%s%s%s", n, en.desc.role[0] ? " (" : "",
             en.desc.role, en.desc.role[0] ? ")" : "");
    m->title = a->menu_title;
#define MENU_ITEM(k, ...)                                                                          \
    do {                                                                                           \
        m->items[m->n].key = (k);                                                                  \
        snprintf(m->items[m->n].label, sizeof(m->items[0].label), __VA_ARGS__);                    \
        m->n++;                                                                                    \
    } while (0)
    MENU_ITEM("K", "%s n%d", en.state == NODE_CRASHED ? "restart" : "kill", n);
    if (en.state != NODE_CRASHED)
        MENU_ITEM("Z", "%s n%d", en.state == NODE_PAUSED ? "resume" : "pause", n);
    MENU_ITEM("w", "write through n%d", n);
    MENU_ITEM("g", "read through n%d", n);
    MENU_ITEM("S", "skew n%d's clock", n);
    if (nn > 1) {
        MENU_ITEM("C", "cut / mend a link to...");
        MENU_ITEM("X", "partition n%d away", n);
    }
#undef MENU_ITEM
}

static void top_key(struct app *a, int k);

/* The menu takes the arrows, Enter, Esc and q; an item's own key runs it at once. */
static void menu_key(struct app *a, int k)
{
    struct draw_menu *m = &a->menu;
    int run = -1;

    if (k == KEYS_UP || k == 'k') {
        m->cursor = (m->cursor + m->n - 1) % m->n;
    } else if (k == KEYS_DOWN || k == 'j') {
        m->cursor = (m->cursor + 1) % m->n;
    } else if (k == KEYS_ENTER) {
        run = m->cursor;
    } else if (k == KEYS_ESC || k == 'q' || k == KEYS_CTRL('c')) {
        a->menu_open = false;
    } else {
        for (int i = 0; i < m->n; i++)
            if (m->items[i].key[0] == k && m->items[i].key[1] == '\0')
                run = i;
        if (run < 0)
            set_msg(a, false, "Not in the menu: pick one of its keys, or Esc");
    }
    if (run >= 0) {
        a->menu_open = false;
        top_key(a, (unsigned char)m->items[run].key[0]);
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
/* Presenter mode on or off: the pace goes with it (slower for a room, back to the default). */
static void set_present(struct app *a, bool on)
{
    a->present = on;
    a->speed = on ? a->speed_present : a->speed_default;
    set_msg(a, false, "%s",
            on ? "Presenter mode: map, ops and captions, high contrast, slower; P leaves it"
               : "Presenter mode off");
}

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

/* Left / PageUp: rewind to the last beat left (or, waiting at one, to the one before). */
static void demo_back(struct app *a)
{
    struct script_error err;
    const struct app_beat *b;
    int target = a->wait == WAIT_BEAT ? a->n_beats - 2 : a->n_beats - 1, r;

    if (target < 0) {
        set_msg(a, false, "This is the first beat: Space goes on");
        return;
    }
    b = &a->beats[target];
    set_paused(a, true);
    track_head(a);
    memset(&err, 0, sizeof(err));
    r = script_run_rewind(a->run, b->t_us, b->journal_n, &err);
    a->traced = NULL; /* a new cluster: follow its trace from the start */
    a->rewound_n = b->journal_n;
    a->pc = b->pc;
    a->wait = WAIT_BEAT;
    a->n_beats = target + 1;
    snprintf(a->caption, sizeof(a->caption), "%s", b->caption);
    set_next(a);
    drain(a);
    if (r < 0)
        set_msg(a, true, "the replay stopped: %s", err.msg);
    else
        set_msg(a, false, "Back at beat %d: Space goes on", a->n_beats);
}

/*
 * A clicker pressed mid-beat: the rest of the run up to the next beat plays at once, with no
 * wall time (each wait finished exactly as the file says: a `run D` to its time, a `run until
 * quiet` event by event to the moment the cluster goes quiet), so the state at the beat is the
 * same however far the clock had got.
 */
static void demo_finish_beat(struct app *a)
{
    struct script_error err;

    fork_future(a);
    for (int guard = 0; guard < 100000 && a->wait != WAIT_BEAT && a->wait != WAIT_NONE; guard++) {
        if (a->wait == WAIT_TIME) {
            run_until(a, a->wait_until);
        } else if (a->wait == WAIT_QUIET) {
            for (int k = 0; k < 1000000 && !wait_over(a); k++) {
                memset(&err, 0, sizeof(err));
                if (script_run_step(a->run, &err) <= 0) {
                    run_until(a, a->wait_until);
                    break;
                }
            }
            track_head(a);
            drain(a);
        }
        if (wait_over(a))
            pump(a);
    }
}

/* The presenter's keys (what clickers send); true when the key was taken. Right, PageDown and
 * Space go to the next beat, even from the middle of one; Left and PageUp go back; p pauses. */
static bool demo_key(struct app *a, int k)
{
    if (!a->demo)
        return false;
    if (k == KEYS_LEFT || k == KEYS_PGUP) {
        demo_back(a);
        return true;
    }
    if (k != ' ' && k != KEYS_RIGHT && k != KEYS_PGDN)
        return false;
    if (a->wait == WAIT_NONE) {
        set_msg(a, false, "The demo has ended: Left goes back a beat, q quits");
        return true;
    }
    if (a->wait != WAIT_BEAT) {
        /* Mid-beat: finish it at once, and stop at the next beat. */
        demo_finish_beat(a);
        if (a->wait == WAIT_BEAT)
            set_msg(a, false, "Beat %d: the rest of the last one played at once", a->n_beats);
        else
            set_msg(a, false, "The demo has ended: Left goes back a beat, q quits");
        set_paused(a, true);
        lesson_poll(a);
        return true;
    }
    a->wait = WAIT_NONE;
    a->msg[0] = '\0';
    pump(a);
    if (a->wait != WAIT_BEAT)
        set_paused(a, false);
    return true;
}

static void top_key(struct app *a, int k)
{
    enum key_action act = keys_lookup(k);
    char line[96];
    int n = engine_nodes(eng(a));

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
        a->menu_open = false; /* its items were for the node selected before */
        a->dirty = true;
        return;
    }
    if (a->menu_open) {
        menu_key(a, k);
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
    if (scrub_key(a, k) || pick_key(a, k) || demo_key(a, k)) {
        a->dirty = true;
        return;
    }
    if (lesson_key(a, k, act)) {
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
        a->searching = true;
        set_msg(a, false, "Type to filter the event log; Enter keeps the filter, Esc drops it");
        break;
    case KA_RUN:
        set_paused(a, !a->paused);
        break;
    case KA_STEP:
        set_paused(a, true);
        step_one(a);
        break;
    case KA_SLOWER:
        if (a->speed > 0)
            a->speed--;
        break;
    case KA_FASTER:
        if (a->speed < speed_count() - 1)
            a->speed++;
        break;
    case KA_NORMAL_SPEED:
        a->speed = a->present ? a->speed_present : a->speed_default;
        break;
    case KA_PREV_NODE:
        a->selected = (a->selected + n - 1) % n;
        a->link_to = 0;
        break;
    case KA_NEXT_NODE:
        a->selected = (a->selected + 1) % n;
        a->link_to = 0;
        break;
    case KA_JUMP_NODE:
        a->link_to = 0;
        if (k - '1' < n)
            a->selected = k - '1';
        else
            set_msg(a, true, "there is no n%d: this cluster has %d nodes", k - '0', n);
        break;
    case KA_KILL:
    case KA_PAUSE_NODE:
        node_act(a, act);
        break;
    case KA_HEAL:
        exec_line(a, "heal");
        break;
    case KA_CUT: {
        int other = (a->selected + 1) % n;
        bool cut = !net_reachable(engine_net(eng(a)), a->selected, other);
        if (n < 2)
            break;
        if (a->link_to > 0 && a->link_to <= n && a->link_to - 1 != a->selected) {
            /* The link chosen with v: cut or mend it at once, through the command language. */
            other = a->link_to - 1;
            cut = !net_reachable(engine_net(eng(a)), a->selected, other) ||
                  !net_reachable(engine_net(eng(a)), other, a->selected);
            snprintf(line, sizeof(line), "%s n%d n%d", cut ? "mend" : "cut", a->selected + 1,
                     other + 1);
            exec_line(a, line);
            break;
        }
        snprintf(line, sizeof(line), "%s n%d n%d", cut ? "mend" : "cut", a->selected + 1,
                 other + 1);
        cmd_open(a, line);
        set_msg(a, false, "Enter %s the link; change the second node first if you like",
                cut ? "mends" : "cuts");
        break;
    }
    case KA_PARTITION: {
        char rest[64] = "";
        for (int i = 0; i < n; i++)
            if (i != a->selected)
                snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest), " n%d", i + 1);
        if (n < 2)
            break;
        snprintf(line, sizeof(line), "partition n%d |%s", a->selected + 1, rest);
        cmd_open(a, line);
        set_msg(a, false, "Enter splits the cluster; move nodes across the | first if you like");
        break;
    }
    case KA_SKEW:
        snprintf(line, sizeof(line), "skew n%d +100ms", a->selected + 1);
        cmd_open(a, line);
        set_msg(a, false, "Enter jumps n%d's clock; edit the amount (like -2s) first if you like",
                a->selected + 1);
        break;
    case KA_WRITE:
        snprintf(line, sizeof(line), "put x %d via n%d", ++a->writes, a->selected + 1);
        cmd_open(a, line);
        set_msg(a, false, "Enter writes through n%d; edit the key or value first if you like",
                a->selected + 1);
        break;
    case KA_READ:
        snprintf(line, sizeof(line), "get x via n%d", a->selected + 1);
        cmd_open(a, line);
        set_msg(a, false, "Enter reads through n%d", a->selected + 1);
        break;
    case KA_REDRAW:
        term_invalidate(a->term);
        break;
    case KA_BACK:
        travel(a, engine_now(eng(a)) - speed_at(a->speed)->vus_per_s);
        break;
    case KA_FORWARD:
        if (a->rewound_n < 0)
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
        break; /* lesson_key took them */
    case KA_MENU:
        menu_build(a);
        a->menu_open = a->menu.n > 0;
        break;
    case KA_CLOCKS:
        a->clocks_on = !a->clocks_on;
        a->tl_on = false;
        if (a->clocks_on)
            set_msg(a, false,
                    "Clocks: each node's wall clock against true time; S skews the "
                    "selected one, :ntp n2 resyncs, c goes back to the map");
        break;
    case KA_TIMELINE:
        a->clocks_on = false;
        a->tl_on = !a->tl_on;
        a->tl_scroll = 0;
        if (a->tl_on)
            set_msg(a, false,
                    "Timeline: a lane per node, time runs down; PgUp/Up scroll back, "
                    "t goes back to the map");
        break;
    case KA_OLDER:
    case KA_NEWER:
        if (!a->tl_on) {
            /* On the map, they scroll the event log back through what it holds. */
            a->log_scroll += act == KA_OLDER ? APP_TL_PAGE : -APP_TL_PAGE;
            if (a->log_scroll < 0)
                a->log_scroll = 0;
            if (a->log_scroll > draw_log_count(a->log))
                a->log_scroll = draw_log_count(a->log);
            break;
        }
        a->tl_scroll += act == KA_OLDER ? APP_TL_PAGE : -APP_TL_PAGE;
        if (a->tl_scroll < 0)
            a->tl_scroll = 0;
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
    case KA_OLDEST:
    case KA_NEWEST:
        /* Home / End on the map: the event log's oldest line held, or back to the newest. */
        a->log_scroll = act == KA_OLDEST ? draw_log_count(a->log) : 0;
        break;
    case KA_WHEEL_UP:
    case KA_WHEEL_DOWN: {
        int d = act == KA_WHEEL_UP ? APP_WHEEL : -APP_WHEEL;
        if (a->tl_on) {
            a->tl_scroll = a->tl_scroll + d < 0 ? 0 : a->tl_scroll + d;
        } else {
            a->log_scroll += d;
            if (a->log_scroll < 0)
                a->log_scroll = 0;
            if (a->log_scroll > draw_log_count(a->log))
                a->log_scroll = draw_log_count(a->log);
        }
        break;
    }
    case KA_LEGEND:
        break; /* a lesson's: lesson_key took it */
    case KA_PICK_MSG:
        set_paused(a, true);
        a->tl_on = false;
        a->clocks_on = false;
        a->picking = true;
        a->msg[0] = '\0';
        pick_move(a, 0);
        break;
    case KA_SCRUB:
        set_paused(a, true);
        track_head(a);
        a->scrub = true;
        a->scrub_us = engine_now(eng(a));
        a->msg[0] = '\0';
        break;
    case KA_WORKLOAD:
        if (engine_workload_on(eng(a)))
            exec_line(a, "workload off");
        else
            exec_line(a, workload_line(a));
        if (!a->msg_error)
            set_msg(a, false, "%s",
                    engine_workload_on(eng(a))
                        ? "Background workload on: W (or :workload off) stops it"
                        : "Background workload off: W starts it again");
        break;
    }
    a->dirty = true;
}

static void stop(struct app *a)
{
    a->quit = true;
    uv_stop(&a->loop);
}

static void in_cb(uv_poll_t *h, int status, int events)
{
    struct app *a = h->data;
    int k;

    (void)events;
    if (status < 0) {
        stop(a);
        return;
    }
    while (!a->quit && (k = term_key(a->term)) != -1) {
        if (k == -2)
            continue;
        a->input_ns = uv_hrtime();
        if (k == KEYS_CTRL('c')) {
            a->quit = true;
            break;
        }
        if (a->cmd_open && k != KEYS_RESIZE)
            cmd_key(a, k);
        else
            top_key(a, k);
    }
    if (a->quit)
        stop(a);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    struct app *a = h->data;

    if (signum == SIGWINCH) {
        term_resize(a->term);
        a->dirty = true;
        return;
    }
    stop(a); /* SIGINT, SIGTERM, SIGHUP: quit cleanly */
}

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
#define APP_CHECKS_WHOLE (CHECK_PART_LOST | CHECK_PART_SPLIT | CHECK_PART_SESSIONS)
_Static_assert(SCRIPT_VIEW_RING >= TIMELINE_MAX, "the trace ring must cover the timeline");
static void update_checks(struct app *a)
{
    const struct engine *e = eng(a);
    const struct history *h = engine_history(e);
    size_t n = history_count(h), done = n - history_pending(h);
    struct check_summary whole;
    uint64_t t0;

    if (!a->live)
        a->live = check_live_create();
    if (e != a->checks_eng)
        check_live_reset(a->live);
    check_live_update(a->live, h, APP_LIN_BUDGET);
    check_live_fill(a->live, &a->checks);
    t0 = uv_hrtime();
    if (e == a->checks_eng && done == a->checks_done && !a->checks_stale)
        return;
    if (e == a->checks_eng && !a->paused && t0 < a->checks_next_ns)
        return;
    a->checks_stale = false;
    a->checks_eng = e;
    a->checks_done = done;
    check_summary_run(e, script_run_recorder(a->run), 0, APP_CHECKS_WHOLE, &whole);
    a->checks.ran |= whole.ran;
    a->checks.lost = whole.lost;
    a->checks.split = whole.split;
    a->checks.sess = whole.sess;
    a->checks_next_ns = t0 + APP_CHECKS_SHARE * (uv_hrtime() - t0);
}

/* ---- --cast: the frames as an asciicast v2 recording ---- */

/* Opens a->cast and writes the header; false (with a message) when it cannot. */
static bool cast_open(struct app *a, int w, int h)
{
    char hdr[160];

    if (!a->cast)
        return true;
    a->cast_f = fopen(a->cast, "w");
    if (!a->cast_f) {
        fprintf(stderr, "splitbrain: --cast %s: cannot write it\n", a->cast);
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &a->cast_t0);
    grid_cast_header(w, h, (long long)time(NULL), APP_CAST_IDLE_S, hdr, sizeof(hdr));
    fputs(hdr, a->cast_f);
    fflush(a->cast_f);
    return true;
}

/* Seconds since the recording began. */
static double cast_time(const struct app *a)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - a->cast_t0.tv_sec) +
           (double)(now.tv_nsec - a->cast_t0.tv_nsec) / 1e9;
}

static void cast_timer_cb(uv_timer_t *h)
{
    struct app *a = h->data;

    a->dirty = true;
}

/* Appends what changed in a->grid since the last frame written (the whole frame after a resize),
 * stamped with the seconds since the recording began; nothing when nothing changed. */
static void cast_write(struct app *a)
{
    double t;
    size_t n;
    char *buf;

    if (!a->cast_f)
        return;
    t = cast_time(a);
    if (a->cast_prev && t - a->cast_last_t < APP_CAST_FRAME_MS / 1000.0) {
        /* Ten frames a second are plenty for a recording: this one waits, and a timer draws
         * again once its time comes, so the last state before a pause is never lost. */
        if (!uv_is_active((uv_handle_t *)&a->cast_timer))
            uv_timer_start(&a->cast_timer, cast_timer_cb, APP_CAST_FRAME_MS, 0);
        return;
    }
    a->cast_last_t = t;
    n = grid_cast_diff(a->grid, a->cast_prev, t, app_cast_sgr, ST_COUNT, NULL, 0);
    if (n == 0)
        return;
    buf = malloc(n + 1);
    if (!buf)
        abort();
    grid_cast_diff(a->grid, a->cast_prev, t, app_cast_sgr, ST_COUNT, buf, n + 1);
    fwrite(buf, 1, n, a->cast_f);
    fflush(a->cast_f);
    free(buf);
    if (!a->cast_prev)
        a->cast_prev = grid_create(grid_width(a->grid), grid_height(a->grid), false);
    grid_copy(a->cast_prev, a->grid);
}

/* A marker in the recording (a demo's beat), so a player can jump to it. */
static void cast_marker(struct app *a, const char *label)
{
    char buf[256];

    if (!a->cast_f)
        return;
    grid_cast_marker(cast_time(a), label, buf, sizeof(buf));
    fputs(buf, a->cast_f);
    fflush(a->cast_f);
}

/* Closes the recording; false when any frame of it failed to be written. */
static bool cast_close(struct app *a)
{
    bool ok = true;

    if (a->cast_f) {
        ok = !ferror(a->cast_f);
        if (fclose(a->cast_f) != 0)
            ok = false;
    }
    a->cast_f = NULL;
    grid_destroy(a->cast_prev);
    a->cast_prev = NULL;
    return ok;
}

static void render(struct app *a)
{
    char skip[48];
    struct draw_lesson dl;
    struct draw_view v;
    struct draw_cursor cur;
    char narration[LESSON_TEXT_MAX], success[LESSON_TEXT_MAX], explain[LESSON_TEXT_MAX];
    int w, h;

    term_size(a->term, &w, &h);
    if (w != grid_width(a->grid) || h != grid_height(a->grid))
        grid_resize(a->grid, w, h);
    memset(&v, 0, sizeof(v));
    v.title = a->title;
    v.selected = a->selected;
    v.paused = a->paused;
    speed_label(a);
    v.speed = a->speed_text;
    v.rec = a->record || a->cast_f;
    if (uv_now(&a->loop) < a->skip_shown_until) {
        char t[32];
        draw_fmt_delta(t, sizeof(t), a->skip_last_us);
        snprintf(skip, sizeof(skip), " idle %s skipped ", t + 1);
        v.skip = skip;
    }
    v.present = a->present;
    v.help = a->help;
    v.cmd_open = a->cmd_open;
    v.cmd_prompt = a->searching ? '/' : ':';
    v.filter = a->filter;
    v.log_scroll = a->log_scroll;
    v.log_mark = a->log_mark;
    v.op_sel = a->op_sel;
    v.link_to = a->link_to;
    v.flash = a->flash;
    v.n_flash = a->n_flash;
    if (a->demo && a->caption[0]) {
        v.caption = a->caption;
        v.beat = a->wait == WAIT_BEAT;
    }
    v.head_us = a->rewound_n >= 0 ? a->head_us : -1;
    v.cmd = a->cmd;
    v.cmd_cursor = a->cmd_cursor;
    v.msg = a->msg[0] ? a->msg : NULL;
    v.msg_error = a->msg_error;
    v.next = a->script.n > 0 ? a->next : NULL;
    v.log = a->log;
    v.workload = a->workload[0] ? a->workload : "on";
    v.clocks = a->clocks_on;
    v.menu = a->menu_open ? &a->menu : NULL;
    if (a->picking && a->paused) {
        pick_move(a, 0); /* the picked message may have arrived meanwhile */
        v.picking = true;
        v.pick_id = a->pick_id;
    }
    v.scrub = a->scrub;
    v.scrub_us = a->scrub_us;
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
        memset(&dl, 0, sizeof(dl));
        dl.title = a->lesson.title;
        dl.step = lesson_runner_step(a->runner);
        dl.n_steps = a->lesson.n_steps;
        dl.s = lesson_runner_current(a->runner);
        dl.phase = lesson_runner_phase(a->runner);
        dl.quiz_cursor = a->quiz_cursor;
        dl.quiz_pick = a->quiz_pick;
        dl.answered = lesson_runner_answered(a->runner);
        dl.hint = a->hint;
        dl.hints_shown = lesson_runner_hints_shown(a->runner);
        dl.waiting = lesson_runner_waiting(a->runner);
        dl.finished = lesson_runner_finished(a->runner);
        dl.stuck = lesson_runner_stuck(a->runner);
        dl.evidence = lesson_runner_evidence(a->runner);
        dl.held = a->lesson_hold && a->paused;
        dl.explain_ready = lesson_runner_explain_ready(a->runner);
        dl.hints_total = lesson_runner_hints_total(a->runner);
        dl.legend = a->legend;
        dl.lamport = a->lesson.show_lamport;
        lesson_runner_expand(a->runner, dl.s->narration, narration, sizeof(narration));
        lesson_runner_expand(a->runner, dl.s->success, success, sizeof(success));
        lesson_runner_expand(a->runner, dl.s->quiz.explain, explain, sizeof(explain));
        dl.narration = narration;
        dl.success = success;
        dl.explain = explain;
        dl.list = a->list_open;
        dl.items = a->items;
        dl.n_items = a->course->n;
        dl.list_cursor = a->list_cursor;
        dl.summary = a->summary;
        v.lesson = &dl;
    }
    draw_frame(a->grid, eng(a), &v, &cur);
    term_present(a->term, a->grid, &cur);
    cast_write(a);
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

/*
 * ASCII when asked, when the locale's codeset is not UTF-8, and on the Linux console (TERM=linux
 * and its variants), whose font has few of the box and arrow glyphs the screen uses.
 */
static bool want_ascii(bool forced)
{
    const char *cs, *term = getenv("TERM");

    setlocale(LC_ALL, "");
    cs = nl_langinfo(CODESET);
    if (term && strncmp(term, "linux", 5) == 0)
        return true;
    return forced || !cs || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0);
}

static void idle_cb(uv_timer_t *h);

static int loop_run(struct app *a, bool ascii, bool mouse)
{
    int w, h, flags;
    bool cast_ok;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "splitbrain: the sandbox needs a terminal; for a headless run use: "
                        "splitbrain run FILE.scn\n");
        return EXIT_USAGE;
    }
    a->term = term_create(mouse);
    if (!a->term)
        return EXIT_USAGE;
    if (a->theme != TERM_THEME_DEFAULT || !a->colour)
        term_set_theme(a->term, a->theme, a->colour);
    term_size(a->term, &w, &h);
    a->grid = grid_create(w, h, ascii);
    if (!cast_open(a, grid_width(a->grid), grid_height(a->grid))) {
        term_destroy(a->term);
        a->term = NULL;
        return EXIT_USAGE;
    }
    if (a->demo && a->wait == WAIT_BEAT) {
        char label[64];
        snprintf(label, sizeof(label), "beat %d", a->n_beats);
        cast_marker(a, label); /* the beat the demo opened on */
    }

    uv_loop_init(&a->loop);
    uv_poll_init(&a->loop, &a->in, STDIN_FILENO);
    a->in.data = a;
    uv_poll_start(&a->in, UV_READABLE, in_cb);
    /* uv_poll made the tty non-blocking, and stdout shares it: curses must not see EAGAIN. */
    flags = fcntl(STDOUT_FILENO, F_GETFL);
    if (flags >= 0)
        fcntl(STDOUT_FILENO, F_SETFL, flags & ~O_NONBLOCK);
    uv_signal_init(&a->loop, &a->sig_winch);
    uv_signal_init(&a->loop, &a->sig_int);
    uv_signal_init(&a->loop, &a->sig_term);
    uv_signal_init(&a->loop, &a->sig_hup);
    a->sig_winch.data = a->sig_int.data = a->sig_term.data = a->sig_hup.data = a;
    uv_signal_start(&a->sig_winch, signal_cb, SIGWINCH);
    uv_signal_start(&a->sig_int, signal_cb, SIGINT);
    uv_signal_start(&a->sig_term, signal_cb, SIGTERM);
    uv_signal_start(&a->sig_hup, signal_cb, SIGHUP);
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
    a->input_ns = uv_hrtime();
    if (a->runner)
        uv_timer_start(&a->idle, idle_cb, 1000, 1000);
    if (!a->paused) {
        a->paused = true;
        set_paused(a, false);
    }
    a->dirty = true;

    uv_run(&a->loop, UV_RUN_DEFAULT);
    cast_ok = cast_close(a);

    uv_close((uv_handle_t *)&a->in, close_cb);
    uv_close((uv_handle_t *)&a->sig_winch, close_cb);
    uv_close((uv_handle_t *)&a->sig_int, close_cb);
    uv_close((uv_handle_t *)&a->sig_term, close_cb);
    uv_close((uv_handle_t *)&a->sig_hup, close_cb);
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

/* Takes the settings a command runs with (config.h). */
static void app_configure(struct app *a, const struct config *cfg)
{
    a->speed_default = speed_nearest(cfg->speed);
    a->speed_present = speed_nearest(cfg->presenter_speed);
    a->speed = a->present ? a->speed_present : a->speed_default;
    a->idle_skip = cfg->idle_skip;
    a->theme = cfg->theme == CONFIG_THEME_HIGH_CONTRAST ? TERM_THEME_HIGH_CONTRAST
               : cfg->theme == CONFIG_THEME_LIGHT       ? TERM_THEME_LIGHT
                                                        : TERM_THEME_DEFAULT;
    a->colour = cfg->colour;
    snprintf(a->set_workload, sizeof(a->set_workload), "%s", cfg->workload);
}

static struct app *app_create(const char *title, int64_t seed_override)
{
    struct app *a = calloc(1, sizeof(*a));

    if (!a)
        abort();
    snprintf(a->title, sizeof(a->title), "%s", title);
    a->run = script_run_create(title, seed_override);
    script_run_trace_ring(a->run, SCRIPT_VIEW_RING);
    a->log = draw_log_create();
    a->tl = timeline_create();
    a->speed_default = SPEED_DEFAULT;
    a->speed_present = SPEED_PRESENT;
    a->idle_skip = true;
    a->speed = a->speed_default;
    a->colour = true;
    snprintf(a->set_workload, sizeof(a->set_workload), "%s", APP_WORKLOAD);
    a->rewound_n = -1;
    a->checks_done = SIZE_MAX;
    script_env_init(&a->own_env, false);
    a->env = &a->own_env;
    return a;
}

static void app_destroy(struct app *a)
{
    if (!a)
        return;
    script_release(&a->script);
    free(a->snaps);
    free(a->beats);
    script_env_release(&a->own_env);
    if (a->runner)
        lesson_runner_destroy(a->runner); /* it owns the run and the env */
    if (!a->runner_mode_run_owned)
        script_run_destroy(a->run);
    if (a->lesson_loaded)
        lesson_release(&a->lesson);
    draw_log_destroy(a->log);
    timeline_destroy(a->tl);
    check_live_destroy(a->live);
    grid_destroy(a->grid);
    free(a);
}

/*
 * --record FILE: the run so far as a replayable scenario, written atomically (a temporary file
 * renamed over FILE) so a crash mid-write never leaves half a recording. While rewound, what
 * came after the moment on screen is dropped: the recording is the run as it stands.
 */
static int record_write(struct app *a)
{
    char tmp[4096];
    FILE *f;
    int r;

    if (!a->record)
        return EXIT_OK;
    if (a->rewound_n >= 0)
        script_run_truncate_journal(a->run, a->rewound_n);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", a->record, (long)getpid());
    f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "splitbrain: --record %s: cannot write %s\n", a->record, tmp);
        return EXIT_USAGE;
    }
    r = script_run_write_recording(a->run, f, engine_now(eng(a)));
    if (ferror(f))
        r = -1;
    if (fclose(f) != 0)
        r = -1;
    if (r < 0 || rename(tmp, a->record) != 0) {
        fprintf(stderr, "splitbrain: --record %s: the recording could not be written\n", a->record);
        remove(tmp);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Destroys a; when `:open` or `:demo` asked for another file, plays it with the same options
 * (a --record file is then written again, for the file played last). */
static int reopen_or_end(struct app *a, const struct app_launch *l, int r)
{
    struct app_launch next = *l;
    char path[DATADIR_PATH_MAX];

    if (r != EXIT_OK || !a->reopen[0]) {
        app_destroy(a);
        return r;
    }
    snprintf(path, sizeof(path), "%s", a->reopen);
    next.demo = a->reopen_demo;
    next.file = path;
    next.seed_n = -1;
    app_destroy(a);
    return app_open_run(&next);
}

int app_sandbox_run(const struct app_launch *l)
{
    const char *model = l->model, *nodes = l->nodes, *seed = l->seed;
    struct app *a;
    char line[128];
    int r;

    a = app_create("sandbox", -1);
    app_configure(a, l->cfg);
    a->record = l->record;
    a->cast = l->cast;
    if (!model)
        model = model_find("leader") ? "leader" : "echo"; /* the sandbox opens on a leader */
    /* The options are commands of the language, so they are checked like one. */
    {
        const char *words[3] = {"model", "nodes", "seed"}, *vals[3] = {model, nodes, seed};
        for (int k = 0; k < 3; k++) {
            if (!vals[k])
                continue;
            snprintf(line, sizeof(line), "%s %s", words[k], vals[k]);
            if (exec_line(a, line) < 0) {
                /* The message starts "1:COL: ", which means nothing on a command line. */
                const char *why = strstr(a->msg, ": ");
                why = why ? why + 2 : a->msg;
                fprintf(stderr, "splitbrain sandbox: --%s %s: %s\n", words[k], vals[k], why);
                app_destroy(a);
                return EXIT_USAGE;
            }
        }
    }
    /* A first command at t=0 that builds the cluster, so a rewind replays from the same start. */
    exec_line(a, "note the sandbox: w writes, K kills the selected node, ? lists every key");
    /* A gentle background workload keeps messages moving (W or `:workload off` stops it). */
    if (strcmp(a->set_workload, "off") != 0)
        exec_line(a, workload_line(a));
    a->msg[0] = '\0';
    drain(a);
    set_msg(a, false, "Sandbox: w writes, K kills the selected node, : takes any command, ? help");
    if (l->present)
        set_present(a, true);
    r = loop_run(a, want_ascii(l->cfg->ascii), l->cfg->mouse);
    if (r == EXIT_OK)
        r = record_write(a);
    if (r == EXIT_OK && a->compare)
        r = compare_view_journal(a->run, engine_now(eng(a)), a->compare_models, a->speed,
                                 want_ascii(l->cfg->ascii), l->cfg->mouse);
    return reopen_or_end(a, l, r);
}

int app_open_run(const struct app_launch *l)
{
    const char *file = l->file;
    bool demo = l->demo;
    struct script_error err;
    struct app *a;
    char *text, msg[APP_MSG_MAX];
    size_t len;
    int r;

    text = headless_read_file(file, &len);
    if (!text)
        return EXIT_USAGE;
    a = app_create(file, l->seed_n);
    app_configure(a, l->cfg);
    a->record = l->record;
    a->cast = l->cast;
    a->demo = demo;
    script_env_release(&a->own_env);
    script_env_init(&a->own_env, true);
    memset(&err, 0, sizeof(err));
    if (script_parse_text(file, text, len, a->env, &a->script, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        free(text);
        app_destroy(a);
        return EXIT_USAGE;
    }
    free(text);
    /* From here on the `:` line adds to the file's world: its model, nodes and labels. */
    a->env->file_mode = false;
    a->snaps = calloc((size_t)a->script.n + 1, sizeof(*a->snaps));
    a->beats = calloc((size_t)a->script.n + 1, sizeof(*a->beats));
    if (!a->snaps || !a->beats)
        abort();
    pump(a); /* the setup, up to the first command that lets time pass */
    drain(a);
    a->paused = true;
    if (!a->msg_error && demo)
        set_msg(a, false, "Demo: Space, Right or PageDown goes to the next beat; Left goes back");
    else if (!a->msg_error)
        set_msg(a, false, "Paused at t=0: Space plays the scenario, . steps one event");
    if (l->present) {
        a->present = true;
        a->speed = a->speed_present;
    }
    r = loop_run(a, want_ascii(l->cfg->ascii), l->cfg->mouse);
    if (r == EXIT_OK)
        r = record_write(a);
    if (r == EXIT_OK && a->compare)
        r = compare_view_journal(a->run, engine_now(eng(a)), a->compare_models, a->speed,
                                 want_ascii(l->cfg->ascii), l->cfg->mouse);
    return reopen_or_end(a, l, r);
}

/* ---- a lesson ---- */

/* Every second: how long has the learner been idle? The runner may answer with a hint. */
static void idle_cb(uv_timer_t *h)
{
    struct app *a = h->data;
    const char *hint;

    if (!a->runner || a->list_open)
        return;
    hint = lesson_runner_idle(a->runner, (int64_t)((uv_hrtime() - a->input_ns) / 1000u));
    if (hint) {
        a->hint = hint;
        set_msg(a, false, "A hint, after a while without progress: see the lesson pane");
    }
}

/*
 * Opens lesson k of the course, resuming at the step its progress names (a finished lesson
 * starts again from the top). The runner owns the run and the parser env from here on, so the
 * `:` line and every key act on the cluster its checks read. On failure the old lesson stays.
 */
static int lesson_start(struct app *a, int k)
{
    const struct course_item *it = &a->course->items[k];
    const struct progress_entry *e;
    struct lesson l;
    struct lesson_runner *r;
    struct script_error err;
    char *text, why[APP_MSG_MAX];
    size_t len;
    int start = 0;

    if (it->error[0]) {
        set_msg(a, true, "%s", it->error);
        return -1;
    }
    text = headless_read_file(it->path, &len);
    if (!text) {
        set_msg(a, true, "%s cannot be read", it->path);
        return -1;
    }
    memset(&err, 0, sizeof(err));
    if (lesson_parse(it->path, text, len, &l, &err) < 0) {
        free(text);
        script_error_format(&err, why, sizeof(why));
        set_msg(a, true, "%s", why);
        return -1;
    }
    free(text);
    e = progress_get(a->prog, l.id, l.version);
    /* Resume where the learner stopped; a lesson finished at its last step starts over. */
    if (e && !(e->done && e->step >= l.n_steps - 1))
        start = e->step;
    if (a->runner)
        lesson_save(a); /* where the learner leaves the old one */
    /* The runner borrows the lesson: it moves into the app first, then the runner is made. */
    if (a->lesson_loaded) {
        lesson_runner_destroy(a->runner);
        a->runner = NULL;
        lesson_release(&a->lesson);
    }
    a->lesson = l;
    a->lesson_loaded = true;
    if (lesson_runner_create(&a->lesson, start, &r, &err) < 0) {
        script_error_format(&err, why, sizeof(why));
        lesson_release(&a->lesson);
        a->lesson_loaded = false;
        set_msg(a, true, "%s", why);
        return -1;
    }
    if (!a->runner_mode_run_owned)
        script_run_destroy(a->run); /* the sandbox's own run gives way to the runner's */
    a->runner_mode_run_owned = true;
    a->runner = r;
    a->run = lesson_runner_run(r);
    a->env = lesson_runner_env(r);
    a->course_at = k;
    a->prog_failed = false;
    snprintf(a->title, sizeof(a->title), "%s", a->lesson.id);
    a->selected = 0;
    lesson_step_changed(a);
    if (start > 0)
        set_msg(a, false, "Welcome back: step %d of %d. < goes back, L lists the lessons",
                lesson_runner_step(r) + 1, a->lesson.n_steps);
    else
        set_msg(a, false,
                "Read the pane on the left, then act on the cluster: H hints, > goes on, "
                "? lists every key");
    lesson_poll(a);
    return 0;
}

int app_lesson(struct course *c, int k, struct progress *p, const struct config *cfg)
{
    struct app *a;
    int r;

    a = app_create("lesson", -1);
    app_configure(a, cfg);
    a->course = c;
    a->prog = p;
    if (lesson_start(a, k) < 0) {
        fprintf(stderr, "splitbrain lesson: %s\n", a->msg);
        app_destroy(a);
        return EXIT_USAGE;
    }
    drain(a);
    r = loop_run(a, want_ascii(cfg->ascii), cfg->mouse);
    lesson_save(a); /* Q, Ctrl-C, q and the signals all end the loop and come here */
    app_destroy(a);
    return r;
}
