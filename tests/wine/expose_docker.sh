#!/bin/bash
# The docker adapter on an exposed route under Wine (issue 13): a
# Windows client nobody here wrote, the original Go npiperelay.exe
# (`wine npiperelay.exe -ep -s //./pipe/NAME`), sends a container-create
# whose binds are Windows paths (C:\..., c:/..., and a Mounts Source
# D:\...) through the pipe that `wine nprelay.exe --mux` exposes for the
# real router; behind the route, a tap (socat -r) in front of podman's
# real API service shows the WSL paths under wsl.conf's automount root
# ($T/mnt/, so that the folders exist for podman) reaching the engine,
# and podman's inspect shows them too. The integration test
# expose_docker.sh checks the same without Wine, on the stand-in relay.
#
# Every process it starts (podman in its own PID namespace, the tap, the
# router and its `wine nprelay.exe --mux`, npiperelay.exe) is killed at
# exit, also on failure (tests/lib/common.sh). The Wine prefix and its
# wineserver are the wine fixture's, shared with the other Wine tests:
# wine.cleanup ends them with `wineserver -k`, not this test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../adapters/docker_lib.sh"
expose_init
need_env NPIPERELAY_EXE -f "the Go npiperelay.exe (fixture npiperelay_go)"
need jq

# docker_lib.sh's http_raw SOCKET FILE, with SOCKET a pipe name: the
# Windows client sends FILE, half-closes (-s: a zero-byte message once its
# stdin ended) and prints the answer until the pipe ends (-ep).
http_raw() {
	timeout -k 5 60 wine "$NPIPERELAY_EXE" -ep -s "$1" <"$2" 2>"$T/client.err" ||
		fail "npiperelay -ep -s $1 failed or timed out: $(cat "$T/client.err")"
}

start_podman
start_tap
P=$T/podman.sock
busybox_image "$P" localhost/npr-busybox:1
mkdir -p "$T/mnt/c/Users/me/src" "$T/mnt/c/data" "$T/mnt/d/w"
printf '[automount]\nroot = %s/mnt/\n' "$T" >"$T/wsl.conf"
PIPE=$(pipe_name podman)
{
	echo 'routes = ('
	xroute podman "$PIPE" "$T/tap.sock" \
		"adapter = { name = \"docker\"; wsl_conf = \"$T/wsl.conf\"; };"
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf"
wait_until 90 "the router exposing $PIPE" router_log_has "route \"podman\": exposing $PIPE (mux relay pid"

body='{"Image":"localhost/npr-busybox:1","Cmd":["true"],"HostConfig":{"Binds":["C:\\Users\\me\\src:/src:ro","c:/data:/data"],"Mounts":[{"Type":"bind","Source":"D:\\w","Target":"/w"}]}}'
answer=$(http_post "$PIPE" /v1.41/containers/create?name=npr-winexp "$body")
[[ $(status "$answer") == 201 ]] || fail "create through the exposed pipe under Wine: $answer"
tap_has "\"$T/mnt/c/Users/me/src:/src:ro\"" || fail "the engine was not sent $T/mnt/c/Users/me/src"
tap_has "\"$T/mnt/c/data:/data\"" || fail "the engine was not sent $T/mnt/c/data"
tap_has "\"Source\":\"$T/mnt/d/w\"" || fail "the engine was not sent Source $T/mnt/d/w"
! tap_has 'C:\\Users' || fail "the engine was sent a Windows path"
ok "create: npiperelay.exe -> exposed pipe -> router (docker adapter) -> tap -> podman: 201, the engine got $T/mnt/c/Users/me/src, $T/mnt/c/data and Source $T/mnt/d/w"

binds=$(dk_ok "$P" inspect -f '{{json .HostConfig.Binds}}' npr-winexp)
# podman adds its options (",rprivate,rbind") to each bind.
[[ $binds == *"\"$T/mnt/c/Users/me/src:/src:ro"* && $binds == *"\"$T/mnt/c/data:/data:"* ]] ||
	fail "podman's Binds: $binds"
mounts=$(dk_ok "$P" inspect -f '{{json .Mounts}}' npr-winexp)
[[ $mounts == *"\"Source\":\"$T/mnt/d/w\""* ]] || fail "podman's Mounts: $mounts"
wait_log 5 "docker: bind source C:\\Users\\me\\src rewritten to $T/mnt/c/Users/me/src (HostConfig.Binds)"
wait_log 5 "docker: bind source D:\\w rewritten to $T/mnt/d/w (HostConfig.Mounts)"
ok "inspect: podman holds the WSL paths; the access log names the rewrites"

dk_ok "$P" rm npr-winexp >/dev/null
left=$(dk_ok "$P" ps -aq --filter name=npr-winexp)
[[ -z $left ]] || fail "npr-winexp still exists after rm: $left"
ok "rm: the container is gone"
log ok
