#!/bin/bash
# `docker build` with the real docker CLI and podman's builder (buildah,
# vfs storage), through the docker adapter's route and straight to podman
# (docker_wf_lib.sh), in the relay mode of the test (NPR_TEST_MODE spawn
# or mux): a context of a Dockerfile and 3 MiB of random bytes, built
# FROM the busybox image, COPY and RUN; the image's CMD prints what RUN
# computed, the SHA-256 of the copied file, which must be the local one.
. "$(dirname "$0")/docker_wf_lib.sh"
need head cmp

mkdir "$T/ctx"
head -c 3M /dev/urandom >"$T/ctx/data.bin"
cat >"$T/ctx/Dockerfile" <<DOCKERFILE
FROM $IMG
COPY data.bin /data.bin
RUN sha256sum /data.bin >/sum
CMD ["cat", "/sum"]
DOCKERFILE
# --no-cache: the second build must not reuse the first one's layers.
f_build() {
	dw build -q --no-cache -t "localhost/npr-built-$WF:1" "$T/ctx" >/dev/null &&
		dw run --rm "localhost/npr-built-$WF:1"
}
wf build f_build
wf_expect build 0 "$(sha "$T/ctx/data.bin")  /data.bin"
# The context went up through the route, in one request.
in=$(grep -oE 'docker: POST /v[0-9.]+/build -> 200, [0-9]+ bytes in' "$ROUTER_LOG" |
	grep -oE '[0-9]+ bytes in' | cut -d' ' -f1 | sort -n | tail -n 1) || true
[[ -n $in ]] || fail "no access log line of a build through the route"
((in > $(stat -c %s "$T/ctx/data.bin"))) ||
	fail "the route's build request carried $in bytes, less than the context"
log "build: a $in-byte request; COPY and RUN ran, the image's file has the context's SHA-256"
router_alive
log "ok"
