/*
 * doctor: WSL facts read below a fake root, interop sockets found by
 * connecting, and whole runs with real relays (shell scripts) and sockets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "doctor.h"
#include "scratch.h"

static char root[64];

/* Write CONTENT to ROOT/REL, creating the folders; MODE as given. */
static void
put(const char *rel, const char *content, mode_t mode)
{
	scratch_put(root, rel, content, mode);
}

static const char *
at(const char *rel)
{
	return scratch_at(root, rel);
}

/* A unix socket at ROOT/REL; listening unless STALE (closed at once). */
static int
sock_at(const char *rel, int stale)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", at(rel));
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    listen(fd, 4) != 0)
		fail_msg("bind %s: %s", sun.sun_path, strerror(errno));
	if (stale) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
setup(void **state)
{
	snprintf(root, sizeof root, "/tmp/npr-doctor-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	unsetenv("WSL_INTEROP");
	return 0;
}

static int
teardown(void **state)
{
	return scratch_remove(root);
}

static void
test_wsl_detect(void **state)
{
	char k[128];

	assert_int_equal(doctor_wsl_detect(root, k, sizeof k), DOCTOR_NOT_WSL);
	put("proc/version", "Linux version 6.1.0-13-amd64 (debian)\n", 0644);
	assert_int_equal(doctor_wsl_detect(root, k, sizeof k), DOCTOR_NOT_WSL);
	put("proc/sys/kernel/osrelease", "5.15.167.4-microsoft-standard-WSL2\n",
	    0644);
	assert_int_equal(doctor_wsl_detect(root, k, sizeof k), DOCTOR_WSL2);
	assert_string_equal(k, "5.15.167.4-microsoft-standard-WSL2");
	put("proc/sys/kernel/osrelease", "4.4.0-22621-Microsoft\n", 0644);
	assert_int_equal(doctor_wsl_detect(root, k, sizeof k), DOCTOR_WSL1);
	/* A self-built kernel: the interop entry gives WSL away. */
	put("proc/sys/kernel/osrelease", "6.6.0-custom\n", 0644);
	put("proc/sys/fs/binfmt_misc/WSLInterop", "enabled\n", 0644);
	assert_int_equal(doctor_wsl_detect(root, k, sizeof k), DOCTOR_WSL2);
}

static void
test_interop_state(void **state)
{
	char e[64];

	assert_int_equal(doctor_interop_state(root, e, sizeof e),
	    DOCTOR_BINFMT_UNMOUNTED);
	put("proc/sys/fs/binfmt_misc/status", "disabled\n", 0644);
	assert_int_equal(doctor_interop_state(root, e, sizeof e),
	    DOCTOR_BINFMT_DISABLED);
	put("proc/sys/fs/binfmt_misc/status", "enabled\n", 0644);
	assert_int_equal(doctor_interop_state(root, e, sizeof e),
	    DOCTOR_INTEROP_MISSING);
	put("proc/sys/fs/binfmt_misc/WSLInterop", "disabled\ninterpreter /init\n",
	    0644);
	assert_int_equal(doctor_interop_state(root, e, sizeof e),
	    DOCTOR_INTEROP_DISABLED);
	assert_string_equal(e, "WSLInterop");
	put("proc/sys/fs/binfmt_misc/WSLInterop-late",
	    "enabled\ninterpreter /init\nflags: PF\n", 0644);
	assert_int_equal(doctor_interop_state(root, e, sizeof e),
	    DOCTOR_INTEROP_ENABLED);
	assert_string_equal(e, "WSLInterop-late");
}

static void
test_wsl_conf(void **state)
{
	char v[64], err[256];

	assert_int_equal(doctor_automount_root(root, v, sizeof v, err,
	    sizeof err), 0);
	assert_string_equal(v, "/mnt/");
	assert_int_equal(doctor_wsl_conf(root, "automount", "root", v,
	    sizeof v), -1);
	put("etc/wsl.conf",
	    "# comment\n"
	    "[boot]\nsystemd=true\n"
	    "[Interop]\n  Enabled = \"false\"  \n"
	    "[automount]\nroot = /win # where drives go\noptions = metadata\n",
	    0644);
	assert_int_equal(doctor_wsl_conf(root, "interop", "enabled", v,
	    sizeof v), 0);
	assert_string_equal(v, "false");
	assert_int_equal(doctor_wsl_conf(root, "boot", "systemd", v, sizeof v),
	    0);
	assert_string_equal(v, "true");
	assert_int_equal(doctor_wsl_conf(root, "boot", "command", v, sizeof v),
	    -1);
	assert_int_equal(doctor_automount_root(root, v, sizeof v, err,
	    sizeof err), 0);
	assert_string_equal(v, "/win/");
	put("etc/wsl.conf", "[automount]\nroot = /\n", 0644);
	assert_int_equal(doctor_automount_root(root, v, sizeof v, err,
	    sizeof err), 0);
	assert_string_equal(v, "/");
	/* The issue's two inputs: ";" is no comment to WSL, "#" is. */
	put("etc/wsl.conf", "[automount]\nroot = /win ;c\n", 0644);
	assert_int_equal(doctor_automount_root(root, v, sizeof v, err,
	    sizeof err), 0);
	assert_string_equal(v, "/win ;c/");
	put("etc/wsl.conf", "[automount]\nroot = \"/win/\" # c\n", 0644);
	assert_int_equal(doctor_automount_root(root, v, sizeof v, err,
	    sizeof err), 0);
	assert_string_equal(v, "/win/");
	put("etc/wsl.conf", "[automount]\nroot = win\n", 0644);
	assert_int_equal(doctor_automount_root(root, v, sizeof v, err,
	    sizeof err), -1);
	assert_string_equal(v, "/mnt/");
	assert_non_null(strstr(err, "wsl.conf:2: [automount] root \"win\" is "
	    "not an absolute path"));
}

static void
test_windows_drive(void **state)
{
	assert_true(doctor_on_windows_drive("/mnt/c/Tools/nprelay.exe", "/mnt/"));
	assert_true(doctor_on_windows_drive("/mnt/D", "/mnt/"));
	assert_false(doctor_on_windows_drive("/mnt/cd/x.exe", "/mnt/"));
	assert_false(doctor_on_windows_drive("/mnt/", "/mnt/"));
	assert_false(doctor_on_windows_drive("/home/me/x.exe", "/mnt/"));
	assert_true(doctor_on_windows_drive("/c/x.exe", "/"));
	assert_false(doctor_on_windows_drive("/usr/bin/x.exe", "/"));
}

static void
test_windows_exe(void **state)
{
	put("bin/relay.exe", "MZ\x90", 0755);
	put("bin/relay.sh", "#!/bin/sh\n", 0755);
	assert_true(doctor_is_windows_exe(at("bin/relay.exe")));
	assert_false(doctor_is_windows_exe(at("bin/relay.sh")));
	assert_false(doctor_is_windows_exe(at("bin/missing")));
}

static void
test_socket_listening(void **state)
{
	assert_int_equal(doctor_socket_listening(root, "/run/a.sock"), -1);
	put("proc/net/unix",
	    "Num       RefCount Protocol Flags    Type St Inode Path\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 1001 /run/a.sock\n"
	    "0000000000000000: 00000003 00000000 00000000 0001 03 1002 /run/b.sock\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 1003 /run/with space.sock\n"
	    "0000000000000000: 00000002 00000000 00000000 0002 01 1004\n",
	    0644);
	assert_int_equal(doctor_socket_listening(root, "/run/a.sock"), 1);
	assert_int_equal(doctor_socket_listening(root, "/run/b.sock"), 0);
	assert_int_equal(doctor_socket_listening(root, "/run/with space.sock"),
	    1);
	assert_int_equal(doctor_socket_listening(root, "/run/c.sock"), 0);
}

static void
test_find_interop(void **state)
{
	char buf[108];
	int a, b;

	assert_null(doctor_find_interop_socket_at(root, buf, sizeof buf));
	put("run/WSL/1_interop.bak", "", 0644);
	put("run/WSL/x_interop", "", 0644);
	sock_at("run/WSL/7_interop", 1);
	assert_null(doctor_find_interop_socket_at(root, buf, sizeof buf));
	b = sock_at("run/WSL/300_interop", 0);
	a = sock_at("run/WSL/40_interop", 0);
	/* Not the stale 7, and 40 before 300 although created later. */
	assert_non_null(doctor_find_interop_socket_at(root, buf, sizeof buf));
	assert_string_equal(buf, at("run/WSL/40_interop"));
	assert_true(doctor_socket_answers(buf));
	/* Too small a buffer is no answer, not a cut path. */
	assert_null(doctor_find_interop_socket_at(root, buf, 10));
	close(a);
	close(b);
}

/* Load CONF (written to ROOT/r.conf) and run the doctor; OUT gets the text. */
static int
run(const char *conf, unsigned timeout_ms, char **out)
{
	struct doctor_opts opts = { root, timeout_ms, NULL };
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int rc;

	assert_non_null(f);
	put("r.conf", conf, 0644);
	if (config_load(at("r.conf"), &cfg, &errs) != 0)
		fail_msg("config: %s", errs.n > 0 ? errs.lines[0] : "?");
	rc = doctor_run_opts(&opts, cfg, at("r.conf"), f);
	fclose(f);
	config_free(cfg);
	print_message("%s", *out);
	return rc;
}

static char *
route_conf(const char *relay, const char *listen_extra)
{
	static char conf[2048];

	snprintf(conf, sizeof conf,
	    "relay = { path = \"%s\"; };\n"
	    "routes = ( { name = \"r\"; pipe = \"//./pipe/p\";\n"
	    "  listen = { path = \"%s\"; %s }; } );\n",
	    at(relay), at("r.sock"), listen_extra);
	return conf;
}

static void
test_run_no_config(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct doctor_opts opts = { root, 1000, NULL };

	assert_int_equal(doctor_run_opts(&opts, NULL, "/x/y.conf", f), 1);
	fclose(f);
	assert_non_null(strstr(out, "warn  not WSL"));
	assert_non_null(strstr(out, "FAIL  config /x/y.conf does not load: "
	    "\"npiperouter check -c /x/y.conf\""));
	free(out);
}

static void
test_run_relay_ok(void **state)
{
	char *out = NULL;

	put("bin/relay", "#!/bin/sh\ncat >/dev/null\nexit 0\n", 0755);
	assert_int_equal(run(route_conf("bin/relay", ""), 5000, &out), 0);
	assert_non_null(strstr(out, "ok    relay "));
	assert_non_null(strstr(out, "(a Linux program)"));
	assert_non_null(strstr(out, "warn  route \"r\": "));
	assert_non_null(strstr(out, "r.sock does not exist"));
	assert_non_null(strstr(out, "ok    route \"r\": pipe //./pipe/p answers"));
	free(out);
}

static void
test_run_relay_fails(void **state)
{
	char *out = NULL;

	put("bin/relay", "#!/bin/sh\n[ \"$1 $2\" = \"//./pipe/p \" ] || exit 9\n"
	    "printf 'cannot open pipe\\r\\nmore\\n' >&2\nexit 3\n", 0755);
	assert_int_equal(run(route_conf("bin/relay", ""), 5000, &out), 1);
	assert_non_null(strstr(out, "FAIL  route \"r\": the relay failed on "
	    "pipe //./pipe/p (exit 3: cannot open pipe): "));
	free(out);
}

/*
 * The probe starts the relay as the daemon does (child_spawn() with
 * child_env_init()'s short environment): a variable of ours that relays
 * do not get stays out, and a dead WSL_INTEROP is replaced by the
 * interop socket that answers, as server.c does for the daemon.
 */
static void
test_run_relay_env(void **state)
{
	char *out = NULL, want[512];
	int live;

	put("bin/relay", "#!/bin/sh\nprintf 'env %s %s\\n' "
	    "\"${NPR_DOCTOR_PRIVATE:-unset}\" \"${WSL_INTEROP:-none}\" >&2\n"
	    "exit 4\n", 0755);
	setenv("NPR_DOCTOR_PRIVATE", "leaked", 1);
	setenv("WSL_INTEROP", at("run/WSL/99_interop"), 1);
	put("run/WSL/README", "", 0644);
	live = sock_at("run/WSL/5_interop", 0);
	assert_int_equal(run(route_conf("bin/relay", ""), 5000, &out), 1);
	unsetenv("NPR_DOCTOR_PRIVATE");
	unsetenv("WSL_INTEROP");
	snprintf(want, sizeof want, "(exit 4: env unset %s)",
	    at("run/WSL/5_interop"));
	assert_non_null(strstr(out, want));
	free(out);
	close(live);
}

static void
test_run_relay_timeout(void **state)
{
	char *out = NULL;

	put("bin/relay", "#!/bin/sh\nexec sleep 30\n", 0755);
	assert_int_equal(run(route_conf("bin/relay", ""), 300, &out), 0);
	assert_non_null(strstr(out, "warn  route \"r\": no answer from pipe "
	    "//./pipe/p within 300 ms"));
	free(out);
}

static void
test_run_relay_missing(void **state)
{
	char *out = NULL;

	assert_int_equal(run(route_conf("bin/nothing.exe", ""), 1000, &out), 1);
	assert_non_null(strstr(out, "FAIL  relay "));
	assert_non_null(strstr(out, "No such file or directory: set relay.path"));
	assert_null(strstr(out, "pipe //./pipe/p"));
	free(out);
}

static void
test_run_windows_relay_not_wsl(void **state)
{
	char *out = NULL;

	put("bin/relay.exe", "MZ\x90\x00", 0755);
	assert_int_equal(run(route_conf("bin/relay.exe", ""), 1000, &out), 0);
	assert_non_null(strstr(out, "is a Windows program: it runs only on WSL"));
	assert_non_null(strstr(out, "warn  route \"r\": pipe //./pipe/p not "
	    "checked: Windows pipes are reachable only from WSL"));
	free(out);
}

static void
test_run_socket(void **state)
{
	char *out = NULL, line[512];
	int fd;

	put("bin/relay", "#!/bin/sh\nexit 0\n", 0755);
	fd = sock_at("r.sock", 0);
	chmod(at("r.sock"), 0644);
	assert_int_equal(run(route_conf("bin/relay", ""), 5000, &out), 1);
	assert_non_null(strstr(out, "r.sock has mode 0644, the config says "
	    "0600: restart npiperouter"));
	free(out);

	/* Right mode, and /proc/net/unix (faked) says it listens. */
	chmod(at("r.sock"), 0600);
	snprintf(line, sizeof line, "Num RefCount Protocol Flags Type St Inode "
	    "Path\n0000000000000000: 00000002 00000000 00010000 0001 01 7 %s\n",
	    at("r.sock"));
	put("proc/net/unix", line, 0644);
	assert_int_equal(run(route_conf("bin/relay", ""), 5000, &out), 0);
	assert_non_null(strstr(out, "r.sock, mode 0600, listening"));
	free(out);

	/* Nothing listens: a leftover. */
	put("proc/net/unix", "Num RefCount Protocol Flags Type St Inode Path\n",
	    0644);
	assert_int_equal(run(route_conf("bin/relay", ""), 5000, &out), 1);
	assert_non_null(strstr(out, "nothing listens on"));
	free(out);
	close(fd);
}

static void
test_run_wsl_broken_interop(void **state)
{
	char *out = NULL;

	put("proc/sys/kernel/osrelease", "5.15.1-microsoft-standard-WSL2\n",
	    0644);
	put("proc/sys/fs/binfmt_misc/status", "enabled\n", 0644);
	put("bin/relay.exe", "MZ", 0755);
	setenv("WSL_INTEROP", at("run/WSL/99_interop"), 1);
	assert_int_equal(run(route_conf("bin/relay.exe", ""), 1000, &out), 1);
	unsetenv("WSL_INTEROP");
	assert_non_null(strstr(out, "ok    WSL 2 (kernel 5.15.1-microsoft"));
	assert_non_null(strstr(out, "FAIL  interop: no WSLInterop entry"));
	assert_non_null(strstr(out, "FAIL  interop: no /run/WSL/*_interop "
	    "socket answers"));
	assert_non_null(strstr(out, "warn  WSL_INTEROP="));
	assert_non_null(strstr(out, "is on the Linux file system"));
	assert_non_null(strstr(out, "not checked: interop does not work"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wsl_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interop_state, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wsl_conf, setup, teardown),
		cmocka_unit_test(test_windows_drive),
		cmocka_unit_test_setup_teardown(test_windows_exe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_listening, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_find_interop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_no_config, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_relay_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_relay_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_relay_env, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_relay_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_relay_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_windows_relay_not_wsl,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_wsl_broken_interop,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
