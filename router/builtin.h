/*
 * The routes npiperouter serves when no config file exists (DESIGN.md
 * §11): Docker Desktop's engine pipe, the OpenSSH agent pipe, and
 * Gpg4win's agent sockets found through gpgconf.exe, each only when the
 * relay's --probe finds it. The routes are written as config text and
 * loaded by the config loader like any file, so they are validated by
 * the one code path and `config --print` shows exactly them.
 */
#ifndef NPR_BUILTIN_H
#define NPR_BUILTIN_H

#include <stddef.h>

#include "config.h"

/* How the built-in routes are chosen. */
struct builtin_opts {
	/* Skip a route when something else answers on its socket (a local
	 * gpg-agent, rootless docker): run and start, not check. */
	int check_live;
	/* The config now served (reload): its sockets are ours. */
	const struct config *serving;
	/* FILE exists but stands for none: the empty file that `config
	 * --print > FILE` is writing. */
	int absent;
};

/*
 * Load FILE; when it does not exist and BUILTIN_OK (FILE is the default
 * file, not one named with -c), probe and load the built-in routes (and
 * routes.d beside FILE) instead, logging one line per route skipped.
 * The result remembers BUILTIN_OK for reloads. Returns as config_load().
 */
int builtin_config_load(const char *file, int builtin_ok,
    const struct builtin_opts *, struct config **, struct config_errors *);

/* The next generation of CFG, loaded the way CFG was (reload). */
int builtin_config_reload(const struct config *cfg, struct config **,
    struct config_errors *);

/*
 * The value of KEY in gpgconf's --list-dirs output TEXT ("key:value"
 * lines, values percent-escaped as "C%3a\Users\..."), decoded into OUT.
 * Returns 0, or -1 when KEY is missing, malformed, too long or decodes
 * to a control character.
 */
int builtin_gpgconf_value(const char *text, const char *key, char *out,
    size_t outlen);

/*
 * S as a libconfig string literal, quotes included, into OUT. Returns
 * -1 when it does not fit or holds a control character.
 */
int builtin_quote(const char *s, char *out, size_t outlen);

#endif
