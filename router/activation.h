/* Sockets handed in by systemd socket activation, by route name. */
#ifndef NPR_ACTIVATION_H
#define NPR_ACTIVATION_H

/* Collect the named sockets passed by systemd (FileDescriptorName=). */
void activation_init(void);
/* How many sockets systemd passed to this process, from fd 3 up. */
int activation_count(void);
/* The listening socket named NAME, once; -1 when none was passed. */
int activation_take(const char *name);
/* Close (and warn about) passed sockets no route asked for. */
void activation_close_unused(void);

#endif
