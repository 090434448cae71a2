/*
 * interop: Windows programs run through the NPIPEROUTER_INTEROP_PREFIX
 * seam. "test_interop" runs interop's rules with shell scripts as the
 * prefix (argv, CRLF, UTF-16, output bound, timeout seam, exit status;
 * the runner's own rules are unit_capture's);
 * "test_interop wine" runs real cmd.exe and winepath under Wine (ctest's
 * wine fixture gives WINEPREFIX).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "capture.h"
#include "interop.h"
#include "scratch.h"

static char dir[256];

/* An executable script DIR/NAME with BODY after the #! line. */
static const char *
script(const char *name, const char *body)
{
	static char path[4][512];
	static int i;
	FILE *f = NULL;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	if ((f = fopen(path[i], "w")) == NULL)
		fail_msg("fopen %s: %s", path[i], strerror(errno));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path[i], 0755);
	return path[i];
}

static void
prefix(const char *p)
{
	setenv("NPIPEROUTER_INTEROP_PREFIX", p, 1);
}

/* Run "cmd.exe /c echo hi" through the prefix. */
static int
run_cmd(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *argv[] = { "cmd.exe", "/c", "echo hi", NULL };

	return interop_run(argv, out, outlen, err, errlen);
}

static void
test_prefix_gets_argv(void **state)
{
	char out[256], err[256] = "";

	/* The prefix's own words come first, then the Windows argv. */
	prefix(script("argv", "printf '%s|' \"$@\"; printf '\\r\\n\\r\\n'"));
	snprintf(out, sizeof out, "%s -x",
	    getenv("NPIPEROUTER_INTEROP_PREFIX"));
	prefix(out);
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), 0);
	/* CRLF became LF and every final newline went. */
	assert_string_equal(out, "-x|cmd.exe|/c|echo hi|");
	assert_true(interop_available());
}

static void
test_crlf(void **state)
{
	char out[256], err[256] = "";

	prefix(script("crlf", "printf 'a\\r\\nb\\rc\\r\\n\\r\\n'"));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), 0);
	/* A lone CR is data. */
	assert_string_equal(out, "a\nb\rc");
	prefix(script("crtail", "printf 'a\\r'"));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "a\r");
}

static void
test_utf16(void **state)
{
	const char *argv[] = { "cmd.exe", "/u", "/c", "echo", NULL };
	char out[64], err[256] = "";

	/* "Aé", U+1F600 as a surrogate pair, a lone surrogate, CRLF twice. */
	prefix(script("wide", "printf 'A\\000\\351\\000=\\330\\000\\336"
	    "\\000\\330\\r\\000\\n\\000\\r\\000\\n\\000'"));
	assert_int_equal(interop_run_utf16(argv, out, sizeof out, err,
	    sizeof err), 0);
	assert_string_equal(out, "A\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd");
	/* The bound holds for what it decodes to. */
	prefix(script("widebig", "i=0; while [ $i -lt 64 ]; do "
	    "printf 'x\\000'; i=$((i + 1)); done"));
	assert_int_equal(interop_run_utf16(argv, out, sizeof out, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "cmd.exe wrote more than 63 bytes"));
}

static void
test_output_bound(void **state)
{
	char out[64], err[256] = "";

	/* Exactly what fits, then one byte more. */
	prefix(script("fits", "printf '%063d\\r\\n' 0"));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), 0);
	assert_int_equal(strlen(out), 63);
	prefix(script("big", "printf '%064d' 0"));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "cmd.exe wrote more than 63 bytes"));
	assert_string_equal(out, "");
	/* A flood is cut off, not read to its end. */
	prefix(script("flood", "exec yes"));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "wrote more than"));
}

static void
test_timeout(void **state)
{
	char out[64], err[256] = "";

	/* NPIPEROUTER_INTEROP_TIMEOUT_MS bounds a hung program (that the
	 * whole group ends is the runner's rule: unit_capture). */
	prefix(script("hang", "sleep 300"));
	setenv("NPIPEROUTER_INTEROP_TIMEOUT_MS", "300", 1);
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), -1);
	unsetenv("NPIPEROUTER_INTEROP_TIMEOUT_MS");
	assert_non_null(strstr(err, "cmd.exe did not finish within 300 ms"));
}

static void
test_exit_status(void **state)
{
	char out[64], err[512] = "";
	const char *argv[] = { "no-such-program.exe", NULL };

	prefix(script("fails", "echo noise >&2; echo 'the reason\r' >&2; "
	    "echo '  ' >&2; exit 3"));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), -1);
	assert_string_equal(err, "cmd.exe exited with status 3: the reason");
	/* Not on PATH (nor in System32): said so, by name, before any
	 * child is started. */
	unsetenv("NPIPEROUTER_INTEROP_PREFIX");
	assert_int_equal(interop_run(argv, out, sizeof out, err, sizeof err), -1);
	assert_string_equal(err, "cannot run no-such-program.exe: No such "
	    "file or directory");
}

/*
 * The child's stdout and stderr block, as a shell's do: O_NONBLOCK is on
 * the pipe, not on a descriptor, so set on our read ends' pipe it would
 * reach the child's ends too, and a child writing more than the pipe
 * holds (a chatty stderr) would get EAGAIN and fail. Both runners:
 * interop_run and capture_run.
 */
#define FLAGS_BODY "for f in 1 2; do sed -n 's/^flags:[[:space:]]*//p' " \
	"/proc/$$/fdinfo/$f; done; " \
	"head -c 1048576 /dev/zero >&2 || echo short-write"

static void
check_blocking(const char *out)
{
	char *end = NULL;
	unsigned long f1, f2;

	f1 = strtoul(out, &end, 8);
	assert_true(end != out && *end == '\n');
	f2 = strtoul(end + 1, &end, 8);
	assert_true(*end == '\0' || *end == '\n');
	assert_int_equal(f1 & O_NONBLOCK, 0);
	assert_int_equal(f2 & O_NONBLOCK, 0);
	assert_null(strstr(out, "short-write"));
}

static void
test_child_output_blocks(void **state)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)FLAGS_BODY,
		NULL };
	char out[256], err[256] = "";

	prefix(script("flags", FLAGS_BODY));
	assert_int_equal(run_cmd(out, sizeof out, err, sizeof err), 0);
	check_blocking(out);
	assert_int_equal(capture_run(argv, NULL, 10000, out, sizeof out, err,
	    sizeof err), 0);
	check_blocking(out);
}

/*
 * What a program run by capture_run says on stderr goes into log lines
 * ("cannot probe ...: LINE"): a terminal showing them must obey none of
 * its control bytes, as with a relay's stderr (relay_err.c).
 */
static void
test_capture_stderr_escaped(void **state)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)
		"printf '\\033]0;title\\007\\033[31mred\\rx\\n2nd' >&2; "
		"exit 3", NULL };
	char out[64], err[256] = "";

	assert_int_equal(capture_run(argv, NULL, 10000, out, sizeof out, err,
	    sizeof err), 3);
	for (const char *p = err; *p != '\0'; p++)
		assert_false((unsigned char)*p < 0x20 || *p == 0x7f);
	assert_non_null(strstr(err, "red"));
	assert_null(strstr(err, "2nd"));
}

static void
test_path_converter(void **state)
{
	char out[256], err[256] = "";

	setenv("NPIPEROUTER_WSLPATH", script("conv",
	    "[ \"$1\" = -u ] && printf '/mnt/c/%s\\r\\n' \"$2\""), 1);
	assert_int_equal(interop_path_to_linux("Users", out, sizeof out, err,
	    sizeof err), 0);
	assert_string_equal(out, "/mnt/c/Users");
	/* Anything but an absolute path is an error. */
	setenv("NPIPEROUTER_WSLPATH", script("rel", "echo relative"), 1);
	assert_int_equal(interop_path_to_linux("C:\\x", out, sizeof out, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "gave no absolute path"));
	unsetenv("NPIPEROUTER_WSLPATH");
}

static void
test_run_local(void **state)
{
	const char *argv[] = { "sh", "-c", "printf 'x\\r\\n'", NULL };
	char out[64], err[256] = "";

	/* A Linux program: the prefix is not put before it. */
	prefix(script("noprefix", "exit 7"));
	assert_int_equal(interop_run_local(argv, out, sizeof out, err,
	    sizeof err), 0);
	assert_string_equal(out, "x");
}

static void
test_system32_path(void **state)
{
	char buf[256], conf[512];
	FILE *f = NULL;

	/* Where WSL mounts the drives: wsl.conf's automount root. */
	snprintf(conf, sizeof conf, "%s/wsl.conf", dir);
	assert_int_equal(interop_system32_path(conf, "cmd.exe", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "/mnt/c/Windows/System32/cmd.exe");
	assert_non_null(f = fopen(conf, "w"));
	fputs("[automount]\nroot = /win\n", f);
	fclose(f);
	assert_int_equal(interop_system32_path(conf, "cmd.exe", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "/win/c/Windows/System32/cmd.exe");
	assert_int_equal(interop_system32_path(conf, "cmd.exe", buf, 20), -1);
}

/* Under Wine: real cmd.exe, real winepath. */
static void
test_wine_localappdata(void **state)
{
	const char *argv[] = { "cmd.exe", "/c", "echo %LOCALAPPDATA%", NULL };
	const char *wide[] = { "cmd.exe", "/u", "/c", "echo %LOCALAPPDATA%",
		NULL };
	char wide_out[512];
	char win[512], linux_path[PATH_MAX], real[PATH_MAX], want[PATH_MAX];
	char drive[PATH_MAX];
	char err[512] = "";
	const char *wp = getenv("WINEPREFIX");
	struct stat st;

	if (wp == NULL || *wp == '\0')
		fail_msg("WINEPREFIX is not set: run through ctest (wine fixture)");
	prefix("wine");
	setenv("NPIPEROUTER_INTEROP_TIMEOUT_MS", "60000", 1);
	if (interop_run(argv, win, sizeof win, err, sizeof err) != 0)
		fail_msg("interop_run: %s", err);
	/* A drive path, no CR, no newline, the variable expanded. */
	assert_true(win[1] == ':' && win[2] == '\\');
	assert_null(strpbrk(win, "\r\n%"));
	/* cmd.exe /u writes the same as UTF-16. */
	if (interop_run_utf16(wide, wide_out, sizeof wide_out, err,
	    sizeof err) != 0)
		fail_msg("interop_run_utf16: %s", err);
	assert_string_equal(wide_out, win);
	setenv("NPIPEROUTER_WSLPATH", "winepath", 1);
	if (interop_path_to_linux(win, linux_path, sizeof linux_path, err,
	    sizeof err) != 0)
		fail_msg("interop_path_to_linux: %s", err);
	/* The folder is there, inside the Wine prefix's drive C:. */
	assert_int_equal(stat(linux_path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_non_null(realpath(linux_path, real));
	snprintf(drive, sizeof drive, "%s/drive_c", wp);
	assert_non_null(realpath(drive, want));
	assert_memory_equal(real, want, strlen(want));
	assert_int_equal(real[strlen(want)], '/');
	assert_int_equal(interop_path_to_linux("C:\\windows", linux_path,
	    sizeof linux_path, err, sizeof err), 0);
	assert_non_null(realpath(linux_path, real));
	strcat(want, "/windows");
	assert_string_equal(real, want);
	unsetenv("NPIPEROUTER_WSLPATH");
	unsetenv("NPIPEROUTER_INTEROP_TIMEOUT_MS");
}

static int
setup(void **state)
{
	return scratch_make(dir, sizeof dir, "interop");
}

static int
teardown(void **state)
{
	return scratch_remove(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_prefix_gets_argv),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_child_output_blocks),
		cmocka_unit_test(test_capture_stderr_escaped),
		cmocka_unit_test(test_path_converter),
		cmocka_unit_test(test_system32_path),
		cmocka_unit_test(test_run_local),
	};
	const struct CMUnitTest wine[] = {
		cmocka_unit_test(test_wine_localappdata),
	};

	if (argc > 1 && strcmp(argv[1], "wine") == 0)
		return cmocka_run_group_tests(wine, setup, teardown);
	return cmocka_run_group_tests(unit, setup, teardown);
}
