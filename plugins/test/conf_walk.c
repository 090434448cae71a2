/*
 * Test-only: walks every key of its adapter group with the host's conf_*
 * accessors (nested groups and lists included) and reports each setting
 * it finds as a config error describing it, so the unit tests can check
 * every accessor and the FILE:LINE the host puts in front. It never
 * accepts its options.
 */
#include <stdio.h>
#include <string.h>

#include <npiperouter/adapter.h>

/* Append a description of S to BUF: "int 5", "list [string "a"]", ... */
static void
walk_describe(const struct npr_host *host, const struct npr_setting *s,
    char *buf, size_t len)
{
	size_t off = strlen(buf);
	long long i;
	unsigned k, n;
	int b;

	if (off >= len - 1)
		return;
	switch (host->conf_type(s)) {
	case NPR_SETTING_STRING:
		snprintf(buf + off, len - off, "string \"%s\"",
		    host->conf_string(s));
		break;
	case NPR_SETTING_INT:
		if (host->conf_int(s, &i) == 0 && host->conf_bool(s, &b) != 0 &&
		    host->conf_string(s) == NULL)
			snprintf(buf + off, len - off, "int %lld", i);
		break;
	case NPR_SETTING_BOOL:
		if (host->conf_bool(s, &b) == 0 && host->conf_int(s, &i) != 0)
			snprintf(buf + off, len - off, "bool %d", b);
		break;
	case NPR_SETTING_LIST:
	case NPR_SETTING_GROUP:
		n = host->conf_count(s);
		snprintf(buf + off, len - off, "%s", host->conf_type(s) ==
		    NPR_SETTING_LIST ? "list [" : "group {");
		for (k = 0; k < n; k++) {
			off = strlen(buf);
			if (host->conf_name(host->conf_elem(s, k)) != NULL)
				snprintf(buf + off, len - off, "%s%s=", k ? ", " : "",
				    host->conf_name(host->conf_elem(s, k)));
			else
				snprintf(buf + off, len - off, "%s", k ? ", " : "");
			walk_describe(host, host->conf_elem(s, k), buf, len);
		}
		off = strlen(buf);
		snprintf(buf + off, len - off, "%s", host->conf_elem(s, n) == NULL ?
		    (host->conf_type(s) == NPR_SETTING_LIST ? "]" : "}") : "?");
		break;
	default:
		snprintf(buf + off, len - off, "other (%s)",
		    host->conf_type_name(s));
		break;
	}
}

static int
walk_configure(const struct npr_host *host, struct npr_conf *conf,
    const struct npr_setting *group, const char *route, void **route_state)
{
	const struct npr_setting *m = NULL;
	char desc[512];
	unsigned i, n = host->conf_count(group);

	for (i = 0; i < n; i++) {
		m = host->conf_elem(group, i);
		if (strcmp(host->conf_name(m), "name") == 0)
			continue;
		if (host->conf_member(group, host->conf_name(m)) != m)
			host->conf_error(conf, m, "conf_member disagrees");
		desc[0] = '\0';
		walk_describe(host, m, desc, sizeof desc);
		host->conf_error(conf, m, "%s: %s", host->conf_name(m), desc);
	}
	if (host->conf_member(group, "nosuch") != NULL ||
	    host->conf_member(host->conf_member(group, "name"), "x") != NULL)
		host->conf_error(conf, group, "conf_member found what is not there");
	return -1;
}

static enum npr_verdict
walk_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	*n = NPR_PASS_ALL;
	return NPR_PASS;
}

static const struct npr_adapter walk_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "conf-walk",
	.configure = walk_configure,
	.data = walk_data,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &walk_adapter;
}
