#!/bin/bash
# `start` twice leaves one background instance; `stop` ends it, removes its
# sockets and leaves no process behind; `status` says whether it runs.
. "$(dirname "$0")/lib.sh"
need socat pgrep

start_backend echo echo "$T/backend.sock"
socat_conf s
DAEMON_CONF=$T/r.conf

st=0
"$NPIPEROUTER" status -c "$T/r.conf" >"$T/status0" || st=$?
((st == 3)) || fail "status before start: exit $st, want 3 (not running)"

"$NPIPEROUTER" start -c "$T/r.conf" >"$T/start1" ||
	fail "first start failed: $(cat "$T/start1")"
grep -q '^npiperouter started (pid [0-9]*)' "$T/start1" ||
	fail "unexpected start output: $(cat "$T/start1")"
pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$T/start1")
[[ -S $T/s.sock ]] || fail "the route socket is missing after start returned"

"$NPIPEROUTER" start -c "$T/r.conf" >"$T/start2" ||
	fail "second start failed: $(cat "$T/start2")"
grep -q "already running for .* (pid $pid)" "$T/start2" ||
	fail "second start did not find the first: $(cat "$T/start2")"
n=$(pgrep -c -f -- "-c $T/r.conf") || true
((n == 1)) || fail "want one instance, found $n"

client 10 "$T/s.sock" --send-random 64K --send-copy "$T/sent" --out "$T/got" ||
	fail "the background instance does not relay"
same_file "$T/sent" "$T/got"
"$NPIPEROUTER" status -c "$T/r.conf" >"$T/status1" || fail "status failed"
grep -q "^s  *raw" "$T/status1" || fail "status lacks the route: $(cat "$T/status1")"

"$NPIPEROUTER" stop -c "$T/r.conf" >"$T/stop" || fail "stop failed: $(cat "$T/stop")"
grep -q '^stopped$' "$T/stop" || fail "stop said: $(cat "$T/stop")"
alive "$pid" && fail "instance $pid still runs after stop returned"
[[ ! -e $T/s.sock ]] || fail "stop left the route socket behind"
[[ -z $(ls "$XDG_RUNTIME_DIR"/npiperouter/*.ctl 2>/dev/null) ]] ||
	fail "stop left the control socket behind"
st=0
"$NPIPEROUTER" status -c "$T/r.conf" >/dev/null || st=$?
((st == 3)) || fail "status after stop: exit $st, want 3"
# stop when nothing runs is not an error (idempotent, like start).
"$NPIPEROUTER" stop -c "$T/r.conf" | grep -q "not running" ||
	fail "second stop did not say it was not running"
DAEMON_CONF=
log "ok"
