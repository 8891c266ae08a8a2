/*
 * cmdline: the `:` command line and the `/` search line at the bottom of the sandbox. It owns
 * the line being edited (cursor, history, Tab completion); what a finished line does (run a
 * command, open a file, filter the event log) is the caller's. Like every key handler it
 * changes state and says what happened; it never draws. The message line stays the caller's: a
 * key that wants something said there fills a struct cmdline_say.
 */
#ifndef SPLITBRAIN_CMDLINE_H
#define SPLITBRAIN_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/engine.h"
#include "../engine/script.h"

#define CMDLINE_HISTORY    64 /* command-line history entries */
#define CMDLINE_FILTER_MAX 64 /* the `/` line's text, terminator included */
#define CMDLINE_SAY_MAX    (SCRIPT_MSG_MAX + 300)

/* Embedded in the app; cmdline_init() clears it. */
struct cmdline {
    bool open;
    bool searching; /* the line edits the event-log filter, not a command */
    char text[SCRIPT_MAX_LINE];
    int len;
    int cursor;
    char hist[CMDLINE_HISTORY][SCRIPT_MAX_LINE];
    int n_hist;
    int hist_pos;
};

/* What a key asks of the message line. */
enum cmdline_say_kind {
    CMDLINE_SAY_NOTHING, /* leave it */
    CMDLINE_SAY_CLEAR,
    CMDLINE_SAY_INFO,
    CMDLINE_SAY_ERROR,
};

struct cmdline_say {
    enum cmdline_say_kind kind;
    char text[CMDLINE_SAY_MAX];
};

/* What a key did to the line. */
enum cmdline_result {
    CMDLINE_EDITED, /* still open (or closed by Backspace on an empty line, or a search ended) */
    CMDLINE_ENTER,  /* a command line is finished: text holds it, and it is in the history */
};

void cmdline_init(struct cmdline *c);
/* Opens the `:` line holding text, the cursor at its end. */
void cmdline_open(struct cmdline *c, const char *text);
/* Handles key k on the open line; e is the cluster Tab completes node and parameter names
 * from. Fills say (kind CMDLINE_SAY_NOTHING when the message line is to be left alone). */
enum cmdline_result cmdline_key(struct cmdline *c, int k, const struct engine *e,
                                struct cmdline_say *say);

#endif
