#!/bin/bash
# Refusals do not flood the log (hostile review item 5): `nobody`, at its
# per-uid cap on one route and not on the allow list of another, connects
# and closes in a loop. Each route logs a few refusal lines a second and
# counts the rest in "N refused connection(s) not logged" lines, the last
# one written after the flood ends; lines logged plus lines counted is
# exactly the route's "refused" in status.
. "$(dirname "$0")/lib.sh"
need setpriv getent python3 jq
# nobody runs it: the system's, not one from root's own setup (pyenv).
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(type -P python3)
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"

# The relay only has to hold the sessions that count against the cap.
printf '#!/bin/sh\nexec cat\n' >"$T/relay.sh"
chmod 755 "$T/relay.sh"
cat >"$T/r.conf" <<CONF
relay = { path = "$T/relay.sh"; };
routes = (
  { name = "cap"; listen = { path = "$T/cap.sock"; mode = "0666"; };
    pipe = "x"; max_connections = 5; },
  { name = "rootonly"; listen = { path = "$T/root.sock"; mode = "0666"; };
    pipe = "x"; allow_uids = [ 0 ]; }
);
CONF
start_router "$T/r.conf" "$T/cap.sock" "$T/root.sock"
chmod 755 "$T"

# nobody: hold three sessions of "cap" (its share of 5), then connect and
# close on both routes for 2 s.
cat >"$T/flood.py" <<'PY'
import socket, sys, time
cap, root = sys.argv[1], sys.argv[2]
hold = []
for i in range(3):
    c = socket.socket(socket.AF_UNIX); c.connect(cap); hold.append(c)
time.sleep(0.5)
t = time.time(); n = 0
while time.time() - t < 2:
    for path in (cap, root):
        c = socket.socket(socket.AF_UNIX)
        try:
            c.connect(path); n += 1
        except OSError:
            pass
        c.close()
print(n)
PY
setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
	timeout 30 "$PYTHON" "$T/flood.py" "$T/cap.sock" "$T/root.sock" >"$T/flood.out" ||
	fail "the flooding client failed: $(cat "$T/flood.out")"
log "nobody connected $(cat "$T/flood.out") times"

refused() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" |
		jq -r --arg r "$1" '.routes[] | select(.name == $r) | .refused'
}
logged() { log_count "route \"$1\": refused peer "; }
unlogged() {
	{ grep -oE "route \"$1\": [0-9]+ refused connection\\(s\\) not logged" "$ROUTER_LOG" || true; } |
		awk '{ n += $3 } END { print n + 0 }'
}
# Every refusal is either a line or counted in one, once the last count
# is out (a second after the flood, without another refusal).
_accounted() { (($(logged "$1") + $(unlogged "$1") == $(refused "$1"))); }
for r in cap rootonly; do
	# Bounded, and not fatal: the checks below say what is wrong.
	for _ in $(seq 1 100); do
		_accounted "$r" && break
		sleep 0.1
	done
	n=$(refused "$r") l=$(logged "$r") u=$(unlogged "$r")
	log "route $r: $n refused, $l logged, $u not logged"
	((n > 0)) || fail "route $r refused nothing"
	((u > 0)) || fail "route $r logged all $l of $n refusals: no rate limit"
	((l + u == n)) || fail "route $r: $l logged + $u not logged != $n refused"
done
alive "$ROUTER_PID" || fail "the router died"
log "ok"
