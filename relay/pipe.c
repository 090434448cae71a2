/*
 * Opening the named pipe, waiting for it with -p.
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
 * \\.\pipe\docker_engine, say) could act as this user.  Identification
 * still lets a legitimate server learn who the client is
 * (ImpersonateNamedPipeClient + OpenThreadToken + CheckTokenMembership,
 * which is what the Windows OpenSSH agent does; Docker relies on the
 * pipe's ACL checked at open), but not use the token to open files,
 * registry keys or network resources as the user.
 */
#define PIPE_SQOS (SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION)

/*
 * "//./pipe/x" is how pipes are written in WSL configs; Win32 accepts
 * forward slashes in CreateFile but WaitNamedPipe wants "\\.\pipe\x".
 */
static wchar_t *
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

static HANDLE
pipe_try(const wchar_t *name, DWORD *e)
{
	HANDLE h;

	h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, FILE_FLAG_OVERLAPPED | PIPE_SQOS, NULL);
	*e = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
	return h;
}

int
pipe_open(const struct options *o, struct target *t, struct nprelay_error *err)
{
	struct waiter w;
	wchar_t *name = NULL;
	HANDLE h = INVALID_HANDLE_VALUE;
	DWORD e, left, flags = 0;
	int rc = -1, said = 0;

	if ((name = pipe_name(o->target)) == NULL) {
		error_set(err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "open pipe");
		goto out;
	}
	waiter_init(&w, o->limit_ms);
	for (;;) {
		h = pipe_try(name, &e);
		if (h != INVALID_HANDLE_VALUE)
			break;
		if (!o->poll || (e != ERROR_FILE_NOT_FOUND &&
		    e != ERROR_PIPE_BUSY)) {
			error_set(err, NPRELAY_ECONNECT, e, "cannot open pipe");
			goto out;
		}
		left = waiter_remaining(&w);
		if (left == 0) {
			error_set(err, NPRELAY_ETIMEOUT, e,
			    "gave up waiting for the pipe after %lu s",
			    (unsigned long)(o->limit_ms / 1000));
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
			error_set(err, NPRELAY_ETIMEOUT, e,
			    "gave up waiting for the pipe after %lu s",
			    (unsigned long)(o->limit_ms / 1000));
			goto out;
		}
	}

	t->kind = TARGET_PIPE;
	t->pipe = h;
	h = INVALID_HANDLE_VALUE;
	if (GetNamedPipeInfo(t->pipe, &flags, NULL, NULL, NULL))
		t->message_mode = (flags & PIPE_TYPE_MESSAGE) != 0;
	report_verbose("connected to pipe (%s mode)",
	    t->message_mode ? "message" : "byte");
	rc = 0;
out:
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	free(name);
	return rc;
}
