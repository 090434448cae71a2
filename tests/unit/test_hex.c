/*
 * hex: the one reader of hex digits (lib/hex), for every byte: the value
 * of 0-9, a-f and A-F, -1 for everything else (no locale, no sign
 * extension surprises for bytes of 0x80 and up).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void
test_every_byte(void **state)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	const char *l, *u;
	int want;

	(void)state;
	for (int c = 0; c < 256; c++) {
		l = c != 0 ? memchr(lower, c, 16) : NULL;
		u = c != 0 ? memchr(upper, c, 16) : NULL;
		want = l != NULL ? (int)(l - lower) : u != NULL ?
		    (int)(u - upper) : -1;
		assert_int_equal(hex_digit(c), want);
		/* As a plain char, which is signed here. */
		assert_int_equal(hex_digit((char)c), want);
	}
	assert_int_equal(hex_digit(-1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
