/* nprelay.exe --probe: does a pipe or an assuan socket file exist? */
#ifndef NPRELAY_PROBE_H
#define NPRELAY_PROBE_H

#include "nprelay.h"

/* Exit statuses of --probe (0: every NAME present; 2: usage). */
#define PROBE_EXIT_ABSENT 1	/* some NAME is absent, none in error */
#define PROBE_EXIT_ERROR 3	/* some NAME could not be looked at */

/*
 * ARGV[1] is "--probe"; every later argument is a NAME. One line per
 * NAME on stdout, "NAME\tpresent|absent|error\tCODE\tMESSAGE\n".
 * Returns the exit status.
 */
int probe_main(int argc, wchar_t **argv);

#endif
