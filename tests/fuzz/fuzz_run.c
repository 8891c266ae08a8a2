/*
 * Parse, then run: a scenario that parses is executed command by command with
 * virtual time bounded (FUZZ_LIMIT_US), and its expects evaluated, so every
 * model's message handlers, the network and the checkers meet what the fuzzer
 * makes up. A `run` past the bound stops the run; `run until quiet` and
 * `run until PREDICATE` become a short run; `step N` is capped.
 */
#include <stdlib.h>
#include <string.h>

#include "../../engine/check.h"
#include "../../engine/engine.h"
#include "../../engine/script.h"
#include "fuzz.h"

#define FUZZ_LIMIT_US  (10 * 1000000LL)
#define FUZZ_MAX_BYTES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct script_env env;
    struct script s;
    struct script_error err;
    struct script_run *run;
    char *text;

    if (size > FUZZ_MAX_BYTES)
        return 0;
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    script_env_init(&env, true);
    if (script_parse_text("fuzz", text, size, &env, &s, &err) < 0) {
        script_env_release(&env);
        free(text);
        return 0;
    }
    run = script_run_create("fuzz", 1);
    for (int i = 0; i < s.n; i++) {
        struct script_cmd c = s.cmds[i];
        int64_t now = engine_now(script_run_engine(run));
        if ((c.kind == CMD_RUN && now + c.dur_us > FUZZ_LIMIT_US) ||
            (c.kind == CMD_RUN_UNTIL && c.dur_us > FUZZ_LIMIT_US) || c.at_us > FUZZ_LIMIT_US)
            break;
        if (c.kind == CMD_RUN_QUIET || c.kind == CMD_RUN_PRED) {
            if (script_run_advance(
                    run, now + 1000000 < FUZZ_LIMIT_US ? now + 1000000 : FUZZ_LIMIT_US, &err) < 0)
                break;
            continue;
        }
        if (c.kind == CMD_STEP && c.num > 1000)
            c.num = 1000;
        if (script_run_exec(run, &c, &err) < 0)
            break;
        if (engine_now(script_run_engine(run)) > FUZZ_LIMIT_US)
            break;
    }
    {
        struct engine *e = script_run_engine(run);
        const struct history *h = engine_history(e);
        struct check_lin lin;
        struct check_lost lost;
        check_linearizable(h, 10000, &lin);
        check_lost_writes(e, script_run_recorder(run), &lost);
    }
    script_run_destroy(run);
    script_release(&s);
    script_env_release(&env);
    free(text);
    return 0;
}
