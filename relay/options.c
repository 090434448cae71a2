/*
 * Command line parsing with the rules of Go's flag package, which
 * npiperelay uses: "-x" and "--x" are the same, a value follows as "-l 5"
 * or "-l=5", booleans also take "-x=true"/"-x=false", and parsing stops at
 * "--" or at the first argument that is not a flag (the target).
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "name.h"
#include "options.h"
#include "report.h"

struct options_flag {
	const wchar_t *name;
	size_t offset;		/* of the int in struct options, bools only */
};

static const struct options_flag options_bools[] = {
	{ L"p", offsetof(struct options, poll) },
	{ L"s", offsetof(struct options, close_write) },
	{ L"ep", offsetof(struct options, exit_on_pipe_eof) },
	{ L"ei", offsetof(struct options, exit_on_stdin_eof) },
	{ L"v", offsetof(struct options, verbose) },
	{ L"bg", offsetof(struct options, background) },
	{ L"a", offsetof(struct options, assuan) },
	{ L"allow-remote", offsetof(struct options, allow_remote) },
	{ L"expose", offsetof(struct options, expose) },
};

static const char options_help[] =
"Usage: nprelay.exe [flags] TARGET\n"
"\n"
"Copy stdin to the Windows named pipe TARGET (e.g. //./pipe/docker_engine)\n"
"and the pipe to stdout. npiperelay-compatible.\n"
"\n"
"  -p          wait while the pipe does not exist (a busy pipe is waited\n"
"              for even without -p, up to 2 s)\n"
"  -l SECONDS  give up waiting after SECONDS (implies -p; default 60,\n"
"              0 waits forever)\n"
"  -s          after EOF on stdin, half-close the target (zero-byte write\n"
"              on a pipe, shutdown(SD_SEND) on an assuan socket)\n"
"  -ep         exit at EOF from the target, even if stdin is still open\n"
"              (a closed pipe ends the relay whatever the flags)\n"
"  -ei         exit at EOF on stdin (after -s), even if the target is open\n"
"  -a          TARGET is a libassuan socket file (gpg-agent), native or\n"
"              Cygwin format, on a local drive (C:\\...); connect to it\n"
"              on 127.0.0.1\n"
"  --allow-remote  let TARGET be a pipe on another computer,\n"
"              //HOST/pipe/NAME (Windows signs in to HOST with your\n"
"              credentials); without it only //./pipe/NAME is opened\n"
"  -v          report progress on stderr\n"
"  -bg         accepted for compatibility, no effect\n"
"  --mux       (alone) serve a route's connections as yamux streams on\n"
"              stdin/stdout, each opened with these flags and a TARGET;\n"
"              see docs/mux.md; a stream's flags may also be\n"
"              --expose [--expose-sddl SDDL] //./pipe/NAME: create that\n"
"              pipe and serve its clients (docs/nprelay.md)\n"
"  --help      show this help\n"
"  --version   show the version\n"
"\n"
"Exit status: 0 done, 1 I/O error, 2 usage or a TARGET the rules refuse,\n"
"3 cannot open the target (or it is not a pipe or file), 4 wait limit\n"
"reached, 5 bad assuan socket file or handshake.\n";

void
options_usage(HANDLE out)
{
	report_write(out, options_help);
}

/*
 * A boolean value given as "-x=VALUE": exactly the spellings of Go's
 * strconv.ParseBool, which npiperelay's flag package uses.
 */
static int
options_bool_value(const wchar_t *v, int *out)
{
	static const wchar_t *const yes[] = {
		L"1", L"t", L"T", L"TRUE", L"true", L"True" };
	static const wchar_t *const no[] = {
		L"0", L"f", L"F", L"FALSE", L"false", L"False" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (wcscmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (wcscmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Seconds as decimal digits only, 0..OPTIONS_MAX_LIMIT. */
static int
options_seconds(const wchar_t *v, DWORD *ms)
{
	unsigned long n = 0;
	const wchar_t *p;

	if (*v == L'\0' || wcslen(v) > 6)
		return -1;
	for (p = v; *p != L'\0'; p++) {
		if (*p < L'0' || *p > L'9')
			return -1;
		n = n * 10 + (unsigned long)(*p - L'0');
	}
	if (n > OPTIONS_MAX_LIMIT)
		return -1;
	*ms = n == 0 ? INFINITE : (DWORD)(n * 1000);
	return 0;
}

/*
 * --expose creates a local pipe rather than opening one: the flags about
 * opening it (waiting, half-close, exits, assuan, a remote name) have no
 * meaning there, and a remote name must never be created.
 */
static int
options_check_expose(const struct options *o, char *err, size_t errlen)
{
	if (o->expose_sddl != NULL && !o->expose) {
		snprintf(err, errlen, "--expose-sddl needs --expose");
		return -1;
	}
	if (o->expose && (o->poll || o->close_write || o->exit_on_pipe_eof ||
	    o->exit_on_stdin_eof || o->assuan || o->allow_remote)) {
		snprintf(err, errlen, "--expose takes no flag but "
		    "--expose-sddl (and -v): -p, -l, -s, -ep, -ei, -a and "
		    "--allow-remote are about opening a pipe, not creating one");
		return -1;
	}
	if (o->expose_sddl != NULL && o->expose_sddl[0] == L'\0') {
		snprintf(err, errlen, "empty --expose-sddl");
		return -1;
	}
	return 0;
}

enum options_result
options_parse(int argc, wchar_t **argv, struct options *o, char *err,
    size_t errlen)
{
	wchar_t name[32];
	const wchar_t *arg, *value;
	char shown[64];
	size_t i, len;
	int n;

	memset(o, 0, sizeof *o);
	o->limit_ms = OPTIONS_DEFAULT_LIMIT * 1000;

	for (n = 1; n < argc; n++) {
		arg = argv[n];
		if (arg[0] != L'-' || arg[1] == L'\0')
			break;
		if (wcscmp(arg, L"--") == 0) {
			n++;
			break;
		}
		arg += (arg[1] == L'-') ? 2 : 1;
		value = wcschr(arg, L'=');
		len = value != NULL ? (size_t)(value - arg) : wcslen(arg);
		if (len == 0 || len >= sizeof name / sizeof name[0])
			goto unknown;
		wmemcpy(name, arg, len);
		name[len] = L'\0';
		if (value != NULL)
			value++;

		if (wcscmp(name, L"h") == 0 || wcscmp(name, L"help") == 0)
			return OPTIONS_HELP;
		if (wcscmp(name, L"version") == 0)
			return OPTIONS_VERSION;
		if (wcscmp(name, L"l") == 0) {
			if (value == NULL) {
				if (n + 1 >= argc) {
					snprintf(err, errlen,
					    "flag needs an argument: -l");
					return OPTIONS_ERROR;
				}
				value = argv[++n];
			}
			if (options_seconds(value, &o->limit_ms) != 0) {
				report_utf8(value, shown, sizeof shown);
				snprintf(err, errlen, "invalid value \"%s\" for "
				    "-l: want whole seconds, 0 to %d", shown,
				    OPTIONS_MAX_LIMIT);
				return OPTIONS_ERROR;
			}
			/* A cap on the wait only makes sense with the wait. */
			o->poll = 1;
			continue;
		}
		if (wcscmp(name, L"expose-sddl") == 0) {
			if (value == NULL) {
				if (n + 1 >= argc) {
					snprintf(err, errlen, "flag needs an "
					    "argument: --expose-sddl");
					return OPTIONS_ERROR;
				}
				value = argv[++n];
			}
			o->expose_sddl = value;
			continue;
		}
		for (i = 0; i < sizeof options_bools / sizeof options_bools[0];
		    i++) {
			if (wcscmp(name, options_bools[i].name) == 0)
				break;
		}
		if (i == sizeof options_bools / sizeof options_bools[0])
			goto unknown;
		int *field = (int *)((char *)o + options_bools[i].offset);
		if (value == NULL)
			*field = 1;
		else if (options_bool_value(value, field) != 0) {
			report_utf8(argv[n], shown, sizeof shown);
			snprintf(err, errlen, "invalid boolean flag: %s", shown);
			return OPTIONS_ERROR;
		}
	}

	if (n >= argc) {
		snprintf(err, errlen, "missing TARGET (a pipe such as "
		    "//./pipe/NAME, or an assuan socket file with -a)");
		return OPTIONS_ERROR;
	}
	if (n + 1 < argc) {
		report_utf8(argv[n + 1], shown, sizeof shown);
		snprintf(err, errlen, "unexpected argument after TARGET: %s",
		    shown);
		return OPTIONS_ERROR;
	}
	if (argv[n][0] == L'\0') {
		snprintf(err, errlen, "empty TARGET");
		return OPTIONS_ERROR;
	}
	if (options_check_expose(o, err, errlen) != 0)
		return OPTIONS_ERROR;
	/*
	 * Here rather than where the target is opened, so that every caller
	 * of options_parse (one relay, or each --mux stream) gets the rules
	 * before anything calls CreateFile.
	 */
	if ((o->assuan ? name_check_file(argv[n], err, errlen) :
	    name_check_pipe(argv[n], o->allow_remote, err, errlen)) != 0)
		return OPTIONS_ERROR;
	o->target = argv[n];
	return OPTIONS_RUN;

unknown:
	report_utf8(argv[n], shown, sizeof shown);
	snprintf(err, errlen, "unknown flag: %s", shown);
	return OPTIONS_ERROR;
}
