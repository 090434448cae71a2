/*
 * Asking the relay which pipes and assuan socket files exist:
 * `nprelay.exe --probe NAME...` (docs/nprelay.md, "Probing"). Low level:
 * errors go to the caller in a buffer.
 */
#ifndef NPR_RELAY_PROBE_H
#define NPR_RELAY_PROBE_H

#include <stddef.h>

#include "config.h"

/* How long one probe (a Windows program's start included) may take. */
#define RELAY_PROBE_TIMEOUT_MS 20000

enum relay_probe_state {
	RELAY_PROBE_PRESENT,
	RELAY_PROBE_ABSENT,
	RELAY_PROBE_ERROR,
};

struct relay_probe_result {
	enum relay_probe_state state;
	unsigned long code; /* Win32 error, 0 for none */
	char msg[256];
};

/*
 * Run RELAY's path with --probe and the N NAMES, in its cwd, and fill
 * RES[0..N-1]. Returns 0, or -1 with the reason in ERR when the relay
 * could not tell (it did not start, it is no nprelay.exe with --probe,
 * its answer was not one line per name).
 */
int relay_probe_run(const struct relay_conf *relay, const char *const *names,
    size_t n, struct relay_probe_result *res, char *err, size_t errlen);

/* The parser of that answer, TEXT; the same returns. */
int relay_probe_parse(const char *text, const char *const *names, size_t n,
    struct relay_probe_result *res, char *err, size_t errlen);

#endif
