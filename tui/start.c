/*
 * start: how the sandbox starts and ends (app.h's commands) — the settings taken in, the
 * sandbox's state built and torn down, --model/--nodes/--seed checked as commands of the
 * language, a scenario or demo loaded paused at t=0, a lesson opened where the progress says,
 * the loop run (app.c), then --record written, `:compare` handed to the side-by-side view, and
 * `:open`/`:demo` or a side-by-side lesson played next.
 */
#include "app.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/util.h"
#include "../lessons/progress.h"
#include "command.h"
#include "compare_view.h"
#include "course.h"
#include "headless.h"
#include "lesson_life.h"
#include "sandbox.h"
#include "sandbox_clock.h"
#include "speed.h"

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

/* Takes the settings a command runs with (config.h). */
static void app_configure(struct app *a, const struct config *cfg)
{
    a->speed_default = speed_nearest(cfg->speed);
    a->speed_present = speed_nearest(cfg->presenter_speed);
    a->speed = a->present ? a->speed_present : a->speed_default;
    a->idle_skip = cfg->idle_skip;
    a->theme = cfg->theme == CONFIG_THEME_HIGH_CONTRAST ? THEME_HIGH_CONTRAST
               : cfg->theme == CONFIG_THEME_LIGHT       ? THEME_LIGHT
                                                        : THEME_DEFAULT;
    a->colour = cfg->colour;
    snprintf(a->set_workload, sizeof(a->set_workload), "%s", cfg->workload);
}

static struct app *app_create(const char *title, int64_t seed_override)
{
    struct app *a = xcalloc(1, sizeof(*a));

    snprintf(a->title, sizeof(a->title), "%s", title);
    a->pause = app_set_paused;
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
    a->travel.rewound_n = -1;
    a->checks_done = SIZE_MAX;
    cmdline_init(&a->cl);
    player_init(&a->pl, false);
    lesson_input_init(&a->li, a, &lesson_life_hooks);
    script_env_init(&a->own_env, false);
    a->env = &a->own_env;
    return a;
}

static void app_destroy(struct app *a)
{
    if (!a)
        return;
    player_release(&a->pl);
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
    if (a->travel.rewound_n >= 0)
        script_run_truncate_journal(a->run, a->travel.rewound_n);
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
    r = app_loop_run(a, want_ascii(l->cfg->ascii), l->cfg->mouse);
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
    player_init(&a->pl, demo);
    script_env_release(&a->own_env);
    script_env_init(&a->own_env, true);
    memset(&err, 0, sizeof(err));
    if (player_load(&a->pl, file, text, len, a->env, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        free(text);
        app_destroy(a);
        return EXIT_USAGE;
    }
    free(text);
    /* From here on the `:` line adds to the file's world: its model, nodes and labels. */
    a->env->file_mode = false;
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
    r = app_loop_run(a, want_ascii(l->cfg->ascii), l->cfg->mouse);
    if (r == EXIT_OK)
        r = record_write(a);
    if (r == EXIT_OK && a->compare)
        r = compare_view_journal(a->run, engine_now(eng(a)), a->compare_models, a->speed,
                                 want_ascii(l->cfg->ascii), l->cfg->mouse);
    return reopen_or_end(a, l, r);
}

int app_lesson(struct course *c, int k, struct progress *p, const struct config *cfg)
{
    struct app *a;
    int r;

    a = app_create("lesson", -1);
    app_configure(a, cfg);
    a->li.course = c;
    a->li.prog = p;
    a->prog = p;
    if (lesson_start(a, k) < 0) {
        fprintf(stderr, "splitbrain lesson: %s\n", a->msg);
        app_destroy(a);
        return EXIT_USAGE;
    }
    drain(a);
    r = app_loop_run(a, want_ascii(cfg->ascii), cfg->mouse);
    lesson_save(a); /* Q, Ctrl-C, q and the signals all end the loop and come here */
    k = a->side_lesson - 1;
    app_destroy(a);
    return k >= 0 && r == EXIT_OK ? course_side_by_side(c, k, p, cfg) : r;
}
