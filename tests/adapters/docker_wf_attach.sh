#!/bin/bash
# Streams of running containers with the real docker CLI and podman,
# through the docker adapter's route and straight to podman
# (docker_wf_lib.sh), in the relay mode of the test (NPR_TEST_MODE spawn
# or mux):
#   - `attach` with stdin: the line sent reaches the container, its
#     answer and a line 1.5 s after the CLI's half-close come back, and
#     the container's exit status;
#   - `attach` in a terminal to a `run -dit` shell: typed input answered,
#     then the detach keys (^P^Q) end the CLI ("read escape sequence")
#     and leave the container running;
#   - `logs -f` until the container exits: stdout and stderr as written;
#   - `cp` into and out of a container: SHA-256 of 4 MiB each way.
. "$(dirname "$0")/docker_wf_lib.sh"
need script head mkfifo cmp

# --- attach with stdin, to a container that exits
# shellcheck disable=SC2016 # the container's shell expands $x
f_attach() {
	dw run -d -i --name "wf-att-$WF" "$IMG" \
		sh -c 'read x; echo "got $x"; sleep 1.5; echo late; exit 5' >/dev/null &&
		echo hello | dw attach "wf-att-$WF"
}
wf attach f_attach
wf_expect attach 5 $'got hello\nlate'
log "attach: stdin in, the answers out (one 1.5 s after the half-close), exit status 5"

# --- attach in a terminal, detach with ^P^Q
f_detach() {
	local rc=0
	dw run -dit --name "wf-det-$WF" "$IMG" sh >/dev/null || return
	pty_start "wf-det-$WF" attach "wf-det-$WF"
	# shellcheck disable=SC2016 # the container's shell expands it
	pty_type 'echo $((6*7))y\r'
	pty_wait 42y
	pty_type '\x10\x11'
	pty_end >"$T/detach.$WF.shown" || rc=$?
	grep -x 42y "$T/detach.$WF.shown"
	# After the prompt, on its line.
	grep -o 'read escape sequence$' "$T/detach.$WF.shown"
	dw_running "wf-det-$WF" && echo "still running"
	return "$rc"
}
wf detach f_detach
# The CLI says so and ends with status 1 straight to podman too.
wf_expect detach 1 $'42y\nread escape sequence\nstill running'
log "attach -t: typed input answered, ^P^Q detached, the container runs on"

# --- logs -f until the container exits
f_logs() {
	dw run -d --name "wf-log-$WF" "$IMG" \
		sh -c 'echo one; sleep 1; echo two >&2; sleep 1; echo three' >/dev/null &&
		dw logs -f "wf-log-$WF"
}
wf logs f_logs
wf_expect logs 0 $'one\nthree'
grep -qx two "$T/logs.r.err" || fail "logs -f: no 'two' on stderr: $(wf_show "$T/logs.r.err")"
log "logs -f: stdout and stderr as written, ended with the container"

# --- cp both ways
head -c 4M /dev/urandom >"$T/cp.in"
f_cp() {
	dw run -d --name "wf-cp-$WF" "$IMG" sleep 600 >/dev/null &&
		dw cp "$T/cp.in" "wf-cp-$WF:/tmp/in" &&
		dw exec "wf-cp-$WF" sh -c 'sha256sum </tmp/in; cat /tmp/in /tmp/in >/tmp/out' &&
		dw cp "wf-cp-$WF:/tmp/out" "$T/cp.out.$WF" &&
		sha "$T/cp.out.$WF"
}
wf cp f_cp
wf_expect cp 0 "$(sha "$T/cp.in")  -
$(cat "$T/cp.in" "$T/cp.in" | sha256sum | cut -d' ' -f1)"
log "cp: 4 MiB in and 8 MiB out, SHA-256 checked on both sides"
router_alive
log "ok"
