/*
 * What the doctor learns about the system: WSL or not, interop, drives,
 * interop sockets, listening unix sockets. Every system file is read
 * below a root prefix so tests can fake it.
 */
#include "doctor.h"
#include "sockdiag.h"
#include "wslconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DOCTOR_INTEROP_DIR "/run/WSL"
#define DOCTOR_INTEROP_SUFFIX "_interop"
/* The __SO_ACCEPTCON flag of /proc/net/unix: the socket listens. */
#define DOCTOR_UNIX_LISTENING 0x10000UL

/* First line of ROOT/PATH without its newline; -1 when unreadable. */
static int
doctor_read_line(const char *root, const char *path, char *buf, size_t len)
{
	char file[4096];
	FILE *f = NULL;

	snprintf(file, sizeof file, "%s%s", root, path);
	if ((f = fopen(file, "re")) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int
doctor_exists(const char *root, const char *path)
{
	char file[4096];

	snprintf(file, sizeof file, "%s%s", root, path);
	return access(file, F_OK) == 0;
}

enum doctor_wsl
doctor_wsl_detect(const char *root, char *kernel, size_t len)
{
	kernel[0] = '\0';
	if (doctor_read_line(root, "/proc/sys/kernel/osrelease", kernel,
	    len) != 0)
		doctor_read_line(root, "/proc/version", kernel, len);
	/* WSL 2's kernels say "microsoft", WSL 1's lxcore "Microsoft". */
	if (strstr(kernel, "microsoft") != NULL)
		return DOCTOR_WSL2;
	if (strstr(kernel, "Microsoft") != NULL)
		return DOCTOR_WSL1;
	/* A self-built WSL 2 kernel: WSL's own traces give it away. */
	if (doctor_exists(root, "/proc/sys/fs/binfmt_misc/WSLInterop") ||
	    doctor_exists(root, "/proc/sys/fs/binfmt_misc/WSLInterop-late") ||
	    doctor_exists(root, DOCTOR_INTEROP_DIR))
		return DOCTOR_WSL2;
	return DOCTOR_NOT_WSL;
}

enum doctor_interop
doctor_interop_state(const char *root, char *entry, size_t len)
{
	/* WSL registers "-late" again after systemd-binfmt, which may have
	 * removed the first one. */
	static const char *const names[] = { "WSLInterop", "WSLInterop-late",
		NULL };
	enum doctor_interop state = DOCTOR_INTEROP_MISSING;
	char path[128], line[64];

	entry[0] = '\0';
	if (doctor_read_line(root, "/proc/sys/fs/binfmt_misc/status", line,
	    sizeof line) != 0)
		return DOCTOR_BINFMT_UNMOUNTED;
	if (strcmp(line, "disabled") == 0)
		return DOCTOR_BINFMT_DISABLED;
	for (size_t i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "/proc/sys/fs/binfmt_misc/%s",
		    names[i]);
		if (doctor_read_line(root, path, line, sizeof line) != 0)
			continue;
		snprintf(entry, len, "%s", names[i]);
		if (strcmp(line, "enabled") == 0)
			return DOCTOR_INTEROP_ENABLED;
		state = DOCTOR_INTEROP_DISABLED;
	}
	return state;
}

int
doctor_wsl_conf(const char *root, const char *section, const char *key,
    char *buf, size_t len)
{
	char file[4096], err[256];

	snprintf(file, sizeof file, "%s/etc/wsl.conf", root);
	return wslconf_read(file, section, key, buf, len, NULL, err,
	    sizeof err) == WSLCONF_SET ? 0 : -1;
}

int
doctor_automount_root(const char *root, char *buf, size_t len, char *err,
    size_t errlen)
{
	char file[4096];

	snprintf(file, sizeof file, "%s/etc/wsl.conf", root);
	if (wslconf_automount_root(file, 0, buf, len, err, errlen) == 0)
		return 0;
	snprintf(buf, len, "%s", WSLCONF_AUTOMOUNT_DEFAULT);
	return -1;
}

int
doctor_on_windows_drive(const char *path, const char *automount)
{
	size_t n = strlen(automount);

	if (strncmp(path, automount, n) != 0)
		return 0;
	return isalpha((unsigned char)path[n]) &&
	    (path[n + 1] == '/' || path[n + 1] == '\0');
}

int
doctor_is_windows_exe(const char *file)
{
	char magic[2];
	int fd, rc = 0;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return 0;
	if (read(fd, magic, sizeof magic) == (ssize_t)sizeof magic)
		rc = magic[0] == 'M' && magic[1] == 'Z';
	close(fd);
	return rc;
}

int
doctor_socket_listening(const char *root, const char *path)
{
	char file[4096], line[4096 + 128], *p = NULL;
	unsigned long flags;
	int rc = 0, off = 0;
	FILE *f = NULL;
	struct stat st;

	/* On this system, ask by the file: npiperouter's sockets show in
	 * /proc/net/unix under the /proc/self/fd name they were bound by. */
	if (root[0] == '\0' && lstat(path, &st) == 0 &&
	    (rc = sockdiag_listening(st.st_dev, st.st_ino)) != -1)
		return rc;
	rc = 0;
	snprintf(file, sizeof file, "%s/proc/net/unix", root);
	if ((f = fopen(file, "re")) == NULL)
		return -1;
	/* Num: RefCount Protocol Flags Type St Inode Path */
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		off = 0;
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %n", &flags,
		    &off) != 1 || off == 0)
			continue;
		p = line + off;
		p[strcspn(p, "\n")] = '\0';
		if ((flags & DOCTOR_UNIX_LISTENING) && strcmp(p, path) == 0)
			rc = 1;
	}
	fclose(f);
	return rc;
}

/* Without waiting: a full backlog counts as no answer. */
int
doctor_socket_answers(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return 0;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return rc;
}

static int
doctor_pid_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The PIDs of ROOT/run/WSL/PID_interop, ascending; *N gets the count. */
static unsigned long *
doctor_interop_pids(const char *root, size_t *n)
{
	char dir[4096], *end = NULL;
	unsigned long *pids = NULL, *np = NULL, pid;
	size_t cap = 0;
	struct dirent *de = NULL;
	DIR *d = NULL;

	*n = 0;
	snprintf(dir, sizeof dir, "%s" DOCTOR_INTEROP_DIR, root);
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		errno = 0;
		pid = strtoul(de->d_name, &end, 10);
		if (errno != 0 || strcmp(end, DOCTOR_INTEROP_SUFFIX) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((np = realloc(pids, cap * sizeof *pids)) == NULL)
				break;
			pids = np;
		}
		pids[(*n)++] = pid;
	}
	closedir(d);
	if (pids != NULL)
		qsort(pids, *n, sizeof *pids, doctor_pid_cmp);
	return pids;
}

/*
 * Every session leader and WSL's init serve interop on /run/WSL/PID_interop;
 * the file outlives a server whose Windows side went away, so only a
 * connection tells. The lowest PID is the oldest server, most likely
 * init's, which lives as long as the distribution.
 */
const char *
doctor_find_interop_socket_at(const char *root, char *buf, size_t len)
{
	char path[4096];
	const char *found = NULL;
	unsigned long *pids = NULL;
	size_t n, i;

	pids = doctor_interop_pids(root, &n);
	for (i = 0; i < n && found == NULL; i++) {
		snprintf(path, sizeof path, "%s" DOCTOR_INTEROP_DIR "/%lu"
		    DOCTOR_INTEROP_SUFFIX, root, pids[i]);
		if (strlen(path) < len && doctor_socket_answers(path)) {
			snprintf(buf, len, "%s", path);
			found = buf;
		}
	}
	free(pids);
	return found;
}

const char *
doctor_relay_interop(const char *root, char *var, size_t len)
{
	const char *cur = getenv("WSL_INTEROP");
	char sock[sizeof ((struct sockaddr_un *)0)->sun_path];
	int n;

	if (cur != NULL && doctor_socket_answers(cur))
		return NULL;
	if (doctor_find_interop_socket_at(root, sock, sizeof sock) == NULL)
		return NULL;
	n = snprintf(var, len, "WSL_INTEROP=%s", sock);
	return n > 0 && (size_t)n < len ? var : NULL;
}
