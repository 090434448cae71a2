#!/bin/bash
# The whole chain, 20 connections at once, each with its own wine
# nprelay.exe and its own pipe instance; every echo must match.  The
# server, like Docker and the OpenSSH agent, has one instance listening at
# a time, so the others find the pipe busy: -p makes the relay wait.
. "$(dirname "$0")/lib.sh"
chain_init

pipe=$(pipe_name msg)
start_pipesrv msg --name "$pipe" --mode msg
{
	echo 'routes = ('
	route msg "$pipe" -ep -s -p
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/msg.sock"

t0=$(date +%s%N)
pids=()
for i in $(seq 1 20); do
	client 120 "$T/msg.sock" --send-random 512K --seed "$i" \
		--send-copy "$T/c$i.sent" --out "$T/c$i.received" \
		--expect-bytes 512K >"$T/c$i.log" 2>&1 &
	pids+=($!)
	BG_PIDS+=($!)
done
failed=0
for i in $(seq 1 20); do
	wait "${pids[i - 1]}" || { failed=$((failed + 1)); log "client $i: $(cat "$T/c$i.log")"; }
done
ms=$((($(date +%s%N) - t0) / 1000000))
((failed == 0)) || fail "$failed of 20 concurrent clients failed"
for i in $(seq 1 20); do
	[[ $(sha "$T/c$i.sent") == "$(sha "$T/c$i.received")" ]] ||
		fail "client $i: echo differs from what it sent"
done
(($(grep -c '^eof-msg 524288$' "$T/msg.log") == 20)) ||
	fail "the server did not see 20 half-closes: $(grep -c eof-msg "$T/msg.log")"
ok "20 concurrent connections, 512 KiB each way each, all SHA-256 match, in $ms ms"
