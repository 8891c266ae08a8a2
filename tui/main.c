/*
 * splitbrain: an interactive terminal tutor and visualizer for data
 * replication. main() runs the command line against the one table of
 * sub-commands (cli/commands.c). With no sub-command it opens the sandbox
 * when stdin and stdout are terminals, and prints usage otherwise.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli/play.h"
#include "cli/cli.h"
#include "cli/commands.h"

#ifndef SPLITBRAIN_VERSION
#define SPLITBRAIN_VERSION "0.1.0"
#endif

static int no_command(void)
{
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        struct cli_args a = {0};
        a.cmd = cli_find(cli_commands, "sandbox");
        return app_sandbox(&a);
    }
    cli_usage(cli_commands, stderr);
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    return cli_main(cli_commands, SPLITBRAIN_VERSION, argc, argv, no_command);
}
