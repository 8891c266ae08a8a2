/* The lesson progress reader on any bytes (it reads a file: the input is written to one). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../lessons/progress.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    struct progress *p = malloc(sizeof(*p));
    char why[PROGRESS_PATH_MAX + 200];
    FILE *f;

    if (!p)
        return 0;
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/splitbrain-fuzz-progress.%ld", (long)getpid());
    f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
        if (progress_load(p, path, why, sizeof(why)) == 0)
            for (int i = 0; i < p->n; i++)
                (void)progress_get(p, p->e[i].id, p->e[i].version);
        unlink(path);
    }
    free(p);
    return 0;
}
