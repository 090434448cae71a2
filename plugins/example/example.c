/*
 * The smallest complete adapter, the one docs/adapters.md walks through:
 * it frames what the client sends as lines, answers the line named by its
 * "ping" option itself with "PONG", passes every other line on, and ends
 * the session on a line longer than "max_line". What the relay sends is
 * passed through untouched. When the relay fails before it sent anything
 * (its target is missing, say), the client is told why in one line.
 *
 *   adapter = { name = "example"; ping = "PING"; max_line = 200; };
 */
#include <stdlib.h>
#include <string.h>

#include <npiperouter/adapter.h>

struct example_route {
	char *ping;
	size_t max_line;
};

static int
example_configure(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *route, void **route_state)
{
	static const char *const keys[] = { "ping", "max_line", NULL };
	const struct npr_setting *s = NULL;
	struct example_route *er = NULL;
	const char *ping = "PING";
	long long max_line = 200;
	int bad;

	bad = host->conf_check_keys(conf, group, keys);
	if ((s = host->conf_member(group, "ping")) != NULL &&
	    (ping = host->conf_string(s)) == NULL) {
		host->conf_error(conf, s, "\"adapter.ping\" must be a string, "
		    "not %s", host->conf_type_name(s));
		bad++;
	}
	if ((s = host->conf_member(group, "max_line")) != NULL &&
	    (host->conf_int(s, &max_line) != 0 || max_line < 2 ||
	    max_line > 4096)) {
		host->conf_error(conf, s, "\"adapter.max_line\" must be an "
		    "integer from 2 to 4096");
		bad++;
	}
	if (bad)
		return -1;
	if ((er = calloc(1, sizeof *er)) == NULL ||
	    (er->ping = strdup(ping)) == NULL) {
		free(er);
		host->conf_error(conf, group, "out of memory");
		return -1;
	}
	er->max_line = (size_t)max_line;
	*route_state = er;
	return 0;
}

static void
example_unconfigure(void *route_state)
{
	struct example_route *er = route_state;

	free(er->ping);
	free(er);
}

static enum npr_verdict
example_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	const struct example_route *er = s->route_state;
	const unsigned char *nl = NULL;
	size_t line;

	if (from == NPR_FROM_RELAY) {
		*n = NPR_PASS_ALL;
		return NPR_PASS;
	}
	/* Look no further than the limit: never past LEN either. */
	nl = memchr(buf, '\n', len < er->max_line ? len : er->max_line);
	if (nl == NULL) {
		if (len >= er->max_line)
			return s->host->fail(io, "line of more than %zu bytes",
			    er->max_line);
		*n = 0; /* the size of an unfinished line is unknown */
		return NPR_NEED;
	}
	line = (size_t)(nl - buf) + 1;
	*n = line;
	if (line - 1 == strlen(er->ping) &&
	    memcmp(buf, er->ping, line - 1) == 0) {
		s->host->log(s, NPR_LOG_INFO, "example: answered %s from pid %ld",
		    er->ping, (long)s->pid);
		if (s->host->reply(io, "PONG\n", 5) != 0)
			return s->host->fail(io, "out of memory");
		return NPR_CONSUME;
	}
	return NPR_PASS;
}

/* ABI 2.1: the relay failed before it answered; say why, then close. */
static enum npr_verdict
example_relay_failed(struct npr_session *s, const struct npr_relay_failure *f,
    struct npr_io *io)
{
	const char *head = "ERROR cannot reach ";

	if (s->host->reply(io, head, strlen(head)) != 0 ||
	    s->host->reply(io, f->pipe, strlen(f->pipe)) != 0 ||
	    s->host->reply(io, ": ", 2) != 0 ||
	    s->host->reply(io, f->message, strlen(f->message)) != 0 ||
	    s->host->reply(io, "\n", 1) != 0)
		return s->host->fail(io, "out of memory");
	return NPR_CLOSE;
}

static const struct npr_adapter example_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "example",
	.configure = example_configure,
	.unconfigure = example_unconfigure,
	.data = example_data,
	.relay_failed = example_relay_failed,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &example_adapter;
}
