/*
 * Framing adapters inside the router (DESIGN.md §5): loading them by name
 * at config time, and the narrow seam a session calls for its bytes. The
 * plugin side of the ABI is include/npiperouter/adapter.h.
 */
#ifndef NPR_ADAPTER_H
#define NPR_ADAPTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct config_ctx;
struct config_setting_t;
struct evbuffer;
struct route_conf;

/* A route's adapter: the loaded plugin (or built-in) and its options. */
struct adapter_route;
/* One session's adapter state. */
struct adapter_session;

/*
 * Config time: find adapter NAME (built in, or NAME.so in the config's
 * plugin_dir), load it and let it read GROUP, the route's "adapter" group
 * (NAME_SET is its "name" member, where load errors point). Every problem
 * is reported to CTX under LABEL; returns NULL then.
 */
struct adapter_route *adapter_route_load(struct config_ctx *ctx,
    const struct config_setting_t *group,
    const struct config_setting_t *name_set, const char *name,
    const char *label, const char *route_name);
void adapter_route_free(struct adapter_route *);
/* 1 when the adapter serves exposed routes too (NPR_ADAPTER_EXPOSED;
 * raw always does). */
int adapter_route_exposable(const struct adapter_route *);

/*
 * A client connected to route RC (session number ID, credentials PEER or
 * NULL when unknown). Returns NULL with the reason in ERR when the adapter
 * turns the client away. A route without an adapter_route is raw. On an
 * exposed route (RC's expose_pipe) the client is the Windows program:
 * FROM_CLIENT below means its side, whichever chan the session keeps it
 * in (session_io.c).
 */
struct adapter_session *adapter_session_open(const struct route_conf *rc,
    unsigned id, const struct ucred *peer, char *err, size_t errlen);

/*
 * Bytes are waiting in IN, from the client or from the relay. Frames to
 * pass on go to FORWARD, local answers to REPLY (back to the sender); what
 * is incomplete or held stays in IN. The same three buffers must be given
 * for a side every time (the channels' own): frames held on one side
 * are retried from here after the other side moved. Returns 0, or -1 with
 * the reason in ERR when the session must end. Raw moves IN whole.
 */
int adapter_session_input(struct adapter_session *, int from_client,
    struct evbuffer *in, struct evbuffer *forward, struct evbuffer *reply,
    char *err, size_t errlen);

/*
 * That side sent EOF. Returns -1 with the reason in ERR when it ended in
 * the middle of a frame (the session must end), else 0.
 */
int adapter_session_eof(struct adapter_session *, int from_client,
    char *err, size_t errlen);

/*
 * 1 while complete frames from that side wait for the other side
 * (NPR_HOLD): its EOF must not be passed on yet.
 */
int adapter_session_pending(const struct adapter_session *, int from_client);

/*
 * Does the adapter answer the client itself when the relay side fails
 * before it answered (ABI 2.1 relay_failed, in a plugin whose struct
 * has it)? Raw does not.
 */
int adapter_session_answers_failure(const struct adapter_session *);

/*
 * The relay side failed before it sent a byte: it was to open PIPE and
 * ended as HOW, with STATUS (-1: none), the Win32 CODE (0: none) and the
 * relay's MESSAGE. The adapter may queue an answer in REPLY (the
 * client's output). Returns 1 when it waits for the client's request
 * (give the client's bytes to adapter_session_input() as before, with a
 * FORWARD that goes nowhere), 0 when the client is to be closed once
 * REPLY is written.
 */
int adapter_session_relay_failed(struct adapter_session *, const char *pipe,
    const char *how, int status, uint32_t code, const char *message,
    struct evbuffer *reply);

void adapter_session_close(struct adapter_session *);

#endif
