#!/bin/bash
# Running containers with the real docker CLI and podman, through the
# docker adapter's route and straight to podman (docker_wf_lib.sh), in
# the relay mode of the test (NPR_TEST_MODE spawn or mux):
#   - `run --rm` and `run`: the container's stdout and stderr, and its
#     exit status;
#   - `run -i` with 50 MiB of stdin: the SHA-256 the container computes
#     is the local one;
#   - `exec -i` whose stdin is empty: the CLI half-closes at once, the
#     output comes 1.5 s later and the exit status 7 is kept (a relay
#     that gives up 0.5 s after the half-close, socat's default -t, lost
#     "late" and exited 0);
#   - `run -it` in a terminal (script(1)): typed input reaches the
#     container's shell, its answer and exit status come back;
#   - `run -i` and the late `exec` again with Debian's docker 20.10 CLI.
. "$(dirname "$0")/docker_wf_lib.sh"
need script head mkfifo cmp
CLI_TAG=

# --- run --rm, run
f_rm() {
	dw run --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
}
wf run_rm f_rm
# Podman before 4.6 answers the CLI's wait?condition=removed with status
# 0 (podman #18889, fixed by #18912): the same straight to it.
v=$(WF_SOCK=$P dw version --format '{{.Server.Version}}')
want=3
if printf '%s\n' "$v" 4.6 | sort -V -C && [[ $v != 4.6* ]]; then
	want=0
fi
wf_expect run_rm "$want" out
grep -qx err "$T/run_rm.r.err" || fail "run --rm: no 'err' on stderr: $(wf_show "$T/run_rm.r.err")"
f_run() {
	dw run --name "wf-run-$WF" "$IMG" sh -c 'echo out; echo err >&2; exit 3'
}
wf run f_run
wf_expect run 3 out
grep -qx err "$T/run.r.err" || fail "run: no 'err' on stderr: $(wf_show "$T/run.r.err")"
log "run --rm and run: stdout, stderr, exit status 3 (--rm: $want, podman $v)"

# --- run -i, 50 MiB of stdin
head -c 50M /dev/urandom >"$T/big"
f_stdin() {
	dw run --rm -i "$IMG" sha256sum <"$T/big"
}
wf run_stdin f_stdin
wf_expect run_stdin 0 "$(sha "$T/big")  -"
log "run -i: the container's SHA-256 of 50 MiB of stdin is the local one"

# --- exec, output 1.5 s after the CLI's half-close
f_late() {
	dw run -d --name "wf-exec$CLI_TAG-$WF" "$IMG" sleep 600 >/dev/null &&
		dw exec -i "wf-exec$CLI_TAG-$WF" \
			sh -c 'cat >/dev/null; echo early; sleep 1.5; echo late; exit 7' \
			</dev/null
}
wf exec_late f_late
wf_expect exec_late 7 $'early\nlate'
log "exec -i </dev/null: 'late' 1.5 s after the half-close, exit status 7"

# --- run -it in a terminal
f_tty() {
	local rc=0
	pty_start "wf-tty-$WF" run -it --name "wf-tty-$WF" "$IMG" sh
	# shellcheck disable=SC2016 # the container's shell expands it
	pty_type 'echo $((6*7))x; exit 5\r'
	pty_end >"$T/tty.$WF.shown" || rc=$?
	# Only the shell's answer: where the prompt and echo fall varies.
	grep -x 42x "$T/tty.$WF.shown"
	return "$rc"
}
wf run_tty f_tty
wf_expect run_tty 5 42x
log "run -it: typed input answered, exit status 5"

# --- the same streams with Debian's docker 20.10 CLI
need_old_docker
DW_CLI=$OLD_DOCKER CLI_TAG=-old
wf old_stdin f_stdin
wf_expect old_stdin 0 "$(sha "$T/big")  -"
wf old_exec_late f_late
wf_expect old_exec_late 7 $'early\nlate'
DW_CLI=docker CLI_TAG=
log "docker 20.10: run -i (SHA-256 of 50 MiB) and the late exec (exit status 7)"
router_alive
log "ok"
