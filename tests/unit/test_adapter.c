/*
 * The adapter loader and the session seam: ABI refusals with their exact
 * messages, the docs' example plugin, raw staying zero-copy, and every
 * verdict of the test-only "verdicts" plugin through
 * adapter_session_input().
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
#include "config.h"

#define BUILD NPR_ADAPTER_BUILD_DIR
#define TESTDIR NPR_ADAPTER_TEST_DIR
#define VERDICTS "{ name = \"verdicts\"; }"

/* ---- loading ---- */

static void
test_abi_wrong_major(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": adapter \"wrong-major\": " TESTDIR "/wrong-major.so "
		"was built for adapter ABI 3.3; this npiperouter has ABI 2.1 "
		"(rebuild the plugin against its npiperouter/adapter.h)",
	};

	atest_expect_errors(TESTDIR, "{ name = \"wrong-major\"; }", want, 1);
}

/* ABI 1 handed plugins libconfig's config_setting_t: never call one. */
static void
test_abi_old_major(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": adapter \"old-major\": " TESTDIR "/old-major.so "
		"was built for adapter ABI 1.0; this npiperouter has ABI 2.1 "
		"(rebuild the plugin against its npiperouter/adapter.h)",
	};

	atest_expect_errors(TESTDIR, "{ name = \"old-major\"; }", want, 1);
}

/*
 * Every conf_* accessor, through a plugin that describes each setting it
 * walks to: scalars, string lists, nested groups and lists of groups, in
 * the file's order, each error at its own setting's line.
 */
static void
test_conf_accessors(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": s: string \"x y\"",
		"6: route \"a\": i: int 5",
		"6: route \"a\": big: int 5000000000",
		"7: route \"a\": b: bool 1",
		"7: route \"a\": off: bool 0",
		"8: route \"a\": l: list [string \"a\", string \"b\"]",
		"9: route \"a\": g: group {k=int 7, n=list [string \"c\", "
		"group {z=bool 0}]}",
		"11: route \"a\": f: other (a floating-point number)",
		"12: route \"a\": empty: list []",
	};

	atest_expect_errors(TESTDIR, "{ name = \"conf-walk\"; s = \"x y\";\n"
	    "i = 5; big = 5000000000L;\n"
	    "b = true; off = false;\n"
	    "l = [ \"a\", \"b\" ];\n"
	    "g = { k = 7;\n n = ( \"c\", { z = false; } ); };\n"
	    "f = 1.5;\n"
	    "empty = [ ]; }", want, sizeof want / sizeof *want);
}

static void
test_abi_missing_entry_point(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": adapter \"no-entry\": " TESTDIR "/no-entry.so is "
		"not an npiperouter adapter: it does not export "
		"npr_adapter_entry()",
	};

	atest_expect_errors(TESTDIR, "{ name = \"no-entry\"; }", want, 1);
}

static void
test_abi_missing_data(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": adapter \"no-data\": " TESTDIR "/no-data.so (ABI "
		"2.1) lacks the required entry \"data\"",
	};

	atest_expect_errors(TESTDIR, "{ name = \"no-data\"; }", want, 1);
}

static void
test_unknown_adapter_lists_known(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": adapter.name \"nosuch\" is not a known adapter: "
		"no " BUILD "/nosuch.so (known: raw, assuan, docker, example, "
		"ssh-agent)",
	};
	static const char *const bad_name[] = {
		"5: route \"a\": adapter.name \"../ssh-agent\" is not a valid "
		"adapter name (letters, digits, \"_\" and \"-\", at most 64)",
	};

	atest_expect_errors(BUILD, "{ name = \"nosuch\"; }", want, 1);
	atest_expect_errors(BUILD, "{ name = \"../ssh-agent\"; }", bad_name, 1);
}

static void
test_no_options_for_plugins_without_configure(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": unknown setting \"adapter.x\" (the verdicts adapter "
		"has no options)",
	};

	atest_expect_errors(TESTDIR, "{ name = \"verdicts\"; x = 1; }", want, 1);
}

/* ---- the example from docs/adapters.md ---- */

static void
test_example_options(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": unknown setting \"adapter.pong\" (did you mean "
		"\"adapter.ping\"?)",
		"5: route \"a\": \"adapter.ping\" must be a string, not an integer",
		"5: route \"a\": \"adapter.max_line\" must be an integer from 2 to "
		"4096",
	};

	atest_expect_errors(BUILD, "{ name = \"example\"; pong = 1; ping = 2; "
	    "max_line = 1; }", want, 3);
}

static void
test_example_session(void **state)
{
	struct atest t;
	char line[40];

	atest_open(&t, BUILD, "{ name = \"example\"; ping = \"HELLO\"; "
	    "max_line = 32; }");
	assert_int_equal(atest_sends(&t, 1, "HELLO\nabc\nHEL"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "PONG\n");
	assert_string_equal(atest_take(t.to_relay, NULL), "abc\n");
	assert_int_equal(atest_sends(&t, 1, "LO\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "PONG\n");
	/* The relay's bytes pass untouched, newline or not. */
	assert_int_equal(atest_sends(&t, 0, "HELLO\nxyz"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "HELLO\nxyz");
	memset(line, 'x', sizeof line);
	assert_int_equal(atest_send(&t, 1, line, sizeof line), -1);
	assert_string_equal(t.err, "example: line of more than 32 bytes");
	atest_free(&t);
}

/* ---- raw ---- */

/* Raw moves the very same memory: no copy on the hot path. */
static void
test_raw_is_zero_copy(void **state)
{
	static const char *const groups[] = { NULL, "{ name = \"raw\"; }" };
	struct evbuffer_iovec before, after;
	char block[4096];
	struct atest t;
	size_t i;

	memset(block, 'r', sizeof block);
	for (i = 0; i < 2; i++) {
		atest_open(&t, BUILD, groups[i]);
		assert_int_equal(evbuffer_add(t.from_client, block, sizeof block),
		    0);
		assert_int_equal(evbuffer_peek(t.from_client, -1, NULL, &before,
		    1), 1);
		assert_int_equal(adapter_session_input(t.as, 1, t.from_client,
		    t.to_relay, t.to_client, t.err, sizeof t.err), 0);
		assert_int_equal(evbuffer_get_length(t.from_client), 0);
		assert_int_equal(evbuffer_peek(t.to_relay, -1, NULL, &after, 1),
		    1);
		assert_ptr_equal(before.iov_base, after.iov_base);
		assert_int_equal(after.iov_len, sizeof block);
		assert_int_equal(atest_eof(&t, 1), 0);
		assert_int_equal(adapter_session_pending(t.as, 1), 0);
		atest_free(&t);
	}
}

/* ---- every verdict ---- */

static void
test_pass_beyond_what_arrived(void **state)
{
	struct atest t;

	atest_open(&t, TESTDIR, VERDICTS);
	/* A 7-byte frame of which 4 came: those go, 3 more go unseen. */
	assert_int_equal(atest_sends(&t, 1, "p5ab"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "p5ab");
	assert_int_equal(atest_sends(&t, 1, "cd"), 0);
	assert_int_equal(atest_eof(&t, 1), -1);
	assert_string_equal(t.err,
	    "the client ended 1 bytes before the end of a frame");
	assert_int_equal(atest_sends(&t, 1, "ep0"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "cdep0");
	assert_int_equal(atest_eof(&t, 1), 0);
	/* Pass everything from now on, whatever it looks like. */
	assert_int_equal(atest_sends(&t, 1, "az"), 0);
	assert_int_equal(atest_sends(&t, 1, "zzz"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "azzzz");
	assert_int_equal(atest_eof(&t, 1), 0);
	atest_free(&t);
}

static void
test_need_then_pass(void **state)
{
	struct atest t;

	atest_open(&t, TESTDIR, VERDICTS);
	assert_int_equal(atest_sends(&t, 1, "k"), 0);
	assert_int_equal(atest_sends(&t, 1, "3a"), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	assert_int_equal(atest_eof(&t, 1), -1);
	assert_string_equal(t.err, "the client ended inside a frame: 3 of 5 "
	    "bytes");
	assert_int_equal(atest_sends(&t, 1, "bcp0"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "k3abcp0");
	assert_int_equal(atest_sends(&t, 1, "w"), 0);
	assert_int_equal(atest_eof(&t, 1), -1);
	assert_string_equal(t.err, "the client ended inside a frame (1 bytes "
	    "left over)");
	atest_free(&t);
}

static void
test_reply_and_rewrite(void **state)
{
	struct atest t;

	atest_open(&t, TESTDIR, VERDICTS);
	assert_int_equal(atest_sends(&t, 1, "rhi\nfyo\np0"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "R:hi\n");
	assert_string_equal(atest_take(t.to_relay, NULL), "F:yo\np0");
	atest_free(&t);
}

/* A held frame waits for the other side, and so does its side's EOF. */
static void
test_hold_until_the_other_side_moves(void **state)
{
	struct atest t;

	atest_open(&t, TESTDIR, VERDICTS);
	assert_int_equal(atest_sends(&t, 1, "p0hp0"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "p0");
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(adapter_session_pending(t.as, 1), 1);
	assert_int_equal(atest_eof(&t, 1), 0);
	/* The relay's answer goes first, then the held frame's. */
	assert_int_equal(atest_sends(&t, 0, "xg"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "xgH\n");
	assert_string_equal(atest_take(t.to_relay, NULL), "p0");
	assert_int_equal(adapter_session_pending(t.as, 1), 0);
	atest_free(&t);
}

static void
test_bad_verdicts_end_the_session(void **state)
{
	static const struct {
		const char *send;
		const char *err;
	} cases[] = {
		{ "z", "the verdicts adapter answered 0 with 0 of 1 bytes from "
		    "the client: not a valid verdict" },
		{ "n", "the verdicts adapter needs a frame of more than 1048576 "
		    "bytes from the client" },
		{ "c", "verdicts: closed by c" },
		{ "x", "the verdicts adapter closed the session" },
	};
	struct atest t;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		atest_open(&t, TESTDIR, VERDICTS);
		assert_int_equal(atest_sends(&t, 1, cases[i].send), -1);
		assert_string_equal(t.err, cases[i].err);
		atest_free(&t);
	}
}

/* The router's limits hold whatever a plugin does. */
static void
test_router_limits(void **state)
{
	struct atest t;
	char *big = NULL;
	size_t n = 1024 * 1024 + 16;

	assert_non_null(big = malloc(n));
	/* An unfinished frame may not grow past the view. */
	memset(big, 'x', n);
	big[0] = 'w';
	atest_open(&t, TESTDIR, VERDICTS);
	assert_int_equal(atest_send(&t, 1, big, n), -1);
	assert_string_equal(t.err, "the verdicts adapter needs a frame of more "
	    "than 1048576 bytes from the client");
	atest_free(&t);

	/* Nor may answers pile up for a client that does not read them. */
	for (size_t i = 0; i + 1 < n; i += 2) {
		big[i] = 'r';
		big[i + 1] = '\n';
	}
	atest_open(&t, TESTDIR, VERDICTS);
	assert_int_equal(atest_send(&t, 1, big, n - n % 2), -1);
	assert_string_equal(t.err, "the client does not read the verdicts "
	    "adapter's answers (over 1048576 bytes waiting)");
	atest_free(&t);

	/* Nor what a client sends while its frame is held. */
	big[0] = 'h';
	atest_open(&t, TESTDIR, VERDICTS);
	assert_int_equal(atest_send(&t, 1, big, n), -1);
	assert_string_equal(t.err, "the client sent over 1048576 bytes while "
	    "waiting for an answer");
	atest_free(&t);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_wrong_major),
		cmocka_unit_test(test_abi_old_major),
		cmocka_unit_test(test_conf_accessors),
		cmocka_unit_test(test_abi_missing_entry_point),
		cmocka_unit_test(test_abi_missing_data),
		cmocka_unit_test(test_unknown_adapter_lists_known),
		cmocka_unit_test(test_no_options_for_plugins_without_configure),
		cmocka_unit_test(test_example_options),
		cmocka_unit_test(test_example_session),
		cmocka_unit_test(test_raw_is_zero_copy),
		cmocka_unit_test(test_pass_beyond_what_arrived),
		cmocka_unit_test(test_need_then_pass),
		cmocka_unit_test(test_reply_and_rewrite),
		cmocka_unit_test(test_hold_until_the_other_side_moves),
		cmocka_unit_test(test_bad_verdicts_end_the_session),
		cmocka_unit_test(test_router_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
