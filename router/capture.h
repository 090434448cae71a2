/*
 * Run a program to completion and keep what it printed: the relay's
 * --probe and Linux's gpgconf, for the built-in routes. Low level: errors
 * go to the caller in a buffer.
 */
#ifndef NPR_CAPTURE_H
#define NPR_CAPTURE_H

#include <stddef.h>

/*
 * Start ARGV[0] (a path, not looked up in PATH unless it has no slash)
 * as child_spawn() starts relays, in CWD when not NULL, with stdin at
 * EOF; collect its stdout into OUT (NUL-terminated) and the first line of
 * its stderr into ERR. Ends it (its process group) after TIMEOUT_MS.
 * Returns its exit status (0..255), or -1 with the reason in ERR when it
 * could not start, was killed or timed out, or printed OUTLEN bytes or
 * more.
 */
int capture_run(char *const argv[], const char *cwd, unsigned timeout_ms,
    char *out, size_t outlen, char *err, size_t errlen);

#endif
