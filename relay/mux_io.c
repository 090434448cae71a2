/*
 * stdin reader and stdout writer threads of the mux relay, see mux_io.h.
 *
 * The reader owns a ring of MUX_IO_BLOCKS buffers and a count of free
 * ones: the worker consumes blocks in order and copies what it keeps, so
 * at most that much of stdin is in flight, whatever the router sends.
 * The count is kept under the lock with a condition variable, not in a
 * semaphore: under Wine a semaphore's release and every wait on it are
 * wineserver round trips, one each per block, on top of all the others
 * the worker makes (bench/README.md, requests.sh); a critical section
 * and a condition variable cost none unless a thread has to sleep.
 * The writer takes the whole queue at once, packs small frames into one
 * WriteFile and counts the bytes written for the worker (mux_io.h).
 */
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "mux_frame.h"
#include "mux_io.h"

#define MUX_IO_BLOCKS 4
/* A Data frame's worth: one read, one post and one pipe write carry up
 * to a whole frame of bulk data (4 x 64 KiB blocks cost four of each). */
#define MUX_IO_BLOCK (256 * 1024)
/* mux_chan_request() buffers a request and one piece behind it: a piece
 * is at most a block. */
_Static_assert(MUX_IO_BLOCK <= MUX_DATA_MAX, "a stdin block is a frame at most");
/* Frames below this are copied into one write with their neighbours. */
#define MUX_IO_STAGE (64 * 1024)

struct mux_io {
	HANDLE port;
	HANDLE in, out;
	unsigned free_blocks;	/* under lock */
	CONDITION_VARIABLE room;	/* free_blocks went up */
	uint8_t block[MUX_IO_BLOCKS][MUX_IO_BLOCK];
	CRITICAL_SECTION lock;
	CONDITION_VARIABLE more;
	struct mux_out *urgent, **urgent_tail;
	struct mux_out *normal, **normal_tail;
	int finishing;
	HANDLE stopped;		/* event: the writer thread is done */
	volatile LONG written;	/* bytes written, not yet taken */
	volatile LONG want_written;	/* post MUXK_WRITTEN after a write */
	uint8_t stage[MUX_IO_STAGE];
};

struct mux_out *
mux_out_new(DWORD len)
{
	struct mux_out *o;

	o = malloc(sizeof *o + len);
	if (o == NULL)
		return NULL;
	o->next = NULL;
	o->len = len;
	return o;
}

static void
mux_io_free_list(struct mux_out *o)
{
	struct mux_out *next;

	for (; o != NULL; o = next) {
		next = o->next;
		free(o);
	}
}

static DWORD WINAPI
mux_io_reader_cb(void *arg)
{
	struct mux_io *io = arg;
	unsigned i = 0;
	DWORD n, e;

	for (;;) {
		EnterCriticalSection(&io->lock);
		while (io->free_blocks == 0)
			SleepConditionVariableCS(&io->room, &io->lock,
			    INFINITE);
		io->free_blocks--;
		LeaveCriticalSection(&io->lock);
		if (!ReadFile(io->in, io->block[i], MUX_IO_BLOCK, &n, NULL)) {
			e = GetLastError();
			/* A pipe's writer closing reads as ERROR_BROKEN_PIPE. */
			if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF)
				n = 0;
			else {
				PostQueuedCompletionStatus(io->port, e,
				    MUXK_STDIN_FAILED, NULL);
				return 0;
			}
		}
		PostQueuedCompletionStatus(io->port, n, MUXK_STDIN,
		    (OVERLAPPED *)io->block[i]);
		if (n == 0)
			return 0;
		i = (i + 1) % MUX_IO_BLOCKS;
	}
}

void
mux_io_stdin_done(struct mux_io *io)
{
	EnterCriticalSection(&io->lock);
	io->free_blocks++;
	LeaveCriticalSection(&io->lock);
	WakeConditionVariable(&io->room);
}

/* Writes one batch; the bytes of its frames in *total. */
static int
mux_io_write_batch(struct mux_io *io, struct mux_out *o, DWORD *total,
    DWORD *err)
{
	DWORD staged = 0;

	*total = 0;
	for (; o != NULL; o = o->next) {
		*total += o->len;
		if (o->len <= MUX_IO_STAGE - staged && o->len < MUX_IO_STAGE / 4) {
			memcpy(io->stage + staged, o->data, o->len);
			staged += o->len;
			continue;
		}
		if (staged > 0 && copy_write_all(io->out, io->stage, staged,
		    err) != 0)
			return -1;
		staged = 0;
		if (copy_write_all(io->out, o->data, o->len, err) != 0)
			return -1;
	}
	if (staged > 0 && copy_write_all(io->out, io->stage, staged, err) != 0)
		return -1;
	return 0;
}

static DWORD WINAPI
mux_io_writer_cb(void *arg)
{
	struct mux_io *io = arg;
	struct mux_out *batch, *normal;
	DWORD total, e = 0;
	int last;

	for (;;) {
		EnterCriticalSection(&io->lock);
		while (io->urgent == NULL && io->normal == NULL &&
		    !io->finishing)
			SleepConditionVariableCS(&io->more, &io->lock, INFINITE);
		batch = io->urgent;
		normal = io->normal;
		io->urgent = io->normal = NULL;
		io->urgent_tail = &io->urgent;
		io->normal_tail = &io->normal;
		last = io->finishing;
		LeaveCriticalSection(&io->lock);

		if (batch == NULL)
			batch = normal;
		else {
			struct mux_out *t = batch;

			while (t->next != NULL)
				t = t->next;
			t->next = normal;
		}
		if (mux_io_write_batch(io, batch, &total, &e) != 0) {
			mux_io_free_list(batch);
			if (!last)
				PostQueuedCompletionStatus(io->port, e,
				    MUXK_OUT_FAILED, NULL);
			break;
		}
		mux_io_free_list(batch);
		if (last)
			break;
		/* Whole batches are far below 2 GiB: the cap is 1 MiB. */
		InterlockedExchangeAdd(&io->written, (LONG)total);
		if (InterlockedExchange(&io->want_written, 0) != 0)
			PostQueuedCompletionStatus(io->port, 0, MUXK_WRITTEN,
			    NULL);
	}
	SetEvent(io->stopped);
	return 0;
}

DWORD
mux_io_take_written(struct mux_io *io)
{
	return (DWORD)InterlockedExchange(&io->written, 0);
}

void
mux_io_want_written(struct mux_io *io)
{
	InterlockedExchange(&io->want_written, 1);
}

void
mux_io_send(struct mux_io *io, struct mux_out *o, int urgent)
{
	EnterCriticalSection(&io->lock);
	if (io->finishing) {
		LeaveCriticalSection(&io->lock);
		free(o);
		return;
	}
	o->next = NULL;
	if (urgent) {
		*io->urgent_tail = o;
		io->urgent_tail = &o->next;
	} else {
		*io->normal_tail = o;
		io->normal_tail = &o->next;
	}
	LeaveCriticalSection(&io->lock);
	WakeConditionVariable(&io->more);
}

void
mux_io_finish(struct mux_io *io, struct mux_out *last, DWORD ms)
{
	struct mux_out *drop;

	EnterCriticalSection(&io->lock);
	drop = io->normal;
	mux_io_free_list(io->urgent);
	io->normal = io->urgent = NULL;
	io->normal_tail = &io->normal;
	io->urgent_tail = &io->urgent;
	if (last != NULL) {
		last->next = NULL;
		io->normal = last;
		io->normal_tail = &last->next;
	}
	io->finishing = 1;
	LeaveCriticalSection(&io->lock);
	mux_io_free_list(drop);
	WakeConditionVariable(&io->more);
	WaitForSingleObject(io->stopped, ms);
}

struct mux_io *
mux_io_start(HANDLE port, DWORD *err)
{
	struct mux_io *io;
	HANDLE th;

	if ((io = calloc(1, sizeof *io)) == NULL) {
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	io->port = port;
	io->in = GetStdHandle(STD_INPUT_HANDLE);
	io->out = GetStdHandle(STD_OUTPUT_HANDLE);
	io->urgent_tail = &io->urgent;
	io->normal_tail = &io->normal;
	InitializeCriticalSection(&io->lock);
	InitializeConditionVariable(&io->more);
	InitializeConditionVariable(&io->room);
	io->free_blocks = MUX_IO_BLOCKS;
	io->stopped = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (io->stopped == NULL)
		goto fail;
	/* Small stacks: the buffers live in *io. */
	th = CreateThread(NULL, 64 * 1024, mux_io_writer_cb, io,
	    STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	if (th == NULL)
		goto fail;
	CloseHandle(th);
	th = CreateThread(NULL, 64 * 1024, mux_io_reader_cb, io,
	    STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	if (th == NULL)
		goto fail;
	CloseHandle(th);
	return io;
fail:
	/* The process ends on this failure; nothing to unwind. */
	*err = GetLastError();
	return NULL;
}
