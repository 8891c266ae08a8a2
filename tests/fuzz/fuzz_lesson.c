/* The lesson format's parser on any bytes. */
#include <stdlib.h>
#include <string.h>

#include "../../lessons/lesson.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lesson l;
    struct script_error err;
    char *text = malloc(size + 1);

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&err, 0, sizeof(err));
    if (lesson_parse("fuzz.lesson", text, size, &l, &err) == 0)
        lesson_release(&l);
    free(text);
    return 0;
}
