/*
 * sandbox: the interactive sandbox's state (struct app), shared by the rooms of the sandbox
 * (app.c: the loop and the top-level keys; command.c: the `:` line's commands; sandbox_clock.c:
 * moving time, the scenario player and time travel; lesson_life.c: a lesson's lifecycle; start.c:
 * start-up), and the services every one of them uses: the message line, the event log catching
 * up with the trace, running one parsed command, the head of the journal for time travel.
 *
 * Pausing starts or stops the loop's frame timer, which belongs to app.c: the loop lends it as
 * a hook (struct app's pause), so no room calls back into the loop.
 */
#ifndef SPLITBRAIN_SANDBOX_H
#define SPLITBRAIN_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/script.h"
#include "../lessons/lesson.h"
#include "../lessons/player.h"
#include "../lessons/runner.h"
#include "tloop.h"
#include "cast.h"
#include "cmdline.h"
#include "config.h"
#include "datadir.h"
#include "draw.h"
#include "flash.h"
#include "lesson_input.h"
#include "menu.h"
#include "pick.h"
#include "scrub.h"
#include "term.h"
#include "theme.h"
#include "timeline.h"

#define APP_FRAME_MS    33  /* about 30 frames a second while running */
#define APP_MAX_STEP_MS 100 /* a stalled loop does not make virtual time jump */
#define APP_MSG_MAX     (SCRIPT_MSG_MAX + 300)
#define APP_TL_PAGE     10     /* rows PgUp and PgDn scroll the timeline */
#define APP_WHEEL       3      /* rows a click of the mouse wheel scrolls */
#define APP_WORKLOAD    "2/s"  /* the sandbox's gentle background workload */
#define APP_LIN_BUDGET  200000 /* search steps per key for the live linearizability verdict */

#define APP_FRAME_BUDGET_NS 20000000u   /* the most wall time one frame's simulation may take */
#define APP_SKIP_MIN_US     20000       /* idle waits shorter than this are not worth a skip */
#define APP_SKIP_SHOW_MS    1500        /* how long the bar shows a skip */
#define APP_RATE_WINDOW_NS  1000000000u /* the achieved speed is measured over a second */

/* The clock's own state (sandbox_clock.c). */
struct sandbox_pace {
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
};

/* Time travel's own state (sandbox_clock.c; acting after a rewind forks: sandbox.c). */
struct sandbox_travel {
    /* The furthest time reached, and while rewound how many journal entries the replay kept
     * (-1: not rewound). */
    int64_t head_us;
    int rewound_n;
    /* Journal entries before this belong to clusters a `model`, `nodes` or `seed` replaced: a
     * rewind replays them all, then goes back only within the present cluster. */
    int journal_floor;
};

struct app {
    /* Lent by the loop (app.c): pause or resume the clock, starting or stopping the frame timer. */
    void (*pause)(struct app *a, bool paused);

    uv_loop_t loop;
    struct tloop keys; /* keys and signals */
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
    uint64_t traced_gen; /* the run's generation (engine) the trace cursor follows */
    struct trace_cursor cur;

    char title[256];
    bool paused;
    int speed;
    int selected;
    bool help;
    int writes;

    struct cmdline cl;               /* the `:` and `/` lines */
    char filter[CMDLINE_FILTER_MAX]; /* the event log shows only lines with this */
    char msg[APP_MSG_MAX];
    bool msg_error;
    char workload[16];   /* the rate of the last `workload` command, for the status bar */
    struct timeline *tl; /* the timeline view's own copy of the trace */
    bool tl_on;
    bool clocks_on;   /* the clock view */
    struct menu menu; /* the context menu for the selected node */
    int tl_scroll;    /* rows back from the newest */
    int log_scroll;   /* event-log lines back from the newest (PgUp/PgDn on the map) */
    /* n / N: what they look for (the filter text they were given) and the line they landed on
     * (draw_log_line's index + 1; 0: none). */
    char search[64];
    int log_mark;
    size_t op_sel;      /* o / O: the op the quorum view shows (history id; 0: the latest) */
    int link_to;        /* v: the selected node's link to node link_to - 1 (0: none) */
    struct flash flash; /* truncated or discarded entries the replica pane flashes */
    uv_timer_t flash_timer;
    struct pick pick;   /* adversary mode (m): the learner as the network */
    struct scrub scrub; /* the scrubber (T) */

    /* The checkers' verdicts: linearizability and outcomes kept live, the rest recomputed. */
    struct check_summary checks;
    struct check_live *live;
    uint64_t live_gen;       /* the run's generation the live checker follows */
    uint64_t checks_gen;     /* the run's generation the verdicts were computed on */
    size_t checks_done;      /* completed ops when they were computed; SIZE_MAX: never */
    bool checks_stale;       /* an event that can change a verdict came since */
    uint64_t checks_next_ns; /* while running, not recomputed before this (uv_hrtime) */

    /* The scenario or demo being played (open FILE, demo FILE): lessons/player.h. */
    struct player pl;
    /* --record FILE: the run written there as a scenario on the way out. */
    const char *record;
    /* `:open NAME` or `:demo NAME`: the file to play next, once this loop has ended. */
    char reopen[DATADIR_PATH_MAX];
    bool reopen_demo;
    /* --cast FILE: every drawn frame appended there as an asciicast v2 event. */
    const char *cast;
    struct cast *cast_rec;
    uv_timer_t cast_timer; /* writes a frame held back by the rate limit a moment later */
    /* Presenter mode (--present, P): fewer panes, high contrast, a slower clock. */
    bool present;
    struct sandbox_pace pace; /* the clock's: idle waits skipped, the speed achieved */
    /* From the settings (config.h): the speeds `=` returns to, and the rest. */
    int speed_default;
    int speed_present;
    bool idle_skip;
    enum theme_name theme;
    bool colour;
    char set_workload[CONFIG_TEXT_MAX]; /* the settings' workload: "2/s", "off" */
    char workload_cmd[CONFIG_TEXT_MAX + 16];

    struct sandbox_travel travel; /* time travel: the head, the rewind, the floor */

    /* A lesson (splitbrain lesson NAME): the runner owns run and env, so what the learner
     * does on the live cluster is what its checks see. */
    struct lesson_runner *runner;
    int side_lesson; /* a side-by-side lesson picked from the list (its index + 1): it opens
                      * in the side-by-side view once this loop ends */
    bool runner_mode_run_owned; /* the sandbox's own run is gone: run is the runner's */
    struct lesson lesson;
    bool lesson_loaded;
    struct progress *prog;
    bool prog_failed;       /* said once that progress cannot be saved */
    bool lesson_hold;       /* the run paused on the gate or the spotlight: Space or > goes on */
    struct lesson_input li; /* the lesson pane's keys and what it shows */
    uv_timer_t idle;
};

struct engine *eng(struct app *a);
/* The message line under the map; error marks it as one. */
void set_msg(struct app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The loop's pause hook: pause or resume the clock. */
void sandbox_pause(struct app *a, bool paused);
/* Ends the loop (uv_stop); the caller of the loop goes on from there. */
void stop(struct app *a);
/* Drops the flashes whose time is up; arms the timer for the next to go. */
void flash_arm(struct app *a);
/* Moves every new trace event into the event log. */
void drain(struct app *a);
/* Acting after a rewind forks a new future (the journal after it is forgotten). */
void fork_future(struct app *a);
/* The furthest time reached moves with the clock while not rewound. */
void track_head(struct app *a);
/* An error as FILE:LINE:COL (with_file) or LINE:COL. */
void format_err(const struct script_error *err, bool with_file, char *dst, size_t size);
/* Runs one parsed command; on error fills the message line and returns -1. */
int exec_cmd(struct app *a, const struct script_cmd *c, bool from_file);
/* Presenter mode on or off: the pace goes with it (slower for a room, back to the default). */
void set_present(struct app *a, bool on);

#endif
