/* The command language's parser on any bytes: it must refuse or accept, never crash. */
#include <stdlib.h>
#include <string.h>

#include "../../engine/script.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct script_env env;
    struct script s;
    struct script_error err;
    char *text = malloc(size + 1);

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    script_env_init(&env, true);
    if (script_parse_text("fuzz", text, size, &env, &s, &err) == 0)
        script_release(&s);
    script_env_release(&env);
    free(text);
    return 0;
}
