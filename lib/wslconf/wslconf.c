/*
 * wsl.conf's one parser (see wslconf.h for the rules, which are WSL's).
 * A scan over the bytes, like WSL's own, rather than line by line: a
 * backslash may join lines, and a bad line ends the scan.
 */
#include "wslconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Section and key names longer than this never match what we look for. */
#define WSLCONF_NAME_MAX 64

struct wslconf_scan {
	const char *p, *end;
	unsigned line;
};

static int
wslconf_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII only: WSL's init runs in the C locale. */
static int
wslconf_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
wslconf_alnum(char c)
{
	return wslconf_alpha(c) || (c >= '0' && c <= '9');
}

static void
wslconf_skip_blanks(struct wslconf_scan *sc)
{
	while (sc->p < sc->end && wslconf_blank(*sc->p))
		sc->p++;
}

/* A comment runs to the next "\n" (a "\r" alone does not end it). */
static void
wslconf_skip_comment(struct wslconf_scan *sc)
{
	while (sc->p < sc->end && *sc->p != '\n')
		sc->p++;
	if (sc->p < sc->end) {
		sc->p++;
		sc->line++;
	}
}

/* At end of file, "\n", "\r" or "#": the line may end here. */
static int
wslconf_at_eol(const struct wslconf_scan *sc)
{
	return sc->p == sc->end || *sc->p == '\n' || *sc->p == '\r' ||
	    *sc->p == '#';
}

/*
 * A name: a letter, then letters or digits, into NAME ("" when too long
 * to be one we look for).
 */
static void
wslconf_name(struct wslconf_scan *sc, char name[WSLCONF_NAME_MAX])
{
	const char *start = sc->p;
	size_t n;

	while (sc->p < sc->end && wslconf_alnum(*sc->p))
		sc->p++;
	n = (size_t)(sc->p - start);
	if (n >= WSLCONF_NAME_MAX)
		n = 0;
	memcpy(name, start, n);
	name[n] = '\0';
}

/*
 * The value after "=" (blanks after it skipped), into BUF when BUF is not
 * NULL: quotes removed, escapes done, a comment and trailing blanks off.
 * Returns its length, or -1 for a line WSL calls invalid (which ends the
 * scan). *OVER is set when it did not fit BUFLEN.
 */
static long
wslconf_value(struct wslconf_scan *sc, char *buf, size_t buflen, int *over)
{
	size_t n = 0, kept = 0;
	int quoted = 0, escaped;
	char c;

	while (sc->p < sc->end && *sc->p != '\n' && *sc->p != '\r') {
		c = *sc->p++;
		escaped = c == '\\';
		if (c == '"') {
			quoted = !quoted;
			kept = n;
			continue;
		}
		if (c == '#' && !quoted) {
			sc->p--;
			break;
		}
		if (c == '\\') {
			if (sc->p == sc->end)
				return -1;
			switch (*sc->p++) {
			case '\\':
				c = '\\';
				break;
			case '"':
				c = '"';
				break;
			case 'b':
				c = '\b';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '\n':
				/* Joins the next line; nothing is added. */
				sc->line++;
				kept = n;
				continue;
			default:
				return -1;
			}
		}
		if (buf != NULL && n + 1 < buflen)
			buf[n] = c;
		n++;
		/* Blanks at the end are dropped, but not escaped ones. */
		if (!wslconf_blank(c) || escaped)
			kept = n;
	}
	if (quoted)
		return -1;
	if (sc->p < sc->end && *sc->p == '#')
		wslconf_skip_comment(sc);
	if (buf != NULL && buflen > 0) {
		*over = kept >= buflen;
		buf[kept < buflen ? kept : buflen - 1] = '\0';
	}
	return (long)kept;
}

enum wslconf_found
wslconf_parse(const char *name, const char *text, size_t len,
    const char *section, const char *key, char *buf, size_t buflen,
    unsigned *line, char *err, size_t errlen)
{
	struct wslconf_scan sc = { text, text + len, 1 };
	char cur[WSLCONF_NAME_MAX] = "", k[WSLCONF_NAME_MAX];
	int found = 0, over = 0, want;
	unsigned at;

	for (;;) {
		wslconf_skip_blanks(&sc);
		if (sc.p == sc.end)
			break;
		if (*sc.p == '\n' || *sc.p == '\r') {
			if (*sc.p++ == '\r' && sc.p < sc.end && *sc.p == '\n')
				sc.p++;
			sc.line++;
			continue;
		}
		if (*sc.p == '#') {
			wslconf_skip_comment(&sc);
			continue;
		}
		if (*sc.p == '[') {
			sc.p++;
			if (sc.p == sc.end || !wslconf_alpha(*sc.p))
				break;
			wslconf_name(&sc, cur);
			if (sc.p == sc.end || *sc.p != ']')
				break;
			sc.p++;
			wslconf_skip_blanks(&sc);
			if (!wslconf_at_eol(&sc))
				break;
			if (sc.p < sc.end && *sc.p == '#')
				wslconf_skip_comment(&sc);
			continue;
		}
		/* WSL stops at a line that is neither: keep what came before. */
		if (!wslconf_alpha(*sc.p))
			break;
		wslconf_name(&sc, k);
		wslconf_skip_blanks(&sc);
		if (sc.p == sc.end || *sc.p != '=')
			break;
		sc.p++;
		wslconf_skip_blanks(&sc);
		at = sc.line;
		want = !found && cur[0] != '\0' && k[0] != '\0' &&
		    strcasecmp(cur, section) == 0 && strcasecmp(k, key) == 0;
		if (wslconf_value(&sc, want ? buf : NULL, buflen, &over) < 0)
			break;
		if (!want)
			continue;
		if (over) {
			snprintf(err, errlen, "%s:%u: [%s] %s is longer than %zu "
			    "bytes", name, at, section, key, buflen - 1);
			return WSLCONF_ERROR;
		}
		found = 1;
		if (line != NULL)
			*line = at;
	}
	return found ? WSLCONF_SET : WSLCONF_UNSET;
}

enum wslconf_found
wslconf_read(const char *path, const char *section, const char *key,
    char *buf, size_t buflen, unsigned *line, char *err, size_t errlen)
{
	enum wslconf_found rc = WSLCONF_ERROR;
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	/* Never block (a FIFO) and never take a terminal. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return WSLCONF_NO_FILE;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return WSLCONF_ERROR;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot read %s: not a regular file", path);
		goto out;
	}
	if (st.st_size > WSLCONF_SIZE_MAX) {
		snprintf(err, errlen, "cannot read %s: larger than %d bytes", path,
		    WSLCONF_SIZE_MAX);
		goto out;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		goto out;
	}
	/* A file that grows meanwhile is read up to the size seen. */
	while (got < (size_t)st.st_size &&
	    (n = read(fd, text + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	rc = wslconf_parse(path, text, got, section, key, buf, buflen, line,
	    err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}

int
wslconf_automount_root(const char *path, int must_exist, char *buf,
    size_t buflen, char *err, size_t errlen)
{
	enum wslconf_found rc;
	unsigned line = 0;
	size_t n;

	rc = wslconf_read(path, "automount", "root", buf, buflen, &line, err,
	    errlen);
	switch (rc) {
	case WSLCONF_ERROR:
		return -1;
	case WSLCONF_NO_FILE:
		if (must_exist) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    strerror(ENOENT));
			return -1;
		}
		/* FALLTHROUGH */
	case WSLCONF_UNSET:
		if (buflen < sizeof WSLCONF_AUTOMOUNT_DEFAULT) {
			snprintf(err, errlen, "no room for the automount root");
			return -1;
		}
		memcpy(buf, WSLCONF_AUTOMOUNT_DEFAULT,
		    sizeof WSLCONF_AUTOMOUNT_DEFAULT);
		return 0;
	case WSLCONF_SET:
		break;
	}
	/* WSL makes the root end in "/"; so "" becomes "/". */
	n = strlen(buf);
	if (n > 0 && buf[0] != '/') {
		snprintf(err, errlen, "%s:%u: [automount] root \"%s\" is not an "
		    "absolute path", path, line, buf);
		return -1;
	}
	if (n == 0 || buf[n - 1] != '/') {
		if (n + 2 > buflen) {
			snprintf(err, errlen, "%s:%u: [automount] root is longer "
			    "than %zu bytes", path, line, buflen - 2);
			return -1;
		}
		buf[n++] = '/';
		buf[n] = '\0';
	}
	return 0;
}
