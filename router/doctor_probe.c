/* The doctor's pipe check: one relay run with stdin at EOF, bounded. */
#include "doctor_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "capture.h"
#include "config.h"
#include "relay.h"

/* What the pipe's service answered is not the question. */
static int
doctor_probe_discard_cb(const char *p, size_t n, void *arg)
{
	(void)p;
	(void)n;
	(void)arg;
	return 0;
}

/*
 * Started by capture_exec(), with the daemon's own spawn code: the same
 * process group, signal state, descriptors and environment
 * (child_env_init(), set up by doctor_run_opts() the way the daemon sets
 * it up) as a relay of a connection.
 */
void
doctor_probe_run(struct doctor *d, const struct route_conf *r,
    struct doctor_probe *p)
{
	struct capture_spec spec = { NULL, NULL, NULL, r->relay.cwd, NULL,
		d->timeout_ms, 0, doctor_probe_discard_cb, NULL };
	struct capture_result res;
	char **argv = NULL;

	memset(p, 0, sizeof *p);
	p->status = DOCTOR_PROBE_NOSTART;
	if ((argv = relay_argv(r)) == NULL) {
		snprintf(p->err, sizeof p->err, "out of memory");
		goto out;
	}
	spec.argv = argv;
	if (capture_exec(&spec, &res, p->err, sizeof p->err) != 0) {
		if (res.timed_out)
			p->status = DOCTOR_PROBE_TIMEOUT;
		goto out;
	}
	snprintf(p->err, sizeof p->err, "%s", res.first);
	p->status = WIFEXITED(res.status) ? WEXITSTATUS(res.status) :
	    128 + WTERMSIG(res.status);
out:
	free(argv);
}
