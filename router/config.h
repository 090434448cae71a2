/* Loading and validating the configuration (DESIGN.md §4). */
#ifndef NPR_CONFIG_H
#define NPR_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define CONFIG_DEFAULT_MODE 0600
#define CONFIG_DEFAULT_MAX_CONNECTIONS 256
#define CONFIG_DEFAULT_SHUTDOWN_TIMEOUT 5

struct adapter_route;
struct config_setting_t; /* libconfig's */
struct config_trees;

enum route_mode {
	ROUTE_MODE_SPAWN, /* one relay child per connection */
	ROUTE_MODE_MUX,   /* one multiplexed child per route, never spawn */
	ROUTE_MODE_AUTO,  /* mux if the relay answers with the hello, else
			     spawn (the default) */
};

struct relay_conf {
	char *path; /* executable; NULL when not configured */
	char *cwd;  /* working directory for children; NULL = inherit */
};

struct route_conf {
	char *name;
	char *file; /* where the route was defined, for messages */
	int line;

	char *listen_path; /* expanded */
	mode_t listen_mode;
	gid_t listen_gid;
	int has_group; /* listen_gid is meaningful */

	char *pipe; /* NULL for an exposed route */
	char **relay_args; /* NULL-terminated */
	size_t relay_nargs;
	struct relay_conf relay; /* effective: route override merged over global */

	char *adapter; /* "raw" unless configured */
	/*
	 * The route's "adapter" group (NULL when absent), so adapters with
	 * options can read them and report file:line; valid until config_free.
	 */
	const struct config_setting_t *adapter_setting;
	/* The adapter loaded and configured; NULL (raw) when no group. */
	struct adapter_route *adapter_route;
	enum route_mode mode;
	unsigned max_connections;
	/* Sessions one peer uid may have open at once; root and the
	 * router's own user are not counted (route.c). */
	unsigned max_connections_per_uid;
	unsigned idle_timeout; /* seconds without traffic; 0: never */

	/* Peers allowed in (SO_PEERCRED); both empty: whoever the socket
	 * mode lets in. A peer passes if its uid is listed or its primary
	 * or any supplementary group is. */
	unsigned *allow_uids;
	size_t nallow_uids;
	unsigned *allow_gids;
	size_t nallow_gids;

	/* The variable `npiperouter env` sets to this route's socket: NULL
	 * for the one its adapter implies (shellenv.c), "" for none. */
	char *env;

	/*
	 * An exposed route (DESIGN.md §10) has these instead of a listen
	 * path and a pipe: its mux relay serves EXPOSE_PIPE on Windows, and
	 * each Windows client reaches CONNECT_PATH (expanded). NULL for a
	 * route that listens. EXPOSE_SDDL, when set, replaces the relay's
	 * default DACL (the user and SYSTEM).
	 */
	char *expose_pipe;
	char *expose_sddl;
	char *connect_path;

	/* The generation this route belongs to: whoever keeps a pointer to
	 * the route (a running route, a session) holds a reference on it. */
	struct config *cfg;
};

struct config {
	char *file; /* the main file as given */
	char *plugin_dir;
	struct relay_conf relay;
	unsigned shutdown_timeout; /* seconds sessions may drain on SIGTERM */
	struct route_conf *routes;
	size_t nroutes;
	struct config_trees *trees; /* the parsed files; private to config */
	unsigned refs; /* see config_ref() */
	int builtin;    /* FILE does not exist: built-in routes (builtin.c) */
	int builtin_ok; /* FILE is the default one: built-in routes if missing */
};

/* Every problem found, each as one line "FILE:LINE: route "NAME": what". */
struct config_errors {
	char **lines;
	size_t n;
};

/*
 * Load FILE and every *.conf in the routes.d folder beside it, and
 * validate all of it.
 * Returns 0 and sets *cfgp on success; -1 with every problem appended to
 * errs otherwise (nothing is allocated in *cfgp then).
 */
int config_load(const char *file, struct config **cfgp,
    struct config_errors *errs);
/*
 * The same with TEXT, named NAME in messages, in place of FILE's content
 * (the built-in routes, builtin.c): FILE names the generation and places
 * routes.d. TEXT may have no routes.
 */
int config_load_text(const char *file, const char *name, const char *text,
    struct config **cfgp, struct config_errors *errs);
/*
 * Validate TEXT alone (no routes.d), named NAME in messages: 0, or -1
 * with every problem appended to ERRS. For config text made of values
 * from elsewhere (gpgconf's paths), to drop what the rules refuse.
 */
int config_check_text(const char *name, const char *text,
    struct config_errors *errs);

/*
 * Write CFG as one libconfig file that `check` accepts: the settings of
 * every file it was loaded from (routes.d included), as parsed, not
 * expanded. Returns 0, or -1 with the reason in ERR.
 */
int config_print(const struct config *cfg, FILE *out, char *err,
    size_t errlen);
/* CFG has routes.d files (config_print writes their routes too). */
int config_print_dropins(const struct config *cfg);

/*
 * A loaded config is one generation, reference-counted: config_load()
 * hands out the first reference, config_ref() takes another (returning
 * CFG), config_free() drops one and frees the config with the last. A
 * reload thus frees the old generation when its last route and session
 * using it end, not at exit.
 */
struct config *config_ref(struct config *cfg);
void config_free(struct config *);
void config_errors_free(struct config_errors *);

/* The default file for this user: /etc/... for root, XDG for others. */
char *config_default_path(void);

/* One line describing a route, as `npiperouter check` prints it. */
void config_route_summary(const struct route_conf *, char *buf, size_t len);

#endif
