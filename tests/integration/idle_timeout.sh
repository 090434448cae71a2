#!/bin/bash
# idle_timeout (issue 9 item 10): a session with no traffic either way for
# that long is closed; one that keeps moving bytes is not, however long it
# lasts; a route without the setting never closes an idle session.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "idle"; listen = { path = "$T/idle.sock"; };
    $(relay_route "$T/backend.sock")
    idle_timeout = 1; },
  { name = "forever"; listen = { path = "$T/forever.sock"; };
    $(relay_route "$T/backend.sock") }
);
CONF
start_router "$T/r.conf" "$T/idle.sock" "$T/forever.sock"

# An echo, then silence: the router ends the stream (the client never
# shuts down its side).
echo "hello" >"$T/in"
client 20 "$T/idle.sock" --send "$T/in" --out "$T/out" --no-shutdown ||
	fail "the idle session was not closed (client status $?)"
same_file "$T/in" "$T/out"
wait_log 5 'route "idle" #1: no traffic for 1s (idle_timeout); closing the session'
log "an idle session is closed after idle_timeout"

# Four seconds of steady traffic on a 1 s timeout: not idle.
client 60 "$T/idle.sock" --send-random 2M --rate 512K --send-copy "$T/sent" \
	--out "$T/got" || fail "a busy session failed (status $?)"
same_file "$T/sent" "$T/got"
(($(log_count 'route "idle" #2: no traffic') == 0)) || fail "a busy session was called idle"
log "a session moving bytes is never idle"

# No idle_timeout: still open when the client gives up (status 3: timeout).
st=0
client 3 "$T/forever.sock" --send "$T/in" --out "$T/out2" --no-shutdown || st=$?
((st == 3)) || fail "without idle_timeout the idle session ended (client status $st)"
(($(log_count 'route "forever" #3: no traffic') == 0)) || fail "idle_timeout applied to a route without it"
log "ok"
