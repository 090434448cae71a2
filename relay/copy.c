/*
 * The relay proper: one thread copies stdin to the target ("up"), one
 * copies the target to stdout ("down"), both with blocking calls, so an
 * idle relay sleeps in the kernel.  The main thread waits for the first
 * direction to end and applies npiperelay's rules:
 *
 *   stdin EOF     -s: half-close the target (done by the up thread, so it
 *                 happens before anything else, -ei included);
 *                 -ei: exit now; otherwise wait for the target's EOF.
 *   target EOF    -ep: exit now; otherwise close stdout and keep
 *                 forwarding stdin until its EOF, as npiperelay does.
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

enum copy_dir_id { COPY_UP, COPY_DOWN };

struct copy_dir {
	struct copy *c;
	enum io_status end;	/* IO_EOF: source ended, IO_ERROR: failed */
	DWORD err;
	const char *failed;	/* which call failed, for the message */
	int failed_write;	/* the error was on the writing side */
	unsigned long long bytes;
};

struct copy {
	const struct options *o;
	struct target *t;
	HANDLE in, out;
	struct copy_dir dir[2];
};

/* Static: 64 KiB each, not on a thread's stack. */
static char copy_buf[2][NPRELAY_BUFSIZE];

static void
copy_fail(struct copy_dir *d, DWORD err, const char *what, int on_write)
{
	d->end = IO_ERROR;
	d->err = err;
	d->failed = what;
	d->failed_write = on_write;
}

static int
copy_write_all(HANDLE h, const char *buf, DWORD len, DWORD *err)
{
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

static DWORD WINAPI
copy_up_cb(void *arg)
{
	struct copy_dir *d = arg;
	struct copy *c = d->c;
	char *buf = copy_buf[COPY_UP];
	DWORD n, e;

	for (;;) {
		if (!ReadFile(c->in, buf, NPRELAY_BUFSIZE, &n, NULL)) {
			e = GetLastError();
			/* A pipe's writer closing reads as ERROR_BROKEN_PIPE. */
			if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF)
				break;
			copy_fail(d, e, "read from stdin", 0);
			return 0;
		}
		if (n == 0)
			break;
		if (target_write(c->t, buf, n, &e) != IO_OK) {
			copy_fail(d, e, "write to target", 1);
			return 0;
		}
		d->bytes += n;
	}
	report_verbose("stdin EOF after %llu bytes", d->bytes);
	if (c->o->close_write) {
		if (target_close_write(c->t, &e) != 0)
			report_verbose("half-close failed (error %lu)",
			    (unsigned long)e);
		else
			report_verbose("half-closed the target");
	}
	d->end = IO_EOF;
	return 0;
}

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
		if (st == IO_EOF)
			break;
		if (st == IO_ERROR) {
			copy_fail(d, e, "read from target", 0);
			return 0;
		}
		if (copy_write_all(c->out, buf, n, &e) != 0) {
			copy_fail(d, e, "write to stdout", 1);
			return 0;
		}
		d->bytes += n;
	}
	report_verbose("target EOF after %llu bytes", d->bytes);
	d->end = IO_EOF;
	return 0;
}

static int
copy_failed(const struct copy_dir *d, struct nprelay_error *err)
{
	error_set(err, NPRELAY_EIO, d->err, "%s", d->failed);
	return NPRELAY_EIO;
}

/* Up ended first: stdin EOF (after -s), or a failure. */
static int
copy_after_up(struct copy *c, HANDLE down, struct nprelay_error *err)
{
	struct copy_dir *up = &c->dir[COPY_UP], *dn = &c->dir[COPY_DOWN];

	if (up->end == IO_ERROR && !up->failed_write)
		return copy_failed(up, err);
	if (up->end == IO_EOF && c->o->exit_on_stdin_eof) {
		report_verbose("exiting at stdin EOF (-ei)");
		return NPRELAY_OK;
	}
	/*
	 * Still deliver what the target sends.  After a failed write the
	 * target is most likely gone, and its reads end at once.
	 */
	WaitForSingleObject(down, INFINITE);
	if (dn->end == IO_ERROR)
		return copy_failed(dn, err);
	if (up->end == IO_ERROR)
		return copy_failed(up, err);
	return NPRELAY_OK;
}

/* Down ended first: target EOF, or a failure. */
static int
copy_after_down(struct copy *c, HANDLE up_thread, struct nprelay_error *err)
{
	struct copy_dir *up = &c->dir[COPY_UP], *dn = &c->dir[COPY_DOWN];

	if (dn->end == IO_ERROR)
		return copy_failed(dn, err);
	if (c->o->exit_on_pipe_eof) {
		report_verbose("exiting at target EOF (-ep)");
		return NPRELAY_OK;
	}
	/* A separate stdout (a plain pipe) sees EOF now; see the top. */
	if (c->out != c->in) {
		CloseHandle(c->out);
		c->out = INVALID_HANDLE_VALUE;
	}
	WaitForSingleObject(up_thread, INFINITE);
	/* Writing to a target that has ended is expected to fail. */
	if (up->end == IO_ERROR && !up->failed_write)
		return copy_failed(up, err);
	return NPRELAY_OK;
}

int
copy_run(const struct options *o, struct target *t, struct nprelay_error *err)
{
	struct copy c = { 0 };
	HANDLE th[2] = { NULL, NULL };
	DWORD r;
	int status = NPRELAY_EIO, i;

	c.o = o;
	c.t = t;
	c.in = GetStdHandle(STD_INPUT_HANDLE);
	c.out = GetStdHandle(STD_OUTPUT_HANDLE);
	for (i = 0; i < 2; i++)
		c.dir[i].c = &c;

	/* Small stacks: the buffers are static. */
	th[COPY_UP] = CreateThread(NULL, 64 * 1024, copy_up_cb, &c.dir[COPY_UP],
	    STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	th[COPY_DOWN] = CreateThread(NULL, 64 * 1024, copy_down_cb,
	    &c.dir[COPY_DOWN], STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	if (th[COPY_UP] == NULL || th[COPY_DOWN] == NULL) {
		error_set(err, NPRELAY_EIO, GetLastError(), "CreateThread");
		goto out;
	}

	r = WaitForMultipleObjects(2, th, FALSE, INFINITE);
	if (r == WAIT_OBJECT_0 + COPY_UP)
		status = copy_after_up(&c, th[COPY_DOWN], err);
	else if (r == WAIT_OBJECT_0 + COPY_DOWN)
		status = copy_after_down(&c, th[COPY_UP], err);
	else
		error_set(err, NPRELAY_EIO, GetLastError(),
		    "WaitForMultipleObjects");
out:
	/*
	 * A thread may still be blocked in a read; the caller ends the
	 * process, which is what makes the EOF visible (see the top).
	 */
	return status;
}
