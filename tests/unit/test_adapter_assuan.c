/*
 * The assuan adapter through the router's session seam: line framing and
 * its 1000-byte limit, allow_commands with gpg-agent's Forbidden error,
 * inquiries, and Forbidden answers kept in the order of commands.
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
#include "assuan_line.h"

#define BUILD NPR_ADAPTER_BUILD_DIR
#define FORBIDDEN "ERR 67109115 Forbidden <GPG Agent>\n"
#define GREETING "OK Pleased to meet you, process 1\n"
#define RESTRICTED "{ name = \"assuan\"; allow_commands = [ \"GETINFO\", " \
	"\"PKSIGN\" ]; }"

static void
test_line_framing(void **state)
{
	unsigned char line[1002];
	char word[ASSUAN_WORD_MAX];

	memset(line, 'A', sizeof line);
	assert_int_equal(assuan_line_len(line, 999), 0);
	line[999] = '\n';
	assert_int_equal(assuan_line_len(line, sizeof line), 1000);
	line[999] = 'A';
	line[1000] = '\n';
	assert_int_equal(assuan_line_len(line, 1000), -1);
	assert_int_equal(assuan_line_len(line, sizeof line), -1);
	assert_int_equal(assuan_line_kind((const unsigned char *)"D %25x\n", 6,
	    word), ASSUAN_DATA);
	assert_int_equal(assuan_line_kind((const unsigned char *)"getinfo "
	    "version\r\n", 17, word), ASSUAN_OTHER);
	assert_string_equal(word, "getinfo");
	assert_int_equal(assuan_line_kind((const unsigned char *)"# hi\n", 5,
	    word), ASSUAN_EMPTY);
	assert_int_equal(assuan_line_kind((const unsigned char *)"\n", 1,
	    word), ASSUAN_EMPTY);
	assert_int_equal(assuan_line_kind((const unsigned char *)"ERR 1 x\n",
	    8, word), ASSUAN_OK);
	assert_int_equal(assuan_line_kind((const unsigned char *)"OK\n", 3,
	    word), ASSUAN_OK);
	assert_int_equal(assuan_line_kind((const unsigned char *)"OKAY\n", 5,
	    word), ASSUAN_OTHER);
}

static void
test_everything_passes_without_a_list(void **state)
{
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"assuan\"; }");
	assert_int_equal(atest_sends(&t, 0, GREETING), 0);
	assert_string_equal(atest_take(t.to_client, NULL), GREETING);
	assert_int_equal(atest_sends(&t, 1, "PRESET_PASSPHRASE x -1 41\nGET"),
	    0);
	assert_string_equal(atest_take(t.to_relay, NULL),
	    "PRESET_PASSPHRASE x -1 41\n");
	assert_int_equal(atest_eof(&t, 1), -1);
	assert_string_equal(t.err, "the client ended inside a frame (3 bytes "
	    "left over)");
	atest_free(&t);
}

static void
test_forbidden_is_answered_locally(void **state)
{
	struct atest t;

	atest_open(&t, BUILD, RESTRICTED);
	assert_int_equal(atest_sends(&t, 0, GREETING), 0);
	atest_take(t.to_client, NULL);
	assert_int_equal(atest_sends(&t, 1, "KEYINFO --list\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), FORBIDDEN);
	assert_int_equal(evbuffer_get_length(t.to_relay), 0);
	/* Commands are not case-sensitive; comments and blank lines pass. */
	assert_int_equal(atest_sends(&t, 1, "getinfo version\n# note\n\n"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL),
	    "getinfo version\n# note\n\n");
	atest_free(&t);
}

/* A Forbidden answer comes after the answers to earlier commands. */
static void
test_answers_keep_command_order(void **state)
{
	struct atest t;

	atest_open(&t, BUILD, RESTRICTED);
	/* Before the greeting, even. */
	assert_int_equal(atest_sends(&t, 1, "BYE\n"), 0);
	assert_int_equal(evbuffer_get_length(t.to_client), 0);
	assert_int_equal(adapter_session_pending(t.as, 1), 1);
	assert_int_equal(atest_sends(&t, 0, GREETING), 0);
	assert_string_equal(atest_take(t.to_client, NULL), GREETING FORBIDDEN);
	assert_int_equal(adapter_session_pending(t.as, 1), 0);

	assert_int_equal(atest_sends(&t, 1, "GETINFO pid\nRESET\nGETINFO "
	    "version\n"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL), "GETINFO pid\n");
	assert_int_equal(atest_sends(&t, 0, "D 42\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "D 42\n");
	assert_int_equal(atest_sends(&t, 0, "OK\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), "OK\n" FORBIDDEN);
	assert_string_equal(atest_take(t.to_relay, NULL), "GETINFO version\n");
	atest_free(&t);
}

/* D, END and CAN answer an INQUIRE; outside one they are commands. */
static void
test_inquiry(void **state)
{
	struct atest t;

	atest_open(&t, BUILD, RESTRICTED);
	assert_int_equal(atest_sends(&t, 0, GREETING), 0);
	assert_int_equal(atest_sends(&t, 1, "D secret\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL), GREETING FORBIDDEN);
	assert_int_equal(atest_sends(&t, 1, "PKSIGN\n"), 0);
	assert_int_equal(atest_sends(&t, 0, "INQUIRE PINENTRY_LAUNCHED 1\n"), 0);
	assert_int_equal(atest_sends(&t, 1, "D %0A%25\nD x\nEND\n"), 0);
	assert_string_equal(atest_take(t.to_relay, NULL),
	    "PKSIGN\nD %0A%25\nD x\nEND\n");
	assert_int_equal(atest_sends(&t, 0, "D sig\nOK\n"), 0);
	assert_int_equal(atest_sends(&t, 1, "END\n"), 0);
	assert_string_equal(atest_take(t.to_client, NULL),
	    "INQUIRE PINENTRY_LAUNCHED 1\nD sig\nOK\n" FORBIDDEN);
	atest_free(&t);
}

static void
test_line_limit(void **state)
{
	char line[1001];
	struct atest t;

	atest_open(&t, BUILD, "{ name = \"assuan\"; }");
	memset(line, 'A', sizeof line);
	line[998] = '\n';
	assert_int_equal(atest_send(&t, 1, line, 999), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 999);
	line[998] = 'A';
	line[999] = '\n';
	assert_int_equal(atest_send(&t, 1, line, 1000), 0);
	assert_int_equal(evbuffer_get_length(t.to_relay), 1999);
	line[999] = 'A';
	line[1000] = '\n';
	assert_int_equal(atest_send(&t, 0, line, 1001), -1);
	assert_string_equal(t.err, "assuan: line of more than 1000 bytes from "
	    "the relay");
	atest_free(&t);
}

static void
test_option_errors(void **state)
{
	static const char *const want[] = {
		"5: route \"a\": unknown setting \"adapter.allow_command\" (did you "
		"mean "
		"\"adapter.allow_commands\"?)",
		"5: route \"a\": adapter.allow_commands #2 must be a command name "
		"(letters, digits, \"_\" and \"-\")",
		"5: route \"a\": adapter.allow_commands #3 must be a command name "
		"(letters, digits, \"_\" and \"-\")",
	};
	static const char *const not_list[] = {
		"5: route \"a\": \"adapter.allow_commands\" must be a list of "
		"commands like [ \"GETINFO\" ], not a string",
	};

	atest_expect_errors(BUILD, "{ name = \"assuan\"; allow_command = 1; "
	    "allow_commands = ( \"GETINFO\", \"GET INFO\", 3 ); }", want, 3);
	atest_expect_errors(BUILD, "{ name = \"assuan\"; allow_commands = "
	    "\"GETINFO\"; }", not_list, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_framing),
		cmocka_unit_test(test_everything_passes_without_a_list),
		cmocka_unit_test(test_forbidden_is_answered_locally),
		cmocka_unit_test(test_answers_keep_command_order),
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_option_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
