#!/bin/bash
# Exposed routes end to end (issue 13): a Windows client nobody here
# wrote, the original Go npiperelay.exe (`wine npiperelay.exe -ep -s
# //./pipe/NAME`), connects to the pipe that `wine nprelay.exe --mux`
# exposes for the real router, which connects it to a Linux echo
# service:
#   bulk      16 MiB each way, SHA-256 intact; npiperelay's half-close
#             (-s, a zero-byte message after its stdin ended) reaches the
#             service as EOF, whose half-close comes back and ends
#             npiperelay (-ep); status counts the bytes both ways
#   many      100 concurrent clients (exposeprobe.exe), 256 KiB each way
#   refused   the Linux socket missing: the client is closed at once and
#             the router's log names the error
#   squatted  a name another process holds (a mingw pipe server): the
#             router logs the relay's failure once, and exposes the name
#             once it is free
#   killed    the relay killed: the name goes, and is back after the
#             restart
. "$(dirname "$0")/lib.sh"
expose_init
need_env NPIPERELAY_EXE -f "the Go npiperelay.exe (fixture npiperelay_go)"
need jq
need_probe

bg echo "$NPTEST_PEER" echo "$T/echo.sock" --log "$T/echo.events"
wait_until 20 "the echo service" test -S "$T/echo.sock"
P1=$(pipe_name ex)
P2=$(pipe_name refused)
P3=$(pipe_name squat)
start_pipesrv squat --name "$P3" --mode msg --timeout 280
squat=$BG_PID
wait_until 60 "the squatter's pipe" pipe_exists "$P3" present
{
	echo 'routes = ('
	xroute ex "$P1" "$T/echo.sock"
	echo ','
	xroute refused "$P2" "$T/missing.sock"
	echo ','
	xroute squat "$P3" "$T/echo.sock"
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf"
wait_until 90 "the router exposing $P1" router_log_has "route \"ex\": exposing $P1 (mux relay pid"

# --- bulk
head -c $((16 * 1024 * 1024)) /dev/urandom >"$T/in.bin"
RC=0
timeout -k 5 180 wine "$NPIPERELAY_EXE" -ep -s "$P1" <"$T/in.bin" >"$T/bulk.out" 2>"$T/bulk.err" || RC=$?
expect_rc 0 "npiperelay -ep -s" bulk
same_file "$T/in.bin" "$T/bulk.out"
wait_until 20 "the echo service's EOF" grep -qE '^eof [0-9]+ 16777216$' "$T/echo.events"
wait_until 20 "the session counted" eval '[[ $(route_json ex | jq .active) == 0 ]]'
j=$(route_json ex)
[[ $(jq .bytes_up <<<"$j") == 16777216 && $(jq .bytes_down <<<"$j") == 16777216 ]] ||
	fail "bulk: status $j"
ok "bulk: npiperelay -ep -s -> exposed pipe -> router -> echo: 16 MiB each way, SHA-256 intact; its half-close reached the service (eof after 16777216 bytes), the service's ended npiperelay"

# --- many
pipe_probe clients "$P1" 100 $((256 * 1024)) >"$T/many.out" ||
	fail "many: $(grep -v ': ok ' "$T/many.out" | head -5)"
wait_until 30 "100 more sessions" eval '[[ $(route_json ex | jq .total) == 101 ]]'
ok "many: $(tail -1 "$T/many.out")"

# --- refused
start_held refused "$NPIPERELAY_EXE" -ep -s "$P2"
held_exits refused 15
((EXIT_STATUS == 0)) || fail "refused: npiperelay exited $EXIT_STATUS: $(cat "$T/refused.err")"
[[ ! -s $T/refused.out ]] || fail "refused: npiperelay got bytes"
wait_until 10 "the router's line" router_log_has "connect $T/missing.sock: No such file or directory; closing the Windows client"
ok "refused: npiperelay closed after $MS ms with its stdin open; the router logged connect $T/missing.sock: No such file or directory"

# --- squatted (Wine does not enforce FILE_FLAG_FIRST_PIPE_INSTANCE; the
# relay refuses a name it finds with other instances)
wait_until 30 "the failure logged" router_log_has "route \"squat\": cannot expose $P3: $P3: pipe name already in use by another process (error 5) (Win32 error 5)"
# The relay retries on its own, so the name may be exposed again before
# any probe could see it free: wait for the squatter's end, not for that.
kill "$squat"
wait_exit "$squat" 30
wait_until 90 "the name exposed once free" router_log_has "route \"squat\": exposing $P3 (mux relay pid"
n=$(grep -cF "npiperouter error: route \"squat\": cannot expose" "$T/router.err" || true)
((n == 1)) || fail "squatted: the failure was logged $n times"
ok "squatted: logged once, exposed once the name was free"

# --- killed
a=$(route_json ex | jq .mux_pid)
kill -KILL "$a"
wait_until 90 "a new relay exposing $P1" eval '[[ $(route_json ex | jq .mux_pid) != "$a" && $(route_json ex | jq -r .expose_state) == exposed ]]'
printf 'back\n' >"$T/back.in"
RC=0
timeout -k 5 60 wine "$NPIPERELAY_EXE" -ep -s "$P1" <"$T/back.in" >"$T/back.out" 2>"$T/back.err" || RC=$?
expect_rc 0 "npiperelay after the restart" back
same_file "$T/back.in" "$T/back.out"
ok "killed: relay $a killed, $P1 back on relay $(route_json ex | jq .mux_pid)"
log ok
