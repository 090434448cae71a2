#!/bin/bash
# Sessions that outlive their use end (issue 9 items 10 and 16):
#  - a relay that never reads, whose client left in the middle of sending,
#    is ended after the linger (and that is not counted as its failure);
#  - a relay that outlives both directions gets SIGTERM after the linger,
#    and SIGKILL when it ignores that;
#  - an idle client that holds its connection is closed once its relay is
#    gone, and a relay's non-zero exit counts as a failure in `status`.
. "$(dirname "$0")/lib.sh"
need sh sleep socat jq

SH=$(type -P sh)
cat >"$T/r.conf" <<CONF
relay = { path = "$SH"; };
routes = (
  { name = "deaf"; listen = { path = "$T/deaf.sock"; };
    relay_args = [ "-c", "exec sleep 300" ]; pipe = "x"; },
  { name = "stuck"; listen = { path = "$T/stuck.sock"; };
    relay_args = [ "-c", "trap '' TERM; exec >&-; exec sleep 300" ]; pipe = "x"; },
  { name = "fail"; listen = { path = "$T/fail.sock"; };
    relay_args = [ "-c", "exit 3" ]; pipe = "x"; }
);
CONF
start_router "$T/r.conf" "$T/deaf.sock" "$T/stuck.sock" "$T/fail.sock"
field() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" |
		jq -r --arg r "$1" --arg f "$2" '.routes[] | select(.name == $r) | .[$f]'
}
idle() { [[ $(field "$1" active) == 0 ]]; }

# 1. The client sends more than the relay's buffers hold, to a relay that
# never reads, and dies: nothing would ever end that session.
bg deafc "$NPTEST_PEER" client "$T/deaf.sock" --timeout 60 --send-random 64M
sleep 1 # long enough to fill every buffer on the way
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null || true
wait_log 10 'route "deaf" #1: relay still running after its client finished; sending SIGTERM'
wait_log 5 'route "deaf" #1: relay killed by signal 15'
wait_until 5 "the deaf route's session to end" idle deaf
[[ $(field deaf relay_failures) == 0 ]] || fail "a relay we ended counted as failed"
log "a relay that never reads is ended after its client left"

# 2. Both directions end (the relay closed stdout, the client sent EOF),
# the relay runs on and ignores SIGTERM.
client 10 "$T/stuck.sock" --expect-bytes 0 || fail "stuck: client failed (status $?)"
wait_log 10 'route "stuck" #2: relay still running after both directions ended; sending SIGTERM'
wait_log 10 'route "stuck" #2: relay still running after both directions ended; sending SIGKILL'
wait_log 5 'route "stuck" #2: relay killed by signal 9'
wait_until 5 "the stuck route's session to end" idle stuck
log "a relay that outlives both directions gets SIGTERM, then SIGKILL"

# 3. The relay exits at once with status 3; the client neither sends nor
# closes (socat waits 100 s after the relay's EOF): the router closes it.
sleep 100 | socat -t 100 - "UNIX-CONNECT:$T/fail.sock" >/dev/null 2>"$T/socat.err" &
BG_PIDS+=("$!")
wait_log 10 'route "fail" #3: relay exited with status 3'
wait_until 5 "the idle client of an exited relay to be closed" idle fail
[[ $(field fail relay_failures) == 1 ]] ||
	fail "relay_failures is $(field fail relay_failures) after a relay exited 3"
[[ $(field fail last_error) == "relay exited with status 3" ]] ||
	fail "last_error is '$(field fail last_error)'"
log "an idle client is closed once its relay exited; the exit counts as a failure"
log "ok"
