/*
 * Test helper for the docker adapter's Wine test: a message-mode named
 * pipe server, as Docker Desktop's //./pipe/docker_engine is (go-winio),
 * bridging each client to a TCP port on 127.0.0.1, where the test has
 * socat forward to npr-docker-engine's unix socket. Clients are served at
 * once (the docker CLI keeps one connection open while it hijacks
 * another).
 *
 *   docker_pipebridge.exe --name //./pipe/NAME --connect PORT [--timeout S]
 *
 * Half-close as go-winio does it: a zero-byte message from the client
 * means it sends no more (shutdown(SD_SEND) towards the engine), and the
 * engine's end of output becomes a zero-byte message to the client.
 * Prints "ready" once the pipe exists.
 */
#include <stdlib.h>
#include <string.h>

#include "wine/bridge.h"

struct client {
	HANDLE pipe;
	SOCKET sock;
};

static const char *pipe_name;
static long port;

static BOOL
pipe_io(HANDLE pipe, BOOL write, char *buf, DWORD len, DWORD *n)
{
	OVERLAPPED ov;
	BOOL ok;

	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	ok = write ? WriteFile(pipe, buf, len, NULL, &ov) :
	    ReadFile(pipe, buf, len, NULL, &ov);
	/* A read that fails at once with ERROR_MORE_DATA has read too:
	 * its count, like the others', comes from the overlapped result. */
	if (ok || GetLastError() == ERROR_IO_PENDING ||
	    (!write && GetLastError() == ERROR_MORE_DATA))
		ok = GetOverlappedResult(pipe, &ov, n, TRUE);
	/* A message longer than BUF comes in pieces. */
	if (!ok && !write && GetLastError() == ERROR_MORE_DATA)
		ok = TRUE;
	CloseHandle(ov.hEvent);
	return ok;
}

/* Client to engine; a zero-byte message is the client's half-close. */
static DWORD WINAPI
up_cb(void *arg)
{
	struct client *c = arg;
	char buf[65536];
	DWORD n;
	int off, k;

	while (pipe_io(c->pipe, FALSE, buf, sizeof buf, &n)) {
		if (n == 0) {
			shutdown(c->sock, SD_SEND);
			continue;
		}
		for (off = 0; off < (int)n; off += k) {
			if ((k = send(c->sock, buf + off, (int)n - off, 0)) <= 0)
				return 0;
		}
	}
	/* The client is gone: nothing more to do either way. */
	shutdown(c->sock, SD_BOTH);
	return 0;
}

/* Engine to client; its end becomes a zero-byte message. */
static DWORD WINAPI
down_cb(void *arg)
{
	struct client *c = arg;
	char buf[65536];
	DWORD w;
	int n;

	while ((n = recv(c->sock, buf, sizeof buf, 0)) > 0) {
		if (!pipe_io(c->pipe, TRUE, buf, (DWORD)n, &w))
			return 0;
	}
	pipe_io(c->pipe, TRUE, buf, 0, &w);
	return 0;
}

static DWORD WINAPI
client_cb(void *arg)
{
	struct client *c = arg;
	HANDLE th[2];

	if (bridge_connect("docker_pipebridge", port, &c->sock) == 0) {
		th[0] = CreateThread(NULL, 0, up_cb, c, 0, NULL);
		th[1] = CreateThread(NULL, 0, down_cb, c, 0, NULL);
		WaitForMultipleObjects(2, th, TRUE, INFINITE);
		CloseHandle(th[0]);
		CloseHandle(th[1]);
	}
	closesocket(c->sock);
	FlushFileBuffers(c->pipe);
	DisconnectNamedPipe(c->pipe);
	CloseHandle(c->pipe);
	free(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct client *c = NULL;
	HANDLE pipe;
	int rc, first = 1;

	if ((rc = bridge_start("docker_pipebridge", argc, argv, &pipe_name,
	    &port)) != 0)
		return rc;
	for (;;) {
		pipe = bridge_pipe("docker_pipebridge", pipe_name,
		    PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE);
		if (pipe == INVALID_HANDLE_VALUE)
			return 1;
		if (first) {
			bridge_say("ready\n", 0);
			first = 0;
		}
		if (!bridge_accept(pipe))
			continue;
		if ((c = calloc(1, sizeof *c)) == NULL)
			return 1;
		c->pipe = pipe;
		CloseHandle(CreateThread(NULL, 0, client_cb, c, 0, NULL));
	}
}
