#!/bin/bash
# docker-compose (Debian's, 1.29, which talks to the engine with
# docker-py rather than the docker CLI) with podman, through the docker
# adapter's route and straight to podman (docker_wf_lib.sh), in the relay
# mode of the test (NPR_TEST_MODE spawn or mux): `up -d` of a project of
# two busybox services, `exec` into one (its output and exit status),
# `ps`, then `down` removes what `up` made.
. "$(dirname "$0")/docker_wf_lib.sh"
need docker-compose cmp

for s in d r; do
	mkdir "$T/compose-$s"
	cat >"$T/compose-$s/docker-compose.yml" <<-YAML
	version: "2.4"
	services:
	  web:
	    image: $IMG
	    command: ["sleep", "600"]
	  worker:
	    image: $IMG
	    command: ["sh", "-c", "echo worker up; sleep 600"]
	YAML
done

# dc ARGS...: docker-compose in the project folder of this run.
dc() {
	(cd "$T/compose-$WF" && DOCKER_HOST=unix://$WF_SOCK \
		timeout -k 5 120 docker-compose -p "nprwf$WF" "$@") 2>>"$WF_ERR"
}

f_compose() {
	local rc=0
	dc up -d || return
	dc exec -T web sh -c 'echo in web; cat; exit 4' <<<"from stdin" || rc=$?
	echo "exec: $rc"
	dc ps --services | sort
	dc logs --no-color worker | grep -o 'worker up$'
	dc down || return
	dw ps -a --format '{{.Names}}' | grep -c "^nprwf$WF" || true
}
wf compose f_compose
wf_expect compose 0 "in web
from stdin
exec: 4
web
worker
worker up
0"
log "docker-compose up -d, exec (stdin, output, exit status 4), ps, logs, down"
router_alive
log "ok"
