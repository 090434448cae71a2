/* `npiperouter status`: the running instance described for people or JSON.
 * The JSON keys are a stable interface: add, never rename. */
#include "status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "escape.h"
#include "route.h"
#include "server.h"
#include "shellenv.h"

/* What a mux relay adds to a route's line. */
static void
status_mux_text(const struct route_stats *st, struct evbuffer *out)
{
	if (st->relay.pid == 0 && st->relay.restarts == 0 &&
	    strcmp(st->relay.mode, "spawn") == 0)
		return;
	evbuffer_add_printf(out, "  mux relay: pid %ld, up %.0fs, %llu "
	    "restart(s), %u open channel(s)\n", st->relay.pid,
	    st->relay.uptime, st->relay.restarts, st->relay.streams);
}

/* An exposed route: where its Windows clients go, and the pipe's state. */
static void
status_expose_text(const struct route_conf *rc, const struct route_stats *st,
    struct evbuffer *out)
{
	if (rc->expose_pipe == NULL)
		return;
	evbuffer_add_printf(out, "  exposed to Windows: %s -> %s (%s)\n",
	    rc->expose_pipe, rc->connect_path, st->relay.expose_state != NULL ?
	    st->relay.expose_state : "not started");
	if (st->relay.expose_error != NULL)
		evbuffer_add_printf(out, "  the relay cannot expose it: %s\n",
		    st->relay.expose_error);
}

/* A string, or null. */
static void
status_json_nstring(struct evbuffer *out, const char *s)
{
	if (s != NULL)
		status_json_string(out, s);
	else
		evbuffer_add_printf(out, "null");
}

void
status_render_text(const struct server *srv, struct evbuffer *out)
{
	struct route *const *routes;
	const struct route_conf *rc;
	struct route_stats st;
	size_t n;
	int wname = 16, wadapter = 7;

	routes = server_routes(srv, &n);
	/* Columns as wide as the longest name: "ssh-agent" is a built-in
	 * route's adapter. */
	for (size_t i = 0; i < n; i++) {
		rc = route_conf(routes[i]);
		if (strlen(rc->name) > (size_t)wname)
			wname = (int)strlen(rc->name);
		if (strlen(rc->adapter) > (size_t)wadapter)
			wadapter = (int)strlen(rc->adapter);
	}
	evbuffer_add_printf(out, "npiperouter pid %ld, up %lds, config %s\n",
	    (long)getpid(), (long)(time(NULL) - server_started(srv)),
	    server_config(srv)->file);
	evbuffer_add_printf(out, "%-*s %-*s %-10s %6s %8s %12s %12s %7s %7s  %s\n",
	    wname, "ROUTE", wadapter, "ADAPTER", "MODE", "ACTIVE", "TOTAL",
	    "BYTES-UP", "BYTES-DOWN", "STARTS", "FAILS", "SOCKET");
	for (size_t i = 0; i < n; i++) {
		rc = route_conf(routes[i]);
		route_stats(routes[i], &st);
		evbuffer_add_printf(out,
		    "%-*s %-*s %-10s %6u %8llu %12llu %12llu %7llu %7llu  %s\n",
		    wname, rc->name, wadapter, rc->adapter, st.relay.mode,
		    st.active,
		    (unsigned long long)st.total,
		    (unsigned long long)st.bytes_up,
		    (unsigned long long)st.bytes_down,
		    (unsigned long long)st.relay_starts,
		    (unsigned long long)st.relay_failures,
		    rc->expose_pipe != NULL ? rc->expose_pipe : rc->listen_path);
		status_expose_text(rc, &st, out);
		status_mux_text(&st, out);
		if (st.last_error != NULL)
			evbuffer_add_printf(out, "  last error (%lds ago): %s\n",
			    (long)(time(NULL) - st.last_error_at), st.last_error);
	}
}

/*
 * S as a JSON string.  JSON is UTF-8 only, and S may hold other bytes: a
 * relay's message cut at a bound in mid-character, a path in another
 * encoding.  Each byte that starts no valid sequence becomes U+FFFD, so
 * a reader still sees that something was there.
 */
void
status_json_string(struct evbuffer *out, const char *s)
{
	size_t n;

	evbuffer_add(out, "\"", 1);
	for (; *s != '\0'; s += n) {
		unsigned char ch = (unsigned char)*s;

		n = escape_utf8_len(s);
		if (n == 0) {
			evbuffer_add(out, "\\ufffd", 6);
			n = 1;
		} else if (ch == '"' || ch == '\\')
			evbuffer_add_printf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			evbuffer_add_printf(out, "\\u%04x", ch);
		else
			evbuffer_add(out, s, n);
	}
	evbuffer_add(out, "\"", 1);
}

void
status_render_json(const struct server *srv, struct evbuffer *out)
{
	struct route *const *routes;
	const struct route_conf *rc;
	struct route_stats st;
	size_t n;

	routes = server_routes(srv, &n);
	evbuffer_add_printf(out, "{\"running\":true,\"pid\":%ld,\"uptime\":%ld,\"config\":",
	    (long)getpid(), (long)(time(NULL) - server_started(srv)));
	status_json_string(out, server_config(srv)->file);
	evbuffer_add_printf(out, ",\"routes\":[");
	for (size_t i = 0; i < n; i++) {
		rc = route_conf(routes[i]);
		route_stats(routes[i], &st);
		evbuffer_add_printf(out, "%s{\"name\":", i == 0 ? "" : ",");
		status_json_string(out, rc->name);
		/* An exposed route: no socket of ours; "pipe" is the one
		 * Windows clients connect to, "connect" where they go. */
		evbuffer_add_printf(out, ",\"socket\":");
		status_json_nstring(out, rc->listen_path);
		evbuffer_add_printf(out, ",\"pipe\":");
		status_json_nstring(out, rc->expose_pipe != NULL ?
		    rc->expose_pipe : rc->pipe);
		evbuffer_add_printf(out, ",\"exposed\":%s,\"connect\":",
		    rc->expose_pipe != NULL ? "true" : "false");
		status_json_nstring(out, rc->connect_path);
		evbuffer_add_printf(out, ",\"expose_state\":");
		status_json_nstring(out, st.relay.expose_state);
		evbuffer_add_printf(out, ",\"expose_error\":");
		status_json_nstring(out, st.relay.expose_error);
		evbuffer_add_printf(out, ",\"adapter\":");
		status_json_string(out, rc->adapter);
		evbuffer_add_printf(out, ",\"mode_configured\":\"%s\"",
		    rc->mode == ROUTE_MODE_MUX ? "mux" :
		    rc->mode == ROUTE_MODE_AUTO ? "auto" : "spawn");
		evbuffer_add_printf(out, ",\"mode\":\"%s\",\"listening\":%s,"
		    "\"active\":%u,\"total\":%llu,\"bytes_up\":%llu,"
		    "\"bytes_down\":%llu,\"relay_starts\":%llu,"
		    "\"relay_failures\":%llu,\"refused\":%llu,"
		    "\"mux_pid\":%ld,\"mux_uptime\":%.0f,"
		    "\"mux_restarts\":%llu,\"mux_channels\":%u,"
		    "\"last_error\":",
		    st.relay.mode, st.listening ? "true" : "false",
		    st.active, (unsigned long long)st.total,
		    (unsigned long long)st.bytes_up,
		    (unsigned long long)st.bytes_down,
		    (unsigned long long)st.relay_starts,
		    (unsigned long long)st.relay_failures,
		    (unsigned long long)st.refused, st.relay.pid,
		    st.relay.uptime, st.relay.restarts, st.relay.streams);
		if (st.last_error != NULL)
			status_json_string(out, st.last_error);
		else
			evbuffer_add_printf(out, "null");
		evbuffer_add_printf(out, "}");
	}
	evbuffer_add_printf(out, "]}\n");
}

void
status_render_env(const struct server *srv, struct evbuffer *out)
{
	struct route *const *routes;
	const struct route_conf *rc;
	const char *var, *seen[64];
	char value[4200];
	size_t n, nseen = 0, j;

	routes = server_routes(srv, &n);
	for (size_t i = 0; i < n; i++) {
		/* Retired routes finish their sessions but no longer listen;
		 * exposed ones never do (their clients are on Windows). */
		rc = route_conf(routes[i]);
		if (route_retired(routes[i]))
			continue;
		if (rc->listen_path == NULL || (var = shellenv_var(rc)) ==
		    NULL || shellenv_value(var, rc->listen_path, value,
		    sizeof value) != 0)
			var = NULL;
		for (j = 0; var != NULL && j < nseen &&
		    strcmp(seen[j], var) != 0; j++)
			;
		if (var != NULL && j < nseen)
			var = NULL;
		/* A route that sets nothing is still named, alone on its
		 * line, so that `env ROUTE` can tell it from a typo. */
		if (var == NULL) {
			evbuffer_add_printf(out, "%s\n", rc->name);
			continue;
		}
		if (nseen < sizeof seen / sizeof *seen)
			seen[nseen++] = var;
		evbuffer_add_printf(out, "%s\t%s\t%s\n", rc->name, var, value);
	}
}

void
status_render_exposures(const struct server *srv, struct evbuffer *out)
{
	struct route *const *routes;
	const struct route_conf *rc;
	struct route_stats st;
	const char *e;
	size_t n;

	routes = server_routes(srv, &n);
	for (size_t i = 0; i < n; i++) {
		rc = route_conf(routes[i]);
		if (rc->expose_pipe == NULL || route_retired(routes[i]))
			continue;
		route_stats(routes[i], &st);
		evbuffer_add_printf(out, "%s\t%s\t", rc->name,
		    st.relay.expose_state != NULL ? st.relay.expose_state :
		    "opening");
		for (e = st.relay.expose_error; e != NULL && *e != '\0'; e++)
			evbuffer_add_printf(out, "%c", *e == '\t' ||
			    *e == '\n' ? ' ' : *e);
		evbuffer_add_printf(out, "\n");
	}
}
