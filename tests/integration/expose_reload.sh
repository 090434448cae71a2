#!/bin/bash
# Reload and exposed routes: an added exposed route opens its pipe, a
# removed one closes it (its connected client goes on to the end, then
# its relay goes), and the other routes, listening or exposed, keep
# their relays and sessions untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"

start_backend echo echo "$T/echo.sock"
# conf ROUTE...: the listening route "ls" (the stand-in to the echo) and
# the exposed routes named.
conf() {
	local n
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$EXPOSE_RELAY"
		printf '  { name = "ls"; listen = { path = "%s"; }; mode = "mux";\n' "$T/ls.sock"
		printf '    relay_args = [ "-s" ]; pipe = "%s"; }' "$T/echo.sock"
		for n in "$@"; do
			printf ',\n'
			expose_route "$n" "$T/echo.sock"
		done
		printf '\n);\n'
	} >"$T/r.conf"
}
reload() {
	"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
		fail "reload failed: $(cat "$T/reload.out")"
}
echo_ok() { # SOCKET TAG
	client 10 "$1" --send-random 64K --send-copy "$T/$2.in" --out "$T/$2.out" ||
		fail "$2: not served"
	same_file "$T/$2.in" "$T/$2.out"
}

conf x1
start_router "$T/r.conf" "$T/ls.sock" "$PIPES/x1"
wait_until 10 "both relays" eval '(( $(expose_pid ls) > 0 && $(expose_pid x1) > 0 ))'
ls_pid=$(expose_pid ls)
x1_pid=$(expose_pid x1)
echo_ok "$T/ls.sock" ls1
echo_ok "$PIPES/x1" x11

# Sessions held open on both across the reloads.
for r in ls:"$T/ls.sock" x1:"$PIPES/x1"; do
	head -c 100K /dev/urandom >"$T/held-${r%%:*}.in"
	bg "held-${r%%:*}" "$NPTEST_PEER" client "${r#*:}" --timeout 60 \
		--send "$T/held-${r%%:*}.in" --out "$T/held-${r%%:*}.out" \
		--hold-until "$T/release"
done
wait_until 10 "the held sessions" eval \
	'[[ $(route_json ls | jq .active) == 1 && $(route_json x1 | jq .active) == 1 ]]'

# Added: x2 opens its pipe; ls and x1 keep their relays.
conf x1 x2
reload
wait_until 10 "x2's pipe" test -S "$PIPES/x2"
wait_log 10 'route "x2": exposing //./pipe/x2 (mux relay pid'
echo_ok "$PIPES/x2" x21
x2_pid=$(expose_pid x2)
[[ $(expose_pid ls) == "$ls_pid" && $(expose_pid x1) == "$x1_pid" ]] ||
	fail "a reload that added a route touched the others"
echo_ok "$PIPES/x1" x12

# Removed: x1's pipe goes at once; its held client goes on.
conf x2
reload
wait_log 10 'route "x1": no longer exposing //./pipe/x1'
wait_until 10 "x1's pipe gone" eval '[[ ! -e $PIPES/x1 ]]'
alive "$x1_pid" || fail "x1's relay ended with a session still open"
[[ $(expose_pid ls) == "$ls_pid" && $(expose_pid x2) == "$x2_pid" ]] ||
	fail "a reload that removed a route touched the others"
echo_ok "$PIPES/x2" x22
echo_ok "$T/ls.sock" ls2
touch "$T/release"
for r in ls x1; do
	wait_until 10 "held $r" eval "cmp -s '$T/held-$r.in' '$T/held-$r.out'"
done
wait_log 10 'route "x1": last session ended'
wait_until 10 "x1's relay ends with its last session" eval '! alive '"$x1_pid"
[[ $(expose_pid ls) == "$ls_pid" && $(expose_pid x2) == "$x2_pid" ]] ||
	fail "the others changed"
log "ok"
