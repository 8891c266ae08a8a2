/*
 * config: the user's settings, from $XDG_CONFIG_HOME/splitbrain/config
 * (default ~/.config/splitbrain/config), an INI file read with libinih:
 *
 *     [speed]
 *     default = 0.25x        ; the sandbox's speed (= returns to it)
 *     presenter = 0.1x       ; presenter mode's
 *     idle-skip = yes        ; lessons, demos, presenter mode: skip waits where only timers run
 *     [display]
 *     theme = default        ; default, high-contrast (projectors) or light (light backgrounds)
 *     ascii = no             ; draw with ASCII only
 *     colour = yes           ; NO_COLOR in the environment turns it off
 *     mouse = yes
 *     [sandbox]
 *     workload = 2/s         ; the sandbox's background workload (a `workload` argument)
 *
 * Each setting is taken from the last of: built in, the file, the
 * environment (NO_COLOR), the command line's flags; struct config says which
 * for each. The program never writes the file. A bad line is an error
 * "FILE:LINE: what", and the command exits 2.
 */
#ifndef SPLITBRAIN_CONFIG_H
#define SPLITBRAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_PATH_MAX 1024
#define CONFIG_TEXT_MAX 64

enum config_key {
    CONFIG_SPEED,
    CONFIG_PRESENTER_SPEED,
    CONFIG_IDLE_SKIP,
    CONFIG_THEME,
    CONFIG_ASCII,
    CONFIG_COLOUR,
    CONFIG_MOUSE,
    CONFIG_WORKLOAD,
    CONFIG_COUNT,
};

enum config_theme {
    CONFIG_THEME_DEFAULT,
    CONFIG_THEME_HIGH_CONTRAST,
    CONFIG_THEME_LIGHT,
};

enum config_source {
    CONFIG_BUILTIN,
    CONFIG_FILE,
    CONFIG_ENV,
    CONFIG_FLAG,
};

struct config {
    double speed;           /* virtual seconds per wall second */
    double presenter_speed; /* the same, in presenter mode */
    bool idle_skip;
    enum config_theme theme;
    bool ascii;
    bool colour;
    bool mouse;
    char workload[CONFIG_TEXT_MAX]; /* "2/s", "off" */
    enum config_source source[CONFIG_COUNT];
    int line[CONFIG_COUNT];     /* the file's line, for CONFIG_FILE */
    char path[CONFIG_PATH_MAX]; /* the file looked for, or "" when there is nowhere to look */
    bool found;                 /* and it was there */
};

/* "0.25x" or "0.25": a speed factor from 0.001x to 10x into *out; -1 when it is not one. */
int config_parse_speed(const char *v, double *out);
/* The built-in settings. */
void config_init(struct config *c);
/* The file's path from the environment; -1 when neither XDG_CONFIG_HOME nor HOME is set. */
int config_default_path(char *dst, size_t size);
/*
 * Reads the INI text (name is for messages) over c: each setting it gives replaces c's.
 * Returns 0, or -1 with why = "NAME:LINE: what" at the first bad line (then c is unchanged).
 */
int config_parse_text(struct config *c, const char *name, const char *text, size_t len, char *why,
                      size_t whylen);
/* Reads path over c (a missing file is no settings). -1 with why when it is bad or unreadable. */
int config_load(struct config *c, const char *path, char *why, size_t whylen);
/* The environment over c: NO_COLOR (set and not empty) turns colour off. */
void config_apply_env(struct config *c);
/* Everything a command needs: built in, the default file, the environment. -1 with why. */
int config_effective(struct config *c, char *why, size_t whylen);

/* The setting's name ("speed.default") and its value as the file would spell it. */
const char *config_key_name(enum config_key k);
void config_value(const struct config *c, enum config_key k, char *dst, size_t size);
/* Prints the settings as a config file, each with where it came from. */
void config_print(const struct config *c, FILE *out);

#endif
