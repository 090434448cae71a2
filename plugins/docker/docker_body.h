/*
 * The bind-mount sources in request bodies, rewritten to Windows paths:
 *   - container create (POST /containers/create): HostConfig.Binds
 *     entries "SRC:DST[:OPTIONS]" and HostConfig.Mounts[] of Type "bind";
 *   - swarm services (POST /services/create, /services/ID/update):
 *     TaskTemplate.ContainerSpec.Mounts[] of Type "bind";
 *   - podman's container create (POST /libpod/containers/create, its
 *     SpecGenerator): mounts[] of type "bind" and overlay_volumes[];
 *   - volume create (POST /volumes/create, /libpod/volumes/create) of
 *     the local driver with the mount option "bind": the "device" of
 *     DriverOpts (Docker) or Options (podman).
 * Relative sources ("./src") are resolved against the client's working
 * folder first. Only the values holding sources are held and read
 * (docker_jscan.c); everything else passes as it comes. JSON by
 * jansson; no logging here, each rewrite is reported to a callback.
 */
#ifndef NPR_DOCKER_BODY_H
#define NPR_DOCKER_BODY_H

#include <stddef.h>

struct docker_paths;

/* Which body a request has, as far as bind sources go. */
enum docker_body_kind {
	DB_NONE,
	DB_CONTAINER,   /* POST /containers/create */
	DB_SERVICE,     /* POST /services/create, /services/ID/update */
	DB_LIBPOD,      /* POST /libpod/containers/create */
	DB_VOLUME,      /* POST /volumes/create, /libpod/volumes/create */
};

/* Told about each source rewritten: WHERE is its member path
 * ("HostConfig.Binds", "DriverOpts.device", ...). */
typedef void (*docker_rewrite_fn)(void *arg, const char *where,
    const char *from, const char *to);

/* What a rewrite needs besides the body. */
struct docker_body_ctx {
	const struct docker_paths *dp;
	const char *cwd;          /* the client's working folder, or NULL */
	docker_rewrite_fn fn;     /* may be NULL */
	void *arg;
	/* An exposed route: Windows sources become WSL paths (the rules
	 * the other way, docker_path_to_wsl()). */
	int to_wsl;
};

/* The member paths of KIND's bodies to hold (for docker_jscan_new()). */
const char *const *const *docker_body_paths(enum docker_body_kind kind);

/*
 * The held value WHICH (an index into docker_body_paths(KIND)), LEN
 * bytes, with its sources rewritten. Returns 1 with the new value in
 * *OUT (malloc'ed, *OUTLEN bytes, compact JSON), 0 when nothing changed
 * or it is not what was expected there (it goes on as it is), -1 when
 * out of memory.
 */
int docker_body_value(const struct docker_body_ctx *, enum docker_body_kind kind,
    size_t which, const char *held, size_t len, char **out, size_t *outlen);

/*
 * A whole body of KIND (LEN bytes) with its sources rewritten, as it
 * would be streamed. Returns 1 with the new body in *OUT (malloc'ed,
 * *OUTLEN bytes), 0 when nothing changed, -1 with the reason in ERR
 * when BODY is not JSON that can be read (it goes on as it is) or out
 * of memory.
 */
int docker_body_rewrite(const struct docker_body_ctx *,
    enum docker_body_kind kind, const char *body, size_t len, char **out,
    size_t *outlen, char *err, size_t errlen);

#endif
