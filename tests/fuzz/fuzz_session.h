/*
 * What the adapter harnesses (fuzz_adapter.c, fuzz_docker.c) share: the
 * router config that loads their plugin, and the conversation that drives
 * one session of it through the router's own seam.
 *
 * A conversation is a run of records [ctl][payload]: ctl bit 7 = from the
 * relay (else the client), bit 6 = that side sends EOF after the payload,
 * bits 0-5 = payload length; 63 means a 16-bit big-endian length follows.
 */
#ifndef NPR_FUZZ_SESSION_H
#define NPR_FUZZ_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * Writes DIR/main.conf with the route "rI" (listening on DIR/I, adapter
 * GROUPS[I]) for each I below N whose GROUPS[I] is not NULL, loads it with
 * the plugins of FUZZ_PLUGIN_DIR and removes the file. Aborts on failure.
 */
struct config *fuzz_config_load(const char *dir, const char *const groups[],
    size_t n);

/* Opens a session on ROUTE and plays the conversation DATA to it. */
void fuzz_session_run(const struct route_conf *route, const uint8_t *data,
    size_t size);

#endif
