/*
 * nprelay.exe: relay stdin/stdout to a Windows named pipe or a libassuan
 * socket, with npiperelay's command line.  See docs/nprelay.md.
 */
#include <stdio.h>
#include <wchar.h>

#include "copy.h"
#include "mux_main.h"
#include "options.h"
#include "pipe.h"
#include "report.h"
#include "sock.h"
#include "target.h"

static int
main_connect(const struct options *o, struct target *t,
    struct nprelay_error *err)
{
	WSADATA wsa;
	int e;

	if (!o->assuan)
		return pipe_open(o, t, err);
	if ((e = WSAStartup(MAKEWORD(2, 2), &wsa)) != 0) {
		error_set(err, NPRELAY_ECONNECT, (DWORD)e, "WSAStartup");
		return -1;
	}
	return sock_connect(o, t, err);
}

int wmain(int, wchar_t **);

int
wmain(int argc, wchar_t **argv)
{
	struct options o;
	struct target t;
	struct nprelay_error err = { 0 };
	char msg[512];
	int status = NPRELAY_EIO;

	target_init(&t);
	/* --mux: every connection of a route on this one process. */
	if (argc >= 2 && wcscmp(argv[1], L"--mux") == 0)
		return mux_main(argc, argv);
	switch (options_parse(argc, argv, &o, msg, sizeof msg)) {
	case OPTIONS_HELP:
		options_usage(GetStdHandle(STD_OUTPUT_HANDLE));
		status = NPRELAY_OK;
		goto out;
	case OPTIONS_VERSION:
		report_write(GetStdHandle(STD_OUTPUT_HANDLE),
		    "nprelay " NPRELAY_VERSION "\n");
		status = NPRELAY_OK;
		goto out;
	case OPTIONS_ERROR:
		report_usage_error(msg);
		status = NPRELAY_EUSAGE;
		goto out;
	case OPTIONS_RUN:
		break;
	}
	/* Only the router can serve the clients of a pipe the relay creates. */
	if (o.expose || o.expose_sddl != NULL) {
		report_usage_error("--expose and --expose-sddl are flags of a "
		    "--mux open request (docs/mux.md), not of the command line");
		status = NPRELAY_EUSAGE;
		goto out;
	}
	report_init(o.verbose, o.target);

	if (target_events(&t, &err) != 0 || main_connect(&o, &t, &err) != 0) {
		report_error(&err);
		status = err.status;
		goto out;
	}
	status = copy_run(&o, &t, &err);
	if (status != NPRELAY_OK)
		report_error(&err);
	report_verbose("exit status %d", status);
out:
	/*
	 * TerminateProcess, not return or ExitProcess: a copy thread may
	 * still be blocked in a read, and only the end of the process closes
	 * every descriptor of the stdin/stdout socket. ExitProcess tears the
	 * C runtime down under that running thread, which crashed now and
	 * then under Wine (about 1 exit in 200, in bench/relay.sh) and let
	 * Wine's debugger write into stdout, the client's connection. All
	 * output went out through WriteFile already; nothing is buffered.
	 * target_close is left to the system.
	 */
	TerminateProcess(GetCurrentProcess(), (UINT)status);
	ExitProcess((UINT)status); /* not reached */
}
