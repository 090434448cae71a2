#!/bin/bash
# The relay of an exposed route is killed: its clients' streams end, the
# relay is restarted with backoff, and the exposure is back on the new
# relay (a dead relay's name is free again, as a pipe goes with its
# process on Windows).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

start_backend echo echo "$T/echo.sock"
expose_conf ex "$T/echo.sock"
start_router "$T/r.conf" "$PIPES/ex"
client 10 "$PIPES/ex" --send-random 64K --send-copy "$T/1.in" --out "$T/1.out" ||
	fail "not served"
same_file "$T/1.in" "$T/1.out"
a=$(expose_pid ex)
((a > 0)) || fail "no relay pid"

# A client held open when the relay dies: it is ended, not left hanging.
bg held "$NPTEST_PEER" client "$PIPES/ex" --timeout 60 --send-bytes 1 \
	--hold-until "$T/never"
held=$BG_PID
wait_until 10 "the held session" eval '[[ $(route_json ex | jq .active) == 1 ]]'
kill -KILL "$a"
wait_log 10 "route \"ex\": mux relay pid $a killed by signal 9"
wait_until 20 "a new relay exposing the pipe" eval \
	'[[ $(expose_pid ex) != "$a" && $(route_json ex | jq -r .expose_state) == exposed ]]'
b=$(expose_pid ex)
wait_log 10 "route \"ex\": exposing //./pipe/ex (mux relay pid $b)"
wait_until 10 "the held session ends" eval '[[ $(route_json ex | jq .active) == 0 ]]'
client 10 "$PIPES/ex" --send-random 64K --send-copy "$T/2.in" --out "$T/2.out" ||
	fail "not served after the restart"
same_file "$T/2.in" "$T/2.out"
[[ $(route_json ex | jq .mux_restarts) == 1 ]] || fail "status: $(route_json ex)"
touch "$T/never"
log "ok"
