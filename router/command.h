/* The subcommands of npiperouter, each returning the exit status. */
#ifndef NPR_COMMAND_H
#define NPR_COMMAND_H

/* Exit status of `status` when no instance runs (as systemctl's). */
#define COMMAND_NOT_RUNNING 3
/* Exit status of `reload` when the instance is stopping: nothing reloaded. */
#define COMMAND_STOPPING 4

int command_check(const char *file);
int command_run(const char *file);
int command_start(const char *file);
int command_stop(const char *file);
int command_reload(const char *file);
int command_status(const char *file, int json);
int command_doctor(const char *file);

#endif
