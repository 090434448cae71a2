/* Telling systemd (Type=notify) what the daemon is doing; no-ops when built
 * without libsystemd or not started by systemd. */
#ifndef NPR_NOTIFY_H
#define NPR_NOTIFY_H

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
