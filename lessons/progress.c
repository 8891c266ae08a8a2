#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/util.h"

int progress_default_path(char *dst, size_t size)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (state && state[0] == '/')
        snprintf(dst, size, "%s/splitbrain/progress", state);
    else if (home && home[0])
        snprintf(dst, size, "%s/.local/state/splitbrain/progress", home);
    else
        return -1;
    return 0;
}

int progress_load(struct progress *p, const char *path, char *why, size_t whylen)
{
    FILE *f;
    char line[4096];
    int lineno = 0;

    memset(p, 0, sizeof(*p));
    util_strlcpy(p->path, path, sizeof(p->path));
    f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        struct progress_entry e;
        char state[8];
        int used = 0;
        const char *rest;
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        memset(&e, 0, sizeof(e));
        if (sscanf(line, "%47s %d %d %7s%n", e.id, &e.version, &e.step, state, &used) != 4 ||
            (strcmp(state, "done") != 0 && strcmp(state, "open") != 0) || e.step < 0) {
            snprintf(why, whylen, "%s:%d:1: expected 'ID VERSION STEP done|open'", path, lineno);
            fclose(f);
            return -1;
        }
        e.done = strcmp(state, "done") == 0;
        /* The answers: STEP:CHOICES:p|r:1|0 words. */
        for (rest = line + used;;) {
            struct progress_answer a;
            char kind;
            int right, n = 0;
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest == '\n' || *rest == '\0')
                break;
            if (sscanf(rest, "%d:%u:%c:%d%n", &a.step, &a.choices, &kind, &right, &n) != 4 ||
                a.step < 0 || (kind != 'p' && kind != 'r') || (right != 0 && right != 1)) {
                snprintf(why, whylen, "%s:%d:%d: expected an answer STEP:CHOICES:p|r:1|0", path,
                         lineno, (int)(rest - line) + 1);
                fclose(f);
                return -1;
            }
            a.predict = kind == 'p';
            a.right = right == 1;
            if (e.n_answers < PROGRESS_ANSWERS)
                e.answers[e.n_answers++] = a;
            rest += n;
        }
        if (p->n < PROGRESS_MAX)
            p->e[p->n++] = e;
    }
    fclose(f);
    return 0;
}

/* mkdir -p for the directory part of path. */
static int make_dirs(const char *path, char *why, size_t whylen)
{
    char dir[PROGRESS_PATH_MAX];

    util_strlcpy(dir, path, sizeof(dir));
    for (char *c = dir + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            snprintf(why, whylen, "%s: %s", dir, strerror(errno));
            return -1;
        }
        *c = '/';
    }
    return 0;
}

int progress_save(const struct progress *p, char *why, size_t whylen)
{
    char tmp[PROGRESS_PATH_MAX + 16];
    FILE *f;
    int fd;

    if (make_dirs(p->path, why, whylen) < 0)
        return -1;
    snprintf(tmp, sizeof(tmp), "%s.tmp", p->path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(f, "# splitbrain lesson progress: ID VERSION STEP done|open\n");
    for (int i = 0; i < p->n; i++) {
        fprintf(f, "%s %d %d %s", p->e[i].id, p->e[i].version, p->e[i].step,
                p->e[i].done ? "done" : "open");
        for (int k = 0; k < p->e[i].n_answers; k++) {
            const struct progress_answer *a = &p->e[i].answers[k];
            fprintf(f, " %d:%u:%c:%d", a->step, a->choices, a->predict ? 'p' : 'r', a->right);
        }
        fprintf(f, "\n");
    }
    if (fflush(f) != 0 || fsync(fd) != 0) {
        snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, p->path) != 0) {
        snprintf(why, whylen, "%s: %s", p->path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* The rename is durable only once the directory is on disk too. */
    {
        char dir[PROGRESS_PATH_MAX];
        char *slash;
        int dfd;
        util_strlcpy(dir, p->path, sizeof(dir));
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            dfd = open(dir, O_RDONLY);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
    }
    return 0;
}

const struct progress_entry *progress_get(const struct progress *p, const char *id, int version)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->e[i].id, id) == 0 && p->e[i].version == version)
            return &p->e[i];
    return NULL;
}

bool progress_set(struct progress *p, const char *id, int version, int step, bool done)
{
    struct progress_entry *e = NULL;

    for (int i = 0; i < p->n; i++)
        if (strcmp(p->e[i].id, id) == 0)
            e = &p->e[i];
    if (!e) {
        if (p->n >= PROGRESS_MAX)
            return false;
        e = &p->e[p->n++];
    }
    if (e->version != version)
        e->n_answers = 0; /* a rewritten lesson asks its questions afresh */
    util_strlcpy(e->id, id, sizeof(e->id));
    e->version = version;
    e->step = step;
    e->done = done;
    return true;
}

bool progress_answer(struct progress *p, const char *id, int version, int step, unsigned choices,
                     bool predict, bool right)
{
    struct progress_entry *e = NULL;
    struct progress_answer *a = NULL;

    for (int i = 0; i < p->n; i++)
        if (strcmp(p->e[i].id, id) == 0 && p->e[i].version == version)
            e = &p->e[i];
    if (!e)
        return false;
    for (int i = 0; i < e->n_answers; i++)
        if (e->answers[i].step == step)
            a = &e->answers[i];
    if (!a) {
        if (e->n_answers >= PROGRESS_ANSWERS)
            return false;
        a = &e->answers[e->n_answers++];
    }
    a->step = step;
    a->choices = choices;
    a->predict = predict;
    a->right = right;
    return true;
}

void progress_predictions(const struct progress_entry *e, int *made, int *right)
{
    *made = *right = 0;
    for (int i = 0; e && i < e->n_answers; i++) {
        if (!e->answers[i].predict)
            continue;
        (*made)++;
        *right += e->answers[i].right;
    }
}

void progress_reset(struct progress *p, const char *id)
{
    int k = 0;

    for (int i = 0; i < p->n; i++)
        if (id && strcmp(p->e[i].id, id) != 0)
            p->e[k++] = p->e[i];
    p->n = k;
}
