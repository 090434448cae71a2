#!/bin/bash
# The mux relay dies mid-stream (SIGKILL from outside, or its own exit):
# every client of it is closed within a second or two, the death is
# logged once, the relay is restarted, and the next connection is served.
# A relay stopped with SIGSTOP is found by the ping (NPR_MUX_PING_MS makes
# the ping fast for this test; docs/mux.md §7) and replaced the same way.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
echo "served" >"$T/in"

stop_router() {
	alive "$ROUTER_PID" || fail "router died"
	kill "$ROUTER_PID"
	wait_exit "$ROUTER_PID" 10
}

serve_one() {
	client 15 "$T/mx.sock" --send "$T/in" --out "$T/out" ||
		fail "$1: the next connection was not served (status $?)"
	same_file "$T/in" "$T/out"
}

relay_pid() { children_of "$ROUTER_PID"; }

# two_streaming: two clients mid-stream (slow senders, never done).
two_streaming() {
	local i
	for i in 1 2; do
		bg "c$i" "$NPTEST_PEER" client "$T/mx.sock" --timeout 60 \
			--send-random 64M --rate 200000 --allow-reset
		eval "C$i=\$BG_PID"
	done
	wait_until 10 "two streams open" _streams 2
}
_streams() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" | grep -q "\"mux_channels\":$1"
}

# closed_soon PID: the client ends within 3 seconds.
closed_soon() {
	local deadline=$((SECONDS + 3))
	while alive "$1"; do
		((SECONDS < deadline)) || fail "client $1 still open 3s after the relay died"
		sleep 0.05
	done
}

# --- SIGKILL from outside ---
mux_conf mx
start_router "$T/r.conf" "$T/mx.sock"
serve_one first
two_streaming
pid=$(relay_pid)
[[ $pid =~ ^[0-9]+$ ]] || fail "expected one relay child, found '$pid'"
kill -KILL "$pid"
closed_soon "$C1"
closed_soon "$C2"
wait_log 5 "mux relay pid $pid killed by signal 9"
(($(log_count "mux relay pid $pid killed") == 1)) || fail "the death was logged more than once"
serve_one "after SIGKILL"
[[ $(relay_pid) != "$pid" ]] || fail "the relay was not replaced"
stop_router

# --- the relay exits by itself (exit-after=1: the second stream) ---
fault_relay --fault exit-after=1
mux_conf mx -r "$T/fault-relay"
: >"$T/router.err"
start_router "$T/r.conf" "$T/mx.sock"
serve_one "exit-after: first"
client 5 "$T/mx.sock" --send "$T/in" --no-shutdown --allow-reset ||
	fail "exit-after: client of the dying relay not closed (status $?)"
wait_log 5 'exited with status 1 after'
serve_one "exit-after: after the restart"
stop_router

# --- SIGSTOP: the ping finds it ---
mux_conf mx
: >"$T/router.err"
export NPR_MUX_PING_MS=200
start_router "$T/r.conf" "$T/mx.sock"
unset NPR_MUX_PING_MS
serve_one "sigstop: first"
two_streaming
pid=$(relay_pid)
kill -STOP "$pid"
wait_log 5 "mux relay pid $pid: no answer to a ping"
closed_soon "$C1"
closed_soon "$C2"
wait_until 5 "relay $pid gone" eval '! alive '"$pid"
serve_one "after SIGSTOP"
stop_router
log "ok"
