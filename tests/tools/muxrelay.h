/*
 * nptest-muxrelay: a Linux stand-in for the relay side of the mux
 * (docs/mux.md, "Stand-in relay for tests"): it speaks the protocol on
 * its stdin and stdout like `nprelay.exe --mux`, with unix sockets where
 * the real relay opens named pipes, so the router's mux backend can be
 * tested without Wine, under ASan+UBSan and valgrind.  One poll() loop;
 * the framing is the codec's (mux/), never a copy of it.
 */
#ifndef NPTEST_MUXRELAY_H
#define NPTEST_MUXRELAY_H

#include <stddef.h>
#include <stdint.h>

#include "mux_decode.h"
#include "mux_open.h"
#include "mux_outq.h"
#include "mux_stream.h"

/* Stop reading targets while this much waits for stdout. */
#define MR_OUT_HIGH (256 * 1024)
#define MR_CHUNK (64 * 1024)
#define MR_BUCKETS 4096

/* Exit statuses. */
#define MR_EXIT_OK 0
#define MR_EXIT_FAIL 1		/* I/O error, out of memory, --fault exit-after */
#define MR_EXIT_USAGE 2
#define MR_EXIT_VIOLATION 3	/* the router broke the protocol */

struct mr;

struct mr_chan {
	uint32_t id;
	int here;		/* opened by us: an --expose-listen client */
	struct mux_stream st;
	int fd;			/* the unix socket, -1 once closed */
	int connecting;		/* connect() in progress */
	int opened;		/* request (or, here, reply) parsed */
	int failed;		/* open failed: drop what comes */
	/* flags of the open request (docs/nprelay.md) */
	int opt_s, opt_ep, opt_ei, opt_p;
	unsigned opt_l;
	/* --expose [--expose-sddl S]: this is an exposure stream (protocol
	 * point 7): its listening socket in --expose-dir, -1 if none */
	int opt_expose;
	char sddl[256];
	int expose_fd;
	char expose_path[108];
	int64_t wait_until, retry_at, retry_ms;	/* -p */
	char pipe[256];
	/* the request or reply read so far; freed once parsed (an idle
	 * stream holds no buffer: thousands of them in the benchmark) */
	uint8_t *pre;
	size_t pre_len;
	/* from the router, for the socket */
	struct mux_outq in;
	/* ours, before any socket data: the reply or the request; head_len
	 * bytes from head_off are still to send */
	uint8_t *head;
	size_t head_off, head_len;
	int waiting;		/* request read, socket not connected yet */
	int broken;		/* the socket takes no more (EPIPE) */
	int reset;		/* the router's RST */
	int first_sent;		/* our SYN or ACK went out */
	int fin_handled;	/* the router's FIN reached the socket */
	uint32_t payload_left;	/* of the Data frame being read: FIN and RST
				   take effect after it */
	int fd_eof;		/* read 0 from the socket */
	int fd_shut;		/* shutdown(SHUT_WR) done */
	int fin_due;		/* send FIN once head and data are out */
	int rst_due;		/* then RST (-ep, -ei) */
	struct mr_chan *next;	/* hash bucket */
	struct mr_chan *all_next, *all_prev;
};

struct mr_fault;

struct mr {
	struct mux_decoder *dec;
	struct mux_outq out;
	struct mr_chan *bucket[MR_BUCKETS];
	struct mr_chan *all;
	size_t nchans;
	int listen_fd;		/* --expose-listen, -1 if none */
	const char *expose_path;
	const char *expose_pipe;
	const char *expose_dir;	/* --expose-dir: where exposed pipes listen */
	int go_away_seen;	/* the router's Go Away: no new streams */
	int in_eof;
	unsigned long streams_served;
	/* faults (muxrelay-fault.c) */
	const struct mr_fault *faults[16];
	const char *fault_args[16];
	size_t nfaults;
	const char *fault_text;
	int no_pong, no_credit;
	int fail_open;
	uint32_t fail_code;
	unsigned long exit_after;
	int exit_after_set;
	int first_open_done;
};

/* muxrelay.c */
void mr_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void mr_frame(struct mr *, const struct mux_header *, const void *, size_t);
void mr_violation(struct mr *, int rc, const char *err)
    __attribute__((noreturn));
int64_t mr_now_ms(void);

/* muxrelay-chan.c */
struct mr_chan *mr_chan_find(struct mr *, uint32_t id);
struct mr_chan *mr_chan_new(struct mr *, uint32_t id, int here);
void mr_chan_free(struct mr *, struct mr_chan *);
void mr_chan_frame(struct mr *, struct mr_chan *, unsigned events,
    const struct mux_header *);
void mr_chan_pump(struct mr *, struct mr_chan *, short revents);
short mr_chan_events(struct mr *, const struct mr_chan *);
void mr_chan_close_fd(struct mr_chan *);
void mr_chan_consumed(struct mr_chan *, size_t n);
void mr_chan_send(struct mr *, struct mr_chan *, const void *, size_t,
    uint16_t flags);
void mr_chan_payload(struct mr_chan *, const uint8_t *, size_t);
void mr_chan_head_set(struct mr_chan *, const uint8_t *, size_t);
void mr_chan_head_clear(struct mr_chan *);

/* muxrelay-open.c */
void mr_chan_data(struct mr *, struct mr_chan *, const uint8_t *, size_t);
void mr_chan_connected(struct mr *, struct mr_chan *);
void mr_chan_timer(struct mr *, struct mr_chan *, int64_t now);
int64_t mr_chan_next_timer(const struct mr_chan *);
void mr_expose_accept(struct mr *, int listen_fd, const char *pipe);
/* An exposure stream's socket goes (the router's FIN or RST, the end). */
void mr_expose_close(struct mr_chan *);

/* muxrelay-args.c */
int mr_args_parse(struct mr_chan *, const struct mux_open_request *,
    char *err, size_t errlen);
/* Starts connecting c->pipe: 0 (connected, or c->connecting), or -1
 * with the Win32 code a pipe would have failed with. */
int mr_connect(struct mr_chan *, uint32_t *code);
uint32_t mr_errno_code(int err);
const char *mr_win32_text(uint32_t code);
void mr_open_message(char *msg, size_t len, const char *pipe,
    uint32_t code);

/* muxrelay-fault.c */
int mr_fault_add(struct mr *, const char *spec);
/* Before anything: the hello, or what a fault writes instead. 1 when
 * the session must serve frames, 0 when it only drains stdin. */
int mr_fault_start(struct mr *);
/* A stream's open request was answered with success. */
void mr_fault_opened(struct mr *, struct mr_chan *);
void mr_fault_usage(void);

#endif
