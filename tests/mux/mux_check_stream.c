/*
 * mux-check's streams: ours carry a pattern with half-close and check
 * the echo; the relay's (exposed clients) get a success reply and an
 * echo.  One line per outcome on stdout (mux_check.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mux_check.h"

/* The bytes of stream seed at offset k, as mux-peer and yamuxpeer make. */
static uint8_t
ck_pattern(unsigned seed, uint64_t k)
{
	return (uint8_t)(k * 31 + (k >> 11) + seed * 101);
}

struct ck_stream *
ck_stream_find(struct ck *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->nstreams; i++)
		if (c->streams[i]->id == id)
			return c->streams[i];
	return NULL;
}

struct ck_stream *
ck_stream_add(struct ck *c, uint32_t id, int here)
{
	struct ck_stream *s, **v;

	if (c->nstreams == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		if ((v = realloc(c->streams, c->cap * sizeof *v)) == NULL)
			ck_fail("out of memory");
		c->streams = v;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		ck_fail("out of memory");
	s->id = id;
	s->here = here;
	mux_stream_init(&s->st, here);
	c->streams[c->nstreams++] = s;
	return s;
}

static FILE *
ck_file(struct ck *c, const char *what, uint32_t id)
{
	char path[4096];
	FILE *f;

	if (c->out_dir == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/%s-%lu", c->out_dir, what,
	    (unsigned long)id);
	if ((f = fopen(path, "w")) == NULL)
		ck_fail("%s: %s", path, strerror(errno));
	return f;
}

static void
ck_queue(struct ck_stream *s, const void *buf, size_t len, int own)
{
	if (mux_outq_append(&s->q, buf, len) != 0)
		ck_fail("out of memory");
	if (own)
		s->q_own += len;
}

/* The next stream of ours: its request, then the pattern. */
void
ck_stream_open(struct ck *c)
{
	uint8_t req[MUX_OPEN_REQUEST_MAX];
	struct ck_stream *s;
	char err[256];
	uint32_t id;
	size_t n;

	if (mux_decoder_new_id(c->dec, &id, err, sizeof err) != MUX_OK)
		ck_fail("%s", err);
	s = ck_stream_add(c, id, 1);
	s->seed = c->opened++;
	s->total = c->bytes;
	s->sent_f = ck_file(c, "sent", id);
	s->recv_f = ck_file(c, "recv", id);
	if (mux_open_request_encode(req, sizeof req, &n, c->nargs, c->args,
	    err, sizeof err) != MUX_OK)
		ck_fail("%s", err);
	ck_queue(s, req, n, 1);
}

static void
ck_stream_end(struct ck *c, struct ck_stream *s, const char *how)
{
	if (s->ended)
		return;
	s->ended = 1;
	if (s->here) {
		printf("stream %lu %s sent=%llu received=%llu", (unsigned long)
		    s->id, how, (unsigned long long)s->sent,
		    (unsigned long long)s->got);
		if (s->bad)
			printf(" mismatch-at=%llu", (unsigned long long)
			    s->bad_at);
		putchar('\n');
		c->ended_here++;
	} else {
		printf("accepted %lu %s echoed=%llu\n", (unsigned long)s->id,
		    how, (unsigned long long)s->got);
		c->ended_accepted++;
	}
	if (s->sent_f != NULL)
		fclose(s->sent_f);
	if (s->recv_f != NULL)
		fclose(s->recv_f);
	s->sent_f = s->recv_f = NULL;
	mux_outq_free(&s->q);
	fflush(stdout);
}

void
ck_stream_frame(struct ck *c, struct ck_stream *s, unsigned events,
    const struct mux_header *h)
{
	if (h->type == MUX_DATA)
		s->payload_left = h->length;
	if (events & MUX_SE_RESET)
		ck_stream_end(c, s, "reset");
	else if ((events & MUX_SE_CLOSED) &&
	    (h->type != MUX_DATA || h->length == 0))
		ck_stream_end(c, s, "done");
}

static void
ck_consumed(struct ck_stream *s, size_t n)
{
	char err[256];

	if (n > 0 && mux_stream_consumed(&s->st, (uint32_t)n, err,
	    sizeof err) != MUX_OK)
		ck_fail("stream %lu: %s", (unsigned long)s->id, err);
}

static void
ck_payload(struct ck_stream *s, const uint8_t *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return;
	if (!s->here) {
		/* An echo: credit returns as it goes out. */
		ck_queue(s, buf, len, 0);
		s->got += len;
		return;
	}
	for (i = 0; i < len && !s->bad; i++) {
		if (buf[i] != ck_pattern(s->seed, s->got + i)) {
			s->bad = 1;
			s->bad_at = s->got + i;
		}
	}
	if (s->recv_f != NULL && fwrite(buf, 1, len, s->recv_f) != len)
		ck_fail("writing recv-%lu", (unsigned long)s->id);
	s->got += len;
	ck_consumed(s, len);
}

static void
ck_print_message(const uint8_t *m, size_t len)
{
	printf(" \"%.*s\"\n", (int)len, (const char *)m);
}

void
ck_stream_data(struct ck *c, struct ck_stream *s, const uint8_t *buf,
    size_t len, int last)
{
	struct mux_open_request req;
	struct mux_open_reply rep;
	uint8_t reply[MUX_OPEN_REPLY_MAX];
	char err[256];
	size_t n, used, i, w;
	int rc;

	if (!s->opened) {
		n = sizeof s->pre - s->pre_len;
		if (n > len)
			n = len;
		memcpy(s->pre + s->pre_len, buf, n);
		s->pre_len += n;
		buf += n;
		len -= n;
		rc = s->here ? mux_open_reply_decode(s->pre, s->pre_len, &used,
		    &rep, err, sizeof err) : mux_open_request_decode(s->pre,
		    s->pre_len, &used, &req, err, sizeof err);
		if (rc == MUX_MORE) {
			ck_consumed(s, n);
			goto out;
		}
		if (rc != MUX_OK)
			ck_violation(c, rc, err);
		s->opened = 1;
		/* Earlier pieces were consumed as they came. */
		ck_consumed(s, used - (s->pre_len - n));
		if (s->here) {
			printf("stream %lu reply %u %lu", (unsigned long)s->id,
			    rep.status, (unsigned long)rep.code);
			ck_print_message(rep.message, rep.message_len);
			s->failed = rep.status != 0;
		} else {
			printf("accepted %lu request", (unsigned long)s->id);
			for (i = 0; i < req.argc; i++)
				printf(" %.*s", (int)req.argv[i].len,
				    (const char *)req.argv[i].ptr);
			putchar('\n');
			if (mux_open_reply_encode(reply, sizeof reply, &w, 0, 0,
			    NULL, err, sizeof err) != MUX_OK)
				ck_fail("%s", err);
			ck_queue(s, reply, w, 1);
		}
		fflush(stdout);
		ck_payload(s, s->pre + used, s->pre_len - used);
	}
	ck_payload(s, buf, len);
out:
	if (last && mux_stream_closed(&s->st))
		ck_stream_end(c, s, "done");
}

/* Whether FIN goes with a frame that leaves q_left queued and sent
 * pattern bytes: ours once the pattern is out (or the open failed), an
 * echo once the peer's FIN came and everything went back. */
static int
ck_fin_due(const struct ck_stream *s, size_t q_left, uint64_t sent)
{
	/* A FIN that came with Data counts once that Data is in. */
	if (mux_stream_local_fin(&s->st) || q_left > 0 || s->payload_left > 0)
		return 0;
	if (s->here)
		return s->failed || sent == s->total;
	return s->opened && mux_stream_remote_fin(&s->st);
}

static void
ck_stream_stall(struct ck *c, struct ck_stream *s)
{
	struct mux_header h;
	char err[256];

	/* No credit, and everything sent came back: the relay keeps it. */
	if (!c->stall || !s->here || !s->opened || s->failed ||
	    mux_outq_pending(&s->q) > 0 || s->got != s->sent ||
	    s->sent == s->total)
		return;
	if (mux_stream_send_data(&s->st, s->id, 0, MUX_RST, &h, err,
	    sizeof err) != MUX_OK)
		ck_fail("%s", err);
	ck_frame(c, &h, NULL, 0);
	ck_stream_end(c, s, "stalled");
}

/* Frames for one stream: credit, the head or echo, the pattern, FIN. */
void
ck_stream_send(struct ck *c, struct ck_stream *s)
{
	uint8_t chunk[CK_CHUNK];
	struct mux_header h;
	char err[256];
	size_t avail, i, own, q;
	uint32_t n;
	uint16_t fin;
	int pattern;

	while (!s->ended && mux_outq_pending(&c->out) < CK_OUT_HIGH) {
		if (mux_stream_update_due(&s->st)) {
			if (mux_stream_send_window(&s->st, s->id, 0, &h, err,
			    sizeof err) != MUX_OK)
				ck_fail("%s", err);
			ck_frame(c, &h, NULL, 0);
		}
		if (mux_stream_local_fin(&s->st) || mux_stream_closed(&s->st))
			return;
		q = mux_outq_pending(&s->q);
		pattern = q == 0 && s->here && !s->failed;
		avail = pattern ? s->total - s->sent : q;
		n = mux_stream_sendable(&s->st, avail < CK_CHUNK ? avail :
		    CK_CHUNK);
		if (pattern) {
			for (i = 0; i < n; i++)
				chunk[i] = ck_pattern(s->seed, s->sent + i);
			fin = ck_fin_due(s, 0, s->sent + n) ? MUX_FIN : 0;
		} else {
			memcpy(chunk, s->q.buf + s->q.off, n);
			fin = ck_fin_due(s, q - n, s->sent) ? MUX_FIN : 0;
		}
		if (n == 0 && !fin) {
			if (pattern && avail > 0)
				ck_stream_stall(c, s);
			return;
		}
		if (mux_stream_send_data(&s->st, s->id, n, fin, &h, err,
		    sizeof err) != MUX_OK)
			ck_fail("%s", err);
		ck_frame(c, &h, chunk, n);
		if (pattern) {
			if (s->sent_f != NULL && fwrite(chunk, 1, n,
			    s->sent_f) != n)
				ck_fail("writing sent-%lu",
				    (unsigned long)s->id);
			s->sent += n;
		} else {
			mux_outq_drop(&s->q, n);
			own = n < s->q_own ? n : s->q_own;
			s->q_own -= own;
			ck_consumed(s, n - own);
		}
		if (mux_stream_closed(&s->st))
			ck_stream_end(c, s, "done");
	}
}

void
ck_stream_report_unfinished(struct ck *c)
{
	size_t i;

	for (i = 0; i < c->nstreams; i++)
		if (!c->streams[i]->ended)
			printf("%s %lu unfinished\n", c->streams[i]->here ?
			    "stream" : "accepted",
			    (unsigned long)c->streams[i]->id);
}
