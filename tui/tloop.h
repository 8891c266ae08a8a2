#ifndef SPLITBRAIN_TUI_TLOOP_H
#define SPLITBRAIN_TUI_TLOOP_H

/*
 * tloop: the terminal's side of a screen's libuv loop, one copy for the sandbox
 * and the side-by-side view. It reads the keys that wait, all of them, as soon as
 * the terminal has some (or when the screen asks, before a frame's work); it
 * follows the window's size; and SIGINT, SIGTERM and SIGHUP (the terminal
 * closed) end the session through the screen's own quit, so what the screen
 * saves on the way out (a lesson's progress, a recording) is saved.
 */
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct term;

struct tloop_hooks {
    void (*key)(void *ctx, int k); /* one key, KEYS_RESIZE included; never Ctrl-C */
    void (*resize)(void *ctx);     /* after SIGWINCH, once term_resize has run */
    void (*quit)(void *ctx);       /* Ctrl-C, a signal, or the terminal gone */
    bool (*quitting)(void *ctx);   /* stop reading keys (the screen is on its way out) */
};

struct tloop {
    uv_poll_t in;
    uv_signal_t sig[4]; /* SIGWINCH, SIGINT, SIGTERM, SIGHUP */
    struct term *term;
    const struct tloop_hooks *hooks;
    void *ctx;
    uint64_t input_ns; /* uv_hrtime() of the last key */
};

/* Starts reading keys and signals on loop for term. */
void tloop_start(struct tloop *t, uv_loop_t *loop, struct term *term,
                 const struct tloop_hooks *hooks, void *ctx);
/* Reads every key that waits now. */
void tloop_read(struct tloop *t);
/* Closes the handles (cb for each, as uv_close). */
void tloop_close(struct tloop *t, uv_close_cb cb);

#endif
