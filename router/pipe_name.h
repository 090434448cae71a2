/*
 * Local Windows pipe names as the router takes them for an exposed route
 * (`expose.pipe`): //./pipe/NAME or \\.\pipe\NAME, with the rules
 * nprelay.exe applies before it touches a name (relay/name.c, docs/
 * nprelay.md "Targets"), local only. The relay checks again on its side;
 * this one lets `check` say it first, with the file and line.
 */
#ifndef NPR_PIPE_NAME_H
#define NPR_PIPE_NAME_H

#include <stddef.h>

/* 0 when NAME is a local pipe name, else -1 with the rule it breaks in
 * WHY ("not a pipe name: want //./pipe/NAME"). */
int pipe_name_check(const char *name, char *why, size_t whylen);

/* The part after the pipe namespace ("podman" for //./pipe/podman);
 * only for a name pipe_name_check() accepted. */
const char *pipe_name_base(const char *name);

/* 1 when A and B name the same pipe: Windows compares pipe names without
 * case, and either slash separates. Both must be valid. */
int pipe_name_same(const char *a, const char *b);

#endif
