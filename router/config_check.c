/*
 * The config loader's checking helpers: error lines, setting types,
 * unknown keys, paths and relay groups, shared by globals and routes.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "expand.h"

static void
config_errors_push(struct config_ctx *ctx, char *line)
{
	struct config_errors *errs = ctx->errs;
	char **nlines = NULL;

	if (line == NULL) {
		ctx->oom = 1;
		return;
	}
	nlines = realloc(errs->lines, (errs->n + 1) * sizeof *nlines);
	if (nlines == NULL) {
		ctx->oom = 1;
		free(line);
		return;
	}
	errs->lines = nlines;
	errs->lines[errs->n++] = line;
}

static void
config_verr(struct config_ctx *ctx, const char *file, unsigned line,
    const char *label, const char *fmt, va_list ap)
{
	char *msg = NULL, *full = NULL;
	char where[32] = "";

	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		goto out;
	}
	if (line > 0)
		snprintf(where, sizeof where, ":%u", line);
	if (asprintf(&full, "%s%s: %s%s%s", file != NULL ? file : "(config)",
	    where, label != NULL ? label : "", label != NULL ? ": " : "",
	    msg) < 0)
		full = NULL;
out:
	config_errors_push(ctx, full);
	free(msg);
}

void
config_err(struct config_ctx *ctx, const char *file, unsigned line,
    const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verr(ctx, file, line, label, fmt, ap);
	va_end(ap);
}

void
config_err_at(struct config_ctx *ctx, const config_setting_t *s,
    const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verr(ctx, config_setting_source_file(s),
	    config_setting_source_line(s), label, fmt, ap);
	va_end(ap);
}

const char *
config_file_of(const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : "(config)";
}

const char *
config_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "an unknown type";
	}
}

/* Edit distance, to suggest the key a typo was meant to be. */
static size_t
config_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t row[64];

	if (la >= 64 || lb >= 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

int
config_check_key(struct config_ctx *ctx, const config_setting_t *m,
    const char *prefix, const char *const *keys, const char *label,
    const char *hint)
{
	const char *name = config_setting_name(m), *guess = NULL;
	size_t d, best = 3; /* farther than two edits is not a typo */
	int k;

	for (k = 0; keys[k] != NULL; k++) {
		if (strcmp(name, keys[k]) == 0)
			return 0;
	}
	for (k = 0; hint == NULL && keys[k] != NULL; k++) {
		d = config_distance(name, keys[k]);
		if (d < best) {
			best = d;
			guess = keys[k];
		}
	}
	if (hint != NULL)
		config_err_at(ctx, m, label, "unknown setting \"%s%s\" (%s)",
		    prefix, name, hint);
	else if (guess != NULL)
		config_err_at(ctx, m, label,
		    "unknown setting \"%s%s\" (did you mean \"%s%s\"?)",
		    prefix, name, prefix, guess);
	else
		config_err_at(ctx, m, label, "unknown setting \"%s%s\"", prefix,
		    name);
	return 1;
}

int
config_check_keys(struct config_ctx *ctx, const config_setting_t *group,
    const char *prefix, const char *const *keys, const char *label,
    const char *hint)
{
	int i, n = 0, len = config_setting_length(group);

	for (i = 0; i < len; i++)
		n += config_check_key(ctx,
		    config_setting_get_elem(group, (unsigned)i), prefix, keys,
		    label, hint);
	return n;
}

/*
 * Spell the absolute PATH one way, in place, so that paths compare equal
 * when they name the same file: "//" and "/./" become "/", a trailing "/"
 * or "/." goes. ".." is refused rather than resolved: whether "a/.." is
 * the folder of "a" depends on symlinks, which a lexical rule cannot see.
 * Returns 0, or -1 when PATH has a ".." component.
 */
static int
config_path_normalise(char *path)
{
	char *r = path, *w = path;
	size_t n;

	while (*r != '\0') {
		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (n == 2 && r[0] == '.' && r[1] == '.')
			return -1;
		if (n > 0 && !(n == 1 && r[0] == '.')) {
			*w++ = '/';
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
	return 0;
}

/* The text of the non-empty string setting S, or NULL after reporting. */
static const char *
config_get_string(struct config_ctx *ctx, const config_setting_t *s,
    const char *key, const char *label)
{
	const char *v = NULL;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err_at(ctx, s, label, "\"%s\" must be a string, not %s",
		    key, config_type_name(s));
		return NULL;
	}
	v = config_setting_get_string(s);
	if (*v == '\0') {
		config_err_at(ctx, s, label, "\"%s\" must not be empty", key);
		return NULL;
	}
	return v;
}

char *
config_dup_string(struct config_ctx *ctx, const config_setting_t *s,
    const char *key, const char *label)
{
	const char *v = config_get_string(ctx, s, key, label);
	char *d = NULL;

	if (v != NULL && (d = strdup(v)) == NULL)
		ctx->oom = 1;
	return d;
}

int
config_get_path(struct config_ctx *ctx, const config_setting_t *s,
    const char *key, const char *label, char **out)
{
	const char *raw = NULL;
	char *path = NULL;
	char err[256];
	int rc = -1;

	if ((raw = config_get_string(ctx, s, key, label)) == NULL)
		goto out;
	path = expand_path(raw, err, sizeof err);
	if (path == NULL) {
		config_err_at(ctx, s, label, "%s \"%s\": %s", key, raw, err);
		goto out;
	}
	/* Under WSL the natural mistake is the relay's Windows path. */
	if (isalpha((unsigned char)path[0]) && path[1] == ':' &&
	    (path[2] == '/' || path[2] == '\\')) {
		config_err_at(ctx, s, label, "%s \"%s\" is a Windows path; "
		    "write the path WSL sees, such as /mnt/c/... (wslpath -u "
		    "prints it)", key, path);
		goto out;
	}
	/*
	 * Relative paths would depend on the router's working directory, and
	 * for relay.path on relay.cwd; children are not looked up in PATH.
	 */
	if (path[0] != '/') {
		config_err_at(ctx, s, label, "%s \"%s\" is not an absolute path",
		    key, path);
		goto out;
	}
	if (config_path_normalise(path) != 0) {
		config_err_at(ctx, s, label, "%s \"%s\" has a \"..\" component; "
		    "write the folder it means", key, path);
		goto out;
	}
	*out = path;
	path = NULL;
	rc = 0;
out:
	free(path);
	return rc;
}

int
config_parse_relay(struct config_ctx *ctx, const config_setting_t *s,
    const char *label, struct relay_conf *relay)
{
	static const char *const keys[] = { "path", "cwd", NULL };
	const config_setting_t *m = NULL;
	char *v = NULL;
	int n = 0;

	if (!config_setting_is_group(s)) {
		config_err_at(ctx, s, label,
		    "\"relay\" must be a group like { path = \"...\"; }, not %s",
		    config_type_name(s));
		return 1;
	}
	n += config_check_keys(ctx, s, "relay.", keys, label, NULL);

	if ((m = config_setting_get_member(s, "path")) != NULL) {
		if (config_get_path(ctx, m, "relay.path", label, &v) == 0) {
			free(relay->path);
			relay->path = v;
		} else
			n++;
	}
	v = NULL;
	if ((m = config_setting_get_member(s, "cwd")) != NULL) {
		if (config_get_path(ctx, m, "relay.cwd", label, &v) == 0) {
			free(relay->cwd);
			relay->cwd = v;
		} else
			n++;
	}
	return n;
}
