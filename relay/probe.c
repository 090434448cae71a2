/*
 * nprelay.exe --probe NAME...: whether each pipe or assuan socket file
 * exists, without opening a session on it (docs/nprelay.md, "Probing").
 *
 * A pipe is never opened: CreateFile (and GetFileAttributes, which opens
 * the name to read its attributes, and for a pipe that is a connection)
 * would take one of the server's instances, and a single-instance server
 * would then be busy for its real client, or would see a client that
 * leaves without a word. WaitNamedPipe asks the pipe file system whether
 * an instance is listening and connects to none: it fails at once with
 * ERROR_FILE_NOT_FOUND when no server has created the name, returns TRUE
 * when an instance is free, and ends with ERROR_SEM_TIMEOUT after its
 * wait when every instance is taken, which still means the server is
 * there. The wait is NMPWAIT_NOWAIT (1 ms), never 0: 0 means the
 * server's own default wait, which the server chooses.
 *
 * An assuan socket file is read and parsed as the relay reads it for -a
 * (assuan.c, one parser); the TCP port in it is not connected to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "assuan.h"
#include "name.h"
#include "pipe.h"
#include "probe.h"
#include "report.h"

enum probe_state {
	PROBE_PRESENT,
	PROBE_ABSENT,
	PROBE_ERROR,
};

static const char *const probe_state_names[] = { "present", "absent",
	"error" };

/* One answer: what a line says about one NAME. */
struct probe_answer {
	enum probe_state state;
	DWORD code;
	char msg[1024];
};

/* Tabs and line ends would break the line format: a space instead. */
static void
probe_flatten(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	}
}

static int
probe_is_sep(wchar_t c)
{
	return c == L'\\' || c == L'/';
}

/* A name gone from the system, rather than one we could not look at. */
static int
probe_code_is_absent(DWORD e)
{
	return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND;
}

static void
probe_pipe(const wchar_t *target, struct probe_answer *a)
{
	struct nprelay_error err = { 0 };
	wchar_t *name = NULL;
	DWORD e;

	if (name_check_pipe(target, 0, a->msg, sizeof a->msg) != 0) {
		a->state = PROBE_ERROR;
		return;
	}
	if ((name = pipe_name(target)) == NULL) {
		a->state = PROBE_ERROR;
		a->code = ERROR_NOT_ENOUGH_MEMORY;
		snprintf(a->msg, sizeof a->msg, "out of memory");
		return;
	}
	if (WaitNamedPipeW(name, NMPWAIT_NOWAIT)) {
		a->state = PROBE_PRESENT;
		snprintf(a->msg, sizeof a->msg, "pipe exists, an instance is "
		    "free");
		goto out;
	}
	e = GetLastError();
	if (e == ERROR_SEM_TIMEOUT || e == ERROR_PIPE_BUSY) {
		a->state = PROBE_PRESENT;
		a->code = ERROR_PIPE_BUSY;
		snprintf(a->msg, sizeof a->msg, "pipe exists, every instance "
		    "is busy");
		goto out;
	}
	a->state = probe_code_is_absent(e) ? PROBE_ABSENT : PROBE_ERROR;
	a->code = e;
	error_set(&err, 0, e, a->state == PROBE_ABSENT ? "no such pipe" :
	    "cannot look the pipe up");
	report_format(&err, NULL, a->msg, sizeof a->msg);
out:
	free(name);
}

static void
probe_assuan(const wchar_t *path, struct probe_answer *a)
{
	struct nprelay_error err = { 0 };
	struct assuan_info info;

	if (name_check_file(path, a->msg, sizeof a->msg) != 0) {
		a->state = PROBE_ERROR;
		return;
	}
	if (assuan_read_file(path, &info, &err) == 0) {
		a->state = PROBE_PRESENT;
		snprintf(a->msg, sizeof a->msg, "assuan socket file (%s "
		    "format), port %u", info.cygwin ? "Cygwin" : "native",
		    (unsigned)info.port);
		SecureZeroMemory(&info, sizeof info);
		return;
	}
	a->state = probe_code_is_absent(err.code) ? PROBE_ABSENT : PROBE_ERROR;
	a->code = err.code;
	report_format(&err, NULL, a->msg, sizeof a->msg);
}

/*
 * Print one line for NAME and return its state. Two leading slashes make
 * a pipe name; anything else is taken for an assuan socket file, which
 * name.c then wants as a drive path.
 */
static enum probe_state
probe_one(HANDLE out, const wchar_t *target)
{
	struct probe_answer a;
	char shown[1024], line[2200];

	memset(&a, 0, sizeof a);
	if (probe_is_sep(target[0]) && probe_is_sep(target[1]))
		probe_pipe(target, &a);
	else
		probe_assuan(target, &a);
	report_utf8(target, shown, sizeof shown);
	probe_flatten(shown);
	probe_flatten(a.msg);
	snprintf(line, sizeof line, "%s\t%s\t%lu\t%s\n", shown,
	    probe_state_names[a.state], (unsigned long)a.code, a.msg);
	report_write(out, line);
	return a.state;
}

int
probe_main(int argc, wchar_t **argv)
{
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
	int i, absent = 0, error = 0;

	if (argc < 3) {
		report_usage_error("--probe needs at least one NAME (a pipe "
		    "such as //./pipe/NAME, or an assuan socket file C:\\...)");
		return NPRELAY_EUSAGE;
	}
	for (i = 2; i < argc; i++) {
		switch (probe_one(out, argv[i])) {
		case PROBE_PRESENT:
			break;
		case PROBE_ABSENT:
			absent = 1;
			break;
		case PROBE_ERROR:
			error = 1;
			break;
		}
	}
	if (error)
		return PROBE_EXIT_ERROR;
	return absent ? PROBE_EXIT_ABSENT : NPRELAY_OK;
}
