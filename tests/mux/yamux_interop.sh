#!/bin/bash
# The mux codec against an independent yamux: yamuxpeer (Go, HashiCorp's
# yamux from Debian's golang-github-hashicorp-yamux-dev, built here,
# offline) drives mux-peer (C, the codec in mux/) over pipes, in both
# roles, with streams larger than the 256 KiB window, an open failure,
# pings, a Go Away exchange, and one protocol violation of each kind,
# which mux-peer must answer with Go Away (protocol error).
#
# Go yamux also drives the stand-in relay (tests/tools' nptest-muxrelay).
#
# Environment (set by ctest): MUX_PEER, YAMUXPEER_SRC, NPTEST_MUXRELAY,
# NPTEST_PEER.

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

NEED_HINT=' (Debian: apt-get install golang-go)'
need go timeout
need_env MUX_PEER -x "the mux-peer binary"
need_env NPTEST_MUXRELAY -x "the stand-in relay binary"
need_env NPTEST_PEER -x "the test peer binary"
need_env YAMUXPEER_SRC -d "the yamuxpeer source folder"
T=$(mktemp -d "${NPR_TEST_TMP:-/tmp}/npr-mux-XXXXXX")

build_yamuxpeer "$YAMUXPEER_SRC"

# run NAME ARGS...: one scenario, bounded; its output goes to $T/NAME.log.
run() {
	local name=$1
	shift
	log "scenario $name"
	if ! timeout 120 "$T/yamuxpeer" -scenario "$name" "$@" \
		>"$T/$name.log" 2>&1; then
		tail -n 40 "$T/$name.log" >&2
		fail "scenario $name failed"
	fi
	grep -q "^yamuxpeer $name: ok$" "$T/$name.log" ||
		fail "scenario $name did not report ok"
}

# Go as the router opens 6 streams of 700 KiB and more, C echoes them.
run router -streams 6 -bytes $((700 * 1024)) -- "$MUX_PEER" relay 6
# Go as the relay echoes; C opens 6 streams and checks every byte.
run relay -streams 6 -- "$MUX_PEER" router 6 $((700 * 1024))
# Go as the router against the stand-in relay (tests/tools), whose streams
# reach a unix echo server: its credit, ACKs and replies as Go yamux sees them.
bg echo "$NPTEST_PEER" echo "$T/echo.sock"
wait_until 10 "the echo server" _listening "$BG_PID" "$T/echo.sock" echo
run standin -streams 8 -bytes $((700 * 1024)) -pipe "$T/echo.sock" \
	-missing "$T/missing.sock" -- "$NPTEST_MUXRELAY" --mux
for v in version window-overflow unknown-stream beyond-window bad-open; do
	run "violation-$v" -- "$MUX_PEER" relay 0
done
log "ok"
