#!/bin/bash
# The backend speaks first and closes at once; the client, which never
# half-closes, must get the greeting and then EOF from the router: both
# when the child passes EOF on while it lives (route "shut") and when the
# child simply exits (route "exit": socat "-" exits -t 0.5 s later).
. "$(dirname "$0")/lib.sh"
need socat

start_backend greet greet-close "$T/backend.sock" --greeting "220 closing now"
cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "shut";
    listen = { path = "$T/shut.sock"; };
    $(relay_route -t 30 "$T/backend.sock")
  },
  { name = "exit";
    listen = { path = "$T/exit.sock"; };
    $(relay_route -t 0.5 -x "$T/backend.sock")
  }
);
CONF
start_router "$T/r.conf" "$T/shut.sock" "$T/exit.sock"

for r in shut exit; do
	for i in 1 2 3; do
		# With socat -t 30, EOF within 5 s proves it came while the child
		# was alive.
		client 5 "$T/$r.sock" --no-shutdown --out "$T/got$r$i" ||
			fail "$r $i: no EOF after the backend closed (status $?)"
		[[ $(cat "$T/got$r$i") == "220 closing now" ]] ||
			fail "$r $i: got '$(cat "$T/got$r$i")'"
	done
done
log "ok"
