/* Bytes from someone else, made safe to log or print. */
#ifndef NPR_ESCAPE_H
#define NPR_ESCAPE_H

#include <stddef.h>

/* No limit on the bytes escape_bytes() shows, but OUTLEN. */
#define ESCAPE_ALL ((size_t)-1)
/* Escape '"' and '\' too: for text shown between quotes. */
#define ESCAPE_QUOTES 1
/* Keep bytes of 0x80 and up: for UTF-8 text of our own (paths). */
#define ESCAPE_KEEP_8BIT 2

/*
 * P (N bytes) into OUT as one printable line: printable ASCII stays, every
 * other byte (control bytes, NUL, DEL, and bytes of 0x80 and up, which
 * hold the C1 controls, unless ESCAPE_KEEP_8BIT is in FLAGS) becomes \xNN,
 * so no terminal escape or line break passes and a NUL cuts nothing. With
 * ESCAPE_QUOTES in FLAGS, '"' and '\' become \xNN too, so quoted text
 * cannot forge its end. At most MAX bytes of P are shown; "..." says some
 * were left out (also when OUTLEN is too small, if it fits). Returns OUT,
 * always NUL-terminated; OUTLEN must be at least 1.
 */
const char *escape_bytes(char *out, size_t outlen, const void *p, size_t n,
    size_t max, int flags);

/* 1 when the string S holds a control byte (below 0x20, or DEL): no
 * name or path of ours may, since a log line or a shell would obey it. */
int escape_has_control(const char *s);

/*
 * The length of the UTF-8 sequence that starts at P (a NUL-terminated
 * string) when it is whole and valid (not overlong, not a surrogate, not
 * past U+10FFFF): 1 for ASCII, up to 4; 0 for a byte that starts no valid
 * sequence.  JSON (RFC 8259) and jansson take only such sequences.
 */
size_t escape_utf8_len(const char *p);

#endif
