/*
 * libFuzzer harness for one adapter plugin (FUZZ_ADAPTER: "ssh-agent" or
 * "assuan") through the router's own seam. The plugin is loaded and
 * configured by config_load() once, as the daemon does, with a few option
 * sets; each input is a conversation on one session:
 *
 *   byte 0        which option set (route)
 *   then records  [ctl][payload]: ctl bit 7 = from the relay (else the
 *                 client), bit 6 = that side sends EOF after the payload,
 *                 bits 0-5 = payload length; 63 means a 16-bit big-endian
 *                 length follows.
 *
 * The glue is built with NPR_ADAPTER_EXACT_VIEW, so a parser that reads
 * past what it was shown trips AddressSanitizer.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "adapter.h"
#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Option sets of both adapters; the harness keeps those of its own. */
static const char *const fuzz_options[] = {
	"{ name = \"ssh-agent\"; }",
	"{ name = \"ssh-agent\"; deny = [ \"add-identity\", \"lock\", "
	    "\"extension\" ]; }",
	"{ name = \"ssh-agent\"; allow = [ \"request-identities\", \"sign\" ]; "
	    "session_bind = \"answer\"; }",
	"{ name = \"assuan\"; }",
	"{ name = \"assuan\"; allow_commands = [ \"GETINFO\", \"PKSIGN\", "
	    "\"NOP\" ]; }",
};

static struct config *fuzz_cfg;
static const struct route_conf *fuzz_routes[8];
static size_t fuzz_nroutes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct config_errors errs = { NULL, 0 };
	char dir[] = "/tmp/npr-fuzz-conf-XXXXXX", file[64];
	FILE *fp = NULL;
	size_t i;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(file, sizeof file, "%s/main.conf", dir);
	if ((fp = fopen(file, "w")) == NULL)
		abort();
	fprintf(fp, "relay = { path = \"/bin/cat\"; };\nroutes = (\n");
	for (i = 0; i < sizeof fuzz_options / sizeof fuzz_options[0]; i++) {
		if (strstr(fuzz_options[i], FUZZ_ADAPTER "\"") == NULL)
			continue;
		fprintf(fp, "%s{ name = \"r%zu\"; listen = { path = \"%s/%zu\"; }; "
		    "pipe = \"p\"; adapter = %s; }\n", fuzz_nroutes ? "," : "", i,
		    dir, i, fuzz_options[i]);
		fuzz_nroutes++;
	}
	fprintf(fp, ");\n");
	fclose(fp);
	setenv("NPIPEROUTER_PLUGIN_DIR", FUZZ_PLUGIN_DIR, 1);
	if (config_load(file, &fuzz_cfg, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		abort();
	}
	unlink(file);
	rmdir(dir);
	for (i = 0; i < fuzz_cfg->nroutes; i++)
		fuzz_routes[i] = &fuzz_cfg->routes[i];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ucred peer = { 1, 2, 3 };
	struct adapter_session *as = NULL;
	struct evbuffer *in[2], *to_relay, *to_client;
	char err[512];
	int eof[2] = { 0, 0 }, side, rc = 0;
	size_t p = 1, n;
	uint8_t ctl;

	if (size < 1)
		return 0;
	as = adapter_session_open(fuzz_routes[data[0] % fuzz_nroutes], 1, &peer,
	    err, sizeof err);
	if (as == NULL)
		return 0;
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
	return 0;
}
