/* `npiperouter status`: the running instance described for people or JSON.
 * The JSON keys are a stable interface: add, never rename. */
#include "status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "route.h"
#include "server.h"
#include "session.h"

struct status_counts {
	uint64_t up, down;
};

/* Finished sessions are in the route's totals; add the open ones. */
static struct status_counts
status_bytes(const struct route *r)
{
	struct status_counts c = { r->bytes_up, r->bytes_down };
	const struct session *s;

	TAILQ_FOREACH(s, &r->sessions, entry) {
		c.up += s->up.bytes;
		c.down += s->down.bytes;
	}
	return c;
}

static const char *
status_mode(const struct route *r)
{
	return r->conf->mode == ROUTE_MODE_MUX ? "mux" : "spawn";
}

void
status_render_text(const struct server *srv, struct evbuffer *out)
{
	const struct route *r;
	struct status_counts c;

	evbuffer_add_printf(out, "npiperouter pid %ld, up %lds, config %s\n",
	    (long)getpid(), (long)(time(NULL) - srv->started), srv->cfg->file);
	evbuffer_add_printf(out, "%-16s %-7s %-6s %6s %8s %12s %12s %7s %7s  %s\n",
	    "ROUTE", "ADAPTER", "MODE", "ACTIVE", "TOTAL", "BYTES-UP",
	    "BYTES-DOWN", "STARTS", "FAILS", "SOCKET");
	for (size_t i = 0; i < srv->nroutes; i++) {
		r = srv->routes[i];
		c = status_bytes(r);
		evbuffer_add_printf(out,
		    "%-16s %-7s %-6s %6u %8llu %12llu %12llu %7llu %7llu  %s\n",
		    r->conf->name, r->conf->adapter, status_mode(r), r->active,
		    (unsigned long long)r->total, (unsigned long long)c.up,
		    (unsigned long long)c.down,
		    (unsigned long long)r->relay_starts,
		    (unsigned long long)r->relay_failures,
		    r->conf->listen_path);
		if (r->last_error[0] != '\0')
			evbuffer_add_printf(out, "  last error (%lds ago): %s\n",
			    (long)(time(NULL) - r->last_error_at), r->last_error);
	}
}

void
status_json_string(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(out, "\\%c", ch);
		else if (ch < 0x20)
			evbuffer_add_printf(out, "\\u%04x", ch);
		else
			evbuffer_add(out, s, 1);
	}
	evbuffer_add(out, "\"", 1);
}

void
status_render_json(const struct server *srv, struct evbuffer *out)
{
	const struct route *r;
	struct status_counts c;

	evbuffer_add_printf(out, "{\"running\":true,\"pid\":%ld,\"uptime\":%ld,\"config\":",
	    (long)getpid(), (long)(time(NULL) - srv->started));
	status_json_string(out, srv->cfg->file);
	evbuffer_add_printf(out, ",\"routes\":[");
	for (size_t i = 0; i < srv->nroutes; i++) {
		r = srv->routes[i];
		c = status_bytes(r);
		evbuffer_add_printf(out, "%s{\"name\":", i == 0 ? "" : ",");
		status_json_string(out, r->conf->name);
		evbuffer_add_printf(out, ",\"socket\":");
		status_json_string(out, r->conf->listen_path);
		evbuffer_add_printf(out, ",\"pipe\":");
		status_json_string(out, r->conf->pipe);
		evbuffer_add_printf(out, ",\"adapter\":");
		status_json_string(out, r->conf->adapter);
		evbuffer_add_printf(out, ",\"mode\":\"%s\",\"listening\":%s,"
		    "\"active\":%u,\"total\":%llu,\"bytes_up\":%llu,"
		    "\"bytes_down\":%llu,\"relay_starts\":%llu,"
		    "\"relay_failures\":%llu,\"refused\":%llu,"
		    "\"last_error\":",
		    status_mode(r), r->listener != NULL ? "true" : "false",
		    r->active, (unsigned long long)r->total,
		    (unsigned long long)c.up, (unsigned long long)c.down,
		    (unsigned long long)r->relay_starts,
		    (unsigned long long)r->relay_failures,
		    (unsigned long long)r->refused);
		if (r->last_error[0] != '\0')
			status_json_string(out, r->last_error);
		else
			evbuffer_add_printf(out, "null");
		evbuffer_add_printf(out, "}");
	}
	evbuffer_add_printf(out, "]}\n");
}
