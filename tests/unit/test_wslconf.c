/*
 * lib/wslconf: wsl.conf read as WSL's init reads it (its configfile
 * parser, called without "skip invalid lines"), the one parser behind the
 * doctor and the docker adapter.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "wslconf.h"

static char dir[64];

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/npr-wslconf-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* [automount] root of TEXT, or "(unset)"; *LINE gets its line. */
static const char *
root_of(const char *text, unsigned *line)
{
	static char v[256];
	char err[256];
	unsigned l = 0;

	switch (wslconf_parse("wsl.conf", text, strlen(text), "automount",
	    "root", v, sizeof v, &l, err, sizeof err)) {
	case WSLCONF_SET:
		if (line != NULL)
			*line = l;
		return v;
	case WSLCONF_UNSET:
		return "(unset)";
	default:
		fail_msg("wslconf_parse failed: %s", err);
		return NULL;
	}
}

/* What the automount root of a wsl.conf holding TEXT is, or "error: ...". */
static const char *
automount(const char *text)
{
	static char v[256], out[512];
	char path[128], err[256];
	FILE *f = NULL;

	snprintf(path, sizeof path, "%s/wsl.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	if (wslconf_automount_root(path, 1, v, sizeof v, err, sizeof err) != 0) {
		/* Without the temporary folder, so tests can compare. */
		snprintf(out, sizeof out, "error: %s",
		    strncmp(err, dir, strlen(dir)) == 0 ? err + strlen(dir) + 1 :
		    err);
		return out;
	}
	return v;
}

/* The two inputs of the issue, which the old parsers read differently. */
static void
test_issue_inputs(void **state)
{
	/* ";" is no comment character to WSL. */
	assert_string_equal(automount("[automount]\nroot = /win ;c\n"),
	    "/win ;c/");
	/* Quotes go, and "#" after them starts a comment. */
	assert_string_equal(automount("[automount]\nroot = \"/win/\" # c\n"),
	    "/win/");
}

static void
test_comments_and_quotes(void **state)
{
	unsigned line = 0;

	assert_string_equal(root_of("[automount]\nroot = /a # note\n", NULL),
	    "/a");
	assert_string_equal(root_of("[automount]\nroot = /a#b\n", NULL), "/a");
	assert_string_equal(root_of("[automount]\nroot = \"/a #b\"\n", NULL),
	    "/a #b");
	/* Quotes may enclose any part; blanks inside them are kept. */
	assert_string_equal(root_of("[automount]\nroot = /my\" dir \"x\n",
	    NULL), "/my dir x");
	assert_string_equal(root_of("[automount]\nroot = \" /a \"  \n", NULL),
	    " /a ");
	/* Single quotes are ordinary characters. */
	assert_string_equal(root_of("[automount]\nroot = '/a'\n", NULL),
	    "'/a'");
	/* Escapes, and a backslash that joins lines. */
	assert_string_equal(root_of("[automount]\nroot = /a\\\"b\\\\c\\tX\n",
	    NULL), "/a\"b\\c\tX");
	assert_string_equal(root_of("[automount]\nroot = /a\\\n  b\nx = 1\n",
	    &line), "/a  b");
	assert_int_equal(line, 2);
	assert_string_equal(root_of("[automount] # drives\nroot=/d\n", NULL),
	    "/d");
	assert_string_equal(root_of("# top\n  # indented\n[automount]\n"
	    "#root = /x\nroot = /y\n", &line), "/y");
	assert_int_equal(line, 5);
	assert_string_equal(root_of("[automount]\nroot =\n", NULL), "");
	assert_string_equal(root_of("[automount]\nroot = \"\"\n", NULL), "");
}

/* WSL stops at the first line it cannot read and keeps what came before. */
static void
test_invalid_lines_end_the_file(void **state)
{
	assert_string_equal(root_of("; comment\n[automount]\nroot = /a\n", NULL),
	    "(unset)");
	assert_string_equal(root_of("[automount]\nroot = /a\n; comment\n"
	    "root = /b\n", NULL), "/a");
	assert_string_equal(root_of("[automount]\nroot: /a\n", NULL), "(unset)");
	assert_string_equal(root_of("[automount]\nroot = \"/a\n", NULL),
	    "(unset)");
	assert_string_equal(root_of("[automount]\nroot = /a\\ b\n", NULL),
	    "(unset)");
	assert_string_equal(root_of("[auto mount]\n[automount]\nroot = /a\n",
	    NULL), "(unset)");
	assert_string_equal(root_of("[automount] x\nroot = /a\n", NULL),
	    "(unset)");
	assert_string_equal(root_of("[automount]\nmount-fs = 1\nroot = /a\n",
	    NULL), "(unset)");
	assert_string_equal(root_of("[1st]\n[automount]\nroot = /a\n", NULL),
	    "(unset)");
	/* A byte-order mark is no letter either. */
	assert_string_equal(root_of("\xef\xbb\xbf[automount]\nroot = /a\n",
	    NULL), "(unset)");
}

static void
test_sections_keys_and_case(void **state)
{
	/* root in other sections, or before any, is not the automount root. */
	assert_string_equal(root_of("root = /top\n[boot]\nroot = /b\n"
	    "[network]\nroot = /n\n", NULL), "(unset)");
	assert_string_equal(root_of("[boot]\nroot = /b\n[automount]\n"
	    "enabled = true\n[interop]\nroot = /i\n", NULL), "(unset)");
	assert_string_equal(root_of("[network]\nroot = /x\n[AutoMount]\n"
	    "  ROOT\t=\t/win\t \n", NULL), "/win");
	assert_string_equal(root_of("[automount2]\nroot = /x\n", NULL),
	    "(unset)");
	assert_string_equal(root_of("[automount]\nrootx = /x\n", NULL),
	    "(unset)");
	/* The first one counts, even in a second [automount]. */
	assert_string_equal(root_of("[automount]\nroot = /one\nroot = /two\n"
	    "[automount]\nroot = /three\n", NULL), "/one");
}

static void
test_line_ends(void **state)
{
	unsigned line = 0;

	assert_string_equal(root_of("[automount]\r\nenabled = true\r\n"
	    "root = /c \r\n", &line), "/c");
	assert_int_equal(line, 3);
	assert_string_equal(root_of("[automount]\r\nroot = \"/c\" # x\r\n",
	    NULL), "/c");
	/* A backslash before "\r\n" is an unknown escape to WSL. */
	assert_string_equal(root_of("[automount]\r\nroot = /c\\\r\nx\r\n",
	    NULL), "(unset)");
	/* No newline at the end of the file. */
	assert_string_equal(root_of("[automount]\nroot = /end", NULL), "/end");
}

/* The root as WSL uses it: ending in "/", "/" for an empty one. */
static void
test_automount_root(void **state)
{
	const char *text = NULL;
	char v[16], err[256];

	assert_string_equal(automount(""), "/mnt/");
	assert_string_equal(automount("[automount]\nenabled = false\n"),
	    "/mnt/");
	assert_string_equal(automount("[automount]\nroot = /\n"), "/");
	assert_string_equal(automount("[automount]\nroot = /win\n"), "/win/");
	assert_string_equal(automount("[automount]\nroot = /win/\n"), "/win/");
	assert_string_equal(automount("[automount]\nroot = \n"), "/");
	assert_string_equal(automount("[automount]\nroot = win\n"),
	    "error: wsl.conf:2: [automount] root \"win\" is not an absolute path");
	assert_string_equal(automount("[automount]\nroot = '/win'\n"),
	    "error: wsl.conf:2: [automount] root \"'/win'\" is not an absolute "
	    "path");
	/* Too long for the caller's buffer: an error, not a cut path. */
	text = "[automount]\nroot = /0123456789abcdef\n";
	assert_int_equal(wslconf_parse("f", text, strlen(text), "automount",
	    "root", v, sizeof v, NULL, err, sizeof err), WSLCONF_ERROR);
	assert_string_equal(err, "f:2: [automount] root is longer than 15 bytes");
	text = "[automount]\nroot = /0123456789abcd\n";
	assert_int_equal(wslconf_parse("f", text, strlen(text), "automount",
	    "root", v, sizeof v, NULL, err, sizeof err), WSLCONF_SET);
	assert_string_equal(v, "/0123456789abcd");
}

static void
test_files(void **state)
{
	char path[128], v[64], err[256];
	int fd;

	snprintf(path, sizeof path, "%s/missing.conf", dir);
	assert_int_equal(wslconf_read(path, "automount", "root", v, sizeof v,
	    NULL, err, sizeof err), WSLCONF_NO_FILE);
	assert_int_equal(wslconf_automount_root(path, 0, v, sizeof v, err,
	    sizeof err), 0);
	assert_string_equal(v, "/mnt/");
	assert_int_equal(wslconf_automount_root(path, 1, v, sizeof v, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "missing.conf: No such file or directory"));

	/* A FIFO must not block the reader (the daemon's event loop). */
	snprintf(path, sizeof path, "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(wslconf_automount_root(path, 0, v, sizeof v, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "fifo.conf: not a regular file"));
	assert_int_equal(wslconf_automount_root(dir, 0, v, sizeof v, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));

	snprintf(path, sizeof path, "%s/big.conf", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	assert_int_equal(ftruncate(fd, WSLCONF_SIZE_MAX + 1), 0);
	close(fd);
	assert_int_equal(wslconf_automount_root(path, 0, v, sizeof v, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "big.conf: larger than 1048576 bytes"));

	/* Other keys, for the doctor's [interop] enabled. */
	automount("[interop]\nenabled = false # off\n");
	snprintf(path, sizeof path, "%s/wsl.conf", dir);
	assert_int_equal(wslconf_read(path, "Interop", "ENABLED", v, sizeof v,
	    NULL, err, sizeof err), WSLCONF_SET);
	assert_string_equal(v, "false");
	assert_int_equal(wslconf_read(path, "boot", "systemd", v, sizeof v,
	    NULL, err, sizeof err), WSLCONF_UNSET);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_inputs),
		cmocka_unit_test(test_comments_and_quotes),
		cmocka_unit_test(test_invalid_lines_end_the_file),
		cmocka_unit_test(test_sections_keys_and_case),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_automount_root),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
