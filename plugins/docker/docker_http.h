/*
 * One direction of an HTTP/1.1 connection for the docker adapter: an
 * http-parser fed incrementally from the adapter's view, stopping at the
 * two points where the adapter decides something (the end of a message's
 * headers and the end of the message), keeping the request line and
 * header fields, and optionally the body (for the requests it rewrites).
 */
#ifndef NPR_DOCKER_HTTP_H
#define NPR_DOCKER_HTTP_H

#include <stddef.h>

#include <http_parser.h>

/* What dh_feed() stopped at. */
enum dh_event {
	DH_MORE,    /* everything shown was parsed; nothing to decide */
	DH_HEADERS, /* the headers ended at hdr_end */
	DH_END,     /* the message ended at fed */
	DH_ERROR,   /* malformed: dh_error() says how */
};

struct dh_field {
	size_t name, name_len;   /* offsets into the arena */
	size_t value, value_len;
};

struct dh_buf {
	char *data;
	size_t len, cap;
};

struct dh_stream {
	http_parser p;
	/* Bytes at the start of the adapter's current view already parsed. */
	size_t fed;
	size_t hdr_end;          /* where the last headers ended in the view */
	int end_pending;         /* the message ended with its headers */
	int event;               /* set by the callbacks */
	int in_message;          /* a message has begun and not ended */
	int skip_body;           /* a response to HEAD: no body follows */
	int oom;
	/* The message being parsed. */
	struct dh_buf url;
	struct dh_buf arena;     /* header names and values */
	struct dh_field *fields;
	size_t nfields, fields_cap;
	int in_value;
	/* Collected body (dh_collect()), capped. */
	struct dh_buf body;
	int collect;
	size_t body_max;
	int body_over;
};

/* Append LEN bytes (and a NUL after them). Returns 0, or -1 out of
 * memory. */
int dh_buf_add(struct dh_buf *, const char *data, size_t len);

void dh_init(struct dh_stream *, enum http_parser_type);
void dh_free(struct dh_stream *);

/*
 * Parse the bytes of BUF (LEN bytes) after the first st->fed. Returns at
 * the end of headers (st->hdr_end), at the end of a message (st->fed is
 * just after it), on an error, or when all LEN bytes are parsed.
 */
enum dh_event dh_feed(struct dh_stream *, const unsigned char *buf,
    size_t len);
/* Report the end just reported once more, on the next dh_feed(). */
void dh_repeat_end(struct dh_stream *);
/* The adapter dropped or passed N bytes from the start of its view. */
void dh_advance(struct dh_stream *, size_t n);
/* A response whose body lasts until the connection ends (at its headers). */
int dh_body_until_eof(const struct dh_stream *);
const char *dh_error(const struct dh_stream *);

/* Collect the body of the current message, at most MAX bytes (more sets
 * body_over and keeps parsing); the adapter may empty body.len at any
 * time. */
void dh_collect(struct dh_stream *, size_t max);

/* The value of header NAME (any case) of the current message, or NULL. */
const struct dh_field *dh_header(const struct dh_stream *, const char *name);

/* BODY_LEN of dh_request_head(): the body goes on chunked. */
#define DH_CHUNKED ((size_t)-1)

/*
 * The current request's head written anew into OUT (malloc'ed): request
 * line, every header but Content-Length, Transfer-Encoding and Expect,
 * and "Content-Length: BODY_LEN" (or "Transfer-Encoding: chunked" for
 * DH_CHUNKED). Returns its length, or 0 out of memory.
 */
size_t dh_request_head(const struct dh_stream *, size_t body_len,
    char **out);

#endif
