/* Per-instance runtime files: lock, control socket and background log. */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rundir.h"

/* FNV-1a: names the instance after the config's real path, briefly. */
static uint32_t
runtime_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* DIR, our folder in the runtime folder: made 0700 and still so. */
static int
runtime_subdir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s must be a folder owned by uid %ld "
		    "with mode 0700", dir, (long)geteuid());
		return -1;
	}
	return 0;
}

/* The XDG_RUNTIME_DIR in force, or NULL for the fallback folder. A root
 * shell from `su` keeps the user's XDG_RUNTIME_DIR: root then uses its
 * own folder, as without one. */
static const char *
runtime_xdg(void)
{
	const char *base = getenv("XDG_RUNTIME_DIR");

	if (base == NULL || *base == '\0' || (geteuid() == 0 &&
	    !rundir_ok(base)))
		return NULL;
	return base;
}

/* The folder for runtime files, created owner-only and checked as ours:
 * another user must not be able to plant our control socket. */
static int
runtime_dir(char *dir, size_t len, char *err, size_t errlen)
{
	const char *base = runtime_xdg();
	char fallback[64];
	int n;

	if (base == NULL) {
		if (rundir_fallback(fallback, sizeof fallback, err, errlen) != 0)
			return -1;
		base = fallback;
	} else if (rundir_check(base, err, errlen) != 0)
		return -1;
	n = snprintf(dir, len, "%s/npiperouter", base);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR %s is too long: the limit "
		    "is %zu bytes", base, len - sizeof "/npiperouter");
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return runtime_subdir_check(dir, err, errlen);
}

int
runtime_dir_usable(char *err, size_t errlen)
{
	const char *base = runtime_xdg();
	char dir[sizeof ((struct runtime_paths *)NULL)->dir];
	struct stat st;
	int n;

	/* The fallback is made when needed. */
	if (base == NULL)
		return 0;
	if (rundir_check(base, err, errlen) != 0)
		return -1;
	/* Ours, made by an earlier start: start refuses it as well once
	 * others may write to it. One too long is start's to say. */
	n = snprintf(dir, sizeof dir, "%s/npiperouter", base);
	if (n < 0 || (size_t)n >= sizeof dir ||
	    (lstat(dir, &st) != 0 && errno == ENOENT))
		return 0;
	return runtime_subdir_check(dir, err, errlen);
}

int
runtime_paths_init(const char *config_file, struct runtime_paths *p,
    char *err, size_t errlen)
{
	char real[PATH_MAX], copy[PATH_MAX], *name, *dot;
	size_t limit = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
	uint32_t h;

	/* A default file that does not exist names the instance of the
	 * built-in routes (builtin.h): as given, it is absolute. */
	if (realpath(config_file, real) == NULL) {
		if (errno != ENOENT || config_file[0] != '/' ||
		    strlen(config_file) >= sizeof real) {
			snprintf(err, errlen, "%s: %s", config_file,
			    strerror(errno));
			return -1;
		}
		snprintf(real, sizeof real, "%s", config_file);
	}
	h = runtime_hash(real);
	snprintf(copy, sizeof copy, "%s", real);
	name = basename(copy);
	if ((dot = strrchr(name, '.')) != NULL && dot != name)
		*dot = '\0';
	if (strlen(name) > 40)
		name[40] = '\0';
	if (runtime_dir(p->dir, sizeof p->dir, err, errlen) != 0)
		return -1;
	snprintf(p->lock, sizeof p->lock, "%s/%s-%08x.lock", p->dir, name, h);
	snprintf(p->ctl, sizeof p->ctl, "%s/%s-%08x.ctl", p->dir, name, h);
	snprintf(p->log, sizeof p->log, "%s/%s-%08x.log", p->dir, name, h);
	/* A cut name would reach another socket, or none: refuse it. */
	if (strlen(p->ctl) > limit) {
		snprintf(err, errlen, "control socket %s is %zu bytes; the limit "
		    "is %zu: set XDG_RUNTIME_DIR to a shorter folder", p->ctl,
		    strlen(p->ctl), limit);
		return -1;
	}
	return 0;
}

/*
 * The lock file holds the owner's pid and a newline, or nothing while the
 * owner is starting: whoever takes the lock empties the file at once.
 * One who only looks (LOCK_SH) leaves an earlier instance's pid there,
 * so runtime_lock() names an owner only while that pid is alive.
 */
void
runtime_lock_set_pid(int fd, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)pid);

	/* Write, then cut: never an empty file between two pids. */
	if (pwrite(fd, buf, (size_t)n, 0) == n)
		(void)!ftruncate(fd, n);
}

void
runtime_lock_release(int fd)
{
	(void)!ftruncate(fd, 0);
	close(fd);
}

/* The pid in the lock file; 0 while none is written in full. */
static pid_t
runtime_read_pid(int fd)
{
	char buf[32] = "", *end = NULL;
	ssize_t n;
	long pid;

	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	/* pid_t is an int: a bigger number would wrap, to -1 for kill(). */
	if (end == buf || *end != '\n' || pid <= 0 || pid > INT_MAX)
		return 0;
	return (pid_t)pid;
}

int
runtime_lock(const struct runtime_paths *p, pid_t *owner)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	unsigned i;
	int fd, saved;

	*owner = 0;
	fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	/*
	 * Another instance may hold the lock without having written its pid
	 * yet (a racing `start` between lock and fork): wait a little for
	 * the pid, or for the lock, should that start fail.
	 */
	for (i = 0; i <= RUNTIME_OWNER_WAIT_MS / 50; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (ftruncate(fd, 0) == 0)
				return fd;
			goto fail;
		}
		if (errno != EWOULDBLOCK)
			goto fail;
		/* A pid left by an instance that is gone is read while
		 * someone only looks at the lock (LOCK_SH: stop, start
		 * --env waiting): that is no owner. */
		if ((*owner = runtime_read_pid(fd)) != 0 &&
		    (kill(*owner, 0) == 0 || errno == EPERM))
			break;
		*owner = 0;
		nanosleep(&tick, NULL);
	}
	errno = EWOULDBLOCK;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
runtime_wait_unlocked(const struct runtime_paths *p, unsigned secs)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	unsigned i;
	int fd, rc = -1;

	if ((fd = open(p->lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;
	/* A CLI waiting for a daemon to exit: polling briefly is fine here. */
	for (i = 0;; i++) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
			rc = 0;
			break;
		}
		if (i >= secs * 20)
			break;
		nanosleep(&tick, NULL);
	}
	close(fd);
	return rc;
}
