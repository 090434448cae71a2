/*
 * nprelay.exe --mux (docs/mux.md, docs/nprelay.md "Mux mode"): one I/O
 * completion port and this thread, the worker, which owns every channel;
 * a reader thread for stdin and a writer thread for stdout (mux_io.c)
 * that only post to the port.  The worker decodes the router's frames,
 * completes the targets' I/O, runs the busy/missing-pipe timers (its
 * GetQueuedCompletionStatus timeout) and feeds the writer round robin.
 *
 * Only frames reach stdout: error boxes are off, and every message goes
 * to stderr with WriteFile.  The process ends with TerminateProcess, as
 * in spawn mode (main.c), since the reader may still be blocked in a read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux_main.h"
#include "mux_relay.h"
#include "report.h"

static void
mux_main_exit(int status)
{
	TerminateProcess(GetCurrentProcess(), (UINT)status);
	ExitProcess((UINT)status); /* not reached */
}

/* Go Away with code, as the last frame, one line on stderr, exit. */
static void
mux_main_go_away(struct mux_relay *m, uint32_t code, const char *why)
{
	struct mux_header h;
	struct mux_out *o;

	report_say("--mux", "%s", why);
	mux_header_set(&h, MUX_GO_AWAY, 0, 0, code);
	if ((o = mux_out_new(MUX_HEADER_LEN)) != NULL)
		mux_header_encode(&h, o->data, NULL, 0);
	mux_io_finish(m->io, o, 5000);
	mux_main_exit(NPRELAY_EIO);
}

static void
mux_main_frame(struct mux_relay *m, const struct mux_header *h)
{
	struct mux_header answer;
	struct mux_chan *c;
	char err[256], why[300];
	int rc;

	switch (h->type) {
	case MUX_PING:
		/* Answers go ahead of queued data; our own pings: none. */
		if (h->flags & MUX_SYN) {
			mux_header_set(&answer, MUX_PING, MUX_ACK, 0, h->length);
			mux_relay_send_header(m, &answer, 1);
		}
		return;
	case MUX_GO_AWAY:
		if (h->length == MUX_GO_AWAY_NORMAL) {
			/* No new streams will come; the others run on. */
			m->peer_went_away = 1;
			return;
		}
		report_say("--mux", "the router sent Go Away (code %lu)",
		    (unsigned long)h->length);
		mux_main_exit(NPRELAY_EIO);
		return;
	}
	c = mux_chan_find(m, h->stream_id);
	if (c == NULL && (h->flags & MUX_SYN)) {
		if (mux_chan_syn(m, h) != 0)
			mux_main_go_away(m, MUX_GO_AWAY_INTERNAL,
			    "out of memory");
		c = mux_chan_find(m, h->stream_id);
	}
	if (c == NULL)
		return;		/* refused, or closed: its payload is skipped */
	c->refs++;
	rc = mux_chan_frame(c, h, err, sizeof err);
	mux_chan_unref(c);
	if (rc != MUX_OK) {
		snprintf(why, sizeof why, "protocol violation: %s", err);
		mux_main_go_away(m, MUX_IS_VIOLATION(rc) ? MUX_GO_AWAY_PROTOCOL :
		    MUX_GO_AWAY_INTERNAL, why);
	}
}

static void
mux_main_input(struct mux_relay *m, const uint8_t *buf, size_t len)
{
	struct mux_event ev;
	struct mux_chan *c;
	char err[256], why[300];
	size_t used;
	int rc;

	while (len > 0) {
		rc = mux_decoder_next(m->dec, buf, len, &used, &ev, err,
		    sizeof err);
		if (rc != MUX_OK) {
			snprintf(why, sizeof why, "protocol violation: %s", err);
			mux_main_go_away(m, MUX_GO_AWAY_PROTOCOL, why);
		}
		buf += used;
		len -= used;
		if (ev.type == MUX_EV_FRAME)
			mux_main_frame(m, &ev.hdr);
		else if (ev.type == MUX_EV_DATA &&
		    (c = mux_chan_find(m, ev.hdr.stream_id)) != NULL) {
			c->refs++;
			rc = mux_chan_data(c, ev.data, ev.len, ev.last, err,
			    sizeof err);
			mux_chan_unref(c);
			if (rc != MUX_OK) {
				snprintf(why, sizeof why,
				    "protocol violation: %s", err);
				mux_main_go_away(m, MUX_IS_VIOLATION(rc) ?
				    MUX_GO_AWAY_PROTOCOL : MUX_GO_AWAY_INTERNAL,
				    why);
			}
		} else if (ev.type == MUX_EV_NONE)
			break;
	}
}

/* Channels whose wait for a busy or missing pipe is over retry now;
 * returns the milliseconds until the next one is due. */
static DWORD
mux_main_timers(struct mux_relay *m)
{
	struct mux_chan **pp = &m->wait, *c;
	ULONGLONG now = GetTickCount64(), next = ~0ULL;

	while ((c = *pp) != NULL) {
		if (c->in_table && c->next_try > now) {
			pp = &c->wait_next;
			continue;
		}
		*pp = c->wait_next;
		c->in_wait = 0;
		/* May put c back at the head, due later than now. */
		mux_target_retry(c);
		mux_chan_unref(c);
	}
	for (c = m->wait; c != NULL; c = c->wait_next)
		if (c->next_try < next)
			next = c->next_try;
	if (next == ~0ULL)
		return INFINITE;
	now = GetTickCount64();
	return next <= now ? 0 : (DWORD)(next - now);
}

/*
 * A crash ends the process with one line on stderr, before Wine starts
 * its debugger (or Windows its error reporting), which could write to
 * the stdout that carries the frames.
 */
static LONG WINAPI
mux_main_crash_cb(EXCEPTION_POINTERS *ep)
{
	char line[160];

	snprintf(line, sizeof line, "nprelay: --mux: crashed (exception "
	    "0x%08lx at %p)\n",
	    (unsigned long)ep->ExceptionRecord->ExceptionCode,
	    ep->ExceptionRecord->ExceptionAddress);
	report_write(GetStdHandle(STD_ERROR_HANDLE), line);
	TerminateProcess(GetCurrentProcess(), NPRELAY_EIO);
	return EXCEPTION_EXECUTE_HANDLER;
}

int
mux_main(int argc, wchar_t **argv)
{
	struct mux_relay *m;
	struct mux_out *hello;
	WSADATA wsa;
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD n, e, timeout = INFINITE;
	BOOL ok;

	/* No dialog may wait for a click, and none may write to stdout. */
	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX |
	    SEM_NOOPENFILEERRORBOX);
	SetUnhandledExceptionFilter(mux_main_crash_cb);
	report_init(0, L"--mux");
	if (argc != 2) {
		report_usage_error("--mux takes no other argument: each stream "
		    "brings its own (docs/mux.md)");
		mux_main_exit(NPRELAY_EUSAGE);
	}
	if ((e = (DWORD)WSAStartup(MAKEWORD(2, 2), &wsa)) != 0) {
		report_say("--mux", "WSAStartup failed (error %lu)",
		    (unsigned long)e);
		mux_main_exit(NPRELAY_EIO);
	}
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->dec = mux_decoder_new(MUX_ROLE_RELAY)) == NULL) {
		report_say("--mux", "out of memory");
		mux_main_exit(NPRELAY_EIO);
	}
	m->ready_tail = &m->ready;
	/* One worker: this thread; no lock guards a channel. */
	m->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
	if (m->port == NULL || (m->io = mux_io_start(m->port, &e)) == NULL) {
		report_say("--mux", "cannot start (error %lu)",
		    (unsigned long)(m->port == NULL ? GetLastError() : e));
		mux_main_exit(NPRELAY_EIO);
	}
	if ((hello = mux_out_new(MUX_HELLO_LEN)) == NULL) {
		report_say("--mux", "out of memory");
		mux_main_exit(NPRELAY_EIO);
	}
	memcpy(hello->data, MUX_HELLO, MUX_HELLO_LEN);
	m->queued += hello->len;
	mux_io_send(m->io, hello, 0);

	for (;;) {
		ov = NULL;
		key = 0;
		n = 0;
		ok = GetQueuedCompletionStatus(m->port, &n, &key, &ov, timeout);
		e = ok ? 0 : GetLastError();
		if (ov != NULL || ok) {
			switch (key) {
			case MUXK_IO:
				mux_target_completion(CONTAINING_RECORD(ov,
				    struct mux_op, ov), n, e);
				break;
			case MUXK_STDIN:
				/* The router is gone: so is every stream. */
				if (n == 0)
					mux_main_exit(NPRELAY_OK);
				mux_main_input(m, (const uint8_t *)ov, n);
				mux_io_stdin_done(m->io);
				break;
			case MUXK_STDIN_FAILED:
				report_say("--mux", "read from stdin failed "
				    "(error %lu)", (unsigned long)n);
				mux_main_exit(NPRELAY_EIO);
				break;
			case MUXK_WRITTEN:
				/* Counted below, with every wake-up. */
				break;
			case MUXK_OUT_FAILED:
				/* The router closed its end: it is gone, as
				 * at stdin EOF, which may not be read yet. */
				if (n == ERROR_BROKEN_PIPE || n == ERROR_NO_DATA ||
				    n == ERROR_PIPE_NOT_CONNECTED)
					mux_main_exit(NPRELAY_OK);
				report_say("--mux", "write to stdout failed "
				    "(error %lu)", (unsigned long)n);
				mux_main_exit(NPRELAY_EIO);
				break;
			case MUXK_FLUSHED:
				mux_target_flushed((struct mux_chan *)ov);
				break;
			case MUXK_CONNECTED:
				mux_target_connected(ov);
				break;
			}
		}
		timeout = mux_main_timers(m);
		m->queued -= mux_io_take_written(m->io);
		mux_relay_pump(m);
		if (m->queued >= MUX_OUT_CAP && m->ready != NULL) {
			/* Wait for room; a write that ended before the
			 * request is counted by taking again. */
			mux_io_want_written(m->io);
			m->queued -= mux_io_take_written(m->io);
			mux_relay_pump(m);
		}
	}
}
