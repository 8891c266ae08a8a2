/*
 * The table of splitbrain's sub-commands and options: the one place they are
 * named. The top-level usage, each command's --help, and (through a test
 * that reads that help) the man page's SYNOPSIS all follow it.
 */
#include "commands.h"

#include <stddef.h>

#include "../explore.h"
#include "../export.h"
#include "../headless.h"
#include "cli.h"
#include "check.h"
#include "compare.h"
#include "lesson.h"
#include "play.h"

#define OPT_SEED(what)                                                                             \
    {                                                                                              \
        "seed", 's', "N", what                                                                     \
    }
#define OPT_ASCII                                                                                  \
    {                                                                                              \
        "ascii", 0, NULL, "draw with ASCII only, whatever the locale"                              \
    }
#define OPT_NO_MOUSE                                                                               \
    {                                                                                              \
        "no-mouse", 0, NULL, "leave the mouse to the terminal"                                     \
    }
#define OPT_SPEED                                                                                  \
    {                                                                                              \
        "speed", 0, "X", "start at speed X (0.001x to 10x); = comes back to it"                    \
    }
#define OPT_PRESENT                                                                                \
    {                                                                                              \
        "present", 'P', NULL, "presenter mode: only the map and the ops, bold, bigger, slower"     \
    }
#define OPT_RECORD                                                                                 \
    {                                                                                              \
        "record", 0, "FILE.sbr", "on quit, write the session as a scenario that replays exactly"   \
    }
#define OPT_CAST                                                                                   \
    {                                                                                              \
        "cast", 0, "FILE.cast", "write the screen as an asciicast v2 recording"                    \
    }

static const struct cli_opt sandbox_opts[] = {
    {"model", 'm', "M", "the replication model (splitbrain models lists them)"},
    {"nodes", 'n', "N", "how many nodes, 1 to 64"},
    OPT_SEED("the seed of the run's randomness"),
    OPT_ASCII,
    OPT_NO_MOUSE,
    OPT_SPEED,
    OPT_PRESENT,
    OPT_RECORD,
    OPT_CAST,
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt open_opts[] = {
    OPT_SEED("the seed, instead of the file's own"),
    OPT_ASCII,
    OPT_NO_MOUSE,
    OPT_SPEED,
    OPT_PRESENT,
    OPT_RECORD,
    OPT_CAST,
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt replay_opts[] = {
    OPT_ASCII, OPT_NO_MOUSE, OPT_SPEED, OPT_PRESENT, OPT_CAST, {NULL, 0, NULL, NULL},
};

static const struct cli_opt lesson_opts[] = {
    {"reset", 0, "NAME|--all", "forget the progress of one lesson, or of every lesson"},
    OPT_ASCII,
    OPT_NO_MOUSE,
    OPT_SPEED,
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt run_opts[] = {
    OPT_SEED("the seed, instead of the file's own"),
    {"trace", 't', "FILE|-", "write every event as JSON Lines to FILE (- for standard output)"},
    {"quiet", 'q', NULL, "print only the expects that failed and the count"},
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt explore_opts[] = {
    {"model", 'm', "M", "the replication model (default leader)"},
    {"nodes", 'n', "N", "how many nodes (default 5)"},
    {"set", 0, "KEY=VALUE", "a parameter for every seed (repeatable)"},
    {"seeds", 0, "N", "how many seeds (default 1000)"},
    {"first-seed", 0, "S", "the first seed (default 1)"},
    {"faults", 'f', "LIST", "kill,restart,pause,partition,cut,drop,dup,skew,drift"},
    {"ops", 0, "N", "client ops per seed (default 100)"},
    {"leader-faults", 0, "PCT",
     "aim that share of pauses and partitions at whoever leads (default 0)"},
    {"keep", 0, "N", "write the first N failing runs as .scn files (default 3)"},
    {"jobs", 'j', "N", "worker processes (default: one per core)"},
    {"out", 'o', "DIR", "where the kept runs go (default .)"},
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt compare_opts[] = {
    {"models", 'm', "LIST",
     "the models to compare, a comma list (default leader,multi,leaderless)"},
    OPT_SEED("the seed, instead of the file's own"),
    {"format", 'f', "FMT", "text, md, csv or json: a table instead of the side-by-side view"},
    {"quiet", 'q', NULL, "print only the expects that failed and the count"},
    OPT_ASCII,
    OPT_NO_MOUSE,
    OPT_SPEED,
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt check_opts[] = {
    {"format", 'f', "FMT", "auto (the default), jepsen-log, edn, porcupine-kv or jsonl"},
    {"model", 'm', "M", "register, cas-register or kv (default: from the history)"},
    {"budget", 'b', "N", "search steps per key before the answer is unknown"},
    {"explain", 'e', NULL, "shrink a violation to its smallest window and say why"},
    {"view", 0, NULL, "open the history in the screen: a lane per process"},
    OPT_ASCII,
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt config_opts[] = {
    OPT_ASCII,
    OPT_NO_MOUSE,
    {NULL, 0, NULL, NULL},
};

static const struct cli_opt export_opts[] = {
    {"format", 'f', "FMT", "shiviz, jsonl, svg or jepsen"},
    OPT_SEED("the seed, instead of the file's own"),
    {"out", 'o', "FILE|-", "where to write (default: standard output)"},
    {NULL, 0, NULL, NULL},
};

const struct cli_cmd cli_commands[] = {
    {"sandbox", "", "free play on a live cluster (the default on a terminal)", 0, 0, sandbox_opts,
     app_sandbox, NULL},
    {"open", "[FILE|NAME]",
     "play a scenario in the sandbox, paused at t=0; without one, list the shipped scenarios", 0, 1,
     open_opts, app_open, NULL},
    {"demo", "[FILE|NAME]",
     "present a demo (captions, beats on Space/Right/PageDown); without one, list them", 0, 1,
     open_opts, app_open, NULL},
    {"replay", "FILE.sbr", "play a session recorded with --record", 1, 1, replay_opts, app_open,
     NULL},
    {"lesson", "[NAME]", "the course: list it with your progress, or start or resume a lesson", 0,
     1, lesson_opts, cli_lesson, "lessons"},
    {"run", "[FILE|NAME]",
     "run a scenario headless and check its expects; without one, list the shipped ones", 0, 1,
     run_opts, headless_run, NULL},
    {"compare", "FILE",
     "one scenario on each model: side by side on a terminal, else a table with a column per "
     "model",
     1, 1, compare_opts, compare_main, NULL},
    {"check", "FILE",
     "check a history from a real system (Jepsen, Knossos, Porcupine, JSON Lines) for "
     "linearizability; exit 0 yes, 1 no, 3 unknown",
     1, 1, check_opts, cli_check_main, NULL},
    {"lint", "FILE...", "check scenario, demo and lesson files without running them", 1, -1, NULL,
     headless_lint, NULL},
    {"explore", "", "many random seeds with faults, checked; keeps the first failing runs", 0, 0,
     explore_opts, explore_main, NULL},
    {"export", "FILE|NAME", "the run for ShiViz, as JSON Lines, as SVG, or as a Jepsen history", 1,
     1, export_opts, export_main, NULL},
    {"params", "[MODEL]", "every parameter `set` takes, with its default", 0, 1, NULL,
     headless_params, NULL},
    {"models", "", "the replication models in this build", 0, 0, NULL, headless_models, NULL},
    {"config", "",
     "the settings in effect (built in < config file < environment < flags) and where each "
     "came from",
     0, 0, config_opts, headless_config, NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};
