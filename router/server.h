/* The daemon: one event loop serving every configured route. */
#ifndef NPR_SERVER_H
#define NPR_SERVER_H

#include <time.h>

#include "config.h"

struct route;
struct server;

struct server_opts {
	const char *ctl_path; /* control socket to serve, or NULL */
	int ready_fd;         /* gets one byte once serving, or -1 */
};

/* Serve CFG, which the server takes over, until SIGTERM/SIGINT/stop; returns the process exit status. */
int server_run(struct config *cfg, const struct server_opts *);

/* Re-read the config file; on errors fill ERRS and keep running as is.
 * -1 with ERRS empty: the new config is in force but some route could
 * not listen (logged). */
int server_reload(struct server *, struct config_errors *errs);

/* Begin an orderly stop (as SIGTERM does). */
void server_stop(struct server *);

struct event_base *server_base(const struct server *);
/* The current config generation. */
const struct config *server_config(const struct server *);
time_t server_started(const struct server *);
/* Stopping: no reload, sessions drain. */
int server_stopping(const struct server *);
/* Sessions open, on every route. */
unsigned server_sessions(const struct server *);
/* The routes, current ones first, then retired ones with sessions. */
struct route *const *server_routes(const struct server *, size_t *n);

#endif
