/*
 * The docker adapter's API policy, in the spirit of docker-socket-proxy:
 * request targets sorted into endpoint groups (containers, images, exec,
 * ...) and a route's allow and deny entries "GROUP" or "METHOD GROUP".
 * Podman's own API ("/libpod/...") falls into the same groups as its
 * Docker-compatible twin, and into "libpod" too; an endpoint that does
 * the work of several groups (podman's kube play) is in each of them.
 * _ping, version and info are always allowed. Pure functions.
 */
#ifndef NPR_DOCKER_POLICY_H
#define NPR_DOCKER_POLICY_H

#include <stddef.h>

#include "docker_body.h"

enum docker_group {
	DG_PING, DG_VERSION, DG_INFO, /* always allowed */
	DG_CONTAINERS, DG_IMAGES, DG_EXEC, DG_BUILD, DG_VOLUMES, DG_NETWORKS,
	DG_SYSTEM, DG_EVENTS, DG_AUTH, DG_COMMIT, DG_DISTRIBUTION, DG_PLUGINS,
	DG_SWARM, DG_NODES, DG_SERVICES, DG_TASKS, DG_SECRETS, DG_CONFIGS,
	DG_SESSION, DG_GRPC, DG_LIBPOD,
	DG_OTHER, /* anything else: only "*" names it */
	DG_COUNT
};

/* Methods as bits; DM_OTHER stands for every method not listed. */
#define DM_GET 0x01u
#define DM_HEAD 0x02u
#define DM_POST 0x04u
#define DM_PUT 0x08u
#define DM_DELETE 0x10u
#define DM_OTHER 0x20u
#define DM_ANY 0x3fu

/* The bit of group G in a set of groups. */
#define DG_BIT(g) (1u << (g))

/* A request target as the policy and the path rewriting see it. */
struct docker_target {
	enum docker_group group; /* the first of GROUPS, or "libpod", "other" */
	unsigned groups;         /* DG_BIT() of each group it belongs to */
	int libpod;    /* podman's own API: "libpod" is in GROUPS too */
	enum docker_body_kind body; /* a POST to it may carry bind sources */
	int canonical; /* no ".", ".." or empty segments, no %00 */
};

struct docker_policy {
	int active;    /* any entry at all */
	int has_allow; /* then only what an allow entry names passes */
	unsigned allow[DG_COUNT];
	unsigned deny[DG_COUNT];
};

const char *docker_group_name(enum docker_group);
/* The bit of METHOD ("GET", ...), DM_OTHER for any other. */
unsigned docker_method_bit(const char *method);

/*
 * Sort the request target URL (LEN bytes: origin form "/v1.41/..." or
 * absolute form) into T. Percent-escapes in the path are decoded first.
 */
void docker_target_parse(const char *url, size_t len, struct docker_target *t);

/*
 * Add ENTRY ("containers", "GET images", "DELETE *", "* exec") to P's
 * allow (DENY 0) or deny list. Returns 0, or -1 with the reason in ERR.
 */
int docker_policy_add(struct docker_policy *p, int deny, const char *entry,
    char *err, size_t errlen);

/*
 * May a request with METHOD (its bit MBIT) to T pass? A deny entry for
 * any of T's groups refuses it; with allow entries, every group of T
 * must be allowed, or "libpod" for a path of podman's own API. Returns
 * 1, or 0 with the reason, as the client will read it, in WHY.
 */
int docker_policy_check(const struct docker_policy *p, const char *method,
    unsigned mbit, const struct docker_target *t, char *why, size_t whylen);

#endif
