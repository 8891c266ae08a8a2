/* splitbrain params [MODEL] and splitbrain models: what `set` takes, and the models. */
#include <stdio.h>

#include "../../engine/engine.h"
#include "../../engine/model.h"
#include "../../engine/util.h"
#include "../headless.h"
#include "cli.h"

static void print_param(const struct param_def *d)
{
    char want[200];

    param_describe(d, want, sizeof(want));
    printf("  %-15s default %-8s %s\n", d->name, d->def, d->help);
    printf("  %-15s         %-8s takes %s\n", "", "", want);
}

const struct model_ops *headless_model(const char *cmd, const char *name)
{
    const char *names[16];
    const char *close;
    const struct model_ops *m = model_find(name);
    int n = 0;

    if (m)
        return m;
    for (int k = 0; k < model_count() && n < 16; k++)
        names[n++] = model_at(k)->name;
    close = util_suggest(name, names, n);
    if (close)
        fprintf(stderr, "splitbrain %s: unknown model '%s'; did you mean '%s'?\n", cmd, name,
                close);
    else
        fprintf(stderr, "splitbrain %s: unknown model '%s' (splitbrain models lists them)\n", cmd,
                name);
    return NULL;
}

int headless_params(const struct cli_args *a)
{
    const struct model_ops *m = NULL;

    if (a->argc == 1 && !(m = headless_model("params", a->argv[0])))
        return EXIT_USAGE;
    printf("Cluster parameters (every model):\n");
    for (int i = 0; i < EP_COUNT; i++)
        print_param(&engine_params[i]);
    for (int k = 0; k < model_count(); k++) {
        const struct model_ops *mk = model_at(k);
        if (m && mk != m)
            continue;
        if (mk->n_params == 0)
            continue;
        printf("\nModel %s:\n", mk->name);
        for (int i = 0; i < mk->n_params; i++)
            print_param(&mk->params[i]);
    }
    return EXIT_OK;
}

int headless_models(const struct cli_args *a)
{
    (void)a;
    for (int k = 0; k < model_count(); k++)
        printf("%-12s %s\n", model_at(k)->name, model_at(k)->title);
    return EXIT_OK;
}
