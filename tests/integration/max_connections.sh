#!/bin/bash
# max_connections = 2: a third client is not served while two sessions are
# open, and is served as soon as one of them ends.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock" --log "$T/backend.log"
socat_conf m 'max_connections = 2;'
start_router "$T/r.conf" "$T/m.sock"

# Each client sends one line and holds its session open until released.
declare -A pid
start_client() {
	echo "client $1" >"$T/in$1"
	bg "c$1" "$NPTEST_PEER" client "$T/m.sock" --timeout 60 --send "$T/in$1" \
		--out "$T/out$1" --hold-until "$T/release$1"
	pid[$1]=$BG_PID
}
echoed() { [[ -f $T/out$1 ]] && cmp -s "$T/in$1" "$T/out$1"; }
accepts() { grep -c '^accept ' "$T/backend.log" || true; }

start_client 1
start_client 2
wait_until 10 "client 1 to be served" echoed 1
wait_until 10 "client 2 to be served" echoed 2

start_client 3
touch "$T/release3"
# Give the router ample time to (wrongly) serve it; nothing may happen.
sleep 1.5
[[ ! -s $T/out3 ]] || fail "a third client was served while 2 sessions were open"
(($(accepts) == 2)) || fail "backend saw $(accepts) connections, want 2"
alive "${pid[3]}" || fail "third client gave up: $(cat "$T/c3.err")"

# One session ends: the waiting client is served now.
touch "$T/release1"
wait_exit "${pid[1]}" 10
((EXIT_STATUS == 0)) || fail "client 1 failed: $(cat "$T/c1.err")"
wait_exit "${pid[3]}" 10
((EXIT_STATUS == 0)) || fail "client 3 failed: $(cat "$T/c3.err")"
echoed 3 || fail "client 3 got '$(cat "$T/out3")'"

touch "$T/release2"
wait_exit "${pid[2]}" 10
((EXIT_STATUS == 0)) || fail "client 2 failed: $(cat "$T/c2.err")"
(($(accepts) == 3)) || fail "backend saw $(accepts) connections, want 3"
log "ok"
