/*
 * Windows has no notification for "a pipe with this name now exists", so
 * waiting for a missing pipe (or assuan socket file) means retrying.  The
 * delay starts small so a pipe that appears quickly is found quickly, and
 * grows so a long wait costs a handful of wake-ups a second, not a spin.
 */
#include "waiter.h"

#define WAITER_FIRST_MS 10
#define WAITER_MAX_MS 250

void
waiter_init(struct waiter *w, DWORD limit_ms)
{
	w->start = GetTickCount64();
	w->limit_ms = limit_ms;
	w->backoff_ms = WAITER_FIRST_MS;
}

/* Milliseconds left before the deadline: INFINITE without one, 0 after. */
DWORD
waiter_remaining(const struct waiter *w)
{
	ULONGLONG spent;

	if (w->limit_ms == INFINITE)
		return INFINITE;
	spent = GetTickCount64() - w->start;
	if (spent >= w->limit_ms)
		return 0;
	return w->limit_ms - (DWORD)spent;
}

/* Sleep before the next attempt; 0 when the deadline has passed. */
int
waiter_sleep(struct waiter *w)
{
	DWORD left = waiter_remaining(w), ms = w->backoff_ms;

	if (left == 0)
		return 0;
	if (ms > left)
		ms = left;
	Sleep(ms);
	w->backoff_ms *= 2;
	if (w->backoff_ms > WAITER_MAX_MS)
		w->backoff_ms = WAITER_MAX_MS;
	return 1;
}
