#!/bin/bash
# Mux mode carries a connection both ways with half-close: the client's
# EOF reaches the backend as FIN (-s: shutdown on the socket) while the
# reply keeps streaming, SHA-256 intact; then two clients at once share
# the one relay process, and status shows it.
. "$(dirname "$0")/lib.sh"

start_backend drain drain-reply "$T/backend.sock" --log "$T/backend.log"
mux_conf mx
start_router "$T/r.conf" "$T/mx.sock"
wait_log 10 'mux relay pid'

client 30 "$T/mx.sock" --send-random 4M --send-copy "$T/sent" \
	--out "$T/received" --expect-bytes 4M ||
	fail "client did not get the complete reply and EOF (status $?)"
same_file "$T/sent" "$T/received"
grep -qx 'eof 1 4194304' "$T/backend.log" ||
	fail "backend did not see EOF after 4 MiB: $(cat "$T/backend.log")"

# Empty half-close: FIN alone travels.
client 10 "$T/mx.sock" --expect-bytes 0 || fail "empty half-close failed (status $?)"
grep -qx 'eof 2 0' "$T/backend.log" || fail "backend did not see the empty EOF"

# Two more at once: still one relay process.
client 30 "$T/mx.sock" --send-random 1M --send-copy "$T/s1" --out "$T/r1" --expect-bytes 1M &
p1=$!
client 30 "$T/mx.sock" --send-random 1M --send-copy "$T/s2" --out "$T/r2" --expect-bytes 1M ||
	fail "second parallel client failed"
wait "$p1" || fail "first parallel client failed"
same_file "$T/s1" "$T/r1"
same_file "$T/s2" "$T/r2"
n=$(children_of "$ROUTER_PID" | wc -w)
((n == 1)) || fail "expected one relay child, found $n"

"$NPIPEROUTER" status --json -c "$T/r.conf" >"$T/status.json" || fail "status failed"
grep -q '"mode_configured":"mux","mode":"mux"' "$T/status.json" || fail "status: $(cat "$T/status.json")"
grep -q '"mux_pid":[1-9]' "$T/status.json" || fail "status has no mux pid: $(cat "$T/status.json")"
grep -q '"total":4' "$T/status.json" || fail "status total: $(cat "$T/status.json")"
grep -q '"bytes_up":6291456' "$T/status.json" || fail "status bytes: $(cat "$T/status.json")"
"$NPIPEROUTER" status -c "$T/r.conf" >"$T/status.txt" || fail "status failed"
grep -Eq '^mx +raw +mux ' "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
grep -Eq '^  mux relay: pid [0-9]+, up [0-9]+s, 0 restart\(s\), 0 open channel\(s\)$' "$T/status.txt" ||
	fail "status text has no mux relay line: $(cat "$T/status.txt")"
log "ok"
