/* Descriptor hygiene: valid 0-2, nothing inherited beyond them. */
#include "fdhygiene.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "activation.h"

static int
fdhygiene_stdio(char *err, size_t errlen)
{
	int fd, null_fd = -1, rc = -1;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* open() returns the lowest free number: the first gap is
		 * filled by the open itself, later ones by dup2. */
		if (null_fd == -1 &&
		    (null_fd = open("/dev/null", O_RDWR)) == -1) {
			snprintf(err, errlen, "cannot open /dev/null: %s",
			    strerror(errno));
			goto out;
		}
		if (null_fd != fd && dup2(null_fd, fd) == -1) {
			snprintf(err, errlen, "cannot fill descriptor %d: %s",
			    fd, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (null_fd > 2)
		close(null_fd);
	return rc;
}

/*
 * Call CB for each open descriptor from LOW up (the listing's own
 * excluded). Returns 0, or -1 with errno when the descriptors cannot be
 * listed (no /proc).
 */
static int
fdhygiene_each(int low, void (*cb)(int fd, void *arg), void *arg)
{
	DIR *d = NULL;
	struct dirent *e;
	int *fds = NULL, *nfds, self;
	size_t n = 0, cap = 0;
	long v;
	char *end;
	struct rlimit rl;
	long limit = INT_MAX;

	/* Past the soft limit only a tool's own descriptors live (valgrind
	 * keeps its own there and complains when they are touched). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)INT_MAX)
		limit = (long)rl.rlim_cur;
	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	self = dirfd(d);
	/* Collected first: CB may close what the directory lists. */
	while ((e = readdir(d)) != NULL) {
		errno = 0;
		v = strtol(e->d_name, &end, 10);
		if (*end != '\0' || errno != 0 || v < low || v >= limit ||
		    v == self)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nfds = realloc(fds, cap * sizeof *fds)) == NULL) {
				free(fds);
				closedir(d);
				errno = ENOMEM;
				return -1;
			}
			fds = nfds;
		}
		fds[n++] = (int)v;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		cb(fds[i], arg);
	free(fds);
	return 0;
}

struct fdhygiene_keep {
	int first;
	int n;
};

static void
fdhygiene_close_cb(int fd, void *arg)
{
	const struct fdhygiene_keep *k = arg;

	if (fd < k->first || fd >= k->first + k->n)
		close(fd);
}

/* The soft limit we were started with, for relays; 0 when unknown. */
static rlim_t fdhygiene_started_soft;

/*
 * Raise the soft descriptor limit to the hard one: every session costs
 * descriptors, and the usual soft 1024 lets one user with a few
 * world-writable routes starve the others and the control socket. Best
 * effort: on failure (valgrind refuses it) we go on with what we have.
 */
static void
fdhygiene_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	fdhygiene_started_soft = rl.rlim_cur;
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

int
fdhygiene_relay_nofile(struct rlimit *rl)
{
	if (fdhygiene_started_soft == 0 || getrlimit(RLIMIT_NOFILE, rl) != 0 ||
	    rl->rlim_cur == fdhygiene_started_soft)
		return 0;
	rl->rlim_cur = fdhygiene_started_soft;
	return 1;
}

int
fdhygiene_init(char *err, size_t errlen)
{
	struct fdhygiene_keep keep = { 3, 0 };

	if (fdhygiene_stdio(err, errlen) != 0)
		return -1;
	/* systemd's sockets start at 3; they are ours to serve. */
	keep.n = activation_count();
	if (fdhygiene_each(3, fdhygiene_close_cb, &keep) != 0) {
		/* No /proc (odd chroots): close the range the descriptor
		 * limit allows, one by one. */
		long max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = 3; fd < max; fd++)
			fdhygiene_close_cb(fd, &keep);
	}
	/* After closing: the listing above stops at the soft limit. */
	fdhygiene_raise_nofile();
	return 0;
}
