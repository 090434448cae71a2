#!/bin/bash
# The whole chain in mux mode: client -> npiperouter -> ONE wine
# nprelay.exe --mux -> pipe servers and back. 16 MiB each way on a
# message-mode route (-ep -s), SHA-256 intact; half-close both ways (the
# client's EOF arrives as a zero-byte message and the reply still comes
# back; the server's close reaches a client that never shut down); and
# every connection of the route served by the same relay process.
. "$(dirname "$0")/lib.sh"
chain_init

# relay.path is started as `relay.path --mux`: wine needs the .exe first.
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$WINE" "$NPRELAY_EXE" >"$T/nprelay"
chmod +x "$T/nprelay"
mroute() { # NAME PIPE FLAGS...
	local name=$1 pipe=$2 f args= sep=
	shift 2
	for f in "$@"; do
		args+="$sep\"$f\""
		sep=", "
	done
	printf '  { name = "%s"; listen = { path = "%s"; }; pipe = "%s"; mode = "mux";\n    relay = { path = "%s"; }; relay_args = [ %s ]; }' \
		"$name" "$T/$name.sock" "$pipe" "$T/nprelay" "$args"
}

mpipe=$(pipe_name msg)
hpipe=$(pipe_name hc)
bpipe=$(pipe_name byte)
size=$((16 * 1024 * 1024))
start_pipesrv msg --name "$mpipe" --mode msg
start_pipesrv hc --name "$hpipe" --mode msg --report --zero-eof
start_pipesrv byte --name "$bpipe" --mode byte --close-after 5
{
	echo 'routes = ('
	mroute msg "$mpipe" -ep -s -p
	echo ','
	mroute hc "$hpipe" -ep -s -p
	echo ','
	mroute byte "$bpipe" -ep -p
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/msg.sock" "$T/hc.sock" "$T/byte.sock"
wait_until 60 "three mux relays ready" eval '(($(grep -c "mux relay pid [0-9]* ready" "$T/router.err") >= 3))'

client 90 "$T/msg.sock" --send-random 16M --send-copy "$T/msg.sent" \
	--out "$T/msg.received" --expect-bytes 16M ||
	fail "bulk: client failed (status $?)"
[[ $(sha "$T/msg.sent") == "$(sha "$T/msg.received")" ]] ||
	fail "bulk: SHA-256 of what came back differs from what was sent"
ok "16 MiB each way through router + one wine nprelay.exe --mux, SHA-256 intact"

n=$((4 * 1024 * 1024))
client 60 "$T/hc.sock" --send-random 4M --send-copy "$T/sent" --out "$T/received" ||
	fail "client -> pipe half-close: client failed (status $?)"
{ cat "$T/sent"; printf 'received %d bytes\n' "$n"; } >"$T/want"
[[ $(sha "$T/received") == "$(sha "$T/want")" ]] ||
	fail "client -> pipe: got $(stat -c %s "$T/received") bytes, not the echo plus the reply"
wait_server hc "eof-msg $n"
ok "client -> pipe: FIN arrives as a zero-byte message; echo, reply and EOF come back"

printf hello >"$T/hello"
client 30 "$T/byte.sock" --send "$T/hello" --no-shutdown \
	--out "$T/byte.received" --expect-bytes 5 ||
	fail "pipe -> client: the client saw no EOF (status $?)"
ok "pipe -> client: the server's close reaches a client that never shut down"

# Three more on the msg route, one after another: still the same relay.
pid=$("$NPIPEROUTER" status --json -c "$T/r.conf" | sed -n 's/.*"name":"msg".*"mux_pid":\([0-9]*\),.*"name":"hc".*/\1/p')
[[ -n $pid && $pid != 0 ]] || fail "status shows no mux relay for msg"
for i in 1 2 3; do
	client 30 "$T/msg.sock" --send "$T/hello" --out "$T/again" --expect-bytes 5 ||
		fail "connection $i: not served"
done
"$NPIPEROUTER" status --json -c "$T/r.conf" >"$T/st.json"
grep -q "\"mux_pid\":$pid," "$T/st.json" || fail "the msg route's relay changed: $(cat "$T/st.json")"
grep -q '"mux_restarts":0' "$T/st.json" || fail "a relay restarted: $(cat "$T/st.json")"
ok "every connection of the route went through relay pid $pid"
