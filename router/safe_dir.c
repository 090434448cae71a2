/*
 * Open a folder by name without following a symlink someone else made.
 *
 * Looking a path up by name again and again lets whoever can write any
 * folder on it swap a folder for a symlink in between (O_NOFOLLOW and
 * lstat() only guard the last component). So the folder is opened once,
 * a component at a time with O_NOFOLLOW, and kept as a descriptor.
 *
 * Symlinks are not all refused: /var/run -> /run is how Debian spells the
 * documented /var/run/docker.sock. One owned by root or by our own user
 * was made by someone who could have put the socket anywhere anyway; one
 * owned by anybody else is that user steering us, and is refused. (Linux's
 * openat2(RESOLVE_NO_SYMLINKS) refuses them all, so it cannot do this.)
 */
#include "safe_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As the kernel's own limit on symlinks followed in one lookup. */
#define SAFE_DIR_MAX_LINKS 40

/* Append component NAME to SHOWN, the path as walked, for messages. */
static void
safe_dir_show(char *shown, size_t size, const char *name)
{
	size_t len = strlen(shown);

	snprintf(shown + len, size - len, "%s%s",
	    len > 0 && shown[len - 1] != '/' ? "/" : "", name);
}

int
safe_dir_open(const char *path, char *err, size_t errlen)
{
	char todo[PATH_MAX], target[PATH_MAX], name[NAME_MAX + 1];
	char shown[PATH_MAX], rest[PATH_MAX];
	const char *p;
	struct stat st;
	size_t n, before;
	ssize_t len;
	int cur = -1, next = -1, links = 0;

	if (strlen(path) >= sizeof todo) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(todo, path);
	strcpy(shown, path[0] == '/' ? "/" : "");
	if ((cur = open(path[0] == '/' ? "/" : ".",
	    O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s",
		    path[0] == '/' ? "/" : ".", strerror(errno));
		return -1;
	}
	p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, "/");
		if (n >= sizeof name) {
			snprintf(err, errlen, "%s/%.*s...: %s", shown, 16, p,
			    strerror(ENAMETOOLONG));
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		before = strlen(shown);
		safe_dir_show(shown, sizeof shown, name);
		if (strcmp(name, ".") == 0)
			continue;
		if ((next = openat(cur, name, O_PATH | O_NOFOLLOW |
		    O_CLOEXEC)) == -1 || fstat(next, &st) != 0) {
			snprintf(err, errlen, "cannot open %s: %s", shown,
			    strerror(errno));
			goto fail;
		}
		if (S_ISDIR(st.st_mode)) {
			close(cur);
			cur = next;
			next = -1;
			continue;
		}
		if (!S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s is not a folder", shown);
			goto fail;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			snprintf(err, errlen, "%s is a symlink owned by uid %u; "
			    "only root's and our own are followed", shown,
			    (unsigned)st.st_uid);
			goto fail;
		}
		if (++links > SAFE_DIR_MAX_LINKS) {
			snprintf(err, errlen, "cannot open %s: %s", shown,
			    strerror(ELOOP));
			goto fail;
		}
		/* The link itself, pinned: no name is looked up again. */
		len = readlinkat(next, "", target, sizeof target);
		if (len == 0)
			errno = ENOENT;
		if (len <= 0 || (size_t)len >= sizeof target ||
		    (size_t)len + 1 + strlen(p) >= sizeof todo) {
			snprintf(err, errlen, "cannot read symlink %s: %s",
			    shown, len <= 0 ? strerror(errno) :
			    strerror(ENAMETOOLONG));
			goto fail;
		}
		/* Walk the target, then what was left after the link. */
		strcpy(rest, p);
		memcpy(todo, target, (size_t)len); /* lengths checked above */
		todo[len] = '/';
		strcpy(todo + len + 1, rest);
		p = todo;
		close(next);
		next = -1;
		if (target[0] == '/') {
			close(cur);
			if ((cur = open("/", O_PATH | O_DIRECTORY |
			    O_CLOEXEC)) == -1) {
				snprintf(err, errlen, "cannot open /: %s",
				    strerror(errno));
				goto fail;
			}
			strcpy(shown, "/");
		} else
			shown[before] = '\0';
	}
	return cur;
fail:
	if (next != -1)
		close(next);
	if (cur != -1)
		close(cur);
	return -1;
}
