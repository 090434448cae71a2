#!/bin/bash
# Out of descriptors, a waiting control request (`npiperouter status`)
# does not make the router spin: the control socket pauses and retries
# like the routes do, libevent's own warnings go through our log with a
# rate limit, and the request is answered once descriptors are free.
# The bounds below are far from both a spinning router (a whole core,
# millions of log lines) and a paused one (almost nothing): this checks
# that nothing spins, it measures no speed.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
socat_conf fd
bg router bash -c 'ulimit -n 48 && exec "$0" run -c "$1" -v' "$NPIPEROUTER" "$T/r.conf"
ROUTER_PID=$BG_PID
ROUTER_LOG=$T/router.err
wait_until 15 "router socket" _listening "$ROUTER_PID" "$T/fd.sock" router

# Idle clients, more than the descriptors allow; the rest wait in the
# route's backlog. A mux session holds only its client's descriptor (no
# relay child, no socketpair): twice as many make the table full.
nclients=30
[[ $TEST_MODE == mux ]] && nclients=60
for i in $(seq 1 "$nclients"); do
	echo "client $i" >"$T/in$i"
	bg "c$i" "$NPTEST_PEER" client "$T/fd.sock" --timeout 60 --send "$T/in$i" \
		--out "$T/out$i" --hold-until "$T/release"
	pids[i]=$BG_PID
done
wait_log_count 15 1 'Too many open files; pausing accepting'
# The route stops with a few descriptors left (a session needs six):
# idle control connections, which hold one each, take the rest; a
# `status` then waits behind them for a descriptor.
ctl=$(echo "$T"/rt/npiperouter/*.ctl)
[[ -S $ctl ]] || fail "no control socket in $T/rt/npiperouter"
for i in $(seq 1 20); do
	bg "idle$i" "$NPTEST_PEER" client "$ctl" --timeout 60 --hold-until "$T/release"
done
nfds() { local f=(/proc/"$ROUTER_PID"/fd/*); echo "${#f[@]}"; }
table_full() { (($(nfds) >= 48)); }
wait_until 15 "the router's descriptor table to be full" table_full
bg status "$NPIPEROUTER" status -c "$T/r.conf"
status_pid=$BG_PID
# Not a wait for our own log line: the old router never wrote one.
sleep 1

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
lines_before=$(wc -l <"$ROUTER_LOG")
before=$(cpu_ticks "$ROUTER_PID")
sleep 4
after=$(cpu_ticks "$ROUTER_PID")
lines=$(($(wc -l <"$ROUTER_LOG") - lines_before))
hz=$(getconf CLK_TCK)
used=$(((after - before) * 1000 / hz))
log "out of descriptors for 4 s: ${used} ms of CPU, $lines log lines"
((used * 5 < 4000)) || fail "the router used $used ms of CPU in 4 s (>= 20%): it spins"
((lines < 200)) || fail "$lines log lines in 4 s: the router spins"
alive "$ROUTER_PID" || fail "router died"
alive "$status_pid" || fail "status ended while the router was out of descriptors: $(cat "$T/status.out" "$T/status.err")"

# Descriptors come back: the waiting request is answered, every client
# is served.
touch "$T/release"
wait_exit "$status_pid" 30
((EXIT_STATUS == 0)) || fail "status failed: $(cat "$T/status.err")"
grep -q 'fd' "$T/status.out" || fail "status answered: $(cat "$T/status.out")"
log_has 'control socket: cannot accept: Too many open files; pausing accepting' ||
	fail "the control socket's pause was not logged"
for i in $(seq 1 "$nclients"); do
	wait_exit "${pids[i]}" 40
	((EXIT_STATUS == 0)) || fail "client $i failed: $(cat "$T/c$i.err")"
	cmp -s "$T/in$i" "$T/out$i" || fail "client $i got '$(cat "$T/out$i")'"
done
log "ok"
