/* Telling systemd (Type=notify) what the daemon is doing. */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#ifdef NPR_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void
notify_send(const char *state)
{
#ifdef NPR_HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

void
notify_ready(void)
{
	notify_send("READY=1");
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	/* systemd 253+ wants the time, to match READY=1 to this reload. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof msg, "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	notify_send(msg);
}
