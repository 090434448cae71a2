/*
 * relay_install: the copy of the packaged relay kept in a fake
 * %LOCALAPPDATA% folder (reused untouched, a new content added beside,
 * hostile folders and files refused), and the default relay path with the
 * interop seam broken or absent. tests/wine/relay_install.sh runs the
 * same through the real router, cmd.exe and winepath under Wine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "relay_install.h"
#include "scratch.h"
#include "version.h"

static char dir[256];

static const char *
at(const char *rel)
{
	return scratch_at(dir, rel);
}

static void
put(const char *rel, const char *content, mode_t mode)
{
	scratch_put(dir, rel, content, mode);
}

static int
same_content(const char *a, const char *b)
{
	char cmd[1200];

	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

/* The copy's path for the content of the file REL. */
static const char *
copy_of(const char *rel)
{
	static char path[512];
	char name[96], buf[4096];
	FILE *f = NULL;
	size_t n;

	assert_non_null(f = fopen(at(rel), "r"));
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	relay_install_name(buf, n, name, sizeof name);
	snprintf(path, sizeof path, "%s/lad/npiperouter/%s", dir, name);
	return path;
}

static int
count_files(const char *path)
{
	char cmd[600], out[32] = "";
	FILE *p = NULL;

	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", path);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof out, p));
	pclose(p);
	return atoi(out);
}

static void
test_name(void **state)
{
	char name[96], v[32], h[16];
	char want[96];

	relay_install_name("abc", 3, name, sizeof name);
	/* FNV-1a of "abc", low 48 bits. */
	snprintf(want, sizeof want, "nprelay-%s-%012llx.exe", NPR_VERSION,
	    0xe71fa2190541574bULL & 0xffffffffffffULL);
	assert_string_equal(name, want);
	relay_install_name("abd", 3, want, sizeof want);
	assert_string_not_equal(name, want);
	assert_true(relay_install_parse_name("/mnt/c/Users/me/AppData/Local/"
	    "npiperouter/nprelay-0.1.0-0123456789ab.exe", v, sizeof v, h,
	    sizeof h));
	assert_string_equal(v, "0.1.0");
	assert_string_equal(h, "0123456789ab");
	/* Our folder, our pattern, or not ours. */
	assert_false(relay_install_parse_name("/mnt/c/Tools/nprelay-0.1.0-"
	    "0123456789ab.exe", v, sizeof v, h, sizeof h));
	assert_false(relay_install_parse_name("/x/npiperouter/nprelay.exe", v,
	    sizeof v, h, sizeof h));
	assert_false(relay_install_parse_name("/x/npiperouter/nprelay-0.1.0-"
	    "0123456789ag.exe", v, sizeof v, h, sizeof h));
	assert_false(relay_install_parse_name("/x/npiperouter/nprelay--"
	    "0123456789ab.exe", v, sizeof v, h, sizeof h));
}

static void
test_copy_reuse_and_beside(void **state)
{
	char out[512], out2[512], err[512] = "";
	struct stat st1, st2;
	int copied = -1;

	put("relay1", "MZ relay one", 0755);
	put("relay2", "MZ relay two, newer", 0755);
	assert_int_equal(mkdir(at("lad"), 0755), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), 0);
	assert_int_equal(copied, 1);
	assert_string_equal(out, copy_of("relay1"));
	assert_true(same_content(out, at("relay1")));
	assert_int_equal(stat(at("lad/npiperouter"), &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0700);
	assert_int_equal(stat(out, &st1), 0);
	assert_true(st1.st_mode & S_IXUSR);
	/* Unchanged: the same file, not written again. */
	sleep(1);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out2,
	    sizeof out2, &copied, err, sizeof err), 0);
	assert_int_equal(copied, 0);
	assert_string_equal(out2, out);
	assert_int_equal(stat(out, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
	assert_int_equal(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	/* A new relay goes beside the one that may be running. */
	assert_int_equal(relay_install_copy(at("relay2"), at("lad"), out2,
	    sizeof out2, &copied, err, sizeof err), 0);
	assert_int_equal(copied, 1);
	assert_string_not_equal(out2, out);
	assert_true(same_content(out2, at("relay2")));
	assert_true(same_content(out, at("relay1")));
	assert_int_equal(stat(out, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	/* Two copies, no temporary file left. */
	assert_int_equal(count_files(at("lad/npiperouter")), 2);
}

static void
test_copy_wrong_content_replaced(void **state)
{
	char out[512], err[512] = "";
	struct stat st1, st2;
	int copied = -1;

	put("relay1", "MZ relay one", 0755);
	assert_int_equal(mkdir(at("lad"), 0755), 0);
	assert_int_equal(mkdir(at("lad/npiperouter"), 0700), 0);
	/* Our name, not our content: written whole to a new file. */
	snprintf(out, sizeof out, "%s", copy_of("relay1"));
	put(out + strlen(dir) + 1, "MZ truncated", 0755);
	assert_int_equal(stat(out, &st1), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), 0);
	assert_int_equal(copied, 1);
	assert_true(same_content(out, at("relay1")));
	assert_int_equal(stat(out, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);
}

/* Our name and content, but not executable: every relay started from
 * it would fail, so it is replaced like a wrong content. */
static void
test_copy_not_executable(void **state)
{
	char out[512], err[512] = "";
	struct stat st1, st2;
	int copied = -1;

	put("relay1", "MZ relay one", 0755);
	assert_int_equal(mkdir(at("lad"), 0755), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), 0);
	assert_int_equal(chmod(out, 0644), 0);
	assert_int_equal(stat(out, &st1), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), 0);
	assert_int_equal(copied, 1);
	assert_int_equal(stat(out, &st2), 0);
	assert_true(st2.st_mode & S_IXUSR);
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	assert_true(same_content(out, at("relay1")));
}

static void
test_copy_hostile(void **state)
{
	char out[512], err[512] = "", target[512];
	int copied = -1;
	struct stat st;
	struct passwd *nobody = getpwnam("nobody");

	put("relay1", "MZ relay one", 0755);
	put("victim", "not to be written", 0644);
	assert_int_equal(mkdir(at("lad"), 0755), 0);

	/* The folder a symlink to one of someone else's choosing. */
	assert_int_equal(mkdir(at("elsewhere"), 0700), 0);
	assert_int_equal(symlink(at("elsewhere"), at("lad/npiperouter")), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	assert_non_null(strstr(err, "/lad/npiperouter is a symbolic link: "
	    "refused"));
	assert_string_equal(out, "");
	assert_int_equal(count_files(at("elsewhere")), 0);
	assert_int_equal(unlink(at("lad/npiperouter")), 0);

	/* The copy's name a symlink to a file of ours. */
	assert_int_equal(mkdir(at("lad/npiperouter"), 0700), 0);
	snprintf(target, sizeof target, "%s", copy_of("relay1"));
	assert_int_equal(symlink(at("victim"), target), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	assert_non_null(strstr(err, "is a symbolic link: refused"));
	assert_int_equal(lstat(target, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_false(same_content(at("victim"), at("relay1")));
	assert_int_equal(unlink(target), 0);

	/* A FIFO there: refused, without blocking on it. */
	assert_int_equal(mkfifo(target, 0600), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not a regular file: refused"));
	assert_int_equal(unlink(target), 0);

	/* A folder there: refused, left as it is. */
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not a regular file: refused"));
	assert_int_equal(rmdir(target), 0);

	/* The packaged relay missing: said so. */
	assert_int_equal(relay_install_copy(at("nope"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open the packaged relay"));

	/* Someone else's file or folder (root only can make one). */
	if (geteuid() != 0) {
		print_message("not root: the other-owner cases need chown\n");
		return;
	}
	assert_non_null(nobody);
	put(target + strlen(dir) + 1, "MZ relay one", 0755);
	assert_int_equal(chown(target, nobody->pw_uid, nobody->pw_gid), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	snprintf(target, sizeof target, "is owned by uid %ld, not 0: refused",
	    (long)nobody->pw_uid);
	assert_non_null(strstr(err, target));
	assert_int_equal(system("rm -rf -- \"$NPR_RI_DIR/lad/npiperouter\""), 0);
	assert_int_equal(mkdir(at("lad/npiperouter"), 0700), 0);
	assert_int_equal(chown(at("lad/npiperouter"), nobody->pw_uid,
	    nobody->pw_gid), 0);
	assert_int_equal(relay_install_copy(at("relay1"), at("lad"), out,
	    sizeof out, &copied, err, sizeof err), -1);
	assert_non_null(strstr(err, "/lad/npiperouter is owned by uid"));
	assert_int_equal(count_files(at("lad/npiperouter")), 0);
}

static void
test_default_outside_wsl(void **state)
{
	/* Not WSL here, no seam: the packaged relay, asked of nobody. */
	unsetenv("NPIPEROUTER_INTEROP_PREFIX");
	setenv("NPIPEROUTER_RELAY", at("relay1"), 1);
	if (access("/proc/sys/fs/binfmt_misc/WSLInterop", F_OK) == 0 ||
	    getenv("WSL_DISTRO_NAME") != NULL)
		fail_msg("this test expects a machine without WSL interop");
	assert_string_equal(relay_install_default(), at("relay1"));
	assert_string_equal(relay_install_packaged(), at("relay1"));
	unsetenv("NPIPEROUTER_RELAY");
	assert_string_equal(relay_install_packaged(), NPR_RELAY_PATH);
}

static void
test_config_default(void **state)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	char text[1024];

	/* No relay.path anywhere: the packaged relay; one set: that one. */
	setenv("NPIPEROUTER_RELAY", at("relay1"), 1);
	snprintf(text, sizeof text,
	    "routes = ( { name = \"a\"; listen = { path = \"%s\"; };\n"
	    "  pipe = \"//./pipe/a\"; },\n"
	    "  { name = \"b\"; listen = { path = \"%s\"; };\n"
	    "  pipe = \"//./pipe/b\"; relay = { path = \"/bin/cat\"; }; } );\n",
	    at("a.sock"), at("b.sock"));
	put("c.conf", text, 0600);
	if (config_load(at("c.conf"), &cfg, &errs) != 0)
		fail_msg("config_load: %s", errs.n ? errs.lines[0] : "?");
	unsetenv("NPIPEROUTER_RELAY");
	assert_int_equal(cfg->nroutes, 2);
	assert_string_equal(cfg->routes[0].relay.path, at("relay1"));
	assert_string_equal(cfg->routes[1].relay.path, "/bin/cat");
	config_free(cfg);
}

static void
test_default_falls_back(void **state)
{
	char line[1024] = "", script[600];
	int saved, fd;
	FILE *f = NULL;

	/* "cmd.exe" fails: one warning, and the packaged relay. */
	put("relay1", "MZ relay one", 0755);
	snprintf(script, sizeof script, "%s", at("broken"));
	put("broken", "#!/bin/sh\necho 'The system cannot find it' >&2\n"
	    "exit 1\n", 0755);
	setenv("NPIPEROUTER_INTEROP_PREFIX", script, 1);
	setenv("NPIPEROUTER_RELAY", at("relay1"), 1);
	fflush(stderr);
	saved = dup(2);
	assert_true((fd = open(at("stderr"), O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) > 2);
	dup2(fd, 2);
	close(fd);
	assert_string_equal(relay_install_default(), at("relay1"));
	/* Asked once, not once per route. */
	assert_string_equal(relay_install_default(), at("relay1"));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	unsetenv("NPIPEROUTER_INTEROP_PREFIX");
	unsetenv("NPIPEROUTER_RELAY");
	assert_non_null(f = fopen(at("stderr"), "r"));
	assert_non_null(fgets(line, sizeof line, f));
	assert_null(fgets(script, sizeof script, f));
	fclose(f);
	assert_non_null(strstr(line, "warn: relay: no copy on the Windows "
	    "drive (cannot ask Windows for %LOCALAPPDATA%: cmd.exe exited with "
	    "status 1: The system cannot find it); using "));
	assert_non_null(strstr(line, at("relay1")));
}

/*
 * %LOCALAPPDATA% as `cmd.exe /d /u /c set LOCALAPPDATA` prints it, with
 * an AutoRun line before it and a longer name after it. The value holds
 * & and ^, which `echo %LOCALAPPDATA%` would hand to cmd.exe's parser (a
 * Windows user folder may be named so). A stand-in, since Wine's profile
 * folder cannot be renamed; it answers nothing but that command line.
 */
static void
test_localappdata_set(void **state)
{
	char out[512], err[512] = "", script[1024], arg[512] = "";
	FILE *f = NULL;

	put("cmd", "#!/bin/sh\n"
	    "[ \"$*\" = 'cmd.exe /d /u /c set LOCALAPPDATA' ] ||\n"
	    "\t{ echo \"asked: $*\" >&2; exit 3; }\n"
	    "printf 'AutoRun says hello\\r\\n"
	    "LOCALAPPDATA=C:\\\\Users\\\\a&b^c\\\\AppData\\\\Local\\r\\n"
	    "LOCALAPPDATA_OLD=D:\\\\x\\r\\n' | iconv -f UTF-8 -t UTF-16LE\n",
	    0755);
	snprintf(script, sizeof script, "#!/bin/sh\n"
	    "printf '%%s' \"$2\" >'%s'\necho '%s'\n", at("wslpath.arg"),
	    at("lad"));
	put("wslpath", script, 0755);
	setenv("NPIPEROUTER_INTEROP_PREFIX", at("cmd"), 1);
	setenv("NPIPEROUTER_WSLPATH", at("wslpath"), 1);
	if (relay_install_localappdata(out, sizeof out, err, sizeof err) != 0)
		fail_msg("relay_install_localappdata: %s", err);
	unsetenv("NPIPEROUTER_INTEROP_PREFIX");
	unsetenv("NPIPEROUTER_WSLPATH");
	assert_string_equal(out, at("lad"));
	assert_non_null(f = fopen(at("wslpath.arg"), "r"));
	assert_non_null(fgets(arg, sizeof arg, f));
	fclose(f);
	assert_string_equal(arg, "C:\\Users\\a&b^c\\AppData\\Local");
}

/* relay_install_localappdata() refuses what the stand-in cmd.exe SCRIPT
 * says; its message in ERR. */
static void
localappdata_refused(const char *script, char *err, size_t errlen)
{
	char out[512];

	put("cmd", script, 0755);
	setenv("NPIPEROUTER_INTEROP_PREFIX", at("cmd"), 1);
	assert_int_equal(relay_install_localappdata(out, sizeof out, err,
	    errlen), -1);
	unsetenv("NPIPEROUTER_INTEROP_PREFIX");
}

/*
 * A %LOCALAPPDATA% that is no folder on a drive (a roaming profile on a
 * share) is refused with what cmd.exe said, which holds every variable
 * named so: shown on one line, no byte of it for a terminal to obey.
 */
static void
test_localappdata_not_drive(void **state)
{
	char err[1024] = "";

	localappdata_refused("#!/bin/sh\n"
	    "printf 'LOCALAPPDATA=\\\\\\\\srv\\\\me\\\\Local\\r\\n"
	    "LOCALAPPDATA_OLD=\\033[2JD:\\\\x\\r\\n' | "
	    "iconv -f UTF-8 -t UTF-16LE\n", err, sizeof err);
	assert_non_null(strstr(err, "is not a folder on a drive"));
	assert_non_null(strstr(err, "srv"));
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\033'));
}

/*
 * An unset %LOCALAPPDATA%: with /u cmd.exe writes its message in UTF-16
 * too, which reads as the message, not as its letters with NULs between.
 */
static void
test_localappdata_unset(void **state)
{
	char err[1024] = "";

	localappdata_refused("#!/bin/sh\n"
	    "printf 'Environment variable LOCALAPPDATA not defined\\r\\n' | "
	    "iconv -f UTF-8 -t UTF-16LE >&2\nexit 1\n", err, sizeof err);
	assert_string_equal(err, "cannot ask Windows for %LOCALAPPDATA%: "
	    "cmd.exe exited with status 1: Environment variable LOCALAPPDATA "
	    "not defined");
}

/* No byte of ERR for a terminal to obey, nor a second log line. */
static void
assert_one_line(const char *err)
{
	for (const char *p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", *p, err);
}

/* relay_install_localappdata() with cmd.exe answering VALUE and the
 * stand-in wslpath printing (printf) WSL: its result, ERR filled. */
static int
localappdata_with(const char *value, const char *wsl, char *out,
    size_t outlen, char *err, size_t errlen)
{
	char script[1024];
	int rc;

	snprintf(script, sizeof script, "#!/bin/sh\n"
	    "printf 'LOCALAPPDATA=%s\\r\\n' | iconv -f UTF-8 -t UTF-16LE\n",
	    value);
	put("cmd", script, 0755);
	snprintf(script, sizeof script, "#!/bin/sh\nprintf '%s'\n", wsl);
	put("wslpath", script, 0755);
	setenv("NPIPEROUTER_INTEROP_PREFIX", at("cmd"), 1);
	setenv("NPIPEROUTER_WSLPATH", at("wslpath"), 1);
	rc = relay_install_localappdata(out, outlen, err, errlen);
	unsetenv("NPIPEROUTER_INTEROP_PREFIX");
	unsetenv("NPIPEROUTER_WSLPATH");
	return rc;
}

/*
 * What cmd.exe and wslpath say is taken whole or not at all: a value
 * with a control byte (no Windows folder has one), a second line or a
 * NUL from wslpath (the path would be its first part, or hold a line
 * break) are refused, and the message shows them escaped, on one line.
 */
static void
test_localappdata_hostile(void **state)
{
	char out[512], err[1024];

	/* Stand-ins: cmd.exe and wslpath (no WSL here). */
	err[0] = '\0';
	assert_int_equal(localappdata_with("C:\\\\Users\\\\a\\033[2Jb",
	    "/mnt/c/Users/ab\\n", out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "%LOCALAPPDATA%"));
	assert_one_line(err);

	err[0] = '\0';
	assert_int_equal(localappdata_with("C:\\\\Users\\\\a",
	    "/mnt/c/Users/a\\n\\033[2J/elsewhere\\n", out, sizeof out, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "elsewhere"));
	assert_one_line(err);

	err[0] = '\0';
	assert_int_equal(localappdata_with("C:\\\\Users\\\\a",
	    "/mnt/c/Users/a\\000/elsewhere\\n", out, sizeof out, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "NUL"));
	assert_one_line(err);

	/* The same stand-ins answer a plain value. */
	assert_int_equal(localappdata_with("C:\\\\Users\\\\a",
	    "/mnt/c/Users/a\\n", out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "/mnt/c/Users/a");
}

static int
setup(void **state)
{
	if (scratch_make(dir, sizeof dir, "relayinst") != 0)
		return -1;
	return setenv("NPR_RI_DIR", dir, 1);
}

static int
teardown(void **state)
{
	return scratch_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test_setup_teardown(test_copy_reuse_and_beside, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_wrong_content_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_not_executable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_hostile, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_default_outside_wsl, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_config_default, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_localappdata_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_localappdata_not_drive,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_localappdata_unset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_default_falls_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_localappdata_hostile, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
