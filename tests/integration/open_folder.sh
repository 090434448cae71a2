#!/bin/bash
# A socket folder every user may write, without the sticky bit, is
# refused: anyone could rename the socket away and put theirs in its place
# to receive its clients. The router exits with status 1 and makes no
# socket there. A sticky one (as /tmp) is fine.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
mkdir "$T/open" "$T/sticky"
chmod 0777 "$T/open"
chmod 1777 "$T/sticky"

conf() { socat_conf r -l "$1"; } # SOCKET
_exited_or_bound() { ! alive "$ROUTER_PID" || [[ -e $T/open/r.sock ]]; }

conf "$T/open/r.sock"
start_router "$T/r.conf"
wait_until 15 "the router to exit or bind" _exited_or_bound
[[ ! -e $T/open/r.sock ]] || fail "the router made its socket in a folder anyone may write"
wait_exit "$ROUTER_PID" 15
((EXIT_STATUS == 1)) || fail "router exited with status $EXIT_STATUS, want 1"
log_has "route \"r\": $T/open/r.sock: its folder $T/open is writable by every user and not sticky" ||
	fail "no message naming the open folder: $(cat "$T/router.err")"

conf "$T/sticky/r.sock"
: >"$T/router.err"
start_router "$T/r.conf" "$T/sticky/r.sock"
echo sticky-ok >"$T/in"
client 10 "$T/sticky/r.sock" --send "$T/in" --out "$T/out" || fail "client failed (status $?)"
same_file "$T/in" "$T/out"
log "ok"
