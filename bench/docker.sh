#!/bin/bash
# What the docker adapter costs: a SIZE request body (POST with a
# Content-Length, like `docker load`/`docker import`) and a SIZE response
# body (a Content-Length one and a chunked one, like `docker save` and
# `docker export`), through routes of one router that differ only in
# their adapter, "raw" and "docker", to the same engine, each in both
# relay modes:
#
#   spawn: curl --unix-socket ROUTE -> npiperouter -> socat (one relay
#          process per connection) -> npr-docker-engine
#   mux:   curl --unix-socket ROUTE -> npiperouter -> nptest-muxrelay (the
#          Linux stand-in for nprelay.exe --mux, one per route, each
#          connection a stream) -> npr-docker-engine
#
# (npr-docker-engine is tests/tools/docker-hijack-server.c.) The runs
# alternate raw/docker and spawn/mux, so a change in the machine's load
# hits all alike; the best of REPEAT counts. Prints MB/s (10^6 bytes/s)
# per mode, docker/raw (the target is at least 0.8) and mux/spawn, and
# the router's own CPU time per transfer (user + system, least of
# REPEAT), which the load of a small machine moves much less than the
# wall-clock figures.
#
# usage: bench/docker.sh BUILD_DIR     (configured with -DNPR_TESTS=ON)
# env:   SIZE (default 256M), REPEAT (default 3)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "SIZE=256M REPEAT=3"
build=$(cd "$1" && pwd) || exit 1
router=$build/router/npiperouter
engine=$build/tests/adapters/npr-docker-engine
muxrelay=$build/tests/tools/nptest-muxrelay
plugins=$build/adapters
SIZE=${SIZE:-256M}
REPEAT=${REPEAT:-3}
for f in "$router" "$engine" "$muxrelay" "$plugins/docker.so"; do
	[[ -e $f ]] || { echo "$0: $f not found: build $build first" >&2; exit 1; }
done
bench_need_tools curl socat
bytes=$(bench_bytes "$SIZE")

bench_tmp npr-dockerbench

"$engine" "$T/engine.sock" "$T/engine.log" &
pids+=($!)
wait_socket "$T/engine.sock"
# socat -t 30: its default 0.5 s after the client's half-close would cut
# a late answer off (none here: every answer is read before curl ends).
# The mux routes' -s passes the client's half-close on as socat's
# shut-down does.
adapter='adapter = { name = "docker"; wsl_conf = "'$T'/wsl.conf"; };'
cat >"$T/bench.conf" <<CONF
relay = { path = "$(command -v socat)"; };
routes = (
  { name = "raw-spawn";
    listen = { path = "$T/raw-spawn.sock"; };
    mode = "spawn";
    relay_args = [ "-t", "30", "STDIO,shut-down" ];
    pipe = "UNIX-CONNECT:$T/engine.sock";
  },
  { name = "docker-spawn";
    listen = { path = "$T/docker-spawn.sock"; };
    mode = "spawn";
    relay_args = [ "-t", "30", "STDIO,shut-down" ];
    pipe = "UNIX-CONNECT:$T/engine.sock";
    $adapter
  },
  { name = "raw-mux";
    listen = { path = "$T/raw-mux.sock"; };
    relay = { path = "$muxrelay"; };
    mode = "mux";
    relay_args = [ "-s" ];
    pipe = "$T/engine.sock";
  },
  { name = "docker-mux";
    listen = { path = "$T/docker-mux.sock"; };
    relay = { path = "$muxrelay"; };
    mode = "mux";
    relay_args = [ "-s" ];
    pipe = "$T/engine.sock";
    $adapter
  }
);
CONF
: >"$T/wsl.conf"
mkdir -m 700 "$T/rt"
XDG_RUNTIME_DIR=$T/rt NPIPEROUTER_PLUGIN_DIR=$plugins "$router" run -c "$T/bench.conf" \
	2>"$T/router.err" &
router_pid=$!
pids+=("$router_pid")
tick_ms=$((1000 / $(getconf CLK_TCK)))
# The router's user + system CPU time so far, in ms.
router_cpu() {
	local stat f
	read -r stat <"/proc/$router_pid/stat"
	# Fields 14 and 15 (utime, stime): 12th and 13th after the ") ".
	stat=${stat##*) }
	read -ra f <<<"$stat"
	echo $(((f[11] + f[12]) * tick_ms))
}
routes=(raw-spawn docker-spawn raw-mux docker-mux)
for route in "${routes[@]}"; do
	wait_socket "$T/$route.sock"
done
head -c "$bytes" /dev/zero >"$T/body"

# once SOCKET up|down|chunked: seconds of one transfer, checked.
once() {
	local sock=$1 what=$2 out
	case $what in
	up)
		out=$(curl -sS --unix-socket "$sock" -X POST -T "$T/body" \
			-H 'Expect:' -H 'Content-Type: application/x-tar' \
			-o "$T/answer" -w '%{time_total}' http://docker/bench/upload)
		grep -q "\"bytes\":$bytes}" "$T/answer" ||
			{ echo "$0: $sock: the engine got $(cat "$T/answer")" >&2; exit 1; } ;;
	down | chunked)
		out=$(curl -sS --unix-socket "$sock" -o /dev/null \
			-w '%{time_total} %{size_download}' \
			"http://docker/bench/download?bytes=$bytes$([[ $what == chunked ]] && echo '&chunked=1')")
		[[ ${out#* } == "$bytes" ]] ||
			{ echo "$0: $sock: got ${out#* } bytes, want $bytes" >&2; exit 1; }
		out=${out%% *} ;;
	esac
	echo "$out"
}

declare -A best cpu
for ((i = 0; i < REPEAT; i++)); do
	for what in up down chunked; do
		for route in "${routes[@]}"; do
			c=$(router_cpu)
			s=$(once "$T/$route.sock" "$what")
			c=$(($(router_cpu) - c))
			k=$route-$what
			if [[ -z ${best[$k]:-} ]] ||
				awk -v a="$s" -v b="${best[$k]}" 'BEGIN { exit !(a < b) }'; then
				best[$k]=$s
			fi
			if [[ -z ${cpu[$k]:-} ]] || ((c < cpu[$k])); then
				cpu[$k]=$c
			fi
		done
	done
done

ratio() { awk -v r="$1" -v d="$2" 'BEGIN { printf "%.2f", r / d }'; }
row() { printf '%-30s %12s %12s %12s\n' "$@"; }
printf 'docker adapter throughput: %s per transfer, best of %s, %s CPU(s), %s\n' \
	"$SIZE" "$REPEAT" "$(nproc)" "$(curl -V | head -n 1 | cut -d' ' -f1-2)"
row "MB/s" "spawn" "mux" "mux/spawn"
for what in up down chunked; do
	for a in raw docker; do
		row "$a $what" "$(mbps "${best[$a-spawn-$what]}")" \
			"$(mbps "${best[$a-mux-$what]}")" \
			"$(ratio "${best[$a-spawn-$what]}" "${best[$a-mux-$what]}")"
	done
done
row "ratio docker/raw" "spawn" "mux" ""
for what in up down chunked; do
	row "  $what" "$(ratio "${best[raw-spawn-$what]}" "${best[docker-spawn-$what]}")" \
		"$(ratio "${best[raw-mux-$what]}" "${best[docker-mux-$what]}")" ""
done
row "router CPU ms per transfer" "spawn" "mux" ""
for what in up down chunked; do
	for a in raw docker; do
		row "  $a $what" "${cpu[$a-spawn-$what]}" "${cpu[$a-mux-$what]}" ""
	done
done
