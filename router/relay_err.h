/*
 * A relay's standard error, logged line by line under its route and
 * session, with a rate limit: a relay that floods stderr must not flood
 * the log (and the disk, and the journal).
 */
#ifndef NPR_RELAY_ERR_H
#define NPR_RELAY_ERR_H

#include <event2/event.h>

struct relay_err;

/* Read FD (non-blocking; taken over) on BASE, logging each line as
 * "route "ROUTE" #ID: relay: LINE". */
struct relay_err *relay_err_new(struct event_base *, int fd,
    const char *route, unsigned id);

/* Log what is still in the pipe (the relay has exited: whatever it
 * wrote is there now), then close it. */
void relay_err_free(struct relay_err *);

#endif
