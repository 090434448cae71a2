/* Windows programs over WSL interop, and wslpath: see interop.h. */
#include "interop.h"

#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "doctor.h"
#include "escape.h"
#include "wslconf.h"

#define INTEROP_ARGS_MAX 32

extern char **environ;

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

/*
 * The stderr line capture.c kept, escaped, of a program asked for UTF-16
 * (cmd.exe /u writes its messages so too): an ASCII letter is there as
 * itself and "\x00", which are dropped, so the message reads as text;
 * any other character stays escaped.
 */
static void
interop_narrow(char *s)
{
	char *o = s;

	while (*s != '\0') {
		if (strncmp(s, "\\x00", 4) == 0)
			s += 4;
		else
			*o++ = *s++;
	}
	*o = '\0';
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

/* The runner's sink: stdout folded (or kept raw) as it comes. */
static int
interop_sink_cb(const char *p, size_t n, void *arg)
{
	struct interop_out *o = arg;

	interop_out_add(o, p, n);
	return o->overflow ? -1 : 0;
}

/* Our environment with VAR ("WSL_INTEROP=...") instead of our own one. */
static char **
interop_env(char *var)
{
	char **env = NULL;
	size_t n = 0, k = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 2, sizeof *env)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "WSL_INTEROP=", 12) != 0)
			env[k++] = environ[i];
	}
	env[k++] = var;
	env[k] = NULL;
	return env;
}

/*
 * Run ARGV by the runner (capture.c), with stdout into OUT and the last
 * line of stderr for the message when it fails.
 */
static int
interop_exec(const char *name, char *const argv[], int wide,
    const char *fallback, char *out, size_t outlen, char *err, size_t errlen)
{
	struct interop_out o = { out, 0, outlen, 0, 0, 0, 0 };
	struct interop_out raw = { NULL, 0, 0, 0, 0, 0, 1 };
	struct capture_spec spec = { argv, fallback, name, NULL, environ,
		interop_timeout_ms(), outlen - 1, interop_sink_cb, &o };
	struct capture_result res;
	char var[sizeof "WSL_INTEROP=" + 4096], **env = NULL;
	char *interop_var = NULL;
	int rc = -1;

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
		spec.arg = &raw;
	}
	/* Started by systemd, our WSL_INTEROP may be missing or dead: use a
	 * live one, as relays do. */
	interop_var = (char *)doctor_relay_interop("", var, sizeof var);
	if (interop_var != NULL) {
		if ((env = interop_env(interop_var)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		spec.envp = env;
	}
	if (capture_exec(&spec, &res, err, errlen) != 0)
		goto out;
	if (wide)
		interop_out_utf16(&o, (const unsigned char *)raw.buf, raw.len);
	if (o.cr)
		interop_out_put(&o, '\r');
	if (o.overflow) {
		snprintf(err, errlen, "%s wrote more than %zu bytes", name,
		    outlen - 1);
		goto out;
	}
	/* Read as a string, the output would end there, unseen. */
	if (memchr(o.buf, '\0', o.len) != NULL) {
		snprintf(err, errlen, "%s wrote a NUL byte", name);
		goto out;
	}
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		if (wide)
			interop_narrow(res.last);
		if (WIFEXITED(res.status))
			snprintf(err, errlen, "%s exited with status %d%s%s",
			    name, WEXITSTATUS(res.status),
			    res.last[0] != '\0' ? ": " : "", res.last);
		else
			snprintf(err, errlen, "%s was killed by signal %d",
			    name, WTERMSIG(res.status));
		goto out;
	}
	/* The final newlines, held back, are dropped. */
	rc = 0;
out:
	out[rc == 0 ? o.len : 0] = '\0';
	free(raw.buf);
	free(env);
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
	/* One absolute path: a second line, or any control byte, is not
	 * part of a folder's name. */
	if (out[0] != '/' || escape_has_control(out)) {
		char shown[256], wshown[256];

		snprintf(err, errlen, "%s -u \"%s\" gave no absolute path: "
		    "\"%s\"", args[0], escape_bytes(wshown, sizeof wshown,
		    winpath, strlen(winpath), 200, ESCAPE_QUOTES |
		    ESCAPE_KEEP_8BIT), escape_bytes(shown, sizeof shown, out,
		    strlen(out), 200, ESCAPE_QUOTES | ESCAPE_KEEP_8BIT));
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
