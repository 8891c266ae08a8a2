#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/script.h"
#include "../engine/util.h"

#define SPEED_MIN 0.001
#define SPEED_MAX 10.0

static const struct {
    const char *section;
    const char *name;
} keys[CONFIG_COUNT] = {
    [CONFIG_SPEED] = {"speed", "default"},       [CONFIG_PRESENTER_SPEED] = {"speed", "presenter"},
    [CONFIG_IDLE_SKIP] = {"speed", "idle-skip"}, [CONFIG_THEME] = {"display", "theme"},
    [CONFIG_ASCII] = {"display", "ascii"},       [CONFIG_COLOUR] = {"display", "colour"},
    [CONFIG_MOUSE] = {"display", "mouse"},       [CONFIG_WORKLOAD] = {"sandbox", "workload"},
};

static const char *const theme_names[] = {"default", "high-contrast", "light"};
static const char *const source_names[] = {"built in", "config file", "environment", "flag"};

void config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->speed = 0.25;
    c->presenter_speed = 0.1;
    c->idle_skip = true;
    c->theme = CONFIG_THEME_DEFAULT;
    c->ascii = false;
    c->colour = true;
    c->mouse = true;
    util_strlcpy(c->workload, "2/s", sizeof(c->workload));
}

int config_default_path(char *dst, size_t size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (xdg && xdg[0] == '/')
        snprintf(dst, size, "%s/splitbrain/config", xdg);
    else if (home && home[0])
        snprintf(dst, size, "%s/.config/splitbrain/config", home);
    else
        return -1;
    return 0;
}

const char *config_key_name(enum config_key k)
{
    static const char *const full[CONFIG_COUNT] = {
        [CONFIG_SPEED] = "speed.default",       [CONFIG_PRESENTER_SPEED] = "speed.presenter",
        [CONFIG_IDLE_SKIP] = "speed.idle-skip", [CONFIG_THEME] = "display.theme",
        [CONFIG_ASCII] = "display.ascii",       [CONFIG_COLOUR] = "display.colour",
        [CONFIG_MOUSE] = "display.mouse",       [CONFIG_WORKLOAD] = "sandbox.workload",
    };
    return full[k];
}

/* ---- reading ---- */

struct reader {
    const char *text;
    size_t len, pos;
    int line;      /* the line the last chunk handed to inih belongs to */
    bool line_end; /* the last chunk ended its line */
    bool too_long;
};

/* inih's fgets: hands over the text a line at a time, counting lines as it goes. */
static char *read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    size_t n = 0;

    if (r->pos >= r->len || num < 2)
        return NULL;
    if (r->line_end)
        r->line++;
    while (r->pos < r->len && n + 1 < (size_t)num) {
        char ch = r->text[r->pos++];
        str[n++] = ch;
        if (ch == '\n')
            break;
    }
    str[n] = '\0';
    r->line_end = n > 0 && str[n - 1] == '\n';
    if (!r->line_end && r->pos < r->len)
        r->too_long = true;
    return str;
}

struct parse {
    struct config next; /* the settings as the file leaves them */
    struct reader rd;
    int err_line; /* the first line a handler refused, or 0 */
    char err[300];
    bool seen[CONFIG_COUNT];
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;

    if (p->err_line == 0) {
        p->err_line = p->rd.line;
        va_start(ap, fmt);
        vsnprintf(p->err, sizeof(p->err), fmt, ap);
        va_end(ap);
    }
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};

    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int config_parse_speed(const char *v, double *out)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(v, &end);
    if (end == v || errno)
        return -1;
    if (*end == 'x')
        end++;
    if (*end || !(d >= SPEED_MIN && d <= SPEED_MAX))
        return -1;
    *out = d;
    return 0;
}

/* The workload is an argument of the `workload` command, so the command's parser judges it. */
static int check_workload(const char *v, char *why, size_t whylen)
{
    struct script_env env;
    struct script_error err;
    struct script_cmd *cmd = xcalloc(1, sizeof(*cmd));
    char line[CONFIG_TEXT_MAX + 16];
    int r;

    if (strlen(v) >= CONFIG_TEXT_MAX) {
        snprintf(why, whylen, "longer than %d characters", CONFIG_TEXT_MAX - 1);
        free(cmd);
        return -1;
    }
    snprintf(line, sizeof(line), "workload %s", v);
    script_env_init(&env, true);
    memset(&err, 0, sizeof(err));
    r = script_parse_line(&env, "", 1, line, cmd, &err);
    if (r < 0)
        snprintf(why, whylen, "%s", err.msg);
    script_env_release(&env);
    free(cmd);
    return r < 0 ? -1 : 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    struct config *c = &p->next;
    const char *names[CONFIG_COUNT], *close;
    char why[200];
    int k = -1, n_in = 0;
    bool known_section = false;

    for (int i = 0; i < CONFIG_COUNT; i++) {
        if (strcmp(keys[i].section, section) != 0)
            continue;
        known_section = true;
        names[n_in++] = keys[i].name;
        if (strcmp(keys[i].name, name) == 0)
            k = i;
    }
    if (!section[0])
        return fail(p,
                    "'%s' is outside a section: settings go under [speed], [display] or "
                    "[sandbox]",
                    name);
    if (!known_section)
        return fail(p, "unknown section [%s]; expected [speed], [display] or [sandbox]", section);
    if (k < 0) {
        close = util_suggest(name, names, n_in);
        if (close)
            return fail(p, "unknown setting '%s' in [%s]; did you mean '%s'?", name, section,
                        close);
        return fail(p, "unknown setting '%s' in [%s]", name, section);
    }
    if (p->seen[k])
        return fail(p, "%s is set twice (first on line %d)", config_key_name((enum config_key)k),
                    c->line[k]);
    if (!value[0])
        return fail(p, "%s has no value", config_key_name((enum config_key)k));
    switch ((enum config_key)k) {
    case CONFIG_SPEED:
    case CONFIG_PRESENTER_SPEED:
        if (config_parse_speed(value, k == CONFIG_SPEED ? &c->speed : &c->presenter_speed) < 0)
            return fail(p, "%s takes a speed from 0.001x to 10x (like 0.05x), not '%s'",
                        config_key_name((enum config_key)k), value);
        break;
    case CONFIG_IDLE_SKIP:
    case CONFIG_ASCII:
    case CONFIG_COLOUR:
    case CONFIG_MOUSE: {
        bool *dst = k == CONFIG_IDLE_SKIP ? &c->idle_skip
                    : k == CONFIG_ASCII   ? &c->ascii
                    : k == CONFIG_COLOUR  ? &c->colour
                                          : &c->mouse;
        if (parse_bool(value, dst) < 0)
            return fail(p, "%s takes yes or no, not '%s'", config_key_name((enum config_key)k),
                        value);
        break;
    }
    case CONFIG_THEME: {
        int t = -1;
        for (int i = 0; i < (int)ARRAY_LEN(theme_names); i++)
            if (strcmp(value, theme_names[i]) == 0)
                t = i;
        if (t < 0) {
            close = util_suggest(value, theme_names, (int)ARRAY_LEN(theme_names));
            if (close)
                return fail(p, "unknown theme '%s'; did you mean '%s'?", value, close);
            return fail(p, "unknown theme '%s'; expected default, high-contrast or light", value);
        }
        c->theme = (enum config_theme)t;
        break;
    }
    case CONFIG_WORKLOAD:
        if (check_workload(value, why, sizeof(why)) < 0)
            return fail(p, "sandbox.workload '%s': %s", value, why);
        util_strlcpy(c->workload, value, sizeof(c->workload));
        break;
    case CONFIG_COUNT:
        break;
    }
    p->seen[k] = true;
    c->source[k] = CONFIG_FILE;
    c->line[k] = p->rd.line;
    return 1;
}

int config_parse_text(struct config *c, const char *name, const char *text, size_t len, char *why,
                      size_t whylen)
{
    struct parse *p = xcalloc(1, sizeof(*p));
    int r;

    p->next = *c;
    p->rd.text = text;
    p->rd.len = len;
    p->rd.line_end = true;
    if (memchr(text, '\0', len)) {
        const char *nul = memchr(text, '\0', len);
        int line = 1;
        for (const char *s = text; s < nul; s++)
            line += *s == '\n';
        snprintf(why, whylen, "%s:%d: a NUL byte: not a text file", name, line);
        free(p);
        return -1;
    }
    r = ini_parse_stream(read_line, &p->rd, handler, p);
    if (r == 0 && p->rd.too_long) {
        snprintf(why, whylen, "%s: a line longer than %d characters", name, ini_max_line - 3);
        r = -1;
    } else if (r > 0 && r == p->err_line) {
        snprintf(why, whylen, "%s:%d: %s", name, r, p->err);
    } else if (r > 0 && p->rd.too_long) {
        snprintf(why, whylen, "%s:%d: a line longer than %d characters", name, r, ini_max_line - 3);
    } else if (r > 0) {
        snprintf(why, whylen, "%s:%d: expected [section], NAME = VALUE, or a ; or # comment", name,
                 r);
    } else if (r < 0) {
        snprintf(why, whylen, "%s: cannot be read", name);
    }
    if (r == 0)
        *c = p->next;
    free(p);
    return r == 0 ? 0 : -1;
}

#define CONFIG_FILE_MAX (64 * 1024)

int config_load(struct config *c, const char *path, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    char *text;
    size_t len;
    int r;

    util_strlcpy(c->path, path, sizeof(c->path));
    c->found = false;
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return -1;
    }
    text = xmalloc(CONFIG_FILE_MAX + 1);
    len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
    if (ferror(f) || len > CONFIG_FILE_MAX) {
        snprintf(why, whylen, "%s: %s", path,
                 ferror(f) ? strerror(errno) : "larger than 64 KiB: not a config file");
        fclose(f);
        free(text);
        return -1;
    }
    fclose(f);
    text[len] = '\0';
    r = config_parse_text(c, path, text, len, why, whylen);
    c->found = r == 0;
    free(text);
    return r;
}

void config_apply_env(struct config *c)
{
    const char *nc = getenv("NO_COLOR");

    if (nc && nc[0]) {
        c->colour = false;
        c->source[CONFIG_COLOUR] = CONFIG_ENV;
    }
}

int config_effective(struct config *c, char *why, size_t whylen)
{
    char path[CONFIG_PATH_MAX];

    config_init(c);
    if (config_default_path(path, sizeof(path)) == 0 && config_load(c, path, why, whylen) < 0)
        return -1;
    config_apply_env(c);
    return 0;
}

/* ---- printing ---- */

static void speed_text(double v, char *dst, size_t size)
{
    snprintf(dst, size, "%gx", v);
}

void config_value(const struct config *c, enum config_key k, char *dst, size_t size)
{
    switch (k) {
    case CONFIG_SPEED:
        speed_text(c->speed, dst, size);
        break;
    case CONFIG_PRESENTER_SPEED:
        speed_text(c->presenter_speed, dst, size);
        break;
    case CONFIG_IDLE_SKIP:
        snprintf(dst, size, "%s", c->idle_skip ? "yes" : "no");
        break;
    case CONFIG_THEME:
        snprintf(dst, size, "%s", theme_names[c->theme]);
        break;
    case CONFIG_ASCII:
        snprintf(dst, size, "%s", c->ascii ? "yes" : "no");
        break;
    case CONFIG_COLOUR:
        snprintf(dst, size, "%s", c->colour ? "yes" : "no");
        break;
    case CONFIG_MOUSE:
        snprintf(dst, size, "%s", c->mouse ? "yes" : "no");
        break;
    case CONFIG_WORKLOAD:
        snprintf(dst, size, "%s", c->workload);
        break;
    case CONFIG_COUNT:
        dst[0] = '\0';
        break;
    }
}

void config_print(const struct config *c, FILE *out)
{
    const char *section = "";

    fprintf(out,
            "; splitbrain's settings, and where each comes from:\n; built in < %s%s < "
            "environment < flags\n",
            c->path[0] ? c->path : "no config file (neither XDG_CONFIG_HOME nor HOME is set)",
            c->path[0] && !c->found ? " (not there)" : "");
    for (int k = 0; k < CONFIG_COUNT; k++) {
        char val[CONFIG_TEXT_MAX + 16], line[CONFIG_TEXT_MAX + 64];
        if (strcmp(section, keys[k].section) != 0) {
            section = keys[k].section;
            fprintf(out, "\n[%s]\n", section);
        }
        config_value(c, (enum config_key)k, val, sizeof(val));
        snprintf(line, sizeof(line), "%s = %s", keys[k].name, val);
        if (c->source[k] == CONFIG_FILE)
            fprintf(out, "%-28s ; %s, line %d\n", line, source_names[c->source[k]], c->line[k]);
        else if (c->source[k] == CONFIG_ENV)
            fprintf(out, "%-28s ; %s (NO_COLOR)\n", line, source_names[c->source[k]]);
        else
            fprintf(out, "%-28s ; %s\n", line, source_names[c->source[k]]);
    }
}
