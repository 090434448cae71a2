/*
 * One request head, line by line, for the framing check (docker_frame.c):
 * the request line (method, target, HTTP/1.0 or 1.1), header fields, and
 * Content-Length and Transfer-Encoding, which frame the body. Pure.
 */
#ifndef NPR_DOCKER_HEAD_H
#define NPR_DOCKER_HEAD_H

#include <stddef.h>
#include <stdint.h>

struct docker_head {
	unsigned lines;      /* lines judged, the request line first */
	int http10;
	int n_cl, n_te;      /* Content-Length and Transfer-Encoding seen */
	uint64_t cl;
	char method[16];     /* of the request line ("" before it) */
	char target[256];    /* cut, for the log */
	char why[320];       /* the reason of the last refusal */
};

void docker_head_reset(struct docker_head *);
/* One line (N bytes at P, without its CRLF, not empty). Returns 0, or -1
 * with the reason in h->why. */
int docker_head_line(struct docker_head *, const unsigned char *p,
    size_t n);
/* The empty line ending the head came. Returns 0, or -1 with h->why. */
int docker_head_end(struct docker_head *);

/* HTAB, SP, visible ASCII and obs-text: a header value's bytes. */
int docker_head_vchar(unsigned char c);
/* P (N bytes) quoted for a message into OUT: printable ASCII, the rest
 * as \xNN, cut after 40 bytes. Returns OUT. */
const char *docker_head_quote(char *out, size_t outlen,
    const unsigned char *p, size_t n);

#endif
