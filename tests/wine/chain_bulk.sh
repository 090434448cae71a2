#!/bin/bash
# The whole chain, data integrity: client -> npiperouter -> wine
# nprelay.exe -> pipe server and back, 16 MiB each way, for a Docker-like
# message-mode route (-ep -s) and an agent-like byte-mode route.
. "$(dirname "$0")/lib.sh"
chain_init

size=$((16 * 1024 * 1024))
mpipe=$(pipe_name msg)
bpipe=$(pipe_name byte)
start_pipesrv msg --name "$mpipe" --mode msg
start_pipesrv byte --name "$bpipe" --mode byte --close-after "$size"
{
	echo 'routes = ('
	route msg "$mpipe" -ep -s
	echo ','
	route byte "$bpipe" -ep
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/msg.sock" "$T/byte.sock"

for r in msg byte; do
	t0=$(date +%s%N)
	client 90 "$T/$r.sock" --send-random 16M --send-copy "$T/$r.sent" \
		--out "$T/$r.received" --expect-bytes 16M ||
		fail "$r: client failed (status $?)"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[[ $(sha "$T/$r.sent") == "$(sha "$T/$r.received")" ]] ||
		fail "$r: SHA-256 of what came back differs from what was sent"
	ok "$r route: 16 MiB each way through router + wine nprelay.exe in $ms ms, SHA-256 $(sha "$T/$r.received" | cut -c1-16)..."
done
wait_server msg "eof-msg $size"
wait_server byte "closed $size"
