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
	int message_mode;	/* pipe of type PIPE_TYPE_MESSAGE */
	HANDLE read_event;	/* one per direction: overlapped I/O */
	HANDLE write_event;
};

enum io_status { IO_OK, IO_EOF, IO_ERROR };

void target_init(struct target *);
int target_events(struct target *, struct nprelay_error *);
enum io_status target_read(struct target *, char *, DWORD, DWORD *got,
    DWORD *err);
enum io_status target_write(struct target *, const char *, DWORD, DWORD *err);
int target_close_write(struct target *, DWORD *err);
void target_close(struct target *);

#endif
