/* The daemon: one event loop serving every configured route. */
#ifndef NPR_SERVER_H
#define NPR_SERVER_H

#include <time.h>

#include <event2/event.h>

#include "config.h"

struct control;
struct route;

enum server_phase {
	SERVER_RUNNING,
	SERVER_DRAINING,    /* not accepting; sessions may finish */
	SERVER_TERMINATING, /* relays sent SIGTERM */
	SERVER_KILLING,     /* relays sent SIGKILL */
};

struct server_opts {
	const char *ctl_path; /* control socket to serve, or NULL */
	int ready_fd;         /* gets one byte once serving, or -1 */
};

struct server {
	struct event_base *base;
	struct config *cfg; /* the current generation (one reference) */
	struct route **routes; /* current routes, then retired ones */
	size_t nroutes;
	enum server_phase phase;
	unsigned next_session_id;
	unsigned nsessions;
	time_t started;
	struct control *control;

	struct event *ev_term;
	struct event *ev_int;
	struct event *ev_hup;
	struct event *ev_chld;
	struct event *ev_phase; /* drain and terminate deadlines */
};

/* Serve CFG, which the server takes over, until SIGTERM/SIGINT/stop; returns the process exit status. */
int server_run(struct config *cfg, const struct server_opts *);

/* Re-read the config file; on errors fill ERRS and keep running as is.
 * -1 with ERRS empty: the new config is in force but some route could
 * not listen (logged). */
int server_reload(struct server *, struct config_errors *errs);

/* Begin an orderly stop (as SIGTERM does). */
void server_stop(struct server *);


#endif
