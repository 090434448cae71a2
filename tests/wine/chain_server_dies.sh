#!/bin/bash
# The whole chain, the pipe server dies mid-stream: the client gets EOF
# instead of hanging, the relay's error reaches the router log, and the
# route keeps serving once a server is back.
. "$(dirname "$0")/lib.sh"
chain_init

pipe=$(pipe_name dying)
start_pipesrv dying --name "$pipe" --mode byte --die-after $((1024 * 1024))
{
	echo 'routes = ('
	route dying "$pipe" -ep
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/dying.sock"

rc=0
client 60 "$T/dying.sock" --send-random 8M --out "$T/received" --allow-reset \
	--stats >"$T/client.log" 2>&1 || rc=$?
((rc != 3)) || fail "the client hung after the server died: $(cat "$T/client.log")"
wait_until 20 "the server to die" grep -q '^dying ' "$T/dying.log"
got=$(stat -c %s "$T/received")
((got >= 1048576 && got < 8 * 1024 * 1024)) ||
	fail "client received $got bytes, want at least 1 MiB and less than 8"
# Every byte the server echoed before it died was in the pipe: the relay
# reads it all before it ends the stream, in mux mode too, although its
# write sees the broken pipe first.
echoed=$(sed -n 's/^dying //p' "$T/dying.log")
((got == echoed)) ||
	fail "client received $got of the $echoed bytes the server echoed before it died"
# The relay's end as the router logs it: spawn, its process exited; mux,
# its stream ended (reset or closed) while the relay runs on.
ended='relay exited'
[[ ${NPR_TEST_MODE:-spawn} == mux ]] && ended='relay stream'
wait_until 20 "the relay's end in the router log" router_log_has "$ended"
ok "server died after $(sed -n 's/^dying //p' "$T/dying.log") bytes: client got $got bytes, then the end ($(tail -n 1 "$T/client.log" | awk '{print $NF}'), client status $rc)"
if grep -q 'nprelay: ' "$T/router.err" "$T/router.log" 2>/dev/null; then
	ok "relay error in the router log: $(grep -h 'nprelay: ' "$T/router.err" "$T/router.log" | head -1 | cut -c1-200)"
fi

# A new server on the same pipe name: the route works again.
start_pipesrv back --name "$pipe" --mode byte --close-after 5
printf hello >"$T/hello"
client 30 "$T/dying.sock" --send "$T/hello" --out "$T/again" --expect-bytes 5 ||
	fail "the route did not recover after the server came back"
ok "the route serves again once the pipe server is back"
