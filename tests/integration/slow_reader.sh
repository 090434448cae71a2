#!/bin/bash
# A client that stops reading must not make the router buffer what the
# backend keeps sending: 64 MiB are pushed at a client that pauses for 4 s,
# and the router's resident memory stays well below that. Afterwards all
# 64 MiB arrive intact.
. "$(dirname "$0")/lib.sh"
need socat awk head

# Growth allowed over the idle router; unbounded buffering would add ~64 MiB.
LIMIT_KB=$((24 * 1024))

head -c 64M /dev/urandom >"$T/big"
start_backend source source "$T/backend.sock" --file "$T/big"
socat_conf slow -t 30
start_router "$T/r.conf" "$T/slow.sock"
# Warm up allocator and code paths with one full-speed transfer first.
client 10 "$T/slow.sock" --no-shutdown --out /dev/null --expect-bytes 64M ||
	fail "warm-up transfer failed (status $?)"
base=$(rss_kb "$ROUTER_PID")

bg reader "$NPTEST_PEER" client "$T/slow.sock" --timeout 60 --no-shutdown \
	--pause-after 1M --pause 4 --out "$T/got" --expect-bytes 64M
reader=$BG_PID
paused() { [[ -f $T/got ]] && (($(stat -c %s "$T/got") >= 1048576)); }
wait_until 15 "the reader to receive its first MiB" paused
# Sample while the reader is paused (4 s from now). Only then: afterwards
# a sanitizer build's quarantine of freed buffers grows RSS legitimately.
max=$base
for ((i = 0; i < 25; i++)); do
	rss=$(rss_kb "$ROUTER_PID")
	((rss > max)) && max=$rss
	sleep 0.1
done
wait_exit "$reader" 60
((EXIT_STATUS == 0)) || fail "slow reader failed: $(cat "$T/reader.err")"
same_file "$T/big" "$T/got"
log "router RSS: idle ${base} KiB, peak ${max} KiB during the slow read"
((max - base < LIMIT_KB)) ||
	fail "router RSS grew by $((max - base)) KiB (limit $LIMIT_KB KiB): buffering is unbounded"
log "ok"
