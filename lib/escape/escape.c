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
