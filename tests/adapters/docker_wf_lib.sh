# shellcheck shell=bash
# Sourced by the docker workflow tests (docker_wf_*.sh): what a Docker
# user does, with the real docker CLI and real containers run by podman's
# Docker API service, once straight to podman's socket and once through
# the router's docker adapter route, in the relay mode of the test
# (NPR_TEST_MODE spawn or mux, see docker_lib.sh). Both runs must print
# the same and end with the same exit status; the test then checks what
# they printed against what it should be (two runs broken alike would
# agree).
#
# After sourcing: P, podman's socket; R, the route's; IMG, a busybox
# image (Debian's busybox-static) in podman's store.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=docker_lib.sh
. "$(dirname "$0")/docker_lib.sh"

start_podman
P=$T/podman.sock
R=$T/dk.sock
IMG=localhost/npr-busybox:1
: >"$T/wsl.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route dk "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\"; }" "$P")
);
CONF
start_router "$T/router.conf" "$R"
busybox_image "$P" "$IMG"
log "podman runs containers of $IMG; route dk in $DOCKER_TEST_MODE mode"

# dw ARGS...: the docker CLI $DW_CLI (default: the one on PATH) against
# $WF_SOCK, in the foreground; its stderr goes to $WF_ERR. Killed if it
# outlives timeout's TERM: `run -i` passes that signal to the container
# and keeps waiting.
DW_CLI=docker
dw() {
	DOCKER_CONFIG=$T/docker-config DOCKER_HOST=unix://$WF_SOCK \
		timeout -k 5 120 "$DW_CLI" "$@" 2>>"$WF_ERR"
}

# wf NAME FUNC: run FUNC straight to podman (WF=d, WF_SOCK=$P), then
# through the route (WF=r, WF_SOCK=$R); its stdout goes to $T/NAME.d.out
# and $T/NAME.r.out, the docker CLI's stderr (WF_ERR) to $T/NAME.d.err
# and $T/NAME.r.err (the test's own failures stay on its stderr). Fails
# unless both printed the same and ended with the same status. Sets
# WF_OUT (what the route's run printed) and WF_RC (its exit status). FUNC
# names its containers with $WF so the runs do not meet.
wf() {
	local name=$1 fn=$2 rc_d rc_r
	WF=d WF_SOCK=$P WF_ERR=$T/$name.d.err
	rc_d=0
	"$fn" >"$T/$name.d.out" || rc_d=$?
	WF=r WF_SOCK=$R WF_ERR=$T/$name.r.err
	rc_r=0
	"$fn" >"$T/$name.r.out" || rc_r=$?
	router_alive
	cmp -s "$T/$name.d.out" "$T/$name.r.out" ||
		fail "$name: through the route printed $(wf_show "$T/$name.r.out"), straight to podman $(wf_show "$T/$name.d.out") (stderr: $(wf_show "$T/$name.r.err"))"
	((rc_d == rc_r)) ||
		fail "$name: exit status $rc_r through the route, $rc_d straight to podman (stderr: $(wf_show "$T/$name.r.err"))"
	WF_OUT=$(cat "$T/$name.r.out")
	WF_RC=$rc_r
}

# wf_show FILE: FILE's first 400 bytes, quoted, for a failure message.
wf_show() {
	printf "'%s'" "$(head -c 400 "$1")"
}

# wf_expect NAME RC TEXT: the runs of wf NAME ended with status RC and
# printed TEXT (the whole of it).
wf_expect() {
	((WF_RC == $2)) ||
		fail "$1: exit status $WF_RC, want $2 (stderr: $(wf_show "$T/$1.r.err"))"
	[[ $WF_OUT == "$3" ]] ||
		fail "$1: printed $(wf_show "$T/$1.r.out"), want '$3' (stderr: $(wf_show "$T/$1.r.err"))"
}

# dw_running CONTAINER: the container is running.
dw_running() {
	[[ $(dw inspect -f '{{.State.Running}}' "$1" 2>/dev/null) == true ]]
}

# pty_start CONTAINER ARGS...: the docker CLI with ARGS in a terminal
# (script(1) from util-linux gives it a pty), in the background; returns
# once CONTAINER runs. What the terminal shows goes to $T/pty.$WF.raw.
pty_start() {
	local ctr=$1 cmd
	shift
	# --foreground: the CLI must be the terminal's foreground process
	# group. Otherwise, when script's shell does not exec the command
	# (dash, or SHELL unset, as in CI), setting raw mode raises SIGTTOU
	# over and over and the CLI forwards each one to the container.
	printf -v cmd '%q ' timeout --foreground -k 5 60 docker "$@"
	rm -f "$T/pty.fifo"
	mkfifo "$T/pty.fifo"
	DOCKER_CONFIG=$T/docker-config DOCKER_HOST=unix://$WF_SOCK \
		timeout -k 5 90 script -qefc "$cmd" /dev/null <"$T/pty.fifo" \
		>"$T/pty.$WF.raw" 2>>"$WF_ERR" &
	PTY_PID=$!
	# Held open: script's stdin ends only once the CLI is done.
	exec {PTY_FD}>"$T/pty.fifo"
	wait_until 30 "container $ctr to run" dw_running "$ctr"
}

# pty_type TEXT: type TEXT (printf's %b escapes) in pty_start's terminal.
pty_type() {
	printf '%b' "$1" >&"$PTY_FD"
}

# pty_wait TEXT: the terminal showed TEXT (within 30 s).
pty_wait() {
	wait_until 30 "'$1' in the terminal" grep -qF -- "$1" "$T/pty.$WF.raw"
}

# pty_end: wait for the CLI; prints what the terminal showed, carriage
# returns removed; ends with the CLI's exit status.
pty_end() {
	local rc=0
	wait "$PTY_PID" || rc=$?
	exec {PTY_FD}>&-
	tr -d '\r' <"$T/pty.$WF.raw"
	return "$rc"
}
