#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/util.h"

#define CODE_BASE 256 /* getopt_long's code for option i is CODE_BASE + i */

static const struct cli_opt help_opt = {"help", 'h', NULL, "show this help and exit"};

static int n_opts(const struct cli_cmd *cmd)
{
    int n = 0;

    while (cmd->opts && cmd->opts[n].name)
        n++;
    return n;
}

/* Option i of cmd, where i == n_opts(cmd) is the --help every command has. */
static const struct cli_opt *opt_at(const struct cli_cmd *cmd, int i)
{
    return i < n_opts(cmd) ? &cmd->opts[i] : &help_opt;
}

/* "--seed=9" -> "seed" into buf. */
static void long_name(const char *elem, char *buf, size_t size)
{
    const char *eq;

    elem += 2;
    eq = strchr(elem, '=');
    snprintf(buf, size, "%.*s", (int)(eq ? (size_t)(eq - elem) : strlen(elem)), elem);
}

/* Says why getopt_long refused argv[at] (an unknown, ambiguous or misused long option). */
static void bad_long(const struct cli_cmd *cmd, const char *elem, FILE *err)
{
    const char *names[CLI_MAX_OPTS];
    char name[64], matches[256] = "";
    int n = n_opts(cmd) + 1, prefix = 0;

    long_name(elem, name, sizeof(name));
    for (int i = 0; i < n; i++) {
        names[i] = opt_at(cmd, i)->name;
        if (strcmp(names[i], name) == 0) {
            fprintf(err, "splitbrain %s: --%s takes no value\n", cmd->name, name);
            return;
        }
        if (name[0] && strncmp(names[i], name, strlen(name)) == 0) {
            util_appendf(matches, sizeof(matches), "%s--%s", prefix ? ", " : "", names[i]);
            prefix++;
        }
    }
    if (prefix > 1) {
        fprintf(err, "splitbrain %s: --%s is ambiguous: %s\n", cmd->name, name, matches);
        return;
    }
    {
        const char *close = util_suggest(name, names, n);
        if (close)
            fprintf(err, "splitbrain %s: unknown option '--%s'; did you mean '--%s'?\n", cmd->name,
                    name, close);
        else
            fprintf(err, "splitbrain %s: unknown option '--%s'\n", cmd->name, name);
    }
}

static void try_help(const struct cli_cmd *cmd, FILE *err)
{
    fprintf(err, "usage: ");
    cli_synopsis(cmd, err);
    fprintf(err, "'splitbrain %s --help' says more.\n", cmd->name);
}

static int add_given(struct cli_args *out, const struct cli_opt *o, const char *value, FILE *err)
{
    if (out->n_given >= CLI_MAX_GIVEN) {
        fprintf(err, "splitbrain %s: more than %d options\n", out->cmd->name, CLI_MAX_GIVEN);
        return -1;
    }
    out->given[out->n_given].opt = o;
    out->given[out->n_given].value = value;
    out->n_given++;
    return 0;
}

static int add_operand(struct cli_args *out, char *arg, FILE *err)
{
    if (out->argc >= CLI_MAX_OPERANDS) {
        fprintf(err, "splitbrain %s: more than %d operands\n", out->cmd->name, CLI_MAX_OPERANDS);
        return -1;
    }
    out->argv[out->argc++] = arg;
    return 0;
}

/*
 * getopt_long in "-" mode returns operands in place (code 1), so options and
 * operands mix freely whatever POSIXLY_CORRECT says; ":" makes a missing value
 * come back as ':' rather than a message of getopt's own.
 */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *out, FILE *err)
{
    struct option longs[CLI_MAX_OPTS + 1];
    char shorts[3 * CLI_MAX_OPTS + 4] = "-:";
    size_t sl = 2;
    int n = n_opts(cmd) + 1, c;

    if (n > CLI_MAX_OPTS) {
        fprintf(err, "splitbrain %s: too many options in the table\n", cmd->name);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->cmd = cmd;
    for (int i = 0; i < n; i++) {
        const struct cli_opt *o = opt_at(cmd, i);
        longs[i].name = o->name;
        longs[i].has_arg = o->arg ? required_argument : no_argument;
        longs[i].flag = NULL;
        longs[i].val = CODE_BASE + i;
        if (o->short_name) {
            shorts[sl++] = (char)o->short_name;
            if (o->arg)
                shorts[sl++] = ':';
        }
    }
    shorts[sl] = '\0';
    memset(&longs[n], 0, sizeof(longs[n]));
    optind = 0; /* glibc: start afresh, forgetting any earlier parse */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const char *elem = argv[optind - 1];
        int k = -1;
        if (c == 1) {
            if (add_operand(out, optarg, err) < 0)
                return -1;
            continue;
        }
        if (c == '?' || c == ':') {
            bool is_long = strncmp(elem, "--", 2) == 0;
            if (c == ':' && is_long) {
                char name[64];
                long_name(elem, name, sizeof(name));
                fprintf(err, "splitbrain %s: --%s needs a value\n", cmd->name, name);
            } else if (c == ':') {
                fprintf(err, "splitbrain %s: -%c needs a value\n", cmd->name, optopt);
            } else if (is_long) {
                bad_long(cmd, elem, err);
            } else {
                fprintf(err, "splitbrain %s: unknown option '-%c'\n", cmd->name, optopt);
            }
            try_help(cmd, err);
            return -1;
        }
        if (c >= CODE_BASE)
            k = c - CODE_BASE;
        for (int i = 0; k < 0 && i < n; i++)
            if (opt_at(cmd, i)->short_name == c)
                k = i;
        if (k < 0 || k >= n)
            continue; /* cannot happen: getopt returns only what it was given */
        if (opt_at(cmd, k) == &help_opt) {
            cli_help(cmd, stdout);
            return 1;
        }
        if (add_given(out, opt_at(cmd, k), opt_at(cmd, k)->arg ? optarg : NULL, err) < 0)
            return -1;
    }
    for (int i = optind; i < argc; i++) /* after "--" */
        if (add_operand(out, argv[i], err) < 0)
            return -1;
    if (out->argc < cmd->min_operands) {
        fprintf(err, "splitbrain %s: %s missing\n", cmd->name,
                cmd->operands ? cmd->operands : "an operand");
        try_help(cmd, err);
        return -1;
    }
    if (cmd->max_operands >= 0 && out->argc > cmd->max_operands) {
        const char *extra = out->argv[cmd->max_operands];
        if (cmd->max_operands == 0)
            fprintf(err, "splitbrain %s: takes no operand ('%s' is extra)\n", cmd->name, extra);
        else
            fprintf(err, "splitbrain %s: '%s' is one operand too many\n", cmd->name, extra);
        try_help(cmd, err);
        return -1;
    }
    return 0;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
    for (int i = 0; i < a->n_given; i++)
        if (strcmp(a->given[i].opt->name, name) == 0)
            return true;
    return false;
}

const char *cli_value(const struct cli_args *a, const char *name)
{
    const char *v = NULL;

    for (int i = 0; i < a->n_given; i++)
        if (strcmp(a->given[i].opt->name, name) == 0)
            v = a->given[i].value;
    return v;
}

int cli_values(const struct cli_args *a, const char *name, const char **out, int max)
{
    int n = 0;

    for (int i = 0; i < a->n_given; i++) {
        if (strcmp(a->given[i].opt->name, name) != 0)
            continue;
        if (n < max)
            out[n] = a->given[i].value;
        n++;
    }
    return n;
}

/* Prints text from column col onwards, wrapped at 79 columns; continuation lines start at col +
 * indent. */
static void wrap(FILE *out, const char *text, int col, int indent)
{
    int x = col;

    while (*text) {
        size_t w = strcspn(text, " ");
        if (x > col && x + 1 + (int)w > 79) {
            fprintf(out, "\n%*s", col + indent, "");
            x = col + indent;
        } else if (x > col) {
            fputc(' ', out);
            x++;
        }
        for (size_t i = 0; i < w; i++)
            fputc(text[i] == '\x01' ? ' ' : text[i], out);
        x += (int)w;
        text += w;
        while (*text == ' ')
            text++;
    }
    fputc('\n', out);
}

void cli_synopsis(const struct cli_cmd *cmd, FILE *out)
{
    char line[1024];

    snprintf(line, sizeof(line), "splitbrain %s", cmd->name);
    if (cmd->operands && cmd->operands[0])
        util_appendf(line, sizeof(line), " %s", cmd->operands);
    /* A bracketed option never breaks across lines: its inner space is a no-break marker. */
    for (int i = 0; i < n_opts(cmd); i++) {
        const struct cli_opt *o = &cmd->opts[i];
        if (o->arg)
            util_appendf(line, sizeof(line), " [--%s\x01%s]", o->name, o->arg);
        else
            util_appendf(line, sizeof(line), " [--%s]", o->name);
    }
    wrap(out, line, 0, 7);
}

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
    int n = n_opts(cmd) + 1;

    fprintf(out, "usage: ");
    cli_synopsis(cmd, out);
    fprintf(out, "\n");
    wrap(out, cmd->help, 0, 0);
    fprintf(out, "\nOptions:\n");
    for (int i = 0; i < n; i++) {
        const struct cli_opt *o = opt_at(cmd, i);
        char lhs[64];
        snprintf(lhs, sizeof(lhs), "%c%c%c --%s%s%s", o->short_name ? '-' : ' ',
                 o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ', o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        if (strlen(lhs) > 24)
            fprintf(out, "  %s\n%29s", lhs, "");
        else
            fprintf(out, "  %-26s ", lhs);
        wrap(out, o->help, 29, 0);
    }
    if (cmd->alias)
        fprintf(out, "\nAlso spelled: splitbrain %s\n", cmd->alias);
    fprintf(out, "\nExit status: 0 ok, 1 a check failed, 2 usage or bad input.\n");
}

void cli_usage(const struct cli_cmd *table, FILE *out)
{
    fprintf(out, "usage: splitbrain [COMMAND [OPTIONS] [OPERANDS]]\n\nCommands:\n");
    for (const struct cli_cmd *c = table; c->name; c++) {
        char lhs[96];
        snprintf(lhs, sizeof(lhs), "%s %s", c->name, c->operands ? c->operands : "");
        if (strlen(lhs) > 20)
            fprintf(out, "  %s\n%23s", lhs, "");
        else
            fprintf(out, "  %-20s ", lhs);
        wrap(out, c->help, 23, 0);
    }
    fprintf(out, "\nOptions:\n"
                 "  -h, --help           this text; `splitbrain COMMAND --help` shows a "
                 "command's options\n"
                 "  -V, --version        the version\n"
                 "\nWithout a command, on a terminal: the sandbox. Exit status: 0 ok, 1 a check "
                 "failed,\n2 usage or bad input. The manual: man splitbrain.\n");
}

const struct cli_cmd *cli_find(const struct cli_cmd *table, const char *name)
{
    for (const struct cli_cmd *c = table; c->name; c++)
        if (strcmp(c->name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0))
            return c;
    return NULL;
}

const char *cli_suggest_cmd(const struct cli_cmd *table, const char *name)
{
    const char *names[64];
    int n = 0;

    for (const struct cli_cmd *c = table; c->name && n < 64; c++)
        names[n++] = c->name;
    return util_suggest(name, names, n);
}

int cli_fclose(FILE *f)
{
    int bad = ferror(f);
    int saved = errno;

    if (fclose(f) != 0)
        return -1;
    if (bad) {
        errno = saved ? saved : EIO;
        return -1;
    }
    return 0;
}

/* Everything the command wrote to standard output must have got there. */
static int finish_stdout(int rc)
{
    bool bad = ferror(stdout) != 0;

    errno = 0;
    if (fflush(stdout) != 0)
        bad = true;
    if (bad) {
        fprintf(stderr, "splitbrain: standard output: %s\n",
                errno ? strerror(errno) : "write error");
        return CLI_EXIT_USAGE;
    }
    return rc;
}

int cli_main(const struct cli_cmd *table, const char *version, int argc, char **argv,
             int (*no_command)(void))
{
    const char *name = argc > 1 ? argv[1] : NULL;
    const struct cli_cmd *cmd;
    struct cli_args *a;
    int r;

    if (!name)
        return finish_stdout(no_command());
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && (cmd = cli_find(table, argv[2])) != NULL)
            cli_help(cmd, stdout);
        else
            cli_usage(table, stdout);
        return finish_stdout(CLI_EXIT_OK);
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("splitbrain %s\n", version);
        return finish_stdout(CLI_EXIT_OK);
    }
    cmd = cli_find(table, name);
    if (!cmd) {
        const char *close = cli_suggest_cmd(table, name);
        if (name[0] == '-')
            fprintf(stderr, "splitbrain: unknown option '%s'\n", name);
        else if (close)
            fprintf(stderr, "splitbrain: unknown command '%s'; did you mean '%s'?\n", name, close);
        else
            fprintf(stderr, "splitbrain: unknown command '%s'\n", name);
        fprintf(stderr, "'splitbrain --help' lists the commands.\n");
        return CLI_EXIT_USAGE;
    }
    a = xmalloc(sizeof(*a));
    r = cli_parse(cmd, argc - 1, argv + 1, a, stderr);
    if (r == 0)
        r = cmd->run(a);
    else
        r = r > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    free(a);
    return finish_stdout(r);
}
