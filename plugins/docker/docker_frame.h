/*
 * The framing of the client's requests, checked before http-parser sees
 * them: only requests that a Go net/http server (dockerd, podman) frames
 * exactly as http-parser does may reach the engine. A request the two
 * could split differently is how a hidden request passes the policy
 * (issue 9: "Transfer-Encoding: chunked" on HTTP/1.0, which Go ignores).
 *
 * The checker walks the client's bytes on its own: heads line by line,
 * Content-Length bodies, chunk lines, chunk data and its CRLF. It hands
 * on whole heads only, and stops at the end of each request until the
 * adapter confirms that http-parser ended it at the same byte. Pure: no
 * logging, no allocation after docker_frame_new().
 */
#ifndef NPR_DOCKER_FRAME_H
#define NPR_DOCKER_FRAME_H

#include <stddef.h>

/* A request head's largest size, request line and blank line included. */
#define DOCKER_FRAME_HEAD_MAX (64 * 1024)
/* A chunk-size line's largest size, its extension included. */
#define DOCKER_FRAME_CHUNK_LINE_MAX 4096

struct docker_frame;

struct docker_frame *docker_frame_new(void);
void docker_frame_free(struct docker_frame *);

/*
 * Check the adapter's view BUF (LEN bytes) from where the last call
 * stopped; PARSED of them went to http-parser already. Returns 0 with
 * *OK set to how many bytes from BUF's start may be parsed: checked whole
 * heads, chunk lines and body bytes, never past the end of a request not
 * yet confirmed with docker_frame_end(). Returns -1 with the reason in
 * WHY when a request's framing is refused, once everything checked
 * before the refused bytes is parsed; the checker stays refused.
 */
int docker_frame_check(struct docker_frame *, const unsigned char *buf,
    size_t len, size_t parsed, size_t *ok, char *why, size_t whylen);

/* The adapter dropped or passed N bytes from the start of its view. */
void docker_frame_advance(struct docker_frame *, size_t n);

/*
 * http-parser ended a request at byte AT of the view. Returns 0 when the
 * checker ended it there too (again, for an end reported twice), -1 when
 * the two disagree.
 */
int docker_frame_end(struct docker_frame *, size_t at);

/* The checker ended a request at byte AT that is not confirmed yet. */
int docker_frame_ends_at(const struct docker_frame *, size_t at);

/* The method and target of the request line checked last ("" if none),
 * for the log of a refused request. */
const char *docker_frame_method(const struct docker_frame *);
const char *docker_frame_target(const struct docker_frame *);

#endif
