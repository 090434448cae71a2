#!/bin/bash
# The docker adapter through Wine, as on WSL: npiperouter -> wine
# nprelay.exe -> a message-mode named pipe like Docker Desktop's
# (docker_pipebridge.exe) -> TCP -> npr-docker-engine.
#   - `docker exec -i` with the real CLI, relay flags -ep -s: stdin's end
#     becomes nprelay.exe's zero-byte message and reaches the engine; the
#     answer, sent only after that, and the engine's end come back;
#   - an engine that ends its side first (attach), relay flag -s only:
#     the client still sends after that, and the engine gets it;
#   - `docker create -v /mnt/c/...` arrives as C:/....
#   - a pipe that does not exist (Docker Desktop not running): nprelay.exe
#     exits 3 with its error line (spawn), or answers the stream's open
#     with status 3 and error 2 (one `nprelay.exe --mux` for the route);
#     either way the docker CLI prints the adapter's answer, naming the
#     route, the pipe and the Windows error, with a hint, not "EOF".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wine/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need jq
[[ -n ${NPR_DOCKER_ENGINE:-} && -x $NPR_DOCKER_ENGINE ]] ||
	fail "NPR_DOCKER_ENGINE must name npr-docker-engine (got '${NPR_DOCKER_ENGINE:-}')"
[[ -n ${NPR_DOCKER_PIPEBRIDGE_EXE:-} && -f $NPR_DOCKER_PIPEBRIDGE_EXE ]] ||
	fail "NPR_DOCKER_PIPEBRIDGE_EXE must name docker_pipebridge.exe (got '${NPR_DOCKER_PIPEBRIDGE_EXE:-}')"

bg engine "$NPR_DOCKER_ENGINE" "$T/engine.sock" "$T/engine.log"
wait_until 10 "npr-docker-engine's socket" test -S "$T/engine.sock"
# TCP to the engine for the bridge. socat waits 30 s (-t), not 0.5, for
# the other direction once one has ended: the engine ends first in the
# attach case, and the client still sends.
_tcp_up() { grep -q "listening on" "$T/tcp.err" 2>/dev/null || ! alive "$1"; }
for try in 1 2 3 4 5 6 7 8 9 10; do
	PORT=$((20000 + RANDOM % 40000))
	bg tcp socat -d -d -t 30 "TCP4-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" \
		"UNIX-CONNECT:$T/engine.sock"
	wait_until 10 "socat on port $PORT" _tcp_up "$BG_PID"
	grep -q "listening on" "$T/tcp.err" && break
	((try < 10)) || fail "socat found no free port: $(tail -n 3 "$T/tcp.err")"
done
pipe="//./pipe/npr-docker-$$"
bg bridge wine "$NPR_DOCKER_PIPEBRIDGE_EXE" --name "$pipe" --connect "$PORT" \
	--timeout 200
wait_until 60 "docker_pipebridge.exe" grep -qx ready "$T/bridge.out"

: >"$T/wsl.conf"
# No server ever makes this pipe; the mux route's relay is one
# `wine nprelay.exe --mux` (the router adds --mux).
missing="//./pipe/npr-missing-$$"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$WINE" "$NPRELAY_EXE" >"$T/mux-relay"
chmod +x "$T/mux-relay"
group="{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\"; }"
cat >"$T/router.conf" <<CONF
routes = (
$(wine_route docker "$group" "$pipe" -ep -s -p),
$(wine_route open "$group" "$pipe" -s),
$(wine_route gone "$group" "$missing" -ep -s),
  { name = "gonemux"; listen = { path = "$T/gonemux.sock"; }; mode = "mux";
    relay = { path = "$T/mux-relay"; }; relay_args = [ "-ep", "-s" ];
    pipe = "$missing"; adapter = $group; }
);
CONF
start_router "$T/router.conf" "$T/docker.sock" "$T/open.sock" "$T/gone.sock" \
	"$T/gonemux.sock"

out=$(printf 'data from stdin' | dk "$T/docker.sock" exec -i c0ffee cat) ||
	fail "docker exec -i through Wine failed: $(cat "$T/docker.err")"
[[ $out == "echo: data from stdin" ]] || fail "docker exec -i printed '$out'"
grep -q "exec: stdin ended after 15 bytes" "$T/engine.log" ||
	fail "the engine did not see stdin end: $(cat "$T/engine.log")"
wait_log 5 "docker: POST /v1.41/exec/e1/start -> 101, upgraded to a raw stream"
log "docker exec -i through wine nprelay.exe -ep -s and a message-mode pipe"

_engine_ended() { grep -q "attach: engine side ended" "$T/engine.log"; }
{
	printf 'POST /v1.41/containers/c0ffee/attach?stream=1&stdin=1&stdout=1 '
	printf 'HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n'
	printf 'Upgrade: tcp\r\nContent-Length: 0\r\n\r\n'
	for _ in $(seq 600); do
		_engine_ended && break
		sleep 0.05
	done
	sleep 0.5
	printf 'sent after the engine ended'
} | timeout 60 socat -t 30 - "UNIX-CONNECT:$T/open.sock" >"$T/attach.out" ||
	fail "the attach client failed"
grep -q "^HTTP/1.1 101 UPGRADED" "$T/attach.out" ||
	fail "no 101 answer: $(cat "$T/attach.out")"
grep -q "^hello from the engine$" "$T/attach.out" ||
	fail "the engine's line did not arrive: $(cat "$T/attach.out")"
wait_until 30 "the engine's log of what came after its end" grep -q \
	"attach: after the engine's end the client sent 27 bytes: sent after the engine ended" \
	"$T/engine.log"
log "attach through Wine: the engine's end reached the client, which went on sending"

dk_ok "$T/docker.sock" create -v /mnt/c/Users/me/src:/src:ro npr/none true \
	>/dev/null
binds=$(dk_ok "$T/docker.sock" inspect -f '{{json .HostConfig.Binds}}' c0ffee)
[[ $binds == '["C:/Users/me/src:/src:ro"]' ]] || fail "the engine got Binds $binds"
log "docker create -v /mnt/c/Users/me/src:/src:ro through Wine: the engine got $binds"
for r in gone gonemux; do
	if dk "$T/$r.sock" ps >/dev/null; then
		fail "docker ps through route $r succeeded without a pipe"
	fi
	for t in "Error response from daemon: npiperouter, route $r: cannot reach the Docker engine at $missing: cannot open pipe: " \
		"(error 2); is Docker Desktop running?"; do
		grep -qF -- "$t" "$T/docker.err" || fail "route $r: the CLI did not say '$t': $(cat "$T/docker.err")"
	done
	! grep -qE 'EOF|connection reset' "$T/docker.err" || fail "route $r: $(cat "$T/docker.err")"
	log "a missing pipe through route $r: $(cat "$T/docker.err")"
done
wait_log 5 "route \"gone\" #"
log_has "relay exited with status 3" || fail "nprelay.exe did not exit 3: $(tail -n 20 "$ROUTER_LOG")"
router_alive
log "ok"
