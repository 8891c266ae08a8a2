#include "course.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lessons/lesson.h"
#include "../engine/util.h"
#include "../lessons/progress.h"
#include "compare_view.h"
#include "config.h"
#include "datadir.h"
#include "headless.h"
#include "speed.h"

/* $SPLITBRAIN_LESSONS, else the lessons/ folder of the first data root that has one. */
static void find_dir(char *dst, size_t size)
{
    const char *env = getenv("SPLITBRAIN_LESSONS");

    if (env && env[0]) {
        snprintf(dst, size, "%s", env);
        return;
    }
    if (!datadir_dir(DATADIR_LESSONS, dst, size))
        dst[0] = '\0';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct course_item *)a)->name, ((const struct course_item *)b)->name);
}

static void load_item(struct course_item *it)
{
    struct lesson l;
    struct script_error err;
    size_t len;
    char *text;

    text = headless_read_file(it->path, &len);
    if (!text) {
        snprintf(it->error, sizeof(it->error), "cannot be read");
        return;
    }
    memset(&err, 0, sizeof(err));
    if (lesson_parse(it->path, text, len, &l, &err) < 0) {
        script_error_format(&err, it->error, sizeof(it->error));
        free(text);
        return;
    }
    free(text);
    snprintf(it->id, sizeof(it->id), "%s", l.id);
    snprintf(it->title, sizeof(it->title), "%s", l.title);
    it->version = l.version;
    it->n_steps = l.n_steps;
    it->side_by_side = l.n_models > 0;
    lesson_release(&l);
}

void course_load(struct course *c)
{
    DIR *d;
    struct dirent *de;
    char path[COURSE_PATH_MAX];

    memset(c, 0, sizeof(*c));
    find_dir(c->dir, sizeof(c->dir));
    if (!c->dir[0] || !(d = opendir(c->dir)))
        return;
    while ((de = readdir(d)) != NULL && c->n < COURSE_MAX) {
        size_t n = strlen(de->d_name);
        struct course_item *it;
        if (n <= 7 || strcmp(de->d_name + n - 7, ".lesson") != 0 || de->d_name[0] == '.')
            continue;
        it = &c->items[c->n++];
        snprintf(path, sizeof(path), "%s/%s", c->dir, de->d_name);
        memcpy(it->path, path, sizeof(it->path));
        snprintf(it->name, sizeof(it->name), "%.*s", (int)(n - 7), de->d_name);
    }
    closedir(d);
    qsort(c->items, (size_t)c->n, sizeof(c->items[0]), by_name);
    for (int i = 0; i < c->n; i++)
        load_item(&c->items[i]);
}

/* "03-sync-async" -> "sync-async"; a name without a leading number as it is. */
static const char *strip_number(const char *name)
{
    const char *p = name;

    while (isdigit((unsigned char)*p))
        p++;
    return p > name && (*p == '-' || *p == '_') ? p + 1 : name;
}

int course_resolve(const struct course *c, const char *name)
{
    char want[COURSE_PATH_MAX];
    size_t n;
    const char *slash = strrchr(name, '/');

    snprintf(want, sizeof(want), "%s", slash ? slash + 1 : name);
    n = strlen(want);
    if (n > 7 && strcmp(want + n - 7, ".lesson") == 0)
        want[n - 7] = '\0';
    for (int i = 0; i < c->n; i++) /* the id, or the file name */
        if (strcmp(c->items[i].id, want) == 0 || strcmp(c->items[i].name, want) == 0)
            return i;
    for (int i = 0; i < c->n; i++) /* the file name without its number */
        if (strcmp(strip_number(c->items[i].name), strip_number(want)) == 0)
            return i;
    if (want[0] && strspn(want, "0123456789") == strlen(want)) { /* the number alone */
        int k = atoi(want);
        for (int i = 0; i < c->n; i++)
            if (isdigit((unsigned char)c->items[i].name[0]) && atoi(c->items[i].name) == k)
                return i;
        if (k >= 1 && k <= c->n)
            return k - 1;
    }
    return -1;
}

void course_status(const struct course_item *it, const struct progress *p, char *dst, size_t size)
{
    const struct progress_entry *e = it->error[0] ? NULL : progress_get(p, it->id, it->version);

    if (it->error[0])
        snprintf(dst, size, "broken");
    else if (!e)
        snprintf(dst, size, "new");
    else if (e->done)
        snprintf(dst, size, "done");
    else
        snprintf(dst, size, "at step %d/%d", e->step + 1, it->n_steps);
}

void course_summary(const struct course *c, const struct progress *p, char *dst, size_t size)
{
    int done = 0;

    for (int i = 0; i < c->n; i++) {
        const struct progress_entry *e = progress_get(p, c->items[i].id, c->items[i].version);
        if (!c->items[i].error[0] && e && e->done)
            done++;
    }
    snprintf(dst, size, "%d/%d done", done, c->n);
}

int course_side_by_side(const struct course *c, int k, struct progress *p, const struct config *cfg)
{
    const struct progress_entry *e;
    struct script_error err;
    struct lesson l;
    char *text, why[SCRIPT_MSG_MAX + 300];
    size_t len;
    int start = 0, rc;

    text = headless_read_file(c->items[k].path, &len);
    if (!text)
        return EXIT_USAGE;
    memset(&err, 0, sizeof(err));
    if (lesson_parse(c->items[k].path, text, len, &l, &err) < 0) {
        free(text);
        script_error_format(&err, why, sizeof(why));
        fprintf(stderr, "splitbrain lesson: %s\n", why);
        return EXIT_USAGE;
    }
    free(text);
    e = progress_get(p, l.id, l.version);
    /* Resume where the learner stopped; a lesson finished at its last step starts over. */
    if (e && !(e->done && e->step >= l.n_steps - 1))
        start = e->step;
    rc = compare_view_lesson(&l, start, p, speed_nearest(cfg->speed), cfg->ascii, cfg->mouse);
    lesson_release(&l);
    return rc;
}
