/*
 * Connecting to a libassuan socket (-a): read the socket file, connect to
 * 127.0.0.1:PORT, prove knowledge of the nonce.
 *
 * The address is 127.0.0.1 literally: libassuan binds INADDR_LOOPBACK,
 * and resolving "localhost" may give ::1 first, which nothing listens on.
 *
 * The handshake, as libassuan's _assuan_sock_connect does it:
 *   native:  client sends the 16-byte nonce; the server answers nothing
 *            and just closes the connection if the nonce is wrong.
 *   Cygwin:  client sends the 16-byte nonce, the server echoes 16 bytes;
 *            client sends 8 bytes of credentials (pid as a 32-bit and
 *            uid, gid as 16-bit numbers, libassuan sends uid = gid = 0),
 *            the server answers with 8 bytes of its own (ignored).
 *   Cygwin itself exchanges 12 bytes of credentials since its uid_t and
 *   gid_t grew to 32 bits; libassuan (gpg-agent, the server this is for)
 *   reads and writes 8, so 8 it is.
 */
#include <string.h>

#include "assuan.h"
#include "report.h"
#include "sock.h"
#include "waiter.h"

#define SOCK_CRED_LEN 8
/* A server that accepts and then says nothing must not hang us forever. */
#define SOCK_HANDSHAKE_MS 10000

static int
sock_send_all(SOCKET s, const unsigned char *buf, int len)
{
	int done = 0, n;

	while (done < len) {
		n = send(s, (const char *)buf + done, len - done, 0);
		if (n == SOCKET_ERROR)
			return -1;
		done += n;
	}
	return 0;
}

/* 0 when LEN bytes arrived, 1 at EOF before that, -1 on error. */
static int
sock_recv_all(SOCKET s, unsigned char *buf, int len)
{
	int done = 0, n;

	while (done < len) {
		n = recv(s, (char *)buf + done, len - done, 0);
		if (n == 0)
			return 1;
		if (n == SOCKET_ERROR)
			return -1;
		done += n;
	}
	return 0;
}

static int
sock_handshake(SOCKET s, const struct assuan_info *info,
    struct nprelay_error *err)
{
	unsigned char echo[ASSUAN_NONCE_LEN], cred[SOCK_CRED_LEN];
	DWORD timeout = SOCK_HANDSHAKE_MS, pid = GetCurrentProcessId();
	int r;

	if (sock_send_all(s, info->nonce, ASSUAN_NONCE_LEN) != 0) {
		error_set(err, NPRELAY_EASSUAN, (DWORD)WSAGetLastError(),
		    "sending the assuan nonce");
		return -1;
	}
	if (!info->cygwin)
		return 0;

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout,
	    sizeof timeout);
	if ((r = sock_recv_all(s, echo, ASSUAN_NONCE_LEN)) != 0)
		goto fail;
	if (memcmp(echo, info->nonce, ASSUAN_NONCE_LEN) != 0) {
		error_set(err, NPRELAY_EASSUAN, 0, "Cygwin handshake: the "
		    "server answered with a different key");
		return -1;
	}
	memset(cred, 0, sizeof cred);
	cred[0] = (unsigned char)(pid & 0xff);
	cred[1] = (unsigned char)((pid >> 8) & 0xff);
	cred[2] = (unsigned char)((pid >> 16) & 0xff);
	cred[3] = (unsigned char)((pid >> 24) & 0xff);
	if (sock_send_all(s, cred, SOCK_CRED_LEN) != 0) {
		r = -1;
		goto fail;
	}
	if ((r = sock_recv_all(s, cred, SOCK_CRED_LEN)) != 0)
		goto fail;
	timeout = 0;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout,
	    sizeof timeout);
	return 0;
fail:
	if (r > 0)
		error_set(err, NPRELAY_EASSUAN, 0, "Cygwin handshake: the "
		    "server closed the connection (wrong key?)");
	else
		error_set(err, NPRELAY_EASSUAN, (DWORD)WSAGetLastError(),
		    "Cygwin handshake");
	return -1;
}

/* One attempt; *retry says whether -p may try again. */
static SOCKET
sock_try(const struct options *o, struct assuan_info *info, int *retry,
    struct nprelay_error *err)
{
	struct sockaddr_in sin;
	SOCKET s;
	DWORD e;

	*retry = 0;
	if (assuan_read_file(o->target, info, err) != 0) {
		/*
		 * Missing, or being written: gpg-agent creates the file and
		 * then writes it, so a reader may find it empty or short.
		 */
		*retry = err->code == ERROR_FILE_NOT_FOUND ||
		    err->code == ERROR_PATH_NOT_FOUND ||
		    err->code == ERROR_SHARING_VIOLATION ||
		    err->status == NPRELAY_EASSUAN;
		return INVALID_SOCKET;
	}
	s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET) {
		error_set(err, NPRELAY_ECONNECT, (DWORD)WSAGetLastError(),
		    "socket");
		return INVALID_SOCKET;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(info->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof sin) == SOCKET_ERROR) {
		e = (DWORD)WSAGetLastError();
		error_set(err, NPRELAY_ECONNECT, e,
		    "cannot connect to 127.0.0.1:%u", (unsigned)info->port);
		/* gpg-agent restarting: the file is there, the port not yet. */
		*retry = e == WSAECONNREFUSED;
		closesocket(s);
		return INVALID_SOCKET;
	}
	return s;
}

int
sock_connect(const struct options *o, struct target *t,
    struct nprelay_error *err)
{
	struct assuan_info info;
	struct waiter w;
	SOCKET s = INVALID_SOCKET;
	int retry, rc = -1, said = 0;

	waiter_init(&w, o->limit_ms);
	for (;;) {
		s = sock_try(o, &info, &retry, err);
		if (s != INVALID_SOCKET)
			break;
		if (!o->poll || !retry)
			goto out;
		if (!said++)
			report_verbose("%s, waiting", err->what);
		if (!waiter_sleep(&w)) {
			char what[sizeof err->what];

			memcpy(what, err->what, sizeof what);
			error_set(err, NPRELAY_ETIMEOUT, err->code,
			    "gave up waiting after %lu s: %s",
			    (unsigned long)(o->limit_ms / 1000), what);
			goto out;
		}
	}
	report_verbose("connected to 127.0.0.1:%u (%s socket file)",
	    (unsigned)info.port, info.cygwin ? "Cygwin" : "native");
	if (sock_handshake(s, &info, err) != 0)
		goto out;
	t->kind = TARGET_SOCKET;
	t->sock = s;
	s = INVALID_SOCKET;
	rc = 0;
out:
	if (s != INVALID_SOCKET)
		closesocket(s);
	SecureZeroMemory(&info, sizeof info);
	return rc;
}
