#!/bin/bash
# 300 clients at once on one mux relay, 1 MiB each way with half-close:
# every byte comes back intact (SHA-256), and all of it through one relay
# process.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
mux_conf mx "max_connections = 400;" "max_connections_per_uid = 400;"
start_router "$T/r.conf" "$T/mx.sock"
wait_log 10 'mux relay pid'

echo_clients "$T/mx.sock" 300 1M "${MUXC_TIMEOUT:-100}"
n=$(children_of "$ROUTER_PID" | wc -w)
((n == 1)) || fail "expected one relay process, found $n"
"$NPIPEROUTER" status --json -c "$T/r.conf" | grep -q '"total":300' || fail "status total"
log "ok"
