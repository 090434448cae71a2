/*
 * Bind-mount sources of request bodies to Windows paths (see
 * docker_body.h). Only strings are replaced; a held value is written
 * back compact, with its members in their order, only when something in
 * it changed. Struct members are found ignoring ASCII case, as Go's
 * encoding/json finds them; map keys (DriverOpts) exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "docker_body.h"
#include "docker_jscan.h"
#include "docker_path.h"

static const char *const binds_path[] = { "HostConfig", "Binds", NULL };
static const char *const mounts_path[] = { "HostConfig", "Mounts", NULL };
static const char *const service_path[] = { "TaskTemplate", "ContainerSpec",
	"Mounts", NULL };
static const char *const libpod_mounts_path[] = { "mounts", NULL };
static const char *const libpod_overlay_path[] = { "overlay_volumes", NULL };
static const char *const root_path[] = { NULL };

static const char *const *const container_paths[] = { binds_path,
	mounts_path, NULL };
static const char *const *const service_paths[] = { service_path, NULL };
static const char *const *const libpod_paths[] = { libpod_mounts_path,
	libpod_overlay_path, NULL };
static const char *const *const volume_paths[] = { root_path, NULL };
static const char *const *const no_paths[] = { NULL };

const char *const *const *
docker_body_paths(enum docker_body_kind kind)
{
	switch (kind) {
	case DB_CONTAINER:
		return container_paths;
	case DB_SERVICE:
		return service_paths;
	case DB_LIBPOD:
		return libpod_paths;
	case DB_VOLUME:
		return volume_paths;
	default:
		return no_paths;
	}
}

struct docker_rewrite {
	const struct docker_body_ctx *ctx;
	int changed;
	int oom;
};

/* The member of OBJ named NAME in any case, the last one as Go takes it;
 * its key in *KEY. */
static json_t *
docker_member(json_t *obj, const char *name, const char **key)
{
	const char *k = NULL;
	json_t *v = NULL, *found = NULL;

	*key = NULL;
	if (!json_is_object(obj))
		return NULL;
	json_object_foreach(obj, k, v) {
		if (strcasecmp(k, name) == 0) {
			found = v;
			*key = k;
		}
	}
	return found;
}

/* Is SRC (LEN bytes, not absolute) a relative host path? REL_ANY: any
 * form (a bind's source is always a path); else only ".", "..", "./..."
 * and "../..." (in Binds, "name:/dst" is a named volume). Windows forms
 * ("C:...", "\\...") never are. */
static int
docker_relative(const char *src, size_t len, int rel_any)
{
	if (len == 0 || src[0] == '/' || src[0] == '\\' ||
	    (len >= 2 && src[1] == ':'))
		return 0;
	if (rel_any)
		return 1;
	if (src[0] != '.')
		return 0;
	if (len == 1 || src[1] == '/')
		return 1;
	return src[1] == '.' && (len == 2 || src[2] == '/');
}

/*
 * The source SRC (LEN bytes) in the form the engine gets into OUT: an
 * absolute one by the rules, a relative one resolved against the
 * client's folder first (and kept as that absolute path when no rule
 * matches). Returns its length, or 0 to leave SRC as it is.
 */
static int
docker_source(const struct docker_body_ctx *ctx, const char *src,
    size_t len, int rel_any, char *out, size_t outlen)
{
	char joined[2 * DOCKER_PATH_MAX + 2];
	size_t clen;
	int n;

	if (len > DOCKER_PATH_MAX)
		return 0;
	if (ctx->to_wsl) {
		/* A Windows client: only its drive paths are host paths we
		 * know; it has no Linux folder for relative ones. */
		n = docker_path_to_wsl(ctx->dp, src, len, out, outlen);
		return n > 0 ? n : 0;
	}
	if (!docker_relative(src, len, rel_any)) {
		n = docker_path_rewrite(ctx->dp, src, len, out, outlen);
		return n > 0 ? n : 0;
	}
	if (ctx->cwd == NULL || ctx->cwd[0] != '/' ||
	    (clen = strlen(ctx->cwd)) > DOCKER_PATH_MAX)
		return 0;
	memcpy(joined, ctx->cwd, clen);
	joined[clen] = '/';
	memcpy(joined + clen + 1, src, len);
	if ((n = docker_path_rewrite(ctx->dp, joined, clen + 1 + len, out,
	    outlen)) > 0)
		return n;
	n = docker_path_clean(joined, clen + 1 + len, out, outlen);
	return n > 0 ? n : 0;
}

/*
 * The string VALUE with its first SRCLEN bytes (the host path) rewritten
 * and the rest kept, as a new string in *NEWVAL; NULL when it stays.
 */
static void
docker_rewrite_string(struct docker_rewrite *rw, const char *where,
    json_t *value, size_t srclen, int rel_any, json_t **newval)
{
	char to[DOCKER_PATH_MAX + 1], from[DOCKER_PATH_MAX + 1];
	const char *s = json_string_value(value);
	size_t len = json_string_length(value), rest = len - srclen;
	char *joined = NULL;
	int n;

	*newval = NULL;
	/* A rewrite means SRCLEN <= DOCKER_PATH_MAX: FROM below fits. */
	if ((n = docker_source(rw->ctx, s, srclen, rel_any, to, sizeof to)) <= 0)
		return;
	if ((joined = malloc((size_t)n + rest + 1)) == NULL) {
		rw->oom = 1;
		return;
	}
	memcpy(joined, to, (size_t)n);
	memcpy(joined + n, s + srclen, rest);
	joined[(size_t)n + rest] = '\0';
	*newval = json_stringn(joined, (size_t)n + rest);
	free(joined);
	if (*newval == NULL) {
		rw->oom = 1;
		return;
	}
	memcpy(from, s, srclen);
	from[srclen] = '\0';
	if (rw->ctx->fn != NULL)
		rw->ctx->fn(rw->ctx->arg, where, from, to);
	rw->changed = 1;
}

/* "SRC:DST[:OPTIONS]": the source ends at the first ":" (after a drive
 * letter's, on an exposed route). A bind without
 * ":" names only a container path (an anonymous volume). */
static void
docker_rewrite_binds(struct docker_rewrite *rw, json_t *binds)
{
	json_t *e = NULL, *nv = NULL;
	const char *s = NULL, *colon = NULL;
	size_t i, skip;

	if (!json_is_array(binds))
		return;
	json_array_foreach(binds, i, e) {
		if (!json_is_string(e))
			continue;
		s = json_string_value(e);
		/* "C:\\src:/app" from a Windows client: the drive's colon
		 * is the source's. */
		skip = rw->ctx->to_wsl && docker_path_is_windows(s,
		    json_string_length(e)) ? 2 : 0;
		colon = memchr(s + skip, ':', json_string_length(e) - skip);
		if (colon == NULL)
			continue;
		docker_rewrite_string(rw, "HostConfig.Binds", e,
		    (size_t)(colon - s), 0, &nv);
		if (nv != NULL && json_array_set_new(binds, i, nv) != 0)
			rw->oom = 1;
	}
}

/* Mounts[] whose type is "bind" (ANY_TYPE: every one) get their source
 * rewritten; members found in any case ("Source", "source"). */
static void
docker_rewrite_mounts(struct docker_rewrite *rw, const char *where,
    json_t *mounts, int any_type)
{
	json_t *m = NULL, *type = NULL, *src = NULL, *nv = NULL;
	const char *tkey = NULL, *skey = NULL;
	size_t i;

	if (!json_is_array(mounts))
		return;
	json_array_foreach(mounts, i, m) {
		type = docker_member(m, "type", &tkey);
		src = docker_member(m, "source", &skey);
		if (!json_is_string(src) || (!any_type && (!json_is_string(type) ||
		    strcmp(json_string_value(type), "bind") != 0)))
			continue;
		docker_rewrite_string(rw, where, src, json_string_length(src), 1,
		    &nv);
		if (nv != NULL && json_object_set_new(m, skey, nv) != 0)
			rw->oom = 1;
	}
}

/* Does the mount option list O ("rw,bind") hold "bind" or "rbind"? */
static int
docker_has_bind(const char *o)
{
	size_t n;

	while (*o != '\0') {
		n = strcspn(o, ",");
		if ((n == 4 && strncmp(o, "bind", 4) == 0) ||
		    (n == 5 && strncmp(o, "rbind", 5) == 0))
			return 1;
		o += n;
		o += *o == ',';
	}
	return 0;
}

/* Volume create of the local driver with o=bind: its device is a host
 * folder. Docker names the options DriverOpts, podman's own API Options
 * (map keys: exact). */
static void
docker_rewrite_volume(struct docker_rewrite *rw, json_t *root)
{
	static const char *const names[] = { "DriverOpts", "Options" };
	static const char *const wheres[] = { "DriverOpts.device",
		"Options.device" };
	json_t *driver = NULL, *opts = NULL, *o = NULL, *dev = NULL, *nv = NULL;
	const char *key = NULL;
	size_t i;

	driver = docker_member(root, "Driver", &key);
	if (json_is_string(driver) && json_string_length(driver) > 0 &&
	    strcmp(json_string_value(driver), "local") != 0)
		return;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		opts = docker_member(root, names[i], &key);
		o = json_object_get(opts, "o");
		dev = json_object_get(opts, "device");
		if (!json_is_string(o) || !docker_has_bind(json_string_value(o)) ||
		    !json_is_string(dev))
			continue;
		docker_rewrite_string(rw, wheres[i], dev, json_string_length(dev), 1,
		    &nv);
		if (nv != NULL && json_object_set_new(opts, "device", nv) != 0)
			rw->oom = 1;
	}
}

int
docker_body_value(const struct docker_body_ctx *ctx,
    enum docker_body_kind kind, size_t which, const char *held, size_t len,
    char **out, size_t *outlen)
{
	struct docker_rewrite rw = { ctx, 0, 0 };
	json_t *v = NULL;
	json_error_t jerr;
	char *text = NULL;
	int rc = 0;

	*out = NULL;
	*outlen = 0;
	/* Not JSON jansson reads: it goes on for the engine to answer. */
	if ((v = json_loadb(held, len, JSON_ALLOW_NUL, &jerr)) == NULL)
		return 0;
	if (kind == DB_CONTAINER && which == 0)
		docker_rewrite_binds(&rw, v);
	else if (kind == DB_CONTAINER && which == 1)
		docker_rewrite_mounts(&rw, "HostConfig.Mounts", v, 0);
	else if (kind == DB_SERVICE)
		docker_rewrite_mounts(&rw, "TaskTemplate.ContainerSpec.Mounts", v,
		    0);
	else if (kind == DB_LIBPOD && which == 0)
		docker_rewrite_mounts(&rw, "mounts", v, 0);
	else if (kind == DB_LIBPOD && which == 1)
		docker_rewrite_mounts(&rw, "overlay_volumes", v, 1);
	else if (kind == DB_VOLUME)
		docker_rewrite_volume(&rw, v);
	if (rw.oom) {
		rc = -1;
		goto out;
	}
	if (!rw.changed)
		goto out;
	if ((text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		rc = -1;
		goto out;
	}
	*out = text;
	*outlen = strlen(text);
	rc = 1;
out:
	json_decref(v);
	return rc;
}

struct docker_whole {
	const struct docker_body_ctx *ctx;
	enum docker_body_kind kind;
	int changed;
};

static int
docker_whole_cb(void *arg, size_t which, const char *held, size_t len,
    char **out, size_t *outlen)
{
	struct docker_whole *w = arg;
	int rc = docker_body_value(w->ctx, w->kind, which, held, len, out,
	    outlen);

	if (rc == 1)
		w->changed = 1;
	return rc;
}

int
docker_body_rewrite(const struct docker_body_ctx *ctx,
    enum docker_body_kind kind, const char *body, size_t len, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	struct docker_whole w = { ctx, kind, 0 };
	struct docker_jscan *js = NULL;
	const char *text = NULL;
	size_t n;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if ((js = docker_jscan_new(docker_body_paths(kind), (size_t)-1,
	    docker_whole_cb, &w)) == NULL ||
	    docker_jscan_feed(js, body, len) != 0 || docker_jscan_end(js) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (docker_jscan_error(js) != NULL) {
		snprintf(err, errlen, "the body is not JSON that can be read: %s",
		    docker_jscan_error(js));
		goto out;
	}
	rc = 0;
	if (!w.changed)
		goto out;
	text = docker_jscan_out(js, &n);
	if ((*out = malloc(n + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	memcpy(*out, text, n);
	(*out)[n] = '\0';
	*outlen = n;
	rc = 1;
out:
	docker_jscan_free(js);
	return rc;
}
