/* Bytes from someone else, made safe to log or print. */
#include "escape.h"

#include <stdio.h>
#include <string.h>

static int
escape_keep(unsigned char c, int flags)
{
	if (c >= 0x80)
		return (flags & ESCAPE_KEEP_8BIT) != 0;
	if (c < 0x20 || c == 0x7f)
		return 0;
	return (flags & ESCAPE_QUOTES) == 0 || (c != '"' && c != '\\');
}

const char *
escape_bytes(char *out, size_t outlen, const void *p, size_t n, size_t max,
    int flags)
{
	const unsigned char *b = p;
	size_t i, o = 0;
	int w;

	/* Room is kept for the widest form (\xNN) and the NUL. */
	for (i = 0; i < n && i < max && o + 5 < outlen; i++) {
		if (escape_keep(b[i], flags))
			out[o++] = (char)b[i];
		else {
			w = snprintf(out + o, outlen - o, "\\x%02x", b[i]);
			o += (size_t)w;
		}
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

int
escape_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

size_t
escape_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n, i;

	if (*p < 0x80)
		return 1;
	n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 && *p < 0xf0 ? 3 :
	    *p >= 0xc2 && *p < 0xe0 ? 2 : 0;
	if (n == 0)
		return 0;
	cp = n == 4 ? *p & 0x07u : n == 3 ? *p & 0x0fu : *p & 0x1fu;
	/* A NUL is no continuation byte: the string's end stops this. */
	for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
		cp = cp << 6 | (p[i] & 0x3fu);
	if (i < n || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp < 0xe000))
		return 0;
	return n;
}
