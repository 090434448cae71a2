#!/bin/bash
# Throughput of npiperouter against a direct socket and against the classic
# socat one-liner, with the same relay child in both:
#
#   (a) client -> backend socket                                    (direct)
#   (b) client -> socat UNIX-LISTEN,fork EXEC:"CHILD",nofork -> backend
#   (c) client -> npiperouter -> CHILD -> backend
#
# CHILD is `socat -t 30 - UNIX-CONNECT:backend`. SIZE bytes go up (client
# -> sink backend) and down (source backend -> client) on each path; the
# best of REPEAT runs counts. Prints MB/s (10^6 bytes/s) and c/b, c/a.
#
# usage: bench/throughput.sh BUILD_DIR
# env:   SIZE (default 1G), REPEAT (default 3)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "SIZE=1G REPEAT=3"
build=$1
router=$build/router/npiperouter
peer=$build/tests/tools/nptest-peer
SIZE=${SIZE:-1G}
REPEAT=${REPEAT:-3}
for f in "$router" "$peer"; do
	[[ -x $f ]] || { echo "$0: $f not found: build $build first" >&2; exit 1; }
done
bench_need_tools socat
socat=$(command -v socat)
bytes=$(bench_bytes "$SIZE")

bench_tmp npr-bench

"$peer" sink "$T/sink.sock" 2>"$T/sink.err" &
pids+=($!)
"$peer" source "$T/source.sock" --bytes "$SIZE" 2>"$T/source.err" &
pids+=($!)
wait_socket "$T/sink.sock"
wait_socket "$T/source.sock"

# (b): one socat per direction, each forking the child per connection.
for dir in sink source; do
	"$socat" -t 30 UNIX-LISTEN:"$T/socat-$dir.sock",fork \
		EXEC:"'$socat -t 30 - UNIX-CONNECT:$T/$dir.sock'",nofork \
		2>"$T/socat-$dir.err" &
	pids+=($!)
	wait_socket "$T/socat-$dir.sock"
done

# (c): the router, same child.
cat >"$T/bench.conf" <<CONF
relay = { path = "$socat"; };
routes = (
  { name = "sink";
    listen = { path = "$T/router-sink.sock"; };
    relay_args = [ "-t", "30", "-" ];
    pipe = "UNIX-CONNECT:$T/sink.sock";
  },
  { name = "source";
    listen = { path = "$T/router-source.sock"; };
    relay_args = [ "-t", "30", "-" ];
    pipe = "UNIX-CONNECT:$T/source.sock";
  }
);
CONF
"$router" run -c "$T/bench.conf" 2>"$T/router.err" &
pids+=($!)
wait_socket "$T/router-sink.sock"
wait_socket "$T/router-source.sock"

# run SOCKET up|down: seconds of the best of REPEAT transfers.
run() {
	local sock=$1 dir=$2 best='' i out secs
	for ((i = 0; i < REPEAT; i++)); do
		if [[ $dir == up ]]; then
			out=$(timeout 300 "$peer" client "$sock" --timeout 240 \
				--send-bytes "$SIZE" --out "$T/reply" --stats)
			[[ $(cat "$T/reply") == "$bytes" ]] ||
				{ echo "$0: $sock: sink counted $(cat "$T/reply"), want $bytes" >&2; exit 1; }
		else
			out=$(timeout 300 "$peer" client "$sock" --timeout 240 \
				--expect-bytes "$SIZE" --stats)
		fi
		secs=${out##*seconds=}
		secs=${secs%% *}
		if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$secs
		fi
	done
	echo "$best"
}

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", y / x }'; }

declare -A secs
for path in direct socat router; do
	case $path in
	direct) up=$T/sink.sock down=$T/source.sock ;;
	socat) up=$T/socat-sink.sock down=$T/socat-source.sock ;;
	router) up=$T/router-sink.sock down=$T/router-source.sock ;;
	esac
	secs[$path-up]=$(run "$up" up)
	secs[$path-down]=$(run "$down" down)
done

printf 'npiperouter throughput: %s per transfer, best of %s, %s CPU(s), %s\n' \
	"$SIZE" "$REPEAT" "$(nproc)" "$(socat -V | awk '/socat version/ { print "socat " $3 }')"
printf '%-40s %12s %12s\n' path "up MB/s" "down MB/s"
printf '%-40s %12s %12s\n' "(a) direct unix socket" \
	"$(mbps "${secs[direct-up]}")" "$(mbps "${secs[direct-down]}")"
printf '%-40s %12s %12s\n' "(b) socat UNIX-LISTEN,fork EXEC,nofork" \
	"$(mbps "${secs[socat-up]}")" "$(mbps "${secs[socat-down]}")"
printf '%-40s %12s %12s\n' "(c) npiperouter" \
	"$(mbps "${secs[router-up]}")" "$(mbps "${secs[router-down]}")"
printf '%-40s %12s %12s\n' "ratio c/b" \
	"$(ratio "${secs[router-up]}" "${secs[socat-up]}")" \
	"$(ratio "${secs[router-down]}" "${secs[socat-down]}")"
printf '%-40s %12s %12s\n' "ratio c/a" \
	"$(ratio "${secs[router-up]}" "${secs[direct-up]}")" \
	"$(ratio "${secs[router-down]}" "${secs[direct-down]}")"
