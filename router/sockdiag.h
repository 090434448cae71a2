/* Ask the kernel which unix sockets listen, by the file they are bound to. */
#ifndef NPR_SOCKDIAG_H
#define NPR_SOCKDIAG_H

#include <sys/types.h>

/*
 * Does a unix socket bound to the file DEV:INO listen? Matched on the
 * file, not on the address it was bound by: npiperouter binds through
 * /proc/self/fd/N/NAME (see listener.c), so /proc/net/unix shows that,
 * not the path clients use. Nothing is connected to.
 * 1 yes, 0 no, -1 cannot tell (no NETLINK_SOCK_DIAG).
 */
int sockdiag_listening(dev_t dev, ino_t ino);

/* The same, with the listening socket's own inode (the N of the
 * "socket:[N]" its holders' /proc/PID/fd links show) in *SOCK_INO. */
int sockdiag_listener(dev_t dev, ino_t ino, unsigned long *sock_ino);

#endif
