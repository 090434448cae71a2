#!/bin/bash
# The whole chain against a Docker-like pipe server, with the seed's
# Docker flags (-ep -s, no -p): go-winio's listener holds the pipe name
# with an instance that stays busy and creates each listening instance
# only after accepting a client, so clients arriving together find the
# pipe busy (jstarks/npiperelay issue 7).  The relay waits for a busy
# pipe by itself, up to 2 s as Docker's own client does: 20 concurrent
# connections must all succeed.
. "$(dirname "$0")/lib.sh"
chain_init

pipe=$(pipe_name docker)
start_pipesrv docker --name "$pipe" --mode msg --docker --accept-delay 10
{
	echo 'routes = ('
	route docker "$pipe" -ep -s
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/docker.sock"

n=20
t0=$(date +%s%N)
pids=()
for i in $(seq 1 "$n"); do
	client 120 "$T/docker.sock" --send-random 256K --seed "$i" \
		--send-copy "$T/c$i.sent" --out "$T/c$i.received" \
		--expect-bytes 256K >"$T/c$i.log" 2>&1 &
	pids+=($!)
	BG_PIDS+=($!)
done
failed=0
for i in $(seq 1 "$n"); do
	wait "${pids[i - 1]}" || { failed=$((failed + 1)); log "client $i: $(cat "$T/c$i.log")"; }
done
ms=$((($(date +%s%N) - t0) / 1000000))
# On failure, what the router said of any session that did not end well.
((failed == 0)) || fail "$failed of $n concurrent clients failed; the router said: $(grep -hE 'nprelay: | warn: | error: |relay exited with status [1-9]|killed by' "$T/router.err" | head -10)"
for i in $(seq 1 "$n"); do
	[[ $(sha "$T/c$i.sent") == "$(sha "$T/c$i.received")" ]] ||
		fail "client $i: echo differs from what it sent"
done
(($(grep -c '^eof-msg 262144$' "$T/docker.log") == n)) ||
	fail "the server did not see $n half-closes: $(grep -c eof-msg "$T/docker.log")"
ok "$n concurrent connections to a Docker-like server with -ep -s and no -p, 256 KiB each way each, all SHA-256 match, in $ms ms"
