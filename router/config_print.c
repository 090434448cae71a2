/*
 * `npiperouter config --print`: the configuration in force as one file,
 * for a user who wants to start editing from it. The parsed trees are
 * copied setting by setting (the main file's globals, then the routes of
 * the main file and of every routes.d file in load order) and written by
 * libconfig itself, so the output is libconfig's own syntax and quoting
 * and every key a route has, whoever added it, comes along. Values are as
 * written (${VAR} and ~ unexpanded), so the file means the same where
 * `check` reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static int config_print_copy(config_setting_t *parent, const char *name,
    const config_setting_t *from);

/* Copy the members (or elements) of FROM into TO, which has its type. */
static int
config_print_members(config_setting_t *to, const config_setting_t *from)
{
	const config_setting_t *e = NULL;
	int i, len = config_setting_length(from);

	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(from, (unsigned)i);
		if (config_print_copy(to, config_setting_is_group(from) ?
		    config_setting_name(e) : NULL, e) != 0)
			return -1;
	}
	return 0;
}

static int
config_print_copy(config_setting_t *parent, const char *name,
    const config_setting_t *from)
{
	config_setting_t *to = NULL;
	int type = config_setting_type(from), ok = 1;

	if ((to = config_setting_add(parent, name, type)) == NULL)
		return -1;
	switch (type) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		return config_print_members(to, from);
	case CONFIG_TYPE_INT:
		ok = config_setting_set_int(to, config_setting_get_int(from));
		break;
	case CONFIG_TYPE_INT64:
		ok = config_setting_set_int64(to,
		    config_setting_get_int64(from));
		break;
	case CONFIG_TYPE_FLOAT:
		ok = config_setting_set_float(to,
		    config_setting_get_float(from));
		break;
	case CONFIG_TYPE_BOOL:
		ok = config_setting_set_bool(to, config_setting_get_bool(from));
		break;
	case CONFIG_TYPE_STRING:
		ok = config_setting_set_string(to,
		    config_setting_get_string(from));
		break;
	default:
		return -1;
	}
	/* 0x10 stays hex (and a mode written 0660 is a string anyway). */
	config_setting_set_format(to, config_setting_get_format(from));
	return ok ? 0 : -1;
}

int
config_print(const struct config *cfg, FILE *out, char *err, size_t errlen)
{
	const config_setting_t *root = NULL, *s = NULL, *routes = NULL;
	config_setting_t *oroot = NULL, *oroutes = NULL;
	config_t tree;
	FILE *mem = NULL;
	char *text = NULL;
	size_t t, tlen = 0;
	int i, len, rc = -1;

	config_init(&tree);
	oroot = config_root_setting(&tree);
	if (cfg->trees == NULL || cfg->trees->n == 0) {
		snprintf(err, errlen, "nothing was loaded");
		goto out;
	}
	root = config_root_setting(cfg->trees->v[0]);
	len = config_setting_length(root);
	for (i = 0; i < len; i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		if (strcmp(config_setting_name(s), "routes") != 0 &&
		    config_print_copy(oroot, config_setting_name(s), s) != 0)
			goto oom;
	}
	if ((oroutes = config_setting_add(oroot, "routes",
	    CONFIG_TYPE_LIST)) == NULL)
		goto oom;
	for (t = 0; t < cfg->trees->n; t++) {
		routes = config_setting_get_member(
		    config_root_setting(cfg->trees->v[t]), "routes");
		if (routes != NULL && config_print_members(oroutes, routes) != 0)
			goto oom;
	}
	/* Through memory: libconfig leaves the last line unended. */
	if ((mem = open_memstream(&text, &tlen)) == NULL)
		goto oom;
	config_write(&tree, mem);
	if (fclose(mem) != 0)
		goto oom;
	fputs(text, out);
	if (tlen > 0 && text[tlen - 1] != '\n')
		fputc('\n', out);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "cannot write the configuration");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(text);
	config_destroy(&tree);
	return rc;
}

int
config_print_dropins(const struct config *cfg)
{
	return cfg->trees != NULL && cfg->trees->n > 1;
}
