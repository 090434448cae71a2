/* Unix listening sockets: created safely, removed only when still ours. */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "safe_dir.h"

/*
 * The socket file is only ever named relative to its folder, opened once:
 * by DIRFD and BASE, or for bind() and connect(), which take no folder
 * descriptor, by VIA, /proc/self/fd/DIRFD/BASE, which reaches the folder
 * through the descriptor and never looks its path up again.
 */
struct listener_file {
	int dirfd;
	char *base;
	char via[sizeof ((struct sockaddr_un *)0)->sun_path];
	struct stat st; /* st_ino 0 until the file is proven ours */
};

/* "/proc/self/fd/FD" or "/proc/self/fd/FD/NAME" as a socket address. */
static int
listener_addr(struct sockaddr_un *sun, int fd, const char *name)
{
	int n;

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof sun->sun_path, "/proc/self/fd/%d%s%s",
	    fd, name != NULL ? "/" : "", name != NULL ? name : "");
	if (n < 0 || (size_t)n >= sizeof sun->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
listener_file_free(struct listener_file *lf)
{
	if (lf == NULL)
		return;
	if (lf->dirfd != -1)
		close(lf->dirfd);
	free(lf->base);
	free(lf);
}

/*
 * Open PATH's folder (see safe_dir.c) and keep it. A folder that every
 * user may write and that is not sticky lets anyone rename our socket
 * away and put theirs in its place, to be handed every client: refused,
 * whoever we run as. A folder owned by or writable by a given user or
 * group is left to the admin: that is whom they chose to trust.
 */
static struct listener_file *
listener_file_new(const char *path, char *err, size_t errlen)
{
	struct listener_file *lf = NULL;
	struct sockaddr_un sun;
	const char *slash, *base;
	char *dir = NULL, why[512];
	struct stat st;

	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return NULL;
	}
	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		snprintf(err, errlen, "%s does not name a file", path);
		return NULL;
	}
	if ((lf = calloc(1, sizeof *lf)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	lf->dirfd = -1;
	if ((lf->base = strdup(base)) == NULL ||
	    (dir = slash == NULL ? strdup(".") : slash == path ? strdup("/") :
	    strndup(path, (size_t)(slash - path))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto fail;
	}
	if ((lf->dirfd = safe_dir_open(dir, why, sizeof why)) == -1) {
		/* WHY names the component; say what it was for. */
		snprintf(err, errlen, "cannot open the folder of %s: %s",
		    path, why);
		goto fail;
	}
	if (fstat(lf->dirfd, &st) != 0) {
		snprintf(err, errlen, "cannot inspect %s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, errlen, "%s: its folder %s is writable by every "
		    "user and not sticky: anyone could replace the socket",
		    path, dir);
		goto fail;
	}
	if (listener_addr(&sun, lf->dirfd, base) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	memcpy(lf->via, sun.sun_path, sizeof lf->via);
	free(dir);
	return lf;
fail:
	free(dir);
	listener_file_free(lf);
	return NULL;
}

/*
 * Make room for a new socket at LF: nothing there is fine, a socket file
 * that refuses connections is a leftover and is removed, anything else is
 * refused. The file is pinned without following a symlink and probed
 * through its pin, so a name swapped in meanwhile is never connected to.
 * The probe does not wait: a listener with a full backlog (a squatter
 * that never accepts) would otherwise stall the whole daemon; it is as
 * much in use as one that answers.
 */
static int
listener_clear(struct listener_file *lf, const char *path, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st, now;
	int pfd = -1, probe = -1, rc = -1;

	if ((pfd = openat(lf->dirfd, lf->base, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot inspect %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(pfd, &st) != 0) {
		snprintf(err, errlen, "cannot inspect %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s is a symlink; refusing to replace it",
		    path);
		goto out;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		goto out;
	}
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto out;
	}
	(void)listener_addr(&sun, pfd, NULL); /* always fits */
	if (connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS) {
		snprintf(err, errlen, "%s is in use by another process", path);
		goto out;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "cannot probe %s: %s", path,
		    strerror(errno));
		goto out;
	}
	/* Only the leftover just probed; not whatever took its name. */
	if (fstatat(lf->dirfd, lf->base, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (now.st_dev != st.st_dev || now.st_ino != st.st_ino)) {
		snprintf(err, errlen, "%s was replaced while it was being "
		    "checked; someone else can write its folder", path);
		goto out;
	}
	if (unlinkat(lf->dirfd, lf->base, 0) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 1;
out:
	if (probe != -1)
		close(probe);
	close(pfd);
	return rc;
}

/*
 * Is the socket file pinned by PFD the one FD is bound to? Connect to the
 * pinned inode itself (through /proc, so no name is looked up again): the
 * listener that answers must be this process, bound as VIA. Nothing else
 * can be: another process's socket has its pid, another of ours its own
 * folder descriptor in its address. The probe is taken off FD's backlog so
 * it never becomes a client.
 */
static int
listener_is_ours(int fd, int pfd, const char *via, const char *path,
    char *err, size_t errlen)
{
	struct sockaddr_un pin, peer;
	socklen_t peerlen = sizeof peer, credlen;
	struct ucred cred;
	int probe = -1, conn = -1, ok = 0;

	(void)listener_addr(&pin, pfd, NULL); /* always fits */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(probe, (struct sockaddr *)&pin, sizeof pin) != 0) {
		snprintf(err, errlen, "cannot check %s: %s", path,
		    strerror(errno));
		goto out;
	}
	credlen = sizeof cred;
	memset(&peer, 0, sizeof peer);
	if (getsockopt(probe, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0 ||
	    getpeername(probe, (struct sockaddr *)&peer, &peerlen) != 0 ||
	    cred.pid != getpid() ||
	    strncmp(peer.sun_path, via, sizeof peer.sun_path) != 0)
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
 * Give the socket bound at LF the group GID and the mode MODE, on the
 * inode itself: the name is looked up once in its folder, without
 * following a symlink, and the inode found is proven to be FD's before
 * anything changes. Whoever can write the socket's folder may swap the
 * name at any moment; they can never make us change another file.
 */
static int
listener_set_owner(int fd, struct listener_file *lf, const char *path,
    mode_t mode, gid_t gid, char *err, size_t errlen)
{
	struct stat pin;
	char proc[64];
	int pfd = -1, rc = -1;

	if ((pfd = openat(lf->dirfd, lf->base, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(pfd, &pin) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISSOCK(pin.st_mode) || pin.st_uid != geteuid()) {
		snprintf(err, errlen, "%s was replaced while it was being "
		    "created; someone else can write its folder", path);
		goto out;
	}
	if (!listener_is_ours(fd, pfd, lf->via, path, err, errlen))
		goto out;
	lf->st = pin; /* ours: from now on a failure removes it */
	if (fchownat(pfd, "", (uid_t)-1, gid, AT_EMPTY_PATH) != 0) {
		snprintf(err, errlen, "cannot set group of %s: %s", path,
		    strerror(errno));
		goto out;
	}
	/* Linux has no fchmod for an O_PATH descriptor before fchmodat2 (6.6);
	 * its /proc link reaches the pinned inode, never a name. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	if (chmod(proc, mode) != 0 || fstat(pfd, &lf->st) != 0) {
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
listener_open(const char *path, mode_t mode, gid_t gid,
    struct listener_file **file, int *replaced, char *err, size_t errlen)
{
	struct listener_file *lf;
	struct sockaddr_un sun;
	mode_t old_umask;
	int fd = -1, bound = 0, rc;

	*file = NULL;
	if ((lf = listener_file_new(path, err, errlen)) == NULL)
		return -1;
	if ((rc = listener_clear(lf, path, err, errlen)) < 0)
		goto fail;
	*replaced = rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}

	/*
	 * bind() creates the file with 0777 & ~umask, and never follows a
	 * symlink at its last component (EADDRINUSE): the umask is the only
	 * safe way to give a mode to a socket file by name. Without a group
	 * that is the final mode, so nothing touches the file after bind().
	 * With one, the file starts owner-only until its group is set.
	 * The umask is process-wide; this is safe because the daemon is one
	 * thread and nothing else creates files between these two calls.
	 */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, lf->via, sizeof sun.sun_path);
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
		if (listener_set_owner(fd, lf, path, mode, gid, err,
		    errlen) != 0)
			goto fail;
	} else if (fstatat(lf->dirfd, lf->base, &lf->st,
	    AT_SYMLINK_NOFOLLOW) != 0) {
		/* Only to remove our own file later; never to change it. */
		snprintf(err, errlen, "cannot inspect %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	*file = lf;
	return fd;
fail:
	/* Only a file we could prove ours; a swapped name stays as it is. */
	if (bound && lf->st.st_ino != 0)
		listener_remove(lf);
	else
		listener_file_free(lf);
	if (fd != -1)
		close(fd);
	return -1;
}

void
listener_remove(struct listener_file *lf)
{
	struct stat now;

	if (lf == NULL)
		return;
	/* In the folder the socket was made in, whatever was renamed above
	 * it since: a name looked up from / again could lead anywhere. */
	if (lf->st.st_ino != 0 &&
	    fstatat(lf->dirfd, lf->base, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_dev == lf->st.st_dev && now.st_ino == lf->st.st_ino)
		unlinkat(lf->dirfd, lf->base, 0);
	listener_file_free(lf);
}
