/*
 * The parsers and writers behind the built-in routes and `env`:
 * gpgconf's --list-dirs values, libconfig literals, the relay's --probe
 * answer, the shell lines, and `config --print` read back by the loader.
 * The whole path (relay, Wine, shells) is tests/adapters/zeroconf_wine.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "builtin.h"
#include "config.h"
#include "relay_probe.h"
#include "shellenv.h"

static void
test_gpgconf_value(void **state)
{
	const char *dirs = "sysconfdir:C%3a\\ProgramData\\GNU\\etc\\gnupg\n"
	    "agent-socket:C%3a\\Users\\J%25rg\\AppData\\Local\\gnupg\\S.gpg-agent\r\n"
	    "agent-extra-socket:C%3a\\Users\\me\\S.gpg-agent.extra\n"
	    "agent-ssh-socket:bad%3\n"
	    "agent-browser-socket:C%0a\\x\n";
	char out[256];

	(void)state;
	assert_int_equal(builtin_gpgconf_value(dirs, "agent-socket", out,
	    sizeof out), 0);
	assert_string_equal(out,
	    "C:\\Users\\J%rg\\AppData\\Local\\gnupg\\S.gpg-agent");
	assert_int_equal(builtin_gpgconf_value(dirs, "agent-extra-socket", out,
	    sizeof out), 0);
	assert_string_equal(out, "C:\\Users\\me\\S.gpg-agent.extra");
	/* A key is a whole key: "agent" is not "agent-socket". */
	assert_int_equal(builtin_gpgconf_value(dirs, "agent", out,
	    sizeof out), -1);
	assert_int_equal(builtin_gpgconf_value(dirs, "homedir", out,
	    sizeof out), -1);
	/* A cut escape, a control character, no room: refused. */
	assert_int_equal(builtin_gpgconf_value(dirs, "agent-ssh-socket", out,
	    sizeof out), -1);
	assert_int_equal(builtin_gpgconf_value(dirs, "agent-browser-socket",
	    out, sizeof out), -1);
	assert_int_equal(builtin_gpgconf_value(dirs, "agent-socket", out, 10),
	    -1);
	assert_int_equal(builtin_gpgconf_value("", "agent-socket", out,
	    sizeof out), -1);
	/* A CR inside a value is no line end: refused, not cut there (the
	 * route would name another file, "C:\\x"). */
	assert_int_equal(builtin_gpgconf_value("agent-socket:C%3a\\x\r"
	    "\\S.gpg-agent\n", "agent-socket", out, sizeof out), -1);
	/* Linux's gpgconf prints one value per key the same way. */
	assert_int_equal(builtin_gpgconf_value("agent-socket:/run/user/1000/"
	    "gnupg/S.gpg-agent", "agent-socket", out, sizeof out), 0);
	assert_string_equal(out, "/run/user/1000/gnupg/S.gpg-agent");
}

static void
test_quote(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(builtin_quote("C:\\Users\\a \"b\"", out, sizeof out),
	    0);
	assert_string_equal(out, "\"C:\\\\Users\\\\a \\\"b\\\"\"");
	assert_int_equal(builtin_quote("a\nb", out, sizeof out), -1);
	assert_int_equal(builtin_quote("abcdef", out, 7), -1);
	assert_int_equal(builtin_quote("", out, sizeof out), 0);
	assert_string_equal(out, "\"\"");
}

static void
test_probe_parse(void **state)
{
	const char *names[] = { "//./pipe/docker_engine",
		"//./pipe/openssh-ssh-agent", "C:\\x\\S.gpg-agent" };
	struct relay_probe_result res[3];
	char err[256];

	(void)state;
	assert_int_equal(relay_probe_parse(
	    "//./pipe/docker_engine\tpresent\t0\tpipe exists\n"
	    "//./pipe/openssh-ssh-agent\tabsent\t2\tno such pipe: x (error 2)\r\n"
	    "C:\\x\\S.gpg-agent\terror\t0\tassuan socket file has a 5-byte "
	    "nonce\n", names, 3, res, err, sizeof err), 0);
	assert_int_equal(res[0].state, RELAY_PROBE_PRESENT);
	assert_int_equal(res[0].code, 0);
	assert_string_equal(res[0].msg, "pipe exists");
	assert_int_equal(res[1].state, RELAY_PROBE_ABSENT);
	assert_int_equal(res[1].code, 2);
	assert_string_equal(res[1].msg, "no such pipe: x (error 2)");
	assert_int_equal(res[2].state, RELAY_PROBE_ERROR);

	/* The relay's words reach log lines: no control byte passes, in
	 * the message or in what an error quotes. */
	assert_int_equal(relay_probe_parse("//./pipe/docker_engine\tabsent\t2"
	    "\t\033]0;t\007\033[31mx\n", names, 1, res, err, sizeof err), 0);
	for (const char *p = res[0].msg; *p != '\0'; p++)
		assert_false((unsigned char)*p < 0x20 || *p == 0x7f);
	assert_non_null(strstr(res[0].msg, "31mx"));
	assert_int_equal(relay_probe_parse("//./pipe/docker_engine\t\033[2J"
	    "\t0\tok\n", names, 1, res, err, sizeof err), -1);
	for (const char *p = err; *p != '\0'; p++)
		assert_false((unsigned char)*p < 0x20 || *p == 0x7f);

	/* One line short, one too many, another name, unknown words. */
	assert_int_equal(relay_probe_parse(
	    "//./pipe/docker_engine\tpresent\t0\tok\n", names, 2, res, err,
	    sizeof err), -1);
	assert_string_equal(err, "the relay's --probe answered 1 line(s) for "
	    "2 name(s)");
	assert_int_equal(relay_probe_parse(
	    "//./pipe/docker_engine\tpresent\t0\tok\nmore\n", names, 1, res,
	    err, sizeof err), -1);
	assert_int_equal(relay_probe_parse(
	    "//./pipe/other\tpresent\t0\tok\n", names, 1, res, err,
	    sizeof err), -1);
	assert_string_equal(err, "the relay's --probe answer, line 1: a line "
	    "for another name than //./pipe/docker_engine");
	assert_int_equal(relay_probe_parse(
	    "//./pipe/docker_engine\there\t0\tok\n", names, 1, res, err,
	    sizeof err), -1);
	assert_int_equal(relay_probe_parse(
	    "//./pipe/docker_engine\tpresent\t-1\tok\n", names, 1, res, err,
	    sizeof err), -1);
	assert_int_equal(relay_probe_parse(
	    "//./pipe/docker_engine\tpresent\t0\n", names, 1, res, err,
	    sizeof err), -1);
	/* npiperelay.exe's usage text instead of an answer. */
	assert_int_equal(relay_probe_parse("Usage of npiperelay.exe:\n",
	    names, 1, res, err, sizeof err), -1);
}

static void
test_shell_lines(void **state)
{
	const char *v = "/run/a b/it's \"x\" $HOME \\n !1";
	char buf[512];

	(void)state;
	assert_int_equal(shellenv_line(SHELLENV_SH, "SSH_AUTH_SOCK", v, buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "SSH_AUTH_SOCK='/run/a b/it'\\''s \"x\" $HOME "
	    "\\n !1'; export SSH_AUTH_SOCK;\n");
	assert_int_equal(shellenv_line(SHELLENV_FISH, "SSH_AUTH_SOCK", v, buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "set -gx SSH_AUTH_SOCK '/run/a b/it\\'s \"x\" "
	    "$HOME \\\\n !1';\n");
	assert_int_equal(shellenv_line(SHELLENV_CSH, "SSH_AUTH_SOCK", v, buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "setenv SSH_AUTH_SOCK '/run/a b/it'\\''s \"x\" "
	    "$HOME \\n '\\!'1';\n");
	assert_int_equal(shellenv_line(SHELLENV_SH, "X", v, buf, 20), -1);
}

static void
test_shell_values(void **state)
{
	struct route_conf rc;
	enum shellenv_shell sh;
	char buf[64];

	(void)state;
	assert_int_equal(shellenv_value("DOCKER_HOST", "/r/d.sock", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "unix:///r/d.sock");
	assert_int_equal(shellenv_value("SSH_AUTH_SOCK", "/r/s.sock", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "/r/s.sock");
	/* No shell can take a line break in every quoting. */
	assert_int_equal(shellenv_value("X", "/r/a\nb", buf, sizeof buf), -1);

	memset(&rc, 0, sizeof rc);
	rc.adapter = (char *)"docker";
	assert_string_equal(shellenv_var(&rc), "DOCKER_HOST");
	rc.adapter = (char *)"ssh-agent";
	assert_string_equal(shellenv_var(&rc), "SSH_AUTH_SOCK");
	rc.adapter = (char *)"assuan";
	assert_null(shellenv_var(&rc));
	rc.env = (char *)"GPG_AGENT_SOCK";
	assert_string_equal(shellenv_var(&rc), "GPG_AGENT_SOCK");
	rc.adapter = (char *)"docker";
	rc.env = (char *)"";
	assert_null(shellenv_var(&rc));

	assert_int_equal(shellenv_parse("/usr/bin/fish", &sh), 0);
	assert_int_equal(sh, SHELLENV_FISH);
	assert_int_equal(shellenv_parse("-bash", &sh), 0);
	assert_int_equal(sh, SHELLENV_SH);
	assert_int_equal(shellenv_parse("tcsh", &sh), 0);
	assert_int_equal(sh, SHELLENV_CSH);
	assert_int_equal(shellenv_parse("powershell", &sh), -1);
	setenv("SHELL", "/bin/csh", 1);
	assert_int_equal(shellenv_detect(), SHELLENV_CSH);
	setenv("SHELL", "/opt/unknown", 1);
	assert_int_equal(shellenv_detect(), SHELLENV_SH);
	unsetenv("SHELL");
	assert_int_equal(shellenv_detect(), SHELLENV_SH);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static struct config *
load(const char *file)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;

	if (config_load(file, &cfg, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("error: %s\n", errs.lines[i]);
		config_errors_free(&errs);
		fail_msg("config_load(\"%s\") failed", file);
	}
	return cfg;
}

/* What `check` shows of a config, and each route's env. */
static char *
describe(const struct config *cfg)
{
	char *text = NULL, line[1024];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fprintf(f, "timeout %u\n", cfg->shutdown_timeout);
	for (size_t i = 0; i < cfg->nroutes; i++) {
		config_route_summary(&cfg->routes[i], line, sizeof line);
		fprintf(f, "%s env=%s\n", line, cfg->routes[i].env != NULL ?
		    cfg->routes[i].env : "(implied)");
	}
	assert_int_equal(fclose(f), 0);
	return text;
}

/* config --print of a main file and a drop-in reads back the same. */
static void
test_print_round_trip(void **state)
{
	char dir[] = "/tmp/npr-print-XXXXXX", path[256], *a = NULL, *b = NULL;
	struct config *cfg = NULL, *again = NULL;
	char err[256];
	FILE *f = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/main.conf", dir);
	write_text(path, "shutdown_timeout = 7;\n"
	    "relay = { path = \"/bin/cat\"; };\n"
	    "routes = ( { name = \"a\"; listen = { path = \"/tmp/x y/a\"; "
	    "mode = \"0660\"; };\n"
	    "  pipe = \"C:\\\\Users\\\\q\\\"s\\\"\\\\S.gpg-agent\";\n"
	    "  relay_args = [ \"-ei\", \"-a\" ]; max_connections = 9;\n"
	    "  env = \"GPG_SOCK\"; } );\n");
	snprintf(path, sizeof path, "%s/routes.d", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/routes.d/10-b.conf", dir);
	write_text(path, "routes = ( { name = \"b\"; listen = { path = "
	    "\"${NPR_TEST_DIR}/b\"; }; pipe = \"//./pipe/b\"; env = \"\"; "
	    "idle_timeout = 0x10; } );\n");
	setenv("NPR_TEST_DIR", "/tmp/npr-test", 1);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	cfg = load(path);

	snprintf(path, sizeof path, "%s/printed/main.conf", dir);
	snprintf(path, sizeof path, "%s/printed", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/printed/all.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(config_print(cfg, f, err, sizeof err), 0);
	assert_int_equal(fclose(f), 0);
	again = load(path);
	a = describe(cfg);
	b = describe(again);
	assert_string_equal(a, b);
	assert_int_equal(again->nroutes, 2);
	assert_string_equal(again->routes[1].listen_path, "/tmp/npr-test/b");
	free(a);
	free(b);
	config_free(cfg);
	config_free(again);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpgconf_value),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_probe_parse),
		cmocka_unit_test(test_shell_lines),
		cmocka_unit_test(test_shell_values),
		cmocka_unit_test(test_print_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
