/*
 * libevent's own messages go through our log, at a bounded rate: a real
 * libevent warning (epoll refuses a regular file) repeated 200 times
 * gives a handful of lines, and the next one a second later the count of
 * the rest.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "log.h"

static void
test_libevent_rate_limited(void **state)
{
	char path[] = "/tmp/npr-log-XXXXXX", line[4096];
	struct event_base *base = NULL;
	struct event *ev = NULL;
	int out, saved, file, warned = 0, ours = 0, suppressed = 0, dropped = 0;
	unsigned n;
	FILE *fp = NULL;

	assert_true((out = mkstemp(path)) != -1);
	assert_int_equal(unlink(path), 0);
	fflush(stderr);
	assert_true((saved = dup(2)) != -1);
	assert_int_equal(dup2(out, 2), 2);
	log_init(LOG_LEVEL_INFO);
	log_libevent_init();
	assert_non_null(base = event_base_new());
	/* epoll takes no regular file: each add is a libevent warning. */
	assert_true((file = open("/proc/self/exe", O_RDONLY)) != -1);
	for (int i = 0; i < 201; i++) {
		/* The last one a second later: it reports what was dropped. */
		if (i == 200)
			usleep(1100 * 1000);
		assert_non_null(ev = event_new(base, file, EV_READ, NULL, NULL));
		event_add(ev, NULL);
		event_free(ev);
	}
	event_base_free(base);
	close(file);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);

	assert_non_null(fp = fdopen(out, "r"));
	rewind(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, "npiperouter ") != NULL &&
		    strstr(line, "libevent: ") != NULL)
			ours++;
		if (strstr(line, "message(s) suppressed") != NULL) {
			suppressed++;
			assert_int_equal(sscanf(strstr(line, "libevent: "),
			    "libevent: %u message(s)", &n), 1);
			dropped += (int)n;
		} else
			warned++;
	}
	fclose(fp);
	print_message("%d libevent line(s), %d suppression note(s)\n", warned,
	    suppressed);
	/* All in our format; at most 5 a second, and the loop may straddle
	 * a second or two on a loaded machine. */
	assert_int_equal(ours, warned + suppressed);
	assert_true(warned >= 1);
	assert_true(warned <= 15);
	/* Every message is either logged or counted. */
	assert_true(suppressed >= 1);
	assert_int_equal(warned + dropped, 201);
}

/* log_rate_take(): the drops not reported yet, once; what it took is not
 * reported again when the second ends. */
static void
test_rate_take(void **state)
{
	struct log_rate r = { 0, 0, 0 };
	unsigned suppressed, reported = 0, allowed = 0, i;

	for (i = 0; i < 10; i++) {
		allowed += (unsigned)log_rate_allow(&r, 3, &suppressed);
		reported += suppressed;
	}
	/* Within one second, or across one: 3 or 6 allowed. */
	assert_true(allowed == 3 || allowed == 6);
	assert_int_equal(log_rate_take(&r), 10 - allowed - reported);
	assert_int_equal(log_rate_take(&r), 0);
	r.second--; /* the second ends */
	log_rate_allow(&r, 3, &suppressed);
	assert_int_equal(suppressed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libevent_rate_limited),
		cmocka_unit_test(test_rate_take),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
