/*
 * Windows pipe names as nprelay.exe takes them (relay/name.c, docs/
 * nprelay.md "Targets"): the pipe an exposed route creates
 * (`expose.pipe`, local only), and a route's `pipe` when its relay is
 * nprelay.exe (a pipe, or with -a an assuan socket file). The relay
 * checks again on its side; this lets `check` say it first, with the
 * file and line.
 */
#ifndef NPR_PIPE_NAME_H
#define NPR_PIPE_NAME_H

#include <stddef.h>

/* Which computers a pipe name may name. */
enum pipe_name_hosts {
	PIPE_NAME_LOCAL,	  /* a pipe to create: this one only */
	PIPE_NAME_REMOTE_REFUSED, /* one to open, without --allow-remote */
	PIPE_NAME_REMOTE_ALLOWED, /* one to open, with --allow-remote */
};

/* 0 when NAME is a pipe name for HOSTS, else -1 with the rule it breaks
 * in WHY ("not in the pipe namespace: want //./pipe/NAME"). Stricter
 * than nprelay.exe in one rule: no control characters. */
int pipe_name_check(const char *name, enum pipe_name_hosts hosts, char *why,
    size_t whylen);

/* The same for an assuan socket file (nprelay.exe -a): an absolute path
 * on a drive letter, C:\... or C:/... */
int pipe_name_check_file(const char *path, char *why, size_t whylen);

/* The part after the pipe namespace ("podman" for //./pipe/podman);
 * only for a name pipe_name_check() accepted as PIPE_NAME_LOCAL. */
const char *pipe_name_base(const char *name);

/* 1 when A and B name the same pipe: Windows compares pipe names without
 * case, and either slash separates. Both must be valid. */
int pipe_name_same(const char *a, const char *b);

#endif
