/* Shared by the doctor*.c files; nothing else includes this. */
#ifndef NPR_DOCTOR_PRIV_H
#define NPR_DOCTOR_PRIV_H

#include <stdio.h>
#include <sys/un.h>

#include "doctor.h"

struct config;
struct route_conf;

/* Long enough for nprelay.exe -p to fail on a missing pipe first. */
#define DOCTOR_PIPE_TIMEOUT_MS 5000

enum doctor_level { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor {
	FILE *out;
	const char *root;
	unsigned timeout_ms;
	enum doctor_wsl wsl;
	int interop_ok; /* Windows programs can start */
	char interop[sizeof ((struct sockaddr_un *)0)->sun_path]; /* or "" */
	char automount[256];
	const char *exposures; /* doctor_opts' */
	int rundir_bad; /* XDG_RUNTIME_DIR would stop a start */
	unsigned nok, nwarn, nfail;
};

/* One finding: a line with the status word, counted. */
void doctor_say(struct doctor *, enum doctor_level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define DOCTOR_PROBE_TIMEOUT (-1) /* killed after timeout_ms */
#define DOCTOR_PROBE_NOSTART (-2) /* could not be started */

struct doctor_probe {
	int status;    /* exit status, or one of the two above */
	char err[256]; /* first line the relay wrote to stderr */
};

/*
 * Run the route's relay the way a connection does, with stdin at EOF: a
 * relay that reaches its pipe exits 0 (nprelay.exe and npiperelay.exe
 * with -ei or -ep), one that cannot exits non-zero with a message.
 */
void doctor_probe_run(struct doctor *, const struct route_conf *,
    struct doctor_probe *);

/* A process holding a listening socket (doctor_holder.c). */
struct doctor_holder {
	long pid;
	char name[64]; /* comm */
	int ours;      /* an npiperouter */
};

/*
 * The processes holding the socket that listens at PATH, as far as /proc
 * shows them (all for root, our own otherwise): up to MAX into H, the
 * count in *N. -1 when nothing listens there or the kernel cannot say.
 */
int doctor_socket_holders(const char *path, struct doctor_holder *h,
    size_t max, size_t *n);

/*
 * Something other than npiperouter listens at the route's socket (a
 * local gpg-agent, systemd's gpg-agent.socket): say so, with what to
 * run, and return 1; else 0.
 */
int doctor_check_holder(struct doctor *, const struct route_conf *);

/* systemd's gpg-agent sockets active while CFG has a gpg route. */
void doctor_check_gpg_units(struct doctor *, const struct config *);

/*
 * The client side (doctor_env.c): SSH_AUTH_SOCK, DOCKER_HOST and the
 * docker CLI's current context point at the routes of CFG.
 */
void doctor_check_env(struct doctor *, const struct config *);

#endif
