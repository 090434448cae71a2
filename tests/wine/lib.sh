# Sourced by every Wine test of nprelay.exe (through run.sh, which keeps
# the test's output in a file so no Wine process can hold ctest's pipe).
# One temporary directory per test, every background process killed at
# exit, bounded waits, loud failures: a missing tool is a failure.
#
# Environment (set by ctest, see CMakeLists.txt):
#   NPRELAY_EXE           nprelay.exe under test
#   NPR_WINE_HELPERS_DIR  pipesrv.exe and assuansrv.exe
#   WINEPREFIX            the prefix made by setup.sh (fixture wine)
#   NPR_KEEP_TMP=1        keep the temporary directory of a test

set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
BG_PIDS=()
T=
export WINEDEBUG=-all

log() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
ok() { printf 'ok - %s\n' "$*"; }

fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			fail "required tool '$t' is not installed"
	done
}

# All descendants of PID, deepest last, read from /proc without forking.
descendants() {
	local -A kids=()
	local d line ppid pid
	local -a queue=("$1")
	DESC=()
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		{ read -r line <"$d/stat"; } 2>/dev/null || continue
		line=${line##*) }
		line=${line#* }
		ppid=${line%% *}
		kids[$ppid]+=" $pid"
	done
	while ((${#queue[@]} > 0)); do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		for d in ${kids[$pid]:-}; do
			DESC+=("$d")
			queue+=("$d")
		done
	done
}

alive() {
	local line
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	line=${line##*) }
	[[ ${line%% *} != [ZX] ]]
}

cleanup() {
	local rc=$? pass f
	set +e
	trap - EXIT INT TERM
	# Twice, in case something was being started; the braces keep bash's
	# "Killed" job notices out of the test output.
	{
		for pass in 1 2; do
			descendants "$$"
			((${#DESC[@]} == 0)) && break
			kill -KILL "${DESC[@]}"
		done
		for pass in "${BG_PIDS[@]}"; do
			wait "$pass"
		done
	} 2>/dev/null
	if ((rc != 0)) && [[ -n $T && -d $T ]]; then
		log "exit status $rc; logs follow"
		for f in "$T"/*.log "$T"/*.err; do
			[[ -s $f ]] || continue
			printf -- '--- %s (last 30 lines)\n' "${f##*/}"
			tail -n 30 "$f" | cut -c1-300
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

need wine wineserver timeout sha256sum socat
[[ -n ${NPRELAY_EXE:-} && -f $NPRELAY_EXE ]] ||
	fail "NPRELAY_EXE must name nprelay.exe (got '${NPRELAY_EXE:-}')"
H=${NPR_WINE_HELPERS_DIR:-}
[[ -n $H && -f $H/pipesrv.exe && -f $H/assuansrv.exe ]] ||
	fail "NPR_WINE_HELPERS_DIR must hold pipesrv.exe and assuansrv.exe (got '$H')"
[[ -n ${WINEPREFIX:-} && -d $WINEPREFIX/drive_c/windows/system32 ]] ||
	fail "WINEPREFIX '${WINEPREFIX:-}' is not set up: the wine.setup fixture must run first"
export WINEPREFIX
T=$(mktemp -d "${NPR_TEST_TMP:-/tmp}/nprw-XXXXXX")

# A pipe name no other test (or run) uses.
pipe_name() { printf '//./pipe/nprtest-%s-%s-%s' "$TEST_NAME" "$$" "$1"; }

# The Windows name of a Linux path (Wine maps / to drive Z:).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

# bg NAME CMD...: in the background, output to $T/NAME.log and .err.
bg() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>"$T/$name.err" </dev/null &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# wait_until SECONDS WHAT CMD...
wait_until() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for $what"
		sleep 0.05
	done
}

# wait_exit PID SECONDS: sets EXIT_STATUS.
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

_has_line() {
	grep -qx -- "$2" "$T/$1.log" 2>/dev/null && return 0
	alive "$3" || fail "$1 exited early: $(cat "$T/$1.log" "$T/$1.err" 2>/dev/null)"
	return 1
}

# server_has NAME LINE: the server's event log has exactly LINE.
server_has() { grep -qx -- "$2" "$T/$1.log"; }
# wait_server NAME LINE [SECONDS]
wait_server() {
	local n=$1 line=$2
	wait_until "${3:-20}" "'$line' from $n" grep -qx -- "$line" "$T/$n.log"
}

# start_pipesrv NAME ARGS...: pipesrv.exe; returns once it says "ready".
start_pipesrv() {
	local name=$1
	shift
	bg "$name" wine "$H/pipesrv.exe" "$@"
	wait_until 30 "pipesrv $name to be ready" _has_line "$name" ready "$BG_PID"
}

# start_assuansrv NAME ARGS...: returns once it wrote its socket file.
start_assuansrv() {
	local name=$1
	shift
	bg "$name" wine "$H/assuansrv.exe" "$@"
	wait_until 30 "assuansrv $name to be ready" grep -q '^ready ' "$T/$name.log"
}

# relay ARGS...: nprelay.exe in the foreground, bounded in time.
relay() { timeout -k 5 "${RELAY_TIMEOUT:-60}" wine "$NPRELAY_EXE" "$@"; }

# run_relay NAME STDIN ARGS...: output in $T/NAME.out and $T/NAME.err,
# exit status in RC, elapsed milliseconds in MS.
run_relay() {
	local name=$1 in=$2 t0
	shift 2
	t0=$(date +%s%N)
	RC=0
	relay "$@" <"$in" >"$T/$name.out" 2>"$T/$name.err" || RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}

expect_rc() {
	[[ $RC == "$1" ]] || fail "$2: exit status $RC, want $1; stderr: $(cat "$T/${3:-x}.err" 2>/dev/null)"
}

# expect_err NAME REGEX: stderr of NAME is exactly one line matching.
expect_err() {
	local lines
	lines=$(wc -l <"$T/$1.err")
	[[ $lines == 1 ]] || fail "$1: want one line on stderr, got $lines: $(cat "$T/$1.err")"
	grep -Eq -- "$2" "$T/$1.err" || fail "$1: stderr '$(cat "$T/$1.err")' does not match /$2/"
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# --- the whole chain: client -> npiperouter -> wine nprelay.exe -> pipe ---

# chain_init: the router and the test client must be there (NPIPEROUTER,
# NPTEST_PEER from ctest).
chain_init() {
	[[ -n ${NPIPEROUTER:-} && -x $NPIPEROUTER ]] ||
		fail "NPIPEROUTER must name the router binary (got '${NPIPEROUTER:-}')"
	[[ -n ${NPTEST_PEER:-} && -x $NPTEST_PEER ]] ||
		fail "NPTEST_PEER must name the test client (got '${NPTEST_PEER:-}')"
	WINE=$(command -v wine)
}

# route NAME PIPE RELAY-FLAGS...: one route block for the config, its
# socket $T/NAME.sock, its relay wine + nprelay.exe + flags + PIPE.
route() {
	local name=$1 pipe=$2 f args="\"$NPRELAY_EXE\""
	shift 2
	for f in "$@"; do
		args+=", \"$f\""
	done
	printf '  { name = "%s"; listen = { path = "%s"; }; pipe = "%s";\n    relay = { path = "%s"; }; relay_args = [ %s ]; }' \
		"$name" "$T/$name.sock" "$pipe" "$WINE" "$args"
}

# start_router CONF SOCKET...: returns once every socket exists.
start_router() {
	local conf=$1 s
	shift
	bg router "$NPIPEROUTER" run -c "$conf" -v
	ROUTER_PID=$BG_PID
	for s in "$@"; do
		wait_until 20 "router socket $s" _router_up "$s"
	done
}

_router_up() {
	[[ -S $1 ]] && return 0
	alive "$ROUTER_PID" || fail "router exited early: $(cat "$T/router.err")"
	return 1
}

# client SECONDS SOCKET ARGS...: nptest-peer client, bounded in time.
client() {
	local secs=$1 sock=$2
	shift 2
	timeout -k 2 $((secs + 5)) "$NPTEST_PEER" client "$sock" --timeout "$secs" "$@"
}

router_log_has() { grep -qF -- "$1" "$T/router.err" "$T/router.log" 2>/dev/null; }
