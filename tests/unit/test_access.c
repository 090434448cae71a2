/*
 * access_peer_read() and access_allowed() on real sockets: the peer's
 * credentials and groups come from the kernel, a socket without a peer
 * leaves nothing unread behind, and the allow-lists match uids, the
 * primary group and each supplementary group.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "access.h"

static void
test_peer_of_socketpair(void **state)
{
	struct access_peer peer;
	gid_t mine[256];
	int sv[2], n;
	char err[256];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	n = getgroups(256, mine);
	assert_true(n >= 0);
	assert_int_equal(access_peer_read(sv[0], 1, &peer, err, sizeof err), 0);
	assert_int_equal(peer.cred.pid, getpid());
	assert_int_equal(peer.cred.uid, geteuid());
	assert_int_equal(peer.cred.gid, getegid());
	assert_int_equal(peer.ngroups, (size_t)n);
	for (int i = 0; i < n; i++)
		assert_int_equal(peer.groups[i], mine[i]);
	access_peer_clear(&peer);
	/* Without GROUPS nothing is allocated. */
	assert_int_equal(access_peer_read(sv[0], 0, &peer, err, sizeof err), 0);
	assert_null(peer.groups);
	access_peer_clear(&peer);
	close(sv[0]);
	close(sv[1]);
}

/* A failed read leaves values that are safe to print and match nothing. */
static void
test_no_peer(void **state)
{
	static unsigned uids[] = { 0, 1000 };
	struct route_conf rc;
	struct access_peer peer;
	char err[256];
	int p[2];

	assert_int_equal(pipe(p), 0);
	memset(&peer, 0x5a, sizeof peer);
	assert_int_equal(access_peer_read(p[0], 1, &peer, err, sizeof err), -1);
	assert_non_null(strstr(err, "SO_PEERCRED"));
	assert_int_equal(peer.cred.pid, 0);
	assert_int_equal(peer.cred.uid, (uid_t)-1);
	assert_int_equal(peer.cred.gid, (gid_t)-1);
	assert_null(peer.groups);
	memset(&rc, 0, sizeof rc);
	rc.allow_uids = uids;
	rc.nallow_uids = 2;
	assert_false(access_allowed(&rc, &peer));
	access_peer_clear(&peer);
	close(p[0]);
	close(p[1]);
}

static void
test_allow_lists(void **state)
{
	static unsigned uids[] = { 1000 };
	static unsigned gids[] = { 50, 60 };
	static gid_t groups[] = { 7, 60 };
	struct route_conf rc;
	struct access_peer peer;

	memset(&rc, 0, sizeof rc);
	memset(&peer, 0, sizeof peer);
	peer.cred.uid = 1001;
	peer.cred.gid = 1001;
	assert_true(access_allowed(&rc, &peer)); /* no lists: everyone */
	rc.allow_uids = uids;
	rc.nallow_uids = 1;
	assert_false(access_allowed(&rc, &peer));
	peer.cred.uid = 1000;
	assert_true(access_allowed(&rc, &peer));
	peer.cred.uid = 1001;
	rc.allow_gids = gids;
	rc.nallow_gids = 2;
	assert_false(access_allowed(&rc, &peer));
	peer.cred.gid = 50; /* primary */
	assert_true(access_allowed(&rc, &peer));
	peer.cred.gid = 1001;
	peer.groups = groups; /* supplementary */
	peer.ngroups = 2;
	assert_true(access_allowed(&rc, &peer));
	peer.ngroups = 1;
	assert_false(access_allowed(&rc, &peer));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_of_socketpair),
		cmocka_unit_test(test_no_peer),
		cmocka_unit_test(test_allow_lists),
	};

	return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
