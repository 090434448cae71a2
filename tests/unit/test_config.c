/*
 * config_load(): every broken config with its exact message and line,
 * good configs with their defaults, drop-ins, summaries, default paths
 * and the example files shipped in etc/.
 *
 * Each test runs in a fresh temporary directory holding "main.conf" (and
 * maybe "routes.d/"), loaded by relative name so the expected lines can
 * spell out the file names exactly.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libconfig.h>

#include "config.h"
#include "version.h"

#ifndef NPR_SOURCE_DIR
#error "NPR_SOURCE_DIR must name the source tree (for etc/)"
#endif

struct bad_case;

struct fixture {
	char dir[PATH_MAX];
	char oldcwd[PATH_MAX];
	const struct bad_case *bad; /* for the table's tests */
};

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	f->bad = *state; /* cmocka's initial state: the table row, if any */
	snprintf(f->dir, sizeof f->dir, "%s/npr-config-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL || getcwd(f->oldcwd, sizeof f->oldcwd) ==
	    NULL || chdir(f->dir) != 0) {
		free(f);
		return -1;
	}
	/* Results must not depend on the caller's environment. */
	unsetenv("NPIPEROUTER_PLUGIN_DIR");
	unsetenv("NPR_TEST_UNSET");
	setenv("NPR_TEST_DIR", "/tmp/npr-test", 1);
	*state = f;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture *f = *state;
	int rc = 0;

	if (chdir(f->oldcwd) != 0)
		rc = -1;
	if (nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS) != 0)
		rc = -1;
	free(f);
	return rc;
}

static void
write_file(const char *path, const char *text)
{
	const char *slash = strchr(path, '/');
	char dir[PATH_MAX];
	FILE *fp = NULL;

	/* One level of directory is all the tests use ("routes.d/x.conf"). */
	if (slash != NULL) {
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
		mkdir(dir, 0755);
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Show every line when the count is off: that is what one needs to see. */
static void
expect_errors(const struct config_errors *errs, size_t n,
    const char *const *want)
{
	size_t i;

	if (errs->n != n) {
		for (i = 0; i < errs->n; i++)
			print_error("got: %s\n", errs->lines[i]);
		fail_msg("expected %zu error(s), got %zu", n, errs->n);
	}
	for (i = 0; i < n; i++)
		assert_string_equal(errs->lines[i], want[i]);
}

static struct config *
load_ok(const char *file)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	size_t i;

	if (config_load(file, &cfg, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			print_error("error: %s\n", errs.lines[i]);
		config_errors_free(&errs);
		fail_msg("config_load(\"%s\") failed", file);
	}
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	return cfg;
}

/* ---- broken configs, one problem (or one cluster) each ---- */

/* Line 1 is always the global relay, line 2 opens route #1. */
#define RELAY "relay = { path = \"/bin/cat\"; };\n"
#define OPEN "routes = ( {\n"
#define NAME "  name = \"a\";\n"
#define LISTEN "  listen = { path = \"/tmp/npr-a.sock\"; };\n"
#define PIPE "  pipe = \"//./pipe/a\";\n"
#define CLOSE "} );\n"
/* A route with NAME LISTEN PIPE and then, at line 6, X. */
#define ROUTE_WITH(x) RELAY OPEN NAME LISTEN PIPE x CLOSE
#define LISTEN_WITH(x) RELAY OPEN NAME "  listen = { " x " };\n" PIPE CLOSE

/* An exposed route: NAME, then expose (line 4), connect (line 5), and
 * X at line 6. */
#define EXPOSE "  expose = { pipe = \"//./pipe/a\"; };\n"
#define CONNECT "  connect = \"/tmp/npr-a.sock\";\n"
#define EXPOSED_WITH(x) RELAY OPEN NAME EXPOSE CONNECT x CLOSE
#define EXPOSE_PIPE(p) RELAY OPEN NAME "  expose = { pipe = \"" p "\"; };\n" \
    CONNECT CLOSE

/* A route whose relay is nprelay.exe, its pipe P at line 5 and X at 6. */
#define NPRELAY "relay = { path = \"/usr/libexec/npiperouter/nprelay.exe\"; };\n"
#define NPRELAY_PIPE(p, x) NPRELAY OPEN NAME LISTEN "  pipe = \"" p "\";\n" x \
    CLOSE
#define WANT_PIPE "not a pipe name: want //./pipe/NAME or \\\\.\\pipe\\NAME"
#define DOTS "the pipe NAME has an empty part or one of dots and spaces " \
    "only (\".\", \"..\"), which Windows resolves as a path"

#define X10 "xxxxxxxxxx"
#define X100 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define A65 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct bad_case {
	const char *what;
	const char *main;
	const char *dropin; /* routes.d/10-x.conf, or NULL */
	size_t n;
	const char *errs[4];
};

static const struct bad_case bad_cases[] = {
	{ "unknown top-level setting with a suggestion",
	  ROUTE_WITH("") "plugin_dri = \"/x\";\n", NULL, 1,
	  { "main.conf:7: unknown setting \"plugin_dri\" (did you mean "
	    "\"plugin_dir\"?)" } },
	{ "unknown top-level setting",
	  "colour = 1;\n" RELAY OPEN NAME LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:1: unknown setting \"colour\"" } },
	{ "unknown route setting",
	  ROUTE_WITH("  lisen = 1;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": unknown setting \"lisen\" (did you "
	    "mean \"listen\"?)" } },
	{ "unknown listen setting hides the path",
	  LISTEN_WITH("pth = \"/tmp/x\";"), NULL, 2,
	  { "main.conf:4: route \"a\": unknown setting \"listen.pth\" (did "
	    "you mean \"listen.path\"?)",
	    "main.conf:4: route \"a\": missing \"listen.path\"" } },
	{ "unknown global relay setting",
	  "relay = { path = \"/bin/cat\"; wd = \"/\"; };\n" OPEN NAME LISTEN
	  PIPE CLOSE, NULL, 1,
	  { "main.conf:1: unknown setting \"relay.wd\" (did you mean "
	    "\"relay.cwd\"?)" } },
	{ "unknown route relay setting",
	  ROUTE_WITH("  relay = { args = 1; };\n"), NULL, 1,
	  { "main.conf:6: route \"a\": unknown setting \"relay.args\"" } },
	{ "option for the raw adapter",
	  ROUTE_WITH("  adapter = { name = \"raw\"; allow = [ \"x\" ]; };\n"),
	  NULL, 1,
	  { "main.conf:6: route \"a\": unknown setting \"adapter.allow\" (the "
	    "raw adapter has no options)" } },
	{ "missing name",
	  RELAY OPEN LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:2: route #1: missing \"name\"" } },
	{ "missing listen",
	  RELAY OPEN NAME PIPE CLOSE, NULL, 1,
	  { "main.conf:2: route \"a\": missing \"listen\"" } },
	{ "missing listen.path",
	  LISTEN_WITH("mode = \"0600\";"), NULL, 1,
	  { "main.conf:4: route \"a\": missing \"listen.path\"" } },
	{ "missing pipe",
	  RELAY OPEN NAME LISTEN CLOSE, NULL, 1,
	  { "main.conf:2: route \"a\": missing \"pipe\"" } },
	{ "everything missing",
	  RELAY "routes = ( { } );\n", NULL, 3,
	  { "main.conf:2: route #1: missing \"name\"",
	    "main.conf:2: route #1: missing \"listen\"",
	    "main.conf:2: route #1: missing \"pipe\"" } },
	{ "name of the wrong type",
	  RELAY OPEN "  name = 7;\n" LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:3: route #1: \"name\" must be a string, not an "
	    "integer" } },
	{ "name that is a boolean",
	  RELAY OPEN "  name = true;\n" LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:3: route #1: \"name\" must be a string, not a "
	    "boolean" } },
	{ "name with a space",
	  RELAY OPEN "  name = \"my route\";\n" LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:3: route #1: name \"my route\" may only contain "
	    "letters, digits, \"_\", \".\" and \"-\"" } },
	{ "empty name",
	  RELAY OPEN "  name = \"\";\n" LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:3: route #1: \"name\" must not be empty" } },
	{ "name too long",
	  RELAY OPEN "  name = \"" A65 "\";\n" LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:3: route #1: name \"" A65 "\" is 65 characters; the "
	    "limit is 64" } },
	{ "env not a variable name",
	  ROUTE_WITH("  env = \"9X\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": env \"9X\" is not a variable name: "
	    "letters, digits and \"_\", not starting with a digit (\"\" for "
	    "none)" } },
	{ "env with a shell character",
	  ROUTE_WITH("  env = \"A;B\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": env \"A;B\" is not a variable name: "
	    "letters, digits and \"_\", not starting with a digit (\"\" for "
	    "none)" } },
	{ "env not a string",
	  ROUTE_WITH("  env = 1;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"env\" must be a string, not an "
	    "integer" } },
	{ "env twice",
	  RELAY "routes = (\n"
	  "  { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\";\n"
	  "    env = \"X_SOCK\"; },\n"
	  "  { name = \"b\"; listen = { path = \"/tmp/b\"; }; pipe = \"p\";\n"
	  "    env = \"X_SOCK\"; }\n"
	  ");\n", NULL, 1,
	  { "main.conf:6: route \"b\": env \"X_SOCK\" is set by route \"a\" "
	    "too" } },
	{ "duplicate name",
	  RELAY "routes = (\n"
	  "  { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\"; },\n"
	  "  { name = \"a\"; listen = { path = \"/tmp/b\"; }; pipe = \"p\"; }\n"
	  ");\n", NULL, 1,
	  { "main.conf:4: route \"a\": duplicate route name; the first is at "
	    "main.conf:3" } },
	{ "duplicate socket path after expansion",
	  RELAY "routes = (\n"
	  "  { name = \"a\";\n"
	  "    listen = { path = \"/tmp/npr-test/s\"; }; pipe = \"p\"; },\n"
	  "  { name = \"b\";\n"
	  "    listen = { path = \"${NPR_TEST_DIR}/s\"; }; pipe = \"p\"; }\n"
	  ");\n", NULL, 1,
	  { "main.conf:6: route \"b\": listen.path \"/tmp/npr-test/s\" is "
	    "already used by route \"a\" (main.conf:4)" } },
	{ "socket path too long",
	  LISTEN_WITH("path = \"/tmp/" X100 "abc\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.path \"/tmp/" X100 "abc\" is "
	    "108 bytes; the limit is 107" } },
	{ "relative socket path",
	  LISTEN_WITH("path = \"run/a.sock\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.path \"run/a.sock\" is not an "
	    "absolute path" } },
	{ "empty socket path",
	  LISTEN_WITH("path = \"\";"), NULL, 1,
	  { "main.conf:4: route \"a\": \"listen.path\" must not be empty" } },
	{ "socket path of the wrong type",
	  LISTEN_WITH("path = 1;"), NULL, 1,
	  { "main.conf:4: route \"a\": \"listen.path\" must be a string, not "
	    "an integer" } },
	{ "unset variable in the socket path",
	  LISTEN_WITH("path = \"${NPR_TEST_UNSET}/a.sock\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.path \"${NPR_TEST_UNSET}/a."
	    "sock\": ${NPR_TEST_UNSET} is not set" } },
	{ "unterminated variable in the socket path",
	  LISTEN_WITH("path = \"/tmp/${HOME\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.path \"/tmp/${HOME\": "
	    "unterminated \"${\"" } },
	{ "listen that is not a group",
	  RELAY OPEN NAME "  listen = \"/tmp/a.sock\";\n" PIPE CLOSE, NULL, 1,
	  { "main.conf:4: route \"a\": \"listen\" must be a group like { path "
	    "= \"...\"; }, not a string" } },
	{ "mode that is not octal",
	  LISTEN_WITH("path = \"/tmp/a\"; mode = \"0999\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.mode \"0999\" is not an octal "
	    "permission mode such as \"0660\"" } },
	{ "mode with setuid bits",
	  LISTEN_WITH("path = \"/tmp/a\"; mode = \"4755\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.mode \"4755\" is not an octal "
	    "permission mode such as \"0660\"" } },
	{ "mode that is a word",
	  LISTEN_WITH("path = \"/tmp/a\"; mode = \"rw-rw----\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.mode \"rw-rw----\" is not an "
	    "octal permission mode such as \"0660\"" } },
	{ "mode written as a number",
	  LISTEN_WITH("path = \"/tmp/a\"; mode = 0660;"), NULL, 1,
	  { "main.conf:4: route \"a\": \"listen.mode\" must be an octal "
	    "string such as \"0660\", not an integer" } },
	{ "mode that locks the owner out",
	  LISTEN_WITH("path = \"/tmp/a\"; mode = \"0440\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.mode \"0440\" does not let the "
	    "owner read and write the socket" } },
	{ "unknown group",
	  LISTEN_WITH("path = \"/tmp/a\"; group = \"npr-no-such-group\";"),
	  NULL, 1,
	  { "main.conf:4: route \"a\": listen.group \"npr-no-such-group\": no "
	    "such group" } },
	{ "group written as a number",
	  LISTEN_WITH("path = \"/tmp/a\"; group = 0;"), NULL, 1,
	  { "main.conf:4: route \"a\": \"listen.group\" must be a string (a "
	    "group name or number), not an integer" } },
	{ "group name that starts with a digit",
	  LISTEN_WITH("path = \"/tmp/a\"; group = \"1npr-no-such\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.group \"1npr-no-such\": no such "
	    "group" } },
	{ "group id out of range",
	  LISTEN_WITH("path = \"/tmp/a\"; group = \"99999999999\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.group \"99999999999\" is "
	    "not a valid group id" } },
	{ "group id that means \"no change\" to chown",
	  LISTEN_WITH("path = \"/tmp/a\"; group = \"4294967295\";"), NULL, 1,
	  { "main.conf:4: route \"a\": listen.group \"4294967295\" is "
	    "not a valid group id" } },
	{ "pipe of the wrong type",
	  RELAY OPEN NAME LISTEN "  pipe = 5;\n" CLOSE, NULL, 1,
	  { "main.conf:5: route \"a\": \"pipe\" must be a string, not an "
	    "integer" } },
	{ "empty pipe",
	  RELAY OPEN NAME LISTEN "  pipe = \"\";\n" CLOSE, NULL, 1,
	  { "main.conf:5: route \"a\": \"pipe\" must not be empty" } },
	{ "nprelay pipe without the pipe namespace's prefix",
	  NPRELAY_PIPE("docker_engine", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"docker_engine\": " WANT_PIPE } },
	{ "nprelay pipe that is a drive path",
	  NPRELAY_PIPE("C:/Users/me/S.gpg-agent", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"C:/Users/me/S.gpg-agent\": "
	    WANT_PIPE } },
	{ "nprelay pipe on another computer",
	  NPRELAY_PIPE("//host/pipe/x", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//host/pipe/x\": a pipe on "
	    "another computer; Windows would sign in to it with your "
	    "credentials (\"--allow-remote\" in relay_args permits it)" } },
	{ "nprelay pipe on another computer, --allow-remote=false",
	  NPRELAY_PIPE("\\\\\\\\host\\\\pipe\\\\x",
	  "  relay_args = [ \"-l\", \"5\", \"--allow-remote=false\" ];\n"), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"\\\\host\\pipe\\x\": a pipe on "
	    "another computer; Windows would sign in to it with your "
	    "credentials (\"--allow-remote\" in relay_args permits it)" } },
	{ "nprelay pipe on host \"..\", even with --allow-remote",
	  NPRELAY_PIPE("//../pipe/x", "  relay_args = [ \"--allow-remote\" ];\n"),
	  NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//../pipe/x\": not a pipe name: "
	    "want //./pipe/NAME" } },
	{ "nprelay pipe that is a \\\\?\\ path",
	  NPRELAY_PIPE("\\\\\\\\?\\\\C:\\\\x", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"\\\\?\\C:\\x\": \\\\?\\ paths are "
	    "not pipe names: want //./pipe/NAME" } },
	{ "nprelay pipe outside the pipe namespace",
	  NPRELAY_PIPE("//./mailslot/x", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//./mailslot/x\": not in the "
	    "pipe namespace: want //./pipe/NAME" } },
	{ "nprelay pipe without a NAME",
	  NPRELAY_PIPE("//./pipe/", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//./pipe/\": the pipe NAME is "
	    "empty" } },
	{ "nprelay pipe with a dot-dot part, backslashes",
	  NPRELAY_PIPE("\\\\\\\\.\\\\pipe\\\\..\\\\C:\\\\x", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"\\\\.\\pipe\\..\\C:\\x\": " DOTS } },
	{ "nprelay pipe with a part of dots and a space",
	  NPRELAY_PIPE("//./pipe/a/.. /b", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//./pipe/a/.. /b\": " DOTS } },
	{ "nprelay pipe with a control character, shown escaped",
	  NPRELAY_PIPE("//./pipe/a\\x01b", ""), NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//./pipe/a\\x01b\": the pipe NAME "
	    "has a control character" } },
	{ "nprelay -a with a pipe name",
	  NPRELAY_PIPE("//./pipe/a", "  relay_args = [ \"-ep\", \"-a\" ];\n"),
	  NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"//./pipe/a\": a UNC or device "
	    "path (\\\\HOST\\..., \\\\.\\..., \\\\?\\...); the assuan socket file "
	    "must be on a local drive, e.g. C:\\Users\\me\\AppData\\Local\\"
	    "gnupg\\S.gpg-agent" } },
	{ "nprelay -a=true with a relative path",
	  NPRELAY_PIPE("gnupg/S.gpg-agent", "  relay_args = [ \"--a=true\" ];\n"),
	  NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"gnupg/S.gpg-agent\": not an "
	    "absolute path on a drive; the assuan socket file must be given "
	    "as C:\\..." } },
	{ "the copy of nprelay on a Windows drive, a bad pipe",
	  "relay = { path = \"/mnt/c/Users/me/AppData/Local/npiperouter/"
	  "nprelay-0.1.0-0123abcd.exe\"; };\n" OPEN NAME LISTEN
	  "  pipe = \"x\";\n" CLOSE, NULL, 1,
	  { "main.conf:5: route \"a\": pipe \"x\": " WANT_PIPE } },
	{ "relay_args that is a string",
	  ROUTE_WITH("  relay_args = \"-ep\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"relay_args\" must be a list of "
	    "strings like [ \"-ep\", \"-s\" ], not a string" } },
	{ "relay_args with a number",
	  ROUTE_WITH("  relay_args = ( \"-ep\",\n    5 );\n"), NULL, 1,
	  { "main.conf:7: route \"a\": relay_args #2 must be a string, not "
	    "an integer" } },
	{ "unknown adapter",
	  ROUTE_WITH("  adapter = { name = \"docker\"; };\n"), NULL, 1,
	  { "main.conf:6: route \"a\": adapter.name \"docker\" is not a known "
	    "adapter: no " NPR_PLUGIN_DIR "/docker.so (known: raw)" } },
	{ "adapter that is a string",
	  ROUTE_WITH("  adapter = \"raw\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"adapter\" must be a group like { name "
	    "= \"raw\"; }, not a string" } },
	{ "adapter without a name",
	  ROUTE_WITH("  adapter = { };\n"), NULL, 1,
	  { "main.conf:6: route \"a\": missing \"adapter.name\"" } },
	{ "unknown mode",
	  ROUTE_WITH("  mode = \"fork\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": mode \"fork\" is unknown; use "
	    "\"auto\", \"mux\" or \"spawn\"" } },
	{ "mode of the wrong type",
	  ROUTE_WITH("  mode = 1;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"mode\" must be a string, not an "
	    "integer" } },
	{ "allow_uids not a list",
	  ROUTE_WITH("  allow_uids = 0;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_uids\" must be a list like "
	    "[ \"alice\", 1000 ], not an integer" } },
	{ "empty allow_groups",
	  ROUTE_WITH("  allow_groups = [ ];\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_groups\" is empty; leave it "
	    "out to allow every peer the socket mode lets in" } },
	{ "unknown user in allow_uids",
	  ROUTE_WITH("  allow_uids = [ \"no-such-user-npr\" ];\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_uids\": no user named "
	    "\"no-such-user-npr\"" } },
	{ "negative id in allow_groups",
	  ROUTE_WITH("  allow_groups = [ -1 ];\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_groups\": -1 is not a valid "
	    "group id" } },
	{ "wrong entry type in allow_uids",
	  ROUTE_WITH("  allow_uids = ( 1.5 );\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_uids\" entries must be user "
	    "names or numbers, not a floating-point number" } },
	{ "zero max_connections",
	  ROUTE_WITH("  max_connections = 0;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections\" must be a positive "
	    "integer" } },
	{ "negative max_connections",
	  ROUTE_WITH("  max_connections = -3;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections\" must be a positive "
	    "integer" } },
	{ "max_connections as a string",
	  ROUTE_WITH("  max_connections = \"10\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections\" must be a positive "
	    "integer, not a string" } },
	{ "max_connections as a float",
	  ROUTE_WITH("  max_connections = 1.5;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections\" must be a positive "
	    "integer, not a floating-point number" } },
	{ "max_connections too large",
	  ROUTE_WITH("  max_connections = 2000000;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections\" is 2000000; the "
	    "limit is 1000000" } },
	{ "zero max_connections_per_uid",
	  ROUTE_WITH("  max_connections_per_uid = 0;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections_per_uid\" must be a "
	    "positive integer" } },
	{ "max_connections_per_uid as a string",
	  ROUTE_WITH("  max_connections_per_uid = \"3\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections_per_uid\" must be a "
	    "positive integer, not a string" } },
	{ "max_connections_per_uid above max_connections",
	  ROUTE_WITH("  max_connections_per_uid = 5;\n  max_connections = 4;\n"),
	  NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections_per_uid\" is 5, more "
	    "than \"max_connections\" (4)" } },
	{ "max_connections_per_uid above the default max_connections",
	  ROUTE_WITH("  max_connections_per_uid = 257;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections_per_uid\" is 257, "
	    "more than \"max_connections\" (256)" } },
	{ "negative idle_timeout",
	  ROUTE_WITH("  idle_timeout = -1;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"idle_timeout\" must be a number of "
	    "seconds (0: off)" } },
	{ "idle_timeout as a float",
	  ROUTE_WITH("  idle_timeout = 1.5;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"idle_timeout\" must be a number of "
	    "seconds (0: off), not a floating-point number" } },
	{ "idle_timeout too large",
	  ROUTE_WITH("  idle_timeout = 40000000;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"idle_timeout\" is 40000000; the "
	    "limit is 31622400" } },
	{ "idle_timeout and max_connections_per_uid both wrong",
	  ROUTE_WITH("  idle_timeout = \"5m\";\n  max_connections_per_uid = -2;\n"),
	  NULL, 2,
	  { "main.conf:6: route \"a\": \"idle_timeout\" must be a number of "
	    "seconds (0: off), not a string",
	    "main.conf:7: route \"a\": \"max_connections_per_uid\" must be a "
	    "positive integer" } },
	/* No relay anywhere: the packaged one (test_relay_install.c). */
	{ "relay path relative",
	  ROUTE_WITH("  relay = { path = \"bin/nprelay.exe\"; };\n"), NULL, 1,
	  { "main.conf:6: route \"a\": relay.path \"bin/nprelay.exe\" is not "
	    "an absolute path" } },
	{ "relay path as a bare name: no PATH lookup",
	  ROUTE_WITH("  relay = { path = \"npiperelay.exe\"; };\n"), NULL, 1,
	  { "main.conf:6: route \"a\": relay.path \"npiperelay.exe\" is not "
	    "an absolute path" } },
	{ "relay cwd relative",
	  ROUTE_WITH("  relay = { cwd = \"c\"; };\n"), NULL, 1,
	  { "main.conf:6: route \"a\": relay.cwd \"c\" is not an absolute "
	    "path" } },
	{ "relay that is a string",
	  ROUTE_WITH("  relay = \"/bin/cat\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"relay\" must be a group like { path = "
	    "\"...\"; }, not a string" } },
	{ "global relay path with an unset variable, reported once",
	  "relay = { path = \"${NPR_TEST_UNSET}/nprelay.exe\"; };\n"
	  OPEN NAME LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:1: relay.path \"${NPR_TEST_UNSET}/nprelay.exe\": "
	    "${NPR_TEST_UNSET} is not set" } },
	{ "routes that is a group",
	  RELAY "routes = { a = 1; };\n", NULL, 1,
	  { "main.conf:2: \"routes\" must be a list ( { ... }, { ... } ), not "
	    "a group" } },
	{ "route that is a string",
	  RELAY "routes = ( \"docker\" );\n", NULL, 1,
	  { "main.conf:2: route #1: must be a group { name = \"...\"; ... }, "
	    "not a string" } },
	{ "shutdown_timeout zero",
	  "shutdown_timeout = 0;\n" ROUTE_WITH(""), NULL, 1,
	  { "main.conf:1: \"shutdown_timeout\" must be a positive number of "
	    "seconds" } },
	{ "shutdown_timeout as a string",
	  "shutdown_timeout = \"5\";\n" ROUTE_WITH(""), NULL, 1,
	  { "main.conf:1: \"shutdown_timeout\" must be a positive number of "
	    "seconds, not a string" } },
	{ "shutdown_timeout too large",
	  "shutdown_timeout = 7200;\n" ROUTE_WITH(""), NULL, 1,
	  { "main.conf:1: \"shutdown_timeout\" is 7200; the limit is 3600" } },
	{ "plugin_dir relative",
	  "plugin_dir = \"lib\";\n" ROUTE_WITH(""), NULL, 1,
	  { "main.conf:1: plugin_dir \"lib\" is not an absolute path" } },
	{ "empty file",
	  "", NULL, 1,
	  { "main.conf: no routes configured (add a \"routes\" list here or a "
	    "*.conf file in routes.d/)" } },
	{ "empty routes list",
	  RELAY "routes = ( );\n", NULL, 1,
	  { "main.conf: no routes configured (add a \"routes\" list here or a "
	    "*.conf file in routes.d/)" } },
	{ "syntax error",
	  RELAY "routes = (\n  { name = \"a\"; pipe = ; }\n);\n", NULL, 1,
	  { "main.conf:3: syntax error" } },
	{ "duplicate setting",
	  RELAY OPEN NAME NAME LISTEN PIPE CLOSE, NULL, 1,
	  { "main.conf:4: syntax error: duplicate setting name" } },
	{ "global setting in a drop-in",
	  ROUTE_WITH(""), "relay = { path = \"/bin/cat\"; };\n", 1,
	  { "routes.d/10-x.conf:1: \"relay\" is not allowed in a routes.d "
	    "file; only \"routes\" is" } },
	{ "duplicate name across files",
	  ROUTE_WITH(""),
	  "routes = (\n  { name = \"a\"; listen = { path = \"/tmp/b\"; };\n"
	  "    pipe = \"p\"; } );\n", 1,
	  { "routes.d/10-x.conf:2: route \"a\": duplicate route name; the "
	    "first is at main.conf:3" } },
	{ "duplicate socket path across files",
	  ROUTE_WITH(""),
	  "routes = (\n  { name = \"b\";\n"
	  "    listen = { path = \"/tmp/npr-a.sock\"; }; pipe = \"p\"; } );\n",
	  1,
	  { "routes.d/10-x.conf:3: route \"b\": listen.path \"/tmp/npr-a.sock\" "
	    "is already used by route \"a\" (main.conf:4)" } },
	{ "syntax error in the main file, drop-ins still checked",
	  RELAY "x = ;\n",
	  "routes = ( { name = \"b\"; listen = { path = \"/tmp/b\"; }; } );\n", 2,
	  { "main.conf:2: syntax error",
	    "routes.d/10-x.conf:1: route \"b\": missing \"pipe\"" } },
	/* Exposed routes (DESIGN.md §10). */
	{ "listen and expose",
	  RELAY OPEN NAME LISTEN EXPOSE CONNECT CLOSE, NULL, 1,
	  { "main.conf:4: route \"a\": \"listen\" and \"expose\" exclude each "
	    "other: a route listens on a unix socket or exposes a pipe" } },
	{ "exposed route without connect",
	  RELAY OPEN NAME EXPOSE CLOSE, NULL, 1,
	  { "main.conf:2: route \"a\": missing \"connect\" (the unix socket "
	    "the exposed pipe's clients reach)" } },
	{ "connect on a route that listens",
	  ROUTE_WITH(CONNECT), NULL, 1,
	  { "main.conf:6: route \"a\": \"connect\" is only for a route with "
	    "\"expose\" (a route that listens reaches its \"pipe\")" } },
	{ "connect relative",
	  RELAY OPEN NAME EXPOSE "  connect = \"x.sock\";\n" CLOSE, NULL, 1,
	  { "main.conf:5: route \"a\": connect \"x.sock\" is not an absolute "
	    "path" } },
	{ "pipe on an exposed route",
	  EXPOSED_WITH(PIPE), NULL, 1,
	  { "main.conf:6: route \"a\": \"pipe\" is for a route that listens; "
	    "an exposed route serves \"expose.pipe\"" } },
	{ "relay_args on an exposed route",
	  EXPOSED_WITH("  relay_args = [ \"-s\" ];\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"relay_args\" are for a route that "
	    "listens; an exposed route's relay takes none" } },
	{ "env on an exposed route",
	  EXPOSED_WITH("  env = \"DOCKER_HOST\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"env\" is for a route that listens: "
	    "Linux programs find an exposed route's service at \"connect\", "
	    "not through npiperouter env" } },
	{ "mode spawn on an exposed route",
	  EXPOSED_WITH("  mode = \"spawn\";\n"), NULL, 1,
	  { "main.conf:6: route \"a\": mode \"spawn\" cannot expose a pipe; "
	    "exposed routes need the mux relay (\"mux\" or \"auto\")" } },
	{ "allow_uids on an exposed route",
	  EXPOSED_WITH("  allow_uids = [ 1000 ];\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_uids\" does not apply to an "
	    "exposed route: its clients are Windows programs, let in by the "
	    "pipe's DACL (expose.sddl)" } },
	{ "allow_groups on an exposed route",
	  EXPOSED_WITH("  allow_groups = [ 0 ];\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"allow_groups\" does not apply to an "
	    "exposed route: its clients are Windows programs, let in by the "
	    "pipe's DACL (expose.sddl)" } },
	{ "max_connections_per_uid on an exposed route",
	  EXPOSED_WITH("  max_connections_per_uid = 2;\n"), NULL, 1,
	  { "main.conf:6: route \"a\": \"max_connections_per_uid\" does not "
	    "apply to an exposed route: its clients are Windows programs, let "
	    "in by the pipe's DACL (expose.sddl)" } },
	{ "expose that is a string",
	  RELAY OPEN NAME "  expose = \"//./pipe/a\";\n" CONNECT CLOSE, NULL, 1,
	  { "main.conf:4: route \"a\": \"expose\" must be a group like { pipe "
	    "= \"//./pipe/NAME\"; }, not a string" } },
	{ "expose without a pipe, and a typo",
	  RELAY OPEN NAME "  expose = { sdl = \"D:P\"; };\n" CONNECT CLOSE,
	  NULL, 2,
	  { "main.conf:4: route \"a\": unknown setting \"expose.sdl\" (did you "
	    "mean \"expose.sddl\"?)",
	    "main.conf:4: route \"a\": missing \"expose.pipe\"" } },
	{ "expose.sddl empty",
	  RELAY OPEN NAME "  expose = { pipe = \"//./pipe/a\"; sddl = \"\"; };\n"
	  CONNECT CLOSE, NULL, 1,
	  { "main.conf:4: route \"a\": \"expose.sddl\" must not be empty" } },
	{ "expose.pipe on another computer",
	  EXPOSE_PIPE("//server/pipe/a"), NULL, 1,
	  { "main.conf:4: route \"a\": expose.pipe \"//server/pipe/a\": not a "
	    "local pipe name: want //./pipe/NAME or \\\\.\\pipe\\NAME" } },
	{ "expose.pipe outside the pipe namespace",
	  EXPOSE_PIPE("//./mailslot/a"), NULL, 1,
	  { "main.conf:4: route \"a\": expose.pipe \"//./mailslot/a\": not in "
	    "the pipe namespace: want //./pipe/NAME" } },
	{ "expose.pipe without a name",
	  EXPOSE_PIPE("//./pipe/"), NULL, 1,
	  { "main.conf:4: route \"a\": expose.pipe \"//./pipe/\": the pipe "
	    "NAME is empty" } },
	{ "expose.pipe with a dot-dot part",
	  EXPOSE_PIPE("//./pipe/a/../b"), NULL, 1,
	  { "main.conf:4: route \"a\": expose.pipe \"//./pipe/a/../b\": the "
	    "pipe NAME has an empty part or one of dots and spaces only (\".\", "
	    "\"..\"), which Windows resolves as a path" } },
	{ "expose.pipe that is a path",
	  EXPOSE_PIPE("C:/pipe/a"), NULL, 1,
	  { "main.conf:4: route \"a\": expose.pipe \"C:/pipe/a\": not a local "
	    "pipe name: want //./pipe/NAME or \\\\.\\pipe\\NAME" } },
	{ "duplicate exposed pipe across files, another spelling",
	  EXPOSED_WITH(""),
	  "routes = ( { name = \"b\";\n"
	  "  expose = { pipe = \"\\\\\\\\.\\\\PIPE\\\\A\"; }; connect = \"/tmp/b\"; } );\n",
	  1,
	  { "routes.d/10-x.conf:2: route \"b\": expose.pipe \"\\\\.\\PIPE\\A\" "
	    "is already exposed by route \"a\" (main.conf:4)" } },
	{ "syntax error in a drop-in",
	  ROUTE_WITH(""), "routes = ( { name = \"b\" ",
	  1, { "routes.d/10-x.conf:1: syntax error" } },
};

/* Run one case; returns the number of mismatches, each printed. */
static int
check_case(const struct bad_case *c)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	size_t k;
	int failed = 0;

	write_file("main.conf", c->main);
	unlink("routes.d/10-x.conf");
	if (c->dropin != NULL)
		write_file("routes.d/10-x.conf", c->dropin);
	if (config_load("main.conf", &cfg, &errs) != -1 || cfg != NULL) {
		print_error("case \"%s\": loaded without errors\n", c->what);
		config_free(cfg);
		return 1;
	}
	if (errs.n != c->n) {
		print_error("case \"%s\": %zu error(s), expected %zu\n", c->what,
		    errs.n, c->n);
		for (k = 0; k < errs.n; k++)
			print_error("   got: %s\n", errs.lines[k]);
		failed++;
	} else {
		for (k = 0; k < c->n; k++) {
			if (strcmp(errs.lines[k], c->errs[k]) == 0)
				continue;
			print_error("case \"%s\":\n  want: %s\n   got: %s\n",
			    c->what, c->errs[k], errs.lines[k]);
			failed++;
		}
	}
	config_errors_free(&errs);
	return failed;
}

static void
test_bad_config(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check_case(f->bad), 0);
}

/* ---- several problems in several files, all in one run ---- */

static void
test_errors_everywhere_in_one_run(void **state)
{
	static const char *const want[] = {
		"main.conf:2: \"shutdown_timeout\" must be a positive number of "
		"seconds",
		"main.conf:6: route \"two\": listen.path \"rel\" is not an absolute "
		"path",
		"main.conf:6: route \"two\": listen.mode \"0999\" is not an octal "
		"permission mode such as \"0660\"",
		"main.conf:8: route #3: missing \"name\"",
		"routes.d/10-a.conf:1: route \"ok\": duplicate route name; the "
		"first is at main.conf:4",
		"routes.d/10-a.conf:1: route \"ok\": listen.path \"/tmp/npr-ok\" is "
		"already used by route \"ok\" (main.conf:4)",
		"routes.d/10-a.conf:2: route \"ok\": unknown setting \"colour\"",
		"routes.d/20-b.conf:2: syntax error",
		"routes.d/30-c.conf:3: route \"c\": listen.group "
		"\"npr-no-such-group\": no such group",
		"routes.d/30-c.conf:4: route \"c\": adapter.name \"ssh-agent\" is not "
		"a known adapter: no " NPR_PLUGIN_DIR "/ssh-agent.so (known: raw)",
		/* Missing settings come after the route's other problems. */
		"routes.d/30-c.conf:2: route \"c\": missing \"pipe\"",
		"routes.d/30-c.conf:5: route #2: \"name\" must be a string, not an "
		"integer",
	};
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;

	write_file("main.conf",
	    "relay = { path = \"/bin/cat\"; };\n"
	    "shutdown_timeout = -1;\n"
	    "routes = (\n"
	    "  { name = \"ok\"; listen = { path = \"/tmp/npr-ok\"; }; pipe = \"p\"; },\n"
	    "  { name = \"two\";\n"
	    "    listen = { path = \"rel\"; mode = \"0999\"; };\n"
	    "    pipe = \"p\"; },\n"
	    "  { listen = { path = \"/tmp/npr-3\"; }; pipe = \"p\"; }\n"
	    ");\n");
	write_file("routes.d/10-a.conf",
	    "routes = ( { name = \"ok\"; listen = { path = \"/tmp/npr-ok\"; };\n"
	    "  pipe = \"p\"; colour = \"red\"; } );\n");
	write_file("routes.d/20-b.conf", "routes = ( {\n");
	write_file("routes.d/30-c.conf",
	    "routes = (\n"
	    "  { name = \"c\";\n"
	    "    listen = { path = \"/tmp/npr-c\"; group = \"npr-no-such-group\"; };\n"
	    "    adapter = { name = \"ssh-agent\"; }; },\n"
	    "  { name = 2; listen = { path = \"/tmp/npr-d\"; }; pipe = \"p\"; }\n"
	    ");\n");

	assert_int_equal(config_load("main.conf", &cfg, &errs), -1);
	assert_null(cfg);
	expect_errors(&errs, sizeof want / sizeof want[0], want);
	config_errors_free(&errs);
	assert_null(errs.lines);
	assert_int_equal(errs.n, 0);
}

/* Errors are appended: a caller may collect several loads in one list. */
static void
test_errors_are_appended(void **state)
{
	static const char *const want[] = {
		"nope.conf: cannot read: No such file or directory",
		"nope.conf: cannot read: No such file or directory",
	};
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;

	assert_int_equal(config_load("nope.conf", &cfg, &errs), -1);
	assert_int_equal(config_load("nope.conf", &cfg, &errs), -1);
	expect_errors(&errs, 2, want);
	config_errors_free(&errs);
}

static void
test_unreadable_files(void **state)
{
	static const char *const dir[] = {
		"adir: cannot read: a directory; only regular files are read",
	};
	static const char *const notdir[] = {
		"routes.d: cannot read: Not a directory",
	};
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;

	assert_int_equal(mkdir("adir", 0755), 0);
	assert_int_equal(config_load("adir", &cfg, &errs), -1);
	expect_errors(&errs, 1, dir);
	config_errors_free(&errs);

	/* routes.d beside the main file is a plain file here. */
	write_file("main.conf", ROUTE_WITH(""));
	write_file("routes.d", "");
	assert_int_equal(config_load("main.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, notdir);
	config_errors_free(&errs);
}

/*
 * Only regular files are read, without blocking and without letting
 * libconfig read anything itself: a FIFO used to block the daemon in
 * open(), a link to /proc/self/mem made libconfig's scanner exit(2). A
 * symlink to a regular file is fine.
 */
static void
test_only_regular_files(void **state)
{
	static const char *const want[] = {
		"routes.d/a-fifo.conf: cannot read: a FIFO; only regular files are read",
		"routes.d/b-mem.conf: cannot read: Input/output error",
		"routes.d/c-null.conf: cannot read: a character device; only regular files are read",
	};
	static const char *const mainfifo[] = {
		"fifo.conf: cannot read: a FIFO; only regular files are read",
	};
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	char target[PATH_MAX + 32];

	write_file("main.conf", ROUTE_WITH(""));
	assert_int_equal(mkdir("routes.d", 0755), 0);
	assert_int_equal(mkfifo("routes.d/a-fifo.conf", 0644), 0);
	assert_int_equal(symlink("/proc/self/mem", "routes.d/b-mem.conf"), 0);
	assert_int_equal(symlink("/dev/null", "routes.d/c-null.conf"), 0);
	assert_int_equal(config_load("main.conf", &cfg, &errs), -1);
	assert_null(cfg);
	expect_errors(&errs, sizeof want / sizeof want[0], want);
	config_errors_free(&errs);

	assert_int_equal(unlink("routes.d/a-fifo.conf"), 0);
	assert_int_equal(unlink("routes.d/b-mem.conf"), 0);
	assert_int_equal(unlink("routes.d/c-null.conf"), 0);
	assert_int_equal(mkfifo("fifo.conf", 0644), 0);
	assert_int_equal(config_load("fifo.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, mainfifo);
	config_errors_free(&errs);

	/* A link to a regular file elsewhere is read, named as the link. */
	write_file("elsewhere.txt",
	    "routes = ( { name = \"linked\";\n"
	    "  listen = { path = \"/tmp/npr-linked\"; }; pipe = \"p\"; } );\n");
	snprintf(target, sizeof target, "%s/elsewhere.txt", ((struct fixture *)*state)->dir);
	assert_int_equal(symlink(target, "routes.d/linked.conf"), 0);
	cfg = load_ok("main.conf");
	assert_int_equal(cfg->nroutes, 2);
	assert_string_equal(cfg->routes[1].name, "linked");
	assert_string_equal(cfg->routes[1].file, "routes.d/linked.conf");
	config_free(cfg);
}

/* Files over 1 MiB are refused, saying so: parsing long strings takes
 * quadratic time in libconfig. NUL bytes would hide the rest. */
static void
test_file_limits(void **state)
{
	static const char *const big[] = {
		"main.conf: cannot read: the file is larger than 1 MiB; config "
		"files are limited to 1 MiB (1048576 bytes)",
	};
	static const char *const nul[] = {
		"main.conf: cannot read: the file holds a NUL byte; config files "
		"are text",
	};
	static const char *const line[] = {
		"main.conf:3: syntax error",
	};
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	const char *route = ROUTE_WITH("");
	size_t rlen = strlen(route), len = 1024 * 1024;
	char *text = malloc(len + 2);
	FILE *fp = NULL;

	assert_non_null(text);
	/* Exactly 1 MiB, most of it a comment: read. */
	memcpy(text, route, rlen);
	memset(text + rlen, '#', len - rlen - 1);
	text[len - 1] = '\n';
	text[len] = '\0';
	write_file("main.conf", text);
	cfg = load_ok("main.conf");
	config_free(cfg);
	/* One byte more: refused. */
	text[len - 1] = '#';
	text[len] = '\n';
	text[len + 1] = '\0';
	write_file("main.conf", text);
	assert_int_equal(config_load("main.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, big);
	config_errors_free(&errs);
	free(text);

	fp = fopen("main.conf", "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(route, 1, rlen, fp), rlen);
	assert_int_equal(fwrite("#\0x\n", 1, 4, fp), 4);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(config_load("main.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, nul);
	config_errors_free(&errs);

	/* Parsed from memory, a syntax error still names its file and line. */
	write_file("main.conf", "relay = { path = \"/bin/cat\"; };\n\n"
	    "routes = ( { name = \"x\" ] );\n\n");
	assert_int_equal(config_load("main.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, line);
	config_errors_free(&errs);
}

/* ---- good configs ---- */

static void
test_defaults(void **state)
{
	struct config *cfg = NULL;
	const struct route_conf *r = NULL;
	struct stat st;
	int have_mnt_c = stat("/mnt/c", &st) == 0 && S_ISDIR(st.st_mode);

	write_file("main.conf",
	    "relay = { path = \"/bin/cat\"; };\n"
	    "routes = ( { name = \"a\"; listen = { path = \"/tmp/npr-a.sock\"; };\n"
	    "  pipe = \"//./pipe/a\"; } );\n");
	cfg = load_ok("main.conf");
	assert_string_equal(cfg->file, "main.conf");
	assert_string_equal(cfg->plugin_dir, NPR_PLUGIN_DIR);
	assert_int_equal(cfg->shutdown_timeout, CONFIG_DEFAULT_SHUTDOWN_TIMEOUT);
	assert_string_equal(cfg->relay.path, "/bin/cat");
	assert_null(cfg->relay.cwd);
	assert_int_equal(cfg->nroutes, 1);

	r = &cfg->routes[0];
	assert_string_equal(r->name, "a");
	assert_string_equal(r->file, "main.conf");
	assert_int_equal(r->line, 2);
	assert_string_equal(r->listen_path, "/tmp/npr-a.sock");
	assert_int_equal(r->listen_mode, 0600);
	assert_int_equal(r->has_group, 0);
	assert_string_equal(r->pipe, "//./pipe/a");
	assert_non_null(r->relay_args);
	assert_null(r->relay_args[0]);
	assert_int_equal(r->relay_nargs, 0);
	assert_string_equal(r->relay.path, "/bin/cat");
	/* Windows executables start fast only from a Windows drive. */
	if (have_mnt_c)
		assert_string_equal(r->relay.cwd, "/mnt/c");
	else
		assert_null(r->relay.cwd);
	assert_string_equal(r->adapter, "raw");
	assert_null(r->adapter_setting);
	assert_int_equal(r->mode, ROUTE_MODE_AUTO);
	assert_int_equal(r->max_connections, CONFIG_DEFAULT_MAX_CONNECTIONS);
	config_free(cfg);
}

static void
test_every_setting(void **state)
{
	struct config *cfg = NULL;
	const struct route_conf *r = NULL;

	setenv("HOME", "/home/npr", 1);
	write_file("main.conf",
	    "plugin_dir = \"~/plugins\";\n"
	    "shutdown_timeout = 30;\n"
	    "relay = { path = \"/opt/nprelay.exe\"; cwd = \"/srv\"; };\n"
	    "routes = (\n"
	    "  { name = \"docker.1_x-Y\";\n"
	    "    listen = { path = \"~/d.sock\"; mode = \"660\"; group = \"0\"; };\n"
	    "    pipe = \"//./pipe/docker_engine\";\n"
	    "    relay_args = [ \"-ep\", \"-s\" ];\n"
	    "    relay = { path = \"${NPR_TEST_DIR}/r.exe\"; };\n"
	    "    adapter = { name = \"raw\"; };\n"
	    "    mode = \"spawn\";\n"
	    "    max_connections = 12;\n"
	    "  },\n"
	    "  { name = \"b\"; listen = { path = \"/tmp/b\"; mode = \"0777\"; };\n"
	    "    pipe = \"//./pipe/b\"; relay = { cwd = \"/\"; }; relay_args = ( ); },\n"
	    "  { name = \"c\"; listen = { path = \"/tmp/c\"; }; pipe = \"p\";\n"
	    "    relay = { path = \"/usr/bin/socat\"; }; relay_args = ( \"-\", \"x y\" ); }\n"
	    ");\n");
	cfg = load_ok("main.conf");
	assert_string_equal(cfg->plugin_dir, "/home/npr/plugins");
	assert_int_equal(cfg->shutdown_timeout, 30);
	assert_string_equal(cfg->relay.path, "/opt/nprelay.exe");
	assert_string_equal(cfg->relay.cwd, "/srv");
	assert_int_equal(cfg->nroutes, 3);

	r = &cfg->routes[0];
	assert_string_equal(r->name, "docker.1_x-Y");
	assert_int_equal(r->line, 5);
	assert_string_equal(r->listen_path, "/home/npr/d.sock");
	assert_int_equal(r->listen_mode, 0660);
	assert_int_equal(r->has_group, 1);
	assert_int_equal(r->listen_gid, 0);
	assert_int_equal(r->relay_nargs, 2);
	assert_string_equal(r->relay_args[0], "-ep");
	assert_string_equal(r->relay_args[1], "-s");
	assert_null(r->relay_args[2]);
	/* The route's relay.path wins; cwd still comes from the global. */
	assert_string_equal(r->relay.path, "/tmp/npr-test/r.exe");
	assert_string_equal(r->relay.cwd, "/srv");
	assert_string_equal(r->adapter, "raw");
	assert_non_null(r->adapter_setting);
	assert_int_equal(r->mode, ROUTE_MODE_SPAWN);
	assert_int_equal(r->max_connections, 12);

	r = &cfg->routes[1];
	assert_int_equal(r->listen_mode, 0777);
	assert_string_equal(r->relay.path, "/opt/nprelay.exe");
	assert_string_equal(r->relay.cwd, "/");
	assert_int_equal(r->relay_nargs, 0);
	assert_null(r->relay_args[0]);

	r = &cfg->routes[2];
	assert_string_equal(r->relay.path, "/usr/bin/socat");
	assert_string_equal(r->relay_args[1], "x y");
	config_free(cfg);
}

/*
 * A route's pipe as nprelay.exe takes it: either slash, "pipe" in any
 * case, characters Windows forbids in file names but not in pipe names,
 * a remote pipe with --allow-remote, a drive path with -a; kept as
 * written. Another relay's pipe is its own business.
 */
static void
test_pipe_names(void **state)
{
	struct config *cfg = NULL;

	write_file("main.conf",
	    NPRELAY
	    "routes = (\n"
	    "  { name = \"bs\"; listen = { path = \"/tmp/a\"; };\n"
	    "    pipe = \"\\\\\\\\.\\\\pipe\\\\docker_engine\"; },\n"
	    "  { name = \"fs\"; listen = { path = \"/tmp/b\"; };\n"
	    "    pipe = \"//./PIPE/a<b>:|?*\\\"c/d\"; },\n"
	    "  { name = \"remote\"; listen = { path = \"/tmp/c\"; };\n"
	    "    pipe = \"//host/pipe/x\";\n"
	    "    relay_args = [ \"-l\", \"5\", \"--allow-remote\" ]; },\n"
	    "  { name = \"assuan\"; listen = { path = \"/tmp/d\"; };\n"
	    "    pipe = \"C:\\\\Users\\\\me\\\\S.gpg-agent\"; relay_args = [ \"-a\" ]; },\n"
	    "  { name = \"socat\"; listen = { path = \"/tmp/e\"; };\n"
	    "    pipe = \"UNIX-CONNECT:/tmp/x\"; relay = { path = \"/usr/bin/socat\"; }; },\n"
	    "  { name = \"npiperelay\"; listen = { path = \"/tmp/f\"; };\n"
	    "    pipe = \"//host/pipe/x\"; relay = { path = \"/opt/npiperelay.exe\"; }; }\n"
	    ");\n");
	cfg = load_ok("main.conf");
	assert_int_equal(cfg->nroutes, 6);
	assert_string_equal(cfg->routes[0].pipe, "\\\\.\\pipe\\docker_engine");
	assert_string_equal(cfg->routes[1].pipe, "//./PIPE/a<b>:|?*\"c/d");
	assert_string_equal(cfg->routes[2].pipe, "//host/pipe/x");
	assert_string_equal(cfg->routes[3].pipe, "C:\\Users\\me\\S.gpg-agent");
	assert_string_equal(cfg->routes[4].pipe, "UNIX-CONNECT:/tmp/x");
	config_free(cfg);
}

/* One user gets half a route's slots unless told otherwise; idle_timeout
 * is off unless set. */
static void
test_connection_limits(void **state)
{
	struct config *cfg = NULL;

	write_file("main.conf",
	    "relay = { path = \"/bin/cat\"; };\n"
	    "routes = (\n"
	    "  { name = \"dflt\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\"; },\n"
	    "  { name = \"five\"; listen = { path = \"/tmp/b\"; }; pipe = \"p\";\n"
	    "    max_connections = 5; },\n"
	    "  { name = \"one\"; listen = { path = \"/tmp/c\"; }; pipe = \"p\";\n"
	    "    max_connections = 1; idle_timeout = 0; },\n"
	    "  { name = \"set\"; listen = { path = \"/tmp/d\"; }; pipe = \"p\";\n"
	    "    max_connections_per_uid = 10; max_connections = 10;\n"
	    "    idle_timeout = 31622400; }\n"
	    ");\n");
	cfg = load_ok("main.conf");
	assert_int_equal(cfg->nroutes, 4);
	assert_int_equal(cfg->routes[0].max_connections_per_uid, 128);
	assert_int_equal(cfg->routes[0].idle_timeout, 0);
	assert_int_equal(cfg->routes[1].max_connections_per_uid, 3);
	assert_int_equal(cfg->routes[2].max_connections_per_uid, 1);
	assert_int_equal(cfg->routes[2].idle_timeout, 0);
	assert_int_equal(cfg->routes[3].max_connections, 10);
	assert_int_equal(cfg->routes[3].max_connections_per_uid, 10);
	assert_int_equal(cfg->routes[3].idle_timeout, 31622400);
	config_free(cfg);
}

/* The adapter group stays readable for adapters with options. */
static void
test_adapter_setting_kept(void **state)
{
	struct config *cfg = NULL;
	const config_setting_t *s = NULL;

	write_file("main.conf", ROUTE_WITH("  adapter = { name = \"raw\"; };\n"));
	cfg = load_ok("main.conf");
	s = (const config_setting_t *)cfg->routes[0].adapter_setting;
	assert_non_null(s);
	assert_true(config_setting_is_group(s));
	assert_string_equal(config_setting_source_file(s), "main.conf");
	assert_int_equal(config_setting_source_line(s), 6);
	assert_string_equal(config_setting_get_string(
	    config_setting_get_member(s, "name")), "raw");
	config_free(cfg);
}

static void
test_plugin_dir_env(void **state)
{
	struct config *cfg = NULL;

	write_file("main.conf", "plugin_dir = \"/from/config\";\n" ROUTE_WITH(""));
	setenv("NPIPEROUTER_PLUGIN_DIR", "/from/env", 1);
	cfg = load_ok("main.conf");
	assert_string_equal(cfg->plugin_dir, "/from/env");
	config_free(cfg);

	setenv("NPIPEROUTER_PLUGIN_DIR", "", 1);
	cfg = load_ok("main.conf");
	assert_string_equal(cfg->plugin_dir, "/from/config");
	config_free(cfg);

	unsetenv("NPIPEROUTER_PLUGIN_DIR");
	write_file("main.conf", ROUTE_WITH(""));
	setenv("NPIPEROUTER_PLUGIN_DIR", "/from/env", 1);
	cfg = load_ok("main.conf");
	assert_string_equal(cfg->plugin_dir, "/from/env");
	config_free(cfg);
	unsetenv("NPIPEROUTER_PLUGIN_DIR");
}

static void
test_group_by_name_and_number(void **state)
{
	struct config *cfg = NULL;
	struct group *gr = getgrgid(getgid());
	char text[512];

	assert_non_null(gr);
	snprintf(text, sizeof text,
	    "relay = { path = \"/bin/cat\"; };\n"
	    "routes = (\n"
	    "  { name = \"a\"; listen = { path = \"/tmp/a\"; group = \"root\"; }; pipe = \"p\"; },\n"
	    "  { name = \"b\"; listen = { path = \"/tmp/b\"; group = \"0\"; }; pipe = \"p\"; },\n"
	    "  { name = \"c\"; listen = { path = \"/tmp/c\"; group = \"%s\"; }; pipe = \"p\"; },\n"
	    "  { name = \"d\"; listen = { path = \"/tmp/d\"; group = \"%u\"; }; pipe = \"p\"; },\n"
	    "  { name = \"e\"; listen = { path = \"/tmp/e\"; group = \"54321\"; }; pipe = \"p\"; }\n"
	    ");\n", gr->gr_name, (unsigned)getgid());
	write_file("main.conf", text);
	cfg = load_ok("main.conf");
	assert_int_equal(cfg->nroutes, 5);
	assert_true(cfg->routes[0].has_group);
	assert_int_equal(cfg->routes[0].listen_gid, 0);
	assert_int_equal(cfg->routes[1].listen_gid, 0);
	assert_int_equal(cfg->routes[2].listen_gid, getgid());
	assert_int_equal(cfg->routes[3].listen_gid, getgid());
	/* A number needs no name: containers and NFS have such groups. */
	assert_true(cfg->routes[4].has_group);
	assert_int_equal(cfg->routes[4].listen_gid, 54321);
	config_free(cfg);
}

/* ---- drop-ins ---- */

static void
test_allow_lists(void **state)
{
	struct config *cfg = NULL;

	write_file("main.conf",
	    "relay = { path = \"/bin/cat\"; };\n"
	    "routes = (\n"
	    "  { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\";\n"
	    "    allow_uids = ( \"root\", 1000 ); allow_groups = [ \"root\" ]; },\n"
	    "  { name = \"b\"; listen = { path = \"/tmp/b\"; }; pipe = \"p\"; }\n"
	    ");\n");
	cfg = load_ok("main.conf");
	assert_int_equal(cfg->routes[0].nallow_uids, 2);
	assert_int_equal(cfg->routes[0].allow_uids[0], 0);
	assert_int_equal(cfg->routes[0].allow_uids[1], 1000);
	assert_int_equal(cfg->routes[0].nallow_gids, 1);
	assert_int_equal(cfg->routes[0].allow_gids[0], 0);
	/* No list: every peer the socket mode lets in. */
	assert_int_equal(cfg->routes[1].nallow_uids, 0);
	assert_int_equal(cfg->routes[1].nallow_gids, 0);
	config_free(cfg);
}

static void
test_dropins_merge_in_order(void **state)
{
	static const char *const names[] = { "m", "b", "c", "z" };
	static const char *const files[] = { "main.conf", "routes.d/10-b.conf",
		"routes.d/20-c.conf", "routes.d/Z.conf" };
	struct config *cfg = NULL;
	size_t i;

	write_file("main.conf",
	    "relay = { path = \"/bin/cat\"; cwd = \"/srv\"; };\n"
	    "routes = ( { name = \"m\"; listen = { path = \"/tmp/m\"; }; pipe = \"p\"; } );\n");
	write_file("routes.d/20-c.conf",
	    "routes = ( { name = \"c\"; listen = { path = \"/tmp/c\"; }; pipe = \"p\"; } );\n");
	write_file("routes.d/10-b.conf",
	    "# b\n"
	    "routes = ( { name = \"b\"; listen = { path = \"/tmp/b\"; }; pipe = \"p\";\n"
	    "  relay = { path = \"/bin/b\"; }; } );\n");
	/* Byte order, not the locale's: "Z" sorts before "e". */
	write_file("routes.d/Z.conf",
	    "routes = ( { name = \"z\"; listen = { path = \"/tmp/z\"; }; pipe = \"p\"; } );\n");
	write_file("routes.d/empty.conf", "");
	/* None of these is read: each would be an error if it were. */
	write_file("routes.d/.hidden.conf", "garbage");
	write_file("routes.d/notes.txt", "garbage");
	write_file("routes.d/old.conf.bak", "garbage");
	write_file("routes.d/.conf", "garbage");
	assert_int_equal(mkdir("routes.d/dir.conf", 0755), 0);

	cfg = load_ok("main.conf");
	assert_int_equal(cfg->nroutes, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(cfg->routes[i].name, names[i]);
		assert_string_equal(cfg->routes[i].file, files[i]);
	}
	assert_int_equal(cfg->routes[1].line, 2);
	/* Drop-ins inherit the main file's global relay. */
	assert_string_equal(cfg->routes[1].relay.path, "/bin/b");
	assert_string_equal(cfg->routes[1].relay.cwd, "/srv");
	assert_string_equal(cfg->routes[2].relay.path, "/bin/cat");
	config_free(cfg);
}

static void
test_dropins_only(void **state)
{
	struct fixture *f = *state;
	struct config *cfg = NULL;
	char main_path[PATH_MAX + 16], want[PATH_MAX + 32];

	write_file("main.conf", "relay = { path = \"/bin/cat\"; };\n");
	write_file("routes.d/a.conf",
	    "routes = ( { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\"; } );\n");
	/* Found beside the main file, not in the working directory. */
	snprintf(main_path, sizeof main_path, "%s/main.conf", f->dir);
	snprintf(want, sizeof want, "%s/routes.d/a.conf", f->dir);
	assert_int_equal(chdir("/"), 0);
	cfg = load_ok(main_path);
	assert_int_equal(cfg->nroutes, 1);
	assert_string_equal(cfg->routes[0].file, want);
	config_free(cfg);
}

static void
test_include_beside_main(void **state)
{
	struct config *cfg = NULL;

	assert_int_equal(mkdir("sub", 0755), 0);
	write_file("sub/relay.inc", "relay = { path = \"/bin/cat\"; };\n");
	write_file("sub/main.conf", "@include \"relay.inc\"\n"
	    "routes = ( { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\"; } );\n");
	cfg = load_ok("sub/main.conf");
	assert_string_equal(cfg->routes[0].relay.path, "/bin/cat");
	config_free(cfg);
}

/* libconfig opens @include files itself: they are checked first, the
 * same way, at any depth (a FIFO hung it, /proc/self/mem made it exit). */
static void
test_include_checked(void **state)
{
	static const char *const fifo[] = {
		"sub/main.conf:2: @include \"sub//fifo.inc\": cannot read: a FIFO; "
		"only regular files are read",
	};
	static const char *const mem[] = {
		"sub//a.inc:1: @include \"sub//mem.inc\": cannot read: "
		"Input/output error",
	};
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;

	assert_int_equal(mkdir("sub", 0755), 0);
	assert_int_equal(mkfifo("sub/fifo.inc", 0644), 0);
	write_file("sub/main.conf", "relay = { path = \"/bin/cat\"; };\n"
	    "  @include \"fifo.inc\"\n"
	    "routes = ( { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\"; } );\n");
	assert_int_equal(config_load("sub/main.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, fifo);
	config_errors_free(&errs);

	assert_int_equal(symlink("/proc/self/mem", "sub/mem.inc"), 0);
	write_file("sub/a.inc", "@include \"mem.inc\"\n");
	write_file("sub/main.conf", "@include \"a.inc\"\n"
	    "routes = ( { name = \"a\"; listen = { path = \"/tmp/a\"; }; pipe = \"p\"; } );\n");
	assert_int_equal(config_load("sub/main.conf", &cfg, &errs), -1);
	expect_errors(&errs, 1, mem);
	config_errors_free(&errs);
}

/* ---- the summary line of `npiperouter check` ---- */

/* An exposed route: its pipe as written (either spelling), its DACL,
 * its connect path expanded, and how `check` lists it. */
static void
test_exposed_route(void **state)
{
	struct config *cfg = NULL;
	const struct route_conf *r;
	char buf[512];

	write_file("main.conf",
	    "relay = { path = \"/mnt/c/x/nprelay.exe\"; };\n"
	    "routes = (\n"
	    "  { name = \"podman\";\n"
	    "    expose = { pipe = \"//./pipe/podman-wsl\"; };\n"
	    "    connect = \"${NPR_TEST_DIR}/podman.sock\";\n"
	    "    adapter = { name = \"raw\"; }; },\n"
	    "  { name = \"agent\"; mode = \"mux\"; max_connections = 9;\n"
	    "    expose = { pipe = \"\\\\\\\\.\\\\pipe\\\\agent\"; sddl = \"D:P(A;;GA;;;WD)\"; };\n"
	    "    connect = \"/run/a.sock\"; idle_timeout = 60; }\n"
	    ");\n");
	cfg = load_ok("main.conf");
	assert_int_equal(cfg->nroutes, 2);
	r = &cfg->routes[0];
	assert_string_equal(r->expose_pipe, "//./pipe/podman-wsl");
	assert_null(r->expose_sddl);
	assert_string_equal(r->connect_path, "/tmp/npr-test/podman.sock");
	assert_null(r->listen_path);
	assert_null(r->pipe);
	assert_int_equal(r->mode, ROUTE_MODE_AUTO);
	config_route_summary(r, buf, sizeof buf);
	assert_string_equal(buf, "podman: //./pipe/podman-wsl (exposed) -> "
	    "/tmp/npr-test/podman.sock via /mnt/c/x/nprelay.exe [adapter raw, "
	    "auto, max 256]");
	r = &cfg->routes[1];
	assert_string_equal(r->expose_pipe, "\\\\.\\pipe\\agent");
	assert_string_equal(r->expose_sddl, "D:P(A;;GA;;;WD)");
	assert_int_equal(r->idle_timeout, 60);
	config_route_summary(r, buf, sizeof buf);
	assert_string_equal(buf, "agent: \\\\.\\pipe\\agent (exposed, own "
	    "sddl) -> /run/a.sock via /mnt/c/x/nprelay.exe [adapter raw, mux, "
	    "max 9]");
	config_free(cfg);
}

static void
test_summary(void **state)
{
	struct config *cfg = NULL;
	char buf[512];

	write_file("main.conf",
	    "relay = { path = \"/mnt/c/x/nprelay.exe\"; };\n"
	    "routes = (\n"
	    "  { name = \"docker\";\n"
	    "    listen = { path = \"/tmp/npr-d.sock\"; mode = \"0660\"; group = \"root\"; };\n"
	    "    pipe = \"//./pipe/docker_engine\"; relay_args = [ \"-ep\", \"-s\" ]; },\n"
	    "  { name = \"b\"; listen = { path = \"/tmp/b\"; group = \"54321\"; };\n"
	    "    pipe = \"p\"; relay = { path = \"/bin/cat\"; };\n"
	    "    relay_args = [ \"a b\", \"\" ]; max_connections = 3; }\n"
	    ");\n");
	cfg = load_ok("main.conf");
	config_route_summary(&cfg->routes[0], buf, sizeof buf);
	assert_string_equal(buf, "docker: /tmp/npr-d.sock (mode 0660, group "
	    "root) -> //./pipe/docker_engine via /mnt/c/x/nprelay.exe -ep -s "
	    "[adapter raw, auto, max 256]");
	config_route_summary(&cfg->routes[1], buf, sizeof buf);
	assert_string_equal(buf, "b: /tmp/b (mode 0600, group 54321) -> p via "
	    "/bin/cat \"a b\" \"\" [adapter raw, auto, max 3]");

	/* Cut short, never overrun, always terminated. */
	memset(buf, 'X', sizeof buf);
	config_route_summary(&cfg->routes[0], buf, 10);
	assert_string_equal(buf, "docker: /");
	assert_int_equal(buf[10], 'X');
	config_route_summary(&cfg->routes[0], buf, 1);
	assert_string_equal(buf, "");
	config_free(cfg);
}

/* ---- default file locations ---- */

/* Returns the number of mismatches, printed. */
static int
check_user_paths(void)
{
	static const struct {
		const char *xdg, *home, *want;
	} cases[] = {
		{ "/x/cfg", "/home/u", "/x/cfg/npiperouter/npiperouter.conf" },
		{ NULL, "/home/u", "/home/u/.config/npiperouter/npiperouter.conf" },
		/* The XDG spec says to ignore a relative or empty value. */
		{ "rel", "/home/u", "/home/u/.config/npiperouter/npiperouter.conf" },
		{ "", "/home/u", "/home/u/.config/npiperouter/npiperouter.conf" },
	};
	struct passwd *pw = getpwuid(getuid());
	char want[PATH_MAX + 64];
	char *p = NULL;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].xdg != NULL)
			setenv("XDG_CONFIG_HOME", cases[i].xdg, 1);
		else
			unsetenv("XDG_CONFIG_HOME");
		setenv("HOME", cases[i].home, 1);
		p = config_default_path();
		if (p == NULL || strcmp(p, cases[i].want) != 0) {
			print_error("default path: want %s, got %s\n", cases[i].want,
			    p != NULL ? p : "NULL");
			bad++;
		}
		free(p);
	}
	/* Without $HOME, the password database knows. */
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	snprintf(want, sizeof want, "%s/.config/npiperouter/npiperouter.conf",
	    pw != NULL ? pw->pw_dir : "?");
	p = config_default_path();
	if (p == NULL || strcmp(p, want) != 0) {
		print_error("default path: want %s, got %s\n", want,
		    p != NULL ? p : "NULL");
		bad++;
	}
	free(p);
	return bad;
}

static void
test_default_path(void **state)
{
	char *p = NULL;
	pid_t pid;
	int status;

	if (getuid() != 0) {
		assert_int_equal(check_user_paths(), 0);
		return;
	}
	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	p = config_default_path();
	assert_non_null(p);
	assert_string_equal(p, "/etc/npiperouter/npiperouter.conf");
	free(p);

	/* The user case needs a user: become "nobody" in a child. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(100);
		_exit(check_user_paths() == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		fail_msg("cannot become uid 65534 to test the user's default path");
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- the examples a user copies ---- */

static void
load_example(const char *name, size_t nroutes, const char *const *summaries)
{
	struct config *cfg = NULL;
	char path[PATH_MAX], buf[512];
	size_t i;

	snprintf(path, sizeof path, "%s/etc/%s", NPR_SOURCE_DIR, name);
	cfg = load_ok(path);
	assert_int_equal(cfg->nroutes, nroutes);
	for (i = 0; i < nroutes; i++) {
		config_route_summary(&cfg->routes[i], buf, sizeof buf);
		assert_string_equal(buf, summaries[i]);
	}
	config_free(cfg);
}

static void
test_examples(void **state)
{
	/* No relay.path: the relay installed with npiperouter. */
	static const char *const minimal[] = {
		"docker: /run/user/1000/docker.sock (mode 0600) -> "
		"//./pipe/docker_engine via " NPR_RELAY_PATH " -ep -s -p "
		"[adapter raw, auto, max 256]",
		"ssh-agent: /run/user/1000/ssh-agent.sock (mode 0600) -> "
		"//./pipe/openssh-ssh-agent via " NPR_RELAY_PATH " -ei -s -p "
		"[adapter raw, auto, max 256]",
	};
	static const char *const full[] = {
		"docker: /run/user/1000/docker.sock (mode 0600) -> "
		"//./pipe/docker_engine via /mnt/c/Tools/nprelay.exe -ep -s "
		"[adapter raw, auto, max 256]",
		"ssh-agent: /run/user/1000/ssh-agent.sock (mode 0600) -> "
		"//./pipe/openssh-ssh-agent via /mnt/c/Tools/npiperelay.exe -ei -s "
		"[adapter raw, auto, max 256]",
	};

	/* What a login session (systemd or WSL) provides. */
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	unsetenv("NPIPEROUTER_RELAY");
	load_example("npiperouter.conf", 2, minimal);
	load_example("npiperouter-full.conf", 2, full);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)

int
main(void)
{
	const struct CMUnitTest fixed[] = {
		TEST(test_errors_everywhere_in_one_run),
		TEST(test_errors_are_appended),
		TEST(test_unreadable_files),
		TEST(test_only_regular_files),
		TEST(test_file_limits),
		TEST(test_defaults),
		TEST(test_every_setting),
		TEST(test_pipe_names),
		TEST(test_connection_limits),
		TEST(test_adapter_setting_kept),
		TEST(test_plugin_dir_env),
		TEST(test_group_by_name_and_number),
		TEST(test_allow_lists),
		TEST(test_dropins_merge_in_order),
		TEST(test_dropins_only),
		TEST(test_include_beside_main),
		TEST(test_include_checked),
		TEST(test_summary),
		TEST(test_exposed_route),
		TEST(test_default_path),
		TEST(test_examples),
	};
	size_t nbad = sizeof bad_cases / sizeof bad_cases[0];
	size_t nfixed = sizeof fixed / sizeof fixed[0], i;
	struct CMUnitTest *tests = calloc(nbad + nfixed, sizeof *tests);
	int rc;

	if (tests == NULL)
		return 1;
	/* One test per broken config, named after it, so a failure says which. */
	for (i = 0; i < nbad; i++) {
		tests[i].name = bad_cases[i].what;
		tests[i].test_func = test_bad_config;
		tests[i].setup_func = setup_dir;
		tests[i].teardown_func = teardown_dir;
		tests[i].initial_state = (void *)&bad_cases[i];
	}
	memcpy(tests + nbad, fixed, sizeof fixed);
	rc = _cmocka_run_group_tests("config", tests, nbad + nfixed, NULL, NULL);
	free(tests);
	return rc;
}
