/*
 * The session-wide half of the mux checks: see mux_decode.h.  Each side
 * hands out its stream ids in increasing order, so "never opened" is a
 * comparison with the highest id seen, and a frame for an id below it
 * that the caller does not know is legal: its stream has closed, and the
 * frame crossed our RST or was the last window update of a finished
 * stream; the caller drops it.
 */
#include "mux_decode.h"

#include <stdlib.h>
#include <string.h>

#include "mux_util.h"

#define MUX_HELLO_PREFIX "nprelay-mux "
#define MUX_HELLO_PREFIX_LEN (sizeof MUX_HELLO_PREFIX - 1)

enum mux_decoder_state {
	MUX_DEC_HELLO,
	MUX_DEC_HEADER,
	MUX_DEC_PAYLOAD,
	MUX_DEC_FAILED,
};

struct mux_decoder {
	enum mux_role role;
	enum mux_decoder_state state;
	int failed_rc;
	uint8_t buf[MUX_HELLO_MAX > MUX_HEADER_LEN ? MUX_HELLO_MAX :
	    MUX_HEADER_LEN];
	size_t have;
	struct mux_header hdr;	/* the Data frame whose payload is read */
	uint32_t remaining;
	uint32_t next_local;	/* the next id this side opens */
	uint32_t last_remote;	/* the highest id the peer opened, or 0 */
	int exhausted;
	int peer_went_away;
};

struct mux_decoder *
mux_decoder_new(enum mux_role role)
{
	struct mux_decoder *d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->role = role;
	d->state = role == MUX_ROLE_ROUTER ? MUX_DEC_HELLO : MUX_DEC_HEADER;
	d->next_local = role == MUX_ROLE_ROUTER ? 1 : 2;
	return d;
}

void
mux_decoder_free(struct mux_decoder *d)
{
	free(d);
}

int
mux_decoder_is_remote(const struct mux_decoder *d, uint32_t id)
{
	int odd = (id & 1) != 0;

	return d->role == MUX_ROLE_ROUTER ? !odd : odd;
}

int
mux_decoder_new_id(struct mux_decoder *d, uint32_t *id, char *err,
    size_t errlen)
{
	if (d->exhausted)
		return mux_fail(err, errlen, MUX_E_EXHAUSTED,
		    "every stream id of this side was used");
	*id = d->next_local;
	if (d->next_local > UINT32_MAX - 2)
		d->exhausted = 1;
	else
		d->next_local += 2;
	return MUX_OK;
}

static int
mux_decoder_fail(struct mux_decoder *d, int rc)
{
	d->state = MUX_DEC_FAILED;
	d->failed_rc = rc;
	return rc;
}

/* The bytes seen so far, printable, for "not a mux relay" messages. */
static void
mux_hello_quote(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = '\0';
}

/*
 * "nprelay-mux " then a version of 1 to 3 digits without a leading zero,
 * then "\n".  Judged byte by byte, so a program that prints anything
 * else is told apart at its first differing byte.
 */
static int
mux_hello_byte(struct mux_decoder *d, uint8_t c, unsigned *version,
    char *err, size_t errlen)
{
	char seen[4 * MUX_HELLO_MAX + 1];
	size_t digits, i;
	int ok;

	d->buf[d->have++] = c;
	if (d->have <= MUX_HELLO_PREFIX_LEN) {
		ok = c == (uint8_t)MUX_HELLO_PREFIX[d->have - 1];
	} else {
		digits = d->have - MUX_HELLO_PREFIX_LEN - 1;
		if (c == '\n' && digits > 0) {
			*version = 0;
			for (i = 0; i < digits; i++)
				*version = *version * 10 +
				    (unsigned)(d->buf[MUX_HELLO_PREFIX_LEN + i] -
				    '0');
			return MUX_OK;
		}
		ok = c >= '0' && c <= '9' && digits < 3 &&
		    !(digits == 1 && d->buf[MUX_HELLO_PREFIX_LEN] == '0');
	}
	if (ok)
		return MUX_MORE;
	mux_hello_quote(d->buf, d->have, seen, sizeof seen);
	return mux_fail(err, errlen, MUX_E_NOT_MUX,
	    "the relay's output starts with \"%s\", not the mux hello", seen);
}

static int
mux_decoder_hello(struct mux_decoder *d, const uint8_t *buf, size_t len,
    size_t *used, struct mux_event *ev, char *err, size_t errlen)
{
	unsigned version = 0;
	int rc = MUX_MORE;

	while (*used < len && rc == MUX_MORE)
		rc = mux_hello_byte(d, buf[(*used)++], &version, err, errlen);
	if (rc == MUX_MORE)
		return MUX_OK;
	if (rc != MUX_OK)
		return mux_decoder_fail(d, rc);
	if (version != MUX_PROTOCOL_VERSION)
		return mux_decoder_fail(d, mux_fail(err, errlen,
		    MUX_E_HELLO_VERSION, "the relay speaks mux version %u; "
		    "this side speaks %u", version, MUX_PROTOCOL_VERSION));
	d->have = 0;
	d->state = MUX_DEC_HEADER;
	ev->type = MUX_EV_HELLO;
	return MUX_OK;
}

/* The session's rules for a Data or Window Update header. */
static int
mux_decoder_check_ids(struct mux_decoder *d, const struct mux_header *h,
    char *err, size_t errlen)
{
	unsigned long id = h->stream_id;
	int remote = mux_decoder_is_remote(d, h->stream_id);

	if (h->flags & MUX_SYN) {
		if (!remote)
			return mux_fail(err, errlen, MUX_E_STREAM_ID,
			    "stream %lu: SYN for an id that this side opens",
			    id);
		if (d->peer_went_away)
			return mux_fail(err, errlen, MUX_E_STATE,
			    "stream %lu: SYN after the peer's Go Away", id);
		/* Not necessarily in order: HashiCorp's yamux hands out ids
		 * in order but lets concurrent opens overtake each other.
		 * A SYN for a stream still open is mux_stream's to refuse. */
		if (h->stream_id > d->last_remote)
			d->last_remote = h->stream_id;
		return MUX_OK;
	}
	if (remote && h->stream_id > d->last_remote)
		return mux_fail(err, errlen, MUX_E_STREAM_ID,
		    "stream %lu: frame for a stream the peer never opened", id);
	if (!remote && !d->exhausted && h->stream_id >= d->next_local)
		return mux_fail(err, errlen, MUX_E_STREAM_ID,
		    "stream %lu: frame for a stream this side never opened",
		    id);
	if (remote && (h->flags & MUX_ACK))
		return mux_fail(err, errlen, MUX_E_FLAGS,
		    "stream %lu: ACK from the side that opened it", id);
	return MUX_OK;
}

static int
mux_decoder_header(struct mux_decoder *d, const uint8_t *buf, size_t len,
    size_t *used, struct mux_event *ev, char *err, size_t errlen)
{
	size_t n = MUX_HEADER_LEN - d->have;
	struct mux_header *h = &ev->hdr;
	int rc;

	if (n > len)
		n = len;
	memcpy(d->buf + d->have, buf, n);
	d->have += n;
	*used = n;
	if (d->have < MUX_HEADER_LEN)
		return MUX_OK;
	d->have = 0;
	if ((rc = mux_header_decode(d->buf, h, err, errlen)) != MUX_OK)
		return mux_decoder_fail(d, rc);
	switch (h->type) {
	case MUX_DATA:
	case MUX_WINDOW_UPDATE:
		if ((rc = mux_decoder_check_ids(d, h, err, errlen)) != MUX_OK)
			return mux_decoder_fail(d, rc);
		break;
	case MUX_GO_AWAY:
		d->peer_went_away = 1;
		break;
	default:
		break;
	}
	if (h->type == MUX_DATA && h->length > 0) {
		d->hdr = *h;
		d->remaining = h->length;
		d->state = MUX_DEC_PAYLOAD;
	}
	ev->type = MUX_EV_FRAME;
	return MUX_OK;
}

int
mux_decoder_next(struct mux_decoder *d, const uint8_t *buf, size_t len,
    size_t *used, struct mux_event *ev, char *err, size_t errlen)
{
	size_t n;

	memset(ev, 0, sizeof *ev);
	ev->type = MUX_EV_NONE;
	*used = 0;
	switch (d->state) {
	case MUX_DEC_FAILED:
		return mux_fail(err, errlen, d->failed_rc,
		    "the session already failed: %s",
		    mux_strerror(d->failed_rc));
	case MUX_DEC_HELLO:
		return mux_decoder_hello(d, buf, len, used, ev, err, errlen);
	case MUX_DEC_HEADER:
		if (len == 0)
			return MUX_OK;
		return mux_decoder_header(d, buf, len, used, ev, err, errlen);
	case MUX_DEC_PAYLOAD:
		if (len == 0)
			return MUX_OK;
		n = len < d->remaining ? len : d->remaining;
		d->remaining -= (uint32_t)n;
		*used = n;
		ev->type = MUX_EV_DATA;
		ev->hdr = d->hdr;
		ev->data = buf;
		ev->len = n;
		ev->last = d->remaining == 0;
		if (ev->last)
			d->state = MUX_DEC_HEADER;
		return MUX_OK;
	}
	return MUX_E_INVALID;
}
