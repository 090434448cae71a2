/*
 * `npiperouter env`: which variable a route's socket goes into, and the
 * line that sets it in each shell, as `ssh-agent -s` / `-c` print them.
 */
#ifndef NPR_SHELLENV_H
#define NPR_SHELLENV_H

#include <stddef.h>

#include "config.h"

enum shellenv_shell {
	SHELLENV_SH,   /* sh, bash, dash, zsh, ksh */
	SHELLENV_FISH,
	SHELLENV_CSH,  /* csh, tcsh */
};

/* NAME ("bash", "/usr/bin/fish", ...) as a shell; -1 when unknown. */
int shellenv_parse(const char *name, enum shellenv_shell *);
/* The user's shell from $SHELL, sh when unset or unknown. */
enum shellenv_shell shellenv_detect(void);

/*
 * The variable of route RC: its "env" key, else the one its adapter
 * implies (docker: DOCKER_HOST, ssh-agent: SSH_AUTH_SOCK); NULL for none.
 */
const char *shellenv_var(const struct route_conf *rc);

/* The value of VAR for a socket at PATH: "unix://PATH" for the variables
 * that take a URL (DOCKER_HOST, CONTAINER_HOST), else PATH. -1 when it
 * does not fit or PATH holds a control character. */
int shellenv_value(const char *var, const char *path, char *buf, size_t len);

/* The line that sets VAR to VALUE in SHELL, quoted for it, with "\n".
 * -1 when it does not fit. */
int shellenv_line(enum shellenv_shell, const char *var, const char *value,
    char *buf, size_t len);

#endif
