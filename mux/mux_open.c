/*
 * Open request and reply encoding, see mux_open.h and docs/mux.md.
 * Every length is checked against the limits before anything it counts
 * is read, so a hostile peer cannot make a reader wait for, or hold,
 * more than MUX_OPEN_REQUEST_MAX bytes.
 */
#include "mux_open.h"

#include <string.h>

#include "mux_frame.h"
#include "mux_util.h"

/* Length field, argument count: the request's fixed part. */
#define MUX_REQ_FIXED 6
/* Length field, status, code: the reply's fixed part. */
#define MUX_REPLY_FIXED 9

int
mux_open_request_encode(uint8_t *out, size_t outlen, size_t *written,
    size_t argc, const char *const *argv, char *err, size_t errlen)
{
	size_t total = MUX_REQ_FIXED, i, n;
	uint8_t *p;

	*written = 0;
	if (argc == 0 || argc > MUX_OPEN_ARGS_MAX)
		return mux_fail(err, errlen, MUX_E_INVALID,
		    "open request with %lu arguments, want 1 to %d",
		    (unsigned long)argc, MUX_OPEN_ARGS_MAX);
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (n > MUX_OPEN_REQUEST_MAX - total ||
		    2 + n > MUX_OPEN_REQUEST_MAX - total)
			return mux_fail(err, errlen, MUX_E_INVALID,
			    "open request longer than %d bytes at argument "
			    "%lu", MUX_OPEN_REQUEST_MAX, (unsigned long)i + 1);
		total += 2 + n;
	}
	if (total > outlen)
		return mux_fail(err, errlen, MUX_E_SPACE,
		    "open request of %lu bytes, room for %lu",
		    (unsigned long)total, (unsigned long)outlen);
	mux_put32(out, (uint32_t)(total - 4));
	mux_put16(out + 4, (uint16_t)argc);
	p = out + MUX_REQ_FIXED;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		mux_put16(p, (uint16_t)n);
		memcpy(p + 2, argv[i], n);
		p += 2 + n;
	}
	*written = total;
	return MUX_OK;
}

int
mux_open_request_decode(const uint8_t *buf, size_t len, size_t *used,
    struct mux_open_request *req, char *err, size_t errlen)
{
	size_t total, argc, off, i, n;

	*used = 0;
	req->argc = 0;
	if (len < 4)
		return MUX_MORE;
	/* Compared before adding the prefix: no wrap with a 32-bit size_t. */
	if (mux_get32(buf) < MUX_REQ_FIXED + 2 - 4 ||
	    mux_get32(buf) > MUX_OPEN_REQUEST_MAX - 4)
		return mux_fail(err, errlen, MUX_E_OPEN,
		    "open request of 4 + %lu bytes, want %d to %d in all",
		    (unsigned long)mux_get32(buf), MUX_REQ_FIXED + 2,
		    MUX_OPEN_REQUEST_MAX);
	total = (size_t)mux_get32(buf) + 4;
	if (len < MUX_REQ_FIXED)
		return MUX_MORE;
	argc = mux_get16(buf + 4);
	if (argc == 0 || argc > MUX_OPEN_ARGS_MAX)
		return mux_fail(err, errlen, MUX_E_OPEN,
		    "open request with %lu arguments, want 1 to %d",
		    (unsigned long)argc, MUX_OPEN_ARGS_MAX);
	if (len < total)
		return MUX_MORE;
	off = MUX_REQ_FIXED;
	for (i = 0; i < argc; i++) {
		if (total - off < 2)
			return mux_fail(err, errlen, MUX_E_OPEN,
			    "open request ends inside the length of argument "
			    "%lu", (unsigned long)i + 1);
		n = mux_get16(buf + off);
		off += 2;
		if (n > total - off)
			return mux_fail(err, errlen, MUX_E_OPEN,
			    "open request: argument %lu of %lu bytes runs "
			    "%lu bytes past the end", (unsigned long)i + 1,
			    (unsigned long)n, (unsigned long)(n - (total - off)));
		if (memchr(buf + off, '\0', n) != NULL)
			return mux_fail(err, errlen, MUX_E_OPEN,
			    "open request: argument %lu contains a NUL byte",
			    (unsigned long)i + 1);
		req->argv[i].ptr = buf + off;
		req->argv[i].len = n;
		off += n;
	}
	if (off != total)
		return mux_fail(err, errlen, MUX_E_OPEN,
		    "open request: %lu bytes after the last argument",
		    (unsigned long)(total - off));
	req->argc = argc;
	*used = total;
	return MUX_OK;
}

/* The longest prefix of s, at most max bytes, not ending mid-character. */
static size_t
mux_utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	/* Back off continuation bytes (10xxxxxx) to a character start. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int
mux_open_reply_encode(uint8_t *out, size_t outlen, size_t *written,
    uint8_t status, uint32_t code, const char *message, char *err,
    size_t errlen)
{
	size_t n = message != NULL ? mux_utf8_cut(message,
	    MUX_OPEN_MESSAGE_MAX) : 0;

	*written = 0;
	if (status == 0 && (code != 0 || n != 0))
		return mux_fail(err, errlen, MUX_E_INVALID,
		    "a successful open reply has no error code or message");
	if (MUX_REPLY_FIXED + n > outlen)
		return mux_fail(err, errlen, MUX_E_SPACE,
		    "open reply of %lu bytes, room for %lu",
		    (unsigned long)(MUX_REPLY_FIXED + n), (unsigned long)outlen);
	mux_put32(out, (uint32_t)(MUX_REPLY_FIXED - 4 + n));
	out[4] = status;
	mux_put32(out + 5, code);
	if (n > 0)
		memcpy(out + MUX_REPLY_FIXED, message, n);
	*written = MUX_REPLY_FIXED + n;
	return MUX_OK;
}

int
mux_open_reply_decode(const uint8_t *buf, size_t len, size_t *used,
    struct mux_open_reply *rep, char *err, size_t errlen)
{
	size_t total, n;

	*used = 0;
	memset(rep, 0, sizeof *rep);
	if (len < 4)
		return MUX_MORE;
	if (mux_get32(buf) < MUX_REPLY_FIXED - 4 ||
	    mux_get32(buf) > MUX_OPEN_REPLY_MAX - 4)
		return mux_fail(err, errlen, MUX_E_OPEN,
		    "open reply of 4 + %lu bytes, want %d to %d in all",
		    (unsigned long)mux_get32(buf), MUX_REPLY_FIXED,
		    MUX_OPEN_REPLY_MAX);
	total = (size_t)mux_get32(buf) + 4;
	if (len < total)
		return MUX_MORE;
	n = total - MUX_REPLY_FIXED;
	rep->status = buf[4];
	rep->code = mux_get32(buf + 5);
	if (rep->status == 0 && (rep->code != 0 || n != 0))
		return mux_fail(err, errlen, MUX_E_OPEN,
		    "open reply: success with error code %lu and a %lu-byte "
		    "message", (unsigned long)rep->code, (unsigned long)n);
	if (memchr(buf + MUX_REPLY_FIXED, '\0', n) != NULL)
		return mux_fail(err, errlen, MUX_E_OPEN,
		    "open reply: message contains a NUL byte");
	rep->message = buf + MUX_REPLY_FIXED;
	rep->message_len = n;
	*used = total;
	return MUX_OK;
}
