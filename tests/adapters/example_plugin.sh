#!/bin/bash
# The smallest complete adapter from docs/adapters.md, built by the tree
# and loaded by name (and shown verbatim by the docs): it answers its
# "ping" line itself and passes the rest to the relay (here socat running
# cat, so the rest comes back).
. "$(dirname "$0")/lib.sh"
[[ -f $NPIPEROUTER_PLUGIN_DIR/example.so ]] || fail "example.so was not built"
src=$(dirname "$0")/../..

# docs/adapters.md shows this very file.
sed -n '/^```c$/,/^```$/ { /^```/d; p }' "$src/docs/adapters.md" >"$T/doc.c"
diff -u "$src/plugins/example/example.c" "$T/doc.c" >"$T/doc.diff" ||
	fail "docs/adapters.md and plugins/example/example.c differ: $(cat "$T/doc.diff")"

cat >"$T/router.conf" <<CONF
routes = (
$(route echo '{ name = "example"; ping = "HELLO"; max_line = 64; }' "EXEC:cat")
);
CONF
out=$("$NPIPEROUTER" check -c "$T/router.conf") || fail "check failed: $out"
[[ $out == *"[adapter example, auto, max 256]"* ]] || fail "check said: $out"
start_router "$T/router.conf" "$T/echo.sock"

out=$(printf 'one\nHELLO\ntwo\n' | timeout 10 socat -t 5 - "UNIX-CONNECT:$T/echo.sock")
# PONG comes from the router at once; the other lines make the round trip.
[[ $(sort <<<"$out") == $'PONG\none\ntwo' ]] || fail "got '$out'"
wait_log 5 "example: answered HELLO from pid"

out=$(printf '%070d\n' 0 | timeout 10 socat -t 5 - "UNIX-CONNECT:$T/echo.sock")
[[ -z $out ]] || fail "an over-long line was relayed: $out"
wait_log 5 "example: line of more than 64 bytes; closing the session"
router_alive
log "ok"
