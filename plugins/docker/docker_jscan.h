/*
 * A JSON document streamed through the docker adapter: the objects and
 * arrays at chosen member paths (HostConfig.Binds, ...) are held whole
 * and handed to a callback that may replace them; every other byte goes
 * on as it comes, so a body is never held for its size, only for what
 * may be rewritten in it. Keys are matched ignoring ASCII case, as Go's
 * encoding/json (dockerd, podman) matches them. Pure: no logging.
 */
#ifndef NPR_DOCKER_JSCAN_H
#define NPR_DOCKER_JSCAN_H

#include <stddef.h>

/* Deepest nesting read; a deeper document passes on unread. */
#define DOCKER_JSCAN_DEPTH 32
/* Longest key compared; longer ones match nothing. */
#define DOCKER_JSCAN_KEY 32

/*
 * A held value WHICH (its index in the paths) of LEN bytes is complete.
 * Returns 1 with its replacement in *OUT (malloc'ed, *OUTLEN bytes), 0
 * to send it on unchanged, -1 when out of memory.
 */
typedef int (*docker_jscan_fn)(void *arg, size_t which, const char *held,
    size_t len, char **out, size_t *outlen);

struct docker_jscan;

/*
 * PATHS: NULL-terminated array of member paths, each a NULL-terminated
 * list of keys from the root (no keys: the root itself). A held value
 * over HOLD_MAX bytes goes on unchanged.
 */
struct docker_jscan *docker_jscan_new(const char *const *const *paths,
    size_t hold_max, docker_jscan_fn fn, void *arg);
void docker_jscan_free(struct docker_jscan *);

/* LEN more bytes of the document. Returns 0, or -1 out of memory. */
int docker_jscan_feed(struct docker_jscan *, const char *buf, size_t len);
/* The document ended: what is still held goes on as it is. 0 or -1. */
int docker_jscan_end(struct docker_jscan *);

/* The bytes ready to go on, and that they went. */
const char *docker_jscan_out(const struct docker_jscan *, size_t *len);
void docker_jscan_taken(struct docker_jscan *);

/* Why the rest of the document passes unread (not JSON, too deep), or
 * NULL; and whether a held value was too large to hold. */
const char *docker_jscan_error(const struct docker_jscan *);
int docker_jscan_over(const struct docker_jscan *);

#endif
