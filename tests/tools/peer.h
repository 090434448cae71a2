/* nptest-peer: shared helpers of the test peer's client and servers. */
#ifndef NPTEST_PEER_H
#define NPTEST_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PEER_CHUNK (64 * 1024)

/* Exit statuses, documented in --help. */
#define PEER_EXIT_OK 0
#define PEER_EXIT_FAIL 1
#define PEER_EXIT_USAGE 2
#define PEER_EXIT_TIMEOUT 3

void peer_usage(FILE *);

/* Print "nptest-peer WHO: message" to stderr. */
void peer_msg(const char *who, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* The same, then exit with status. */
void peer_exit(int status, const char *who, const char *, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* "123", "64K", "16M", "1G" (binary units). Returns 0 or -1. */
int peer_parse_size(const char *, uint64_t *);
/* Seconds as a decimal number, "2" or "0.25". Returns 0 or -1. */
int peer_parse_seconds(const char *, double *);

int64_t peer_now_ms(void);
int peer_set_nonblock(int fd);
int peer_write_all(int fd, const void *, size_t);
int peer_ignore_sigpipe(void);

/* xorshift64*: fast bytes that do not compress, not cryptographic. */
void peer_random_fill(uint64_t *state, void *buf, size_t len);

int peer_client_main(int argc, char **argv);
int peer_server_main(int argc, char **argv);

#endif
