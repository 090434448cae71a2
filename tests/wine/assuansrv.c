/*
 * libassuan-style socket server for the Wine tests of nprelay.exe -a.
 *
 *   assuansrv.exe --file PATH [--format native|cygwin] [--count N]
 *                 [--bad-echo] [--timeout S]
 *
 * Listens on 127.0.0.1 (a free port), writes PATH the way libassuan's
 * assuan_sock_bind does (native: "PORT\n" + 16 nonce bytes; cygwin:
 * "!<socket >PORT s %08x-%08x-%08x-%08x\0"), and per connection checks
 * the nonce and, for cygwin, runs libassuan's side of the Cygwin
 * handshake (echo 16 bytes, read 8 bytes of credentials, send 8).  Then
 * it greets with "OK test server\n", echoes, and at the client's EOF
 * sends "received N bytes\n" and closes.  --bad-echo answers the Cygwin
 * handshake with a wrong key.
 *
 * Events on stdout: "ready PORT", "bad-nonce", "handshake-ok",
 * "eof N", "reset N".
 */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *file;
	int cygwin, bad_echo;
	long count, timeout_s;
} opt = { .timeout_s = 120 };

static unsigned char nonce[16];

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
	WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line),
	    &n, NULL);
}

static int
recv_all(SOCKET s, unsigned char *buf, int len)
{
	int done = 0, n;

	while (done < len) {
		n = recv(s, (char *)buf + done, len - done, 0);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int
send_all(SOCKET s, const void *buf, int len)
{
	int done = 0, n;

	while (done < len) {
		n = send(s, (const char *)buf + done, len - done, 0);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static void
write_file(unsigned short port)
{
	char text[128];
	unsigned int g[4];
	int len, i;
	FILE *f;

	if (opt.cygwin) {
		for (i = 0; i < 4; i++)
			g[i] = (unsigned)nonce[i * 4] |
			    (unsigned)nonce[i * 4 + 1] << 8 |
			    (unsigned)nonce[i * 4 + 2] << 16 |
			    (unsigned)nonce[i * 4 + 3] << 24;
		len = snprintf(text, sizeof text,
		    "!<socket >%u s %08x-%08x-%08x-%08x", port, g[0], g[1],
		    g[2], g[3]) + 1;
	} else {
		len = snprintf(text, sizeof text, "%u\n", port);
		memcpy(text + len, nonce, 16);
		len += 16;
	}
	if ((f = fopen(opt.file, "wb")) == NULL ||
	    fwrite(text, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0) {
		fprintf(stderr, "assuansrv: cannot write %s\n", opt.file);
		ExitProcess(1);
	}
}

static void
serve(SOCKET s)
{
	unsigned char buf[65536], cred[8];
	long long total = 0;
	DWORD pid = GetCurrentProcessId();
	char line[64];
	int n;

	if (recv_all(s, buf, 16) != 0 || memcmp(buf, nonce, 16) != 0) {
		say("bad-nonce");
		return;
	}
	if (opt.cygwin) {
		if (opt.bad_echo)
			buf[0] ^= 0xff;
		if (send_all(s, buf, 16) != 0 || recv_all(s, cred, 8) != 0)
			return;
		memcpy(cred, &pid, 4);
		if (send_all(s, cred, 8) != 0)
			return;
	}
	say("handshake-ok");
	send_all(s, "OK test server\n", 15);
	while ((n = recv(s, (char *)buf, sizeof buf, 0)) > 0) {
		if (send_all(s, buf, n) != 0)
			break;
		total += n;
	}
	if (n < 0) {
		say("reset %lld", total);
		return;
	}
	say("eof %lld", total);
	n = snprintf(line, sizeof line, "received %lld bytes\n", total);
	send_all(s, line, n);
}

static DWORD WINAPI
watchdog_cb(void *arg)
{
	Sleep((DWORD)opt.timeout_s * 1000);
	say("timeout");
	ExitProcess(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	LARGE_INTEGER seed;
	WSADATA wsa;
	SOCKET l, c;
	int i, len = sizeof sin;
	long served = 0;
	unsigned x;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(a, "--bad-echo") == 0) {
			opt.bad_echo = 1;
			continue;
		}
		i++;
		if (strcmp(a, "--file") == 0)
			opt.file = v;
		else if (strcmp(a, "--format") == 0)
			opt.cygwin = strcmp(v, "cygwin") == 0;
		else if (strcmp(a, "--count") == 0)
			opt.count = atol(v);
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout_s = atol(v);
		else
			opt.file = NULL, i = argc + 1;
	}
	if (opt.file == NULL || *opt.file == '\0' || i > argc) {
		fprintf(stderr, "usage: assuansrv.exe --file PATH "
		    "[--format native|cygwin] [--count N] [--bad-echo] "
		    "[--timeout S]\n");
		return 64;
	}
	CloseHandle(CreateThread(NULL, 0, watchdog_cb, NULL, 0, NULL));
	QueryPerformanceCounter(&seed);
	x = (unsigned)seed.QuadPart ^ GetCurrentProcessId() << 16;
	for (i = 0; i < 16; i++) {
		/* xorshift: enough for a test nonce, never for a real one */
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		nonce[i] = (unsigned char)x;
	}
	/* Make sure a NUL, a newline and high bytes occur in the nonce. */
	nonce[3] = 0; nonce[7] = '\n'; nonce[11] = 0xff;

	WSAStartup(MAKEWORD(2, 2), &wsa);
	l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(l, 16) != 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) != 0) {
		fprintf(stderr, "assuansrv: listen: %d\n", WSAGetLastError());
		return 1;
	}
	write_file(ntohs(sin.sin_port));
	say("ready %u", ntohs(sin.sin_port));
	while ((c = accept(l, NULL, NULL)) != INVALID_SOCKET) {
		serve(c);
		closesocket(c);
		if (opt.count > 0 && ++served >= opt.count)
			break;
	}
	say("done");
	return 0;
}
