/* libassuan socket files: the port and nonce of gpg-agent's sockets. */
#ifndef NPRELAY_ASSUAN_H
#define NPRELAY_ASSUAN_H

#include <stddef.h>

#include "nprelay.h"

#define ASSUAN_NONCE_LEN 16
/* Both formats are under 60 bytes; anything much bigger is not one. */
#define ASSUAN_FILE_MAX 128

struct assuan_info {
	unsigned short port;
	unsigned char nonce[ASSUAN_NONCE_LEN];
	int cygwin;		/* "!<socket >" format: longer handshake */
};

int assuan_parse(const unsigned char *, size_t, struct assuan_info *,
    char *why, size_t whylen);
int assuan_read_file(const wchar_t *path, struct assuan_info *,
    struct nprelay_error *);

#endif
