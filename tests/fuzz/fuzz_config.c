/* The settings file's reader on any bytes. */
#include "../../tui/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c;
    char why[600];

    config_init(&c);
    config_parse_text(&c, "fuzz", (const char *)data, size, why, sizeof(why));
    return 0;
}
