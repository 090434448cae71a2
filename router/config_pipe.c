/*
 * A route's "pipe" when its relay is nprelay.exe: the names nprelay
 * accepts (pipe_name.c), so that `check` and a reload refuse, with the
 * file and line, what the relay would refuse at the first connection.
 * Another relay (npiperelay.exe, socat in the tests) has its own syntax
 * and rules, and its "pipe" is its business.
 */
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "escape.h"
#include "pipe_name.h"

/* nprelay.exe, or its copy on a Windows drive (nprelay-VERSION-HASH.exe,
 * relay_install.h). */
static int
config_pipe_is_nprelay(const char *path)
{
	const char *base = path != NULL ? strrchr(path, '/') : NULL;
	size_t len;

	base = base != NULL ? base + 1 : path;
	if (base == NULL)
		return 0;
	len = strlen(base);
	return strncasecmp(base, "nprelay", 7) == 0 && len >= 11 &&
	    (base[7] == '.' || base[7] == '-') &&
	    strcasecmp(base + len - 4, ".exe") == 0;
}

/*
 * Whether nprelay's boolean flag NAME is set among its ARGS, read as
 * nprelay reads them (relay/options.c): -NAME or --NAME, =VALUE with
 * Go's words for true, flags until "--" or the first word that is none;
 * -l and --expose-sddl take the next word when they have no =VALUE.
 */
static int
config_pipe_flag(char *const *args, size_t n, const char *name)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true",
	    "True" };
	const char *a, *v;
	size_t len, k;
	int on = 0;

	for (size_t i = 0; i < n; i++) {
		a = args[i];
		if (a[0] != '-' || a[1] == '\0' || strcmp(a, "--") == 0)
			break;
		a += a[1] == '-' ? 2 : 1;
		v = strchr(a, '=');
		len = v != NULL ? (size_t)(v - a) : strlen(a);
		if (v == NULL && ((len == 1 && a[0] == 'l') ||
		    strcmp(a, "expose-sddl") == 0)) {
			i++;
			continue;
		}
		if (len != strlen(name) || strncmp(a, name, len) != 0)
			continue;
		if (v == NULL) {
			on = 1;
			continue;
		}
		on = 0;
		for (k = 0; k < sizeof yes / sizeof *yes; k++)
			if (strcmp(v + 1, yes[k]) == 0)
				on = 1;
	}
	return on;
}

void
config_pipe_check(struct config_ctx *ctx, const config_setting_t *route,
    const struct route_conf *r, const char *label)
{
	const config_setting_t *s = config_setting_get_member(route, "pipe");
	char why[300], shown[300];
	int rc;

	/* An exposed route's "pipe" is an error of its own. */
	if (s == NULL || r->pipe == NULL || r->pipe[0] == '\0' ||
	    config_setting_get_member(route, "expose") != NULL ||
	    !config_pipe_is_nprelay(r->relay.path))
		return;
	if (config_pipe_flag(r->relay_args, r->relay_nargs, "a"))
		rc = pipe_name_check_file(r->pipe, why, sizeof why);
	else
		rc = pipe_name_check(r->pipe, config_pipe_flag(r->relay_args,
		    r->relay_nargs, "allow-remote") ? PIPE_NAME_REMOTE_ALLOWED :
		    PIPE_NAME_REMOTE_REFUSED, why, sizeof why);
	/* Control bytes, which pipe_name.c refuses, as \xNN rather than
	 * raw onto the terminal. */
	if (rc != 0)
		config_err_at(ctx, s, label, "pipe \"%s\": %s",
		    escape_bytes(shown, sizeof shown, r->pipe, strlen(r->pipe),
		    ESCAPE_ALL, ESCAPE_KEEP_8BIT), why);
}
