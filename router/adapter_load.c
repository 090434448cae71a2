/*
 * Finding, loading and configuring a route's adapter at config time, so
 * that `npiperouter check` catches a missing plugin, an ABI mismatch or a
 * bad option with FILE:LINE. The built-in raw adapter is described with the
 * same struct as plugins.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapter_priv.h"
#include "config_priv.h"
#include "trust.h"

#define ADAPTER_NAME_MAX 64
/* Room for the names of the plugins found, in "not a known adapter". */
#define ADAPTER_KNOWN_MAX 512

/* Every member ABI 2.0 has; a smaller struct is not an adapter of ours. */
#define ADAPTER_MAJOR_SIZE (offsetof(struct npr_adapter, close) + \
    sizeof(((struct npr_adapter *)0)->close))

static enum npr_verdict
adapter_raw_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	*n = NPR_PASS_ALL;
	return NPR_PASS;
}

const struct npr_adapter adapter_raw = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "raw",
	.data = adapter_raw_data,
	.flags = NPR_ADAPTER_EXPOSED,
};

const struct npr_host adapter_host = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_host),
	.conf_error = adapter_conf_error,
	.conf_check_keys = adapter_conf_check_keys,
	.conf_type_name = adapter_conf_type_name,
	.conf_type = adapter_conf_type,
	.conf_member = adapter_conf_member,
	.conf_count = adapter_conf_count,
	.conf_elem = adapter_conf_elem,
	.conf_name = adapter_conf_name,
	.conf_string = adapter_conf_string,
	.conf_int = adapter_conf_int,
	.conf_bool = adapter_conf_bool,
	.log = adapter_host_log,
	.forward = adapter_host_forward,
	.reply = adapter_host_reply,
	.fail = adapter_host_fail,
	.session_direction = adapter_host_direction,
};

static int
adapter_so_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 3 &&
	    strcmp(d->d_name + len - 3, ".so") == 0;
}

static int
adapter_so_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* "raw, assuan, ssh-agent": what a user could have meant instead. */
static void
adapter_known(const char *dir, char *buf, size_t len)
{
	struct dirent **names = NULL;
	size_t off;
	int i, n;

	snprintf(buf, len, "raw");
	n = scandir(dir, &names, adapter_so_filter, adapter_so_compare);
	for (i = 0; i < n; i++) {
		off = strlen(buf);
		snprintf(buf + off, len - off, ", %.*s",
		    (int)(strlen(names[i]->d_name) - 3), names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

/*
 * dlopen runs a plugin's constructors, as root in a root router, even in
 * `check`: PATH is opened and judged first (trust.h), then loaded by the
 * resolved name of what was judged. Not by /proc/self/fd/N: glibc finds
 * an already loaded object by that name, and descriptor numbers come
 * back, so a second plugin could get the first one's handle. Every
 * folder on the resolved name was checked, so nobody else can swap it
 * between the check and the load. Returns the resolved name, or NULL
 * with why in ERR.
 */
static char *
adapter_plugin_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char why[1024];
	char *real = NULL;
	int fd = -1;

	/* O_NONBLOCK: a FIFO named x.so must not block the loader. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot load %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot load %s: not a regular file", path);
		goto out;
	}
	if (trust_check_fd(fd, path, why, sizeof why) != 0 ||
	    (real = trust_fd_path(fd, path, why, sizeof why)) == NULL)
		snprintf(err, errlen, "%s: %s", path, why);
out:
	if (fd != -1)
		close(fd);
	return real;
}

/*
 * dlopen PATH and check what its entry point returns. Returns the adapter
 * with the handle in *dlp, or NULL with the reason in ERR.
 */
static const struct npr_adapter *
adapter_plugin_open(const char *path, const char *name, void **dlp,
    char *err, size_t errlen)
{
	const struct npr_adapter *a = NULL;
	npr_adapter_entry_fn entry = NULL;
	void *dl = NULL, *sym = NULL;
	const char *why = NULL;
	char *real = NULL;

	if ((real = adapter_plugin_check(path, err, errlen)) == NULL)
		goto fail;
	if ((dl = dlopen(real, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(err, errlen, "cannot load %s: %s", path,
		    why != NULL ? why : "unknown error");
		goto fail;
	}
	if ((sym = dlsym(dl, NPR_ADAPTER_ENTRY_NAME)) == NULL) {
		snprintf(err, errlen, "%s is not an npiperouter adapter: it does "
		    "not export " NPR_ADAPTER_ENTRY_NAME "()", path);
		goto fail;
	}
	/* POSIX guarantees this conversion for dlsym() results. */
	*(void **)&entry = sym;
	if ((a = entry()) == NULL) {
		snprintf(err, errlen, "%s: " NPR_ADAPTER_ENTRY_NAME "() returned "
		    "NULL", path);
		goto fail;
	}
	if (a->abi_major != NPR_ADAPTER_ABI_MAJOR) {
		snprintf(err, errlen, "%s was built for adapter ABI %u.%u; this "
		    "npiperouter has ABI %d.%d (rebuild the plugin against its "
		    "npiperouter/adapter.h)", path, (unsigned)a->abi_major,
		    (unsigned)a->abi_minor, NPR_ADAPTER_ABI_MAJOR,
		    NPR_ADAPTER_ABI_MINOR);
		goto fail;
	}
	if (a->size < ADAPTER_MAJOR_SIZE) {
		snprintf(err, errlen, "%s: its struct npr_adapter is %zu bytes; "
		    "ABI %d.0 needs at least %zu", path, a->size,
		    NPR_ADAPTER_ABI_MAJOR, ADAPTER_MAJOR_SIZE);
		goto fail;
	}
	if (a->name == NULL || a->data == NULL) {
		snprintf(err, errlen, "%s (ABI %u.%u) lacks the required entry "
		    "\"%s\"", path, (unsigned)a->abi_major,
		    (unsigned)a->abi_minor, a->name == NULL ? "name" : "data");
		goto fail;
	}
	if (strcmp(a->name, name) != 0) {
		snprintf(err, errlen, "%s calls itself \"%s\", not \"%s\"", path,
		    a->name, name);
		goto fail;
	}
	*dlp = dl;
	free(real);
	return a;
fail:
	if (dl != NULL)
		dlclose(dl);
	free(real);
	return NULL;
}

/*
 * Whoever may write plugin_dir may add or replace a plugin: judged once,
 * when the first route needs a plugin. A missing folder is left to the
 * "not a known adapter" message. Returns 0, or -1 after reporting.
 */
static int
adapter_dir_check(struct config_ctx *ctx, const config_setting_t *name_set,
    const char *label, const char *dir)
{
	char err[1024];
	int fd = -1, rc = -1;

	if (ctx->plugin_dir_trusted)
		return 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		rc = 0;
		goto out;
	}
	if (trust_check_fd(fd, dir, err, sizeof err) != 0) {
		config_err_at(ctx, name_set, label, "plugin_dir %s: %s", dir,
		    err);
		/* One message is enough: the other routes stay quiet. */
		ctx->plugin_dir_bad = 1;
		goto out;
	}
	ctx->plugin_dir_trusted = 1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* Let the adapter read its options; returns 0 when it took them all. */
static int
adapter_configure(struct adapter_route *ar, struct config_ctx *ctx,
    const config_setting_t *group, const char *label,
    const char *route_name)
{
	static const char *const name_only[] = { "name", NULL };
	const struct npr_adapter *a = ar->adapter;
	struct npr_conf conf = { ctx, label, group, 0 };
	char hint[128];
	int rc;

	if (a->configure == NULL) {
		snprintf(hint, sizeof hint, "the %s adapter has no options",
		    a->name);
		return config_check_keys(ctx, group, "adapter.", name_only, label,
		    hint) != 0 ? -1 : 0;
	}
	rc = a->configure(&adapter_host, &conf, adapter_conf_setting(group),
	    route_name != NULL ? route_name : "", &ar->state);
	if (rc != 0 && conf.nerrors == 0)
		config_err_at(ctx, group, label, "adapter \"%s\" refused its "
		    "options without saying why", a->name);
	if (rc == 0 && conf.nerrors != 0) {
		/* It reported problems but said yes: believe the reports. */
		if (a->unconfigure != NULL)
			a->unconfigure(ar->state);
		ar->state = NULL;
		rc = -1;
	}
	return rc != 0 ? -1 : 0;
}

struct adapter_route *
adapter_route_load(struct config_ctx *ctx, const config_setting_t *group,
    const config_setting_t *name_set, const char *name, const char *label,
    const char *route_name)
{
	struct adapter_route *ar = NULL;
	const char *dir = ctx->cfg->plugin_dir;
	char path[4096], err[4096 + 1536], known[ADAPTER_KNOWN_MAX];
	size_t len = strlen(name);

	if ((ar = calloc(1, sizeof *ar)) == NULL) {
		ctx->oom = 1;
		return NULL;
	}
	if (strcmp(name, "raw") == 0) {
		ar->adapter = &adapter_raw;
		ar->raw = 1;
	} else if (len == 0 || len > ADAPTER_NAME_MAX || strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    != len) {
		/* It becomes a file name: no "/" and no "..". */
		config_err_at(ctx, name_set, label, "adapter.name \"%s\" is not "
		    "a valid adapter name (letters, digits, \"_\" and \"-\", at "
		    "most %d)", name, ADAPTER_NAME_MAX);
		goto fail;
	} else if (ctx->plugin_dir_bad || dir == NULL) {
		/* plugin_dir itself was reported; one message is enough. */
		goto fail;
	} else if (adapter_dir_check(ctx, name_set, label, dir) != 0) {
		goto fail;
	} else {
		snprintf(path, sizeof path, "%s/%s.so", dir, name);
		if (access(path, F_OK) != 0) {
			adapter_known(dir, known, sizeof known);
			config_err_at(ctx, name_set, label, "adapter.name \"%s\" is "
			    "not a known adapter: no %s (known: %s)", name, path,
			    known);
			goto fail;
		}
		ar->adapter = adapter_plugin_open(path, name, &ar->dl, err,
		    sizeof err);
		if (ar->adapter == NULL) {
			config_err_at(ctx, name_set, label, "adapter \"%s\": %s",
			    name, err);
			goto fail;
		}
	}
	if (adapter_configure(ar, ctx, group, label, route_name) != 0)
		goto fail;
	return ar;
fail:
	adapter_route_free(ar);
	return NULL;
}

int
adapter_route_exposable(const struct adapter_route *ar)
{
	const struct npr_adapter *a;

	if (ar == NULL || ar->raw)
		return 1;
	a = ar->adapter;
	/* A plugin built before minor 1 has no flags: it cannot know. */
	return a->size >= offsetof(struct npr_adapter, flags) +
	    sizeof a->flags && (a->flags & NPR_ADAPTER_EXPOSED) != 0;
}

void
adapter_route_free(struct adapter_route *ar)
{
	if (ar == NULL)
		return;
	if (ar->adapter != NULL && ar->state != NULL &&
	    ar->adapter->unconfigure != NULL)
		ar->adapter->unconfigure(ar->state);
	if (ar->dl != NULL)
		dlclose(ar->dl);
	free(ar);
}
