#!/bin/bash
# After the client half-closes, a backend that answers only 1.5 s later is
# still heard: the session must not end because one direction ended.
. "$(dirname "$0")/lib.sh"
need socat

start_backend drain drain-reply "$T/backend.sock" --delay 1.5 --log "$T/backend.log"
# socat -t 30: socat itself must not give up on the late reply.
socat_conf late -t 30
start_router "$T/r.conf" "$T/late.sock"

start=$SECONDS
client 30 "$T/late.sock" --send-random 1M --send-copy "$T/sent" \
	--out "$T/received" --expect-bytes 1M ||
	fail "client did not get the late reply and EOF (status $?)"
same_file "$T/sent" "$T/received"
# The backend's delay is what we waited for, not something else.
((SECONDS - start >= 1)) || fail "the reply came before the backend's delay"
log "ok"
