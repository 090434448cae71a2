/* npiperouter: command line parsing; the commands live in command.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "config.h"
#include "fdhygiene.h"
#include "log.h"
#include "shellenv.h"
#include "version.h"

static const char usage_text[] =
"Usage: npiperouter [OPTIONS] COMMAND [OPTIONS]\n"
"\n"
"Relay unix sockets to Windows named pipes through a relay program\n"
"(nprelay.exe or npiperelay.exe), one config file for every route.\n"
"\n"
"Commands:\n"
"  run              serve every route in the foreground (systemd, terminals)\n"
"  start [--env]    serve in the background unless already running for this\n"
"                   config (safe to call from every shell's .bashrc); with\n"
"                   --env print env's lines too:\n"
"                   eval \"$(npiperouter start --env)\"\n"
"  stop             stop the background instance; waits until it is gone\n"
"  reload           re-read the config in the running instance (as SIGHUP)\n"
"  status [--json]  routes, connections and bytes of the running instance\n"
"  check [--routes] validate the config and list its routes\n"
"  env [ROUTE...]   the shell lines that point DOCKER_HOST, SSH_AUTH_SOCK...\n"
"                   at the routes that are up (of the running instance)\n"
"  config --print   the config in force (built-in or loaded) as one file\n"
"  doctor           check WSL interop, relays, sockets and pipes\n"
"  help [COMMAND]   this help, or one command's (as COMMAND --help)\n"
"\n"
"Options:\n"
"  -c, --config FILE   config file (default: %s)\n"
"  -v, --verbose       log debug messages too (run, start)\n"
"      --json          machine-readable output (status)\n"
"      --shell SHELL   sh, fish or csh (env, start --env; default from $SHELL)\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Without a config file (and without -c) the built-in routes serve the\n"
"Windows services found: Docker Desktop, the OpenSSH agent, Gpg4win.\n"
"\n"
"Exit status: 0 success, 1 error, 2 bad usage, 3 not running (status, env),\n"
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
	{ "start", "start [-c FILE] [-v] [--env [--shell SHELL]]",
	  "Serve in the background unless an instance already runs for this\n"
	  "config file (then say so and exit 0), so .bashrc may call it every\n"
	  "time. Prints the pid and the log file; exit 1 with the end of that\n"
	  "log when the instance could not start. With --env, print only the\n"
	  "lines of `env` on stdout (the rest goes to stderr, and nothing when\n"
	  "it already runs), so that one line in .bashrc is the whole setup:\n"
	  "    eval \"$(npiperouter start --env)\"" },
	{ "env", "env [-c FILE] [--shell sh|fish|csh] [ROUTE...]",
	  "Print the lines that set DOCKER_HOST, SSH_AUTH_SOCK and the other\n"
	  "variables of the routes the running instance serves (or of the\n"
	  "ROUTEs named), quoted for SHELL (default: from $SHELL, else sh),\n"
	  "as `ssh-agent -s` does. A route's variable is its \"env\" key, or\n"
	  "the one its adapter implies (docker: DOCKER_HOST, ssh-agent:\n"
	  "SSH_AUTH_SOCK). Exit 3 when nothing runs." },
	{ "config", "config [-c FILE] --print",
	  "Print the configuration in force as one libconfig file that\n"
	  "`check` accepts: the built-in routes for the Windows services found\n"
	  "when FILE does not exist, else FILE and its routes.d as loaded." },
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
	{ "check", "check [-c FILE] [--routes]",
	  "Validate the config and its routes.d drop-ins, loading adapters;\n"
	  "print one line per route, or every problem as\n"
	  "FILE:LINE: route \"NAME\": what is wrong, and exit 1. Without a\n"
	  "config file, the built-in routes for the services found. With\n"
	  "--routes only the route names, one a line." },
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

	if (h == NULL) {
		fprintf(f, usage_text, file);
		goto out;
	}
	fprintf(f, "Usage: npiperouter %s\n\n%s\n\n"
	    "  -c, --config FILE   config file (default: %s)\n",
	    h->synopsis, h->text, file);
	/* Every option of the synopsis gets its line, as in the whole usage. */
	if (strstr(h->synopsis, "[-v]") != NULL)
		fprintf(f, "  -v, --verbose       log debug messages too\n");
	if (strstr(h->synopsis, "--shell") != NULL)
		fprintf(f, "      --shell SHELL   sh, fish or csh (default from "
		    "$SHELL, else sh)\n");
out:
	free(def);
}

/* What the command line says. */
struct main_opts {
	const char *cmd; /* the first word that is not an option */
	char **words;    /* the words after it */
	size_t nwords;
	char *file;
	const char *shell;
	int verbose, json, help, version, bad, env, print, routes;
};

static void
main_word(struct main_opts *o, char *word)
{
	if (o->cmd == NULL)
		o->cmd = word;
	else
		o->words[o->nwords++] = word;
}

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
		{ "shell", required_argument, NULL, 's' },
		{ "env", no_argument, NULL, 'e' },
		{ "print", no_argument, NULL, 'p' },
		{ "routes", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	if ((o->words = calloc((size_t)argc + 1, sizeof *o->words)) == NULL)
		fatalx("out of memory");
	while ((ch = getopt_long(argc, argv, "-c:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 1:
			main_word(o, optarg);
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
		case 's':
			o->shell = optarg;
			break;
		case 'e':
			o->env = 1;
			break;
		case 'p':
			o->print = 1;
			break;
		case 'r':
			o->routes = 1;
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
	for (; optind < argc; optind++)
		main_word(o, argv[optind]);
}

/* An option given to a command that does not take it: its name. */
static const char *
main_misplaced(const struct main_opts *o, const char *cmd)
{
	if (o->json && strcmp(cmd, "status") != 0)
		return "--json goes with status only";
	if (o->shell != NULL && strcmp(cmd, "env") != 0 &&
	    !(strcmp(cmd, "start") == 0 && o->env))
		return "--shell goes with env and start --env only";
	if (o->env && strcmp(cmd, "start") != 0)
		return "--env goes with start only";
	if (o->print && strcmp(cmd, "config") != 0)
		return "--print goes with config only";
	if (!o->print && strcmp(cmd, "config") == 0)
		return "config needs --print";
	if (o->routes && strcmp(cmd, "check") != 0)
		return "--routes goes with check only";
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct main_opts o;
	enum shellenv_shell shell = SHELLENV_SH;
	const char *cmd = NULL, *why = NULL;
	char *file = NULL, err[256];
	int rc = 2;

	memset(&o, 0, sizeof o);
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
	/* `help [COMMAND]` is --help, as git users type it. */
	if (cmd != NULL && strcmp(cmd, "help") == 0) {
		if (o.nwords > 1)
			fprintf(stderr, "npiperouter: unexpected argument "
			    "\"%s\"\n", o.words[1]);
		else if (o.nwords == 1 && command_help_find(o.words[0]) == NULL)
			fprintf(stderr, "npiperouter: unknown command \"%s\"\n",
			    o.words[0]);
		else {
			usage(stdout, o.nwords == 1 ? o.words[0] : NULL);
			rc = 0;
			goto out;
		}
		usage(stderr, NULL);
		goto out;
	}
	/* Only env takes more words: route names. */
	if (cmd == NULL || (o.nwords > 0 && strcmp(cmd, "env") != 0)) {
		if (cmd == NULL)
			fprintf(stderr, "npiperouter: no command given\n");
		else
			fprintf(stderr, "npiperouter: unexpected argument \"%s\"\n",
			    o.words[0]);
		usage(stderr, cmd);
		goto out;
	}
	if ((why = main_misplaced(&o, cmd)) != NULL) {
		fprintf(stderr, "npiperouter: %s\n", why);
		goto out;
	}
	if (o.shell != NULL && shellenv_parse(o.shell, &shell) != 0) {
		fprintf(stderr, "npiperouter: --shell %s: want sh, fish or csh\n",
		    o.shell);
		goto out;
	}
	if (o.shell == NULL)
		shell = shellenv_detect();
	/* A missing default file means the built-in routes; a missing file
	 * named with -c is an error. */
	command_init(file == NULL);
	if (file == NULL && (file = config_default_path()) == NULL) {
		fprintf(stderr, "npiperouter: no config file: $HOME is not set; "
		    "use -c FILE\n");
		rc = 1;
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
		rc = command_check(file, o.routes);
	else if (strcmp(cmd, "run") == 0)
		rc = command_run(file);
	else if (strcmp(cmd, "start") == 0)
		rc = command_start(file, o.env ? (int)shell : -1);
	else if (strcmp(cmd, "env") == 0)
		rc = command_env(file, (int)shell, o.words, o.nwords);
	else if (strcmp(cmd, "config") == 0)
		rc = command_config_print(file);
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
	free(o.words);
	free(file);
	return rc;
}
