#!/bin/bash
# max_connections_per_uid (issue 9 item 10): five idle connections from
# `nobody` on a route with max_connections = 5 and mode 0666 do not make
# root wait. By default one uid holds at most half the slots (3 of 5); the
# rest of its connections are refused and logged. The router's own user
# (root here) is not capped.
. "$(dirname "$0")/lib.sh"
need socat setpriv getent
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"

start_backend echo echo "$T/backend.sock" --log "$T/backend.log"
cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "cap"; listen = { path = "$T/cap.sock"; mode = "0666"; };
    $(relay_route "$T/backend.sock")
    max_connections = 5; }
);
CONF
start_router "$T/r.conf" "$T/cap.sock"
chmod 755 "$T"
accepts() { grep -c '^accept ' "$T/backend.log" || true; }

# Five idle clients as nobody: they connect and hold, sending nothing.
for i in 1 2 3 4 5; do
	bg "nobody$i" setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
		"$NPTEST_PEER" client "$T/cap.sock" --timeout 60 --no-shutdown --allow-reset
done
wait_until 10 "nobody's three sessions" eval '(($(accepts) == 3))'
wait_log_count 10 2 "route \"cap\": refused peer pid [0-9]+ uid $nobody: it has 3 connection\\(s\\) open \\(max_connections_per_uid\\)"

# root is served at once, twice in a row.
echo "root's turn" >"$T/in"
for i in 1 2; do
	client 5 "$T/cap.sock" --send "$T/in" --out "$T/out$i" ||
		fail "root was not served beside nobody's idle connections (status $?)"
	same_file "$T/in" "$T/out$i"
done
log "root is served while nobody holds its share"
log "ok"
