/* splitbrain config: the effective settings, and where each came from. */
#include "config.h"

#include <stdio.h>

#include "../config.h"
#include "../headless.h"
#include "cli.h"

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
    if (cli_value(a, "speed")) {
        /* The speed the run starts at, and the one = comes back to: presenter mode's with
         * --present, the sandbox's otherwise. */
        bool present = cli_flag(a, "present");
        if (config_parse_speed(cli_value(a, "speed"), present ? &c->presenter_speed : &c->speed) <
            0) {
            fprintf(
                stderr,
                "splitbrain %s: --speed takes a speed from 0.001x to 10x (like 0.25x), not '%s'\n",
                a->cmd->name, cli_value(a, "speed"));
            return -1;
        }
        c->source[present ? CONFIG_PRESENTER_SPEED : CONFIG_SPEED] = CONFIG_FLAG;
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
