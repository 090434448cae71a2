/*
 * mux-check: the router's side of the mux, for testing the stand-in relay
 * (tests/tools' nptest-muxrelay) and anything else that claims to be a mux
 * relay.  It starts the relay with pipes on its stdin and stdout, plays a
 * small script (streams of a pattern with half-close, pings, streams the
 * relay opens) and prints one line per thing it saw, for a shell test to
 * judge: it never decides pass or fail itself, except on its own errors.
 */
#ifndef MUX_CHECK_H
#define MUX_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "mux_decode.h"
#include "mux_open.h"
#include "mux_outq.h"
#include "mux_stream.h"

#define CK_OUT_HIGH (512 * 1024)
#define CK_CHUNK (32 * 1024)

struct ck_stream {
	uint32_t id;
	int here;		/* opened by us (odd id) */
	int ended;		/* reported: done, reset, stalled */
	struct mux_stream st;
	uint8_t pre[MUX_OPEN_REQUEST_MAX];	/* the reply or request */
	size_t pre_len;
	int opened, failed;
	uint32_t payload_left;	/* of the Data frame being read */
	struct mux_outq q;	/* head, then (accepted) the echo */
	size_t q_own;		/* leading bytes of q that are ours */
	unsigned seed;
	uint64_t total, sent, got, bad_at;
	int bad;
	FILE *sent_f, *recv_f;
};

struct ck {
	struct mux_decoder *dec;
	struct mux_outq out;
	int to_fd, from_fd;
	/* the script */
	unsigned want_streams, want_accept;
	uint64_t bytes;
	const char *args[MUX_OPEN_ARGS_MAX];
	size_t nargs;
	int sequential, ping, stall, until_eof;
	const char *out_dir, *hold;
	/* state */
	struct ck_stream **streams;
	size_t nstreams, cap;
	unsigned opened, accepted, ended_here, ended_accepted;
	int hello, pong, violation;
	uint64_t since_unit;	/* bytes since the last whole unit */
};

/* mux_check_stream.c */
struct ck_stream *ck_stream_find(struct ck *, uint32_t id);
struct ck_stream *ck_stream_add(struct ck *, uint32_t id, int here);
void ck_stream_open(struct ck *);
void ck_stream_frame(struct ck *, struct ck_stream *, unsigned events,
    const struct mux_header *);
void ck_stream_data(struct ck *, struct ck_stream *, const uint8_t *,
    size_t, int last);
void ck_stream_send(struct ck *, struct ck_stream *);
void ck_stream_report_unfinished(struct ck *);

/* mux_check.c */
void ck_frame(struct ck *, const struct mux_header *, const void *, size_t);
void ck_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));
void ck_violation(struct ck *, int rc, const char *err);

#endif
