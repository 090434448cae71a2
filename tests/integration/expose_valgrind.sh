#!/bin/bash
# Exposed routes under valgrind (or, in a sanitizer build, under ASan and
# UBSan: the router's exit status says): traffic with half-close, a
# missing socket, a refusal at max_connections, a name in use then
# freed, the relay killed and the exposure back, a reload that removes
# an exposed route with a client open, and SIGTERM with one open. No
# memory error and no definite leak.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

start_backend echo echo "$T/echo.sock"
start_backend squatter greet-close "$PIPES/taken"
squatter=$BG_PID
conf() {
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$EXPOSE_RELAY"
		expose_route ex "$T/echo.sock" "max_connections = 2;"
		printf ',\n'
		expose_route gone "$T/missing.sock"
		printf ',\n'
		expose_route taken "$T/echo.sock"
		for s in "$@"; do printf ',\n%s' "$s"; done
		printf '\n);\n'
	} >"$T/r.conf"
}
conf "$(expose_route old "$T/echo.sock")"
if [[ ${NPR_SANITIZE:-} == 1 ]]; then
	bg router "$NPIPEROUTER" run -c "$T/r.conf" -v
	ROUTER_PID=$BG_PID
	ROUTER_LOG=$T/router.err
else
	valgrind_router "$T/r.conf"
fi
for s in ex gone old; do
	wait_until 60 "pipe $s" _listening "$ROUTER_PID" "$PIPES/$s" router
done
client 60 "$PIPES/ex" --send-random 2M --send-copy "$T/s" --out "$T/r" --expect-bytes 2M ||
	fail "traffic failed"
same_file "$T/s" "$T/r"
client 30 "$PIPES/gone" --out "$T/gone.out" || fail "missing socket: client not closed"
wait_log 30 "connect $T/missing.sock: No such file or directory"
# max_connections.
for i in 1 2; do
	bg "held$i" "$NPTEST_PEER" client "$PIPES/ex" --timeout 120 --send-bytes 1 \
		--hold-until "$T/release"
done
wait_until 60 "two held" eval '[[ $(route_json ex | jq .active) == 2 ]]'
client 30 "$PIPES/ex" --out "$T/over.out" || fail "over the limit: client not closed"
wait_log 30 'max_connections'
touch "$T/release"
# The name in use, then free.
wait_log 60 'cannot expose //./pipe/taken'
kill -TERM "$squatter"
wait_exit "$squatter" 30
wait_log 60 'route "taken": exposing //./pipe/taken'
# The relay killed.
a=$(expose_pid ex)
kill -KILL "$a"
wait_until 60 "ex back" eval '[[ $(expose_pid ex) != "$a" && $(route_json ex | jq -r .expose_state) == exposed ]]'
client 60 "$PIPES/ex" --send-random 64K --send-copy "$T/s2" --out "$T/r2" || fail "not served after the restart"
same_file "$T/s2" "$T/r2"
# A reload removing "old" while a client holds it.
bg held3 "$NPTEST_PEER" client "$PIPES/old" --timeout 120 --send-bytes 1 \
	--hold-until "$T/release3"
held3=$BG_PID
wait_until 60 "held on old" eval '[[ $(route_json old | jq .active) == 1 ]]'
conf
"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"
wait_until 60 "old's pipe gone" eval '[[ ! -e $PIPES/old ]]'
touch "$T/release3"
wait_exit "$held3" 60
wait_log 60 'route "old": last session ended'
# SIGTERM with a client open.
bg held4 "$NPTEST_PEER" client "$PIPES/ex" --timeout 120 --send-bytes 1 \
	--hold-until "$T/release4" --allow-reset
wait_until 60 "held on ex" eval '[[ $(route_json ex | jq .active) == 1 ]]'
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 60
((EXIT_STATUS == 0)) || fail "router exited $EXIT_STATUS (99: valgrind found memory errors or definite leaks)"
! grep -qE 'Sanitizer|runtime error' "$ROUTER_LOG" || fail "sanitizer report in the router's log"
log "ok"
