#!/bin/bash
# What the docker adapter costs: a SIZE request body (POST with a
# Content-Length, like `docker load`/`docker import`) and a SIZE response
# body (a Content-Length one and a chunked one, like `docker save` and
# `docker export`), through two routes of one router that differ only in
# their adapter, "raw" and "docker", to the same engine:
#
#   curl --unix-socket ROUTE -> npiperouter -> socat (the relay) ->
#       npr-docker-engine (tests/tools/docker-hijack-server.c)
#
# The runs alternate raw/docker, so a change in the machine's load hits
# both alike; the best of REPEAT counts. Prints MB/s (10^6 bytes/s) and
# docker/raw (the target is at least 0.8), and the router's own CPU time
# per transfer (user + system, least of REPEAT), which the load of a
# small machine moves much less than the wall-clock figures.
#
# usage: bench/docker.sh BUILD_DIR     (configured with -DNPR_TESTS=ON)
# env:   SIZE (default 256M), REPEAT (default 3)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "SIZE=256M REPEAT=3"
build=$1
router=$build/router/npiperouter
engine=$build/tests/adapters/npr-docker-engine
plugins=$build/adapters
SIZE=${SIZE:-256M}
REPEAT=${REPEAT:-3}
for f in "$router" "$engine" "$plugins/docker.so"; do
	[[ -e $f ]] || { echo "$0: $f not found: build $build first" >&2; exit 1; }
done
bench_need_tools curl socat
bytes=$(bench_bytes "$SIZE")

bench_tmp npr-dockerbench

"$engine" "$T/engine.sock" "$T/engine.log" &
pids+=($!)
wait_socket "$T/engine.sock"
cat >"$T/bench.conf" <<CONF
relay = { path = "$(command -v socat)"; };
routes = (
  { name = "raw";
    listen = { path = "$T/raw.sock"; };
    relay_args = [ "STDIO,shut-down" ];
    pipe = "UNIX-CONNECT:$T/engine.sock";
  },
  { name = "docker";
    listen = { path = "$T/docker.sock"; };
    relay_args = [ "STDIO,shut-down" ];
    pipe = "UNIX-CONNECT:$T/engine.sock";
    adapter = { name = "docker"; wsl_conf = "$T/wsl.conf"; };
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
wait_socket "$T/raw.sock"
wait_socket "$T/docker.sock"
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
		for route in raw docker; do
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
printf 'docker adapter throughput: %s per transfer, best of %s, %s CPU(s), %s\n' \
	"$SIZE" "$REPEAT" "$(nproc)" "$(curl -V | head -n 1 | cut -d' ' -f1-2)"
printf '%-36s %12s %12s %12s\n' route "up MB/s" "down MB/s" "chunked MB/s"
for route in raw docker; do
	printf '%-36s %12s %12s %12s\n' "$route" "$(mbps "${best[$route-up]}")" \
		"$(mbps "${best[$route-down]}")" "$(mbps "${best[$route-chunked]}")"
done
printf '%-36s %12s %12s %12s\n' "ratio docker/raw" \
	"$(ratio "${best[raw-up]}" "${best[docker-up]}")" \
	"$(ratio "${best[raw-down]}" "${best[docker-down]}")" \
	"$(ratio "${best[raw-chunked]}" "${best[docker-chunked]}")"
for route in raw docker; do
	printf '%-36s %12s %12s %12s\n' "router CPU ms per transfer, $route" \
		"${cpu[$route-up]}" "${cpu[$route-down]}" "${cpu[$route-chunked]}"
done
