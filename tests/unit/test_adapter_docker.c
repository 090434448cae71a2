/*
 * The docker adapter through the router's session seam: HTTP/1.1 framing
 * in both directions (keep-alive, pipelining, Content-Length and chunked
 * bodies in pieces, HEAD, streaming), bind sources rewritten in every
 * body that has them (relative ones against the peer's folder), large
 * bodies streamed instead of refused, the policy and its answers in
 * order, upgrades to raw streams, malformed HTTP, options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <sys/socket.h>

#include "adapter.h"
#include "adapter_util.h"
#include "config.h"

#define BUILD NPR_ADAPTER_BUILD_DIR
/* docker_frame.h's DOCKER_FRAME_HEAD_MAX, as a client meets it. */
#define DOCKER_HEAD_MAX (64 * 1024)
#define HOST "Host: api.moby.localhost\r\n"
#define PING "HEAD /_ping HTTP/1.1\r\n" HOST "\r\n"
#define LIST "GET /v1.41/containers/json?all=1 HTTP/1.1\r\n" HOST "\r\n"
#define PONG "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\n"
#define JSON_OK "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
	"Content-Length: 3\r\n\r\n[]\n"

/* A route whose drive rule reads wsl.conf from a file we control. */
static char wsl_conf[256];

static void
write_wsl_conf(const char *text)
{
	FILE *fp = NULL;

	assert_non_null(fp = fopen(wsl_conf, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
open_docker(struct atest *t, const char *options)
{
	char group[1024];

	snprintf(group, sizeof group, "{ name = \"docker\"; wsl_conf = \"%s\"; "
	    "%s }", wsl_conf, options);
	atest_open(t, BUILD, group);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(wsl_conf, sizeof wsl_conf, "%s/npr-wslconf-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = mkstemp(wsl_conf)) < 0)
		return -1;
	close(fd);
	write_wsl_conf("[boot]\nsystemd=true\n");
	return 0;
}

static int
teardown(void **state)
{
	unlink(wsl_conf);
	return 0;
}

static void
test_keep_alive_and_pipelining(void **state)
{
	struct atest t;

	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, PING), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), PING);
	/* The answer to HEAD has a Content-Length and no body: the next
	 * answer follows at once. */
	assert_int_equal(atest_sends(&t, 0, PONG), 0);
	assert_string_equal(atest_take(t.to_client, NULL), PONG);
	/* Three requests in one piece, their answers in odd pieces. */
	assert_int_equal(atest_sends(&t, 1, LIST LIST PING), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), LIST LIST PING);
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 200 OK\r\nContent-Le"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(atest_sends(&t, 0, "ngth: 3\r\n\r\n[]\n" JSON_OK
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 3\r\n\r\n[]\n" JSON_OK);
	assert_int_equal(atest_sends(&t, 0, "\r\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 2\r\n\r\n");
	assert_int_equal(atest_eof(&t, 1), 0);
	assert_int_equal(atest_eof(&t, 0), 0);
	atest_free(&t);
}

/* A request body in pieces passes as it comes, without waiting for it. */
static void
test_bodies_pass_as_they_come(void **state)
{
	struct atest t;

	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, "POST /v1.41/images/load HTTP/1.1\r\n"
	    HOST "Content-Length: 10\r\n\r\n0123"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "POST /v1.41/images/"
	    "load HTTP/1.1\r\n" HOST "Content-Length: 10\r\n\r\n0123");
	assert_int_equal(atest_sends(&t, 1, "456789" LIST), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "456789" LIST);
	/* A chunked answer that never ends (docker events, logs -f): each
	 * piece passes at once, chunk headers split anywhere. */
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 200 OK\r\nTransfer-"
	    "Encoding: chunked\r\n\r\n5\r\nhel"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhel");
	assert_int_equal(atest_sends(&t, 0, "lo\r\n1"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "lo\r\n1");
	assert_int_equal(atest_sends(&t, 0, "0\r\n0123456789abcdef\r\n0\r\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL),
	    "0\r\n0123456789abcdef\r\n0\r\n");
	/* The last chunk, then the answer to the second request. */
	assert_int_equal(atest_sends(&t, 0, "\r\n" JSON_OK), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "\r\n" JSON_OK);
	atest_free(&t);
}

#define CREATE_HEAD "POST /v1.41/containers/create?name=x HTTP/1.1\r\n" \
	HOST "Content-Type: application/json\r\n"

static void
test_create_is_rewritten(void **state)
{
	static const char body[] = "{\"Image\":\"alpine\",\"HostConfig\":"
	    "{\"Binds\":[\"/mnt/c/Users/me/src:/src:ro\",\"vol:/data\","
	    "\"/home/me:/home:z\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
	    "\"/mnt/d\",\"Target\":\"/d\"},{\"Type\":\"volume\",\"Source\":"
	    "\"/mnt/e/x\",\"Target\":\"/e\"}]}}";
	static const char want[] = "{\"Image\":\"alpine\",\"HostConfig\":"
	    "{\"Binds\":[\"C:/Users/me/src:/src:ro\",\"vol:/data\","
	    "\"/home/me:/home:z\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
	    "\"D:/\",\"Target\":\"/d\"},{\"Type\":\"volume\",\"Source\":"
	    "\"/mnt/e/x\",\"Target\":\"/e\"}]}}";
	char req[2048], out[2048];
	struct atest t;
	size_t half;

	open_docker(&t, "");
	snprintf(req, sizeof req, CREATE_HEAD "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	/* Nothing goes on until the whole body is there. */
	half = strlen(req) - 20;
	assert_int_equal(atest_send(&t, 1, req, half), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_int_equal(atest_send(&t, 1, req + half, 20), 0);
	snprintf(out, sizeof out, "POST /v1.41/containers/create?name=x "
	    "HTTP/1.1\r\n" HOST "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", strlen(want), want);
	assert_string_equal(atest_take(t.to_relay, NULL), out);
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 201 Created\r\n"
	    "Content-Length: 2\r\n\r\n{}"), 0);
	atest_take(t.to_client, NULL);

	/* Without a version prefix and chunked: sent on with a length. */
	assert_int_equal(atest_sends(&t, 1, "POST /containers/create HTTP/1.1\r\n"
	    HOST "Transfer-Encoding: chunked\r\n\r\n"
	    "10\r\n{\"HostConfig\":{\"\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_int_equal(atest_sends(&t, 1, "16\r\nBinds\":[\"/mnt/c:/c\"]}}\r\n"
	    "0\r\n\r\n" PING), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "POST /containers/"
	    "create HTTP/1.1\r\n" HOST "Content-Length: 35\r\n\r\n"
	    "{\"HostConfig\":{\"Binds\":[\"C:/:/c\"]}}" PING);
	atest_free(&t);
}

/* Nothing to rewrite: the request goes on byte for byte. */
static void
test_create_unchanged(void **state)
{
	static const char req[] = CREATE_HEAD "Content-Length: 45\r\n\r\n"
	    "{\"HostConfig\":{\"Binds\":[\"named:/x\",\"/y:/z\"]}}";
	struct atest t;

	open_docker(&t, "rewrite_paths = true;");
	assert_int_equal(atest_sends(&t, 1, req), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), req);
	atest_free(&t);
	open_docker(&t, "rewrite_paths = false;");
	assert_int_equal(atest_sends(&t, 1, CREATE_HEAD "Content-Length: 38\r\n"
	    "\r\n{\"HostConfig\":{\"Binds\":[\"/mnt/c:/c\"]}}"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), CREATE_HEAD
	    "Content-Length: 38\r\n\r\n{\"HostConfig\":{\"Binds\":[\"/mnt/c:/c\"]}}");
	atest_free(&t);
}

/*
 * The body of a chunked request in OUT (what went to the engine): its
 * chunks joined into BODY (malloc'ed). Fails unless the head says
 * "Transfer-Encoding: chunked" and the chunks end with the last one.
 */
static char *
dechunk(const char *out)
{
	const char *p = strstr(out, "\r\n\r\n"), *head_end = p;
	char *body = NULL, *end = NULL;
	size_t len = 0;
	unsigned long n;

	assert_non_null(p);
	assert_non_null(strstr(out, "\r\nTransfer-Encoding: chunked\r\n"));
	assert_true(strstr(out, "\r\nTransfer-Encoding: chunked\r\n") < head_end);
	assert_null(strstr(out, "Content-Length"));
	assert_non_null(body = malloc(strlen(out) + 1));
	for (p += 4;; p += n + 2) {
		n = strtoul(p, &end, 16);
		assert_true(end != p && end[0] == '\r' && end[1] == '\n');
		p = end + 2;
		if (n == 0)
			break;
		memcpy(body + len, p, n);
		len += n;
		assert_true(p[n] == '\r' && p[n + 1] == '\n');
	}
	assert_string_equal(p, "\r\n");
	body[len] = '\0';
	return body;
}

/* Send REQ's LEN bytes from the client in pieces of at most PIECE. */
static void
send_sized(struct atest *t, const char *req, size_t len, size_t piece)
{
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < piece ? len - off : piece;
		assert_int_equal(atest_send(t, 1, req + off, n), 0);
	}
}

/* A create body of ENVLEN bytes of environment, then HostConfig BINDS. */
static char *
big_create(size_t envlen, const char *binds)
{
	char *body = NULL;
	size_t n;

	assert_non_null(body = malloc(envlen + strlen(binds) + 64));
	n = (size_t)sprintf(body, "{\"Env\":[\"A=");
	memset(body + n, 'x', envlen);
	n += envlen;
	sprintf(body + n, "\"],\"HostConfig\":{\"Binds\":[%s]}}", binds);
	return body;
}

/* Send REQ's LEN bytes from the client in pieces of at most 64 KiB. */
static void
send_pieces(struct atest *t, const char *req, size_t len)
{
	send_sized(t, req, len, 65536);
}

/*
 * No create body is refused for its size (issue 12: a 700 KB
 * --env-file was refused with 413, and max_body could not pass 896
 * KiB). Past max_body a body goes on chunked as it comes, only the
 * values holding sources held.
 */
static void
test_create_large(void **state)
{
	char *body = NULL, *want = NULL, *req = NULL, *got = NULL;
	const char *out = NULL;
	struct atest t;
	size_t len;

	/* 700 KB of environment and no bind: it all goes on unchanged. */
	body = big_create(700 * 1000, "");
	assert_non_null(req = malloc(strlen(body) + 256));
	len = (size_t)sprintf(req, CREATE_HEAD "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	open_docker(&t, "");
	send_pieces(&t, req, len);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	got = dechunk(atest_take(t.to_relay, NULL));
	assert_string_equal(got, body);
	free(got);
	/* The next request on the connection goes on as usual. */
	assert_int_equal(atest_sends(&t, 1, PING), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), PING);
	atest_free(&t);
	free(body);
	free(req);

	/* 2 MB of environment, then binds: rewritten as they pass. */
	body = big_create(2000 * 1000, "\"/mnt/c/src:/src\",\"v:/v\"");
	want = big_create(2000 * 1000, "\"C:/src:/src\",\"v:/v\"");
	assert_non_null(req = malloc(strlen(body) + 256));
	len = (size_t)sprintf(req, CREATE_HEAD "Transfer-Encoding: chunked\r\n"
	    "\r\n%zx\r\n%s\r\n0\r\n\r\n", strlen(body), body);
	open_docker(&t, "");
	send_pieces(&t, req, len);
	got = dechunk(atest_take(t.to_relay, NULL));
	assert_string_equal(got, want);
	free(got);
	atest_free(&t);
	free(req);

	/* max_body raised to 16 MiB: held whole, sent with a length. */
	assert_non_null(req = malloc(strlen(body) + 256));
	len = (size_t)sprintf(req, CREATE_HEAD "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	open_docker(&t, "max_body = 16777216;");
	send_pieces(&t, req, len - 1);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_int_equal(atest_send(&t, 1, req + len - 1, 1), 0);
	out = atest_take(t.to_relay, NULL);
	assert_non_null(strstr(out, "\r\nContent-Length: "));
	assert_string_equal(strstr(out, "\r\n\r\n") + 4, want);
	atest_free(&t);
	free(req);
	free(want);
	free(body);

	/* Sources that take more than max_body go on unchanged. */
	body = big_create(10, "\"/mnt/c/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ":/a\"");
	assert_non_null(req = malloc(strlen(body) + 256));
	len = (size_t)sprintf(req, CREATE_HEAD "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	open_docker(&t, "max_body = 1024;");
	send_sized(&t, req, len, 100);
	got = dechunk(atest_take(t.to_relay, NULL));
	assert_string_equal(got, body);
	free(got);
	atest_free(&t);
	/* All there at once: the very bytes go on. */
	open_docker(&t, "max_body = 1024;");
	send_pieces(&t, req, len);
	assert_string_equal(atest_take(t.to_relay, NULL), req);
	atest_free(&t);
	/* HTTP/1.0 cannot go on chunked: over max_body, as it came. */
	memcpy(strstr(req, "HTTP/1.1"), "HTTP/1.0", 8);
	open_docker(&t, "max_body = 1024;");
	send_sized(&t, req, len, 100);
	assert_string_equal(atest_take(t.to_relay, NULL), req);
	atest_free(&t);
	free(req);
	free(body);
}

/* POST TARGET with BODY through a fresh session: what the engine gets
 * as body must be WANT. */
static void
create_via(const char *target, const char *body, const char *want)
{
	char req[4096];
	const char *out = NULL;
	struct atest t;

	open_docker(&t, "");
	snprintf(req, sizeof req, "POST %s HTTP/1.1\r\n" HOST "Content-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%s", target,
	    strlen(body), body);
	assert_int_equal(atest_sends(&t, 1, req), 0);
	out = strstr(atest_take(t.to_relay, NULL), "\r\n\r\n");
	assert_non_null(out);
	assert_string_equal(out + 4, want);
	atest_free(&t);
}

/* Every body with bind sources, paths resolved first (issue 12). */
static void
test_other_creates(void **state)
{
	/* compose's driver_opts: a local volume bound to a host folder. */
	create_via("/v1.41/volumes/create", "{\"Name\":\"v\",\"Driver\":\"local\","
	    "\"DriverOpts\":{\"device\":\"/mnt/c/data\",\"o\":\"bind\",\"type\":"
	    "\"none\"}}", "{\"Name\":\"v\",\"Driver\":\"local\",\"DriverOpts\":{"
	    "\"device\":\"C:/data\",\"o\":\"bind\",\"type\":\"none\"}}");
	create_via("/v4.0.0/libpod/volumes/create", "{\"Name\":\"v\",\"Options\":{"
	    "\"device\":\"/mnt/c/data\",\"o\":\"bind\"}}", "{\"Name\":\"v\","
	    "\"Options\":{\"device\":\"C:/data\",\"o\":\"bind\"}}");
	/* Swarm services, made and updated. */
	create_via("/v1.41/services/create", "{\"TaskTemplate\":{\"ContainerSpec\":"
	    "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/mnt/d/w\",\"Target\":"
	    "\"/w\"}]}}}", "{\"TaskTemplate\":{\"ContainerSpec\":{\"Mounts\":[{"
	    "\"Type\":\"bind\",\"Source\":\"D:/w\",\"Target\":\"/w\"}]}}}");
	create_via("/v1.41/services/s1/update?version=2", "{\"TaskTemplate\":{"
	    "\"ContainerSpec\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
	    "\"/mnt/d/w\"}]}}}", "{\"TaskTemplate\":{\"ContainerSpec\":{\"Mounts\":"
	    "[{\"Type\":\"bind\",\"Source\":\"D:/w\"}]}}}");
	/* Podman's own create (SpecGenerator). */
	create_via("/v4.0.0/libpod/containers/create", "{\"image\":\"i\",\"mounts\":"
	    "[{\"destination\":\"/w\",\"type\":\"bind\",\"source\":\"/mnt/c/w\"}]}",
	    "{\"image\":\"i\",\"mounts\":[{\"destination\":\"/w\",\"type\":"
	    "\"bind\",\"source\":\"C:/w\"}]}");
	/* "//", "." and ".." resolved; never above "/". */
	create_via("/v1.41/containers/create", "{\"HostConfig\":{\"Binds\":["
	    "\"/mnt/c//x/./../y:/y\",\"/mnt/c/../../../etc:/e\"]}}",
	    "{\"HostConfig\":{\"Binds\":[\"C:/y:/y\",\"/mnt/c/../../../etc:/e\"]}}");
}

/* Relative sources are resolved against the client's folder, read from
 * /proc/PID/cwd of the peer (here: this process). */
static void
test_create_relative(void **state)
{
	char dir[] = "/tmp/npr-cwd-XXXXXX", real[1024], old[4096], req[8192];
	char want[8192], *got = NULL;
	struct config_errors errs = { NULL, 0 };
	struct ucred peer = { getpid(), getuid(), getgid() };
	static const char body[] = "{\"HostConfig\":{\"Binds\":[\"./rel:/rel\","
	    "\"name:/n\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"./m/../sub\","
	    "\"Target\":\"/m\"}]}}";
	struct atest t;
	char group[1024];

	assert_non_null(mkdtemp(dir));
	assert_true(realpath(dir, old) != NULL && strlen(old) < sizeof real);
	memcpy(real, old, strlen(old) + 1);
	assert_non_null(getcwd(old, sizeof old));
	assert_int_equal(chdir(dir), 0);
	snprintf(group, sizeof group, "{ name = \"docker\"; wsl_conf = \"%s\"; }",
	    wsl_conf);
	memset(&t, 0, sizeof t);
	assert_int_equal(atest_load(&t, BUILD, group, &errs), 0);
	assert_non_null(t.as = adapter_session_open(&t.cfg->routes[0], 1, &peer,
	    t.err, sizeof t.err));
	assert_int_equal(chdir(old), 0);
	rmdir(dir);
	assert_true((t.from_client = evbuffer_new()) && (t.from_relay =
	    evbuffer_new()) && (t.to_relay = evbuffer_new()) &&
	    (t.to_client = evbuffer_new()));
	snprintf(req, sizeof req, CREATE_HEAD "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	assert_int_equal(atest_sends(&t, 1, req), 0);
	snprintf(want, sizeof want, "{\"HostConfig\":{\"Binds\":[\"%s/rel:/rel\","
	    "\"name:/n\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"%s/sub\","
	    "\"Target\":\"/m\"}]}}", real, real);
	got = strstr(atest_take(t.to_relay, NULL), "\r\n\r\n");
	assert_non_null(got);
	assert_string_equal(got + 4, want);
	atest_free(&t);
}

#define DENIED_EXEC "HTTP/1.1 403 Forbidden\r\nContent-Type: " \
	"application/json\r\nContent-Length: 112\r\n\r\n{\"message\":" \
	"\"npiperouter, route a: POST requests to the exec endpoints are not " \
	"allowed by this socket's policy\"}\n"

static void
test_policy(void **state)
{
	struct atest t;

	open_docker(&t, "allow = [ \"containers\", \"GET images\" ]; "
	    "deny = [ \"DELETE containers\" ];");
	/* Always allowed, whatever the lists say. */
	assert_int_equal(atest_sends(&t, 1, PING "GET /v1.41/version HTTP/1.1\r\n"
	    "\r\nGET /info HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	atest_take(t.to_relay, NULL);
	assert_int_equal(atest_sends(&t, 0, PONG JSON_OK JSON_OK), 0);
	atest_take(t.to_client, NULL);
	/* exec lives under /containers too, but is its own group. */
	assert_int_equal(atest_sends(&t, 1, "POST /v1.41/containers/c1/exec "
	    "HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}" LIST), 0);
	assert_string_equal(atest_take(t.to_client, NULL), DENIED_EXEC);
	assert_string_equal(atest_take(t.to_relay, NULL), LIST);
	/* A refusal waits for the answers to the requests before it. */
	assert_int_equal(atest_sends(&t, 1, "DELETE /v1.41/containers/c1 "
	    "HTTP/1.1\r\n\r\nGET /v1.41/images/json HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(adapter_session_pending(t.as, 1), 1);
	assert_int_equal(atest_sends(&t, 0, JSON_OK), 0);
	assert_non_null(strstr(atest_take(t.to_client, NULL), "[]\nHTTP/1.1 403 "
	    "Forbidden\r\n"));
	assert_string_equal(atest_take(t.to_relay, NULL),
	    "GET /v1.41/images/json HTTP/1.1\r\n\r\n");
	assert_int_equal(atest_sends(&t, 1, "POST /images/create HTTP/1.1\r\n"
	    "\r\nGET /v1.41/containers/../exec/x/json HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_int_equal(atest_sends(&t, 0, JSON_OK), 0);
	assert_non_null(strstr(atest_take(t.to_client, NULL), "POST requests to "
	    "the images endpoints are not allowed by this socket's policy\"}\n"
	    "HTTP/1.1 403 Forbidden\r\n"));
	atest_free(&t);
}

static void
test_upgrade(void **state)
{
	static const char attach[] = "POST /v1.41/containers/c1/attach?stream=1"
	    "&stdin=1 HTTP/1.1\r\n" HOST "Connection: Upgrade\r\nUpgrade: tcp\r\n"
	    "Content-Length: 0\r\n\r\n";
	static const char upgraded[] = "HTTP/1.1 101 UPGRADED\r\nContent-Type: "
	    "application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
	    "Upgrade: tcp\r\n\r\n";
	struct atest t;

	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, attach), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), attach);
	/* Bytes after the request wait for the answer. */
	assert_int_equal(atest_sends(&t, 1, "GET not http\r\n\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_int_equal(atest_sends(&t, 0, upgraded), 0);
	assert_string_equal(atest_take(t.to_client, NULL), upgraded);
	assert_string_equal(atest_take(t.to_relay, NULL), "GET not http\r\n\r\n");
	/* Raw both ways now, and each side may end alone. */
	assert_int_equal(atest_send(&t, 0, "\x01\0\0\0\0\0\0\x02hi", 10), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 10);
	assert_int_equal(atest_eof(&t, 1), 0);
	assert_int_equal(atest_sends(&t, 0, "more"), 0);
	assert_int_equal(atest_eof(&t, 0), 0);
	atest_free(&t);

	/* An engine that says no: HTTP goes on. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, attach), 0);
	atest_take(t.to_relay, NULL);
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 404 Not Found\r\n"
	    "Content-Length: 2\r\n\r\n{}"), 0);
	assert_int_equal(atest_sends(&t, 1, LIST), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), LIST);
	atest_free(&t);

	/* Docker's hijack without 101: a body until the connection ends. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, attach), 0);
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/vnd.docker.raw-stream\r\n\r\nraw"), 0);
	assert_int_equal(atest_sends(&t, 1, "stdin"), 0);
	atest_take(t.to_relay, NULL);
	assert_string_equal(atest_take(t.to_relay, NULL), "");
	assert_int_equal(atest_eof(&t, 0), 0);
	atest_free(&t);
}

static void
test_malformed(void **state)
{
	struct atest t;

	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, LIST), 0);
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 200 OK\r\nContent-Length: "
	    "x\r\n\r\n"), -1);
	assert_string_equal(t.err, "docker: malformed HTTP from the relay: "
	    "invalid character in content-length header");
	atest_free(&t);
	/* A client that ends in the middle of a head. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, "GET /_ping HT"), 0);
	assert_int_equal(atest_eof(&t, 1), -1);
	atest_free(&t);
}

/* WHY as it appears inside Docker's JSON error: quotes escaped. */
static void
json_escape(char *out, size_t outlen, const char *why)
{
	size_t o = 0;

	for (; *why != '\0' && o + 3 < outlen; why++) {
		if (*why == '"' || *why == '\\')
			out[o++] = '\\';
		out[o++] = *why;
	}
	out[o] = '\0';
}

/* The answer to a refused request: 400, Docker's JSON, the end. */
static void
assert_refused(struct atest *t, const char *why)
{
	char esc[512], body[700], want[900];

	json_escape(esc, sizeof esc, why);
	snprintf(body, sizeof body, "{\"message\":\"npiperouter, route a: "
	    "malformed or ambiguous request refused: %s\"}\n", esc);
	snprintf(want, sizeof want, "HTTP/1.1 400 Bad Request\r\nContent-Type: "
	    "application/json\r\nConnection: close\r\nContent-Length: %zu\r\n"
	    "\r\n%s", strlen(body), body);
	assert_string_equal(atest_take(t->to_client, NULL), want);
	/* Nothing more is read: more bytes end the session. */
	assert_int_equal(atest_sends(t, 1, PING), -1);
	assert_string_equal(t->err, "docker: the client sent more after a "
	    "request refused with \"Connection: close\"");
	assert_int_equal(evbuffer_get_length(t->to_relay), 0);
}

#define R(text) text, sizeof(text) - 1
#define EMPTY_OK "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define TE "Transfer-Encoding: chunked\r\n"
#define POST_TE "POST /v1.41/images/load HTTP/1.1\r\n" HOST TE "\r\n"

/* Issue 9's request: Go ignores Transfer-Encoding in HTTP/1.0 and runs
 * the POST that http-parser reads as a chunk of 0xADD bytes. */
static const char smuggle[] = "GET /_ping HTTP/1.0\r\nConnection: keep-alive"
    "\r\n" TE "\r\nADD /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n"
    "\r\nPOST /v1.41/volumes/create HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";

static const struct {
	const char *req;
	size_t len;
	const char *forwarded; /* the part the engine got first */
	const char *why;
	int answers;           /* the engine's to requests before it */
} refusals[] = {
	{ R(smuggle), "", "Transfer-Encoding in an HTTP/1.0 request (a Go "
	  "server ignores it)", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 5\r\n" TE "\r\n"), "",
	  "both Transfer-Encoding and Content-Length", 0 },
	{ R("POST /x HTTP/1.1\r\n" TE "Content-Length: 5\r\n\r\n"), "",
	  "both Transfer-Encoding and Content-Length", 0 },
	{ R("POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"), "",
	  "Transfer-Encoding \"Chunked\" is not exactly \"chunked\"", 0 },
	{ R("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked \r\n\r\n"), "",
	  "Transfer-Encoding \"chunked \" is not exactly \"chunked\"", 0 },
	{ R("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\t\r\n\r\n"), "",
	  "Transfer-Encoding \"chunked\\x09\" is not exactly \"chunked\"", 0 },
	{ R("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), "",
	  "Transfer-Encoding \"gzip, chunked\" is not exactly \"chunked\"", 0 },
	{ R("POST /x HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n"), "",
	  "Transfer-Encoding \"identity\" is not exactly \"chunked\"", 0 },
	{ R("POST /x HTTP/1.1\r\n" TE TE "\r\n"), "",
	  "more than one Transfer-Encoding header", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
	  "\r\n{}"), "", "more than one Content-Length header", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 3\r\n"
	  "\r\n{}"), "", "more than one Content-Length header", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}"), "",
	  "Content-Length \"+2\" is not 1 to 18 decimal digits", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), "",
	  "Content-Length \"-1\" is not 1 to 18 decimal digits", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 2 \r\n\r\n{}"), "",
	  "Content-Length \"2 \" is not 1 to 18 decimal digits", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n{}"), "",
	  "Content-Length \"2, 2\" is not 1 to 18 decimal digits", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 0x2\r\n\r\n{}"), "",
	  "Content-Length \"0x2\" is not 1 to 18 decimal digits", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: \r\n\r\n"), "",
	  "Content-Length \"\" is not 1 to 18 decimal digits", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length: 1000000000000000000\r\n\r\n"),
	  "", "Content-Length \"1000000000000000000\" is not 1 to 18 decimal "
	  "digits", 0 },
	{ R("GET /_ping HTTP/1.1\nHost: d\r\n\r\n"), "",
	  "a line ending in a bare LF in a request head", 0 },
	{ R("GET /_ping HTTP/1.1\r\nHost: d\n\n"), "",
	  "a line ending in a bare LF in a request head", 0 },
	{ R("GET /_ping HTTP/1.1\r\nHost: d\rX: y\r\n\r\n"), "",
	  "a CR without LF in a request head", 0 },
	{ R("GET /_ping HTTP/1.1\r\nX: a\0b\r\n\r\n"), "",
	  "a NUL byte in a request head", 0 },
	{ R("GET /_ping HTTP/1.1\r\nX: a\x01" "b\r\n\r\n"), "",
	  "a control byte in the value of header \"X\"", 0 },
	{ R("POST /x HTTP/1.1\r\nContent-Length : 2\r\n\r\n{}"), "",
	  "whitespace before the colon of header \"Content-Length\"", 0 },
	{ R("POST /x HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n"), "",
	  "whitespace before the colon of header \"Transfer-Encoding\"", 0 },
	{ R("GET /_ping HTTP/1.1\r\nX-A: b\r\n c\r\n\r\n"), "",
	  "a folded header line (obs-fold) \" c\"", 0 },
	{ R("GET /_ping HTTP/1.1\r\n" TE " chunked\r\n\r\n"), "",
	  "a folded header line (obs-fold) \" chunked\"", 0 },
	{ R("GET /_ping HTTP/1.1\r\nBad Header\r\n\r\n"), "",
	  "header line \"Bad Header\" has no colon", 0 },
	{ R("GET /_ping HTTP/1.1\r\n: x\r\n\r\n"), "",
	  "header line \": x\" has no valid name before its colon", 0 },
	{ R("GET /_ping HTTP/1.2\r\n\r\n"), "", "request line \"GET /_ping "
	  "HTTP/1.2\" is not METHOD SP TARGET SP HTTP/1.1 or HTTP/1.0", 0 },
	{ R("GET  /_ping HTTP/1.1\r\n\r\n"), "", "request line \"GET  /_ping "
	  "HTTP/1.1\" is not METHOD SP TARGET SP HTTP/1.1 or HTTP/1.0", 0 },
	{ R("CONNECT d:80 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"), "",
	  "method \"CONNECT\" (the Docker API uses GET, HEAD, POST, PUT, "
	  "DELETE)", 0 },
	{ R("GET /_ping#/../volumes HTTP/1.1\r\n\r\n"), "", "request target "
	  "\"/_ping#/../volumes\" holds a \"#\" (a Go server keeps it in the "
	  "path)", 0 },
	{ R("GET /_p\xc3\xafng HTTP/1.1\r\n\r\n"), "", "request target "
	  "\"/_p\\xc3\\xafng\" holds a control, space or non-ASCII byte", 0 },
	{ R("OPTIONS * HTTP/1.1\r\n\r\n"), "", "request target \"*\" is not a "
	  "path or an absolute URL", 0 },
	/* Go skips 4 bytes of CR and LF after a POST, http-parser any
	 * number after anything. */
	{ R("POST /x HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n\r\n\r\n" PING),
	  "POST /x HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n\r\n",
	  "more than two empty lines before a request", 1 },
	{ R("\r\n" PING), "", "an empty line before a request that does not "
	  "follow a POST", 0 },
	{ R(PING "\r\n" PING), PING, "an empty line before a request that does "
	  "not follow a POST", 1 },
	/* In the body: the head went on; the 400 ends it. */
	{ R(POST_TE "ADD /_ping HTTP/1.1\r\n"), POST_TE, "chunk-size line "
	  "\"ADD /_ping HTTP/1.1\" is not hex digits with an optional \";\" "
	  "extension", 0 },
	{ R(POST_TE "5 \r\nhello\r\n"), POST_TE, "chunk-size line \"5 \" is "
	  "not hex digits with an optional \";\" extension", 0 },
	{ R(POST_TE "5 ;x\r\nhello\r\n"), POST_TE, "chunk-size line \"5 ;x\" "
	  "is not hex digits with an optional \";\" extension", 0 },
	{ R(POST_TE "0x5\r\nhello\r\n"), POST_TE, "chunk-size line \"0x5\" is "
	  "not hex digits with an optional \";\" extension", 0 },
	{ R(POST_TE "+5\r\nhello\r\n"), POST_TE, "chunk-size line \"+5\" is "
	  "not hex digits with an optional \";\" extension", 0 },
	{ R(POST_TE "\r\n"), POST_TE, "chunk-size line \"\" is not hex digits "
	  "with an optional \";\" extension", 0 },
	{ R(POST_TE "1000000000000005\r\nhello\r\n"), POST_TE, "chunk size "
	  "\"1000000000000005\" has more than 15 hex digits", 0 },
	{ R(POST_TE "5\nhello\r\n"), POST_TE, "a line ending in a bare LF in a "
	  "chunk-size line", 0 },
	/* http-parser (Debian's, built lenient) takes "a\nb" for the
	 * extension; Go ends the line at the LF. */
	{ R(POST_TE "5;a\nb\r\nhello\r\n"), POST_TE, "a line ending in a bare "
	  "LF in a chunk-size line", 0 },
	{ R(POST_TE "5;a\x01\r\nhello\r\n"), POST_TE, "chunk-size line "
	  "\"5;a\\x01\" is not hex digits with an optional \";\" extension", 0 },
	{ R(POST_TE "5\r\nhelloXX0\r\n\r\n"), POST_TE "5\r\nhello",
	  "chunk data not followed by CRLF", 0 },
	{ R(POST_TE "5\r\nhello\n0\r\n\r\n"), POST_TE "5\r\nhello",
	  "chunk data not followed by CRLF", 0 },
	{ R(POST_TE "0\r\nX: y\r\n\r\n"), POST_TE "0\r\n",
	  "trailer fields after the last chunk", 0 },
};

/* Each form on which a Go server and http-parser could part: refused. */
static void
test_framing_refused(void **state)
{
	char ans[sizeof EMPTY_OK];
	struct atest t;
	size_t i;
	int k;

	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		print_message("refused: %s\n", refusals[i].why);
		open_docker(&t, "");
		assert_int_equal(atest_send(&t, 1, refusals[i].req,
		    refusals[i].len), 0);
		assert_string_equal(atest_take(t.to_relay, NULL),
		    refusals[i].forwarded);
		for (k = 0; k < refusals[i].answers; k++) {
			assert_int_equal(evbuffer_get_length(t.to_client), 0);
			assert_int_equal(atest_sends(&t, 0, EMPTY_OK), 0);
			assert_int_equal(evbuffer_remove(t.to_client, ans,
			    sizeof EMPTY_OK - 1), (int)sizeof EMPTY_OK - 1);
			assert_memory_equal(ans, EMPTY_OK, sizeof EMPTY_OK - 1);
		}
		assert_refused(&t, refusals[i].why);
		atest_free(&t);
	}
}

/* Sizes: a head over 64 KiB, a chunk line over 4 KiB. */
static void
test_framing_sizes(void **state)
{
	static char big[DOCKER_HEAD_MAX + 64];
	struct atest t;
	size_t n;

	open_docker(&t, "");
	n = (size_t)snprintf(big, sizeof big, "GET /_ping HTTP/1.1\r\nX: ");
	memset(big + n, 'a', sizeof big - n);
	assert_int_equal(atest_send(&t, 1, big, sizeof big), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_refused(&t, "a request head over 65536 bytes");
	atest_free(&t);
	/* Just under: passes. */
	open_docker(&t, "");
	n = (size_t)snprintf(big, sizeof big, "GET /_ping HTTP/1.1\r\nX: ");
	memset(big + n, 'a', DOCKER_HEAD_MAX - n - 4);
	memcpy(big + DOCKER_HEAD_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(atest_send(&t, 1, big, DOCKER_HEAD_MAX), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), DOCKER_HEAD_MAX);
	atest_free(&t);

	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, POST_TE "5;"), 0);
	memset(big, 'e', 4096);
	assert_int_equal(atest_send(&t, 1, big, 4096), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), POST_TE);
	assert_refused(&t, "a chunk-size line over 4096 bytes");
	atest_free(&t);
}

/* A refusal waits for the answers before it, and the engine's answer to
 * a refused request it got in part never reaches the client. */
static void
test_framing_refusal_order(void **state)
{
	char first[sizeof JSON_OK];
	struct atest t;

	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, LIST POST_TE "zz\r\n"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), LIST POST_TE);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(adapter_session_pending(t.as, 1), 1);
	assert_int_equal(atest_sends(&t, 0, JSON_OK), 0);
	assert_int_equal(evbuffer_remove(t.to_client, first, sizeof JSON_OK - 1),
	    (int)sizeof JSON_OK - 1);
	assert_memory_equal(first, JSON_OK, sizeof JSON_OK - 1);
	assert_refused(&t, "chunk-size line \"zz\" is not hex digits with an "
	    "optional \";\" extension");
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: 2\r\n\r\n{}"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	atest_free(&t);

	/* The engine began its answer: no 400 inside it, the session ends. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, POST_TE "5\r\nhello\r\n"), 0);
	assert_int_equal(atest_sends(&t, 0, "HTTP/1.1 200 OK\r\n" TE "\r\n"), 0);
	atest_take(t.to_client, NULL);
	assert_int_equal(atest_sends(&t, 1, "5\nhello\r\n"), -1);
	assert_string_equal(t.err, "docker: refused the client's request: a "
	    "line ending in a bare LF in a chunk-size line");
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	atest_free(&t);

	/* Refused by the policy, then broken framing in its body: its 403
	 * waited for the body's end, so the 400 is its answer. */
	open_docker(&t, "deny = [ \"images\" ];");
	assert_int_equal(atest_sends(&t, 1, POST_TE), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(atest_sends(&t, 1, "5 \r\n"), 0);
	assert_non_null(strstr(atest_take(t.to_client, NULL), "HTTP/1.1 400 Bad "
	    "Request\r\nContent-Type: application/json\r\nConnection: close"));
	assert_int_equal(atest_sends(&t, 1, PING), -1);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	atest_free(&t);
}

/*
 * A refused request with a body is answered once the body has ended: a
 * client streaming it (docker build's context, from Go's HTTP client)
 * takes an earlier answer as the end of the exchange and tears the
 * connection down under its body's writer.
 */
static void
test_refused_body_first(void **state)
{
	struct atest t;
	const char *out = NULL;

	open_docker(&t, "deny = [ \"build\" ];");
	assert_int_equal(atest_sends(&t, 1, "POST /v1.41/build?t=x HTTP/1.1\r\n"
	    HOST TE "\r\n5\r\nhello\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(atest_sends(&t, 1, "6\r\n world\r\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	/* The end, and the next request behind it. */
	assert_int_equal(atest_sends(&t, 1, "0\r\n\r\n" LIST), 0);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 403 Forbidden\r\n"));
	assert_null(strstr(out, "Connection: close"));
	assert_string_equal(atest_take(t.to_relay, NULL), LIST);
	assert_int_equal(atest_sends(&t, 0, JSON_OK), 0);
	assert_string_equal(atest_take(t.to_client, NULL), JSON_OK);

	/* With a Content-Length, in one piece with its head. */
	assert_int_equal(atest_sends(&t, 1, "POST /v1.41/build HTTP/1.1\r\n"
	    HOST "Content-Length: 5\r\n\r\nhel"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(atest_sends(&t, 1, "lo"), 0);
	assert_non_null(strstr(atest_take(t.to_client, NULL), " 403 "));
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);

	/* Behind a request still waiting for the engine, it waits too. */
	assert_int_equal(atest_sends(&t, 1, LIST "POST /v1.41/build HTTP/1.1\r\n"
	    HOST "Content-Length: 2\r\n\r\nhi"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), LIST);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(atest_sends(&t, 0, JSON_OK), 0);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "[]\nHTTP/1.1 403 Forbidden\r\n"));
	atest_free(&t);
}

/* The relay failed before the engine said anything (ABI 2.1). */
static void
test_relay_failed(void **state)
{
	static const char pipe[] = "//./pipe/docker_engine";
	static const char line[] = "//./pipe/docker_engine: cannot open pipe: "
	    "The system cannot find the file specified. (error 2)";
	struct atest t;
	const char *out = NULL;

	/* A request waits for the engine: it gets the 502. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, LIST), 0);
	atest_take(t.to_relay, NULL);
	assert_int_equal(adapter_session_answers_failure(t.as), 1);
	assert_int_equal(adapter_session_relay_failed(t.as, pipe,
	    "exited with status 3", 3, 2, line, t.to_client), 0);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: "
	    "application/json\r\nConnection: close\r\n"));
	assert_non_null(strstr(out, "\r\n\r\n{\"message\":\"npiperouter, route a: "
	    "cannot reach the Docker engine at //./pipe/docker_engine: cannot "
	    "open pipe: The system cannot find the file specified. (error 2); "
	    "is Docker Desktop running?\"}\n"));
	atest_free(&t);

	/* None yet: the next one gets it (503 for a busy pipe), and the
	 * session ends. */
	open_docker(&t, "");
	assert_int_equal(adapter_session_relay_failed(t.as, pipe,
	    "Win32 error 231", 3, 231, "//./pipe/docker_engine: cannot open "
	    "pipe: All pipe instances are busy. (error 231)", t.to_client), 1);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(atest_sends(&t, 1, "GET /v1.41/version HTTP/1.1\r\n"), 0);
	assert_int_equal(atest_sends(&t, 1, HOST "\r\n"), -1);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 503 Service Unavailable\r\n"));
	assert_non_null(strstr(out, "the engine's pipe is busy"));
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	atest_free(&t);

	/* A HEAD gets no body; a relay that did not run, its own hint. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, PING), 0);
	assert_int_equal(adapter_session_relay_failed(t.as, pipe, "cannot start "
	    "relay", -1, 0, "cannot start relay \"/x\": No such file or "
	    "directory", t.to_client), 0);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 502 Bad Gateway\r\n"));
	assert_null(strstr(out, "{"));
	atest_free(&t);
}

/*
 * What a relay says may be any bytes (a third-party relay, a Windows
 * code page, a line cut mid-character at its bound): the engine-style
 * answer still goes out, as valid UTF-8 JSON.
 */
static void
test_relay_failed_bytes(void **state)
{
	static const char pipe[] = "//./pipe/docker_engine";
	char line[1100];
	struct atest t;
	const char *out = NULL, *body = NULL;
	json_error_t jerr;
	json_t *j = NULL;

	/* Latin-1 bytes, a lone continuation byte, control bytes. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, LIST), 0);
	atest_take(t.to_relay, NULL);
	assert_int_equal(adapter_session_relay_failed(t.as, pipe,
	    "exited with status 3", 3, 5, "Zugriff verweigert: M\xfcller \x80"
	    "\x1b[31m\"quoted\"\x01", t.to_client), 0);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 502 Bad Gateway\r\n"));
	assert_non_null(body = strstr(out, "\r\n\r\n"));
	assert_non_null(j = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, &jerr));
	assert_non_null(strstr(json_string_value(json_object_get(j, "message")),
	    "Zugriff verweigert: M"));
	json_decref(j);
	atest_free(&t);

	/* Valid UTF-8, but long enough that the answer cuts a character. */
	for (size_t i = 0; i + 2 < sizeof line; i += 2)
		memcpy(line + i, "\xc3\xa9", 2);
	line[sizeof line - 1 - (sizeof line - 1) % 2] = '\0';
	for (int shift = 0; shift < 2; shift++) {
		open_docker(&t, "");
		assert_int_equal(atest_sends(&t, 1, LIST), 0);
		atest_take(t.to_relay, NULL);
		assert_int_equal(adapter_session_relay_failed(t.as, pipe,
		    "exited with status 3", 3, 2, line + shift, t.to_client), 0);
		out = atest_take(t.to_client, NULL);
		assert_non_null(strstr(out, "HTTP/1.1 502 Bad Gateway\r\n"));
		assert_non_null(body = strstr(out, "\r\n\r\n"));
		j = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, &jerr);
		assert_non_null(j);
		json_decref(j);
		atest_free(&t);
	}
}

/* What clients send passes byte for byte, in any pieces. */
static void
test_framing_passes(void **state)
{
	/* As Go's client (the docker CLI) sends an upload, then keep-alive
	 * and pipelining, an extension, upper-case and 0-padded sizes, one
	 * blank line between requests, HTTP/1.0 with a length, OWS. */
	static const char reqs[] = "POST /v1.41/build?t=x HTTP/1.1\r\n" HOST
	    "User-Agent: Docker-Client/28.2.2 (linux)\r\nContent-Type: "
	    "application/x-tar\r\n" TE "\r\n"
	    "a\r\n0123456789\r\n00A;name=\"v a\"\r\nabcdefghij\r\n0\r\n\r\n"
	    "\r\n" PING "GET /_ping HTTP/1.0\r\nContent-Length:\t 2\r\n\r\n{}"
	    "POST /v1.41/volumes/create HTTP/1.1\r\nX-Registry-Auth: e30=\r\n"
	    "Content-Length:2\r\nX-Note: caf\xc3\xa9\r\n\r\n{}"
	    "PUT http://d/v1.41/containers/c/archive?path=/ HTTP/1.1\r\n" TE
	    "\r\n0\r\n\r\n";
	struct atest t;
	size_t i;

	/* Whole. */
	open_docker(&t, "");
	assert_int_equal(atest_sends(&t, 1, reqs), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), reqs);
	atest_free(&t);
	/* One byte at a time. */
	open_docker(&t, "");
	for (i = 0; i < sizeof reqs - 1; i++)
		assert_int_equal(atest_send(&t, 1, reqs + i, 1), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), reqs);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	atest_free(&t);
}

/* wsl.conf's automount root and the route's own rules. */
static void
test_rules_from_config(void **state)
{
	struct atest t;

	write_wsl_conf("[automount]\nenabled = true\nroot = /\n");
	open_docker(&t, "path_rules = ( { from = \"/home/me/proj/\"; to = "
	    "\"D:/proj\"; } );");
	assert_int_equal(atest_sends(&t, 1, CREATE_HEAD "Content-Length: 69"
	    "\r\n\r\n{\"HostConfig\":{\"Binds\":[\"/c/x:/x\",\"/home/me/proj/a:/a\","
	    "\"/mnt/c:/m\"]}}"), 0);
	assert_non_null(strstr(atest_take(t.to_relay, NULL), "\r\n\r\n"
	    "{\"HostConfig\":{\"Binds\":[\"C:/x:/x\",\"D:/proj/a:/a\","
	    "\"/mnt/c:/m\"]}}"));
	atest_free(&t);
	write_wsl_conf("[boot]\nsystemd=true\n");
}

static void
test_option_errors(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": unknown setting \"adapter.max_bod\" (did you "
		"mean \"adapter.max_body\"?)",
		"5: route \"a\": \"adapter.rewrite_paths\" must be true or false, "
		"not an integer",
		"5: route \"a\": adapter.path_rules #1: \"from\" must be an absolute "
		"path without \".\" or \"..\" parts",
		"5: route \"a\": adapter.path_rules #2: \"to\" must be a path like "
		"\"D:/src\"",
		"5: route \"a\": adapter.allow: \"container\": unknown endpoint group "
		"\"container\" (known: containers, images, exec, build, volumes, "
		"networks, system, events, auth, commit, distribution, plugins, "
		"swarm, nodes, services, tasks, secrets, configs, session, grpc, "
		"libpod, *)",
		"5: route \"a\": adapter.deny: \"PATCH images\": unknown method "
		"\"PATCH\" (known: GET, HEAD, POST, PUT, DELETE, *)",
	};
	static const char *const wsl[] = {
		"5: route \"a\": adapter: cannot read /nonexistent/wsl.conf: No "
		"such file or directory",
		"5: route \"a\": \"adapter.max_body\" must be an integer from 1024 "
		"to 67108864 (bytes)",
	};

	atest_expect_errors(BUILD, "{ name = \"docker\"; max_bod = 1; "
	    "rewrite_paths = 1; path_rules = ( { from = \"/a/../b\"; to = "
	    "\"X:/\"; }, { from = \"/a\"; } ); allow = [ \"container\" ]; "
	    "deny = [ \"PATCH images\" ]; }", want, 6);
	atest_expect_errors(BUILD, "{ name = \"docker\"; wsl_conf = "
	    "\"/nonexistent/wsl.conf\"; max_body = 67108865; }", wsl, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_alive_and_pipelining),
		cmocka_unit_test(test_bodies_pass_as_they_come),
		cmocka_unit_test(test_create_is_rewritten),
		cmocka_unit_test(test_create_unchanged),
		cmocka_unit_test(test_create_large),
		cmocka_unit_test(test_create_relative),
		cmocka_unit_test(test_other_creates),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_framing_refused),
		cmocka_unit_test(test_framing_sizes),
		cmocka_unit_test(test_framing_refusal_order),
		cmocka_unit_test(test_framing_passes),
		cmocka_unit_test(test_refused_body_first),
		cmocka_unit_test(test_relay_failed),
		cmocka_unit_test(test_relay_failed_bytes),
		cmocka_unit_test(test_rules_from_config),
		cmocka_unit_test(test_option_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
