/*
 * draw: everything the sandbox shows, drawn into a struct grid — the cluster
 * map (nodes on a circle, links, messages in flight), the ops pane, the
 * replica pane, the event log, the status bar, the command line and the help
 * overlay. It reads the engine only through engine.h queries and draws a
 * frame from scratch each time: no terminal, no curses, so render tests draw
 * the same frames and compare them with stored text.
 *
 * Styles are semantic (a crashed node, a cut link); the back end maps each
 * to colour and attributes. Every state is also told apart by glyph or text,
 * so a monochrome frame (and a golden text file) still shows it.
 */
#ifndef SPLITBRAIN_DRAW_H
#define SPLITBRAIN_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../lessons/runner.h"
#include "grid.h"
#include "theme.h"

struct timeline;

/* Smallest window the sandbox lays out; below it the frame says so. */
#define DRAW_MIN_W 60
#define DRAW_MIN_H 16

/* The event log the screen shows: a bounded ring of formatted lines; the oldest go first. */
#define DRAW_LOG_MAX  1000
#define DRAW_LOG_LINE 160

struct draw_log;

struct draw_log *draw_log_create(void);
void draw_log_destroy(struct draw_log *log);
void draw_log_clear(struct draw_log *log);
void draw_log_add(struct draw_log *log, int style, const char *text);
/* One line of plain words for a trace event, styled by its kind. */
void draw_log_event(struct draw_log *log, const struct trace_event *ev);
int draw_log_count(const struct draw_log *log);
/* i = 0 is the oldest line held. */
const char *draw_log_line(const struct draw_log *log, int i, int *style);

/* The context menu (Enter): what can be done to the selected node, each item with its key. */
#define DRAW_MENU_MAX 8
struct draw_menu {
    const char *title; /* "n2 (leader)" */
    int n;
    int cursor;
    struct {
        const char *key; /* "K" */
        char label[48];  /* "kill n2" */
    } items[DRAW_MENU_MAX];
};

/* What the frame shows besides the engine's state. Borrowed for one draw_frame() call. */
struct draw_view {
    const char *title; /* "sandbox" or the scenario file */
    int selected;      /* node index */
    bool paused;
    const char *speed; /* "0.25x", or "10x asked, 0.8x achieved" */
    bool help;
    bool cmd_open;
    char cmd_prompt; /* ':' a command, '/' the event-log filter */
    const char *cmd; /* the command line's text */
    int cmd_cursor;  /* byte offset into cmd */
    const char *msg; /* the message line: a result, an error, or NULL */
    bool msg_error;
    const char *next;   /* the scenario's next command, or NULL */
    const char *filter; /* the event log shows only lines containing it; NULL or "": all */
    int log_scroll;     /* event-log lines scrolled back from the newest (0: follow) */
    int64_t head_us;    /* rewound: the furthest time reached; -1 when at the present */
    const struct draw_log *log;
    const struct draw_lesson *lesson;   /* the lesson pane, or NULL in the sandbox */
    const struct check_summary *checks; /* verdict lines under the ops, or NULL for none */
    const char *workload;               /* "2/s" while a background workload runs, or NULL */
    /* The timeline view (t) in place of the cluster map, or NULL; the rows scrolled back from
     * the newest, clamped by the draw to what there is. */
    const struct timeline *timeline;
    int *timeline_scroll;
    /* The clock view (c) in place of the cluster map; its clock jumps come from events. */
    bool clocks;
    const struct timeline *events;
    const struct draw_menu *menu; /* the context menu, or NULL */
    /* Adversary mode (m): every message in flight is labelled with its id, the picked one
     * (pick_id; 0 for none) is marked, the message line describes it and the status bar shows
     * the mode's keys. */
    bool picking;
    uint64_t pick_id;
    /* The scrubber (T): one line from 0 to scrub_head_us (the latest time reached) with the
     * position scrub_us marked, in place of the message line. */
    bool scrub;
    int64_t scrub_us;
    int64_t scrub_head_us;
    /* n / N: the event-log line the search landed on (draw_log_line's index + 1), highlighted;
     * 0 for none. */
    int log_mark;
    /* o / O: the op (history id) selected in the ops pane, highlighted there and shown by the
     * quorum view; 0 follows the latest leaderless op. */
    size_t op_sel;
    /* v: the link from the selected node to node link_to - 1, highlighted on the map; 0 for
     * none. */
    int link_to;
    /* Entries a node just cut from its log or a model threw away, shown struck in the replica
     * pane for a moment before they go. */
    const struct draw_flash *flash;
    int n_flash;
    /* A demo's latest `say` caption, shown large in a band across the top; NULL for none.
     * beat says the demo waits there for the presenter. */
    const char *caption;
    bool beat;
    /* Presenter mode: map, ops and caption only, high contrast (bold, nothing dim). */
    bool present;
    /* A recording runs (--record, --cast): the bar shows REC. */
    bool rec;
    /* An idle wait just skipped ("idle 0.4s skipped"), shown on the bar; NULL for none. */
    const char *skip;
};

/* A truncated or discarded entry, flashed in its node's replica pane. */
#define DRAW_FLASH_MAX 8
struct draw_flash {
    int node;
    bool discarded; /* a model threw a write away; else the node cut its log */
    char text[64];
};

/* One line of the lesson list overlay. */
struct draw_lesson_item {
    const char *name;   /* "03-sync-async" */
    const char *title;  /* the lesson's title, or why it does not load */
    const char *status; /* "done", "step 3/7", "new" */
};

/* What the lesson pane shows: the runner's step and what the learner did with it. */
struct draw_lesson {
    const char *title; /* the lesson's title */
    int step;          /* 0-based */
    int n_steps;
    const struct lesson_step *s;
    enum runner_phase phase;
    int quiz_cursor;      /* the choice the arrows are on */
    unsigned quiz_pick;   /* bit i: choice i picked (before answering) */
    unsigned answered;    /* the answer given, valid when phase is past RUNNER_QUIZ */
    const char *hint;     /* the latest hint shown, or NULL */
    int hints_shown;      /* how many of the step's hints are out */
    const char *waiting;  /* what the gate still waits for ("" or NULL: nothing said yet) */
    bool finished;        /* the last step is done */
    const char *stuck;    /* a dead end the learner ran into, in words, or NULL */
    const char *evidence; /* the step's key event, quoted from the log, or NULL */
    bool held;            /* the run paused on the spotlight or the gate: Space goes on */
    bool explain_ready;   /* the quiz's explanation may show (a prediction: after the gate) */
    int hints_total;      /* how many hints the step has for the learner now */
    bool legend;          /* show the legend (i) instead of the step */
    bool lamport;         /* the lesson teaches Lamport clocks: boxes show them, in words */
    /* The step's texts with the run's values filled in; NULL: the lesson's own. */
    const char *narration;
    const char *success;
    const char *explain;
    /* The step's key event once it happened, or NULL: its node's box and its op's line are
     * marked (GL_SPOT, ST_INFO) while the pane quotes it as evidence. */
    const struct trace_event *spot;
    /* The lesson list overlay (L), when n_items > 0 and list is set. */
    bool list;
    const struct draw_lesson_item *items;
    int n_items;
    int list_cursor;
    const char *summary; /* "7/16 done" */
};

/* Where the terminal cursor goes (the command line), when show is set. */
struct draw_cursor {
    int x;
    int y;
    bool show;
};

void draw_frame(struct grid *g, const struct engine *e, const struct draw_view *v,
                struct draw_cursor *cur);

/* One model's column of the side-by-side (compare) view in the w x h cells at x, y: title,
 * cluster map and ops with v->checks, drawn as the sandbox draws them. */
void draw_column(struct grid *g, const struct engine *e, const struct draw_view *v,
                 const char *title, int x, int y, int w, int h);

/* The lesson pane alone in the w x h cells at x, y (the side-by-side lesson's). */
void draw_lesson_at(struct grid *g, const struct draw_lesson *dl, int x, int y, int w, int h);

/* Which node of e's box covers cell x, y of a w x h frame (lesson: with the lesson pane;
 * present: in presenter mode's layout); -1 for none. */
int draw_node_at(const struct engine *e, int w, int h, bool lesson, bool present, int x, int y);

#endif
