#!/bin/bash
# The mux backend under valgrind: traffic with half-close, a failed open,
# a protocol violation, the relay killed mid-stream and restarted, a
# reload that changes the relay while a session is open, and SIGTERM.
# valgrind must report no memory error and no definite leak. Registered
# only for builds without sanitizers.
. "$(dirname "$0")/lib.sh"
need valgrind

cp "$NPTEST_MUXRELAY" "$T/relay-b"
fault_relay --fault window-overflow
cat >"$T/r.conf" <<CONF
relay = { path = "$NPTEST_MUXRELAY"; };
routes = (
  { name = "mx"; listen = { path = "$T/mx.sock"; }; mode = "mux";
    relay_args = [ "-s" ]; pipe = "$T/backend.sock"; },
  { name = "fx"; listen = { path = "$T/fx.sock"; }; mode = "mux";
    relay = { path = "$T/fault-relay"; };
    relay_args = [ "-s" ]; pipe = "$T/backend.sock"; }
);
CONF
valgrind_router "$T/r.conf"
for s in mx fx; do
	wait_until 60 "router socket $s under valgrind" _listening "$ROUTER_PID" "$T/$s.sock" router
done
wait_log_count 60 2 'mux relay pid [0-9]+ ready'

echo "x" >"$T/in"
# A failed open (no backend yet).
client 30 "$T/mx.sock" --send "$T/in" --no-shutdown --allow-reset --expect-bytes 0 ||
	fail "failed open: client not closed"
start_backend echo echo "$T/backend.sock"
client 60 "$T/mx.sock" --send-random 2M --send-copy "$T/s" --out "$T/r" --expect-bytes 2M ||
	fail "traffic failed"
same_file "$T/s" "$T/r"
# A violation.
client 30 "$T/fx.sock" --send "$T/in" --no-shutdown --allow-reset || fail "violation: client not closed"
wait_log 30 'protocol error'
# The relay killed mid-stream.
bg slow "$NPTEST_PEER" client "$T/mx.sock" --timeout 60 --send-random 64M --rate 100000 --allow-reset
slow=$BG_PID
wait_until 30 "a stream open" eval '"$NPIPEROUTER" status --json -c "$T/r.conf" | grep -q "\"mux_channels\":1"'
pid=$("$NPIPEROUTER" status --json -c "$T/r.conf" | sed -n 's/.*"name":"mx".*"mux_pid":\([0-9]*\).*"name":"fx".*/\1/p')
[[ -n $pid ]] || fail "no mux pid"
kill -KILL "$pid"
wait_exit "$slow" 30
wait_log 30 "mux relay pid $pid killed by signal 9"
client 60 "$T/mx.sock" --send "$T/in" --out "$T/out" || fail "not served after the restart"
# A reload that changes the relay, with a session open on the old one.
echo "held" >"$T/held.in"
bg held "$NPTEST_PEER" client "$T/mx.sock" --timeout 120 --send "$T/held.in" \
	--out "$T/held.out" --hold-until "$T/release"
held=$BG_PID
wait_until 60 "the held client is served" cmp -s "$T/held.in" "$T/held.out"
sed -i "s|relay_args = \[ \"-s\" \]; pipe = \"$T/backend.sock\"; },|relay = { path = \"$T/relay-b\"; }; relay_args = [ \"-s\" ]; pipe = \"$T/backend.sock\"; },|" "$T/r.conf"
"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"
wait_log_count 60 4 'mux relay pid [0-9]+ ready'
client 60 "$T/mx.sock" --send "$T/in" --out "$T/out" || fail "not served after the reload"
touch "$T/release"
wait_exit "$held" 30
# SIGTERM with a session open.
bg held2 "$NPTEST_PEER" client "$T/mx.sock" --timeout 120 --send "$T/held.in" \
	--out "$T/held2.out" --hold-until "$T/release2" --allow-reset
wait_until 60 "the second held client is served" cmp -s "$T/held.in" "$T/held2.out"
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 60
((EXIT_STATUS == 0)) || fail "valgrind: router exited $EXIT_STATUS (99: memory errors or definite leaks)"
log "ok"
