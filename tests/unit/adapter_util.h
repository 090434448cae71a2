/*
 * Helpers for the adapter unit tests: load a one-route config naming an
 * adapter (from the build tree's plugin directories), and drive a session
 * of it with plain evbuffers standing in for the session's bufferevents.
 */
#ifndef NPR_TEST_ADAPTER_UTIL_H
#define NPR_TEST_ADAPTER_UTIL_H

#include <stddef.h>

struct config;
struct config_errors;
struct evbuffer;

#ifndef NPR_ADAPTER_BUILD_DIR
#error "NPR_ADAPTER_BUILD_DIR must name the built plugins"
#endif
#ifndef NPR_ADAPTER_TEST_DIR
#error "NPR_ADAPTER_TEST_DIR must name the built test-only plugins"
#endif

struct atest {
	char dir[256];          /* temporary directory of the config */
	struct config *cfg;
	struct adapter_session *as;
	struct evbuffer *from_client, *from_relay;
	struct evbuffer *to_relay, *to_client;
	char err[1024];
};

/*
 * Load a config whose one route has "adapter = GROUP;" (GROUP is the text
 * of the group, like "{ name = \"raw\"; }", or NULL for none), with
 * plugins from PLUGIN_DIR. Returns 0 and fills T (cfg set), or -1 with
 * the error lines in ERRS (and T->cfg NULL).
 */
int atest_load(struct atest *t, const char *plugin_dir, const char *group,
    struct config_errors *errs);
/* atest_load() that must succeed, then open a session (peer pid 4242). */
void atest_open(struct atest *t, const char *plugin_dir, const char *group);
void atest_free(struct atest *t);

/* Send LEN bytes from one side; returns adapter_session_input()'s. */
int atest_send(struct atest *t, int from_client, const void *buf,
    size_t len);
int atest_sends(struct atest *t, int from_client, const char *text);
/* The side sent EOF: adapter_session_eof()'s result. */
int atest_eof(struct atest *t, int from_client);

/* Take everything queued in B, as a NUL-terminated string (freed by the
 * next call); *LEN gets its length when not NULL. */
const char *atest_take(struct evbuffer *b, size_t *len);

/* Expect config_load() to fail with exactly the lines WANT. */
void atest_expect_errors(const char *plugin_dir, const char *group,
    const char *const *want, size_t n);

#endif
