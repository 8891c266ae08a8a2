/*
 * splitbrain: an interactive terminal tutor and visualizer for data
 * replication. main() dispatches the sub-commands; headless ones (run,
 * lint, params) never touch the terminal. With no sub-command it opens the
 * sandbox when stdin and stdout are terminals, and prints usage otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../engine/model.h"
#include "app.h"
#include "cli/check.h"
#include "course.h"
#include "explore.h"
#include "export.h"
#include "headless.h"

#ifndef SPLITBRAIN_VERSION
#define SPLITBRAIN_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: splitbrain COMMAND [ARGS]\n"
            "\n"
            "Commands:\n"
            "  sandbox [--model M] [--nodes N] [--seed S] [--ascii] [--no-mouse]\n"
            "          [--record FILE.sbr]\n"
            "                     free play on a live cluster (the default on a terminal)\n"
            "  open FILE.scn [--seed N] [--ascii] [--no-mouse]\n"
            "                     load a scenario paused at t=0 and play it in the sandbox\n"
            "  demo FILE.demo [--seed N] [--ascii] [--no-mouse]\n"
            "                     present a demo: captions shown large; at each beat Space,\n"
            "                     Right or PageDown goes on, Left or PageUp goes back a beat\n"
            "  replay FILE.sbr    open a recording made with --record FILE.sbr (sandbox, open\n"
            "                     and demo take it; written on quit, replays exactly)\n"
            "  lesson [NAME] [--ascii] [--no-mouse]\n"
            "                     without NAME: list the lessons with your progress; with\n"
            "                     NAME (a name, number or id): start or resume that lesson\n"
            "  lesson --reset NAME|--all\n"
            "                     forget the progress of one lesson, or of every lesson\n"
            "  run FILE.scn [--seed N] [--trace FILE|-] [--quiet]\n"
            "                     run a scenario headless; print ops, final replica state and\n"
            "                     the expects (exit 0 all hold, 1 one failed, 2 bad input)\n"
            "  lint FILE...       check scenario files without running them\n"
            "  explore [--model M] [--seeds N] [--faults LIST] ...\n"
            "                     run many random seeds with faults; report which guarantees\n"
            "                     broke and write the first failing runs as .scn files\n"
            "  export FILE.scn --format shiviz|jsonl|svg [--out FILE]\n"
            "                     the run's events for ShiViz, as JSON Lines, or as an SVG\n"
            "                     space-time diagram\n"
            "  check FILE [--format F] [--model register|cas-register|kv] [--budget N]\n"
            "        [--explain] [--view]\n"
            "                     check a history (Jepsen log or EDN, key-value EDN, JSON Lines)\n"
            "                     for linearizability (exit 0 yes, 1 no, 3 unknown, 2 bad input)\n"
            "  params [MODEL]     list the parameters `set` takes, with defaults\n"
            "  models             list the replication models\n"
            "  help               show this text\n"
            "\n"
            "Options: --help, --version.  The manual: man splitbrain (assets/splitbrain.1).\n");
}

static void print_param(const struct param_def *d)
{
    char want[200];

    param_describe(d, want, sizeof(want));
    printf("  %-15s default %-8s %s\n", d->name, d->def, d->help);
    printf("  %-15s         %-8s takes %s\n", "", "", want);
}

static int cmd_params(int argc, char **argv)
{
    const struct model_ops *m = NULL;

    if (argc > 2) {
        fprintf(stderr, "usage: splitbrain params [MODEL]\n");
        return EXIT_USAGE;
    }
    if (argc == 2) {
        m = model_find(argv[1]);
        if (!m) {
            fprintf(stderr, "splitbrain params: unknown model '%s' (try: splitbrain models)\n",
                    argv[1]);
            return EXIT_USAGE;
        }
    }
    printf("Cluster parameters (every model):\n");
    for (int i = 0; i < EP_COUNT; i++)
        print_param(&engine_params[i]);
    for (int k = 0; k < model_count(); k++) {
        const struct model_ops *mk = model_at(k);
        if (m && mk != m)
            continue;
        if (mk->n_params == 0)
            continue;
        printf("\nModel %s:\n", mk->name);
        for (int i = 0; i < mk->n_params; i++)
            print_param(&mk->params[i]);
    }
    return EXIT_OK;
}

static int cmd_models(void)
{
    for (int k = 0; k < model_count(); k++)
        printf("%-12s %s\n", model_at(k)->name, model_at(k)->title);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        char name[] = "sandbox";
        char *args[] = {name, NULL};
        return app_sandbox(1, args);
    }
    if (!cmd) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("splitbrain %s\n", SPLITBRAIN_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "sandbox") == 0)
        return app_sandbox(argc - 1, argv + 1);
    if (strcmp(cmd, "open") == 0 || strcmp(cmd, "demo") == 0 || strcmp(cmd, "replay") == 0)
        return app_open(argc - 1, argv + 1);
    if (strcmp(cmd, "lesson") == 0 || strcmp(cmd, "lessons") == 0)
        return course_main(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return headless_run(argc - 1, argv + 1);
    if (strcmp(cmd, "lint") == 0)
        return headless_lint(argc - 1, argv + 1);
    if (strcmp(cmd, "explore") == 0)
        return explore_main(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return export_main(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cli_check_main(argc - 1, argv + 1);
    if (strcmp(cmd, "params") == 0)
        return cmd_params(argc - 1, argv + 1);
    if (strcmp(cmd, "models") == 0)
        return cmd_models();
    fprintf(stderr, "splitbrain: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
