/* The -p/-l wait: a deadline and a backoff for retrying. */
#ifndef NPRELAY_WAITER_H
#define NPRELAY_WAITER_H

#include "nprelay.h"

struct waiter {
	ULONGLONG start;	/* GetTickCount64() at the first attempt */
	DWORD limit_ms;		/* INFINITE: no deadline */
	DWORD backoff_ms;	/* next sleep between retries */
};

void waiter_init(struct waiter *, DWORD limit_ms);
DWORD waiter_remaining(const struct waiter *);
int waiter_sleep(struct waiter *);

#endif
