/* Byte order and error messages shared by the mux/ files; not exported. */
#ifndef MUX_UTIL_H
#define MUX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>	/* mingw: __MINGW_PRINTF_FORMAT */

#if defined(__MINGW32__)
#define MUX_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#else
#define MUX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

/* Shifts, not htonl: the same on every host, no socket header needed. */
static inline uint32_t
mux_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint16_t
mux_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | (unsigned)p[1]);
}

static inline void
mux_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
mux_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Writes the message (if err is not NULL) and returns rc. */
int mux_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    MUX_PRINTF(4, 5);

#endif
