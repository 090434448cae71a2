/*
 * Descriptor hygiene, as OpenSSH does it: descriptors 0-2 are always
 * open, and nothing a caller left open leaks into the daemon or its
 * relays.
 */
#ifndef NPR_FDHYGIENE_H
#define NPR_FDHYGIENE_H

#include <stddef.h>
#include <sys/resource.h>

/*
 * First thing in main(), before anything opens a file: put /dev/null on
 * whichever of 0, 1 and 2 is closed (else the first file opened becomes
 * "stderr" and log lines land in it), then close every other inherited
 * descriptor except the sockets systemd passed in (LISTEN_FDS), then
 * raise the soft RLIMIT_NOFILE to the hard limit (best effort). Returns
 * -1 with the reason in ERR when /dev/null cannot be opened.
 */
int fdhygiene_init(char *err, size_t errlen);

/*
 * The descriptor limit a relay is to start with: the soft limit we were
 * started with (programs built on select() break past descriptor 1023),
 * the hard one unchanged. 1 with RL filled when it differs from ours,
 * else 0.
 */
int fdhygiene_relay_nofile(struct rlimit *rl);

#endif
