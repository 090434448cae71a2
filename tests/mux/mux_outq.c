/* The test drivers' frame writer, see mux_outq.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mux_outq.h"

int
mux_outq_append(struct mux_outq *q, const void *buf, size_t len)
{
	uint8_t *b;
	size_t cap;

	if (q->off > 0 && q->off == q->len)
		q->off = q->len = 0;
	if (q->len + len > q->cap) {
		/* Slide what is left to the front before growing. */
		if (q->off > 0) {
			memmove(q->buf, q->buf + q->off, q->len - q->off);
			q->len -= q->off;
			q->off = 0;
		}
	}
	if (q->len + len > q->cap) {
		cap = q->cap ? q->cap : 65536;
		while (cap < q->len + len)
			cap *= 2;
		if ((b = realloc(q->buf, cap)) == NULL)
			return -1;
		q->buf = b;
		q->cap = cap;
	}
	if (len > 0)
		memcpy(q->buf + q->len, buf, len);
	q->len += len;
	return 0;
}

int
mux_outq_frame(struct mux_outq *q, const struct mux_header *h,
    const void *payload, size_t len, char *err, size_t errlen)
{
	uint8_t b[MUX_HEADER_LEN];
	int rc;

	if ((rc = mux_header_encode(h, b, err, errlen)) != MUX_OK)
		return rc;
	if (mux_outq_append(q, b, sizeof b) != 0 ||
	    (len > 0 && mux_outq_append(q, payload, len) != 0)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		return MUX_E_SPACE;
	}
	return MUX_OK;
}

size_t
mux_outq_pending(const struct mux_outq *q)
{
	return q->len - q->off;
}

void
mux_outq_drop(struct mux_outq *q, size_t n)
{
	q->off += n < q->len - q->off ? n : q->len - q->off;
	if (q->off == q->len)
		q->off = q->len = 0;
}

ssize_t
mux_outq_write(struct mux_outq *q, int fd)
{
	ssize_t n;

	if (q->len == q->off)
		return 0;
	n = write(fd, q->buf + q->off, q->len - q->off);
	if (n > 0) {
		q->off += (size_t)n;
		if (q->off == q->len)
			q->off = q->len = 0;
	}
	return n;
}

int
mux_outq_flush(struct mux_outq *q, int fd)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };

	while (mux_outq_pending(q) > 0) {
		if (mux_outq_write(q, fd) >= 0)
			continue;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

void
mux_outq_free(struct mux_outq *q)
{
	free(q->buf);
	memset(q, 0, sizeof *q);
}
