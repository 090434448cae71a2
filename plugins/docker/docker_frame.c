/*
 * The client's request framing, checked before http-parser (see
 * docker_frame.h). What is refused, and why, is the table in
 * docs/adapters.md; in short, anything on which http-parser 2.9 and Go's
 * net/http (textproto, transfer.go, the chunked reader) do not agree
 * byte for byte, and anything they both accept only leniently:
 *   - lines end in CRLF: a bare LF (Go accepts it) or a bare CR, or a NUL
 *     anywhere in a head or chunk line, is refused;
 *   - a request line is METHOD SP TARGET SP HTTP/1.0 or HTTP/1.1, after
 *     no empty line, or at most two after a POST (as Go skips them);
 *   - a header is NAME ":" OWS VALUE, NAME a token: no space before the
 *     colon, no folded (obs-fold) lines, no control bytes in values;
 *   - at most one Content-Length, 1 to 18 digits and nothing else; at
 *     most one Transfer-Encoding, exactly "chunked", only in HTTP/1.1
 *     (Go ignores it in HTTP/1.0) and never with a Content-Length;
 *   - chunk-size lines are 1 to 15 hex digits, then perhaps ";" and an
 *     extension; chunk data ends in CRLF; no trailer fields.
 * This file walks the stream (lines, bodies, chunks, where requests
 * end); docker_head.c judges the lines of a head.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_frame.h"
#include "docker_head.h"
#include "hex.h"

enum frame_state {
	FR_HEAD,        /* a request head, line by line */
	FR_BODY,        /* Content-Length body bytes */
	FR_CHUNK_LINE,  /* a chunk-size line */
	FR_CHUNK_DATA,  /* a chunk's data */
	FR_CHUNK_CRLF,  /* the CRLF after a chunk's data */
	FR_TRAILER,     /* after the last chunk: only the empty line */
	FR_REFUSED,
};

struct docker_frame {
	enum frame_state state;
	/* Offsets into the adapter's view. */
	size_t pos;      /* checked up to here */
	size_t line;     /* the line being scanned starts here */
	size_t scan;     /* ... and was scanned up to here */
	size_t end;      /* a request ended here (valid if ended or acked) */
	int ended;       /* ... and http-parser has not confirmed it yet */
	int acked;       /* ... and it has (an end may be reported twice) */
	uint64_t left;   /* body or chunk bytes still to come */
	/* The head being checked. */
	struct docker_head head;
	size_t head_len;
	unsigned blank;  /* empty lines before it */
	int after_post;  /* ... which follows a POST */
	char why[320];   /* FR_REFUSED: the reason */
};

struct docker_frame *
docker_frame_new(void)
{
	return calloc(1, sizeof(struct docker_frame));
}

void
docker_frame_free(struct docker_frame *fr)
{
	free(fr);
}

static int frame_refuse(struct docker_frame *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
frame_refuse(struct docker_frame *fr, const char *fmt, ...)
{
	va_list ap;

	fr->state = FR_REFUSED;
	va_start(ap, fmt);
	vsnprintf(fr->why, sizeof fr->why, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Find the end of the line that starts at fr->line, at most MAX bytes
 * before its CRLF (LIMIT is the cap the message names). Returns 1 with
 * its length in *LINELEN (fr->scan is then just after the CRLF), 0 when
 * more bytes are needed, -1 refused.
 */
static int
frame_line(struct docker_frame *fr, const unsigned char *buf, size_t len,
    size_t max, size_t limit, const char *what, size_t *linelen)
{
	size_t i;

	for (i = fr->scan; i < len; i++) {
		if (buf[i] == '\r') {
			if (i + 1 == len)
				break;
			if (buf[i + 1] != '\n')
				return frame_refuse(fr, "a CR without LF in %s",
				    what);
			*linelen = i - fr->line;
			fr->scan = i + 2;
			return 1;
		}
		if (buf[i] == '\n')
			return frame_refuse(fr, "a line ending in a bare LF in "
			    "%s", what);
		if (buf[i] == '\0')
			return frame_refuse(fr, "a NUL byte in %s", what);
		if (i - fr->line >= max)
			return frame_refuse(fr, "%s over %zu bytes", what,
			    limit);
	}
	fr->scan = i;
	return 0;
}

/* The next line starts where the last one ended. */
static void
frame_next_line(struct docker_frame *fr)
{
	fr->line = fr->scan;
}

static void
frame_new_head(struct docker_frame *fr)
{
	fr->state = FR_HEAD;
	fr->head_len = 0;
	fr->blank = 0;
	docker_head_reset(&fr->head);
}

/* The head's empty line: how is its body framed? */
static int
frame_head_done(struct docker_frame *fr)
{
	if (docker_head_end(&fr->head) != 0)
		return frame_refuse(fr, "%s", fr->head.why);
	fr->pos = fr->scan;
	if (fr->head.n_te > 0)
		fr->state = FR_CHUNK_LINE;
	else if (fr->head.cl > 0) {
		fr->state = FR_BODY;
		fr->left = fr->head.cl;
	} else {
		fr->ended = 1;
		fr->end = fr->pos;
	}
	return 0;
}

static int
frame_head(struct docker_frame *fr, const unsigned char *buf, size_t len)
{
	size_t n, max;
	int rc;

	max = fr->head_len < DOCKER_FRAME_HEAD_MAX ?
	    DOCKER_FRAME_HEAD_MAX - fr->head_len : 0;
	if ((rc = frame_line(fr, buf, len, max, DOCKER_FRAME_HEAD_MAX,
	    "a request head", &n)) <= 0)
		return rc;
	if (fr->head.lines == 0 && n == 0) {
		/* Go skips at most 4 CR or LF bytes before a request, and only
		 * after a POST; http-parser skips any number, always. */
		if (!fr->after_post)
			return frame_refuse(fr, "an empty line before a "
			    "request that does not follow a POST");
		if (++fr->blank > 2)
			return frame_refuse(fr, "more than two "
			    "empty lines before a request");
		fr->pos = fr->scan;
		frame_next_line(fr);
		return 1;
	}
	fr->head_len += n + 2;
	if (n > 0 && docker_head_line(&fr->head, buf + fr->line, n) != 0)
		rc = frame_refuse(fr, "%s", fr->head.why);
	else if (n == 0)
		rc = frame_head_done(fr);
	frame_next_line(fr);
	return rc < 0 ? -1 : 1;
}

/* "1*15HEXDIG [ ";" extension ]" */
static int
frame_chunk_line(struct docker_frame *fr, const unsigned char *p, size_t n)
{
	char q[200];
	size_t i;
	int d;

	fr->left = 0;
	for (i = 0; i < n; i++) {
		if ((d = hex_digit(p[i])) < 0)
			break;
		if (i == 15)
			return frame_refuse(fr, "chunk size \"%s\" has more "
			    "than 15 hex digits",
			    docker_head_quote(q, sizeof q, p, n));
		fr->left = fr->left * 16 + (uint64_t)d;
	}
	if (i == 0 || (i < n && p[i] != ';'))
		goto bad;
	for (; i < n; i++) {
		if (!docker_head_vchar(p[i]))
			goto bad;
	}
	fr->pos = fr->scan;
	fr->state = fr->left > 0 ? FR_CHUNK_DATA : FR_TRAILER;
	return 0;
bad:
	return frame_refuse(fr, "chunk-size line \"%s\" is not hex "
	    "digits with an optional \";\" extension",
	    docker_head_quote(q, sizeof q, p, n));
}

/* Body or chunk bytes: as many as are there. Returns 1 when all came. */
static int
frame_take(struct docker_frame *fr, size_t len)
{
	uint64_t take = len - fr->pos;

	if (take > fr->left)
		take = fr->left;
	fr->pos += (size_t)take;
	fr->left -= take;
	fr->line = fr->scan = fr->pos;
	return fr->left == 0;
}

/* One step; 1 when it got somewhere, 0 when it needs more bytes. */
static int
frame_step(struct docker_frame *fr, const unsigned char *buf, size_t len)
{
	size_t n;
	int rc;

	switch (fr->state) {
	case FR_HEAD:
		return frame_head(fr, buf, len);
	case FR_BODY:
		if (fr->pos == len)
			return 0;
		if (frame_take(fr, len)) {
			fr->ended = 1;
			fr->end = fr->pos;
		}
		return 1;
	case FR_CHUNK_LINE:
		if ((rc = frame_line(fr, buf, len, DOCKER_FRAME_CHUNK_LINE_MAX,
		    DOCKER_FRAME_CHUNK_LINE_MAX, "a chunk-size line", &n)) <= 0)
			return rc;
		rc = frame_chunk_line(fr, buf + fr->line, n);
		frame_next_line(fr);
		return rc < 0 ? -1 : 1;
	case FR_CHUNK_DATA:
		if (fr->pos == len)
			return 0;
		if (frame_take(fr, len))
			fr->state = FR_CHUNK_CRLF;
		return 1;
	case FR_CHUNK_CRLF:
		if (len - fr->pos >= 1 && buf[fr->pos] != '\r')
			break;
		if (len - fr->pos < 2)
			return 0;
		if (buf[fr->pos + 1] != '\n')
			break;
		fr->pos += 2;
		fr->line = fr->scan = fr->pos;
		fr->state = FR_CHUNK_LINE;
		return 1;
	case FR_TRAILER:
		if ((rc = frame_line(fr, buf, len, DOCKER_FRAME_CHUNK_LINE_MAX,
		    DOCKER_FRAME_CHUNK_LINE_MAX, "the end of a chunked body",
		    &n)) <= 0)
			return rc;
		if (n > 0)
			return frame_refuse(fr, "trailer fields "
			    "after the last chunk");
		fr->pos = fr->scan;
		frame_next_line(fr);
		fr->ended = 1;
		fr->end = fr->pos;
		return 1;
	case FR_REFUSED:
		return -1;
	}
	return frame_refuse(fr, "chunk data not followed "
	    "by CRLF");
}

int
docker_frame_check(struct docker_frame *fr, const unsigned char *buf,
    size_t len, size_t parsed, size_t *ok, char *why, size_t whylen)
{
	int rc = 1;

	while (!fr->ended && rc > 0)
		rc = frame_step(fr, buf, len);
	*ok = fr->pos;
	/* What was checked before the refused part is parsed first. */
	if (rc >= 0 || parsed < fr->pos)
		return 0;
	snprintf(why, whylen, "%s", fr->why);
	return -1;
}

static size_t
frame_sub(size_t a, size_t n)
{
	return a > n ? a - n : 0;
}

void
docker_frame_advance(struct docker_frame *fr, size_t n)
{
	if (fr->end < n)
		fr->acked = 0; /* an end reported twice is never this old */
	fr->pos = frame_sub(fr->pos, n);
	fr->line = frame_sub(fr->line, n);
	fr->scan = frame_sub(fr->scan, n);
	fr->end = frame_sub(fr->end, n);
}

int
docker_frame_end(struct docker_frame *fr, size_t at)
{
	if (fr->ended && fr->end == at) {
		fr->ended = 0;
		fr->acked = 1;
		fr->after_post = strcmp(fr->head.method, "POST") == 0;
		frame_new_head(fr);
		return 0;
	}
	return !fr->ended && fr->acked && fr->end == at ? 0 : -1;
}

int
docker_frame_ends_at(const struct docker_frame *fr, size_t at)
{
	return fr->ended && fr->end == at;
}

const char *
docker_frame_method(const struct docker_frame *fr)
{
	return fr->head.method;
}

const char *
docker_frame_target(const struct docker_frame *fr)
{
	return fr->head.target;
}
