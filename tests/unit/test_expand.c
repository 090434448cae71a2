/* expand_path(): "~", "~user" and "${VAR}" in configured paths. */
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

#include "expand.h"

/* Expand IN and compare with WANT; on failure show the reason. */
static void
expect_ok(const char *in, const char *want)
{
	char err[256] = "";
	char *out = expand_path(in, err, sizeof err);

	if (out == NULL)
		fail_msg("expand_path(\"%s\") failed: %s", in, err);
	assert_string_equal(out, want);
	free(out);
}

static void
expect_err(const char *in, const char *want)
{
	char err[256] = "";
	char *out = expand_path(in, err, sizeof err);

	if (out != NULL) {
		free(out);
		fail_msg("expand_path(\"%s\") succeeded", in);
	}
	assert_string_equal(err, want);
}

static int
setup_env(void **state)
{
	setenv("HOME", "/home/tester", 1);
	setenv("NPR_A", "alpha", 1);
	setenv("NPR_B", "beta", 1);
	setenv("NPR_EMPTY", "", 1);
	unsetenv("NPR_UNSET");
	return 0;
}

static void
test_plain(void **state)
{
	expect_ok("/var/run/docker.sock", "/var/run/docker.sock");
	expect_ok("relative/path", "relative/path");
	expect_ok("", "");
}

static void
test_tilde(void **state)
{
	expect_ok("~", "/home/tester");
	expect_ok("~/", "/home/tester/");
	expect_ok("~/x/y.sock", "/home/tester/x/y.sock");
	/* Only a leading "~" is special, as in a shell. */
	expect_ok("/a/~/b", "/a/~/b");
	expect_ok("a~", "a~");
}

static void
test_tilde_without_home(void **state)
{
	struct passwd *pw = getpwuid(getuid());
	char want[4096];

	assert_non_null(pw);
	snprintf(want, sizeof want, "%s/s", pw->pw_dir);
	unsetenv("HOME");
	expect_ok("~/s", want);
	setenv("HOME", "", 1);
	expect_ok("~/s", want);
}

static void
test_tilde_user(void **state)
{
	struct passwd *pw = getpwnam("root");
	char want[4096];

	assert_non_null(pw);
	snprintf(want, sizeof want, "%s/x", pw->pw_dir);
	expect_ok("~root/x", want);
	expect_err("~npr-no-such-user/x", "~npr-no-such-user: no such user");
}

static void
test_vars(void **state)
{
	expect_ok("${NPR_A}", "alpha");
	expect_ok("/run/${NPR_A}/x.sock", "/run/alpha/x.sock");
	expect_ok("${NPR_A}${NPR_B}", "alphabeta");
	expect_ok("/${NPR_A}/${NPR_B}/${NPR_A}", "/alpha/beta/alpha");
	expect_ok("~/${NPR_B}", "/home/tester/beta");
}

static void
test_vars_errors(void **state)
{
	expect_err("/run/${NPR_UNSET}/x", "${NPR_UNSET} is not set");
	expect_err("${NPR_EMPTY}/x", "${NPR_EMPTY} is empty");
	/* The first problem is the one reported. */
	expect_err("${NPR_A}/${NPR_UNSET}/${NPR_EMPTY}", "${NPR_UNSET} is not set");
	expect_err("/run/${NPR_A", "unterminated \"${\"");
	expect_err("${", "unterminated \"${\"");
	expect_err("/x/${}", "\"${}\" is not a valid variable name");
	expect_err("/x/${1A}", "\"${1A}\" is not a valid variable name");
	expect_err("/x/${A-B}", "\"${A-B}\" is not a valid variable name");
}

static void
test_literal_dollar(void **state)
{
	/* Only ${VAR} expands; a "$" alone is a valid path character. */
	expect_ok("/x/$NPR_A", "/x/$NPR_A");
	expect_ok("/x/$", "/x/$");
	expect_ok("$$/a$b", "$$/a$b");
	expect_ok("/x/$/${NPR_A}$", "/x/$/alpha$");
}

static void
test_small_error_buffer(void **state)
{
	char err[8];

	assert_null(expand_path("${NPR_UNSET}", err, sizeof err));
	assert_string_equal(err, "${NPR_U");
	assert_null(expand_path("${NPR_UNSET}", NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain, setup_env),
		cmocka_unit_test_setup(test_tilde, setup_env),
		cmocka_unit_test_setup(test_tilde_without_home, setup_env),
		cmocka_unit_test_setup(test_tilde_user, setup_env),
		cmocka_unit_test_setup(test_vars, setup_env),
		cmocka_unit_test_setup(test_vars_errors, setup_env),
		cmocka_unit_test_setup(test_literal_dollar, setup_env),
		cmocka_unit_test_setup(test_small_error_buffer, setup_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
