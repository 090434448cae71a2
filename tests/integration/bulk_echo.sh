#!/bin/bash
# 16 MiB of random bytes each way through client -> router -> socat ->
# echo backend and back; the reply must match byte for byte.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
socat_conf bulk -t 10
start_router "$T/r.conf" "$T/bulk.sock"

client 60 "$T/bulk.sock" --send-random 16M --send-copy "$T/sent" \
	--out "$T/received" --expect-bytes 16M ||
	fail "client failed (status $?)"
same_file "$T/sent" "$T/received"
[[ $(stat -c %s "$T/sent") == 16777216 ]] || fail "sent only $(stat -c %s "$T/sent") bytes"
log "ok: 16 MiB each way, SHA-256 $(sha "$T/received")"
