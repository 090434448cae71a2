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
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client {
	HANDLE pipe;
	SOCKET sock;
};

static const char *pipe_name;
static long port;

/* Straight to the handle: the C library would hold it in its buffer. */
static void
say(const char *line)
{
	DWORD w;

	WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line),
	    &w, NULL);
}

static BOOL
pipe_io(HANDLE pipe, BOOL write, char *buf, DWORD len, DWORD *n)
{
	OVERLAPPED ov;
	BOOL ok;

	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	ok = write ? WriteFile(pipe, buf, len, NULL, &ov) :
	    ReadFile(pipe, buf, len, NULL, &ov);
	if (ok || GetLastError() == ERROR_IO_PENDING)
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
	struct sockaddr_in sin;
	HANDLE th[2];

	c->sock = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->sock, (struct sockaddr *)&sin, sizeof sin) == 0) {
		th[0] = CreateThread(NULL, 0, up_cb, c, 0, NULL);
		th[1] = CreateThread(NULL, 0, down_cb, c, 0, NULL);
		WaitForMultipleObjects(2, th, TRUE, INFINITE);
		CloseHandle(th[0]);
		CloseHandle(th[1]);
	} else
		fprintf(stderr, "docker_pipebridge: connect 127.0.0.1:%ld: %d\n",
		    port, WSAGetLastError());
	closesocket(c->sock);
	FlushFileBuffers(c->pipe);
	DisconnectNamedPipe(c->pipe);
	CloseHandle(c->pipe);
	free(c);
	return 0;
}

static DWORD WINAPI
watchdog_cb(void *arg)
{
	Sleep((DWORD)(size_t)arg * 1000);
	say("timeout\n");
	ExitProcess(2);
}

int
main(int argc, char **argv)
{
	struct client *c = NULL;
	long timeout = 120;
	WSADATA wsa;
	OVERLAPPED ov;
	HANDLE pipe;
	DWORD n;
	int i, first = 1;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--name") == 0)
			pipe_name = argv[i + 1];
		else if (strcmp(argv[i], "--connect") == 0)
			port = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = atol(argv[i + 1]);
	}
	if (pipe_name == NULL || port <= 0 || port > 65535 || i != argc) {
		fprintf(stderr, "usage: docker_pipebridge.exe --name PIPE --connect "
		    "PORT [--timeout S]\n");
		return 64;
	}
	CloseHandle(CreateThread(NULL, 0, watchdog_cb, (void *)(size_t)timeout,
	    0, NULL));
	WSAStartup(MAKEWORD(2, 2), &wsa);
	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	for (;;) {
		pipe = CreateNamedPipeA(pipe_name, PIPE_ACCESS_DUPLEX |
		    FILE_FLAG_OVERLAPPED, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE |
		    PIPE_WAIT, PIPE_UNLIMITED_INSTANCES, 65536, 65536, 0, NULL);
		if (pipe == INVALID_HANDLE_VALUE) {
			fprintf(stderr, "docker_pipebridge: CreateNamedPipe %s: error "
			    "%lu\n", pipe_name, GetLastError());
			return 1;
		}
		if (first) {
			say("ready\n");
			first = 0;
		}
		ResetEvent(ov.hEvent);
		if (!ConnectNamedPipe(pipe, &ov)) {
			if (GetLastError() == ERROR_IO_PENDING)
				GetOverlappedResult(pipe, &ov, &n, TRUE);
			else if (GetLastError() != ERROR_PIPE_CONNECTED) {
				CloseHandle(pipe);
				continue;
			}
		}
		if ((c = calloc(1, sizeof *c)) == NULL)
			return 1;
		c->pipe = pipe;
		CloseHandle(CreateThread(NULL, 0, client_cb, c, 0, NULL));
	}
}
