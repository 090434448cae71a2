/* Types shared by every module of nprelay.exe. */
#ifndef NPRELAY_H
#define NPRELAY_H

#include <winsock2.h>
#include <windows.h>
#include <stdarg.h>

#ifndef NPRELAY_VERSION
#define NPRELAY_VERSION "0.0.0"
#endif

/* One transfer per system call in each direction; the size Docker's and
 * OpenSSH's own clients use, big enough that 16 MiB is 256 calls. */
#define NPRELAY_BUFSIZE (64 * 1024)

/* Exit statuses; docs/nprelay.md lists them for users. */
enum nprelay_status {
	NPRELAY_OK = 0,
	NPRELAY_EIO = 1,	/* a read or write failed after connecting */
	NPRELAY_EUSAGE = 2,	/* bad command line */
	NPRELAY_ECONNECT = 3,	/* the pipe or socket could not be opened */
	NPRELAY_ETIMEOUT = 4,	/* -p gave up after the -l limit */
	NPRELAY_EASSUAN = 5,	/* bad assuan socket file or handshake */
};

/* A failure as low-level code describes it; main() prints it, once. */
struct nprelay_error {
	int status;		/* enum nprelay_status */
	DWORD code;		/* Win32 or Winsock error code, 0 if none */
	char what[256];		/* what failed, UTF-8 */
};

void error_set(struct nprelay_error *, int status, DWORD code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Command line, see options.c. */
struct options {
	int poll;		/* -p: wait while missing; busy up to -l */
	DWORD limit_ms;		/* -l: cap on that wait, INFINITE for none */
	int close_write;	/* -s: half-close the target after stdin EOF */
	int exit_on_pipe_eof;	/* -ep */
	int exit_on_stdin_eof;	/* -ei */
	int verbose;		/* -v */
	int background;		/* -bg: accepted, no effect */
	int assuan;		/* -a: target is a libassuan socket file */
	int allow_remote;	/* --allow-remote: \\HOST\pipe\NAME may be opened */
	int expose;		/* --expose: create the pipe (a --mux open
				   request only, docs/nprelay.md) */
	const wchar_t *expose_sddl;	/* --expose-sddl: its security */
	const wchar_t *target;
};

#endif
