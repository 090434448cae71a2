/*
 * The ssh-agent adapter through the router's session seam: framing in
 * pieces, the 256 KiB cap, allow/deny, session-bind, answers kept in the
 * order of requests, and fingerprints as ssh-keygen -l prints them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "adapter.h"
#include "adapter_util.h"
#include "agent_proto.h"

#define BUILD NPR_ADAPTER_BUILD_DIR

/* An ed25519 public key blob; `ssh-keygen -l` says
 * 256 SHA256:OTGQi3yKQawy/EeE+FAi89qZC+xTYECBBspT3/rABuE testkey (ED25519) */
static const unsigned char key_blob[] = {
	0x00, 0x00, 0x00, 0x0b, 0x73, 0x73, 0x68, 0x2d, 0x65, 0x64, 0x32, 0x35,
	0x35, 0x31, 0x39, 0x00, 0x00, 0x00, 0x20, 0x2a, 0xb1, 0x05, 0x9a, 0x6b,
	0x83, 0xec, 0x82, 0xb7, 0xaa, 0x8a, 0xc2, 0x18, 0x28, 0x73, 0xee, 0xe2,
	0xc4, 0x96, 0xa0, 0xaa, 0x5c, 0x69, 0x14, 0x48, 0xb4, 0xa2, 0x62, 0xfd,
	0x41, 0x4a, 0x34,
};

static const unsigned char failure[] = { 0, 0, 0, 1, AGENT_FAILURE };
static const unsigned char success[] = { 0, 0, 0, 1, AGENT_SUCCESS };

struct frame {
	unsigned char b[512];
	size_t len;
};

static void
put_u32(struct frame *f, uint32_t v)
{
	f->b[f->len++] = (unsigned char)(v >> 24);
	f->b[f->len++] = (unsigned char)(v >> 16);
	f->b[f->len++] = (unsigned char)(v >> 8);
	f->b[f->len++] = (unsigned char)v;
}

static void
put_string(struct frame *f, const void *p, size_t len)
{
	put_u32(f, (uint32_t)len);
	memcpy(f->b + f->len, p, len);
	f->len += len;
}

/* Start a frame of TYPE; frame_end() fills in the length. */
static void
frame_start(struct frame *f, unsigned char type)
{
	f->len = 4;
	f->b[f->len++] = type;
}

static void
frame_end(struct frame *f)
{
	uint32_t n = (uint32_t)f->len - 4;

	f->b[0] = (unsigned char)(n >> 24);
	f->b[1] = (unsigned char)(n >> 16);
	f->b[2] = (unsigned char)(n >> 8);
	f->b[3] = (unsigned char)n;
}

static void
simple(struct frame *f, unsigned char type)
{
	frame_start(f, type);
	frame_end(f);
}

static void
sign_request(struct frame *f, uint32_t flags)
{
	frame_start(f, AGENTC_SIGN_REQUEST);
	put_string(f, key_blob, sizeof key_blob);
	put_string(f, "data to sign", 12);
	put_u32(f, flags);
	frame_end(f);
}

static void
extension(struct frame *f, const char *name)
{
	frame_start(f, AGENTC_EXTENSION);
	put_string(f, name, strlen(name));
	put_string(f, "opaque", 6);
	frame_end(f);
}

static void
expect_bytes(struct evbuffer *b, const void *want, size_t len)
{
	size_t n;
	const char *got = atest_take(b, &n);

	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
}

static void
test_fingerprint_like_ssh_keygen(void **state)
{
	char fp[AGENT_FP_LEN];

	agent_fingerprint(key_blob, sizeof key_blob, fp);
	assert_string_equal(fp,
	    "SHA256:OTGQi3yKQawy/EeE+FAi89qZC+xTYECBBspT3/rABuE");
}

static void
test_string_reader_stays_inside(void **state)
{
	static const unsigned char buf[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0,
		0, 9, 'x' };
	const unsigned char *p = NULL;
	size_t off = 0, len;

	assert_int_equal(agent_get_string(buf, sizeof buf, &off, &p, &len), 0);
	assert_int_equal(len, 3);
	assert_int_equal(off, 7);
	assert_int_equal(agent_get_string(buf, sizeof buf, &off, &p, &len), -1);
	off = 10;
	assert_int_equal(agent_get_string(buf, sizeof buf, &off, &p, &len), -1);
	off = 99;
	assert_int_equal(agent_get_string(buf, sizeof buf, &off, &p, &len), -1);
}

/* Byte by byte, a request is passed on only once whole. */
static void
test_frames_in_pieces(void **state)
{
	struct frame f, g;
	struct atest t;
	size_t i;

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; }");
	sign_request(&f, AGENT_RSA_SHA2_512);
	for (i = 0; i + 1 < f.len; i++) {
		assert_int_equal(atest_send(&t, 1, f.b + i, 1), 0);
		assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	}
	assert_int_equal(atest_eof(&t, 1), -1);
	assert_string_equal(t.err, "the client ended inside a frame: 79 of 80 "
	    "bytes");
	assert_int_equal(atest_send(&t, 1, f.b + i, 1), 0);
	expect_bytes(t.to_relay, f.b, f.len);
	assert_int_equal(atest_eof(&t, 1), 0);
	/* Two requests in one read, and an answer. */
	simple(&g, AGENTC_REQUEST_IDENTITIES);
	memcpy(f.b, g.b, g.len);
	memcpy(f.b + g.len, g.b, g.len);
	assert_int_equal(atest_send(&t, 1, f.b, 2 * g.len), 0);
	expect_bytes(t.to_relay, f.b, 2 * g.len);
	assert_int_equal(atest_send(&t, 0, success, sizeof success), 0);
	expect_bytes(t.to_client, success, sizeof success);
	atest_free(&t);
}

static void
test_size_cap(void **state)
{
	static const unsigned char huge[] = { 0x00, 0x10, 0x00, 0x00, 11 };
	static const unsigned char max[] = { 0x00, 0x04, 0x00, 0x00, 11 };
	static const unsigned char over[] = { 0x00, 0x04, 0x00, 0x01, 11 };
	static const unsigned char empty[] = { 0, 0, 0, 0 };
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; }");
	assert_int_equal(atest_send(&t, 1, huge, sizeof huge), -1);
	assert_string_equal(t.err, "ssh-agent: request of 1048576 bytes is over "
	    "the limit of 262144");
	atest_free(&t);

	/* 256 KiB exactly is allowed: the adapter waits for it. */
	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; }");
	assert_int_equal(atest_send(&t, 1, max, sizeof max), 0);
	assert_int_equal(atest_eof(&t, 1), -1);
	assert_string_equal(t.err, "the client ended inside a frame: 5 of "
	    "262148 bytes");
	assert_int_equal(atest_send(&t, 0, over, 4), -1);
	assert_string_equal(t.err, "ssh-agent: answer of 262145 bytes is over "
	    "the limit of 262144");
	atest_free(&t);

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; }");
	assert_int_equal(atest_send(&t, 1, empty, sizeof empty), -1);
	assert_string_equal(t.err, "ssh-agent: empty request");
	atest_free(&t);
}

static void
test_deny_answers_failure_locally(void **state)
{
	struct frame f;
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; deny = [ \"add-identity\", "
	    "\"lock\" ]; }");
	simple(&f, AGENTC_ADD_IDENTITY);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	/* The constrained form is the same operation. */
	simple(&f, AGENTC_ADD_ID_CONSTRAINED);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	simple(&f, AGENTC_LOCK);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	/* OpenSSH's agent still takes the SSH1 numbers (ssh-add -D sends 9). */
	simple(&f, AGENTC1_ADD_RSA_IDENTITY);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	simple(&f, AGENTC_REQUEST_IDENTITIES);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_relay, f.b, f.len);
	atest_free(&t);
}

static void
test_allow_list(void **state)
{
	struct frame f;
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; allow = [ "
	    "\"request-identities\", \"sign\" ]; deny = [ \"sign\" ]; }");
	simple(&f, AGENTC_REQUEST_IDENTITIES);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_relay, f.b, f.len);
	assert_int_equal(atest_send(&t, 0, failure, sizeof failure), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	/* Deny wins over allow; unknown types are not allowed. */
	sign_request(&f, 0);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	simple(&f, 99);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	extension(&f, "query");
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	atest_free(&t);
}

static void
test_session_bind(void **state)
{
	struct frame f;
	struct atest t;

	/* Forwarded by default, like any extension. */
	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; }");
	extension(&f, AGENT_SESSION_BIND);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_relay, f.b, f.len);
	atest_free(&t);

	/* Answered here, even where extensions are denied; others are not. */
	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; session_bind = "
	    "\"answer\"; deny = [ \"extension\" ]; }");
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, success, sizeof success);
	extension(&f, "session-bind@openssh.co");
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	atest_free(&t);
}

/* A local answer waits for the agent's answers to earlier requests. */
static void
test_answers_keep_request_order(void **state)
{
	static const unsigned char answer[] = { 0, 0, 0, 5, 12, 0, 0, 0, 0 };
	struct frame a, b, both;
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; deny = [ \"lock\" ]; }");
	simple(&a, AGENTC_REQUEST_IDENTITIES);
	simple(&b, AGENTC_LOCK);
	memcpy(both.b, a.b, a.len);
	memcpy(both.b + a.len, b.b, b.len);
	memcpy(both.b + a.len + b.len, a.b, a.len);
	assert_int_equal(atest_send(&t, 1, both.b, 2 * a.len + b.len), 0);
	expect_bytes(t.to_relay, a.b, a.len);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(adapter_session_pending(t.as, 1), 1);
	assert_int_equal(atest_eof(&t, 1), 0);
	/* The agent answers: its answer, then ours; then the third goes. */
	assert_int_equal(atest_send(&t, 0, answer, sizeof answer), 0);
	memcpy(both.b, answer, sizeof answer);
	memcpy(both.b + sizeof answer, failure, sizeof failure);
	expect_bytes(t.to_client, both.b, sizeof answer + sizeof failure);
	expect_bytes(t.to_relay, a.b, a.len);
	assert_int_equal(adapter_session_pending(t.as, 1), 0);
	atest_free(&t);
}

static void
test_malformed_sign_request_is_refused(void **state)
{
	struct frame f;
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"ssh-agent\"; }");
	frame_start(&f, AGENTC_SIGN_REQUEST);
	put_u32(&f, 1000); /* a key blob longer than the frame */
	frame_end(&f);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	sign_request(&f, 0);
	f.len--; /* flags cut short */
	frame_end(&f);
	assert_int_equal(atest_send(&t, 1, f.b, f.len), 0);
	expect_bytes(t.to_client, failure, sizeof failure);
	atest_free(&t);
}

static void
test_option_errors(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": unknown setting \"adapter.denny\" (did you mean "
		"\"adapter.deny\"?)",
		"5: route \"a\": \"adapter.allow\" must be a list of request names "
		"like [ \"sign\" ], not a string",
		"5: route \"a\": adapter.deny: \"add\" is not an ssh-agent request "
		"(known: request-identities, sign, add-identity, remove-identity, "
		"remove-all-identities, add-smartcard-key, remove-smartcard-key, "
		"lock, unlock, extension)",
		"5: route \"a\": adapter.deny #2 must be a string, not an integer",
		"5: route \"a\": \"adapter.session_bind\" must be \"forward\" (the "
		"default) or \"answer\"",
	};

	atest_expect_errors(BUILD, "{ name = \"ssh-agent\"; denny = 1; "
	    "allow = \"sign\"; deny = ( \"add\", 2 ); session_bind = true; }",
	    want, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_like_ssh_keygen),
		cmocka_unit_test(test_string_reader_stays_inside),
		cmocka_unit_test(test_frames_in_pieces),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_deny_answers_failure_locally),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_session_bind),
		cmocka_unit_test(test_answers_keep_request_order),
		cmocka_unit_test(test_malformed_sign_request_is_refused),
		cmocka_unit_test(test_option_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
