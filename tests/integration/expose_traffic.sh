#!/bin/bash
# An exposed route (DESIGN.md §10) end to end against the stand-in relay:
# a "Windows client" on the exposed pipe (the stand-in's socket) reaches
# a Linux service through the router. 16 MiB each way, SHA-256 intact,
# with half-close in both directions; status lists the route.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

start_backend echo echo "$T/echo.sock"
start_backend drain drain-reply "$T/drain.sock"
start_backend source source "$T/source.sock" --bytes 16M
{
	printf 'relay = { path = "%s"; };\nroutes = (\n' "$EXPOSE_RELAY"
	expose_route echo "$T/echo.sock" 'mode = "mux";'
	printf ',\n'
	expose_route drain "$T/drain.sock"
	printf ',\n'
	expose_route source "$T/source.sock"
	printf ',\n'
	expose_route idle "$T/echo.sock" 'idle_timeout = 1;'
	printf '\n);\n'
} >"$T/r.conf"
start_router "$T/r.conf" "$PIPES/echo" "$PIPES/drain" "$PIPES/source" "$PIPES/idle"
wait_log 10 'route "echo": exposing //./pipe/echo (mux relay pid'

# Both ways at once: the client sends 16 MiB while the echo returns them;
# its half-close reaches the service (the echo ends), whose half-close
# reaches the client (the client sees EOF).
client 60 "$PIPES/echo" --send-random 16M --send-copy "$T/echo.in" \
	--out "$T/echo.out" || fail "echo client failed"
same_file "$T/echo.in" "$T/echo.out"

# The client's half-close first: the service answers only after EOF.
head -c 1M /dev/urandom >"$T/drain.in"
client 30 "$PIPES/drain" --send "$T/drain.in" --out "$T/drain.out" ||
	fail "drain-reply client failed"
same_file "$T/drain.in" "$T/drain.out"

# The service's half-close first: 16 MiB down, its EOF reaches the
# client, which still sends 16 MiB up and ends.
client 60 "$PIPES/source" --send-random 16M --out "$T/source.out" ||
	fail "source client failed"
[[ $(stat -c %s "$T/source.out") == 16777216 ]] ||
	fail "the source's 16 MiB did not arrive: $(stat -c %s "$T/source.out") bytes"

# status: the pipe, where it goes, the relay, clients and bytes.
wait_until 10 "the sessions counted" eval \
	'[[ $(route_json echo | jq .active) == 0 ]]'
j=$(route_json echo)
[[ $(jq -r .pipe <<<"$j") == //./pipe/echo ]] || fail "status pipe: $j"
[[ $(jq -r .exposed <<<"$j") == true ]] || fail "status exposed: $j"
[[ $(jq -r .connect <<<"$j") == "$T/echo.sock" ]] || fail "status connect: $j"
[[ $(jq -r .expose_state <<<"$j") == exposed ]] || fail "status state: $j"
[[ $(jq -r .socket <<<"$j") == null ]] || fail "status socket: $j"
[[ $(jq -r .total <<<"$j") == 1 ]] || fail "status total: $j"
[[ $(jq -r .bytes_up <<<"$j") == 16777216 ]] || fail "status bytes_up: $j"
[[ $(jq -r .bytes_down <<<"$j") == 16777216 ]] || fail "status bytes_down: $j"
(($(jq -r .mux_pid <<<"$j") > 0)) || fail "status mux_pid: $j"
j=$(route_json source)
[[ $(jq -r .bytes_up <<<"$j") == 16777216 && $(jq -r .bytes_down <<<"$j") == 16777216 ]] ||
	fail "source: the Windows client sent 16 MiB up and got 16 MiB: $j"
"$NPIPEROUTER" status -c "$T/r.conf" >"$T/status.txt"
grep -qF "exposed to Windows: //./pipe/echo -> $T/echo.sock (exposed)" "$T/status.txt" ||
	fail "status text: $(cat "$T/status.txt")"
# idle_timeout: a client that goes quiet is closed.
bg idle "$NPTEST_PEER" client "$PIPES/idle" --timeout 60 --send-bytes 1 \
	--no-shutdown --allow-reset
idle=$BG_PID
wait_log 10 'route "idle" #'
wait_log 10 'no traffic for 1s (idle_timeout); closing the session'
wait_exit "$idle" 10
wait_until 10 "the idle session gone" eval '[[ $(route_json idle | jq .active) == 0 ]]'
log "ok"
