/*
 * doctor, on the relay copy npiperouter keeps on the Windows drive (a
 * fake WSL root whose wsl.conf mounts the drives below it): shown as
 * ours while it is the installed relay's, warned about once the
 * installed relay changed; a relay on the Linux file system is pointed at
 * the copy. And the JSON reader that reads the docker CLI's files.
 */
#include <errno.h>
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

#include "config.h"
#include "doctor.h"
#include "relay_install.h"
#include "scratch.h"
#include "version.h"

static char root[256];

static const char *
at(const char *rel)
{
	return scratch_at(root, rel);
}

/* Write CONTENT to ROOT/REL, creating the folders. */
static void
put(const char *rel, const char *content, mode_t mode)
{
	scratch_put(root, rel, content, mode);
}

static void
run(const char *relay, char **out)
{
	struct doctor_opts opts = { root, 1000, NULL };
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	char conf[1024];
	size_t len = 0;
	FILE *f = open_memstream(out, &len);

	assert_non_null(f);
	snprintf(conf, sizeof conf, "relay = { path = \"%s\"; };\n"
	    "routes = ( { name = \"r\"; pipe = \"//./pipe/p\";\n"
	    "  listen = { path = \"%s\"; }; } );\n", relay, at("r.sock"));
	put("r.conf", conf, 0644);
	if (config_load(at("r.conf"), &cfg, &errs) != 0)
		fail_msg("config: %s", errs.n > 0 ? errs.lines[0] : "?");
	(void)doctor_run_opts(&opts, cfg, at("r.conf"), f);
	fclose(f);
	config_free(cfg);
	print_message("%s", *out);
}

/* The copy relay_install.c would make of CONTENT, below the fake drive. */
static const char *
copy_of(const char *content)
{
	static char rel[256];
	char name[96];

	relay_install_name(content, strlen(content), name, sizeof name);
	snprintf(rel, sizeof rel,
	    "mnt/c/Users/me/AppData/Local/npiperouter/%s", name);
	put(rel, content, 0755);
	return rel;
}

static void
test_relay_copy(void **state)
{
	char *out = NULL, want[1024];
	const char *copy = NULL;

	put("pkg/nprelay.exe", "MZ relay v1", 0755);
	setenv("NPIPEROUTER_RELAY", at("pkg/nprelay.exe"), 1);
	copy = copy_of("MZ relay v1");

	/* The installed relay's copy: shown as ours. */
	run(at(copy), &out);
	snprintf(want, sizeof want, "ok    relay %s (npiperouter's copy of "
	    "%s, kept on the Windows drive)", at(copy), at("pkg/nprelay.exe"));
	assert_non_null(strstr(out, want));
	free(out);

	/* The installed relay changed (an upgrade): the copy is outdated. */
	put("pkg/nprelay.exe", "MZ relay v2", 0755);
	run(at(copy), &out);
	snprintf(want, sizeof want, "warn  relay %s is an outdated copy (%s) "
	    "of npiperouter's relay, now %s (", at(copy), NPR_VERSION,
	    at("pkg/nprelay.exe"));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "): remove relay.path from the config so "
	    "that npiperouter copies the new one and uses it, then restart "
	    "npiperouter"));
	free(out);

	/* A relay of another name there is just a relay. */
	put("mnt/c/Tools/nprelay.exe", "MZ tools", 0755);
	run(at("mnt/c/Tools/nprelay.exe"), &out);
	assert_non_null(strstr(out, "(a Windows program on a Windows drive)"));
	assert_null(strstr(out, "copy"));
	free(out);

	/* The installed relay itself, on the Linux file system. */
	run(at("pkg/nprelay.exe"), &out);
	assert_non_null(strstr(out, "is on the Linux file system: Windows "
	    "starts it seconds slower, once per connection; leave relay.path "
	    "unset so that npiperouter keeps a copy in "
	    "%LOCALAPPDATA%\\npiperouter"));
	free(out);
	unsetenv("NPIPEROUTER_RELAY");
}

static void
test_relay_missing_hint(void **state)
{
	char *out = NULL, want[512];

	/* A relay.path that is gone: the installed one is offered. */
	put("pkg/nprelay.exe", "MZ relay v1", 0755);
	setenv("NPIPEROUTER_RELAY", at("pkg/nprelay.exe"), 1);
	run(at("gone/nprelay.exe"), &out);
	unsetenv("NPIPEROUTER_RELAY");
	snprintf(want, sizeof want, ", or remove relay.path to use the one "
	    "that came with npiperouter (%s)", at("pkg/nprelay.exe"));
	assert_non_null(strstr(out, want));
	free(out);
}

static void
test_json(void **state)
{
	static const char *const ctx[] = { "currentContext", NULL };
	static const char *const host[] = { "Endpoints", "docker", "Host",
		NULL };
	char out[64], longkey[600];
	const char *t = NULL;

#define GET(text, keys) doctor_json_get(text, strlen(text), keys, out, \
    sizeof out)
	t = "{\"auths\": {\"x\": {\"auth\": \"a}b\\\"\"}}, \"n\": [1, 2.5e3, "
	    "true, null, {\"currentContext\": \"no\"}],\n"
	    "\"currentContext\" : \"desk\\u0074op\\/x\"}";
	assert_int_equal(GET(t, ctx), 0);
	assert_string_equal(out, "desktop/x");
	t = "{\"Name\": \"n\", \"Endpoints\": {\"docker\": {\"Host\": "
	    "\"unix:///a.sock\", \"SkipTLSVerify\": false}}}";
	assert_int_equal(GET(t, host), 0);
	assert_string_equal(out, "unix:///a.sock");
	/* Missing, or not a string. */
	assert_int_equal(GET("{}", ctx), 1);
	assert_int_equal(GET("{\"currentContext\": 5}", ctx), 1);
	assert_int_equal(GET("{\"Endpoints\": {\"docker\": 1}}", host), 1);
	/* A key too long to be ours is skipped, not an error. */
	snprintf(longkey, sizeof longkey, "{\"%0500d\": 1, \"currentContext\": "
	    "\"c\"}", 0);
	assert_int_equal(GET(longkey, ctx), 0);
	assert_string_equal(out, "c");
	/* Broken text, a value longer than OUT, nesting past the limit. */
	assert_int_equal(GET("{\"currentContext\": \"x", ctx), -1);
	assert_int_equal(GET("{\"a\" 1}", ctx), -1);
	assert_int_equal(GET("[\"currentContext\"]", ctx), -1);
	assert_int_equal(GET("{\"currentContext\": \"0123456789012345678901234"
	    "5678901234567890123456789012345678901234567890\"}", ctx), -1);
	assert_int_equal(GET("{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], \"currentContext\": \"c\"}",
	    ctx), -1);
	assert_int_equal(GET("{\"currentContext\": \"a\x01\"}", ctx), -1);
#undef GET
}

static int
setup(void **state)
{
	char wslconf[600];

	if (scratch_make(root, sizeof root, "docrelay") != 0)
		return -1;
	/* WSL 2, its drives mounted below the fake root. */
	put("proc/sys/kernel/osrelease", "5.15.1-microsoft-standard-WSL2\n",
	    0644);
	put("proc/sys/fs/binfmt_misc/status", "enabled\n", 0644);
	put("proc/sys/fs/binfmt_misc/WSLInterop", "enabled\n", 0644);
	snprintf(wslconf, sizeof wslconf, "[automount]\nroot = %s/mnt/\n",
	    root);
	put("etc/wsl.conf", wslconf, 0644);
	return 0;
}

static int
teardown(void **state)
{
	return scratch_remove(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_missing_hint, setup,
		    teardown),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
