#!/bin/bash
# start --env against an instance that holds the lock and whose control
# socket takes connections but never answers (hung): it gives up after
# the 30 seconds the manual names, says so, and prints no line to eval.
# Twice: with room in the socket's backlog (the router listens with
# SOMAXCONN), and with the backlog full, where a connect() itself blocks.
# With room, status and stop at the same time: after their 60 s each
# says the instance does not answer and exits 1, not "not running".
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

# hung BACKLOG CASE [CMD...]: start --env, and each npiperouter CMD,
# against a hung instance listening so.
hung() {
	local backlog=$1 case=$2 holder listener envpid cmd pids=()
	shift 2
	lock_held "holder$case" "$lock" 120
	holder=$BG_PID
	rm -f "$ctl"
	hung_socket "hung$case" "$ctl" "$backlog"
	listener=$BG_PID
	bg "env$case" "$R" start --env --shell sh -c "$T/r.conf"
	envpid=$BG_PID
	for cmd in "$@"; do
		bg "$cmd$case" "$R" "$cmd" -c "$T/r.conf"
		pids+=("$BG_PID")
	done
	# 30 s of asking, each try bounded by a second, then the answer.
	wait_exit "$envpid" 45
	((EXIT_STATUS == 1)) ||
		fail "start --env ($case) exited $EXIT_STATUS: $(cat "$T/env$case.err")"
	grep -q "did not answer on $ctl within 30s" "$T/env$case.err" ||
		fail "start --env ($case) said: $(cat "$T/env$case.err")"
	[[ ! -s $T/env$case.out ]] ||
		fail "start --env ($case) printed: $(cat "$T/env$case.out")"
	for cmd in "$@"; do
		wait_exit "${pids[0]}" 45
		pids=("${pids[@]:1}")
		((EXIT_STATUS == 1)) ||
			fail "$cmd ($case) exited $EXIT_STATUS: $(cat "$T/$cmd$case.err")"
		grep -q "the instance for $T/r.conf does not answer ($ctl: no answer within 60s)" "$T/$cmd$case.err" ||
			fail "$cmd ($case) said: $(cat "$T/$cmd$case.err")"
	done
	kill "$listener" "$holder"
	wait_exit "$listener" 10
	wait_exit "$holder" 10
}
hung 64 room status stop
# listen(0): one connection waits, the next try finds the backlog full,
# where connect() blocks for as long as the socket's send timeout.
hung 0 full
log "ok"
