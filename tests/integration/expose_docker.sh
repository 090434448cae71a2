#!/bin/bash
# The docker adapter on an exposed route, with podman's real API service
# behind it and a tap (socat -r) recording what the engine is sent: a
# "Windows client" on the exposed pipe posts a container-create whose
# binds are Windows paths (C:\..., C:/..., c:/..., and --mount's
# Source), and podman gets the WSL paths under wsl.conf's automount
# root; the access log names each rewrite. Here the root is $T/mnt/, so
# that the folders exist for podman.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"
. "$(dirname "$0")/../adapters/docker_lib.sh"

start_podman
start_tap
mkdir -p "$T/mnt/c/Users/me/src" "$T/mnt/c/data" "$T/mnt/d/w"
printf '[automount]\nroot = %s/mnt/\n' "$T" >"$T/wsl.conf"
expose_conf podman "$T/tap.sock" \
	"adapter = { name = \"docker\"; wsl_conf = \"$T/wsl.conf\"; };"
start_router "$T/r.conf" "$PIPES/podman"
P=$T/podman.sock
busybox_image "$P" localhost/npr-busybox:1

body='{"Image":"localhost/npr-busybox:1","Cmd":["true"],"HostConfig":{"Binds":["C:\\Users\\me\\src:/src:ro","c:/data:/data"],"Mounts":[{"Type":"bind","Source":"D:\\w","Target":"/w"}]}}'
answer=$(http_post "$PIPES/podman" /v1.41/containers/create?name=npr-win "$body")
[[ $(status "$answer") == 201 ]] || fail "create through the exposed pipe: $answer"
tap_has "\"$T/mnt/c/Users/me/src:/src:ro\"" || fail "the engine was not sent $T/mnt/c/Users/me/src"
tap_has "\"$T/mnt/c/data:/data\"" || fail "the engine was not sent $T/mnt/c/data"
tap_has "\"Source\":\"$T/mnt/d/w\"" || fail "the engine was not sent Source $T/mnt/d/w"
! tap_has 'C:\\Users' || fail "the engine was sent a Windows path"
binds=$(dk_ok "$P" inspect -f '{{json .HostConfig.Binds}}' npr-win)
[[ $binds == *"$T/mnt/c/Users/me/src:/src:ro"* ]] || fail "podman's Binds: $binds"
wait_log 5 "docker: bind source C:\\Users\\me\\src rewritten to $T/mnt/c/Users/me/src (HostConfig.Binds)"
wait_log 5 "docker: bind source D:\\w rewritten to $T/mnt/d/w (HostConfig.Mounts)"

# ".." may not leave the drive: the source goes on as it came (podman
# refuses a relative or Windows path itself).
body='{"Image":"localhost/npr-busybox:1","Cmd":["true"],"HostConfig":{"Binds":["C:\\..\\..\\etc:/e"]}}'
http_post "$PIPES/podman" /v1.41/containers/create?name=npr-esc "$body" >/dev/null
! tap_has '"/etc:/e"' || fail "C:\\..\\..\\etc reached the engine as /etc"
log "ok"
