#include "headless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/check.h"
#include "../engine/engine.h"
#include "../engine/script.h"
#include "../engine/util.h"
#include "../lessons/lesson.h"
#include "../lessons/runner.h"
#include "cli/cli.h"
#include "datadir.h"

#define MAX_FILE_BYTES (16u << 20)

int headless_load_script(const char *file, struct script *out)
{
    struct script_env env;
    struct script_error err;
    char msg[SCRIPT_MSG_MAX + 300], *text;
    size_t len;
    int r;

    text = headless_read_file(file, &len);
    if (!text)
        return -1;
    script_env_init(&env, true);
    r = script_parse_text(file, text, len, &env, out, &err);
    if (r < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
    }
    free(text);
    script_env_release(&env);
    return r < 0 ? -1 : 0;
}

char *headless_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t cap = 4096, n = 0;

    if (!f) {
        fprintf(stderr, "splitbrain: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf = xmalloc(cap + 1);
    for (;;) {
        size_t got;
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                fprintf(stderr, "splitbrain: %s: larger than %u MiB\n", path, MAX_FILE_BYTES >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "splitbrain: %s: read error\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int headless_seed(const char *cmd, const char *s, int64_t *seed)
{
    char *end = NULL;
    unsigned long long v = 0;

    errno = 0;
    if (s && *s && *s != '-')
        v = strtoull(s, &end, 10);
    if (!end || errno || *end || v > INT64_MAX) {
        fprintf(stderr, "splitbrain %s: --seed takes a whole number from 0 to %lld, not '%s'\n",
                cmd, (long long)INT64_MAX, s ? s : "");
        return -1;
    }
    *seed = (int64_t)v;
    return 0;
}

static void print_ops(FILE *out, const struct engine *e)
{
    const struct history *h = engine_history(e);
    size_t n = history_count(h);

    if (n == 0) {
        fprintf(out, "ops: none\n");
        return;
    }
    fprintf(out, "ops:\n");
    for (uint64_t id = 1; id <= n; id++) {
        const struct op *op = history_at(h, id);
        char what[64], t0[24], t1[24], vals[160], res[256];

        op_format_req(&op->req, what, sizeof(what));
        util_fmt_time(t0, sizeof(t0), op->invoke_us);
        if (op->status == OP_PENDING)
            util_strlcpy(t1, "...", sizeof(t1));
        else
            util_fmt_time(t1, sizeof(t1), op->complete_us);
        switch (op->status) {
        case OP_OK:
            op_format_result(&op->result, vals, sizeof(vals));
            snprintf(res, sizeof(res), op->req.kind == OP_GET ? "ok %s" : "ok", vals);
            break;
        case OP_FAIL:
            snprintf(res, sizeof(res), "fail: %s", op->reason);
            break;
        case OP_TIMEOUT:
            snprintf(res, sizeof(res), "timeout");
            break;
        case OP_PENDING:
            snprintf(res, sizeof(res), "pending");
            break;
        }
        if (op->quorum >= 0)
            util_appendf(res, sizeof(res), "  quorum %s", op->quorum ? "met" : "failed");
        if (op->detail[0])
            util_appendf(res, sizeof(res), "  (%s)", op->detail);
        fprintf(out, "  %-6s %-18s c%d via n%d  %s -> %-8s %s\n", op->label, what,
                op->req.client + 1, op->node + 1, t0, t1, res);
    }
}

static void print_nodes(FILE *out, const struct engine *e)
{
    char now[24];

    util_fmt_time(now, sizeof(now), engine_now(e));
    fprintf(out, "nodes at %s:\n", now);
    for (int i = 0; i < engine_nodes(e); i++) {
        struct engine_node info;
        const struct store *s = engine_store(e, i);
        char skew[24], line[1024] = "";
        int64_t end = store_log_end(s);

        engine_node(e, i, &info);
        util_fmt_duration(skew, sizeof(skew), info.skew_us);
        snprintf(line, sizeof(line), "  n%-2d %-7s", i + 1, node_state_name(info.state));
        if (info.desc.role[0])
            util_appendf(line, sizeof(line), " %s", info.desc.role);
        if (info.desc.epoch >= 0)
            util_appendf(line, sizeof(line), " e%lld", (long long)info.desc.epoch);
        if (info.skew_us != 0 || info.drift_ppm != 0)
            util_appendf(line, sizeof(line), "  clock %s%s %+dppm", info.skew_us > 0 ? "+" : "",
                         skew, info.drift_ppm);
        if (info.desc.detail[0])
            util_appendf(line, sizeof(line), "  %s", info.desc.detail);
        fprintf(out, "%s\n", line);
        if (end > 0) {
            line[0] = '\0';
            int64_t from = end > 8 ? end - 8 : 0;
            if (from > 0)
                util_appendf(line, sizeof(line), "... ");
            for (int64_t o = from; o < end; o++) {
                const struct store_entry *en = store_log_at(s, o);
                if (!en->key[0]) /* a new leader's epoch-start marker (Raft's no-op) */
                    util_appendf(line, sizeof(line), "%s%lld:(start)@e%lld", o > from ? " " : "",
                                 (long long)o, (long long)en->epoch);
                else
                    util_appendf(line, sizeof(line), "%s%lld:%s=%s@e%lld", o > from ? " " : "",
                                 (long long)o, en->key, en->value, (long long)en->epoch);
            }
            fprintf(out, "       log %s\n", line);
        }
        if (store_kv_count(s) > 0) {
            line[0] = '\0';
            for (int k = 0; k < store_kv_count(s) && k < 12; k++) {
                const struct store_item *it = store_kv_at(s, k);
                struct op_values v = {0};
                char vals[128];
                for (int j = 0; j < it->n; j++)
                    if (!it->v[j].tombstone)
                        op_values_add(&v, it->v[j].value);
                op_format_values(&v, vals, sizeof(vals));
                util_appendf(line, sizeof(line), "%s%s=%s", k ? " " : "", it->key, vals);
            }
            if (store_kv_count(s) > 12)
                util_appendf(line, sizeof(line), " ... (%d keys)", store_kv_count(s));
            fprintf(out, "       kv  %s\n", line);
        }
    }
}

static void print_checkers(FILE *out, struct script_run *run)
{
    const struct engine *e = script_run_engine(run);
    struct check_summary sum;
    const struct check_lin *lin = &sum.lin_first;
    const struct check_lost *lost = &sum.lost;
    const struct check_dup *dup = &sum.dup;
    const struct check_zombie *zb = &sum.zombie;
    const struct check_split *sb = &sum.split;
    const struct check_sessions *ss = &sum.sess;
    const struct check_converge *cv = &sum.conv;
    const struct check_detect *fd = &sum.detect;
    const struct check_avail *av = &sum.av;
    char a[24], b[24], c[24];

    if (history_count(engine_history(e)) == 0)
        return;
    check_summary_run(e, script_run_recorder(run), 0, CHECK_PART_ALL, &sum);
    fprintf(out, "checkers:\n");
    switch (sum.lin) {
    case CHECK_OK:
        if (lin->witness[0])
            fprintf(out, "  linearizable   yes, every register key; not judged: %s\n",
                    lin->witness);
        else
            fprintf(out, "  linearizable   yes, every key\n");
        break;
    case CHECK_VIOLATED:
        fprintf(out, "  linearizable   NO, key %s: %s\n", lin->key, lin->witness);
        break;
    case CHECK_UNKNOWN:
        fprintf(out, "  linearizable   unknown: %s\n", lin->witness);
        break;
    case CHECK_NA:
        fprintf(out, "  linearizable   n/a: %s\n",
                lin->witness[0] ? lin->witness : "no register ops");
        break;
    }
    if (lost->lost)
        fprintf(out, "  lost writes    %d: %s\n", lost->lost, lost->witness);
    else
        fprintf(out, "  lost writes    none\n");
    if (dup->writes)
        fprintf(out, "  duplicates     %d write%s appended more than once: %s\n", dup->writes,
                dup->writes == 1 ? "" : "s", dup->witness);
    else if (dup->has_log)
        fprintf(out, "  duplicates     none\n");
    if (zb->count)
        fprintf(out, "  resurrected    %d: %s\n", zb->count, zb->witness);
    if (sb->count)
        fprintf(out, "  split brain    YES%s: %s\n", sb->same_epoch ? " (same epoch)" : "",
                sb->witness);
    else
        fprintf(out, "  split brain    none\n");
    if (ss->ryw + ss->monotonic + ss->prefix)
        fprintf(out,
                "  sessions       %d read-your-writes, %d monotonic-read, %d consistent-prefix "
                "violations; first: %s\n",
                ss->ryw, ss->monotonic, ss->prefix, ss->witness);
    else
        fprintf(out,
                "  sessions       read-your-writes, monotonic reads, consistent prefix held\n");
    if (cv->converged) {
        util_fmt_duration(a, sizeof(a), cv->after_heal_us);
        if (sum.last_fault_us > 0)
            fprintf(out, "  converged      yes, %d key%s (last change %s after the last fault)\n",
                    cv->keys, cv->keys == 1 ? "" : "s", a);
        else
            fprintf(out, "  converged      yes, %d key%s\n", cv->keys, cv->keys == 1 ? "" : "s");
    } else {
        fprintf(out, "  converged      NO: %s\n", cv->witness);
    }
    if (fd->suspicions) {
        util_fmt_duration(a, sizeof(a), fd->mean_delay_us);
        util_fmt_duration(b, sizeof(b), fd->max_delay_us);
        fprintf(out,
                "  suspicions     %d: %d true (detected after %s on average, %s at most), %d "
                "false (alive but slow, paused or cut off)\n",
                fd->suspicions, fd->true_pos, a, b, fd->false_pos);
    }
    util_fmt_duration(a, sizeof(a), av->p50_us);
    util_fmt_duration(b, sizeof(b), av->p95_us);
    util_fmt_duration(c, sizeof(c), av->max_us);
    fprintf(out,
            "  availability   %d of %d ops ok (%d%%), %d failed, %d timed out, %d pending; "
            "latency p50 %s p95 %s max %s\n",
            av->ok, av->ops, av->ops ? av->ok * 100 / av->ops : 0, av->failed, av->timed_out,
            av->pending, a, b, c);
}

const struct op *headless_op_at(void *run, uint64_t op_id)
{
    return history_at(engine_history(script_run_engine(run)), op_id);
}

int headless_run(const struct cli_args *a)
{
    const char *file = NULL, *trace_path = cli_value(a, "trace");
    int64_t seed = -1;
    bool quiet = cli_flag(a, "quiet");
    struct script s;
    struct script_error err;
    struct script_run *run;
    struct trace_jsonl jw;
    FILE *trace_f = NULL, *out = stdout;
    char msg[SCRIPT_MSG_MAX + 300], path[DATADIR_PATH_MAX];
    int status = EXIT_OK;

    if (cli_value(a, "seed") && headless_seed("run", cli_value(a, "seed"), &seed) < 0)
        return EXIT_USAGE;
    if (a->argc == 0) {
        datadir_print(DATADIR_SCENARIOS, "run", stdout);
        return EXIT_OK;
    }
    if (datadir_resolve_play(a->argv[0], path, sizeof(path), msg, sizeof(msg)) < 0) {
        fprintf(stderr, "splitbrain run: %s\n", msg);
        return EXIT_USAGE;
    }
    file = path;
    if (headless_load_script(file, &s) < 0)
        return EXIT_USAGE;
    if (trace_path) {
        if (strcmp(trace_path, "-") == 0) {
            trace_f = stdout;
            out = stderr; /* stdout carries pure JSON Lines */
        } else {
            trace_f = fopen(trace_path, "w");
            if (!trace_f) {
                fprintf(stderr, "splitbrain: %s: %s\n", trace_path, strerror(errno));
                script_release(&s);
                return EXIT_USAGE;
            }
        }
    }
    run = script_run_create(file, seed);
    if (trace_f) {
        trace_jsonl_init(&jw, trace_f);
        jw.op_at = headless_op_at;
        jw.op_ctx = run;
        script_run_observe(run, &jw.obs);
    }
    if (script_run_all(run, &s, &err) < 0) {
        script_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        status = EXIT_USAGE;
    } else {
        struct engine *e = script_run_engine(run);
        int n = script_run_expects(run), failed = script_run_failed(run);

        if (!quiet) {
            fprintf(out, "%s: model %s, %d nodes, seed %llu\n", file, engine_model(e)->name,
                    engine_nodes(e), (unsigned long long)engine_seed(e));
            print_ops(out, e);
            print_nodes(out, e);
            print_checkers(out, run);
            if (script_run_unquiet(run))
                fprintf(out, "note: the cluster did not go quiet within quiet_max\n");
        }
        for (int i = 0; i < n; i++) {
            const struct script_expect *x = script_run_expect_at(run, i);
            if (!x->ok)
                fprintf(out, "%s:%d: expect failed: %s -- %s\n", file, x->line, x->text, x->msg);
        }
        fprintf(out, "expects: %d passed, %d failed\n", n - failed, failed);
        status = failed ? EXIT_EXPECT : EXIT_OK;
    }
    if (trace_f) {
        bool bad = fflush(trace_f) != 0 || jw.failed;
        if (trace_f != stdout && cli_fclose(trace_f) != 0)
            bad = true;
        if (bad) {
            fprintf(stderr, "splitbrain run: --trace %s: write error\n", trace_path);
            status = EXIT_USAGE;
        }
    }
    script_run_destroy(run);
    script_release(&s);
    return status;
}

int headless_lint(const struct cli_args *a)
{
    int status = EXIT_OK;
    char *const *argv = a->argv;

    for (int i = 0; i < a->argc; i++) {
        struct script_env env;
        struct script s;
        struct script_error err;
        size_t len;
        char *text = headless_read_file(argv[i], &len);
        char msg[SCRIPT_MSG_MAX + 300];

        if (!text) {
            status = EXIT_USAGE;
            continue;
        }
        if (strlen(argv[i]) > 7 && strcmp(argv[i] + strlen(argv[i]) - 7, ".lesson") == 0) {
            struct lesson l;
            if (lesson_parse(argv[i], text, len, &l, &err) < 0 ||
                lesson_prove(&l, 60000000, &err) < 0) {
                script_error_format(&err, msg, sizeof(msg));
                fprintf(stderr, "%s\n", msg);
                status = EXIT_USAGE;
            } else {
                char warnings[8192] = "";
                if (lesson_text_warnings(&l, warnings, sizeof(warnings)) > 0)
                    fputs(warnings, stderr);
                printf("%s: ok (%d steps, every one completable; its decoys keep the gates "
                       "closed)\n",
                       argv[i], l.n_steps);
            }
            lesson_release(&l); /* safe after a failed parse too: it left nothing */
            free(text);
            continue;
        }
        script_env_init(&env, true);
        if (script_parse_text(argv[i], text, len, &env, &s, &err) < 0) {
            script_error_format(&err, msg, sizeof(msg));
            fprintf(stderr, "%s\n", msg);
            status = EXIT_USAGE;
        } else {
            printf("%s: ok (%d commands)\n", argv[i], s.n);
            script_release(&s);
        }
        script_env_release(&env);
        free(text);
    }
    return status;
}
