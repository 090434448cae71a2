#!/bin/bash
# A mux relay that dies on every stream is restarted with a growing
# backoff. Once the next start is seconds away, a new client is closed at
# once with the reason (the relay keeps ending, when it starts next),
# rather than left in the listen backlog until the restart, where a
# `docker ps` would hang for up to 30 s and then fail anyway.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
echo "served" >"$T/in"
fault_relay --fault exit-after=0
mux_conf mx -r "$T/fault-relay"
start_router "$T/r.conf" "$T/mx.sock"

# ms_now: milliseconds on the wall clock.
ms_now() { echo $((${EPOCHREALTIME/./} / 1000)); }

# one_client: connects, sends, and is closed (by the relay's death or by
# the router); prints how long that took in ms.
one_client() {
	local t0=$(ms_now)
	client 40 "$T/mx.sock" --send "$T/in" --no-shutdown --allow-reset ||
		fail "a client of the dying relay was not closed (status $?)"
	echo $(($(ms_now) - t0))
}

# Each death doubles the wait for the next start: 0.5, 1, 2, 4, 8 s.
deadline=$((SECONDS + 40))
until grep -q 'restarting it in 8\.0s' "$ROUTER_LOG"; do
	((SECONDS < deadline)) ||
		fail "the backoff never reached 8 s: $(grep restarting "$ROUTER_LOG")"
	one_client >/dev/null
	sleep 0.2
done

# Now the next start is up to 8 s away.
# (In $(...) a fail ends only the subshell: its status says so.)
ms=$(one_client) || exit 1
((ms < 3000)) ||
	fail "a client waited ${ms} ms for the relay's restart, not closed at once"
wait_until 5 "the reason in the log" grep -qE \
	'the mux relay keeps ending \(exited with status 1\); next start in [0-9.]+s' "$ROUTER_LOG"
log "closed after ${ms} ms during the backoff, with the reason logged"

# The restart still comes, and serves again once the relay stops dying.
fault_relay
ready=$(grep -c 'mux relay pid [0-9]* ready' "$ROUTER_LOG")
_restarted() { (($(grep -c 'mux relay pid [0-9]* ready' "$ROUTER_LOG") > ready)); }
wait_until 15 "the relay's restart" _restarted
client 15 "$T/mx.sock" --send "$T/in" --out "$T/out" ||
	fail "the relay's restart did not serve (status $?)"
same_file "$T/in" "$T/out"
log "ok"
