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

/* The router's side of one route being configured (adapter_load.c). */
struct npr_conf {
	struct config_ctx *ctx;
	const char *label;
	const struct config_setting_t *group;
	unsigned nerrors;
};

/* The route's group as plugins see it. */
const struct npr_setting *adapter_conf_setting(
    const struct config_setting_t *);

/* The conf_* members of adapter_host (adapter_conf.c). */
void adapter_conf_error(struct npr_conf *, const struct npr_setting *,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int adapter_conf_check_keys(struct npr_conf *, const struct npr_setting *,
    const char *const *keys);
const char *adapter_conf_type_name(const struct npr_setting *);
enum npr_setting_type adapter_conf_type(const struct npr_setting *);
const struct npr_setting *adapter_conf_member(const struct npr_setting *,
    const char *key);
unsigned adapter_conf_count(const struct npr_setting *);
const struct npr_setting *adapter_conf_elem(const struct npr_setting *,
    unsigned i);
const char *adapter_conf_name(const struct npr_setting *);
const char *adapter_conf_string(const struct npr_setting *);
int adapter_conf_int(const struct npr_setting *, long long *v);
int adapter_conf_bool(const struct npr_setting *, int *v);

/* The built-in pass-through adapter, described with the plugin ABI. */
extern const struct npr_adapter adapter_raw;

/* What plugins get; its session functions live in adapter.c. */
extern const struct npr_host adapter_host;

void adapter_host_log(const struct npr_session *, enum npr_log_level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum npr_direction adapter_host_direction(const struct npr_session *);
int adapter_host_forward(struct npr_io *, const void *, size_t);
int adapter_host_reply(struct npr_io *, const void *, size_t);
enum npr_verdict adapter_host_fail(struct npr_io *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
