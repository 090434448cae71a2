/*
 * `npiperouter doctor`: one line per finding, "ok", "warn" or "FAIL",
 * each saying what to do. The system facts come from doctor_wsl.c, the
 * pipe check from doctor_probe.c.
 */
#include "doctor.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "doctor_priv.h"

#include "child.h"
#include "control.h"
#include "relay_install.h"
#include "runtime.h"

static const char *const doctor_words[] = { "ok", "warn", "FAIL" };

void
doctor_say(struct doctor *d, enum doctor_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == DOCTOR_OK)
		d->nok++;
	else if (level == DOCTOR_WARN)
		d->nwarn++;
	else
		d->nfail++;
	fprintf(d->out, "%-4s  ", doctor_words[level]);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}

static void
doctor_check_wsl(struct doctor *d)
{
	char kernel[256];

	d->wsl = doctor_wsl_detect(d->root, kernel, sizeof kernel);
	if (d->wsl == DOCTOR_NOT_WSL)
		doctor_say(d, DOCTOR_WARN, "not WSL (kernel %s): Windows "
		    "programs and named pipes cannot be checked here; checking "
		    "the rest", kernel[0] != '\0' ? kernel : "unknown");
	else
		doctor_say(d, DOCTOR_OK, "WSL %d (kernel %s)",
		    d->wsl == DOCTOR_WSL1 ? 1 : 2, kernel);
}

static void
doctor_check_interop(struct doctor *d)
{
	char entry[64], conf[16];

	switch (doctor_interop_state(d->root, entry, sizeof entry)) {
	case DOCTOR_INTEROP_ENABLED:
		d->interop_ok = 1;
		doctor_say(d, DOCTOR_OK, "interop: Windows programs can start "
		    "(binfmt_misc entry %s)", entry);
		break;
	case DOCTOR_INTEROP_DISABLED:
		doctor_say(d, DOCTOR_FAIL, "interop is disabled (binfmt_misc "
		    "entry %s%s): set \"enabled = true\" under [interop] in "
		    "/etc/wsl.conf, then run \"wsl.exe --shutdown\" in Windows",
		    entry, doctor_wsl_conf(d->root, "interop", "enabled", conf,
		    sizeof conf) == 0 ? ", and /etc/wsl.conf sets it" : "");
		break;
	case DOCTOR_INTEROP_MISSING:
		doctor_say(d, DOCTOR_FAIL, "interop: no WSLInterop entry in "
		    "/proc/sys/fs/binfmt_misc, so no Windows program starts; "
		    "systemd-binfmt may have removed it: put "
		    "\":WSLInterop:M::MZ::/init:PF\" into "
		    "/usr/lib/binfmt.d/WSLInterop.conf, then run "
		    "\"wsl.exe --shutdown\" in Windows");
		break;
	case DOCTOR_BINFMT_UNMOUNTED:
		doctor_say(d, DOCTOR_FAIL, "interop: binfmt_misc is not mounted "
		    "on /proc/sys/fs/binfmt_misc, so no Windows program starts: "
		    "\"sudo mount -t binfmt_misc binfmt_misc "
		    "/proc/sys/fs/binfmt_misc\", or restart WSL");
		break;
	case DOCTOR_BINFMT_DISABLED:
		doctor_say(d, DOCTOR_FAIL, "interop: binfmt_misc is switched "
		    "off, so no Windows program starts: \"echo 1 | sudo tee "
		    "/proc/sys/fs/binfmt_misc/status\"");
		break;
	}
}

/* WSL 2 only: WSL 1 starts Windows programs without these sockets. */
static void
doctor_check_interop_socket(struct doctor *d)
{
	const char *env = getenv("WSL_INTEROP");

	if (doctor_find_interop_socket_at(d->root, d->interop,
	    sizeof d->interop) != NULL)
		doctor_say(d, DOCTOR_OK, "interop socket %s answers; relays "
		    "started without a WSL terminal (systemd) use it",
		    d->interop);
	else {
		d->interop[0] = '\0';
		doctor_say(d, DOCTOR_FAIL, "interop: no /run/WSL/*_interop "
		    "socket answers, so relays started without a WSL terminal "
		    "(systemd) cannot start Windows programs: open a WSL "
		    "terminal, or restart WSL (\"wsl.exe --shutdown\")");
	}
	if (env != NULL && *env != '\0' && !doctor_socket_answers(env))
		doctor_say(d, DOCTOR_WARN, "WSL_INTEROP=%s does not answer (its "
		    "terminal is gone), so Windows programs fail in this shell%s%s",
		    env, d->interop[0] != '\0' ? ": export WSL_INTEROP=" : "",
		    d->interop);
}

static void
doctor_check_config(struct doctor *d, const struct config *cfg,
    const char *file)
{
	if (cfg == NULL)
		doctor_say(d, DOCTOR_FAIL, "config %s does not load: "
		    "\"npiperouter check -c %s\" lists every problem", file, file);
	else if (cfg->builtin)
		doctor_say(d, DOCTOR_OK, "config %s: no such file; %zu built-in "
		    "route(s) for the Windows services found", file,
		    cfg->nroutes);
	else
		doctor_say(d, DOCTOR_OK, "config %s: %zu route(s)", file,
		    cfg->nroutes);
}

/* " (or remove relay.path: npiperouter has its own, /usr/...)" or "". */
static void
doctor_packaged_relay(char *buf, size_t len)
{
	const char *own = relay_install_packaged();

	buf[0] = '\0';
	if (access(own, R_OK) == 0)
		snprintf(buf, len, ", or remove relay.path to use the one that "
		    "came with npiperouter (%s)", own);
}

/*
 * PATH is a copy relay_install.c keeps: say which, and whether it is the
 * installed relay's. Returns 1 when it said something.
 */
static int
doctor_check_relay_copy(struct doctor *d, const char *path)
{
	const char *own = relay_install_packaged();
	char version[64], hash[16], want[96], err[512];

	if (!relay_install_parse_name(path, version, sizeof version, hash,
	    sizeof hash))
		return 0;
	if (relay_install_name_of(own, want, sizeof want, err,
	    sizeof err) != 0) {
		doctor_say(d, DOCTOR_WARN, "relay %s is a copy npiperouter kept "
		    "of its relay, which is gone (%s): reinstall npiperouter",
		    path, err);
		return 1;
	}
	if (strcmp(strrchr(path, '/') + 1, want) != 0) {
		doctor_say(d, DOCTOR_WARN, "relay %s is an outdated copy (%s) "
		    "of npiperouter's relay, now %s (%s): remove relay.path from "
		    "the config so that npiperouter copies the new one and uses "
		    "it, then restart npiperouter (\"npiperouter stop\", "
		    "\"npiperouter start\")", path, version, own, want);
		return 1;
	}
	doctor_say(d, DOCTOR_OK, "relay %s (npiperouter's copy of %s, kept on "
	    "the Windows drive)", path, own);
	return 1;
}

/* Returns 1 when PATH is a usable Windows program, 0 otherwise. */
static int
doctor_check_relay(struct doctor *d, const char *path)
{
	char real[PATH_MAX], hint[PATH_MAX + 64];
	struct stat st;

	if (stat(path, &st) != 0) {
		doctor_packaged_relay(hint, sizeof hint);
		doctor_say(d, DOCTOR_FAIL, "relay %s: %s: set relay.path to "
		    "where nprelay.exe or npiperelay.exe is%s", path,
		    strerror(errno), hint);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		doctor_say(d, DOCTOR_FAIL, "relay %s is not an executable "
		    "file: \"chmod +x %s\", or fix relay.path", path, path);
		return 0;
	}
	if (!doctor_is_windows_exe(path)) {
		doctor_say(d, DOCTOR_OK, "relay %s (a Linux program)", path);
		return 0;
	}
	if (d->wsl == DOCTOR_NOT_WSL) {
		doctor_say(d, DOCTOR_WARN, "relay %s is a Windows program: it "
		    "runs only on WSL (or under Wine)", path);
		return 1;
	}
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof real, "%s", path);
	if (!doctor_on_windows_drive(real, d->automount)) {
		doctor_say(d, DOCTOR_WARN, "relay %s is on the Linux file "
		    "system: Windows starts it seconds slower, once per "
		    "connection; leave relay.path unset so that npiperouter "
		    "keeps a copy in %%LOCALAPPDATA%%\\npiperouter (the log "
		    "says why it could not), or copy it to a Windows drive "
		    "(%sc/...) and point relay.path there", path, d->automount);
		return 1;
	}
	if (doctor_check_relay_copy(d, real))
		return 1;
	doctor_say(d, DOCTOR_OK, "relay %s (a Windows program on a Windows "
	    "drive)", path);
	return 1;
}

static void
doctor_check_cwd(struct doctor *d, const char *cwd, int windows)
{
	struct stat st;

	if (cwd == NULL) {
		if (d->wsl != DOCTOR_NOT_WSL && windows)
			doctor_say(d, DOCTOR_WARN, "relay.cwd is not set and "
			    "/mnt/c does not exist: Windows relays start in "
			    "npiperouter's own folder; set relay.cwd to a folder "
			    "on a Windows drive");
		return;
	}
	if (stat(cwd, &st) != 0) {
		doctor_say(d, DOCTOR_FAIL, "relay.cwd %s: %s: no relay can "
		    "start; fix relay.cwd", cwd, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		doctor_say(d, DOCTOR_FAIL, "relay.cwd %s is not a folder: no "
		    "relay can start; fix relay.cwd", cwd);
		return;
	}
	if (d->wsl != DOCTOR_NOT_WSL && windows &&
	    !doctor_on_windows_drive(cwd, d->automount)) {
		doctor_say(d, DOCTOR_WARN, "relay.cwd %s is not on a Windows "
		    "drive: Windows relays start slower and complain about UNC "
		    "paths; set relay.cwd = \"%sc\"", cwd, d->automount);
		return;
	}
	doctor_say(d, DOCTOR_OK, "relay.cwd %s", cwd);
}

static void
doctor_group_name(gid_t gid, char *buf, size_t len)
{
	struct group gr, *grp = NULL;
	char gbuf[4096];

	if (getgrgid_r(gid, &gr, gbuf, sizeof gbuf, &grp) == 0 && grp != NULL)
		snprintf(buf, len, "%s", grp->gr_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)gid);
}

static void
doctor_check_socket(struct doctor *d, const struct route_conf *r)
{
	const char *path = r->listen_path;
	char have[64], want[64];
	struct stat st;
	int listening;

	if (lstat(path, &st) != 0) {
		/* Not a start that would fail on the runtime folder. */
		if (errno == ENOENT && d->rundir_bad)
			doctor_say(d, DOCTOR_WARN, "route \"%s\": %s does not "
			    "exist: npiperouter is not running for this config, "
			    "and cannot start until XDG_RUNTIME_DIR is fixed "
			    "(above)", r->name, path);
		else if (errno == ENOENT)
			doctor_say(d, DOCTOR_WARN, "route \"%s\": %s does not "
			    "exist: npiperouter is not running for this config "
			    "(\"npiperouter start\", or \"systemctl --user start "
			    "npiperouter\")", r->name, path);
		else
			doctor_say(d, DOCTOR_FAIL, "route \"%s\": %s: %s",
			    r->name, path, strerror(errno));
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": %s is a %s, not a "
		    "socket, and npiperouter will not replace it: remove it",
		    r->name, path, S_ISLNK(st.st_mode) ? "symbolic link" :
		    "file or folder");
		return;
	}
	/* Someone else's listener first: its mode is not ours to fix. */
	if (doctor_check_holder(d, r))
		return;
	if ((st.st_mode & 07777) != r->listen_mode) {
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": %s has mode %04o, the "
		    "config says %04o: restart npiperouter (for a socket bound "
		    "by systemd, fix SocketMode= of its socket unit)", r->name,
		    path, (unsigned)(st.st_mode & 07777), (unsigned)r->listen_mode);
		return;
	}
	if (r->has_group && st.st_gid != r->listen_gid) {
		doctor_group_name(st.st_gid, have, sizeof have);
		doctor_group_name(r->listen_gid, want, sizeof want);
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": %s belongs to group "
		    "%s, the config says %s: restart npiperouter (for a socket "
		    "bound by systemd, fix SocketGroup=)", r->name, path, have,
		    want);
		return;
	}
	if (st.st_uid != geteuid())
		doctor_say(d, DOCTOR_WARN, "route \"%s\": %s belongs to uid "
		    "%lu, not to you (uid %lu): another user's npiperouter, or "
		    "the system one?", r->name, path, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
	listening = doctor_socket_listening(d->root, path);
	if (listening == 0)
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": nothing listens on "
		    "%s: left over by an instance that ended; \"npiperouter "
		    "start\" replaces it", r->name, path);
	else
		doctor_say(d, DOCTOR_OK, "route \"%s\": %s, mode %04o%s%s",
		    r->name, path, (unsigned)(st.st_mode & 07777),
		    listening == 1 ? ", listening" : "",
		    r->has_group ? ", group as configured" : "");
}

static void
doctor_check_pipe(struct doctor *d, const struct route_conf *r,
    int windows)
{
	struct doctor_probe p;

	if (r->relay.path == NULL || access(r->relay.path, X_OK) != 0)
		return; /* reported with the relay */
	if (windows && d->wsl == DOCTOR_NOT_WSL) {
		doctor_say(d, DOCTOR_WARN, "route \"%s\": pipe %s not checked: "
		    "Windows pipes are reachable only from WSL", r->name, r->pipe);
		return;
	}
	if (windows && !d->interop_ok) {
		doctor_say(d, DOCTOR_WARN, "route \"%s\": pipe %s not checked: "
		    "interop does not work (see above)", r->name, r->pipe);
		return;
	}
	doctor_probe_run(d, r, &p);
	if (p.status == 0)
		doctor_say(d, DOCTOR_OK, "route \"%s\": pipe %s answers", r->name,
		    r->pipe);
	else if (p.status == DOCTOR_PROBE_TIMEOUT)
		doctor_say(d, DOCTOR_WARN, "route \"%s\": no answer from pipe %s "
		    "within %u ms: the service is busy, or the relay waits for a "
		    "missing pipe (-p)", r->name, r->pipe, d->timeout_ms);
	else
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": the relay failed on "
		    "pipe %s (exit %d%s%s): is the Windows service running "
		    "(Docker Desktop, the OpenSSH Authentication Agent, "
		    "gpg-agent)?", r->name, r->pipe, p.status,
		    p.err[0] != '\0' ? ": " : "", p.err);
}

/* An exposed route's "connect" socket: there, and answering. */
static void
doctor_check_connect(struct doctor *d, const struct route_conf *r)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc = -1, err = 0;

	if (stat(r->connect_path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": connect %s: %s: is "
		    "the service running?", r->name, r->connect_path,
		    errno == 0 || S_ISSOCK(st.st_mode) ? "not a socket" :
		    strerror(errno));
		return;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", r->connect_path);
	/* Non-blocking: a full backlog is an answer too (EAGAIN). */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) != -1) {
		rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
		err = errno;
		close(fd);
	} else
		err = errno;
	if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
		doctor_say(d, DOCTOR_OK, "route \"%s\": connect %s answers",
		    r->name, r->connect_path);
	else
		doctor_say(d, DOCTOR_FAIL, "route \"%s\": connect %s does not "
		    "answer: %s: is the service running?", r->name,
		    r->connect_path, strerror(err));
}

/* What the running instance's relay said of route R's pipe. */
static void
doctor_check_exposure(struct doctor *d, const struct route_conf *r)
{
	const char *p = d->exposures, *end, *state, *error;
	size_t nlen = strlen(r->name);

	if (p == NULL) {
		doctor_say(d, DOCTOR_WARN, "route \"%s\": pipe %s not checked: "
		    "npiperouter is not running for this config", r->name,
		    r->expose_pipe);
		return;
	}
	for (; *p != '\0'; p = *end == '\n' ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		if (strncmp(p, r->name, nlen) != 0 || p[nlen] != '\t')
			continue;
		state = p + nlen + 1;
		error = state + strcspn(state, "\t\n");
		error = *error == '\t' ? error + 1 : error;
		if (strncmp(state, "exposed\t", 8) == 0)
			doctor_say(d, DOCTOR_OK, "route \"%s\": pipe %s exposed "
			    "to Windows", r->name, r->expose_pipe);
		else if (strstr(error, "already in use") != NULL ||
		    strstr(error, "(Win32 error 5)") != NULL)
			doctor_say(d, DOCTOR_FAIL, "route \"%s\": pipe %s is "
			    "held by another process (%.*s): stop the program "
			    "that serves it (Docker Desktop, podman machine, "
			    "another npiperouter), or expose another name",
			    r->name, r->expose_pipe, (int)(end - error), error);
		else if (error < end)
			doctor_say(d, DOCTOR_FAIL, "route \"%s\": the relay "
			    "cannot expose %s: %.*s", r->name, r->expose_pipe,
			    (int)(end - error), error);
		else
			doctor_say(d, DOCTOR_WARN, "route \"%s\": pipe %s not "
			    "exposed yet (%.*s)", r->name, r->expose_pipe,
			    (int)(strcspn(state, "\t\n")), state);
		return;
	}
	doctor_say(d, DOCTOR_WARN, "route \"%s\": the running instance has "
	    "no such exposed route: reload it (\"npiperouter reload\")",
	    r->name);
}

/* The first route using the same relay path (or cwd), for dedupe. */
static int
doctor_seen(const struct config *cfg, size_t i, int cwd)
{
	const char *a = NULL, *b = NULL;

	for (size_t j = 0; j < i; j++) {
		a = cwd ? cfg->routes[j].relay.cwd : cfg->routes[j].relay.path;
		b = cwd ? cfg->routes[i].relay.cwd : cfg->routes[i].relay.path;
		if ((a == NULL && b == NULL) ||
		    (a != NULL && b != NULL && strcmp(a, b) == 0))
			return 1;
	}
	return 0;
}

static void
doctor_check_routes(struct doctor *d, const struct config *cfg)
{
	int *windows = NULL, any = 0;
	size_t i;

	if ((windows = calloc(cfg->nroutes + 1, sizeof *windows)) == NULL) {
		doctor_say(d, DOCTOR_FAIL, "out of memory");
		return;
	}
	for (i = 0; i < cfg->nroutes; i++) {
		if (cfg->routes[i].relay.path == NULL)
			continue;
		if (!doctor_seen(cfg, i, 0))
			windows[i] = doctor_check_relay(d,
			    cfg->routes[i].relay.path);
		else
			windows[i] = doctor_is_windows_exe(
			    cfg->routes[i].relay.path);
		any |= windows[i];
	}
	for (i = 0; i < cfg->nroutes; i++)
		if (!doctor_seen(cfg, i, 1))
			doctor_check_cwd(d, cfg->routes[i].relay.cwd, any);
	for (i = 0; i < cfg->nroutes; i++) {
		if (cfg->routes[i].expose_pipe != NULL) {
			doctor_check_connect(d, &cfg->routes[i]);
			doctor_check_exposure(d, &cfg->routes[i]);
			continue;
		}
		doctor_check_socket(d, &cfg->routes[i]);
		doctor_check_pipe(d, &cfg->routes[i], windows[i]);
	}
	free(windows);
}

int
doctor_run_opts(const struct doctor_opts *opts, const struct config *cfg,
    const char *config_file, FILE *out)
{
	struct doctor d;
	char err[512], interop[sizeof d.interop + 16];
	int automount_bad;

	memset(&d, 0, sizeof d);
	d.out = out;
	d.root = opts->root;
	d.timeout_ms = opts->pipe_timeout_ms;
	d.exposures = opts->exposures;
	automount_bad = doctor_automount_root(d.root, d.automount,
	    sizeof d.automount, err, sizeof err) != 0;

	doctor_check_wsl(&d);
	if (d.wsl != DOCTOR_NOT_WSL && automount_bad)
		doctor_say(&d, DOCTOR_WARN, "%s: taking %s as where Windows "
		    "drives are mounted", err, d.automount);
	if (d.wsl != DOCTOR_NOT_WSL)
		doctor_check_interop(&d);
	if (d.wsl == DOCTOR_WSL2)
		doctor_check_interop_socket(&d);
	doctor_check_config(&d, cfg, config_file);
	/* Else "not running" below would send the user to a start that
	 * fails on it. */
	if (runtime_dir_usable(err, sizeof err) != 0) {
		doctor_say(&d, DOCTOR_FAIL, "%s", err);
		d.rundir_bad = 1;
	}
	/* Probes see what the daemon's relays see (server.c does the same). */
	child_env_init(doctor_relay_interop(d.root, interop, sizeof interop));
	if (cfg != NULL) {
		doctor_check_routes(&d, cfg);
		doctor_check_gpg_units(&d, cfg);
		doctor_check_env(&d, cfg);
	}
	child_env_free();
	fprintf(out, "%u ok, %u warning(s), %u failure(s)\n", d.nok, d.nwarn,
	    d.nfail);
	fflush(out);
	return d.nfail > 0 ? 1 : 0;
}

int
doctor_run(const struct config *cfg, const char *config_file, FILE *out)
{
	struct doctor_opts opts = { "", DOCTOR_PIPE_TIMEOUT_MS, NULL };
	struct runtime_paths p;
	char *text = NULL, err[256];
	int rc;
	size_t i;

	/* Exposed pipes: only the running instance's relays know. */
	for (i = 0; cfg != NULL && i < cfg->nroutes; i++)
		if (cfg->routes[i].expose_pipe != NULL)
			break;
	if (cfg != NULL && i < cfg->nroutes && runtime_paths_init(config_file,
	    &p, err, sizeof err) == 0 && control_request(p.ctl, "exposures",
	    &text, err, sizeof err) == 0)
		opts.exposures = text;
	rc = doctor_run_opts(&opts, cfg, config_file, out);
	free(text);
	return rc;
}
