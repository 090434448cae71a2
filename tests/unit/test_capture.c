/*
 * capture: the one runner for programs run to completion (the relay's
 * --probe, gpgconf; interop.c's Windows programs through it), with real
 * shell scripts as the programs: exit status and stderr, the output
 * bound, floods, the timeout ending the whole group, descriptors, cwd.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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
#include "scratch.h"

static char dir[256];

/* An executable script DIR/NAME with BODY after the #! line. */
static char *
script(const char *name, const char *body)
{
	static char path[512];
	FILE *f = NULL;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

/* Run the script NAME with BODY for at most TIMEOUT_MS. */
static int
run(const char *name, const char *body, unsigned timeout_ms, char *out,
    size_t outlen, char *err, size_t errlen)
{
	char *argv[] = { script(name, body), (char *)"arg", NULL };

	return capture_run(argv, NULL, timeout_ms, out, outlen, err, errlen);
}

static void
test_status_and_stderr(void **state)
{
	char out[64], err[256];

	/* Its exit status, and the first line of stderr, escaped. */
	assert_int_equal(run("fails", "printf 'x%s' \"$1\"; printf "
	    "'first\\033\\nsecond\\n' >&2; exit 3", 5000, out, sizeof out, err,
	    sizeof err), 3);
	assert_string_equal(out, "xarg");
	assert_string_equal(err, "first\\x1b");
	/* Killed by a signal: not an exit status. */
	assert_int_equal(run("killed", "kill -9 $$", 5000, out, sizeof out,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "killed by signal 9"));
}

static void
test_not_found(void **state)
{
	char *argv[] = { (char *)"npr-no-such-program", NULL };
	char out[64], err[256];

	assert_int_equal(capture_run(argv, NULL, 5000, out, sizeof out, err,
	    sizeof err), -1);
	assert_string_equal(err, "cannot run npr-no-such-program: No such "
	    "file or directory");
}

static void
test_output_bound(void **state)
{
	char out[64], err[256];

	assert_int_equal(run("fits", "printf '%063d' 0", 5000, out, sizeof out,
	    err, sizeof err), 0);
	assert_int_equal(strlen(out), 63);
	assert_int_equal(run("big", "printf '%064d' 0", 5000, out, sizeof out,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "wrote more than 63 bytes"));
	/* A flood is cut off, not read to its end. */
	assert_int_equal(run("flood", "exec yes", 60000, out, sizeof out,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "wrote more than 63 bytes"));
}

/* The process PID is gone or a zombie: it was killed. */
static int
dead(long pid)
{
	char path[64], buf[512], *p = NULL;
	FILE *f = NULL;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* The pid the script wrote into DIR/NAME; killed by the test if alive. */
static long
pid_in(const char *name, int kill_it)
{
	char path[300];
	long pid = 0;
	FILE *f = NULL;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (kill_it && pid > 0)
		kill((pid_t)pid, SIGKILL);
	return pid;
}

static void
test_timeout_kills_group(void **state)
{
	char out[64], err[256], body[512];
	long pid;

	/* A hung program with a child of its own: both are ended. */
	snprintf(body, sizeof body, "sleep 300 & echo $! > %s/sleeper.pid; "
	    "wait", dir);
	assert_int_equal(run("hang", body, 300, out, sizeof out, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "did not finish within 300 ms"));
	assert_true((pid = pid_in("sleeper.pid", 0)) > 0);
	for (int i = 0; i < 100 && !dead(pid); i++)
		usleep(20000);
	if (!dead(pid)) {
		kill((pid_t)pid, SIGKILL);
		fail_msg("the hung program's child %ld outlived the timeout",
		    pid);
	}
}

static void
test_grandchild_floods(void **state)
{
	char out[64], err[256], body[512];
	int rc;

	/* It exits at once, but leaves a process with its stdout open (as a
	 * wineserver it starts may): we return with what it printed, not at
	 * the timeout with an error. */
	snprintf(body, sizeof body, "sleep 60 & echo $! > %s/leaver.pid; "
	    "echo done", dir);
	rc = run("leaves", body, 20000, out, sizeof out, err, sizeof err);
	pid_in("leaver.pid", 1);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "done\n");

	/* It leaves a process writing to its stdout for ever: cut at the
	 * bound, not read to its end. (The pause lets the flood start
	 * before the program exits, or there would be nothing to cut.) */
	snprintf(body, sizeof body, "yes & echo $! > %s/out.pid; sleep 0.2",
	    dir);
	rc = run("floods_out", body, 20000, out, sizeof out, err, sizeof err);
	pid_in("out.pid", 1);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "wrote more than"));
	/* One that floods stderr and outlives the program: we return once
	 * the program has exited, with what it printed. */
	snprintf(body, sizeof body, "yes >&2 & echo $! > %s/err.pid; "
	    "echo done", dir);
	rc = run("floods_err", body, 20000, out, sizeof out, err, sizeof err);
	pid_in("err.pid", 1);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "done\n");
}

static void
test_descriptors_and_cwd(void **state)
{
	char out[64], err[256], body[512];
	char *argv[] = { NULL, NULL };
	int fd;

	/* A descriptor left open without close-on-exec does not leak; the
	 * three standard ones are there, stdin at EOF. */
	assert_true((fd = open("/dev/null", O_RDONLY)) > 2);
	snprintf(body, sizeof body, "for f in 0 1 2 %d; do "
	    "if [ -e /proc/self/fd/$f ]; then printf o; else printf x; fi; "
	    "done; cat; pwd", fd);
	argv[0] = script("fds", body);
	assert_int_equal(capture_run(argv, "/", 5000, out, sizeof out, err,
	    sizeof err), 0);
	close(fd);
	assert_string_equal(out, "ooox/\n");
}

static int
setup(void **state)
{
	return scratch_make(dir, sizeof dir, "capture");
}

static int
teardown(void **state)
{
	return scratch_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_and_stderr),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_grandchild_floods),
		cmocka_unit_test(test_descriptors_and_cwd),
	};

	/* Ignored, as the daemon does: the runner gives the program the
	 * default back, so a flood's writer dies once nobody reads. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
