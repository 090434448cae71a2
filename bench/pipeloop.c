/*
 * pipeloop.exe --name //./pipe/NAME [--count N] [--size B]
 *
 * The floor of a connection's cost under Wine, for bench/relay.sh: inside
 * this one Windows process, N times, open the named pipe, write B bytes
 * (default 64) as one message, flush, and a zero-byte message (what
 * nprelay -s does at the client's half-close), read the echo until the server
 * closes, close the handle. No process start, no relay, no socket: what
 * is left is the pipe itself and the server (pipesrv.exe --mode msg).
 *
 * stdout: one line per connection, its wall time in microseconds, so the
 * bench computes the same statistics as for its other paths. A failure
 * (open, write, read, or an echo that differs) ends the run with a line on
 * stderr naming the connection, the call and the Win32 error, status 1.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_SIZE 65536

struct opts {
	const char *name;
	long count;
	long size;
};

static int
loop_usage(void)
{
	fprintf(stderr, "usage: pipeloop.exe --name //./pipe/NAME "
	    "[--count N] [--size B]\n");
	return 64;
}

static int
loop_parse(int argc, char **argv, struct opts *o)
{
	o->name = NULL;
	o->count = 1000;
	o->size = 64;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return -1;
		if (strcmp(argv[i], "--name") == 0)
			o->name = argv[++i];
		else if (strcmp(argv[i], "--count") == 0)
			o->count = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--size") == 0)
			o->size = strtol(argv[++i], NULL, 10);
		else
			return -1;
	}
	if (o->name == NULL || o->count < 1 || o->size < 1 ||
	    o->size > MAX_SIZE)
		return -1;
	return 0;
}

/*
 * Open the pipe as nprelay -p does: a busy pipe is waited for, and a
 * missing one (between the server's last instance closing and its next
 * one being created) is tried again, for up to 10 seconds in all.
 */
static HANDLE
loop_open(const wchar_t *name, const char **what)
{
	HANDLE h;
	DWORD mode = PIPE_READMODE_MESSAGE;
	ULONGLONG deadline = GetTickCount64() + 10000;

	for (;;) {
		h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
		    OPEN_EXISTING, 0, NULL);
		if (h != INVALID_HANDLE_VALUE)
			break;
		if (GetLastError() == ERROR_FILE_NOT_FOUND &&
		    GetTickCount64() < deadline) {
			Sleep(1);
			continue;
		}
		if (GetLastError() != ERROR_PIPE_BUSY) {
			*what = "CreateFile";
			return INVALID_HANDLE_VALUE;
		}
		/* The instance it waited for may be gone again (Wine then
		 * fails the wait): try the open again until the deadline. */
		if (!WaitNamedPipeW(name, 1000) &&
		    GetTickCount64() >= deadline) {
			*what = "WaitNamedPipe";
			return INVALID_HANDLE_VALUE;
		}
	}
	if (!SetNamedPipeHandleState(h, &mode, NULL, NULL)) {
		*what = "SetNamedPipeHandleState";
		CloseHandle(h);
		return INVALID_HANDLE_VALUE;
	}
	return h;
}

/* One connection; 0, or -1 with *what set and the Win32 error kept. */
static int
loop_one(const wchar_t *name, const char *req, char *buf, DWORD size,
    const char **what)
{
	HANDLE h;
	DWORD n, got = 0;
	int rc = -1;

	h = loop_open(name, what);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!WriteFile(h, req, size, &n, NULL) || n != size) {
		*what = "WriteFile";
		goto out;
	}
	/* As nprelay -s does in both modes before the zero-byte message
	 * (relay/target.c: Windows drops one queued behind unread data), so
	 * that the floor does the same pipe work as the relay. */
	if (!FlushFileBuffers(h)) {
		*what = "FlushFileBuffers";
		goto out;
	}
	if (!WriteFile(h, req, 0, &n, NULL)) {
		*what = "WriteFile (zero-byte message)";
		goto out;
	}
	for (;;) {
		if (ReadFile(h, buf + got, MAX_SIZE - got, &n, NULL) ||
		    GetLastError() == ERROR_MORE_DATA) {
			got += n;
			if (got >= MAX_SIZE)
				break;
			continue;
		}
		if (GetLastError() == ERROR_BROKEN_PIPE ||
		    GetLastError() == ERROR_PIPE_NOT_CONNECTED)
			break;
		*what = "ReadFile";
		goto out;
	}
	if (got != size || memcmp(buf, req, size) != 0) {
		*what = "the echo differs from the request";
		SetLastError(0);
		goto out;
	}
	rc = 0;
out:
	CloseHandle(h);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	wchar_t name[512];
	static char req[MAX_SIZE], buf[MAX_SIZE];
	LARGE_INTEGER freq, t0, t1;
	const char *what = NULL;

	if (loop_parse(argc, argv, &o) != 0)
		return loop_usage();
	if (MultiByteToWideChar(CP_UTF8, 0, o.name, -1, name, 512) == 0) {
		fprintf(stderr, "pipeloop: %s: bad pipe name\n", o.name);
		return 64;
	}
	memset(req, 'x', (size_t)o.size);
	QueryPerformanceFrequency(&freq);
	for (long i = 0; i < o.count; i++) {
		QueryPerformanceCounter(&t0);
		if (loop_one(name, req, buf, (DWORD)o.size, &what) != 0) {
			fprintf(stderr, "pipeloop: %s: connection %ld: %s: "
			    "error %lu\n", o.name, i + 1, what, GetLastError());
			return 1;
		}
		QueryPerformanceCounter(&t1);
		printf("%lld\n", (long long)((t1.QuadPart - t0.QuadPart) *
		    1000000 / freq.QuadPart));
	}
	fflush(stdout);
	return 0;
}
