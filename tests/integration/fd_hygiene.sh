#!/bin/bash
# Descriptor and signal hygiene (issue 9 item 4): started as
# `npiperouter run 7</etc/hostname 9>FILE` with SIGUSR1 and SIGQUIT
# ignored, neither the daemon nor its relay holds fd 7 or 9, the relay has
# exactly 0, 1 and 2, every signal at its default and none blocked; the
# same for the daemon that `start` leaves behind; and `run 2>&-` does not
# make the lock file its stderr (log lines overwrote the pid in it).
. "$(dirname "$0")/lib.sh"
need sleep readlink

# The relay is sleep(1): it opens nothing and catches nothing itself.
conf() {
	cat >"$T/$1.conf" <<-CONF
	relay = { path = "$(type -P sleep)"; };
	routes = ( { name = "$1"; listen = { path = "$T/$1.sock"; }; pipe = "300"; } );
	CONF
}

# leaks PID: print the descriptors of PID that point at what we passed in.
leaks() {
	local f target
	for f in /proc/"$1"/fd/*; do
		target=$(readlink "$f" 2>/dev/null) || continue
		if [[ $target == /etc/hostname || $target == "$T/leak" ]]; then
			printf '%s -> %s\n' "${f##*/}" "$target"
		fi
	done
}

# relay_of PID: the child of the router PID that runs sleep(1) by now: one
# caught between its fork and its exec still holds the router's
# descriptors, which the exec then closes.
SLEEP=$(readlink -f "$(type -P sleep)")
relay_of() {
	local c
	for c in $(children_of "$1"); do
		if [[ $(readlink "/proc/$c/exe" 2>/dev/null) == "$SLEEP" ]]; then
			echo "$c"
			return
		fi
	done
}
has_child() { [[ -n $(relay_of "$1") ]]; }

# check_relay ROUTER_PID WHAT: the relay has 0-2 only, and default signals.
check_relay() {
	local relay fds f sig
	wait_until 10 "the relay of $2" has_child "$1"
	relay=$(relay_of "$1")
	fds=
	for f in /proc/"$relay"/fd/*; do
		fds+="${f##*/} "
	done
	[[ $fds == "0 1 2 " ]] ||
		fail "$2: the relay has descriptors $fds: $(ls -l /proc/"$relay"/fd/)"
	for sig in SigIgn SigBlk SigCgt; do
		grep -qx "$sig:[[:space:]]*0*" /proc/"$relay"/status ||
			fail "$2: relay $(grep "^$sig:" /proc/"$relay"/status), want all zero"
	done
}

# 1. run, with two inherited descriptors and two ignored signals.
conf r
: >"$T/leak"
(
	trap '' USR1 QUIT
	exec "$NPIPEROUTER" run -c "$T/r.conf" -v 7</etc/hostname 9>"$T/leak"
) >"$T/router.out" 2>"$T/router.err" </dev/null &
ROUTER_PID=$!
ROUTER_LOG=$T/router.err
BG_PIDS+=("$ROUTER_PID")
wait_until 15 "router socket" _listening "$ROUTER_PID" "$T/r.sock" router
grep -q '^SigIgn:.*[1-9a-f]' /proc/"$ROUTER_PID"/status ||
	fail "the test could not start the router with signals ignored"
bg c1 "$NPTEST_PEER" client "$T/r.sock" --timeout 60 --no-shutdown
check_relay "$ROUTER_PID" "run"
[[ -z $(leaks "$ROUTER_PID") ]] || fail "run: the daemon holds $(leaks "$ROUTER_PID")"
log "run: daemon and relay hold nothing inherited; relay signals at default"

# 2. The daemon `start` leaves behind (it forks; nothing re-executes).
conf s
CLEANUPS+=("'$NPIPEROUTER' stop -c '$T/s.conf'")
(
	trap '' USR1 QUIT
	exec "$NPIPEROUTER" start -c "$T/s.conf" 7</etc/hostname 9>"$T/leak"
) >"$T/start.out" 2>"$T/start.err" </dev/null ||
	fail "start failed: $(cat "$T/start.err")"
daemon=$(sed -n 's/^npiperouter started (pid \([0-9]*\)).*/\1/p' "$T/start.out")
[[ -n $daemon ]] || fail "no pid in: $(cat "$T/start.out")"
CLEANUPS+=("kill -KILL $daemon")
bg c2 "$NPTEST_PEER" client "$T/s.sock" --timeout 60 --no-shutdown
check_relay "$daemon" "start"
[[ -z $(leaks "$daemon") ]] || fail "start: the daemon holds $(leaks "$daemon")"
kill -KILL "$BG_PID"
"$NPIPEROUTER" stop -c "$T/s.conf" >/dev/null || fail "stop failed"
log "start: the same for the background daemon"

# 3. run with stderr closed: the lock file keeps exactly the pid.
conf n
( exec "$NPIPEROUTER" run -c "$T/n.conf" -v 2>&- ) >"$T/n.out" </dev/null &
npid=$!
BG_PIDS+=("$npid")
wait_until 15 "router socket" _listening "$npid" "$T/n.sock" n
# Sessions come and go: each logs several lines at -v.
for i in 1 2 3; do
	timeout 10 "$NPTEST_PEER" client "$T/n.sock" --timeout 5 --allow-reset \
		>/dev/null 2>&1 </dev/null &
	wait_until 10 "relay $i" has_child "$npid"
	kill -TERM "$(relay_of "$npid")"
	wait $! 2>/dev/null || true
done
lock=$(find "$XDG_RUNTIME_DIR" -name 'n-*.lock' | head -n 1)
[[ -f $lock ]] || fail "no lock file of the instance in $XDG_RUNTIME_DIR"
[[ $(cat "$lock") == "$npid" ]] ||
	fail "the lock file holds '$(head -c 300 "$lock")', not the pid $npid"
readlink /proc/"$npid"/fd/2 | grep -q '^/dev/null$' ||
	fail "stderr of 'run 2>&-' is $(readlink /proc/"$npid"/fd/2), not /dev/null"
kill -TERM "$npid"
wait_exit "$npid" 15
log "run 2>&-: stderr is /dev/null and the lock file holds the pid"
log "ok"
