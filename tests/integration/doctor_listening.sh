#!/bin/bash
# `npiperouter doctor` sees that a running router listens on a route's
# socket, and that a leftover file does not. The router binds through its
# folder's descriptor (/proc/self/fd/N/NAME, see listener.c), so the
# socket's address is not its path: the doctor must match the socket file
# itself, not the name /proc/net/unix shows.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
socat_conf d
start_router "$T/r.conf" "$T/d.sock"
"$NPIPEROUTER" doctor -c "$T/r.conf" >"$T/doctor.out" 2>&1 || true
grep -qF "route \"d\": $T/d.sock, mode 0600, listening" "$T/doctor.out" ||
	fail "doctor does not see the router listen: $(cat "$T/doctor.out")"
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 15

# A leftover: a socket file nothing listens on.
start_backend dead echo "$T/d.sock"
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null || true
[[ -S $T/d.sock ]] || fail "could not make a leftover socket"
chmod 0600 "$T/d.sock"
"$NPIPEROUTER" doctor -c "$T/r.conf" >"$T/doctor.out" 2>&1 || true
grep -qF "route \"d\": nothing listens on $T/d.sock" "$T/doctor.out" ||
	fail "doctor does not see the leftover: $(cat "$T/doctor.out")"
log "ok"
