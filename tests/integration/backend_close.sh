#!/bin/bash
# The backend speaks first and closes at once; the client, which never
# half-closes, must get the greeting and then EOF from the router.
. "$(dirname "$0")/lib.sh"
need socat

start_backend greet greet-close "$T/backend.sock" --greeting "220 closing now"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "gc";
    listen = { path = "$T/gc.sock"; };
    relay_args = [ "-" ];
    pipe = "UNIX-CONNECT:$T/backend.sock";
  }
);
CONF
start_router "$T/r.conf" "$T/gc.sock"

for i in 1 2 3; do
	client 10 "$T/gc.sock" --no-shutdown --out "$T/got$i" ||
		fail "connection $i: no EOF after the backend closed (status $?)"
	[[ $(cat "$T/got$i") == "220 closing now" ]] ||
		fail "connection $i: got '$(cat "$T/got$i")'"
done
log "ok"
