/* Helpers shared by the client and the servers of nptest-peer. */
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
peer_msg(const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nptest-peer %s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
peer_exit(int status, const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nptest-peer %s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

int
peer_parse_size(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;
	uint64_t mul = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mul = 1024;
		end++;
		break;
	case 'm': case 'M':
		mul = 1024 * 1024;
		end++;
		break;
	case 'g': case 'G':
		mul = 1024 * 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || (v != 0 && UINT64_MAX / mul < v))
		return -1;
	*out = (uint64_t)v * mul;
	return 0;
}

int
peer_parse_seconds(const char *s, double *out)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > 1e6)
		return -1;
	*out = v;
	return 0;
}

int64_t
peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
peer_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int
peer_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
peer_ignore_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPIPE, &sa, NULL);
}

void
peer_random_fill(uint64_t *state, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t x = *state, r;

	while (len > 0) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		r = x * UINT64_C(0x2545F4914F6CDD1D);
		if (len >= sizeof r) {
			memcpy(p, &r, sizeof r);
			p += sizeof r;
			len -= sizeof r;
		} else {
			memcpy(p, &r, len);
			len = 0;
		}
	}
	*state = x;
}
