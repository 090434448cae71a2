/* The subcommands of npiperouter: check and run the config here, or start,
 * stop, reload and ask a background instance through its control socket. */
#include "command.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "builtin.h"
#include "config.h"
#include "control.h"
#include "doctor.h"
#include "escape.h"
#include "log.h"
#include "runtime.h"
#include "server.h"
#include "shellenv.h"
#include "status.h"
#include "trust.h"
#include "version.h"

/* Longest a `stop` waits for the instance to exit. */
#define COMMAND_STOP_WAIT_SECS 3700

/* Whether a missing default file means the built-in routes. */
static int command_builtin_ok;

void
command_init(int builtin_ok)
{
	command_builtin_ok = builtin_ok;
}

/* FILE is missing and the built-in routes stand in for it. */
static int
command_is_builtin(const char *file)
{
	return command_builtin_ok && access(file, F_OK) != 0 &&
	    errno == ENOENT;
}

/* command_load() flags. LOG: for serving, so built-in routes whose
 * socket something else answers on are left out, errors to the log.
 * ABSENT: FILE is our own empty output (builtin_opts). */
#define COMMAND_LOAD_LOG 1
#define COMMAND_LOAD_ABSENT 2

/*
 * Load FILE (or the built-in routes), printing every problem; NULL when
 * it does not validate. FLAGS: COMMAND_LOAD_*.
 */
static struct config *
command_load(const char *file, int flags)
{
	int to_log = (flags & COMMAND_LOAD_LOG) != 0;
	struct builtin_opts opts = { to_log, NULL,
	    (flags & COMMAND_LOAD_ABSENT) != 0 };
	struct config *cfg = NULL;
	struct config_errors errs = { NULL, 0 };

	if (builtin_config_load(file, command_builtin_ok, &opts, &cfg,
	    &errs) == 0)
		return cfg;
	for (size_t i = 0; i < errs.n; i++) {
		if (to_log)
			log_error("%s", errs.lines[i]);
		else
			fprintf(stderr, "%s\n", errs.lines[i]);
	}
	if (!to_log)
		fprintf(stderr, "%s: %zu error(s)\n", file, errs.n);
	config_errors_free(&errs);
	return NULL;
}

/* Route I's relay.path, unless an earlier route has the same: each is
 * looked at once. */
static const char *
command_relay_first(const struct config *cfg, size_t i)
{
	const char *path = cfg->routes[i].relay.path;

	for (size_t j = 0; path != NULL && j < i; j++)
		if (cfg->routes[j].relay.path != NULL &&
		    strcmp(cfg->routes[j].relay.path, path) == 0)
			return NULL;
	return path;
}

/*
 * Root runs each relay.path as root: say so when another user could
 * replace it. Only a warning: a relay on /mnt/c (drvfs) belongs to the
 * Windows user's uid with mode 0777, and refusing it would break every
 * root route with a Windows relay (see npiperouter.conf(5)). A missing
 * one is command_relay_missing()'s, for check.
 */
static void
command_relay_warnings(const struct config *cfg, int to_log)
{
	const char *path = NULL;
	char err[1024];
	size_t i;

	if (geteuid() != 0)
		return;
	for (i = 0; i < cfg->nroutes; i++) {
		path = command_relay_first(cfg, i);
		if (path == NULL || access(path, F_OK) != 0 ||
		    trust_check_path(path, 0, err, sizeof err) == 0)
			continue;
		if (to_log)
			log_warn("relay.path %s: %s; root runs it for route "
			    "\"%s\"", path, err, cfg->routes[i].name);
		else
			fprintf(stderr, "warning: relay.path %s: %s; root runs "
			    "it for route \"%s\"\n", path, err,
			    cfg->routes[i].name);
	}
}

/*
 * check: a relay.path that cannot run (a typo, a copy not made yet) is
 * only a warning, since it may appear before the first connection (a
 * drive mounted later), but it is said here rather than found by the
 * first client.
 */
static void
command_relay_missing(const struct config *cfg)
{
	const char *path = NULL;
	size_t i;

	for (i = 0; i < cfg->nroutes; i++) {
		path = command_relay_first(cfg, i);
		if (path == NULL || access(path, X_OK) == 0)
			continue;
		fprintf(stderr, "warning: relay.path %s: %s (route \"%s\"); "
		    "npiperouter doctor says more\n", path, strerror(errno),
		    cfg->routes[i].name);
	}
}

int
command_check(const char *file, int routes_only)
{
	struct config *cfg = NULL;
	char line[1024];

	if ((cfg = command_load(file, 0)) == NULL)
		return 1;
	if (routes_only) {
		for (size_t i = 0; i < cfg->nroutes; i++)
			printf("%s\n", cfg->routes[i].name);
		config_free(cfg);
		return 0;
	}
	command_relay_warnings(cfg, 0);
	command_relay_missing(cfg);
	/* Not the file's fault, but what the next start would stop at. */
	if (runtime_dir_usable(line, sizeof line) != 0)
		fprintf(stderr, "warning: %s; until then start, run, status, "
		    "env, reload and stop refuse to work\n", line);
	for (size_t i = 0; i < cfg->nroutes; i++) {
		config_route_summary(&cfg->routes[i], line, sizeof line);
		printf("%s\n", line);
	}
	if (cfg->builtin)
		printf("%s: no such file; %zu built-in route(s) for the Windows "
		    "services found, OK\n", file, cfg->nroutes);
	else
		printf("%s: %zu route(s), OK\n", file, cfg->nroutes);
	config_free(cfg);
	return 0;
}

/*
 * `config --print > FILE`: the shell made FILE, empty, before we ran, and
 * it stands for no file: the built-in routes are what is to be saved.
 */
static int
command_output_is_empty(const char *file)
{
	struct stat out, st;

	return fstat(STDOUT_FILENO, &out) == 0 && stat(file, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 0 &&
	    out.st_dev == st.st_dev && out.st_ino == st.st_ino;
}

int
command_config_print(const char *file)
{
	struct config *cfg = NULL;
	char err[256];
	int rc = 0, saving = command_output_is_empty(file);

	if ((cfg = command_load(file, saving ? COMMAND_LOAD_ABSENT : 0)) ==
	    NULL)
		return 1;
	if (cfg->builtin && saving)
		printf("# The built-in routes for the Windows services found "
		    "when this file\n# was written; edit them here.\n");
	else if (cfg->builtin)
		printf("# %s does not exist: these are the built-in routes for "
		    "the\n# Windows services found now. Save this as that file "
		    "to edit them.\n", file);
	else
		printf("# The configuration loaded from %s, as one file.\n",
		    file);
	/* Saved beside routes.d, its routes would come twice. */
	if (config_print_dropins(cfg))
		printf("# It holds the routes of the routes.d folder beside "
		    "it too: keep it away\n# from that folder, or remove "
		    "them here.\n");
	fflush(stdout);
	if (config_print(cfg, stdout, err, sizeof err) != 0) {
		fprintf(stderr, "npiperouter: %s\n", err);
		rc = 1;
	}
	config_free(cfg);
	return rc;
}

static int
command_paths(const char *file, struct runtime_paths *p)
{
	char err[512];

	if (runtime_paths_init(file, p, err, sizeof err) != 0) {
		fprintf(stderr, "npiperouter: %s\n", err);
		return -1;
	}
	return 0;
}

int
command_run(const char *file)
{
	struct server_opts opts = { NULL, -1 };
	struct runtime_paths p;
	struct config *cfg = NULL;
	pid_t owner = 0;
	int lock, rc;

	if ((cfg = command_load(file, COMMAND_LOAD_LOG)) == NULL)
		return 1;
	command_relay_warnings(cfg, 1);
	if (command_paths(file, &p) != 0)
		goto fail;
	if ((lock = runtime_lock(&p, &owner)) == -1) {
		if (errno != EWOULDBLOCK)
			log_error("%s: %s", p.lock, strerror(errno));
		else if (owner == 0)
			log_error("another npiperouter is starting for %s", file);
		else
			log_error("another npiperouter (pid %ld) already serves "
			    "%s", (long)owner, file);
		goto fail;
	}
	runtime_lock_set_pid(lock, getpid());
	log_info("npiperouter %s using %s", NPR_VERSION, file);
	opts.ctl_path = p.ctl;
	rc = server_run(cfg, &opts);
	runtime_lock_release(lock);
	return rc;
fail:
	config_free(cfg);
	return 1;
}

/*
 * Print TEXT (LEN bytes), which came from a socket or a file, to OUT line
 * by line with control bytes escaped: a terminal must not obey what
 * someone else may have put there. UTF-8 stays (paths in status).
 */
static void
command_print_text(FILE *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char *shown = NULL;
	size_t n;

	if ((shown = malloc(len * 4 + 4)) == NULL)
		fatalx("out of memory");
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(out, "%s%s", escape_bytes(shown, len * 4 + 4, p, n,
		    ESCAPE_ALL, ESCAPE_KEEP_8BIT), nl != NULL ? "\n" : "");
		p += n + (nl != NULL);
	}
	free(shown);
}

/* The size of the log at PATH (0: none yet), where a new start's lines
 * will begin. */
static off_t
command_log_size(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_size : 0;
}

/*
 * Show the end of a background instance's log after a failed start: only
 * what was written from FROM on, so an earlier start's failure does not
 * pass for this one's.
 */
static void
command_show_log_tail(const char *path, off_t from)
{
	char buf[4096];
	ssize_t n;
	size_t len = 0;
	off_t size;
	int fd;

	/* Not through a link: the folder is ours, the file should be too. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (from > size)
		from = 0;
	lseek(fd, size - from > (off_t)sizeof buf ? size - (off_t)sizeof buf :
	    from, SEEK_SET);
	while (len < sizeof buf &&
	    (n = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)n;
	close(fd);
	command_print_text(stderr, buf, len);
}

/*
 * In the forked child: detach and serve, logging to the instance's log.
 * CFG NULL: load FILE here (the built-in routes), so that what the probe
 * found and skipped is in that log.
 */
static void __attribute__((noreturn))
command_daemon(const char *file, struct config *cfg,
    const struct runtime_paths *p, int lock, int ready_fd)
{
	struct server_opts opts = { p->ctl, ready_fd };
	int null_fd, log_fd, rc;

	setsid();
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	log_fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (null_fd == -1 || log_fd == -1)
		_exit(1);
	dup2(null_fd, 0);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	log_init(log_get_level());
	runtime_lock_set_pid(lock, getpid());
	log_info("npiperouter %s started in the background for %s",
	    NPR_VERSION, file);
	if (cfg == NULL)
		cfg = command_load(file, COMMAND_LOAD_LOG);
	rc = cfg != NULL ? server_run(cfg, &opts) : 1;
	runtime_lock_release(lock);
	exit(rc);
}

/* How long `start --env` waits for an instance another start began, and
 * after how long it says so (a new shell seems to hang meanwhile). */
#define COMMAND_ENV_WAIT_MS 30000
#define COMMAND_ENV_SAY_MS 2000
/* command_start_once(): the instance that held the lock ended unasked. */
#define COMMAND_START_AGAIN (-2)

static int command_env_wait(const char *file);

/* One start; COMMAND_START_AGAIN when start --env found the instance it
 * waited for gone before it answered. */
static int
command_start_once(const char *file, int shell)
{
	struct runtime_paths p;
	struct config *cfg = NULL;
	pid_t owner = 0, pid;
	off_t log_from;
	int lock = -1, ready[2] = { -1, -1 }, rc = 1;
	FILE *say = shell >= 0 ? stderr : stdout;
	char c;

	/* Built-in routes are probed only when no instance runs (that
	 * starts Windows programs, too slow for every new shell), by the
	 * instance itself (command_daemon). */
	if (!command_is_builtin(file) && (cfg = command_load(file, 0)) == NULL)
		return 1;
	if (command_paths(file, &p) != 0)
		goto out;
	if ((lock = runtime_lock(&p, &owner)) == -1) {
		if (errno != EWOULDBLOCK) {
			fprintf(stderr, "npiperouter: %s: %s\n", p.lock,
			    strerror(errno));
			goto out;
		}
		/* With --env this runs in every new shell: quiet. */
		if (shell >= 0)
			;
		else if (owner == 0)
			printf("npiperouter is starting for %s (by another "
			    "start)\n", file);
		else
			printf("npiperouter is already running for %s (pid "
			    "%ld)\n", file, (long)owner);
		rc = 0;
		goto out;
	}
	/* We hold the lock: only our child writes the log from here on. */
	log_from = command_log_size(p.log);
	if (pipe2(ready, O_CLOEXEC) != 0 || (pid = fork()) == -1) {
		fprintf(stderr, "npiperouter: cannot start: %s\n",
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(ready[0]);
		command_daemon(file, cfg, &p, lock, ready[1]);
	}
	/* The lock stays held through the child's copy of the fd. */
	close(ready[1]);
	ready[1] = -1;
	if (read(ready[0], &c, 1) == 1) {
		fprintf(say, "npiperouter started (pid %ld) for %s; log: %s\n",
		    (long)pid, file, p.log);
		rc = 0;
	} else {
		waitpid(pid, NULL, 0);
		fprintf(stderr, "npiperouter failed to start; from %s:\n", p.log);
		command_show_log_tail(p.log, log_from);
	}
out:
	for (int i = 0; i < 2; i++)
		if (ready[i] != -1)
			close(ready[i]);
	if (lock != -1)
		close(lock);
	config_free(cfg);
	if (rc == 0 && shell >= 0) {
		if ((rc = command_env_wait(file)) == 1)
			return COMMAND_START_AGAIN;
		rc = rc == 0 ? command_env(file, shell, NULL, 0) : 1;
	}
	return rc;
}

int
command_start(const char *file, int shell)
{
	struct runtime_paths p;
	int rc;

	/* An instance that held the lock can end without ever answering
	 * (it failed to start, or was killed): then start one here, once. */
	if ((rc = command_start_once(file, shell)) == COMMAND_START_AGAIN &&
	    (rc = command_start_once(file, shell)) == COMMAND_START_AGAIN) {
		/* `status` shows no log: with nothing running, name it. */
		if (command_paths(file, &p) == 0)
			fprintf(stderr, "npiperouter: the instance for %s ended "
			    "twice before it answered; its log may say why: "
			    "%s\n", file, p.log);
		rc = 1;
	}
	return rc;
}

/* Send CMD to the instance for FILE. Prints its answer; *RUNNING is 1 when
 * an instance answered, 0 when none did, -1 when we could not ask (said
 * why). Returns the exit status. */
static int
command_ask(const char *file, const char *cmd, int *running,
    struct runtime_paths *p)
{
	char *text = NULL, err[512];
	int rc;

	*running = -1;
	if (command_paths(file, p) != 0)
		return 1;
	*running = 0;
	rc = control_request(p->ctl, cmd, &text, err, sizeof err);
	if (rc == CONTROL_HUNG) {
		fprintf(stderr, "npiperouter: the instance for %s does not "
		    "answer (%s)\n", file, err);
		*running = -1;
		return 1;
	}
	if (rc == CONTROL_REFUSED) {
		fprintf(stderr, "npiperouter: %s\n", err);
		*running = -1;
		return 1;
	}
	if (rc == -1)
		return 1;
	*running = 1;
	command_print_text(rc == 0 ? stdout : stderr, text, strlen(text));
	free(text);
	return rc;
}

int
command_stop(const char *file)
{
	struct runtime_paths p;
	int running, rc;

	rc = command_ask(file, "stop", &running, &p);
	if (running < 0)
		return rc;
	if (!running) {
		printf("npiperouter is not running for %s\n", file);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (runtime_wait_unlocked(&p, COMMAND_STOP_WAIT_SECS) != 0) {
		fprintf(stderr, "npiperouter: still running\n");
		return 1;
	}
	printf("stopped\n");
	return 0;
}

int
command_reload(const char *file)
{
	struct runtime_paths p;
	int running, rc;

	rc = command_ask(file, "reload", &running, &p);
	if (running == 0)
		fprintf(stderr, "npiperouter is not running for %s\n", file);
	return rc == CONTROL_STOPPING ? COMMAND_STOPPING : rc;
}

int
command_status(const char *file, int json)
{
	struct runtime_paths p;
	int running, rc;

	rc = command_ask(file, json ? "status json" : "status", &running, &p);
	if (running != 0)
		return rc;
	if (json) {
		struct evbuffer *out = evbuffer_new();

		if (out == NULL)
			fatalx("out of memory");
		evbuffer_add_printf(out, "{\"running\":false,\"config\":");
		status_json_string(out, file);
		evbuffer_add_printf(out, "}\n");
		evbuffer_write(out, STDOUT_FILENO);
		evbuffer_free(out);
	} else
		printf("npiperouter is not running for %s\n", file);
	return COMMAND_NOT_RUNNING;
}

int
command_doctor(const char *file)
{
	struct config *cfg = NULL;
	int rc;

	/* A broken config is one more finding; the other checks still run. */
	cfg = command_load(file, 0);
	rc = doctor_run(cfg, file, stdout);
	if (cfg == NULL)
		rc = 1;
	config_free(cfg);
	return rc;
}

/* NAME is among the N NAMES (or N is 0: every route). */
static int
command_env_wanted(const char *name, size_t nlen, char *const *names,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(names[i]) == nlen && strncmp(names[i], name, nlen) == 0)
			return 1;
	}
	return n == 0;
}

/* The length of the route name that starts LINE of the env answer. */
static size_t
command_env_route_len(const char *line)
{
	return strcspn(line, "\t\n");
}

/* The line of the env answer after L. */
static const char *
command_env_next(const char *l)
{
	l += strcspn(l, "\n");
	return *l == '\n' ? l + 1 : l;
}

/* NAME is a route of the env answer TEXT. */
static int
command_env_known(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *l = text; *l != '\0'; l = command_env_next(l))
		if (command_env_route_len(l) == len &&
		    strncmp(l, name, len) == 0)
			return 1;
	return 0;
}

/*
 * Every one of the N NAMES is a route of the instance, or -1 after
 * naming the others and the routes there are: printing the lines of the
 * known ones alone would let an eval half apply a command with a typo.
 */
static int
command_env_check_names(const char *file, const char *text,
    char *const *names, size_t n)
{
	const char *l, *sep = "";
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (command_env_known(text, names[i]))
			continue;
		fprintf(stderr, "npiperouter: no route \"%s\" in the instance "
		    "for %s\n", names[i], file);
		bad = 1;
	}
	if (!bad)
		return 0;
	fprintf(stderr, "npiperouter: its routes: ");
	for (l = text; *l != '\0'; l = command_env_next(l)) {
		fprintf(stderr, "%s%.*s", sep, (int)command_env_route_len(l), l);
		sep = ", ";
	}
	fprintf(stderr, "%s; nothing printed\n", *sep == '\0' ? "none" : "");
	return -1;
}

/*
 * The running instance answers "ROUTE\tVAR\tVALUE" lines, and "ROUTE"
 * for a route without one (status.c); each of the first becomes the
 * line for SHELL. Nothing is printed but those lines, for eval, and
 * nothing at all when a NAME is not a route.
 */
int
command_env(const char *file, int shell, char *const *names, size_t n)
{
	struct runtime_paths p;
	char *text = NULL, *line, *next, *var, *value, err[512], buf[16384];
	int rc;

	if (command_paths(file, &p) != 0)
		return 1;
	rc = control_request(p.ctl, "env", &text, err, sizeof err);
	if (rc == -1) {
		fprintf(stderr, "npiperouter is not running for %s (npiperouter "
		    "start --env starts it)\n", file);
		return COMMAND_NOT_RUNNING;
	}
	if (rc == CONTROL_HUNG) {
		fprintf(stderr, "npiperouter: the instance for %s does not "
		    "answer (%s)\n", file, err);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "npiperouter: %s\n", rc == CONTROL_REFUSED ? err :
		    text != NULL ? text : "env failed");
		free(text);
		return 1;
	}
	if (command_env_check_names(file, text != NULL ? text : "", names,
	    n) != 0) {
		free(text);
		return 1;
	}
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((var = strchr(line, '\t')) == NULL ||
		    (value = strchr(var + 1, '\t')) == NULL)
			continue;
		if (!command_env_wanted(line, (size_t)(var - line), names, n))
			continue;
		*var++ = '\0';
		*value++ = '\0';
		if (shellenv_line((enum shellenv_shell)shell, var, value, buf,
		    sizeof buf) == 0)
			fputs(buf, stdout);
	}
	free(text);
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * For start --env: an instance that another shell's start began may still
 * be probing or opening its sockets (its control socket comes last), so
 * ask until it answers, for a bounded time. 0 once it answered; 1 when
 * the instance is gone without answering; -1, after saying so, when the
 * time is up (command_env() would wait for a hung one a minute more).
 */
static int
command_env_wait(const char *file)
{
	struct runtime_paths p;
	struct timespec t0, now;
	char *text = NULL, err[512];
	long waited = 0;
	int said = 0, rc;

	if (command_paths(file, &p) != 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* A second per try: a hung instance may take the connection and
	 * never answer. */
	while ((rc = control_request_within(p.ctl, "status", 1, &text, err,
	    sizeof err)) == -1 || rc == CONTROL_HUNG) {
		if (runtime_wait_unlocked(&p, 0) == 0)
			return 1;
		if (waited >= COMMAND_ENV_WAIT_MS) {
			fprintf(stderr, "npiperouter: the instance for %s did "
			    "not answer on %s within %ds (%s)\n", file, p.ctl,
			    COMMAND_ENV_WAIT_MS / 1000, err);
			return -1;
		}
		if (!said && waited >= COMMAND_ENV_SAY_MS) {
			fprintf(stderr, "npiperouter: waiting up to %ds for the "
			    "instance for %s to answer on %s (%s)\n",
			    COMMAND_ENV_WAIT_MS / 1000, file, p.ctl, err);
			said = 1;
		}
		usleep(100 * 1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000;
	}
	free(text);
	return 0;
}
