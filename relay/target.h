/*
 * The far end of the relay: a named pipe, or a TCP socket to an assuan
 * server.  Both directions may run at once, each from its own thread.
 */
#ifndef NPRELAY_TARGET_H
#define NPRELAY_TARGET_H

#include "nprelay.h"

enum target_kind { TARGET_NONE, TARGET_PIPE, TARGET_SOCKET };

struct target {
	enum target_kind kind;
	HANDLE pipe;		/* opened with FILE_FLAG_OVERLAPPED */
	SOCKET sock;
	int message_mode;	/* PIPE_TYPE_MESSAGE, read in PIPE_READMODE_MESSAGE */
	HANDLE read_event;	/* one per direction: overlapped I/O */
	HANDLE write_event;
};

/*
 * IO_EOF is the target's half-close: a zero-byte message on a message pipe
 * (go-winio's CloseWrite), FIN on a socket; the target may still read.
 * IO_GONE is its end: a broken or disconnected pipe, a reset socket; it
 * can neither send nor receive any more.
 */
enum io_status { IO_OK, IO_EOF, IO_GONE, IO_ERROR };

void target_init(struct target *);
int target_events(struct target *, struct nprelay_error *);
enum io_status target_read(struct target *, char *, DWORD, DWORD *got,
    DWORD *err);
enum io_status target_write(struct target *, const char *, DWORD, DWORD *err);
enum io_status target_close_write(struct target *, DWORD *err);
int target_error_is_gone(DWORD);
void target_close(struct target *);

#endif
