#include "cmdline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../engine/model.h"
#include "../engine/script.h"
#include "keys.h"

static void say(struct cmdline_say *s, enum cmdline_say_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct cmdline_say *s, enum cmdline_say_kind kind, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->text, sizeof(s->text), fmt, ap);
    va_end(ap);
    s->kind = kind;
}

void cmdline_init(struct cmdline *c)
{
    memset(c, 0, sizeof(*c));
}

void cmdline_open(struct cmdline *c, const char *text)
{
    c->open = true;
    c->searching = false;
    snprintf(c->text, sizeof(c->text), "%s", text);
    c->len = (int)strlen(c->text);
    c->cursor = c->len;
    c->hist_pos = c->n_hist;
}

static void hist_push(struct cmdline *c, const char *line)
{
    if (!line[0] || (c->n_hist > 0 && strcmp(c->hist[c->n_hist - 1], line) == 0))
        return;
    if (c->n_hist == CMDLINE_HISTORY) {
        memmove(c->hist[0], c->hist[1], sizeof(c->hist[0]) * (CMDLINE_HISTORY - 1));
        c->n_hist--;
    }
    snprintf(c->hist[c->n_hist++], sizeof(c->hist[0]), "%s", line);
}

/* Inserts ch at the cursor. */
static void insert(struct cmdline *c, char ch)
{
    memmove(c->text + c->cursor + 1, c->text + c->cursor, (size_t)(c->len - c->cursor + 1));
    c->text[c->cursor++] = ch;
    c->len++;
}

/* The words the command line completes inside a command; its first word comes from the
 * engine's command table. */
static const char *const inner_words[] = {"until",     "quiet", "via",  "for",  "not",
                                          "converged", "off",   "keys", "reads"};

#define CMDLINE_MAX_CANDS 128

/*
 * Tab: completes the word before the cursor — a command word, a node name,
 * a model name after `model`, a parameter after `set` — to the longest
 * prefix the candidates share; with several, the message line lists them.
 */
static void complete(struct cmdline *cl, const struct engine *e, struct cmdline_say *out)
{
    const char *cands[CMDLINE_MAX_CANDS];
    char nodes[ENGINE_MAX_NODES][8], first[32] = "", word[64], list[CMDLINE_SAY_MAX] = "";
    int start = cl->cursor, n = 0, nn = engine_nodes(e), common = -1, len;
    const struct model_ops *m = engine_model(e);

    while (start > 0 && cl->text[start - 1] != ' ')
        start--;
    len = cl->cursor - start;
    if (len >= (int)sizeof(word))
        return;
    memcpy(word, cl->text + start, (size_t)len);
    word[len] = '\0';
    sscanf(cl->text, "%31s", first);
    if (start > 0 && strcmp(first, "model") == 0) {
        for (int i = 0; i < model_count() && n < CMDLINE_MAX_CANDS; i++)
            cands[n++] = model_at(i)->name;
    } else if (start > 0 && strcmp(first, "set") == 0) {
        for (int i = 0; i < EP_COUNT && n < CMDLINE_MAX_CANDS; i++)
            cands[n++] = engine_params[i].name;
        for (int i = 0; i < m->n_params && n < CMDLINE_MAX_CANDS; i++)
            cands[n++] = m->params[i].name;
    } else if (start == 0 || strcmp(first, "at") == 0 || strcmp(first, "help") == 0) {
        for (int i = 0; i < script_commands() && n < CMDLINE_MAX_CANDS; i++)
            cands[n++] = script_command_doc(i)->name;
    } else {
        for (size_t i = 0; i < sizeof(inner_words) / sizeof(inner_words[0]); i++)
            cands[n++] = inner_words[i];
        for (int i = 0; i < nn && n < CMDLINE_MAX_CANDS; i++) {
            snprintf(nodes[i], sizeof(nodes[i]), "n%d", i + 1);
            cands[n++] = nodes[i];
        }
    }
    /* Keep the candidates that extend the word; find how far they agree. */
    for (int i = 0, kept = 0; i < n; i++) {
        if (strncmp(cands[i], word, (size_t)len) != 0)
            continue;
        if (common < 0) {
            common = (int)strlen(cands[i]);
            cands[kept] = cands[i];
        } else {
            int c = 0;
            while (c < common && cands[i][c] == cands[0][c])
                c++;
            common = c;
            cands[kept] = cands[i];
        }
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", kept ? " " : "",
                 cands[i]);
        kept++;
    }
    if (common < 0) {
        say(out, CMDLINE_SAY_ERROR, "nothing completes '%s'", word);
        return;
    }
    for (int c = len; c < common && cl->len < SCRIPT_MAX_LINE - 2; c++)
        insert(cl, cands[0][c]);
    if (!strchr(list, ' ') && cl->len < SCRIPT_MAX_LINE - 2 && cl->text[cl->cursor] != ' ') {
        insert(cl, ' ');
        out->kind = CMDLINE_SAY_CLEAR;
    } else if (strchr(list, ' ')) {
        say(out, CMDLINE_SAY_INFO, "%s", list);
    }
}

/* The `/` line: the caller's filter follows every keystroke; Enter keeps it, Esc drops it. */
static void search_key(struct cmdline *c, int k, struct cmdline_say *out)
{
    switch (k) {
    case KEYS_ENTER:
        c->open = false;
        break;
    case KEYS_ESC:
        c->open = false;
        c->text[0] = '\0';
        break;
    case KEYS_BACKSPACE:
        if (c->len == 0) {
            c->open = false;
        } else if (c->cursor > 0) {
            memmove(c->text + c->cursor - 1, c->text + c->cursor, (size_t)(c->len - c->cursor + 1));
            c->cursor--;
            c->len--;
        }
        break;
    default:
        if (k >= 32 && k < 127 && c->len < CMDLINE_FILTER_MAX - 1)
            insert(c, (char)k);
        break;
    }
    if (!c->open)
        out->kind = CMDLINE_SAY_CLEAR;
}

enum cmdline_result cmdline_key(struct cmdline *c, int k, const struct engine *e,
                                struct cmdline_say *out)
{
    out->kind = CMDLINE_SAY_NOTHING;
    out->text[0] = '\0';
    if (c->searching) {
        search_key(c, k, out);
        return CMDLINE_EDITED;
    }
    switch (k) {
    case KEYS_ENTER:
        hist_push(c, c->text);
        return CMDLINE_ENTER;
    case KEYS_ESC:
        c->open = false;
        out->kind = CMDLINE_SAY_CLEAR;
        break;
    case KEYS_BACKSPACE:
        if (c->cursor > 0) {
            memmove(c->text + c->cursor - 1, c->text + c->cursor, (size_t)(c->len - c->cursor + 1));
            c->cursor--;
            c->len--;
        } else if (c->len == 0) {
            c->open = false;
        }
        break;
    case KEYS_DELETE:
        if (c->cursor < c->len) {
            memmove(c->text + c->cursor, c->text + c->cursor + 1, (size_t)(c->len - c->cursor));
            c->len--;
        }
        break;
    case KEYS_LEFT:
        if (c->cursor > 0)
            c->cursor--;
        break;
    case KEYS_RIGHT:
        if (c->cursor < c->len)
            c->cursor++;
        break;
    case KEYS_HOME:
    case KEYS_CTRL('a'):
        c->cursor = 0;
        break;
    case KEYS_END:
    case KEYS_CTRL('e'):
        c->cursor = c->len;
        break;
    case KEYS_CTRL('u'):
        memmove(c->text, c->text + c->cursor, (size_t)(c->len - c->cursor + 1));
        c->len -= c->cursor;
        c->cursor = 0;
        break;
    case KEYS_TAB:
        complete(c, e, out);
        break;
    case KEYS_UP:
    case KEYS_DOWN:
        if (k == KEYS_UP && c->hist_pos > 0)
            c->hist_pos--;
        else if (k == KEYS_DOWN && c->hist_pos < c->n_hist)
            c->hist_pos++;
        snprintf(c->text, sizeof(c->text), "%s",
                 c->hist_pos < c->n_hist ? c->hist[c->hist_pos] : "");
        c->len = (int)strlen(c->text);
        c->cursor = c->len;
        break;
    default:
        if (k >= 32 && k < 127 && c->len < SCRIPT_MAX_LINE - 2)
            insert(c, (char)k);
        break;
    }
    return CMDLINE_EDITED;
}
