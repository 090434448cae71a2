/*
 * Who holds a route's socket: when something listens at a route's path,
 * is it npiperouter, or a local gpg-agent (or systemd's gpg-agent.socket)
 * that took the path first? The kernel names the listening socket
 * (sockdiag), and /proc/PID/fd links name the processes holding it.
 */
#include "config.h"
#include "doctor_priv.h"
#include "interop.h"
#include "sockdiag.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PID's name: its comm, or its argv[0]'s base name when that is ours (a
 * router under valgrind has valgrind's comm). */
static void
doctor_holder_name(long pid, char *name, size_t len, int *ours)
{
	char path[64], buf[4096], *base = NULL;
	ssize_t n;
	int fd;

	*ours = 0;
	snprintf(name, len, "?");
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if ((n = read(fd, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(name, len, "%.63s", buf);
		}
		close(fd);
	}
	if (strcmp(name, "npiperouter") == 0) {
		*ours = 1;
		return;
	}
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Each NUL-separated word: "valgrind --x ... /usr/bin/npiperouter". */
	for (char *w = buf; w < buf + n; w += strlen(w) + 1) {
		base = strrchr(w, '/');
		if (strcmp(base != NULL ? base + 1 : w, "npiperouter") == 0)
			*ours = 1;
	}
}

/* Does PID hold the socket "socket:[INO]"? */
static int
doctor_holder_has(long pid, unsigned long ino)
{
	char path[64], link[64], want[64];
	struct dirent *de = NULL;
	DIR *d = NULL;
	ssize_t n;
	int found = 0;

	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	snprintf(want, sizeof want, "socket:[%lu]", ino);
	while (!found && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = strcmp(link, want) == 0;
	}
	closedir(d);
	return found;
}

int
doctor_socket_holders(const char *path, struct doctor_holder *h, size_t max,
    size_t *n)
{
	unsigned long ino = 0;
	struct dirent *de = NULL;
	struct stat st;
	DIR *proc = NULL;
	char *end = NULL;
	long pid;

	*n = 0;
	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    sockdiag_listener(st.st_dev, st.st_ino, &ino) != 1 || ino == 0)
		return -1;
	if ((proc = opendir("/proc")) == NULL)
		return -1;
	while (*n < max && (de = readdir(proc)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (pid <= 0 || *end != '\0' || !doctor_holder_has(pid, ino))
			continue;
		h[*n].pid = pid;
		doctor_holder_name(pid, h[*n].name, sizeof h[*n].name,
		    &h[*n].ours);
		(*n)++;
	}
	closedir(proc);
	return 0;
}

/* A route for gpg-agent's sockets: the assuan adapter, or gpg's names. */
static int
doctor_route_is_gpg(const struct route_conf *r)
{
	const char *base = NULL;

	if (r->listen_path == NULL) /* exposed: gpg does not look there */
		return 0;
	base = strrchr(r->listen_path, '/');
	base = base != NULL ? base + 1 : r->listen_path;
	return strcmp(r->adapter, "assuan") == 0 ||
	    strncmp(base, "S.gpg-agent", 11) == 0;
}

#define DOCTOR_GPG_MASK "systemctl --user mask --now gpg-agent.socket " \
    "gpg-agent-extra.socket gpg-agent-browser.socket gpg-agent-ssh.socket"

/*
 * systemd's gpg-agent sockets, active even while nothing holds a route's
 * path yet: they take it at the next login. Asked of systemctl, when
 * there is one and a user manager answers; "is-active" exits non-zero
 * when any unit is inactive, hence the shell.
 */
void
doctor_check_gpg_units(struct doctor *d, const struct config *cfg)
{
	const char *const argv[] = { "/bin/sh", "-c", "systemctl --user "
	    "is-active gpg-agent.socket gpg-agent-extra.socket "
	    "gpg-agent-browser.socket gpg-agent-ssh.socket 2>/dev/null; :",
	    NULL };
	static const char *const units[] = { "gpg-agent.socket",
		"gpg-agent-extra.socket", "gpg-agent-browser.socket",
		"gpg-agent-ssh.socket" };
	char out[256], err[256], active[128] = "";
	const char *line = out;
	size_t i, off = 0;
	int any = 0;

	for (i = 0; i < cfg->nroutes && !any; i++)
		any = doctor_route_is_gpg(&cfg->routes[i]);
	if (!any || d->root[0] != '\0' ||
	    interop_run_local(argv, out, sizeof out, err, sizeof err) != 0)
		return;
	for (i = 0; i < 4 && *line != '\0'; i++) {
		size_t n = strcspn(line, "\n");

		if (n == 6 && strncmp(line, "active", 6) == 0)
			off += (size_t)snprintf(active + off, sizeof active - off,
			    "%s%s", off ? ", " : "", units[i]);
		line += n + (line[n] == '\n');
	}
	if (off > 0)
		doctor_say(d, DOCTOR_WARN, "systemd's %s %s active: a local "
		    "gpg-agent then holds the gpg sockets npiperouter is to "
		    "serve; run \"" DOCTOR_GPG_MASK "\"", active,
		    strchr(active, ',') != NULL ? "are" : "is");
}

int
doctor_check_holder(struct doctor *d, const struct route_conf *r)
{
	struct doctor_holder h[8];
	char who[512];
	size_t n = 0, off = 0;

	/* Only on this system: a fake root has no processes. */
	if (d->root[0] != '\0' ||
	    doctor_socket_holders(r->listen_path, h, 8, &n) != 0 || n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (h[i].ours)
			return 0;
		off += (size_t)snprintf(who + off, off < sizeof who ?
		    sizeof who - off : 0, "%s%s (pid %ld)", i ? ", " : "",
		    h[i].name, h[i].pid);
		if (off >= sizeof who)
			off = sizeof who - 1;
	}
	if (doctor_route_is_gpg(r))
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": %s is held by %s, not "
		    "npiperouter: a local gpg-agent competes for the socket "
		    "Gpg4win's agent is to be reached on; run \"" DOCTOR_GPG_MASK
		    "\" (with systemd) and \"gpgconf --kill gpg-agent\", then restart "
		    "npiperouter (\"npiperouter stop\", \"npiperouter start\")",
		    r->name, r->listen_path, who);
	else
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": %s is held by %s, not "
		    "npiperouter: stop that program, or give the route another "
		    "listen.path, then restart npiperouter", r->name,
		    r->listen_path, who);
	return 1;
}
