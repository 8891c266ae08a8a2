#include "model.h"

#include <string.h>

#include "util.h"

/* Each model is one file behind the interface; this table is the only place that lists them. */
static const struct model_ops *const models[] = {
    &leader_model,
    &multi_model,
    &leaderless_model,
    &echo_model,
};

const struct model_ops *model_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(models); i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

int model_count(void)
{
    return (int)ARRAY_LEN(models);
}

const struct model_ops *model_at(int i)
{
    if (i < 0 || i >= model_count())
        return NULL;
    return models[i];
}

int model_find_param(const struct model_ops *ops, const char *name)
{
    for (int i = 0; i < ops->n_params; i++)
        if (strcmp(ops->params[i].name, name) == 0)
            return i;
    return -1;
}

int model_find_pred(const struct model_ops *ops, const char *name)
{
    for (int i = 0; i < ops->n_preds; i++)
        if (strcmp(ops->preds[i].name, name) == 0)
            return i;
    return -1;
}

int model_find_cmd(const struct model_ops *ops, const char *name)
{
    for (int i = 0; i < ops->n_cmds; i++)
        if (strcmp(ops->cmds[i].name, name) == 0)
            return i;
    return -1;
}
