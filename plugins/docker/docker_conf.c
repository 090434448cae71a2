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
    const config_setting_t *group, const char *key, int *val)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		host->conf_error(conf, s, "\"adapter.%s\" must be true or false, "
		    "not %s", key, host->conf_type_name(s));
		return 1;
	}
	*val = config_setting_get_bool(s);
	return 0;
}

static int
docker_conf_rules(const struct npr_host *host, struct npr_conf *conf,
    const config_setting_t *list, struct docker_paths *dp)
{
	static const char *const keys[] = { "from", "to", NULL };
	const config_setting_t *e = NULL, *from = NULL, *to = NULL;
	int i, n, bad = 0;

	if (!config_setting_is_list(list)) {
		host->conf_error(conf, list, "\"adapter.path_rules\" must be a list "
		    "of groups like ( { from = \"/home/me/src\"; to = \"D:/src\"; "
		    "} ), not %s", host->conf_type_name(list));
		return 1;
	}
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		if (!config_setting_is_group(e)) {
			host->conf_error(conf, e, "adapter.path_rules #%d must be a "
			    "group { from = ...; to = ...; }", i + 1);
			bad++;
			continue;
		}
		bad += host->conf_check_keys(conf, e, keys);
		from = config_setting_get_member(e, "from");
		to = config_setting_get_member(e, "to");
		if (from == NULL || config_setting_type(from) != CONFIG_TYPE_STRING ||
		    !docker_rule_from_valid(config_setting_get_string(from))) {
			host->conf_error(conf, from ? from : e, "adapter.path_rules "
			    "#%d: \"from\" must be an absolute path without \".\" or "
			    "\"..\" parts", i + 1);
			bad++;
		}
		if (to == NULL || config_setting_type(to) != CONFIG_TYPE_STRING ||
		    *config_setting_get_string(to) == '\0' ||
		    strlen(config_setting_get_string(to)) >= DOCKER_PATH_MAX) {
			host->conf_error(conf, to ? to : e, "adapter.path_rules #%d: "
			    "\"to\" must be a path like \"D:/src\"", i + 1);
			bad++;
		}
		if (bad == 0 && docker_paths_add_rule(dp,
		    config_setting_get_string(from),
		    config_setting_get_string(to)) != 0) {
			host->conf_error(conf, e, "out of memory");
			bad++;
		}
	}
	return bad;
}

static int
docker_conf_policy(const struct npr_host *host, struct npr_conf *conf,
    const config_setting_t *group, const char *key, struct docker_policy *pol)
{
	const config_setting_t *list = config_setting_get_member(group, key);
	const config_setting_t *e = NULL;
	char err[512];
	int i, n, bad = 0;

	if (list == NULL)
		return 0;
	if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
		host->conf_error(conf, list, "\"adapter.%s\" must be a list of "
		    "endpoint groups like [ \"containers\", \"GET images\" ], not %s",
		    key, host->conf_type_name(list));
		return 1;
	}
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			host->conf_error(conf, e, "adapter.%s #%d must be a string, "
			    "not %s", key, i + 1, host->conf_type_name(e));
			bad++;
		} else if (docker_policy_add(pol, strcmp(key, "deny") == 0,
		    config_setting_get_string(e), err, sizeof err) != 0) {
			host->conf_error(conf, e, "adapter.%s: %s", key, err);
			bad++;
		}
	}
	return bad;
}

/* The automount root: from the wsl.conf the route names, or /etc's. */
static int
docker_conf_wsl(const struct npr_host *host, struct npr_conf *conf,
    const config_setting_t *group, struct docker_paths *dp)
{
	const config_setting_t *s = config_setting_get_member(group, "wsl_conf");
	const char *path = DOCKER_WSL_CONF;
	char err[600];

	if (s != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    config_setting_get_string(s)[0] != '/') {
			host->conf_error(conf, s, "\"adapter.wsl_conf\" must be an "
			    "absolute path");
			return 1;
		}
		path = config_setting_get_string(s);
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
    const config_setting_t *group, const char *route, void **route_state)
{
	static const char *const keys[] = { "rewrite_paths", "wsl_conf",
		"path_rules", "max_body", "allow", "deny", "access_log", NULL };
	const config_setting_t *s = NULL;
	struct docker_route *dr = NULL;
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
	if ((s = config_setting_get_member(group, "path_rules")) != NULL)
		bad += docker_conf_rules(host, conf, s, &dr->paths);
	if ((s = config_setting_get_member(group, "max_body")) != NULL) {
		if (config_setting_type(s) == CONFIG_TYPE_INT &&
		    config_setting_get_int(s) >= 1024 &&
		    config_setting_get_int(s) <= DOCKER_MAX_BODY_LIMIT)
			dr->max_body = (size_t)config_setting_get_int(s);
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
