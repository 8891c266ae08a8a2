#include "keys.h"

/* Mirrors the key map in DESIGN.md; keys not built yet are not listed. */
static const struct key_binding table[] = {
    {{'?', KEYS_F1}, "? F1", "this help", "help", KA_HELP},
    {{'q'}, "q", "close overlay; quit", "quit", KA_CLOSE},
    {{'Q', KEYS_CTRL('c')}, "Q Ctrl-C", "quit now, cleanly", NULL, KA_QUIT},
    {{':'}, ":", "command line", "cmd", KA_COMMAND},
    {{'/'}, "/", "filter the event log", NULL, KA_SEARCH},
    {{'n'}, "n N", "next / prev log match", NULL, KA_SEARCH_NEXT},
    {{'N'}, "", NULL, NULL, KA_SEARCH_PREV},
    {{' ', 'p'}, "Space p", "pause / run", "run", KA_RUN},
    {{'.'}, ".", "step one event", "step", KA_STEP},
    {{'+'}, "+ - =", "faster/slower/normal", "speed", KA_FASTER},
    {{'-'}, "", NULL, NULL, KA_SLOWER},
    {{'='}, "", NULL, NULL, KA_NORMAL_SPEED},
    {{'['}, "[ ]", "back / forward in time", "back", KA_BACK},
    {{']'}, "", NULL, NULL, KA_FORWARD},
    {{KEYS_LEFT, KEYS_UP, 'h', 'k'}, "Left Up h k", "previous node", NULL, KA_PREV_NODE},
    {{KEYS_RIGHT, KEYS_DOWN, 'l', 'j'}, "Right Down l j", "next node", "select", KA_NEXT_NODE},
    {{'1', '2', '3', '4'}, "1-9", "select n1..n9", NULL, KA_JUMP_NODE},
    {{KEYS_CLICK}, "click", "select that node", NULL, KA_NONE},
    {{'5', '6', '7', '8'}, "", NULL, NULL, KA_JUMP_NODE},
    {{'9'}, "", NULL, NULL, KA_JUMP_NODE},
    {{KEYS_ENTER}, "Enter", "actions for the node", "menu", KA_MENU},
    {{'K'}, "K", "kill / restart node", "kill", KA_KILL},
    {{'Z'}, "Z", "pause / resume node", "pause node", KA_PAUSE_NODE},
    {{'v'}, "v", "pick the node's link", NULL, KA_LINK},
    {{'C'}, "C", "cut / mend a link", NULL, KA_CUT},
    {{'X'}, "X", "partition node|rest", NULL, KA_PARTITION},
    {{'U'}, "U", "heal every fault", "heal", KA_HEAL},
    {{'w'}, "w", "write via the node", "write", KA_WRITE},
    {{'g'}, "g", "read via the node", "read", KA_READ},
    {{'S'}, "S", "skew node's clock", NULL, KA_SKEW},
    {{'t'}, "t", "timeline view", "timeline", KA_TIMELINE},
    {{'c'}, "c", "clock view", "clocks", KA_CLOCKS},
    {{KEYS_PGUP}, "PgUp PgDn", "scroll timeline/events", NULL, KA_OLDER},
    {{KEYS_PGDN}, "", NULL, NULL, KA_NEWER},
    {{KEYS_HOME}, "Home End", "oldest / newest event", NULL, KA_OLDEST},
    {{KEYS_END}, "", NULL, NULL, KA_NEWEST},
    {{KEYS_WHEEL_UP}, "wheel", NULL, NULL, KA_WHEEL_UP},
    {{KEYS_WHEEL_DOWN}, "", NULL, NULL, KA_WHEEL_DOWN},
    {{'o'}, "o O", "op for quorum view", NULL, KA_OP_OLDER},
    {{'O'}, "", NULL, NULL, KA_OP_NEWER},
    {{'W'}, "W", "workload on / off", NULL, KA_WORKLOAD},
    {{'m'}, "m", "be the network", "msgs", KA_PICK_MSG},
    {{'T'}, "T", "scrub to any time", "scrub", KA_SCRUB},
    {{KEYS_TAB}, "Tab", "complete a word", NULL, KA_NONE},
    {{KEYS_CTRL('l')}, "Ctrl-L", "redraw", NULL, KA_REDRAW},
    {{'P'}, "P", "presenter mode", NULL, KA_PRESENT},
    {{'H'}, "H", "lesson: a hint", "hint", KA_HINT},
    {{'M'}, "M", "lesson: show me", "show me", KA_SHOW_ME},
    {{'>'}, ">", "lesson: next step", "next", KA_STEP_NEXT},
    {{'<'}, "<", "lesson: step back", "back", KA_STEP_BACK},
    {{'R'}, "R", "lesson: reset step", "reset", KA_RESET_STEP},
    {{'L'}, "L", "lesson: the list", "lessons", KA_LESSONS},
    /* No line of its own on the help overlay (full at 80x24): the lesson pane's footer shows it. */
    {{'i'}, "i", NULL, "legend", KA_LEGEND},
};

const struct key_binding *keys_table(size_t *n)
{
    *n = sizeof(table) / sizeof(table[0]);
    return table;
}

enum key_action keys_lookup(int code)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        for (int k = 0; k < KEYS_MAX_CODES && table[i].codes[k]; k++)
            if (table[i].codes[k] == code)
                return table[i].act;
    return KA_NONE;
}

enum keys_select keys_select(enum key_action act, int k, int n, int *selected)
{
    if (act == KA_PREV_NODE) {
        *selected = (*selected + n - 1) % n;
    } else if (act == KA_NEXT_NODE) {
        *selected = (*selected + 1) % n;
    } else if (act == KA_JUMP_NODE) {
        if (k - '1' >= n)
            return KEYS_SELECT_MISSING;
        *selected = k - '1';
    } else {
        return KEYS_SELECT_NONE;
    }
    return KEYS_SELECT_MOVED;
}
