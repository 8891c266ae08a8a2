/* splitbrain config: the effective settings, and where each came from. */
#include <stdio.h>

#include "../config.h"
#include "../headless.h"
#include "cli.h"
#include "commands.h"

int cli_config_flags(const struct cli_args *a, struct config *c)
{
    char why[CONFIG_PATH_MAX + 300];

    if (config_effective(c, why, sizeof(why)) < 0) {
        fprintf(stderr, "splitbrain %s: %s\n", a->cmd->name, why);
        return -1;
    }
    if (cli_flag(a, "ascii")) {
        c->ascii = true;
        c->source[CONFIG_ASCII] = CONFIG_FLAG;
    }
    if (cli_flag(a, "no-mouse")) {
        c->mouse = false;
        c->source[CONFIG_MOUSE] = CONFIG_FLAG;
    }
    return 0;
}

int headless_config(const struct cli_args *a)
{
    struct config c;

    if (cli_config_flags(a, &c) < 0)
        return EXIT_USAGE;
    config_print(&c, stdout);
    return EXIT_OK;
}
