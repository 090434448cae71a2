/* The pipe bridges' common part; bridge.h says what each piece does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

static OVERLAPPED accept_ov;

void
bridge_say(const char *fmt, long n)
{
	char line[64];
	DWORD w;
	int len = snprintf(line, sizeof line, fmt, n);

	WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)len, &w, NULL);
}

static DWORD WINAPI
watchdog_cb(void *arg)
{
	Sleep((DWORD)(size_t)arg * 1000);
	bridge_say("timeout\n", 0);
	ExitProcess(2);
}

int
bridge_start(const char *prog, int argc, char **argv, const char **name,
    long *port)
{
	long timeout = 120;
	WSADATA wsa;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--name") == 0)
			*name = argv[i + 1];
		else if (strcmp(argv[i], "--connect") == 0)
			*port = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = atol(argv[i + 1]);
	}
	if (*name == NULL || *port <= 0 || *port > 65535 || i != argc) {
		fprintf(stderr, "usage: %s.exe --name PIPE --connect PORT "
		    "[--timeout S]\n", prog);
		return 64;
	}
	CloseHandle(CreateThread(NULL, 0, watchdog_cb, (void *)(size_t)timeout,
	    0, NULL));
	WSAStartup(MAKEWORD(2, 2), &wsa);
	memset(&accept_ov, 0, sizeof accept_ov);
	accept_ov.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	return 0;
}

HANDLE
bridge_pipe(const char *prog, const char *name, DWORD mode)
{
	HANDLE pipe = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX |
	    FILE_FLAG_OVERLAPPED, mode | PIPE_WAIT, PIPE_UNLIMITED_INSTANCES,
	    65536, 65536, 0, NULL);

	if (pipe == INVALID_HANDLE_VALUE)
		fprintf(stderr, "%s: CreateNamedPipe %s: error %lu\n", prog, name,
		    GetLastError());
	return pipe;
}

BOOL
bridge_accept(HANDLE pipe)
{
	DWORD n;

	ResetEvent(accept_ov.hEvent);
	if (!ConnectNamedPipe(pipe, &accept_ov)) {
		if (GetLastError() == ERROR_IO_PENDING)
			GetOverlappedResult(pipe, &accept_ov, &n, TRUE);
		else if (GetLastError() != ERROR_PIPE_CONNECTED) {
			CloseHandle(pipe);
			return FALSE;
		}
	}
	return TRUE;
}

int
bridge_connect(const char *prog, long port, SOCKET *sock)
{
	struct sockaddr_in sin;

	*sock = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(*sock, (struct sockaddr *)&sin, sizeof sin) != 0) {
		fprintf(stderr, "%s: connect 127.0.0.1:%ld: %d\n", prog, port,
		    WSAGetLastError());
		return -1;
	}
	return 0;
}
