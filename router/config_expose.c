/*
 * The settings of an exposed route (DESIGN.md §10): "expose" (the pipe
 * the relay serves on Windows, and its DACL), "connect" (the unix socket
 * its clients reach), and what such a route may not have.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "config_priv.h"
#include "pipe_name.h"

/* A security descriptor string longer than this is not a DACL anyone
 * writes by hand; it must fit in one open request with the pipe. */
#define EXPOSE_SDDL_MAX 1024

/* Whether another route already exposes pipe NAME: one owner per name,
 * or the second relay's FIRST_PIPE_INSTANCE would fail at run time. */
static void
expose_check_dup(struct config_ctx *ctx, const config_setting_t *s,
    struct config_pos *pos, const char *name)
{
	const struct config_pos *other = NULL;

	for (size_t i = 0; i + 1 < ctx->cfg->nroutes; i++) {
		other = &ctx->pos[i];
		if (other->expose_set == NULL || !pipe_name_same(
		    ctx->cfg->routes[i].expose_pipe, name))
			continue;
		config_err_at(ctx, s, pos->label, "expose.pipe \"%s\" is "
		    "already exposed by %s (%s:%u)", name, other->label,
		    config_file_of(other->expose_set),
		    config_setting_source_line(other->expose_set));
		return;
	}
	pos->expose_set = s;
}

void
config_expose_parse(struct config_ctx *ctx, const config_setting_t *s,
    struct route_conf *r, struct config_pos *pos)
{
	static const char *const keys[] = { "pipe", "sddl", NULL };
	const config_setting_t *m = NULL;
	char why[256];
	char *v = NULL;

	if (!config_setting_is_group(s)) {
		config_err_at(ctx, s, pos->label, "\"expose\" must be a group "
		    "like { pipe = \"//./pipe/NAME\"; }, not %s",
		    config_type_name(s));
		return;
	}
	config_check_keys(ctx, s, "expose.", keys, pos->label, NULL);
	if ((m = config_setting_get_member(s, "pipe")) == NULL)
		config_err_at(ctx, s, pos->label, "missing \"expose.pipe\"");
	else if ((v = config_dup_string(ctx, m, "expose.pipe", pos->label)) !=
	    NULL) {
		if (pipe_name_check(v, PIPE_NAME_LOCAL, why, sizeof why) != 0) {
			config_err_at(ctx, m, pos->label, "expose.pipe \"%s\": "
			    "%s", v, why);
			free(v);
		} else {
			r->expose_pipe = v;
			expose_check_dup(ctx, m, pos, v);
		}
	}
	if ((m = config_setting_get_member(s, "sddl")) != NULL &&
	    (v = config_dup_string(ctx, m, "expose.sddl", pos->label)) !=
	    NULL) {
		if (strlen(v) > EXPOSE_SDDL_MAX) {
			config_err_at(ctx, m, pos->label, "expose.sddl is %zu "
			    "characters; the limit is %d", strlen(v),
			    EXPOSE_SDDL_MAX);
			free(v);
		} else
			r->expose_sddl = v;
	}
}

void
config_connect_parse(struct config_ctx *ctx, const config_setting_t *s,
    struct route_conf *r, const char *label)
{
	config_get_path(ctx, s, "connect", label, &r->connect_path);
}

/* A setting an exposed route may not have, with why. */
static void
expose_refuse(struct config_ctx *ctx, const config_setting_t *route,
    const char *key, const char *label, const char *why)
{
	const config_setting_t *m = config_setting_get_member(route, key);

	if (m != NULL)
		config_err_at(ctx, m, label, "\"%s\" %s", key, why);
}

void
config_expose_check(struct config_ctx *ctx, const config_setting_t *route,
    struct route_conf *r, const char *label)
{
	static const char *const per_uid[] = { "allow_uids", "allow_groups",
		"max_connections_per_uid", NULL };
	const config_setting_t *m = NULL;

	if (config_setting_get_member(route, "expose") == NULL) {
		expose_refuse(ctx, route, "connect", label, "is only for a "
		    "route with \"expose\" (a route that listens reaches its "
		    "\"pipe\")");
		return;
	}
	expose_refuse(ctx, route, "listen", label, "and \"expose\" exclude "
	    "each other: a route listens on a unix socket or exposes a pipe");
	expose_refuse(ctx, route, "pipe", label, "is for a route that "
	    "listens; an exposed route serves \"expose.pipe\"");
	expose_refuse(ctx, route, "relay_args", label, "are for a route that "
	    "listens; an exposed route's relay takes none");
	expose_refuse(ctx, route, "env", label, "is for a route that "
	    "listens: Linux programs find an exposed route's service at "
	    "\"connect\", not through npiperouter env");
	for (size_t i = 0; per_uid[i] != NULL; i++)
		expose_refuse(ctx, route, per_uid[i], label, "does not apply "
		    "to an exposed route: its clients are Windows programs, "
		    "let in by the pipe's DACL (expose.sddl)");
	if (config_setting_get_member(route, "connect") == NULL)
		config_err_at(ctx, route, label, "missing \"connect\" (the "
		    "unix socket the exposed pipe's clients reach)");
	if (r->mode == ROUTE_MODE_SPAWN &&
	    (m = config_setting_get_member(route, "mode")) != NULL)
		config_err_at(ctx, m, label, "mode \"spawn\" cannot expose a "
		    "pipe; exposed routes need the mux relay (\"mux\" or "
		    "\"auto\")");
	if (r->adapter_route != NULL &&
	    !adapter_route_exposable(r->adapter_route) &&
	    (m = config_setting_get_member(route, "adapter")) != NULL)
		config_err_at(ctx, m, label, "adapter \"%s\" does not serve "
		    "exposed routes (it does not set NPR_ADAPTER_EXPOSED)",
		    r->adapter);
}
