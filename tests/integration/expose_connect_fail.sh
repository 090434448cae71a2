#!/bin/bash
# An exposed route whose Linux socket is missing, or refuses: the Windows
# client is closed at once (it reads EOF, no bytes), the router's log
# names the error, and the relay is told the Win32 code (docs/mux.md
# "Exposed pipes": ENOENT 2, ECONNREFUSED 1225). doctor says the same.
# Then the service comes up and the same pipe serves it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

expose_conf ex "$T/svc.sock"
start_router "$T/r.conf" "$PIPES/ex"

# Missing: ENOENT. The client sends nothing (a client that writes sees
# the broken pipe instead of EOF: the instance is closed under it).
client 10 "$PIPES/ex" --out "$T/1.out" ||
	fail "the client was not closed cleanly"
[[ ! -s $T/1.out ]] || fail "the client got bytes"
wait_log 10 "route \"ex\" #1: connect $T/svc.sock: No such file or directory; closing the Windows client"
wait_log 10 'status 3, error 2: connect '"$T/svc.sock"': No such file or directory'
"$NPIPEROUTER" doctor -c "$T/r.conf" >"$T/doctor1.out" 2>&1 || true
grep -qF "route \"ex\": connect $T/svc.sock: No such file or directory: is the service running?" "$T/doctor1.out" ||
	fail "doctor did not report the missing socket: $(cat "$T/doctor1.out")"
grep -qF 'route "ex": pipe //./pipe/ex exposed to Windows' "$T/doctor1.out" ||
	fail "doctor did not report the exposed pipe: $(cat "$T/doctor1.out")"

# There, but nobody accepts: ECONNREFUSED.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/svc.sock"
# A client that writes ends too: with EOF, or a broken pipe if its
# bytes were still on the way when the instance was closed.
client 10 "$PIPES/ex" --send-bytes 4K --out "$T/2.out" 2>"$T/2.err" ||
	grep -qF 'Broken pipe' "$T/2.err" || fail "client: $(cat "$T/2.err")"
[[ ! -s $T/2.out ]] || fail "the client got bytes"
wait_log 10 "route \"ex\" #2: connect $T/svc.sock: Connection refused; closing the Windows client"
wait_log 10 'status 3, error 1225: connect '"$T/svc.sock"': Connection refused'
"$NPIPEROUTER" doctor -c "$T/r.conf" >"$T/doctor2.out" 2>&1 || true
grep -qF "route \"ex\": connect $T/svc.sock does not answer: Connection refused" "$T/doctor2.out" ||
	fail "doctor did not report the refusing socket: $(cat "$T/doctor2.out")"
status=$(route_json ex)
[[ $(jq -r .last_error <<<"$status") == "connect $T/svc.sock: Connection refused" ]] ||
	fail "status last_error: $status"
[[ $(jq -r .active <<<"$status") == 0 ]] || fail "refused clients still counted: $status"

# The service comes: served.
rm -f "$T/svc.sock"
start_backend echo echo "$T/svc.sock"
client 10 "$PIPES/ex" --send-random 64K --send-copy "$T/3.in" --out "$T/3.out" ||
	fail "the client was not served once the service ran"
same_file "$T/3.in" "$T/3.out"
"$NPIPEROUTER" doctor -c "$T/r.conf" >"$T/doctor3.out" 2>&1 || true
grep -qF "route \"ex\": connect $T/svc.sock answers" "$T/doctor3.out" ||
	fail "doctor: $(cat "$T/doctor3.out")"
log "ok"
