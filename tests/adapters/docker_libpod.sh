#!/bin/bash
# The docker adapter's policy covers podman's own API ("/libpod/...") as
# well as the Docker-compatible one: with podman's real API service
# behind two routes, one denying "volumes" and one denying "exec",
#   - POST /libpod/volumes/create creates a volume straight to podman,
#     and through the route is answered 403 and creates nothing;
#   - an exec made with POST /libpod/containers/NAME/exec and started with
#     POST /libpod/exec/ID/start runs straight to podman; through the
#     route both are answered 403, no exec instance is made and one made
#     straight never starts;
#   - what the routes do not deny still passes (libpod's container list,
#     volumes on the exec route).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"

start_podman
: >"$T/wsl.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route novol "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    deny = [ \"volumes\" ]; }" "$T/podman.sock"),
$(docker_route noexec "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    deny = [ \"exec\" ]; }" "$T/podman.sock")
);
CONF
start_router "$T/router.conf" "$T/novol.sock" "$T/noexec.sock"
P=$T/podman.sock
LP=/v4.0.0/libpod

has_volume() {
	dk_ok "$P" volume ls --format '{{.Name}}' | grep -qx "$1"
}

# --- volumes
out=$(http_post "$P" "$LP/volumes/create" '{"Name":"npr-lp-direct"}')
[[ $(status "$out") == 201 ]] || fail "libpod volume create straight to podman: $out"
has_volume npr-lp-direct || fail "podman answered 201 and made no volume"
log "straight to podman, POST $LP/volumes/create made a volume"
out=$(http_post "$T/novol.sock" "$LP/volumes/create" '{"Name":"npr-lp-route"}')
[[ $(status "$out") == 403 ]] || fail "libpod volume create through the route: $out"
grep -qF "POST requests to the volumes endpoints of podman's libpod API are not allowed by this socket's policy" <<<"$out" ||
	fail "the route's answer: $out"
! has_volume npr-lp-route || fail "libpod volume create made a volume through a route denying volumes"
out=$(http_get "$T/novol.sock" "$LP/volumes/json")
[[ $(status "$out") == 403 ]] || fail "libpod volume list through the route: $out"
out=$(http_get "$T/novol.sock" "$LP/containers/json")
[[ $(status "$out") == 200 ]] || fail "libpod container list through the novol route: $out"
out=$(http_post "$T/noexec.sock" "$LP/volumes/create" '{"Name":"npr-lp-other"}')
[[ $(status "$out") == 201 ]] || fail "libpod volume create through the exec-denying route: $out"
log "through deny [volumes]: 403 and no volume; other endpoints pass"

# --- exec, in a running container
busybox_image "$P" localhost/npr-busybox:1
dk_ok "$P" run -d --network none --name npr-lp localhost/npr-busybox:1 \
	/bin/sleep 600 >/dev/null
execs() {
	dk_ok "$P" inspect -f '{{len .ExecIDs}}' npr-lp
}
# Straight: made, started detached, it runs (its file appears).
out=$(http_post "$P" "$LP/containers/npr-lp/exec" \
	'{"Cmd":["/bin/touch","/tmp/direct"]}')
[[ $(status "$out") == 201 ]] || fail "libpod exec create straight to podman: $out"
id=$(grep -o '"Id":"[0-9a-f]*"' <<<"$out" | cut -d'"' -f4)
[[ -n $id ]] || fail "no exec Id in: $out"
out=$(http_post "$P" "$LP/exec/$id/start" '{"Detach":true}')
[[ $(status "$out") == 200 ]] || fail "libpod exec start straight to podman: $out"
wait_until 20 "the direct exec's file" dk "$P" exec npr-lp /bin/cat /tmp/direct
log "straight to podman, a libpod exec was made and ran"

# Through the route: refused, nothing made.
before=$(execs)
out=$(http_post "$T/noexec.sock" "$LP/containers/npr-lp/exec" \
	'{"Cmd":["/bin/touch","/tmp/route"]}')
[[ $(status "$out") == 403 ]] || fail "libpod exec create through the route: $out"
grep -qF "POST requests to the exec endpoints of podman's libpod API are not allowed" <<<"$out" ||
	fail "the route's answer: $out"
[[ $(execs) == "$before" ]] || fail "an exec instance was made through a route denying exec"
# One made straight is not started through the route.
out=$(http_post "$P" "$LP/containers/npr-lp/exec" \
	'{"Cmd":["/bin/touch","/tmp/route"]}')
id=$(grep -o '"Id":"[0-9a-f]*"' <<<"$out" | cut -d'"' -f4)
[[ -n $id ]] || fail "no exec Id in: $out"
out=$(http_post "$T/noexec.sock" "$LP/exec/$id/start" '{"Detach":true}')
[[ $(status "$out") == 403 ]] || fail "libpod exec start through the route: $out"
out=$(http_get "$P" "$LP/exec/$id/json")
grep -q '"Pid":0[,}]' <<<"$out" || fail "the exec started through the route: $out"
! dk "$P" exec npr-lp /bin/cat /tmp/route || fail "the exec started through the route ran"
out=$(http_get "$T/noexec.sock" "$LP/exec/$id/json")
[[ $(status "$out") == 403 ]] || fail "libpod exec inspect through the route: $out"
log "through deny [exec]: libpod exec create and start 403, nothing ran"

dk_ok "$P" rm -f npr-lp >/dev/null
router_alive
log "ok"
