/* Unix listening sockets: created safely, removed only when still ours. */
#ifndef NPR_LISTENER_H
#define NPR_LISTENER_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define LISTENER_NO_GROUP ((gid_t)-1)

/*
 * Bind and listen on PATH, non-blocking and close-on-exec. The file is
 * never more permissive than MODE with group GID (LISTENER_NO_GROUP keeps
 * ours) at any moment. A socket file nothing answers on is replaced; a live
 * one, a symlink or any other file is an error. On success returns the fd,
 * the new file's identity in *ST and whether a leftover was replaced in
 * *REPLACED; on failure -1 with ERR set.
 */
int listener_open(const char *path, mode_t mode, gid_t gid, struct stat *st,
    int *replaced, char *err, size_t errlen);

/* Unlink PATH only if it is still the socket described by ST. */
void listener_remove(const char *path, const struct stat *st);

#endif
