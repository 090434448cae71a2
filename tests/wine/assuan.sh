#!/bin/bash
# -a: libassuan socket files in both formats against a server that checks
# the nonce and runs libassuan's Cygwin handshake (16/16/8/8 bytes).
. "$(dirname "$0")/lib.sh"

printf 'GETINFO version\n' >"$T/cmd"
printf 'OK test server\nGETINFO version\nreceived 16 bytes\n' >"$T/cmd.want"

for fmt in native cygwin; do
	f=$T/S.$fmt
	start_assuansrv "$fmt" --file "$(winpath "$f")" --format "$fmt"
	port=$(sed -n 's/^ready //p' "$T/$fmt.log")
	run_relay "$fmt" "$T/cmd" -v -a -s "$(winpath "$f")"
	expect_rc 0 "-a, $fmt" "$fmt"
	# Exact output: with 12 bytes of Cygwin credentials instead of 8
	# the server would echo the extra 4.
	cmp -s "$T/$fmt.out" "$T/cmd.want" ||
		fail "$fmt: output '$(cat -A "$T/$fmt.out")'"
	wait_server "$fmt" handshake-ok
	wait_server "$fmt" "eof 16"
	grep -qF "connected to 127.0.0.1:$port ($( [[ $fmt == native ]] && echo native || echo Cygwin) socket file)" \
		"$T/$fmt.err" || fail "$fmt: -v did not report the connection: $(cat "$T/$fmt.err")"
	ok "-a, $fmt socket file on port $port: handshake, data both ways, -s half-close"
done

# 16 MiB each way through the Cygwin-format socket.
size=$((16 * 1024 * 1024))
head -c "$size" /dev/urandom >"$T/in.bin"
{ printf 'OK test server\n'; cat "$T/in.bin"; printf 'received %d bytes\n' "$size"; } >"$T/bulk.want"
run_relay bulk "$T/in.bin" -a -s "$(winpath "$T/S.cygwin")"
expect_rc 0 "-a bulk" bulk
[[ $(sha "$T/bulk.out") == "$(sha "$T/bulk.want")" ]] ||
	fail "-a bulk: SHA-256 mismatch ($(stat -c %s "$T/bulk.out") bytes)"
ok "-a, 16 MiB each way in $MS ms, SHA-256 match"

# A wrong key in a Cygwin file: the server hangs up during the handshake.
key=$(tr -d '\0' <"$T/S.cygwin")	# "!<socket >PORT s XXXXXXXX-..."
rest=${key#* s }
[[ ${rest:0:1} == f ]] && c=0 || c=f
printf '%s s %s%s\0' "${key%% s *}" "$c" "${rest:1}" >"$T/S.wrong"
run_relay wrongkey "$T/cmd" -a "$(winpath "$T/S.wrong")"
expect_rc 5 "-a, wrong Cygwin key" wrongkey
expect_err wrongkey 'S\.wrong: Cygwin handshake: the server closed the connection \(wrong key\?\)$'
wait_server cygwin bad-nonce
ok "-a, wrong Cygwin key: exit 5: $(cat "$T/wrongkey.err")"

# A wrong nonce in a native file: the server hangs up; no data flows.
last=$(tail -c 1 "$T/S.native" | od -An -tu1 | tr -d ' ')
{
	head -c -1 "$T/S.native"
	printf "\\$(printf %03o $(((last + 1) % 256)))"
} >"$T/S.badnonce"
run_relay badnonce "$T/cmd" -a "$(winpath "$T/S.badnonce")"
wait_server native bad-nonce
grep -q 'OK test server' "$T/badnonce.out" && fail "wrong native nonce: the server talked"
ok "-a, wrong native nonce: the server refuses it (relay exit $RC)"

# A server that answers the Cygwin handshake with another key.
start_assuansrv badecho --file "$(winpath "$T/S.badecho")" --format cygwin --bad-echo
run_relay badecho "$T/cmd" -a "$(winpath "$T/S.badecho")"
expect_rc 5 "-a, wrong key echoed" badecho
expect_err badecho 'Cygwin handshake: the server answered with a different key$'
ok "-a, server echoes a different key: exit 5"

# -p waits for the socket file to appear (gpg-agent starting).
late=$T/S.late
timeout -k 5 60 wine "$NPRELAY_EXE" -a -s -p -l 40 "$(winpath "$late")" \
	<"$T/cmd" >"$T/late.out" 2>"$T/late.err" &
relay_pid=$!
BG_PIDS+=("$relay_pid")
sleep 2
alive "$relay_pid" || fail "-a -p exited before the socket file existed: $(cat "$T/late.err")"
start_assuansrv late --file "$(winpath "$late")" --format native
wait_exit "$relay_pid" 30
((EXIT_STATUS == 0)) || fail "-a -p: exit status $EXIT_STATUS: $(cat "$T/late.err")"
cmp -s "$T/late.out" "$T/cmd.want" || fail "-a -p: output '$(cat "$T/late.out")'"
ok "-a -p: waits for the socket file, then connects"

# -p also waits while the socket file is half-written: gpg-agent creates
# it, then writes it, so a reader can find it empty or short.
half=$T/S.half
printf '1234\n01234567' >"$half"	# 8 of 16 nonce bytes
timeout -k 5 60 wine "$NPRELAY_EXE" -a -s -p -l 40 "$(winpath "$half")" \
	<"$T/cmd" >"$T/half.out" 2>"$T/half.err" &
relay_pid=$!
BG_PIDS+=("$relay_pid")
sleep 2
alive "$relay_pid" || fail "-a -p gave up on a half-written socket file: $(cat "$T/half.err")"
start_assuansrv half --file "$(winpath "$half")" --format native
wait_exit "$relay_pid" 30
((EXIT_STATUS == 0)) || fail "-a -p, half-written file: exit status $EXIT_STATUS: $(cat "$T/half.err")"
cmp -s "$T/half.out" "$T/cmd.want" || fail "-a -p, half-written file: output '$(cat "$T/half.out")'"
ok "-a -p: a half-written socket file is retried until it is complete"

# -p -l 1 on a file that stays malformed: exit 4, saying what is wrong.
printf '1234\n0123' >"$T/S.stuck"
run_relay stuck "$T/cmd" -a -p -l 1 "$(winpath "$T/S.stuck")"
expect_rc 4 "-a -p -l 1, malformed file" stuck
expect_err stuck 'S\.stuck: gave up waiting after 1 s: assuan socket file has a 4-byte nonce, want 16$'
ok "-a -p -l 1, a file that stays malformed: exit 4: $(cat "$T/stuck.err")"
