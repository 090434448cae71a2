/* npiperouter: command line parsing; the commands live in command.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "config.h"
#include "fdhygiene.h"
#include "log.h"
#include "version.h"

static const char usage_text[] =
"Usage: npiperouter [OPTIONS] COMMAND [OPTIONS]\n"
"\n"
"Relay unix sockets to Windows named pipes through a relay program\n"
"(nprelay.exe or npiperelay.exe), one config file for every route.\n"
"\n"
"Commands:\n"
"  run              serve every route in the foreground (systemd, terminals)\n"
"  start            serve in the background unless already running for this\n"
"                   config (safe to call from every shell's .bashrc)\n"
"  stop             stop the background instance; waits until it is gone\n"
"  reload           re-read the config in the running instance (as SIGHUP)\n"
"  status [--json]  routes, connections and bytes of the running instance\n"
"  check            validate the config and list its routes\n"
"  doctor           check WSL interop, relays, sockets and pipes\n"
"\n"
"Options:\n"
"  -c, --config FILE   config file (default: %s)\n"
"  -v, --verbose       log debug messages too (run, start)\n"
"      --json          machine-readable output (status)\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Exit status: 0 success, 1 error, 2 bad usage, 3 not running (status),\n"
"4 stopping (reload).\n";

/* What `npiperouter COMMAND --help` says. */
static const struct command_help {
	const char *name;
	const char *synopsis;
	const char *text;
} command_helps[] = {
	{ "run", "run [-c FILE] [-v]",
	  "Serve every route in the foreground, logging to stderr (with\n"
	  "systemd's journal: no timestamps, priorities instead). SIGTERM or\n"
	  "SIGINT stop accepting, remove the sockets and let open sessions\n"
	  "finish for shutdown_timeout seconds; SIGHUP reloads the config.\n"
	  "Exit 0 after a clean stop, 1 when the config or a socket is wrong." },
	{ "start", "start [-c FILE] [-v]",
	  "Serve in the background unless an instance already runs for this\n"
	  "config file (then say so and exit 0), so .bashrc may call it every\n"
	  "time. Prints the pid and the log file; exit 1 with the end of that\n"
	  "log when the instance could not start." },
	{ "stop", "stop [-c FILE]",
	  "Stop the instance running for this config and wait until it is\n"
	  "gone (open sessions may finish first). Exit 0 also when none runs." },
	{ "reload", "reload [-c FILE]",
	  "Re-read the config and routes.d in the running instance: added\n"
	  "routes listen, removed ones stop while their sessions finish,\n"
	  "changed ones apply to new sessions. A broken config is refused\n"
	  "with every error listed and exit 1; the running config stays.\n"
	  "Exit 4 when the instance is stopping (nothing is reloaded)." },
	{ "status", "status [-c FILE] [--json]",
	  "Per route: socket, adapter, mode, open and total connections,\n"
	  "bytes each way, relay starts and failures, the last error; with\n"
	  "--json as one stable JSON object. Exit 3 when nothing runs." },
	{ "check", "check [-c FILE]",
	  "Validate the config and its routes.d drop-ins, loading adapters;\n"
	  "print one line per route, or every problem as\n"
	  "FILE:LINE: route \"NAME\": what is wrong, and exit 1." },
	{ "doctor", "doctor [-c FILE]",
	  "Check what a WSL user would otherwise search for: interop, a live\n"
	  "interop socket, the relay and its folder on a Windows drive, the\n"
	  "sockets' owner and mode. Each finding says what to do. Exit 1\n"
	  "when something is broken." },
};

static const struct command_help *
command_help_find(const char *name)
{
	for (size_t i = 0; i < sizeof command_helps / sizeof *command_helps; i++)
		if (name != NULL && strcmp(command_helps[i].name, name) == 0)
			return &command_helps[i];
	return NULL;
}

/* The whole usage, or one command's when CMD names one. */
static void
usage(FILE *f, const char *cmd)
{
	const struct command_help *h = command_help_find(cmd);
	char *def = config_default_path();
	const char *file = def != NULL ? def : "none: $HOME is not set";

	if (h == NULL)
		fprintf(f, usage_text, file);
	else
		fprintf(f, "Usage: npiperouter %s\n\n%s\n\n"
		    "  -c, --config FILE   config file (default: %s)\n",
		    h->synopsis, h->text, file);
	free(def);
}

/* What the command line says. */
struct main_opts {
	const char *cmd; /* the first word that is not an option */
	const char *extra; /* the next one: an error */
	char *file;
	int verbose, json, help, version, bad;
};

/*
 * Options are global and may come before the command as well as after
 * it. "-" makes getopt hand over every other word in order (as 1), so the
 * first is the command, whatever POSIXLY_CORRECT says; words after "--"
 * are left at optind.
 */
static void
main_parse(int argc, char *argv[], struct main_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "-c:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 1:
			if (o->cmd == NULL)
				o->cmd = optarg;
			else if (o->extra == NULL)
				o->extra = optarg;
			break;
		case 'c':
			free(o->file);
			if ((o->file = strdup(optarg)) == NULL)
				fatalx("out of memory");
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			o->help = 1;
			break;
		case 'V':
			o->version = 1;
			break;
		default:
			o->bad = 1;
			break;
		}
	}
	for (; optind < argc; optind++) {
		if (o->cmd == NULL)
			o->cmd = argv[optind];
		else if (o->extra == NULL)
			o->extra = argv[optind];
	}
}

int
main(int argc, char *argv[])
{
	struct main_opts o = { NULL, NULL, NULL, 0, 0, 0, 0, 0 };
	const char *cmd = NULL;
	char *file = NULL, err[256];
	int rc = 2;

	/* Before anything opens a file (see fdhygiene.h). */
	if (fdhygiene_init(err, sizeof err) != 0) {
		fprintf(stderr, "npiperouter: %s\n", err);
		return 1;
	}
	main_parse(argc, argv, &o);
	cmd = o.cmd;
	file = o.file;
	if (o.bad) {
		usage(stderr, cmd);
		goto out;
	}
	if (o.help) {
		usage(stdout, cmd);
		rc = 0;
		goto out;
	}
	if (o.version) {
		printf("npiperouter %s\n", NPR_VERSION);
		rc = 0;
		goto out;
	}
	if (cmd == NULL || o.extra != NULL) {
		if (cmd == NULL)
			fprintf(stderr, "npiperouter: no command given\n");
		else
			fprintf(stderr, "npiperouter: unexpected argument \"%s\"\n",
			    o.extra);
		usage(stderr, cmd);
		goto out;
	}
	if (file == NULL && (file = config_default_path()) == NULL) {
		fprintf(stderr, "npiperouter: no config file: $HOME is not set; "
		    "use -c FILE\n");
		rc = 1;
		goto out;
	}
	if (o.json && strcmp(cmd, "status") != 0) {
		fprintf(stderr, "npiperouter: --json goes with status only\n");
		goto out;
	}
	log_init(o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	/* A daemon re-reads its file on reload from wherever it runs. */
	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "start") == 0) {
		char *abs = realpath(file, NULL);

		if (abs != NULL) {
			free(file);
			file = abs;
		}
	}
	if (strcmp(cmd, "check") == 0)
		rc = command_check(file);
	else if (strcmp(cmd, "run") == 0)
		rc = command_run(file);
	else if (strcmp(cmd, "start") == 0)
		rc = command_start(file);
	else if (strcmp(cmd, "stop") == 0)
		rc = command_stop(file);
	else if (strcmp(cmd, "reload") == 0)
		rc = command_reload(file);
	else if (strcmp(cmd, "status") == 0)
		rc = command_status(file, o.json);
	else if (strcmp(cmd, "doctor") == 0)
		rc = command_doctor(file);
	else {
		fprintf(stderr, "npiperouter: unknown command \"%s\"\n", cmd);
		usage(stderr, NULL);
	}
out:
	free(file);
	return rc;
}
