#!/bin/bash
# The stand-in relay (tests/tools' nptest-muxrelay) serving the router's
# side of the mux as nprelay.exe --mux would, played by mux-check: many
# streams of 1 MiB each way with half-close to a unix echo server (SHA-256
# of what was sent, what the server got and what came back), -s proven by
# a server that answers only after EOF, -ep, -p, open failures with their
# Win32 codes, pings, and streams the relay opens for clients of
# --expose-listen.
# shellcheck source-path=SCRIPTDIR source=standin_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/standin_lib.sh"

STREAMS=300
[[ ${STANDIN_VALGRIND:-0} == 1 ]] && STREAMS=20

backend echo echo --save-dir "$T/saved"
mkdir -p "$T/saved" "$T/o"
backend drain drain-reply
backend greet greet-close --greeting "bye"

# 1. Many streams at once, 1 MiB each way, half-closed by FIN (-s).
check many --ping --streams "$STREAMS" --bytes 1M --arg -s --arg "$T/echo.sock" --
[[ $(count many '^stream [0-9]+ done sent=1048576 received=1048576$') == "$STREAMS" ]] ||
	fail "not every stream came back whole: $(grep -v 'received=1048576$' "$T/many.out" | head)"
[[ $(count many '^stream [0-9]+ reply 0 0 ""$') == "$STREAMS" ]] || fail "replies missing"
has many pong
has many "exit 0"

# 2. The same with every byte in files: SHA-256 of sent, received, and
# what the server saved (the server's connection order is its own).
rm -f "$T"/saved/*
check sha --streams 8 --bytes 1M --arg -s --arg "$T/echo.sock" --out "$T/o" --
[[ $(count sha 'done sent=1048576 received=1048576$') == 8 ]] || fail "sha run incomplete"
for f in "$T"/o/sent-*; do
	same_file "$f" "$T/o/recv-${f##*-}"
done
saved_all() { local f=("$T"/saved/*.bin); [[ -e ${f[0]} ]] && ((${#f[@]} == 8)); }
wait_until 10 "the echo server's files" saved_all
diff <(for f in "$T"/o/sent-*; do sha "$f"; done | sort) \
	<(for f in "$T"/saved/*.bin; do sha "$f"; done | sort) >&2 ||
	fail "the echo server did not get what was sent"
rm -rf "$T/o"

# 3. -s: a server that replies only after EOF answers, so the FIN became
# shutdown(SHUT_WR) after the last byte.
check drain --streams 4 --bytes 300K --arg -s --arg "$T/drain.sock" --
[[ $(count drain 'done sent=307200 received=307200$') == 4 ]] || fail "-s did not half-close"

# 4. -ep: the target's EOF is FIN, then RST, while we still send (the
# greeting is not our pattern, hence the mismatch).
check ep --streams 1 --bytes 100M --arg -ep --arg -s --arg "$T/greet.sock" --
grep -qE '^stream 1 reset sent=[0-9]+ received=3 mismatch-at=0$' "$T/ep.out" ||
	fail "-ep: $(cat "$T/ep.out")"

# -ei: at the router's FIN the socket is closed at once, so the answer a
# sink sends after EOF is lost; without -ei it arrives.
backend sink sink
check ei --streams 1 --bytes 1K --arg -ei --arg -s --arg "$T/sink.sock" --
has ei 'stream 1 done sent=1024 received=0'
check no-ei --streams 1 --bytes 1K --arg -s --arg "$T/sink.sock" --
has no-ei 'stream 1 done sent=1024 received=5 mismatch-at=0'

# 5. Open failures: the reply carries status, Win32 code and message.
check missing --streams 1 --bytes 1K --arg -ep --arg "$T/missing.sock" --
has missing "stream 1 reply 3 2 \"$T/missing.sock: cannot open pipe: The system cannot find the file specified (error 2)\""
has missing "stream 1 done sent=1024 received=0"
# A socket file nobody listens on: the pipe has no server left.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/stale.sock"
check stale --streams 1 --arg "$T/stale.sock" --
has stale "stream 1 reply 3 2 \"$T/stale.sock: cannot open pipe: The system cannot find the file specified (error 2)\""
# A listener whose backlog is full: the busy pipe.
bg busy python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
held = []
while True:
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try: c.connect(sys.argv[1])
    except BlockingIOError: break
    held.append(c)
open(sys.argv[2], "w").close()
time.sleep(600)' "$T/busy.sock" "$T/busy.ready"
wait_until 10 "the busy listener" test -e "$T/busy.ready"
check busy --streams 1 --arg "$T/busy.sock" --
has busy "stream 1 reply 3 231 \"$T/busy.sock: cannot open pipe: All pipe instances are busy (error 231)\""
check usage --streams 1 --arg -zz --arg "$T/echo.sock" --
has usage 'stream 1 reply 2 0 "flag provided but not defined: -zz"'
check giveup --streams 1 --arg -p --arg -l=1 --arg "$T/missing.sock" --
has giveup "stream 1 reply 4 2 \"$T/missing.sock: gave up waiting for the pipe after 1 s: The system cannot find the file specified (error 2)\""

# 6. -p: a socket that appears later is waited for.
bg late-check "$MUX_CHECK" --streams 1 --bytes 64K --arg -p --arg -s --arg "$T/late.sock" -- "${RELAY[@]}" --mux
LATE=$BG_PID
backend late echo
wait_exit "$LATE" 60
((EXIT_STATUS == 0)) || fail "mux-check for -p failed: $(cat "$T/late-check.err")"
grep -qxF 'stream 1 done sent=65536 received=65536' "$T/late-check.out" ||
	fail "-p: $(cat "$T/late-check.out")"
grep -qxF 'exit 0' "$T/late-check.out" || fail "-p: $(tail -n 3 "$T/late-check.out")"

# 7. --expose-listen: each client is a stream the relay opens (even id)
# whose request names the pipe; half-close both ways. The relay's stdin
# stays open until the clients are done: its EOF ends every stream.
bg expose "$MUX_CHECK" --accept 2 --hold "$T/clients-done" -- "${RELAY[@]}" --mux --expose-listen "$T/exposed.sock"
EXPOSE=$BG_PID
wait_until 30 "the exposed socket" _listening "$EXPOSE" "$T/exposed.sock" expose
for i in 1 2; do
	client 60 "$T/exposed.sock" --send-random 1M --send-copy "$T/xs$i" --out "$T/xr$i" ||
		fail "client $i of the exposed socket failed"
	same_file "$T/xs$i" "$T/xr$i"
done
touch "$T/clients-done"
wait_exit "$EXPOSE" 60
((EXIT_STATUS == 0)) || fail "mux-check --accept failed: $(cat "$T/expose.err")"
[[ $(count expose '^accepted [0-9]*[02468] request //\./pipe/exposed\.sock$') == 2 ]] ||
	fail "exposed requests: $(cat "$T/expose.out")"
[[ $(count expose '^accepted [0-9]+ done echoed=1048576$') == 2 ]] ||
	fail "exposed streams: $(cat "$T/expose.out")"
grep -qxF 'exit 0' "$T/expose.out" || fail "stand-in: $(tail -n 3 "$T/expose.out")"
log ok
