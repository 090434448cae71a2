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

/* Whole, valid UTF-8 sequences only: what JSON may carry. */
static void
test_escape_utf8(void **state)
{
	(void)state;
	assert_int_equal(escape_utf8_len("a"), 1);
	assert_int_equal(escape_utf8_len("\x7f"), 1);
	assert_int_equal(escape_utf8_len("\xc3\xa9x"), 2);		/* é */
	assert_int_equal(escape_utf8_len("\xe2\x82\xac"), 3);	/* € */
	assert_int_equal(escape_utf8_len("\xf0\x9f\x98\x80"), 4);
	assert_int_equal(escape_utf8_len("\xf4\x8f\xbf\xbf"), 4);	/* U+10FFFF */
	assert_int_equal(escape_utf8_len("\xe9t\xe9"), 0);	/* ISO 8859-1 */
	assert_int_equal(escape_utf8_len("\x80"), 0);	/* a lone continuation */
	assert_int_equal(escape_utf8_len("\xc0\x80"), 0);	/* overlong NUL */
	assert_int_equal(escape_utf8_len("\xe0\x80\xaf"), 0);	/* overlong */
	assert_int_equal(escape_utf8_len("\xed\xa0\x80"), 0);	/* a surrogate */
	assert_int_equal(escape_utf8_len("\xf4\x90\x80\x80"), 0);	/* past U+10FFFF */
	assert_int_equal(escape_utf8_len("\xf5\x80\x80\x80"), 0);
	/* Cut at the string's end, as a bounded message may be. */
	assert_int_equal(escape_utf8_len("\xe2\x82"), 0);
}

/* Any byte below 0x20, or DEL; not 8-bit bytes, not a quote. */
static void
test_escape_has_control(void **state)
{
	(void)state;
	assert_false(escape_has_control(""));
	assert_false(escape_has_control("C:\\Users\\\xc3\xa9 \"x\"/\x80"));
	assert_true(escape_has_control("a\nb"));
	assert_true(escape_has_control("\x01"));
	assert_true(escape_has_control("x\x1f"));
	assert_true(escape_has_control("x\x7f"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_has_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
