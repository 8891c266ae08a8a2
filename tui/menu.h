/*
 * menu: the context menu (Enter) for the selected node — what can be done to it, each item with
 * the key that does it. It owns its items and cursor; running an item is the caller's (it is
 * the item's key, pressed at the top level).
 */
#ifndef SPLITBRAIN_MENU_H
#define SPLITBRAIN_MENU_H

#include <stdbool.h>

#include "../engine/engine.h"
#include "draw.h"

/* Embedded in the app; zeroed is closed. */
struct menu {
    bool open;
    struct draw_menu items;
    char title[32];
};

/* Opens the menu for node selected of e (it stays closed when there is nothing to offer). */
void menu_open(struct menu *m, const struct engine *e, int selected);

enum menu_result {
    MENU_KEPT,    /* the cursor moved, or the menu closed */
    MENU_UNKNOWN, /* a key that is none of the items' */
    MENU_RUN,     /* an item was chosen: the menu closed, *run is its key */
};

/* The menu takes the arrows, Enter, Esc and q; an item's own key runs it at once. */
enum menu_result menu_key(struct menu *m, int k, int *run);

#endif
