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
#include "app.h"
#include "headless.h"

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The lessons found from where the binary is: BIN/assets/lessons (a build in the source
 * tree), then BIN/../share/splitbrain/lessons (installed). */
static bool installed_dir(char *dst, size_t size)
{
    char exe[COURSE_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char share[COURSE_PATH_MAX + 32], real[PATH_MAX];
            /* A binary built in the source tree sits beside assets/. */
            snprintf(share, sizeof(share), "%s/assets/lessons", exe);
            if (is_dir(share)) {
                snprintf(dst, size, "%s", realpath(share, real) ? real : share);
                return true;
            }
            snprintf(share, sizeof(share), "%s/../share/splitbrain/lessons", exe);
            if (is_dir(share)) {
                snprintf(dst, size, "%s", realpath(share, real) ? real : share);
                return true;
            }
        }
    }
    snprintf(dst, size, "/usr/local/share/splitbrain/lessons");
    if (is_dir(dst))
        return true;
    snprintf(dst, size, "/usr/share/splitbrain/lessons");
    return is_dir(dst);
}

static void find_dir(char *dst, size_t size)
{
    const char *env = getenv("SPLITBRAIN_LESSONS");

    if (env && env[0]) {
        snprintf(dst, size, "%s", env);
        return;
    }
    snprintf(dst, size, "assets/lessons");
    if (is_dir(dst))
        return;
    if (!installed_dir(dst, size))
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
        printf("No lesson folder found: set SPLITBRAIN_LESSONS, run from the source tree\n"
               "(assets/lessons), or install with make install.\n");
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

int course_main(int argc, char **argv)
{
    struct course *c = calloc(1, sizeof(*c));
    struct progress *p = calloc(1, sizeof(*p));
    const char *name = NULL, *reset_name = NULL, *speed = NULL;
    bool ascii = false, mouse = true, want_reset = false;
    char path[PROGRESS_PATH_MAX], why[PROGRESS_PATH_MAX + 200];
    int k, rc = EXIT_OK;

    if (!c || !p)
        abort();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: splitbrain lesson [NAME] [--ascii] [--no-mouse] [--speed X]\n"
                   "       splitbrain lesson --reset NAME|--all\n"
                   "Without NAME: the lessons, with your progress. NAME is a lesson's file name\n"
                   "(with or without its number and .lesson), its number, or its id.\n");
            free(c);
            free(p);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--ascii") == 0) {
            ascii = true;
        } else if (strcmp(argv[i], "--no-mouse") == 0) {
            mouse = false;
        } else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc) {
            speed = argv[++i];
        } else if (strcmp(argv[i], "--reset") == 0 && i + 1 < argc) {
            want_reset = true;
            reset_name = argv[++i];
        } else if (!name && argv[i][0] != '-') {
            name = argv[i];
        } else {
            fprintf(stderr, "usage: splitbrain lesson [NAME] [--ascii] [--no-mouse] [--speed X]\n"
                            "       splitbrain lesson --reset NAME|--all\n");
            free(c);
            free(p);
            return EXIT_USAGE;
        }
    }
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
        rc = app_lesson(c, k, p, ascii, mouse, speed);
    }
    free(c);
    free(p);
    return rc;
}
