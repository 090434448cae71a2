/* Expansion of "~" and "${VAR}" in configured paths. */
#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expand.h"
#include "rundir.h"

/* A growing output string; "failed" sticks after an allocation failure. */
struct expand_buf {
	char *buf;
	size_t len;
	size_t size;
	int failed;
};

static void
expand_append(struct expand_buf *eb, const char *s, size_t n)
{
	char *nbuf = NULL;
	size_t nsize;

	if (eb->failed)
		return;
	if (eb->len + n + 1 > eb->size) {
		nsize = eb->size ? eb->size : 64;
		while (eb->len + n + 1 > nsize)
			nsize *= 2;
		nbuf = realloc(eb->buf, nsize);
		if (nbuf == NULL) {
			eb->failed = 1;
			return;
		}
		eb->buf = nbuf;
		eb->size = nsize;
	}
	memcpy(eb->buf + eb->len, s, n);
	eb->len += n;
	eb->buf[eb->len] = '\0';
}

static void __attribute__((format(printf, 3, 4)))
expand_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * The home directory of USER (NULL or "" = the current user). For the
 * current user $HOME wins, as a shell would do; the password database is
 * the fallback for daemons started without a login environment.
 */
static int
expand_home(const char *user, struct expand_buf *eb, char *err, size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	char *pwbuf = NULL;
	const char *home = NULL;
	long size;
	int rc = -1, e;

	if (user == NULL || *user == '\0') {
		home = getenv("HOME");
		if (home != NULL && *home != '\0') {
			expand_append(eb, home, strlen(home));
			return 0;
		}
	}

	size = sysconf(_SC_GETPW_R_SIZE_MAX);
	if (size <= 0)
		size = 16384;
	pwbuf = malloc((size_t)size);
	if (pwbuf == NULL) {
		expand_error(err, errlen, "out of memory");
		goto out;
	}
	if (user == NULL || *user == '\0')
		e = getpwuid_r(getuid(), &pw, pwbuf, (size_t)size, &pwp);
	else
		e = getpwnam_r(user, &pw, pwbuf, (size_t)size, &pwp);
	if (pwp == NULL || pw.pw_dir == NULL || *pw.pw_dir == '\0') {
		if (user != NULL && *user != '\0')
			expand_error(err, errlen, "~%s: no such user%s%s", user,
			    e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
		else
			expand_error(err, errlen,
			    "~: $HOME is not set and uid %u has no home directory",
			    (unsigned)getuid());
		goto out;
	}
	expand_append(eb, pw.pw_dir, strlen(pw.pw_dir));
	rc = 0;
out:
	free(pwbuf);
	return rc;
}

static int
expand_var_name_ok(const char *name, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	for (i = 1; i < n; i++) {
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return 0;
	}
	return 1;
}

char *
expand_path(const char *in, char *err, size_t errlen)
{
	struct expand_buf eb = { NULL, 0, 0, 0 };
	const char *p = in, *end = NULL, *value = NULL;
	char *name = NULL, *user = NULL, *res = NULL, fallback[64];
	size_t n;

	if (in == NULL) {
		expand_error(err, errlen, "no path given");
		goto out;
	}

	if (p[0] == '~') {
		n = strcspn(p + 1, "/");
		user = strndup(p + 1, n);
		if (user == NULL) {
			expand_error(err, errlen, "out of memory");
			goto out;
		}
		if (expand_home(user, &eb, err, errlen) != 0)
			goto out;
		p += 1 + n;
	}

	while (*p != '\0') {
		/* A "$" not followed by "{" stays literal: "$" is valid in paths. */
		if (p[0] != '$' || p[1] != '{') {
			n = strcspn(p + 1, "$") + 1;
			expand_append(&eb, p, n);
			p += n;
			continue;
		}
		end = strchr(p + 2, '}');
		if (end == NULL) {
			expand_error(err, errlen, "unterminated \"${\"");
			goto out;
		}
		n = (size_t)(end - (p + 2));
		if (!expand_var_name_ok(p + 2, n)) {
			expand_error(err, errlen,
			    "\"${%.*s}\" is not a valid variable name", (int)n, p + 2);
			goto out;
		}
		name = strndup(p + 2, n);
		if (name == NULL) {
			expand_error(err, errlen, "out of memory");
			goto out;
		}
		value = getenv(name);
		/* Unset (WSL without systemd, a root shell): the folder the
		 * runtime files use instead, by the same rule. */
		if ((value == NULL || *value == '\0') &&
		    strcmp(name, "XDG_RUNTIME_DIR") == 0) {
			if (rundir_fallback(fallback, sizeof fallback, err,
			    errlen) != 0)
				goto out;
			value = fallback;
		}
		if (value == NULL || *value == '\0') {
			expand_error(err, errlen, "${%s} is %s", name,
			    value == NULL ? "not set" : "empty");
			goto out;
		}
		expand_append(&eb, value, strlen(value));
		free(name);
		name = NULL;
		p = end + 1;
	}

	/* An empty input still yields a string, so callers need no special case. */
	expand_append(&eb, "", 0);
	if (eb.failed) {
		expand_error(err, errlen, "out of memory");
		goto out;
	}
	res = eb.buf;
	eb.buf = NULL;
out:
	free(user);
	free(name);
	free(eb.buf);
	return res;
}
