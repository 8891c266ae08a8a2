/*
 * course: the lessons on disk. It finds the lesson folder ($SPLITBRAIN_LESSONS,
 * else lessons/ in the first data root that has one: see datadir.h), loads
 * each lesson's title and size, says each one's status from the learner's
 * progress, and resolves a name the learner typed (the id, the file name with
 * or without its number and .lesson, or the number alone). The `splitbrain
 * lesson` command that lists and resets them is cli/lesson.c.
 */
#ifndef SPLITBRAIN_COURSE_H
#define SPLITBRAIN_COURSE_H

#include <stdbool.h>
#include <stddef.h>

#include "../lessons/progress.h"

#define COURSE_MAX      64
#define COURSE_PATH_MAX 1024

struct course_item {
    char path[COURSE_PATH_MAX];
    char name[128]; /* the file name without .lesson: "03-sync-async" */
    char id[48];
    char title[160];
    int version;
    int n_steps;
    bool side_by_side; /* %compare: it plays in the side-by-side view */
    char error[400];   /* not empty: the file does not load, and this says why */
};

struct course {
    char dir[COURSE_PATH_MAX]; /* "" when no lesson folder was found */
    int n;
    struct course_item items[COURSE_MAX];
};

/* Finds the lesson folder and loads every *.lesson in it, in file-name order. */
void course_load(struct course *c);
/* The item a learner's NAME means, or -1. */
int course_resolve(const struct course *c, const char *name);
/* "done", "step 3/7", "new". */
void course_status(const struct course_item *it, const struct progress *p, char *dst, size_t size);
/* "7/16 done". */
void course_summary(const struct course *c, const struct progress *p, char *dst, size_t size);

struct progress;
struct config;

/* Plays item k, a side-by-side lesson, in the side-by-side view, resuming where p says. */
int course_side_by_side(const struct course *c, int k, struct progress *p,
                        const struct config *cfg);

#endif
