#!/bin/bash
# A build refused by the docker adapter's policy reaches the docker CLI
# cleanly (issue 12). The CLI streams the build context (a tar) as the
# request's body while it waits for the answer; Go's HTTP client takes an
# answer that comes before the body's end as the end of the exchange and
# closes the connection under the tar writer, which then prints
# "Can't add file ... to tar" and "Can't close tar writer: io: read/write
# on closed pipe" before the policy's message. The adapter reads and
# drops such a body first (up to 256 MiB), then answers 403: the CLI
# prints the policy's message alone. Real CLIs (28, and Debian's 20.10,
# legacy builder) against podman's Docker API behind a route whose deny
# list holds "build"; a context of 200 MB, which made the old adapter's
# early answer show the tar writer's errors in about half the runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need_old_docker

start_podman
: >"$T/wsl.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route nobuild "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    deny = [ \"build\" ]; }" "$T/podman.sock")
);
CONF
start_router "$T/router.conf" "$T/nobuild.sock"

mkdir "$T/ctx"
printf 'FROM scratch\nCOPY big /big\n' >"$T/ctx/Dockerfile"
head -c 200000000 /dev/urandom >"$T/ctx/big"
msg="Error response from daemon: npiperouter, route nobuild: POST requests to the build endpoints are not allowed by this socket's policy"
for run in 1 2 3; do
	for cli in docker "$OLD_DOCKER"; do
		# The legacy builder: the one that sends the context itself.
		if DOCKER_BUILDKIT=0 DOCKER_CONFIG=$T/docker-config \
			DOCKER_HOST=unix://$T/nobuild.sock timeout 120 "$cli" build \
			-q -t npr/refused "$T/ctx" >/dev/null 2>"$T/build.err"; then
			fail "$cli build passed a route that denies build"
		fi
		grep -qxF "$msg" "$T/build.err" ||
			fail "$cli build (run $run) did not print the policy's message: $(cat "$T/build.err")"
		! grep -qE "tar writer|to tar|closed pipe|EOF|connection reset" "$T/build.err" ||
			fail "$cli build (run $run): $(cat "$T/build.err")"
	done
done
log "docker and $OLD_DOCKER build, 3 runs each: '$msg' alone"
# The whole context was read and dropped before the answer.
wait_log 5 "docker: POST /v1.41/build -> 403, answered here"
grep -F "docker: POST /v1.41/build -> 403" "$ROUTER_LOG" | head -n 1 |
	grep -qE ', 2[0-9]{8} bytes in' ||
	fail "the refused build's body was not read whole: $(grep -F 'POST /v1.41/build' "$ROUTER_LOG" | head -n 2)"
router_alive
log "ok"
