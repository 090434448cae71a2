/*
 * router/relay_err: a relay's stderr, and what the router keeps of it for
 * an adapter that answers for a failed relay: the last line that was not
 * empty, and the Win32 error that ends nprelay's lines.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "relay_err.h"

/* "(error N)" at the very end, as relay/report.c writes it. */
static void
test_code(void **state)
{
	assert_int_equal(relay_err_code("//./pipe/x: cannot open pipe: The "
	    "system cannot find the file specified. (error 2)"), 2);
	assert_int_equal(relay_err_code("x: busy (error 231)"), 231);
	/* The last one counts: the system's text may quote another. */
	assert_int_equal(relay_err_code("a (error 5) b (error 4294967295)"),
	    4294967295u);
	assert_int_equal(relay_err_code("x (error 2)"), 2);
	assert_int_equal(relay_err_code("(error 2)"), 0); /* no text before */
	assert_int_equal(relay_err_code("no code here"), 0);
	assert_int_equal(relay_err_code("x (error 2) "), 0);
	assert_int_equal(relay_err_code("x (error )"), 0);
	assert_int_equal(relay_err_code("x (error 2x)"), 0);
	assert_int_equal(relay_err_code("x (error -2)"), 0);
	assert_int_equal(relay_err_code("x (error 4294967296)"), 0);
	assert_int_equal(relay_err_code(""), 0);
}

/* The last line that was not empty, read even when the loop never ran:
 * the relay has exited, whatever it wrote is in the pipe. */
static void
test_last(void **state)
{
	struct event_base *base = event_base_new();
	struct relay_err *e = NULL;
	static const char text[] = "first\r\nnprelay: //./pipe/x: cannot "
	    "open pipe: gone (error 2)\r\n\r\n";
	int fd[2];

	assert_non_null(base);
	assert_int_equal(pipe2(fd, O_NONBLOCK), 0);
	e = relay_err_new(base, fd[0], "r", 1);
	assert_string_equal(relay_err_last(e), "");
	assert_int_equal(write(fd[1], text, sizeof text - 1),
	    (int)sizeof text - 1);
	assert_string_equal(relay_err_last(e), "nprelay: //./pipe/x: cannot "
	    "open pipe: gone (error 2)");
	/* A last line without its end counts too. */
	assert_int_equal(write(fd[1], "tail", 4), 4);
	close(fd[1]);
	assert_string_equal(relay_err_last(e), "tail");
	relay_err_free(e);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
