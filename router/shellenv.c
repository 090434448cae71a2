/* Shell lines for `npiperouter env` (shellenv.h). */
#include "shellenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* What the built-in adapters' clients read by default. */
static const struct {
	const char *adapter, *var;
} shellenv_implied[] = {
	{ "docker", "DOCKER_HOST" },
	{ "ssh-agent", "SSH_AUTH_SOCK" },
};

/* Variables whose value is a URL rather than a path. */
static const char *const shellenv_url_vars[] = { "DOCKER_HOST",
	"CONTAINER_HOST", NULL };

int
shellenv_parse(const char *name, enum shellenv_shell *sh)
{
	static const char *const sh_like[] = { "sh", "bash", "dash", "zsh",
		"ksh", "mksh", "ash", "busybox", NULL };
	const char *base = strrchr(name, '/');

	base = base != NULL ? base + 1 : name;
	/* A login shell's argv[0] is "-bash". */
	if (*base == '-')
		base++;
	for (size_t i = 0; sh_like[i] != NULL; i++) {
		if (strcmp(base, sh_like[i]) == 0) {
			*sh = SHELLENV_SH;
			return 0;
		}
	}
	if (strcmp(base, "fish") == 0) {
		*sh = SHELLENV_FISH;
		return 0;
	}
	if (strcmp(base, "csh") == 0 || strcmp(base, "tcsh") == 0) {
		*sh = SHELLENV_CSH;
		return 0;
	}
	return -1;
}

enum shellenv_shell
shellenv_detect(void)
{
	const char *s = getenv("SHELL");
	enum shellenv_shell sh = SHELLENV_SH;

	if (s == NULL || shellenv_parse(s, &sh) != 0)
		return SHELLENV_SH;
	return sh;
}

const char *
shellenv_var(const struct route_conf *rc)
{
	if (rc->env != NULL)
		return *rc->env != '\0' ? rc->env : NULL;
	for (size_t i = 0; i < sizeof shellenv_implied /
	    sizeof *shellenv_implied; i++) {
		if (rc->adapter != NULL &&
		    strcmp(rc->adapter, shellenv_implied[i].adapter) == 0)
			return shellenv_implied[i].var;
	}
	return NULL;
}

int
shellenv_value(const char *var, const char *path, char *buf, size_t len)
{
	const char *prefix = "";
	int n;

	if (escape_has_control(path))
		return -1;
	for (size_t i = 0; shellenv_url_vars[i] != NULL; i++) {
		if (strcmp(var, shellenv_url_vars[i]) == 0)
			prefix = "unix://";
	}
	n = snprintf(buf, len, "%s%s", prefix, path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * VALUE in single quotes. sh and csh: a quote is '\'' (end, an escaped
 * quote, start again), and csh's history "!" goes outside quotes as \!
 * too. fish: \' and \\ inside the quotes.
 */
static int
shellenv_quote(enum shellenv_shell sh, const char *value, char *buf,
    size_t len)
{
	size_t o = 0;
	const char *esc = NULL;

	if (len < 3)
		return -1;
	buf[o++] = '\'';
	for (const char *p = value; *p != '\0'; p++) {
		esc = NULL;
		if (*p == '\'')
			esc = sh == SHELLENV_FISH ? "\\'" : "'\\''";
		else if (*p == '\\' && sh == SHELLENV_FISH)
			esc = "\\\\";
		else if (*p == '!' && sh == SHELLENV_CSH)
			esc = "'\\!'";
		if (o + (esc != NULL ? strlen(esc) : 1) + 2 >= len)
			return -1;
		if (esc != NULL) {
			memcpy(buf + o, esc, strlen(esc));
			o += strlen(esc);
		} else
			buf[o++] = *p;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return 0;
}

int
shellenv_line(enum shellenv_shell sh, const char *var, const char *value,
    char *buf, size_t len)
{
	char q[8192];
	int n;

	if (shellenv_quote(sh, value, q, sizeof q) != 0)
		return -1;
	switch (sh) {
	case SHELLENV_FISH:
		n = snprintf(buf, len, "set -gx %s %s;\n", var, q);
		break;
	case SHELLENV_CSH:
		n = snprintf(buf, len, "setenv %s %s;\n", var, q);
		break;
	default:
		n = snprintf(buf, len, "%s=%s; export %s;\n", var, q, var);
		break;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
