# Sourced by every integration test: one temporary directory per test,
# background processes that never outlive the test, bounded waits, loud
# failures (tests/lib/common.sh), plus the test peer as backend and socat
# as the relay child. Needs bash; the tests run under `set -euo pipefail`.
#
# Environment (set by ctest, see CMakeLists.txt):
#   NPIPEROUTER   the router binary under test
#   NPTEST_PEER   the test peer (tests/tools)
#   NPR_ETC_DIR   the example configs (check_examples.sh only)
#   NPR_KEEP_TMP  set to 1 to keep the temporary directory of a test
#   NPR_TEST_TMP  where those directories go (default /tmp; keep it short:
#                 socket paths must fit in 108 bytes)

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

NEED_HINT=' (Debian: apt-get install %s)'

need_env NPIPEROUTER -x "the router binary"
need_env NPTEST_PEER -x "the test peer binary"
need timeout sha256sum stat
# Socket paths must fit in sun_path (108 bytes): keep the directory short.
T=$(mktemp -d "${NPR_TEST_TMP:-/tmp}/npr-XXXXXX")
chmod 755 "$T"
use_private_runtime

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

# rss_kb PID: resident memory in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

SOCAT=$(command -v socat || true)
# socat's stdio side for relay_args. A plain "-" never passes the backend's
# EOF on (socat 1.7 neither shuts down nor closes its stdout until it
# exits, -t seconds later); shut-down makes it shutdown(1, SHUT_WR) at
# once, the way a well-behaved relay signals EOF on a socket.
STDIO=STDIO,shut-down

# socat_conf NAME [-t SECS] [SETTING...]: write $T/r.conf with the one
# route NAME: socket $T/NAME.sock, socat as the relay (with -t SECS when
# given), the pipe to the backend at $T/backend.sock. Each SETTING is one
# more line of the route ("max_connections = 1;").
socat_conf() {
	# socat gives the backend only -t seconds (0.5 by default) after the
	# client's half-close before it exits, dropping a reply that comes
	# later: under load that lost echoes (emfile). 30 s unless told.
	local name=$1 args="\"-t\", \"30\", \"$STDIO\"" s
	shift
	if [[ ${1:-} == -t ]]; then
		args="\"-t\", \"$2\", \"$STDIO\""
		shift 2
	fi
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"
		printf '  { name = "%s";\n    listen = { path = "%s"; };\n' "$name" "$T/$name.sock"
		printf '    relay_args = [ %s ];\n    pipe = "UNIX-CONNECT:%s";\n' "$args" "$T/backend.sock"
		for s in "$@"; do
			printf '    %s\n' "$s"
		done
		printf '  }\n);\n'
	} >"$T/r.conf"
}

# mux_conf NAME [-m MODE] [-r RELAY] [-a ARGS] [SETTING...]: write $T/r.conf
# with the one route NAME: socket $T/NAME.sock, the stand-in mux relay
# ($NPTEST_MUXRELAY, or RELAY: a wrapper adding --fault flags) as
# relay.path, mode MODE (default "mux"), relay_args ARGS (default "-s"),
# the pipe to the backend at $T/backend.sock.
mux_conf() {
	local name=$1 mode=mux relay=${NPTEST_MUXRELAY:-} args='"-s"' s
	shift
	while [[ ${1:-} == -[mra] ]]; do
		case $1 in
		-m) mode=$2 ;;
		-r) relay=$2 ;;
		-a) args=$2 ;;
		esac
		shift 2
	done
	[[ -x $relay ]] || fail "no mux relay (NPTEST_MUXRELAY=${NPTEST_MUXRELAY:-})"
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$relay"
		printf '  { name = "%s";\n    listen = { path = "%s"; };\n' "$name" "$T/$name.sock"
		printf '    mode = "%s";\n' "$mode"
		printf '    relay_args = [ %s ];\n    pipe = "%s";\n' "$args" "$T/backend.sock"
		for s in "$@"; do
			printf '    %s\n' "$s"
		done
		printf '  }\n);\n'
	} >"$T/r.conf"
}

# fault_relay FAULT...: a wrapper at $T/fault-relay that starts the
# stand-in with the given --fault flags after its own arguments.
fault_relay() {
	local f
	{
		printf '#!/bin/sh\nexec "%s" "$@"' "$NPTEST_MUXRELAY"
		for f in "$@"; do
			printf ' %q' "$f"
		done
		printf '\n'
	} >"$T/fault-relay"
	chmod +x "$T/fault-relay"
}
