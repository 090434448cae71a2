/* One element of a "routes" list: parsing, checking, and its summary. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"

#define ROUTE_NAME_MAX 64
#define ROUTE_MAX_CONNECTIONS_LIMIT 1000000
/* Where Windows executables start fast under WSL (DESIGN.md §3). */
#define ROUTE_DEFAULT_CWD "/mnt/c"

/* State while one route is parsed. */
struct route_parse {
	struct config_ctx *ctx;
	struct route_conf *r;
	struct config_pos *pos;
	struct relay_conf own; /* the route's relay group, before merging */
};

static const char *const route_keys[] = { "name", "listen", "pipe",
	"relay_args", "relay", "adapter", "mode", "max_connections", NULL };

static const char *
route_file_of(const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : "(config)";
}

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
			    route_file_of(other->name_set),
			    config_setting_source_line(other->name_set));
			break;
		}
	}
	rp->pos->name = name;
	rp->pos->name_set = s;
}

/* "0660" or "660": permission bits only; setuid and friends make no sense. */
static int
route_mode_parse(const char *s, mode_t *out)
{
	size_t len = strlen(s), i;
	mode_t m = 0;

	if (len == 4 && s[0] == '0') {
		s++;
		len--;
	}
	if (len != 3)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		m = (mode_t)(m * 8 + (mode_t)(s[i] - '0'));
	}
	*out = m;
	return 0;
}

static void
route_parse_mode(struct route_parse *rp, const config_setting_t *s)
{
	const char *v = NULL;
	mode_t m = 0;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		/* libconfig reads 0660 as decimal 660: say how to write it. */
		config_err_at(rp->ctx, s, rp->pos->label, "\"listen.mode\" must "
		    "be an octal string such as \"0660\", not %s",
		    config_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (route_mode_parse(v, &m) != 0) {
		config_err_at(rp->ctx, s, rp->pos->label, "listen.mode \"%s\" is "
		    "not an octal permission mode such as \"0660\"", v);
		return;
	}
	if ((m & 0600) != 0600) {
		config_err_at(rp->ctx, s, rp->pos->label, "listen.mode \"%s\" "
		    "does not let the owner read and write the socket", v);
		return;
	}
	rp->r->listen_mode = m;
}

static void
route_parse_group(struct route_parse *rp, const config_setting_t *s)
{
	struct group gr, *grp = NULL;
	char *buf = NULL, *end = NULL, *nbuf = NULL;
	const char *v = NULL;
	size_t size = 1024;
	unsigned long id;
	int e;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"listen.group\" must be "
		    "a string (a group name or number), not %s", config_type_name(s));
		goto out;
	}
	v = config_setting_get_string(s);
	if (*v >= '0' && *v <= '9') {
		/* A number need not have a name (containers, NFS): take it as is. */
		errno = 0;
		id = strtoul(v, &end, 10);
		if (*end != '\0' || errno != 0 || id >= (unsigned long)(gid_t)-1 ||
		    (unsigned long)(gid_t)id != id) {
			config_err_at(rp->ctx, s, rp->pos->label, "listen.group \"%s\" "
			    "is neither a group name nor a valid group id", v);
			goto out;
		}
		rp->r->listen_gid = (gid_t)id;
		rp->r->has_group = 1;
		goto out;
	}
	for (;;) {
		nbuf = realloc(buf, size);
		if (nbuf == NULL) {
			rp->ctx->oom = 1;
			goto out;
		}
		buf = nbuf;
		e = getgrnam_r(v, &gr, buf, size, &grp);
		if (e != ERANGE || size > (1u << 20))
			break;
		size *= 2;
	}
	if (grp == NULL) {
		if (e != 0 && e != ENOENT && e != ESRCH)
			config_err_at(rp->ctx, s, rp->pos->label, "listen.group \"%s\": "
			    "cannot look it up: %s", v, strerror(e));
		else
			config_err_at(rp->ctx, s, rp->pos->label,
			    "listen.group \"%s\": no such group", v);
		goto out;
	}
	rp->r->listen_gid = grp->gr_gid;
	rp->r->has_group = 1;
out:
	free(buf);
}

static void
route_check_path(struct route_parse *rp, const config_setting_t *s, char *path)
{
	struct config_ctx *ctx = rp->ctx;
	const struct config_pos *other = NULL;
	size_t i, limit = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;

	if (strlen(path) > limit) {
		config_err_at(ctx, s, rp->pos->label, "listen.path \"%s\" is %zu "
		    "bytes; the limit is %zu", path, strlen(path), limit);
		free(path);
		return;
	}
	rp->r->listen_path = path;
	for (i = 0; i + 1 < ctx->cfg->nroutes; i++) {
		other = &ctx->pos[i];
		if (other->path_set != NULL &&
		    strcmp(ctx->cfg->routes[i].listen_path, path) == 0) {
			config_err_at(ctx, s, rp->pos->label, "listen.path \"%s\" is "
			    "already used by %s (%s:%u)", path, other->label,
			    route_file_of(other->path_set),
			    config_setting_source_line(other->path_set));
			return;
		}
	}
	rp->pos->path_set = s;
}

static void
route_parse_listen(struct route_parse *rp, const config_setting_t *s)
{
	static const char *const keys[] = { "path", "mode", "group", NULL };
	const config_setting_t *m = NULL;
	char *path = NULL;

	if (!config_setting_is_group(s)) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"listen\" must be a "
		    "group like { path = \"...\"; }, not %s", config_type_name(s));
		return;
	}
	config_check_keys(rp->ctx, s, "listen.", keys, rp->pos->label, NULL);
	if ((m = config_setting_get_member(s, "path")) == NULL)
		config_err_at(rp->ctx, s, rp->pos->label,
		    "missing \"listen.path\"");
	else if (config_get_path(rp->ctx, m, "listen.path",
	    CONFIG_PATH_ABSOLUTE, rp->pos->label, &path) == 0)
		route_check_path(rp, m, path);
	if ((m = config_setting_get_member(s, "mode")) != NULL)
		route_parse_mode(rp, m);
	if ((m = config_setting_get_member(s, "group")) != NULL)
		route_parse_group(rp, m);
}

static void
route_parse_pipe(struct route_parse *rp, const config_setting_t *s)
{
	const char *v = NULL;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(rp->ctx, s, rp->pos->label,
		    "\"pipe\" must be a string, not %s", config_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (*v == '\0') {
		config_err_at(rp->ctx, s, rp->pos->label,
		    "\"pipe\" must not be empty");
		return;
	}
	rp->r->pipe = strdup(v);
	if (rp->r->pipe == NULL)
		rp->ctx->oom = 1;
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
			    "relay_args[%d] must be a string, not %s", i,
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

static void
route_parse_adapter(struct route_parse *rp, const config_setting_t *s)
{
	static const char *const raw_keys[] = { "name", NULL };
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
	if (strcmp(name, "raw") != 0) {
		config_err_at(rp->ctx, m, rp->pos->label, "adapter.name \"%s\" "
		    "is not a known adapter (known: raw)", name);
		return;
	}
	config_check_keys(rp->ctx, s, "adapter.", raw_keys, rp->pos->label,
	    "the raw adapter has no options");
	free(rp->r->adapter);
	rp->r->adapter = strdup(name);
	if (rp->r->adapter == NULL)
		rp->ctx->oom = 1;
}

static void
route_parse_route_mode(struct route_parse *rp, const config_setting_t *s)
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
		config_err_at(rp->ctx, s, rp->pos->label, "mode \"mux\" is not "
		    "implemented yet; use \"spawn\"");
	else
		config_err_at(rp->ctx, s, rp->pos->label, "mode \"%s\" is "
		    "unknown; use \"spawn\"", v);
}

static void
route_parse_max(struct route_parse *rp, const config_setting_t *s)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"max_connections\" "
		    "must be a positive integer, not %s", config_type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (v <= 0) {
		config_err_at(rp->ctx, s, rp->pos->label,
		    "\"max_connections\" must be a positive integer");
		return;
	}
	if (v > ROUTE_MAX_CONNECTIONS_LIMIT) {
		config_err_at(rp->ctx, s, rp->pos->label, "\"max_connections\" is "
		    "%lld; the limit is %d", v, ROUTE_MAX_CONNECTIONS_LIMIT);
		return;
	}
	rp->r->max_connections = (unsigned)v;
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
	if (eff->path == NULL && !rp->own_relay_bad)
		config_err_at(rp->ctx, route, rp->pos->label, "no relay.path: "
		    "set relay = { path = \"...\"; } here or at the top level");
}
