/*
 * WSL paths to Windows paths (see docker_path.h). WSL mounts drive C: at
 * ROOT "c" (ROOT is "/mnt/" unless wsl.conf's [automount] root says
 * otherwise), and a Windows Docker engine wants "C:/..." for the same
 * folder. Named volumes and relative paths never match.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker_path.h"

/* Trim blanks on both sides of S in place; returns the new start. */
static char *
docker_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* The value of a "key = value" line: quotes and a trailing comment off. */
static char *
docker_ini_value(char *v)
{
	char *hash = NULL;
	size_t n;

	v = docker_trim(v);
	if (*v == '"' && (hash = strchr(v + 1, '"')) != NULL) {
		*hash = '\0';
		return v + 1;
	}
	if ((hash = strchr(v, '#')) != NULL) {
		*hash = '\0';
		v = docker_trim(v);
	}
	n = strlen(v);
	if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

int
docker_wsl_root(const char *path, int must_exist, char **root, char *err,
    size_t errlen)
{
	char line[1024], found[DOCKER_PATH_MAX];
	char *s = NULL, *eq = NULL, *v = NULL;
	FILE *fp = NULL;
	int in_automount = 0, have = 0, lineno = 0;
	size_t n;

	*root = NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			goto out;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		s = docker_trim(line);
		if (*s == '[') {
			in_automount = strncasecmp(s, "[automount]", 11) == 0;
			continue;
		}
		if (!in_automount || *s == '#' || *s == ';' ||
		    (eq = strchr(s, '=')) == NULL)
			continue;
		*eq = '\0';
		if (strcasecmp(docker_trim(s), "root") != 0)
			continue;
		v = docker_ini_value(eq + 1);
		if (v[0] != '/' || strlen(v) + 2 > sizeof found) {
			snprintf(err, errlen, "%s:%d: [automount] root \"%s\" is not "
			    "an absolute path", path, lineno, v);
			fclose(fp);
			return -1;
		}
		snprintf(found, sizeof found, "%s", v);
		have = 1; /* the last one counts, as in WSL */
	}
	fclose(fp);
out:
	if (!have)
		snprintf(found, sizeof found, "%s", DOCKER_AUTOMOUNT_DEFAULT);
	n = strlen(found);
	if (found[n - 1] != '/')
		found[n++] = '/', found[n] = '\0';
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
	size_t n = strlen(from);

	r = realloc(dp->rules, (dp->nrules + 1) * sizeof *r);
	if (r == NULL)
		return -1;
	dp->rules = r;
	r = &dp->rules[dp->nrules];
	while (n > 1 && from[n - 1] == '/')
		n--;
	r->from = strndup(from, n);
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
docker_path_rewrite(const struct docker_paths *dp, const char *src,
    size_t len, char *out, size_t outlen)
{
	const struct docker_rule *r = NULL;
	size_t i, n, rlen;
	char drive[4];

	if (len == 0 || src[0] != '/' || len > DOCKER_PATH_MAX ||
	    memchr(src, '\0', len) != NULL)
		return 0;
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
	/* ROOT + one lowercase letter + end or "/": that drive's folder. */
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
