/*
 * Descriptor hygiene, as OpenSSH does it: descriptors 0-2 are always
 * open, and nothing a caller left open leaks into the daemon or its
 * relays.
 */
#ifndef NPR_FDHYGIENE_H
#define NPR_FDHYGIENE_H

#include <stddef.h>

/*
 * First thing in main(), before anything opens a file: put /dev/null on
 * whichever of 0, 1 and 2 is closed (else the first file opened becomes
 * "stderr" and log lines land in it), then close every other inherited
 * descriptor except the sockets systemd passed in (LISTEN_FDS). Returns
 * -1 with the reason in ERR when /dev/null cannot be opened.
 */
int fdhygiene_init(char *err, size_t errlen);

#endif
