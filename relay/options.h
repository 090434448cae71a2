/* npiperelay-compatible command line. */
#ifndef NPRELAY_OPTIONS_H
#define NPRELAY_OPTIONS_H

#include <stddef.h>

#include "nprelay.h"

/* Default cap on the -p wait, in seconds (see docs/nprelay.md). */
#define OPTIONS_DEFAULT_LIMIT 60
/* Largest -l accepted: a day; longer is a typo, not a plan. */
#define OPTIONS_MAX_LIMIT 86400

enum options_result {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_ERROR,
};

enum options_result options_parse(int argc, wchar_t **argv, struct options *,
    char *err, size_t errlen);
void options_usage(HANDLE out);

#endif
