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
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bridge {
	HANDLE pipe;
	SOCKET sock;
};

static void
say(const char *fmt, long n)
{
	char line[64];
	DWORD w;
	int len = snprintf(line, sizeof line, fmt, n);

	WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)len, &w, NULL);
}

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

static DWORD WINAPI
watchdog_cb(void *arg)
{
	Sleep((DWORD)(size_t)arg * 1000);
	say("timeout\n", 0);
	ExitProcess(2);
}

int
main(int argc, char **argv)
{
	const char *name = NULL;
	struct sockaddr_in sin;
	struct bridge b;
	HANDLE th[2];
	WSADATA wsa;
	long port = 0, timeout = 120, served = 0;
	OVERLAPPED ov;
	DWORD n;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
		else if (strcmp(argv[i], "--connect") == 0)
			port = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = atol(argv[i + 1]);
	}
	if (name == NULL || port <= 0 || port > 65535 || i != argc) {
		fprintf(stderr, "usage: pipebridge.exe --name PIPE --connect PORT "
		    "[--timeout S]\n");
		return 64;
	}
	CloseHandle(CreateThread(NULL, 0, watchdog_cb, (void *)(size_t)timeout,
	    0, NULL));
	WSAStartup(MAKEWORD(2, 2), &wsa);
	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	for (;;) {
		b.pipe = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX |
		    FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE |
		    PIPE_WAIT, PIPE_UNLIMITED_INSTANCES, 65536, 65536, 0, NULL);
		if (b.pipe == INVALID_HANDLE_VALUE) {
			fprintf(stderr, "pipebridge: CreateNamedPipe %s: error %lu\n",
			    name, GetLastError());
			return 1;
		}
		if (served == 0)
			say("ready\n", 0);
		ResetEvent(ov.hEvent);
		if (!ConnectNamedPipe(b.pipe, &ov)) {
			if (GetLastError() == ERROR_IO_PENDING)
				GetOverlappedResult(b.pipe, &ov, &n, TRUE);
			else if (GetLastError() != ERROR_PIPE_CONNECTED) {
				CloseHandle(b.pipe);
				continue;
			}
		}
		b.sock = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(b.sock, (struct sockaddr *)&sin, sizeof sin) != 0) {
			fprintf(stderr, "pipebridge: connect 127.0.0.1:%ld: %d\n",
			    port, WSAGetLastError());
			return 1;
		}
		th[0] = CreateThread(NULL, 0, up_cb, &b, 0, NULL);
		th[1] = CreateThread(NULL, 0, down_cb, &b, 0, NULL);
		WaitForMultipleObjects(2, th, TRUE, INFINITE);
		CloseHandle(th[0]);
		CloseHandle(th[1]);
		closesocket(b.sock);
		DisconnectNamedPipe(b.pipe);
		CloseHandle(b.pipe);
		say("served %ld\n", ++served);
	}
}
