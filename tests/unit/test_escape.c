/*
 * lib/escape: what reaches a log line or a terminal from bytes someone
 * else chose (relay stderr, control answers, the docker adapter's quotes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"

/* Terminal escapes, NUL, DEL and 8-bit bytes become \xNN; text stays. */
static void
test_escape_controls(void **state)
{
	const char in[] = "a\033]0;t\007b\000c\177\x9b\xc3\xa9 \"q\" C:\\x";
	char out[256];

	escape_bytes(out, sizeof out, in, sizeof in - 1, ESCAPE_ALL, 0);
	assert_string_equal(out, "a\\x1b]0;t\\x07b\\x00c\\x7f\\x9b\\xc3\\xa9 "
	    "\"q\" C:\\x");
	escape_bytes(out, sizeof out, in, sizeof in - 1, ESCAPE_ALL,
	    ESCAPE_KEEP_8BIT);
	assert_string_equal(out, "a\\x1b]0;t\\x07b\\x00c\\x7f\x9b\xc3\xa9 "
	    "\"q\" C:\\x");
	escape_bytes(out, sizeof out, in, sizeof in - 1, ESCAPE_ALL,
	    ESCAPE_QUOTES);
	assert_string_equal(out, "a\\x1b]0;t\\x07b\\x00c\\x7f\\x9b\\xc3\\xa9 "
	    "\\x22q\\x22 C:\\x5cx");
}

/* MAX and OUTLEN both cut, with "..." and never past OUTLEN. */
static void
test_escape_cut(void **state)
{
	char out[16];

	escape_bytes(out, sizeof out, "abcdefgh", 8, 3, 0);
	assert_string_equal(out, "abc...");
	memset(out, 'X', sizeof out);
	escape_bytes(out, 13, "\001\002\003\004\005", 5, ESCAPE_ALL, 0);
	/* Two escapes fit in 13 with "..." and the NUL. */
	assert_string_equal(out, "\\x01\\x02...");
	assert_int_equal(out[13], 'X');
	/* In 12, "..." no longer fits: cut, but never past OUTLEN. */
	memset(out, 'X', sizeof out);
	escape_bytes(out, 12, "\001\002\003\004\005", 5, ESCAPE_ALL, 0);
	assert_string_equal(out, "\\x01\\x02");
	assert_int_equal(out[12], 'X');
	escape_bytes(out, 1, "abc", 3, ESCAPE_ALL, 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
