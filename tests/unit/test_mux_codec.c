/* The mux codec (mux/): headers, the session decoder, stream windows and
 * the open request/reply, valid and hostile forms (docs/mux.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mux_decode.h"
#include "mux_frame.h"
#include "mux_open.h"
#include "mux_stream.h"

static void
put_header(uint8_t *p, unsigned version, unsigned type, unsigned flags,
    uint32_t id, uint32_t length)
{
	p[0] = (uint8_t)version;
	p[1] = (uint8_t)type;
	p[2] = (uint8_t)(flags >> 8);
	p[3] = (uint8_t)flags;
	p[4] = (uint8_t)(id >> 24);
	p[5] = (uint8_t)(id >> 16);
	p[6] = (uint8_t)(id >> 8);
	p[7] = (uint8_t)id;
	p[8] = (uint8_t)(length >> 24);
	p[9] = (uint8_t)(length >> 16);
	p[10] = (uint8_t)(length >> 8);
	p[11] = (uint8_t)length;
}

/* Decode raw header bytes; expect rc and, on failure, a message. */
static void
expect_header(unsigned version, unsigned type, unsigned flags, uint32_t id,
    uint32_t length, int want)
{
	uint8_t b[MUX_HEADER_LEN];
	struct mux_header h;
	char err[256] = "";
	int rc;

	put_header(b, version, type, flags, id, length);
	rc = mux_header_decode(b, &h, err, sizeof err);
	if (rc != want)
		fail_msg("v%u t%u f0x%x id %lu len %lu: got %d (%s), want %d",
		    version, type, flags, (unsigned long)id,
		    (unsigned long)length, rc, err, want);
	if (want != MUX_OK)
		assert_true(strlen(err) > 0);
	/* What decoding refuses, encoding refuses too. */
	assert_int_equal(mux_header_encode(&h, b, NULL, 0), want);
}

static void
test_header_bytes(void **state)
{
	struct mux_header h, back;
	uint8_t b[MUX_HEADER_LEN];
	static const uint8_t want[MUX_HEADER_LEN] = {
		0, 1, 0x00, 0x05, 0x80, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00,
		0x00,
	};

	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_SYN | MUX_FIN, 0x80000003u,
	    0x40000u);
	assert_int_equal(mux_header_encode(&h, b, NULL, 0), MUX_OK);
	assert_memory_equal(b, want, sizeof want);
	assert_int_equal(mux_header_decode(b, &back, NULL, 0), MUX_OK);
	assert_int_equal(back.version, 0);
	assert_int_equal(back.type, MUX_WINDOW_UPDATE);
	assert_int_equal(back.flags, MUX_SYN | MUX_FIN);
	assert_int_equal(back.stream_id, 0x80000003u);
	assert_int_equal(back.length, 0x40000u);
}

static void
test_header_round_trips(void **state)
{
	static const unsigned stream_flags[] = {
		0, MUX_SYN, MUX_ACK, MUX_FIN, MUX_RST, MUX_SYN | MUX_FIN,
		MUX_ACK | MUX_FIN, MUX_ACK | MUX_RST, MUX_FIN | MUX_RST,
		MUX_ACK | MUX_FIN | MUX_RST,
	};
	static const uint32_t ids[] = { 1, 2, 0xffffffffu, 0x7ffffffeu };
	static const uint32_t lens[] = { 0, 1, MUX_DATA_MAX };
	struct mux_header h, back;
	uint8_t b[MUX_HEADER_LEN];
	size_t f, i, l;
	unsigned t;

	for (t = MUX_DATA; t <= MUX_WINDOW_UPDATE; t++)
		for (f = 0; f < sizeof stream_flags / sizeof *stream_flags; f++)
			for (i = 0; i < 4; i++)
				for (l = 0; l < 3; l++) {
					mux_header_set(&h, t, stream_flags[f],
					    ids[i], lens[l]);
					assert_int_equal(mux_header_encode(&h,
					    b, NULL, 0), MUX_OK);
					assert_int_equal(mux_header_decode(b,
					    &back, NULL, 0), MUX_OK);
					assert_memory_equal(&h, &back,
					    sizeof h);
				}
	/* A Window Update's delta is not a payload: any value. */
	expect_header(0, MUX_WINDOW_UPDATE, 0, 1, 0xffffffffu, MUX_OK);
	expect_header(0, MUX_PING, MUX_SYN, 0, 0xffffffffu, MUX_OK);
	expect_header(0, MUX_PING, MUX_ACK, 0, 0, MUX_OK);
	expect_header(0, MUX_GO_AWAY, 0, 0, MUX_GO_AWAY_NORMAL, MUX_OK);
	expect_header(0, MUX_GO_AWAY, 0, 0, MUX_GO_AWAY_PROTOCOL, MUX_OK);
	expect_header(0, MUX_GO_AWAY, 0, 0, MUX_GO_AWAY_INTERNAL, MUX_OK);
}

static void
test_header_invalid(void **state)
{
	unsigned bit;

	expect_header(1, MUX_DATA, 0, 1, 0, MUX_E_VERSION);
	expect_header(255, MUX_PING, MUX_SYN, 0, 0, MUX_E_VERSION);
	expect_header(0, 4, 0, 1, 0, MUX_E_TYPE);
	expect_header(0, 255, 0, 0, 0, MUX_E_TYPE);
	for (bit = 0x10; bit <= 0x8000; bit <<= 1) {
		expect_header(0, MUX_DATA, bit, 1, 0, MUX_E_FLAGS);
		expect_header(0, MUX_WINDOW_UPDATE, bit | MUX_ACK, 1, 0,
		    MUX_E_FLAGS);
	}
	expect_header(0, MUX_DATA, MUX_SYN | MUX_ACK, 1, 0, MUX_E_FLAGS);
	expect_header(0, MUX_WINDOW_UPDATE, MUX_SYN | MUX_RST, 1, 0,
	    MUX_E_FLAGS);
	/* Stream 0 is the session's: only Ping and Go Away. */
	expect_header(0, MUX_DATA, 0, 0, 5, MUX_E_STREAM_ID);
	expect_header(0, MUX_WINDOW_UPDATE, MUX_SYN, 0, 0, MUX_E_STREAM_ID);
	expect_header(0, MUX_PING, MUX_SYN, 1, 0, MUX_E_STREAM_ID);
	expect_header(0, MUX_GO_AWAY, 0, 2, 0, MUX_E_STREAM_ID);
	expect_header(0, MUX_PING, 0, 0, 0, MUX_E_FLAGS);
	expect_header(0, MUX_PING, MUX_SYN | MUX_ACK, 0, 0, MUX_E_FLAGS);
	expect_header(0, MUX_PING, MUX_FIN, 0, 0, MUX_E_FLAGS);
	expect_header(0, MUX_PING, MUX_RST, 0, 0, MUX_E_FLAGS);
	expect_header(0, MUX_GO_AWAY, MUX_SYN, 0, 0, MUX_E_FLAGS);
	expect_header(0, MUX_GO_AWAY, 0, 0, 3, MUX_E_GO_AWAY_CODE);
	expect_header(0, MUX_GO_AWAY, 0, 0, 0xffffffffu, MUX_E_GO_AWAY_CODE);
	expect_header(0, MUX_DATA, 0, 1, MUX_DATA_RECV_MAX, MUX_OK);
	expect_header(0, MUX_DATA, 0, 1, MUX_DATA_RECV_MAX + 1, MUX_E_LENGTH);
	expect_header(0, MUX_DATA, MUX_FIN, 3, 0xffffffffu, MUX_E_LENGTH);
	assert_true(MUX_IS_VIOLATION(MUX_E_VERSION));
	assert_true(MUX_IS_VIOLATION(MUX_E_OPEN));
	assert_false(MUX_IS_VIOLATION(MUX_E_NOT_MUX));
	assert_false(MUX_IS_VIOLATION(MUX_MORE));
	assert_string_equal(mux_strerror(MUX_E_WINDOW),
	    "data beyond the window");
}

/* Feeds all of buf in chunks of step bytes, collecting events. */
struct collected {
	int hello;
	int frames;
	struct mux_header last_hdr;
	uint8_t data[1024];
	size_t data_len;
	int data_last;
};

static int
feed(struct mux_decoder *d, const uint8_t *buf, size_t len, size_t step,
    struct collected *c, char *err, size_t errlen)
{
	struct mux_event ev;
	size_t used, n;
	int rc;

	while (len > 0) {
		n = len < step ? len : step;
		len -= n;
		do {
			rc = mux_decoder_next(d, buf, n, &used, &ev, err,
			    errlen);
			if (rc != MUX_OK)
				return rc;
			assert_true(used <= n);
			buf += used;
			n -= used;
			switch (ev.type) {
			case MUX_EV_HELLO:
				c->hello++;
				break;
			case MUX_EV_FRAME:
				c->frames++;
				c->last_hdr = ev.hdr;
				break;
			case MUX_EV_DATA:
				assert_true(c->data_len + ev.len <=
				    sizeof c->data);
				memcpy(c->data + c->data_len, ev.data, ev.len);
				c->data_len += ev.len;
				c->data_last = ev.last;
				break;
			case MUX_EV_NONE:
				assert_int_equal(n, 0);
				break;
			}
		} while (n > 0);
	}
	return MUX_OK;
}

static void
test_decoder_hello_and_frames(void **state)
{
	uint8_t wire[128];
	size_t len, step;

	memcpy(wire, MUX_HELLO, MUX_HELLO_LEN);
	len = MUX_HELLO_LEN;
	put_header(wire + len, 0, MUX_PING, MUX_SYN, 0, 7);
	len += MUX_HEADER_LEN;
	put_header(wire + len, 0, MUX_DATA, MUX_SYN, 2, 5);
	len += MUX_HEADER_LEN;
	memcpy(wire + len, "hello", 5);
	len += 5;
	put_header(wire + len, 0, MUX_DATA, MUX_FIN, 2, 0);
	len += MUX_HEADER_LEN;
	/* Every chunking of the same bytes gives the same events. */
	for (step = 1; step <= len; step++) {
		struct mux_decoder *d = mux_decoder_new(MUX_ROLE_ROUTER);
		struct collected c = { 0 };
		char err[256] = "";

		assert_non_null(d);
		if (feed(d, wire, len, step, &c, err, sizeof err) != MUX_OK)
			fail_msg("step %lu: %s", (unsigned long)step, err);
		assert_int_equal(c.hello, 1);
		assert_int_equal(c.frames, 3);
		assert_int_equal(c.data_len, 5);
		assert_memory_equal(c.data, "hello", 5);
		assert_true(c.data_last);
		assert_int_equal(c.last_hdr.flags, MUX_FIN);
		assert_int_equal(c.last_hdr.stream_id, 2);
		mux_decoder_free(d);
	}
}

static void
test_decoder_truncated(void **state)
{
	struct mux_decoder *d = mux_decoder_new(MUX_ROLE_RELAY);
	struct collected c = { 0 };
	struct mux_event ev;
	uint8_t wire[MUX_HEADER_LEN + 3];
	size_t used;

	/* A relay reads no hello: a frame comes first. */
	put_header(wire, 0, MUX_DATA, MUX_SYN, 1, 10);
	memcpy(wire + MUX_HEADER_LEN, "abc", 3);
	assert_int_equal(feed(d, wire, 11, 11, &c, NULL, 0), MUX_OK);
	assert_int_equal(c.frames, 0);
	assert_int_equal(feed(d, wire + 11, 4, 4, &c, NULL, 0), MUX_OK);
	assert_int_equal(c.frames, 1);
	assert_int_equal(c.data_len, 3);
	assert_false(c.data_last);
	/* Nothing to read is not an event. */
	assert_int_equal(mux_decoder_next(d, wire, 0, &used, &ev, NULL, 0),
	    MUX_OK);
	assert_int_equal(ev.type, MUX_EV_NONE);
	assert_int_equal(used, 0);
	mux_decoder_free(d);
}

static void
expect_hello(const char *text, int want)
{
	struct mux_decoder *d = mux_decoder_new(MUX_ROLE_ROUTER);
	struct collected c = { 0 };
	char err[256] = "";
	int rc;

	rc = feed(d, (const uint8_t *)text, strlen(text), 1, &c, err,
	    sizeof err);
	if (rc != want)
		fail_msg("\"%s\": got %d (%s), want %d", text, rc, err, want);
	if (want == MUX_OK)
		assert_int_equal(c.hello, text[strlen(text) - 1] == '\n');
	mux_decoder_free(d);
}

static void
test_decoder_hello_refused(void **state)
{
	struct mux_decoder *d = mux_decoder_new(MUX_ROLE_ROUTER);
	struct collected c = { 0 };
	char err[256] = "";

	expect_hello(MUX_HELLO, MUX_OK);
	expect_hello("nprelay-mux 1", MUX_OK);	/* not yet complete */
	expect_hello("SSH-2.0-OpenSSH_9.2\r\n", MUX_E_NOT_MUX);
	expect_hello("nprelay 0.1.0\n", MUX_E_NOT_MUX);
	expect_hello("nprelay-mux\n", MUX_E_NOT_MUX);
	expect_hello("nprelay-mux \n", MUX_E_NOT_MUX);
	expect_hello("nprelay-mux 01\n", MUX_E_NOT_MUX);
	expect_hello("nprelay-mux 1000\n", MUX_E_NOT_MUX);
	expect_hello("nprelay-mux 1 \n", MUX_E_NOT_MUX);
	expect_hello("Nprelay-mux 1\n", MUX_E_NOT_MUX);
	expect_hello("nprelay-mux 2\n", MUX_E_HELLO_VERSION);
	expect_hello("nprelay-mux 0\n", MUX_E_HELLO_VERSION);
	expect_hello("nprelay-mux 999\n", MUX_E_HELLO_VERSION);
	/* The message quotes what the program printed, escaped. */
	assert_int_equal(feed(d, (const uint8_t *)"ok\001", 3, 3, &c, err,
	    sizeof err), MUX_E_NOT_MUX);
	assert_string_equal(err, "the relay's output starts with \"o\", "
	    "not the mux hello");
	/* Once failed, always failed. */
	assert_int_equal(feed(d, (const uint8_t *)MUX_HELLO, MUX_HELLO_LEN,
	    MUX_HELLO_LEN, &c, err, sizeof err), MUX_E_NOT_MUX);
	mux_decoder_free(d);

	d = mux_decoder_new(MUX_ROLE_ROUTER);
	assert_int_equal(feed(d, (const uint8_t *)"nprelay-mux 1\x01", 14, 14,
	    &c, err, sizeof err), MUX_E_NOT_MUX);
	assert_string_equal(err, "the relay's output starts with "
	    "\"nprelay-mux 1\\x01\", not the mux hello");
	mux_decoder_free(d);
}

/* One header through a decoder of the given role; rc of the decoder. */
static int
decode_one(struct mux_decoder *d, unsigned type, unsigned flags, uint32_t id,
    uint32_t length, char *err, size_t errlen)
{
	uint8_t b[MUX_HEADER_LEN];
	struct mux_event ev;
	size_t used;

	put_header(b, 0, type, flags, id, length);
	return mux_decoder_next(d, b, sizeof b, &used, &ev, err, errlen);
}

static void
expect_one(struct mux_decoder *d, unsigned type, unsigned flags, uint32_t id,
    int want)
{
	char err[256] = "";
	int rc = decode_one(d, type, flags, id, 0, err, sizeof err);

	if (rc != want)
		fail_msg("t%u f0x%x id %lu: got %d (%s), want %d", type, flags,
		    (unsigned long)id, rc, err, want);
}

static void
test_decoder_stream_ids(void **state)
{
	struct mux_decoder *d = mux_decoder_new(MUX_ROLE_RELAY);
	char err[256] = "";
	uint32_t id;

	/* The relay's peer (the router) opens odd ids, in increasing order. */
	expect_one(d, MUX_WINDOW_UPDATE, MUX_SYN, 1, MUX_OK);
	expect_one(d, MUX_DATA, MUX_SYN, 5, MUX_OK);
	expect_one(d, MUX_DATA, 0, 3, MUX_OK);	/* skipped id: closed, fine */
	expect_one(d, MUX_DATA, MUX_FIN, 5, MUX_OK);
	mux_decoder_free(d);

	d = mux_decoder_new(MUX_ROLE_RELAY);
	expect_one(d, MUX_WINDOW_UPDATE, MUX_SYN, 2, MUX_E_STREAM_ID);
	mux_decoder_free(d);
	/* Concurrent opens may overtake each other (Go yamux does that);
	 * a SYN for a stream still open is the stream's to refuse. */
	d = mux_decoder_new(MUX_ROLE_RELAY);
	expect_one(d, MUX_DATA, MUX_SYN, 7, MUX_OK);
	expect_one(d, MUX_DATA, MUX_SYN, 5, MUX_OK);
	expect_one(d, MUX_DATA, 0, 7, MUX_OK);
	expect_one(d, MUX_DATA, 0, 9, MUX_E_STREAM_ID);
	mux_decoder_free(d);
	d = mux_decoder_new(MUX_ROLE_RELAY);
	expect_one(d, MUX_DATA, 0, 1, MUX_E_STREAM_ID);	/* never opened */
	mux_decoder_free(d);
	d = mux_decoder_new(MUX_ROLE_RELAY);
	expect_one(d, MUX_WINDOW_UPDATE, 0, 2, MUX_E_STREAM_ID);
	mux_decoder_free(d);
	d = mux_decoder_new(MUX_ROLE_RELAY);
	expect_one(d, MUX_DATA, MUX_SYN, 1, MUX_OK);
	expect_one(d, MUX_WINDOW_UPDATE, MUX_ACK, 1, MUX_E_FLAGS);
	mux_decoder_free(d);

	/* A router reads the hello before any frame. */
	d = mux_decoder_new(MUX_ROLE_ROUTER);
	assert_int_equal(decode_one(d, MUX_PING, MUX_SYN, 0, 0, err,
	    sizeof err), MUX_E_NOT_MUX);
	mux_decoder_free(d);
	/* Ids this side opens: the peer may answer only those handed out. */
	d = mux_decoder_new(MUX_ROLE_RELAY);
	assert_int_equal(mux_decoder_new_id(d, &id, NULL, 0), MUX_OK);
	assert_int_equal(id, 2);
	assert_int_equal(mux_decoder_new_id(d, &id, NULL, 0), MUX_OK);
	assert_int_equal(id, 4);
	assert_true(mux_decoder_is_remote(d, 1));
	assert_false(mux_decoder_is_remote(d, 4));
	expect_one(d, MUX_WINDOW_UPDATE, MUX_ACK, 4, MUX_OK);
	expect_one(d, MUX_DATA, 0, 2, MUX_OK);
	expect_one(d, MUX_WINDOW_UPDATE, MUX_ACK, 6, MUX_E_STREAM_ID);
	mux_decoder_free(d);

	/* After the peer's Go Away: its streams go on, no new ones. */
	d = mux_decoder_new(MUX_ROLE_RELAY);
	expect_one(d, MUX_DATA, MUX_SYN, 1, MUX_OK);
	expect_one(d, MUX_GO_AWAY, 0, 0, MUX_OK);
	expect_one(d, MUX_DATA, MUX_FIN, 1, MUX_OK);
	expect_one(d, MUX_PING, MUX_SYN, 0, MUX_OK);
	expect_one(d, MUX_DATA, MUX_SYN, 3, MUX_E_STATE);
	mux_decoder_free(d);
}

static void
test_decoder_ids(void **state)
{
	struct mux_decoder *d = mux_decoder_new(MUX_ROLE_ROUTER);
	uint32_t id = 0;

	/* The router's ids: 1, 3, 5, ... */
	assert_int_equal(mux_decoder_new_id(d, &id, NULL, 0), MUX_OK);
	assert_int_equal(id, 1);
	assert_int_equal(mux_decoder_new_id(d, &id, NULL, 0), MUX_OK);
	assert_int_equal(id, 3);
	assert_false(mux_decoder_is_remote(d, 3));
	assert_true(mux_decoder_is_remote(d, 2));
	mux_decoder_free(d);
}

static void
test_decoder_data_chunks(void **state)
{
	struct mux_decoder *d = mux_decoder_new(MUX_ROLE_RELAY);
	uint8_t wire[MUX_HEADER_LEN + 600 + MUX_HEADER_LEN];
	struct mux_event ev;
	size_t used, off = 0, got = 0;
	int frames = 0, lasts = 0;

	put_header(wire, 0, MUX_DATA, MUX_SYN | MUX_FIN, 1, 600);
	memset(wire + MUX_HEADER_LEN, 'x', 600);
	put_header(wire + MUX_HEADER_LEN + 600, 0, MUX_PING, MUX_ACK, 0, 9);
	while (off < sizeof wire) {
		size_t n = sizeof wire - off < 100 ? sizeof wire - off : 100;

		assert_int_equal(mux_decoder_next(d, wire + off, n, &used, &ev,
		    NULL, 0), MUX_OK);
		off += used;
		if (ev.type == MUX_EV_FRAME)
			frames++;
		if (ev.type == MUX_EV_DATA) {
			/* Pieces point into our buffer: no copies. */
			assert_ptr_equal(ev.data, wire + off - used);
			assert_int_equal(ev.hdr.stream_id, 1);
			assert_int_equal(ev.hdr.flags, MUX_SYN | MUX_FIN);
			got += ev.len;
			lasts += ev.last;
		}
	}
	assert_int_equal(frames, 2);
	assert_int_equal(got, 600);
	assert_int_equal(lasts, 1);
	mux_decoder_free(d);
}

static void
test_stream_windows(void **state)
{
	struct mux_stream s;
	struct mux_header h;
	char err[256] = "";
	unsigned ev;

	/* An accepted stream: the peer's SYN with a full window of data. */
	mux_stream_init(&s, 0);
	mux_header_set(&h, MUX_DATA, MUX_SYN, 1, MUX_WINDOW_INITIAL);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, 0);
	assert_true(mux_stream_update_due(&s));	/* the ACK is due */
	mux_header_set(&h, MUX_DATA, 0, 1, 1);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, err, sizeof err),
	    MUX_E_WINDOW);
	assert_string_equal(err, "stream 1: 1 bytes of Data with 0 left in "
	    "the window");

	/* Credit comes back only for bytes consumed. */
	mux_stream_init(&s, 0);
	mux_header_set(&h, MUX_DATA, MUX_SYN, 1, 1000);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_consumed(&s, 1001, err, sizeof err),
	    MUX_E_INVALID);
	assert_int_equal(mux_stream_consumed(&s, 1000, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_send_window(&s, 1, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.type, MUX_WINDOW_UPDATE);
	assert_int_equal(h.flags, MUX_ACK);
	assert_int_equal(h.length, 1000);
	assert_false(mux_stream_update_due(&s));
	/* The full window again, not a byte more. */
	mux_header_set(&h, MUX_DATA, 0, 1, MUX_WINDOW_INITIAL);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	mux_header_set(&h, MUX_DATA, 0, 1, 1);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_WINDOW);
	/* Half a window consumed makes an update due. */
	assert_int_equal(mux_stream_consumed(&s, MUX_WINDOW_INITIAL / 2 - 1,
	    NULL, 0), MUX_OK);
	assert_false(mux_stream_update_due(&s));
	assert_int_equal(mux_stream_consumed(&s, 1, NULL, 0), MUX_OK);
	assert_true(mux_stream_update_due(&s));
	assert_int_equal(mux_stream_send_window(&s, 1, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, MUX_WINDOW_INITIAL / 2);
	/* After the peer's FIN, credit is of no use to it. */
	mux_header_set(&h, MUX_DATA, MUX_FIN, 1, MUX_WINDOW_INITIAL / 2);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_consumed(&s, MUX_WINDOW_INITIAL,
	    NULL, 0), MUX_OK);
	assert_false(mux_stream_update_due(&s));
}

static void
test_stream_window_overflow(void **state)
{
	struct mux_stream s;
	struct mux_header h;
	char err[256] = "";
	unsigned ev;

	mux_stream_init(&s, 1);
	/* The peer may offer more than 256 KiB, up to 2^32 - 1 in all. */
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_ACK, 1,
	    0xffffffffu - MUX_WINDOW_INITIAL);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, MUX_SE_ACKED | MUX_SE_CREDIT);
	assert_int_equal(mux_stream_sendable(&s, (size_t)-1), MUX_DATA_MAX);
	mux_header_set(&h, MUX_WINDOW_UPDATE, 0, 1, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	mux_header_set(&h, MUX_WINDOW_UPDATE, 0, 1, 1);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, err, sizeof err),
	    MUX_E_WINDOW_OVERFLOW);
	assert_string_equal(err, "stream 1: window update of 1 on a window "
	    "of 4294967295 passes 2^32 - 1");

	mux_stream_init(&s, 1);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_ACK, 1, 0xffffffffu);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0),
	    MUX_E_WINDOW_OVERFLOW);
}

static void
test_stream_handshake(void **state)
{
	struct mux_stream s;
	struct mux_header h;
	char err[256] = "";
	unsigned ev;

	/* The opener's first frame carries SYN, the next ones do not. */
	mux_stream_init(&s, 1);
	assert_true(mux_stream_update_due(&s));
	assert_int_equal(mux_stream_send_data(&s, 3, 10, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, MUX_SYN);
	assert_int_equal(h.type, MUX_DATA);
	assert_int_equal(h.length, 10);
	assert_int_equal(mux_stream_send_data(&s, 3, 10, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, 0);
	/* A first answer without ACK accepts too (Go yamux sends none when
	 * our FIN came before its accept); a late ACK is then still one. */
	mux_header_set(&h, MUX_DATA, 0, 3, 9);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, MUX_SE_ACKED);
	mux_header_set(&h, MUX_WINDOW_UPDATE, 0, 3, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, 0);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_ACK, 3, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, err, sizeof err),
	    MUX_E_STATE);
	assert_string_equal(err, "stream 3: second ACK");
	mux_stream_init(&s, 1);
	assert_int_equal(mux_stream_send_window(&s, 3, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, MUX_SYN);
	mux_header_set(&h, MUX_DATA, MUX_ACK, 3, 4);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, MUX_SE_ACKED);
	mux_header_set(&h, MUX_DATA, MUX_ACK, 3, 4);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_STATE);
	/* A refusal: RST, and the stream is gone. */
	mux_stream_init(&s, 1);
	assert_int_equal(mux_stream_send_window(&s, 5, 0, &h, NULL, 0),
	    MUX_OK);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_RST, 5, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, MUX_SE_RESET | MUX_SE_CLOSED);
	assert_true(mux_stream_closed(&s));
	mux_header_set(&h, MUX_WINDOW_UPDATE, 0, 5, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_STATE);
	assert_int_equal(mux_stream_send_data(&s, 5, 1, 0, &h, NULL, 0),
	    MUX_E_STATE);
	/* The acceptor refuses with a bare RST, or ACKs. */
	mux_stream_init(&s, 0);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_SYN, 2, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_STATE);
	assert_int_equal(mux_stream_send_window(&s, 2, MUX_RST, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, MUX_RST);
	mux_stream_init(&s, 0);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_ACK, 2, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_STATE);
	/* Flags other than FIN and RST are the stream's business. */
	mux_stream_init(&s, 0);
	assert_int_equal(mux_stream_send_window(&s, 2, MUX_ACK, &h, NULL, 0),
	    MUX_E_INVALID);
	mux_stream_init(&s, 1);
	assert_int_equal(mux_stream_send_window(&s, 2, MUX_RST, &h, NULL, 0),
	    MUX_E_STATE);
	/* recv is for stream frames only. */
	mux_header_set(&h, MUX_PING, MUX_SYN, 0, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_INVALID);
}

static void
test_stream_fin(void **state)
{
	struct mux_stream s;
	struct mux_header h;
	char err[256] = "";
	unsigned ev;

	mux_stream_init(&s, 0);
	mux_header_set(&h, MUX_DATA, MUX_SYN | MUX_FIN, 1, 3);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, MUX_SE_FIN);
	assert_true(mux_stream_remote_fin(&s));
	mux_header_set(&h, MUX_DATA, 0, 1, 1);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, err, sizeof err),
	    MUX_E_STATE);
	assert_string_equal(err, "stream 1: 1 bytes of Data after FIN");
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_FIN, 1, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, err, sizeof err),
	    MUX_E_STATE);
	assert_string_equal(err, "stream 1: second FIN");
	/* Window updates after the peer's FIN are normal: it still reads. */
	mux_header_set(&h, MUX_WINDOW_UPDATE, 0, 1, 100);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(ev, MUX_SE_CREDIT);
	/* Our FIN, with the ACK still due: one frame, then closed. */
	assert_int_equal(mux_stream_send_data(&s, 1, 0, MUX_FIN, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, MUX_ACK | MUX_FIN);
	assert_true(mux_stream_local_fin(&s));
	assert_true(mux_stream_closed(&s));
	assert_int_equal(mux_stream_sendable(&s, 10), 0);
	assert_int_equal(mux_stream_send_data(&s, 1, 1, 0, &h, err, sizeof err),
	    MUX_E_STATE);
	assert_int_equal(mux_stream_send_window(&s, 1, MUX_FIN, &h, NULL, 0),
	    MUX_E_STATE);
}

/* Growth: only while the peer runs out of credit, doubling, capped. */
static void
test_stream_grow(void **state)
{
	struct mux_stream s;
	struct mux_header h;
	uint32_t window = MUX_WINDOW_INITIAL, granted;
	unsigned ev, rounds = 0;

	mux_stream_init(&s, 0);
	mux_stream_grow(&s);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_SYN, 1, 0);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	/* The ACK carries no credit, so no growth either. */
	assert_int_equal(mux_stream_send_window(&s, 1, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.length, 0);

	/* The peer has plenty left: credit as before, no growth. */
	mux_header_set(&h, MUX_DATA, 0, 1, MUX_WINDOW_INITIAL / 2);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_consumed(&s, MUX_WINDOW_INITIAL / 2,
	    NULL, 0), MUX_OK);
	assert_true(mux_stream_update_due(&s));
	assert_int_equal(mux_stream_send_window(&s, 1, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.length, MUX_WINDOW_INITIAL / 2);

	/*
	 * The peer sends all it may each time and the reader keeps up: the
	 * window doubles with each update, up to the cap and not past it.
	 */
	for (;;) {
		mux_header_set(&h, MUX_DATA, 0, 1, window);
		assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
		mux_header_set(&h, MUX_DATA, 0, 1, 1);
		assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0),
		    MUX_E_WINDOW);
		assert_int_equal(mux_stream_consumed(&s, window, NULL, 0),
		    MUX_OK);
		assert_true(mux_stream_update_due(&s));
		assert_int_equal(mux_stream_send_window(&s, 1, 0, &h, NULL, 0),
		    MUX_OK);
		granted = h.length;
		if (window == MUX_WINDOW_GROWN_MAX) {
			assert_int_equal(granted, window);
			break;
		}
		assert_int_equal(granted, 2 * window);
		window *= 2;
		assert_true(++rounds < 16);
	}
	assert_int_equal(window, MUX_WINDOW_GROWN_MAX);

	/* A reader that stops: no credit, no update, no growth. */
	mux_header_set(&h, MUX_DATA, 0, 1, window);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_false(mux_stream_update_due(&s));
	mux_header_set(&h, MUX_DATA, 0, 1, 1);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_E_WINDOW);

	/* Without mux_stream_grow the window stays where it started. */
	mux_stream_init(&s, 0);
	mux_header_set(&h, MUX_DATA, MUX_SYN, 1, MUX_WINDOW_INITIAL);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_consumed(&s, MUX_WINDOW_INITIAL, NULL, 0),
	    MUX_OK);
	assert_int_equal(mux_stream_send_window(&s, 1, 0, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.length, MUX_WINDOW_INITIAL);
}

static void
test_stream_send_window(void **state)
{
	struct mux_stream s;
	struct mux_header h;
	uint32_t n, sent = 0;
	unsigned ev;

	mux_stream_init(&s, 1);
	assert_int_equal(mux_stream_sendable(&s, 100), 100);
	while ((n = mux_stream_sendable(&s, 100000)) > 0) {
		assert_int_equal(mux_stream_send_data(&s, 1, n, 0, &h, NULL, 0),
		    MUX_OK);
		sent += n;
	}
	assert_int_equal(sent, MUX_WINDOW_INITIAL);
	assert_int_equal(mux_stream_send_data(&s, 1, 1, 0, &h, NULL, 0),
	    MUX_E_WINDOW);
	mux_header_set(&h, MUX_WINDOW_UPDATE, MUX_ACK, 1, 5);
	assert_int_equal(mux_stream_recv(&s, &h, &ev, NULL, 0), MUX_OK);
	assert_int_equal(mux_stream_sendable(&s, 100), 5);
	assert_int_equal(mux_stream_send_data(&s, 1, 6, 0, &h, NULL, 0),
	    MUX_E_WINDOW);
	assert_int_equal(mux_stream_send_data(&s, 1, 5, MUX_FIN, &h, NULL, 0),
	    MUX_OK);
	assert_int_equal(h.flags, MUX_FIN);
}

static void
test_open_request(void **state)
{
	const char *argv[] = { "-ep", "-s", "//./pipe/docker_engine" };
	uint8_t buf[MUX_OPEN_REQUEST_MAX], wire[64];
	struct mux_open_request req;
	size_t n, used, cut;
	static const uint8_t want[] = {
		0, 0, 0, 0x23, 0, 3, 0, 3, '-', 'e', 'p', 0, 2, '-', 's',
		0, 22, '/', '/', '.', '/', 'p', 'i', 'p', 'e', '/', 'd', 'o',
		'c', 'k', 'e', 'r', '_', 'e', 'n', 'g', 'i', 'n', 'e',
	};

	assert_int_equal(mux_open_request_encode(buf, sizeof buf, &n, 3, argv,
	    NULL, 0), MUX_OK);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	/* Any prefix is "more", the whole is the request, the rest is data. */
	memcpy(wire, want, sizeof want);
	memcpy(wire + sizeof want, "GET", 3);
	for (cut = 0; cut < sizeof want; cut++)
		assert_int_equal(mux_open_request_decode(wire, cut, &used,
		    &req, NULL, 0), MUX_MORE);
	assert_int_equal(mux_open_request_decode(wire, sizeof want + 3, &used,
	    &req, NULL, 0), MUX_OK);
	assert_int_equal(used, sizeof want);
	assert_int_equal(req.argc, 3);
	assert_int_equal(req.argv[0].len, 3);
	assert_memory_equal(req.argv[0].ptr, "-ep", 3);
	assert_int_equal(req.argv[1].len, 2);
	assert_memory_equal(req.argv[2].ptr, "//./pipe/docker_engine", 22);
}

static void
expect_request(const uint8_t *b, size_t len, int want, const char *msg)
{
	struct mux_open_request req;
	char err[256] = "";
	size_t used;
	int rc;

	rc = mux_open_request_decode(b, len, &used, &req, err, sizeof err);
	if (rc != want)
		fail_msg("got %d (%s), want %d", rc, err, want);
	if (msg != NULL)
		assert_string_equal(err, msg);
}

static void
test_open_request_invalid(void **state)
{
	static const uint8_t zero_len[] = { 0, 0, 0, 0 };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t no_args[] = { 0, 0, 0, 4, 0, 0 };
	static const uint8_t many[] = { 0, 0, 0, 4, 0, 65 };
	static const uint8_t overrun[] = { 0, 0, 0, 5, 0, 1, 0, 2, 'a' };
	static const uint8_t half_len[] = { 0, 0, 0, 5, 0, 2, 0, 0, 0 };
	static const uint8_t trailing[] = { 0, 0, 0, 6, 0, 1, 0, 1, 'a', 'b' };
	static const uint8_t nul[] = { 0, 0, 0, 5, 0, 1, 0, 1, 0 };
	static const uint8_t empty_arg[] = { 0, 0, 0, 4, 0, 1, 0, 0 };
	char big[MUX_OPEN_REQUEST_MAX];
	const char *argv[MUX_OPEN_ARGS_MAX + 1];
	uint8_t buf[MUX_OPEN_REQUEST_MAX];
	char err[256] = "";
	size_t n, i;

	/* Lengths are judged as soon as their bytes are in. */
	expect_request(zero_len, 4, MUX_E_OPEN,
	    "open request of 4 + 0 bytes, want 8 to 16384 in all");
	expect_request(huge, 4, MUX_E_OPEN, NULL);
	/* 4 + 16380 is the largest; 16381 is refused before it arrives. */
	{
		uint8_t b[6] = { 0, 0, 0x3f, 0xfc, 0, 1 };

		expect_request(b, 6, MUX_MORE, NULL);
		b[3] = 0xfd;
		expect_request(b, 4, MUX_E_OPEN, NULL);
	}
	expect_request(no_args, 6, MUX_E_OPEN,
	    "open request with 0 arguments, want 1 to 64");
	expect_request(many, 6, MUX_E_OPEN, NULL);
	expect_request(overrun, sizeof overrun, MUX_E_OPEN,
	    "open request: argument 1 of 2 bytes runs 1 bytes past the end");
	expect_request(half_len, sizeof half_len, MUX_E_OPEN,
	    "open request ends inside the length of argument 2");
	expect_request(trailing, sizeof trailing, MUX_E_OPEN,
	    "open request: 1 bytes after the last argument");
	expect_request(nul, sizeof nul, MUX_E_OPEN,
	    "open request: argument 1 contains a NUL byte");
	/* An empty argument is an argument: the option parser judges it. */
	expect_request(empty_arg, sizeof empty_arg, MUX_OK, NULL);
	expect_request(empty_arg, sizeof empty_arg - 1, MUX_MORE, NULL);

	/* The encoder refuses what the decoder would. */
	for (i = 0; i <= MUX_OPEN_ARGS_MAX; i++)
		argv[i] = "-v";
	assert_int_equal(mux_open_request_encode(buf, sizeof buf, &n,
	    MUX_OPEN_ARGS_MAX + 1, argv, err, sizeof err), MUX_E_INVALID);
	assert_int_equal(mux_open_request_encode(buf, sizeof buf, &n,
	    MUX_OPEN_ARGS_MAX, argv, NULL, 0), MUX_OK);
	assert_int_equal(mux_open_request_encode(buf, sizeof buf, &n, 0, argv,
	    NULL, 0), MUX_E_INVALID);
	memset(big, 'a', sizeof big - 8);
	big[sizeof big - 8] = '\0';	/* 6 + 2 + 16376: exactly the limit */
	argv[0] = big;
	assert_int_equal(mux_open_request_encode(buf, sizeof buf, &n, 1, argv,
	    NULL, 0), MUX_OK);
	assert_int_equal(n, MUX_OPEN_REQUEST_MAX);
	expect_request(buf, n, MUX_OK, NULL);
	big[sizeof big - 8] = 'a';
	big[sizeof big - 7] = '\0';
	assert_int_equal(mux_open_request_encode(buf, sizeof buf, &n, 1, argv,
	    err, sizeof err), MUX_E_INVALID);
	assert_string_equal(err, "open request longer than 16384 bytes at "
	    "argument 1");
	argv[0] = "x";
	assert_int_equal(mux_open_request_encode(buf, 9, &n, 1, argv, NULL, 0),
	    MUX_OK);
	assert_int_equal(mux_open_request_encode(buf, 8, &n, 1, argv, NULL, 0),
	    MUX_E_SPACE);
}

static void
test_open_reply(void **state)
{
	uint8_t buf[MUX_OPEN_REPLY_MAX + 8];
	struct mux_open_reply rep;
	char msg[MUX_OPEN_MESSAGE_MAX + 8];
	size_t n, used, cut;
	static const uint8_t ok[] = { 0, 0, 0, 5, 0, 0, 0, 0, 0 };
	static const char text[] = "cannot open pipe: The system cannot find "
	    "the file specified (error 2)";

	assert_int_equal(mux_open_reply_encode(buf, sizeof buf, &n, 0, 0, NULL,
	    NULL, 0), MUX_OK);
	assert_int_equal(n, sizeof ok);
	assert_memory_equal(buf, ok, sizeof ok);
	for (cut = 0; cut < sizeof ok; cut++)
		assert_int_equal(mux_open_reply_decode(buf, cut, &used, &rep,
		    NULL, 0), MUX_MORE);
	assert_int_equal(mux_open_reply_decode(buf, n, &used, &rep, NULL, 0),
	    MUX_OK);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.message_len, 0);

	assert_int_equal(mux_open_reply_encode(buf, sizeof buf, &n, 3, 2, text,
	    NULL, 0), MUX_OK);
	assert_int_equal(n, 9 + strlen(text));
	assert_int_equal(buf[4], 3);
	assert_int_equal(mux_open_reply_decode(buf, n, &used, &rep, NULL, 0),
	    MUX_OK);
	assert_int_equal(used, n);
	assert_int_equal(rep.status, 3);
	assert_int_equal(rep.code, 2);
	assert_int_equal(rep.message_len, strlen(text));
	assert_memory_equal(rep.message, text, strlen(text));

	/* Long messages are cut, never mid-character ("é" is 2 bytes). */
	memset(msg, 'a', MUX_OPEN_MESSAGE_MAX - 1);
	memcpy(msg + MUX_OPEN_MESSAGE_MAX - 1, "\xc3\xa9tail", 7);
	msg[MUX_OPEN_MESSAGE_MAX + 6] = '\0';
	assert_int_equal(mux_open_reply_encode(buf, sizeof buf, &n, 1, 5, msg,
	    NULL, 0), MUX_OK);
	assert_int_equal(n, 9 + MUX_OPEN_MESSAGE_MAX - 1);
	msg[MUX_OPEN_MESSAGE_MAX - 1] = 'a';
	msg[MUX_OPEN_MESSAGE_MAX] = 'a';
	assert_int_equal(mux_open_reply_encode(buf, sizeof buf, &n, 1, 5, msg,
	    NULL, 0), MUX_OK);
	assert_int_equal(n, MUX_OPEN_REPLY_MAX);
	assert_int_equal(mux_open_reply_decode(buf, n, &used, &rep, NULL, 0),
	    MUX_OK);
}

static void
test_open_reply_invalid(void **state)
{
	static const uint8_t short_len[] = { 0, 0, 0, 4, 0, 0, 0, 0 };
	static const uint8_t ok_code[] = { 0, 0, 0, 5, 0, 0, 0, 0, 2 };
	static const uint8_t ok_msg[] = { 0, 0, 0, 6, 0, 0, 0, 0, 0, 'x' };
	static const uint8_t nul[] = { 0, 0, 0, 6, 3, 0, 0, 0, 2, 0 };
	uint8_t too_long[4] = { 0, 0, 0x04, 0x06 };
	uint8_t buf[16];
	struct mux_open_reply rep;
	char err[256] = "";
	size_t used, n;

	assert_int_equal(mux_open_reply_decode(short_len, 4, &used, &rep, err,
	    sizeof err), MUX_E_OPEN);
	assert_string_equal(err, "open reply of 4 + 4 bytes, want 9 to 1033 "
	    "in all");
	assert_int_equal(mux_open_reply_decode(too_long, 4, &used, &rep, NULL,
	    0), MUX_E_OPEN);
	too_long[3] = 0x05;
	assert_int_equal(mux_open_reply_decode(too_long, 4, &used, &rep, NULL,
	    0), MUX_MORE);
	assert_int_equal(mux_open_reply_decode(ok_code, sizeof ok_code, &used,
	    &rep, NULL, 0), MUX_E_OPEN);
	assert_int_equal(mux_open_reply_decode(ok_msg, sizeof ok_msg, &used,
	    &rep, NULL, 0), MUX_E_OPEN);
	assert_int_equal(mux_open_reply_decode(nul, sizeof nul, &used, &rep,
	    err, sizeof err), MUX_E_OPEN);
	assert_string_equal(err, "open reply: message contains a NUL byte");
	assert_int_equal(mux_open_reply_encode(buf, sizeof buf, &n, 0, 5, NULL,
	    NULL, 0), MUX_E_INVALID);
	assert_int_equal(mux_open_reply_encode(buf, sizeof buf, &n, 0, 0, "x",
	    NULL, 0), MUX_E_INVALID);
	assert_int_equal(mux_open_reply_encode(buf, 8, &n, 0, 0, NULL, NULL, 0),
	    MUX_E_SPACE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_header_round_trips),
		cmocka_unit_test(test_header_invalid),
		cmocka_unit_test(test_decoder_hello_and_frames),
		cmocka_unit_test(test_decoder_truncated),
		cmocka_unit_test(test_decoder_hello_refused),
		cmocka_unit_test(test_decoder_stream_ids),
		cmocka_unit_test(test_decoder_ids),
		cmocka_unit_test(test_decoder_data_chunks),
		cmocka_unit_test(test_stream_windows),
		cmocka_unit_test(test_stream_window_overflow),
		cmocka_unit_test(test_stream_handshake),
		cmocka_unit_test(test_stream_fin),
		cmocka_unit_test(test_stream_grow),
		cmocka_unit_test(test_stream_send_window),
		cmocka_unit_test(test_open_request),
		cmocka_unit_test(test_open_request_invalid),
		cmocka_unit_test(test_open_reply),
		cmocka_unit_test(test_open_reply_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
