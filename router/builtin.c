/*
 * The built-in routes (builtin.h): which Windows services exist, and the
 * config text that serves them.
 */
#include "builtin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "doctor.h"
#include "hex.h"
#include "interop.h"
#include "log.h"
#include "relay_probe.h"

/* What messages call the text that stands in for the missing file. */
#define BUILTIN_NAME "built-in routes"
/* How long Linux's gpgconf may take. */
#define BUILTIN_GPGCONF_TIMEOUT_MS 5000
/* Room for a quoted path in the text. */
#define BUILTIN_VALUE_MAX 1200

/* gpg's restricted "extra" socket lets these through (docs/adapters.md). */
#define BUILTIN_EXTRA_ALLOW "[ \"RESET\", \"OPTION\", \"GETINFO\", \"NOP\", " \
	"\"BYE\", \"HAVEKEY\", \"KEYINFO\", \"READKEY\", \"SIGKEY\", " \
	"\"SETKEY\", \"SETKEYDESC\", \"SETHASH\", \"PKSIGN\", \"PKDECRYPT\" ]"

/* One candidate route; LISTEN and PIPE are quoted libconfig strings. */
struct builtin_route {
	const char *name;
	char listen[BUILTIN_VALUE_MAX];
	char pipe[BUILTIN_VALUE_MAX];
	const char *relay_args;
	const char *adapter;
	int present;
	int outside; /* its paths are gpgconf's: checked alone first */
};

struct builtin_set {
	struct builtin_route v[4];
	size_t n;
};

int
builtin_quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen < 3)
		return -1;
	out[o++] = '"';
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return -1;
		if (o + 4 >= outlen)
			return -1;
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

int
builtin_gpgconf_value(const char *text, const char *key, char *out,
    size_t outlen)
{
	const char *p = text, *end = NULL;
	size_t klen = strlen(key), o = 0;
	int hi, lo;

	for (; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == ':')
			break;
	}
	if (*p == '\0')
		return -1;
	for (p += klen + 1; p < end && !(*p == '\r' && p + 1 == end); p++) {
		if (o + 1 >= outlen)
			return -1;
		if (*p != '%') {
			out[o++] = *p;
			continue;
		}
		if (end - p < 3 || (hi = hex_digit(p[1])) < 0 ||
		    (lo = hex_digit(p[2])) < 0)
			return -1;
		out[o++] = (char)(hi * 16 + lo);
		p += 2;
	}
	out[o] = '\0';
	for (size_t i = 0; i < o; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -1;
	}
	return o > 0 ? 0 : -1;
}

/* The route added, or NULL when its paths cannot be config text. */
static struct builtin_route *
builtin_add(struct builtin_set *set, const char *name, const char *listen,
    const char *pipe, const char *relay_args, const char *adapter)
{
	struct builtin_route *r = &set->v[set->n];

	memset(r, 0, sizeof *r);
	r->name = name;
	r->relay_args = relay_args;
	r->adapter = adapter;
	/* Both come from us or from gpgconf; a path a literal cannot hold
	 * is no route. */
	if (builtin_quote(listen, r->listen, sizeof r->listen) != 0 ||
	    builtin_quote(pipe, r->pipe, sizeof r->pipe) != 0) {
		log_info("built-in route \"%s\": skipped: its socket or pipe "
		    "path holds a control character or is too long", name);
		return NULL;
	}
	return &set->v[set->n++];
}

/* The route just added has the paths of gpgconf. */
static void
builtin_outside(struct builtin_route *r)
{
	if (r != NULL)
		r->outside = 1;
}

/*
 * Where Linux's gpg looks for KEY (agent-socket, agent-extra-socket):
 * what its gpgconf says, else the usual place under the runtime folder.
 * -1 when gpgconf's path holds "${", which the config text cannot say:
 * a listen path's "${VAR}" is expanded (a GNUPGHOME so named).
 */
static int
builtin_linux_gpg(const char *dirs, const char *key, const char *fallback,
    char *out, size_t outlen)
{
	if (dirs == NULL || builtin_gpgconf_value(dirs, key, out, outlen) != 0
	    || out[0] != '/')
		snprintf(out, outlen, "%s", fallback);
	else if (strstr(out, "${") != NULL)
		return -1;
	return 0;
}

/* Gpg4win's sockets, from gpgconf.exe over interop. */
static void
builtin_find_gpg(struct builtin_set *set)
{
	const char *exe = getenv("NPIPEROUTER_GPGCONF_EXE");
	const char *wargv[] = { NULL, "--list-dirs", NULL };
	const char *launch[] = { NULL, "--launch", "gpg-agent", NULL };
	char *largv[] = { (char *)"gpgconf", (char *)"--list-dirs", NULL };
	char wdirs[8192], ldirs[8192], wout[1024], err[512];
	char agent[1024], extra[1024], lagent[1024], lextra[1024];
	int have_linux = 0, rc;

	if (!interop_available()) {
		log_info("built-in routes \"gpg-agent\", \"gpg-agent-extra\": "
		    "skipped: no WSL interop to ask Gpg4win's gpgconf.exe");
		return;
	}
	/* NPIPEROUTER_GPGCONF_EXE: which gpgconf.exe (tests, or one that is
	 * not on the Windows PATH). */
	wargv[0] = launch[0] = exe != NULL && *exe != '\0' ? exe :
	    "gpgconf.exe";
	if (interop_run(wargv, wdirs, sizeof wdirs, err, sizeof err) != 0) {
		log_info("built-in routes \"gpg-agent\", \"gpg-agent-extra\": "
		    "skipped: Gpg4win not found: %s", err);
		return;
	}
	/* Gpg4win starts its agent on demand, as gpg does on Linux: start it
	 * the documented way, so its socket file is there to be probed. */
	if (interop_run(launch, wout, sizeof wout, err, sizeof err) != 0)
		log_info("built-in route \"gpg-agent\": %s --launch gpg-agent: "
		    "%s", wargv[0], err);
	if (builtin_gpgconf_value(wdirs, "agent-socket", agent,
	    sizeof agent) != 0) {
		log_info("built-in routes \"gpg-agent\", \"gpg-agent-extra\": "
		    "skipped: %s --list-dirs names no agent-socket", wargv[0]);
		return;
	}
	/* Linux's gpg, if installed, says where it will look. */
	rc = capture_run(largv, NULL, BUILTIN_GPGCONF_TIMEOUT_MS, ldirs,
	    sizeof ldirs, err, sizeof err);
	have_linux = rc == 0;
	if (builtin_linux_gpg(have_linux ? ldirs : NULL, "agent-socket",
	    "${XDG_RUNTIME_DIR}/gnupg/S.gpg-agent", lagent,
	    sizeof lagent) != 0) {
		log_info("built-in routes \"gpg-agent\", \"gpg-agent-extra\": "
		    "skipped: gpgconf's agent-socket %s holds \"${\", which a "
		    "config path cannot say", lagent);
		return;
	}
	builtin_outside(builtin_add(set, "gpg-agent", lagent, agent,
	    "[ \"-ei\", \"-a\" ]", "{ name = \"assuan\"; }"));
	if (builtin_gpgconf_value(wdirs, "agent-extra-socket", extra,
	    sizeof extra) != 0) {
		log_info("built-in route \"gpg-agent-extra\": skipped: %s "
		    "--list-dirs names no agent-extra-socket", wargv[0]);
		return;
	}
	if (builtin_linux_gpg(have_linux ? ldirs : NULL, "agent-extra-socket",
	    "${XDG_RUNTIME_DIR}/gnupg/S.gpg-agent.extra", lextra,
	    sizeof lextra) != 0) {
		log_info("built-in route \"gpg-agent-extra\": skipped: "
		    "gpgconf's agent-extra-socket %s holds \"${\", which a "
		    "config path cannot say", lextra);
		return;
	}
	builtin_outside(builtin_add(set, "gpg-agent-extra", lextra, extra,
	    "[ \"-ei\", \"-a\" ]", "{ name = \"assuan\"; allow_commands = "
	    BUILTIN_EXTRA_ALLOW "; }"));
}

static void
builtin_candidates(struct builtin_set *set)
{
	set->n = 0;
	builtin_add(set, "docker", "${XDG_RUNTIME_DIR}/docker.sock",
	    "//./pipe/docker_engine", "[ \"-ep\", \"-s\", \"-p\" ]",
	    "{ name = \"docker\"; }");
	builtin_add(set, "ssh-agent", "${XDG_RUNTIME_DIR}/ssh-agent.sock",
	    "//./pipe/openssh-ssh-agent", "[ \"-ei\", \"-s\", \"-p\" ]",
	    "{ name = \"ssh-agent\"; }");
	builtin_find_gpg(set);
}

/* Which routes of a set builtin_text() writes: a route's index, or: */
#define BUILTIN_ALL ((size_t)-1)
#define BUILTIN_PRESENT ((size_t)-2)

/* The config text of SET's routes: WHICH (BUILTIN_*, or one index). */
static char *
builtin_text(const struct builtin_set *set, size_t which)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *sep = "";

	if (f == NULL)
		return NULL;
	fprintf(f, "# npiperouter: built-in routes, for the Windows services "
	    "found\n# (no config file; see npiperouter(1), BUILT-IN ROUTES)\n"
	    "routes = (\n");
	for (size_t i = 0; i < set->n; i++) {
		if (which == BUILTIN_PRESENT ? !set->v[i].present :
		    which != BUILTIN_ALL && which != i)
			continue;
		fprintf(f, "%s  { name = \"%s\";\n    listen = { path = %s; };\n"
		    "    pipe = %s;\n    relay_args = %s;\n    adapter = %s;\n"
		    "  }", sep, set->v[i].name, set->v[i].listen,
		    set->v[i].pipe, set->v[i].relay_args, set->v[i].adapter);
		sep = ",\n";
	}
	fprintf(f, "\n);\n");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* PATH is a socket of the config we serve. */
static int
builtin_served(const struct config *serving, const char *path)
{
	for (size_t i = 0; serving != NULL && i < serving->nroutes; i++) {
		if (strcmp(serving->routes[i].listen_path, path) == 0)
			return 1;
	}
	return 0;
}

/*
 * 1, with the folder of socket PATH in DIR, when that folder does not
 * exist: a gpg route whose socket folder Linux's gpg never made (gpgconf
 * --list-dirs names it without making it) would fail the whole instance
 * at listen time.
 */
static int
builtin_folder_missing(const char *path, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL || slash == path)
		return 0;
	snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
	return stat(dir, &st) != 0 && errno == ENOENT;
}

/*
 * Mark the routes of SET that exist, from one --probe of all of them
 * (CFG: SET loaded whole, its routes first, in order).
 */
static void
builtin_probe(struct builtin_set *set, const struct config *cfg,
    const struct builtin_opts *opts)
{
	struct relay_probe_result res[4];
	const struct route_conf *rc = NULL;
	const char *names[4];
	char err[1024], dir[1024];
	size_t i;

	for (i = 0; i < set->n; i++)
		names[i] = cfg->routes[i].pipe;
	if (relay_probe_run(&cfg->routes[0].relay, names, set->n, res, err,
	    sizeof err) != 0) {
		for (i = 0; i < set->n; i++)
			log_info("built-in route \"%s\": skipped: cannot probe "
			    "%s: %s", set->v[i].name, names[i], err);
		return;
	}
	for (i = 0; i < set->n; i++) {
		rc = &cfg->routes[i];
		if (res[i].state != RELAY_PROBE_PRESENT) {
			log_info("built-in route \"%s\": skipped: %s %s: %s",
			    set->v[i].name, rc->pipe,
			    res[i].state == RELAY_PROBE_ABSENT ? "absent" :
			    "cannot be probed", res[i].msg);
			continue;
		}
		if (builtin_folder_missing(rc->listen_path, dir, sizeof dir)) {
			log_info("built-in route \"%s\": skipped: %s is present, "
			    "but %s does not exist to hold its socket (for gpg: "
			    "gpgconf --create-socketdir, then npiperouter "
			    "reload)", set->v[i].name, rc->pipe, dir);
			continue;
		}
		if (opts->check_live &&
		    !builtin_served(opts->serving, rc->listen_path) &&
		    doctor_socket_answers(rc->listen_path)) {
			log_info("built-in route \"%s\": skipped: %s is present, "
			    "but something else answers on %s (see npiperouter "
			    "doctor)", set->v[i].name, rc->pipe,
			    rc->listen_path);
			continue;
		}
		log_debug("built-in route \"%s\": %s %s", set->v[i].name,
		    rc->pipe, res[i].msg);
		set->v[i].present = 1;
	}
}

/*
 * Drop the routes of SET with gpgconf's paths that the config rules
 * refuse (a ".." part, too long for a socket): one such route is
 * skipped, saying why, where it would fail every built-in route.
 */
static void
builtin_drop_refused(struct builtin_set *set)
{
	struct config_errors errs = { NULL, 0 };
	const char *why = NULL;
	char *text = NULL, tag[64];
	size_t i = 0;

	while (i < set->n) {
		if (!set->v[i].outside ||
		    (text = builtin_text(set, i)) == NULL ||
		    config_check_text(BUILTIN_NAME, text, &errs) == 0) {
			free(text);
			text = NULL;
			i++;
			continue;
		}
		/* "built-in routes:3: route "NAME": what": the what. */
		snprintf(tag, sizeof tag, "route \"%s\": ", set->v[i].name);
		why = errs.n > 0 ? errs.lines[0] : "refused";
		if (strstr(why, tag) != NULL)
			why = strstr(why, tag) + strlen(tag);
		log_info("built-in route \"%s\": skipped: %s", set->v[i].name,
		    why);
		config_errors_free(&errs);
		free(text);
		text = NULL;
		memmove(&set->v[i], &set->v[i + 1], (set->n - i - 1) *
		    sizeof *set->v);
		set->n--;
	}
}

static int
builtin_load(const char *file, const struct builtin_opts *opts,
    struct config **cfgp, struct config_errors *errs)
{
	struct builtin_set set;
	struct config *all = NULL;
	char *text = NULL;
	int rc = -1;

	builtin_candidates(&set);
	builtin_drop_refused(&set);
	/* Loaded whole first: the probe needs each route's relay as the
	 * config rules make it (relay.path's default), and a bad route is
	 * an error whether its service is there or not. */
	if ((text = builtin_text(&set, BUILTIN_ALL)) == NULL)
		goto oom;
	if (config_load_text(file, BUILTIN_NAME, text, &all, errs) != 0)
		goto out;
	builtin_probe(&set, all, opts);
	free(text);
	if ((text = builtin_text(&set, BUILTIN_PRESENT)) == NULL)
		goto oom;
	rc = config_load_text(file, BUILTIN_NAME, text, cfgp, errs);
	goto out;
oom:
	log_error("out of memory for the built-in routes");
out:
	config_free(all);
	free(text);
	return rc;
}

int
builtin_config_load(const char *file, int builtin_ok,
    const struct builtin_opts *opts, struct config **cfgp,
    struct config_errors *errs)
{
	int rc;

	if (builtin_ok && (opts->absent ||
	    (access(file, F_OK) != 0 && errno == ENOENT)))
		rc = builtin_load(file, opts, cfgp, errs);
	else
		rc = config_load(file, cfgp, errs);
	if (rc == 0)
		(*cfgp)->builtin_ok = builtin_ok;
	return rc;
}

int
builtin_config_reload(const struct config *cfg, struct config **cfgp,
    struct config_errors *errs)
{
	struct builtin_opts opts = { 1, cfg, 0 };

	return builtin_config_load(cfg->file, cfg->builtin_ok, &opts, cfgp,
	    errs);
}
