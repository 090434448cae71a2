/*
 * The control socket of a running instance, and its client. One request
 * line per connection ("status", "status json", "reload", "stop"); the
 * answer is "ok" or "error" on its first line ("stopping" when a reload
 * comes during the drain after a stop), then the text, then EOF.
 */
#ifndef NPR_CONTROL_H
#define NPR_CONTROL_H

#include <stddef.h>

struct server;
struct control;

/* Serve requests on PATH (mode 0600; only our uid and root may ask). */
struct control *control_open(struct server *, const char *path, char *err,
    size_t errlen);
void control_free(struct control *);

#define CONTROL_STOPPING 2
/* The answer was not taken: a stranger's socket, or too long. */
#define CONTROL_REFUSED (-2)
/* An instance is there but hung: it took the connection, or its backlog
 * is full, and no answer came in time. */
#define CONTROL_HUNG (-3)
/* Longest answer the client reads. */
#define CONTROL_ANSWER_MAX (1024 * 1024)

/*
 * Client: send CMD to the instance at PATH and return its answer in *TEXT
 * (malloc'd). Returns 0 for "ok", 1 for "error", CONTROL_STOPPING for
 * "stopping", -1 when no instance answered, CONTROL_HUNG when one is
 * there but did not answer in time, CONTROL_REFUSED when the socket is
 * served by a uid other than ours or root's, or the answer is longer
 * than CONTROL_ANSWER_MAX (ERR says why, for all three).
 */
int control_request(const char *path, const char *cmd, char **text,
    char *err, size_t errlen);
/* The same, waiting at most SECS for each part of the answer (60 above). */
int control_request_within(const char *path, const char *cmd, unsigned secs,
    char **text, char *err, size_t errlen);

#endif
