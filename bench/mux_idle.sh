#!/bin/bash
# The router's memory with many idle mux sessions (issue 11: 10,000 idle
# sessions in at most 64 MiB). One route in mode "mux" whose relay is the
# Linux stand-in (tests/tools/nptest-muxrelay, docs/mux.md §12) and whose
# backend is an nptest-peer echo server; SESSIONS clients connect, each
# sends one byte and reads its echo (so the stream is open end to end),
# then they all stay idle while the router's VmRSS and VmHWM are read from
# /proc, with the stand-in's and the backend's for comparison.
#
# usage: bench/mux_idle.sh BUILD_DIR      (configured with -DNPR_TESTS=ON)
# env:   SESSIONS (default 10000)
# Sets its own `ulimit -n` to SESSIONS + 512 (each process of the chain
# holds one descriptor per session); needs python3 for the idle clients.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "SESSIONS=10000"
[[ -d $1 ]] || { echo "$0: $1: no such folder" >&2; exit 1; }
build=$(cd "$1" && pwd)
router=$build/router/npiperouter
peer=$build/tests/tools/nptest-peer
muxrelay=$build/tests/tools/nptest-muxrelay
SESSIONS=${SESSIONS:-10000}
for f in "$router" "$peer" "$muxrelay"; do
	[[ -x $f ]] || { echo "$0: $f not found: build with -DNPR_TESTS=ON" >&2; exit 1; }
done
bench_need_tools python3 jq
# Each process of the chain holds one descriptor per session (the
# router: its clients; the relay and the backend: their sockets).
want=$((SESSIONS + 512))
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] || ((hard >= want)) ||
	{ echo "$0: ulimit -Hn is $hard, $want needed for $SESSIONS sessions" >&2; exit 1; }
ulimit -n "$want"

bench_tmp npr-muxidle
export XDG_RUNTIME_DIR=$T/rt
mkdir -m 700 "$XDG_RUNTIME_DIR"

"$peer" echo "$T/backend.sock" </dev/null >"$T/backend.log" 2>&1 &
pids+=($!)
backend=$!
wait_socket "$T/backend.sock"
cat >"$T/r.conf" <<CONF
relay = { path = "$muxrelay"; };
routes = (
  { name = "idle"; listen = { path = "$T/idle.sock"; };
    mode = "mux"; relay_args = [ "-s" ]; pipe = "$T/backend.sock";
    max_connections = $((SESSIONS + 100)); }
);
CONF
"$router" run -c "$T/r.conf" </dev/null >"$T/router.log" 2>&1 &
pids+=($!)
rpid=$!
wait_socket "$T/idle.sock"

kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mux_pid() {
	"$router" status --json -c "$T/r.conf" | jq -r '.routes[0].mux_pid'
}
channels() {
	"$router" status --json -c "$T/r.conf" | jq -r '.routes[0].mux_channels'
}
for ((i = 0; i < 200; i++)); do
	[[ $(mux_pid) =~ ^[1-9][0-9]*$ ]] && break
	sleep 0.05
done
mpid=$(mux_pid)
[[ $mpid =~ ^[1-9][0-9]*$ ]] || { echo "$0: the mux relay did not start" >&2; exit 1; }
base_router=$(kb "$rpid" VmRSS)
base_relay=$(kb "$mpid" VmRSS)

# The idle clients: one process, SESSIONS sockets, each echoed once; it
# writes "ready" once all are open and then holds them until stdin ends.
cat >"$T/clients.py" <<'PY'
import socket, sys
path, n = sys.argv[1], int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    s.sendall(b"x")
    if s.recv(1) != b"x":
        sys.exit("session %d: no echo" % i)
    socks.append(s)
print("ready", flush=True)
sys.stdin.read()
PY
mkfifo "$T/hold"
python3 "$T/clients.py" "$T/idle.sock" "$SESSIONS" <"$T/hold" >"$T/clients.log" 2>&1 &
pids+=($!)
exec 3>"$T/hold"
for ((i = 0; i < 6000; i++)); do
	grep -qx ready "$T/clients.log" 2>/dev/null && break
	kill -0 "${pids[-1]}" 2>/dev/null ||
		{ echo "$0: clients failed: $(cat "$T/clients.log")" >&2; exit 1; }
	sleep 0.1
done
grep -qx ready "$T/clients.log" || { echo "$0: clients not ready after 600 s" >&2; exit 1; }
sleep 2
open=$(channels)
rss_router=$(kb "$rpid" VmRSS)
hwm_router=$(kb "$rpid" VmHWM)
rss_relay=$(kb "$mpid" VmRSS)
rss_backend=$(kb "$backend" VmRSS)
[[ ${NPR_BENCH_DEBUG:-} ]] && { "$router" status --json -c "$T/r.conf"; tail -5 "$T/router.log"; }
exec 3>&-

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }'; }
printf 'mux idle sessions: %s clients, each echoed one byte, then idle; stand-in relay; %s CPU(s)\n' \
	"$SESSIONS" "$(nproc)"
printf 'open mux channels (status --json): %s\n' "$open"
printf '%-28s %10s %10s %14s\n' process "idle MiB" "held MiB" "bytes/session"
printf '%-28s %10s %10s %14s\n' "npiperouter" "$(mib "$base_router")" "$(mib "$rss_router")" \
	"$(per "$rss_router" "$base_router" "$SESSIONS")"
printf '%-28s %10s %10s %14s\n' "nptest-muxrelay (stand-in)" "$(mib "$base_relay")" "$(mib "$rss_relay")" \
	"$(per "$rss_relay" "$base_relay" "$SESSIONS")"
printf '%-28s %10s %10s\n' "nptest-peer echo (backend)" "" "$(mib "$rss_backend")"
printf 'npiperouter peak (VmHWM): %s MiB; target <= 64 MiB\n' "$(mib "$hwm_router")"
