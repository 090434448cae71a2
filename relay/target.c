/*
 * Reads and writes on the target.
 *
 * A pipe handle opened without FILE_FLAG_OVERLAPPED serialises all I/O on
 * it, so a thread blocked in ReadFile would stop the other thread's
 * WriteFile: the classic deadlock of naive pipe relays.  The pipe is
 * therefore overlapped and each direction waits for its own operation
 * with GetOverlappedResult(..., TRUE), which blocks without polling.
 * Winsock sockets allow one recv and one send at once, so sockets use
 * plain blocking calls.
 */
#include "target.h"

void
target_init(struct target *t)
{
	t->kind = TARGET_NONE;
	t->pipe = INVALID_HANDLE_VALUE;
	t->sock = INVALID_SOCKET;
	t->message_mode = 0;
	t->read_event = NULL;
	t->write_event = NULL;
}

int
target_events(struct target *t, struct nprelay_error *err)
{
	t->read_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	t->write_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (t->read_event == NULL || t->write_event == NULL) {
		error_set(err, NPRELAY_EIO, GetLastError(), "CreateEvent");
		return -1;
	}
	return 0;
}

/*
 * Errors that mean the target has ended: on a read once what it sent is
 * drained (ERROR_BROKEN_PIPE), or at once (ERROR_PIPE_NOT_CONNECTED after
 * DisconnectNamedPipe, which discards it); on a write ERROR_NO_DATA ("the
 * pipe is being closed") too.  ERROR_HANDLE_EOF is the end of a target
 * that is a file or device rather than a pipe.
 */
int
target_error_is_gone(DWORD e)
{
	return e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ||
	    e == ERROR_NO_DATA || e == ERROR_HANDLE_EOF ||
	    e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAENETRESET ||
	    e == WSAESHUTDOWN;
}

static enum io_status
target_pipe_read(struct target *t, char *buf, DWORD len, DWORD *got,
    DWORD *err)
{
	OVERLAPPED ov = { 0 };
	DWORD e = 0;
	BOOL ok;

	*got = 0;
	ov.hEvent = t->read_event;
	ok = ReadFile(t->pipe, buf, len, NULL, &ov);
	if (!ok)
		e = GetLastError();
	if (ok || e == ERROR_IO_PENDING || e == ERROR_MORE_DATA) {
		ok = GetOverlappedResult(t->pipe, &ov, got, TRUE);
		e = ok ? 0 : GetLastError();
	}
	/*
	 * Message pipes are read in message mode (pipe.c): a message longer
	 * than the buffer arrives in pieces, ERROR_MORE_DATA carrying all but
	 * the last; *got holds the piece.  Not an error.
	 */
	if (!ok && e == ERROR_MORE_DATA && *got > 0)
		ok = TRUE;
	if (!ok) {
		if (target_error_is_gone(e))
			return IO_GONE;
		*err = e;
		return IO_ERROR;
	}
	/*
	 * A zero-byte read is a zero-byte message: how a message-mode
	 * server (go-winio's CloseWrite, Docker) says it will send no more
	 * while it keeps the pipe open.  Only message read mode keeps it
	 * apart from data queued before it.
	 */
	if (*got == 0)
		return IO_EOF;
	return IO_OK;
}

static enum io_status
target_pipe_write(struct target *t, const char *buf, DWORD len, DWORD *err)
{
	OVERLAPPED ov = { 0 };
	DWORD done = 0, n, e = 0;
	BOOL ok;

	ov.hEvent = t->write_event;
	do {
		n = 0;
		ok = WriteFile(t->pipe, buf + done, len - done, NULL, &ov);
		if (ok || (e = GetLastError()) == ERROR_IO_PENDING) {
			ok = GetOverlappedResult(t->pipe, &ov, &n, TRUE);
			if (!ok)
				e = GetLastError();
		}
		if (!ok) {
			*err = e;
			return target_error_is_gone(e) ? IO_GONE : IO_ERROR;
		}
		done += n;
		/* On a message pipe one WriteFile is one message. */
	} while (done < len && n > 0);
	if (done < len) {
		*err = ERROR_WRITE_FAULT;
		return IO_ERROR;
	}
	return IO_OK;
}

static enum io_status
target_sock_read(struct target *t, char *buf, DWORD len, DWORD *got,
    DWORD *err)
{
	int n, e;

	*got = 0;
	n = recv(t->sock, buf, (int)len, 0);
	if (n == 0)
		return IO_EOF;
	if (n == SOCKET_ERROR) {
		e = WSAGetLastError();
		*err = (DWORD)e;
		/* The server went away: the same as a broken pipe. */
		return target_error_is_gone((DWORD)e) ? IO_GONE : IO_ERROR;
	}
	*got = (DWORD)n;
	return IO_OK;
}

static enum io_status
target_sock_write(struct target *t, const char *buf, DWORD len, DWORD *err)
{
	DWORD done = 0;
	int n;

	while (done < len) {
		n = send(t->sock, buf + done, (int)(len - done), 0);
		if (n == SOCKET_ERROR) {
			*err = (DWORD)WSAGetLastError();
			return target_error_is_gone(*err) ? IO_GONE : IO_ERROR;
		}
		done += (DWORD)n;
	}
	return IO_OK;
}

enum io_status
target_read(struct target *t, char *buf, DWORD len, DWORD *got, DWORD *err)
{
	if (t->kind == TARGET_SOCKET)
		return target_sock_read(t, buf, len, got, err);
	return target_pipe_read(t, buf, len, got, err);
}

enum io_status
target_write(struct target *t, const char *buf, DWORD len, DWORD *err)
{
	if (t->kind == TARGET_SOCKET)
		return target_sock_write(t, buf, len, err);
	return target_pipe_write(t, buf, len, err);
}

/*
 * Half-close (-s).  A pipe has no shutdown(); by convention (go-winio,
 * used by Docker) a zero-byte message means "no more data".  Windows' pipe
 * driver drops a zero-byte message that is queued behind data the server
 * has not read yet, when the server reads in byte mode as go-winio does
 * (go-winio issue 42: `echo hi | docker run -i` hangs).  go-winio's own
 * CloseWrite therefore flushes first: FlushFileBuffers on a pipe returns
 * once the other end has read everything, so the zero-byte message goes
 * into an empty queue.  It blocks while the server does not read; copy.c
 * bounds that wait with -ei.  On a byte-mode pipe a zero-byte write is
 * harmless and a flush would only add a wait, so it is not flushed.
 * Returns IO_GONE when the target has ended meanwhile.
 */
enum io_status
target_close_write(struct target *t, DWORD *err)
{
	OVERLAPPED ov = { 0 };
	DWORD n, e = 0;
	BOOL ok;
	static char none[1];

	if (t->kind == TARGET_SOCKET) {
		if (shutdown(t->sock, SD_SEND) == SOCKET_ERROR) {
			*err = (DWORD)WSAGetLastError();
			return target_error_is_gone(*err) ? IO_GONE : IO_ERROR;
		}
		return IO_OK;
	}
	if (t->message_mode && !FlushFileBuffers(t->pipe)) {
		*err = GetLastError();
		return target_error_is_gone(*err) ? IO_GONE : IO_ERROR;
	}
	ov.hEvent = t->write_event;
	ok = WriteFile(t->pipe, none, 0, NULL, &ov);
	if (ok || (e = GetLastError()) == ERROR_IO_PENDING) {
		ok = GetOverlappedResult(t->pipe, &ov, &n, TRUE);
		if (!ok)
			e = GetLastError();
	}
	if (!ok) {
		*err = e;
		return target_error_is_gone(e) ? IO_GONE : IO_ERROR;
	}
	return IO_OK;
}

void
target_close(struct target *t)
{
	if (t->pipe != INVALID_HANDLE_VALUE)
		CloseHandle(t->pipe);
	if (t->sock != INVALID_SOCKET)
		closesocket(t->sock);
	if (t->read_event != NULL)
		CloseHandle(t->read_event);
	if (t->write_event != NULL)
		CloseHandle(t->write_event);
	target_init(t);
}
