/*
 * libFuzzer harness for the mux codec (mux/): the input is what a peer
 * sends on a mux session, after one control byte.  It goes through the
 * session decoder in chunks of a size the control byte picks, with the
 * role it picks; frames are applied to a small stream table with
 * mux_stream, credit is consumed and returned, and each stream's first
 * bytes are parsed as an open request (streams the peer opened) or an
 * open reply (ours).  Every decoded header must encode back to a valid
 * header; the whole input is also parsed as a bare request and reply,
 * which must encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mux_decode.h"
#include "mux_frame.h"
#include "mux_open.h"
#include "mux_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_STREAMS 16
#define FUZZ_LOCAL 4

struct fuzz_stream {
	uint32_t id;
	int used;
	int here;		/* opened by this side: a reply comes back */
	int opened;		/* open request/reply parsed or refused */
	struct mux_stream st;
	uint8_t prefix[MUX_OPEN_REQUEST_MAX];
	size_t have;
};

static struct fuzz_stream fuzz_streams[FUZZ_STREAMS];

static struct fuzz_stream *
fuzz_find(uint32_t id)
{
	size_t i;

	for (i = 0; i < FUZZ_STREAMS; i++)
		if (fuzz_streams[i].used && fuzz_streams[i].id == id)
			return &fuzz_streams[i];
	return NULL;
}

static struct fuzz_stream *
fuzz_add(uint32_t id, int opened_here)
{
	size_t i;

	for (i = 0; i < FUZZ_STREAMS; i++)
		if (!fuzz_streams[i].used) {
			fuzz_streams[i].used = 1;
			fuzz_streams[i].id = id;
			fuzz_streams[i].here = opened_here;
			fuzz_streams[i].opened = 0;
			fuzz_streams[i].have = 0;
			mux_stream_init(&fuzz_streams[i].st, opened_here);
			return &fuzz_streams[i];
		}
	return NULL;		/* a real side would answer RST */
}

/* Copies argv out NUL-terminated and encodes it again: same bytes. */
static void
fuzz_request_round_trip(const uint8_t *buf, size_t used,
    const struct mux_open_request *req)
{
	static char strings[MUX_OPEN_REQUEST_MAX + MUX_OPEN_ARGS_MAX];
	static uint8_t again[MUX_OPEN_REQUEST_MAX];
	const char *argv[MUX_OPEN_ARGS_MAX];
	size_t i, off = 0, n;

	for (i = 0; i < req->argc; i++) {
		memcpy(strings + off, req->argv[i].ptr, req->argv[i].len);
		strings[off + req->argv[i].len] = '\0';
		argv[i] = strings + off;
		off += req->argv[i].len + 1;
	}
	if (mux_open_request_encode(again, sizeof again, &n, req->argc, argv,
	    NULL, 0) != MUX_OK || n != used || memcmp(again, buf, n) != 0)
		abort();
}

static void
fuzz_reply_round_trip(const uint8_t *buf, size_t used,
    const struct mux_open_reply *rep)
{
	static char msg[MUX_OPEN_MESSAGE_MAX + 1];
	static uint8_t again[MUX_OPEN_REPLY_MAX];
	size_t n;

	memcpy(msg, rep->message, rep->message_len);
	msg[rep->message_len] = '\0';
	/* A decoded message is within the limit and has no NUL: the
	 * encoder has nothing to cut, so the bytes come back the same. */
	if (mux_open_reply_encode(again, sizeof again, &n, rep->status,
	    rep->code, rep->status ? msg : NULL, NULL, 0) != MUX_OK ||
	    n != used || memcmp(again, buf, n) != 0)
		abort();
}

/* A stream's first bytes: its open request or reply. */
static int
fuzz_prefix(struct fuzz_stream *s, const uint8_t *p, size_t len)
{
	struct mux_open_request req;
	struct mux_open_reply rep;
	size_t n = sizeof s->prefix - s->have, used;
	int rc;

	if (s->opened)
		return MUX_OK;
	if (n > len)
		n = len;
	memcpy(s->prefix + s->have, p, n);
	s->have += n;
	if (s->here)
		rc = mux_open_reply_decode(s->prefix, s->have, &used, &rep,
		    NULL, 0);
	else
		rc = mux_open_request_decode(s->prefix, s->have, &used, &req,
		    NULL, 0);
	if (rc == MUX_MORE) {
		/* A reader never needs more than the limit to decide. */
		if (s->have >= MUX_OPEN_REQUEST_MAX)
			abort();
		return MUX_OK;
	}
	s->opened = 1;
	if (rc != MUX_OK)
		return rc;
	if (used > s->have)
		abort();
	if (s->here)
		fuzz_reply_round_trip(s->prefix, used, &rep);
	else
		fuzz_request_round_trip(s->prefix, used, &req);
	return MUX_OK;
}

static int
fuzz_frame(struct mux_decoder *d, const struct mux_header *h)
{
	struct fuzz_stream *s;
	struct mux_header back, out;
	uint8_t b[MUX_HEADER_LEN];
	unsigned ev;
	int rc;

	if (mux_header_encode(h, b, NULL, 0) != MUX_OK ||
	    mux_header_decode(b, &back, NULL, 0) != MUX_OK ||
	    memcmp(h, &back, sizeof back) != 0)
		abort();
	if (h->type != MUX_DATA && h->type != MUX_WINDOW_UPDATE)
		return MUX_OK;
	s = fuzz_find(h->stream_id);
	/* A SYN for a stream still open goes to it, which refuses it. */
	if ((h->flags & MUX_SYN) && s == NULL)
		s = fuzz_add(h->stream_id, 0);
	if (s == NULL)
		return MUX_OK;	/* closed, refused or never tracked */
	if ((rc = mux_stream_recv(&s->st, h, &ev, NULL, 0)) != MUX_OK) {
		if (!MUX_IS_VIOLATION(rc))
			abort();
		return rc;
	}
	if (mux_stream_update_due(&s->st) &&
	    mux_stream_send_window(&s->st, s->id, 0, &out, NULL, 0) != MUX_OK)
		abort();
	if (mux_stream_sendable(&s->st, 1000) > 0 &&
	    mux_stream_send_data(&s->st, s->id, mux_stream_sendable(&s->st,
	    1000), 0, &out, NULL, 0) != MUX_OK)
		abort();
	if (ev & MUX_SE_CLOSED)
		s->used = 0;
	(void)d;
	return MUX_OK;
}

static int
fuzz_data(const struct mux_event *e)
{
	struct fuzz_stream *s = fuzz_find(e->hdr.stream_id);
	int rc;

	if (s == NULL)
		return MUX_OK;
	if ((rc = fuzz_prefix(s, e->data, e->len)) != MUX_OK)
		return rc;
	if (mux_stream_consumed(&s->st, (uint32_t)e->len, NULL, 0) != MUX_OK)
		abort();
	return MUX_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 12, 64, 4096 };
	struct mux_open_request req;
	struct mux_open_reply rep;
	struct mux_decoder *d = NULL;
	struct fuzz_stream *s;
	struct mux_header out;
	struct mux_event e;
	size_t chunk, n, used, i;
	uint32_t id;
	int rc = MUX_OK, from_decoder = 0;

	if (size < 1)
		return 0;
	if (mux_open_request_decode(data + 1, size - 1, &used, &req, NULL,
	    0) == MUX_OK)
		fuzz_request_round_trip(data + 1, used, &req);
	if (mux_open_reply_decode(data + 1, size - 1, &used, &rep, NULL,
	    0) == MUX_OK)
		fuzz_reply_round_trip(data + 1, used, &rep);

	memset(fuzz_streams, 0, sizeof fuzz_streams);
	d = mux_decoder_new(data[0] & 1 ? MUX_ROLE_RELAY : MUX_ROLE_ROUTER);
	if (d == NULL)
		abort();
	/* Streams this side opened, so the peer has something to answer. */
	for (i = 0; i < FUZZ_LOCAL; i++) {
		if (mux_decoder_new_id(d, &id, NULL, 0) != MUX_OK ||
		    (s = fuzz_add(id, 1)) == NULL ||
		    mux_stream_send_window(&s->st, id, 0, &out, NULL, 0) !=
		    MUX_OK || !(out.flags & MUX_SYN))
			abort();
	}
	chunk = chunks[(data[0] >> 1) & 7];
	data++;
	size--;
	while (size > 0 && rc == MUX_OK) {
		n = size < chunk ? size : chunk;
		rc = mux_decoder_next(d, data, n, &used, &e, NULL, 0);
		if (rc != MUX_OK) {
			from_decoder = 1;
			break;
		}
		if (used > n || (used == 0 && e.type == MUX_EV_NONE && n > 0))
			abort();
		data += used;
		size -= used;
		if (e.type == MUX_EV_FRAME)
			rc = fuzz_frame(d, &e.hdr);
		else if (e.type == MUX_EV_DATA)
			rc = fuzz_data(&e);
	}
	/* A decoder that failed stays failed, with the same result. */
	if (rc < 0 && from_decoder && mux_decoder_next(d, data, size, &used,
	    &e, NULL, 0) != rc)
		abort();
	mux_decoder_free(d);
	return 0;
}
