/*
 * Pipe names for exposed routes: the relay's rules (relay/name.c, which
 * works on UTF-16 for CreateFile and cannot be linked here), for local
 * names only, since a pipe can only be created on this computer.
 */
#include "pipe_name.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
pipe_name_sep(char c)
{
	return c == '/' || c == '\\';
}

static size_t
pipe_name_seglen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && !pipe_name_sep(s[n]))
		n++;
	return n;
}

/* Empty, or dots and spaces only: Win32 path normalisation would drop
 * or resolve it, moving the name elsewhere. */
static int
pipe_name_bad_segment(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != '.' && s[i] != ' ')
			return 0;
	return 1;
}

static int
pipe_name_refuse(char *why, size_t whylen, const char *rule)
{
	snprintf(why, whylen, "%s", rule);
	return -1;
}

int
pipe_name_check(const char *name, char *why, size_t whylen)
{
	const char *p;
	size_t n;

	if (!pipe_name_sep(name[0]) || !pipe_name_sep(name[1]) ||
	    name[2] != '.' || !pipe_name_sep(name[3]))
		return pipe_name_refuse(why, whylen, "not a local pipe name: "
		    "want //./pipe/NAME or \\\\.\\pipe\\NAME");
	if (strncasecmp(name + 4, "pipe", 4) != 0 || !pipe_name_sep(name[8]))
		return pipe_name_refuse(why, whylen, "not in the pipe "
		    "namespace: want //./pipe/NAME");
	p = name + 9;
	if (*p == '\0')
		return pipe_name_refuse(why, whylen, "the pipe NAME is empty");
	for (const char *c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return pipe_name_refuse(why, whylen, "the pipe NAME "
			    "has a control character");
	for (;;) {
		n = pipe_name_seglen(p);
		if (pipe_name_bad_segment(p, n))
			return pipe_name_refuse(why, whylen, "the pipe NAME "
			    "has an empty part or one of dots and spaces only "
			    "(\".\", \"..\"), which Windows resolves as a path");
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return 0;
}

const char *
pipe_name_base(const char *name)
{
	return strlen(name) > 9 ? name + 9 : name;
}

int
pipe_name_same(const char *a, const char *b)
{
	a = pipe_name_base(a);
	b = pipe_name_base(b);
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		if (pipe_name_sep(*a) && pipe_name_sep(*b))
			continue;
		/* ASCII folding: what Windows does beyond it is not ours
		 * to guess; the relay's FIRST_PIPE_INSTANCE catches it. */
		if ((*a | (*a >= 'A' && *a <= 'Z' ? 0x20 : 0)) !=
		    (*b | (*b >= 'A' && *b <= 'Z' ? 0x20 : 0)))
			return 0;
	}
	return *a == *b;
}
