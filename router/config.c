/*
 * Loading the configuration: the main file, then every .conf file in
 * routes.d/ beside it, collecting every problem instead of stopping.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"
#include "expand.h"
#include "trust.h"
#include "version.h"

#define CONFIG_SHUTDOWN_TIMEOUT_LIMIT 3600
#define CONFIG_DROPIN_DIR "routes.d"

/*
 * Config files are parsed from memory, at most this big: libconfig's
 * scanner takes quadratic time over long strings (10 MB: 20 s with the
 * daemon frozen in a reload), and a route file is a few hundred bytes.
 */
#define CONFIG_FILE_MAX (1024 * 1024)

static const char *const config_main_keys[] = { "plugin_dir",
	"shutdown_timeout", "relay", "routes", NULL };

/* Directory part of FILE with its trailing "/", or "" for a bare name. */
static char *
config_dir_prefix(const char *file)
{
	const char *slash = strrchr(file, '/');

	return strndup(file, slash != NULL ? (size_t)(slash - file) + 1 : 0);
}

static const char *
config_file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

/*
 * Read FILE into memory, NUL-terminated. Only a regular file (a symlink
 * to one is fine) of at most CONFIG_FILE_MAX bytes: a FIFO would block
 * the event loop in open() or read(), a device or /proc/self/mem would
 * make libconfig's scanner exit(2) on a read error, killing the daemon.
 * O_NONBLOCK keeps open() of a FIFO from waiting for a writer; fstat()
 * then judges the file that was opened, not a name.
 */
static char *
config_file_slurp(const char *file, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, ok = 0;

	if ((fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot read: %s; only regular files are "
		    "read", config_file_kind(st.st_mode));
		goto out;
	}
	/* It says which programs run (relay.path) and as whom: only what
	 * no other user could have written (see trust.h). */
	if (trust_check_fd(fd, file, err, errlen) != 0)
		goto out;
	if (st.st_size > CONFIG_FILE_MAX)
		goto too_big;
	if ((buf = malloc(CONFIG_FILE_MAX + 2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* The size may lie (/proc) or change: read one byte past the cap. */
	while (len <= CONFIG_FILE_MAX) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read: %s",
			    strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len > CONFIG_FILE_MAX)
		goto too_big;
	/* libconfig would stop at a NUL and ignore the rest silently. */
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "cannot read: the file holds a NUL byte; "
		    "config files are text");
		goto out;
	}
	buf[len] = '\0';
	ok = 1;
	goto out;
too_big:
	snprintf(err, errlen, "cannot read: the file is larger than 1 MiB; "
	    "config files are limited to 1 MiB (%d bytes)", CONFIG_FILE_MAX);
out:
	if (fd != -1)
		close(fd);
	if (!ok) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* libconfig's own limit on nested @include. */
#define CONFIG_INCLUDE_DEPTH_MAX 10

/*
 * libconfig opens @include files itself, with fopen(), and has no hook
 * for it: check each one the way our own files are checked (and what it
 * includes in turn) before libconfig gets to it. TEXT is FILE's content;
 * DIR is libconfig's include dir. A name could still be swapped between
 * the check and libconfig's open, but only by someone who may write the
 * config: this guards against mistakes, not against that.
 */
static int
config_check_includes(struct config_ctx *ctx, const char *file,
    const char *text, const char *dir, int depth)
{
	const char *p = text, *start = NULL, *end = NULL;
	char *path = NULL, *inc = NULL, err[512];
	unsigned line = 0;
	int rc = 0;

	for (; *p != '\0' && rc == 0; p = *end != '\0' ? end + 1 : end) {
		line++;
		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		/* The scanner's rule: "@include" at the start of a line, after
		 * blanks, then blanks and a quoted name. */
		p += strspn(p, " \t");
		if (strncmp(p, "@include", 8) != 0 ||
		    (p[8] != ' ' && p[8] != '\t'))
			continue;
		p += 8 + strspn(p + 8, " \t");
		if (*p != '"' || (start = memchr(p + 1, '"', (size_t)(end - p - 1)))
		    == NULL)
			continue; /* libconfig reports the syntax */
		if (depth >= CONFIG_INCLUDE_DEPTH_MAX) {
			config_err(ctx, file, line, NULL, "@include nested more "
			    "than %d deep", CONFIG_INCLUDE_DEPTH_MAX);
			rc = -1;
			break;
		}
		/* As libconfig 1.5 forms it, even for an absolute name. */
		if (asprintf(&path, "%s/%.*s", dir, (int)(start - p - 1),
		    p + 1) < 0) {
			path = NULL;
			ctx->oom = 1;
			rc = -1;
			break;
		}
		if ((inc = config_file_slurp(path, err, sizeof err)) == NULL) {
			config_err(ctx, file, line, NULL, "@include \"%s\": %s",
			    path, err);
			rc = -1;
		} else {
			rc = config_check_includes(ctx, path, inc, dir,
			    depth + 1);
		}
		free(inc);
		inc = NULL;
		free(path);
		path = NULL;
	}
	return rc;
}

/* Settings parsed from memory have no file: give them NAME, for the
 * FILE:LINE of every message. Those from an @include keep theirs. */
static void
config_tree_name(config_setting_t *s, const char *name)
{
	int i, len;

	if (s->file == NULL)
		s->file = name;
	if (!config_setting_is_aggregate(s))
		return;
	len = config_setting_length(s);
	for (i = 0; i < len; i++)
		config_tree_name(config_setting_get_elem(s, (unsigned)i), name);
}

/*
 * Parse BUF, the text of FILE, into a tree kept in cfg->trees. Returns
 * NULL after reporting a syntax error.
 */
static config_t *
config_text_read(struct config_ctx *ctx, const char *file, const char *buf)
{
	struct config_trees *trees = ctx->cfg->trees;
	config_t *tree = NULL, **nv = NULL;
	const char *text = NULL, *efile = NULL;
	char *dir = NULL, *name = NULL, **nn = NULL;
	int ok = 0;

	if ((tree = calloc(1, sizeof *tree)) == NULL ||
	    (name = strdup(file)) == NULL) {
		ctx->oom = 1;
		goto out;
	}
	config_init(tree);
	if ((dir = config_dir_prefix(file)) == NULL) {
		ctx->oom = 1;
		goto out;
	}
	/* @include "x" means beside this file, not in our working directory. */
	config_set_include_dir(tree, *dir != '\0' ? dir : ".");
	if (config_check_includes(ctx, file, buf, config_get_include_dir(tree),
	    0) != 0)
		goto out;
	if (!config_read_string(tree, buf)) {
		text = config_error_text(tree);
		efile = config_error_file(tree) != NULL ?
		    config_error_file(tree) : file;
		if (config_error_type(tree) == CONFIG_ERR_FILE_IO)
			config_err(ctx, efile, 0, NULL, "cannot read: %s",
			    text != NULL ? text : "I/O error");
		else if (text == NULL || strcmp(text, "syntax error") == 0)
			/* Not "syntax error: syntax error". */
			config_err(ctx, efile, (unsigned)config_error_line(tree),
			    NULL, "syntax error");
		else
			config_err(ctx, efile, (unsigned)config_error_line(tree),
			    NULL, "syntax error: %s", text);
		goto out;
	}
	config_tree_name(config_root_setting(tree), name);
	if ((nv = realloc(trees->v, (trees->n + 1) * sizeof *nv)) == NULL) {
		ctx->oom = 1;
		goto out;
	}
	trees->v = nv;
	if ((nn = realloc(trees->names, (trees->n + 1) * sizeof *nn)) == NULL) {
		ctx->oom = 1;
		goto out;
	}
	trees->names = nn;
	trees->v[trees->n] = tree;
	trees->names[trees->n++] = name;
	name = NULL;
	ok = 1;
out:
	if (!ok)
		ctx->any_file_failed = 1;
	if (!ok && tree != NULL) {
		config_destroy(tree);
		free(tree);
		tree = NULL;
	}
	free(name);
	free(dir);
	return tree;
}

/*
 * Parse FILE into a tree kept in cfg->trees. Returns NULL after
 * reporting when the file cannot be read or has a syntax error.
 */
static config_t *
config_file_read(struct config_ctx *ctx, const char *file)
{
	config_t *tree = NULL;
	char *buf = NULL, err[512];

	if ((buf = config_file_slurp(file, err, sizeof err)) == NULL) {
		config_err(ctx, file, 0, NULL, "%s", err);
		ctx->any_file_failed = 1;
		return NULL;
	}
	tree = config_text_read(ctx, file, buf);
	free(buf);
	return tree;
}

static void
config_parse_routes(struct config_ctx *ctx, const config_setting_t *s)
{
	int i, len;

	if (!config_setting_is_list(s)) {
		config_err_at(ctx, s, NULL, "\"routes\" must be a list "
		    "( { ... }, { ... } ), not %s", config_type_name(s));
		ctx->routes_bad = 1;
		return;
	}
	len = config_setting_length(s);
	for (i = 0; i < len; i++)
		config_route_parse(ctx, config_setting_get_elem(s, (unsigned)i),
		    (unsigned)i + 1, &ctx->cfg->relay);
}

static void
config_parse_timeout(struct config_ctx *ctx, const config_setting_t *s)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		config_err_at(ctx, s, NULL, "\"shutdown_timeout\" must be a "
		    "positive number of seconds, not %s", config_type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (v <= 0)
		config_err_at(ctx, s, NULL, "\"shutdown_timeout\" must be a "
		    "positive number of seconds");
	else if (v > CONFIG_SHUTDOWN_TIMEOUT_LIMIT)
		config_err_at(ctx, s, NULL, "\"shutdown_timeout\" is %lld; the "
		    "limit is %d", v, CONFIG_SHUTDOWN_TIMEOUT_LIMIT);
	else
		ctx->cfg->shutdown_timeout = (unsigned)v;
}

/* The environment wins so tests can use adapters from the build tree. */
static void
config_pick_plugin_dir(struct config_ctx *ctx)
{
	const char *env = getenv("NPIPEROUTER_PLUGIN_DIR");
	char *dir = NULL;

	if (env != NULL && *env != '\0')
		dir = strdup(env);
	else if (ctx->cfg->plugin_dir != NULL)
		return;
	else
		dir = strdup(NPR_PLUGIN_DIR);
	if (dir == NULL) {
		ctx->oom = 1;
		return;
	}
	free(ctx->cfg->plugin_dir);
	ctx->cfg->plugin_dir = dir;
}

/* Globals first: every route, wherever it is, merges over them. */
static void
config_parse_main(struct config_ctx *ctx, config_t *tree)
{
	const config_setting_t *root = config_root_setting(tree), *s = NULL;
	char *dir = NULL;

	config_check_keys(ctx, root, "", config_main_keys, NULL, NULL);
	if ((s = config_setting_get_member(root, "plugin_dir")) != NULL) {
		if (config_get_path(ctx, s, "plugin_dir", NULL, &dir) == 0)
			ctx->cfg->plugin_dir = dir;
		else
			ctx->plugin_dir_bad = 1;
	}
	/* Routes load their adapters from it as they are parsed. */
	config_pick_plugin_dir(ctx);
	if ((s = config_setting_get_member(root, "shutdown_timeout")) != NULL)
		config_parse_timeout(ctx, s);
	if ((s = config_setting_get_member(root, "relay")) != NULL)
		ctx->global_relay_bad = config_parse_relay(ctx, s, NULL,
		    &ctx->cfg->relay) != 0;
	if ((s = config_setting_get_member(root, "routes")) != NULL)
		config_parse_routes(ctx, s);
}

static void
config_parse_dropin(struct config_ctx *ctx, config_t *tree)
{
	const config_setting_t *root = config_root_setting(tree), *s = NULL;
	int i, len = config_setting_length(root);

	for (i = 0; i < len; i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		if (strcmp(config_setting_name(s), "routes") == 0)
			config_parse_routes(ctx, s);
		else
			config_err_at(ctx, s, NULL, "\"%s\" is not allowed in a "
			    CONFIG_DROPIN_DIR " file; only \"routes\" is",
			    config_setting_name(s));
	}
}

static int
config_dropin_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	/* Like the shell's *.conf: hidden files (editors' leftovers) are out. */
	return d->d_name[0] != '.' && len > 5 &&
	    strcmp(d->d_name + len - 5, ".conf") == 0;
}

/* Byte order, not the locale's: the order must not depend on LANG. */
static int
config_dropin_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
config_load_dropins(struct config_ctx *ctx, const char *main_file)
{
	struct dirent **names = NULL;
	struct stat st;
	config_t *tree = NULL;
	char *prefix = NULL, *dir = NULL, *file = NULL;
	char err[512];
	int i, n = -1, fd = -1;

	if ((prefix = config_dir_prefix(main_file)) == NULL ||
	    asprintf(&dir, "%s" CONFIG_DROPIN_DIR, prefix) < 0) {
		dir = NULL;
		ctx->oom = 1;
		goto out;
	}
	/* Whoever may add a file here may add routes: the folder is judged
	 * like the files (scandir by name after the check: every folder
	 * above it was checked too, so nobody else can swap it). */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			config_err(ctx, dir, 0, NULL, "cannot read: %s",
			    strerror(errno));
		goto out;
	}
	if (trust_check_fd(fd, dir, err, sizeof err) != 0) {
		config_err(ctx, dir, 0, NULL, "%s", err);
		ctx->any_file_failed = 1;
		goto out;
	}
	n = scandir(dir, &names, config_dropin_filter, config_dropin_compare);
	if (n < 0) {
		if (errno != ENOENT)
			config_err(ctx, dir, 0, NULL, "cannot read: %s",
			    strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&file, "%s/%s", dir, names[i]->d_name) < 0) {
			file = NULL;
			ctx->oom = 1;
			goto out;
		}
		/* A directory that happens to be called x.conf is not a file. */
		if (stat(file, &st) != 0 || !S_ISDIR(st.st_mode)) {
			if ((tree = config_file_read(ctx, file)) != NULL)
				config_parse_dropin(ctx, tree);
		}
		free(file);
		file = NULL;
	}
out:
	if (fd != -1)
		close(fd);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(file);
	free(dir);
	free(prefix);
}

/*
 * Load FILE, or TEXT in its place when TEXT is not NULL (built-in routes:
 * TEXT named TEXT_NAME in messages, FILE only places routes.d), then the
 * drop-ins beside FILE.
 */
static int
config_load_common(const char *file, const char *text_name, const char *text,
    int dropins, struct config **cfgp, struct config_errors *errs)
{
	struct config_ctx ctx;
	config_t *tree = NULL;
	size_t nerrs = errs->n;
	int rc = -1;

	memset(&ctx, 0, sizeof ctx);
	ctx.errs = errs;
	*cfgp = NULL;
	if ((ctx.cfg = calloc(1, sizeof *ctx.cfg)) == NULL ||
	    (ctx.cfg->trees = calloc(1, sizeof *ctx.cfg->trees)) == NULL ||
	    (ctx.cfg->file = strdup(file)) == NULL) {
		ctx.oom = 1;
		goto out;
	}
	ctx.cfg->shutdown_timeout = CONFIG_DEFAULT_SHUTDOWN_TIMEOUT;
	ctx.cfg->refs = 1;
	ctx.cfg->builtin = text != NULL;

	tree = text != NULL ? config_text_read(&ctx, text_name, text) :
	    config_file_read(&ctx, file);
	if (tree != NULL) {
		config_parse_main(&ctx, tree);
	} else {
		/* Its relay is unknown, not missing: don't blame every route. */
		ctx.global_relay_bad = 1;
		config_pick_plugin_dir(&ctx);
	}
	/* A syntax error stops only its own file; a missing one stops all. */
	if (dropins && (tree != NULL || access(file, F_OK) == 0))
		config_load_dropins(&ctx, file);

	/* Not when routes were there but unreadable: that is reported. Built-in
	 * routes may all be absent: the router waits for a reload then. */
	if (ctx.nentries == 0 && !ctx.any_file_failed && !ctx.routes_bad &&
	    !ctx.oom && text == NULL)
		config_err(&ctx, file, 0, NULL, "no routes configured (add a "
		    "\"routes\" list here or a *.conf file in "
		    CONFIG_DROPIN_DIR "/)");
	if (ctx.oom)
		config_err(&ctx, file, 0, NULL, "out of memory");
	if (errs->n != nerrs || ctx.oom)
		goto out;
	for (size_t i = 0; i < ctx.cfg->nroutes; i++)
		ctx.cfg->routes[i].cfg = ctx.cfg;
	*cfgp = ctx.cfg;
	ctx.cfg = NULL;
	rc = 0;
out:
	free(ctx.pos);
	config_free(ctx.cfg);
	return rc;
}

int
config_load(const char *file, struct config **cfgp,
    struct config_errors *errs)
{
	return config_load_common(file, NULL, NULL, 1, cfgp, errs);
}

int
config_load_text(const char *file, const char *name, const char *text,
    struct config **cfgp, struct config_errors *errs)
{
	return config_load_common(file, name, text, 1, cfgp, errs);
}

int
config_check_text(const char *name, const char *text,
    struct config_errors *errs)
{
	struct config *cfg = NULL;
	int rc = config_load_common(name, name, text, 0, &cfg, errs);

	config_free(cfg);
	return rc;
}

struct config *
config_ref(struct config *cfg)
{
	cfg->refs++;
	return cfg;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	/* 0 only for a config_load() that failed half-way. */
	if (cfg->refs > 1) {
		cfg->refs--;
		return;
	}
	for (i = 0; i < cfg->nroutes; i++)
		config_route_free(&cfg->routes[i]);
	free(cfg->routes);
	for (i = 0; cfg->trees != NULL && i < cfg->trees->n; i++) {
		config_destroy(cfg->trees->v[i]);
		free(cfg->trees->v[i]);
	}
	for (i = 0; cfg->trees != NULL && i < cfg->trees->n; i++)
		free(cfg->trees->names[i]);
	if (cfg->trees != NULL) {
		free(cfg->trees->v);
		free(cfg->trees->names);
	}
	free(cfg->trees);
	free(cfg->file);
	free(cfg->plugin_dir);
	free(cfg->relay.path);
	free(cfg->relay.cwd);
	free(cfg);
}

void
config_errors_free(struct config_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->lines[i]);
	free(errs->lines);
	errs->lines = NULL;
	errs->n = 0;
}

char *
config_default_path(void)
{
	struct passwd pw, *pwp = NULL;
	const char *base = NULL;
	char pwbuf[4096];
	char *path = NULL;

	if (getuid() == 0)
		return strdup("/etc/npiperouter/npiperouter.conf");
	/* The XDG spec says a relative $XDG_CONFIG_HOME is to be ignored. */
	base = getenv("XDG_CONFIG_HOME");
	if (base != NULL && base[0] == '/') {
		if (asprintf(&path, "%s/npiperouter/npiperouter.conf", base) < 0)
			path = NULL;
		return path;
	}
	base = getenv("HOME");
	if (base == NULL || *base == '\0') {
		if (getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &pwp) != 0 ||
		    pwp == NULL)
			return NULL;
		base = pw.pw_dir;
	}
	if (asprintf(&path, "%s/.config/npiperouter/npiperouter.conf",
	    base) < 0)
		path = NULL;
	return path;
}

/* Append to BUF like snprintf, never past LEN, keeping *OFF in bounds. */
static void __attribute__((format(printf, 4, 5)))
route_cat(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*off = (size_t)n >= len - *off ? len - 1 : *off + (size_t)n;
}

void
config_route_summary(const struct route_conf *r, char *buf, size_t len)
{
	struct group gr, *grp = NULL;
	char grbuf[4096];
	size_t off = 0, i;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	if (r->expose_pipe != NULL) {
		/* The other way round: Windows clients reach a Linux socket. */
		route_cat(buf, len, &off, "%s: %s (exposed%s) -> %s via %s",
		    r->name, r->expose_pipe, r->expose_sddl != NULL ?
		    ", own sddl" : "", r->connect_path, r->relay.path != NULL ?
		    r->relay.path : "(no relay)");
		goto tail;
	}
	route_cat(buf, len, &off, "%s: %s (mode %04o", r->name,
	    r->listen_path, (unsigned)r->listen_mode);
	if (r->has_group) {
		if (getgrgid_r(r->listen_gid, &gr, grbuf, sizeof grbuf, &grp) == 0
		    && grp != NULL)
			route_cat(buf, len, &off, ", group %s", grp->gr_name);
		else
			route_cat(buf, len, &off, ", group %u",
			    (unsigned)r->listen_gid);
	}
	route_cat(buf, len, &off, ") -> %s via %s", r->pipe,
	    r->relay.path != NULL ? r->relay.path : "(no relay)");
	for (i = 0; i < r->relay_nargs; i++) {
		/* Quote what a shell would split, so the line reads back right. */
		if (r->relay_args[i][0] == '\0' ||
		    strpbrk(r->relay_args[i], " \t\"'") != NULL)
			route_cat(buf, len, &off, " \"%s\"", r->relay_args[i]);
		else
			route_cat(buf, len, &off, " %s", r->relay_args[i]);
	}
tail:
	route_cat(buf, len, &off, " [adapter %s, %s, max %u]",
	    r->adapter != NULL ? r->adapter : "raw",
	    r->mode == ROUTE_MODE_MUX ? "mux" : r->mode == ROUTE_MODE_AUTO ?
	    "auto" : "spawn", r->max_connections);
}
