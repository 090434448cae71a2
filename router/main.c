/* npiperouter: command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "server.h"
#include "version.h"

static const char usage_text[] =
"Usage: npiperouter COMMAND [OPTIONS]\n"
"\n"
"Relay unix sockets to Windows named pipes through a relay program\n"
"(nprelay.exe or npiperelay.exe), one config file for every route.\n"
"\n"
"Commands:\n"
"  run      serve every configured route in the foreground\n"
"  check    validate the configuration and list its routes\n"
"\n"
"Options:\n"
"  -c, --config FILE   config file (default: %s)\n"
"  -v, --verbose       log debug messages too (run)\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Exit status: 0 on success, 1 on a config or runtime error, 2 on bad usage.\n";

static void
usage(FILE *f)
{
	char *def = config_default_path();

	fprintf(f, usage_text, def != NULL ? def : "none: $HOME is not set");
	free(def);
}

static int
cmd_check(const char *file)
{
	struct config *cfg = NULL;
	struct config_errors errs = { NULL, 0 };
	char line[1024];

	if (config_load(file, &cfg, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		fprintf(stderr, "%s: %zu error(s)\n", file, errs.n);
		config_errors_free(&errs);
		return 1;
	}
	for (size_t i = 0; i < cfg->nroutes; i++) {
		config_route_summary(&cfg->routes[i], line, sizeof line);
		printf("%s\n", line);
	}
	printf("%s: %zu route(s), OK\n", file, cfg->nroutes);
	config_free(cfg);
	return 0;
}

static int
cmd_run(const char *file)
{
	struct config *cfg = NULL;
	struct config_errors errs = { NULL, 0 };
	int rc;

	if (config_load(file, &cfg, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_error("%s", errs.lines[i]);
		config_errors_free(&errs);
		return 1;
	}
	log_info("npiperouter %s using %s", NPR_VERSION, file);
	rc = server_run(cfg);
	config_free(cfg);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = NULL;
	char *file = NULL;
	int ch, verbose = 0, rc = 2;

	/* The command comes first; options may follow it. */
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "c:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			free(file);
			file = strdup(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case 'V':
			printf("npiperouter %s\n", NPR_VERSION);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (cmd == NULL || optind != argc) {
		if (cmd == NULL)
			fprintf(stderr, "npiperouter: no command given\n");
		else
			fprintf(stderr, "npiperouter: unexpected argument \"%s\"\n",
			    argv[optind]);
		usage(stderr);
		goto out;
	}
	if (file == NULL && (file = config_default_path()) == NULL) {
		fprintf(stderr, "npiperouter: no config file: $HOME is not set; "
		    "use -c FILE\n");
		rc = 1;
		goto out;
	}
	log_init(verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (strcmp(cmd, "check") == 0)
		rc = cmd_check(file);
	else if (strcmp(cmd, "run") == 0)
		rc = cmd_run(file);
	else {
		fprintf(stderr, "npiperouter: unknown command \"%s\"\n", cmd);
		usage(stderr);
	}
out:
	free(file);
	return rc;
}
