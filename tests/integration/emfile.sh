#!/bin/bash
# Out of file descriptors (EMFILE): the router pauses accepting instead of
# spinning on a connection it cannot take, logs it, stays alive, loses no
# client (the waiting ones stay in the listen backlog) and serves them all
# once descriptors are free.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
socat_conf fd
# Room for the router's own descriptors and a handful of sessions only.
bg router bash -c 'ulimit -n 32 && exec "$0" run -c "$1" -v' "$NPIPEROUTER" "$T/r.conf"
ROUTER_PID=$BG_PID
ROUTER_LOG=$T/router.err
wait_until 15 "router socket" _listening "$ROUTER_PID" "$T/fd.sock" router

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# 40 clients that each send a line and then hold their connection open.
for i in $(seq 1 40); do
	echo "client $i" >"$T/in$i"
	bg "c$i" "$NPTEST_PEER" client "$T/fd.sock" --timeout 60 --send "$T/in$i" \
		--out "$T/out$i" --hold-until "$T/release"
	pids[i]=$BG_PID
done
wait_log_count 15 1 'Too many open files; pausing accepting'
before=$(cpu_ticks "$ROUTER_PID")
sleep 3
after=$(cpu_ticks "$ROUTER_PID")
hz=$(getconf CLK_TCK)
# A router spinning on accept() burns the whole 3 s; a paused one nearly
# nothing. Half a second is far from both.
(((after - before) * 2 < hz)) ||
	fail "router used $(((after - before) * 1000 / hz)) ms of CPU in 3 s while out of descriptors"
n=$(log_count 'pausing accepting')
((n <= 10)) || fail "$n 'pausing accepting' lines in about 3 s: the router is not pausing"
alive "$ROUTER_PID" || fail "router died"

# Everyone lets go: every client, served at once or kept waiting in the
# backlog, gets its line back; then new clients are served too.
touch "$T/release"
for i in $(seq 1 40); do
	wait_exit "${pids[i]}" 40
	((EXIT_STATUS == 0)) || fail "client $i failed: $(cat "$T/c$i.err")"
	cmp -s "$T/in$i" "$T/out$i" || fail "client $i got '$(cat "$T/out$i")'"
done
for i in $(seq 1 5); do
	client 20 "$T/fd.sock" --send-random 64K --send-copy "$T/s$i" --out "$T/g$i" ||
		fail "not served after descriptors were freed"
	same_file "$T/s$i" "$T/g$i"
done
log "ok"
