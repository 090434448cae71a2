/* Shared by adapter_load.c and adapter.c; nothing else includes this. */
#ifndef NPR_ADAPTER_PRIV_H
#define NPR_ADAPTER_PRIV_H

#include "npiperouter/adapter.h"

#include "adapter.h"

struct adapter_route {
	const struct npr_adapter *adapter;
	void *dl;          /* dlopen() handle; NULL for built-ins */
	void *state;       /* what configure() returned */
	int raw;           /* the built-in raw adapter: the zero-copy path */
};

/* The built-in pass-through adapter, described with the plugin ABI. */
extern const struct npr_adapter adapter_raw;

/* What plugins get; its session functions live in adapter.c. */
extern const struct npr_host adapter_host;

void adapter_host_log(const struct npr_session *, enum npr_log_level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int adapter_host_forward(struct npr_io *, const void *, size_t);
int adapter_host_reply(struct npr_io *, const void *, size_t);
enum npr_verdict adapter_host_fail(struct npr_io *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
