/*
 * nptest-muxrelay's fault injection, for the router's tests of a relay
 * that misbehaves (issue 11, "Bad input and faults").  Each --fault is
 * one function, run before the session starts; the faults that act
 * later set a flag the session checks, or act on the first stream that
 * opens (mr_fault_opened).  Frames are still encoded with the codec's
 * header encoder: only the rule broken is broken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxrelay.h"

#define MR_FAULT_TEXT "nptest-muxrelay: this is not a mux relay\n"

struct mr_fault {
	const char *name;
	const char *help;
	int has_arg;
	int lead;		/* writes the session's first bytes */
	/* 1: the session serves frames; 0: it only drains stdin. */
	int (*start)(struct mr *, const char *arg);
	void (*opened)(struct mr *, struct mr_chan *);
};

static void
mr_fault_append(struct mr *r, const void *buf, size_t len)
{
	if (mux_outq_append(&r->out, buf, len) != 0)
		mr_die(MR_EXIT_FAIL, "out of memory");
}

static const char *
mr_fault_text(struct mr *r)
{
	return r->fault_text != NULL ? r->fault_text : MR_FAULT_TEXT;
}

static int
fault_text_before(struct mr *r, const char *arg)
{
	(void)arg;
	mr_fault_append(r, mr_fault_text(r), strlen(mr_fault_text(r)));
	mr_fault_append(r, MUX_HELLO, MUX_HELLO_LEN);
	return 1;
}

static int
fault_text_instead(struct mr *r, const char *arg)
{
	(void)arg;
	mr_fault_append(r, mr_fault_text(r), strlen(mr_fault_text(r)));
	return 0;
}

static int
fault_silent(struct mr *r, const char *arg)
{
	(void)r;
	(void)arg;
	return 0;
}

/* Bytes no frame starts with: version 0x6e, type 0x6f. */
static int
fault_garbage(struct mr *r, const char *arg)
{
	static const char junk[] = "not a frame at all, just text\n";

	(void)arg;
	mr_fault_append(r, MUX_HELLO, MUX_HELLO_LEN);
	mr_fault_append(r, junk, sizeof junk - 1);
	return 0;
}

/* A stream of ours opened with a Data frame announcing 64 bytes, of which
 * 10 come; then the process exits. */
static int
fault_truncated(struct mr *r, const char *arg)
{
	static const uint8_t part[10] = { 0, 0, 0, 6, 0, 1, 'x', 0, 0, 0 };
	struct mux_header h;
	uint8_t b[MUX_HEADER_LEN];
	char err[256];

	(void)arg;
	mr_fault_append(r, MUX_HELLO, MUX_HELLO_LEN);
	mux_header_set(&h, MUX_DATA, MUX_SYN, 2, 64);
	if (mux_header_encode(&h, b, err, sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "%s", err);
	mr_fault_append(r, b, sizeof b);
	mr_fault_append(r, part, sizeof part);
	(void)mux_outq_flush(&r->out, 1);
	mux_outq_free(&r->out);
	mux_decoder_free(r->dec);
	exit(MR_EXIT_OK);
}

/* Data without SYN on stream 2, which we never opened; then serve. */
static int
fault_unknown_stream(struct mr *r, const char *arg)
{
	struct mux_header h;

	(void)arg;
	mr_fault_append(r, MUX_HELLO, MUX_HELLO_LEN);
	mux_header_set(&h, MUX_DATA, 0, 2, 4);
	mr_frame(r, &h, "lost", 4);
	return 1;
}

/* A fault that acts later (mr_fault_opened). */
static int
fault_later(struct mr *r, const char *arg)
{
	(void)r;
	(void)arg;
	return 1;
}

/* After the reply, a full-size Data frame: 9 + 262144 bytes, past the
 * 262144-byte window. */
static void
fault_beyond_window(struct mr *r, struct mr_chan *c)
{
	static uint8_t fill[MUX_DATA_MAX];
	struct mux_header h;
	uint8_t reply[MUX_OPEN_REPLY_MAX];
	char err[256];
	size_t n;

	if (r->first_open_done++)
		return;
	if (mux_open_reply_encode(reply, sizeof reply, &n, 0, 0, NULL, err,
	    sizeof err) != MUX_OK ||
	    mux_stream_send_data(&c->st, c->id, (uint32_t)n, 0, &h, err,
	    sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "%s", err);
	mr_frame(r, &h, reply, n);
	memset(fill, 'w', sizeof fill);
	mux_header_set(&h, MUX_DATA, 0, c->id, sizeof fill);
	mr_frame(r, &h, fill, sizeof fill);
	mr_chan_head_clear(c);
	c->first_sent = 1;
}

/* A Window Update of 2^32 - 1 on top of the 256 KiB window. */
static void
fault_window_overflow(struct mr *r, struct mr_chan *c)
{
	struct mux_header h;

	if (r->first_open_done++)
		return;
	if (!c->first_sent) {
		/* The ACK first, or the update would open nothing. */
		if (mux_stream_send_window(&c->st, c->id, 0, &h, NULL, 0) !=
		    MUX_OK)
			mr_die(MR_EXIT_FAIL, "stream %lu: no ACK to send",
			    (unsigned long)c->id);
		mr_frame(r, &h, NULL, 0);
		c->first_sent = 1;
	}
	mux_header_set(&h, MUX_WINDOW_UPDATE, 0, c->id, 0xffffffffu);
	mr_frame(r, &h, NULL, 0);
}

static int
fault_no_pong(struct mr *r, const char *arg)
{
	r->no_pong = 1;
	return 1;
}

static int
fault_no_credit(struct mr *r, const char *arg)
{
	r->no_credit = 1;
	return 1;
}

static int
fault_fail_open(struct mr *r, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (end == arg || *end != '\0' || v == 0 || v > 0xffffffffu)
		mr_die(MR_EXIT_USAGE, "--fault fail-open=CODE: a Win32 code "
		    "above 0, not \"%s\"", arg);
	r->fail_open = 1;
	r->fail_code = (uint32_t)v;
	return 1;
}

static int
fault_exit_after(struct mr *r, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (end == arg || *end != '\0')
		mr_die(MR_EXIT_USAGE, "--fault exit-after=N: a count, not "
		    "\"%s\"", arg);
	r->exit_after = v;
	r->exit_after_set = 1;
	return 1;
}

static const struct mr_fault mr_faults[] = {
	{ "text-before", "write --fault-text, then the hello; serve",
	    0, 1, fault_text_before, NULL },
	{ "text-instead", "write --fault-text instead of the hello; read "
	    "stdin to its end", 0, 1, fault_text_instead, NULL },
	{ "silent", "write nothing; read stdin to its end", 0, 1,
	    fault_silent, NULL },
	{ "garbage", "the hello, then a line of text; read stdin to its end",
	    0, 1, fault_garbage, NULL },
	{ "truncated", "the hello, then a Data frame (SYN, stream 2) "
	    "announcing 64 bytes with 10; exit 0", 0, 1, fault_truncated,
	    NULL },
	{ "unknown-stream", "the hello, then Data on stream 2, never "
	    "opened; serve", 0, 1, fault_unknown_stream, NULL },
	{ "beyond-window", "on the first stream, the reply and then 262144 "
	    "bytes: 9 past the window", 0, 0, fault_later,
	    fault_beyond_window },
	{ "window-overflow", "on the first stream, a Window Update of "
	    "2^32 - 1", 0, 0, fault_later, fault_window_overflow },
	{ "no-pong", "never answer a ping", 0, 0, fault_no_pong, NULL },
	{ "no-credit", "never return credit after a stream's first frame "
	    "(a reader that stopped)", 0, 0, fault_no_credit, NULL },
	{ "fail-open", "=CODE: answer every open with status 3 and Win32 "
	    "error CODE", 1, 0, fault_fail_open, NULL },
	{ "exit-after", "=N: serve N streams; at the next SYN exit with "
	    "status 1", 1, 0, fault_exit_after, NULL },
};
#define MR_NFAULTS (sizeof mr_faults / sizeof mr_faults[0])

int
mr_fault_add(struct mr *r, const char *spec)
{
	const char *eq = strchr(spec, '=');
	size_t len = eq ? (size_t)(eq - spec) : strlen(spec), i;

	for (i = 0; i < MR_NFAULTS; i++) {
		if (strlen(mr_faults[i].name) != len ||
		    strncmp(mr_faults[i].name, spec, len) != 0)
			continue;
		if ((eq != NULL) != mr_faults[i].has_arg ||
		    r->nfaults == sizeof r->faults / sizeof r->faults[0])
			return -1;
		r->faults[r->nfaults] = &mr_faults[i];
		r->fault_args[r->nfaults++] = eq ? eq + 1 : NULL;
		return 0;
	}
	return -1;
}

int
mr_fault_start(struct mr *r)
{
	size_t i, leads = 0;
	int serve = 1;

	for (i = 0; i < r->nfaults; i++)
		leads += (size_t)r->faults[i]->lead;
	if (leads > 1)
		mr_die(MR_EXIT_USAGE, "at most one fault may decide the first "
		    "bytes (text-*, silent, garbage, truncated, "
		    "unknown-stream)");
	if (leads == 0)
		mr_fault_append(r, MUX_HELLO, MUX_HELLO_LEN);
	for (i = 0; i < r->nfaults; i++)
		serve &= r->faults[i]->start(r, r->fault_args[i]);
	return serve;
}

void
mr_fault_opened(struct mr *r, struct mr_chan *c)
{
	size_t i;

	for (i = 0; i < r->nfaults; i++)
		if (r->faults[i]->opened != NULL)
			r->faults[i]->opened(r, c);
}

void
mr_fault_usage(void)
{
	size_t i;

	fputs("\nFaults (--fault NAME[=ARG], repeatable; --fault-text TEXT "
	    "sets the text):\n", stdout);
	for (i = 0; i < MR_NFAULTS; i++)
		printf("  %-16s %s\n", mr_faults[i].name, mr_faults[i].help);
}
