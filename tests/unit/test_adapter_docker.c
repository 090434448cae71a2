/*
 * The docker adapter through the router's session seam: HTTP/1.1 framing
 * in both directions (keep-alive, pipelining, Content-Length and chunked
 * bodies in pieces, HEAD, streaming), container-create rewriting with
 * Content-Length and chunked bodies, the size cap, the policy and its
 * answers in order, upgrades to raw streams, malformed HTTP, options.
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

#include "adapter.h"
#include "adapter_util.h"

#define BUILD NPR_ADAPTER_BUILD_DIR
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

static void
test_create_over_max_body(void **state)
{
	char chunk[4096];
	struct atest t;
	const char *out = NULL;
	int i;

	open_docker(&t, "max_body = 2048;");
	assert_int_equal(atest_sends(&t, 1, CREATE_HEAD "Content-Length: 4096"
	    "\r\n\r\n{\"x\":"), 0);
	out = atest_take(t.to_client, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 413 Payload Too Large\r\n"));
	assert_non_null(strstr(out, "{\"message\":\"npiperouter, route a: a "
	    "container create body of 4096 bytes is over this socket's limit "
	    "of 2048 (max_body)\"}\n"));
	/* The body is dropped as it comes; the connection goes on. */
	memset(chunk, ' ', 4091);
	assert_int_equal(atest_send(&t, 1, chunk, 4091), 0);
	assert_int_equal(atest_sends(&t, 1, PING), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), PING);
	atest_free(&t);

	/* Chunked: found out on the way. */
	open_docker(&t, "max_body = 2048;");
	assert_int_equal(atest_sends(&t, 1, "POST /v1.41/containers/create "
	    "HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
	memset(chunk, 'x', sizeof chunk);
	memcpy(chunk, "800\r\n", 5);
	memcpy(chunk + 5 + 0x800, "\r\n", 2);
	for (i = 0; i < 2; i++)
		assert_int_equal(atest_send(&t, 1, chunk, 5 + 0x800 + 2), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_non_null(strstr(atest_take(t.to_client, NULL), " 413 "));
	assert_int_equal(atest_sends(&t, 1, "0\r\n\r\n" LIST), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), LIST);
	atest_free(&t);

	/* Found out at its very end, with the next request behind it. */
	open_docker(&t, "max_body = 2048;");
	i = snprintf(chunk, sizeof chunk, "POST /containers/create HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n%x\r\n", 3000);
	memset(chunk + i, 'x', 3000);
	snprintf(chunk + i + 3000, sizeof chunk - (size_t)i - 3000,
	    "\r\n0\r\n\r\n" LIST);
	assert_int_equal(atest_sends(&t, 1, chunk), 0);
	assert_non_null(strstr(atest_take(t.to_client, NULL), " 413 "));
	assert_string_equal(atest_take(t.to_relay, NULL), LIST);
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
	assert_int_equal(atest_sends(&t, 1, "GET / HTTP/1.1\r\nBad Header\r\n"),
	    -1);
	assert_string_equal(t.err, "docker: malformed HTTP from the client: "
	    "invalid character in header");
	atest_free(&t);
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
		"to 917504 (bytes)",
	};

	atest_expect_errors(BUILD, "{ name = \"docker\"; max_bod = 1; "
	    "rewrite_paths = 1; path_rules = ( { from = \"/a/../b\"; to = "
	    "\"X:/\"; }, { from = \"/a\"; } ); allow = [ \"container\" ]; "
	    "deny = [ \"PATCH images\" ]; }", want, 6);
	atest_expect_errors(BUILD, "{ name = \"docker\"; wsl_conf = "
	    "\"/nonexistent/wsl.conf\"; max_body = 1; }", wsl, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_alive_and_pipelining),
		cmocka_unit_test(test_bodies_pass_as_they_come),
		cmocka_unit_test(test_create_is_rewritten),
		cmocka_unit_test(test_create_unchanged),
		cmocka_unit_test(test_create_over_max_body),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_rules_from_config),
		cmocka_unit_test(test_option_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
