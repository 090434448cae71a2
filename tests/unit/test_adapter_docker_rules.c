/*
 * The docker adapter's parts on their own: WSL path rules (drive form,
 * automount root, prefix rules, what never matches), wsl.conf, bind
 * sources in create bodies (options kept, volumes untouched), and the
 * endpoint groups and policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "docker_body.h"
#include "docker_path.h"
#include "docker_frame.h"
#include "docker_jscan.h"
#include "docker_policy.h"

static void
paths_init(struct docker_paths *dp, const char *root)
{
	memset(dp, 0, sizeof *dp);
	assert_non_null(dp->root = strdup(root));
	dp->drives = 1;
}

/* FN(dp, src) (either direction) as a string; "" when it stays. */
static const char *
path_out(int (*fn)(const struct docker_paths *, const char *, size_t,
    char *, size_t), const struct docker_paths *dp, const char *src)
{
	static char out[DOCKER_PATH_MAX + 1];
	int n = fn(dp, src, strlen(src), out, sizeof out);

	assert_true(n >= 0);
	if (n == 0)
		return "";
	assert_int_equal((size_t)n, strlen(out));
	return out;
}

static const char *
rewrite(const struct docker_paths *dp, const char *src)
{
	return path_out(docker_path_rewrite, dp, src);
}

static void
test_drive_rule(void **state)
{
	struct docker_paths dp;

	paths_init(&dp, "/mnt/");
	assert_string_equal(rewrite(&dp, "/mnt/c/Users/me/src"), "C:/Users/me/src");
	assert_string_equal(rewrite(&dp, "/mnt/c"), "C:/");
	assert_string_equal(rewrite(&dp, "/mnt/c/"), "C:/");
	assert_string_equal(rewrite(&dp, "/mnt/z/a b/ü"), "Z:/a b/ü");
	assert_string_equal(rewrite(&dp, "/mnt/d//x"), "D:/x");
	/* Resolved before it is matched (issue 12). */
	assert_string_equal(rewrite(&dp, "/mnt/c/x/../y"), "C:/y");
	/* Not a drive: two letters, upper case, WSL's own mounts. */
	assert_string_equal(rewrite(&dp, "/mnt/cd/x"), "");
	assert_string_equal(rewrite(&dp, "/mnt/C/x"), "");
	assert_string_equal(rewrite(&dp, "/mnt/wsl/x"), "");
	assert_string_equal(rewrite(&dp, "/mnt/"), "");
	assert_string_equal(rewrite(&dp, "/mnt"), "");
	assert_string_equal(rewrite(&dp, "/mntc/x"), "");
	/* Relative paths and named volumes never match. */
	assert_string_equal(rewrite(&dp, "mnt/c/x"), "");
	assert_string_equal(rewrite(&dp, "./src"), "");
	assert_string_equal(rewrite(&dp, "myvolume"), "");
	assert_string_equal(rewrite(&dp, "C:/Users"), "");
	assert_string_equal(rewrite(&dp, "/home/me"), "");
	dp.drives = 0;
	assert_string_equal(rewrite(&dp, "/mnt/c/x"), "");
	docker_paths_clear(&dp);
}

static const char *
to_wsl(const struct docker_paths *dp, const char *src)
{
	return path_out(docker_path_to_wsl, dp, src);
}

/* The mirror of test_drive_rule and test_custom_root_and_rules, for an
 * exposed route: Windows sources become WSL paths. */
static void
test_drive_rule_to_wsl(void **state)
{
	struct docker_paths dp;
	char out[16];

	paths_init(&dp, "/mnt/");
	assert_string_equal(to_wsl(&dp, "C:\\Users\\me\\src"),
	    "/mnt/c/Users/me/src");
	assert_string_equal(to_wsl(&dp, "C:/Users/me/src"), "/mnt/c/Users/me/src");
	assert_string_equal(to_wsl(&dp, "c:/Users/me/src"), "/mnt/c/Users/me/src");
	assert_string_equal(to_wsl(&dp, "C:\\"), "/mnt/c");
	assert_string_equal(to_wsl(&dp, "C:/"), "/mnt/c");
	assert_string_equal(to_wsl(&dp, "Z:/a b/\xc3\xbc/"), "/mnt/z/a b/\xc3\xbc");
	assert_string_equal(to_wsl(&dp, "D:\\\\x\\.\\y"), "/mnt/d/x/y");
	/* Resolved on the drive: ".." never leaves it. */
	assert_string_equal(to_wsl(&dp, "C:\\x\\..\\y"), "/mnt/c/y");
	assert_string_equal(to_wsl(&dp, "C:\\..\\Windows"), "");
	assert_string_equal(to_wsl(&dp, "C:/x/../../etc"), "");
	/* Not a drive path: Linux paths, volumes, drive-relative, UNC. */
	assert_string_equal(to_wsl(&dp, "/home/me"), "");
	assert_string_equal(to_wsl(&dp, "/mnt/c/x"), "");
	assert_string_equal(to_wsl(&dp, "myvolume"), "");
	assert_string_equal(to_wsl(&dp, "C:src"), "");
	assert_string_equal(to_wsl(&dp, "C:"), "");
	assert_string_equal(to_wsl(&dp, "\\\\server\\share\\x"), "");
	assert_string_equal(to_wsl(&dp, "1:/x"), "");
	dp.drives = 0;
	assert_string_equal(to_wsl(&dp, "C:/x"), "");
	docker_paths_clear(&dp);

	/* wsl.conf's root, and a route's rules the other way round. */
	paths_init(&dp, "/windows/");
	assert_int_equal(docker_paths_add_rule(&dp, "/home/me/code/", "D:/code"),
	    0);
	assert_int_equal(docker_paths_add_rule(&dp, "/srv", "E:\\srv\\"), 0);
	assert_string_equal(to_wsl(&dp, "C:/Users"), "/windows/c/Users");
	assert_string_equal(to_wsl(&dp, "d:\\CODE\\a\\b"), "/home/me/code/a/b");
	assert_string_equal(to_wsl(&dp, "D:/code"), "/home/me/code");
	assert_string_equal(to_wsl(&dp, "D:/codes"), "/windows/d/codes");
	assert_string_equal(to_wsl(&dp, "E:/srv/x"), "/srv/x");
	assert_string_equal(to_wsl(&dp, "D:/code/../../x"), "");
	/* A result that does not fit is an error, not a cut path. */
	assert_int_equal(docker_path_to_wsl(&dp, "E:/srv/0123456789x", 18, out,
	    sizeof out), -1);
	docker_paths_clear(&dp);
}

static void
test_custom_root_and_rules(void **state)
{
	struct docker_paths dp;
	char out[16];

	paths_init(&dp, "/");
	assert_string_equal(rewrite(&dp, "/c/Users"), "C:/Users");
	assert_string_equal(rewrite(&dp, "/c"), "C:/");
	assert_string_equal(rewrite(&dp, "/mnt/c/x"), "");
	assert_string_equal(rewrite(&dp, "/etc/x"), "");
	docker_paths_clear(&dp);

	paths_init(&dp, "/windows/");
	assert_int_equal(docker_paths_add_rule(&dp, "/home/me/code/", "D:/code"),
	    0);
	assert_int_equal(docker_paths_add_rule(&dp, "/srv", "E:/srv/"), 0);
	assert_int_equal(docker_paths_add_rule(&dp, "/windows/c/special",
	    "\\\\server\\share"), 0);
	assert_string_equal(rewrite(&dp, "/home/me/code"), "D:/code");
	assert_string_equal(rewrite(&dp, "/home/me/code/a/b"), "D:/code/a/b");
	assert_string_equal(rewrite(&dp, "/home/me/codes"), "");
	assert_string_equal(rewrite(&dp, "/srv/x"), "E:/srv/x");
	assert_string_equal(rewrite(&dp, "/srv"), "E:/srv/");
	/* Prefix rules come first, then the drive rule. */
	assert_string_equal(rewrite(&dp, "/windows/c/special/x"),
	    "\\\\server\\share/x");
	assert_string_equal(rewrite(&dp, "/windows/c/other"), "C:/other");
	/* A result that does not fit is an error, not a cut path. */
	assert_int_equal(docker_path_rewrite(&dp, "/srv/0123456789", 15, out,
	    sizeof out), -1);
	docker_paths_clear(&dp);

	assert_true(docker_rule_from_valid("/home/me"));
	assert_true(docker_rule_from_valid("/"));
	assert_false(docker_rule_from_valid("home"));
	assert_false(docker_rule_from_valid("/a/./b"));
	assert_false(docker_rule_from_valid("/a/.."));
}

static void
wsl_root(const char *text, const char *want)
{
	char path[] = "/tmp/npr-wsl-XXXXXX", err[256], *root = NULL;
	FILE *fp = NULL;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	if (want == NULL) {
		assert_int_equal(docker_wsl_root(path, 1, &root, err, sizeof err),
		    -1);
		assert_non_null(strstr(err, "is not an absolute path"));
	} else {
		assert_int_equal(docker_wsl_root(path, 1, &root, err, sizeof err),
		    0);
		assert_string_equal(root, want);
	}
	free(root);
	unlink(path);
}

static void
test_wsl_conf(void **state)
{
	char err[256], *root = NULL;

	wsl_root("", "/mnt/");
	wsl_root("[automount]\nroot = /\n", "/");
	wsl_root("[network]\nroot = /x\n[AutoMount]\n  Root=\"/win\"  \n", "/win/");
	wsl_root("[automount]\nenabled=true\nroot = /drives/ # comment\n",
	    "/drives/");
	wsl_root("[automount]\n#root = /x\noptions = \"metadata\"\n", "/mnt/");
	wsl_root("[automount]\nroot = mnt\n", NULL);
	/* As WSL reads it (lib/wslconf): ";" is no comment, "#" is, quotes go
	 * anywhere, single quotes stay, the first root counts, a line WSL
	 * cannot read ends the file, and CRLF is fine. */
	wsl_root("[automount]\nroot = /win ;c\n", "/win ;c/");
	wsl_root("[automount]\nroot = \"/win/\" # c\n", "/win/");
	wsl_root("[automount]\nroot = /one\nroot = /two\n", "/one/");
	wsl_root("[automount]\nroot = '/win'\n", NULL);
	wsl_root("; note\n[automount]\nroot = /win\n", "/mnt/");
	wsl_root("[automount]\r\nroot = /c\r\n", "/c/");
	assert_int_equal(docker_wsl_root("/nonexistent/wsl.conf", 0, &root, err,
	    sizeof err), 0);
	assert_string_equal(root, "/mnt/");
	free(root);
	assert_int_equal(docker_wsl_root("/nonexistent/wsl.conf", 1, &root, err,
	    sizeof err), -1);
	assert_null(root);
}

struct log_cap {
	char lines[512];
};

static void
log_cb(void *arg, const char *where, const char *from, const char *to)
{
	struct log_cap *c = arg;
	size_t n = strlen(c->lines);

	snprintf(c->lines + n, sizeof c->lines - n, "%s %s -> %s\n", where, from,
	    to);
}

/* BODY of KIND rewritten, relative sources against CWD; WANT NULL: left
 * as it is. */
static void
body_kind(const struct docker_paths *dp, enum docker_body_kind kind,
    const char *cwd, const char *in, const char *want, const char *log)
{
	struct log_cap cap = { "" };
	struct docker_body_ctx ctx = { dp, cwd, log_cb, &cap, 0 };
	char *out = NULL, err[256];
	size_t outlen;
	int rc;

	rc = docker_body_rewrite(&ctx, kind, in, strlen(in), &out, &outlen, err,
	    sizeof err);
	if (want == NULL) {
		if (rc != 0)
			fail_msg("%s: rc %d (%s), out %s", in, rc, err, out);
		assert_null(out);
	} else {
		if (rc != 1)
			fail_msg("%s: rc %d (%s), not rewritten", in, rc, err);
		assert_string_equal(out, want);
		assert_int_equal(outlen, strlen(want));
	}
	assert_string_equal(cap.lines, log ? log : "");
	free(out);
}

/* BODY of KIND from a Windows client (an exposed route). */
static void
body_to_wsl(const struct docker_paths *dp, enum docker_body_kind kind,
    const char *in, const char *want, const char *log)
{
	struct log_cap cap = { "" };
	struct docker_body_ctx ctx = { dp, NULL, log_cb, &cap, 1 };
	char *out = NULL, err[256];
	size_t outlen;
	int rc;

	rc = docker_body_rewrite(&ctx, kind, in, strlen(in), &out, &outlen, err,
	    sizeof err);
	if (want == NULL) {
		if (rc != 0)
			fail_msg("%s: rc %d (%s), out %s", in, rc, err, out);
		assert_null(out);
	} else {
		if (rc != 1)
			fail_msg("%s: rc %d (%s), not rewritten", in, rc, err);
		assert_string_equal(out, want);
	}
	assert_string_equal(cap.lines, log ? log : "");
	free(out);
}

/* Every body the rewrite knows, from a Windows client: the mirror of
 * test_create_bodies and test_other_bodies. */
static void
test_bodies_to_wsl(void **state)
{
	struct docker_paths dp;

	paths_init(&dp, "/mnt/");
	/* Binds: the drive's colon belongs to the source; options kept;
	 * volumes, Linux paths and relative ones stay. */
	body_to_wsl(&dp, DB_CONTAINER, "{\"HostConfig\":{\"Binds\":["
	    "\"C:\\\\Users\\\\me\\\\src:/src:ro\",\"c:/x:/x\",\"D:\\\\:/d\","
	    "\"data:/data\",\"/home/me:/h\",\"./rel:/r\",\"/anon\"]}}",
	    "{\"HostConfig\":{\"Binds\":[\"/mnt/c/Users/me/src:/src:ro\","
	    "\"/mnt/c/x:/x\",\"/mnt/d:/d\",\"data:/data\",\"/home/me:/h\","
	    "\"./rel:/r\",\"/anon\"]}}",
	    "HostConfig.Binds C:\\Users\\me\\src -> /mnt/c/Users/me/src\n"
	    "HostConfig.Binds c:/x -> /mnt/c/x\nHostConfig.Binds D:\\ -> /mnt/d\n");
	/* --mount: Mounts of Type bind only. */
	body_to_wsl(&dp, DB_CONTAINER, "{\"HostConfig\":{\"Mounts\":[{\"Type\":"
	    "\"bind\",\"Source\":\"C:/w\",\"Target\":\"/w\"},{\"Type\":\"volume\","
	    "\"Source\":\"C:/v\"}]}}",
	    "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
	    "\"/mnt/c/w\",\"Target\":\"/w\"},{\"Type\":\"volume\",\"Source\":"
	    "\"C:/v\"}]}}", "HostConfig.Mounts C:/w -> /mnt/c/w\n");
	/* ".." does not climb out of the drive: left alone. */
	body_to_wsl(&dp, DB_CONTAINER, "{\"HostConfig\":{\"Binds\":["
	    "\"C:\\\\..\\\\..\\\\etc:/e\"]}}", NULL, NULL);
	/* Volume create, service, libpod. */
	body_to_wsl(&dp, DB_VOLUME, "{\"DriverOpts\":{\"o\":\"bind\","
	    "\"device\":\"C:\\\\data\"}}",
	    "{\"DriverOpts\":{\"o\":\"bind\",\"device\":\"/mnt/c/data\"}}",
	    "DriverOpts.device C:\\data -> /mnt/c/data\n");
	body_to_wsl(&dp, DB_SERVICE, "{\"TaskTemplate\":{\"ContainerSpec\":{"
	    "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"E:/w\"}]}}}",
	    "{\"TaskTemplate\":{\"ContainerSpec\":{\"Mounts\":[{\"Type\":"
	    "\"bind\",\"Source\":\"/mnt/e/w\"}]}}}",
	    "TaskTemplate.ContainerSpec.Mounts E:/w -> /mnt/e/w\n");
	body_to_wsl(&dp, DB_LIBPOD, "{\"mounts\":[{\"type\":\"bind\","
	    "\"source\":\"C:/w\",\"destination\":\"/w\"}],\"overlay_volumes\":"
	    "[{\"source\":\"D:\\\\o\",\"destination\":\"/o\"}]}",
	    "{\"mounts\":[{\"type\":\"bind\",\"source\":\"/mnt/c/w\","
	    "\"destination\":\"/w\"}],\"overlay_volumes\":[{\"source\":"
	    "\"/mnt/d/o\",\"destination\":\"/o\"}]}",
	    "mounts C:/w -> /mnt/c/w\noverlay_volumes D:\\o -> /mnt/d/o\n");
	/* WSL sources from a Windows client are not rewritten to Windows. */
	body_to_wsl(&dp, DB_CONTAINER, "{\"HostConfig\":{\"Binds\":["
	    "\"/mnt/c/x:/x\"]}}", NULL, NULL);
	docker_paths_clear(&dp);
}

static void
body(const struct docker_paths *dp, const char *in, const char *want,
    const char *log)
{
	body_kind(dp, DB_CONTAINER, NULL, in, want, log);
}

static void
test_create_bodies(void **state)
{
	struct docker_paths dp;
	struct docker_body_ctx ctx = { NULL, NULL, NULL, NULL, 0 };
	char *out = NULL, err[256];
	size_t outlen;

	paths_init(&dp, "/mnt/");
	ctx.dp = &dp;
	/* Options after the target are kept; volumes and Linux paths stay. */
	body(&dp, "{\"HostConfig\":{\"Binds\":[\"/mnt/c/src:/src:ro\","
	    "\"/mnt/d/x:/x:z\",\"/mnt/e:/e:ro,Z\",\"data:/data\",\"/anon\","
	    "\"/home/me:/h\"]}}",
	    "{\"HostConfig\":{\"Binds\":[\"C:/src:/src:ro\",\"D:/x:/x:z\","
	    "\"E:/:/e:ro,Z\",\"data:/data\",\"/anon\",\"/home/me:/h\"]}}",
	    "HostConfig.Binds /mnt/c/src -> C:/src\nHostConfig.Binds /mnt/d/x -> "
	    "D:/x\nHostConfig.Binds /mnt/e -> E:/\n");
	/* Mounts: only Type "bind"; other members and their order kept. */
	body(&dp, "{\"Image\":\"a\",\"HostConfig\":{\"Mounts\":[{\"Target\":\"/t\","
	    "\"Source\":\"/mnt/c/w\",\"Type\":\"bind\",\"ReadOnly\":true},"
	    "{\"Type\":\"volume\",\"Source\":\"/mnt/c/v\"},{\"Type\":\"tmpfs\"}]},"
	    "\"Env\":[\"A=/mnt/c\"],\"N\":12345678901,\"F\":1.5}",
	    "{\"Image\":\"a\",\"HostConfig\":{\"Mounts\":[{\"Target\":\"/t\","
	    "\"Source\":\"C:/w\",\"Type\":\"bind\",\"ReadOnly\":true},"
	    "{\"Type\":\"volume\",\"Source\":\"/mnt/c/v\"},{\"Type\":\"tmpfs\"}]},"
	    "\"Env\":[\"A=/mnt/c\"],\"N\":12345678901,\"F\":1.5}",
	    "HostConfig.Mounts /mnt/c/w -> C:/w\n");
	/* Only the held values are written anew: the rest keeps its bytes,
	 * spaces and escapes; members in any case, as Go reads them. */
	body(&dp, "{ \"Env\" : [ \"A=\\u0041\" ] ,\n \"hostconfig\" : { "
	    "\"binds\" : [ \"/mnt/c/x:/x\" ] , \"Mounts\":[{\"type\":\"bind\","
	    "\"source\":\"/mnt/d/y\"}] } }",
	    "{ \"Env\" : [ \"A=\\u0041\" ] ,\n \"hostconfig\" : { "
	    "\"binds\" : [\"C:/x:/x\"] , \"Mounts\":[{\"type\":\"bind\","
	    "\"source\":\"D:/y\"}] } }",
	    "HostConfig.Binds /mnt/c/x -> C:/x\nHostConfig.Mounts /mnt/d/y -> "
	    "D:/y\n");
	body(&dp, "{\"Host\\u0043onfig\":{\"Binds\":[\"/mnt/c:/c\"]}}",
	    "{\"Host\\u0043onfig\":{\"Binds\":[\"C:/:/c\"]}}",
	    "HostConfig.Binds /mnt/c -> C:/\n");
	/* Somewhere else, the same names are not bind sources. */
	body(&dp, "{\"Labels\":{\"HostConfig\":{\"Binds\":[\"/mnt/c:/c\"]}},"
	    "\"Binds\":[\"/mnt/c:/c\"],\"x\":[{\"HostConfig\":{\"Binds\":"
	    "[\"/mnt/c:/c\"]}}]}", NULL, NULL);
	/* Nothing to do. */
	body(&dp, "{\"Image\":\"a\"}", NULL, NULL);
	body(&dp, "{\"HostConfig\":null}", NULL, NULL);
	body(&dp, "{\"HostConfig\":{\"Binds\":null,\"Mounts\":{}}}", NULL, NULL);
	body(&dp, "{\"HostConfig\":{\"Binds\":[1,\"x\"],\"Mounts\":[1,{}]}}",
	    NULL, NULL);
	/* Not JSON, or not an object: an error, the body goes on as is. */
	assert_int_equal(docker_body_rewrite(&ctx, DB_CONTAINER, "{\"x\":", 5,
	    &out, &outlen, err, sizeof err), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(docker_body_rewrite(&ctx, DB_CONTAINER, "{\"x\":1}}", 8,
	    &out, &outlen, err, sizeof err), -1);
	assert_null(out);
	docker_paths_clear(&dp);
}

/* CLEAN(src) as a string; NULL when it is left alone. */
static const char *
clean(const char *src)
{
	static char out[DOCKER_PATH_MAX + 1];
	int n = docker_path_clean(src, strlen(src), out, sizeof out);

	return n < 0 ? NULL : out;
}

/* Paths are matched resolved: "//", "." and ".." never reach a rule or
 * the engine (issue 12). */
static void
test_clean_paths(void **state)
{
	struct docker_paths dp;

	assert_string_equal(clean("/a//b"), "/a/b");
	assert_string_equal(clean("/a/b/../b"), "/a/b");
	assert_string_equal(clean("/a/./b/"), "/a/b");
	assert_string_equal(clean("/a/b/.."), "/a");
	assert_string_equal(clean("/a/.."), "/");
	assert_string_equal(clean("/"), "/");
	assert_string_equal(clean("//"), "/");
	assert_string_equal(clean("/a/.../b"), "/a/.../b");
	assert_string_equal(clean("/a/..b/.c"), "/a/..b/.c");
	/* Above "/": left alone, as are relative paths. */
	assert_null(clean("/.."));
	assert_null(clean("/a/../../b"));
	assert_null(clean("a/b"));
	assert_null(clean(""));

	paths_init(&dp, "/mnt/");
	assert_int_equal(docker_paths_add_rule(&dp, "/a/b", "D:/ab"), 0);
	assert_string_equal(rewrite(&dp, "/a//b"), "D:/ab");
	assert_string_equal(rewrite(&dp, "/a/b/../b"), "D:/ab");
	assert_string_equal(rewrite(&dp, "/a/b/./c//d/"), "D:/ab/c/d");
	assert_string_equal(rewrite(&dp, "/a/x/../b/c"), "D:/ab/c");
	/* ".." never goes on: not out of a rule's target ... */
	assert_string_equal(rewrite(&dp, "/a/b/../../etc"), "");
	assert_string_equal(rewrite(&dp, "/a/b/.."), "");
	/* ... nor out of a drive. */
	assert_string_equal(rewrite(&dp, "/mnt/c/x/../y"), "C:/y");
	assert_string_equal(rewrite(&dp, "/mnt/c/.."), "");
	assert_string_equal(rewrite(&dp, "/mnt/c/../d/x"), "D:/x");
	assert_string_equal(rewrite(&dp, "/mnt//c/x"), "C:/x");
	assert_string_equal(rewrite(&dp, "/mnt/./c"), "C:/");
	assert_string_equal(rewrite(&dp, "/../mnt/c/x"), "");
	docker_paths_clear(&dp);
	/* A rule's own "from" is matched cleaned. */
	paths_init(&dp, "/mnt/");
	assert_int_equal(docker_paths_add_rule(&dp, "/a//b/", "D:/ab"), 0);
	assert_string_equal(rewrite(&dp, "/a/b/c"), "D:/ab/c");
	docker_paths_clear(&dp);
}

/* Volume create (compose's driver_opts), swarm services and podman's
 * SpecGenerator (issue 12). */
static void
test_other_bodies(void **state)
{
	struct docker_paths dp;

	paths_init(&dp, "/mnt/");
	/* The local driver with o=bind: its device is a host folder. */
	body_kind(&dp, DB_VOLUME, NULL, "{\"Name\":\"v\",\"DriverOpts\":{\"type\":"
	    "\"none\",\"o\":\"bind\",\"device\":\"/mnt/c/data\"}}",
	    "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\","
	    "\"device\":\"C:/data\"}}", "DriverOpts.device /mnt/c/data -> C:/data\n");
	body_kind(&dp, DB_VOLUME, NULL, "{\"Driver\":\"local\",\"DriverOpts\":{"
	    "\"o\":\"ro,rbind\",\"device\":\"/mnt/d\"}}",
	    "{\"Driver\":\"local\",\"DriverOpts\":{\"o\":\"ro,rbind\","
	    "\"device\":\"D:/\"}}", "DriverOpts.device /mnt/d -> D:/\n");
	/* Podman's own API calls them Options. */
	body_kind(&dp, DB_VOLUME, NULL, "{\"Name\":\"v\",\"Driver\":\"\",\"Options\":{"
	    "\"o\":\"bind\",\"device\":\"/mnt/c/x\"}}",
	    "{\"Name\":\"v\",\"Driver\":\"\",\"Options\":{\"o\":\"bind\","
	    "\"device\":\"C:/x\"}}", "Options.device /mnt/c/x -> C:/x\n");
	/* Not a bind: another driver, no o=bind, a device that is a disk. */
	body_kind(&dp, DB_VOLUME, NULL, "{\"Driver\":\"nfs\",\"DriverOpts\":{"
	    "\"o\":\"bind\",\"device\":\"/mnt/c/x\"}}", NULL, NULL);
	body_kind(&dp, DB_VOLUME, NULL, "{\"DriverOpts\":{\"o\":\"binding\","
	    "\"device\":\"/mnt/c/x\"}}", NULL, NULL);
	body_kind(&dp, DB_VOLUME, NULL, "{\"DriverOpts\":{\"type\":\"ext4\","
	    "\"device\":\"/mnt/c/x\"}}", NULL, NULL);
	body_kind(&dp, DB_VOLUME, NULL, "{\"Name\":\"plain\"}", NULL, NULL);
	/* Swarm: TaskTemplate.ContainerSpec.Mounts of Type bind. */
	body_kind(&dp, DB_SERVICE, NULL, "{\"Name\":\"s\",\"TaskTemplate\":{"
	    "\"ContainerSpec\":{\"Image\":\"i\",\"Mounts\":[{\"Type\":\"bind\","
	    "\"Source\":\"/mnt/c/w\",\"Target\":\"/w\"},{\"Type\":\"volume\","
	    "\"Source\":\"/mnt/c/v\",\"Target\":\"/v\"}]}},\"Mode\":{}}",
	    "{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"i\","
	    "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"C:/w\",\"Target\":\"/w\"},"
	    "{\"Type\":\"volume\",\"Source\":\"/mnt/c/v\",\"Target\":\"/v\"}]}},"
	    "\"Mode\":{}}",
	    "TaskTemplate.ContainerSpec.Mounts /mnt/c/w -> C:/w\n");
	body_kind(&dp, DB_SERVICE, NULL, "{\"HostConfig\":{\"Binds\":["
	    "\"/mnt/c:/c\"]}}", NULL, NULL);
	/* Podman's SpecGenerator: mounts of type bind, overlay volumes. */
	body_kind(&dp, DB_LIBPOD, NULL, "{\"image\":\"i\",\"mounts\":[{"
	    "\"destination\":\"/w\",\"type\":\"bind\",\"source\":\"/mnt/c/w\","
	    "\"options\":[\"rbind\"]},{\"destination\":\"/t\",\"type\":\"tmpfs\","
	    "\"source\":\"/mnt/c/t\"}],\"volumes\":[{\"Name\":\"n\",\"Dest\":\"/n\"}],"
	    "\"overlay_volumes\":[{\"destination\":\"/o\",\"source\":\"/mnt/d/o\"}]}",
	    "{\"image\":\"i\",\"mounts\":[{\"destination\":\"/w\",\"type\":\"bind\","
	    "\"source\":\"C:/w\",\"options\":[\"rbind\"]},{\"destination\":\"/t\","
	    "\"type\":\"tmpfs\",\"source\":\"/mnt/c/t\"}],\"volumes\":[{\"Name\":"
	    "\"n\",\"Dest\":\"/n\"}],\"overlay_volumes\":[{\"destination\":\"/o\","
	    "\"source\":\"D:/o\"}]}",
	    "mounts /mnt/c/w -> C:/w\noverlay_volumes /mnt/d/o -> D:/o\n");
	docker_paths_clear(&dp);
}

/* Relative sources, as Debian's docker.io 20.10 sends "-v ./rel:/rel" and
 * "--mount src=./rel": resolved against the client's folder (issue 12). */
static void
test_relative_sources(void **state)
{
	struct docker_paths dp;

	paths_init(&dp, "/mnt/");
	body_kind(&dp, DB_CONTAINER, "/mnt/c/proj", "{\"HostConfig\":{\"Binds\":["
	    "\"./rel:/rel\",\"../up:/up:ro\",\".:/here\",\"..:/parent\","
	    "\"name:/n\",\".hidden:/h\",\"rel/x:/x\"],\"Mounts\":[{\"Type\":"
	    "\"bind\",\"Source\":\"rel\"},{\"Type\":\"bind\",\"Source\":"
	    "\"./a/../b\"},{\"Type\":\"bind\",\"Source\":\"C:/w\"}]}}",
	    "{\"HostConfig\":{\"Binds\":[\"C:/proj/rel:/rel\",\"C:/up:/up:ro\","
	    "\"C:/proj:/here\",\"C:/:/parent\",\"name:/n\",\".hidden:/h\","
	    "\"rel/x:/x\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
	    "\"C:/proj/rel\"},{\"Type\":\"bind\",\"Source\":\"C:/proj/b\"},"
	    "{\"Type\":\"bind\",\"Source\":\"C:/w\"}]}}",
	    "HostConfig.Binds ./rel -> C:/proj/rel\nHostConfig.Binds ../up -> "
	    "C:/up\nHostConfig.Binds . -> C:/proj\nHostConfig.Binds .. -> C:/\n"
	    "HostConfig.Mounts rel -> C:/proj/rel\nHostConfig.Mounts ./a/../b -> "
	    "C:/proj/b\n");
	/* No rule for the folder: the absolute Linux path, cleaned. */
	body_kind(&dp, DB_CONTAINER, "/home/me/p", "{\"HostConfig\":{\"Binds\":["
	    "\"./rel/:/rel\"]}}", "{\"HostConfig\":{\"Binds\":["
	    "\"/home/me/p/rel:/rel\"]}}", "HostConfig.Binds ./rel/ -> "
	    "/home/me/p/rel\n");
	body_kind(&dp, DB_VOLUME, "/home/me/p", "{\"DriverOpts\":{\"o\":\"bind\","
	    "\"device\":\"./data\"}}", "{\"DriverOpts\":{\"o\":\"bind\","
	    "\"device\":\"/home/me/p/data\"}}",
	    "DriverOpts.device ./data -> /home/me/p/data\n");
	/* Climbing above "/", or no folder known: left alone. */
	body_kind(&dp, DB_CONTAINER, "/a", "{\"HostConfig\":{\"Binds\":["
	    "\"../../x:/x\"]}}", NULL, NULL);
	body_kind(&dp, DB_CONTAINER, NULL, "{\"HostConfig\":{\"Binds\":["
	    "\"./rel:/rel\"]}}", NULL, NULL);
	docker_paths_clear(&dp);
}

struct held {
	char seen[256];
};

/* Wraps each held value in <...>. */
static int
held_cb(void *arg, size_t which, const char *held, size_t len, char **out,
    size_t *outlen)
{
	struct held *h = arg;
	size_t n = strlen(h->seen);

	snprintf(h->seen + n, sizeof h->seen - n, "%zu:%.*s;", which, (int)len,
	    held);
	assert_non_null(*out = malloc(len + 2));
	(*out)[0] = '<';
	memcpy(*out + 1, held, len);
	(*out)[len + 1] = '>';
	*outlen = len + 2;
	return 1;
}

/* SCAN(doc) fed one byte at a time; the output and what was held. */
static const char *
scan(const char *doc, size_t hold_max, struct held *h, int *over,
    const char **error)
{
	static const char *const a[] = { "a", NULL };
	static const char *const bc[] = { "b", "c", NULL };
	static const char *const *const paths[] = { a, bc, NULL };
	static char result[512];
	struct docker_jscan *js = NULL;
	const char *out = NULL;
	size_t i, n, len = 0;

	memset(h, 0, sizeof *h);
	assert_non_null(js = docker_jscan_new(paths, hold_max, held_cb, h));
	for (i = 0; doc[i] != '\0'; i++) {
		assert_int_equal(docker_jscan_feed(js, doc + i, 1), 0);
		out = docker_jscan_out(js, &n);
		assert_true(len + n < sizeof result);
		memcpy(result + len, out, n);
		len += n;
		docker_jscan_taken(js);
	}
	assert_int_equal(docker_jscan_end(js), 0);
	out = docker_jscan_out(js, &n);
	memcpy(result + len, out, n);
	result[len + n] = '\0';
	*over = docker_jscan_over(js);
	*error = docker_jscan_error(js);
	docker_jscan_free(js);
	return result;
}

/* The streaming scanner: only the values at the paths are held, the rest
 * passes byte for byte as it comes, whatever its size. */
static void
test_jscan(void **state)
{
	struct held h;
	const char *error = NULL;
	int over;

	assert_string_equal(scan("{\"x\":[1,{\"a\":[2]}],\"A\": {\"y\":\"}\\\"\"} ,"
	    "\"b\":{\"c\":[true,null,-1.5e3],\"a\":[3]},\"a\":7}", 1000, &h, &over,
	    &error), "{\"x\":[1,{\"a\":[2]}],\"A\": <{\"y\":\"}\\\"\"}> ,"
	    "\"b\":{\"c\":<[true,null,-1.5e3]>,\"a\":[3]},\"a\":7}");
	assert_string_equal(h.seen, "0:{\"y\":\"}\\\"\"};1:[true,null,-1.5e3];");
	assert_int_equal(over, 0);
	assert_null(error);
	/* Escaped keys are read as Go reads them. */
	assert_string_equal(scan("{\"\\u0061\":[],\"\\\"a\":[]}", 1000, &h, &over,
	    &error), "{\"\\u0061\":<[]>,\"\\\"a\":[]}");
	/* Too large to hold: it goes on as it is. */
	assert_string_equal(scan("{\"a\":[1,2,3,4,5],\"b\":{\"c\":[1]}}", 4, &h,
	    &over, &error), "{\"a\":[1,2,3,4,5],\"b\":{\"c\":<[1]>}}");
	assert_int_equal(over, 1);
	/* Not JSON: from there on, everything passes unread. */
	assert_string_equal(scan("{\"a\":[1 2],\"b\":{\"c\":[1]}}", 100, &h, &over,
	    &error), "{\"a\":[1 2],\"b\":{\"c\":[1]}}");
	assert_non_null(error);
	assert_string_equal(scan("{\"a\":[1]", 100, &h, &over, &error),
	    "{\"a\":<[1]>");
	assert_string_equal(error, "the document is cut short");
	assert_string_equal(scan("{\"b\":{\"c\":[1", 100, &h, &over, &error),
	    "{\"b\":{\"c\":[1");
	assert_string_equal(scan("{}x", 100, &h, &over, &error), "{}x");
	assert_non_null(error);
}

/* URL's group G, its body kind (DB_CONTAINER: 1) and canonical form. */
static void
target(const char *url, enum docker_group g, int body, int canonical)
{
	struct docker_target t;

	docker_target_parse(url, strlen(url), &t);
	if (t.group != g || (int)t.body != body || t.canonical != canonical)
		fail_msg("%s: group %s body %d canonical %d", url,
		    docker_group_name(t.group), t.body, t.canonical);
}

static void
test_targets(void **state)
{
	target("/_ping", DG_PING, 0, 1);
	target("/v1.41/version", DG_VERSION, 0, 1);
	target("/v1.41/containers/create?name=x", DG_CONTAINERS, 1, 1);
	target("/containers/create", DG_CONTAINERS, 1, 1);
	target("/v1.41/containers/create/x", DG_CONTAINERS, 0, 1);
	target("/v1.41/containers/c1/exec", DG_EXEC, 0, 1);
	target("/v1.41/exec/e1/start", DG_EXEC, 0, 1);
	target("/v4.3.1/libpod/containers/json", DG_CONTAINERS, 0, 1);
	target("/v1.41/images/localhost/x:1/json", DG_IMAGES, 0, 1);
	target("/v1.41/images/localhost%2Fx/json", DG_IMAGES, 0, 1);
	target("/v1.41/containers/json/", DG_CONTAINERS, 0, 1);
	target("http://d/v1.41/volumes", DG_VOLUMES, 0, 1);
	target("/v1.41/whatever", DG_OTHER, 0, 1);
	target("/", DG_OTHER, 0, 1);
	target("/v1.41", DG_OTHER, 0, 1);
	/* The version is only a version in front. */
	target("/containers/v1.41/json", DG_CONTAINERS, 0, 1);
	target("/v1.41/containers/../exec/x/start", DG_EXEC, 0, 0);
	target("/v1.41/containers/%2e%2e/exec", DG_EXEC, 0, 0);
	target("//containers/json", DG_CONTAINERS, 0, 0);
	target("/v1.41/_ping%00", DG_PING, 0, 0);
	target("*", DG_OTHER, 0, 0);
	/* Version segments dockerd ("v[0-9.]+") or podman
	 * ("v[0-9][0-9A-Za-z.-]*") route (issue 9). */
	target("/v1.41./volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1.41../volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1..41/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v./volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1.41a/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1.41-x/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v4.3.1-rc1/libpod/volumes/json", DG_VOLUMES, 0, 1);
	target("/v1.41a/containers/create", DG_CONTAINERS, 1, 1);
	/* Go decodes the path before its router sees it. */
	target("/%761.41/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1.41/%76olumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1.41%2Fvolumes/create", DG_VOLUMES, DB_VOLUME, 1);
	/* Not versions to either router: a first segment of its own. */
	target("/vx/volumes/create", DG_OTHER, 0, 1);
	target("/V1.41/volumes/create", DG_OTHER, 0, 1);
	target("/v1_41/volumes/create", DG_OTHER, 0, 1);
	target("/v/volumes/create", DG_OTHER, 0, 1);
	/* Bodies with bind sources (issue 12). */
	target("/v1.41/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v4.0.0/libpod/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	target("/v1.41/services/create", DG_SERVICES, DB_SERVICE, 1);
	target("/v1.41/services/s1/update?version=3", DG_SERVICES, DB_SERVICE, 1);
	target("/v1.41/services/s1/update/x", DG_SERVICES, DB_NONE, 1);
	target("/v1.41/services/s1", DG_SERVICES, DB_NONE, 1);
	target("/v1.41/volumes/prune", DG_VOLUMES, DB_NONE, 1);
	target("/v4.0.0/libpod/services/create", DG_SERVICES, DB_NONE, 1);
	/* dockerd's "/containers/{name:.*}/exec". */
	target("/v1.41/containers/a/b/exec", DG_EXEC, 0, 1);
	target("/containers/a/b/c/exec?x=1", DG_EXEC, 0, 1);
	target("/containers/exec/json", DG_CONTAINERS, 0, 1);
}

/* TARGET's groups: exactly the set SET, podman's own API or not. */
static void
groups(const char *url, unsigned set, int libpod)
{
	struct docker_target t;

	docker_target_parse(url, strlen(url), &t);
	if (t.groups != set || t.libpod != libpod || !t.canonical)
		fail_msg("%s: groups %#x libpod %d canonical %d, not %#x", url,
		    t.groups, t.libpod, t.canonical, set);
}

/* Podman's own API ("/libpod/...", pkg/api/server/register_*.go) is in
 * the groups of its Docker twins, and in "libpod" (issue: deny
 * "volumes" let POST /libpod/volumes/create through). */
static void
test_libpod_targets(void **state)
{
#define LP DG_BIT(DG_LIBPOD)
	unsigned described = DG_BIT(DG_CONTAINERS) | DG_BIT(DG_IMAGES) |
	    DG_BIT(DG_BUILD) | DG_BIT(DG_VOLUMES) | DG_BIT(DG_NETWORKS) |
	    DG_BIT(DG_SECRETS);

	target("/v4.0.0/libpod/volumes/create", DG_VOLUMES, DB_VOLUME, 1);
	groups("/v4.0.0/libpod/volumes/create", LP | DG_BIT(DG_VOLUMES), 1);
	groups("/v4.0.0/libpod/volumes/v/import", LP | DG_BIT(DG_VOLUMES), 1);
	groups("/v1.41/volumes/create", DG_BIT(DG_VOLUMES), 0);
	/* exec: made on a container, started, resized, inspected, removed. */
	target("/v4.0.0/libpod/containers/c1/exec", DG_EXEC, 0, 1);
	groups("/v4.0.0/libpod/containers/c1/exec", LP | DG_BIT(DG_EXEC), 1);
	groups("/v4.0.0/libpod/containers/a/b/exec", LP | DG_BIT(DG_EXEC), 1);
	groups("/v4.0.0/libpod/exec/e1/start", LP | DG_BIT(DG_EXEC), 1);
	groups("/v4.0.0/libpod/exec/e1/remove", LP | DG_BIT(DG_EXEC), 1);
	target("/v4.0.0/libpod/containers/create", DG_CONTAINERS, DB_LIBPOD, 1);
	groups("/v4.0.0/libpod/containers/c/attach", LP | DG_BIT(DG_CONTAINERS),
	    1);
	groups("/v4.0.0/libpod/containers/c/healthcheck",
	    LP | DG_BIT(DG_CONTAINERS), 1);
	groups("/v4.0.0/libpod/images/pull", LP | DG_BIT(DG_IMAGES), 1);
	groups("/v4.0.0/libpod/images/x/push", LP | DG_BIT(DG_IMAGES), 1);
	groups("/v4.0.0/libpod/local/images/load", LP | DG_BIT(DG_IMAGES), 1);
	groups("/v4.0.0/libpod/manifests/m/add", LP | DG_BIT(DG_IMAGES), 1);
	groups("/v5.0.0/libpod/artifacts/pull", LP | DG_BIT(DG_IMAGES), 1);
	groups("/v4.0.0/libpod/build", LP | DG_BIT(DG_BUILD), 1);
	groups("/v4.0.0/libpod/local/build", LP | DG_BIT(DG_BUILD), 1);
	groups("/v4.0.0/libpod/networks/create", LP | DG_BIT(DG_NETWORKS), 1);
	groups("/v4.0.0/libpod/secrets/create", LP | DG_BIT(DG_SECRETS), 1);
	groups("/v4.0.0/libpod/system/prune", LP | DG_BIT(DG_SYSTEM), 1);
	groups("/v4.0.0/libpod/events", LP | DG_BIT(DG_EVENTS), 1);
	groups("/v4.0.0/libpod/commit", LP | DG_BIT(DG_COMMIT), 1);
	groups("/v4.0.0/libpod/pods/create", LP | DG_BIT(DG_CONTAINERS), 1);
	groups("/v4.0.0/libpod/pods/p/start", LP | DG_BIT(DG_CONTAINERS), 1);
	groups("/v4.0.0/libpod/generate/c/systemd", LP | DG_BIT(DG_CONTAINERS),
	    1);
	groups("/v4.0.0/libpod/kube/generate", LP | DG_BIT(DG_CONTAINERS), 1);
	/* Containers from a description: every group they may touch. */
	groups("/v4.0.0/libpod/play/kube", LP | described, 1);
	groups("/v4.0.0/libpod/kube/play", LP | described, 1);
	groups("/v4.0.0/libpod/kube/apply", LP | described, 1);
	groups("/v5.6.0/libpod/quadlets", LP | described, 1);
	/* Always allowed, as their Docker twins. */
	target("/v4.0.0/libpod/_ping", DG_PING, 0, 1);
	target("/v4.0.0/libpod/info", DG_INFO, 0, 1);
	target("/v4.0.0/libpod/version", DG_VERSION, 0, 1);
	/* libpod alone: no twin, no work of a group; not twice. */
	target("/v4.0.0/libpod/swagger", DG_LIBPOD, 0, 1);
	groups("/v4.0.0/libpod/swagger", LP, 1);
	groups("/v4.0.0/libpod/libpod/volumes/create", LP, 1);
	groups("/v4.0.0/libpod", LP, 1);
	/* Only in front: a container named "libpod" is a container. */
	groups("/v1.41/containers/libpod/json", DG_BIT(DG_CONTAINERS), 0);
	groups("/v1.41/whatever", DG_BIT(DG_OTHER), 0);
#undef LP
}

/* May METHOD go to URL under P? */
static int
allowed(const struct docker_policy *p, const char *method, const char *url,
    char *why, size_t whylen)
{
	struct docker_target t;

	docker_target_parse(url, strlen(url), &t);
	return docker_policy_check(p, method, docker_method_bit(method), &t, why,
	    whylen);
}

static void
policy_of(struct docker_policy *p, const char *const *allow,
    const char *const *deny)
{
	char err[256];

	memset(p, 0, sizeof *p);
	for (; allow != NULL && *allow != NULL; allow++)
		assert_int_equal(docker_policy_add(p, 0, *allow, err, sizeof err),
		    0);
	for (; deny != NULL && *deny != NULL; deny++)
		assert_int_equal(docker_policy_add(p, 1, *deny, err, sizeof err), 0);
}

/* Every group's deny and allow cover podman's own API as well. */
static void
test_libpod_policy(void **state)
{
	static const char *const volumes[] = { "volumes", NULL };
	static const char *const exec[] = { "exec", NULL };
	static const char *const containers[] = { "containers", NULL };
	static const char *const libpod[] = { "libpod", NULL };
	static const char *const post_images[] = { "POST images", NULL };
	struct docker_policy p;
	char why[256];

	policy_of(&p, NULL, volumes);
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/volumes/create", why,
	    sizeof why));
	assert_string_equal(why, "POST requests to the volumes endpoints of "
	    "podman's libpod API are not allowed by this socket's policy");
	assert_false(allowed(&p, "DELETE", "/v4.0.0/libpod/volumes/v", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/play/kube", why,
	    sizeof why));
	assert_true(allowed(&p, "POST", "/v4.0.0/libpod/containers/create", why,
	    sizeof why));
	assert_true(allowed(&p, "GET", "/v4.0.0/libpod/_ping", why, sizeof why));

	policy_of(&p, NULL, exec);
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/containers/c/exec", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/exec/e/start", why,
	    sizeof why));
	assert_string_equal(why, "POST requests to the exec endpoints of "
	    "podman's libpod API are not allowed by this socket's policy");
	assert_true(allowed(&p, "POST", "/v4.0.0/libpod/containers/c/start", why,
	    sizeof why));

	policy_of(&p, NULL, post_images);
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/images/pull", why,
	    sizeof why));
	assert_true(allowed(&p, "GET", "/v4.0.0/libpod/images/json", why,
	    sizeof why));

	/* "libpod" denies podman's own API as a whole, and nothing else. */
	policy_of(&p, NULL, libpod);
	assert_false(allowed(&p, "GET", "/v4.0.0/libpod/containers/json", why,
	    sizeof why));
	assert_string_equal(why, "GET requests to the libpod endpoints are not "
	    "allowed by this socket's policy");
	assert_true(allowed(&p, "GET", "/v1.41/containers/json", why,
	    sizeof why));
	assert_true(allowed(&p, "GET", "/v4.0.0/libpod/_ping", why, sizeof why));

	/* An allow list names each group an endpoint is in... */
	policy_of(&p, containers, NULL);
	assert_true(allowed(&p, "POST", "/v4.0.0/libpod/containers/create", why,
	    sizeof why));
	assert_true(allowed(&p, "POST", "/v4.0.0/libpod/pods/create", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/volumes/create", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/containers/c/exec", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/play/kube", why,
	    sizeof why));
	assert_string_equal(why, "POST requests to the images endpoints of "
	    "podman's libpod API are not allowed by this socket's policy");
	assert_false(allowed(&p, "GET", "/v4.0.0/libpod/swagger", why,
	    sizeof why));
	assert_string_equal(why, "GET requests to the libpod endpoints are not "
	    "allowed by this socket's policy");
	/* ... or "libpod" allows podman's API, but what deny names. */
	policy_of(&p, libpod, volumes);
	assert_true(allowed(&p, "POST", "/v4.0.0/libpod/containers/c/exec", why,
	    sizeof why));
	assert_true(allowed(&p, "GET", "/v4.0.0/libpod/swagger", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v4.0.0/libpod/volumes/create", why,
	    sizeof why));
	assert_false(allowed(&p, "POST", "/v1.41/containers/c/exec", why,
	    sizeof why));
}

/* The framing check on its own: whole heads only, a stop at each
 * request's end until http-parser ends it at the same byte. */
static void
test_frame(void **state)
{
#define REQ1 "GET /_ping HTTP/1.1\r\n\r\n"
#define REQ2 "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
#define REQ3 "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" \
	"3\r\nabc\r\n0\r\n\r\n"
	static const char reqs[] = REQ1 REQ2 REQ3;
	const unsigned char *buf = (const unsigned char *)reqs;
	struct docker_frame *fr = docker_frame_new();
	size_t ok, first = sizeof REQ1 - 1, second = first + sizeof REQ2 - 1;
	size_t third = sizeof reqs - 1;
	char why[320];

	assert_non_null(fr);
	/* Part of a head: nothing. */
	assert_int_equal(docker_frame_check(fr, buf, 10, 0, &ok, why,
	    sizeof why), 0);
	assert_int_equal(ok, 0);
	/* The first request, and no further until its end is confirmed. */
	assert_int_equal(docker_frame_check(fr, buf, third, 0, &ok, why,
	    sizeof why), 0);
	assert_int_equal(ok, first);
	assert_int_equal(docker_frame_ends_at(fr, first), 1);
	/* http-parser ending it elsewhere is a disagreement. */
	assert_int_equal(docker_frame_end(fr, first - 1), -1);
	assert_int_equal(docker_frame_end(fr, first), 0);
	/* An end reported twice is the same end. */
	assert_int_equal(docker_frame_end(fr, first), 0);
	assert_int_equal(docker_frame_check(fr, buf, third, first, &ok, why,
	    sizeof why), 0);
	assert_int_equal(ok, second);
	/* The view moved on: offsets follow. */
	docker_frame_advance(fr, first);
	assert_int_equal(docker_frame_end(fr, second - first), 0);
	assert_int_equal(docker_frame_check(fr, buf + first, third - first,
	    second - first, &ok, why, sizeof why), 0);
	assert_int_equal(ok, third - first);
	assert_string_equal(docker_frame_method(fr), "POST");
	assert_string_equal(docker_frame_target(fr), "/x");
	assert_int_equal(docker_frame_end(fr, third - first + 1), -1);
	assert_int_equal(docker_frame_end(fr, third - first), 0);
	/* A new head: no request line yet. */
	assert_string_equal(docker_frame_method(fr), "");
	docker_frame_free(fr);

	/* A refusal comes once what was checked before it is parsed. */
	fr = docker_frame_new();
	assert_non_null(fr);
	assert_int_equal(docker_frame_check(fr, (const unsigned char *)
	    "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nADD /x\r\n",
	    56, 0, &ok, why, sizeof why), 0);
	assert_int_equal(ok, 48);
	assert_int_equal(docker_frame_check(fr, (const unsigned char *)
	    "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nADD /x\r\n",
	    56, 48, &ok, why, sizeof why), -1);
	assert_string_equal(why, "chunk-size line \"ADD /x\" is not hex digits "
	    "with an optional \";\" extension");
	docker_frame_free(fr);
}

/* A path too long to read whole is judged by its start, and so is not
 * canonical: its end could be "/exec". */
static void
test_long_target(void **state)
{
	static char url[3000];
	struct docker_target t;

	memset(url, 'a', sizeof url);
	memcpy(url, "/containers/", 12);
	memcpy(url + sizeof url - 5, "/exec", 5);
	docker_target_parse(url, sizeof url, &t);
	assert_int_equal(t.canonical, 0);
}

static void
test_policy(void **state)
{
	struct docker_policy p;
	struct docker_target t;
	char why[256], err[256];

	memset(&p, 0, sizeof p);
	docker_target_parse("/v1.41/exec/e/start", 19, &t);
	assert_int_equal(docker_policy_check(&p, "POST", DM_POST, &t, why,
	    sizeof why), 1);
	assert_int_equal(docker_policy_add(&p, 0, "get *", err, sizeof err), 0);
	assert_int_equal(docker_policy_add(&p, 0, "containers", err, sizeof err),
	    0);
	assert_int_equal(docker_policy_add(&p, 1, "* exec", err, sizeof err), 0);
	assert_int_equal(docker_policy_add(&p, 1, "DELETE  containers", err,
	    sizeof err), 0);
	assert_int_equal(docker_policy_check(&p, "GET", DM_GET, &t, why,
	    sizeof why), 0);
	assert_string_equal(why, "GET requests to the exec endpoints are not "
	    "allowed by this socket's policy");
	docker_target_parse("/images/json", 12, &t);
	assert_int_equal(docker_policy_check(&p, "GET", DM_GET, &t, why,
	    sizeof why), 1);
	assert_int_equal(docker_policy_check(&p, "POST", DM_POST, &t, why,
	    sizeof why), 0);
	docker_target_parse("/containers/c/stop", 18, &t);
	assert_int_equal(docker_policy_check(&p, "POST", DM_POST, &t, why,
	    sizeof why), 1);
	docker_target_parse("/containers/c", 13, &t);
	assert_int_equal(docker_policy_check(&p, "DELETE", DM_DELETE, &t, why,
	    sizeof why), 0);
	docker_target_parse("/v1.41/info", 11, &t);
	assert_int_equal(docker_policy_check(&p, "GET", DM_GET, &t, why,
	    sizeof why), 1);
	docker_target_parse("/v1.41/../exec/x", 16, &t);
	assert_int_equal(docker_policy_check(&p, "GET", DM_GET, &t, why,
	    sizeof why), 0);
	assert_non_null(strstr(why, "canonical"));
	/* Unknown endpoints are refused under an allow list but "*"... */
	docker_target_parse("/foo", 4, &t);
	assert_int_equal(docker_policy_check(&p, "POST", DM_POST, &t, why,
	    sizeof why), 0);
	assert_int_equal(docker_policy_check(&p, "GET", DM_GET, &t, why,
	    sizeof why), 1);
	assert_int_equal(docker_policy_add(&p, 0, "PATCH x", err, sizeof err), -1);
	assert_int_equal(docker_policy_add(&p, 0, " exec", err, sizeof err), -1);
	assert_int_equal(docker_policy_add(&p, 0, "exe", err, sizeof err), -1);
	assert_int_equal(docker_method_bit("PATCH"), DM_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drive_rule),
		cmocka_unit_test(test_drive_rule_to_wsl),
		cmocka_unit_test(test_custom_root_and_rules),
		cmocka_unit_test(test_wsl_conf),
		cmocka_unit_test(test_create_bodies),
		cmocka_unit_test(test_bodies_to_wsl),
		cmocka_unit_test(test_clean_paths),
		cmocka_unit_test(test_other_bodies),
		cmocka_unit_test(test_relative_sources),
		cmocka_unit_test(test_jscan),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_libpod_targets),
		cmocka_unit_test(test_libpod_policy),
		cmocka_unit_test(test_long_target),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
