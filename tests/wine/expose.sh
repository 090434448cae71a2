#!/bin/bash
# Exposed pipes (issue 13): `wine nprelay.exe --mux` creates a named pipe
# for the router, and each Windows client becomes a stream toward it.
# HashiCorp's yamux plays the router (tests/mux/yamuxpeer, scenario
# nprelay-expose, driven by commands on a FIFO) and connects each client
# to a Linux unix-socket echo service (yamuxpeer -echo-server).  The
# Windows clients: the original Go npiperelay.exe (built from its source,
# fixture npiperelay_go), which nobody here wrote, and exposeprobe.exe
# (mingw) for 100 clients at once, the DACL and whether a name exists.
#   cmdline    --expose on a spawned relay's command line: usage, exit 2
#   bulk       npiperelay -ep -s: 16 MiB each way, SHA-256 intact, its
#              half-close reaches the echo service and the service's
#              comes back (npiperelay exits at it)
#   many       100 concurrent clients, 256 KiB each way with half-close;
#              30 clients held one after another (20 ms apart): a spare is
#              made as each connects, so none finds the pipe without one
#   lost       a client leaves while its 4 MiB answer arrives: the
#              answer it never read ends its stream with RST
#   dacl       read back with GetSecurityInfo: protected, the user's SID
#              and SYSTEM only; --expose-sddl: the SDDL given
#   hostile    a remote name, a name leaving \\.\pipe\, a flag about
#              opening, a bad SDDL, one name exposed twice: refused
#   unexpose   the router's FIN: a connected client goes on, then the
#              name goes; the other pipe stays
#   squatted   a name a mingw server holds: status 3, error 5, message
#   refused    the Linux socket missing: the client is closed at once
#   killed     the relay killed: the name is gone; a new relay has it back
#   trace      the +relay trace of CreateNamedPipeW's flags (what Wine
#              does not enforce), no DisconnectNamedPipe ever
. "$(dirname "$0")/lib.sh"

NEED_HINT=' (Debian: apt-get install golang-go)'
need go
need_env YAMUXPEER_SRC -d "the yamuxpeer source folder"
need_env NPIPERELAY_EXE -f "the Go npiperelay.exe (fixture npiperelay_go)"
need_probe
build_yamuxpeer "$YAMUXPEER_SRC"

# session NAME SOCKET: a router (yamuxpeer) with its own relay; commands
# with cmd NAME ..., its events in $T/NAME.err.
declare -A CTL
session() {
	local name=$1 sock=$2 fd
	mkfifo "$T/$name.fifo"
	timeout -k 5 300 "$T/yamuxpeer" -scenario nprelay-expose -connect "$sock" \
		-- wine "$NPRELAY_EXE" --mux <"$T/$name.fifo" >"$T/$name.out" 2>"$T/$name.err" &
	BG_PIDS+=("$!")
	eval "PEER_$name=$!"
	exec {fd}>"$T/$name.fifo"
	CTL[$name]=$fd
}
cmd() { printf '%s\n' "${*:2}" >&"${CTL[$1]}"; }
has() { grep -qE -- "$2" "$T/$1.err"; }
wait_event() { wait_until "${3:-30}" "'$2' from $1" has "$1" "$2"; }
# reply NAME N: the open reply of exposure N, "S C MSG".
reply() {
	wait_event "$1" "^expose $2: reply "
	sed -n "s/^expose $2: reply //p" "$T/$1.err"
}
# end NAME: quit, and the router found every check held.
end() {
	local pid fd=${CTL[$1]}
	cmd "$1" quit
	exec {fd}>&-
	eval "pid=\$PEER_$1"
	wait_exit "$pid" 60
	((EXIT_STATUS == 0)) && has "$1" "^yamuxpeer nprelay-expose: ok$" ||
		fail "$1: the router (yamuxpeer) failed: $(grep -E 'FAIL|panic' "$T/$1.err" | head -5)"
}

# --- cmdline
RC=0
relay --expose //./pipe/x </dev/null >"$T/cmdline.out" 2>"$T/cmdline.err" || RC=$?
expect_rc 2 "--expose on the command line" cmdline
grep -q 'flags of a --mux open request' "$T/cmdline.err" ||
	fail "cmdline: $(cat "$T/cmdline.err")"
ok "--expose on a spawned relay's command line: exit 2, $(head -1 "$T/cmdline.err")"

bg echo "$T/yamuxpeer" -echo-server "$T/echo.sock"
wait_until 20 "the echo service" grep -qs '^echo-server: ready' "$T/echo.err"

P1=$(pipe_name one)
P2=$(pipe_name two)
session a "$T/echo.sock"
cmd a expose --expose "$P1"
[[ $(reply a 1) == '0 0 ' ]] || fail "expose $P1: reply $(reply a 1)"

# --- bulk: npiperelay, 16 MiB each way
head -c $((16 * 1024 * 1024)) /dev/urandom >"$T/in.bin"
RC=0
timeout -k 5 120 wine "$NPIPERELAY_EXE" -ep -s "$P1" <"$T/in.bin" >"$T/bulk.out" 2>"$T/bulk.err" || RC=$?
expect_rc 0 "npiperelay -ep -s" bulk
same_file "$T/in.bin" "$T/bulk.out" "16 MiB through the exposed pipe"
wait_event a "^client [0-9]*[02468]: done up 16777216 down 16777216$"
wait_until 20 "the echo service's EOF" grep -qx 'echo: 16777216 bytes' "$T/echo.err"
ok "bulk: npiperelay -ep -s, 16 MiB each way, SHA-256 $(sha "$T/in.bin" | cut -c1-16)... intact; its zero-byte message reached the Linux service as EOF, the service's EOF ended npiperelay"

# --- many: 100 clients at once
pipe_probe clients "$P1" 100 $((256 * 1024)) >"$T/many.out" ||
	fail "many: $(grep -v ': ok ' "$T/many.out" | head -5)"
n=$(grep -c ": done up 262144 down 262144$" "$T/a.err" || true)
((n == 100)) || fail "many: the router saw $n clients through, want 100"
ok "many: $(tail -1 "$T/many.out"), 256 KiB each way with half-close"
pipe_probe hold "$P1" 30 20 >"$T/hold.out" || fail "hold: $(cat "$T/hold.out")"
wait_until 30 "the 30 held clients' streams to end" \
	bash -c "(( \$(grep -c ': done up 0 down 0$' '$T/a.err') == 30 ))"
ok "spares: 30 clients held one after another: $(tail -1 "$T/hold.out")"

# --- dacl
pipe_probe dacl "$P1" >"$T/dacl.out" || fail "dacl: $(cat "$T/dacl.out")"
user=$(sed -n 's/^user //p' "$T/dacl.out")
[[ $user == S-1-* ]] || fail "dacl: no user SID: $(cat "$T/dacl.out")"
grep -qx 'control protected' "$T/dacl.out" || fail "dacl: not protected: $(cat "$T/dacl.out")"
want="dacl D:P(A;;FA;;;$user)(A;;FA;;;SY)"
grep -qxF "$want" "$T/dacl.out" || fail "dacl: $(grep '^dacl' "$T/dacl.out"), want $want"
sddl='D:P(A;;FA;;;WD)'
cmd a expose --expose --expose-sddl "$sddl" "$P2"
[[ $(reply a 2) == '0 0 ' ]] || fail "expose $P2: reply $(reply a 2)"
pipe_probe dacl "$P2" >"$T/dacl2.out" || fail "dacl --expose-sddl: $(cat "$T/dacl2.out")"
grep -qxF "dacl $sddl" "$T/dacl2.out" || fail "dacl --expose-sddl: $(cat "$T/dacl2.out"), want $sddl"
ok "dacl: $(grep '^dacl' "$T/dacl.out"), protected; with --expose-sddl $sddl: the same read back"

# --- hostile
cmd a expose --expose //host/pipe/x
cmd a expose --expose //./pipe/../x
cmd a expose --expose -p "$(pipe_name three)"
cmd a expose --expose --expose-sddl garbage "$(pipe_name four)"
cmd a expose --expose "${P1^^}"
[[ $(reply a 3) == '2 0 refusing TARGET "//host/pipe/x": a pipe on another computer'* ]] ||
	fail "remote name: $(reply a 3)"
[[ $(reply a 4) == '2 0 refusing TARGET "//./pipe/../x": '* ]] || fail "..: $(reply a 4)"
[[ $(reply a 5) == '2 0 --expose takes no flag but --expose-sddl'* ]] || fail "-p: $(reply a 5)"
[[ $(reply a 6) == "2 87 $(pipe_name four): invalid --expose-sddl \"garbage\": "* ]] ||
	fail "bad SDDL: $(reply a 6)"
[[ $(reply a 7) == "3 183 ${P1^^}: pipe already exposed on this session, by stream "* ]] ||
	fail "twice: $(reply a 7)"
pipe_exists "$P1" present || fail "the first exposure of $P1 went away"
ok "hostile: $(for i in 3 4 5 6 7; do printf '[%s] ' "$(reply a $i)"; done)"

# --- unexpose, with a client connected that goes on
connected() { grep -c ': connected$' "$T/a.err" || true; }
before=$(connected)
start_held live "$NPIPERELAY_EXE" -ep -s "$P1"
wait_until 30 "npiperelay to connect" bash -c "(( \$(grep -c ': connected\$' '$T/a.err') > $before ))"
cmd a unexpose 1
wait_event a "^unexposed 1$"
printf 'still here\n' >&"$HELD_FD"
release_held
wait_exit "$RELAY_PID" 30
((EXIT_STATUS == 0)) || fail "unexpose: the connected npiperelay exited $EXIT_STATUS: $(cat "$T/live.err")"
[[ $(cat "$T/live.out") == 'still here' ]] || fail "unexpose: the connected client got '$(cat "$T/live.out")'"
wait_until 10 "$P1 to disappear" pipe_exists "$P1" missing
pipe_exists "$P2" present || fail "unexpose: $P2 went too"
end a
ok "unexpose: the relay answered the router's FIN with its own; a client connected before went on to its end; then $P1 was gone, $P2 untouched"

# --- lost: a client leaves while a 4 MiB answer comes, unread
bg source "$T/yamuxpeer" -echo-server "$T/source.sock" -source-bytes $((4 * 1024 * 1024))
wait_until 20 "the source service" grep -qs '^echo-server: ready' "$T/source.err"
P7=$(pipe_name lost)
session g "$T/source.sock"
cmd g expose --expose "$P7"
[[ $(reply g 1) == '0 0 ' ]] || fail "expose $P7: reply $(reply g 1)"
pipe_probe drop "$P7" 1000 >"$T/drop.out" || fail "drop: $(cat "$T/drop.out")"
wait_event g "^client [0-9]*: reset after down [0-9]*$"
end g
ok "lost: $(cat "$T/drop.out"), then gone: $(grep ': reset after down ' "$T/g.err")"

# --- squatted
P3=$(pipe_name squat)
start_pipesrv squat --name "$P3" --mode msg --timeout 280
session b "$T/echo.sock"
cmd b expose --expose "$P3"
r=$(reply b 1)
[[ $r == "3 5 $P3: pipe name already in use by another process (error 5)" ]] ||
	fail "squatted: reply $r"
ok "squatted: reply $r"

# --- refused: the Linux socket is missing
P4=$(pipe_name refused)
session c "$T/missing.sock"
cmd c expose --expose "$P4"
[[ $(reply c 1) == '0 0 ' ]] || fail "expose $P4: reply $(reply c 1)"
start_held refused "$NPIPERELAY_EXE" -ep -s "$P4"
held_exits refused 15
((EXIT_STATUS == 0)) || fail "refused: npiperelay exited $EXIT_STATUS: $(cat "$T/refused.err")"
[[ ! -s $T/refused.out ]] || fail "refused: npiperelay got bytes"
wait_event c "^client [0-9]*: refused 2$"
wait_event c "^nprelay: stream [0-9]*: $P4: the router refused the client \(status 3, error 2\): connect "
ok "refused: npiperelay closed after $MS ms with its stdin open; $(grep '^nprelay: stream' "$T/c.err")"

# --- killed, then back
P5=$(pipe_name killed)
session d "$T/echo.sock"
cmd d expose --expose "$P5"
[[ $(reply d 1) == '0 0 ' ]] || fail "expose $P5: reply $(reply d 1)"
pipe_exists "$P5" present || fail "killed: $P5 is not there before the kill"
cmd d kill
wait_event d "^killed$"
wait_until 20 "$P5 to disappear with the relay" pipe_exists "$P5" missing
end d
session e "$T/echo.sock"
cmd e expose --expose "$P5"
[[ $(reply e 1) == '0 0 ' ]] || fail "re-expose $P5: reply $(reply e 1)"
pipe_probe clients "$P5" 1 1000 >"$T/back.out" || fail "after the restart: $(cat "$T/back.out")"
ok "killed: $P5 disappeared with the relay and is back with the next one, a client through"

# --- trace: what Wine does not enforce, by the calls
P6=$(pipe_name trace)
export WINEDEBUG=+relay
session f "$T/echo.sock"
export WINEDEBUG=-all
cmd f expose --expose "$P6"
[[ $(reply f 1) == '0 0 ' ]] || fail "expose $P6: reply $(reply f 1)"
pipe_probe clients "$P6" 1 1000 >"$T/traced.out" || fail "trace: $(cat "$T/traced.out")"
wait_event f ": done up 1000 down 1000$"
end f
# CreateNamedPipeW(name, open mode, pipe mode, ...): PIPE_ACCESS_DUPLEX
# | FILE_FLAG_OVERLAPPED, and FILE_FLAG_FIRST_PIPE_INSTANCE (0x80000)
# on the first; PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE |
# PIPE_REJECT_REMOTE_CLIENTS (0x4 | 0x2 | 0x8).
calls=$(sed -n 's/.*Call KERNEL32\.CreateNamedPipeW([0-9a-f]* L"[^"]*",\([0-9a-f]*\),\([0-9a-f]*\),.*/\1 \2/p' "$T/f.err")
first=$(head -1 <<<"$calls")
[[ $first == '40080003 0000000e' ]] || fail "trace: the first CreateNamedPipeW has open mode and pipe mode '$first', want '40080003 0000000e'"
others=$(tail -n +2 <<<"$calls" | sort -u)
[[ $others == '40000003 0000000e' ]] || fail "trace: later instances have '$others', want '40000003 0000000e'"
! grep -q 'Call KERNEL32\.DisconnectNamedPipe' "$T/f.err" || fail "trace: DisconnectNamedPipe was called"
grep -q "ConvertStringSecurityDescriptorToSecurityDescriptorW([0-9a-f]* L\"D:P(A;;FA;;;$user)(A;;FA;;;SY)\"" "$T/f.err" ||
	fail "trace: no security descriptor from the default SDDL"
ok "trace: CreateNamedPipeW $first first, then $others ($(wc -l <<<"$calls") instances); no DisconnectNamedPipe"
log ok
