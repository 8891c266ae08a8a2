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
#include "app.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "config.h"
#include "datadir.h"
#include "headless.h"

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

static void list(const struct course *c, const struct progress *p)
{
    char st[32], sum[48];

    if (!c->dir[0]) {
        printf("No lesson folder found: set SPLITBRAIN_LESSONS or SPLITBRAIN_DATA, or install\n"
               "with make install.\n");
        return;
    }
    printf("Lessons in %s:\n\n", c->dir);
    for (int i = 0; i < c->n; i++) {
        const struct course_item *it = &c->items[i];
        course_status(it, p, st, sizeof(st));
        if (it->error[0])
            printf("  %2d  %-13s %-22s %s\n", i + 1, st, it->name, it->error);
        else {
            const struct progress_entry *e = progress_get(p, it->id, it->version);
            int made, right;
            progress_predictions(e, &made, &right);
            printf("  %2d  %-13s %-22s %s", i + 1, st, it->name, it->title);
            if (made > 0)
                printf("  (predictions: %d of %d right)", right, made);
            printf("\n");
        }
    }
    if (c->n == 0)
        printf("  (none)\n");
    course_summary(c, p, sum, sizeof(sum));
    printf("\n%s. Progress is kept in %s\n", sum, p->path[0] ? p->path : "(nowhere: no HOME)");
    printf("Start or resume one:  splitbrain lesson NAME   (the name, its number, or the id)\n");
    printf("Start over:           splitbrain lesson --reset NAME   or   --reset --all\n");
}

static int reset(const struct course *c, struct progress *p, const char *name)
{
    char why[PROGRESS_PATH_MAX + 200];
    int k = -1;

    if (strcmp(name, "--all") == 0) {
        progress_reset(p, NULL);
    } else {
        k = course_resolve(c, name);
        if (k >= 0 && c->items[k].id[0]) {
            progress_reset(p, c->items[k].id);
        } else if (progress_get(p, name, 0) || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                            "0123456789-_") == strlen(name)) {
            progress_reset(p, name); /* an id whose file is gone */
            k = -2;
        } else {
            fprintf(stderr, "splitbrain lesson: no lesson '%s' (splitbrain lesson lists them)\n",
                    name);
            return EXIT_USAGE;
        }
    }
    if (progress_save(p, why, sizeof(why)) < 0) {
        fprintf(stderr, "splitbrain lesson: cannot save progress: %s\n", why);
        return EXIT_USAGE;
    }
    if (k == -1)
        printf("Progress of every lesson reset (%s).\n", p->path);
    else
        printf("Progress of '%s' reset (%s).\n", k >= 0 ? c->items[k].id : name, p->path);
    return EXIT_OK;
}

int course_main(const struct cli_args *a)
{
    struct course *c = xcalloc(1, sizeof(*c));
    struct progress *p = xcalloc(1, sizeof(*p));
    const char *name = a->argc ? a->argv[0] : NULL, *reset_name = cli_value(a, "reset");
    bool want_reset = reset_name != NULL;
    char path[PROGRESS_PATH_MAX], why[PROGRESS_PATH_MAX + 200];
    int k, rc = EXIT_OK;

    course_load(c);
    if (progress_default_path(path, sizeof(path)) < 0)
        path[0] = '\0';
    if (path[0] && progress_load(p, path, why, sizeof(why)) < 0) {
        fprintf(stderr, "splitbrain lesson: %s (fix or remove the file)\n", why);
        rc = EXIT_USAGE;
    } else if (want_reset && name) {
        fprintf(stderr, "splitbrain lesson: --reset takes the one lesson to reset\n");
        rc = EXIT_USAGE;
    } else if (want_reset && !path[0]) {
        fprintf(stderr, "splitbrain lesson: nowhere to keep progress (set HOME or "
                        "XDG_STATE_HOME)\n");
        rc = EXIT_USAGE;
    } else if (want_reset) {
        rc = reset(c, p, reset_name);
    } else if (!name) {
        list(c, p);
    } else if ((k = course_resolve(c, name)) < 0) {
        fprintf(stderr, "splitbrain lesson: no lesson '%s'%s%s (splitbrain lesson lists them)\n",
                name, c->dir[0] ? " in " : "", c->dir);
        rc = EXIT_USAGE;
    } else if (c->items[k].error[0]) {
        fprintf(stderr, "%s\n", c->items[k].error);
        rc = EXIT_USAGE;
    } else {
        struct config cfg;
        rc = cli_config_flags(a, &cfg) < 0 ? EXIT_USAGE : app_lesson(c, k, p, &cfg);
    }
    free(c);
    free(p);
    return rc;
}
