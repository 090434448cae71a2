/*
 * npr-docker-engine: a stand-in Docker engine for the docker adapter's
 * tests, speaking just enough of the Engine API for the real docker CLI
 * to run `docker create`, `docker inspect` and `docker exec -i` against
 * it, and for hand-made hijack requests. It exists because no real engine
 * can run containers on the test machines, and hijacked streams (attach,
 * exec) need a running container.
 *
 *   npr-docker-engine SOCKET LOG
 *
 * One process per connection, keep-alive, Content-Length bodies only.
 *   GET|HEAD /_ping, GET /version          what the CLI asks first
 *   POST /containers/create                stores the body's HostConfig;
 *   GET /containers/ID/json                returns it (docker inspect)
 *   POST /containers/ID/exec, GET /exec/ID/json
 *   POST /exec/ID/start (hijack)           reads stdin until EOF, then
 *        answers "echo: " + it as a stdout frame and half-closes
 *   POST /containers/ID/attach (hijack)    engine-first: writes a line,
 *        half-closes, then reads until the client's EOF
 *   POST /bench/upload                     reads and drops the body
 *   GET /bench/download?bytes=N[&chunked=1] N bytes (bench/docker.sh)
 * Everything a hijacked stream shows is written to LOG, one line each.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "peer.h"

#define HEAD_MAX 65536
#define BODY_MAX (1024 * 1024)

static const char *log_path;
/* The HostConfig of the last create: a file, each connection being a
 * process of its own. */
static char state_path[4096];

static void
note(const char *fmt, ...)
{
	FILE *fp = fopen(log_path, "a");
	va_list ap;

	if (fp == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	fclose(fp);
}

static void
reply(int fd, int status, const char *reason, const char *extra,
    const char *body, int head_only)
{
	char head[512];
	size_t blen = body ? strlen(body) : 0;
	int n;

	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\n"
	    "Ostype: linux\r\nServer: npr-docker-engine\r\n%sContent-Length: "
	    "%zu\r\n\r\n", status, reason, extra ? extra : "", blen);
	peer_write_all(fd, head, (size_t)n);
	if (!head_only && blen > 0)
		peer_write_all(fd, body, blen);
}

/* Read until EOF into a growing buffer; returns its length. */
static size_t
read_to_eof(int fd, char *pre, size_t prelen, char **out)
{
	size_t len = prelen, cap = prelen + 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (buf == NULL)
		exit(1);
	memcpy(buf, pre, prelen);
	for (;;) {
		if (cap - len < 4096 && (buf = realloc(buf, cap *= 2)) == NULL)
			exit(1);
		if ((n = read(fd, buf + len, cap - len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	return len;
}

#define UPGRADED "HTTP/1.1 101 UPGRADED\r\nContent-Type: " \
	"application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n" \
	"Upgrade: tcp\r\n\r\n"

/* exec start: stdin until EOF, then the echo, then our EOF. */
static void
hijack_exec(int fd, char *rest, size_t restlen)
{
	unsigned char frame[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	char *in = NULL, *out = NULL;
	size_t len, olen;

	peer_write_all(fd, UPGRADED, strlen(UPGRADED));
	len = read_to_eof(fd, rest, restlen, &in);
	note("exec: stdin ended after %zu bytes", len);
	olen = len + 6;
	if ((out = malloc(olen)) == NULL)
		exit(1);
	memcpy(out, "echo: ", 6);
	memcpy(out + 6, in, len);
	frame[4] = (unsigned char)(olen >> 24);
	frame[5] = (unsigned char)(olen >> 16);
	frame[6] = (unsigned char)(olen >> 8);
	frame[7] = (unsigned char)olen;
	peer_write_all(fd, frame, sizeof frame);
	peer_write_all(fd, out, olen);
	shutdown(fd, SHUT_WR);
	note("exec: answered %zu bytes and ended its side", olen);
	free(in);
	free(out);
}

/* attach: the engine speaks and ends first; the client goes on. */
static void
hijack_attach(int fd, char *rest, size_t restlen)
{
	static const char hello[] = "hello from the engine\n";
	char *in = NULL;
	size_t len;

	peer_write_all(fd, UPGRADED, strlen(UPGRADED));
	peer_write_all(fd, hello, strlen(hello));
	shutdown(fd, SHUT_WR);
	note("attach: engine side ended");
	len = read_to_eof(fd, rest, restlen, &in);
	note("attach: after the engine's end the client sent %zu bytes: %.*s",
	    len, (int)len, in);
	free(in);
}

static void
create(int fd, const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL), *hc = NULL;
	char *text = NULL;
	FILE *fp = NULL;

	if (j != NULL && (hc = json_object_get(j, "HostConfig")) != NULL)
		text = json_dumps(hc, JSON_COMPACT);
	note("create: HostConfig %s", text ? text : "(none)");
	if (text != NULL && (fp = fopen(state_path, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
	free(text);
	json_decref(j);
	reply(fd, 201, "Created", "Content-Type: application/json\r\n",
	    "{\"Id\":\"c0ffee\",\"Warnings\":[]}", 0);
}

static void
inspect(int fd, int head_only)
{
	char body[8192], host_config[4096] = "{}";
	FILE *fp = NULL;
	size_t n;

	if ((fp = fopen(state_path, "r")) != NULL) {
		n = fread(host_config, 1, sizeof host_config - 1, fp);
		host_config[n] = '\0';
		fclose(fp);
	}
	snprintf(body, sizeof body, "{\"Id\":\"c0ffee\",\"Name\":\"/npr\","
	    "\"Image\":\"sha256:0\",\"State\":{\"Status\":\"running\","
	    "\"Running\":true},\"Config\":{\"Tty\":false,\"OpenStdin\":true},"
	    "\"HostConfig\":%s,\"Mounts\":[]}", host_config);
	reply(fd, 200, "OK", "Content-Type: application/json\r\n", body,
	    head_only);
}

/* bench/docker.sh: a body of any size, read and dropped as it comes. */
static int
bench_upload(int fd, size_t clen, size_t have)
{
	static char buf[1 << 20];
	char answer[64];
	size_t got = have;
	ssize_t n;

	while (got < clen) {
		n = read(fd, buf, clen - got < sizeof buf ? clen - got : sizeof buf);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	snprintf(answer, sizeof answer, "{\"bytes\":%zu}", got);
	reply(fd, 200, "OK", "Content-Type: application/json\r\n", answer, 0);
	return 0;
}

/* bench/docker.sh: N zero bytes, with a Content-Length or chunked. */
static void
bench_download(int fd, const char *query)
{
	static char buf[1 << 20];
	const char *b = query ? strstr(query, "bytes=") : NULL;
	size_t left = b ? strtoull(b + 6, NULL, 10) : 0, n;
	int chunked = query && strstr(query, "chunked=1") != NULL;
	char head[256];
	int hl;

	if (chunked)
		hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
	else
		hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/octet-stream\r\nContent-Length: %zu\r\n\r\n", left);
	peer_write_all(fd, head, (size_t)hl);
	while (left > 0) {
		n = left < sizeof buf ? left : sizeof buf;
		if (chunked) {
			hl = snprintf(head, sizeof head, "%zx\r\n", n);
			peer_write_all(fd, head, (size_t)hl);
		}
		if (peer_write_all(fd, buf, n) != 0)
			return;
		if (chunked)
			peer_write_all(fd, "\r\n", 2);
		left -= n;
	}
	if (chunked)
		peer_write_all(fd, "0\r\n\r\n", 5);
}

/* One request: HEAD_BUF holds its head (NUL-terminated), REST what came
 * after it. Returns 0 to go on with the connection. */
static int
serve(int fd, char *head, char *rest, size_t restlen, size_t *used)
{
	char method[16], target[2048], *p = NULL, *body = NULL;
	const char *path = target;
	size_t clen = 0, got;
	int upgrade, head_only;
	ssize_t n;

	if (sscanf(head, "%15s %2047s", method, target) != 2)
		return -1;
	upgrade = strcasestr(head, "\r\nUpgrade: tcp") != NULL;
	if ((p = strcasestr(head, "\r\nContent-Length:")) != NULL)
		clen = strtoul(p + 17, NULL, 10);
	if (strcasestr(head, "\r\nTransfer-Encoding:") != NULL)
		return -1;
	if (strncmp(target, "/bench/upload", 13) == 0) {
		*used = restlen < clen ? restlen : clen;
		return bench_upload(fd, clen, *used);
	}
	if (strncmp(target, "/bench/download", 15) == 0) {
		bench_download(fd, strchr(target, '?'));
		return 0;
	}
	if (clen > BODY_MAX)
		return -1;
	if ((body = malloc(clen + 1)) == NULL)
		return -1;
	got = restlen < clen ? restlen : clen;
	memcpy(body, rest, got);
	while (got < clen) {
		if ((n = read(fd, body + got, clen - got)) <= 0) {
			free(body);
			return -1;
		}
		got += (size_t)n;
	}
	*used = restlen < clen ? restlen : clen;
	/* The version prefix and the query do not matter here. */
	if (strncmp(path, "/v1.", 4) == 0 && (p = strchr(path + 1, '/')) != NULL)
		path = p;
	if ((p = strchr(target, '?')) != NULL)
		*p = '\0';
	head_only = strcmp(method, "HEAD") == 0;
	if (strcmp(path, "/_ping") == 0)
		reply(fd, 200, "OK", "Content-Type: text/plain\r\n", "OK", head_only);
	else if (strcmp(path, "/version") == 0)
		reply(fd, 200, "OK", "Content-Type: application/json\r\n",
		    "{\"Version\":\"0.0-npr\",\"ApiVersion\":\"1.41\","
		    "\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}",
		    head_only);
	else if (strcmp(path, "/containers/create") == 0)
		create(fd, body, clen);
	else if (strncmp(path, "/containers/", 12) == 0 &&
	    strstr(path, "/exec") != NULL)
		reply(fd, 201, "Created", "Content-Type: application/json\r\n",
		    "{\"Id\":\"e1\"}", 0);
	else if (strncmp(path, "/exec/", 6) == 0 && strstr(path, "/start") &&
	    upgrade) {
		hijack_exec(fd, rest + *used, restlen - *used);
		free(body);
		return 1;
	} else if (strncmp(path, "/containers/", 12) == 0 &&
	    strstr(path, "/attach") && upgrade) {
		hijack_attach(fd, rest + *used, restlen - *used);
		free(body);
		return 1;
	} else if (strncmp(path, "/exec/", 6) == 0 && strstr(path, "/json"))
		reply(fd, 200, "OK", "Content-Type: application/json\r\n",
		    "{\"ID\":\"e1\",\"Running\":false,\"ExitCode\":0,\"Pid\":0,"
		    "\"ContainerID\":\"c0ffee\",\"OpenStdin\":true}", head_only);
	else if (strncmp(path, "/containers/", 12) == 0 && strstr(path, "/json"))
		inspect(fd, head_only);
	else
		reply(fd, 404, "Not Found", "Content-Type: application/json\r\n",
		    "{\"message\":\"npr-docker-engine: no such endpoint\"}\n",
		    head_only);
	free(body);
	return 0;
}

static void
connection(int fd)
{
	static char buf[HEAD_MAX + 1];
	size_t len = 0, used, hlen;
	char *end = NULL;
	ssize_t n;

	for (;;) {
		buf[len] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			if (len == HEAD_MAX)
				return;
			if ((n = read(fd, buf + len, HEAD_MAX - len)) <= 0)
				return;
			len += (size_t)n;
			buf[len] = '\0';
		}
		end[2] = '\0';
		hlen = (size_t)(end - buf) + 4;
		used = 0;
		if (serve(fd, buf, buf + hlen, len - hlen, &used) != 0)
			return;
		memmove(buf, buf + hlen + used, len - hlen - used);
		len -= hlen + used;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	int lfd, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: npr-docker-engine SOCKET LOG\n");
		return 2;
	}
	log_path = argv[2];
	snprintf(state_path, sizeof state_path, "%s.hostconfig", log_path);
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sa.sun_path)
		return 2;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(lfd, 16) != 0) {
		perror("npr-docker-engine");
		return 1;
	}
	note("listening on %s", argv[1]);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fork() == 0) {
			close(lfd);
			connection(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}
