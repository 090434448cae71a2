/* Unix listening sockets: created safely, removed only when still ours. */
#ifndef NPR_LISTENER_H
#define NPR_LISTENER_H

#include <stddef.h>
#include <sys/types.h>

#define LISTENER_NO_GROUP ((gid_t)-1)

/* Where a socket file was made, and which file it is: opaque. */
struct listener_file;

/*
 * Bind and listen on PATH, non-blocking and close-on-exec. PATH's folder
 * is opened once, through no symlink but root's or our own, and kept in
 * *FILE: every later step (clearing a leftover, bind, removal) happens in
 * that folder, whatever is renamed above it. A folder every user may
 * write without the sticky bit is refused. The file is never more
 * permissive than MODE with group GID (LISTENER_NO_GROUP keeps ours) at
 * any moment. A socket file nothing answers on is replaced; a live one
 * (even one too busy to accept), a symlink or any other file is an error.
 * On success returns the fd, sets *FILE and whether a leftover was
 * replaced in *REPLACED; on failure -1 with ERR set.
 */
int listener_open(const char *path, mode_t mode, gid_t gid,
    struct listener_file **file, int *replaced, char *err, size_t errlen);

/* Unlink FILE's socket if its name in its folder is still ours; free FILE.
 * NULL is ignored. */
void listener_remove(struct listener_file *file);

#endif
