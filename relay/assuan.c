/*
 * libassuan emulates unix sockets on Windows with a TCP listener on
 * 127.0.0.1 and a file holding its port and a 16-byte nonce.  Two layouts
 * exist (libassuan's assuan-socket.c writes both):
 *
 *   native:  "PORT\n" followed by the 16 raw nonce bytes, nothing else
 *   Cygwin:  "!<socket >PORT s XXXXXXXX-XXXXXXXX-XXXXXXXX-XXXXXXXX\0"
 *            each group one 32-bit number in hex whose in-memory
 *            (little-endian) bytes form the nonce; gpg-agent writes this
 *            for S.gpg-agent.ssh so Cygwin/MSYS ssh can use it.
 *
 * The file comes from another program, so every byte is checked: digits
 * and their count, the port range, the exact nonce length, no trailing
 * bytes beyond Cygwin's NUL terminator.
 */
#include <stdio.h>
#include <string.h>

#include "assuan.h"

#define ASSUAN_COOKIE "!<socket >"

static int
assuan_port(const unsigned char **p, const unsigned char *end,
    unsigned short *port)
{
	unsigned long v = 0;
	int digits = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (++digits > 5)
			return -1;
		v = v * 10 + (unsigned long)(**p - '0');
		(*p)++;
	}
	if (digits == 0 || v < 1 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int
assuan_hex8(const unsigned char *p, unsigned long *v)
{
	int i, d;

	*v = 0;
	for (i = 0; i < 8; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return -1;
		*v = (*v << 4) | (unsigned long)d;
	}
	return 0;
}

static int
assuan_parse_cygwin(const unsigned char *p, const unsigned char *end,
    struct assuan_info *info, char *why, size_t whylen)
{
	unsigned long v;
	int g;

	p += strlen(ASSUAN_COOKIE);
	if (assuan_port(&p, end, &info->port) != 0) {
		snprintf(why, whylen, "bad port in Cygwin socket file");
		return -1;
	}
	if (end - p < 3 || memcmp(p, " s ", 3) != 0) {
		snprintf(why, whylen, "Cygwin socket file is not a stream "
		    "socket (want \"PORT s KEY\")");
		return -1;
	}
	p += 3;
	for (g = 0; g < 4; g++) {
		if (end - p < 8 + (g < 3) || assuan_hex8(p, &v) != 0 ||
		    (g < 3 && p[8] != '-')) {
			snprintf(why, whylen, "bad key in Cygwin socket file "
			    "(want XXXXXXXX-XXXXXXXX-XXXXXXXX-XXXXXXXX)");
			return -1;
		}
		info->nonce[g * 4 + 0] = (unsigned char)(v & 0xff);
		info->nonce[g * 4 + 1] = (unsigned char)((v >> 8) & 0xff);
		info->nonce[g * 4 + 2] = (unsigned char)((v >> 16) & 0xff);
		info->nonce[g * 4 + 3] = (unsigned char)((v >> 24) & 0xff);
		p += 8 + (g < 3);
	}
	/* Cygwin and libassuan end the text with a NUL; tolerate a newline
	 * from hand-made files, nothing else. */
	while (p < end && (*p == '\0' || *p == '\n' || *p == '\r'))
		p++;
	if (p != end) {
		snprintf(why, whylen, "trailing bytes in Cygwin socket file");
		return -1;
	}
	info->cygwin = 1;
	return 0;
}

int
assuan_parse(const unsigned char *buf, size_t len, struct assuan_info *info,
    char *why, size_t whylen)
{
	const unsigned char *p = buf, *end = buf + len;

	memset(info, 0, sizeof *info);
	if (len >= strlen(ASSUAN_COOKIE) &&
	    memcmp(buf, ASSUAN_COOKIE, strlen(ASSUAN_COOKIE)) == 0)
		return assuan_parse_cygwin(buf, end, info, why, whylen);

	if (assuan_port(&p, end, &info->port) != 0 || p == end || *p != '\n') {
		snprintf(why, whylen, "not an assuan socket file (want "
		    "\"PORT\\n\" and a 16-byte nonce, or \"!<socket >...\")");
		return -1;
	}
	p++;
	if ((size_t)(end - p) != ASSUAN_NONCE_LEN) {
		snprintf(why, whylen, "assuan socket file has a %u-byte nonce, "
		    "want %d", (unsigned)(end - p), ASSUAN_NONCE_LEN);
		return -1;
	}
	memcpy(info->nonce, p, ASSUAN_NONCE_LEN);
	return 0;
}

int
assuan_read_file(const wchar_t *path, struct assuan_info *info,
    struct nprelay_error *err)
{
	unsigned char buf[ASSUAN_FILE_MAX + 1];
	char why[200];
	HANDLE h;
	DWORD len = 0, n;
	int rc = -1;

	/* gpg-agent keeps the file open; share everything to read it. */
	h = CreateFileW(path, GENERIC_READ,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		error_set(err, NPRELAY_ECONNECT, GetLastError(),
		    "cannot open assuan socket file");
		goto out;
	}
	/*
	 * The path passed name.c's rules (a drive path), yet a DOS device
	 * name in it (C:\x\CON on older Windows) opens a device.
	 */
	if (GetFileType(h) != FILE_TYPE_DISK) {
		error_set(err, NPRELAY_ECONNECT, 0, "refusing the assuan socket "
		    "file: it opened, but is not a file on a disk (a device "
		    "or pipe)");
		goto out;
	}
	/* Read one byte more than allowed to notice an oversized file. */
	while (len < sizeof buf) {
		if (!ReadFile(h, buf + len, (DWORD)sizeof buf - len, &n, NULL)) {
			error_set(err, NPRELAY_ECONNECT, GetLastError(),
			    "cannot read assuan socket file");
			goto out;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len > ASSUAN_FILE_MAX) {
		error_set(err, NPRELAY_EASSUAN, 0, "assuan socket file is "
		    "larger than %d bytes", ASSUAN_FILE_MAX);
		goto out;
	}
	if (assuan_parse(buf, len, info, why, sizeof why) != 0) {
		error_set(err, NPRELAY_EASSUAN, 0, "%s", why);
		goto out;
	}
	rc = 0;
out:
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	SecureZeroMemory(buf, sizeof buf);
	return rc;
}
