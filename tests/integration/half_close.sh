#!/bin/bash
# The client half-closes and still receives the whole reply, then EOF.
# The drain-reply backend answers only after EOF reached it, so the reply
# proves the half-close travelled client -> router -> socat -> backend
# while the way back stayed open.
. "$(dirname "$0")/lib.sh"
need socat

start_backend drain drain-reply "$T/backend.sock" --log "$T/backend.log"
socat_conf hc -t 10
start_router "$T/r.conf" "$T/hc.sock"

# 4 MiB is far more than any socket buffer on the way: the reply has to
# stream while the client's write side is already shut.
client 30 "$T/hc.sock" --send-random 4M --send-copy "$T/sent" \
	--out "$T/received" --expect-bytes 4M ||
	fail "client did not get the complete reply and EOF (status $?)"
same_file "$T/sent" "$T/received"
grep -qx 'eof 1 4194304' "$T/backend.log" ||
	fail "backend did not see EOF after 4 MiB: $(cat "$T/backend.log")"

# A client that sends nothing and half-closes at once gets an empty reply
# and EOF: EOF alone must travel too.
client 10 "$T/hc.sock" --expect-bytes 0 || fail "empty half-close failed (status $?)"
grep -qx 'eof 2 0' "$T/backend.log" || fail "backend did not see the empty EOF"
log "ok"
