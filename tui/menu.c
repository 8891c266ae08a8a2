#include "menu.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"

void menu_open(struct menu *mn, const struct engine *e, int selected)
{
    struct draw_menu *m = &mn->items;
    struct engine_node en;
    int n = selected + 1, nn = engine_nodes(e);

    memset(m, 0, sizeof(*m));
    mn->open = false;
    if (engine_node(e, selected, &en) < 0)
        return;
    snprintf(mn->title, sizeof(mn->title), "n%d%s%s%s", n, en.desc.role[0] ? " (" : "",
             en.desc.role, en.desc.role[0] ? ")" : "");
    m->title = mn->title;
#define MENU_ITEM(k, ...)                                                                          \
    do {                                                                                           \
        m->items[m->n].key = (k);                                                                  \
        snprintf(m->items[m->n].label, sizeof(m->items[0].label), __VA_ARGS__);                    \
        m->n++;                                                                                    \
    } while (0)
    MENU_ITEM("K", "%s n%d", en.state == NODE_CRASHED ? "restart" : "kill", n);
    if (en.state != NODE_CRASHED)
        MENU_ITEM("Z", "%s n%d", en.state == NODE_PAUSED ? "resume" : "pause", n);
    MENU_ITEM("w", "write through n%d", n);
    MENU_ITEM("g", "read through n%d", n);
    MENU_ITEM("S", "skew n%d's clock", n);
    if (nn > 1) {
        MENU_ITEM("C", "cut / mend a link to...");
        MENU_ITEM("X", "partition n%d away", n);
    }
#undef MENU_ITEM
    mn->open = m->n > 0;
}

enum menu_result menu_key(struct menu *mn, int k, int *run_key)
{
    struct draw_menu *m = &mn->items;
    int run = -1;

    if (k == KEYS_UP || k == 'k') {
        m->cursor = (m->cursor + m->n - 1) % m->n;
    } else if (k == KEYS_DOWN || k == 'j') {
        m->cursor = (m->cursor + 1) % m->n;
    } else if (k == KEYS_ENTER) {
        run = m->cursor;
    } else if (k == KEYS_ESC || k == 'q' || k == KEYS_CTRL('c')) {
        mn->open = false;
    } else {
        for (int i = 0; i < m->n; i++)
            if (m->items[i].key[0] == k && m->items[i].key[1] == '\0')
                run = i;
        if (run < 0)
            return MENU_UNKNOWN;
    }
    if (run < 0)
        return MENU_KEPT;
    mn->open = false;
    *run_key = (unsigned char)m->items[run].key[0];
    return MENU_RUN;
}
