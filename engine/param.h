/*
 * param: typed parameters, declared in tables, set with `set KEY VALUE`.
 *
 * The engine and every model declare their parameters as a const table of
 * param_def, so one parser validates them (at parse time, before anything
 * runs), one printer shows them, and the error for a bad key or value can
 * list what is valid. Values are stored as a param_value: an index into the
 * choices, or a number in the parameter's unit (microseconds, basis points,
 * node index).
 */
#ifndef SPLITBRAIN_PARAM_H
#define SPLITBRAIN_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum param_type {
    PARAM_ENUM,        /* one of choices, "a|b|c" */
    PARAM_ENUM_OR_INT, /* one of choices, or a whole number in [min, max] */
    PARAM_INT,         /* a whole number in [min, max] */
    PARAM_DURATION,    /* 250ms, 1s, 500us: microseconds in [min, max] */
    PARAM_BOOL,        /* on|off */
    PARAM_PERCENT,     /* 20%: basis points */
    PARAM_NODE,        /* n1..nN: a node index */
};

struct param_def {
    const char *name;
    enum param_type type;
    const char *choices; /* PARAM_ENUM*: "a|b|c" */
    const char *def;     /* the default, written as a user would write it */
    int64_t min;
    int64_t max;
    const char *help; /* one line for the man page and the help overlay */
};

struct param_value {
    int choice;  /* index into choices, or -1 for a number */
    int64_t num; /* the number, the choice index, 0/1 for a bool, a node index */
};

/*
 * Parses text for def. n_nodes bounds PARAM_NODE. On error returns -1 and
 * writes what was expected into err.
 */
int param_parse(const struct param_def *def, const char *text, int n_nodes, struct param_value *out,
                char *err, size_t errlen);
/* Writes the value as a user would type it. */
void param_format(const struct param_def *def, const struct param_value *v, char *dst, size_t size);
/* "sync, partial or async" style list of the valid choices. */
void param_describe(const struct param_def *def, char *dst, size_t size);
/* Index of the choice named word in "a|b|c", or -1. */
int param_choice(const char *choices, const char *word);

/* Durations and percentages as the command language writes them. */
int param_parse_duration(const char *text, int64_t *us);
int param_parse_percent(const char *text, uint32_t *bp);
/* n1 -> 0; -1 unless 1 <= K <= n_nodes (n_nodes 0: any K up to 64). */
int param_parse_node(const char *text, int n_nodes);

#endif
