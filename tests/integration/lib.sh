# Sourced by every integration test: one temporary directory per test,
# background processes that never outlive the test, bounded waits, loud
# failures. Needs bash; the tests run under `set -euo pipefail`.
#
# Environment (set by ctest, see CMakeLists.txt):
#   NPIPEROUTER   the router binary under test
#   NPTEST_PEER   the test peer (tests/tools)
#   NPR_ETC_DIR   the example configs (check_examples.sh only)
#   NPR_KEEP_TMP  set to 1 to keep the temporary directory of a test
#   NPR_TEST_TMP  where those directories go (default /tmp; keep it short:
#                 socket paths must fit in 108 bytes)

set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
BG_PIDS=()
ROUTER_PID=
ROUTER_LOG=
T=

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }

fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# need TOOL...: a test that cannot run fails, it never passes silently.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			fail "required tool '$t' is not installed (Debian: apt-get install $t)"
	done
}

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

# descendants PID...: set DESC to every live descendant of the pids.
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

# alive PID: running and not a zombie.
alive() {
	local line state
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	state=${line##*) }
	state=${state%% *}
	[[ $state != Z && $state != X ]]
}

cleanup() {
	local rc=$? pass f
	set +e
	trap - EXIT INT TERM
	# Kill everything below this shell, the router's relay children
	# included; twice, in case something was being spawned. Disowned
	# first: no "Killed" job notices in the test output.
	disown -a 2>/dev/null
	local -a killed=()
	for pass in 1 2; do
		descendants "$$"
		((${#DESC[@]} == 0)) && break
		kill -KILL "${DESC[@]}" 2>/dev/null
		killed+=("${DESC[@]}")
	done
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
		log "exit status $rc; logs of $T follow"
		for f in "$T"/*.err "$T"/*.log; do
			[[ -s $f ]] || continue
			printf -- '--- %s (last 40 lines)\n' "${f##*/}" >&2
			tail -n 40 "$f" >&2
		done
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

[[ -n ${NPIPEROUTER:-} && -x $NPIPEROUTER ]] ||
	fail "NPIPEROUTER must name the router binary (got '${NPIPEROUTER:-}')"
[[ -n ${NPTEST_PEER:-} && -x $NPTEST_PEER ]] ||
	fail "NPTEST_PEER must name the test peer binary (got '${NPTEST_PEER:-}')"
need timeout sha256sum stat
# Socket paths must fit in sun_path (108 bytes): keep the directory short.
T=$(mktemp -d "${NPR_TEST_TMP:-/tmp}/npr-XXXXXX")
chmod 755 "$T"
# The router's lock and control socket go here, not into the user's
# runtime folder (or /run for root).
export XDG_RUNTIME_DIR=$T/rt
mkdir -m 700 "$XDG_RUNTIME_DIR"

# bg NAME CMD...: run CMD in the background, output to $T/NAME.out and
# $T/NAME.err (never to the test's own stdout, which ctest waits on).
# Sets BG_PID.
bg() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
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

# start_backend NAME MODE SOCKET [OPTIONS...]: an nptest-peer server;
# returns once it listens. Sets BG_PID.
start_backend() {
	local name=$1 mode=$2 sock=$3
	shift 3
	bg "$name" "$NPTEST_PEER" "$mode" "$sock" "$@"
	local pid=$BG_PID
	wait_until 10 "backend $name on $sock" _listening "$pid" "$sock" "$name"
	BG_PID=$pid
}

_listening() {
	[[ -S $2 ]] && return 0
	alive "$1" || fail "$3 exited early: $(cat "$T/$3.err" 2>/dev/null)"
	return 1
}

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
		wait_until 15 "router socket $s" _listening "$ROUTER_PID" "$s" router
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

# client SECONDS SOCKET [OPTIONS...]: the peer client, bounded twice: by
# its own --timeout (clear message) and by timeout(1) as a last resort.
client() {
	local secs=$1 sock=$2
	shift 2
	timeout -k 2 $((secs + 5)) "$NPTEST_PEER" client "$sock" --timeout "$secs" "$@"
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# same_file A B: same SHA-256, and both non-empty unless told.
same_file() {
	[[ -f $1 ]] || fail "$1 is missing"
	[[ -f $2 ]] || fail "$2 is missing"
	local a b
	a=$(sha "$1")
	b=$(sha "$2")
	[[ $a == "$b" ]] ||
		fail "$1 ($(stat -c %s "$1") bytes, $a) differs from $2 ($(stat -c %s "$2") bytes, $b)"
}

# rss_kb PID: resident memory in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# no_children PID: the process has no child processes now.
no_children() { [[ -z $(children_of "$1") ]]; }

SOCAT=$(command -v socat || true)
# socat's stdio side for relay_args. A plain "-" never passes the backend's
# EOF on (socat 1.7 neither shuts down nor closes its stdout until it
# exits, -t seconds later); shut-down makes it shutdown(1, SHUT_WR) at
# once, the way a well-behaved relay signals EOF on a socket.
STDIO=STDIO,shut-down
