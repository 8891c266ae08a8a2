#include "datadir.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/util.h"

#ifndef SPLITBRAIN_DATADIR
#define SPLITBRAIN_DATADIR "/usr/local/share/splitbrain"
#endif

static const char *const kind_dir[] = {"scenarios", "demos", "lessons"};
static const char *const kind_ext[] = {".scn", ".demo", ".lesson"};
static const char *const kind_noun[] = {"scenario", "demo", "lesson"};

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Adds dir to roots when it is a folder not already there (compared by real path). */
static void add_root(char (*roots)[DATADIR_PATH_MAX], int *n, int max, const char *dir)
{
    char real[PATH_MAX];

    if (*n >= max || !dir[0] || !is_dir(dir))
        return;
    if (!realpath(dir, real))
        util_strlcpy(real, dir, sizeof(real));
    for (int i = 0; i < *n; i++)
        if (strcmp(roots[i], real) == 0)
            return;
    util_strlcpy(roots[(*n)++], real, DATADIR_PATH_MAX);
}

int datadir_roots(char (*roots)[DATADIR_PATH_MAX], int max)
{
    char buf[DATADIR_PATH_MAX + 64], exe[DATADIR_PATH_MAX];
    const char *env = getenv("SPLITBRAIN_DATA"), *home = getenv("HOME");
    const char *xdg = getenv("XDG_DATA_HOME"), *dirs = getenv("XDG_DATA_DIRS");
    ssize_t len;
    int n = 0;

    if (env && env[0])
        add_root(roots, &n, max, env);
    if (xdg && xdg[0] == '/') {
        snprintf(buf, sizeof(buf), "%s/splitbrain", xdg);
        add_root(roots, &n, max, buf);
    } else if (home && home[0]) {
        snprintf(buf, sizeof(buf), "%s/.local/share/splitbrain", home);
        add_root(roots, &n, max, buf);
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        char *slash;
        exe[len] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, sizeof(buf), "%s/assets", exe);
            add_root(roots, &n, max, buf);
            snprintf(buf, sizeof(buf), "%s/../assets", exe);
            add_root(roots, &n, max, buf);
            snprintf(buf, sizeof(buf), "%s/../share/splitbrain", exe);
            add_root(roots, &n, max, buf);
        }
    }
    add_root(roots, &n, max, SPLITBRAIN_DATADIR);
    if (!dirs || !dirs[0])
        dirs = "/usr/local/share:/usr/share";
    while (*dirs) {
        size_t w = strcspn(dirs, ":");
        if (w > 0 && dirs[0] == '/') {
            snprintf(buf, sizeof(buf), "%.*s/splitbrain", (int)w, dirs);
            add_root(roots, &n, max, buf);
        }
        dirs += w;
        if (*dirs == ':')
            dirs++;
    }
    return n;
}

bool datadir_dir(enum datadir_kind kind, char *dst, size_t size)
{
    char roots[DATADIR_ROOTS][DATADIR_PATH_MAX];
    int n = datadir_roots(roots, DATADIR_ROOTS);

    for (int i = 0; i < n; i++) {
        snprintf(dst, size, "%s/%s", roots[i], kind_dir[kind]);
        if (is_dir(dst))
            return true;
    }
    dst[0] = '\0';
    return false;
}

/* "02-split-brain" or "acks_one_loss" -> "split-brain", "acks-one-loss". */
static void make_key(const char *name, char *dst, size_t size)
{
    const char *p = name, *slash = strrchr(name, '/');
    size_t k = 0;

    if (slash)
        p = slash + 1;
    {
        const char *q = p;
        while (isdigit((unsigned char)*q))
            q++;
        if (q > p && (*q == '-' || *q == '_') && q[1])
            p = q + 1;
    }
    for (; *p && k + 1 < size; p++) {
        char c = (char)tolower((unsigned char)*p);
        dst[k++] = c == '_' ? '-' : c;
    }
    dst[k] = '\0';
}

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);

    return n > e && strcmp(name + n - e, ext) == 0;
}

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct datadir_item *)a)->name, ((const struct datadir_item *)b)->name);
}

static void add_item(struct datadir_list *out, const char *path, const char *name)
{
    struct datadir_item *it;

    for (int i = 0; i < out->n; i++)
        if (strcmp(out->items[i].name, name) == 0)
            return; /* an earlier root has it */
    if (out->n >= DATADIR_ITEMS)
        return;
    it = &out->items[out->n++];
    util_strlcpy(it->path, path, sizeof(it->path));
    util_strlcpy(it->name, name, sizeof(it->name));
    make_key(name, it->key, sizeof(it->key));
}

/* The files of a kind in dir, and (for scenarios) one level of sub-folders: "leader/x". */
static void scan(struct datadir_list *out, enum datadir_kind kind, const char *dir,
                 const char *prefix, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[DATADIR_PATH_MAX + 256], name[300];

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (has_ext(de->d_name, kind_ext[kind]) && is_file(path)) {
            snprintf(name, sizeof(name), "%s%.*s", prefix,
                     (int)(strlen(de->d_name) - strlen(kind_ext[kind])), de->d_name);
            add_item(out, path, name);
        } else if (depth == 0 && kind == DATADIR_SCENARIOS && is_dir(path)) {
            snprintf(name, sizeof(name), "%s/", de->d_name);
            scan(out, kind, path, name, 1);
        }
    }
    closedir(d);
}

void datadir_list(enum datadir_kind kind, struct datadir_list *out)
{
    char roots[DATADIR_ROOTS][DATADIR_PATH_MAX], dir[DATADIR_PATH_MAX + 16];
    int n = datadir_roots(roots, DATADIR_ROOTS);

    out->n = 0;
    for (int i = 0; i < n; i++) {
        snprintf(dir, sizeof(dir), "%s/%s", roots[i], kind_dir[kind]);
        scan(out, kind, dir, "", 0);
    }
    qsort(out->items, (size_t)out->n, sizeof(out->items[0]), item_cmp);
}

int datadir_resolve(enum datadir_kind kind, const char *name, char *dst, size_t size, char *why,
                    size_t whylen)
{
    struct datadir_list *l;
    char want[128], full[160];
    const char *keys[DATADIR_ITEMS], *close;
    int found = -1, n_found = 0;

    if (is_file(name)) {
        util_strlcpy(dst, name, size);
        return 0;
    }
    l = xmalloc(sizeof(*l));
    datadir_list(kind, l);
    snprintf(full, sizeof(full), "%s", name);
    if (has_ext(full, kind_ext[kind]))
        full[strlen(full) - strlen(kind_ext[kind])] = '\0';
    make_key(full, want, sizeof(want));
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, full) == 0) { /* the exact listed name wins */
            found = i;
            n_found = 1;
            break;
        }
        if (strcmp(l->items[i].key, want) == 0) {
            if (n_found++ == 0)
                found = i;
        }
    }
    if (n_found == 0 && want[0] && strspn(want, "0123456789") == strlen(want)) {
        int k = atoi(want);
        if (k >= 1 && k <= l->n) {
            found = k - 1;
            n_found = 1;
        }
    }
    if (n_found == 1) {
        util_strlcpy(dst, l->items[found].path, size);
        free(l);
        return 0;
    }
    if (n_found > 1) {
        snprintf(why, whylen, "'%s' could be", name);
        for (int i = 0, shown = 0; i < l->n; i++)
            if (strcmp(l->items[i].key, want) == 0)
                util_appendf(why, whylen, "%s %s", shown++ ? " or" : "", l->items[i].name);
        util_appendf(why, whylen, ": say which");
        free(l);
        return -1;
    }
    for (int i = 0; i < l->n; i++)
        keys[i] = l->items[i].key;
    close = util_suggest(want, keys, l->n);
    if (strchr(name, '/'))
        snprintf(why, whylen, "%s: no such file", name);
    else if (l->n == 0)
        snprintf(why, whylen,
                 "%s: no such file, and no shipped %ss were found (set SPLITBRAIN_DATA)", name,
                 kind_noun[kind]);
    else if (close)
        snprintf(why, whylen, "%s: no such file or %s; did you mean '%s'?", name, kind_noun[kind],
                 close);
    else
        snprintf(why, whylen, "%s: no such file or %s (without a name, the command lists them)",
                 name, kind_noun[kind]);
    free(l);
    return -1;
}

/* The file's opening comment, up to the end of its first sentence, on one line. */
static void describe(const char *path, char *dst, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[512];

    dst[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *p = line, *end;
        if (line[0] == '%') { /* a lesson: its %title */
            if (strncmp(line, "%title", 6) == 0) {
                p = line + 6;
                while (*p == ' ' || *p == '\t')
                    p++;
                p[strcspn(p, "\n")] = '\0';
                util_strlcpy(dst, p, size);
                break;
            }
            continue;
        }
        if (line[0] != '#')
            break;
        p = line + 1;
        while (*p == ' ')
            p++;
        p[strcspn(p, "\n")] = '\0';
        if (!*p)
            break;
        if (strncmp(p, "Demo: ", 6) == 0)
            p += 6;
        if (strncmp(p, "Run it with:", 12) == 0)
            continue;
        util_appendf(dst, size, "%s%s", dst[0] ? " " : "", p);
        end = dst + strlen(dst);
        if (end > dst && (end[-1] == '.' || end[-1] == ':'))
            break;
    }
    fclose(f);
}

/* Cuts text to at most cols characters (not bytes: UTF-8 is cut between characters). */
static void cut_cols(char *text, int cols)
{
    int seen = 0;

    for (char *p = text; *p; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        if (seen == cols - 3) {
            char *q = p;
            int rest = 0;
            for (; *q; q++)
                rest += ((unsigned char)*q & 0xC0) != 0x80;
            if (rest > 3)
                strcpy(p, "...");
            return;
        }
        seen++;
    }
}

void datadir_print(enum datadir_kind kind, const char *cmd, FILE *out)
{
    struct datadir_list *l = xmalloc(sizeof(*l));
    char dir[DATADIR_PATH_MAX], desc[512];
    int namew = 8;

    datadir_list(kind, l);
    if (l->n == 0) {
        fprintf(out,
                "No shipped %ss found: set SPLITBRAIN_DATA to a folder with %s/, or install "
                "with make install.\n",
                kind_noun[kind], kind_dir[kind]);
        free(l);
        return;
    }
    datadir_dir(kind, dir, sizeof(dir));
    fprintf(out, "Shipped %ss (%s):\n\n", kind_noun[kind], dir);
    for (int i = 0; i < l->n; i++)
        if ((int)strlen(l->items[i].name) > namew)
            namew = (int)strlen(l->items[i].name);
    for (int i = 0; i < l->n; i++) {
        describe(l->items[i].path, desc, sizeof(desc));
        cut_cols(desc, 79 - 7 - namew);
        fprintf(out, "  %2d  %-*s %s\n", i + 1, namew, l->items[i].name, desc);
    }
    fprintf(out, "\nGive a name (or its number): splitbrain %s %s\n", cmd, l->items[0].key);
    free(l);
}

int datadir_resolve_play(const char *name, char *dst, size_t size, char *why, size_t whylen)
{
    char other[DATADIR_PATH_MAX + 200];

    if (has_ext(name, kind_ext[DATADIR_DEMOS]) && !strchr(name, '/') && !is_file(name))
        return datadir_resolve(DATADIR_DEMOS, name, dst, size, why, whylen);
    if (datadir_resolve(DATADIR_SCENARIOS, name, dst, size, why, whylen) == 0)
        return 0;
    if (datadir_resolve(DATADIR_DEMOS, name, dst, size, other, sizeof(other)) == 0)
        return 0;
    return -1;
}
