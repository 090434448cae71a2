/* The relay backend interface: dispatch to the backend, and what every
 * backend shares (counters, hooks, the relay command). */
#include "relay_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct relay_backend *
relay_backend_new(struct event_base *base, const struct route_conf *rc,
    const struct relay_backend_hooks *hooks)
{
	struct relay_backend *b;

	if (rc->mode == ROUTE_MODE_SPAWN) {
		b = relay_spawn_new();
		b->base = base;
		b->hooks = *hooks;
	} else
		b = relay_mux_new(base, rc, hooks);
	b->refs = 1;
	return b;
}

static void
relay_backend_unref(struct relay_backend *b)
{
	if (--b->refs == 0)
		b->ops->backend_free(b);
}

void
relay_backend_free(struct relay_backend *b)
{
	if (b == NULL)
		return;
	b->released = 1;
	if (b->refs > 1 && b->ops->retire != NULL)
		b->ops->retire(b);
	relay_backend_unref(b);
}

int
relay_backend_ready(struct relay_backend *b, char *err, size_t errlen)
{
	return b->ops->ready(b, err, errlen);
}

void
relay_backend_stop(struct relay_backend *b)
{
	b->stopping = 1;
	if (b->fallback != NULL)
		relay_backend_stop(b->fallback);
}

void
relay_backend_info(const struct relay_backend *b,
    struct relay_backend_info *info)
{
	memset(info, 0, sizeof *info);
	if (b->ops->info != NULL)
		b->ops->info(b, info);
	else
		info->mode = "spawn";
}

unsigned
relay_backend_end(struct relay_backend *b, int hard)
{
	return b->ops->end(b, hard);
}

uint64_t
relay_backend_starts(const struct relay_backend *b)
{
	return b->starts + (b->fallback != NULL ? b->fallback->starts : 0);
}

uint64_t
relay_backend_failures(const struct relay_backend *b)
{
	return b->failures +
	    (b->fallback != NULL ? b->fallback->failures : 0);
}

void
relay_backend_count_start(struct relay_backend *b)
{
	b->starts++;
}

void
relay_backend_count_failure(struct relay_backend *b, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (b->stopping)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	b->failures++;
	b->hooks.error_cb(why, b->hooks.arg);
}

struct relay *
relay_open(struct relay_backend *b, const struct route_conf *rc, unsigned id,
    relay_ended_cb ended_cb, void *arg, char *err, size_t errlen)
{
	struct relay_backend *serve = b->fallback != NULL ? b->fallback : b;
	struct relay *r;

	if ((r = serve->ops->open(serve, rc, id, err, errlen)) == NULL)
		return NULL;
	r->backend = serve;
	r->owner = b;
	b->refs++;
	r->ended_cb = ended_cb;
	r->arg = arg;
	return r;
}

void
relay_set_failure(struct relay *r, int status, uint32_t code,
    const char *message, size_t len)
{
	free(r->fail_message);
	if ((r->fail_message = strndup(message, len)) == NULL)
		fatalx("out of memory");
	r->fail_status = status;
	r->fail_code = code;
}

void
relay_report_end(struct relay *r, const char *how, int failed)
{
	struct relay_end end = { how, failed, -1, 0, how };

	if (r->ended)
		return;
	r->ended = 1;
	if (r->fail_message != NULL) {
		end.status = r->fail_status;
		end.code = r->fail_code;
		if (r->fail_message[0] != '\0')
			end.message = r->fail_message;
	}
	r->ended_cb(r, &end, r->arg);
}

void
relay_backend_unexpose(struct relay_backend *b)
{
	if (b->ops->unexpose != NULL)
		b->ops->unexpose(b);
}

void
relay_set_ended(struct relay *r, relay_ended_cb ended_cb, void *arg)
{
	r->ended_cb = ended_cb;
	r->arg = arg;
}

void
relay_accept(struct relay *r)
{
	r->backend->ops->accept(r);
}

void
relay_refuse(struct relay *r, uint32_t code, const char *message)
{
	r->backend->ops->refuse(r, code, message);
}

struct chan *
relay_chan(struct relay *r)
{
	return r->chan;
}

void
relay_drained(struct relay *r)
{
	r->backend->ops->drained(r);
}

void
relay_client_gone(struct relay *r)
{
	r->backend->ops->client_gone(r);
}

void
relay_free(struct relay *r)
{
	struct relay_backend *owner;

	if (r == NULL)
		return;
	owner = r->owner;
	free(r->fail_message);
	r->fail_message = NULL;
	r->backend->ops->free(r);
	/* A relay that could not be opened has no owner (relay_fail.c). */
	if (owner != NULL)
		relay_backend_unref(owner);
}

char **
relay_argv(const struct route_conf *rc)
{
	char **argv;
	size_t i, n = 0;

	if ((argv = calloc(rc->relay_nargs + 3, sizeof *argv)) == NULL)
		return NULL;
	argv[n++] = rc->relay.path;
	for (i = 0; i < rc->relay_nargs; i++)
		argv[n++] = rc->relay_args[i];
	argv[n++] = rc->pipe;
	argv[n] = NULL;
	return argv;
}
