#!/bin/bash
# 100 Windows clients at once on one exposed pipe, 256 KiB each way with
# half-close: every byte comes back intact (SHA-256), all through one
# relay process, and max_connections holds the extra ones off with
# ERROR_PIPE_BUSY instead of connecting them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

start_backend echo echo "$T/echo.sock"
expose_conf ex "$T/echo.sock" "max_connections = 100;"
start_router "$T/r.conf" "$PIPES/ex"

echo_clients "$PIPES/ex" 100 256K
n=$(children_of "$ROUTER_PID" | wc -w)
((n == 1)) || fail "expected one relay process, found $n"
wait_until 10 "100 sessions counted" eval '[[ $(route_json ex | jq .total) == 100 ]]'

# Over max_connections: held clients fill the route, one more is turned
# away at once (the stand-in logs the router's ERROR_PIPE_BUSY).
expose_conf ex "$T/echo.sock" "max_connections = 2;"
"$NPIPEROUTER" reload -c "$T/r.conf" >/dev/null || fail "reload failed"
for i in 1 2; do
	bg "held$i" "$NPTEST_PEER" client "$PIPES/ex" --timeout 60 \
		--send-bytes 1 --hold-until "$T/release"
done
wait_until 10 "two sessions open" eval '[[ $(route_json ex | jq .active) == 2 ]]'
client 10 "$PIPES/ex" --out "$T/over.out" ||
	fail "the client over the limit was not closed cleanly"
[[ ! -s $T/over.out ]] || fail "the client over the limit got an answer"
wait_log 10 'refused a Windows client: 2 connections open (max_connections)'
grep -qF 'status 3, error 231' "$T/router.err" ||
	fail "the relay was not told ERROR_PIPE_BUSY (231)"
touch "$T/release"
wait_until 10 "the held sessions end" eval '[[ $(route_json ex | jq .active) == 0 ]]'

# Every client counted in and out, the refused one too: stopping finds
# no session left.
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10
! log_has 'session(s) may finish' || fail "sessions miscounted: $(grep -F 'may finish' "$ROUTER_LOG")"
log "ok"
