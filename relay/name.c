/*
 * The rules for TARGET.  CreateFile opens whatever it is given: a plain
 * file ("C:/secret" gets the client's bytes written at offset 0 and is
 * re-read forever), a path that leaves \\.\pipe\ (Win32 collapses "." and
 * ".." in \\.\ paths, so \\.\pipe\..\C:\x is C:\x), or a pipe on another
 * computer (\\host\pipe\x: Windows signs in to HOST over SMB with the
 * user's credentials).  So a pipe target must be \\.\pipe\NAME (either
 * slash), a remote \\HOST\pipe\NAME only when the user asked for it, and
 * an assuan socket file an absolute path on a drive letter.  The handle
 * is checked again once open (pipe.c, assuan.c); this is the part that
 * stops CreateFile from being called at all.
 */
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "report.h"

/* Shown targets are cut to this many bytes of UTF-8. */
#define NAME_SHOWN 200

static int
name_is_sep(wchar_t c)
{
	return c == L'\\' || c == L'/';
}

/*
 * An empty segment, or one of dots and spaces only: Win32 path
 * normalisation drops "." and empty segments, resolves "..", and trims
 * trailing dots and spaces, so such a segment may move the path out of
 * the pipe namespace or onto another pipe.  No real pipe name needs one.
 */
static int
name_bad_segment(const wchar_t *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != L'.' && s[i] != L' ')
			return 0;
	}
	return 1;
}

static size_t
name_segment_len(const wchar_t *s)
{
	size_t n = 0;

	while (s[n] != L'\0' && !name_is_sep(s[n]))
		n++;
	return n;
}

static int
name_refuse(const wchar_t *target, const char *rule, char *why,
    size_t whylen)
{
	char shown[NAME_SHOWN];

	report_utf8(target, shown, sizeof shown);
	snprintf(why, whylen, "refusing TARGET \"%s\": %s", shown, rule);
	return -1;
}

int
name_check_pipe(const wchar_t *target, int allow_remote, char *why,
    size_t whylen)
{
	const wchar_t *host, *p;
	size_t hostlen, n;

	if (!name_is_sep(target[0]) || !name_is_sep(target[1]))
		return name_refuse(target, "not a pipe name: want "
		    "//./pipe/NAME or \\\\.\\pipe\\NAME", why, whylen);
	host = target + 2;
	hostlen = name_segment_len(host);
	if (hostlen == 1 && host[0] == L'?')
		return name_refuse(target, "\\\\?\\ paths are not pipe names: "
		    "want //./pipe/NAME", why, whylen);
	if (hostlen == 0 || (!(hostlen == 1 && host[0] == L'.') &&
	    name_bad_segment(host, hostlen)))
		return name_refuse(target, "not a pipe name: want "
		    "//./pipe/NAME", why, whylen);
	if (!(hostlen == 1 && host[0] == L'.') && !allow_remote)
		return name_refuse(target, "a pipe on another computer; "
		    "Windows would sign in to it with your credentials "
		    "(--allow-remote permits it)", why, whylen);
	p = host + hostlen;
	if (!name_is_sep(p[0]) || _wcsnicmp(p + 1, L"pipe", 4) != 0 ||
	    !name_is_sep(p[5]))
		return name_refuse(target, "not in the pipe namespace: want "
		    "//./pipe/NAME", why, whylen);
	p += 6;
	if (*p == L'\0')
		return name_refuse(target, "the pipe NAME is empty", why,
		    whylen);
	for (;;) {
		n = name_segment_len(p);
		if (name_bad_segment(p, n))
			return name_refuse(target, "the pipe NAME has an empty "
			    "part or one of dots and spaces only (\".\", "
			    "\"..\"), which Windows resolves as a path", why,
			    whylen);
		if (p[n] == L'\0')
			break;
		p += n + 1;
	}
	return 0;
}

int
name_check_file(const wchar_t *path, char *why, size_t whylen)
{
	if (name_is_sep(path[0]) && name_is_sep(path[1]))
		return name_refuse(path, "a UNC or device path (\\\\HOST\\..., "
		    "\\\\.\\..., \\\\?\\...); the assuan socket file must be "
		    "on a local drive, e.g. C:\\Users\\me\\AppData\\Local\\"
		    "gnupg\\S.gpg-agent", why, whylen);
	if (!((path[0] >= L'A' && path[0] <= L'Z') ||
	    (path[0] >= L'a' && path[0] <= L'z')) || path[1] != L':' ||
	    !name_is_sep(path[2]))
		return name_refuse(path, "not an absolute path on a drive; "
		    "the assuan socket file must be given as C:\\...", why,
		    whylen);
	return 0;
}
