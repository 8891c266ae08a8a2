/* splitbrain lesson: the course listed, a lesson's progress reset, or a lesson opened. */
#include "lesson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/util.h"
#include "../../lessons/progress.h"
#include "../app.h"
#include "../config.h"
#include "../course.h"
#include "../headless.h"
#include "cli.h"
#include "config.h"

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

int cli_lesson(const struct cli_args *a)
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
        rc = cli_config_flags(a, &cfg) < 0 ? EXIT_USAGE
             : c->items[k].side_by_side    ? course_side_by_side(c, k, p, &cfg)
                                           : app_lesson(c, k, p, &cfg);
    }
    free(c);
    free(p);
    return rc;
}
