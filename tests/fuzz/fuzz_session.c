/* The adapter harnesses' config and conversation; fuzz_session.h says how. */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "adapter.h"
#include "config.h"
#include "fuzz_session.h"

struct config *
fuzz_config_load(const char *dir, const char *const groups[], size_t n)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	char file[128];
	FILE *fp = NULL;
	size_t i, routes = 0;

	snprintf(file, sizeof file, "%s/main.conf", dir);
	if ((fp = fopen(file, "w")) == NULL)
		abort();
	fprintf(fp, "relay = { path = \"/bin/cat\"; };\nroutes = (\n");
	for (i = 0; i < n; i++) {
		if (groups[i] == NULL)
			continue;
		fprintf(fp, "%s{ name = \"r%zu\"; listen = { path = \"%s/%zu\"; }; "
		    "pipe = \"p\"; adapter = %s; }\n", routes ? "," : "", i, dir, i,
		    groups[i]);
		routes++;
	}
	fprintf(fp, ");\n");
	fclose(fp);
	setenv("NPIPEROUTER_PLUGIN_DIR", FUZZ_PLUGIN_DIR, 1);
	if (config_load(file, &cfg, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		abort();
	}
	unlink(file);
	return cfg;
}

void
fuzz_session_run(const struct route_conf *route, const uint8_t *data,
    size_t size)
{
	struct ucred peer = { 1, 2, 3 };
	struct adapter_session *as = NULL;
	struct evbuffer *in[2], *to_relay, *to_client;
	char err[512];
	int eof[2] = { 0, 0 }, side, rc = 0;
	size_t p = 0, n;
	uint8_t ctl;

	as = adapter_session_open(route, 1, &peer, err, sizeof err);
	if (as == NULL)
		return;
	in[0] = evbuffer_new();
	in[1] = evbuffer_new();
	to_relay = evbuffer_new();
	to_client = evbuffer_new();
	while (p < size && rc == 0) {
		ctl = data[p++];
		side = (ctl & 0x80) != 0; /* 1: from the relay */
		n = ctl & 0x3f;
		if (n == 0x3f && size - p >= 2) {
			n = (size_t)data[p] << 8 | data[p + 1];
			p += 2;
		}
		if (n > size - p)
			n = size - p;
		if (!eof[side] && n > 0) {
			evbuffer_add(in[side], data + p, n);
			rc = adapter_session_input(as, !side, in[side],
			    side ? to_client : to_relay, side ? to_relay : to_client,
			    err, sizeof err);
		}
		p += n;
		if (rc == 0 && (ctl & 0x40) && !eof[side]) {
			eof[side] = 1;
			rc = adapter_session_eof(as, !side, err, sizeof err);
		}
		(void)adapter_session_pending(as, 1);
		(void)adapter_session_pending(as, 0);
		/* The peers read everything they are sent. */
		evbuffer_drain(to_relay, evbuffer_get_length(to_relay));
		evbuffer_drain(to_client, evbuffer_get_length(to_client));
	}
	adapter_session_close(as);
	evbuffer_free(in[0]);
	evbuffer_free(in[1]);
	evbuffer_free(to_relay);
	evbuffer_free(to_client);
}
