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

/*
 * Is the socket file pinned by PFD the one FD is bound to? Connect to the
 * pinned inode itself (through /proc, so no name is looked up again): the
 * listener that answers must be this process, bound under PATH. Nothing
 * else can be: another process's socket has its pid, another of ours its
 * own path. The probe is taken off FD's backlog so it never becomes a
 * client.
 */
static int
listener_is_ours(int fd, int pfd, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un via, peer;
	socklen_t peerlen = sizeof peer, credlen;
	struct ucred cred;
	int probe = -1, conn = -1, ok = 0;

	memset(&via, 0, sizeof via);
	via.sun_family = AF_UNIX;
	snprintf(via.sun_path, sizeof via.sun_path, "/proc/self/fd/%d", pfd);
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(probe, (struct sockaddr *)&via, sizeof via) != 0) {
		snprintf(err, errlen, "cannot check %s: %s", path,
		    strerror(errno));
		goto out;
	}
	credlen = sizeof cred;
	memset(&peer, 0, sizeof peer);
	if (getsockopt(probe, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0 ||
	    getpeername(probe, (struct sockaddr *)&peer, &peerlen) != 0 ||
	    cred.pid != getpid() ||
	    strncmp(peer.sun_path, path, sizeof peer.sun_path) != 0)
		goto replaced;
	/* Owner-only until now: the first in the backlog is the probe. */
	if ((conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		goto replaced;
	credlen = sizeof cred;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0 ||
	    cred.pid != getpid())
		goto replaced;
	ok = 1;
	goto out;
replaced:
	snprintf(err, errlen, "%s was replaced while it was being created; "
	    "someone else can write its folder", path);
out:
	if (conn != -1)
		close(conn);
	if (probe != -1)
		close(probe);
	return ok;
}

/*
 * Give the socket bound at PATH the group GID and the mode MODE, on the
 * inode itself: the name is looked up once, without following a symlink,
 * and the inode found is proven to be FD's before anything changes.
 * Whoever can write the socket's folder may swap the name at any moment;
 * they can never make us change another file.
 */
static int
listener_set_owner(int fd, const char *path, mode_t mode, gid_t gid,
    struct stat *st, char *err, size_t errlen)
{
	struct stat pin;
	char proc[64];
	int pfd = -1, rc = -1;

	if ((pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(pfd, &pin) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISSOCK(pin.st_mode) || pin.st_uid != geteuid()) {
		snprintf(err, errlen, "%s was replaced while it was being "
		    "created; someone else can write its folder", path);
		goto out;
	}
	if (!listener_is_ours(fd, pfd, path, err, errlen))
		goto out;
	*st = pin; /* ours: from now on a failure removes it */
	if (fchownat(pfd, "", (uid_t)-1, gid, AT_EMPTY_PATH) != 0) {
		snprintf(err, errlen, "cannot set group of %s: %s", path,
		    strerror(errno));
		goto out;
	}
	/* Linux has no fchmod for an O_PATH descriptor before fchmodat2 (6.6);
	 * its /proc link reaches the pinned inode, never a name. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	if (chmod(proc, mode) != 0 || fstat(pfd, st) != 0) {
		snprintf(err, errlen, "cannot set mode of %s: %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (pfd != -1)
		close(pfd);
	return rc;
}

int
listener_open(const char *path, mode_t mode, gid_t gid, struct stat *st,
    int *replaced, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old_umask;
	int fd = -1, bound = 0, rc;

	memset(st, 0, sizeof *st);
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
	 * bind() creates the file with 0777 & ~umask, and never follows a
	 * symlink at PATH (EADDRINUSE): the umask is the only safe way to
	 * give a mode to a socket file by name. Without a group that is the
	 * final mode, so nothing touches the file after bind(). With one,
	 * the file starts owner-only until its group is set.
	 * The umask is process-wide; this is safe because the daemon is one
	 * thread and nothing else creates files between these two calls.
	 */
	old_umask = umask(gid == LISTENER_NO_GROUP ? (~mode & 0777) : 0077);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old_umask);
	if (rc != 0) {
		snprintf(err, errlen, "cannot bind %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	bound = 1;
	if (listen(fd, SOMAXCONN) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (gid != LISTENER_NO_GROUP) {
		if (listener_set_owner(fd, path, mode, gid, st, err,
		    errlen) != 0)
			goto fail;
	} else if (lstat(path, st) != 0) {
		/* Only to remove our own file later; never to change it. */
		snprintf(err, errlen, "cannot inspect %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	/* Only a file we could prove ours; a swapped name stays as it is. */
	if (bound && st->st_ino != 0)
		listener_remove(path, st);
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
