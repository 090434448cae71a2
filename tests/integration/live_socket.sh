#!/bin/bash
# A socket somebody still listens on is never taken over: the router exits
# with status 1 and a clear message, and the other listener keeps working.
. "$(dirname "$0")/lib.sh"
need socat

start_backend backend echo "$T/backend.sock"
start_backend other echo "$T/live.sock"
other_pid=$BG_PID

cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "free";
    listen = { path = "$T/free.sock"; };
    $(relay_route "$T/backend.sock")
  },
  { name = "taken";
    listen = { path = "$T/live.sock"; };
    $(relay_route "$T/backend.sock")
  }
);
CONF
start_router "$T/r.conf"
wait_exit "$ROUTER_PID" 15
((EXIT_STATUS == 1)) || fail "router exited with status $EXIT_STATUS, want 1"
log_has "route \"taken\": $T/live.sock is in use by another process" ||
	fail "no 'in use by another process' message"
# Startup failed as a whole: the route that did bind is cleaned up.
[[ ! -e $T/free.sock ]] || fail "router left $T/free.sock behind"

alive "$other_pid" || fail "the other listener died"
echo still-mine >"$T/in"
client 10 "$T/live.sock" --send "$T/in" --out "$T/out" ||
	fail "the other listener's socket no longer works (status $?)"
same_file "$T/in" "$T/out"
log "ok"
