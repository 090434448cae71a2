#!/bin/bash
# The router under valgrind: bulk both ways, a late reply after a
# half-close, a relay killed mid-stream, a missing relay, status, a reload
# and SIGTERM with a session open. valgrind must report no memory error and
# no definite leak (its exit status says so). Registered only for builds
# without sanitizers, which valgrind cannot run.
. "$(dirname "$0")/lib.sh"
need socat valgrind

start_backend backend echo "$T/backend.sock"
start_backend drain drain-reply "$T/drain.sock" --delay 0.5
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "v"; listen = { path = "$T/v.sock"; };
    relay_args = [ "-t", "30", "$STDIO" ]; pipe = "UNIX-CONNECT:$T/backend.sock";
    allow_uids = [ $(id -u) ]; },
  { name = "late"; listen = { path = "$T/late.sock"; };
    relay_args = [ "-t", "30", "$STDIO" ]; pipe = "UNIX-CONNECT:$T/drain.sock"; },
  { name = "none"; listen = { path = "$T/none.sock"; };
    relay = { path = "$T/no-such-relay"; }; pipe = "x"; }
);
CONF

valgrind_router "$T/r.conf"
for s in v late none; do
	wait_until 60 "router socket $s under valgrind" _listening "$ROUTER_PID" "$T/$s.sock" router
done

client 60 "$T/v.sock" --send-random 4M --send-copy "$T/s1" --out "$T/g1" || fail "bulk failed"
same_file "$T/s1" "$T/g1"
client 60 "$T/late.sock" --send-random 64K --send-copy "$T/s2" --out "$T/g2" || fail "late reply failed"
same_file "$T/s2" "$T/g2"
client 30 "$T/none.sock" --send-random 1K --out "$T/g3" --allow-reset || true
wait_log 30 'cannot start relay'

# A relay killed in the middle of a transfer.
bg victim "$NPTEST_PEER" client "$T/v.sock" --timeout 60 --send-random 1G \
	--rate 8M --out "$T/got" --stop-on-eof --allow-reset
victim=$BG_PID
wait_until 30 "the transfer to be under way" test -s "$T/got"
mapfile -t kids < <(children_of "$ROUTER_PID")
((${#kids[@]} >= 1)) || fail "no relay child found"
kill -KILL "${kids[@]}"
wait_exit "$victim" 30

"$NPIPEROUTER" status --json -c "$T/r.conf" >/dev/null || fail "status failed"
"$NPIPEROUTER" reload -c "$T/r.conf" >/dev/null || fail "reload failed"

# SIGTERM with a session open: drained, then its relay ended.
echo idle >"$T/idle.in"
bg idle "$NPTEST_PEER" client "$T/v.sock" --timeout 60 --send "$T/idle.in" \
	--out "$T/idle.out" --no-shutdown --allow-reset
wait_until 30 "the idle client to be served" cmp -s "$T/idle.in" "$T/idle.out"
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 60
if ((EXIT_STATUS != 0)); then
	grep -E '^==[0-9]+==' "$ROUTER_LOG" | head -40 >&2 || true
	fail "valgrind: router exited $EXIT_STATUS (99: memory errors or definite leaks)"
fi
! grep -qE '^==[0-9]+== (Invalid|Conditional|Mismatched|Syscall param)' "$ROUTER_LOG" ||
	fail "valgrind reported errors: $(grep -E '^==[0-9]+==' "$ROUTER_LOG" | head -5)"
log "ok: valgrind found no errors and no definite leaks"
