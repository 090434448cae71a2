/* Helpers for the adapter unit tests; see adapter_util.h. */
#include <sys/stat.h>

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
#include "config.h"

static char *atest_last;

int
atest_load(struct atest *t, const char *plugin_dir, const char *group,
    struct config_errors *errs)
{
	const char *tmp = getenv("TMPDIR");
	char file[512];
	FILE *fp = NULL;
	int rc;

	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "%s/npr-adapter-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(file, sizeof file, "%s/main.conf", t->dir);
	assert_non_null(fp = fopen(file, "w"));
	/* The adapter group is on line 5, for the expected messages. */
	fprintf(fp, "relay = { path = \"/bin/cat\"; };\n"
	    "routes = ( {\n"
	    "  name = \"a\";\n"
	    "  listen = { path = \"%s/a.sock\"; }; pipe = \"p\";\n", t->dir);
	if (group != NULL)
		fprintf(fp, "  adapter = %s;\n", group);
	fprintf(fp, "} );\n");
	assert_int_equal(fclose(fp), 0);
	setenv("NPIPEROUTER_PLUGIN_DIR", plugin_dir, 1);
	rc = config_load(file, &t->cfg, errs);
	unlink(file);
	rmdir(t->dir);
	return rc;
}

void
atest_open(struct atest *t, const char *plugin_dir, const char *group)
{
	struct config_errors errs = { NULL, 0 };
	struct ucred peer = { 4242, 1000, 1000 };
	size_t i;

	if (atest_load(t, plugin_dir, group, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			print_error("config: %s\n", errs.lines[i]);
		config_errors_free(&errs);
		fail_msg("the config did not load");
	}
	t->as = adapter_session_open(&t->cfg->routes[0], 1, &peer, t->err,
	    sizeof t->err);
	if (t->as == NULL)
		fail_msg("adapter_session_open: %s", t->err);
	t->from_client = evbuffer_new();
	t->from_relay = evbuffer_new();
	t->to_relay = evbuffer_new();
	t->to_client = evbuffer_new();
	assert_true(t->from_client && t->from_relay && t->to_relay &&
	    t->to_client);
}

void
atest_free(struct atest *t)
{
	adapter_session_close(t->as);
	if (t->from_client != NULL) {
		evbuffer_free(t->from_client);
		evbuffer_free(t->from_relay);
		evbuffer_free(t->to_relay);
		evbuffer_free(t->to_client);
	}
	config_free(t->cfg);
	free(atest_last);
	atest_last = NULL;
	memset(t, 0, sizeof *t);
}

int
atest_send(struct atest *t, int from_client, const void *buf, size_t len)
{
	struct evbuffer *in = from_client ? t->from_client : t->from_relay;

	assert_int_equal(evbuffer_add(in, buf, len), 0);
	t->err[0] = '\0';
	if (from_client)
		return adapter_session_input(t->as, 1, in, t->to_relay,
		    t->to_client, t->err, sizeof t->err);
	return adapter_session_input(t->as, 0, in, t->to_client, t->to_relay,
	    t->err, sizeof t->err);
}

int
atest_sends(struct atest *t, int from_client, const char *text)
{
	return atest_send(t, from_client, text, strlen(text));
}

int
atest_eof(struct atest *t, int from_client)
{
	t->err[0] = '\0';
	return adapter_session_eof(t->as, from_client, t->err, sizeof t->err);
}

const char *
atest_take(struct evbuffer *b, size_t *len)
{
	size_t n = evbuffer_get_length(b);

	free(atest_last);
	assert_non_null(atest_last = malloc(n + 1));
	assert_int_equal(evbuffer_remove(b, atest_last, n), (int)n);
	atest_last[n] = '\0';
	if (len != NULL)
		*len = n;
	return atest_last;
}

void
atest_expect_errors(const char *plugin_dir, const char *group,
    const char *const *want, size_t n)
{
	struct config_errors errs = { NULL, 0 };
	struct atest t;
	char prefixed[2048];
	size_t i;

	assert_int_equal(atest_load(&t, plugin_dir, group, &errs), -1);
	assert_null(t.cfg);
	for (i = 0; i < errs.n && errs.n != n; i++)
		print_error("got: %s\n", errs.lines[i]);
	assert_int_equal(errs.n, n);
	for (i = 0; i < n; i++) {
		/* Lines start with the temporary file's name: compare after it. */
		snprintf(prefixed, sizeof prefixed, "%s/main.conf:%s", t.dir,
		    want[i]);
		assert_string_equal(errs.lines[i], prefixed);
	}
	config_errors_free(&errs);
}
