/* A route's peer allow-lists: "allow_uids" and "allow_groups". */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* A user or group by number or name; -1 after reporting. */
static long
config_access_id(struct config_ctx *ctx, const config_setting_t *e,
    const char *key, int groups, const char *label)
{
	const char *name;
	struct passwd *pw;
	struct group *gr;
	long long v;

	if (config_setting_type(e) == CONFIG_TYPE_INT ||
	    config_setting_type(e) == CONFIG_TYPE_INT64) {
		v = config_setting_get_int64(e);
		if (v < 0 || v >= 4294967295LL) {
			config_err_at(ctx, e, label, "\"%s\": %lld is not a "
			    "valid %s id", key, v, groups ? "group" : "user");
			return -1;
		}
		return (long)v;
	}
	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		config_err_at(ctx, e, label, "\"%s\" entries must be %s names "
		    "or numbers, not %s", key, groups ? "group" : "user",
		    config_type_name(e));
		return -1;
	}
	name = config_setting_get_string(e);
	if (groups && (gr = getgrnam(name)) != NULL)
		return (long)gr->gr_gid;
	if (!groups && (pw = getpwnam(name)) != NULL)
		return (long)pw->pw_uid;
	config_err_at(ctx, e, label, "\"%s\": no %s named \"%s\"", key,
	    groups ? "group" : "user", name);
	return -1;
}

void
config_access_parse(struct config_ctx *ctx, const config_setting_t *s,
    const char *label, int groups, struct route_conf *r)
{
	const char *key = groups ? "allow_groups" : "allow_uids";
	unsigned *ids = NULL;
	size_t n = 0;
	int len;
	long id;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		config_err_at(ctx, s, label, "\"%s\" must be a list like "
		    "[ %s ], not %s", key, groups ? "\"docker\", 1000" :
		    "\"alice\", 1000", config_type_name(s));
		return;
	}
	len = config_setting_length(s);
	if (len == 0) {
		/* An empty list would silently refuse everyone. */
		config_err_at(ctx, s, label, "\"%s\" is empty; leave it out "
		    "to allow every peer the socket mode lets in", key);
		return;
	}
	if ((ids = calloc((size_t)len, sizeof *ids)) == NULL) {
		ctx->oom = 1;
		return;
	}
	for (int i = 0; i < len; i++) {
		id = config_access_id(ctx, config_setting_get_elem(s,
		    (unsigned)i), key, groups, label);
		if (id >= 0)
			ids[n++] = (unsigned)id;
	}
	if (groups) {
		free(r->allow_gids);
		r->allow_gids = ids;
		r->nallow_gids = n;
	} else {
		free(r->allow_uids);
		r->allow_uids = ids;
		r->nallow_uids = n;
	}
}
