#!/bin/bash
# Byte counters on an adapter route count each byte once (issue 9 item
# 12): a 4038-byte HTTP request header sent slowly in ten pieces through
# the docker adapter (which keeps an incomplete header in the input until
# it is whole) shows as exactly 4038 bytes up in `status --json`, and the
# engine's answer as exactly its length down.
. "$(dirname "$0")/lib.sh"
need sh socat jq head
need_env NPIPEROUTER_PLUGIN_DIR -d "the built plugins"

# The "engine" is a shell script behind a unix socket (socat runs one per
# connection) that reads the request's header and answers once. A mock,
# as the fewest moving parts that show the count; the route reaches it
# through $RELAY like any backend (spawn or mux, NPR_TEST_MODE).
cat >"$T/engine.sh" <<'SH'
cr=$(printf '\r')
while IFS= read -r line; do
	[ "$line" = "$cr" ] && break
done
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK'
SH
answer=$(printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK' | wc -c)

bg engine socat "UNIX-LISTEN:$T/engine.sock,fork" "EXEC:sh $T/engine.sh"
engine=$BG_PID
wait_until 10 "the engine on $T/engine.sock" _listening "$engine" "$T/engine.sock" engine

cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "docker"; listen = { path = "$T/docker.sock"; };
    $(relay_route "$T/engine.sock")
    adapter = { name = "docker"; }; }
);
CONF
start_router "$T/r.conf" "$T/docker.sock"

# A header of exactly 4038 bytes: the pad fills what the fixed lines leave.
fixed=$(printf 'GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Pad: \r\n\r\n' | wc -c)
{
	printf 'GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Pad: '
	head -c $((4038 - fixed)) /dev/zero | tr '\0' 'a'
	printf '\r\n\r\n'
} >"$T/request"
(($(wc -c <"$T/request") == 4038)) || fail "the request is $(wc -c <"$T/request") bytes"

# Ten pieces, each arriving on its own.
{
	for ((i = 0; i < 10; i++)); do
		tail -c +$((i * 404 + 1)) "$T/request" | head -c 404
		sleep 0.2
	done
	sleep 2 # keep the write side open while the answer comes back
} | timeout 20 socat -t 5 - "UNIX-CONNECT:$T/docker.sock" >"$T/answer" ||
	fail "the request through the docker adapter failed"
grep -q '^OK$' <(tail -c 2 "$T/answer"; echo) || fail "unexpected answer: $(cat "$T/answer")"

field() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" |
		jq -r --arg f "$1" '.routes[] | select(.name == "docker") | .[$f]'
}
idle() { [[ $(field active) == 0 ]]; }
wait_until 10 "the session to end" idle
[[ $(field bytes_up) == 4038 ]] || fail "bytes_up is $(field bytes_up), not 4038"
[[ $(field bytes_down) == "$answer" ]] || fail "bytes_down is $(field bytes_down), not $answer"
log "4038 bytes up and $answer down, each counted once"
log "ok"
