#!/bin/bash
# The client dies in the middle of a transfer: the router keeps serving,
# the session is freed (max_connections = 1 and the next client is served),
# the relay child (mux: the relay's stream) goes away soon after, and so
# does the backend connection.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock" --log "$T/backend.log"
# The next client is served only once the broken session is freed.
socat_conf d 'max_connections = 1;'
start_router "$T/r.conf" "$T/d.sock"

for how in KILL KILL-PAUSED; do
	: >"$T/got"
	opts=()
	# Once while data flows both ways, once while the client has stopped
	# reading and the router's buffers towards it are full.
	[[ $how == KILL-PAUSED ]] && opts=(--pause-after 1M --pause 60)
	bg victim "$NPTEST_PEER" client "$T/d.sock" --timeout 60 --send-random 1G \
		--rate 16M --out "$T/got" "${opts[@]}"
	victim=$BG_PID
	received_1m() { [[ -f $T/got ]] && (($(stat -c %s "$T/got") >= 1048576)); }
	wait_until 15 "the transfer to be under way" received_1m
	kill -KILL "$victim"
	wait "$victim" 2>/dev/null || true

	wait_until 10 "the relay to end the session ($how)" relays_idle
	alive "$ROUTER_PID" || fail "router died"
	echo "after $how" >"$T/in"
	client 10 "$T/d.sock" --send "$T/in" --out "$T/out" ||
		fail "router does not serve after a client died ($how, status $?)"
	same_file "$T/in" "$T/out"
done
closed_all() { (($(grep -c '^close ' "$T/backend.log") == 4)); }
wait_until 10 "every backend connection to close" closed_all
wait_until 5 "no relay session left" relays_idle
log "ok"
