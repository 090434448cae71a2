/*
 * rundir: the folder standing in for an unset XDG_RUNTIME_DIR, and
 * "${XDG_RUNTIME_DIR}" in config paths following it. The user cases run
 * in a child switched to a uid of its own (root is needed to switch), so
 * /tmp/npiperouter-UID is a name no one else on the machine uses; the
 * hostile cases plant that folder first: someone else's, a link, open to
 * others.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "expand.h"
#include "rundir.h"
#include "runtime.h"

/* A uid of this test alone: no passwd entry is needed to become it. */
static uid_t test_uid;
static char private_dir[64];
static char link_target[64];

static void
remove_private(void)
{
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf -- '%s' '%s'", private_dir,
	    link_target);
	(void)system(cmd);
}

/*
 * Run, as test_uid without XDG_RUNTIME_DIR: rundir_fallback(),
 * expand_path() of "${XDG_RUNTIME_DIR}/s.sock" and runtime_paths_init();
 * their results, one a line ("ERR: ..." for an error), into OUT.
 */
static void
as_user(char *out, size_t outlen)
{
	int p[2];
	pid_t pid;
	ssize_t n;
	size_t got = 0;
	int status;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		char buf[256], err[512], line[1024], *x = NULL;
		struct runtime_paths rp;
		FILE *f = NULL;

		close(p[0]);
		f = fdopen(p[1], "w");
		unsetenv("XDG_RUNTIME_DIR");
		if (setgid(test_uid) != 0 || setuid(test_uid) != 0)
			_exit(99);
		if (rundir_fallback(buf, sizeof buf, err, sizeof err) == 0)
			fprintf(f, "%s\n", buf);
		else
			fprintf(f, "ERR: %s\n", err);
		if ((x = expand_path("${XDG_RUNTIME_DIR}/s.sock", err,
		    sizeof err)) != NULL)
			fprintf(f, "%s\n", x);
		else
			fprintf(f, "ERR: %s\n", err);
		free(x);
		/* The config file only names the instance. */
		if (runtime_paths_init("/dev/null", &rp, line, sizeof line) == 0)
			fprintf(f, "%s\n", rp.dir);
		else
			fprintf(f, "ERR: %s\n", line);
		fclose(f);
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < outlen &&
	    (n = read(p[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_root(void **state)
{
	char buf[64], err[256] = "", *x = NULL;

	/* Root: /run, where the system unit has its files too. */
	assert_int_equal(rundir_fallback(buf, sizeof buf, err, sizeof err), 0);
	assert_string_equal(buf, "/run");
	unsetenv("XDG_RUNTIME_DIR");
	assert_non_null(x = expand_path("${XDG_RUNTIME_DIR}/s.sock", err,
	    sizeof err));
	assert_string_equal(x, "/run/s.sock");
	free(x);
	/* Empty counts as unset; a set one is used as it is. */
	setenv("XDG_RUNTIME_DIR", "", 1);
	assert_non_null(x = expand_path("${XDG_RUNTIME_DIR}/s", err,
	    sizeof err));
	assert_string_equal(x, "/run/s");
	free(x);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	assert_non_null(x = expand_path("${XDG_RUNTIME_DIR}/s", err,
	    sizeof err));
	assert_string_equal(x, "/run/user/1000/s");
	free(x);
	unsetenv("XDG_RUNTIME_DIR");
}

static void
test_user_private(void **state)
{
	char out[2048], want[1024];
	struct stat st;

	/* No /run/user/UID: a private folder, made 0700. */
	remove_private();
	as_user(out, sizeof out);
	snprintf(want, sizeof want, "%s\n%s/s.sock\n%s/npiperouter\n",
	    private_dir, private_dir, private_dir);
	assert_string_equal(out, want);
	assert_int_equal(lstat(private_dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, test_uid);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Again: the same folder, found as it was left. */
	as_user(out, sizeof out);
	assert_string_equal(out, want);
	remove_private();
}

static void
test_user_run_user(void **state)
{
	char out[2048], want[1024], run_user[64];

	/* /run/user/UID of ours: that one, nothing made in /tmp. */
	snprintf(run_user, sizeof run_user, "/run/user/%ld", (long)test_uid);
	remove_private();
	if (mkdir("/run/user", 0755) != 0 && errno != EEXIST)
		fail_msg("mkdir /run/user: %s", strerror(errno));
	assert_int_equal(mkdir(run_user, 0700), 0);
	assert_int_equal(chown(run_user, test_uid, test_uid), 0);
	as_user(out, sizeof out);
	snprintf(want, sizeof want, "%s/npiperouter", run_user);
	(void)rmdir(want);
	assert_int_equal(rmdir(run_user), 0);
	snprintf(want, sizeof want, "%s\n%s/s.sock\n%s/npiperouter\n",
	    run_user, run_user, run_user);
	assert_string_equal(out, want);
	assert_int_equal(access(private_dir, F_OK), -1);

	/* One that others may write to is not ours to use. */
	assert_int_equal(mkdir(run_user, 0700), 0);
	assert_int_equal(chown(run_user, test_uid, test_uid), 0);
	assert_int_equal(chmod(run_user, 0777), 0);
	as_user(out, sizeof out);
	assert_int_equal(rmdir(run_user), 0);
	snprintf(want, sizeof want, "%s\n", private_dir);
	assert_memory_equal(out, want, strlen(want));
	remove_private();
}

static void
test_user_hostile(void **state)
{
	char out[2048], want[1024];

	/* Made by someone else (root here) before the user came. */
	remove_private();
	assert_int_equal(mkdir(private_dir, 0700), 0);
	as_user(out, sizeof out);
	snprintf(want, sizeof want, "ERR: XDG_RUNTIME_DIR is not set and %s "
	    "is someone else's: it must be a folder of uid %ld with mode 0700; "
	    "remove it, or set XDG_RUNTIME_DIR\n", private_dir, (long)test_uid);
	assert_memory_equal(out, want, strlen(want));
	/* The expansion and the runtime files refuse it too. */
	assert_int_equal(strstr(out + strlen(want), "ERR: XDG_RUNTIME_DIR is "
	    "not set and ") == out + strlen(want), 1);
	remove_private();

	/* A link to a folder of the user's: not followed. */
	assert_int_equal(mkdir(link_target, 0700), 0);
	assert_int_equal(chown(link_target, test_uid, test_uid),
	    0);
	assert_int_equal(symlink(link_target, private_dir), 0);
	as_user(out, sizeof out);
	assert_int_equal(unlink(private_dir), 0);
	assert_int_equal(rmdir(link_target), 0);
	assert_non_null(strstr(out, " is a symbolic link: it must be"));

	/* The user's own, but open to others (made by hand). */
	assert_int_equal(mkdir(private_dir, 0700), 0);
	assert_int_equal(chown(private_dir, test_uid, test_uid), 0);
	assert_int_equal(chmod(private_dir, 0755), 0);
	as_user(out, sizeof out);
	remove_private();
	assert_non_null(strstr(out, " is open to others: it must be"));
}

static int
setup(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_rundir switches users: run it as root\n");
		return -1;
	}
	/* Above any real account, and different per run. */
	test_uid = (uid_t)(3000000 + getpid() % 100000);
	snprintf(private_dir, sizeof private_dir, "/tmp/npiperouter-%ld",
	    (long)test_uid);
	snprintf(link_target, sizeof link_target, "/tmp/npr-rundir-%ld",
	    (long)test_uid);
	return 0;
}

static int
teardown(void **state)
{
	remove_private();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_user_private),
		cmocka_unit_test(test_user_run_user),
		cmocka_unit_test(test_user_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
