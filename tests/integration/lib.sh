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
#   NPR_TEST_MODE spawn (default) or mux: how relay_route and $RELAY make
#                 the routes of a test reach their backend (see below)
#   NPTEST_MUXRELAY  the stand-in mux relay (tests/tools; mux mode)

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

# The relay mode of the test's routes (issue 11: every integration test
# runs in both). spawn: socat, one process per connection, whose pipe is
# a socat address. mux: the stand-in mux relay (docs/mux.md §12), one per
# route, whose pipe is the backend's unix socket path itself.
TEST_MODE=${NPR_TEST_MODE:-spawn}
case $TEST_MODE in
spawn) RELAY=$SOCAT ;;
mux)
	need_env NPTEST_MUXRELAY -x "the stand-in mux relay (NPR_TEST_MODE=mux)"
	need jq
	RELAY=$NPTEST_MUXRELAY
	;;
*) fail "NPR_TEST_MODE must be spawn or mux, not '$TEST_MODE'" ;;
esac
# socat's stdio side for relay_args. A plain "-" never passes the backend's
# EOF on (socat 1.7 neither shuts down nor closes its stdout until it
# exits, -t seconds later); shut-down makes it shutdown(1, SHUT_WR) at
# once, the way a well-behaved relay signals EOF on a socket.
STDIO=STDIO,shut-down

# relay_route [-t SECS] [-x] SOCKET: the settings (one line) that make a
# route reach the backend listening on SOCKET through $RELAY, in the mode
# of the test. spawn: socat with $STDIO (-x: a plain "-", which passes no
# EOF on and exits 0.5 s after one side ended), -t SECS when given. mux:
# mode "mux" with -s (-x: -ep, the stream ends with the backend's EOF);
# -t has no counterpart (a stream lives until both ways ended).
relay_route() {
	# socat gives the backend only -t seconds (0.5 by default) after the
	# client's half-close before it exits, dropping a reply that comes
	# later: under load that lost echoes (emfile). 30 s unless told.
	local secs=30 plain=''
	while [[ ${1:-} == -[tx] ]]; do
		case $1 in
		-t) secs=$2 && shift ;;
		-x) plain=1 ;;
		esac
		shift
	done
	if [[ $TEST_MODE == mux ]]; then
		printf 'mode = "mux"; relay_args = [ "%s" ]; pipe = "%s";' \
			"$([[ -n $plain ]] && echo -ep || echo -s)" "$1"
		return
	fi
	printf 'relay_args = [ '
	[[ -n $secs ]] && printf '"-t", "%s", ' "$secs"
	printf '"%s" ]; pipe = "UNIX-CONNECT:%s";' "$([[ -n $plain ]] && echo - || echo "$STDIO")" "$1"
}

# relays_idle [CONF]: no relay is serving a session: spawn, the router has
# no child; mux, no route's relay has an open channel (status --json).
relays_idle() {
	if [[ $TEST_MODE == spawn ]]; then
		no_children "$ROUTER_PID"
		return
	fi
	local n
	n=$("$NPIPEROUTER" status --json -c "${1:-$T/r.conf}" |
		jq '[.routes[].mux_channels] | add') || return 1
	[[ $n == 0 ]]
}

# socat_conf NAME [-t SECS] [-l SOCKET] [SETTING...]: write $T/r.conf with
# the one route NAME: socket SOCKET (default $T/NAME.sock), $RELAY as the
# relay (relay_route, with -t SECS when given), the backend at
# $T/backend.sock. Each SETTING is one more line of the route
# ("max_connections = 1;").
socat_conf() {
	local name=$1 t=() s sock
	shift
	sock=$T/$name.sock
	while [[ ${1:-} == -[tl] ]]; do
		case $1 in
		-t) t=(-t "$2") ;;
		-l) sock=$2 ;;
		esac
		shift 2
	done
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$RELAY"
		printf '  { name = "%s";\n    listen = { path = "%s"; };\n' "$name" "$sock"
		printf '    %s\n' "$(relay_route "${t[@]}" "$T/backend.sock")"
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

# echo_clients SOCKET N SIZE [TIMEOUT]: N clients at once, each sending
# SIZE random bytes (its own seed) to an echo behind SOCKET and reading
# them back; fails unless every one got its own bytes, SHA-256 intact.
echo_clients() {
	local sock=$1 n=$2 size=$3 timeout=${4:-100} i failed=0 pids=()
	for i in $(seq 1 "$n"); do
		"$NPTEST_PEER" client "$sock" --timeout "$timeout" --send-random "$size" \
			--seed "$i" --send-copy "$T/s$i" --out "$T/r$i" \
			--expect-bytes "$size" >/dev/null 2>"$T/c$i.err" &
		pids+=($!)
		BG_PIDS+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { failed=$((failed + 1)); log "client $((i + 1)): $(cat "$T/c$((i + 1)).err")"; }
	done
	((failed == 0)) || fail "$failed of $n clients failed"
	for i in $(seq 1 "$n"); do
		[[ $(sha "$T/s$i") == $(sha "$T/r$i") ]] || fail "client $i: the echo differs"
	done
}

# valgrind_router CONF: the router on CONF under valgrind, in the
# background, exiting 99 on a memory error or a definite leak (the valgrind
# tests check its status at the end); sets ROUTER_PID and ROUTER_LOG.
valgrind_router() {
	need valgrind
	bg router valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--trace-children=no "$NPIPEROUTER" run -c "$1" -v
	ROUTER_PID=$BG_PID
	ROUTER_LOG=$T/router.err
}
