#!/bin/bash
# The whole chain, half-close both ways.
#  client -> pipe: the client shuts down its write side; the router turns
#    that into EOF on the relay's stdin, -s into a zero-byte message; the
#    server answers only then, so the answer proves the half-close got
#    through while the way back stayed open.
#  pipe -> client: the server ends the stream while the client never
#    shuts down; the relay (-ep) exits and the client must see EOF.
. "$(dirname "$0")/lib.sh"
chain_init

mpipe=$(pipe_name msg)
bpipe=$(pipe_name byte)
start_pipesrv msg --name "$mpipe" --mode msg --report --zero-eof
start_pipesrv byte --name "$bpipe" --mode byte --close-after 5
{
	echo 'routes = ('
	route msg "$mpipe" -ep -s -p
	echo ','
	route byte "$bpipe" -ep -p
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/msg.sock" "$T/byte.sock"

# 4 MiB: far more than the buffers on the way, so the echo streams back
# while the client is still sending, and the reply follows its EOF.
n=$((4 * 1024 * 1024))
client 60 "$T/msg.sock" --send-random 4M --send-copy "$T/sent" \
	--out "$T/received" ||
	fail "client -> pipe half-close: client failed (status $?)"
{ cat "$T/sent"; printf 'received %d bytes\n' "$n"; } >"$T/want"
[[ $(sha "$T/received") == "$(sha "$T/want")" ]] ||
	fail "client -> pipe: got $(stat -c %s "$T/received") bytes, not the echo plus the reply"
wait_server msg "eof-msg $n"
ok "client -> pipe: half-close arrives as a zero-byte message; echo, reply and EOF come back"

# Half-close with no data at all.
client 30 "$T/msg.sock" --out "$T/empty.received" ||
	fail "empty half-close: client failed (status $?)"
[[ $(cat "$T/empty.received") == "received 0 bytes" ]] ||
	fail "empty half-close: got '$(cat "$T/empty.received")'"
wait_server msg "eof-msg 0"
ok "client -> pipe: a bare half-close travels too"

# The client keeps its write side open; only the server can end this.
printf hello >"$T/hello"
client 30 "$T/byte.sock" --send "$T/hello" --no-shutdown \
	--out "$T/byte.received" --expect-bytes 5 ||
	fail "pipe -> client: the client saw no EOF (status $?)"
[[ $(cat "$T/byte.received") == hello ]] || fail "pipe -> client: got '$(cat "$T/byte.received")'"
wait_server byte "closed 5"
ok "pipe -> client: the server's close reaches the client as EOF while the client's side is open"
