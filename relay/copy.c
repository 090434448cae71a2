/*
 * The relay proper: one thread copies stdin to the target ("up"), one
 * copies the target to stdout ("down"), both with blocking calls, so an
 * idle relay sleeps in the kernel.  The main thread decides when to end,
 * from what each direction reports, with npiperelay's rules:
 *
 *   target gone   a broken or disconnected pipe, a reset socket: nothing
 *                 can be sent or received any more, so exit as soon as
 *                 what the target sent is on stdout, whatever the flags.
 *                 A write to the target failing for that reason (errors
 *                 109, 232, 233) is the same news; then the down thread
 *                 still drains what the target sent before it closed.
 *   target EOF    the target's half-close (zero-byte message, socket FIN):
 *                 -ep: exit now; otherwise close stdout (when it is a
 *                 handle of its own) and keep forwarding stdin until its
 *                 EOF or until the target goes.
 *   stdin EOF     -s: half-close the target (done by the up thread, so it
 *                 happens before anything else); -ei: exit now, after the
 *                 half-close or COPY_HALF_CLOSE_MS, whichever comes first;
 *                 otherwise wait for the target's EOF or end.
 *   failure       any other error in either direction: exit 1 at once.
 *
 * The status is decided from both directions' states, never from which
 * thread happened to finish first, so a server closing during a write
 * gives the same answer every time.
 *
 * Why "exit" rather than "close stdout": the router gives the relay one
 * end of a socketpair as both stdin and stdout.  Closing the stdout handle
 * closes one of two descriptors of that socket, so the router sees no EOF
 * until the process ends; Win32 has no shutdown() for a handle that is not
 * a Winsock socket.  Everything written to stdout was written with
 * blocking calls, so exiting loses nothing.
 */
#include "copy.h"
#include "report.h"

/*
 * With -ei -s on a message pipe the half-close waits until the server has
 * read everything (target_close_write), which a server that stopped
 * reading never does.  -ei asks for an exit at stdin EOF, so that wait is
 * bounded.  Giving up costs only the zero-byte message: the data is in
 * the pipe and the server can still read it after we close, and it then
 * sees the pipe's end instead of the half-close.
 */
#define COPY_HALF_CLOSE_MS 2000

enum copy_dir_id { COPY_UP, COPY_DOWN };

/* copy_decide's answers besides an exit status. */
#define COPY_UNDECIDED (-1)
#define COPY_AWAIT_HALF_CLOSE (-2)

/* How a direction ended; set once by its thread, before SetEvent. */
enum copy_end { COPY_RUNNING, COPY_EOF, COPY_GONE, COPY_FAILED };

struct copy_dir {
	struct copy *c;
	volatile LONG end;	/* enum copy_end */
	volatile LONG eof;	/* up: stdin EOF; down: the target's EOF */
	DWORD err;
	const char *failed;	/* which call failed, for the message */
	unsigned long long bytes;
};

struct copy {
	const struct options *o;
	struct target *t;
	HANDLE in, out;
	HANDLE changed;		/* auto-reset: a direction's state changed */
	struct copy_dir dir[2];
};

/* Static: 64 KiB each, not on a thread's stack. */
static char copy_buf[2][NPRELAY_BUFSIZE];

/* Publish a state change to the main thread. */
static void
copy_set(struct copy_dir *d, volatile LONG *field, LONG value)
{
	InterlockedExchange(field, value);
	SetEvent(d->c->changed);
}

static void
copy_fail(struct copy_dir *d, DWORD err, const char *what)
{
	d->err = err;
	d->failed = what;
	copy_set(d, &d->end, COPY_FAILED);
}

int
copy_write_all(HANDLE h, const void *data, DWORD len, DWORD *err)
{
	const char *buf = data;
	DWORD done = 0, n;

	while (done < len) {
		if (!WriteFile(h, buf + done, len - done, &n, NULL)) {
			*err = GetLastError();
			return -1;
		}
		if (n == 0) {
			*err = ERROR_WRITE_FAULT;
			return -1;
		}
		done += n;
	}
	return 0;
}

static void
copy_half_close(struct copy *c)
{
	DWORD e = 0;

	switch (target_close_write(c->t, &e)) {
	case IO_OK:
		report_verbose("half-closed the target");
		break;
	case IO_GONE:
		report_verbose("no half-close: the target has ended");
		break;
	default:
		report_verbose("half-close failed (error %lu)",
		    (unsigned long)e);
		break;
	}
}

static DWORD WINAPI
copy_up_cb(void *arg)
{
	struct copy_dir *d = arg;
	struct copy *c = d->c;
	char *buf = copy_buf[COPY_UP];
	enum io_status st;
	DWORD n, e = 0;

	for (;;) {
		if (!ReadFile(c->in, buf, NPRELAY_BUFSIZE, &n, NULL)) {
			e = GetLastError();
			/* A pipe's writer closing reads as ERROR_BROKEN_PIPE. */
			if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF)
				break;
			copy_fail(d, e, "read from stdin");
			return 0;
		}
		if (n == 0)
			break;
		st = target_write(c->t, buf, n, &e);
		if (st == IO_GONE) {
			report_verbose("the target ended during a write (error "
			    "%lu) after %llu bytes from stdin",
			    (unsigned long)e, d->bytes);
			copy_set(d, &d->end, COPY_GONE);
			return 0;
		}
		if (st != IO_OK) {
			copy_fail(d, e, "write to target");
			return 0;
		}
		d->bytes += n;
	}
	report_verbose("stdin EOF after %llu bytes", d->bytes);
	copy_set(d, &d->eof, 1);
	if (c->o->close_write)
		copy_half_close(c);
	copy_set(d, &d->end, COPY_EOF);
	return 0;
}

/*
 * After the target's EOF a pipe is still read, so that its end (the
 * server closing) ends the relay; anything sent after a half-close breaks
 * the convention and is dropped.  A socket reads 0 for ever after FIN,
 * so the socket's direction ends there.
 */
static DWORD WINAPI
copy_down_cb(void *arg)
{
	struct copy_dir *d = arg;
	struct copy *c = d->c;
	char *buf = copy_buf[COPY_DOWN];
	enum io_status st;
	DWORD n, e = 0;

	for (;;) {
		st = target_read(c->t, buf, NPRELAY_BUFSIZE, &n, &e);
		if (st == IO_GONE)
			break;
		if (st == IO_ERROR) {
			copy_fail(d, e, "read from target");
			return 0;
		}
		if (st == IO_EOF) {
			if (!d->eof) {
				report_verbose("target EOF after %llu bytes",
				    d->bytes);
				copy_set(d, &d->eof, 1);
			}
			if (c->t->kind == TARGET_SOCKET) {
				copy_set(d, &d->end, COPY_EOF);
				return 0;
			}
			continue;
		}
		if (d->eof) {
			report_verbose("dropped %lu bytes the target sent "
			    "after its EOF", (unsigned long)n);
			continue;
		}
		if (copy_write_all(c->out, buf, n, &e) != 0) {
			copy_fail(d, e, "write to stdout");
			return 0;
		}
		d->bytes += n;
	}
	report_verbose("the target closed after %llu bytes", d->bytes);
	copy_set(d, &d->end, COPY_GONE);
	return 0;
}

static int
copy_failed(const struct copy_dir *d, struct nprelay_error *err)
{
	error_set(err, NPRELAY_EIO, d->err, "%s", d->failed);
	return NPRELAY_EIO;
}

/*
 * Whether stdout is stdin or stderr as well (a parent may pass one pipe
 * for several), in which case closing it would end the other, and would
 * not make EOF visible anyway.  Handles with different values may still
 * name one object; CompareObjectHandles (Windows 10) tells, and older
 * systems fall back to comparing values.
 */
static int
copy_stdout_shared(const struct copy *c)
{
	typedef BOOL (WINAPI *compare_fn)(HANDLE, HANDLE);
	HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
	compare_fn cmp = NULL;
	HMODULE kb;

	if (c->out == c->in || c->out == err)
		return 1;
	if ((kb = GetModuleHandleW(L"kernelbase.dll")) != NULL)
		cmp = (compare_fn)(void (*)(void))GetProcAddress(kb,
		    "CompareObjectHandles");
	if (cmp == NULL)
		return 0;
	return cmp(c->out, c->in) ||
	    (err != NULL && err != INVALID_HANDLE_VALUE && cmp(c->out, err));
}

/* The target's EOF without -ep: a separate stdout (a plain pipe) sees EOF. */
static void
copy_close_stdout(struct copy *c)
{
	if (copy_stdout_shared(c)) {
		report_verbose("stdout is shared with stdin or stderr: "
		    "left open");
		return;
	}
	CloseHandle(c->out);
	c->out = INVALID_HANDLE_VALUE;
	SetStdHandle(STD_OUTPUT_HANDLE, INVALID_HANDLE_VALUE);
}

/*
 * Both directions' states to an exit status, or COPY_UNDECIDED, or
 * COPY_AWAIT_HALF_CLOSE (-ei -s: exit once the half-close is done).
 */
static int
copy_decide(struct copy *c, int *stdout_closed, struct nprelay_error *err)
{
	struct copy_dir *up = &c->dir[COPY_UP], *dn = &c->dir[COPY_DOWN];
	LONG up_end = up->end, dn_end = dn->end;

	if (dn_end == COPY_FAILED)
		return copy_failed(dn, err);
	if (up_end == COPY_FAILED)
		return copy_failed(up, err);
	if (dn_end == COPY_GONE) {
		report_verbose("exiting: the target has ended");
		return NPRELAY_OK;
	}
	if (dn->eof) {
		if (c->o->exit_on_pipe_eof) {
			report_verbose("exiting at target EOF (-ep)");
			return NPRELAY_OK;
		}
		if (up_end != COPY_RUNNING) {
			report_verbose("exiting: both directions have ended");
			return NPRELAY_OK;
		}
		if (!*stdout_closed) {
			copy_close_stdout(c);
			*stdout_closed = 1;
		}
	}
	/* A write found the target gone: wait for its tail (dn_end). */
	if (up->eof && c->o->exit_on_stdin_eof) {
		if (c->o->close_write && up_end == COPY_RUNNING)
			return COPY_AWAIT_HALF_CLOSE;
		report_verbose("exiting at stdin EOF (-ei)");
		return NPRELAY_OK;
	}
	return COPY_UNDECIDED;
}

int
copy_run(const struct options *o, struct target *t, struct nprelay_error *err)
{
	struct copy c = { 0 };
	HANDLE th[2] = { NULL, NULL };
	int status = NPRELAY_EIO, i, stdout_closed = 0;

	c.o = o;
	c.t = t;
	c.in = GetStdHandle(STD_INPUT_HANDLE);
	c.out = GetStdHandle(STD_OUTPUT_HANDLE);
	for (i = 0; i < 2; i++)
		c.dir[i].c = &c;
	if ((c.changed = CreateEventW(NULL, FALSE, FALSE, NULL)) == NULL) {
		error_set(err, NPRELAY_EIO, GetLastError(), "CreateEvent");
		goto out;
	}

	/* Small stacks: the buffers are static. */
	th[COPY_UP] = CreateThread(NULL, 64 * 1024, copy_up_cb, &c.dir[COPY_UP],
	    STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	th[COPY_DOWN] = CreateThread(NULL, 64 * 1024, copy_down_cb,
	    &c.dir[COPY_DOWN], STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	if (th[COPY_UP] == NULL || th[COPY_DOWN] == NULL) {
		error_set(err, NPRELAY_EIO, GetLastError(), "CreateThread");
		goto out;
	}

	/*
	 * The event is set after every change, so a change made between
	 * copy_decide and the wait leaves it set: nothing is missed.
	 */
	while ((status = copy_decide(&c, &stdout_closed, err)) < 0) {
		if (status == COPY_AWAIT_HALF_CLOSE) {
			/* -ei -s: the half-close, bounded (see the top). */
			if (WaitForSingleObject(th[COPY_UP],
			    COPY_HALF_CLOSE_MS) == WAIT_TIMEOUT) {
				report_verbose("exiting at stdin EOF (-ei) "
				    "without the half-close: the target did "
				    "not read within %u s",
				    COPY_HALF_CLOSE_MS / 1000);
				status = NPRELAY_OK;
				break;
			}
			continue;
		}
		if (WaitForSingleObject(c.changed, INFINITE) != WAIT_OBJECT_0) {
			error_set(err, NPRELAY_EIO, GetLastError(),
			    "WaitForSingleObject");
			status = NPRELAY_EIO;
			break;
		}
	}
out:
	/*
	 * A thread may still be blocked in a read; the caller ends the
	 * process, which is what makes the EOF visible (see the top).
	 */
	return status;
}
