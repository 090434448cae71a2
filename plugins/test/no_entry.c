/* Test-only: a shared object that does not export npr_adapter_entry(). */
#include <npiperouter/adapter.h>

NPR_ADAPTER_EXPORT int npr_not_an_adapter(void);

NPR_ADAPTER_EXPORT int
npr_not_an_adapter(void)
{
	return NPR_ADAPTER_ABI_MAJOR;
}
