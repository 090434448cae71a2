/*
 * What the pipe bridges (wine/pipebridge.c, docker_pipebridge.c) share:
 * their command line, watchdog and output, the named pipe they serve and
 * the TCP connection to 127.0.0.1 they bridge each client to. Built with
 * each of them by mingw-w64 (tests/adapters/CMakeLists.txt).
 */
#ifndef NPR_BRIDGE_H
#define NPR_BRIDGE_H

#include <winsock2.h>
#include <windows.h>

/* FMT with N, straight to the handle: the C library would buffer it. */
void bridge_say(const char *fmt, long n);

/*
 * Reads "--name PIPE --connect PORT [--timeout S]" into NAME and PORT,
 * starts the watchdog (it says "timeout" and exits 2 after S seconds,
 * 120 by default) and Winsock. Returns 0, or 64 after PROG's usage line.
 */
int bridge_start(const char *prog, int argc, char **argv, const char **name,
    long *port);

/* A new instance of the pipe NAME in MODE (PIPE_TYPE_* | PIPE_READMODE_*),
 * or INVALID_HANDLE_VALUE after saying why. */
HANDLE bridge_pipe(const char *prog, const char *name, DWORD mode);

/* Waits for a client on PIPE; FALSE (PIPE closed) when none came. */
BOOL bridge_accept(HANDLE pipe);

/* A socket connected to 127.0.0.1:PORT in SOCK; -1 after saying why. */
int bridge_connect(const char *prog, long port, SOCKET *sock);

#endif
