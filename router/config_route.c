/* One element of a "routes" list: parsing and checking it. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "config_priv.h"
#include "relay_install.h"

#define ROUTE_NAME_MAX 64
#define ROUTE_MAX_CONNECTIONS_LIMIT 1000000
/* A year: anything longer is a typo for "off" (0). */
#define ROUTE_IDLE_TIMEOUT_LIMIT (366 * 24 * 3600)
/* Where Windows executables start fast under WSL (DESIGN.md §3). */
#define ROUTE_DEFAULT_CWD "/mnt/c"

/* State while one route is parsed. */
struct route_parse {
	struct config_ctx *ctx;
	struct route_conf *r;
	struct config_pos *pos;
	struct relay_conf own; /* the route's relay group, before merging */
	int relay_bad;         /* its relay group was reported already */
	int per_uid_set;       /* max_connections_per_uid was valid */
};

static const char *const route_keys[] = { "name", "listen", "pipe",
	"relay_args", "relay", "adapter", "mode", "max_connections",
	"allow_uids", "allow_groups", "max_connections_per_uid", "idle_timeout",
	"env", "expose", "connect", NULL };

static char *route_strdup_or_null(struct config_ctx *, const char *);

/* The name comes first so that every later message can carry it. */
static void
route_parse_name(struct route_parse *rp, const config_setting_t *route)
{
	struct config_ctx *ctx = rp->ctx;
	const config_setting_t *s = config_setting_get_member(route, "name");
	const struct config_pos *other = NULL;
	const char *name = NULL;
	size_t i, len;

	if (s == NULL) {
		config_err_at(ctx, route, rp->pos->label, "missing \"name\"");
		return;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(ctx, s, rp->pos->label,
		    "\"name\" must be a string, not %s", config_type_name(s));
		return;
	}
	name = config_setting_get_string(s);
	len = strlen(name);
	if (len == 0) {
		config_err_at(ctx, s, rp->pos->label, "\"name\" must not be empty");
		return;
	}
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") != len) {
		config_err_at(ctx, s, rp->pos->label, "name \"%s\" may only "
		    "contain letters, digits, \"_\", \".\" and \"-\"", name);
		return;
	}
	if (len > ROUTE_NAME_MAX) {
		config_err_at(ctx, s, rp->pos->label, "name \"%s\" is %zu "
		    "characters; the limit is %d", name, len, ROUTE_NAME_MAX);
		return;
	}

	snprintf(rp->pos->label, sizeof rp->pos->label, "route \"%s\"", name);
	rp->r->name = strdup(name);
	if (rp->r->name == NULL)
		ctx->oom = 1;
	for (i = 0; i + 1 < ctx->cfg->nroutes; i++) {
		other = &ctx->pos[i];
		if (other->name != NULL && strcmp(other->name, name) == 0) {
			config_err_at(ctx, s, rp->pos->label,
			    "duplicate route name; the first is at %s:%u",
			    config_file_of(other->name_set),
			    config_setting_source_line(other->name_set));
			break;
		}
	}
	rp->pos->name = name;
	rp->pos->name_set = s;
}

static void
route_parse_pipe(struct route_parse *rp, const config_setting_t *s)
{
	rp->r->pipe = config_dup_string(rp->ctx, s, "pipe", rp->pos->label);
}

static void
route_parse_args(struct route_parse *rp, const config_setting_t *s)
{
	const config_setting_t *e = NULL;
	struct route_conf *r = rp->r;
	int i, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"relay_args\" must be "
		    "a list of strings like [ \"-ep\", \"-s\" ], not %s",
		    config_type_name(s));
		return;
	}
	n = config_setting_length(s);
	r->relay_args = calloc((size_t)n + 1, sizeof *r->relay_args);
	if (r->relay_args == NULL) {
		rp->ctx->oom = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			config_err_at(rp->ctx, e, rp->pos->label,
			    "relay_args #%d must be a string, not %s", i + 1,
			    config_type_name(e));
			continue;
		}
		r->relay_args[r->relay_nargs] =
		    strdup(config_setting_get_string(e));
		if (r->relay_args[r->relay_nargs] == NULL)
			rp->ctx->oom = 1;
		else
			r->relay_nargs++;
	}
}

/* Loading and configuring it now lets `npiperouter check` catch it all. */
static void
route_parse_adapter(struct route_parse *rp, const config_setting_t *s)
{
	const config_setting_t *m = NULL;
	const char *name = NULL;

	if (!config_setting_is_group(s)) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"adapter\" must be a "
		    "group like { name = \"raw\"; }, not %s", config_type_name(s));
		return;
	}
	/* Kept so that adapters with options can read them later. */
	rp->r->adapter_setting = s;
	if ((m = config_setting_get_member(s, "name")) == NULL) {
		config_err_at(rp->ctx, s, rp->pos->label,
		    "missing \"adapter.name\"");
		return;
	}
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		config_err_at(rp->ctx, m, rp->pos->label, "\"adapter.name\" must "
		    "be a string, not %s", config_type_name(m));
		return;
	}
	name = config_setting_get_string(m);
	rp->r->adapter_route = adapter_route_load(rp->ctx, s, m, name,
	    rp->pos->label, rp->r->name);
	if (rp->r->adapter_route == NULL)
		return;
	free(rp->r->adapter);
	rp->r->adapter = strdup(name);
	if (rp->r->adapter == NULL)
		rp->ctx->oom = 1;
}

static void
route_parse_mode(struct route_parse *rp, const config_setting_t *s)
{
	const char *v = NULL;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(rp->ctx, s, rp->pos->label,
		    "\"mode\" must be a string, not %s", config_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (strcmp(v, "spawn") == 0)
		rp->r->mode = ROUTE_MODE_SPAWN;
	else if (strcmp(v, "mux") == 0)
		rp->r->mode = ROUTE_MODE_MUX;
	else if (strcmp(v, "auto") == 0)
		rp->r->mode = ROUTE_MODE_AUTO;
	else
		config_err_at(rp->ctx, s, rp->pos->label, "mode \"%s\" is "
		    "unknown; use \"auto\", \"mux\" or \"spawn\"", v);
}

/*
 * The variable `npiperouter env` sets: a name every shell takes (sh,
 * fish and csh alike), or "" for none; two routes may not set one.
 */
static void
route_parse_env(struct route_parse *rp, const config_setting_t *s)
{
	struct config_ctx *ctx = rp->ctx;
	const char *v = NULL;
	size_t i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(ctx, s, rp->pos->label, "\"env\" must be a string, "
		    "not %s", config_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (*v != '\0' && (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(v) ||
	    (*v >= '0' && *v <= '9'))) {
		config_err_at(ctx, s, rp->pos->label, "env \"%s\" is not a "
		    "variable name: letters, digits and \"_\", not starting "
		    "with a digit (\"\" for none)", v);
		return;
	}
	for (i = 0; *v != '\0' && i + 1 < ctx->cfg->nroutes; i++) {
		if (ctx->cfg->routes[i].env != NULL &&
		    strcmp(ctx->cfg->routes[i].env, v) == 0) {
			config_err_at(ctx, s, rp->pos->label, "env \"%s\" is "
			    "set by route \"%s\" too", v,
			    ctx->cfg->routes[i].name != NULL ?
			    ctx->cfg->routes[i].name : "?");
			return;
		}
	}
	free(rp->r->env);
	rp->r->env = route_strdup_or_null(ctx, v);
}

/*
 * An integer setting KEY from MIN (0 or 1) to LIMIT; true when *OUT was
 * set. MIN 1 reads "a positive integer", MIN 0 "a number of seconds".
 */
static int
route_parse_uint(struct route_parse *rp, const config_setting_t *s,
    const char *key, long long min, long long limit, unsigned *out)
{
	const char *what = min > 0 ? "a positive integer" :
	    "a number of seconds (0: off)";
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"%s\" must be %s, "
		    "not %s", key, what, config_type_name(s));
		return 0;
	}
	v = config_setting_get_int64(s);
	if (v < min) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"%s\" must be %s",
		    key, what);
		return 0;
	}
	if (v > limit) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"%s\" is %lld; the "
		    "limit is %lld", key, v, limit);
		return 0;
	}
	*out = (unsigned)v;
	return 1;
}

/*
 * By default one user may hold half of the route's slots (rounded up),
 * so a second user always finds one free. An explicit value may not
 * exceed max_connections, which would make it meaningless.
 */
static void
route_check_per_uid(struct route_parse *rp, const config_setting_t *route)
{
	struct route_conf *r = rp->r;
	const config_setting_t *s = NULL;

	s = config_setting_get_member(route, "max_connections_per_uid");
	if (s == NULL || !rp->per_uid_set) {
		r->max_connections_per_uid = (r->max_connections + 1) / 2;
		return;
	}
	if (r->max_connections_per_uid > r->max_connections)
		config_err_at(rp->ctx, s, rp->pos->label,
		    "\"max_connections_per_uid\" is %u, more than "
		    "\"max_connections\" (%u)", r->max_connections_per_uid,
		    r->max_connections);
}

static char *
route_strdup_or_null(struct config_ctx *ctx, const char *s)
{
	char *d = NULL;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		ctx->oom = 1;
	return d;
}

/* Effective relay: the route's own settings over the global ones. */
static void
route_merge_relay(struct route_parse *rp, const config_setting_t *route,
    const struct relay_conf *global)
{
	struct relay_conf *eff = &rp->r->relay;
	struct stat st;

	eff->path = rp->own.path != NULL ? rp->own.path :
	    route_strdup_or_null(rp->ctx, global->path);
	eff->cwd = rp->own.cwd != NULL ? rp->own.cwd :
	    route_strdup_or_null(rp->ctx, global->cwd);
	rp->own.path = rp->own.cwd = NULL;
	if (eff->cwd == NULL && stat(ROUTE_DEFAULT_CWD, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		eff->cwd = route_strdup_or_null(rp->ctx, ROUTE_DEFAULT_CWD);
	/* None set: the packaged relay, under WSL its copy on a Windows
	 * drive. Not after a broken relay group: that one was meant. */
	if (eff->path == NULL && !rp->relay_bad &&
	    !rp->ctx->global_relay_bad)
		eff->path = route_strdup_or_null(rp->ctx,
		    relay_install_default());
}

/* Make room for one more route and its position record. */
static int
route_grow(struct config_ctx *ctx)
{
	struct config *cfg = ctx->cfg;
	struct route_conf *nroutes = NULL;
	struct config_pos *npos = NULL;
	size_t ncap;

	if (cfg->nroutes < ctx->routes_cap)
		return 0;
	ncap = ctx->routes_cap ? ctx->routes_cap * 2 : 8;
	nroutes = realloc(cfg->routes, ncap * sizeof *nroutes);
	if (nroutes == NULL)
		return -1;
	cfg->routes = nroutes;
	npos = realloc(ctx->pos, ncap * sizeof *npos);
	if (npos == NULL)
		return -1;
	ctx->pos = npos;
	ctx->routes_cap = ncap;
	return 0;
}

void
config_route_parse(struct config_ctx *ctx, const config_setting_t *s,
    unsigned index, const struct relay_conf *global)
{
	struct route_parse rp;
	const config_setting_t *m = NULL;
	const char *key = NULL;
	int i, len;

	memset(&rp, 0, sizeof rp);
	ctx->nentries++;
	if (!config_setting_is_group(s)) {
		config_err_at(ctx, s, NULL, "route #%u: must be a group "
		    "{ name = \"...\"; ... }, not %s", index, config_type_name(s));
		return;
	}
	if (route_grow(ctx) != 0) {
		ctx->oom = 1;
		return;
	}
	rp.ctx = ctx;
	rp.r = &ctx->cfg->routes[ctx->cfg->nroutes];
	rp.pos = &ctx->pos[ctx->cfg->nroutes];
	ctx->cfg->nroutes++;
	memset(rp.r, 0, sizeof *rp.r);
	memset(rp.pos, 0, sizeof *rp.pos);
	snprintf(rp.pos->label, sizeof rp.pos->label, "route #%u", index);
	rp.r->file = route_strdup_or_null(ctx, config_file_of(s));
	rp.r->line = (int)config_setting_source_line(s);
	rp.r->listen_mode = CONFIG_DEFAULT_MODE;
	rp.r->max_connections = CONFIG_DEFAULT_MAX_CONNECTIONS;
	rp.r->mode = ROUTE_MODE_AUTO;

	route_parse_name(&rp, s);

	/* In file order, so the messages come out sorted by line. */
	len = config_setting_length(s);
	for (i = 0; i < len; i++) {
		m = config_setting_get_elem(s, (unsigned)i);
		key = config_setting_name(m);
		if (strcmp(key, "name") == 0)
			continue;
		else if (strcmp(key, "listen") == 0)
			config_listen_parse(ctx, m, rp.r, rp.pos);
		else if (strcmp(key, "pipe") == 0)
			route_parse_pipe(&rp, m);
		else if (strcmp(key, "relay_args") == 0)
			route_parse_args(&rp, m);
		else if (strcmp(key, "relay") == 0)
			rp.relay_bad = config_parse_relay(ctx, m, rp.pos->label,
			    &rp.own) != 0;
		else if (strcmp(key, "adapter") == 0)
			route_parse_adapter(&rp, m);
		else if (strcmp(key, "mode") == 0)
			route_parse_mode(&rp, m);
		else if (strcmp(key, "max_connections") == 0)
			route_parse_uint(&rp, m, key, 1,
			    ROUTE_MAX_CONNECTIONS_LIMIT, &rp.r->max_connections);
		else if (strcmp(key, "max_connections_per_uid") == 0)
			rp.per_uid_set = route_parse_uint(&rp, m, key, 1,
			    ROUTE_MAX_CONNECTIONS_LIMIT,
			    &rp.r->max_connections_per_uid);
		else if (strcmp(key, "idle_timeout") == 0)
			route_parse_uint(&rp, m, key, 0, ROUTE_IDLE_TIMEOUT_LIMIT,
			    &rp.r->idle_timeout);
		else if (strcmp(key, "env") == 0)
			route_parse_env(&rp, m);
		else if (strcmp(key, "expose") == 0)
			config_expose_parse(ctx, m, rp.r, rp.pos);
		else if (strcmp(key, "connect") == 0)
			config_connect_parse(ctx, m, rp.r, rp.pos->label);
		else if (strcmp(key, "allow_uids") == 0)
			config_access_parse(ctx, m, rp.pos->label, 0, rp.r);
		else if (strcmp(key, "allow_groups") == 0)
			config_access_parse(ctx, m, rp.pos->label, 1, rp.r);
		else
			config_check_key(ctx, m, "", route_keys, rp.pos->label,
			    NULL);
	}

	/* An exposed route has neither (config_expose.c). */
	if (config_setting_get_member(s, "expose") == NULL) {
		if (config_setting_get_member(s, "listen") == NULL)
			config_err_at(ctx, s, rp.pos->label,
			    "missing \"listen\"");
		if (config_setting_get_member(s, "pipe") == NULL)
			config_err_at(ctx, s, rp.pos->label,
			    "missing \"pipe\"");
	}
	config_expose_check(ctx, s, rp.r, rp.pos->label);
	route_merge_relay(&rp, s, global);
	config_pipe_check(ctx, s, rp.r, rp.pos->label);
	route_check_per_uid(&rp, s);

	/* Callers build argv from these without checking for NULL. */
	if (rp.r->relay_args == NULL) {
		rp.r->relay_args = calloc(1, sizeof *rp.r->relay_args);
		if (rp.r->relay_args == NULL)
			ctx->oom = 1;
	}
	if (rp.r->adapter == NULL)
		rp.r->adapter = route_strdup_or_null(ctx, "raw");
}

void
config_route_free(struct route_conf *r)
{
	size_t i;

	free(r->name);
	free(r->file);
	free(r->listen_path);
	free(r->pipe);
	free(r->expose_pipe);
	free(r->expose_sddl);
	free(r->connect_path);
	for (i = 0; r->relay_args != NULL && i < r->relay_nargs; i++)
		free(r->relay_args[i]);
	free(r->relay_args);
	free(r->relay.path);
	free(r->relay.cwd);
	free(r->adapter);
	free(r->env);
	free(r->allow_uids);
	free(r->allow_gids);
	adapter_route_free(r->adapter_route);
}

