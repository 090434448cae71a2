/*
 * The docker adapter's options, read once per route when the config is
 * loaded (and so again on reload, wsl.conf included):
 *
 *   adapter = { name = "docker";
 *               rewrite_paths = true; wsl_conf = "/etc/wsl.conf";
 *               path_rules = ( { from = "/home/me/src"; to = "D:/src"; } );
 *               max_body = 524288;
 *               allow = [ "containers", "images", "GET *" ];
 *               deny = [ "exec", "build" ];
 *               access_log = true; };
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"

#define DOCKER_WSL_CONF "/etc/wsl.conf"

static int
docker_conf_bool(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *key, int *val)
{
	const struct npr_setting *s = host->conf_member(group, key);

	if (s == NULL)
		return 0;
	if (host->conf_bool(s, val) != 0) {
		host->conf_error(conf, s, "\"adapter.%s\" must be true or false, "
		    "not %s", key, host->conf_type_name(s));
		return 1;
	}
	return 0;
}

static int
docker_conf_rules(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *list, struct docker_paths *dp)
{
	static const char *const keys[] = { "from", "to", NULL };
	const struct npr_setting *e = NULL, *from = NULL, *to = NULL;
	const char *fv = NULL, *tv = NULL;
	unsigned i, n;
	int bad = 0;

	if (host->conf_type(list) != NPR_SETTING_LIST) {
		host->conf_error(conf, list, "\"adapter.path_rules\" must be a list "
		    "of groups like ( { from = \"/home/me/src\"; to = \"D:/src\"; "
		    "} ), not %s", host->conf_type_name(list));
		return 1;
	}
	n = host->conf_count(list);
	for (i = 0; i < n; i++) {
		e = host->conf_elem(list, i);
		if (host->conf_type(e) != NPR_SETTING_GROUP) {
			host->conf_error(conf, e, "adapter.path_rules #%u must be a "
			    "group { from = ...; to = ...; }", i + 1);
			bad++;
			continue;
		}
		bad += host->conf_check_keys(conf, e, keys);
		from = host->conf_member(e, "from");
		to = host->conf_member(e, "to");
		fv = host->conf_string(from);
		tv = host->conf_string(to);
		if (fv == NULL || !docker_rule_from_valid(fv)) {
			host->conf_error(conf, from ? from : e, "adapter.path_rules "
			    "#%u: \"from\" must be an absolute path without \".\" or "
			    "\"..\" parts", i + 1);
			bad++;
		}
		if (tv == NULL || *tv == '\0' || strlen(tv) >= DOCKER_PATH_MAX) {
			host->conf_error(conf, to ? to : e, "adapter.path_rules #%u: "
			    "\"to\" must be a path like \"D:/src\"", i + 1);
			bad++;
		}
		if (bad == 0 && docker_paths_add_rule(dp, fv, tv) != 0) {
			host->conf_error(conf, e, "out of memory");
			bad++;
		}
	}
	return bad;
}

static int
docker_conf_policy(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *key, struct docker_policy *pol)
{
	const struct npr_setting *list = host->conf_member(group, key);
	const struct npr_setting *e = NULL;
	const char *v = NULL;
	char err[512];
	unsigned i, n;
	int bad = 0;

	if (list == NULL)
		return 0;
	if (host->conf_type(list) != NPR_SETTING_LIST) {
		host->conf_error(conf, list, "\"adapter.%s\" must be a list of "
		    "endpoint groups like [ \"containers\", \"GET images\" ], not %s",
		    key, host->conf_type_name(list));
		return 1;
	}
	n = host->conf_count(list);
	for (i = 0; i < n; i++) {
		e = host->conf_elem(list, i);
		if ((v = host->conf_string(e)) == NULL) {
			host->conf_error(conf, e, "adapter.%s #%u must be a string, "
			    "not %s", key, i + 1, host->conf_type_name(e));
			bad++;
		} else if (docker_policy_add(pol, strcmp(key, "deny") == 0, v,
		    err, sizeof err) != 0) {
			host->conf_error(conf, e, "adapter.%s: %s", key, err);
			bad++;
		}
	}
	return bad;
}

/* The automount root: from the wsl.conf the route names, or /etc's. */
static int
docker_conf_wsl(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, struct docker_paths *dp)
{
	const struct npr_setting *s = host->conf_member(group, "wsl_conf");
	const char *path = DOCKER_WSL_CONF;
	char err[600];

	if (s != NULL) {
		if ((path = host->conf_string(s)) == NULL || path[0] != '/') {
			host->conf_error(conf, s, "\"adapter.wsl_conf\" must be an "
			    "absolute path");
			return 1;
		}
	}
	if (docker_wsl_root(path, s != NULL, &dp->root, err, sizeof err) != 0) {
		host->conf_error(conf, s ? s : group, "adapter: %s", err);
		return 1;
	}
	dp->drives = 1;
	return 0;
}

int
docker_configure(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *route, void **route_state)
{
	static const char *const keys[] = { "rewrite_paths", "wsl_conf",
		"path_rules", "max_body", "allow", "deny", "access_log", NULL };
	const struct npr_setting *s = NULL;
	struct docker_route *dr = NULL;
	long long max_body;
	int bad;

	if ((dr = calloc(1, sizeof *dr)) == NULL) {
		host->conf_error(conf, group, "out of memory");
		return -1;
	}
	dr->rewrite = 1;
	dr->access_log = 1;
	dr->max_body = DOCKER_MAX_BODY_DEFAULT;
	bad = host->conf_check_keys(conf, group, keys);
	bad += docker_conf_bool(host, conf, group, "rewrite_paths", &dr->rewrite);
	bad += docker_conf_bool(host, conf, group, "access_log", &dr->access_log);
	bad += docker_conf_wsl(host, conf, group, &dr->paths);
	if ((s = host->conf_member(group, "path_rules")) != NULL)
		bad += docker_conf_rules(host, conf, s, &dr->paths);
	if ((s = host->conf_member(group, "max_body")) != NULL) {
		if (host->conf_int(s, &max_body) == 0 && max_body >= 1024 &&
		    max_body <= DOCKER_MAX_BODY_LIMIT)
			dr->max_body = (size_t)max_body;
		else {
			host->conf_error(conf, s, "\"adapter.max_body\" must be an "
			    "integer from 1024 to %d (bytes)", DOCKER_MAX_BODY_LIMIT);
			bad++;
		}
	}
	bad += docker_conf_policy(host, conf, group, "allow", &dr->policy);
	bad += docker_conf_policy(host, conf, group, "deny", &dr->policy);
	if (bad) {
		docker_unconfigure(dr);
		return -1;
	}
	*route_state = dr;
	return 0;
}

void
docker_unconfigure(void *route_state)
{
	struct docker_route *dr = route_state;

	if (dr == NULL)
		return;
	docker_paths_clear(&dr->paths);
	free(dr);
}
