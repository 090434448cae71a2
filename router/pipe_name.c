/*
 * Pipe names: the relay's rules (relay/name.c, which works on UTF-16 for
 * CreateFile and cannot be linked here), message for message, so that
 * `check` refuses what the relay would.
 */
#include "pipe_name.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "escape.h"

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
pipe_name_check(const char *name, enum pipe_name_hosts hosts, char *why,
    size_t whylen)
{
	const char *host, *p;
	size_t hostlen, n;
	int local;

	if (!pipe_name_sep(name[0]) || !pipe_name_sep(name[1]))
		goto not_local;
	host = name + 2;
	hostlen = pipe_name_seglen(host);
	local = hostlen == 1 && host[0] == '.';
	if (!local && hosts == PIPE_NAME_LOCAL)
		goto not_local;
	if (hostlen == 1 && host[0] == '?')
		return pipe_name_refuse(why, whylen, "\\\\?\\ paths are not "
		    "pipe names: want //./pipe/NAME");
	if (hostlen == 0 || (!local && pipe_name_bad_segment(host, hostlen)))
		return pipe_name_refuse(why, whylen, "not a pipe name: want "
		    "//./pipe/NAME");
	if (!local && hosts == PIPE_NAME_REMOTE_REFUSED)
		return pipe_name_refuse(why, whylen, "a pipe on another "
		    "computer; Windows would sign in to it with your "
		    "credentials (\"--allow-remote\" in relay_args permits it)");
	p = host + hostlen;
	if (!pipe_name_sep(p[0]) || strncasecmp(p + 1, "pipe", 4) != 0 ||
	    !pipe_name_sep(p[5]))
		return pipe_name_refuse(why, whylen, "not in the pipe "
		    "namespace: want //./pipe/NAME");
	p += 6;
	if (*p == '\0')
		return pipe_name_refuse(why, whylen, "the pipe NAME is empty");
	if (escape_has_control(p))
		return pipe_name_refuse(why, whylen, "the pipe NAME has a "
		    "control character");
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
not_local:
	return pipe_name_refuse(why, whylen, hosts == PIPE_NAME_LOCAL ?
	    "not a local pipe name: want //./pipe/NAME or \\\\.\\pipe\\NAME" :
	    "not a pipe name: want //./pipe/NAME or \\\\.\\pipe\\NAME");
}

int
pipe_name_check_file(const char *path, char *why, size_t whylen)
{
	if (pipe_name_sep(path[0]) && pipe_name_sep(path[1]))
		return pipe_name_refuse(why, whylen, "a UNC or device path "
		    "(\\\\HOST\\..., \\\\.\\..., \\\\?\\...); the assuan "
		    "socket file must be on a local drive, e.g. C:\\Users\\me\\"
		    "AppData\\Local\\gnupg\\S.gpg-agent");
	if (!((path[0] >= 'A' && path[0] <= 'Z') ||
	    (path[0] >= 'a' && path[0] <= 'z')) || path[1] != ':' ||
	    !pipe_name_sep(path[2]))
		return pipe_name_refuse(why, whylen, "not an absolute path on "
		    "a drive; the assuan socket file must be given as C:\\...");
	if (escape_has_control(path))
		return pipe_name_refuse(why, whylen, "the assuan socket file "
		    "has a control character");
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
