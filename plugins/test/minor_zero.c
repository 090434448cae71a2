/*
 * Test-only: a plugin built for ABI 2.0, before relay_failed was
 * appended (2.1). Its struct ends where 2.0's did; the member past its
 * size is set here only to prove the router never reads it: were it
 * called, the client would get "CALLED" instead of the plain close that
 * 2.0 plugins have always had.
 */
#include <stddef.h>

#include <npiperouter/adapter.h>

static enum npr_verdict
minor_zero_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	*n = NPR_PASS_ALL;
	return NPR_PASS;
}

static enum npr_verdict
minor_zero_relay_failed(struct npr_session *s,
    const struct npr_relay_failure *f, struct npr_io *io)
{
	s->host->reply(io, "CALLED\n", 7);
	return NPR_CLOSE;
}

static const struct npr_adapter minor_zero_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = 0,
	/* ABI 2.0's size: everything before relay_failed. */
	.size = offsetof(struct npr_adapter, relay_failed),
	.name = "minor-zero",
	.data = minor_zero_data,
	.relay_failed = minor_zero_relay_failed,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &minor_zero_adapter;
}
