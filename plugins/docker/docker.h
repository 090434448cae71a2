/*
 * The docker adapter's parts: a route's options (docker_conf.c), the
 * requests of a session and their access log (docker_req.c), the
 * engine's answers (docker_relay.c), bodies with bind sources
 * (docker_rewrite.c), and the adapter itself with the client's requests
 * (docker.c).
 */
#ifndef NPR_DOCKER_H
#define NPR_DOCKER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <npiperouter/adapter.h>

#include "docker_http.h"
#include "docker_path.h"
#include "docker_policy.h"

/* Bodies with bind sources are held whole up to this many bytes (and
 * sent on with a Content-Length); larger ones go on chunked as they
 * come, only the values with sources held, each up to this many bytes.
 * Default and largest: held out of the router's view, so not bound to
 * NPR_ADAPTER_VIEW_MAX. */
#define DOCKER_MAX_BODY_DEFAULT (512 * 1024)
#define DOCKER_MAX_BODY_LIMIT (64 * 1024 * 1024)
/* The body of a refused request is read and dropped before the refusal
 * is answered, up to this many bytes (docker.c, docker_decide()). */
#define DOCKER_REFUSED_BODY_MAX ((uint64_t)256 * 1024 * 1024)
/* Requests forwarded and not answered yet, before the client waits. */
#define DOCKER_PIPELINE_MAX 128

struct docker_route {
	int rewrite;        /* rewrite_paths */
	struct docker_paths paths;
	struct docker_policy policy;
	size_t max_body;
	int access_log;
};

int docker_configure(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *route, void **route_state);
void docker_unconfigure(void *route_state);

/* One request, from its headers until both it and its answer ended. */
struct docker_req {
	struct docker_req *next;
	char method[16];
	char *path;             /* the target without its query, for the log */
	struct timespec start;
	uint64_t in, out;       /* bytes from the client, to the client */
	int status;             /* 0 while no answer has begun */
	unsigned is_head : 1;   /* HEAD: its answer has no body */
	unsigned upgrade : 1;   /* asks to switch protocols (hijack) */
	unsigned local : 1;     /* answered here, never forwarded */
	unsigned queued : 1;    /* forwarded, its answer has not ended */
	unsigned logged : 1;
};

/* The requests of a session: the one coming in, the ones awaiting answers. */
struct docker_reqs {
	struct docker_req *cur;
	struct docker_req *head, *tail;
	unsigned pending;
};

/* Each direction is in one phase at a time, changed by docker_phase(). */
enum docker_phase {
	PH_HEAD,    /* reading a message's headers */
	PH_DECIDE,  /* client: the request's headers are in; what now? */
	PH_ANSWER,  /* client: answer it here once earlier answers passed */
	PH_PASS,    /* the body passes as it comes */
	PH_REWRITE, /* client: a body with bind sources: held whole up to
	             * max_body, then sent on chunked as it comes with only
	             * the values holding sources held */
	PH_DISCARD, /* client: the body of a request answered here */
	PH_AWAIT,   /* client: asked to upgrade; waits for the answer */
	PH_RAW,     /* not HTTP any more: everything passes */
	PH_REFUSE,  /* client: framing refused; answer 400 once earlier
	             * answers passed, then end */
	PH_CLOSED,  /* refused: nothing more passes either way */
};

struct docker_frame;
struct docker_jscan;

struct docker_session {
	struct dh_stream dir[2];        /* by enum npr_side */
	struct docker_frame *frame;     /* the client's framing, checked */
	enum docker_phase phase[2];
	struct docker_reqs reqs;
	struct docker_target target;    /* of the request coming in */
	/* PH_REWRITE: the body through the scanner; the request as it came,
	 * until it is over max_body and goes on chunked (streaming). */
	struct docker_jscan *jscan;
	struct dh_buf raw;
	int streaming;
	int rewrote;                    /* a source was rewritten */
	char *cwd;                      /* the client's working folder, for
	                                 * relative sources; NULL: unknown */
	int fail_status;                /* the relay failed: answer the next
	                                 * request with this (docker_fail.c) */
	int to_wsl;                     /* an exposed route: the client is
	                                 * on Windows (docker_path_to_wsl) */
	int answer_status;              /* PH_ANSWER: what to answer */
	int answer_due;                 /* PH_DISCARD: the refusal comes at
	                                 * the body's end */
	uint64_t discarded;             /* of that body, dropped so far */
	int refuse_pass;                /* PH_REFUSE: what http-parser took
	                                 * of the refused request goes on */
	char answer[1536];
};

/*
 * Answer request R here with STATUS and Docker's JSON error MESSAGE
 * (CLOSE: "Connection: close"). Returns 0, or -1 out of memory.
 */
int docker_answer_req(struct npr_session *, struct npr_io *io,
    struct docker_req *r, int status, const char *message, int close);

/* ABI 2.1: the relay failed before the engine said a word (docker_fail.c). */
enum npr_verdict docker_relay_failed(struct npr_session *,
    const struct npr_relay_failure *f, struct npr_io *io);
/* Answer R, the request the failure is told to, and close. */
enum npr_verdict docker_fail_answer(struct npr_session *, struct docker_req *r,
    struct npr_io *io);

/* Change SIDE's phase, with a debug log line. */
void docker_phase(struct npr_session *, enum npr_side side,
    enum docker_phase to);
/* The verdict V about the first N bytes of ST's view (NEED if N is 0). */
enum npr_verdict docker_verdict(struct dh_stream *st, enum npr_verdict v,
    size_t n, size_t *np);
/* What the relay (the engine) sent: answers, then perhaps a raw stream. */
enum npr_verdict docker_relay(struct npr_session *, const unsigned char *buf,
    size_t len, size_t *n, struct npr_io *io);

/*
 * PH_REWRITE: the body as http-parser hands it out (BUF: the view, of
 * which st->fed bytes were parsed; EV: what dh_feed() stopped at), held
 * or sent on; at its end the client's phase is PH_HEAD again (PH_PASS
 * when an HTTP/1.0 body outgrew max_body). Returns 0, or -1 out of
 * memory. docker_rewrite.c.
 */
int docker_rewrite_body(struct npr_session *, struct dh_stream *st,
    const unsigned char *buf, enum dh_event ev, struct npr_io *io);
/* The working folder of process PID (malloc'ed), or NULL when it cannot
 * be read. */
char *docker_rewrite_cwd(pid_t pid);

struct docker_req *docker_req_new(const char *method, const char *url,
    size_t urllen);
/* Forwarded: its answer is the next one after those queued before it. */
void docker_req_queue(struct docker_reqs *, struct docker_req *);
/* The answer to the oldest request ended: out of the queue (freed when
 * the request has ended too, else when it does). */
void docker_req_answered(struct docker_reqs *);
/* The request coming in ended (freed when answered too). */
void docker_req_sent(struct docker_reqs *);
/* The access log line of R (once); NOTE says how it ended, or NULL. */
void docker_req_log(const struct npr_session *, struct docker_req *r,
    const char *note);
/* The session ends: log what is unfinished and free everything. */
void docker_reqs_free(const struct npr_session *, struct docker_reqs *);

#endif
