/*
 * The relay routes run when relay.path is not set: the packaged
 * nprelay.exe, kept under WSL as a copy on the Windows drive, in
 * %LOCALAPPDATA%\npiperouter\, because Windows starts a program from the
 * Linux file system slowly (seconds, per connection in spawn mode).
 *
 * The copy is named after the relay's version and content,
 * nprelay-VERSION-HASH.exe: a newer relay is added beside one a running
 * router still uses (Windows cannot replace a running program), and a
 * copy with the right name and content is used as it is, never rewritten.
 */
#ifndef NPR_RELAY_INSTALL_H
#define NPR_RELAY_INSTALL_H

#include <stddef.h>

/* The packaged relay: $NPIPEROUTER_RELAY (tests, the build tree), else
 * the path it is installed at. */
const char *relay_install_packaged(void);

/*
 * The relay.path for routes that set none: under WSL (interop_available())
 * the copy on the Windows drive, made if needed; else, and when the copy
 * cannot be made (logged, with why), the packaged relay. Logs what it
 * copied. Remembered while the packaged relay and the copy stay the same
 * files, so a config load with many routes asks Windows once. Never NULL.
 */
const char *relay_install_default(void);

/* The copy's file name for the LEN bytes of DATA: nprelay-VERSION-HASH.exe. */
void relay_install_name(const void *data, size_t len, char *name,
    size_t namelen);

/* The same for the content of the file PATH. */
int relay_install_name_of(const char *path, char *name, size_t namelen,
    char *err, size_t errlen);

/*
 * Keep the relay at PACKAGED in DIR/npiperouter/ (DIR: %LOCALAPPDATA% as
 * a Linux path), creating the folder (0700) when missing. The folder and
 * the copy must be ours and no symlinks; a copy of the same name and
 * content, executable, is reused untouched, else the relay is written to a temporary
 * name in that folder and renamed into place. OUT gets the copy's path,
 * *COPIED whether it was written now. 0, or -1 with the reason in ERR.
 */
int relay_install_copy(const char *packaged, const char *dir, char *out,
    size_t outlen, int *copied, char *err, size_t errlen);

/* %LOCALAPPDATA% as a Linux path, asked of Windows over interop. */
int relay_install_localappdata(char *out, size_t outlen, char *err,
    size_t errlen);

/*
 * For the doctor: PATH is named as a copy of ours (nprelay-V-H.exe in a
 * folder named npiperouter); VERSION and HASH get its two parts.
 */
int relay_install_parse_name(const char *path, char *version, size_t vlen,
    char *hash, size_t hlen);

#endif
