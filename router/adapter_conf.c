/*
 * What plugins read their options with (the conf_* members of struct
 * npr_host): the route's "adapter" group handed out as opaque
 * struct npr_setting pointers, so the plugin ABI carries no type of the
 * config library and plugins do not link it. Every error is placed at its
 * setting's FILE:LINE here, by the same code as the router's own.
 */
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter_priv.h"
#include "config_priv.h"

/*
 * An npr_setting is a libconfig setting under another name: the pointer
 * converts both ways and is never dereferenced as an npr_setting.
 */
static const config_setting_t *
adapter_cs(const struct npr_setting *s)
{
	return (const config_setting_t *)(const void *)s;
}

static const struct npr_setting *
adapter_ns(const config_setting_t *s)
{
	return (const struct npr_setting *)(const void *)s;
}

const struct npr_setting *
adapter_conf_setting(const struct config_setting_t *s)
{
	return adapter_ns(s);
}

void
adapter_conf_error(struct npr_conf *conf, const struct npr_setting *at,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_err_at(conf->ctx, at != NULL ? adapter_cs(at) : conf->group,
	    conf->label, "%s", msg);
	conf->nerrors++;
}

int
adapter_conf_check_keys(struct npr_conf *conf, const struct npr_setting *group,
    const char *const *keys)
{
	const char **all = NULL;
	size_t i, n = 0;
	int bad;

	if (group == NULL || !config_setting_is_group(adapter_cs(group)))
		return 0;
	while (keys != NULL && keys[n] != NULL)
		n++;
	if ((all = calloc(n + 2, sizeof *all)) == NULL) {
		conf->ctx->oom = 1;
		conf->nerrors++;
		return 1;
	}
	all[0] = "name";
	for (i = 0; i < n; i++)
		all[i + 1] = keys[i];
	bad = config_check_keys(conf->ctx, adapter_cs(group), "adapter.", all,
	    conf->label, NULL);
	conf->nerrors += (unsigned)bad;
	free(all);
	return bad;
}

const char *
adapter_conf_type_name(const struct npr_setting *s)
{
	return s != NULL ? config_type_name(adapter_cs(s)) : "nothing";
}

enum npr_setting_type
adapter_conf_type(const struct npr_setting *s)
{
	if (s == NULL)
		return NPR_SETTING_OTHER;
	switch (config_setting_type(adapter_cs(s))) {
	case CONFIG_TYPE_STRING:
		return NPR_SETTING_STRING;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return NPR_SETTING_INT;
	case CONFIG_TYPE_BOOL:
		return NPR_SETTING_BOOL;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		return NPR_SETTING_LIST;
	case CONFIG_TYPE_GROUP:
		return NPR_SETTING_GROUP;
	default:
		return NPR_SETTING_OTHER;
	}
}

const struct npr_setting *
adapter_conf_member(const struct npr_setting *group, const char *key)
{
	if (group == NULL || key == NULL ||
	    !config_setting_is_group(adapter_cs(group)))
		return NULL;
	return adapter_ns(config_setting_get_member(adapter_cs(group), key));
}

unsigned
adapter_conf_count(const struct npr_setting *s)
{
	if (s == NULL || !config_setting_is_aggregate(adapter_cs(s)))
		return 0;
	return (unsigned)config_setting_length(adapter_cs(s));
}

const struct npr_setting *
adapter_conf_elem(const struct npr_setting *s, unsigned i)
{
	if (s == NULL || !config_setting_is_aggregate(adapter_cs(s)) ||
	    i >= (unsigned)config_setting_length(adapter_cs(s)))
		return NULL;
	return adapter_ns(config_setting_get_elem(adapter_cs(s), i));
}

const char *
adapter_conf_name(const struct npr_setting *s)
{
	const config_setting_t *parent = NULL;

	if (s == NULL)
		return NULL;
	/* libconfig names list elements after nothing; groups' members only. */
	parent = config_setting_parent(adapter_cs(s));
	if (parent == NULL || !config_setting_is_group(parent))
		return NULL;
	return config_setting_name(adapter_cs(s));
}

const char *
adapter_conf_string(const struct npr_setting *s)
{
	if (s == NULL || config_setting_type(adapter_cs(s)) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(adapter_cs(s));
}

int
adapter_conf_int(const struct npr_setting *s, long long *v)
{
	if (adapter_conf_type(s) != NPR_SETTING_INT)
		return -1;
	*v = config_setting_get_int64(adapter_cs(s));
	return 0;
}

int
adapter_conf_bool(const struct npr_setting *s, int *v)
{
	if (adapter_conf_type(s) != NPR_SETTING_BOOL)
		return -1;
	*v = config_setting_get_bool(adapter_cs(s)) != 0;
	return 0;
}
