/*
 * libFuzzer harness for the config loader: each input is written to a
 * main.conf and loaded with config_load(), adapters included (the
 * instrumented ssh-agent and assuan plugins, kept loaded for the whole run
 * so that coverage is not registered again on each load). Inputs with
 * @include are skipped: they could make libconfig read any file. The
 * file lives in a folder under $TMPDIR, removed at exit.
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

static char fuzz_dir[512];
static char fuzz_file[600];

/* The folder goes when the run ends (libFuzzer exit()s after -runs); a
 * crash keeps it, beside the reproducer. */
static void
fuzz_cleanup(void)
{
	unlink(fuzz_file);
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *const plugins[] = { "ssh-agent", "assuan" };
	const char *tmp = getenv("TMPDIR");
	char path[512];
	size_t i;

	log_init(LOG_LEVEL_ERROR);
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/npr-fuzz-config-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror(fuzz_dir);
		abort();
	}
	snprintf(fuzz_file, sizeof fuzz_file, "%s/main.conf", fuzz_dir);
	if (atexit(fuzz_cleanup) != 0)
		abort();
	setenv("NPIPEROUTER_PLUGIN_DIR", FUZZ_PLUGIN_DIR, 1);
	setenv("XDG_RUNTIME_DIR", fuzz_dir, 1);
	setenv("HOME", fuzz_dir, 1);
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
