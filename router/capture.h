/*
 * Programs run to completion with what they print kept: the relay's
 * --probe, Linux's gpgconf and systemctl, and the Windows programs
 * interop.c asks over WSL interop. The one runner for all of them.
 * Low level: errors go to the caller in a buffer, nothing is logged.
 */
#ifndef NPR_CAPTURE_H
#define NPR_CAPTURE_H

#include <stddef.h>

/*
 * Takes N bytes the program wrote to stdout. Returns 0, or -1 when they
 * do not fit, which ends the run: a flood is not read to its end.
 */
typedef int (*capture_sink_cb)(const char *p, size_t n, void *arg);

/* What capture_exec() runs, and where its stdout goes. */
struct capture_spec {
	char *const *argv;    /* argv[0]: a path, or a name found on PATH */
	const char *fallback; /* started when argv[0] is not on PATH; or NULL */
	const char *name;     /* the program, for messages; NULL: argv[0] */
	const char *cwd;      /* or NULL */
	char *const *envp;    /* NULL: what relays get (child_env_init()) */
	unsigned timeout_ms;
	size_t out_max;       /* what SINK holds, for the message */
	capture_sink_cb sink;
	void *arg;
};

/* How a program that ran to its end ended. */
struct capture_result {
	int timed_out;   /* capture_exec() failed: killed at the deadline */
	int status;      /* its wait status */
	char first[256]; /* the first line of its stderr, escaped */
	char last[256];  /* the last non-blank line of its stderr, escaped */
};

/*
 * Start SPEC's program as child_spawn_env() starts relays (a process
 * group of its own, default signals, no descriptor but 0-2), with stdin
 * at EOF, its stdout to SPEC's sink and the start and end of its stderr
 * kept. Returns 0 once it has exited, with RES saying how, even when a
 * process it started still holds its pipes (a wineserver). Returns -1
 * with the reason in ERR when it could not be started, did not finish
 * within the timeout, or wrote more than the sink holds; the last two
 * kill its whole process group.
 */
int capture_exec(const struct capture_spec *spec, struct capture_result *res,
    char *err, size_t errlen);

/*
 * capture_exec() for ARGV in CWD (when not NULL) with the relays'
 * environment, its stdout into OUT (NUL-terminated) and the first line
 * of its stderr into ERR. Returns its exit status (0..255), or -1 with
 * the reason in ERR when it could not start, was killed or timed out, or
 * printed OUTLEN bytes or more.
 */
int capture_run(char *const argv[], const char *cwd, unsigned timeout_ms,
    char *out, size_t outlen, char *err, size_t errlen);

#endif
