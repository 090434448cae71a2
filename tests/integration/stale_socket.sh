#!/bin/bash
# A socket file that nothing listens on any more (left by a crash) is
# replaced, and the route then works.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
# Make the stale socket: a listener killed with SIGKILL leaves its file.
start_backend dead echo "$T/stale.sock"
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null || true
[[ -S $T/stale.sock ]] || fail "could not create a stale socket"

cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "s";
    listen = { path = "$T/stale.sock"; };
    $(relay_route "$T/backend.sock")
  }
);
CONF
start_router "$T/r.conf"
wait_log 15 "route \"s\": removed stale socket $T/stale.sock"
wait_log 15 "route \"s\": listening on $T/stale.sock"
[[ -S $T/stale.sock ]] || fail "no socket at $T/stale.sock"

echo stale-ok >"$T/in"
client 10 "$T/stale.sock" --send "$T/in" --out "$T/out" || fail "client failed (status $?)"
same_file "$T/in" "$T/out"
log "ok"
