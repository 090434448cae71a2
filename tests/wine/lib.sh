# Sourced by every Wine test of nprelay.exe (through run.sh, which keeps
# the test's output in a file so no Wine process can hold ctest's pipe).
# One temporary directory per test, every background process killed at
# exit, bounded waits, loud failures (tests/lib/common.sh): a missing tool
# is a failure.
#
# Environment (set by ctest, see CMakeLists.txt):
#   NPRELAY_EXE           nprelay.exe under test
#   NPR_WINE_HELPERS_DIR  pipesrv.exe, assuansrv.exe, stdspawn.exe
#   WINEPREFIX            the prefix made by setup.sh (fixture wine)
#   NPR_KEEP_TMP=1        keep the temporary directory of a test
#   NPR_TEST_MODE         spawn (default) or mux: the mode of the routes
#                         that route() writes for the chain tests

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

# The test's output is a file (run.sh): log and the failure dump go to
# stdout; a background command's stdout is NAME.log, its event log; Wine's
# lines can be long.
LOG_FD=1
BG_OUT=log
DUMP_EXTS=(log err)
DUMP_LINES=30
DUMP_COLS=300
DUMP_TITLE=logs
ROUTER_WAIT=20

export WINEDEBUG=-all

ok() { printf 'ok - %s\n' "$*"; }

need wine wineserver timeout sha256sum socat
need_env NPRELAY_EXE -f "nprelay.exe"
H=${NPR_WINE_HELPERS_DIR:-}
[[ -n $H && -f $H/pipesrv.exe && -f $H/assuansrv.exe && -f $H/stdspawn.exe ]] ||
	fail "NPR_WINE_HELPERS_DIR must hold pipesrv.exe, assuansrv.exe and stdspawn.exe (got '$H')"
[[ -n ${WINEPREFIX:-} && -d $WINEPREFIX/drive_c/windows/system32 ]] ||
	fail "WINEPREFIX '${WINEPREFIX:-}' is not set up: the wine.setup fixture must run first"
export WINEPREFIX
T=$(mktemp -d "${NPR_TEST_TMP:-/tmp}/nprw-XXXXXX")
use_private_runtime

# A pipe name no other test (or run) uses.
pipe_name() { printf '//./pipe/nprtest-%s-%s-%s' "$TEST_NAME" "$$" "$1"; }

# The Windows name of a Linux path (Wine maps / to drive Z:).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

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

# start_held NAME EXE ARGS...: the relay EXE (nprelay.exe, or the Go
# npiperelay.exe) in the background with its stdin a FIFO this shell holds
# open (HELD_FD), as an ssh client keeps its connection: no stdin EOF until
# release_held.  Output in $T/NAME.out and .err; sets RELAY_PID.
start_held() {
	local name=$1 exe=$2
	shift 2
	mkfifo "$T/$name.fifo"
	timeout -k 5 60 wine "$exe" "$@" <"$T/$name.fifo" \
		>"$T/$name.out" 2>"$T/$name.err" &
	RELAY_PID=$!
	BG_PIDS+=("$RELAY_PID")
	exec {HELD_FD}>"$T/$name.fifo"
}
release_held() { exec {HELD_FD}>&-; }

# held_exits NAME SECONDS: the relay of start_held ends by itself, stdin
# still open, within SECONDS; sets EXIT_STATUS and MS (measured from now).
held_exits() {
	local t0
	t0=$(date +%s%N)
	while alive "$RELAY_PID"; do
		(($(date +%s%N) - t0 < $2 * 1000000000)) ||
			fail "$1: the relay still runs $2 s later, stdin open: $(cat "$T/$1.err")"
		sleep 0.02
	done
	MS=$((($(date +%s%N) - t0) / 1000000))
	EXIT_STATUS=0
	wait "$RELAY_PID" || EXIT_STATUS=$?
	release_held
}

# pattern FILE BYTES: what pipesrv --send sends.
pattern() { { yes 0123456789abcde || true; } | head -c "$2" >"$1"; }

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

# --- the whole chain: client -> npiperouter -> wine nprelay.exe -> pipe ---

# chain_init: the router and the test client must be there (NPIPEROUTER,
# NPTEST_PEER from ctest).
chain_init() {
	need_env NPIPEROUTER -x "the router binary"
	need_env NPTEST_PEER -x "the test client"
	WINE=$(command -v wine)
}

# route NAME PIPE RELAY-FLAGS...: one route block for the config, its
# socket $T/NAME.sock, and $ROUTE_EXTRA (settings such as an adapter) if
# set. Spawn (NPR_TEST_MODE unset or spawn): its relay wine + $ROUTE_EXE
# (default nprelay.exe) + flags + PIPE per connection. Mux: mode "mux",
# one `wine EXE --mux` per route (through the script $T/mux-relay, as the
# router starts `relay.path --mux`), the flags + PIPE per stream.
route() {
	local name=$1 pipe=$2 f exe=${ROUTE_EXE:-$NPRELAY_EXE} args='' sep=''
	shift 2
	case ${NPR_TEST_MODE:-spawn} in
	spawn)
		args="\"$exe\""
		sep=", "
		;;
	mux) ;;
	*) fail "NPR_TEST_MODE must be spawn or mux, not '$NPR_TEST_MODE'" ;;
	esac
	for f in "$@"; do
		args+="$sep\"$f\""
		sep=", "
	done
	if [[ ${NPR_TEST_MODE:-spawn} == mux ]]; then
		printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$WINE" "$exe" >"$T/mux-relay"
		chmod +x "$T/mux-relay"
		printf '  { name = "%s"; listen = { path = "%s"; }; pipe = "%s"; mode = "mux";\n    relay = { path = "%s"; }; relay_args = [ %s ]; %s}' \
			"$name" "$T/$name.sock" "$pipe" "$T/mux-relay" "$args" "${ROUTE_EXTRA:-}"
		return
	fi
	printf '  { name = "%s"; listen = { path = "%s"; }; pipe = "%s";\n    relay = { path = "%s"; }; relay_args = [ %s ]; %s}' \
		"$name" "$T/$name.sock" "$pipe" "$WINE" "$args" "${ROUTE_EXTRA:-}"
}

router_log_has() { grep -qF -- "$1" "$T/router.err" "$T/router.log" 2>/dev/null; }

# --- exposed routes: a Windows client -> the pipe `wine nprelay.exe --mux`
# exposes for the router -> a Linux socket (issue 13) ---

# expose_init: chain_init, and $T/nprelay as the exposed routes'
# relay.path: the router starts `relay.path --mux`, wine needs the .exe
# first.
expose_init() {
	chain_init
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$WINE" "$NPRELAY_EXE" >"$T/nprelay"
	chmod +x "$T/nprelay"
}

# need_probe: exposeprobe.exe (tests/wine/exposeprobe.c) must be built.
need_probe() {
	[[ -f $H/exposeprobe.exe ]] || fail "no exposeprobe.exe in $H"
}

# pipe_probe ARGS...: exposeprobe.exe, its CRLF lines as LF.
pipe_probe() {
	local rc=0
	timeout -k 5 180 wine "$H/exposeprobe.exe" "$@" >"$T/probe.raw" || rc=$?
	tr -d '\r' <"$T/probe.raw"
	return "$rc"
}
# pipe_exists PIPE ANSWER: exposeprobe says ANSWER of PIPE.
pipe_exists() { [[ $(pipe_probe exists "$1") == "$2" ]]; }

# xroute NAME PIPE CONNECT [SETTING...]: one exposed route in mux mode on
# $T/nprelay, printed for a routes list.
xroute() {
	local s
	printf '  { name = "%s"; expose = { pipe = "%s"; }; connect = "%s";\n    mode = "mux"; relay = { path = "%s"; }; max_connections = 200;' \
		"$1" "$2" "$3" "$T/nprelay"
	for s in "${@:4}"; do
		printf '\n    %s' "$s"
	done
	printf ' }'
}

# route_json NAME: the route's object in `status --json` ($T/r.conf).
route_json() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" |
		jq -c --arg n "$1" '.routes[] | select(.name == $n)'
}
