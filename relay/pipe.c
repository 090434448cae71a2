/*
 * Opening the named pipe: waiting while it is busy (always, bounded) or
 * missing (-p), then the read mode for a message pipe.
 */
#include <stdlib.h>
#include <wchar.h>

#include "pipe.h"
#include "report.h"
#include "waiter.h"

/*
 * Impersonation level granted to the pipe server.  Without
 * SECURITY_SQOS_PRESENT, CreateFile grants SecurityImpersonation: any
 * process that creates the pipe name first (a squatter on
 * \\.\pipe\docker_engine, say) could act as this user: open the user's
 * files, registry keys and network shares.  At SecurityIdentification a
 * server can still learn who the client is; the servers this relay is for
 * do not act as their client: the Windows OpenSSH agent looks its client
 * up with GetNamedPipeClientProcessId and that process's token, Docker
 * relies on the pipe's ACL checked at open.
 */
#define PIPE_SQOS (SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION)

/*
 * "//./pipe/x" is how pipes are written in WSL configs; Win32 accepts
 * forward slashes in CreateFile but WaitNamedPipe wants "\\.\pipe\x".
 * The caller frees the result.
 */
wchar_t *
pipe_name(const wchar_t *target)
{
	wchar_t *name, *p;

	name = _wcsdup(target);
	if (name == NULL)
		return NULL;
	for (p = name; *p != L'\0'; p++) {
		if (*p == L'/')
			*p = L'\\';
	}
	return name;
}

/* One attempt; INVALID_HANDLE_VALUE and *err on failure. */
HANDLE
pipe_try(const wchar_t *name, DWORD *err)
{
	HANDLE h;

	h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, FILE_FLAG_OVERLAPPED | PIPE_SQOS, NULL);
	*err = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
	return h;
}

/*
 * A message-type pipe is switched to message read mode: in byte read
 * mode one read may return the end of one message, a zero-byte message
 * and the next message merged, so the server's half-close (a zero-byte
 * message right after its data, as go-winio writes it) would be lost.
 * A handle that is not a pipe (GetNamedPipeInfo fails) is read as bytes.
 */
int
pipe_setup(HANDLE h, int *message_mode, DWORD *err)
{
	DWORD flags = 0, mode = PIPE_READMODE_MESSAGE;

	*message_mode = 0;
	if (!GetNamedPipeInfo(h, &flags, NULL, NULL, NULL) ||
	    (flags & PIPE_TYPE_MESSAGE) == 0)
		return 0;
	if (!SetNamedPipeHandleState(h, &mode, NULL, NULL)) {
		*err = GetLastError();
		return -1;
	}
	*message_mode = 1;
	return 0;
}

void
pipe_gave_up(const struct options *o, DWORD e, struct nprelay_error *err)
{
	if (o->poll)
		error_set(err, NPRELAY_ETIMEOUT, e,
		    "gave up waiting for the pipe after %lu s",
		    (unsigned long)(o->limit_ms / 1000));
	else
		error_set(err, NPRELAY_ECONNECT, e, "cannot open pipe "
		    "(busy for %u s)", PIPE_BUSY_WAIT_MS / 1000);
}

/*
 * Missing: retried with -p only, up to -l.  Busy: always waited for,
 * up to -l with -p, PIPE_BUSY_WAIT_MS without.
 */
int
pipe_open(const struct options *o, struct target *t, struct nprelay_error *err)
{
	struct waiter w;
	wchar_t *name = NULL;
	HANDLE h = INVALID_HANDLE_VALUE;
	DWORD e, left;
	int rc = -1, said = 0;

	if ((name = pipe_name(o->target)) == NULL) {
		error_set(err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "open pipe");
		goto out;
	}
	waiter_init(&w, o->poll ? o->limit_ms : PIPE_BUSY_WAIT_MS);
	for (;;) {
		h = pipe_try(name, &e);
		if (h != INVALID_HANDLE_VALUE)
			break;
		if (e != ERROR_PIPE_BUSY &&
		    (!o->poll || e != ERROR_FILE_NOT_FOUND)) {
			error_set(err, NPRELAY_ECONNECT, e, "cannot open pipe");
			goto out;
		}
		left = waiter_remaining(&w);
		if (left == 0) {
			pipe_gave_up(o, e, err);
			goto out;
		}
		if (e == ERROR_PIPE_BUSY) {
			/*
			 * WaitNamedPipe sleeps in the kernel until an instance
			 * is free.  Another client may still win the race for
			 * it, hence the loop.  A pipe that disappeared makes
			 * it fail at once: back off then, as for a missing one.
			 */
			if (!said++)
				report_verbose("all pipe instances are busy, "
				    "waiting");
			if (WaitNamedPipeW(name, left) ||
			    GetLastError() == ERROR_SEM_TIMEOUT)
				continue;
		} else if (!said++)
			report_verbose("pipe does not exist yet, waiting");
		if (!waiter_sleep(&w)) {
			pipe_gave_up(o, e, err);
			goto out;
		}
	}

	if (pipe_setup(h, &t->message_mode, &e) != 0) {
		error_set(err, NPRELAY_ECONNECT, e,
		    "cannot read the message pipe in message mode");
		goto out;
	}
	t->kind = TARGET_PIPE;
	t->pipe = h;
	h = INVALID_HANDLE_VALUE;
	report_verbose("connected to pipe (%s mode)",
	    t->message_mode ? "message" : "byte");
	rc = 0;
out:
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	free(name);
	return rc;
}
