/*
 * Named-pipe server for the Wine tests of nprelay.exe.
 *
 *   pipesrv.exe --name //./pipe/NAME [--mode byte|msg] [options]
 *
 * byte  like the OpenSSH agent: a byte-mode pipe that echoes; a client
 *       cannot half-close one, so --close-after ends the connection.
 * msg   like Docker (go-winio): a message-mode pipe that echoes; a
 *       zero-byte message is the client's half-close, after which the
 *       server sends its reply (--report), optionally its own zero-byte
 *       message (--zero-eof, then waits for the client to go), and closes.
 *
 *   --instances N     at most N instances (a busy pipe when all are used)
 *   --busy MS         hold the first instance with a client of our own
 *                     for MS ms before anyone else can have it
 *   --delay MS        create the pipe only after MS ms (a late pipe)
 *   --count N         exit after N connections ended
 *   --close-after B   close a connection once B bytes were echoed
 *                     (0: right after --send, without reading)
 *   --die-after B     exit the whole process once B bytes were echoed
 *   --send B          first send B bytes of "0123456789abcde\n" repeated,
 *                     in one WriteFile (one message on a message pipe)
 *   --messages N      --send that N times (N messages), default 1
 *   --send-eof        right after --send, a zero-byte message, as go-winio
 *                     writes data and CloseWrite back to back; then wait
 *                     for the client to leave
 *   --no-echo         read, but never answer
 *   --never-read      never read either: hold the connection until the
 *                     client leaves (seen by a pending read of 0 bytes)
 *   --close-now       end a connection with CloseHandle only, no
 *                     FlushFileBuffers or DisconnectNamedPipe (which
 *                     would discard what the client has not read yet):
 *                     a server that writes and closes at once
 *   --docker          like a go-winio listener (Docker's): the name is
 *                     held by a first instance that stays busy for ever,
 *                     and each listening instance is created only after
 *                     the previous one was accepted and handed on, so
 *                     clients in between find the pipe busy
 *   --accept-delay MS with --docker, the time the server takes between
 *                     accepting one client and listening for the next
 *   --timeout S       exit after S seconds whatever happens (default 120)
 *
 * Events go to stdout, one line each, for the test scripts to check:
 * "ready", "eof-msg N" (zero-byte message after N bytes), "broken N"
 * (client gone after N bytes), "closed N" (--close-after), "zero-read N",
 * "sent N" (--send, before --send-eof), "client left".
 */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUFSIZE (64 * 1024)

static struct {
	char name[256];
	int msg;
	long instances, busy_ms, delay_ms, count, timeout_s, messages;
	long accept_delay_ms;
	long long close_after, die_after, send;
	int report, zero_eof, send_eof, no_echo, never_read, close_now, docker;
} opt = { .instances = PIPE_UNLIMITED_INSTANCES, .timeout_s = 120,
	.close_after = -1, .die_after = -1, .messages = 1 };

static HANDLE slots;		/* semaphore: free instances */
static HANDLE ended;		/* semaphore: finished connections */
static CRITICAL_SECTION out_lock;

static void
say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	DWORD n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	EnterCriticalSection(&out_lock);
	WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line),
	    &n, NULL);
	LeaveCriticalSection(&out_lock);
}

static int
write_all(HANDLE h, const char *buf, DWORD len)
{
	DWORD n;

	/* One WriteFile per message on a message pipe, even for 0 bytes. */
	return WriteFile(h, buf, len, &n, NULL) && n == len ? 0 : -1;
}

static int
send_pattern(HANDLE h)
{
	static const char line[] = "0123456789abcde\n";
	char *big;
	long long i;
	int rc;

	if ((big = malloc((size_t)opt.send)) == NULL)
		return -1;
	for (i = 0; i < opt.send; i++)
		big[i] = line[i % 16];
	rc = 0;
	for (i = 0; i < opt.messages && rc == 0; i++)
		rc = write_all(h, big, (DWORD)opt.send);
	free(big);
	return rc;
}

/* Wait for the client to leave: reads until the pipe breaks. */
static void
wait_client_gone(HANDLE h, char *buf)
{
	DWORD n;

	while (ReadFile(h, buf, BUFSIZE, &n, NULL) ||
	    GetLastError() == ERROR_MORE_DATA)
		;
	say("client left");
}

static DWORD WINAPI
serve_cb(void *arg)
{
	HANDLE h = arg;
	char *buf = malloc(BUFSIZE), reply[64];
	long long total = 0;
	int gone = 0;
	DWORD n, e;

	if (opt.send > 0) {
		if (send_pattern(h) != 0) {
			say("broken 0");
			goto out;
		}
		say("sent %lld", opt.send * opt.messages);
	}
	if (opt.close_after == 0) {
		say("closed 0");
		goto out;
	}
	if (opt.send_eof) {
		write_all(h, buf, 0);
		wait_client_gone(h, buf);
		goto out;
	}
	if (opt.never_read) {
		/* A zero-byte read takes nothing from the pipe, yet fails
		 * when the client has gone. */
		while (ReadFile(h, buf, 0, &n, NULL) ||
		    GetLastError() == ERROR_MORE_DATA)
			Sleep(50);
		say("client left");
		goto out;
	}
	/* TOTAL counts what was read.  A failed echo does not stop the
	 * reading: what the client sent before leaving (its zero-byte
	 * message with -ei -s, say) is still in the pipe to be seen. */
	for (;;) {
		if (!ReadFile(h, buf, BUFSIZE, &n, NULL)) {
			e = GetLastError();
			if (e != ERROR_MORE_DATA) {
				say("broken %lld", total);
				goto out;
			}
		}
		if (n == 0 && opt.msg)
			break;
		if (n == 0) {
			say("zero-read %lld", total);
			continue;
		}
		total += n;
		if (!gone && !opt.no_echo && write_all(h, buf, n) != 0)
			gone = 1;
		if (opt.die_after >= 0 && total >= opt.die_after) {
			say("dying %lld", total);
			ExitProcess(0);
		}
		if (opt.close_after >= 0 && total >= opt.close_after) {
			if (!opt.close_now)
				FlushFileBuffers(h);
			say("closed %lld", total);
			goto out;
		}
	}
	say("eof-msg %lld", total);
	if (opt.report) {
		snprintf(reply, sizeof reply, "received %lld bytes\n", total);
		write_all(h, reply, (DWORD)strlen(reply));
	}
	if (opt.zero_eof) {
		/* Our own half-close; the pipe stays open until the client
		 * leaves, so only a zero-byte read can tell it the end. */
		write_all(h, buf, 0);
		wait_client_gone(h, buf);
	}
	if (!opt.close_now)
		FlushFileBuffers(h);
out:
	if (!opt.close_now)
		DisconnectNamedPipe(h);
	CloseHandle(h);
	free(buf);
	ReleaseSemaphore(slots, 1, NULL);
	ReleaseSemaphore(ended, 1, NULL);
	return 0;
}

static DWORD WINAPI
holder_cb(void *arg)
{
	HANDLE h;

	h = CreateFileA(opt.name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, 0, NULL);
	SetEvent((HANDLE)arg);
	Sleep((DWORD)opt.busy_ms);
	say("holder leaves");
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	return 0;
}

static DWORD WINAPI
watchdog_cb(void *arg)
{
	Sleep((DWORD)opt.timeout_s * 1000);
	say("timeout");
	ExitProcess(2);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pipesrv.exe --name PIPE [--mode byte|msg] "
	    "[--instances N] [--busy MS] [--delay MS] [--count N]\n"
	    "  [--close-after B] [--die-after B] [--report] [--zero-eof] "
	    "[--send B] [--messages N]\n  [--send-eof] [--no-echo] "
	    "[--never-read] [--close-now] [--docker] [--accept-delay MS]\n"
	    "  [--timeout S]\n");
	exit(64);
}

static void
parse(int argc, char **argv)
{
	char *p;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--report") == 0) { opt.report = 1; continue; }
		if (strcmp(a, "--zero-eof") == 0) { opt.zero_eof = 1; continue; }
		if (strcmp(a, "--send-eof") == 0) { opt.send_eof = 1; continue; }
		if (strcmp(a, "--no-echo") == 0) { opt.no_echo = 1; continue; }
		if (strcmp(a, "--never-read") == 0) { opt.never_read = 1; continue; }
		if (strcmp(a, "--close-now") == 0) { opt.close_now = 1; continue; }
		if (strcmp(a, "--docker") == 0) { opt.docker = 1; continue; }
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--name") == 0) {
			snprintf(opt.name, sizeof opt.name, "%s", v);
			for (p = opt.name; *p; p++)
				if (*p == '/')
					*p = '\\';
		} else if (strcmp(a, "--mode") == 0)
			opt.msg = strcmp(v, "msg") == 0;
		else if (strcmp(a, "--instances") == 0)
			opt.instances = atol(v);
		else if (strcmp(a, "--busy") == 0)
			opt.busy_ms = atol(v);
		else if (strcmp(a, "--delay") == 0)
			opt.delay_ms = atol(v);
		else if (strcmp(a, "--count") == 0)
			opt.count = atol(v);
		else if (strcmp(a, "--close-after") == 0)
			opt.close_after = atoll(v);
		else if (strcmp(a, "--send") == 0)
			opt.send = atoll(v);
		else if (strcmp(a, "--messages") == 0)
			opt.messages = atol(v);
		else if (strcmp(a, "--accept-delay") == 0)
			opt.accept_delay_ms = atol(v);
		else if (strcmp(a, "--die-after") == 0)
			opt.die_after = atoll(v);
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout_s = atol(v);
		else
			usage();
	}
	if (opt.name[0] == '\0' || opt.instances < 1 || opt.instances > 255 ||
	    opt.messages < 1)
		usage();
}

static HANDLE
create_instance(DWORD extra)
{
	DWORD type;
	HANDLE h;

	type = opt.msg ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE :
	    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE;
	h = CreateNamedPipeA(opt.name, PIPE_ACCESS_DUPLEX | extra, type |
	    PIPE_WAIT, (DWORD)opt.instances, BUFSIZE, BUFSIZE, 0, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		fprintf(stderr, "pipesrv: CreateNamedPipe %s: error %lu\n",
		    opt.name, GetLastError());
		ExitProcess(1);
	}
	return h;
}

/*
 * go-winio's listener, as Docker uses it: the first instance is connected
 * to a client of our own that closes at once, which leaves it busy for
 * ever, so that the name exists while no instance listens and clients
 * get ERROR_PIPE_BUSY, not ERROR_FILE_NOT_FOUND.  One instance listens
 * at a time, created when the server is ready to accept again.
 */
static DWORD WINAPI
accept_docker_cb(void *arg)
{
	HANDLE first, c, h;
	int said = 0;

	first = create_instance(FILE_FLAG_FIRST_PIPE_INSTANCE);
	c = CreateFileA(opt.name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, 0, NULL);
	if (c != INVALID_HANDLE_VALUE)
		CloseHandle(c);
	(void)first;	/* held, never served */
	for (;;) {
		h = create_instance(0);
		if (!said++)
			say("ready");
		if (!ConnectNamedPipe(h, NULL) &&
		    GetLastError() != ERROR_PIPE_CONNECTED) {
			CloseHandle(h);
			continue;
		}
		CloseHandle(CreateThread(NULL, 0, serve_cb, h, 0, NULL));
		if (opt.accept_delay_ms > 0)
			Sleep((DWORD)opt.accept_delay_ms);
	}
	return 0;
}

static DWORD WINAPI
accept_cb(void *arg)
{
	HANDLE h, ready_ev = NULL;
	int first = 1;

	for (;;) {
		WaitForSingleObject(slots, INFINITE);
		h = create_instance(0);
		if (first && opt.busy_ms > 0) {
			ready_ev = CreateEventA(NULL, TRUE, FALSE, NULL);
			CloseHandle(CreateThread(NULL, 0, holder_cb, ready_ev,
			    0, NULL));
		} else if (first)
			say("ready");
		if (!ConnectNamedPipe(h, NULL) &&
		    GetLastError() != ERROR_PIPE_CONNECTED) {
			CloseHandle(h);
			ReleaseSemaphore(slots, 1, NULL);
			continue;
		}
		CloseHandle(CreateThread(NULL, 0, serve_cb, h, 0, NULL));
		if (first && ready_ev != NULL) {
			WaitForSingleObject(ready_ev, INFINITE);
			say("ready");
		}
		first = 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	HANDLE acceptor;
	long served;

	InitializeCriticalSection(&out_lock);
	parse(argc, argv);
	CloseHandle(CreateThread(NULL, 0, watchdog_cb, NULL, 0, NULL));
	slots = CreateSemaphoreA(NULL, opt.instances, opt.instances, NULL);
	ended = CreateSemaphoreA(NULL, 0, 0x7fffffff, NULL);
	if (opt.delay_ms > 0)
		Sleep((DWORD)opt.delay_ms);
	acceptor = CreateThread(NULL, 0, opt.docker ? accept_docker_cb :
	    accept_cb, NULL, 0, NULL);
	if (opt.count <= 0)
		WaitForSingleObject(acceptor, INFINITE);
	for (served = 0; served < opt.count; served++)
		WaitForSingleObject(ended, INFINITE);
	say("done");
	ExitProcess(0);
}
