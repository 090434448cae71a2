/* Unix listening sockets: created safely, removed only when still ours. */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
listener_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/*
 * Make room for a new socket at PATH: nothing there is fine, a socket file
 * that refuses connections is a leftover and is removed, anything else is
 * refused. lstat() so a symlink is seen as itself and never followed.
 */
static int
listener_clear(const char *path, const struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	struct stat st;
	int fd = -1, rc = -1;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot inspect %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s is a symlink; refusing to replace it",
		    path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0) {
		snprintf(err, errlen, "%s is in use by another process", path);
		goto out;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "cannot probe %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 1;
out:
	close(fd);
	return rc;
}

int
listener_open(const char *path, mode_t mode, gid_t gid, struct stat *st,
    int *replaced, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old_umask;
	int fd = -1, bound = 0, rc;

	if (listener_addr(path, &sun) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((rc = listener_clear(path, &sun, err, errlen)) < 0)
		return -1;
	*replaced = rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}

	/*
	 * bind() creates the file with 0777 & ~umask. Create it owner-only,
	 * hand it to the group, and only then widen it to MODE, so no one
	 * outside the configured group can ever connect in between.
	 */
	old_umask = umask(0077 | (~mode & 0777));
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old_umask);
		snprintf(err, errlen, "cannot bind %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	umask(old_umask);
	bound = 1;
	if (gid != LISTENER_NO_GROUP &&
	    fchownat(AT_FDCWD, path, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errlen, "cannot set group of %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	/*
	 * Linux has no lchmod. The file was created a moment ago in a folder
	 * the user chose, so it can only have been swapped by someone who may
	 * write that folder; the route's socket is theirs anyway.
	 */
	if (chmod(path, mode) != 0 || lstat(path, st) != 0) {
		snprintf(err, errlen, "cannot set mode of %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (listen(fd, SOMAXCONN) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	if (bound)
		unlink(path);
	if (fd != -1)
		close(fd);
	return -1;
}

void
listener_remove(const char *path, const struct stat *st)
{
	struct stat now;

	if (lstat(path, &now) != 0)
		return;
	if (now.st_dev == st->st_dev && now.st_ino == st->st_ino)
		unlink(path);
}
