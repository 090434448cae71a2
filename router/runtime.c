/* Per-instance runtime files: lock, control socket and background log. */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* FNV-1a: names the instance after the config's real path, briefly. */
static uint32_t
runtime_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The folder for runtime files, created owner-only and checked as ours:
 * another user must not be able to plant our control socket. */
static int
runtime_dir(char *dir, size_t len, char *err, size_t errlen)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if ((base == NULL || *base == '\0') && geteuid() == 0)
		base = "/run";
	if (base != NULL && *base != '\0')
		snprintf(dir, len, "%s/npiperouter", base);
	else
		snprintf(dir, len, "/tmp/npiperouter-%ld", (long)geteuid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s must be a folder owned by uid %ld "
		    "with mode 0700", dir, (long)geteuid());
		return -1;
	}
	return 0;
}

int
runtime_paths_init(const char *config_file, struct runtime_paths *p,
    char *err, size_t errlen)
{
	char real[PATH_MAX], copy[PATH_MAX], *name, *dot;
	uint32_t h;

	if (realpath(config_file, real) == NULL) {
		snprintf(err, errlen, "%s: %s", config_file, strerror(errno));
		return -1;
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
	return 0;
}

void
runtime_lock_set_pid(int fd, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)pid);

	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, buf, (size_t)n, 0);
}

static pid_t
runtime_read_pid(const char *path)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

int
runtime_lock(const struct runtime_paths *p, pid_t *owner)
{
	int fd, saved;

	fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		saved = errno;
		close(fd);
		*owner = runtime_read_pid(p->lock);
		errno = saved;
		return -1;
	}
	runtime_lock_set_pid(fd, getpid());
	return fd;
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
	for (i = 0; i < secs * 20; i++) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
			rc = 0;
			break;
		}
		nanosleep(&tick, NULL);
	}
	close(fd);
	return rc;
}
