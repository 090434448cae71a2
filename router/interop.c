/* Windows programs over WSL interop, and wslpath: see interop.h. */
#include "interop.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "doctor.h"
#include "escape.h"
#include "fdhygiene.h"
#include "wslconf.h"

#define INTEROP_ARGS_MAX 32
#define INTEROP_ERRTAIL 2048

/*
 * Where the child's stdout goes: CRLF folded to LF as it comes, and
 * newlines held back until something follows them, so the final ones,
 * which are dropped, do not count against the bound.
 */
struct interop_out {
	char *buf;
	size_t len, size; /* size counts the NUL */
	int cr;           /* a CR waits for the next byte */
	size_t nl;        /* newlines waiting for the next byte */
	int overflow;
	int raw;          /* kept as it comes, to be decoded later */
};

static void
interop_out_byte(struct interop_out *o, char c)
{
	if (o->len + 1 >= o->size) {
		o->overflow = 1;
		return;
	}
	o->buf[o->len++] = c;
}

static void
interop_out_put(struct interop_out *o, char c)
{
	if (c == '\n') {
		o->nl++;
		return;
	}
	for (; o->nl > 0 && !o->overflow; o->nl--)
		interop_out_byte(o, '\n');
	interop_out_byte(o, c);
}

static void
interop_out_add(struct interop_out *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n && o->raw; i++)
		interop_out_byte(o, p[i]);
	for (size_t i = 0; i < n && !o->raw; i++) {
		if (o->cr && p[i] != '\n')
			interop_out_put(o, '\r');
		o->cr = p[i] == '\r';
		if (!o->cr)
			interop_out_put(o, p[i]);
	}
}

/* One code point as UTF-8 into O. */
static void
interop_out_utf8(struct interop_out *o, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	interop_out_add(o, b, n);
}

/*
 * UTF-16LE (what cmd.exe /u writes: the only way to get a non-ASCII
 * user name out of it intact) as UTF-8 into O; a lone surrogate becomes
 * U+FFFD, an odd last byte is dropped.
 */
static void
interop_out_utf16(struct interop_out *o, const unsigned char *p, size_t n)
{
	unsigned long u, v;

	for (size_t i = 0; i + 1 < n; i += 2) {
		u = p[i] | (unsigned long)p[i + 1] << 8;
		if (u >= 0xd800 && u < 0xdc00 && i + 3 < n) {
			v = p[i + 2] | (unsigned long)p[i + 3] << 8;
			if (v >= 0xdc00 && v < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
				i += 2;
			}
		}
		if (u >= 0xd800 && u < 0xe000)
			u = 0xfffd;
		interop_out_utf8(o, u);
	}
}

/* The end of the child's stderr, for the message when it fails. */
struct interop_errtail {
	char buf[INTEROP_ERRTAIL];
	size_t len;
};

static void
interop_errtail_add(struct interop_errtail *t, const char *p, size_t n)
{
	if (n >= sizeof t->buf) {
		p += n - sizeof t->buf / 2;
		n = sizeof t->buf / 2;
	}
	if (t->len + n > sizeof t->buf) {
		size_t drop = t->len + n - sizeof t->buf;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* Its last non-blank line, escaped for a log line. */
static const char *
interop_errtail_line(const struct interop_errtail *t, char *line, size_t len)
{
	size_t end = t->len, start;

	while (end > 0 && strchr("\r\n \t", t->buf[end - 1]) != NULL)
		end--;
	start = end;
	while (start > 0 && t->buf[start - 1] != '\n')
		start--;
	return escape_bytes(line, len, t->buf + start, end - start, 200,
	    ESCAPE_KEEP_8BIT);
}

static unsigned
interop_timeout_ms(void)
{
	const char *s = getenv("NPIPEROUTER_INTEROP_TIMEOUT_MS");
	char *end = NULL;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return INTEROP_TIMEOUT_MS;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 600000)
		return INTEROP_TIMEOUT_MS;
	return (unsigned)v;
}

static long long
interop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The child after fork: only its own group (the timeout kills what it
 * starts too), default signals, and exactly stdin, stdout and stderr, as
 * a relay gets them (child.c). We are single-threaded, so execvp's PATH
 * search is safe here.
 */
static void __attribute__((noreturn))
interop_child(char *const argv[], int devnull, int out, int errfd,
    char *interop_var, const char *fallback)
{
	struct sigaction dfl;
	struct rlimit rl;
	sigset_t none;
	int fds[3] = { devnull, out, errfd };

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	(void)setpgid(0, 0);
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) != i)
			_exit(127);
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
	{
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	}
	if (fdhygiene_relay_nofile(&rl))
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (interop_var != NULL)
		(void)putenv(interop_var);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
	if (errno == ENOENT && fallback != NULL)
		execv(fallback, argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Read what is there on FD: 0 at EOF, 1 when nothing more is there now,
 * 2 when more is. At most 64 KiB a call, and nothing past an overflow: a
 * flood (a grandchild that writes for ever) must not keep us past the
 * deadline.
 */
static int
interop_drain(int fd, struct interop_out *o, struct interop_errtail *t)
{
	char buf[4096];
	ssize_t n;

	for (int i = 0; i < 16 && (o == NULL || !o->overflow); i++) {
		n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (o != NULL)
				interop_out_add(o, buf, (size_t)n);
			else
				interop_errtail_add(t, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		return n == -1 && errno == EAGAIN;
	}
	return 2;
}

/*
 * Run ARGV, capturing stdout into OUT and the end of stderr. Stops when
 * the child exits (what it left in the pipes is read; a grandchild that
 * keeps them open is not waited for), when the output overflows, or at
 * the deadline; the last two kill its process group.
 */
static int
interop_exec(const char *name, char *const argv[], int wide,
    const char *fallback, char *out, size_t outlen, char *err, size_t errlen)
{
	struct interop_out o = { out, 0, outlen, 0, 0, 0, 0 };
	struct interop_out raw = { NULL, 0, 0, 0, 0, 0, 1 };
	struct interop_out *sink = &o;
	struct interop_errtail tail = { "", 0 };
	char var[sizeof "WSL_INTEROP=" + 4096], line[256];
	char *interop_var = NULL;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, devnull = -1;
	int status = 0, reaped = 0, open_out = 1, open_err = 1, rc = -1;
	unsigned timeout = interop_timeout_ms();
	long long deadline;
	pid_t pid = -1, w;

	if (outlen == 0) {
		snprintf(err, errlen, "no room for the output of %s", name);
		return -1;
	}
	out[0] = '\0';
	/* UTF-16 takes at most twice the bytes of its UTF-8. */
	if (wide) {
		raw.size = outlen * 2 + 2;
		if ((raw.buf = malloc(raw.size)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		sink = &raw;
	}
	/* Started by systemd, our WSL_INTEROP may be missing or dead: use a
	 * live one, as relays do. */
	interop_var = (char *)doctor_relay_interop("", var, sizeof var);
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 ||
	    /* Our ends only: the child's must block (a full pipe is no
	     * write error). */
	    fcntl(po[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(pe[0], F_SETFL, O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot run %s: %s", name,
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "cannot run %s: %s", name,
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		interop_child(argv, devnull, po[1], pe[1], interop_var, fallback);
	/* Here too, so the group exists before we may have to kill it. */
	(void)setpgid(pid, pid);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;

	deadline = interop_now_ms() + timeout;
	while (!reaped) {
		struct pollfd pfd[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		long long left = deadline - interop_now_ms();

		if (left <= 0 || sink->overflow)
			break;
		/* Short ticks: we must notice the child's exit even while a
		 * grandchild holds its pipes open. */
		if (left > 50)
			left = 50;
		if (!open_out)
			pfd[0].fd = -1;
		if (!open_err)
			pfd[1].fd = -1;
		(void)poll(pfd, 2, (int)left);
		if (open_out)
			open_out = interop_drain(po[0], sink, NULL);
		if (open_err)
			open_err = interop_drain(pe[0], NULL, &tail);
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			reaped = 1;
		else if (w == -1 && errno != EINTR) {
			snprintf(err, errlen, "cannot wait for %s: %s", name,
			    strerror(errno));
			goto out;
		}
	}
	if (!reaped) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (sink->overflow)
			snprintf(err, errlen, "%s wrote more than %zu bytes",
			    name, outlen - 1);
		else
			snprintf(err, errlen, "%s did not finish within %u ms: "
			    "killed", name, timeout);
		goto out;
	}
	/* What it wrote just before exiting. */
	while (open_out && interop_drain(po[0], sink, NULL) == 2 &&
	    !sink->overflow && interop_now_ms() < deadline)
		;
	if (wide && !raw.overflow)
		interop_out_utf16(&o, (const unsigned char *)raw.buf, raw.len);
	if (open_err)
		(void)interop_drain(pe[0], NULL, &tail);
	if (o.cr)
		interop_out_put(&o, '\r');
	if (o.overflow || raw.overflow) {
		snprintf(err, errlen, "%s wrote more than %zu bytes", name,
		    outlen - 1);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			snprintf(err, errlen, "%s exited with status %d%s%s",
			    name, WEXITSTATUS(status), tail.len ? ": " : "",
			    interop_errtail_line(&tail, line, sizeof line));
		else
			snprintf(err, errlen, "%s was killed by signal %d",
			    name, WTERMSIG(status));
		goto out;
	}
	/* The final newlines, held back, are dropped. */
	rc = 0;
out:
	out[rc == 0 ? o.len : 0] = '\0';
	free(raw.buf);
	if (devnull != -1)
		close(devnull);
	for (int i = 0; i < 2; i++) {
		if (po[i] != -1)
			close(po[i]);
		if (pe[i] != -1)
			close(pe[i]);
	}
	return rc;
}

int
interop_available(void)
{
	const char *prefix = getenv("NPIPEROUTER_INTEROP_PREFIX");
	char entry[64];

	if (prefix != NULL && *prefix != '\0')
		return 1;
	switch (doctor_interop_state("", entry, sizeof entry)) {
	case DOCTOR_INTEROP_ENABLED:
		return 1;
	case DOCTOR_INTEROP_DISABLED:
	case DOCTOR_BINFMT_DISABLED:
		return 0;
	default:
		/* WSL 1 starts Windows programs without binfmt_misc. */
		return getenv("WSL_INTEROP") != NULL ||
		    getenv("WSL_DISTRO_NAME") != NULL;
	}
}

int
interop_system32_path(const char *wslconf, const char *name, char *buf,
    size_t len)
{
	char root[256], err[256];
	int n;

	if (wslconf_automount_root(wslconf, 0, root, sizeof root, err,
	    sizeof err) != 0)
		return -1;
	n = snprintf(buf, len, "%sc/Windows/System32/%s", root, name);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static int
interop_run_argv(const char *const argv[], int wide, char *out,
    size_t outlen, char *err, size_t errlen)
{
	const char *prefix = getenv("NPIPEROUTER_INTEROP_PREFIX");
	char *words = NULL, *save = NULL, *w = NULL;
	char *args[INTEROP_ARGS_MAX + 1], fallback[512];
	size_t n = 0;
	int rc = -1, have_fallback = 0;

	if (prefix != NULL && *prefix != '\0') {
		if ((words = strdup(prefix)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (w = strtok_r(words, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save)) {
			if (n == INTEROP_ARGS_MAX)
				break;
			args[n++] = w;
		}
	}
	for (size_t i = 0; argv[i] != NULL; i++) {
		if (n == INTEROP_ARGS_MAX) {
			snprintf(err, errlen, "%s: more than %d arguments",
			    argv[0], INTEROP_ARGS_MAX);
			goto out;
		}
		args[n++] = (char *)argv[i];
	}
	if (n == 0) {
		snprintf(err, errlen, "no program to run");
		goto out;
	}
	args[n] = NULL;
	/* wsl.conf's appendWindowsPath = false takes Windows' folders off
	 * PATH; Windows' own programs are still in System32. */
	if (words == NULL && strchr(argv[0], '/') == NULL &&
	    interop_system32_path("/etc/wsl.conf", argv[0], fallback,
	    sizeof fallback) == 0)
		have_fallback = 1;
	rc = interop_exec(argv[0], args, wide, have_fallback ? fallback : NULL,
	    out, outlen, err, errlen);
out:
	free(words);
	return rc;
}

int
interop_run(const char *const argv[], char *out, size_t outlen, char *err,
    size_t errlen)
{
	return interop_run_argv(argv, 0, out, outlen, err, errlen);
}

int
interop_run_utf16(const char *const argv[], char *out, size_t outlen,
    char *err, size_t errlen)
{
	return interop_run_argv(argv, 1, out, outlen, err, errlen);
}

int
interop_path_to_linux(const char *winpath, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char *conv = getenv("NPIPEROUTER_WSLPATH");
	char *args[] = { NULL, "-u", (char *)winpath, NULL };

	args[0] = (char *)(conv != NULL && *conv != '\0' ? conv : "wslpath");
	if (interop_exec(args[0], args, 0, NULL, out, outlen, err, errlen) != 0)
		return -1;
	if (out[0] != '/') {
		char shown[256];

		snprintf(err, errlen, "%s -u \"%s\" gave no absolute path: "
		    "\"%s\"", args[0], winpath, escape_bytes(shown, sizeof shown,
		    out, strlen(out), 200, ESCAPE_QUOTES | ESCAPE_KEEP_8BIT));
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
interop_run_local(const char *const argv[], char *out, size_t outlen,
    char *err, size_t errlen)
{
	return interop_exec(argv[0], (char *const *)argv, 0, NULL, out, outlen,
	    err, errlen);
}
