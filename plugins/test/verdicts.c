/*
 * Test-only: an adapter whose every verdict is chosen by the client, so
 * the unit tests can drive the router's side of the ABI through each
 * path. Client frames start with one letter:
 *
 *   pD   pass 2+D bytes (D a digit; may be more than have arrived)
 *   a    pass everything from now on
 *   kD   need 2+D bytes, then pass them
 *   r... consume the line and reply "R:..."
 *   f... consume the line and forward "F:..." instead
 *   h    hold until the relay has sent a "g", then reply "H\n"
 *   w    wait for more forever (an unfinished frame)
 *   z    an invalid verdict (pass 0 bytes)
 *   n    need 2 MiB (over the router's view)
 *   c    close with a reason;  x  close without one
 *
 * From the relay, each byte is passed on alone; "g" releases "h".
 */
#include <stdlib.h>
#include <string.h>

#include <npiperouter/adapter.h>

static int
verdicts_open(struct npr_session *s, char *err, size_t errlen)
{
	s->state = calloc(1, sizeof(int));
	return s->state != NULL ? 0 : -1;
}

static void
verdicts_close(struct npr_session *s)
{
	free(s->state);
}

/* Consume a line, queueing PREFIX + its rest towards SIDE. */
static enum npr_verdict
verdicts_line(struct npr_session *s, const unsigned char *buf, size_t len,
    size_t *n, struct npr_io *io, int reply)
{
	const unsigned char *nl = memchr(buf, '\n', len);
	int (*out)(struct npr_io *, const void *, size_t) =
	    reply ? s->host->reply : s->host->forward;

	if (nl == NULL) {
		*n = 0;
		return NPR_NEED;
	}
	*n = (size_t)(nl - buf) + 1;
	if (out(io, reply ? "R:" : "F:", 2) != 0 || out(io, buf + 1, *n - 1) != 0)
		return s->host->fail(io, "out of memory");
	return NPR_CONSUME;
}

static enum npr_verdict
verdicts_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	int *released = s->state;

	if (from == NPR_FROM_RELAY) {
		if (buf[0] == 'g')
			*released = 1;
		*n = 1;
		return NPR_PASS;
	}
	switch (buf[0]) {
	case 'p':
	case 'k':
		if (len < 2) {
			*n = 2;
			return NPR_NEED;
		}
		*n = 2 + (size_t)(buf[1] - '0');
		if (buf[0] == 'k' && len < *n)
			return NPR_NEED;
		return NPR_PASS;
	case 'a':
		*n = NPR_PASS_ALL;
		return NPR_PASS;
	case 'r':
	case 'f':
		return verdicts_line(s, buf, len, n, io, buf[0] == 'r');
	case 'h':
		if (!*released)
			return NPR_HOLD;
		*n = 1;
		return s->host->reply(io, "H\n", 2) == 0 ? NPR_CONSUME :
		    s->host->fail(io, "out of memory");
	case 'w':
		*n = 0;
		return NPR_NEED;
	case 'n':
		*n = 2 * 1024 * 1024;
		return NPR_NEED;
	case 'c':
		return s->host->fail(io, "closed by %c", buf[0]);
	case 'x':
		return NPR_CLOSE;
	default:
		*n = 0;
		return NPR_PASS;
	}
}

static const struct npr_adapter verdicts_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "verdicts",
	.open = verdicts_open,
	.data = verdicts_data,
	.close = verdicts_close,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &verdicts_adapter;
}
