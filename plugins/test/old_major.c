/*
 * Test-only: an adapter as ABI 1 built it, whose configure() took
 * libconfig's config_setting_t. Its layout matches ABI 2's, so only the
 * major can tell the router not to hand it an npr_setting.
 */
#include <npiperouter/adapter.h>

static enum npr_verdict
old_major_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	*n = len;
	return NPR_PASS;
}

static const struct npr_adapter old_major_adapter = {
	.abi_major = 1,
	.abi_minor = 0,
	.size = sizeof(struct npr_adapter),
	.name = "old-major",
	.data = old_major_data,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &old_major_adapter;
}
