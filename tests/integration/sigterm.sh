#!/bin/bash
# SIGTERM: the socket files go away at once (no new clients), a session in
# flight still completes, an idle one is ended after shutdown_timeout, the
# router exits 0 and leaves no child behind.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/echo.sock"
start_backend drain drain-reply "$T/drain.sock" --delay 1 --log "$T/drain.log"
cat >"$T/r.conf" <<CONF
shutdown_timeout = 3;
relay = { path = "$RELAY"; };
routes = (
  { name = "a";
    listen = { path = "$T/a.sock"; };
    $(relay_route -t 30 "$T/echo.sock")
  },
  { name = "b";
    listen = { path = "$T/b.sock"; };
    $(relay_route -t 30 "$T/drain.sock")
  }
);
CONF
start_router "$T/r.conf" "$T/a.sock" "$T/b.sock"

# An idle session that would never end by itself.
echo idle >"$T/idle.in"
bg idle "$NPTEST_PEER" client "$T/a.sock" --timeout 60 --send "$T/idle.in" \
	--out "$T/idle.out" --no-shutdown --allow-reset
idle=$BG_PID
wait_until 10 "the idle client to be served" cmp -s "$T/idle.in" "$T/idle.out"
# A request whose reply comes 1 s after the request is complete.
bg busy "$NPTEST_PEER" client "$T/b.sock" --timeout 60 --send-random 256K \
	--send-copy "$T/busy.sent" --out "$T/busy.out"
busy=$BG_PID
wait_until 10 "the busy request to reach the backend" grep -q '^eof 1 ' "$T/drain.log"

mapfile -t relays < <(children_of "$ROUTER_PID")
((${#relays[@]} == 2)) || fail "want 2 relay children, found: ${relays[*]:-none}"
kill -TERM "$ROUTER_PID"
gone() { [[ ! -e $T/a.sock && ! -e $T/b.sock ]]; }
wait_until 2 "the socket files to be removed" gone

# The reply in flight is delivered in full.
wait_exit "$busy" 10
((EXIT_STATUS == 0)) || fail "in-flight session was cut: $(cat "$T/busy.err")"
same_file "$T/busy.sent" "$T/busy.out"

wait_exit "$ROUTER_PID" 15
((EXIT_STATUS == 0)) || fail "router exited with status $EXIT_STATUS after SIGTERM"
wait_exit "$idle" 5
((EXIT_STATUS == 0)) || fail "idle client: $(cat "$T/idle.err")"
gone || fail "socket files left behind"
for pid in "${relays[@]}"; do
	wait_until 5 "relay child $pid to be gone" eval "! alive $pid"
done
log "ok"
