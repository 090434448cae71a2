/* The subcommands of npiperouter, each returning the exit status. */
#ifndef NPR_COMMAND_H
#define NPR_COMMAND_H

#include <stddef.h>

/* Exit status of `status` when no instance runs (as systemctl's). */
#define COMMAND_NOT_RUNNING 3
/* Exit status of `reload` when the instance is stopping: nothing reloaded. */
#define COMMAND_STOPPING 4

/*
 * BUILTIN_OK: FILE is the default file (no -c), so when it does not
 * exist the built-in routes are served (builtin.h). Once, before any
 * command.
 */
void command_init(int builtin_ok);

/* ROUTES_ONLY: only the route names, one a line (shell completion). */
int command_check(const char *file, int routes_only);
int command_run(const char *file);
/* SHELL >= 0 (enum shellenv_shell): then print `env`'s lines too. */
int command_start(const char *file, int shell);
/* The lines of `env` for SHELL, for the NAMES routes (all when N is 0). */
int command_env(const char *file, int shell, char *const *names, size_t n);
/* `config --print`: the effective config on stdout. */
int command_config_print(const char *file);
int command_stop(const char *file);
int command_reload(const char *file);
int command_status(const char *file, int json);
int command_doctor(const char *file);

#endif
