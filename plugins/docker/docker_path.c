/*
 * WSL paths to Windows paths (see docker_path.h). WSL mounts drive C: at
 * ROOT "c" (ROOT is "/mnt/" unless wsl.conf's [automount] root says
 * otherwise), and a Windows Docker engine wants "C:/..." for the same
 * folder. Named volumes and relative paths never match.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_path.h"
#include "wslconf.h"

int
docker_wsl_root(const char *path, int must_exist, char **root, char *err,
    size_t errlen)
{
	char found[DOCKER_PATH_MAX];

	*root = NULL;
	if (wslconf_automount_root(path, must_exist, found, sizeof found, err,
	    errlen) != 0)
		return -1;
	if ((*root = strdup(found)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
docker_rule_from_valid(const char *from)
{
	const char *p = from;
	size_t seg;

	if (from[0] != '/' || strlen(from) >= DOCKER_PATH_MAX)
		return 0;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		seg = strcspn(p, "/");
		if ((seg == 1 && p[0] == '.') ||
		    (seg == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += seg;
	}
	return 1;
}

int
docker_paths_add_rule(struct docker_paths *dp, const char *from,
    const char *to)
{
	struct docker_rule *r = NULL;
	char clean[DOCKER_PATH_MAX + 1];
	int n;

	/* Matched against cleaned paths: cleaned too ("/a//b/" is "/a/b"). */
	if ((n = docker_path_clean(from, strlen(from), clean, sizeof clean)) < 0)
		return -1;
	r = realloc(dp->rules, (dp->nrules + 1) * sizeof *r);
	if (r == NULL)
		return -1;
	dp->rules = r;
	r = &dp->rules[dp->nrules];
	r->from = strndup(clean, (size_t)n);
	r->to = strdup(to);
	if (r->from == NULL || r->to == NULL) {
		free(r->from);
		free(r->to);
		return -1;
	}
	dp->nrules++;
	return 0;
}

void
docker_paths_clear(struct docker_paths *dp)
{
	size_t i;

	for (i = 0; i < dp->nrules; i++) {
		free(dp->rules[i].from);
		free(dp->rules[i].to);
	}
	free(dp->rules);
	free(dp->root);
	memset(dp, 0, sizeof *dp);
}

/* OUT = HEAD + TAIL (TAIL may start with "/"); -1 when it does not fit. */
static int
docker_join(const char *head, size_t hlen, const char *tail, size_t tlen,
    char *out, size_t outlen)
{
	/* "C:/" + "/Users" and "D:/x/" + "/y": one slash between them. */
	if (hlen > 0 && head[hlen - 1] == '/')
		while (tlen > 0 && tail[0] == '/')
			tail++, tlen--;
	if (hlen + tlen + 1 > outlen || hlen + tlen > (size_t)DOCKER_PATH_MAX)
		return -1;
	memcpy(out, head, hlen);
	memcpy(out + hlen, tail, tlen);
	out[hlen + tlen] = '\0';
	return (int)(hlen + tlen);
}

/* Does SRC start with the whole path FROM (at a "/" or its end)? */
static size_t
docker_prefix(const char *src, size_t len, const char *from)
{
	size_t n = strlen(from);

	if (n == 1 && from[0] == '/')
		return len > 0 && src[0] == '/' ? 1 : 0;
	if (len < n || memcmp(src, from, n) != 0)
		return 0;
	return len == n || src[n] == '/' ? n : 0;
}

int
docker_path_clean(const char *src, size_t len, char *out, size_t outlen)
{
	const char *p = src, *end = src + len;
	size_t n = 0, seg;

	if (len == 0 || src[0] != '/' || memchr(src, '\0', len) != NULL ||
	    outlen < 2)
		return -1;
	while (p < end) {
		while (p < end && *p == '/')
			p++;
		for (seg = 0; p + seg < end && p[seg] != '/'; seg++)
			;
		if (seg == 0 || (seg == 1 && p[0] == '.')) {
			p += seg;
			continue;
		}
		if (seg == 2 && p[0] == '.' && p[1] == '.') {
			/* Above "/": Linux would stay at "/", Windows at the
			 * drive's root; neither is what was meant. */
			if (n == 0)
				return -1;
			while (n > 0 && out[n - 1] != '/')
				n--;
			n--; /* the "/" before the part taken away */
			p += seg;
			continue;
		}
		if (n + 1 + seg + 1 > outlen || n + 1 + seg > DOCKER_PATH_MAX)
			return -1;
		out[n++] = '/';
		memcpy(out + n, p, seg);
		n += seg;
		p += seg;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return (int)n;
}

int
docker_path_rewrite(const struct docker_paths *dp, const char *src,
    size_t len, char *out, size_t outlen)
{
	const struct docker_rule *r = NULL;
	char clean[DOCKER_PATH_MAX + 1];
	size_t i, n, rlen;
	char drive[4];
	int c;

	if (len > DOCKER_PATH_MAX ||
	    (c = docker_path_clean(src, len, clean, sizeof clean)) < 0)
		return 0;
	src = clean;
	len = (size_t)c;
	for (i = 0; i < dp->nrules; i++) {
		r = &dp->rules[i];
		if ((n = docker_prefix(src, len, r->from)) == 0)
			continue;
		/* A rule "/" keeps the slash: "/x" -> TO + "/x". */
		if (n == 1 && r->from[1] == '\0')
			n = 0;
		return docker_join(r->to, strlen(r->to), src + n, len - n, out,
		    outlen);
	}
	if (!dp->drives || dp->root == NULL)
		return 0;
	/* ROOT + one lowercase letter + end or "/": that drive's folder. The
	 * root ends in "/", the cleaned path does not: "/mnt/" matches "/mnt"
	 * only as a root of its own ("/"). */
	rlen = strlen(dp->root);
	if (len < rlen + 1 || memcmp(src, dp->root, rlen) != 0)
		return 0;
	if (src[rlen] < 'a' || src[rlen] > 'z')
		return 0;
	if (len > rlen + 1 && src[rlen + 1] != '/')
		return 0;
	drive[0] = (char)(src[rlen] - 'a' + 'A');
	drive[1] = ':';
	drive[2] = '/';
	drive[3] = '\0';
	return docker_join(drive, 3, src + rlen + 1, len - rlen - 1, out,
	    outlen);
}

int
docker_path_is_windows(const char *src, size_t len)
{
	return len >= 3 && ((src[0] >= 'A' && src[0] <= 'Z') ||
	    (src[0] >= 'a' && src[0] <= 'z')) && src[1] == ':' &&
	    (src[2] == '\\' || src[2] == '/');
}

/* Does the Windows path WIN (forward slashes) start with the whole of
 * TO, compared without case and with either slash? Its length if so. */
static size_t
docker_win_prefix(const char *win, size_t len, const char *to)
{
	size_t n = strlen(to), i;

	while (n > 1 && (to[n - 1] == '/' || to[n - 1] == '\\'))
		n--;
	if (len < n)
		return 0;
	for (i = 0; i < n; i++) {
		if (to[i] == '\\' || to[i] == '/') {
			if (win[i] != '/')
				return 0;
		} else if (tolower((unsigned char)to[i]) !=
		    tolower((unsigned char)win[i]))
			return 0;
	}
	return len == n || win[n] == '/' ? n : 0;
}

int
docker_path_to_wsl(const struct docker_paths *dp, const char *src,
    size_t len, char *out, size_t outlen)
{
	char win[DOCKER_PATH_MAX + 2], rest[DOCKER_PATH_MAX + 2];
	char clean[DOCKER_PATH_MAX + 1], drive[4];
	const struct docker_rule *r = NULL;
	size_t i, n;
	int c;

	if (len > DOCKER_PATH_MAX || !docker_path_is_windows(src, len))
		return 0;
	for (i = 0; i < len; i++)
		win[i] = src[i] == '\\' ? '/' : src[i];
	win[len] = '\0';
	for (i = 0; i < dp->nrules; i++) {
		r = &dp->rules[i];
		if ((n = docker_win_prefix(win, len, r->to)) == 0)
			continue;
		/* The rest below the rule's folder, resolved within it. */
		rest[0] = '/';
		memcpy(rest + 1, win + n, len - n);
		if ((c = docker_path_clean(rest, len - n + 1, clean,
		    sizeof clean)) < 0)
			return 0;
		return docker_join(r->from, strlen(r->from), clean,
		    c == 1 ? 0 : (size_t)c, out, outlen);
	}
	if (!dp->drives || dp->root == NULL)
		return 0;
	/* "C:" + "/x/y": the part after the drive, resolved on the drive. */
	if ((c = docker_path_clean(win + 2, len - 2, clean, sizeof clean)) < 0)
		return 0;
	drive[0] = (char)tolower((unsigned char)win[0]);
	drive[1] = '\0';
	n = strlen(dp->root);
	if (n + 1 + (size_t)c + 1 > outlen || n + 1 + (size_t)c >
	    DOCKER_PATH_MAX)
		return -1;
	memcpy(out, dp->root, n);
	out[n++] = drive[0];
	if (!(c == 1 && clean[0] == '/')) {
		memcpy(out + n, clean, (size_t)c);
		n += (size_t)c;
	}
	out[n] = '\0';
	return (int)n;
}
