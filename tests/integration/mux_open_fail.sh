#!/bin/bash
# An open the relay cannot serve: the client is closed at once, the log
# names the Win32 error and its message, status counts the failure, and
# the same relay serves the next connection (no restart: a failed open
# is no violation).
. "$(dirname "$0")/lib.sh"

echo "served" >"$T/in"

# The pipe is missing: the stand-in answers as nprelay.exe would.
mux_conf mx
start_router "$T/r.conf" "$T/mx.sock"
wait_log 10 'mux relay pid'
client 5 "$T/mx.sock" --send "$T/in" --no-shutdown --allow-reset --expect-bytes 0 ||
	fail "missing pipe: client not closed promptly (status $?)"
wait_log 5 "relay Win32 error 2: $T/backend.sock: cannot open pipe"
"$NPIPEROUTER" status --json -c "$T/r.conf" >"$T/st.json"
grep -q '"relay_failures":1' "$T/st.json" || fail "status: $(cat "$T/st.json")"
grep -q 'Win32 error 2' "$T/st.json" || fail "status has no last error: $(cat "$T/st.json")"
pid=$(children_of "$ROUTER_PID")

# The same relay serves the next connection once the pipe is there.
start_backend echo echo "$T/backend.sock"
client 10 "$T/mx.sock" --send "$T/in" --out "$T/out" || fail "not served after the failed open"
same_file "$T/in" "$T/out"
[[ $(children_of "$ROUTER_PID") == "$pid" ]] || fail "a failed open restarted the relay"
grep -q 'mux_restarts":0' <("$NPIPEROUTER" status --json -c "$T/r.conf") || fail "restarted"
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10

# Every open fails with ERROR_ACCESS_DENIED (fail-open=5).
fault_relay --fault fail-open=5
mux_conf mx -r "$T/fault-relay"
: >"$T/router.err"
start_router "$T/r.conf" "$T/mx.sock"
client 5 "$T/mx.sock" --send "$T/in" --no-shutdown --allow-reset --expect-bytes 0 ||
	fail "fail-open: client not closed promptly (status $?)"
wait_log 5 'relay Win32 error 5: '
log "ok"
