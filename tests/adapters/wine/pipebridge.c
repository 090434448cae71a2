/*
 * Test helper for the adapters' Wine tests: a byte-mode named-pipe server
 * (like the Windows OpenSSH agent's) that bridges each client to a TCP
 * port on 127.0.0.1, where the test has socat forward to the real agent's
 * unix socket.
 *
 *   pipebridge.exe --name //./pipe/NAME --connect PORT [--timeout S]
 *
 * Serves clients one after another (an agent's clients do not overlap in
 * these tests). Prints "ready" once the pipe exists and "served N" after
 * each client.
 */
#include <string.h>

#include "bridge.h"

struct bridge {
	HANDLE pipe;
	SOCKET sock;
};

/* Pipe to socket; the client's end of input is the agent's EOF. */
static DWORD WINAPI
up_cb(void *arg)
{
	struct bridge *b = arg;
	OVERLAPPED ov;
	char buf[65536];
	DWORD n;
	int off, k;

	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	for (;;) {
		ResetEvent(ov.hEvent);
		if (!ReadFile(b->pipe, buf, sizeof buf, &n, &ov) &&
		    (GetLastError() != ERROR_IO_PENDING ||
		    !GetOverlappedResult(b->pipe, &ov, &n, TRUE)))
			break;
		for (off = 0; off < (int)n; off += k) {
			if ((k = send(b->sock, buf + off, (int)n - off, 0)) <= 0)
				goto out;
		}
	}
out:
	shutdown(b->sock, SD_SEND);
	CloseHandle(ov.hEvent);
	return 0;
}

/* Socket to pipe, until the agent closes. */
static DWORD WINAPI
down_cb(void *arg)
{
	struct bridge *b = arg;
	OVERLAPPED ov;
	char buf[65536];
	DWORD w;
	int n;

	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	while ((n = recv(b->sock, buf, sizeof buf, 0)) > 0) {
		ResetEvent(ov.hEvent);
		if (!WriteFile(b->pipe, buf, (DWORD)n, &w, &ov) &&
		    (GetLastError() != ERROR_IO_PENDING ||
		    !GetOverlappedResult(b->pipe, &ov, &w, TRUE)))
			break;
	}
	FlushFileBuffers(b->pipe);
	CloseHandle(ov.hEvent);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *name = NULL;
	struct bridge b;
	HANDLE th[2];
	long port = 0, served = 0;
	int rc;

	if ((rc = bridge_start("pipebridge", argc, argv, &name, &port)) != 0)
		return rc;
	for (;;) {
		b.pipe = bridge_pipe("pipebridge", name,
		    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE);
		if (b.pipe == INVALID_HANDLE_VALUE)
			return 1;
		if (served == 0)
			bridge_say("ready\n", 0);
		if (!bridge_accept(b.pipe))
			continue;
		if (bridge_connect("pipebridge", port, &b.sock) != 0)
			return 1;
		th[0] = CreateThread(NULL, 0, up_cb, &b, 0, NULL);
		th[1] = CreateThread(NULL, 0, down_cb, &b, 0, NULL);
		WaitForMultipleObjects(2, th, TRUE, INFINITE);
		CloseHandle(th[0]);
		CloseHandle(th[1]);
		closesocket(b.sock);
		DisconnectNamedPipe(b.pipe);
		CloseHandle(b.pipe);
		bridge_say("served %ld\n", ++served);
	}
}
