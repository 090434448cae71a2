/* Bytes from someone else, made safe to log or print. */
#include "escape.h"

#include <stdio.h>
#include <string.h>

const char *
escape_bytes(char *out, size_t outlen, const void *p, size_t n, size_t max,
    int flags)
{
	const unsigned char *b = p;
	size_t i, o = 0;
	int w;

	/* Room is kept for the widest form (\xNN) and the NUL. */
	for (i = 0; i < n && i < max && o + 5 < outlen; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && ((flags & ESCAPE_QUOTES) == 0 ||
		    (b[i] != '"' && b[i] != '\\')))
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
