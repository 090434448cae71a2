/*
 * Virtual chans (router/chan.c): what the owner does reaches the user
 * from the event loop, in a descriptor chan's order (input, then its
 * EOF, then the output's state); the user's calls reach the owner; the
 * user may free the chan from inside a callback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "chan.h"

struct seen {
	char log[256];
	int reading[2];
	int output, shut_write, shut;
	int free_in_read;
	struct chan *c;
};

static void
seen_add(struct seen *s, const char *what)
{
	strncat(s->log, what, sizeof s->log - strlen(s->log) - 1);
}

static void
owner_reading_cb(void *arg, int on)
{
	((struct seen *)arg)->reading[on]++;
}

static void
owner_output_cb(void *arg)
{
	((struct seen *)arg)->output++;
}

static void
owner_shutdown_write_cb(void *arg)
{
	((struct seen *)arg)->shut_write++;
}

static void
owner_shutdown_cb(void *arg)
{
	((struct seen *)arg)->shut++;
}

static const struct chan_owner_ops owner_ops = {
	owner_reading_cb, owner_output_cb, owner_shutdown_write_cb,
	owner_shutdown_cb,
};

static void
user_read_cb(struct chan *c, void *arg)
{
	struct seen *s = arg;
	struct evbuffer *in = chan_input(c);
	char buf[64];
	size_t n = evbuffer_get_length(in);

	evbuffer_remove(in, buf, n);
	buf[n] = '\0';
	seen_add(s, "read:");
	seen_add(s, buf);
	seen_add(s, " ");
	if (s->free_in_read) {
		chan_free(c);
		s->c = NULL;
	}
}

static void
user_write_cb(struct chan *c, void *arg)
{
	seen_add(arg, "write ");
}

static void
user_event_cb(struct chan *c, short what, void *arg)
{
	struct seen *s = arg;

	if (what & BEV_EVENT_READING)
		seen_add(s, what & BEV_EVENT_EOF ? "eof " : "rerr ");
	if (what & BEV_EVENT_WRITING)
		seen_add(s, errno == EPIPE ? "werr:EPIPE " : "werr ");
}

static struct chan *
setup(struct event_base *base, struct seen *s)
{
	memset(s, 0, sizeof *s);
	s->c = chan_new_virtual(base, &owner_ops, s);
	chan_setcb(s->c, user_read_cb, user_write_cb, user_event_cb, s);
	return s->c;
}

/* Input, then EOF, delivered from the loop, only while reading. */
static void
test_input_then_eof(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s;
	struct chan *c = setup(base, &s);

	evbuffer_add(chan_input(c), "abc", 3);
	chan_virtual_input(c);
	chan_virtual_eof(c, 0);
	/* Other news runs the delivery: still nothing read, no EOF. */
	chan_virtual_output_taken(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_string_equal(s.log, "write "); /* not reading yet */
	s.log[0] = '\0';
	chan_enable_read(c);
	assert_int_equal(s.reading[1], 1);
	assert_int_equal(chan_reading(c), 1);
	assert_string_equal(s.log, ""); /* never from inside the call */
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_string_equal(s.log, "read:abc eof ");
	assert_int_equal(chan_reading(c), 0);
	/* EOF is told once. */
	chan_enable_read(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_string_equal(s.log, "read:abc eof ");
	chan_free(c);
	event_base_free(base);
}

/* The user's output and shutdowns reach the owner; taking output calls
 * the write callback at the low watermark; a write error is told. */
static void
test_output_and_shutdown(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s;
	struct chan *c = setup(base, &s);

	evbuffer_add(chan_output(c), "xyz", 3);
	assert_int_equal(s.output, 1);
	chan_set_write_low(c, 1);
	evbuffer_drain(chan_output(c), 1);
	chan_virtual_output_taken(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_string_equal(s.log, ""); /* 2 bytes left, above 1 */
	evbuffer_drain(chan_output(c), 2);
	chan_virtual_output_taken(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_string_equal(s.log, "write ");
	chan_shutdown_write(c);
	assert_int_equal(s.shut_write, 1);
	assert_true(chan_write_done(c));
	chan_shutdown(c);
	assert_int_equal(s.shut, 1);
	chan_disable_read(c);
	assert_int_equal(s.reading[0], 1);
	chan_free(c);

	c = setup(base, &s);
	chan_virtual_write_error(c, EPIPE);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_string_equal(s.log, "werr:EPIPE ");
	/* After chan_disable_write() output is dropped, the owner is not
	 * told of it, and no write error is reported any more. */
	chan_disable_write(c);
	evbuffer_add(chan_output(c), "q", 1);
	assert_int_equal(s.output, 0);
	chan_free(c);
	event_base_free(base);
}

/* Freed from inside its read callback: the EOF queued with the input is
 * not delivered to a freed chan. */
static void
test_free_in_callback(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s;
	struct chan *c = setup(base, &s);

	s.free_in_read = 1;
	chan_enable_read(c);
	evbuffer_add(chan_input(c), "k", 1);
	chan_virtual_input(c);
	chan_virtual_eof(c, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_null(s.c);
	assert_string_equal(s.log, "read:k ");
	event_base_free(base);
}

/* The staged input of a slow user. */
struct turns {
	size_t got[8];
	int n, stop_after;
	int eof;
};

static void
turns_read_cb(struct chan *c, void *arg)
{
	struct turns *t = arg;
	struct evbuffer *in = chan_input(c);

	t->got[t->n++] = evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (t->n == t->stop_after)
		chan_disable_read(c);
}

static void
turns_event_cb(struct chan *c, short what, void *arg)
{
	if (what & BEV_EVENT_EOF)
		((struct turns *)arg)->eof++;
}

/*
 * Staged input reaches the user in turns of 256 KiB, and a user that
 * stops reading after a turn leaves the rest staged, where it is not
 * taken from chan_input() (what a mux stream counts as consumed); EOF
 * comes after the last byte.
 */
static void
test_staged_turns(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s;
	struct turns t = { .stop_after = 1 };
	struct chan *c = setup(base, &s);
	static char block[600 * 1024];

	chan_setcb(c, turns_read_cb, NULL, turns_event_cb, &t);
	evbuffer_add(chan_virtual_staging(c), block, sizeof block);
	chan_virtual_input(c);
	chan_virtual_eof(c, 0);
	chan_enable_read(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.got[0], 256 * 1024);
	assert_int_equal(evbuffer_get_length(chan_virtual_staging(c)),
	    sizeof block - 256 * 1024);
	assert_int_equal(t.eof, 0);
	t.stop_after = 0;
	chan_enable_read(c);
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.got[1], 256 * 1024);
	assert_int_equal(t.got[2], sizeof block - 512 * 1024);
	assert_int_equal(t.eof, 1);
	chan_free(c);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_then_eof),
		cmocka_unit_test(test_output_and_shutdown),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_staged_turns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
