/*
 * The body of a container-create request (POST /containers/create) with
 * its bind-mount sources in Windows form: HostConfig.Binds entries
 * "SRC:DST[:OPTIONS]" and HostConfig.Mounts[] of Type "bind". JSON by
 * jansson; no logging here, each rewrite is reported to a callback.
 */
#ifndef NPR_DOCKER_BODY_H
#define NPR_DOCKER_BODY_H

#include <stddef.h>

struct docker_paths;

/* Told about each source rewritten: WHERE is "Binds" or "Mounts". */
typedef void (*docker_rewrite_fn)(void *arg, const char *where,
    const char *from, const char *to);

/*
 * Rewrite the bind sources of BODY (LEN bytes). Returns 1 with the new
 * body in *OUT (malloc'ed, *OUTLEN bytes, compact JSON), 0 when no source
 * matched a rule (BODY goes on as it is), -1 with the reason in ERR when
 * BODY is no JSON object jansson can read (it goes on as it is too: the
 * engine answers it).
 */
int docker_body_rewrite(const struct docker_paths *, const char *body,
    size_t len, char **out, size_t *outlen, docker_rewrite_fn fn, void *arg,
    char *err, size_t errlen);

#endif
