/*
 * The client side of the routes: do ssh and docker, started from this
 * shell, use them? ssh takes SSH_AUTH_SOCK; docker takes DOCKER_HOST,
 * else the context DOCKER_CONTEXT or its config.json's currentContext
 * names (the "default" one being /var/run/docker.sock). Read from the
 * files, without running docker.
 */
#include "doctor_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define DOCTOR_JSON_MAX (1024 * 1024)
#define DOCTOR_JSON_DEPTH 32
#define DOCTOR_DOCKER_DEFAULT "unix:///var/run/docker.sock"

/* A JSON text being read; only what the docker CLI's files need. */
struct doctor_json {
	const char *p, *end;
};

static void
doctor_json_ws(struct doctor_json *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p) != NULL && *j->p)
		j->p++;
}

static int
doctor_json_hex(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* The string at j->p into OUT (when not NULL); -1 when malformed or too
 * long for OUT. */
static int
doctor_json_string(struct doctor_json *j, char *out, size_t outlen)
{
	size_t n = 0;
	unsigned u;
	char c;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		c = *j->p;
		if ((unsigned char)c < 0x20)
			return -1;
		if (c == '\\') {
			if (++j->p >= j->end)
				return -1;
			switch (*j->p) {
			case '"': case '\\': case '/': c = *j->p; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (j->end - j->p < 5 ||
				    doctor_json_hex(j->p + 1, &u) != 0)
					return -1;
				j->p += 4;
				/* Paths and names here are ASCII; anything else
				 * cannot match one and shows as '?'. */
				c = u > 0 && u < 0x80 ? (char)u : '?';
				break;
			default:
				return -1;
			}
		}
		if (out != NULL) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = c;
		}
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	if (out != NULL)
		out[n] = '\0';
	return 0;
}

static int
doctor_json_skip(struct doctor_json *j, int depth)
{
	char close;

	doctor_json_ws(j);
	if (j->p >= j->end || depth > DOCTOR_JSON_DEPTH)
		return -1;
	if (*j->p == '"')
		return doctor_json_string(j, NULL, 0);
	if (*j->p != '{' && *j->p != '[') {
		const char *start = j->p;

		while (j->p < j->end && (strchr("+-.", *j->p) != NULL ||
		    (*j->p >= '0' && *j->p <= '9') ||
		    (*j->p >= 'a' && *j->p <= 'z') ||
		    (*j->p >= 'A' && *j->p <= 'Z')))
			j->p++;
		return j->p > start ? 0 : -1;
	}
	close = *j->p == '{' ? '}' : ']';
	j->p++;
	doctor_json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			doctor_json_ws(j);
			if (doctor_json_string(j, NULL, 0) != 0)
				return -1;
			doctor_json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
		}
		if (doctor_json_skip(j, depth + 1) != 0)
			return -1;
		doctor_json_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

/*
 * The string at KEYS[0].KEYS[1]... of the object at j->p into OUT: 0,
 * 1 when it is not there (or not a string), -1 when the text is broken.
 */
static int
doctor_json_find(struct doctor_json *j, const char *const *keys, char *out,
    size_t outlen, int depth)
{
	const char *save = NULL;
	char key[256];
	int rc = 1;

	doctor_json_ws(j);
	if (j->p >= j->end || *j->p != '{' || depth > DOCTOR_JSON_DEPTH)
		return -1;
	j->p++;
	doctor_json_ws(j);
	if (j->p < j->end && *j->p == '}')
		return 1;
	for (;;) {
		doctor_json_ws(j);
		if (j->p >= j->end || *j->p != '"')
			return -1;
		/* A key longer than ours cannot be one of them. */
		save = j->p;
		if (doctor_json_string(j, key, sizeof key) != 0) {
			j->p = save;
			key[0] = '\0';
			if (doctor_json_string(j, NULL, 0) != 0)
				return -1;
		}
		doctor_json_ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return -1;
		doctor_json_ws(j);
		if (rc == 1 && strcmp(key, keys[0]) == 0) {
			if (keys[1] == NULL && j->p < j->end && *j->p == '"') {
				if (doctor_json_string(j, out, outlen) != 0)
					return -1;
				rc = 0;
			} else if (keys[1] != NULL && j->p < j->end &&
			    *j->p == '{') {
				rc = doctor_json_find(j, keys + 1, out, outlen,
				    depth + 1);
				if (rc == -1)
					return -1;
			} else if (doctor_json_skip(j, depth + 1) != 0)
				return -1;
		} else if (doctor_json_skip(j, depth + 1) != 0)
			return -1;
		doctor_json_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == '}') {
			j->p++;
			return rc;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

/* A small regular file, whole, NUL-terminated; NULL with errno set. */
static char *
doctor_read_small(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > DOCTOR_JSON_MAX) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	*len = 0;
	while (*len < (size_t)st.st_size &&
	    (n = read(fd, buf + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)n;
	buf[*len] = '\0';
	close(fd);
	return buf;
}

int
doctor_json_get(const char *text, size_t len, const char *const *keys,
    char *out, size_t outlen)
{
	struct doctor_json j = { text, text + len };

	return doctor_json_find(&j, keys, out, outlen, 0);
}

/* The same socket: the same name, or the same file. */
static int
doctor_same_socket(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The first route with ADAPTER, and whether any has SOCK as its path. */
static const struct route_conf *
doctor_routes_with(const struct config *cfg, const char *adapter,
    const char *sock, const struct route_conf **match)
{
	const struct route_conf *first = NULL;

	*match = NULL;
	for (size_t i = 0; i < cfg->nroutes; i++) {
		const struct route_conf *r = &cfg->routes[i];

		/* An exposed route serves Windows: nothing here uses it. */
		if (strcmp(r->adapter, adapter) != 0 || r->listen_path == NULL)
			continue;
		if (first == NULL)
			first = r;
		if (*match == NULL && sock != NULL &&
		    doctor_same_socket(sock, r->listen_path))
			*match = r;
	}
	return first;
}

static void
doctor_check_ssh(struct doctor *d, const struct config *cfg)
{
	const char *env = getenv("SSH_AUTH_SOCK");
	const struct route_conf *r, *match;

	if (env != NULL && *env == '\0')
		env = NULL;
	if ((r = doctor_routes_with(cfg, "ssh-agent", env, &match)) == NULL)
		return;
	if (match != NULL)
		doctor_say(d, DOCTOR_OK, "SSH_AUTH_SOCK is route \"%s\" (%s)",
		    match->name, match->listen_path);
	else if (env == NULL)
		doctor_say(d, DOCTOR_WARN, "SSH_AUTH_SOCK is not set, so ssh "
		    "does not use route \"%s\": export SSH_AUTH_SOCK=%s",
		    r->name, r->listen_path);
	else
		doctor_say(d, DOCTOR_WARN, "SSH_AUTH_SOCK=%s is not route "
		    "\"%s\", so ssh uses another agent: export SSH_AUTH_SOCK=%s",
		    env, r->name, r->listen_path);
}

/*
 * The endpoint of docker context NAME: its meta.json below DIR/contexts
 * (named by a hash of NAME; found by the name inside instead). 0, or -1
 * with why in ERR.
 */
static int
doctor_docker_context_host(const char *dir, const char *name, char *host,
    size_t hostlen, char *err, size_t errlen)
{
	static const char *const name_key[] = { "Name", NULL };
	static const char *const host_key[] = { "Endpoints", "docker", "Host",
		NULL };
	char meta[PATH_MAX + 32], file[PATH_MAX + 320], found[256];
	struct dirent *de = NULL;
	char *text = NULL;
	size_t len = 0;
	DIR *dp = NULL;
	int rc = -1;

	snprintf(meta, sizeof meta, "%s/contexts/meta", dir);
	if ((dp = opendir(meta)) == NULL) {
		snprintf(err, errlen, "%s: %s", meta, strerror(errno));
		return -1;
	}
	snprintf(err, errlen, "no context of that name in %s", meta);
	while (rc == -1 && (de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s/meta.json", meta, de->d_name);
		free(text);
		if ((text = doctor_read_small(file, &len)) == NULL ||
		    doctor_json_get(text, len, name_key, found,
		    sizeof found) != 0 || strcmp(found, name) != 0)
			continue;
		if (doctor_json_get(text, len, host_key, host, hostlen) != 0) {
			snprintf(err, errlen, "%s names no Endpoints.docker.Host",
			    file);
			break;
		}
		rc = 0;
	}
	free(text);
	closedir(dp);
	return rc;
}

static void
doctor_check_docker(struct doctor *d, const struct config *cfg)
{
	static const char *const ctx_key[] = { "currentContext", NULL };
	const char *env = getenv("DOCKER_HOST"), *home = getenv("HOME");
	const char *cfgdir = getenv("DOCKER_CONFIG"), *from = NULL;
	const struct route_conf *r, *match = NULL;
	char dir[PATH_MAX], file[PATH_MAX + 16], ctx[256] = "", host[PATH_MAX];
	char why[PATH_MAX + 400];
	char *text = NULL;
	size_t len = 0;

	if ((r = doctor_routes_with(cfg, "docker", NULL, &match)) == NULL)
		return;
	if (env != NULL && *env != '\0') {
		snprintf(host, sizeof host, "%s", env);
		from = "DOCKER_HOST";
	} else {
		if (cfgdir != NULL && *cfgdir != '\0')
			snprintf(dir, sizeof dir, "%s", cfgdir);
		else
			snprintf(dir, sizeof dir, "%s/.docker",
			    home != NULL ? home : "");
		snprintf(file, sizeof file, "%s/config.json", dir);
		if (getenv("DOCKER_CONTEXT") != NULL &&
		    *getenv("DOCKER_CONTEXT") != '\0') {
			snprintf(ctx, sizeof ctx, "%s", getenv("DOCKER_CONTEXT"));
			from = "DOCKER_CONTEXT";
		} else if ((text = doctor_read_small(file, &len)) != NULL &&
		    doctor_json_get(text, len, ctx_key, ctx, sizeof ctx) == 0)
			from = file;
		free(text);
		if (ctx[0] == '\0' || strcmp(ctx, "default") == 0)
			snprintf(host, sizeof host, "%s", DOCTOR_DOCKER_DEFAULT);
		else if (doctor_docker_context_host(dir, ctx, host, sizeof host,
		    why, sizeof why) != 0) {
			doctor_say(d, DOCTOR_WARN, "docker context \"%s\" (from "
			    "%s) is current, but its endpoint is unknown (%s): "
			    "run \"docker context use default\" and export "
			    "DOCKER_HOST=unix://%s", ctx, from, why,
			    r->listen_path);
			return;
		}
	}
	if (strncmp(host, "unix://", 7) == 0)
		doctor_routes_with(cfg, "docker", host + 7, &match);
	if (match != NULL)
		doctor_say(d, DOCTOR_OK, "docker uses route \"%s\" (%s%s%s%s)",
		    match->name, host, ctx[0] != '\0' ? ", context \"" : "",
		    ctx, ctx[0] != '\0' ? "\"" : "");
	else if (from != NULL && strcmp(from, "DOCKER_HOST") == 0)
		doctor_say(d, DOCTOR_WARN, "DOCKER_HOST=%s is not route \"%s\", "
		    "so docker talks to another engine: export "
		    "DOCKER_HOST=unix://%s", host, r->name, r->listen_path);
	else if (ctx[0] != '\0' && strcmp(ctx, "default") != 0)
		doctor_say(d, DOCTOR_WARN, "docker context \"%s\" (from %s) is "
		    "current, so docker talks to %s, not route \"%s\": run "
		    "\"docker context use default\" and export "
		    "DOCKER_HOST=unix://%s (or \"docker context create "
		    "npiperouter --docker host=unix://%s\" and \"docker context "
		    "use npiperouter\")", ctx, from, host, r->name,
		    r->listen_path, r->listen_path);
	else
		doctor_say(d, DOCTOR_WARN, "DOCKER_HOST is not set and the docker "
		    "context is \"default\", so docker talks to %s, not route "
		    "\"%s\": export DOCKER_HOST=unix://%s", host, r->name,
		    r->listen_path);
}

void
doctor_check_env(struct doctor *d, const struct config *cfg)
{
	doctor_check_ssh(d, cfg);
	doctor_check_docker(d, cfg);
}
