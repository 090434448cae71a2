#!/bin/bash
# Reload and the mux relay: a reload that keeps the route's relay keeps
# its process; one that changes it starts a new relay for new sessions,
# while the old relay serves its open session to the end and then goes.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
cp "$NPTEST_MUXRELAY" "$T/relay-a"
cp "$NPTEST_MUXRELAY" "$T/relay-b"
mux_conf mx -r "$T/relay-a"
start_router "$T/r.conf" "$T/mx.sock"
wait_log 10 'mux relay pid'

reload() {
	"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
		fail "reload failed: $(cat "$T/reload.out")"
}
mux_pid() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" | sed -n 's/.*"mux_pid":\([0-9]*\).*/\1/p'
}
relays() { children_of "$ROUTER_PID" | sort | tr '\n' ' '; }

# A session held open on relay A.
echo "held" >"$T/held.in"
bg held "$NPTEST_PEER" client "$T/mx.sock" --timeout 60 --send "$T/held.in" \
	--out "$T/held.out" --hold-until "$T/release"
held=$BG_PID
wait_until 10 "the held client is served" cmp -s "$T/held.in" "$T/held.out"
a=$(mux_pid)
[[ -n $a && $a != 0 ]] || fail "no mux relay pid in status"

# Same relay, another setting: the same process.
mux_conf mx -r "$T/relay-a" "idle_timeout = 600;"
reload
[[ $(mux_pid) == "$a" ]] || fail "a reload that kept the relay replaced it"

# Another relay: a new process for new sessions.
mux_conf mx -r "$T/relay-b"
reload
wait_until 10 "a new mux relay" eval '[[ $(mux_pid) != "$a" && $(mux_pid) != 0 ]]'
b=$(mux_pid)
echo "new" >"$T/new.in"
client 10 "$T/mx.sock" --send "$T/new.in" --out "$T/new.out" || fail "new session not served"
same_file "$T/new.in" "$T/new.out"
[[ $(relays) == "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')" ]] ||
	fail "expected relays $a and $b, found $(relays)"
ps -o args= -p "$b" | grep -q relay-b ||
	fail "the new session's relay is not relay-b"

# The old relay goes with its last session.
touch "$T/release"
wait_exit "$held" 10
((EXIT_STATUS == 0)) || fail "the held session failed (status $EXIT_STATUS)"
wait_until 10 "the old relay $a ends" eval '! alive '"$a"
[[ $(relays) == "$b " ]] || fail "expected only relay $b, found $(relays)"
log "ok"
