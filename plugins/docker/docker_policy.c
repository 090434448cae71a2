/*
 * Endpoint groups and the allow/deny policy of the docker adapter (see
 * docker_policy.h). The group of a request is the first segment of its
 * path after the optional API version ("/v1.41"), or after "libpod" for
 * podman's own API; "/containers/ID/exec" creates an exec instance and
 * so belongs to "exec", like "/exec/ID/...".
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "docker_policy.h"
#include "hex.h"

/* Decoded paths longer than this are judged by their start only. */
#define DOCKER_TARGET_MAX 2048

static const char *const docker_group_names[DG_COUNT] = {
	[DG_PING] = "_ping",
	[DG_VERSION] = "version",
	[DG_INFO] = "info",
	[DG_CONTAINERS] = "containers",
	[DG_IMAGES] = "images",
	[DG_EXEC] = "exec",
	[DG_BUILD] = "build",
	[DG_VOLUMES] = "volumes",
	[DG_NETWORKS] = "networks",
	[DG_SYSTEM] = "system",
	[DG_EVENTS] = "events",
	[DG_AUTH] = "auth",
	[DG_COMMIT] = "commit",
	[DG_DISTRIBUTION] = "distribution",
	[DG_PLUGINS] = "plugins",
	[DG_SWARM] = "swarm",
	[DG_NODES] = "nodes",
	[DG_SERVICES] = "services",
	[DG_TASKS] = "tasks",
	[DG_SECRETS] = "secrets",
	[DG_CONFIGS] = "configs",
	[DG_SESSION] = "session",
	[DG_GRPC] = "grpc",
	[DG_LIBPOD] = "libpod",
	[DG_OTHER] = "other",
};

static const struct {
	const char *name;
	unsigned bit;
} docker_methods[] = {
	{ "GET", DM_GET }, { "HEAD", DM_HEAD }, { "POST", DM_POST },
	{ "PUT", DM_PUT }, { "DELETE", DM_DELETE },
};

const char *
docker_group_name(enum docker_group g)
{
	return (unsigned)g < DG_COUNT ? docker_group_names[g] : "other";
}

unsigned
docker_method_bit(const char *method)
{
	size_t i;

	for (i = 0; i < sizeof docker_methods / sizeof docker_methods[0]; i++) {
		if (strcmp(method, docker_methods[i].name) == 0)
			return docker_methods[i].bit;
	}
	return DM_OTHER;
}

/* The path of URL, percent-decoded into OUT; returns its length. */
static size_t
docker_target_path(const char *url, size_t len, char *out, size_t outlen,
    int *truncated)
{
	const char *p = url, *end = url + len, *scheme = NULL;
	size_t n = 0;
	int hi, lo;

	/* Absolute form "http://host/path": the path starts after the host. */
	if (len > 0 && url[0] != '/' &&
	    (scheme = memchr(url, ':', len)) != NULL &&
	    (size_t)(end - scheme) >= 3 && scheme[1] == '/' && scheme[2] == '/') {
		p = scheme + 3;
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++;
		if (p == end || *p != '/')
			out[n++] = '/';
	}
	*truncated = 0;
	for (; p < end && *p != '?' && *p != '#'; p++) {
		if (n + 1 >= outlen) {
			*truncated = 1;
			break;
		}
		if (*p == '%' && end - p >= 3 && (hi = hex_digit(p[1])) >= 0 &&
		    (lo = hex_digit(p[2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			p += 2;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	return n;
}

/*
 * An API version segment as the engines' routers take it: dockerd's
 * "v{version:[0-9.]+}" and podman's "v{version:[0-9][0-9A-Za-z.-]*}",
 * so "v1.41.", "v1..41", "v1.41a" and "v1.41-x" too. Their union and a
 * little more ("v.x"): read wider, a segment only moves a request from
 * "other", which no engine routes, to the group it names.
 */
static int
docker_is_version(const char *seg, size_t len)
{
	size_t i;

	if (len < 2 || seg[0] != 'v' || !((seg[1] >= '0' && seg[1] <= '9') ||
	    seg[1] == '.'))
		return 0;
	for (i = 2; i < len; i++) {
		if (!((seg[i] >= '0' && seg[i] <= '9') || (seg[i] >= 'a' &&
		    seg[i] <= 'z') || (seg[i] >= 'A' && seg[i] <= 'Z') ||
		    seg[i] == '.' || seg[i] == '-'))
			return 0;
	}
	return 1;
}

static int
docker_seg_is(const char *seg, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(seg, word, len) == 0;
}

/* The segments of a path that the groups are read from. */
#define DOCKER_SEGS 5

struct docker_segs {
	const char *seg[DOCKER_SEGS];
	size_t len[DOCKER_SEGS];
	int n;              /* all of them, even past DOCKER_SEGS */
	const char *last;   /* the last one */
	size_t lastlen;
	int truncated;      /* the path was too long to read whole */
};

static int
docker_segs_is(const struct docker_segs *sg, int i, const char *word)
{
	return i < sg->n && i < DOCKER_SEGS &&
	    docker_seg_is(sg->seg[i], sg->len[i], word);
}

/* The group named by segment I ("other" for none, never "libpod"). */
static enum docker_group
docker_named_group(const struct docker_segs *sg, int i)
{
	int g;

	for (g = 0; g < DG_OTHER; g++) {
		if (g != DG_LIBPOD && docker_segs_is(sg, i, docker_group_names[g]))
			return (enum docker_group)g;
	}
	return DG_OTHER;
}

/*
 * Podman's kube play and apply, and its quadlets, make containers from a
 * description that can also pull and build images and make volumes,
 * networks and secrets: they belong to all of these groups.
 */
#define DG_DESCRIBED (DG_BIT(DG_CONTAINERS) | DG_BIT(DG_IMAGES) | \
	DG_BIT(DG_BUILD) | DG_BIT(DG_VOLUMES) | DG_BIT(DG_NETWORKS) | \
	DG_BIT(DG_SECRETS))

/*
 * The groups of podman's own endpoints, the segments after "libpod" from
 * I on (pkg/api/server/register_*.go): those with a Docker twin are in
 * its group, the rest where their work is. 0: in "libpod" alone
 * (swagger, and any path podman may add).
 */
static unsigned
docker_libpod_groups(const struct docker_segs *sg, int i)
{
	enum docker_group g = docker_named_group(sg, i);

	if (g != DG_OTHER)
		return DG_BIT(g);
	if (docker_segs_is(sg, i, "local"))       /* local/build, local/images/load */
		return docker_segs_is(sg, i + 1, "build") ? DG_BIT(DG_BUILD) :
		    docker_segs_is(sg, i + 1, "images") ? DG_BIT(DG_IMAGES) : 0;
	if (docker_segs_is(sg, i, "pods") || docker_segs_is(sg, i, "generate") ||
	    (docker_segs_is(sg, i, "kube") && docker_segs_is(sg, i + 1,
	    "generate")))
		return DG_BIT(DG_CONTAINERS);
	if (docker_segs_is(sg, i, "kube") || docker_segs_is(sg, i, "play") ||
	    docker_segs_is(sg, i, "quadlets"))
		return DG_DESCRIBED;
	if (docker_segs_is(sg, i, "manifests") ||
	    docker_segs_is(sg, i, "artifacts"))
		return DG_BIT(DG_IMAGES);
	return 0;
}

/* Which bind sources a POST to the path of SG from segment I carries. */
static enum docker_body_kind
docker_target_body(const struct docker_segs *sg, int i)
{
	int n = sg->n - i;

	if (sg->truncated)
		return DB_NONE;
	if (n == 2 && docker_segs_is(sg, i + 1, "create")) {
		if (docker_segs_is(sg, i, "containers"))
			return i == 0 ? DB_CONTAINER : DB_LIBPOD;
		if (docker_segs_is(sg, i, "volumes"))
			return DB_VOLUME;
		if (i == 0 && docker_segs_is(sg, i, "services"))
			return DB_SERVICE;
	}
	/* dockerd's "/services/{id}/update". */
	if (i == 0 && n == 3 && docker_segs_is(sg, 0, "services") &&
	    docker_segs_is(sg, 2, "update"))
		return DB_SERVICE;
	return DB_NONE;
}

/* T's groups from the segments SG. */
static void
docker_target_groups(const struct docker_segs *sg, struct docker_target *t)
{
	int i = 0, g;

	t->libpod = docker_segs_is(sg, 0, "libpod");
	if (t->libpod) {
		i = 1;
		t->groups = DG_BIT(DG_LIBPOD) | docker_libpod_groups(sg, 1);
	} else if ((g = docker_named_group(sg, 0)) != DG_OTHER)
		t->groups = DG_BIT(g);
	/* dockerd's "/containers/{name:.*}/exec": the name may hold "/";
	 * podman's "/libpod/containers/{name}/exec" too, read as widely. */
	if (docker_segs_is(sg, i, "containers") && sg->n >= i + 3 &&
	    (docker_segs_is(sg, i + 2, "exec") || (!sg->truncated &&
	    docker_seg_is(sg->last, sg->lastlen, "exec"))))
		t->groups = (t->groups & ~DG_BIT(DG_CONTAINERS)) | DG_BIT(DG_EXEC);
	t->body = docker_target_body(sg, i);
	/* The group named in messages: the first one it belongs to. */
	t->group = DG_OTHER;
	for (g = 0; g < DG_COUNT; g++) {
		if (g != DG_LIBPOD && (t->groups & DG_BIT(g))) {
			t->group = (enum docker_group)g;
			return;
		}
	}
	if (t->libpod)
		t->group = DG_LIBPOD;
	else
		t->groups = DG_BIT(DG_OTHER);
}

void
docker_target_parse(const char *url, size_t len, struct docker_target *t)
{
	char path[DOCKER_TARGET_MAX];
	struct docker_segs sg;
	const char *p = NULL;
	size_t n, l;
	int truncated;

	memset(t, 0, sizeof *t);
	memset(&sg, 0, sizeof sg);
	t->group = DG_OTHER;
	t->groups = DG_BIT(DG_OTHER);
	n = docker_target_path(url, len, path, sizeof path, &truncated);
	sg.truncated = truncated;
	/* A path too long to read whole could end in anything ("exec"). */
	t->canonical = n > 0 && path[0] == '/' && memchr(path, '\0', n) == NULL &&
	    !truncated;
	/* Split into segments; only the first few matter. */
	p = path;
	while (p < path + n) {
		if (*p != '/') {
			t->canonical = 0; /* a "%00" cut the path short */
			break;
		}
		p++;
		l = strcspn(p, "/");
		/* An empty segment is only allowed as a trailing "/". */
		if ((l == 0 && p < path + n) || docker_seg_is(p, l, ".") ||
		    docker_seg_is(p, l, ".."))
			t->canonical = 0;
		/* The version is not a segment of its own. */
		if (!(p == path + 1 && docker_is_version(p, l)) && l > 0) {
			if (sg.n < DOCKER_SEGS) {
				sg.seg[sg.n] = p;
				sg.len[sg.n] = l;
			}
			sg.n++;
			sg.last = p;
			sg.lastlen = l;
		}
		p += l;
	}
	if (sg.n == 0)
		return;
	docker_target_groups(&sg, t);
}

int
docker_policy_add(struct docker_policy *pol, int deny, const char *entry,
    char *err, size_t errlen)
{
	const char *sp = strchr(entry, ' '), *group = entry;
	unsigned mbits = DM_ANY, *set = deny ? pol->deny : pol->allow;
	char method[16];
	size_t mlen, i;
	int g;

	if (sp != NULL) {
		mlen = (size_t)(sp - entry);
		group = sp + strspn(sp, " ");
		if (mlen == 0 || mlen >= sizeof method) {
			snprintf(err, errlen, "\"%s\" is not \"GROUP\" or \"METHOD "
			    "GROUP\"", entry);
			return -1;
		}
		memcpy(method, entry, mlen);
		method[mlen] = '\0';
		if (strcmp(method, "*") != 0) {
			for (i = 0; i < mlen; i++)
				method[i] = (char)(method[i] >= 'a' && method[i] <= 'z' ?
				    method[i] - 'a' + 'A' : method[i]);
			if ((mbits = docker_method_bit(method)) == DM_OTHER) {
				snprintf(err, errlen, "\"%s\": unknown method \"%s\" "
				    "(known: GET, HEAD, POST, PUT, DELETE, *)", entry,
				    method);
				return -1;
			}
		}
	}
	if (strcmp(group, "*") == 0) {
		for (g = DG_CONTAINERS; g < DG_COUNT; g++)
			set[g] |= mbits;
		goto done;
	}
	for (g = DG_CONTAINERS; g < DG_OTHER; g++) {
		if (strcasecmp(group, docker_group_names[g]) == 0) {
			set[g] |= mbits;
			goto done;
		}
	}
	snprintf(err, errlen, "\"%s\": unknown endpoint group \"%s\" (known: "
	    "containers, images, exec, build, volumes, networks, system, "
	    "events, auth, commit, distribution, plugins, swarm, nodes, "
	    "services, tasks, secrets, configs, session, grpc, libpod, *)",
	    entry, group);
	return -1;
done:
	pol->active = 1;
	if (!deny)
		pol->has_allow = 1;
	return 0;
}

/* The first group of SET whose entries in LIST lack MBIT, or -1. */
static int
docker_policy_lacks(const unsigned *list, unsigned set, unsigned mbit)
{
	int g;

	for (g = 0; g < DG_COUNT; g++) {
		if ((set & DG_BIT(g)) && !(list[g] & mbit))
			return g;
	}
	return -1;
}

int
docker_policy_check(const struct docker_policy *pol, const char *method,
    unsigned mbit, const struct docker_target *t, char *why, size_t whylen)
{
	unsigned own = t->groups & ~DG_BIT(DG_LIBPOD);
	int g;

	if (!pol->active)
		return 1;
	/* The CLI asks these before anything else, even to print an error. */
	if (t->canonical && (t->group == DG_PING || t->group == DG_VERSION ||
	    t->group == DG_INFO))
		return 1;
	if (!t->canonical) {
		snprintf(why, whylen, "the path is not in canonical form, which "
		    "this socket's policy requires");
		return 0;
	}
	/* A deny entry of any of its groups refuses it ... */
	for (g = 0; g < DG_COUNT; g++) {
		if ((t->groups & DG_BIT(g)) && (pol->deny[g] & mbit))
			goto refused;
	}
	if (!pol->has_allow)
		return 1;
	/* ... and an allow list must name each of them, or "libpod" for
	 * podman's own API as a whole. */
	if (t->libpod && (pol->allow[DG_LIBPOD] & mbit))
		return 1;
	if ((g = docker_policy_lacks(pol->allow, own ? own : t->groups,
	    mbit)) < 0)
		return 1;
refused:
	snprintf(why, whylen, "%s requests to the %s endpoints%s are not "
	    "allowed by this socket's policy", method,
	    docker_group_name((enum docker_group)g),
	    t->libpod && g != DG_LIBPOD ? " of podman's libpod API" : "");
	return 0;
}
