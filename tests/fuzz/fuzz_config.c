/*
 * libFuzzer harness for the config loader: each input is written to a
 * main.conf and loaded with config_load(), adapters included (the
 * instrumented ssh-agent and assuan plugins, kept loaded for the whole run
 * so that coverage is not registered again on each load). Inputs with
 * @include are skipped: they could make libconfig read any file.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_file[128];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/npr-fuzz-config-XXXXXX";
	const char *const plugins[] = { "ssh-agent", "assuan" };
	char path[512];
	size_t i;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(fuzz_file, sizeof fuzz_file, "%s/main.conf", dir);
	setenv("NPIPEROUTER_PLUGIN_DIR", FUZZ_PLUGIN_DIR, 1);
	setenv("XDG_RUNTIME_DIR", dir, 1);
	setenv("HOME", dir, 1);
	for (i = 0; i < sizeof plugins / sizeof plugins[0]; i++) {
		snprintf(path, sizeof path, "%s/%s.so", FUZZ_PLUGIN_DIR,
		    plugins[i]);
		if (dlopen(path, RTLD_NOW | RTLD_LOCAL) == NULL) {
			fprintf(stderr, "%s\n", dlerror());
			abort();
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	FILE *fp = NULL;

	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if ((fp = fopen(fuzz_file, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, size, 1, fp) != 1)
		abort();
	fclose(fp);
	if (config_load(fuzz_file, &cfg, &errs) == 0)
		config_free(cfg);
	config_errors_free(&errs);
	return 0;
}
