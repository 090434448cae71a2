/*
 * WSL paths to Windows paths, for the bind mounts of the docker adapter
 * (and back, on an exposed route, where the client is on Windows):
 * the drive rule (the automount root from wsl.conf, "/mnt/" unless it says
 * otherwise: "/mnt/c/rest" becomes "C:/rest") and a route's own prefix
 * rules. Pure functions: no logging, errors go to the caller.
 */
#ifndef NPR_DOCKER_PATH_H
#define NPR_DOCKER_PATH_H

#include <stddef.h>

/* Longest path the rules produce or take; longer ones are left alone. */
#define DOCKER_PATH_MAX 4096

struct docker_rule {
	char *from; /* absolute, no trailing "/" (except "/" itself) */
	char *to;
};

struct docker_paths {
	char *root; /* the automount root, ending in "/" */
	int drives; /* the drive rule applies (not when root is unusable) */
	struct docker_rule *rules;
	size_t nrules;
};

/*
 * The automount root of the wsl.conf file PATH into *ROOT (malloc'ed,
 * ending in "/"), read by the tree's one wsl.conf parser
 * (wslconf_automount_root(): "/mnt/" when the file or the key is missing;
 * MUST_EXIST: a missing file is an error too). Returns 0, or -1 with the
 * reason in ERR.
 */
int docker_wsl_root(const char *path, int must_exist, char **root,
    char *err, size_t errlen);

/* Is FROM usable as a rule's prefix (absolute, no "." or ".." parts)? */
int docker_rule_from_valid(const char *from);

/*
 * Add a prefix rule FROM -> TO (copied; FROM cleaned as by
 * docker_path_clean(), so a trailing "/" is dropped). Returns 0, or -1
 * when out of memory or FROM is not valid.
 */
int docker_paths_add_rule(struct docker_paths *, const char *from,
    const char *to);
void docker_paths_clear(struct docker_paths *);

/*
 * The absolute path SRC (LEN bytes, not NUL-terminated) resolved
 * lexically into OUT, NUL-terminated: "//" and "." parts gone, ".."
 * taking away the part before it, no "/" at the end but for "/" itself
 * ("/a//b/./c/../d/" is "/a/b/d"). Returns its length, or -1 when SRC
 * is not absolute, holds a NUL, climbs above "/" ("/a/../.."), or the
 * result would not fit OUTLEN or DOCKER_PATH_MAX.
 */
int docker_path_clean(const char *src, size_t len, char *out, size_t outlen);

/*
 * The Windows form of the host path SRC (its LEN bytes, not
 * NUL-terminated) into OUT: SRC cleaned (docker_path_clean()), then the
 * first matching prefix rule, else the drive rule. Returns the length
 * written, 0 when no rule matches (SRC is left alone: named volumes,
 * relative paths, paths climbing above "/" and other paths), -1 when the
 * result would not fit OUTLEN.
 */
int docker_path_rewrite(const struct docker_paths *, const char *src,
    size_t len, char *out, size_t outlen);

/*
 * The other way, for an exposed route (the client is a Windows program):
 * the WSL form of the Windows path SRC (LEN bytes) into OUT. "C:\\x\\y",
 * "C:/x/y" and "c:/x/y" are the drive's path "/x/y", resolved lexically
 * (".." may not climb above the drive's root), then the first prefix
 * rule whose Windows side (TO, compared without case, either slash)
 * starts it gives FROM + the rest, else the drive rule ROOT + "c" +
 * "/x/y". Returns the length written, 0 when SRC is no Windows drive
 * path or no rule matches (it stays), -1 when the result would not fit.
 */
int docker_path_to_wsl(const struct docker_paths *, const char *src,
    size_t len, char *out, size_t outlen);

/* 1 when SRC (LEN bytes) starts like a Windows drive path: "C:\\" or
 * "C:/" (a bind "C:\\src:/app" has its source end at the next ":"). */
int docker_path_is_windows(const char *src, size_t len);

#endif
