/* The "listen" group of a route: socket path, mode and group. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* "0660" or "660": permission bits only; setuid and friends make no sense. */
static int
listen_mode_parse(const char *s, mode_t *out)
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
listen_parse_mode(struct config_ctx *ctx, struct route_conf *r,
    struct config_pos *pos, const config_setting_t *s)
{
	const char *v = NULL;
	mode_t m = 0;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		/* libconfig reads 0660 as decimal 660: say how to write it. */
		config_err_at(ctx, s, pos->label, "\"listen.mode\" must "
		    "be an octal string such as \"0660\", not %s",
		    config_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (listen_mode_parse(v, &m) != 0) {
		config_err_at(ctx, s, pos->label, "listen.mode \"%s\" is "
		    "not an octal permission mode such as \"0660\"", v);
		return;
	}
	if ((m & 0600) != 0600) {
		config_err_at(ctx, s, pos->label, "listen.mode \"%s\" "
		    "does not let the owner read and write the socket", v);
		return;
	}
	r->listen_mode = m;
}

static void
listen_parse_group(struct config_ctx *ctx, struct route_conf *r,
    struct config_pos *pos, const config_setting_t *s)
{
	struct group gr, *grp = NULL;
	char *buf = NULL, *nbuf = NULL;
	const char *v = NULL;
	size_t size = 1024;
	unsigned long id;
	int e;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(ctx, s, pos->label, "\"listen.group\" must be "
		    "a string (a group name or number), not %s", config_type_name(s));
		goto out;
	}
	v = config_setting_get_string(s);
	/* All digits: a group id, which need not have a name (containers). */
	if (*v != '\0' && strspn(v, "0123456789") == strlen(v)) {
		errno = 0;
		id = strtoul(v, NULL, 10);
		/* (gid_t)-1 would tell chown to leave the group alone. */
		if (errno != 0 || id >= (unsigned long)(gid_t)-1) {
			config_err_at(ctx, s, pos->label, "listen.group \"%s\" "
			    "is not a valid group id", v);
			goto out;
		}
		r->listen_gid = (gid_t)id;
		r->has_group = 1;
		goto out;
	}
	for (;;) {
		nbuf = realloc(buf, size);
		if (nbuf == NULL) {
			ctx->oom = 1;
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
			config_err_at(ctx, s, pos->label, "listen.group \"%s\": "
			    "cannot look it up: %s", v, strerror(e));
		else
			config_err_at(ctx, s, pos->label,
			    "listen.group \"%s\": no such group", v);
		goto out;
	}
	r->listen_gid = grp->gr_gid;
	r->has_group = 1;
out:
	free(buf);
}

static void
listen_check_path(struct config_ctx *ctx, struct route_conf *r,
    struct config_pos *pos, const config_setting_t *s, char *path)
{
	const struct config_pos *other = NULL;
	size_t i, limit = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;

	if (strlen(path) > limit) {
		config_err_at(ctx, s, pos->label, "listen.path \"%s\" is %zu "
		    "bytes; the limit is %zu", path, strlen(path), limit);
		free(path);
		return;
	}
	r->listen_path = path;
	for (i = 0; i + 1 < ctx->cfg->nroutes; i++) {
		other = &ctx->pos[i];
		if (other->path_set != NULL &&
		    strcmp(ctx->cfg->routes[i].listen_path, path) == 0) {
			config_err_at(ctx, s, pos->label, "listen.path \"%s\" is "
			    "already used by %s (%s:%u)", path, other->label,
			    config_file_of(other->path_set),
			    config_setting_source_line(other->path_set));
			return;
		}
	}
	pos->path_set = s;
}

void
config_listen_parse(struct config_ctx *ctx, const config_setting_t *s,
    struct route_conf *r, struct config_pos *pos)
{
	static const char *const keys[] = { "path", "mode", "group", NULL };
	const config_setting_t *m = NULL;
	char *path = NULL;

	if (!config_setting_is_group(s)) {
		config_err_at(ctx, s, pos->label, "\"listen\" must be a "
		    "group like { path = \"...\"; }, not %s", config_type_name(s));
		return;
	}
	config_check_keys(ctx, s, "listen.", keys, pos->label, NULL);
	if ((m = config_setting_get_member(s, "path")) == NULL)
		config_err_at(ctx, s, pos->label,
		    "missing \"listen.path\"");
	else if (config_get_path(ctx, m, "listen.path", pos->label,
	    &path) == 0)
		listen_check_path(ctx, r, pos, m, path);
	if ((m = config_setting_get_member(s, "mode")) != NULL)
		listen_parse_mode(ctx, r, pos, m);
	if ((m = config_setting_get_member(s, "group")) != NULL)
		listen_parse_group(ctx, r, pos, m);
}

