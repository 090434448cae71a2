#!/bin/bash
# start --env against an instance that holds the lock and whose control
# socket takes connections but never answers (hung): it gives up after
# the 30 seconds the manual names, says so, and prints no line to eval.
# Twice: with room in the socket's backlog (the router listens with
# SOMAXCONN), and with the backlog full, where a connect() itself blocks.
. "$(dirname "$0")/lib.sh"
need flock python3

start_backend echo echo "$T/backend.sock"
socat_conf a
R=$NPIPEROUTER
DAEMON_CONF=$T/r.conf
"$R" start -c "$T/r.conf" >"$T/first.out" 2>&1 || fail "start: $(cat "$T/first.out")"
"$R" stop -c "$T/r.conf" >/dev/null 2>&1 || fail "stop failed"
lock=$(echo "$T"/rt/npiperouter/*.lock)
[[ -f $lock ]] || fail "no lock file in $T/rt/npiperouter"
ctl=${lock%.lock}.ctl

# hung BACKLOG CASE: start --env against a hung instance listening so.
hung() {
	local backlog=$1 case=$2 holder listener envpid
	bg "holder$case" flock -o "$lock" sleep 120
	holder=$BG_PID
	wait_until 10 "flock to hold $lock" sh -c "! flock -n '$lock' true"
	rm -f "$ctl"
	bg "hung$case" python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(int(sys.argv[2]))
print("listening", flush=True); time.sleep(120)' "$ctl" "$backlog"
	listener=$BG_PID
	wait_until 10 "the hung control socket" grep -q listening "$T/hung$case.out"
	bg "env$case" "$R" start --env --shell sh -c "$T/r.conf"
	envpid=$BG_PID
	# 30 s of asking, each try bounded by a second, then the answer.
	wait_exit "$envpid" 45
	((EXIT_STATUS == 1)) ||
		fail "start --env ($case) exited $EXIT_STATUS: $(cat "$T/env$case.err")"
	grep -q "did not answer on $ctl within 30s" "$T/env$case.err" ||
		fail "start --env ($case) said: $(cat "$T/env$case.err")"
	[[ ! -s $T/env$case.out ]] ||
		fail "start --env ($case) printed: $(cat "$T/env$case.out")"
	kill "$listener" "$holder"
	wait_exit "$listener" 10
	wait_exit "$holder" 10
}
hung 64 room
# listen(0): one connection waits, the next try finds the backlog full,
# where connect() blocks for as long as the socket's send timeout.
hung 0 full
log "ok"
