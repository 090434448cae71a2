/*
 * JSON streamed through, chosen values held (see docker_jscan.h). A
 * byte-at-a-time reader of JSON's structure only: strings (with their
 * escapes, decoded for keys), nesting, and where scalars end. Anything
 * it cannot read stops the reading: the rest passes as it is, for the
 * engine to answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker_jscan.h"
#include "hex.h"

enum js_expect {
	JS_VALUE,          /* a value (after ":" or "," in an array) */
	JS_VALUE_OR_END,   /* after "[" */
	JS_KEY,            /* after "," in an object */
	JS_KEY_OR_END,     /* after "{" */
	JS_COLON,
	JS_COMMA_OR_END,
	JS_DONE,           /* after the document: only whitespace */
};

struct js_frame {
	char type;                     /* '{' or '[' */
	char key[DOCKER_JSCAN_KEY + 1]; /* the member being read, decoded */
	size_t keylen;
	int key_bad;                   /* too long or not ASCII */
};

struct js_buf {
	char *data;
	size_t len, cap;
};

struct docker_jscan {
	const char *const *const *paths;
	docker_jscan_fn fn;
	void *arg;
	size_t hold_max;
	struct js_frame frames[DOCKER_JSCAN_DEPTH];
	int depth;
	enum js_expect expect;
	int in_str, str_is_key, esc, uhex;
	unsigned ucode;
	int in_scalar;
	int holding, hold_depth;
	size_t hold_which;
	int over, oom;
	const char *error;
	struct js_buf out, hold;
};

static int
js_add(struct js_buf *b, const char *p, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *d = NULL;

	while (cap - b->len < n)
		cap *= 2;
	if (cap != b->cap) {
		if ((d = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

struct docker_jscan *
docker_jscan_new(const char *const *const *paths, size_t hold_max,
    docker_jscan_fn fn, void *arg)
{
	struct docker_jscan *js = calloc(1, sizeof *js);

	if (js == NULL)
		return NULL;
	js->paths = paths;
	js->hold_max = hold_max;
	js->fn = fn;
	js->arg = arg;
	js->expect = JS_VALUE;
	return js;
}

void
docker_jscan_free(struct docker_jscan *js)
{
	if (js == NULL)
		return;
	free(js->out.data);
	free(js->hold.data);
	free(js);
}

/* What is held goes on as it is. */
static void
js_unhold(struct docker_jscan *js)
{
	if (js->holding && js_add(&js->out, js->hold.data, js->hold.len) != 0)
		js->oom = 1;
	js->hold.len = 0;
	js->holding = 0;
}

static void
js_emit(struct docker_jscan *js, char c)
{
	if (js->holding) {
		if (js->hold.len < js->hold_max) {
			if (js_add(&js->hold, &c, 1) != 0)
				js->oom = 1;
			return;
		}
		js->over = 1;
		js_unhold(js);
	}
	if (js_add(&js->out, &c, 1) != 0)
		js->oom = 1;
}

/* Stop reading: C and all after it pass as they are. */
static void
js_stop(struct docker_jscan *js, const char *why, char c)
{
	js->error = why;
	js_unhold(js);
	js_emit(js, c);
}

/* The held value is whole: replaced or not, it goes on. */
static void
js_hold_end(struct docker_jscan *js)
{
	char *repl = NULL;
	size_t rlen = 0;
	int rc;

	rc = js->fn(js->arg, js->hold_which, js->hold.data, js->hold.len, &repl,
	    &rlen);
	if (rc < 0)
		js->oom = 1;
	if (rc == 1) {
		if (js_add(&js->out, repl, rlen) != 0)
			js->oom = 1;
		js->hold.len = 0;
		js->holding = 0;
	} else
		js_unhold(js);
	free(repl);
}

/* Is the container starting here at a path to hold? */
static void
js_maybe_hold(struct docker_jscan *js)
{
	const char *const *keys = NULL;
	size_t i;
	int d, match;

	if (js->holding)
		return;
	for (i = 0; (keys = js->paths[i]) != NULL; i++) {
		match = 1;
		for (d = 0; match && d < js->depth; d++) {
			const struct js_frame *f = &js->frames[d];

			match = keys[d] != NULL && f->type == '{' && !f->key_bad &&
			    f->keylen == strlen(keys[d]) &&
			    strncasecmp(f->key, keys[d], f->keylen) == 0;
		}
		if (match && keys[js->depth] == NULL) {
			js->holding = 1;
			js->hold_depth = js->depth;
			js->hold_which = i;
			js->hold.len = 0;
			return;
		}
	}
}

static void
js_value_done(struct docker_jscan *js)
{
	js->expect = js->depth == 0 ? JS_DONE : JS_COMMA_OR_END;
}

static void
js_close(struct docker_jscan *js, char c)
{
	js_emit(js, c);
	js->depth--;
	if (js->holding && js->depth == js->hold_depth)
		js_hold_end(js);
	js_value_done(js);
}

static void
js_open(struct docker_jscan *js, char c)
{
	struct js_frame *f = NULL;

	if (js->depth == DOCKER_JSCAN_DEPTH) {
		js_stop(js, "nested too deep to read", c);
		return;
	}
	js_maybe_hold(js);
	js_emit(js, c);
	f = &js->frames[js->depth++];
	memset(f, 0, sizeof *f);
	f->type = c;
	js->expect = c == '{' ? JS_KEY_OR_END : JS_VALUE_OR_END;
}

static void
js_key_char(struct docker_jscan *js, unsigned code)
{
	struct js_frame *f = &js->frames[js->depth - 1];

	if (code >= 0x80 || f->keylen == DOCKER_JSCAN_KEY) {
		f->key_bad = 1;
		return;
	}
	f->key[f->keylen++] = (char)code;
}

static void
js_string_byte(struct docker_jscan *js, char c)
{
	static const char esc_from[] = "\"\\/bfnrt", esc_to[] = "\"\\/\b\f\n\r\t";
	const char *e = NULL;
	int h;

	js_emit(js, c);
	if (js->uhex > 0) {
		if ((h = hex_digit(c)) < 0) {
			js->error = "a bad \\u escape";
			return;
		}
		js->ucode = js->ucode << 4 | (unsigned)h;
		if (--js->uhex == 0 && js->str_is_key)
			js_key_char(js, js->ucode);
	} else if (js->esc) {
		js->esc = 0;
		if (c == 'u') {
			js->uhex = 4;
			js->ucode = 0;
		} else if (c == '\0' || (e = strchr(esc_from, c)) == NULL)
			js->error = "a bad escape";
		else if (js->str_is_key)
			js_key_char(js, (unsigned char)esc_to[e - esc_from]);
	} else if (c == '\\')
		js->esc = 1;
	else if (c == '"') {
		js->in_str = 0;
		if (js->str_is_key)
			js->expect = JS_COLON;
		else
			js_value_done(js);
	} else if ((unsigned char)c < 0x20)
		js->error = "a control character in a string";
	else if (js->str_is_key)
		js_key_char(js, (unsigned char)c);
}

static int
js_scalar_byte(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '+' || c == '-' || c == '.';
}

static void
js_byte(struct docker_jscan *js, char c)
{
	struct js_frame *top = js->depth > 0 ? &js->frames[js->depth - 1] : NULL;

	if (js->error != NULL) {
		js_emit(js, c);
		return;
	}
	if (js->in_str) {
		js_string_byte(js, c);
		if (js->error != NULL)
			js_unhold(js);
		return;
	}
	if (js->in_scalar) {
		if (js_scalar_byte(c)) {
			js_emit(js, c);
			return;
		}
		js->in_scalar = 0;
		js_value_done(js);
	}
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		js_emit(js, c);
		return;
	}
	switch (js->expect) {
	case JS_VALUE_OR_END:
		if (c == ']') {
			js_close(js, c);
			return;
		}
		/* FALLTHROUGH */
	case JS_VALUE:
		if (c == '{' || c == '[')
			js_open(js, c);
		else if (c == '"') {
			js_emit(js, c);
			js->in_str = 1;
			js->str_is_key = 0;
		} else if (c == '-' || (c >= '0' && c <= '9') || c == 't' ||
		    c == 'f' || c == 'n') {
			js_emit(js, c);
			js->in_scalar = 1;
		} else
			js_stop(js, "not a JSON value", c);
		return;
	case JS_KEY_OR_END:
		if (c == '}') {
			js_close(js, c);
			return;
		}
		/* FALLTHROUGH */
	case JS_KEY:
		if (c != '"') {
			js_stop(js, "not a member name", c);
			return;
		}
		js_emit(js, c);
		js->in_str = 1;
		js->str_is_key = 1;
		top->keylen = 0;
		top->key_bad = 0;
		return;
	case JS_COLON:
		if (c != ':') {
			js_stop(js, "no \":\" after a member name", c);
			return;
		}
		js_emit(js, c);
		js->expect = JS_VALUE;
		return;
	case JS_COMMA_OR_END:
		if (c == ',') {
			js_emit(js, c);
			js->expect = top->type == '{' ? JS_KEY : JS_VALUE;
		} else if (c == (top->type == '{' ? '}' : ']'))
			js_close(js, c);
		else
			js_stop(js, "no \",\" or end after a value", c);
		return;
	case JS_DONE:
		js_stop(js, "more after the document", c);
		return;
	}
}

int
docker_jscan_feed(struct docker_jscan *js, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && !js->oom; i++)
		js_byte(js, buf[i]);
	return js->oom ? -1 : 0;
}

int
docker_jscan_end(struct docker_jscan *js)
{
	if (js->error == NULL && (js->depth > 0 || js->in_str ||
	    js->expect != JS_DONE) && !(js->in_scalar && js->depth == 0))
		js->error = "the document is cut short";
	js_unhold(js);
	return js->oom ? -1 : 0;
}

const char *
docker_jscan_out(const struct docker_jscan *js, size_t *len)
{
	*len = js->out.len;
	return js->out.data;
}

void
docker_jscan_taken(struct docker_jscan *js)
{
	js->out.len = 0;
}

const char *
docker_jscan_error(const struct docker_jscan *js)
{
	return js->error;
}

int
docker_jscan_over(const struct docker_jscan *js)
{
	return js->over;
}
