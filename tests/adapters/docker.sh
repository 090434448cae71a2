#!/bin/bash
# The docker adapter with the real docker CLI and a real Docker API
# server: podman's (`podman system service`), started here on a private
# socket with its storage, network config and events under the test's
# temporary folder, so nothing global is touched.
#   - version, info, import, images, volume create/ls/rm, create,
#     inspect, rm and a streaming `docker events` through the route;
#   - bind sources rewritten: a path rule's target and the drive rule's
#     C:/... reach the engine (docker inspect shows them), named volumes
#     do not change;
#   - a policy: a refused endpoint prints the policy's message in the CLI,
#     the next allowed command on the same route works;
#   - an access log line per request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need tar

# --- podman on a private socket, nothing of it outside $T
start_podman
mkdir -p "$T/win/proj/sub" "$T/rootfs/bin"
# A Linux engine takes "C:/Users/me/src" for a path relative to its own
# folder: made here, so that a bind of it can be created and inspected.
mkdir -p "$T/engine-cwd/C:/Users/me/src"

# --- the router: a rewriting route and a guarded one
: >"$T/wsl.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route docker "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    path_rules = ( { from = \"/home/me/proj\"; to = \"$T/win/proj\"; } ); }" \
	"$T/podman.sock"),
$(docker_route guarded "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    allow = [ \"containers\", \"images\" ];
    deny = [ \"DELETE *\", \"POST images\" ]; }" "$T/podman.sock")
);
CONF
start_router "$T/router.conf" "$T/docker.sock" "$T/guarded.sock"
D=$T/docker.sock

# --- everyday commands
v=$(dk_ok "$D" version --format '{{.Server.Version}}')
[[ -n $v ]] || fail "docker version printed no server version"
out=$(dk_ok "$D" version)
[[ $out == *"Podman Engine"* ]] || fail "docker version: no Podman Engine in $out"
log "docker version: server $v"
v=$(dk_ok "$D" info --format '{{.ServerVersion}} {{.Driver}}')
[[ $v == *" vfs" ]] || fail "docker info printed '$v'"
log "docker info: $v"
cp /bin/true "$T/rootfs/bin/true"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
dk_ok "$D" import "$T/rootfs.tar" localhost/npr-tiny:1 >/dev/null
out=$(dk_ok "$D" images --format '{{.Repository}}:{{.Tag}}')
grep -qx "localhost/npr-tiny:1" <<<"$out" ||
	fail "docker images does not list the imported image: $out"
log "docker import (a body streamed through the route), docker images"

# docker events streams an answer that never ends: it must pass as it
# comes. --since: the volume's events count even if it is made before the
# engine has begun the stream.
since=$(date +%s)
DOCKER_CONFIG=$T/docker-config DOCKER_HOST=unix://$D \
	docker events --since "$since" --format '{{.Type}} {{.Action}}' \
	>"$T/events.out" 2>"$T/events.err" &
EVENTS_PID=$!
BG_PIDS+=("$EVENTS_PID")
dk_ok "$D" volume create npr-vol >/dev/null
out=$(dk_ok "$D" volume ls --format '{{.Name}}')
grep -qx npr-vol <<<"$out" || fail "docker volume ls does not list npr-vol: $out"
wait_until 20 "docker events to show the volume" grep -qx "volume create" \
	"$T/events.out"
dk_ok "$D" volume rm npr-vol >/dev/null
out=$(dk_ok "$D" volume ls --format '{{.Name}}')
! grep -qx npr-vol <<<"$out" || fail "npr-vol is still there after docker volume rm"
alive "$EVENTS_PID" || fail "docker events ended: $(cat "$T/events.err")"
kill "$EVENTS_PID"
log "docker volume create/ls/rm; docker events streamed them"

# --- bind sources
dk_ok "$D" create --name npr-rule -v /home/me/proj/sub:/src:ro \
	localhost/npr-tiny:1 /bin/true >/dev/null
binds=$(dk_ok "$D" inspect -f '{{json .HostConfig.Binds}}' npr-rule)
[[ $binds == "[\"$T/win/proj/sub:/src:ro"* ]] ||
	fail "a path rule's source reached the engine as $binds"
wait_log 5 "bind source /home/me/proj/sub rewritten to $T/win/proj/sub (HostConfig.Binds)"
log "docker create -v /home/me/proj/sub:/src:ro: the engine got $binds"
dk_ok "$D" create --name npr-drive \
	--mount type=bind,source=/mnt/c/Users/me/src,target=/src \
	localhost/npr-tiny:1 /bin/true >/dev/null
src=$(dk_ok "$D" inspect -f '{{range .Mounts}}{{.Source}}{{end}}' npr-drive)
[[ $src == "$T/engine-cwd/C:/Users/me/src" ]] ||
	fail "the drive rule's source reached the engine as '$src'"
wait_log 5 "bind source /mnt/c/Users/me/src rewritten to C:/Users/me/src (HostConfig.Mounts)"
log "docker create --mount source=/mnt/c/Users/me/src: the engine got C:/Users/me/src ($src)"
# A Linux engine cannot take "C:/x:/src" in Binds (a Windows one can):
# the request reaches it rewritten and it answers with an error.
if dk "$D" create -v /mnt/c/Users/me/src:/src localhost/npr-tiny:1 /bin/true; then
	fail "podman accepted a Windows bind source"
fi
grep -q "Error response from daemon" "$T/docker.err" ||
	fail "docker create -v /mnt/c/...: $(cat "$T/docker.err")"
wait_log 5 "bind source /mnt/c/Users/me/src rewritten to C:/Users/me/src (HostConfig.Binds)"
dk_ok "$D" create --name npr-vol -v npr-data:/data localhost/npr-tiny:1 \
	/bin/true >/dev/null
binds=$(dk_ok "$D" inspect -f '{{json .HostConfig.Binds}}' npr-vol)
[[ $binds == '["npr-data:/data'* ]] || fail "a named volume reached the engine as $binds"
log "a named volume is left alone: $binds"

# --- the policy
if dk "$T/guarded.sock" volume create npr-denied; then
	fail "the guarded route let docker volume create through"
fi
grep -q "npiperouter, route guarded: POST requests to the volumes endpoints are not allowed by this socket's policy" \
	"$T/docker.err" || fail "docker volume create printed: $(cat "$T/docker.err")"
log "guarded route, docker volume create: $(cat "$T/docker.err")"
out=$(dk_ok "$T/guarded.sock" images --format '{{.Repository}}')
grep -qx localhost/npr-tiny <<<"$out" ||
	fail "docker images on the guarded route after a refusal: $out"
if dk "$T/guarded.sock" rm npr-rule; then
	fail "the guarded route let docker rm through"
fi
grep -q "DELETE requests to the containers endpoints are not allowed" "$T/docker.err" ||
	fail "docker rm printed: $(cat "$T/docker.err")"
out=$(dk_ok "$T/guarded.sock" ps -a --format '{{.Names}}')
n=$(grep -c '^npr-' <<<"$out")
((n == 3)) || fail "docker ps -a on the guarded route lists $n npr- containers"
wait_log 5 "docker: refused DELETE /v1.41/containers/npr-rule from pid"
log "guarded route: refusals printed by the CLI; allowed commands go on"

dk_ok "$D" rm npr-rule npr-drive npr-vol >/dev/null
dk_ok "$D" volume rm npr-data >/dev/null
# --- the access log
for line in "docker: HEAD /_ping -> 200" "docker: GET /v1.41/images/json -> 200" \
	"docker: POST /v1.41/volumes/create -> 201" \
	"docker: DELETE /v1.41/containers/npr-rule -> 403, answered here"; do
	log_has "$line" || fail "no access log line '$line'"
done
grep -E "docker: GET /v1.41/version -> 200, [0-9]+ bytes in, [0-9]+ bytes out, [0-9.]+ ms" \
	"$ROUTER_LOG" >/dev/null || fail "access log lines lack bytes or duration"
router_alive
log "ok"
