#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/check.h"
#include "../../engine/histread.h"
#include "../../engine/util.h"
#include "../checkview.h"
#include "../headless.h"
#include "cli.h"

struct check_opts {
    const char *file;
    enum histread_format format;
    int model; /* enum check_model, or -1: from the history */
    long budget;
    bool explain;
    bool view;
    bool ascii;
};

static int parse_model(const char *s)
{
    static const enum check_model all[] = {CHECK_MODEL_REGISTER, CHECK_MODEL_CAS_REGISTER,
                                           CHECK_MODEL_KV};

    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (strcmp(s, check_model_name(all[i])) == 0)
            return (int)all[i];
    return -1;
}

/* Reads the parsed command line into o: 0, or -1 after printing why (a usage error). */
static int parse_args(const struct cli_args *a, struct check_opts *o)
{
    const char *v;

    memset(o, 0, sizeof(*o));
    o->model = -1;
    o->file = a->argv[0];
    o->explain = cli_flag(a, "explain");
    o->view = cli_flag(a, "view");
    o->ascii = cli_flag(a, "ascii");
    if ((v = cli_value(a, "format"))) {
        int f = histread_format_parse(v);
        if (f < 0) {
            fprintf(stderr,
                    "splitbrain check: --format takes auto, jepsen-log, edn, porcupine-kv or "
                    "jsonl, not '%s'\n",
                    v);
            return -1;
        }
        o->format = (enum histread_format)f;
    }
    if ((v = cli_value(a, "model"))) {
        o->model = parse_model(v);
        if (o->model < 0) {
            fprintf(stderr,
                    "splitbrain check: --model takes register, cas-register or kv, not '%s'\n", v);
            return -1;
        }
    }
    if ((v = cli_value(a, "budget"))) {
        char *end;
        long b = strtol(v, &end, 10);
        if (*end || b <= 0) {
            fprintf(stderr,
                    "splitbrain check: --budget takes a positive number of search steps, not "
                    "'%s'\n",
                    v);
            return -1;
        }
        o->budget = b;
    }
    return 0;
}

static void key_name(const struct check_hist *h, enum check_model model, int key, char *dst,
                     size_t size)
{
    if (model == CHECK_MODEL_KV || check_hist_str(h, key)[0])
        snprintf(dst, size, "key \"%s\"", check_hist_str(h, key));
    else
        util_strlcpy(dst, "register", size);
}

static const char *verdict_words(enum check_verdict v)
{
    switch (v) {
    case CHECK_OK:
        return "linearizable";
    case CHECK_VIOLATED:
        return "NOT linearizable";
    case CHECK_UNKNOWN:
        return "unknown";
    case CHECK_NA:
        return "not checked";
    }
    return "?";
}

static void print_result(const struct check_opts *o, const struct check_hist *h,
                         enum histread_format used, enum check_model model,
                         const struct check_hresult *res)
{
    int counts[4] = {0, 0, 0, 0};
    bool kv = model == CHECK_MODEL_KV;

    printf("%s: %s history, %d ops; model %s\n", o->file, histread_format_name(used),
           check_hist_count(h), check_model_name(model));
    for (int k = 0; k < res->n_keys; k++) {
        const struct check_hkey *kr = &res->keys[k];
        char name[160];
        counts[kr->verdict]++;
        key_name(h, model, kr->key, name, sizeof(name));
        printf("%s: %s (%d ops, %ld steps)\n", name, verdict_words(kr->verdict), kr->ops,
               kr->steps);
        if (kr->verdict == CHECK_VIOLATED && kr->n_window > 0) {
            printf("  These %d ops cannot be ordered:\n", kr->n_window);
            for (int i = 0; i < kr->n_window; i++) {
                char a[300];
                check_hist_fmt_op(h, kr->window[i], kv, a, sizeof(a));
                printf("    line %-5d %s\n", check_hist_at(h, kr->window[i])->line, a);
            }
        }
        if (kr->verdict != CHECK_OK && kr->why[0])
            printf("  %s%s\n", kr->verdict == CHECK_VIOLATED ? "Why: " : "", kr->why);
    }
    printf("verdict: %s (%d linearizable, %d not, %d unknown, %d not checked, of %d %s)\n",
           verdict_words(counts[CHECK_VIOLATED]                      ? CHECK_VIOLATED
                         : counts[CHECK_UNKNOWN] || counts[CHECK_NA] ? CHECK_UNKNOWN
                                                                     : CHECK_OK),
           counts[CHECK_OK], counts[CHECK_VIOLATED], counts[CHECK_UNKNOWN], counts[CHECK_NA],
           res->n_keys, kv ? "keys" : "register");
}

int cli_check_main(const struct cli_args *a)
{
    struct check_opts o;
    struct histread_error err;
    struct check_hist *h;
    struct check_hresult res;
    enum histread_format used;
    enum check_model model;
    char *text;
    size_t len;
    int rc;

    if (parse_args(a, &o) < 0)
        return EXIT_USAGE;
    text = headless_read_file(o.file, &len);
    if (!text)
        return EXIT_USAGE;
    h = check_hist_create();
    if (histread_parse(o.file, text, len, o.format, h, &used, &err) < 0) {
        char line[600];
        histread_error_format(&err, line, sizeof(line));
        fprintf(stderr, "%s\n", line);
        check_hist_destroy(h);
        free(text);
        return EXIT_USAGE;
    }
    free(text);
    model = o.model >= 0 ? (enum check_model)o.model : histread_default_model(h, used);
    check_hist_run(h, model, o.budget, o.explain || o.view, &res);
    print_result(&o, h, used, model, &res);
    {
        bool na = false, unknown = false, violated = false;
        for (int k = 0; k < res.n_keys; k++) {
            na |= res.keys[k].verdict == CHECK_NA;
            unknown |= res.keys[k].verdict == CHECK_UNKNOWN;
            violated |= res.keys[k].verdict == CHECK_VIOLATED;
        }
        rc = violated ? 1 : unknown || na ? CHECK_EXIT_UNKNOWN : EXIT_OK;
    }
    if (o.view) {
        fflush(stdout);
        if (checkview_run(o.file, h, model, &res, o.ascii) < 0)
            rc = EXIT_USAGE;
    }
    check_hresult_release(&res);
    check_hist_destroy(h);
    return rc;
}
