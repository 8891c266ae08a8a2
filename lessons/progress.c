#include "progress.h"

#include <dirent.h>
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
    /* Every save writes the header line first, so an empty file is damage, not "no progress". */
    if (fgetc(f) == EOF) {
        if (ferror(f))
            snprintf(why, whylen, "%s: %s", path, strerror(errno));
        else
            snprintf(why, whylen, "%s: empty (a saved progress file starts with a '#' line)", path);
        fclose(f);
        return -1;
    }
    rewind(f);
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
    if (ferror(f)) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        fclose(f);
        return -1;
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

/* Takes the advisory write lock on PATH.lock (waiting for another session's save); the fd. */
static int lock_take(const char *path, char *why, size_t whylen)
{
    char lock[PROGRESS_PATH_MAX + 8];
    struct flock fl;
    int fd;

    snprintf(lock, sizeof(lock), "%s.lock", path);
    fd = open(lock, O_RDWR | O_CREAT, 0600);
    if (fd < 0) {
        snprintf(why, whylen, "%s: %s", lock, strerror(errno));
        return -1;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (fcntl(fd, F_SETLKW, &fl) < 0) {
        if (errno == EINTR)
            continue;
        snprintf(why, whylen, "%s: %s", lock, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Temporary files left by a save that was killed: PATH.tmp-XXXXXX (mkstemp's six letters) and
 * PATH.tmp (older versions). Only a holder of the lock makes them, so under the lock every one
 * is stale.
 */
static void remove_stale(const char *path)
{
    char dir[PROGRESS_PATH_MAX], full[PROGRESS_PATH_MAX + 300];
    const char *base;
    size_t blen;
    DIR *d;
    struct dirent *de;

    util_strlcpy(dir, path, sizeof(dir));
    base = strrchr(path, '/');
    if (!base || base == path)
        return;
    dir[base - path] = '\0';
    base++;
    blen = strlen(base);
    d = opendir(dir);
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strncmp(n, base, blen) != 0 || n[blen] != '.')
            continue;
        n += blen + 1;
        if ((strncmp(n, "tmp-", 4) == 0 && strlen(n) == 10) || strcmp(n, "tmp") == 0) {
            snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
            unlink(full);
        }
    }
    closedir(d);
}

/*
 * Two sessions may save at once (two terminals, two lessons): each writes its own temporary
 * file, made by mkstemp beside the real one, and renames it over the real one while holding
 * an advisory lock on PATH.lock, so a reader sees the old file or a whole new one, never an
 * empty or torn one, and the temporary files never collide.
 */
int progress_save(const struct progress *p, char *why, size_t whylen)
{
    char tmp[PROGRESS_PATH_MAX + 16];
    FILE *f;
    int fd, lock, r = -1;
    bool bad;

    if (make_dirs(p->path, why, whylen) < 0)
        return -1;
    lock = lock_take(p->path, why, whylen);
    if (lock < 0)
        return -1;
    remove_stale(p->path);
    snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", p->path);
    fd = mkstemp(tmp);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        goto out_unlock;
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
    bad = fflush(f) != 0 || ferror(f) || fsync(fd) != 0;
    if (fclose(f) != 0)
        bad = true;
    if (bad || rename(tmp, p->path) != 0) {
        snprintf(why, whylen, "%s: %s", bad ? tmp : p->path, strerror(errno));
        unlink(tmp);
        goto out_unlock;
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
    r = 0;
out_unlock:
    close(lock); /* closing the descriptor releases the lock */
    return r;
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
