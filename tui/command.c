#include "command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/util.h"
#include "lesson_life.h"

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

/* Runs a command the user typed (or a key spelled out). Returns -1 on a parse or runtime
 * error, with the message line saying where; a parse error changes nothing. */
int exec_line(struct app *a, const char *line)
{
    struct script_cmd *c = xcalloc(1, sizeof(*c));
    struct script_error err;
    char text[APP_MSG_MAX];
    int r;

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
        a->travel.journal_floor = script_run_journal_count(a->run);
        a->travel.head_us = 0;
    }
    if (r == 0) {
        set_msg(a, false, "> %s", c->text);
        if ((c->kind == CMD_MODEL || c->kind == CMD_NODES || c->kind == CMD_SEED) &&
            player_stop(&a->pl)) {
            set_msg(a, false, "> %s (the cluster was rebuilt; the scenario stops here)", c->text);
        }
    }
    free(c);
    return r;
}

/* The `workload` command W starts: the settings' rate, or the built-in one when they say off. */
const char *workload_line(struct app *a)
{
    snprintf(a->workload_cmd, sizeof(a->workload_cmd), "workload %s",
             strcmp(a->set_workload, "off") != 0 ? a->set_workload : APP_WORKLOAD);
    return a->workload_cmd;
}

void cmd_open(struct app *a, const char *text)
{
    cmdline_open(&a->cl, text);
    a->msg[0] = '\0';
    a->msg_error = false;
    a->dirty = true;
}

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

/*
 * `:help` lists the command words; `:help WORD` says its usage and what it does, from the
 * engine's command table (or the model's own commands). Returns 1 when line was a help.
 */
static int help_line(struct app *a, const char *line)
{
    char verb[8] = "", word[64] = "", usage[200], list[APP_MSG_MAX] = "";
    const struct script_command_doc *d;
    const struct model_ops *m = engine_model(eng(a));
    int k;

    if (sscanf(line, " %7s %63s", verb, word) < 1 || strcmp(verb, "help") != 0)
        return 0;
    if (!word[0]) {
        for (int i = 0; i < script_commands(); i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s",
                     script_command_doc(i)->name);
        set_msg(a, false, ":help WORD explains one of:%s", list);
        return 1;
    }
    d = script_command_find(word);
    if (d) {
        script_command_usage(d, usage, sizeof(usage));
        set_msg(a, false, "%s: %s", usage, d->help);
    } else if ((k = model_find_cmd(m, word)) >= 0) {
        set_msg(a, false, "%s: %s (model %s)", m->cmds[k].usage, m->cmds[k].help, m->name);
    } else {
        set_msg(a, true, "no command '%s' (:help lists them)", word);
    }
    return 1;
}

/* A key on the open `:` or `/` line: the line edits itself (cmdline.c); a finished command runs
 * here, and the `/` line's text is the event log's filter as it is typed. */
void cmd_key(struct app *a, int k)
{
    struct cmdline_say say;
    char line[SCRIPT_MAX_LINE];

    if (cmdline_key(&a->cl, k, eng(a), &say) == CMDLINE_ENTER) {
        snprintf(line, sizeof(line), "%s", a->cl.text);
        if (open_line(a, line)) {
            if (a->reopen[0])
                a->cl.open = false;
        } else if (help_line(a, line)) {
            a->cl.open = false;
        } else if (exec_line(a, line) == 0) {
            a->cl.open = false;
        } else {
            /* Keep the line to fix; put the cursor where the error points. */
            const char *colon = strchr(a->msg, ':');
            int col = colon ? atoi(colon + 1) : 0;
            if (col > 0 && col - 1 <= a->cl.len)
                a->cl.cursor = col - 1;
        }
    }
    switch (say.kind) {
    case CMDLINE_SAY_NOTHING:
        break;
    case CMDLINE_SAY_CLEAR:
        a->msg[0] = '\0';
        break;
    case CMDLINE_SAY_INFO:
    case CMDLINE_SAY_ERROR:
        set_msg(a, say.kind == CMDLINE_SAY_ERROR, "%s", say.text);
        break;
    }
    if (a->cl.searching)
        snprintf(a->filter, sizeof(a->filter), "%s", a->cl.text);
    a->dirty = true;
}
