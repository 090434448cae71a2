#!/bin/bash
# A pipe name someone else holds: the relay's failure reply is logged
# once, with the route and the relay's message; status and doctor show
# it; the exposure is retried with backoff and comes once the name is
# free.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

start_backend echo echo "$T/echo.sock"
# The squatter holds the name: a program accepting on the stand-in's
# socket for //./pipe/ex, as another process's pipe instance would.
start_backend squatter greet-close "$PIPES/ex"
squatter=$BG_PID
expose_conf ex "$T/echo.sock"
start_router "$T/r.conf"
want='npiperouter error: route "ex": cannot expose //./pipe/ex: //./pipe/ex: pipe name already in use by another process (error 5) (Win32 error 5); retrying with backoff'
wait_log 10 "$want"
# Retried (0.5 s, 1 s, 2 s ...), but said once.
wait_log_count 20 3 'cannot expose //./pipe/ex'
(($(log_count 'npiperouter error: route "ex": cannot expose') == 1)) ||
	fail "the failure was logged more than once: $(grep -F 'cannot expose' "$ROUTER_LOG")"
j=$(route_json ex)
[[ $(jq -r .expose_state <<<"$j") == failed ]] || fail "status: $j"
[[ $(jq -r .expose_error <<<"$j") == *"already in use by another process"* ]] || fail "status: $j"
"$NPIPEROUTER" doctor -c "$T/r.conf" >"$T/doctor.out" 2>&1 || true
grep -qF 'route "ex": pipe //./pipe/ex is held by another process (//./pipe/ex: pipe name already in use by another process (error 5) (Win32 error 5))' "$T/doctor.out" ||
	fail "doctor: $(cat "$T/doctor.out")"
# The squatter's clients are not ours.
client 10 "$PIPES/ex" --out "$T/squat.out" || true
grep -q 'hello from nptest-peer' "$T/squat.out" || fail "the squatter did not answer"

# The name is free: the next retry exposes it, and it serves.
kill -TERM "$squatter"
wait_exit "$squatter" 10
wait_log 40 'route "ex": exposing //./pipe/ex (mux relay pid'
client 10 "$PIPES/ex" --send-random 64K --send-copy "$T/1.in" --out "$T/1.out" ||
	fail "not served once the name was free"
same_file "$T/1.in" "$T/1.out"
[[ $(route_json ex | jq -r .expose_state) == exposed ]] || fail "status: $(route_json ex)"
log "ok"
