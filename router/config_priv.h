/*
 * Shared by the config loader's files (config*.c); nothing outside the
 * loader includes this.
 */
#ifndef NPR_CONFIG_PRIV_H
#define NPR_CONFIG_PRIV_H

#include <libconfig.h>
#include <stddef.h>

#include "config.h"

/* The parsed files, kept so that routes' adapter_setting stays valid,
 * and the names their settings point to for FILE:LINE messages; the
 * main file (or the built-in text) first, then routes.d in order. */
struct config_trees {
	config_t **v;
	char **names;
	size_t n;
};

/* Longer labels are cut; they only ever hold `route "NAME"` or `route #N`. */
#define CONFIG_LABEL_MAX 160

/* Where a route's name and socket path came from, for duplicate messages. */
struct config_pos {
	char label[CONFIG_LABEL_MAX];
	const char *name;             /* NULL when unusable */
	const config_setting_t *name_set;
	const config_setting_t *path_set; /* NULL when unusable */
	const config_setting_t *expose_set; /* expose.pipe, when valid */
};

/* One run of config_load(). */
struct config_ctx {
	struct config *cfg;
	struct config_errors *errs;
	int oom;
	struct config_pos *pos; /* parallel to cfg->routes */
	size_t routes_cap;
	size_t nentries; /* route entries seen, broken ones included */
	int global_relay_bad; /* spares every route a second message */
	int plugin_dir_bad;   /* spares adapters a "not found" each */
	int plugin_dir_trusted; /* checked once, by the first plugin */
	int any_file_failed;  /* some file could not be read or parsed */
	int routes_bad;       /* some "routes" was not a list */
};

/* Append "FILE[:LINE]: [LABEL: ]message"; LINE 0 leaves the line out. */
void config_err(struct config_ctx *, const char *file, unsigned line,
    const char *label, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The same at the file and line of a setting. */
void config_err_at(struct config_ctx *, const config_setting_t *,
    const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The file a setting came from, never NULL. */
const char *config_file_of(const config_setting_t *);

/* "a string", "an integer", ... for "must be X, not Y" messages. */
const char *config_type_name(const config_setting_t *);

/*
 * Report setting M unless its name is in the NULL-terminated KEYS, naming
 * it PREFIX.name and suggesting the nearest key (or saying HINT instead).
 * Returns 1 when reported.
 */
int config_check_key(struct config_ctx *, const config_setting_t *m,
    const char *prefix, const char *const *keys, const char *label,
    const char *hint);
/*
 * Report every member of GROUP not in the NULL-terminated KEYS, naming it
 * PREFIX.key. Returns the number reported.
 */
int config_check_keys(struct config_ctx *, const config_setting_t *group,
    const char *prefix, const char *const *keys, const char *label,
    const char *hint);

/*
 * A copy of the non-empty string setting S (KEY names it in messages), or
 * NULL after reporting (or with ctx->oom set).
 */
char *config_dup_string(struct config_ctx *, const config_setting_t *,
    const char *key, const char *label);

/*
 * Read a string setting that holds a path, expand it, check that it is
 * absolute and spell it one way ("//", "/./" and a trailing "/" removed;
 * ".." refused), so every comparison of configured paths compares equal
 * spellings. KEY is the name used in messages. Returns 0 with *out set,
 * or -1 after reporting.
 */
int config_get_path(struct config_ctx *, const config_setting_t *,
    const char *key, const char *label, char **out);

/*
 * Parse a relay group { path; cwd; } into RELAY, overwriting only what
 * the group sets. Returns the number of errors reported.
 */
int config_parse_relay(struct config_ctx *, const config_setting_t *,
    const char *label, struct relay_conf *relay);

/* Parse a route's "listen" group into R, checking the path against others. */
void config_listen_parse(struct config_ctx *, const config_setting_t *,
    struct route_conf *r, struct config_pos *pos);

/* An exposed route (config_expose.c): its "expose" group, checking the
 * pipe name against other routes'; its "connect" path; and, once the
 * whole route is read, what such a route must and must not have (or,
 * for a route that listens, that it has no "connect"). */
void config_expose_parse(struct config_ctx *, const config_setting_t *,
    struct route_conf *r, struct config_pos *pos);
void config_connect_parse(struct config_ctx *, const config_setting_t *,
    struct route_conf *r, const char *label);
void config_expose_check(struct config_ctx *, const config_setting_t *route,
    struct route_conf *r, const char *label);

/* A route's "pipe", once the whole route is read, against the rules of
 * its relay when that is nprelay.exe (config_pipe.c). */
void config_pipe_check(struct config_ctx *, const config_setting_t *route,
    const struct route_conf *r, const char *label);

/* Parse and check one element of a "routes" list (INDEX is 1-based). */
void config_route_parse(struct config_ctx *, const config_setting_t *,
    unsigned index, const struct relay_conf *global);

/* Parse "allow_uids" (GROUPS 0) or "allow_groups" (GROUPS 1) into R. */
void config_access_parse(struct config_ctx *, const config_setting_t *,
    const char *label, int groups, struct route_conf *r);

void config_route_free(struct route_conf *);

#endif
