/*
 * Bind-mount sources of a container-create body to Windows paths (see
 * docker_body.h). Only strings are replaced; the document is written back
 * compact, with its members in their order, only when something changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker_body.h"
#include "docker_path.h"

struct docker_rewrite {
	const struct docker_paths *dp;
	docker_rewrite_fn fn;
	void *arg;
	int changed;
	int oom;
};

/*
 * The string VALUE with its first SRCLEN bytes (the host path) rewritten
 * and the rest kept, as a new string in *NEWVAL; NULL when no rule
 * matched.
 */
static void
docker_rewrite_string(struct docker_rewrite *rw, const char *where,
    json_t *value, size_t srclen, json_t **newval)
{
	char to[DOCKER_PATH_MAX + 1], from[DOCKER_PATH_MAX + 1];
	const char *s = json_string_value(value);
	size_t len = json_string_length(value), rest = len - srclen;
	char *joined = NULL;
	int n;

	*newval = NULL;
	/* A match means SRCLEN <= DOCKER_PATH_MAX: FROM below fits. */
	if ((n = docker_path_rewrite(rw->dp, s, srclen, to, sizeof to)) <= 0)
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
	if (rw->fn != NULL)
		rw->fn(rw->arg, where, from, to);
	rw->changed = 1;
}

/* "SRC:DST[:OPTIONS]": the source ends at the first ":". A bind without
 * ":" names only a container path (an anonymous volume). */
static void
docker_rewrite_binds(struct docker_rewrite *rw, json_t *binds)
{
	json_t *e = NULL, *nv = NULL;
	const char *s = NULL, *colon = NULL;
	size_t i;

	if (!json_is_array(binds))
		return;
	json_array_foreach(binds, i, e) {
		if (!json_is_string(e))
			continue;
		s = json_string_value(e);
		colon = memchr(s, ':', json_string_length(e));
		if (colon == NULL)
			continue;
		docker_rewrite_string(rw, "Binds", e, (size_t)(colon - s), &nv);
		if (nv != NULL && json_array_set_new(binds, i, nv) != 0)
			rw->oom = 1;
	}
}

static void
docker_rewrite_mounts(struct docker_rewrite *rw, json_t *mounts)
{
	json_t *m = NULL, *type = NULL, *src = NULL, *nv = NULL;
	size_t i;

	if (!json_is_array(mounts))
		return;
	json_array_foreach(mounts, i, m) {
		type = json_object_get(m, "Type");
		src = json_object_get(m, "Source");
		if (!json_is_string(type) || strcmp(json_string_value(type),
		    "bind") != 0 || !json_is_string(src))
			continue;
		docker_rewrite_string(rw, "Mounts", src, json_string_length(src),
		    &nv);
		if (nv != NULL && json_object_set_new(m, "Source", nv) != 0)
			rw->oom = 1;
	}
}

int
docker_body_rewrite(const struct docker_paths *dp, const char *body,
    size_t len, char **out, size_t *outlen, docker_rewrite_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct docker_rewrite rw = { dp, fn, arg, 0, 0 };
	json_t *root = NULL, *hc = NULL;
	json_error_t jerr;
	char *text = NULL;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if ((root = json_loadb(body, len, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "the body is not JSON: %s at byte %d",
		    jerr.text, jerr.position);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the body is not a JSON object");
		goto out;
	}
	hc = json_object_get(root, "HostConfig");
	if (json_is_object(hc)) {
		docker_rewrite_binds(&rw, json_object_get(hc, "Binds"));
		docker_rewrite_mounts(&rw, json_object_get(hc, "Mounts"));
	}
	if (rw.oom) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!rw.changed) {
		rc = 0;
		goto out;
	}
	if ((text = json_dumps(root, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "cannot write the rewritten body");
		goto out;
	}
	*out = text;
	*outlen = strlen(text);
	rc = 1;
out:
	json_decref(root);
	return rc;
}
