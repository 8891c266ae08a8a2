/*
 * keys: the one key table. The app dispatches keys through it, the help
 * overlay and the status-bar hints are generated from it (and so is the man
 * page's key list), so what the screen promises is what the keys do.
 *
 * Key codes are the project's own: a byte or code point as typed, or one of
 * the KEYS_* codes for special keys; tui/term.c translates from curses.
 */
#ifndef SPLITBRAIN_KEYS_H
#define SPLITBRAIN_KEYS_H

#include <stddef.h>

/* Special keys, above every Unicode code point. */
enum {
    KEYS_UP = 0x110001,
    KEYS_DOWN,
    KEYS_LEFT,
    KEYS_RIGHT,
    KEYS_HOME,
    KEYS_END,
    KEYS_BACKSPACE,
    KEYS_DELETE,
    KEYS_ENTER,
    KEYS_ESC,
    KEYS_TAB,
    KEYS_F1,
    KEYS_RESIZE,
    KEYS_CLICK, /* a mouse click: tui/term.c knows where */
    KEYS_PGUP,
    KEYS_PGDN,
    KEYS_WHEEL_UP, /* the mouse wheel */
    KEYS_WHEEL_DOWN,
};

#define KEYS_CTRL(c)   ((c)&0x1f)
#define KEYS_MAX_CODES 4

enum key_action {
    KA_NONE,
    KA_HELP,
    KA_CLOSE, /* close the top overlay, or quit at top level */
    KA_QUIT,
    KA_COMMAND,
    KA_SEARCH,
    KA_RUN,
    KA_STEP,
    KA_SLOWER,
    KA_FASTER,
    KA_NORMAL_SPEED,
    KA_BACK,
    KA_FORWARD,
    KA_PREV_NODE,
    KA_NEXT_NODE,
    KA_JUMP_NODE, /* 1-9: the digit says which */
    KA_KILL,
    KA_PAUSE_NODE,
    KA_HEAL,
    KA_CUT,
    KA_PARTITION,
    KA_SKEW,
    KA_WRITE,
    KA_READ,
    KA_REDRAW,
    KA_HINT, /* lesson keys: they act only while a lesson runs */
    KA_RESET_STEP,
    KA_STEP_BACK,
    KA_STEP_NEXT,
    KA_LESSONS,
    KA_SHOW_ME,
    KA_WORKLOAD,
    KA_TIMELINE,
    KA_CLOCKS,
    KA_MENU,
    KA_OLDER, /* the timeline: scroll back */
    KA_NEWER,
    KA_PICK_MSG,    /* adversary mode: pick a message in flight */
    KA_SCRUB,       /* the time scrubber */
    KA_SEARCH_NEXT, /* n: the event log's next (older) line matching the filter text */
    KA_SEARCH_PREV, /* N: the next newer one */
    KA_OP_OLDER,    /* o: select the op before (the quorum view shows it) */
    KA_OP_NEWER,    /* O: the op after */
    KA_LINK,        /* v: the selected node's link to the next other node */
    KA_PRESENT,     /* P: presenter mode on / off */
    KA_OLDEST,      /* Home: the event log's (or the timeline's) oldest line */
    KA_NEWEST,      /* End: back to the newest */
    KA_WHEEL_UP,    /* the mouse wheel scrolls the event log or the timeline */
    KA_WHEEL_DOWN,
    KA_LEGEND, /* i: the lesson pane shows what the map's marks mean */
};

struct key_binding {
    int codes[KEYS_MAX_CODES]; /* 0-terminated when shorter */
    const char *keys;          /* as the help shows them: "Space", "- + =" */
    const char *help;          /* what it does, one line */
    const char *hint;          /* a word or two for the status bar, or NULL */
    enum key_action act;
};

/* The table, in the order the help overlay lists it. */
const struct key_binding *keys_table(size_t *n);
/* The action bound to code; KA_NONE when none. */
enum key_action keys_lookup(int code);

/* What the node keys do, on every screen that shows nodes: KA_PREV_NODE and KA_NEXT_NODE move
 * *selected round the n nodes, KA_JUMP_NODE (digit key k) jumps to that node. */
enum keys_select {
    KEYS_SELECT_NONE,    /* act is not a node key */
    KEYS_SELECT_MOVED,   /* *selected is the new node */
    KEYS_SELECT_MISSING, /* a digit past the last node: *selected unchanged */
};
enum keys_select keys_select(enum key_action act, int k, int n, int *selected);

#endif
