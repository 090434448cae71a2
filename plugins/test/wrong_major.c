/* Test-only: an adapter built for an ABI major this router does not have. */
#include <npiperouter/adapter.h>

static enum npr_verdict
wrong_major_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	*n = len;
	return NPR_PASS;
}

static const struct npr_adapter wrong_major_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR + 1,
	.abi_minor = 3,
	.size = sizeof(struct npr_adapter),
	.name = "wrong-major",
	.data = wrong_major_data,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &wrong_major_adapter;
}
