# Sourced by the test libraries (tests/integration, tests/adapters,
# tests/wine), never by a test itself: what every shell test needs, the
# same way. One temporary directory $T per test, background processes that
# never outlive the test, bounded waits, loud failures. Needs bash; the
# tests run under `set -euo pipefail`.
#
# A library sources this file, sets the hooks it wants changed, then makes
# $T (mktemp -d; its own prefix and place) and checks its environment:
#   NEED_HINT    printf format added to need's "is not installed" message,
#                %s the tool (default: nothing)
#   LOG_FD       where log and the failure dump write (default 2)
#   BG_OUT       the extension of a background command's stdout file in
#                $T; its stderr goes to NAME.err (default out)
#   DUMP_EXTS    the files of $T shown when a test fails, by extension, in
#                this order (default err log)
#   DUMP_LINES   how many last lines of each (default 40)
#   DUMP_COLS    cut each shown line to this many characters (default: no)
#   DUMP_TITLE   what the dump calls them (default "logs of $T")
#   ROUTER_WAIT  seconds start_router waits for each socket (default 15)
# A test adds to CLEANUPS a command (run at exit, quietly, before the kill)
# for each daemon that leaves the process tree (gpg-agent).
#
# Environment: NPR_KEEP_TMP=1 keeps the temporary directory of a test.

set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
BG_PIDS=()
CLEANUPS=()
ROUTER_PID=
ROUTER_LOG=
T=

NEED_HINT=
LOG_FD=2
BG_OUT=out
DUMP_EXTS=(err log)
DUMP_LINES=40
DUMP_COLS=
DUMP_TITLE=
ROUTER_WAIT=15

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&"$LOG_FD"; }

fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# need TOOL...: a test that cannot run fails, it never passes silently.
need() {
	local t hint
	for t in "$@"; do
		# shellcheck disable=SC2059
		printf -v hint "$NEED_HINT" "$t"
		command -v "$t" >/dev/null 2>&1 ||
			fail "required tool '$t' is not installed$hint"
	done
}

# need_env VAR -x|-f|-d WHAT: $VAR names an executable, a file or a
# directory (WHAT, for the message).
need_env() {
	local v=${!1:-}
	if [[ -z $v ]] || ! test "$2" "$v"; then
		fail "$1 must name $3 (got '$v')"
	fi
}

# --- processes, read from /proc ---

# Fill KIDS[ppid]="pid pid ..." for every process, without forking (a
# subshell would show up as one of our own children).
declare -A KIDS
proc_scan() {
	local d line rest pid
	KIDS=()
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		line=
		{ read -r line <"$d/stat"; } 2>/dev/null || continue
		# comm may hold spaces and parentheses: cut at the last ')'.
		rest=${line##*) }
		rest=${rest#* }
		rest=${rest%% *}
		KIDS[$rest]+=" $pid"
	done
}

# descendants PID...: set DESC to every live descendant of the pids,
# deepest last.
descendants() {
	local -a queue=("$@")
	local p q
	DESC=()
	proc_scan
	while ((${#queue[@]} > 0)); do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		for q in ${KIDS[$p]:-}; do
			DESC+=("$q")
			queue+=("$q")
		done
	done
}

# children_of PID: print the direct children.
children_of() {
	local q
	proc_scan
	for q in ${KIDS[$1]:-}; do
		printf '%s\n' "$q"
	done
}

# no_children PID: the process has no child processes now.
no_children() { [[ -z $(children_of "$1") ]]; }

# alive PID: running and not a zombie.
alive() {
	local line state
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	state=${line##*) }
	state=${state%% *}
	[[ $state != Z && $state != X ]]
}

# --- the end of every test ---

# cleanup [STATUS]: the EXIT trap; a library's own trap that does more
# first passes the test's exit status on as STATUS.
cleanup() {
	local rc=${1:-$?} pass f c e
	set +e
	trap - EXIT INT TERM
	# Daemons that left our process tree (gpg-agent) have their own stop.
	for c in "${CLEANUPS[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	# Kill everything below this shell, the router's relay children
	# included. Stopped first, until a scan finds nothing new: a process
	# killed while it forks would leave its child to init, out of our
	# tree. Disowned first: no "Killed" job notices in the test output.
	disown -a 2>/dev/null
	local -a killed=()
	local -A seen=()
	for ((pass = 0; pass < 50; pass++)); do
		descendants "$$"
		local -a new=()
		for f in "${DESC[@]}"; do
			[[ -n ${seen[$f]:-} ]] || new+=("$f")
		done
		((${#new[@]} == 0)) && break
		kill -STOP "${new[@]}" 2>/dev/null
		for f in "${new[@]}"; do
			seen[$f]=1
		done
		killed+=("${new[@]}")
	done
	((${#killed[@]} == 0)) || kill -KILL "${killed[@]}" 2>/dev/null
	# Dead before their files go away (bounded: a process stuck in the
	# kernel must not hang the test).
	for ((pass = 0; pass < 200; pass++)); do
		for f in "${killed[@]}"; do
			alive "$f" && break
			f=
		done
		[[ -z ${f:-} ]] && break
		sleep 0.01
	done
	if ((rc != 0)) && [[ -n $T && -d $T ]]; then
		log "exit status $rc; ${DUMP_TITLE:-logs of $T} follow"
		for e in "${DUMP_EXTS[@]}"; do
			for f in "$T"/*."$e"; do
				[[ -s $f ]] || continue
				printf -- '--- %s (last %s lines)\n' "${f##*/}" "$DUMP_LINES"
				if [[ -n $DUMP_COLS ]]; then
					tail -n "$DUMP_LINES" "$f" | cut -c1-"$DUMP_COLS"
				else
					tail -n "$DUMP_LINES" "$f"
				fi
			done
		done >&"$LOG_FD"
	fi
	if [[ -n $T && ${NPR_KEEP_TMP:-0} != 1 ]]; then
		rm -rf "$T"
	elif [[ -n $T ]]; then
		log "kept $T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- background commands and bounded waits ---

# bg NAME CMD...: run CMD in the background, output to $T/NAME.$BG_OUT and
# $T/NAME.err (never to the test's own stdout, which ctest waits on).
# Sets BG_PID.
bg() {
	local name=$1
	shift
	"$@" >"$T/$name.$BG_OUT" 2>"$T/$name.err" </dev/null &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# wait_until SECONDS WHAT CMD...: poll CMD every 50 ms.
wait_until() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for $what"
		sleep 0.05
	done
}

# wait_exit PID SECONDS: wait for a background child to end; sets
# EXIT_STATUS. Fails if it is still running after SECONDS.
wait_exit() {
	local pid=$1 secs=$2 deadline
	deadline=$((SECONDS + secs))
	while alive "$pid"; do
		((SECONDS < deadline)) || fail "process $pid still running after ${secs}s"
		sleep 0.05
	done
	EXIT_STATUS=0
	wait "$pid" || EXIT_STATUS=$?
}

# _listening PID SOCKET NAME: SOCKET exists; fails if PID (the bg
# command NAME) is gone.
_listening() {
	[[ -S $2 ]] && return 0
	alive "$1" || fail "$3 exited early: $(cat "$T/$3.err" 2>/dev/null)"
	return 1
}

# --- the router under test ($NPIPEROUTER) and the test peer ---

# start_router CONF SOCKET...: run the router in the foreground mode, in
# the background of the test; returns once every SOCKET exists. Sets
# ROUTER_PID and ROUTER_LOG.
start_router() {
	local conf=$1 s
	shift
	bg router "$NPIPEROUTER" run -c "$conf" -v
	ROUTER_PID=$BG_PID
	ROUTER_LOG=$T/router.err
	for s in "$@"; do
		wait_until "$ROUTER_WAIT" "router socket $s" _listening "$ROUTER_PID" "$s" router
	done
}

# log_has TEXT: the router log has a line containing TEXT (fixed string).
log_has() { grep -qF -- "$1" "$ROUTER_LOG"; }

# wait_log SECONDS TEXT
wait_log() { wait_until "$1" "router log line '$2'" log_has "$2"; }

# log_count REGEX: how many router log lines match the extended REGEX.
log_count() { grep -cE -- "$1" "$ROUTER_LOG" || true; }

# wait_log_count SECONDS N REGEX: wait for at least N matching lines.
wait_log_count() {
	wait_until "$1" "$2 router log line(s) matching '$3'" _log_count_ge "$2" "$3"
}
_log_count_ge() { (($(log_count "$2") >= $1)); }

# client SECONDS SOCKET [OPTIONS...]: the peer client ($NPTEST_PEER),
# bounded twice: by its own --timeout (clear message) and by timeout(1) as
# a last resort.
client() {
	local secs=$1 sock=$2
	shift 2
	timeout -k 2 $((secs + 5)) "$NPTEST_PEER" client "$sock" --timeout "$secs" "$@"
}

# --- files ---

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# same_file A B: both exist and have the same SHA-256.
same_file() {
	[[ -f $1 ]] || fail "$1 is missing"
	[[ -f $2 ]] || fail "$2 is missing"
	local a b
	a=$(sha "$1")
	b=$(sha "$2")
	[[ $a == "$b" ]] ||
		fail "$1 ($(stat -c %s "$1") bytes, $a) differs from $2 ($(stat -c %s "$2") bytes, $b)"
}

# use_private_runtime: the router's lock and control socket go to $T/rt,
# not into the user's runtime folder (or /run for root), so no test leaves
# files there even when its router is killed.
use_private_runtime() {
	export XDG_RUNTIME_DIR=$T/rt
	mkdir -m 700 "$XDG_RUNTIME_DIR"
}

# build_yamuxpeer SRC: the Go yamux peer (tests/mux/yamuxpeer) built from
# SRC into $T/yamuxpeer. Offline: GOPATH mode over Debian's Go sources,
# no module proxy; the build cache lives and dies with this test's folder.
build_yamuxpeer() {
	local gocode=/usr/share/gocode
	[[ -f $gocode/src/github.com/hashicorp/yamux/session.go ]] ||
		fail "HashiCorp's yamux source is not in $gocode/src/github.com/hashicorp/yamux (Debian: apt-get install golang-github-hashicorp-yamux-dev)"
	log "building yamuxpeer with $(go version)"
	(cd "$1" && GOPATH=$gocode GO111MODULE=off GOPROXY=off GOFLAGS='' \
		GOCACHE="$T/gocache" timeout 200 go build -o "$T/yamuxpeer" .) \
		>"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; fail "go build of yamuxpeer failed"; }
}
