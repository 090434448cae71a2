#!/bin/bash
# Bind sources in every form a Docker or podman user writes them, with
# podman's real API service behind the route and a tap (socat -r) that
# records what the engine was sent (issue 12):
#   - relative sources from Debian's docker.io 20.10 CLI (`-v ./rel:/rel`,
#     `--mount src=./rel`) resolved against the client's folder;
#   - paths with "//", "." and ".." resolved before the rules;
#   - volume create of the local driver with o=bind (compose's
#     driver_opts), swarm services/create, podman's libpod create;
#   - a 700 KB --env-file create body, with and without a bind, is not
#     refused for its size.
# A path rule maps $T/proj to $T/win/proj, both Linux folders, so that
# podman can create what it is sent and inspect shows it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"

need_old_docker
start_podman
start_tap
mkdir -p "$T/proj/rel" "$T/proj/sub" "$T/win/proj/rel" "$T/win/proj/sub" \
	"$T/win/proj/m" "$T/win/proj/data" "$T/win/proj/lp"
: >"$T/wsl.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route docker "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    path_rules = ( { from = \"$T/proj\"; to = \"$T/win/proj\"; } ); }" \
	"$T/tap.sock")
);
CONF
start_router "$T/router.conf" "$T/docker.sock"
D=$T/docker.sock
P=$T/podman.sock
busybox_image "$P" localhost/npr-busybox:1
IMG=localhost/npr-busybox:1

# --- relative sources from the old CLI, run in $T/proj
if (cd "$T/proj" && dk_old "$P" create --name npr-direct -v ./rel:/rel "$IMG" true); then
	fail "podman took the relative bind ./rel straight: the test shows nothing"
fi
log "straight to podman, docker 20.10 -v ./rel:/rel: $(head -c 200 "$T/docker.err")"
(cd "$T/proj" && dk_old "$D" create --name npr-rel -v ./rel:/rel \
	--mount type=bind,src=./sub/../m,dst=/m "$IMG" true) >/dev/null ||
	fail "docker 20.10 create -v ./rel through the route: $(cat "$T/docker.err")"
tap_has "\"$T/win/proj/rel:/rel\"" || fail "the engine was not sent $T/win/proj/rel:/rel"
tap_has "\"Source\":\"$T/win/proj/m\"" || fail "the engine was not sent Source $T/win/proj/m"
! tap_has '"./rel:/rel"' || fail "the engine was sent ./rel"
binds=$(dk_ok "$P" inspect -f '{{json .HostConfig.Binds}}' npr-rel)
[[ $binds == *"$T/win/proj/rel:/rel"* ]] || fail "podman's Binds: $binds"
wait_log 5 "docker: bind source ./rel rewritten to $T/win/proj/rel (HostConfig.Binds)"
wait_log 5 "docker: bind source ./sub/../m rewritten to $T/win/proj/m (HostConfig.Mounts)"
log "docker 20.10 -v ./rel, --mount src=./sub/../m: the engine got $T/win/proj/rel and .../m"

# --- "//", "." and ".." resolved before the rules
dk_ok "$D" create --name npr-clean -v "$T/proj//sub/./x/../:/s" "$IMG" true >/dev/null
tap_has "\"$T/win/proj/sub:/s\"" || fail "the engine was not sent $T/win/proj/sub:/s"
log "-v $T/proj//sub/./x/../: the engine got $T/win/proj/sub"

# --- volume create, local driver, o=bind (compose's driver_opts)
dk_ok "$D" volume create -d local -o type=none -o o=bind \
	-o "device=$T/proj/data" npr-bound >/dev/null
tap_has "\"device\":\"$T/win/proj/data\"" || fail "the engine was not sent device $T/win/proj/data"
dev=$(dk_ok "$P" volume inspect -f '{{.Options.device}}' npr-bound)
[[ $dev == "$T/win/proj/data" ]] || fail "podman's volume device: $dev"
log "volume create -o o=bind -o device=$T/proj/data: the engine got $dev"

# --- podman's own create (SpecGenerator mounts)
out=$(http_post "$D" /v4.0.0/libpod/containers/create \
	"{\"name\":\"npr-lp\",\"image\":\"$IMG\",\"command\":[\"true\"],\"mounts\":[{\"destination\":\"/lp\",\"type\":\"bind\",\"source\":\"$T/proj/lp\"}]}")
[[ $(status "$out") == 201 ]] || fail "libpod create through the route: $out"
tap_has "\"source\":\"$T/win/proj/lp\"" || fail "the engine was not sent source $T/win/proj/lp"
src=$(dk_ok "$P" inspect -f '{{range .Mounts}}{{.Source}}{{end}}' npr-lp)
[[ $src == "$T/win/proj/lp" ]] || fail "podman's mount source: $src"
log "libpod create mounts[].source $T/proj/lp: the engine got $src"

# --- swarm services/create: podman has no swarm, the tap shows the body
out=$(http_post "$D" /v1.41/services/create \
	"{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\",\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"$T/proj/sub\",\"Target\":\"/s\"}]}}}")
tap_has "\"Source\":\"$T/win/proj/sub\",\"Target\":\"/s\"}]}}}" ||
	fail "the engine was not sent the service's Source $T/win/proj/sub"
log "services/create: the engine got Source $T/win/proj/sub (and answered $(status "$out"))"

# --- a 700 KB --env-file is not refused for its size
for i in $(seq 1 7000); do
	printf 'NPR_VAR_%05d=%090d\n' "$i" 0
done >"$T/big.env"
dk_ok "$D" create --name npr-env --env-file "$T/big.env" "$IMG" true >/dev/null
n=$(dk_ok "$P" inspect -f '{{len .Config.Env}}' npr-env)
((n >= 7000)) || fail "podman got $n variables, not 7000"
dk_ok "$D" create --name npr-envbind --env-file "$T/big.env" \
	-v "$T/proj/rel:/rel" "$IMG" true >/dev/null
binds=$(dk_ok "$P" inspect -f '{{json .HostConfig.Binds}}' npr-envbind)
[[ $binds == *"$T/win/proj/rel:/rel"* ]] || fail "podman's Binds after a big env: $binds"
log "create --env-file of $(wc -c <"$T/big.env") bytes: passes, and with -v its bind is rewritten"

router_alive
log "ok"
