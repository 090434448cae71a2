/*
 * npiperouter adapter ABI: what a framing adapter plugin exports and what
 * the router offers it. This is the only public header; docs/adapters.md
 * explains it with a complete example.
 *
 * Versioning (like OpenSSH's sk-api.h and nginx modules): a plugin exports
 * one function, NPR_ADAPTER_ENTRY_NAME, returning a const struct npr_adapter
 * that begins with the ABI major and minor it was built against and its own
 * size. The router refuses a plugin whose major differs from its own or
 * whose required entries are missing, naming the plugin file and both
 * versions. Within one major, structs only grow by appending members, and
 * each side reads a member of the other's struct only when that struct's
 * size says it is there: a plugin built against an older minor keeps
 * working, and so does a newer plugin on an older router as long as it
 * checks host->abi_minor before using anything added later.
 *
 * Options come from the route's "adapter" group in the config. Plugins
 * read them only through the host's conf_* functions below, which hand out
 * opaque struct npr_setting pointers: no type of the router's config
 * library appears here, so a plugin never depends on which library (or
 * which soname of it) the router parses its config with. Errors about
 * options go through host->conf_error(), which adds the setting's
 * FILE:LINE and the route, like every other config error.
 *
 * Threading: everything runs on the router's one event loop thread; calls
 * never overlap.
 */
#ifndef NPIPEROUTER_ADAPTER_H
#define NPIPEROUTER_ADAPTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump the major for any change that is not an append; the minor else. */
#define NPR_ADAPTER_ABI_MAJOR 2
#define NPR_ADAPTER_ABI_MINOR 1

/* The symbol the router looks up, and how plugins export it. */
#define NPR_ADAPTER_ENTRY_NAME "npr_adapter_entry"
#define NPR_ADAPTER_EXPORT __attribute__((visibility("default")))

/*
 * Largest span of bytes the router shows an adapter at once (1 MiB). An
 * adapter that asks for more than this (NPR_NEED) ends its session.
 */
#define NPR_ADAPTER_VIEW_MAX (1024 * 1024)

/* "Pass everything from now on": the n of NPR_PASS to become raw. */
#define NPR_PASS_ALL SIZE_MAX

/* Which side a span of bytes came from. */
enum npr_side {
	/* The program that connected: to the unix socket (a route that
	 * listens), or to the exposed pipe on Windows (host->
	 * session_direction says which). */
	NPR_FROM_CLIENT = 0,
	/* The side it reached: the Windows pipe through the relay, or the
	 * route's Linux socket ("connect") for an exposed route. */
	NPR_FROM_RELAY = 1,
};

/*
 * Which way a session goes (host->session_direction, minor 1). An adapter
 * serves NPR_DIR_EXPOSE sessions only when it says so in its flags.
 */
enum npr_direction {
	/* A Linux program connected to the route's unix socket and reaches
	 * a Windows named pipe (a route with "listen"). */
	NPR_DIR_LISTEN = 0,
	/* A Windows program connected to the pipe the relay exposes and
	 * reaches the route's Linux socket (a route with "expose"). */
	NPR_DIR_EXPOSE = 1,
};

/* npr_adapter.flags (minor 1). */
/* The adapter serves exposed routes too: it reads the direction
 * (host->session_direction) where it matters. Without it, `check`
 * refuses the adapter on a route with "expose". */
#define NPR_ADAPTER_EXPOSED 0x1u

/* What the data callback decided about the start of what it was shown. */
enum npr_verdict {
	/*
	 * Pass the first *n bytes on to the other side unchanged (without
	 * copying them). *n may exceed len: the bytes not yet received are
	 * passed on without being shown; NPR_PASS_ALL passes everything from
	 * this side from now on.
	 */
	NPR_PASS = 0,
	/*
	 * The first *n bytes (1..len) are used up and dropped; whatever the
	 * callback queued with host->forward() and host->reply() replaces
	 * them. This is how a frame is rewritten, answered or swallowed.
	 */
	NPR_CONSUME = 1,
	/*
	 * The frame is incomplete: call again once more bytes have come.
	 * *n is the whole frame's size when known (the router then waits
	 * until that many are there), else 0.
	 */
	NPR_NEED = 2,
	/*
	 * A complete frame that must wait for the other side, e.g. a request
	 * to be answered locally while an earlier one still awaits the
	 * Windows side's answer (answers must keep the order of requests).
	 * Nothing is consumed; the router calls again after bytes from the
	 * other side have been handled, and holds back this side's EOF.
	 */
	NPR_HOLD = 3,
	/* End the session; the reason was given to host->fail(). */
	NPR_CLOSE = 4,
};

enum npr_log_level {
	NPR_LOG_ERROR = 0,
	NPR_LOG_WARN = 1,
	NPR_LOG_INFO = 2,
	NPR_LOG_DEBUG = 3,
};

/* The router's side of a route being configured; opaque to plugins. */
struct npr_conf;
/*
 * One setting of the route's "adapter" group (the group itself, a member,
 * a list element); opaque to plugins, valid until configure() returns.
 */
struct npr_setting;

/* What a setting holds, as host->conf_type() says. */
enum npr_setting_type {
	NPR_SETTING_OTHER = 0,  /* e.g. a floating-point number */
	NPR_SETTING_STRING = 1,
	NPR_SETTING_INT = 2,
	NPR_SETTING_BOOL = 3,
	NPR_SETTING_LIST = 4,   /* [ "a", "b" ] or ( { ... }, "c" ) */
	NPR_SETTING_GROUP = 5,  /* { key = value; ... } */
};
/* Where one data call's output goes; opaque, valid during that call. */
struct npr_io;
struct npr_host;

/* One client connection, as an adapter sees it. */
struct npr_session {
	size_t size;          /* sizeof this struct in the router */
	const struct npr_host *host;
	const char *route;    /* the route's name */
	unsigned id;          /* the session number in the router's log */
	/* The client's credentials (SO_PEERCRED); pid 0 when unknown. */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	void *route_state;    /* what configure() returned for the route */
	void *state;          /* the adapter's own, set by open() */
};

/*
 * ABI 2.1: how the relay side failed before it sent the client a byte
 * (relay_failed below). Read a member only when size covers it.
 */
struct npr_relay_failure {
	size_t size;         /* sizeof this struct in the router */
	const char *pipe;    /* the route's pipe: what the relay was to open */
	/* How the relay side ended, as the router logs it ("exited with
	 * status 3", "Win32 error 2: ..."). */
	const char *how;
	/*
	 * The relay's exit status, or the status of the mux open reply
	 * (docs/nprelay.md: 3 the target cannot be opened, 4 -p gave up
	 * waiting for it); -1 when the relay did not run or was killed.
	 */
	int status;
	uint32_t code;       /* the Win32 or Winsock error; 0 when unknown */
	/*
	 * What the relay said: its last line on stderr without "nprelay: "
	 * (spawn), the open reply's message (mux), or why it could not be
	 * started or reached; HOW when it said nothing. Never NULL.
	 */
	const char *message;
};

/* What the router offers plugins. All pointers are always set. */
struct npr_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	size_t size; /* sizeof this struct in the router */

	/* ---- while configuring a route ---- */

	/* Report a problem at setting AT as "FILE:LINE: route "NAME": ...". */
	void (*conf_error)(struct npr_conf *, const struct npr_setting *at,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
	/*
	 * Report every member of GROUP not named in the NULL-terminated KEYS
	 * ("name" is always allowed), suggesting the nearest key for typos,
	 * as "unknown setting "adapter.KEY"". Returns the number reported.
	 */
	int (*conf_check_keys)(struct npr_conf *, const struct npr_setting *group,
	    const char *const *keys);
	/* "a string", "an integer", ... for "must be X, not Y" messages. */
	const char *(*conf_type_name)(const struct npr_setting *);
	enum npr_setting_type (*conf_type)(const struct npr_setting *);
	/* GROUP's member KEY, or NULL when GROUP has none (or is no group). */
	const struct npr_setting *(*conf_member)(const struct npr_setting *group,
	    const char *key);
	/* How many elements a list, or members a group, has; 0 for scalars. */
	unsigned (*conf_count)(const struct npr_setting *);
	/*
	 * Element I of a list, or member I of a group in the order of the
	 * file (so a plugin can walk a group's keys); NULL past the end.
	 */
	const struct npr_setting *(*conf_elem)(const struct npr_setting *,
	    unsigned i);
	/* A group member's key ("ping"); NULL for list elements. */
	const char *(*conf_name)(const struct npr_setting *);
	/* A string setting's text (copy what you keep); NULL for others. */
	const char *(*conf_string)(const struct npr_setting *);
	/* An integer setting's value into *V: 0, or -1 when not an integer. */
	int (*conf_int)(const struct npr_setting *, long long *v);
	/* A boolean setting's value (0 or 1) into *V: 0, or -1 when not one. */
	int (*conf_bool)(const struct npr_setting *, int *v);

	/* ---- during a session ---- */

	/* Log a line tagged with the route and session number. */
	void (*log)(const struct npr_session *, enum npr_log_level,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
	/* Queue bytes towards the other side. Returns 0, or -1 out of memory. */
	int (*forward)(struct npr_io *, const void *buf, size_t len);
	/* Queue bytes back to the side the data came from. 0 or -1. */
	int (*reply)(struct npr_io *, const void *buf, size_t len);
	/* Give the reason the session ends; returns NPR_CLOSE. */
	enum npr_verdict (*fail)(struct npr_io *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

	/* ---- minor 1 ---- */

	/*
	 * Which way the session's connection was made (enum npr_direction).
	 * NPR_FROM_CLIENT is the side that connected, NPR_FROM_RELAY the one
	 * it reached, in either direction: on an exposed route the client is
	 * the Windows program and the relay side the Linux socket.
	 */
	enum npr_direction (*session_direction)(const struct npr_session *);
};

/*
 * What a plugin's entry point returns. Required: the four header members,
 * name and data; the rest may be NULL.
 */
struct npr_adapter {
	uint32_t abi_major;   /* NPR_ADAPTER_ABI_MAJOR */
	uint32_t abi_minor;   /* NPR_ADAPTER_ABI_MINOR */
	size_t size;          /* sizeof (struct npr_adapter) */
	/* The name routes use; must match the file name without ".so". */
	const char *name;

	/*
	 * Read the route's options from GROUP (the route's "adapter" group,
	 * with "name" in it) through HOST's conf_* functions, and return the
	 * route's state in *route_state. Returns 0, or -1 after reporting
	 * every problem with host->conf_error(). NULL: the adapter takes no
	 * options.
	 */
	int (*configure)(const struct npr_host *host, struct npr_conf *conf,
	    const struct npr_setting *group, const char *route,
	    void **route_state);
	/* Free what configure() returned. */
	void (*unconfigure)(void *route_state);

	/*
	 * A client connected: set s->state. Returns 0, or -1 with the reason
	 * in ERR to turn the client away.
	 */
	int (*open)(struct npr_session *s, char *err, size_t errlen);

	/*
	 * Bytes arrived from side FROM: BUF holds the LEN bytes that have not
	 * been consumed yet (LEN >= 1). Look at no more than LEN bytes, and
	 * say with the return value and *n what happens to the first *n (see
	 * enum npr_verdict). While the verdict is PASS or CONSUME the router
	 * calls again with the bytes that follow.
	 */
	enum npr_verdict (*data)(struct npr_session *s, enum npr_side from,
	    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io);

	/* The session ended: free s->state. */
	void (*close)(struct npr_session *s);

	/* ---- ABI 2.1: read by the router only when size covers it ---- */

	/*
	 * The relay side failed before it sent a byte: its target is
	 * missing or busy, it could not be started, or it ended with an
	 * error (F says how). Called once, before the client is closed;
	 * what it queues with host->reply(io, ...) reaches the client before
	 * the close (host->forward() goes nowhere). Return NPR_CLOSE to have
	 * the client closed once that is written, or NPR_NEED when the
	 * request to answer has not come yet: the client's bytes then keep
	 * coming to data() (what it forwards is dropped) until data()
	 * answers NPR_CLOSE, the client ends, or a few seconds pass. NULL:
	 * the client is closed at once, as with ABI 2.0.
	 */
	enum npr_verdict (*relay_failed)(struct npr_session *s,
	    const struct npr_relay_failure *f, struct npr_io *io);

	/* NPR_ADAPTER_* flags: NPR_ADAPTER_EXPOSED. */
	uint32_t flags;
};

/* The one symbol a plugin exports (NPR_ADAPTER_ENTRY_NAME). */
typedef const struct npr_adapter *(*npr_adapter_entry_fn)(void);
NPR_ADAPTER_EXPORT const struct npr_adapter *npr_adapter_entry(void);

#ifdef __cplusplus
}
#endif

#endif
