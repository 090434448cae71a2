/*
 * libFuzzer harness for the docker adapter: HTTP/1.1 conversations
 * through the router's own seam, the plugin loaded and configured by
 * config_load() with a few option sets (plain, a policy, a small
 * max_body with path rules and wsl.conf's root "/"). Each input:
 *
 *   byte 0        bits 0-1: which option set; bit 7: direct mode
 *   direct mode   the rest is a request target for docker_target_parse()
 *                 and a create body for docker_body_rewrite()
 *   else records  [ctl][payload] as in fuzz_adapter.c: ctl bit 7 = from
 *                 the relay (else the client), bit 6 = that side sends
 *                 EOF after the payload, bits 0-5 = payload length; 63
 *                 means a 16-bit big-endian length follows.
 *
 * Built with NPR_ADAPTER_EXACT_VIEW: reading past a view trips ASan.
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
#include "docker_body.h"
#include "docker_path.h"
#include "docker_policy.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_options[] = {
	"{ name = \"docker\"; wsl_conf = \"%s/wsl.conf\"; }",
	"{ name = \"docker\"; wsl_conf = \"%s/wsl.conf\"; allow = [ "
	    "\"containers\", \"GET *\" ]; deny = [ \"exec\", \"DELETE *\" ]; }",
	"{ name = \"docker\"; wsl_conf = \"%s/wsl-root.conf\"; max_body = 1024; "
	    "path_rules = ( { from = \"/home/me\"; to = \"D:/me\"; } ); }",
};
#define FUZZ_NROUTES (sizeof fuzz_options / sizeof fuzz_options[0])

static struct config *fuzz_cfg;
static struct docker_paths fuzz_paths;

static void
fuzz_write(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp = NULL;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct config_errors errs = { NULL, 0 };
	char dir[] = "/tmp/npr-fuzz-docker-XXXXXX", file[128], group[512];
	FILE *fp = NULL;
	size_t i;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL)
		abort();
	fuzz_write(dir, "wsl.conf", "");
	fuzz_write(dir, "wsl-root.conf", "[automount]\nroot = /\n");
	snprintf(file, sizeof file, "%s/main.conf", dir);
	if ((fp = fopen(file, "w")) == NULL)
		abort();
	fprintf(fp, "relay = { path = \"/bin/cat\"; };\nroutes = (\n");
	for (i = 0; i < FUZZ_NROUTES; i++) {
		snprintf(group, sizeof group, fuzz_options[i], dir);
		fprintf(fp, "%s{ name = \"r%zu\"; listen = { path = \"%s/%zu\"; }; "
		    "pipe = \"p\"; adapter = %s; }\n", i ? "," : "", i, dir, i,
		    group);
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
	snprintf(file, sizeof file, "%s/wsl.conf", dir);
	unlink(file);
	snprintf(file, sizeof file, "%s/wsl-root.conf", dir);
	unlink(file);
	rmdir(dir);
	/* The direct mode's rules: the default root and one prefix rule. */
	if ((fuzz_paths.root = strdup("/mnt/")) == NULL ||
	    docker_paths_add_rule(&fuzz_paths, "/home/me", "D:/me") != 0)
		abort();
	fuzz_paths.drives = 1;
	return 0;
}

/* The target up to the first NUL, the body after it. */
static void
fuzz_direct(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	struct docker_target t;
	char *out = NULL, err[256];
	size_t outlen;
	char *copy = NULL;

	/* Exact-size copies: reading past them trips ASan. */
	if ((copy = malloc(tlen ? tlen : 1)) == NULL)
		return;
	memcpy(copy, data, tlen);
	docker_target_parse(copy, tlen, &t);
	free(copy);
	if (nul == NULL)
		return;
	size -= tlen + 1;
	if ((copy = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(copy, nul + 1, size);
	if (docker_body_rewrite(&fuzz_paths, copy, size, &out, &outlen, NULL,
	    NULL, err, sizeof err) == 1 && strlen(out) != outlen)
		abort();
	free(out);
	free(copy);
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
	if (data[0] & 0x80) {
		fuzz_direct(data + 1, size - 1);
		return 0;
	}
	as = adapter_session_open(&fuzz_cfg->routes[(data[0] & 3) %
	    FUZZ_NROUTES], 1, &peer, err, sizeof err);
	if (as == NULL)
		return 0;
	in[0] = evbuffer_new();
	in[1] = evbuffer_new();
	to_relay = evbuffer_new();
	to_client = evbuffer_new();
	while (p < size && rc == 0) {
		ctl = data[p++];
		side = (ctl & 0x80) != 0;
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
