/*
 * The ssh-agent adapter: frames the agent protocol (uint32 length, type,
 * body), caps frames at 256 KiB, refuses request types a route does not
 * allow with SSH_AGENT_FAILURE before they reach Windows, can answer
 * session-bind@openssh.com itself for old Windows agents that reject it,
 * and logs every sign request with the key's fingerprint.
 *
 *   adapter = { name = "ssh-agent";
 *               deny = [ "add-identity", "remove-all-identities" ];
 *               session_bind = "answer"; };
 *
 * The protocol is strictly request/answer in order, so a local answer
 * waits (NPR_HOLD) while earlier requests still await the agent's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <npiperouter/adapter.h>

#include "agent_proto.h"

struct agent_route {
	unsigned char refused[256]; /* by request type */
	int answer_bind;            /* session_bind = "answer" */
};

struct agent_session {
	unsigned outstanding; /* requests forwarded, answers not seen yet */
};

/* Fill TYPES from a list of request names; returns the errors reported. */
static int
agent_parse_names(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *list, unsigned char types[256])
{
	const struct npr_setting *e = NULL;
	const char *key = host->conf_name(list), *v = NULL;
	unsigned i, n;
	int bad = 0;

	if (host->conf_type(list) != NPR_SETTING_LIST) {
		host->conf_error(conf, list, "\"adapter.%s\" must be a list of "
		    "request names like [ \"sign\" ], not %s", key,
		    host->conf_type_name(list));
		return 1;
	}
	n = host->conf_count(list);
	for (i = 0; i < n; i++) {
		e = host->conf_elem(list, i);
		if ((v = host->conf_string(e)) == NULL) {
			host->conf_error(conf, e, "adapter.%s #%u must be a string, "
			    "not %s", key, i + 1, host->conf_type_name(e));
			bad++;
		} else if (agent_request_types(v, types) != 0) {
			host->conf_error(conf, e, "adapter.%s: \"%s\" is not an "
			    "ssh-agent request (known: %s)", key, v,
			    agent_request_names());
			bad++;
		}
	}
	return bad;
}

static int
agent_configure(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *route, void **route_state)
{
	static const char *const keys[] = { "allow", "deny", "session_bind",
		NULL };
	unsigned char allowed[256], denied[256];
	const struct npr_setting *allow = NULL, *deny = NULL, *s = NULL;
	struct agent_route *ar = NULL;
	const char *v = NULL;
	int bad, answer = 0;
	unsigned t;

	memset(allowed, 0, sizeof allowed);
	memset(denied, 0, sizeof denied);
	bad = host->conf_check_keys(conf, group, keys);
	if ((allow = host->conf_member(group, "allow")) != NULL)
		bad += agent_parse_names(host, conf, allow, allowed);
	if ((deny = host->conf_member(group, "deny")) != NULL)
		bad += agent_parse_names(host, conf, deny, denied);
	if ((s = host->conf_member(group, "session_bind")) != NULL) {
		v = host->conf_string(s);
		if (v != NULL && strcmp(v, "answer") == 0)
			answer = 1;
		else if (v == NULL || strcmp(v, "forward") != 0) {
			host->conf_error(conf, s, "\"adapter.session_bind\" must be "
			    "\"forward\" (the default) or \"answer\"");
			bad++;
		}
	}
	if (bad)
		return -1;
	if ((ar = calloc(1, sizeof *ar)) == NULL) {
		host->conf_error(conf, group, "out of memory");
		return -1;
	}
	/* Without "allow" every type is allowed; "deny" is taken out after. */
	for (t = 0; t < 256; t++)
		ar->refused[t] = (allow != NULL && !allowed[t]) || denied[t];
	ar->answer_bind = answer;
	*route_state = ar;
	return 0;
}

static void
agent_unconfigure(void *route_state)
{
	free(route_state);
}

static int
agent_open(struct npr_session *s, char *err, size_t errlen)
{
	if ((s->state = calloc(1, sizeof(struct agent_session))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
agent_close(struct npr_session *s)
{
	free(s->state);
}

/* "sign" or "type 99", for log lines. */
static const char *
agent_type_label(unsigned type, char *buf, size_t len)
{
	const char *name = agent_request_name(type);

	if (name != NULL)
		return name;
	snprintf(buf, len, "type %u", type);
	return buf;
}

/* Is this (complete) request session-bind@openssh.com? */
static int
agent_is_session_bind(const unsigned char *body, size_t len)
{
	const unsigned char *name = NULL;
	size_t off = 1, nlen;

	return body[0] == AGENTC_EXTENSION &&
	    agent_get_string(body, len, &off, &name, &nlen) == 0 &&
	    nlen == strlen(AGENT_SESSION_BIND) &&
	    memcmp(name, AGENT_SESSION_BIND, nlen) == 0;
}

/*
 * Log a sign request: key fingerprint as ssh-keygen -l prints it, key
 * type, flags and who asked. Returns -1 when it is malformed.
 */
static int
agent_log_sign(struct npr_session *s, const unsigned char *body, size_t len)
{
	const unsigned char *blob = NULL, *data = NULL, *ktype = NULL;
	size_t off = 1, bloblen, datalen, ktlen, koff = 0;
	char fp[AGENT_FP_LEN], kt[64];
	uint32_t flags;

	if (agent_get_string(body, len, &off, &blob, &bloblen) != 0 ||
	    agent_get_string(body, len, &off, &data, &datalen) != 0 ||
	    len - off != 4)
		return -1;
	flags = agent_get_u32(body + off);
	agent_fingerprint(blob, bloblen, fp);
	if (agent_get_string(blob, bloblen, &koff, &ktype, &ktlen) == 0)
		agent_printable(ktype, ktlen, kt, sizeof kt);
	else
		snprintf(kt, sizeof kt, "unknown key type");
	s->host->log(s, NPR_LOG_INFO, "ssh-agent: sign request with %s (%s), "
	    "%zu bytes, flags 0x%x%s%s, from pid %ld uid %ld", fp, kt, datalen,
	    (unsigned)flags, flags & AGENT_RSA_SHA2_256 ? " rsa-sha2-256" : "",
	    flags & AGENT_RSA_SHA2_512 ? " rsa-sha2-512" : "", (long)s->pid,
	    (long)s->uid);
	return 0;
}

/* Answer the client ourselves; the request never reaches the agent. */
static enum npr_verdict
agent_answer(struct npr_session *s, struct npr_io *io, unsigned char code,
    size_t frame, size_t *n)
{
	static const unsigned char answer_len[4] = { 0, 0, 0, 1 };
	const struct agent_session *as = s->state;

	/* Answers keep the order of requests: wait for the agent's first. */
	if (as->outstanding > 0)
		return NPR_HOLD;
	if (s->host->reply(io, answer_len, sizeof answer_len) != 0 ||
	    s->host->reply(io, &code, 1) != 0)
		return s->host->fail(io, "out of memory");
	*n = frame;
	return NPR_CONSUME;
}

static enum npr_verdict
agent_request(struct npr_session *s, const unsigned char *body, size_t len,
    size_t frame, size_t *n, struct npr_io *io)
{
	const struct agent_route *ar = s->route_state;
	struct agent_session *as = s->state;
	unsigned type = body[0];
	char label[32];
	enum npr_verdict v;

	/* It goes nowhere, so no policy stands in its way. */
	if (ar->answer_bind && agent_is_session_bind(body, len)) {
		v = agent_answer(s, io, AGENT_SUCCESS, frame, n);
		if (v == NPR_CONSUME)
			s->host->log(s, NPR_LOG_DEBUG, "ssh-agent: answered "
			    AGENT_SESSION_BIND " locally");
		return v;
	}
	if (ar->refused[type]) {
		v = agent_answer(s, io, AGENT_FAILURE, frame, n);
		if (v == NPR_CONSUME)
			s->host->log(s, NPR_LOG_INFO, "ssh-agent: refused %s from "
			    "pid %ld uid %ld", agent_type_label(type, label,
			    sizeof label), (long)s->pid, (long)s->uid);
		return v;
	}
	if (type == AGENTC_SIGN_REQUEST && agent_log_sign(s, body, len) != 0) {
		v = agent_answer(s, io, AGENT_FAILURE, frame, n);
		if (v == NPR_CONSUME)
			s->host->log(s, NPR_LOG_WARN, "ssh-agent: refused a "
			    "malformed sign request from pid %ld", (long)s->pid);
		return v;
	}
	as->outstanding++;
	*n = frame;
	return NPR_PASS;
}

static enum npr_verdict
agent_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	struct agent_session *as = s->state;
	const char *who = from == NPR_FROM_CLIENT ? "request" : "answer";
	uint32_t flen;

	if (len < 4) {
		*n = 4;
		return NPR_NEED;
	}
	flen = agent_get_u32(buf);
	if (flen > AGENT_MAX_FRAME)
		return s->host->fail(io, "%s of %lu bytes is over the limit of "
		    "%d", who, (unsigned long)flen, AGENT_MAX_FRAME);
	if (flen == 0)
		return s->host->fail(io, "empty %s", who);
	if (len - 4 < flen) {
		*n = 4 + (size_t)flen;
		return NPR_NEED;
	}
	if (from == NPR_FROM_CLIENT)
		return agent_request(s, buf + 4, flen, 4 + (size_t)flen, n, io);
	if (as->outstanding > 0)
		as->outstanding--;
	else
		s->host->log(s, NPR_LOG_DEBUG, "ssh-agent: answer type %u to no "
		    "request", buf[4]);
	*n = 4 + (size_t)flen;
	return NPR_PASS;
}

static const struct npr_adapter agent_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "ssh-agent",
	.configure = agent_configure,
	.unconfigure = agent_unconfigure,
	.open = agent_open,
	.data = agent_data,
	.close = agent_close,
	/* Works the same way round: the client asks, the other side answers. */
	.flags = NPR_ADAPTER_EXPOSED,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &agent_adapter;
}
