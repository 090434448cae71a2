/*
 * What a relay backend implements (relay.h says what the session sees).
 * A backend's own structs begin with struct relay_backend and struct
 * relay, so relay.c can dispatch and keep what every backend shares: the
 * counters, the hooks and the ended callback.
 */
#ifndef NPR_RELAY_PRIV_H
#define NPR_RELAY_PRIV_H

#include "relay.h"

struct relay_ops {
	int (*ready)(struct relay_backend *, char *err, size_t errlen);
	unsigned (*end)(struct relay_backend *, int hard);
	void (*backend_free)(struct relay_backend *);
	/* The owner let go; relays remain (may be NULL). */
	void (*retire)(struct relay_backend *);
	/* For `status` (NULL: one relay per connection, "spawn"). */
	void (*info)(const struct relay_backend *,
	    struct relay_backend_info *);

	struct relay *(*open)(struct relay_backend *, const struct route_conf *,
	    unsigned id, char *err, size_t errlen);
	void (*drained)(struct relay *);
	/* Exposed routes only (NULL otherwise). */
	void (*unexpose)(struct relay_backend *);
	void (*accept)(struct relay *);
	void (*refuse)(struct relay *, uint32_t code, const char *message);
	void (*client_gone)(struct relay *);
	void (*free)(struct relay *);
};

struct relay_backend {
	const struct relay_ops *ops;
	struct event_base *base;
	struct relay_backend_hooks hooks;
	int stopping;
	unsigned refs;     /* the owner's, and one per relay open */
	int released;      /* relay_backend_free() was called */
	/* Mode auto, the relay is no mux relay: spawn serves the route. */
	struct relay_backend *fallback;
	uint64_t starts;
	uint64_t failures;
};

struct relay {
	struct relay_backend *backend; /* whose ops serve it */
	struct relay_backend *owner;   /* the route's, referenced */
	struct chan *chan;
	relay_ended_cb ended_cb;
	void *arg;
	int ended;
	/* relay_set_failure(): what the relay said about its failure. */
	int fail_status;
	uint32_t fail_code;
	char *fail_message;
};

/* The spawn backend (relay_spawn.c). */
struct relay_backend *relay_spawn_new(void);
/* The mux backend, modes mux and auto (relay_mux.c). */
struct relay_backend *relay_mux_new(struct event_base *,
    const struct route_conf *, const struct relay_backend_hooks *);

/* For backends: a relay started. */
void relay_backend_count_start(struct relay_backend *);
/* A relay could not start, or ended with a failure: counted and reported
 * to the hooks, unless the daemon is stopping (relay_backend_stop()). */
void relay_backend_count_failure(struct relay_backend *, const char *fmt,
    ...) __attribute__((format(printf, 2, 3)));
/*
 * Before relay_report_end(): the relay said why it failed (its exit or
 * open-reply STATUS, the Win32 CODE or 0, MESSAGE of LEN bytes, copied).
 */
void relay_set_failure(struct relay *, int status, uint32_t code,
    const char *message, size_t len);
/* The relay ended: tell its session (once). */
void relay_report_end(struct relay *, const char *how, int failed);

#endif
