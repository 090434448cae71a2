#!/bin/bash
# -p and -l: a busy pipe (single instance, held by another client) and a
# late pipe (created after a delay).  Without -p a late pipe fails at once
# and a busy one after 2 s, with the Win32 error; -l caps the wait (exit
# 4); -p connects when possible.
. "$(dirname "$0")/lib.sh"

printf hello >"$T/hello"

# within NAME MIN MAX: the relay took between MIN and MAX milliseconds.
within() {
	((MS >= $2 && MS <= $3)) || fail "$1 took $MS ms, want $2..$3 ms"
}

# Busy: the server's own client holds the only instance for 6 s.
p=$(pipe_name busy)
start_pipesrv busy --name "$p" --mode byte --instances 1 --busy 6000 \
	--close-after 5 --count 2
# Without -p a busy pipe is waited for 2 s (go-winio's DialPipe default).
run_relay busy_nop "$T/hello" "$p"
expect_rc 3 "busy pipe without -p" busy_nop
expect_err busy_nop "^nprelay: $p: cannot open pipe \\(busy for 2 s\\): .+ \\(error 231\\)\$"
within "busy pipe without -p" 1900 8000
ok "busy, no -p: exit 3 after the 2 s busy wait ($MS ms): $(cat "$T/busy_nop.err")"

run_relay busy_l1 "$T/hello" -p -l 1 "$p"
expect_rc 4 "busy pipe with -p -l 1" busy_l1
expect_err busy_l1 "^nprelay: $p: gave up waiting for the pipe after 1 s: .+ \\(error 231\\)\$"
within "busy pipe with -l 1" 900 4000
ok "busy, -p -l 1: exit 4 after $MS ms: $(cat "$T/busy_l1.err")"

run_relay busy_p "$T/hello" -v -p "$p"
expect_rc 0 "busy pipe with -p" busy_p
[[ $(cat "$T/busy_p.out") == hello ]] || fail "busy -p: output '$(cat "$T/busy_p.out")'"
server_has busy "holder leaves" || fail "busy -p connected before the holder left"
grep -q 'all pipe instances are busy, waiting' "$T/busy_p.err" ||
	fail "busy -p -v did not report the wait"
# WaitNamedPipe sleeps in the kernel: one "waiting" line, not one per retry.
(($(grep -c 'busy, waiting' "$T/busy_p.err") <= 3)) ||
	fail "busy -p retried in a loop: $(grep -c 'busy, waiting' "$T/busy_p.err") waits"
ok "busy, -p: connected once the instance was free ($MS ms)"

# Busy for a moment, as a server between two instances: no -p needed.
p=$(pipe_name brief)
start_pipesrv brief --name "$p" --mode byte --instances 1 --busy 1500 \
	--close-after 5 --count 2
run_relay brief_nop "$T/hello" -v "$p"
expect_rc 0 "pipe busy for 1.5 s, no -p" brief_nop
[[ $(cat "$T/brief_nop.out") == hello ]] || fail "brief busy: output '$(cat "$T/brief_nop.out")'"
grep -q 'all pipe instances are busy, waiting' "$T/brief_nop.err" &&
	waited="after waiting" || waited="without waiting (Wine started late)"
ok "busy for 1.5 s, no -p: connected $waited ($MS ms)"

# Late: the pipe appears 5 s after the server starts.
p=$(pipe_name late)
bg late wine "$H/pipesrv.exe" --name "$p" --mode byte --delay 5000 \
	--close-after 5 --count 1
run_relay late_nop "$T/hello" "$p"
expect_rc 3 "late pipe without -p" late_nop
expect_err late_nop "^nprelay: $p: cannot open pipe: .+ \\(error 2\\)\$"
within "late pipe without -p" 0 3000
ok "late, no -p: exit 3 at once ($MS ms)"

run_relay late_l1 "$T/hello" -l 1 "$p"
expect_rc 4 "late pipe with -l 1" late_l1
expect_err late_l1 "^nprelay: $p: gave up waiting for the pipe after 1 s: .+ \\(error 2\\)\$"
within "late pipe with -l 1" 900 4000
ok "late, -l 1 (implies -p): exit 4 after $MS ms"

server_has late ready && fail "the late pipe appeared too early for this test"
run_relay late_p "$T/hello" -p -l 30 "$p"
expect_rc 0 "late pipe with -p -l 30" late_p
[[ $(cat "$T/late_p.out") == hello ]] || fail "late -p: output '$(cat "$T/late_p.out")'"
ok "late, -p -l 30: connected when the pipe appeared ($MS ms)"

# -l 0 means no limit (here a pipe 2 s late).
p=$(pipe_name forever)
bg forever wine "$H/pipesrv.exe" --name "$p" --mode byte --delay 2000 \
	--close-after 5 --count 1
run_relay forever "$T/hello" -l 0 "$p"
expect_rc 0 "-l 0" forever
[[ $(cat "$T/forever.out") == hello ]] || fail "-l 0: output '$(cat "$T/forever.out")'"
ok "-l 0: waits without limit ($MS ms)"
