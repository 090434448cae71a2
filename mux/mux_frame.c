/*
 * yamux frame headers: encoding, decoding, and the checks one header
 * allows on its own.  Checks that need the session (stream ids opened,
 * windows) live in mux_decode.c and mux_stream.c.
 */
#include "mux_frame.h"

#include <stdarg.h>
#include <stdio.h>

#include "mux_util.h"

static const char *const mux_type_names[] = {
	"Data", "Window Update", "Ping", "Go Away",
};

const char *
mux_strerror(int rc)
{
	switch (rc) {
	case MUX_OK:
		return "success";
	case MUX_MORE:
		return "more bytes needed";
	case MUX_E_VERSION:
		return "unknown frame version";
	case MUX_E_TYPE:
		return "unknown frame type";
	case MUX_E_FLAGS:
		return "flags not allowed";
	case MUX_E_STREAM_ID:
		return "bad stream id";
	case MUX_E_LENGTH:
		return "frame too long";
	case MUX_E_GO_AWAY_CODE:
		return "unknown Go Away code";
	case MUX_E_WINDOW:
		return "data beyond the window";
	case MUX_E_WINDOW_OVERFLOW:
		return "window overflow";
	case MUX_E_STATE:
		return "frame not allowed in the stream's state";
	case MUX_E_OPEN:
		return "malformed open request or reply";
	case MUX_E_NOT_MUX:
		return "not a mux relay";
	case MUX_E_HELLO_VERSION:
		return "unsupported mux version";
	case MUX_E_EXHAUSTED:
		return "stream ids exhausted";
	case MUX_E_INVALID:
		return "invalid request";
	case MUX_E_SPACE:
		return "buffer too small";
	}
	return "unknown error";
}

int
mux_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void
mux_header_set(struct mux_header *h, enum mux_type type, uint16_t flags,
    uint32_t stream_id, uint32_t length)
{
	h->version = MUX_VERSION;
	h->type = (uint8_t)type;
	h->flags = flags;
	h->stream_id = stream_id;
	h->length = length;
}

static int
mux_check_stream_frame(const struct mux_header *h, const char *name,
    char *err, size_t errlen)
{
	if (h->stream_id == 0)
		return mux_fail(err, errlen, MUX_E_STREAM_ID,
		    "%s frame on stream 0, which only Ping and Go Away use",
		    name);
	/* Opening and accepting at once, or opening a stream already reset,
	 * has no meaning; no implementation sends it. */
	if ((h->flags & MUX_SYN) && (h->flags & (MUX_ACK | MUX_RST)))
		return mux_fail(err, errlen, MUX_E_FLAGS,
		    "stream %lu: %s frame with SYN and %s",
		    (unsigned long)h->stream_id, name,
		    (h->flags & MUX_ACK) ? "ACK" : "RST");
	if (h->type == MUX_DATA && h->length > MUX_DATA_RECV_MAX)
		return mux_fail(err, errlen, MUX_E_LENGTH,
		    "stream %lu: Data frame of %lu bytes, more than %lu",
		    (unsigned long)h->stream_id, (unsigned long)h->length,
		    (unsigned long)MUX_DATA_RECV_MAX);
	return MUX_OK;
}

int
mux_header_check(const struct mux_header *h, char *err, size_t errlen)
{
	const char *name;

	if (h->version != MUX_VERSION)
		return mux_fail(err, errlen, MUX_E_VERSION,
		    "frame version %u, want %u", (unsigned)h->version,
		    (unsigned)MUX_VERSION);
	if (h->type > MUX_GO_AWAY)
		return mux_fail(err, errlen, MUX_E_TYPE,
		    "frame type %u (stream %lu) is not Data, Window Update, "
		    "Ping or Go Away", (unsigned)h->type,
		    (unsigned long)h->stream_id);
	name = mux_type_names[h->type];
	if (h->flags & ~MUX_FLAGS_ALL)
		return mux_fail(err, errlen, MUX_E_FLAGS,
		    "%s frame (stream %lu) with unknown flags 0x%x", name,
		    (unsigned long)h->stream_id, (unsigned)h->flags);
	switch (h->type) {
	case MUX_DATA:
	case MUX_WINDOW_UPDATE:
		return mux_check_stream_frame(h, name, err, errlen);
	case MUX_PING:
		if (h->stream_id != 0)
			return mux_fail(err, errlen, MUX_E_STREAM_ID,
			    "Ping on stream %lu, want 0",
			    (unsigned long)h->stream_id);
		if (h->flags != MUX_SYN && h->flags != MUX_ACK)
			return mux_fail(err, errlen, MUX_E_FLAGS,
			    "Ping with flags 0x%x, want SYN or ACK alone",
			    (unsigned)h->flags);
		return MUX_OK;
	default:
		if (h->stream_id != 0)
			return mux_fail(err, errlen, MUX_E_STREAM_ID,
			    "Go Away on stream %lu, want 0",
			    (unsigned long)h->stream_id);
		if (h->flags != 0)
			return mux_fail(err, errlen, MUX_E_FLAGS,
			    "Go Away with flags 0x%x, want none",
			    (unsigned)h->flags);
		if (h->length > MUX_GO_AWAY_INTERNAL)
			return mux_fail(err, errlen, MUX_E_GO_AWAY_CODE,
			    "Go Away with code %lu, want 0, 1 or 2",
			    (unsigned long)h->length);
		return MUX_OK;
	}
}

int
mux_header_encode(const struct mux_header *h, uint8_t out[MUX_HEADER_LEN],
    char *err, size_t errlen)
{
	int rc;

	/* Never put on the wire what the other side must refuse. */
	if ((rc = mux_header_check(h, err, errlen)) != MUX_OK)
		return rc;
	out[0] = h->version;
	out[1] = h->type;
	mux_put16(out + 2, h->flags);
	mux_put32(out + 4, h->stream_id);
	mux_put32(out + 8, h->length);
	return MUX_OK;
}

int
mux_header_decode(const uint8_t in[MUX_HEADER_LEN], struct mux_header *h,
    char *err, size_t errlen)
{
	h->version = in[0];
	h->type = in[1];
	h->flags = mux_get16(in + 2);
	h->stream_id = mux_get32(in + 4);
	h->length = mux_get32(in + 8);
	return mux_header_check(h, err, errlen);
}
