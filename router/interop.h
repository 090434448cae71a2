/*
 * Windows programs run over WSL interop, for the few facts only Windows
 * knows (%LOCALAPPDATA%, gpgconf.exe's sockets), and wslpath, by the
 * runner of capture.h. Low level: errors go to the caller in a buffer,
 * nothing is logged.
 *
 * Test seams (docs/wsl.md), so the real code runs under Wine:
 *   NPIPEROUTER_INTEROP_PREFIX  words put before every Windows program's
 *                               argv, split at blanks ("wine");
 *   NPIPEROUTER_WSLPATH         the path converter instead of wslpath
 *                               ("winepath", whose -u works the same);
 *   NPIPEROUTER_INTEROP_TIMEOUT_MS  how long one program may run.
 */
#ifndef NPR_INTEROP_H
#define NPR_INTEROP_H

#include <stddef.h>

/* How long a Windows program may run before it is killed, by default. */
#define INTEROP_TIMEOUT_MS 5000

/*
 * 1 when Windows programs can be started: the seam is set, WSL's
 * binfmt_misc entry is enabled, or (WSL 1, which has none) WSL_INTEROP or
 * WSL_DISTRO_NAME is set and binfmt_misc does not say interop is off.
 */
int interop_available(void);

/*
 * Run the Windows program ARGV[0] (found on PATH, as WSL finds it, else,
 * when PATH lacks Windows' folders (wsl.conf's appendWindowsPath =
 * false), in C:\Windows\System32 below the automount root) with
 * stdin at EOF and capture its stdout into OUT: CRLF made LF, the final
 * newline dropped, NUL-terminated. Killed with its whole process group
 * after the timeout. Returns 0, or -1 with the reason in ERR (not
 * started, killed, a non-zero exit with its last line of stderr, or more
 * than OUTLEN - 1 bytes of output).
 */
int interop_run(const char *const argv[], char *out, size_t outlen,
    char *err, size_t errlen);

/*
 * The same for a program writing UTF-16LE, such as "cmd.exe /u": OUT
 * gets it as UTF-8. cmd.exe writes in the console's code page otherwise,
 * which mangles a user name outside ASCII.
 */
int interop_run_utf16(const char *const argv[], char *out, size_t outlen,
    char *err, size_t errlen);

/*
 * A Linux program (gpgconf, systemctl) by the same rules: found on PATH,
 * no prefix, output bounded, killed after the timeout.
 */
int interop_run_local(const char *const argv[], char *out, size_t outlen,
    char *err, size_t errlen);

/*
 * Where Windows' own program NAME is, by the drives' automount root that
 * the wsl.conf at WSLCONF gives: ROOT/c/Windows/System32/NAME into BUF.
 */
int interop_system32_path(const char *wslconf, const char *name, char *buf,
    size_t len);

/* WINPATH ("C:\Users\me") as a Linux path, by `wslpath -u`. */
int interop_path_to_linux(const char *winpath, char *out, size_t outlen,
    char *err, size_t errlen);

#endif
