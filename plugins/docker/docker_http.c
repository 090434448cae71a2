/*
 * http-parser driven from the docker adapter's view (see docker_http.h).
 *
 * The adapter is shown the bytes it has not passed on yet, again and
 * again as more arrive, so the stream remembers how many of them the
 * parser has already seen (fed). The parser is paused in the two
 * callbacks where the adapter decides something. http-parser stops in
 * on_headers_complete() before the final LF of the headers, so that LF is
 * parsed at once, which may end the message too (no body): that end is
 * then reported by the next call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker_http.h"

int
dh_buf_add(struct dh_buf *b, const char *data, size_t len)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p = NULL;

	while (cap - b->len < len + 1)
		cap *= 2;
	if (cap != b->cap) {
		if ((p = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

static int
dh_message_begin_cb(http_parser *p)
{
	struct dh_stream *st = p->data;

	st->url.len = 0;
	st->arena.len = 0;
	st->nfields = 0;
	st->in_value = 0;
	st->body.len = 0;
	st->collect = 0;
	st->body_over = 0;
	st->in_message = 1;
	return 0;
}

static int
dh_url_cb(http_parser *p, const char *at, size_t len)
{
	struct dh_stream *st = p->data;

	if (dh_buf_add(&st->url, at, len) != 0)
		st->oom = 1;
	return st->oom;
}

static int
dh_field_cb(http_parser *p, const char *at, size_t len)
{
	struct dh_stream *st = p->data;
	struct dh_field *f = NULL;
	size_t cap;

	/* Names and values come in pieces; a name after a value is new. */
	if (st->nfields == 0 || st->in_value) {
		if (st->nfields == st->fields_cap) {
			cap = st->fields_cap ? st->fields_cap * 2 : 16;
			if ((f = realloc(st->fields, cap * sizeof *f)) == NULL) {
				st->oom = 1;
				return 1;
			}
			st->fields = f;
			st->fields_cap = cap;
		}
		f = &st->fields[st->nfields++];
		memset(f, 0, sizeof *f);
		f->name = st->arena.len;
		st->in_value = 0;
	}
	f = &st->fields[st->nfields - 1];
	if (dh_buf_add(&st->arena, at, len) != 0) {
		st->oom = 1;
		return 1;
	}
	f->name_len += len;
	return 0;
}

static int
dh_value_cb(http_parser *p, const char *at, size_t len)
{
	struct dh_stream *st = p->data;
	struct dh_field *f = NULL;

	if (st->nfields == 0)
		return 0;
	f = &st->fields[st->nfields - 1];
	if (!st->in_value) {
		f->value = st->arena.len;
		st->in_value = 1;
	}
	if (dh_buf_add(&st->arena, at, len) != 0) {
		st->oom = 1;
		return 1;
	}
	f->value_len += len;
	return 0;
}

static int
dh_headers_complete_cb(http_parser *p)
{
	struct dh_stream *st = p->data;

	st->event = DH_HEADERS;
	http_parser_pause(p, 1);
	/* 1: the answer to a HEAD request has no body, whatever it says. */
	return st->skip_body ? 1 : 0;
}

static int
dh_body_cb(http_parser *p, const char *at, size_t len)
{
	struct dh_stream *st = p->data;

	if (!st->collect || st->body_over)
		return 0;
	if (len > st->body_max - st->body.len) {
		st->body_over = 1;
		return 0;
	}
	if (dh_buf_add(&st->body, at, len) != 0)
		st->oom = 1;
	return st->oom;
}

static int
dh_message_complete_cb(http_parser *p)
{
	struct dh_stream *st = p->data;

	st->event = DH_END;
	st->in_message = 0;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings dh_settings = {
	.on_message_begin = dh_message_begin_cb,
	.on_url = dh_url_cb,
	.on_header_field = dh_field_cb,
	.on_header_value = dh_value_cb,
	.on_headers_complete = dh_headers_complete_cb,
	.on_body = dh_body_cb,
	.on_message_complete = dh_message_complete_cb,
};

void
dh_init(struct dh_stream *st, enum http_parser_type type)
{
	memset(st, 0, sizeof *st);
	http_parser_init(&st->p, type);
	st->p.data = st;
}

void
dh_free(struct dh_stream *st)
{
	free(st->url.data);
	free(st->arena.data);
	free(st->fields);
	free(st->body.data);
	memset(st, 0, sizeof *st);
}

/* One run of the parser over LEN bytes at BUF + fed. */
static size_t
dh_execute(struct dh_stream *st, const unsigned char *buf, size_t len)
{
	size_t n;

	if (HTTP_PARSER_ERRNO(&st->p) == HPE_PAUSED)
		http_parser_pause(&st->p, 0);
	st->event = DH_MORE;
	n = http_parser_execute(&st->p, &dh_settings,
	    (const char *)buf + st->fed, len);
	st->fed += n;
	return n;
}

enum dh_event
dh_feed(struct dh_stream *st, const unsigned char *buf, size_t len)
{
	enum http_errno e;

	if (st->end_pending) {
		st->end_pending = 0;
		return DH_END;
	}
	if (st->fed >= len)
		return DH_MORE;
	dh_execute(st, buf, len - st->fed);
	e = HTTP_PARSER_ERRNO(&st->p);
	if (st->oom || (e != HPE_OK && e != HPE_PAUSED))
		return DH_ERROR;
	if (e != HPE_PAUSED)
		return DH_MORE;
	if (st->event != DH_HEADERS)
		return (enum dh_event)st->event;
	/* Stopped before the headers' final LF, which is in BUF: parse it. */
	st->hdr_end = st->fed + 1;
	dh_execute(st, buf, 1);
	e = HTTP_PARSER_ERRNO(&st->p);
	if (st->oom || (e != HPE_OK && e != HPE_PAUSED) || st->fed != st->hdr_end)
		return DH_ERROR;
	st->end_pending = st->event == DH_END;
	return DH_HEADERS;
}

void
dh_repeat_end(struct dh_stream *st)
{
	st->end_pending = 1;
}

void
dh_advance(struct dh_stream *st, size_t n)
{
	st->fed = st->fed > n ? st->fed - n : 0;
	st->hdr_end = st->hdr_end > n ? st->hdr_end - n : 0;
}

int
dh_body_until_eof(const struct dh_stream *st)
{
	const http_parser *p = &st->p;

	/* RFC 7230 3.3.3, as http-parser applies it (its own function for
	 * this is not in its header). */
	if (p->type != HTTP_RESPONSE || p->status_code / 100 == 1 ||
	    p->status_code == 204 || p->status_code == 304 ||
	    (p->flags & (F_SKIPBODY | F_CHUNKED)) != 0)
		return 0;
	return p->content_length == UINT64_MAX;
}

const char *
dh_error(const struct dh_stream *st)
{
	if (st->oom)
		return "out of memory";
	return http_errno_description(HTTP_PARSER_ERRNO(&st->p));
}

void
dh_collect(struct dh_stream *st, size_t max)
{
	st->collect = 1;
	st->body_max = max;
	st->body.len = 0;
	st->body_over = 0;
}

const struct dh_field *
dh_header(const struct dh_stream *st, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < st->nfields; i++) {
		if (st->fields[i].name_len == n &&
		    strncasecmp(st->arena.data + st->fields[i].name, name, n) == 0)
			return &st->fields[i];
	}
	return NULL;
}

/* Header values may hold folded lines: written out on one line. */
static int
dh_add_value(struct dh_buf *b, const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (dh_buf_add(b, v[i] == '\r' || v[i] == '\n' ? " " : v + i, 1))
			return -1;
	}
	return 0;
}

size_t
dh_request_head(const struct dh_stream *st, size_t body_len, char **out)
{
	static const char *const dropped[] = { "content-length",
		"transfer-encoding", "expect" };
	struct dh_buf b = { NULL, 0, 0 };
	const struct dh_field *f = NULL;
	const char *name = NULL;
	char line[128];
	size_t i, k;
	int n, skip;

	*out = NULL;
	n = snprintf(line, sizeof line, "%s ",
	    http_method_str((enum http_method)st->p.method));
	if (dh_buf_add(&b, line, (size_t)n) != 0 ||
	    dh_buf_add(&b, st->url.data, st->url.len) != 0)
		goto oom;
	n = snprintf(line, sizeof line, " HTTP/%u.%u\r\n", st->p.http_major,
	    st->p.http_minor);
	if (dh_buf_add(&b, line, (size_t)n) != 0)
		goto oom;
	for (i = 0; i < st->nfields; i++) {
		f = &st->fields[i];
		name = st->arena.data + f->name;
		for (skip = 0, k = 0; k < sizeof dropped / sizeof dropped[0]; k++)
			skip |= f->name_len == strlen(dropped[k]) &&
			    strncasecmp(name, dropped[k], f->name_len) == 0;
		if (skip)
			continue;
		if (dh_buf_add(&b, name, f->name_len) != 0 ||
		    dh_buf_add(&b, ": ", 2) != 0 ||
		    dh_add_value(&b, st->arena.data + f->value, f->value_len) != 0 ||
		    dh_buf_add(&b, "\r\n", 2) != 0)
			goto oom;
	}
	if (body_len == DH_CHUNKED)
		n = snprintf(line, sizeof line, "Transfer-Encoding: chunked\r\n\r\n");
	else
		n = snprintf(line, sizeof line, "Content-Length: %zu\r\n\r\n",
		    body_len);
	if (dh_buf_add(&b, line, (size_t)n) != 0)
		goto oom;
	*out = b.data;
	return b.len;
oom:
	free(b.data);
	return 0;
}
