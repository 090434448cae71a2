/*
 * Windows-side checks of a pipe nprelay.exe --mux exposes (expose.sh).
 *
 *   exposeprobe.exe exists NAME
 *       "present" or "missing" (WaitNamedPipe: ERROR_FILE_NOT_FOUND
 *       means no instance of the name exists), "error N" otherwise.
 *   exposeprobe.exe dacl NAME
 *       connects as a client and reads the pipe's security back with
 *       GetSecurityInfo: "user SID" (ours), "control protected|inherited",
 *       "dacl SDDL" (the DACL alone, as
 *       ConvertSecurityDescriptorToStringSecurityDescriptor writes it).
 *   exposeprobe.exe clients NAME N BYTES
 *       N clients at once, one thread pair each: BYTES of a pattern of
 *       its own up, then a zero-byte message (the half-close), while
 *       the echo is read back in message mode until the server's
 *       zero-byte message; "client I: ok B" or "client I: FAIL ...",
 *       then "clients ok K of N".  Exit 0 when all were ok.
 *   exposeprobe.exe drop NAME BYTES
 *       one client writes BYTES, half-closes, waits until the answer
 *       starts to arrive and closes without reading it: "dropped with
 *       B bytes waiting".
 *   exposeprobe.exe hold NAME N [MS]
 *       N clients one after another (MS ms apart), each kept
 *       connected: every one
 *       must find an instance waiting, at once or, when it came before
 *       the server made the next one, within 5 s (WaitNamedPipe);
 *       "held N, busy B" (B: how many had to wait), exit 1 if one
 *       found none.
 *
 * Names are given as //./pipe/NAME (forward slashes are turned around).
 */
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define CHUNK (32 * 1024)

static wchar_t name[300];

static void
probe_name(const char *arg)
{
	size_t i;

	MultiByteToWideChar(CP_UTF8, 0, arg, -1, name, 300);
	name[299] = L'\0';
	for (i = 0; name[i] != L'\0'; i++)
		if (name[i] == L'/')
			name[i] = L'\\';
}

static int
probe_exists(void)
{
	DWORD e;

	if (WaitNamedPipeW(name, 1)) {
		printf("present\n");
		return 0;
	}
	e = GetLastError();
	if (e == ERROR_FILE_NOT_FOUND)
		printf("missing\n");
	else if (e == ERROR_SEM_TIMEOUT || e == ERROR_PIPE_BUSY)
		printf("present\n");
	else
		printf("error %lu\n", (unsigned long)e);
	return 0;
}

static int
probe_dacl(void)
{
	HANDLE h, tok;
	PSECURITY_DESCRIPTOR sd = NULL;
	SECURITY_DESCRIPTOR_CONTROL ctl = 0;
	DWORD rev, n = 0, e;
	TOKEN_USER *tu;
	char *sid = NULL, *str = NULL;
	PACL dacl = NULL;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
		return 1;
	GetTokenInformation(tok, TokenUser, NULL, 0, &n);
	tu = malloc(n);
	if (tu == NULL || !GetTokenInformation(tok, TokenUser, tu, n, &n) ||
	    !ConvertSidToStringSidA(tu->User.Sid, &sid))
		return 1;
	printf("user %s\n", sid);
	h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		printf("error open %lu\n", (unsigned long)GetLastError());
		return 1;
	}
	e = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION,
	    NULL, NULL, &dacl, NULL, &sd);
	if (e != ERROR_SUCCESS) {
		printf("error GetSecurityInfo %lu\n", (unsigned long)e);
		return 1;
	}
	if (!GetSecurityDescriptorControl(sd, &ctl, &rev))
		return 1;
	printf("control %s\n", (ctl & SE_DACL_PROTECTED) ? "protected" :
	    "inherited");
	if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd,
	    SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &str, NULL)) {
		printf("error convert %lu\n", (unsigned long)GetLastError());
		return 1;
	}
	printf("dacl %s\n", str);
	fflush(stdout);
	CloseHandle(h);
	return 0;
}

struct client {
	int i;
	long bytes;
	HANDLE h;
	long got;
	char why[200];
};

static unsigned char
probe_pattern(int i, long k)
{
	return (unsigned char)(k * 7 + k / 4093 + i * 13);
}

static int
probe_io(HANDLE h, int write, void *buf, DWORD len, DWORD *done)
{
	OVERLAPPED ov;
	BOOL ok;

	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	ok = write ? WriteFile(h, buf, len, NULL, &ov) :
	    ReadFile(h, buf, len, NULL, &ov);
	if (!ok && GetLastError() != ERROR_IO_PENDING &&
	    GetLastError() != ERROR_MORE_DATA) {
		CloseHandle(ov.hEvent);
		return -1;
	}
	ok = GetOverlappedResult(h, &ov, done, TRUE);
	CloseHandle(ov.hEvent);
	if (!ok && GetLastError() == ERROR_MORE_DATA)
		ok = TRUE;
	return ok ? 0 : -1;
}

static DWORD WINAPI
probe_writer_cb(void *arg)
{
	struct client *c = arg;
	unsigned char buf[CHUNK];
	DWORD n, i, done;
	long off;

	for (off = 0; off < c->bytes; off += n) {
		n = c->bytes - off > CHUNK ? CHUNK : (DWORD)(c->bytes - off);
		for (i = 0; i < n; i++)
			buf[i] = probe_pattern(c->i, off + (long)i);
		if (probe_io(c->h, 1, buf, n, &done) != 0 || done != n) {
			snprintf(c->why, sizeof c->why, "write at %ld: error %lu",
			    off, (unsigned long)GetLastError());
			return 1;
		}
	}
	/* The half-close, as go-winio's CloseWrite and npiperelay -s. */
	if (probe_io(c->h, 1, buf, 0, &done) != 0)
		snprintf(c->why, sizeof c->why, "zero-byte write: error %lu",
		    (unsigned long)GetLastError());
	return 0;
}

static DWORD WINAPI
probe_client_cb(void *arg)
{
	struct client *c = arg;
	unsigned char buf[CHUNK];
	DWORD mode = PIPE_READMODE_MESSAGE, n, i, e;
	ULONGLONG end = GetTickCount64() + 60000;
	HANDLE w;

	for (;;) {
		c->h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
		    OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
		if (c->h != INVALID_HANDLE_VALUE)
			break;
		e = GetLastError();
		/* The relay keeps spares waiting; busy only for a moment. */
		if (e != ERROR_PIPE_BUSY || GetTickCount64() > end) {
			snprintf(c->why, sizeof c->why, "open: error %lu",
			    (unsigned long)e);
			return 1;
		}
		WaitNamedPipeW(name, 1000);
	}
	if (!SetNamedPipeHandleState(c->h, &mode, NULL, NULL)) {
		snprintf(c->why, sizeof c->why, "message mode: error %lu",
		    (unsigned long)GetLastError());
		return 1;
	}
	w = CreateThread(NULL, 0, probe_writer_cb, c, 0, NULL);
	for (;;) {
		if (probe_io(c->h, 0, buf, sizeof buf, &n) != 0) {
			snprintf(c->why, sizeof c->why, "read after %ld: "
			    "error %lu", c->got, (unsigned long)GetLastError());
			break;
		}
		if (n == 0)
			break;	/* the server's zero-byte message: its EOF */
		for (i = 0; i < n; i++)
			if (buf[i] != probe_pattern(c->i, c->got + (long)i)) {
				snprintf(c->why, sizeof c->why, "byte %ld "
				    "differs", c->got + (long)i);
				c->got += n;
				goto out;
			}
		c->got += n;
	}
out:
	WaitForSingleObject(w, INFINITE);
	CloseHandle(w);
	CloseHandle(c->h);
	return 0;
}

static int
probe_clients(int n, long bytes)
{
	struct client *cs = calloc((size_t)n, sizeof *cs);
	HANDLE *th = calloc((size_t)n, sizeof *th);
	int i, good = 0;

	for (i = 0; i < n; i++) {
		cs[i].i = i;
		cs[i].bytes = bytes;
		th[i] = CreateThread(NULL, 0, probe_client_cb, &cs[i], 0, NULL);
	}
	for (i = 0; i < n; i++) {
		WaitForSingleObject(th[i], INFINITE);
		if (cs[i].why[0] == '\0' && cs[i].got != bytes)
			snprintf(cs[i].why, sizeof cs[i].why, "%ld bytes back, "
			    "want %ld", cs[i].got, bytes);
		if (cs[i].why[0] == '\0') {
			printf("client %d: ok %ld\n", i, cs[i].got);
			good++;
		} else
			printf("client %d: FAIL %s\n", i, cs[i].why);
	}
	printf("clients ok %d of %d\n", good, n);
	return good == n ? 0 : 1;
}

static int
probe_drop(long bytes)
{
	static unsigned char buf[CHUNK];
	HANDLE h;
	DWORD n, done, avail = 0;
	long off;
	int i;

	h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		printf("error open %lu\n", (unsigned long)GetLastError());
		return 1;
	}
	memset(buf, 'x', sizeof buf);
	for (off = 0; off < bytes; off += n) {
		n = bytes - off > CHUNK ? CHUNK : (DWORD)(bytes - off);
		if (!WriteFile(h, buf, n, &done, NULL) || done != n) {
			printf("error write %lu\n", (unsigned long)GetLastError());
			return 1;
		}
	}
	/* The half-close, then the answer's first bytes, unread. */
	WriteFile(h, buf, 0, &done, NULL);
	for (i = 0; i < 3000 && avail == 0; i++) {
		if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
			break;
		if (avail == 0)
			Sleep(10);
	}
	CloseHandle(h);
	printf("dropped with %lu bytes waiting\n", (unsigned long)avail);
	return avail > 0 ? 0 : 1;
}

static int
probe_hold(int n, int ms)
{
	HANDLE *hs = calloc((size_t)n, sizeof *hs);
	int i, busy = 0, rc = 0;
	DWORD e;

	for (i = 0; i < n; i++) {
		if (i > 0 && ms > 0)
			Sleep((DWORD)ms);
		hs[i] = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
		    OPEN_EXISTING, 0, NULL);
		if (hs[i] != INVALID_HANDLE_VALUE)
			continue;
		e = GetLastError();
		if (e == ERROR_PIPE_BUSY) {
			busy++;
			if (WaitNamedPipeW(name, 5000))
				hs[i] = CreateFileW(name, GENERIC_READ |
				    GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
				    NULL);
			e = GetLastError();
		}
		if (hs[i] == INVALID_HANDLE_VALUE) {
			printf("client %d: FAIL no instance (error %lu)\n", i,
			    (unsigned long)e);
			rc = 1;
			break;
		}
	}
	printf("held %d, busy %d\n", i, busy);
	while (--i >= 0)
		CloseHandle(hs[i]);
	return rc;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 3)
		probe_name(argv[2]);
	if (argc == 3 && strcmp(argv[1], "exists") == 0)
		return probe_exists();
	if (argc == 3 && strcmp(argv[1], "dacl") == 0)
		return probe_dacl();
	if (argc == 4 && strcmp(argv[1], "drop") == 0)
		return probe_drop(atol(argv[3]));
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "hold") == 0)
		return probe_hold(atoi(argv[3]), argc == 5 ? atoi(argv[4]) : 0);
	if (argc == 5 && strcmp(argv[1], "clients") == 0)
		return probe_clients(atoi(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: exposeprobe.exe exists|dacl NAME, "
	    "drop NAME BYTES, hold NAME N [MS], clients NAME N BYTES\n");
	return 2;
}
