#!/bin/bash
# The docker adapter's hijacked streams and create bodies, against
# npr-docker-engine (tests/tools/docker-hijack-server.c), a stand-in
# engine that logs what it got and when (the same streams with podman's
# real containers: docker_wf_run.sh, docker_wf_attach.sh).
#   - `docker exec -i` with the real CLI: stdin's end (the CLI's
#     half-close) reaches the engine through the upgraded stream, and the
#     engine's answer, sent only after that, reaches the CLI;
#   - an engine that ends its side first (attach): the client still sends
#     after that, and the engine gets it;
#   - `docker create -v /mnt/c/...` reaches the engine as C:/..., which
#     `docker inspect` shows, with options and named volumes kept;
#   - malformed HTTP ends its session only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need jq
[[ -n ${NPR_DOCKER_ENGINE:-} && -x $NPR_DOCKER_ENGINE ]] ||
	fail "NPR_DOCKER_ENGINE must name npr-docker-engine (got '${NPR_DOCKER_ENGINE:-}')"

bg engine "$NPR_DOCKER_ENGINE" "$T/engine.sock" "$T/engine.log"
wait_until 10 "npr-docker-engine's socket" test -S "$T/engine.sock"
: >"$T/wsl.conf"
printf '[automount]\nroot = /\n' >"$T/wsl-root.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route docker "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\"; }" "$T/engine.sock"),
$(docker_route rooted "{ name = \"docker\"; wsl_conf = \"$T/wsl-root.conf\"; }" "$T/engine.sock")
);
CONF
start_router "$T/router.conf" "$T/docker.sock" "$T/rooted.sock"

# 1. docker exec -i: the engine answers only once stdin has ended.
out=$(printf 'data from stdin' | dk "$T/docker.sock" exec -i c0ffee cat) ||
	fail "docker exec -i failed: $(cat "$T/docker.err")"
[[ $out == "echo: data from stdin" ]] || fail "docker exec -i printed '$out'"
grep -q "exec: stdin ended after 15 bytes" "$T/engine.log" ||
	fail "the engine did not see stdin end: $(cat "$T/engine.log")"
wait_log 5 "docker: POST /v1.41/exec/e1/start -> 101, upgraded to a raw stream"
log "docker exec -i: stdin's end reached the engine, its answer came after"

# 2. The engine ends its side first; the client goes on sending.
_engine_ended() { grep -q "attach: engine side ended" "$T/engine.log"; }
{
	printf 'POST /v1.41/containers/c0ffee/attach?stream=1&stdin=1&stdout=1 '
	printf 'HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n'
	printf 'Upgrade: tcp\r\nContent-Length: 0\r\n\r\n'
	for _ in $(seq 200); do
		_engine_ended && break
		sleep 0.05
	done
	sleep 0.2
	printf 'sent after the engine ended'
} | timeout 20 socat -t 10 - "UNIX-CONNECT:$T/docker.sock" >"$T/attach.out" ||
	fail "the attach client failed"
grep -q "^HTTP/1.1 101 UPGRADED" "$T/attach.out" ||
	fail "no 101 answer: $(cat "$T/attach.out")"
grep -q "^hello from the engine$" "$T/attach.out" ||
	fail "the engine's line did not arrive: $(cat "$T/attach.out")"
wait_until 10 "the engine's log of what came after its end" grep -q \
	"attach: after the engine's end the client sent 27 bytes: sent after the engine ended" \
	"$T/engine.log"
log "attach: the engine's end reached the client, which went on sending"

# 3. Bind sources arrive as Windows paths; options and volumes stay.
id=$(dk_ok "$T/docker.sock" create -v /mnt/c/Users/me/src:/src:ro \
	-v data:/data -v /home/me:/home:z npr/none true)
[[ $id == c0ffee ]] || fail "docker create printed '$id'"
# The CLI sends its -v binds in no fixed order.
binds=$(dk_ok "$T/docker.sock" inspect -f '{{json .HostConfig.Binds}}' c0ffee |
	jq -c sort)
[[ $binds == '["/home/me:/home:z","C:/Users/me/src:/src:ro","data:/data"]' ]] ||
	fail "the engine got Binds $binds"
wait_log 5 "docker: bind source /mnt/c/Users/me/src rewritten to C:/Users/me/src (HostConfig.Binds)"
[[ $(grep -c "rewritten to" "$ROUTER_LOG") == 1 ]] ||
	fail "the rewrite was not logged exactly once: $(grep "rewritten to" "$ROUTER_LOG")"
dk_ok "$T/docker.sock" create --mount type=bind,source=/mnt/d/work,target=/w \
	--mount type=volume,source=vol,target=/v npr/none true >/dev/null
mounts=$(dk_ok "$T/docker.sock" inspect -f \
	'{{range .HostConfig.Mounts}}{{.Type}} {{.Source}};{{end}}' c0ffee)
[[ $mounts == "bind D:/work;volume vol;" ]] || fail "the engine got Mounts '$mounts'"
# The automount root of wsl.conf ("root = /": /c is drive C:).
dk_ok "$T/rooted.sock" create -v /c/Users/me:/me -v /mnt/c/x:/x npr/none true \
	>/dev/null
binds=$(dk_ok "$T/rooted.sock" inspect -f '{{json .HostConfig.Binds}}' c0ffee |
	jq -c sort)
[[ $binds == '["/mnt/c/x:/x","C:/Users/me:/me"]' ]] ||
	fail "with root = / the engine got Binds $binds"
log "create: /mnt/c/... and /c/... (root = /) arrived as C:/..., docker inspect shows them"
# 4. Malformed HTTP is answered 400 with Docker's JSON error, which ends
# its connection, with a log line; the next is served.
printf 'GET /_ping HTTP/1.1\r\nno colon here\r\n\r\n' |
	timeout 10 socat -t 5 - "UNIX-CONNECT:$T/docker.sock" >"$T/bad.out" || true
if ! head -n 1 "$T/bad.out" | grep -q '^HTTP/1.1 400 Bad Request' ||
	! grep -qF 'refused: header line \"no colon here\" has no colon"}' "$T/bad.out"; then
	fail "a malformed request was answered: $(cat "$T/bad.out")"
fi
wait_log 5 "docker: refused GET /_ping from pid"
router_alive
v=$(dk_ok "$T/docker.sock" version --format '{{.Server.Version}}')
[[ $v == 0.0-npr ]] || fail "docker version after a malformed request: '$v'"
log "malformed HTTP closed its session only"
router_alive
log "ok"
