/*
 * libFuzzer harness for the docker adapter: HTTP/1.1 conversations
 * through the router's own seam, the plugin loaded and configured by
 * config_load() with a few option sets (plain, a policy, a small
 * max_body with path rules and wsl.conf's root "/"). Each input:
 *
 *   byte 0        bits 0-1: which option set; bit 7: direct mode
 *   direct mode   the rest is a request target for docker_target_parse()
 *                 and a body for docker_body_rewrite(), as each kind
 *   else records  the conversation (fuzz_session.h says how).
 *
 * Built with NPR_ADAPTER_EXACT_VIEW: reading past a view trips ASan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "docker_body.h"
#include "docker_path.h"
#include "docker_policy.h"
#include "fuzz_session.h"
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
	char dir[] = "/tmp/npr-fuzz-docker-XXXXXX", file[128];
	char groups[FUZZ_NROUTES][512];
	const char *group[FUZZ_NROUTES];
	size_t i;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL)
		abort();
	fuzz_write(dir, "wsl.conf", "");
	fuzz_write(dir, "wsl-root.conf", "[automount]\nroot = /\n");
	for (i = 0; i < FUZZ_NROUTES; i++) {
		snprintf(groups[i], sizeof groups[i], fuzz_options[i], dir);
		group[i] = groups[i];
	}
	fuzz_cfg = fuzz_config_load(dir, group, FUZZ_NROUTES);
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
	struct docker_body_ctx ctx = { &fuzz_paths, "/home/me/cwd", NULL, NULL, 0 };
	enum docker_body_kind kind;
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
	/* Every kind of body, relative sources resolved too. */
	for (kind = DB_CONTAINER; kind <= DB_VOLUME; kind++) {
		if (docker_body_rewrite(&ctx, kind, copy, size, &out, &outlen,
		    err, sizeof err) == 1 && strlen(out) != outlen)
			abort();
		free(out);
		out = NULL;
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 0x80) {
		fuzz_direct(data + 1, size - 1);
		return 0;
	}
	fuzz_session_run(&fuzz_cfg->routes[(data[0] & 3) % FUZZ_NROUTES],
	    data + 1, size - 1);
	return 0;
}
