/*
 * trust.c: which files a router may read as config or load as code. The
 * rule on stat records, then on real folders (chown needs root: the test
 * fails, never skips, without it).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trust.h"

#define NOBODY 65534
#define USER 1000

static int
judge(uid_t owner, mode_t mode, uid_t euid, char *err, size_t errlen)
{
	struct stat st;

	memset(&st, 0, sizeof st);
	st.st_uid = owner;
	st.st_mode = S_IFREG | mode;
	return trust_check_stat(&st, euid, err, errlen);
}

static void
test_stat_root(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(judge(0, 0644, 0, err, sizeof err), 0);
	assert_int_equal(judge(0, 0600, 0, err, sizeof err), 0);
	assert_int_equal(judge(NOBODY, 0644, 0, err, sizeof err), -1);
	assert_string_equal(err, "owned by uid 65534, not root");
	assert_int_equal(judge(0, 0666, 0, err, sizeof err), -1);
	assert_string_equal(err, "group- or other-writable (mode 0666); other "
	    "users could change it");
	/* Group write is a second user for root. */
	assert_int_equal(judge(0, 0664, 0, err, sizeof err), -1);
	/* Sticky does not make the file itself safe. */
	assert_int_equal(judge(0, 01646, 0, err, sizeof err), -1);
}

static void
test_stat_user(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(judge(USER, 0644, USER, err, sizeof err), 0);
	assert_int_equal(judge(0, 0644, USER, err, sizeof err), 0);
	/* User-private groups with umask 002. */
	assert_int_equal(judge(USER, 0664, USER, err, sizeof err), 0);
	assert_int_equal(judge(USER, 0666, USER, err, sizeof err), -1);
	assert_string_equal(err, "writable by every user (mode 0666); other "
	    "users could change it");
	assert_int_equal(judge(NOBODY, 0644, USER, err, sizeof err), -1);
	assert_string_equal(err, "owned by uid 65534, not by uid 1000 or root");
}

/* A root-owned 0700 folder from mkdtemp, inside sticky /tmp. */
static char base[] = "/tmp/npr-trust-XXXXXX";

static int
setup_dirs(void **state)
{
	(void)state;
	if (geteuid() != 0)
		fail_msg("test_trust needs root (it chowns folders)");
	return mkdtemp(base) == NULL ? -1 : 0;
}

static int
teardown_dirs(void **state)
{
	char cmd[sizeof base + 16];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_path_dirs(void **state)
{
	char a[PATH_MAX], file[PATH_MAX], link[PATH_MAX], want[PATH_MAX + 128];
	char err[PATH_MAX + 256] = "";

	(void)state;
	snprintf(a, sizeof a, "%s/a", base);
	snprintf(file, sizeof file, "%s/a/f.conf", base);
	snprintf(link, sizeof link, "%s/l.conf", base);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(close(open(file, O_CREAT | O_WRONLY, 0644)), 0);

	/* Inside sticky /tmp, root's folders: accepted. */
	assert_int_equal(trust_check_path_dirs(file, 0, err, sizeof err), 0);
	/* The same folders for another user: root's are fine too. */
	assert_int_equal(trust_check_path_dirs(file, USER, err, sizeof err), 0);

	assert_int_equal(chmod(a, 0777), 0);
	assert_int_equal(trust_check_path_dirs(file, 0, err, sizeof err), -1);
	snprintf(want, sizeof want, "folder %s is group- or other-writable "
	    "(mode 0777); other users could change it", a);
	assert_string_equal(err, want);
	/* Sticky above the file: nobody else can replace f.conf. */
	assert_int_equal(chmod(a, 01777), 0);
	assert_int_equal(trust_check_path_dirs(file, 0, err, sizeof err), 0);
	/* Group write: a second user for root, not for others. */
	assert_int_equal(chmod(a, 0775), 0);
	assert_int_equal(trust_check_path_dirs(file, 0, err, sizeof err), -1);
	assert_int_equal(trust_check_path_dirs(file, USER, err, sizeof err), 0);
	assert_int_equal(chmod(a, 0755), 0);

	assert_int_equal(chown(a, NOBODY, 0), 0);
	assert_int_equal(trust_check_path_dirs(file, 0, err, sizeof err), -1);
	snprintf(want, sizeof want, "folder %s is owned by uid 65534, not root",
	    a);
	assert_string_equal(err, want);
	/* Through a symlink in a trusted folder: the real folders count. */
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(trust_check_path_dirs(link, 0, err, sizeof err), -1);
	assert_string_equal(err, want);
	assert_int_equal(chown(a, 0, 0), 0);
	assert_int_equal(trust_check_path_dirs(link, 0, err, sizeof err), 0);
}

static void
test_fd(void **state)
{
	char file[PATH_MAX], err[PATH_MAX + 256] = "";
	int fd;

	(void)state;
	snprintf(file, sizeof file, "%s/fd.conf", base);
	assert_true((fd = open(file, O_CREAT | O_RDWR, 0644)) >= 0);
	assert_int_equal(trust_check_fd(fd, file, err, sizeof err), 0);
	/* The open file is judged, whatever the name is now. */
	assert_int_equal(fchown(fd, NOBODY, 0), 0);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(trust_check_fd(fd, file, err, sizeof err), -1);
	assert_string_equal(err, "owned by uid 65534, not root");
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_root),
		cmocka_unit_test(test_stat_user),
		cmocka_unit_test(test_path_dirs),
		cmocka_unit_test(test_fd),
	};

	return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
