/*
 * histread: histories that real systems and course labs produce, read into
 * a check_hist for the linearizability checker (check.h).
 *
 *   jepsen-log    jepsen.util log lines: "INFO  jepsen.util - 3 :invoke :write 4",
 *                 ":ok :read nil", ":fail :cas [1 4]", ":info ..."; other lines of
 *                 the log are skipped. Times are the lines' order.
 *   edn           Jepsen/Knossos EDN maps, one per line: {:type :invoke, :f :read,
 *                 :value nil, :process 0, :time 12345}. Times are :time (ns) when
 *                 the first op has one, else the lines' order.
 *   porcupine-kv  the same maps with :key and :f get, put or append (the
 *                 key-value histories commonly checked with Porcupine).
 *   jsonl         splitbrain's own JSON Lines trace (export --format jsonl): its
 *                 op_start and op_end events; other events are skipped. A put that
 *                 failed or timed out may have taken effect (indeterminate).
 *
 * Each process (client) has at most one op open: an invocation, then its
 * completion (:ok, :fail, :info) on a later line. An op never completed is
 * indeterminate. Malformed input fills err with FILE:LINE:COL and what was
 * expected there; nothing is kept.
 */
#ifndef SPLITBRAIN_HISTREAD_H
#define SPLITBRAIN_HISTREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"

#define HISTREAD_MSG_MAX 256

enum histread_format {
    HISTREAD_AUTO,
    HISTREAD_JEPSEN_LOG,
    HISTREAD_EDN,
    HISTREAD_PORCUPINE_KV,
    HISTREAD_JSONL,
};

struct histread_error {
    char file[256];
    int line;
    int col;
    char msg[HISTREAD_MSG_MAX];
};

/* "auto", "jepsen-log", "edn", "porcupine-kv", "jsonl". */
const char *histread_format_name(enum histread_format f);
/* The format named s; -1 when none is. */
int histread_format_parse(const char *s);

/* Which format text is in; HISTREAD_AUTO when none fits. */
enum histread_format histread_detect(const char *text, size_t len);

/*
 * Reads text (len bytes, from file, named in errors) into h, which must be
 * empty. fmt may be HISTREAD_AUTO. Returns 0 and sets *used, or -1 with *err.
 */
int histread_parse(const char *file, const char *text, size_t len, enum histread_format fmt,
                   struct check_hist *h, enum histread_format *used, struct histread_error *err);

/* The model the history's ops call for: kv when keyed or appending, cas-register with a cas,
 * else register. */
enum check_model histread_default_model(const struct check_hist *h, enum histread_format used);

/* "FILE:LINE:COL: msg". */
void histread_error_format(const struct histread_error *err, char *dst, size_t size);

#endif
