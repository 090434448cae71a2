/* Who may have written a file npiperouter reads as config or code. */
#include "trust.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
trust_owner_ok(uid_t uid, uid_t euid)
{
	return uid == 0 || uid == euid;
}

/* Root refuses group write too; other users allow it (see trust.h). */
static mode_t
trust_bad_bits(uid_t euid)
{
	return euid == 0 ? (S_IWGRP | S_IWOTH) : S_IWOTH;
}

static void
trust_owner_err(uid_t uid, uid_t euid, const char *what, char *err,
    size_t errlen)
{
	if (euid == 0)
		snprintf(err, errlen, "%sowned by uid %u, not root", what,
		    (unsigned)uid);
	else
		snprintf(err, errlen, "%sowned by uid %u, not by uid %u or "
		    "root", what, (unsigned)uid, (unsigned)euid);
}

static void
trust_mode_err(mode_t mode, uid_t euid, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s%s (mode %04o); other users could change "
	    "it", what, euid == 0 ? "group- or other-writable" :
	    "writable by every user", (unsigned)(mode & 07777));
}

int
trust_check_stat(const struct stat *st, uid_t euid, char *err,
    size_t errlen)
{
	if (!trust_owner_ok(st->st_uid, euid)) {
		trust_owner_err(st->st_uid, euid, "", err, errlen);
		return -1;
	}
	if ((st->st_mode & trust_bad_bits(euid)) != 0) {
		trust_mode_err(st->st_mode, euid, "", err, errlen);
		return -1;
	}
	return 0;
}

/* One folder above the file: sticky makes its write bits harmless. */
static int
trust_check_dir(const char *dir, uid_t euid, char *err, size_t errlen)
{
	struct stat st;
	char what[PATH_MAX + 32];

	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "folder %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(what, sizeof what, "folder %s is ", dir);
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%snot a folder", what);
		return -1;
	}
	if (!trust_owner_ok(st.st_uid, euid)) {
		trust_owner_err(st.st_uid, euid, what, err, errlen);
		return -1;
	}
	if ((st.st_mode & trust_bad_bits(euid)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0) {
		trust_mode_err(st.st_mode, euid, what, err, errlen);
		return -1;
	}
	return 0;
}

int
trust_check_path_dirs(const char *path, uid_t euid, char *err,
    size_t errlen)
{
	char *real = NULL, *slash = NULL;
	int rc = -1;

	/* Symlinks resolved: the folders checked are those the file is in. */
	if ((real = realpath(path, NULL)) == NULL) {
		snprintf(err, errlen, "cannot resolve %s: %s", path,
		    strerror(errno));
		goto out;
	}
	while ((slash = strrchr(real, '/')) != NULL) {
		if (slash == real) {
			rc = trust_check_dir("/", euid, err, errlen);
			goto out;
		}
		*slash = '\0';
		if (trust_check_dir(real, euid, err, errlen) != 0)
			goto out;
	}
	snprintf(err, errlen, "%s does not resolve to an absolute path", path);
out:
	free(real);
	return rc;
}

char *
trust_fd_path(int fd, const char *name, char *err, size_t errlen)
{
	char link[64], buf[PATH_MAX];
	char *path = NULL;
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof buf - 1);
	if (n > 0 && buf[0] == '/') {
		buf[n] = '\0';
		path = strdup(buf);
	} else {
		/* No /proc (odd chroots): the name, resolved. */
		path = realpath(name, NULL);
	}
	if (path == NULL)
		snprintf(err, errlen, "cannot resolve %s: %s", name,
		    strerror(errno));
	return path;
}

int
trust_check_fd(int fd, const char *name, char *err, size_t errlen)
{
	struct stat st;
	char *path = NULL;
	uid_t euid = geteuid();
	int rc = -1;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (trust_check_stat(&st, euid, err, errlen) != 0)
		goto out;
	if ((path = trust_fd_path(fd, name, err, errlen)) == NULL ||
	    trust_check_path_dirs(path, euid, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	free(path);
	return rc;
}

int
trust_check_path(const char *path, uid_t euid, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (trust_check_stat(&st, euid, err, errlen) != 0)
		return -1;
	return trust_check_path_dirs(path, euid, err, errlen);
}
