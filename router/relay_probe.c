/* The relay's --probe, run and read (relay_probe.h). */
#include "relay_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "escape.h"

/* Lines of at most a name, a word, a number and a message each. */
#define RELAY_PROBE_OUT_MAX (64 * 1024)

static const char *const relay_probe_states[] = { "present", "absent",
	"error" };

/* One line "NAME\tSTATE\tCODE\tMESSAGE" for NAME into RES. */
static int
relay_probe_line(const char *line, size_t len, const char *name,
    struct relay_probe_result *res, char *err, size_t errlen)
{
	const char *f[4], *end = line + len, *p = line, *tab;
	size_t flen[4], i;
	char num[16], *nend = NULL, shown[200];

	for (i = 0; i < 4; i++) {
		tab = i < 3 ? memchr(p, '\t', (size_t)(end - p)) : end;
		if (tab == NULL) {
			snprintf(err, errlen, "want 4 tab-separated fields, "
			    "got %zu", i + 1);
			return -1;
		}
		f[i] = p;
		flen[i] = (size_t)(tab - p);
		p = tab + 1;
	}
	if (flen[0] != strlen(name) || memcmp(f[0], name, flen[0]) != 0) {
		snprintf(err, errlen, "a line for another name than %s", name);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		if (flen[1] == strlen(relay_probe_states[i]) &&
		    memcmp(f[1], relay_probe_states[i], flen[1]) == 0)
			break;
	}
	if (i == 3) {
		snprintf(err, errlen, "unknown state \"%s\"", escape_bytes(
		    shown, sizeof shown, f[1], flen[1], 40, ESCAPE_QUOTES));
		return -1;
	}
	res->state = (enum relay_probe_state)i;
	if (flen[2] == 0 || flen[2] >= sizeof num ||
	    strspn(f[2], "0123456789") < flen[2]) {
		snprintf(err, errlen, "bad code \"%s\"", escape_bytes(shown,
		    sizeof shown, f[2], flen[2], 40, ESCAPE_QUOTES));
		return -1;
	}
	memcpy(num, f[2], flen[2]);
	num[flen[2]] = '\0';
	res->code = strtoul(num, &nend, 10);
	/* The relay's words go into log lines: no control byte passes. */
	escape_bytes(res->msg, sizeof res->msg, f[3], flen[3], ESCAPE_ALL,
	    ESCAPE_KEEP_8BIT);
	return 0;
}

int
relay_probe_parse(const char *text, const char *const *names, size_t n,
    struct relay_probe_result *res, char *err, size_t errlen)
{
	const char *p = text, *nl;
	char why[200];
	size_t i, len;

	for (i = 0; i < n; i++) {
		if ((nl = strchr(p, '\n')) == NULL) {
			snprintf(err, errlen, "the relay's --probe answered %zu "
			    "line(s) for %zu name(s)", i, n);
			return -1;
		}
		len = (size_t)(nl - p);
		/* Windows line ends, if a relay ever writes them. */
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (relay_probe_line(p, len, names[i], &res[i], why,
		    sizeof why) != 0) {
			snprintf(err, errlen, "the relay's --probe answer, line "
			    "%zu: %s", i + 1, why);
			return -1;
		}
		p = nl + 1;
	}
	if (*p != '\0') {
		snprintf(err, errlen, "the relay's --probe answered more lines "
		    "than the %zu name(s) asked", n);
		return -1;
	}
	return 0;
}

int
relay_probe_run(const struct relay_conf *relay, const char *const *names,
    size_t n, struct relay_probe_result *res, char *err, size_t errlen)
{
	char **argv = NULL, *out = NULL, why[512];
	int st, rc = -1;

	if (relay->path == NULL) {
		snprintf(err, errlen, "no relay.path");
		return -1;
	}
	if ((argv = calloc(n + 3, sizeof *argv)) == NULL ||
	    (out = malloc(RELAY_PROBE_OUT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	argv[0] = relay->path;
	argv[1] = (char *)"--probe";
	for (size_t i = 0; i < n; i++)
		argv[i + 2] = (char *)names[i];
	st = capture_run(argv, relay->cwd, RELAY_PROBE_TIMEOUT_MS, out,
	    RELAY_PROBE_OUT_MAX, why, sizeof why);
	/* 0 all present, 1 some absent, 3 some in error: all answers. */
	if (st != 0 && st != 1 && st != 3) {
		if (st == -1)
			snprintf(err, errlen, "%s --probe: %s", relay->path, why);
		else
			snprintf(err, errlen, "%s --probe exited with status %d"
			    "%s%s (an nprelay.exe older than --probe, or "
			    "npiperelay.exe?)", relay->path, st,
			    *why != '\0' ? ": " : "", why);
		goto out;
	}
	rc = relay_probe_parse(out, names, n, res, err, errlen);
out:
	free(argv);
	free(out);
	return rc;
}
