#!/bin/bash
# nprelay.exe --mux under Wine, driven by HashiCorp's yamux as the router
# (tests/mux/yamuxpeer, Go, built here offline from Debian's
# golang-github-hashicorp-yamux-dev) against mingw pipe servers:
#   bulk       300 streams at once (MUX_STREAMS), 1 MiB each way,
#              half-close (-s: the zero-byte message after a flush),
#              SHA-256 of every echo, pings, Go Away (normal)
#   open-fail  a missing pipe without -p: the open reply carries status 3,
#              Win32 code 2 and the message; a bad flag: status 2; a
#              file through .., a UNC pipe, -a UNC: status 2 (Targets)
#   busy       a stream waits for a busy pipe (then, with -p, for a
#              missing one) while another streams
#   credit     one stream never reads while another moves 4 MiB each way
#   broken     the server writes and closes: data, FIN (and RST with -ep)
#   exit-flags -ei -s: zero-byte message, FIN, the stream ends; -ei
#              alone ends a stream whose pipe never answers
#   assuan     -a per stream: port and nonce, shutdown(SD_SEND) for -s;
#              a missing socket file fails the open
#   reset      raw RSTs (with -p), at once and with I/O in flight: every opened pipe
#              closes, the next stream works
#   late       Data and Window Update for a stream the relay reset (-ep,
#              the server's zero-byte message) while its pipe is open:
#              dropped, the session goes on
#   eof        stdin EOF: every stream ends, the pipes see it, exit 0
#   garbage    bytes that are no frame: Go Away (protocol error), one
#              stderr line, exit 1
#   goaway-error  the router's Go Away (internal error) ends the relay
#   idle       1000 idle channels: the relay's memory (printed, not checked)
. "$(dirname "$0")/lib.sh"

NEED_HINT=' (Debian: apt-get install golang-go)'
need go
need_env YAMUXPEER_SRC -d "the yamuxpeer source folder"
build_yamuxpeer "$YAMUXPEER_SRC"

# scenario NAME ARGS...: yamuxpeer drives wine nprelay.exe --mux.
scenario() {
	local name=$1
	shift
	log "scenario $name"
	timeout -k 5 "${SCENARIO_TIMEOUT:-150}" "$T/yamuxpeer" -scenario "nprelay-$name" \
		"$@" -- wine "$NPRELAY_EXE" --mux >"$T/$name.out" 2>"$T/$name.err" ||
		fail "scenario $name failed: $(tail -n 30 "$T/$name.err")"
	grep -q "^yamuxpeer nprelay-$name: ok$" "$T/$name.err" ||
		fail "scenario $name did not report ok: $(tail -n 30 "$T/$name.err")"
}

echo_srv() { start_pipesrv "$1" --name "$(pipe_name "$1")" --mode msg --report --zero-eof --timeout 380; }

echo_srv echo
echo_srv echo2
E=$(pipe_name echo)
E2=$(pipe_name echo2)

scenario bulk -streams "${MUX_STREAMS:-300}" -bytes $((1024 * 1024)) -pipe "$E"
n=$(grep -c "^eof-msg 1048576$" "$T/echo.log")
((n == ${MUX_STREAMS:-300})) || fail "bulk: the server saw $n zero-byte messages after 1 MiB, want ${MUX_STREAMS:-300}"
ok "bulk: ${MUX_STREAMS:-300} streams of 1 MiB each way with half-close, SHA-256 intact; pings; Go Away"

scenario open-fail -pipe "$E" -pipe2 "$(pipe_name missing)"
grep -q "^nprelay-open-fail: reply 3, 2, " "$T/open-fail.err" || fail "open-fail: no reply line"
n=$(grep -c '^nprelay-open-fail: reply 2, 0, "refusing TARGET ' "$T/open-fail.err" || true)
((n == 3)) || fail "open-fail: $n refused targets, want 3 (a file through .., a UNC pipe, -a UNC)"
ok "open failure: $(grep '^nprelay-open-fail: reply' "$T/open-fail.err")"

B=$(pipe_name busy)
start_pipesrv busy --name "$B" --mode msg --report --zero-eof --instances 1 --busy 4000 --timeout 380
scenario busy -bytes $((512 * 1024)) -pipe "$E" -busy-pipe "$B"
wait_server busy "eof-msg 4"
ok "busy pipe: one stream waited for it while another moved 512 KiB each way"

# -p: a pipe that does not exist yet is waited for, on a timer too.
L=$(pipe_name late)
bg late wine "$H/pipesrv.exe" --name "$L" --mode msg --report --zero-eof --delay 5000 --timeout 380
scenario busy -bytes $((512 * 1024)) -pipe "$E" -busy-pipe "$L"
wait_server late "eof-msg 4"
ok "missing pipe with -p: one stream waited for it to appear while another moved 512 KiB each way"

scenario credit -bytes $((4 * 1024 * 1024)) -pipe "$E" -pipe2 "$E2"
ok "credit: a stream that never reads does not stall another moving 4 MiB each way"

C=$(pipe_name close)
start_pipesrv close --name "$C" --mode byte --send 100000 --close-after 0 --close-now --timeout 380
scenario broken -read-bytes 100000 -pipe "$C" -pipe2 "$C"
ok "broken pipe: the data, then FIN; with -ep FIN and RST"

echo_srv reset
scenario reset -streams 100 -pipe "$(pipe_name reset)" -server-log "$T/reset.log"
ok "RST from the router: $(grep "^nprelay-reset: " "$T/reset.err"); every opened pipe closed, the session goes on"

Z=$(pipe_name zero)
start_pipesrv zero --name "$Z" --mode msg --send-eof --timeout 380
scenario late -pipe "$E" -pipe2 "$Z"
ok "late frames: $(grep '^nprelay-late: ' "$T/late.err")"

H2=$(pipe_name hold)
start_pipesrv hold --name "$H2" --mode msg --report --zero-eof --timeout 380
scenario eof -streams 5 -pipe "$H2"
wait_until 20 "5 broken connections at hold" \
	bash -c "(( \$(grep -c '^broken 1$' '$T/hold.log') == 5 ))"
ok "stdin EOF: the relay exits 0 and all 5 pipes see their client go"

X=$(pipe_name ei)
start_pipesrv ei --name "$X" --mode msg --report --zero-eof --timeout 380
N=$(pipe_name never)
start_pipesrv never --name "$N" --mode msg --never-read --timeout 380
# Under Wine's +relay trace: Wine keeps a zero-byte message apart from
# the data before it, where Windows may merge them, so the order of the
# calls is what shows the flush (as servers.sh does for spawn mode).
WINEDEBUG=+relay scenario exit-flags -pipe "$X" -pipe2 "$N"
wait_server ei "eof-msg 5"
wait_server never "client left"
ok "-ei -s: the zero-byte message reaches the pipe, then FIN and the stream ends; -ei alone ends a stream whose pipe never answers"
# The calls on the first pipe the relay opened (the -ei -s stream).
h=$(sed -n 's/.*Call KERNEL32\.GetNamedPipeInfo(\([0-9a-f]*\),.*/\1/p' "$T/exit-flags.err" | head -1)
[[ -n $h ]] || fail "exit-flags: no GetNamedPipeInfo call in the +relay trace"
calls=$(grep -E "Call KERNEL32\.(SetNamedPipeHandleState|FlushFileBuffers|WriteFile)\(${h}[,)]" "$T/exit-flags.err" |
	sed -E 's/.*Call KERNEL32\.([A-Za-z]+)\([0-9a-f]+(,[0-9a-f]+,([0-9a-f]+))?.*/\1 \3/' | tr '\n' ';')
# (A later stream may get the same handle value: only the start counts.)
[[ $calls == 'SetNamedPipeHandleState '* ]] || fail "-s: the message pipe is not read in message mode: $calls"
[[ $calls == *'WriteFile 00000005;FlushFileBuffers ;WriteFile 00000000;'* ]] ||
	fail "-s: the data, the flush and the zero-byte WriteFile are not in that order: $calls"
ok "+relay trace of the -ei -s stream: $calls"

start_assuansrv assuan --file "$(winpath "$T/S.agent")" --format native --timeout 380
scenario assuan -pipe "$(winpath "$T/S.agent")" -pipe2 "$(winpath "$T/S.missing")"
n=$(grep -c '^eof ' "$T/assuan.log" || true)
((n == 3)) || fail "assuan: the server saw $n half-closes, want 3: $(cat "$T/assuan.log")"
ok "assuan: 3 streams through port and nonce with -s; $(grep '^nprelay-assuan: ' "$T/assuan.err")"

scenario garbage
lines=$(grep -c '^nprelay: ' "$T/garbage.err" || true)
((lines == 1)) || fail "garbage: want one nprelay line on stderr, got $lines: $(cat "$T/garbage.err")"
ok "garbage on stdin: Go Away (protocol error), $(grep '^nprelay: ' "$T/garbage.err")"

scenario goaway-error
ok "Go Away (internal error) from the router: $(grep '^nprelay: ' "$T/goaway-error.err"), exit 1"

if [[ ${MUX_IDLE:-1000} != 0 ]]; then
	pipes=()
	for i in 1 2 3 4 5; do
		echo_srv "idle$i"
		pipes+=("$(pipe_name "idle$i")")
	done
	list=$(IFS=,; echo "${pipes[*]}")
	scenario idle -streams "${MUX_IDLE:-1000}" -pipe "$list" -pipe2 "$E"
	ok "$(grep '^nprelay-idle: ' "$T/idle.err")"
fi
log ok
