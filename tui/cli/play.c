#include "play.h"

#include <stdio.h>
#include <string.h>

#include "../../engine/util.h"
#include "../app.h"
#include "../datadir.h"
#include "../headless.h"
#include "../config.h"
#include "cli.h"
#include "config.h"

static int launch_common(const struct cli_args *a, struct app_launch *l, struct config *cfg)
{
    memset(l, 0, sizeof(*l));
    if (cli_config_flags(a, cfg) < 0)
        return -1;
    l->cfg = cfg;
    l->cmd = a->cmd->name;
    l->record = cli_value(a, "record");
    l->cast = cli_value(a, "cast");
    l->present = cli_flag(a, "present");
    l->seed_n = -1;
    return 0;
}

int app_sandbox(const struct cli_args *a)
{
    struct app_launch l;
    struct config cfg;

    if (launch_common(a, &l, &cfg) < 0)
        return EXIT_USAGE;
    l.model = cli_value(a, "model");
    l.nodes = cli_value(a, "nodes");
    l.seed = cli_value(a, "seed");
    if (l.model && !headless_model("sandbox", l.model))
        return EXIT_USAGE;
    return app_sandbox_run(&l);
}

int app_open(const struct cli_args *a)
{
    struct app_launch l;
    int64_t seed;
    char path[DATADIR_PATH_MAX], why[DATADIR_PATH_MAX + 200];
    struct config cfg;

    if (launch_common(a, &l, &cfg) < 0)
        return EXIT_USAGE;
    l.demo = strcmp(a->cmd->name, "demo") == 0;
    if (cli_value(a, "seed")) {
        if (headless_seed(a->cmd->name, cli_value(a, "seed"), &seed) < 0)
            return EXIT_USAGE;
        l.seed_n = seed;
    }
    if (a->argc == 0) {
        datadir_print(l.demo ? DATADIR_DEMOS : DATADIR_SCENARIOS, a->cmd->name, stdout);
        return EXIT_OK;
    }
    if (strcmp(a->cmd->name, "replay") == 0)
        util_strlcpy(path, a->argv[0], sizeof(path));
    else if ((l.demo
                  ? datadir_resolve(DATADIR_DEMOS, a->argv[0], path, sizeof(path), why, sizeof(why))
                  : datadir_resolve_play(a->argv[0], path, sizeof(path), why, sizeof(why))) < 0) {
        fprintf(stderr, "splitbrain %s: %s\n", a->cmd->name, why);
        return EXIT_USAGE;
    }
    l.file = path;
    return app_open_run(&l);
}
