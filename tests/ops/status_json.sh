#!/bin/bash
# `status --json` counts exactly the traffic the test sent: connections,
# bytes each way, relay starts and failures, and the last error; and it
# is JSON, UTF-8 only, when a path holds a byte of another encoding.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
latin1=$'\xe9' # é in ISO 8859-1: no UTF-8
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "good"; listen = { path = "$T/good.sock"; }; relay_args = [ "-t", "30", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/backend.sock"; },
  { name = "bad"; listen = { path = "$T/bad.sock"; };
    relay = { path = "$T/no-such-relay"; }; pipe = "x"; },
  { name = "latin1"; listen = { path = "$T/latin1.sock"; };
    relay = { path = "$T/caf$latin1"; }; pipe = "x"; },
  { name = "a-route-named-at-length"; listen = { path = "$T/long.sock"; };
    relay = { path = "$T/no-such-relay"; }; pipe = "x";
    adapter = { name = "ssh-agent"; }; }
);
CONF
DAEMON_CONF=$T/r.conf
"$NPIPEROUTER" start -c "$T/r.conf" >/dev/null || fail "start failed"

sent=0
for n in 1000 20000 300000; do
	client 10 "$T/good.sock" --send-random "$n" --send-copy "$T/s$n" --out "$T/g$n" ||
		fail "transfer of $n bytes failed"
	same_file "$T/s$n" "$T/g$n"
	sent=$((sent + n))
done
client 10 "$T/bad.sock" --send-random 10 --out "$T/bad" --allow-reset || true
client 10 "$T/latin1.sock" --send-random 10 --out "$T/bad" --allow-reset || true

# Sessions are counted once they ended: wait for the last relay to exit.
no_active() { [[ $(route_field "$T/r.conf" good active) == 0 ]]; }
wait_until 10 "the good route to have no open session" no_active

status_json "$T/r.conf" >"$T/status.json"
# jq would take the bytes and show U+FFFD; Python's decoder refuses them.
python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read())' "$T/status.json" 2>"$T/py.err" ||
	fail "status --json is not JSON: $(tail -n 1 "$T/py.err")"
want() { # ROUTE FIELD VALUE
	local got
	got=$(jq -r --arg r "$1" --arg f "$2" '.routes[] | select(.name == $r) | .[$f]' "$T/status.json")
	[[ $got == "$3" ]] || fail "route $1: $2 is '$got', want '$3'"
}
want good total 3
want good bytes_up "$sent"
want good bytes_down "$sent"
want good relay_starts 3
want good relay_failures 0
want good last_error null
want good socket "$T/good.sock"
want good adapter raw
want good listening true
want bad total 1
want bad relay_starts 0
want bad relay_failures 1
jq -r '.routes[] | select(.name == "bad") | .last_error' "$T/status.json" |
	grep -q "cannot start relay \"$T/no-such-relay\": No such file or directory" ||
	fail "bad route's last_error: $(cat "$T/status.json")"
jq -r '.routes[] | select(.name == "latin1") | .last_error' "$T/status.json" |
	grep -qF "cannot start relay \"$T/caf"$'\xef\xbf\xbd'\" ||
	fail "latin1 route's last_error: $(jq .routes "$T/status.json")"
# The text table keeps its columns under long route and adapter names
# (the built-in ssh-agent route has one): each row's socket starts where
# the header's SOCKET does.
"$NPIPEROUTER" status -c "$T/r.conf" >"$T/status.txt" || fail "status failed"
col=$(sed -n 2p "$T/status.txt" | awk '{ print index($0, "SOCKET") }')
for r in good a-route-named-at-length; do
	row=$(grep "^$r " "$T/status.txt") || fail "status lacks route $r: $(cat "$T/status.txt")"
	[[ ${row:col-1} == "$T/"* ]] ||
		fail "route $r's columns are out of line:"$'\n'"$(cat "$T/status.txt")"
done
[[ $(jq -r .running "$T/status.json") == true ]] || fail "running is not true"
[[ $(jq -r .config "$T/status.json") == "$T/r.conf" ]] || fail "config path wrong"
log "ok"
