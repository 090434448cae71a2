#!/bin/bash
# A mux relay that breaks the protocol: garbage where a frame should
# start, a frame for a stream never opened, Data beyond the window, a
# window past 2^32 - 1, a frame cut short by the relay's exit. Each time:
# one log line naming the violation, Go Away (protocol error) to the
# relay, the relay ended, its clients closed at once, a new relay started
# (with backoff), and the router still running.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
echo "served" >"$T/in"

# start_fault FAULT: a router whose relay has FAULT.
start_fault() {
	fault_relay --fault "$1"
	mux_conf fx -m mux -r "$T/fault-relay"
	: >"$T/router.err"
	start_router "$T/r.conf" "$T/fx.sock"
}

stop_router() {
	alive "$ROUTER_PID" || fail "router died"
	kill "$ROUTER_PID"
	wait_exit "$ROUTER_PID" 10
}

# check_violation FAULT TEXT: the violation is logged once per relay, and
# the relay is restarted.
check_violation() {
	wait_log 10 "protocol error: "
	log_has "$2" || fail "$1: the log does not name '$2': $(cat "$ROUTER_LOG")"
	wait_log_count 10 2 'mux relay pid [0-9]+ ready'
	# One line per relay that broke the protocol, never more.
	local v r
	v=$(log_count 'protocol error: ')
	r=$(log_count 'mux relay pid [0-9]+ ready')
	((v <= r)) || fail "$1: $v violation lines for $r relays"
	"$NPIPEROUTER" status --json -c "$T/r.conf" >"$T/st.json"
	grep -q '"mux_restarts":[1-9]' "$T/st.json" || fail "$1: status: $(cat "$T/st.json")"
	grep -q '"relay_failures":[1-9]' "$T/st.json" || fail "$1: status: $(cat "$T/st.json")"
}

# Faults that break the session before any client.
start_fault garbage
check_violation garbage 'frame version'
stop_router

start_fault unknown-stream
check_violation unknown-stream 'stream 2'
stop_router

# A Data frame cut short, then the relay exits: its death is logged with
# its status, and it is restarted.
start_fault truncated
wait_log 10 'exited with status 0 after'
wait_log_count 10 2 'mux relay pid [0-9]+ ready'
stop_router

# Faults on a stream: the client is closed within the client's timeout.
for f in beyond-window:'left in the window' window-overflow:'passes 2^32 - 1'; do
	start_fault "${f%%:*}"
	wait_log 10 'mux relay pid'
	client 5 "$T/fx.sock" --send "$T/in" --no-shutdown --allow-reset ||
		fail "${f%%:*}: client not closed promptly (status $?)"
	check_violation "${f%%:*}" "${f#*:}"
	stop_router
done
log "ok"
