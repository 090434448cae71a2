/*
 * Which files npiperouter may act on: config files, the routes.d folder,
 * plugin_dir and adapter plugins are code or say which code runs, so a
 * file another user could have written or replaced is refused, the way
 * OpenSSH's StrictModes refuses them. The rule, by the router's
 * effective uid:
 *
 *   root      the file or folder and every folder above it are owned by
 *             root and writable by nobody else (no group or other write
 *             bit);
 *   any other the same, owned by that user or root, except that group
 *             write is allowed (user-private groups, umask 002): only a
 *             write bit for every user is refused.
 *
 * A folder ABOVE the file may be writable by others when it is sticky
 * (/tmp): then nobody but its owner can rename or remove the entry we
 * go through, and that entry is checked in turn. The file or folder
 * itself gets no such exception.
 */
#ifndef NPR_TRUST_H
#define NPR_TRUST_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Judge ST, the stat of a file or folder itself, for a process of
 * effective uid EUID. 0, or -1 with why in ERR ("owned by uid 65534,
 * not root"), without the name: the caller says which file.
 */
int trust_check_stat(const struct stat *st, uid_t euid, char *err,
    size_t errlen);

/*
 * Every folder above PATH (made absolute and free of symlinks first),
 * up to /, for a process of effective uid EUID. 0, or -1 with the
 * folder and why in ERR.
 */
int trust_check_path_dirs(const char *path, uid_t euid, char *err,
    size_t errlen);

/*
 * FD, open on NAME, and every folder above what it is open on, for this
 * process: fstat judges the file that was opened, not a name someone
 * could swap after the check. 0, or -1 with why in ERR.
 */
int trust_check_fd(int fd, const char *name, char *err, size_t errlen);

/*
 * PATH (symlinks followed) and every folder above it, for a process of
 * effective uid EUID: for files judged by name only, like relay.path,
 * which is exec'd later. 0, or -1 with why in ERR.
 */
int trust_check_path(const char *path, uid_t euid, char *err,
    size_t errlen);

/*
 * The absolute path FD is open on (through /proc, else NAME resolved),
 * for loaders that take a path: malloc'd, NULL with why in ERR.
 */
char *trust_fd_path(int fd, const char *name, char *err, size_t errlen);

#endif
