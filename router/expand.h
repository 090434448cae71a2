/* Expansion of "~" and "${VAR}" in configured paths. */
#ifndef NPR_EXPAND_H
#define NPR_EXPAND_H

#include <stddef.h>

/*
 * Expand a leading "~" or "~/" (from $HOME, else the password database)
 * and every "${VAR}" in IN. Returns a malloc'd string, or NULL with the
 * reason in ERR (e.g. `${XDG_RUNTIME_DIR} is not set`).
 */
char *expand_path(const char *in, char *err, size_t errlen);

#endif
