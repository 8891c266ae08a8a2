/*
 * lesson: the lesson file format and its parser.
 *
 * A lesson is plain UTF-8 text, readable without the tool. A header of
 * `%` directives (id, title, version, seed, setup in the command language),
 * then steps, each opened by `== id: Title`. In a step, plain lines are the
 * narration (a small Markdown subset: *emphasis*, **strong**, `code`), and
 * directives add a task, checks that gate the step (command-language
 * predicates, on engine state or on what happened since the step began),
 * staged hints, actions the step can perform itself ("show me"), a success
 * message, and a quiz asked before the run reveals the answer. An indented
 * line continues the text directive above it; `;;` at the start of a line is
 * a comment. Errors are FILE:LINE:COL: message, like every parser here.
 *
 * Ownership: a struct lesson owns all its strings and commands.
 */
#ifndef SPLITBRAIN_LESSON_H
#define SPLITBRAIN_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/script.h"

#define LESSON_MAX_STEPS   64
#define LESSON_MAX_CHECKS  8
#define LESSON_MAX_HINTS   6
#define LESSON_MAX_DOS     16
#define LESSON_MAX_SETUP   64
#define LESSON_MAX_CHOICES 8
#define LESSON_TEXT_MAX    2048
#define LESSON_LINE_MAX    512

struct lesson_quiz {
    bool multiple; /* several answers may be right */
    int line;
    char question[LESSON_LINE_MAX];
    int n_choices;
    char choices[LESSON_MAX_CHOICES][LESSON_LINE_MAX];
    unsigned correct; /* bit i: choice i is right */
    char explain[LESSON_TEXT_MAX];
};

struct lesson_step {
    char id[32];
    char title[128];
    int line;
    char narration[LESSON_TEXT_MAX];
    char task[LESSON_LINE_MAX];
    int n_checks;
    struct script_cmd *checks; /* CMD_EXPECT commands */
    int n_hints;
    char hints[LESSON_MAX_HINTS][LESSON_LINE_MAX];
    int n_dos;
    struct script_cmd *dos;
    char success[LESSON_TEXT_MAX];
    bool has_quiz;
    struct lesson_quiz quiz;
};

struct lesson {
    char file[256];
    char id[48];
    char title[160];
    int version;
    uint64_t seed;
    int n_setup;
    struct script_cmd *setup;
    int n_steps;
    struct lesson_step *steps;
};

/* Parses a whole lesson. On error returns -1 with *err filled and nothing kept. */
int lesson_parse(const char *file, const char *text, size_t len, struct lesson *out,
                 struct script_error *err);
void lesson_release(struct lesson *l);

#endif
