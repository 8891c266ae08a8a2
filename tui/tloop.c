#include "tloop.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "keys.h"
#include "term.h"

static const int tloop_signals[4] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};

void tloop_read(struct tloop *t)
{
    int k;

    while (!t->hooks->quitting(t->ctx) && (k = term_key(t->term)) != -1) {
        if (k == -2) /* a sequence curses does not know, dropped */
            continue;
        t->input_ns = uv_hrtime();
        if (k == KEYS_CTRL('c')) {
            t->hooks->quit(t->ctx);
            return;
        }
        t->hooks->key(t->ctx, k);
    }
}

static void in_cb(uv_poll_t *h, int status, int events)
{
    struct tloop *t = h->data;

    (void)events;
    if (status < 0) { /* the terminal is gone */
        t->hooks->quit(t->ctx);
        return;
    }
    tloop_read(t);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    struct tloop *t = h->data;

    if (signum == SIGWINCH) {
        term_resize(t->term);
        t->hooks->resize(t->ctx);
        return;
    }
    t->hooks->quit(t->ctx); /* SIGINT, SIGTERM, SIGHUP: quit cleanly */
}

void tloop_start(struct tloop *t, uv_loop_t *loop, struct term *term,
                 const struct tloop_hooks *hooks, void *ctx)
{
    int flags;

    t->term = term;
    t->hooks = hooks;
    t->ctx = ctx;
    t->input_ns = uv_hrtime();
    uv_poll_init(loop, &t->in, STDIN_FILENO);
    t->in.data = t;
    uv_poll_start(&t->in, UV_READABLE, in_cb);
    /* uv_poll made the tty non-blocking, and stdout shares it: curses must not see EAGAIN. */
    flags = fcntl(STDOUT_FILENO, F_GETFL);
    if (flags >= 0)
        fcntl(STDOUT_FILENO, F_SETFL, flags & ~O_NONBLOCK);
    for (int i = 0; i < 4; i++) {
        uv_signal_init(loop, &t->sig[i]);
        t->sig[i].data = t;
        uv_signal_start(&t->sig[i], signal_cb, tloop_signals[i]);
    }
}

void tloop_close(struct tloop *t, uv_close_cb cb)
{
    uv_close((uv_handle_t *)&t->in, cb);
    for (int i = 0; i < 4; i++)
        uv_close((uv_handle_t *)&t->sig[i], cb);
}
