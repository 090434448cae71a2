/*
 * The assuan adapter (gpg-agent, scdaemon, dirmngr): frames Assuan lines
 * of at most 1000 bytes, lets through only the commands a route allows
 * (like gpg-agent's restricted "extra" socket) and answers the rest itself
 * with gpg-agent's own Forbidden error, and logs each command by name,
 * never its arguments or D lines (passphrases and keys travel there).
 *
 *   adapter = { name = "assuan";
 *               allow_commands = [ "GETINFO", "PKSIGN", "SIGKEY" ]; };
 *
 * Answers must keep the order of commands: a Forbidden answer waits
 * (NPR_HOLD) while an earlier command, or the greeting, awaits its OK/ERR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <npiperouter/adapter.h>

#include "assuan_line.h"

/* GPG_ERR_FORBIDDEN (251) from source GPG_ERR_SOURCE_GPGAGENT (4). */
#define ASSUAN_FORBIDDEN "ERR 67109115 Forbidden <GPG Agent>\n"

struct assuan_route {
	char **allow;  /* NULL: every command is allowed */
	size_t nallow;
};

struct assuan_session {
	unsigned pending; /* commands (and the greeting) not answered yet */
	int inquire;      /* the server asked for data: D/END/CAN answer it */
};

static void
assuan_unconfigure(void *route_state)
{
	struct assuan_route *ar = route_state;
	size_t i;

	if (ar == NULL)
		return;
	for (i = 0; i < ar->nallow; i++)
		free(ar->allow[i]);
	free(ar->allow);
	free(ar);
}

static int
assuan_configure(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *route, void **route_state)
{
	static const char *const keys[] = { "allow_commands", NULL };
	const struct npr_setting *list = NULL, *e = NULL;
	struct assuan_route *ar = NULL;
	const char *v = NULL;
	unsigned i, n;
	int bad;

	bad = host->conf_check_keys(conf, group, keys);
	if ((ar = calloc(1, sizeof *ar)) == NULL) {
		host->conf_error(conf, group, "out of memory");
		return -1;
	}
	if ((list = host->conf_member(group, "allow_commands")) == NULL)
		goto out;
	if (host->conf_type(list) != NPR_SETTING_LIST) {
		host->conf_error(conf, list, "\"adapter.allow_commands\" must be a "
		    "list of commands like [ \"GETINFO\" ], not %s",
		    host->conf_type_name(list));
		bad++;
		goto out;
	}
	n = host->conf_count(list);
	/* An empty list is allowed: nothing but answering inquiries passes. */
	if ((ar->allow = calloc((size_t)n + 1, sizeof *ar->allow)) == NULL) {
		host->conf_error(conf, list, "out of memory");
		bad++;
		goto out;
	}
	ar->nallow = (size_t)n;
	for (i = 0; i < n; i++) {
		e = host->conf_elem(list, i);
		v = host->conf_string(e);
		if (v == NULL || !assuan_command_valid(v)) {
			host->conf_error(conf, e, "adapter.allow_commands #%u must "
			    "be a command name (letters, digits, \"_\" and \"-\")",
			    i + 1);
			bad++;
			continue;
		}
		/* Reported entries stay NULL; the route is refused anyway. */
		if ((ar->allow[i] = strdup(v)) == NULL) {
			host->conf_error(conf, e, "out of memory");
			bad++;
			goto out;
		}
	}
out:
	if (bad) {
		assuan_unconfigure(ar);
		return -1;
	}
	*route_state = ar;
	return 0;
}

static int
assuan_open(struct npr_session *s, char *err, size_t errlen)
{
	struct assuan_session *as = calloc(1, sizeof *as);

	if (as == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	as->pending = 1; /* the server speaks first: "OK Pleased to meet you" */
	s->state = as;
	return 0;
}

static void
assuan_close(struct npr_session *s)
{
	free(s->state);
}

/* Commands are not case-sensitive in libassuan. */
static int
assuan_allowed(const struct assuan_route *ar, const char *word)
{
	size_t i;

	if (ar->allow == NULL)
		return 1;
	for (i = 0; i < ar->nallow; i++) {
		if (strcasecmp(ar->allow[i], word) == 0)
			return 1;
	}
	return 0;
}

static enum npr_verdict
assuan_client_line(struct npr_session *s, const unsigned char *line,
    size_t len, size_t *n, struct npr_io *io)
{
	struct assuan_session *as = s->state;
	char word[ASSUAN_WORD_MAX];

	*n = len;
	switch (assuan_line_kind(line, len, word)) {
	case ASSUAN_EMPTY:
		return NPR_PASS;
	case ASSUAN_DATA:
		/* The answer to an INQUIRE: never a command, never logged.
		 * Outside an inquiry the server takes it for a command. */
		if (!as->inquire)
			break;
		if (strcmp(word, "D") != 0)
			as->inquire = 0;
		return NPR_PASS;
	default:
		break;
	}
	if (!assuan_allowed(s->route_state, word)) {
		if (as->pending > 0)
			return NPR_HOLD;
		if (s->host->reply(io, ASSUAN_FORBIDDEN,
		    strlen(ASSUAN_FORBIDDEN)) != 0)
			return s->host->fail(io, "out of memory");
		s->host->log(s, NPR_LOG_INFO, "assuan: forbidden command %s from "
		    "pid %ld uid %ld", word, (long)s->pid, (long)s->uid);
		return NPR_CONSUME;
	}
	s->host->log(s, NPR_LOG_INFO, "assuan: command %s", word);
	as->pending++;
	return NPR_PASS;
}

static void
assuan_server_line(struct npr_session *s, const unsigned char *line,
    size_t len)
{
	struct assuan_session *as = s->state;
	char word[ASSUAN_WORD_MAX];

	switch (assuan_line_kind(line, len, word)) {
	case ASSUAN_OK:
		as->inquire = 0;
		if (as->pending > 0)
			as->pending--;
		break;
	case ASSUAN_INQUIRE:
		as->inquire = 1;
		break;
	default:
		break;
	}
}

static enum npr_verdict
assuan_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	long line = assuan_line_len(buf, len);

	if (line < 0)
		return s->host->fail(io, "line of more than %d bytes from the %s",
		    ASSUAN_LINE_MAX, from == NPR_FROM_CLIENT ? "client" : "relay");
	if (line == 0) {
		*n = 0;
		return NPR_NEED;
	}
	if (from == NPR_FROM_CLIENT)
		return assuan_client_line(s, buf, (size_t)line, n, io);
	assuan_server_line(s, buf, (size_t)line);
	*n = (size_t)line;
	return NPR_PASS;
}

static const struct npr_adapter assuan_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "assuan",
	.configure = assuan_configure,
	.unconfigure = assuan_unconfigure,
	.open = assuan_open,
	.data = assuan_data,
	.close = assuan_close,
	/* Works the same way round: the client asks, the other side answers. */
	.flags = NPR_ADAPTER_EXPOSED,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &assuan_adapter;
}
