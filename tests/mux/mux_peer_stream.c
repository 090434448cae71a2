/*
 * mux-peer's streams: the open request or reply at the head of each,
 * then what each kind of stream does with its data (mux_peer.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mux_peer.h"

#define PEER_MISSING_PIPE "//./pipe/missing"
#define PEER_MISSING_MESSAGE PEER_MISSING_PIPE ": cannot open pipe: The " \
	"system cannot find the file specified (error 2)"

/* The bytes every pattern stream carries; yamuxpeer computes the same. */
uint8_t
peer_pattern(unsigned seed, uint64_t k)
{
	return (uint8_t)(k * 31 + (k >> 11) + seed * 101);
}

struct peer_stream *
peer_stream_find(struct peer *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < PEER_STREAMS; i++)
		if (p->streams[i].used && p->streams[i].id == id)
			return &p->streams[i];
	return NULL;
}

struct peer_stream *
peer_stream_add(struct peer *p, uint32_t id, int here)
{
	struct peer_stream *s;
	size_t i;

	for (i = 0; i < PEER_STREAMS; i++) {
		s = &p->streams[i];
		if (s->used)
			continue;
		memset(s, 0, sizeof *s);
		s->used = 1;
		s->id = id;
		s->here = here;
		s->kind = PK_ECHO;
		mux_stream_init(&s->st, here);
		return s;
	}
	return NULL;
}

/* own: bytes this side made up (a request, a reply), not received data
 * to echo, so sending them returns no credit. */
int
peer_stream_queue(struct peer_stream *s, const void *buf, size_t len, int own)
{
	uint8_t *q;
	size_t cap;

	if (s->q_len + len > s->q_cap) {
		cap = s->q_cap ? s->q_cap : 4096;
		while (cap < s->q_len + len)
			cap *= 2;
		if ((q = realloc(s->q, cap)) == NULL)
			return -1;
		s->q = q;
		s->q_cap = cap;
	}
	/* Own bytes go first: they are only ever queued before any echo. */
	memcpy(s->q + s->q_len, buf, len);
	s->q_len += len;
	if (own)
		s->q_head_own += len;
	return 0;
}

static int
peer_arg_is(const struct mux_arg *a, const char *s)
{
	return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

/* An accepted stream's request: the pipe decides what the stream does. */
static int
peer_request(struct peer_stream *s, const struct mux_open_request *req,
    char *err, size_t errlen)
{
	uint8_t reply[MUX_OPEN_REPLY_MAX];
	size_t n;
	int rc;

	if (peer_arg_is(&req->argv[req->argc - 1], PEER_MISSING_PIPE)) {
		s->kind = PK_REFUSE;
		rc = mux_open_reply_encode(reply, sizeof reply, &n, 3, 2,
		    PEER_MISSING_MESSAGE, err, errlen);
	} else {
		s->kind = PK_ECHO;
		rc = mux_open_reply_encode(reply, sizeof reply, &n, 0, 0, NULL,
		    err, errlen);
	}
	if (rc != MUX_OK)
		return rc;
	return peer_stream_queue(s, reply, n, 1) == 0 ? MUX_OK : MUX_E_INVALID;
}

static int
peer_reply(struct peer_stream *s, const struct mux_open_reply *rep,
    char *err, size_t errlen)
{
	if (s->kind == PK_MISSING) {
		if (rep->status != 3 || rep->code != 2 ||
		    rep->message_len != strlen(PEER_MISSING_MESSAGE) ||
		    memcmp(rep->message, PEER_MISSING_MESSAGE,
		    rep->message_len) != 0)
			peer_fail("stream %lu: open failure reply with status "
			    "%u, code %lu, message \"%.*s\"",
			    (unsigned long)s->id, rep->status,
			    (unsigned long)rep->code, (int)rep->message_len,
			    (const char *)rep->message);
		return MUX_OK;
	}
	if (rep->status != 0)
		peer_fail("stream %lu: open failed: status %u, code %lu: %.*s",
		    (unsigned long)s->id, rep->status, (unsigned long)rep->code,
		    (int)rep->message_len, (const char *)rep->message);
	return MUX_OK;
}

static int
peer_stream_payload(struct peer *p, struct peer_stream *s, const uint8_t *buf,
    size_t len, char *err, size_t errlen)
{
	size_t i;

	if (len == 0)
		return MUX_OK;
	switch (s->kind) {
	case PK_ECHO:
		/* Credit comes back as the echo goes out. */
		return peer_stream_queue(s, buf, len, 0) == 0 ? MUX_OK :
		    MUX_E_INVALID;
	case PK_REFUSE:
		break;		/* data behind a failed open: dropped */
	case PK_GEN:
		for (i = 0; i < len; i++)
			if (buf[i] != peer_pattern(s->seed, s->got + i))
				peer_fail("stream %lu: byte %llu is 0x%02x, "
				    "want 0x%02x", (unsigned long)s->id,
				    (unsigned long long)(s->got + i), buf[i],
				    peer_pattern(s->seed, s->got + i));
		s->got += len;
		if (s->got > s->gen_total)
			peer_fail("stream %lu: echo longer than sent",
			    (unsigned long)s->id);
		break;
	case PK_MISSING:
		peer_fail("stream %lu: data after an open failure",
		    (unsigned long)s->id);
	case PK_SYNC:
		if (s->body_len + len > sizeof s->body)
			peer_fail("stream %lu: sync answer too long",
			    (unsigned long)s->id);
		memcpy(s->body + s->body_len, buf, len);
		s->body_len += len;
		break;
	}
	(void)p;
	return mux_stream_consumed(&s->st, (uint32_t)len, err, errlen);
}

/* Received stream data: the request or reply first, then the payload. */
int
peer_stream_body(struct peer *p, struct peer_stream *s, const uint8_t *buf,
    size_t len, char *err, size_t errlen)
{
	struct mux_open_request req;
	struct mux_open_reply rep;
	size_t n, used;
	int rc, here = s->here;

	if (s->opened)
		return peer_stream_payload(p, s, buf, len, err, errlen);
	n = sizeof s->pre - s->pre_len;
	if (n > len)
		n = len;
	memcpy(s->pre + s->pre_len, buf, n);
	s->pre_len += n;
	if (here)
		rc = mux_open_reply_decode(s->pre, s->pre_len, &used, &rep, err,
		    errlen);
	else
		rc = mux_open_request_decode(s->pre, s->pre_len, &used, &req,
		    err, errlen);
	if (rc == MUX_MORE)
		return mux_stream_consumed(&s->st, (uint32_t)n, err, errlen);
	if (rc != MUX_OK)
		return rc;
	s->opened = 1;
	rc = here ? peer_reply(s, &rep, err, errlen) :
	    peer_request(s, &req, err, errlen);
	if (rc != MUX_OK)
		return rc;
	/* Earlier pieces were consumed as they came. */
	if ((rc = mux_stream_consumed(&s->st, (uint32_t)(used -
	    (s->pre_len - n)), err, errlen)) != MUX_OK)
		return rc;
	/* What followed the request in the buffer, then the rest. */
	if ((rc = peer_stream_payload(p, s, s->pre + used, s->pre_len - used,
	    err, errlen)) != MUX_OK)
		return rc;
	return peer_stream_payload(p, s, buf + n, len - n, err, errlen);
}

int
peer_stream_fin_due(const struct peer_stream *s)
{
	if (mux_stream_local_fin(&s->st) || s->q_len > 0)
		return 0;
	switch (s->kind) {
	case PK_ECHO:
		return s->opened && mux_stream_remote_fin(&s->st);
	case PK_REFUSE:
		return s->opened;
	case PK_GEN:
		return s->gen_sent == s->gen_total;
	case PK_MISSING:
		return 1;
	case PK_SYNC:
		return s->fin_allowed;
	}
	return 0;
}

/* Both FINs went: the stream is over; did it do what it should? */
int
peer_stream_end(struct peer *p, struct peer_stream *s, char *err,
    size_t errlen)
{
	if (!s->opened)
		peer_fail("stream %lu: ended before its open request or reply",
		    (unsigned long)s->id);
	switch (s->kind) {
	case PK_ECHO:
		p->echo_done++;
		break;
	case PK_REFUSE:
		p->refuse_done++;
		break;
	case PK_GEN:
		if (s->got != s->gen_total)
			peer_fail("stream %lu: %llu bytes came back of %llu",
			    (unsigned long)s->id, (unsigned long long)s->got,
			    (unsigned long long)s->gen_total);
		p->gen_done++;
		break;
	case PK_MISSING:
		p->missing_ok++;
		break;
	case PK_SYNC:
		if (s->body_len != 3 || memcmp(s->body, "ok\n", 3) != 0)
			peer_fail("stream %lu: the Go Away check answered "
			    "\"%.*s\"", (unsigned long)s->id,
			    (int)s->body_len, (const char *)s->body);
		p->sync_ok = 1;
		break;
	}
	free(s->q);
	memset(s, 0, sizeof *s);
	(void)err;
	(void)errlen;
	return MUX_OK;
}
