/*
 * Connecting to a unix socket without blocking the loop (an exposed
 * route's "connect"): a full listen backlog is retried for a while, as
 * a client would wait, instead of failing the Windows client at once.
 */
#ifndef NPR_UNIX_CONNECT_H
#define NPR_UNIX_CONNECT_H

#include <stdint.h>

struct event_base;
struct unix_connect;

/* Connected: FD (non-blocking, close-on-exec, now the callee's), ERR 0;
 * or FD -1 and ERR the errno. Always called from the loop, once. */
typedef void (*unix_connect_cb)(int fd, int err, void *arg);

struct unix_connect *unix_connect_start(struct event_base *,
    const char *path, unix_connect_cb, void *arg);
/* Give up (the callback is not called). */
void unix_connect_cancel(struct unix_connect *);

/* The Win32 error a Windows client is told for ERR (docs/mux.md
 * "Exposed pipes"). */
uint32_t unix_connect_win32(int err);

#endif
