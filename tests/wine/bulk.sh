#!/bin/bash
# 16 MiB each way through nprelay.exe with matching SHA-256: byte-mode and
# message-mode echo servers, driven through a socketpair (as the router
# and socat's EXEC do) and through plain pipes; a single message larger
# than the relay's 64 KiB buffer.
. "$(dirname "$0")/lib.sh"

size=$((16 * 1024 * 1024))
head -c "$size" /dev/urandom >"$T/in.bin"
want=$(sha "$T/in.bin")

# socat_relay NAME ARGS...: socat gives the relay one end of a socketpair
# as stdin and stdout, feeds in.bin and collects NAME.out.
socat_relay() {
	local name=$1 t0
	shift
	t0=$(date +%s%N)
	RC=0
	timeout -k 5 120 socat -b 65536 -t 60 -T 120 \
		"OPEN:$T/in.bin!!CREATE:$T/$name.out" \
		"EXEC:wine $NPRELAY_EXE $*,nofork" 2>"$T/$name.err" || RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}

check_sha() {
	local got
	got=$(sha "$T/$1.out")
	[[ $got == "$want" ]] ||
		fail "$1: SHA-256 mismatch: $(stat -c %s "$T/$1.out") bytes out, $got"
	[[ ! -s $T/$1.err ]] || fail "$1: stderr: $(cat "$T/$1.err")"
}

# Byte mode, like the OpenSSH agent: the server ends the connection.
bpipe=$(pipe_name byte)
start_pipesrv byte --name "$bpipe" --mode byte --close-after "$size" --count 2
socat_relay byte_socketpair "$bpipe"
expect_rc 0 "socat + relay, byte mode" byte_socketpair
check_sha byte_socketpair
wait_server byte "closed $size"
ok "byte mode, socketpair: 16 MiB each way in $MS ms, SHA-256 match"

run_relay byte_pipes "$T/in.bin" "$bpipe"
expect_rc 0 "relay, byte mode, plain stdin/stdout" byte_pipes
check_sha byte_pipes
ok "byte mode, plain stdin/stdout: 16 MiB each way in $MS ms, SHA-256 match"

# Message mode, like Docker: -s half-closes, the server answers and closes.
mpipe=$(pipe_name msg)
start_pipesrv msg --name "$mpipe" --mode msg --count 2
socat_relay msg_socketpair -ep -s "$mpipe"
expect_rc 0 "socat + relay -ep -s, message mode" msg_socketpair
check_sha msg_socketpair
wait_server msg "eof-msg $size"
ok "message mode -ep -s, socketpair: 16 MiB each way in $MS ms, SHA-256 match"

run_relay msg_pipes "$T/in.bin" -s "$mpipe"
expect_rc 0 "relay -s, message mode, plain stdin/stdout" msg_pipes
check_sha msg_pipes
ok "message mode -s, plain stdin/stdout: 16 MiB each way in $MS ms, SHA-256 match"

# One 1 MiB message: read in 64 KiB pieces, nothing lost or reordered.
big=$((1024 * 1024))
{ yes 0123456789abcde || true; } | head -c "$big" >"$T/pattern"
gpipe=$(pipe_name big)
start_pipesrv big --name "$gpipe" --mode msg --send "$big" --count 1
: >"$T/empty"
run_relay bigmsg "$T/empty" -s "$gpipe"
expect_rc 0 "relay -s, 1 MiB message" bigmsg
[[ $(sha "$T/bigmsg.out") == "$(sha "$T/pattern")" ]] ||
	fail "1 MiB message: got $(stat -c %s "$T/bigmsg.out") bytes, content differs"
ok "one 1 MiB message arrives whole ($MS ms)"
