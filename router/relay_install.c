/* The default relay and its copy on the Windows drive: relay_install.h. */
#include "relay_install.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "interop.h"
#include "log.h"
#include "safe_dir.h"
#include "version.h"

/* The relay is ~100 KiB; anything this large is not it. */
#define RELAY_INSTALL_MAX (16 * 1024 * 1024)
#define RELAY_INSTALL_DIR "npiperouter"
/* A failed attempt is not retried for every route of one config load. */
#define RELAY_INSTALL_RETRY_SECS 10

const char *
relay_install_packaged(void)
{
	const char *env = getenv("NPIPEROUTER_RELAY");

	return env != NULL && *env != '\0' ? env : NPR_RELAY_PATH;
}

/* FNV-1a, 64 bits: a name, not a proof; the content itself is compared. */
static uint64_t
relay_install_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

void
relay_install_name(const void *data, size_t len, char *name, size_t namelen)
{
	snprintf(name, namelen, "nprelay-%s-%012llx.exe", NPR_VERSION,
	    (unsigned long long)(relay_install_hash(data, len) &
	    0xffffffffffffULL));
}

/* The whole of FD (a regular file) into a malloc'd *DATA. */
static int
relay_install_slurp(int fd, const char *path, unsigned char **data,
    size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;

	*data = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	if (st.st_size > RELAY_INSTALL_MAX) {
		snprintf(err, errlen, "%s is larger than %d bytes", path,
		    RELAY_INSTALL_MAX);
		return -1;
	}
	if ((*data = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    n == 0 ? "it shrank" : strerror(errno));
			free(*data);
			*data = NULL;
			return -1;
		}
		got += (size_t)n;
	}
	*len = got;
	return 0;
}

/*
 * Ours: the right type, owned by our effective uid. Modes are not
 * judged: a Windows drive shows its ACLs to Linux as 0777 (drvfs), and
 * %LOCALAPPDATA% is private to the Windows user by its ACL.
 */
static int
relay_install_ours(const struct stat *st, mode_t type, const char *what,
    const char *name, char *err, size_t errlen)
{
	if (S_ISLNK(st->st_mode)) {
		snprintf(err, errlen, "%s is a symbolic link: refused", name);
		return 0;
	}
	if ((st->st_mode & S_IFMT) != type) {
		snprintf(err, errlen, "%s is not a %s: refused", name, what);
		return 0;
	}
	if (st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %ld, not %ld: refused",
		    name, (long)st->st_uid, (long)geteuid());
		return 0;
	}
	return 1;
}

/* FD holds exactly LEN bytes equal to DATA. */
static int
relay_install_same(int fd, const unsigned char *data, size_t len)
{
	unsigned char buf[65536];
	struct stat st;
	size_t off = 0;
	ssize_t n;

	if (fstat(fd, &st) != 0 || (size_t)st.st_size != len)
		return 0;
	while (off < len) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > len - off ||
		    memcmp(buf, data + off, (size_t)n) != 0)
			return 0;
		off += (size_t)n;
	}
	return read(fd, buf, 1) == 0;
}

/* Write DATA to a new file NAME in DFD, mode 0755 (it is run). */
static int
relay_install_write(int dfd, const char *name, const unsigned char *data,
    size_t len, const char *shown, char *err, size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0755);
	if (fd == -1) {
		snprintf(err, errlen, "cannot create %s: %s", shown,
		    strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", shown,
			    n == 0 ? "no progress" : strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	/* The umask may have taken the execute bits. */
	if (fchmod(fd, 0755) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot finish %s: %s", shown,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (close(fd) != 0 && rc == 0) {
		snprintf(err, errlen, "cannot write %s: %s", shown,
		    strerror(errno));
		rc = -1;
	}
	return rc;
}

/* DIR/npiperouter, created when missing, opened as the folder we checked. */
static int
relay_install_open_dir(const char *dir, char *err, size_t errlen)
{
	char shown[PATH_MAX + 32], why[512];
	struct stat st;
	int dfd = -1, nfd = -1;

	snprintf(shown, sizeof shown, "%s/" RELAY_INSTALL_DIR, dir);
	if ((dfd = safe_dir_open(dir, why, sizeof why)) == -1) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (mkdirat(dfd, RELAY_INSTALL_DIR, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", shown,
		    strerror(errno));
		goto out;
	}
	/* Looked at before opening, to name a symlink as such. */
	if (fstatat(dfd, RELAY_INSTALL_DIR, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		goto out;
	}
	if (!relay_install_ours(&st, S_IFDIR, "folder", shown, err, errlen))
		goto out;
	nfd = openat(dfd, RELAY_INSTALL_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	/* And again what we opened: it may have been swapped meanwhile. */
	if (nfd == -1 || fstat(nfd, &st) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", shown,
		    strerror(errno));
		goto out;
	}
	if (!relay_install_ours(&st, S_IFDIR, "folder", shown, err, errlen)) {
		close(nfd);
		nfd = -1;
	}
out:
	close(dfd);
	return nfd;
}

int
relay_install_name_of(const char *path, char *name, size_t namelen,
    char *err, size_t errlen)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = relay_install_slurp(fd, path, &data, &len, err, errlen);
	close(fd);
	if (rc == 0)
		relay_install_name(data, len, name, namelen);
	free(data);
	return rc;
}

int
relay_install_copy(const char *packaged, const char *dir, char *out,
    size_t outlen, int *copied, char *err, size_t errlen)
{
	unsigned char *data = NULL;
	char name[96], tmp[128], shown[PATH_MAX + 160];
	size_t len = 0;
	int fd = -1, nfd = -1, tmp_made = 0, rc = -1, n;
	struct stat st;

	*copied = 0;
	if ((fd = open(packaged, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot open the packaged relay %s: %s",
		    packaged, strerror(errno));
		goto out;
	}
	if (relay_install_slurp(fd, packaged, &data, &len, err, errlen) != 0)
		goto out;
	close(fd);
	fd = -1;
	relay_install_name(data, len, name, sizeof name);
	n = snprintf(out, outlen, "%s/" RELAY_INSTALL_DIR "/%s", dir, name);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "%s/" RELAY_INSTALL_DIR " is too long", dir);
		goto out;
	}
	snprintf(shown, sizeof shown, "%s", out);
	if ((nfd = relay_install_open_dir(dir, err, errlen)) == -1)
		goto out;

	fd = openat(nfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ELOOP) {
		snprintf(err, errlen, "%s is a symbolic link: refused", shown);
		goto out;
	}
	if (fd == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot open %s: %s", shown,
		    strerror(errno));
		goto out;
	}
	if (fd != -1) {
		if (fstat(fd, &st) != 0 || !relay_install_ours(&st, S_IFREG,
		    "regular file", shown, err, errlen))
			goto out;
		/* The one a router may be running: used as it is. Unless
		 * not executable (a chmod, a copy that dropped the mode):
		 * every relay started from it would fail. */
		if ((st.st_mode & S_IXUSR) && relay_install_same(fd, data,
		    len)) {
			rc = 0;
			goto out;
		}
		/* Ours, with this name, but not this content (written by
		 * hand?): replaced whole, never patched in place. */
		close(fd);
		fd = -1;
	}
	snprintf(tmp, sizeof tmp, ".%s.%ld.tmp", name, (long)getpid());
	/* Left by a crash of an earlier process with our pid. */
	(void)unlinkat(nfd, tmp, 0);
	if (relay_install_write(nfd, tmp, data, len, shown, err, errlen) != 0)
		goto out;
	tmp_made = 1;
	if (renameat(nfd, tmp, nfd, name) != 0) {
		snprintf(err, errlen, "cannot rename a new copy to %s: %s", shown,
		    strerror(errno));
		goto out;
	}
	tmp_made = 0;
	*copied = 1;
	rc = 0;
out:
	if (tmp_made)
		(void)unlinkat(nfd, tmp, 0);
	if (fd != -1)
		close(fd);
	if (nfd != -1)
		close(nfd);
	free(data);
	if (rc != 0)
		out[0] = '\0';
	return rc;
}

/*
 * %LOCALAPPDATA%, asked of cmd.exe with `set`, which prints NAME=VALUE as
 * stored for each variable whose name starts so.  `echo %LOCALAPPDATA%`
 * would put the value through cmd.exe's parser: a user folder named with
 * & ends the command there, a ^ vanishes.  /d skips the AutoRun commands
 * a user may have, which could print anything before it.
 */
int
relay_install_localappdata(char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char *argv[] = { "cmd.exe", "/d", "/u", "/c", "set LOCALAPPDATA",
		NULL };
	static const char name[] = "LOCALAPPDATA=";
	char said[PATH_MAX], win[PATH_MAX], why[512], shown[1024];
	const char *line, *end;

	if (interop_run_utf16(argv, said, sizeof said, why, sizeof why) != 0) {
		snprintf(err, errlen, "cannot ask Windows for %%LOCALAPPDATA%%: "
		    "%s", why);
		return -1;
	}
	win[0] = '\0';
	for (line = said; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\r\n");
		if (strncasecmp(line, name, sizeof name - 1) == 0) {
			line += sizeof name - 1;
			snprintf(win, sizeof win, "%.*s", (int)(end - line), line);
			break;
		}
	}
	if (!isalpha((unsigned char)win[0]) || win[1] != ':' ||
	    win[2] != '\\') {
		/* Every LOCALAPPDATA* variable's lines: one line for the
		 * log, nothing a terminal would obey. */
		snprintf(err, errlen, "%%LOCALAPPDATA%% is not a folder on a "
		    "drive: cmd.exe said \"%s\"", escape_bytes(shown,
		    sizeof shown, said, strlen(said), 200, ESCAPE_QUOTES |
		    ESCAPE_KEEP_8BIT));
		return -1;
	}
	/* No Windows folder name holds one; a log line would obey it. */
	if (escape_has_control(win)) {
		snprintf(err, errlen, "%%LOCALAPPDATA%% \"%s\" holds a control "
		    "character", escape_bytes(shown, sizeof shown, win,
		    strlen(win), 200, ESCAPE_QUOTES | ESCAPE_KEEP_8BIT));
		return -1;
	}
	if (interop_path_to_linux(win, out, outlen, why, sizeof why) != 0) {
		snprintf(err, errlen, "%%LOCALAPPDATA%% %s: %s", win, why);
		return -1;
	}
	return 0;
}

/* The answer of relay_install_default(), while its files stay the same. */
static struct {
	int valid;
	struct stat packaged; /* the packaged relay it was made from */
	struct stat copy;     /* the copy, when one is used */
	int has_copy;
	time_t failed_at;     /* when falling back, since */
	char path[PATH_MAX];
} relay_install_cache;

static int
relay_install_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int
relay_install_cached(const char *packaged)
{
	struct stat st, cst;

	if (!relay_install_cache.valid || stat(packaged, &st) != 0 ||
	    !relay_install_same_file(&st, &relay_install_cache.packaged))
		return 0;
	if (relay_install_cache.has_copy)
		return lstat(relay_install_cache.path, &cst) == 0 &&
		    relay_install_same_file(&cst, &relay_install_cache.copy);
	return time(NULL) - relay_install_cache.failed_at <
	    RELAY_INSTALL_RETRY_SECS;
}

const char *
relay_install_default(void)
{
	const char *packaged = relay_install_packaged();
	char dir[PATH_MAX], path[PATH_MAX], err[1024];
	int copied = 0;

	if (!interop_available())
		return packaged;
	if (relay_install_cached(packaged))
		return relay_install_cache.path;
	memset(&relay_install_cache, 0, sizeof relay_install_cache);
	if (relay_install_localappdata(dir, sizeof dir, err, sizeof err) != 0 ||
	    relay_install_copy(packaged, dir, path, sizeof path, &copied, err,
	    sizeof err) != 0) {
		log_warn("relay: no copy on the Windows drive (%s); using %s, "
		    "which Windows starts slowly", err, packaged);
		snprintf(relay_install_cache.path, sizeof relay_install_cache.path,
		    "%s", packaged);
		relay_install_cache.failed_at = time(NULL);
	} else {
		if (copied)
			log_info("relay: copied %s to %s", packaged, path);
		else
			log_debug("relay: using %s, a copy of %s", path, packaged);
		snprintf(relay_install_cache.path, sizeof relay_install_cache.path,
		    "%s", path);
		relay_install_cache.has_copy =
		    lstat(path, &relay_install_cache.copy) == 0;
	}
	relay_install_cache.valid =
	    stat(packaged, &relay_install_cache.packaged) == 0;
	return relay_install_cache.path;
}

int
relay_install_parse_name(const char *path, char *version, size_t vlen,
    char *hash, size_t hlen)
{
	const char *base = strrchr(path, '/'), *dash = NULL, *v = NULL;
	size_t n, dirlen;

	if (base == NULL)
		return 0;
	/* The folder above is ours by name. */
	for (dirlen = 0; base - dirlen > path && base[-(long)dirlen - 1] != '/';
	    dirlen++)
		;
	if (dirlen != strlen(RELAY_INSTALL_DIR) ||
	    strncmp(base - dirlen, RELAY_INSTALL_DIR, dirlen) != 0)
		return 0;
	base++;
	n = strlen(base);
	if (strncmp(base, "nprelay-", 8) != 0 || n < 8 + 1 + 1 + 12 + 4 ||
	    strcmp(base + n - 4, ".exe") != 0)
		return 0;
	v = base + 8;
	dash = base + n - 4 - 12 - 1;
	if (*dash != '-' || dash <= v)
		return 0;
	for (const char *h = dash + 1; h < base + n - 4; h++)
		if (!isxdigit((unsigned char)*h))
			return 0;
	snprintf(version, vlen, "%.*s", (int)(dash - v), v);
	snprintf(hash, hlen, "%.12s", dash + 1);
	return 1;
}
