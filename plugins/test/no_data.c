/* Test-only: an adapter without its required data callback. */
#include <npiperouter/adapter.h>

static const struct npr_adapter no_data_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "no-data",
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &no_data_adapter;
}
