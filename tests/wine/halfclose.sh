#!/bin/bash
# Half-close and the exit flags: -s (zero-byte message after stdin EOF),
# -ei (with -s the zero-byte message still goes out first), -ep, and the
# end of the pipe, which ends the relay whatever the flags.
. "$(dirname "$0")/lib.sh"

printf hello >"$T/hello"

# Message mode, Docker-like: the server answers only after our zero-byte
# message, then sends its own zero-byte message and keeps the pipe open
# until we leave, so the relay must take a zero-byte read as EOF.
p=$(pipe_name s)
start_pipesrv s --name "$p" --mode msg --report --zero-eof --count 1
run_relay s "$T/hello" -s "$p"
expect_rc 0 "-s" s
printf 'helloreceived 5 bytes\n' >"$T/s.want"
cmp -s "$T/s.out" "$T/s.want" || fail "-s: output '$(cat "$T/s.out")'"
wait_server s "eof-msg 5"
wait_server s "client left"
ok "-s: zero-byte message reaches the server; its reply after our half-close and its zero-byte EOF arrive (${MS} ms)"

# Without -s the server never learns about stdin EOF and both wait.  The
# wait is checked once the echo is back, not after a fixed time from the
# start: under load Wine alone may take seconds to start the relay (this
# case failed 1 run in 4 under ctest -j2 when it allowed 3 s in all).
p=$(pipe_name nos)
start_pipesrv nos --name "$p" --mode msg --report --zero-eof --count 1
timeout -k 5 60 wine "$NPRELAY_EXE" "$p" <"$T/hello" >"$T/nos.out" 2>"$T/nos.err" &
RELAY_PID=$!
BG_PIDS+=("$RELAY_PID")
wait_until 30 "the echo through the relay" grep -qx hello "$T/nos.out"
sleep 2
alive "$RELAY_PID" || fail "no -s: the relay ended although the pipe is open: $(cat "$T/nos.err")"
server_has nos "eof-msg 5" && fail "no -s: the server saw a zero-byte message"
kill "$RELAY_PID"
wait_server nos "broken 5"
server_has nos "eof-msg 5" && fail "no -s: the server saw a zero-byte message"
ok "no -s: no zero-byte message is sent; the relay keeps waiting for the pipe"

# -ei -s: npiperelay exits before the zero-byte write; we send it first.
p=$(pipe_name eis)
start_pipesrv eis --name "$p" --mode msg --report --zero-eof --count 1
run_relay eis "$T/hello" -ei -s "$p"
expect_rc 0 "-ei -s" eis
wait_server eis "eof-msg 5"
ok "-ei -s: the zero-byte message is sent before exiting (${MS} ms)"

# -ei alone: exit at stdin EOF, no half-close.
p=$(pipe_name ei)
start_pipesrv ei --name "$p" --mode msg --report --zero-eof --count 1
run_relay ei "$T/hello" -ei "$p"
expect_rc 0 "-ei" ei
wait_server ei "broken 5"
server_has ei "eof-msg 5" && fail "-ei: the server saw a zero-byte message"
ok "-ei: exits at stdin EOF without half-closing (${MS} ms)"

# -s on a byte-mode pipe (OpenSSH agent) is harmless: no zero-byte read.
p=$(pipe_name sbyte)
start_pipesrv sbyte --name "$p" --mode byte --close-after 5 --count 1
run_relay sbyte "$T/hello" -s "$p"
expect_rc 0 "-s on a byte pipe" sbyte
[[ $(cat "$T/sbyte.out") == hello ]] || fail "-s byte: output '$(cat "$T/sbyte.out")'"
wait_server sbyte "closed 5"
server_has sbyte "zero-read 5" && fail "-s on a byte pipe gave the server a zero-byte read"
ok "-s on a byte-mode pipe: no effect on the server"

# The target ends while stdin stays open.  stdin is a FIFO whose writer
# is this shell (fd 7), closed only when the test says so.
# target_ends NAME ARGS...: starts the relay in the background.
target_ends() {
	local name=$1
	shift
	mkfifo "$T/$name.fifo"
	p=$(pipe_name "$name")
	start_pipesrv "$name" --name "$p" --mode byte --close-after 5 --count 1
	timeout -k 5 60 wine "$NPRELAY_EXE" "$@" "$p" <"$T/$name.fifo" \
		>"$T/$name.out" 2>"$T/$name.err" &
	RELAY_PID=$!
	BG_PIDS+=("$RELAY_PID")
	exec 7>"$T/$name.fifo"
	printf hello >&7
	wait_server "$name" "closed 5"
}

# -ep: exit at the pipe's EOF although stdin is open.
target_ends ep -ep
wait_exit "$RELAY_PID" 10
exec 7>&-
((EXIT_STATUS == 0)) || fail "-ep: exit status $EXIT_STATUS"
[[ $(cat "$T/ep.out") == hello ]] || fail "-ep: output '$(cat "$T/ep.out")'"
ok "-ep: exits at the pipe's EOF while stdin is still open"

# Default: a closed pipe ends the relay too, although stdin is open: the
# target can neither answer nor read any more (npiperelay exits on
# ERROR_BROKEN_PIPE whatever its flags).  Only a zero-byte message, the
# server's half-close, keeps the relay forwarding stdin (servers.sh).
target_ends noep
wait_exit "$RELAY_PID" 10
exec 7>&-
((EXIT_STATUS == 0)) || fail "no -ep: exit status $EXIT_STATUS"
[[ $(cat "$T/noep.out") == hello ]] || fail "no -ep: output '$(cat "$T/noep.out")'"
ok "no -ep: a closed pipe ends the relay while stdin is still open, exit 0"
