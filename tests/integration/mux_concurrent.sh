#!/bin/bash
# 300 clients at once on one mux relay, 1 MiB each way with half-close:
# every byte comes back intact (SHA-256), and all of it through one relay
# process.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
mux_conf mx "max_connections = 400;" "max_connections_per_uid = 400;"
start_router "$T/r.conf" "$T/mx.sock"
wait_log 10 'mux relay pid'

pids=()
for i in $(seq 1 300); do
	"$NPTEST_PEER" client "$T/mx.sock" --timeout "${MUXC_TIMEOUT:-100}" --send-random 1M \
		--seed "$i" --send-copy "$T/s$i" --out "$T/r$i" \
		--expect-bytes 1M >/dev/null 2>"$T/c$i.err" &
	pids+=($!)
	BG_PIDS+=($!)
done
failed=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || { failed=$((failed + 1)); log "client $((i + 1)): $(cat "$T/c$((i + 1)).err")"; }
done
((failed == 0)) || fail "$failed of 300 clients failed"
for i in $(seq 1 300); do
	[[ $(sha "$T/s$i") == $(sha "$T/r$i") ]] || fail "client $i: the echo differs"
done
n=$(children_of "$ROUTER_PID" | wc -w)
((n == 1)) || fail "expected one relay process, found $n"
"$NPIPEROUTER" status --json -c "$T/r.conf" | grep -q '"total":300' || fail "status total"
log "ok"
