/*
 * The lines of one request head, judged one by one (see docker_head.h):
 * the request line, then header fields, then how the body is framed.
 * Only forms that Go's net/http and http-parser 2.9 read alike pass;
 * docker_frame.c says which and why.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "docker_head.h"
#include "escape.h"

/* Only these reach the engine: the Docker API uses no others, and
 * CONNECT is an upgrade to http-parser while Go reads its body. */
static const char *const head_methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
};

/* RFC 9110 tchar. */
static int
head_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* Bytes allowed in a header value or chunk extension: HTAB, visible
 * ASCII, SP and obs-text; no other control byte. */
int
docker_head_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* P (N bytes) quoted for a message: the shared escaping (lib/escape),
 * cut after 40 bytes. */
const char *
docker_head_quote(char *out, size_t outlen, const unsigned char *p, size_t n)
{
	return escape_bytes(out, outlen, p, n, 40, ESCAPE_QUOTES);
}

static int head_refuse(struct docker_head *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* The reason in h->why; returns -1. */
static int
head_refuse(struct docker_head *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->why, sizeof h->why, fmt, ap);
	va_end(ap);
	return -1;
}

/* "METHOD SP TARGET SP HTTP/1.x" */
static int
head_request_line(struct docker_head *h, const unsigned char *p,
    size_t n)
{
	const unsigned char *sp1 = memchr(p, ' ', n), *t = NULL, *sp2 = NULL;
	size_t mlen, tlen, i, k;
	char q[200];
	int known = 0;

	h->method[0] = h->target[0] = '\0';
	if (sp1 == NULL || (sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 -
	    p))) == NULL || n - (size_t)(sp2 + 1 - p) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 &&
	    memcmp(sp2 + 1, "HTTP/1.0", 8) != 0))
		return head_refuse(h, "request line \"%s\" is not "
		    "METHOD SP TARGET SP HTTP/1.1 or HTTP/1.0",
		    docker_head_quote(q, sizeof q, p, n));
	h->http10 = sp2[8] == '0';
	mlen = (size_t)(sp1 - p);
	t = sp1 + 1;
	tlen = (size_t)(sp2 - t);
	for (i = 0; i < sizeof head_methods / sizeof head_methods[0]; i++)
		known |= strlen(head_methods[i]) == mlen &&
		    memcmp(head_methods[i], p, mlen) == 0;
	if (!known)
		return head_refuse(h, "method \"%s\" (the Docker "
		    "API uses GET, HEAD, POST, PUT, DELETE)",
		    docker_head_quote(q, sizeof q, p, mlen));
	memcpy(h->method, p, mlen);
	h->method[mlen] = '\0';
	k = tlen < sizeof h->target ? tlen : sizeof h->target - 1;
	for (i = 0; i < k; i++)
		h->target[i] = t[i] > 0x20 && t[i] < 0x7f ? (char)t[i] : '?';
	h->target[k] = '\0';
	for (i = 0; i < tlen; i++) {
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return head_refuse(h, "request target \"%s\" "
			    "holds a control, space or non-ASCII byte",
			    docker_head_quote(q, sizeof q, t, tlen));
		if (t[i] == '#')
			return head_refuse(h, "request target \"%s\" "
			    "holds a \"#\" (a Go server keeps it in the path)",
			    docker_head_quote(q, sizeof q, t, tlen));
	}
	/* An absolute path, or an absolute URL "scheme://...". */
	for (i = 0; i < tlen && (head_tchar(t[i]) && t[i] != '/' &&
	    t[i] != ':'); i++)
		;
	if (tlen == 0 || (t[0] != '/' && (i == 0 || tlen - i < 3 ||
	    memcmp(t + i, "://", 3) != 0)))
		return head_refuse(h, "request target \"%s\" is not a path or "
		    "an absolute URL", docker_head_quote(q, sizeof q, t, tlen));
	return 0;
}

/* VALUE (N bytes, after the colon's OWS) of Content-Length. */
static int
head_content_length(struct docker_head *h, const unsigned char *v,
    size_t n)
{
	char q[200];
	size_t i;

	if (++h->n_cl > 1)
		return head_refuse(h, "more than one "
		    "Content-Length header");
	/* 18 digits fit in every parser's 63 or 64 bits. */
	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (n == 0 || i != n || n > 18)
		return head_refuse(h, "Content-Length \"%s\" is not 1 to 18 "
		    "decimal digits", docker_head_quote(q, sizeof q, v, n));
	for (h->cl = 0, i = 0; i < n; i++)
		h->cl = h->cl * 10 + (uint64_t)(v[i] - '0');
	return 0;
}

static int
head_transfer_encoding(struct docker_head *h, const unsigned char *v,
    size_t n)
{
	char q[200];

	if (++h->n_te > 1)
		return head_refuse(h, "more than one "
		    "Transfer-Encoding header");
	/* Go folds case and trims tabs, http-parser does neither for all of
	 * its checks: exactly the one form both read alike. */
	if (n != 7 || memcmp(v, "chunked", 7) != 0)
		return head_refuse(h, "Transfer-Encoding \"%s\" is not exactly "
		    "\"chunked\"", docker_head_quote(q, sizeof q, v, n));
	return 0;
}

/* "NAME: VALUE" of a head. */
static int
head_field(struct docker_head *h, const unsigned char *p, size_t n)
{
	char q[200];
	size_t i, name;

	if (p[0] == ' ' || p[0] == '\t')
		return head_refuse(h, "a folded header line "
		    "(obs-fold) \"%s\"", docker_head_quote(q, sizeof q, p, n));
	for (i = 0; i < n && head_tchar(p[i]); i++)
		;
	name = i;
	if (memchr(p, ':', n) == NULL)
		return head_refuse(h, "header line \"%s\" has no "
		    "colon", docker_head_quote(q, sizeof q, p, n));
	if (p[i] == ' ' || p[i] == '\t')
		return head_refuse(h, "whitespace before the colon of header "
		    "\"%s\"", docker_head_quote(q, sizeof q, p, name));
	if (p[i] != ':' || name == 0)
		return head_refuse(h, "header line \"%s\" has no valid name "
		    "before its colon", docker_head_quote(q, sizeof q, p, n));
	for (i++; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (strncasecmp((const char *)p, "Content-Length:", 15) == 0 &&
	    name == 14)
		return head_content_length(h, p + i, n - i);
	if (strncasecmp((const char *)p, "Transfer-Encoding:", 18) == 0 &&
	    name == 17)
		return head_transfer_encoding(h, p + i, n - i);
	for (; i < n; i++) {
		if (!docker_head_vchar(p[i]))
			return head_refuse(h, "a control byte in the value of "
			    "header \"%s\"",
			    docker_head_quote(q, sizeof q, p, name));
	}
	return 0;
}

void
docker_head_reset(struct docker_head *h)
{
	memset(h, 0, sizeof *h);
}

int
docker_head_line(struct docker_head *h, const unsigned char *p, size_t n)
{
	if (h->lines++ == 0)
		return head_request_line(h, p, n);
	return head_field(h, p, n);
}

int
docker_head_end(struct docker_head *h)
{
	if (h->n_te > 0 && h->http10)
		return head_refuse(h, "Transfer-Encoding in an HTTP/1.0 "
		    "request (a Go server ignores it)");
	if (h->n_te > 0 && h->n_cl > 0)
		return head_refuse(h, "both Transfer-Encoding and "
		    "Content-Length");
	return 0;
}
