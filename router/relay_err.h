/*
 * A relay's standard error, logged line by line under its route and
 * session, with a rate limit: a relay that floods stderr must not flood
 * the log (and the disk, and the journal).
 */
#ifndef NPR_RELAY_ERR_H
#define NPR_RELAY_ERR_H

#include <stdint.h>

#include <event2/event.h>

struct relay_err;

/* Read FD (non-blocking; taken over) on BASE, logging each line as
 * "route "ROUTE" #ID: relay: LINE". */
struct relay_err *relay_err_new(struct event_base *, int fd,
    const char *route, unsigned id);

/* Log what is still in the pipe (the relay has exited: whatever it
 * wrote is there now), then close it. */
void relay_err_free(struct relay_err *);

/*
 * The relay has exited: log what it still wrote (bounded, as
 * relay_err_free() does), and return its last line that was not empty,
 * as it wrote it (no CR or LF; "" when none), valid until the next call.
 */
const char *relay_err_last(struct relay_err *);

/*
 * The Win32 error N that ends LINE as nprelay ends its error lines,
 * "TARGET: what: text (error N)" (relay/report.c); 0 when it has none.
 */
uint32_t relay_err_code(const char *line);

#endif
