#!/bin/bash
# Connection cost and throughput of the whole chain under Wine: the classic
# socat one-liner versus npiperouter, with the same relay (wine +
# nprelay.exe -ep -s -p PIPE) and the same named-pipe echo server
# (pipesrv.exe, message mode, like Docker's pipe):
#
#   (a) wine nprelay.exe --version      Wine process start alone, no I/O
#   (b) client -> socat UNIX-LISTEN,fork EXEC:"wine nprelay.exe ...",nofork
#              -> named pipe -> pipesrv.exe
#   (c) client -> npiperouter -> wine nprelay.exe ... -> named pipe
#              -> pipesrv.exe
#
# 1. Latency: N connections one after another, each connect, send a REQ-byte
#    request, half-close (the relay's -s turns it into a zero-byte message),
#    read the echo until EOF, close; (a), (b) and (c) take turns (one
#    each per round) so a change in the machine's load hits all alike.
#    Reports conn/s (N over the sum of the connection times) and
#    p50/p90/p99/max in ms. Failed attempts are counted, shown on stderr
#    and not timed; more than 5 % stop the run.
# 2. Bulk: SIZE bytes sent and echoed back at the same time through (b)
#    and (c), best of REPEAT; MB/s (10^6 bytes/s) of one direction.
#
# Everything runs in a throw-away WINEPREFIX with its own wineserver; the
# EXIT trap stops the router, socat, every Wine process (wineserver -k) and
# deletes the prefix.
#
# usage: bench/relay.sh BUILD_DIR     (configured with -DNPR_RELAY=ON -DNPR_TESTS=ON)
# env:   N (default 200), WARMUP (default 5), REQ (default 64),
#        SIZE (default 256M), REPEAT (default 3), NPR_KEEP_TMP=1 keeps the
#        logs (not the prefix) in /tmp/npr-relaybench.*
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "N=200 WARMUP=5 REQ=64 SIZE=256M REPEAT=3"
[[ -d $1 ]] || { echo "$0: $1: no such folder" >&2; exit 1; }
build=$(cd "$1" && pwd)
router=$build/router/npiperouter
peer=$build/tests/tools/nptest-peer
relay=$build/relay-build/nprelay.exe
pipesrv=$build/relay-build/wine-helpers/pipesrv.exe
N=${N:-200}
WARMUP=${WARMUP:-5}
REQ=${REQ:-64}
SIZE=${SIZE:-256M}
REPEAT=${REPEAT:-3}
for f in "$router" "$peer" "$relay" "$pipesrv"; do
	[[ -e $f ]] || {
		echo "$0: $f not found: build $build with -DNPR_RELAY=ON -DNPR_TESTS=ON" >&2
		exit 1
	}
done
bench_need_tools wine wineserver socat timeout
wine=$(command -v wine)
socat=$(command -v socat)
# socat's EXEC splits its command line at blanks.
[[ $wine$relay != *[[:space:]]* ]] ||
	{ echo "$0: paths with blanks are not supported: $wine $relay" >&2; exit 1; }
bytes=$(bench_bytes "$SIZE")

T=$(mktemp -d /tmp/npr-relaybench.XXXXXX)
export WINEPREFIX=$T/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export XDG_RUNTIME_DIR=$T/rt
mkdir -m 700 "$XDG_RUNTIME_DIR"
# Every relay starts in $T: socat's children inherit our folder, the
# router's get relay.cwd (else /mnt/c when it exists).
cd "$T"
pids=()
wine_up=0
cleanup() {
	local rc=$? p
	set +e
	trap - EXIT INT TERM
	cd /
	{
		for p in "${pids[@]}"; do
			kill -TERM "$p"
		done
		# pipesrv, the relays still running and services.exe & co.
		if ((wine_up)); then
			wineserver -k
			timeout 30 wineserver -w
		fi
		for p in "${pids[@]}"; do
			wait "$p"
		done
	} </dev/null >/dev/null 2>&1
	if ((rc != 0)); then
		for p in "$T"/*.err "$T"/*.log; do
			[[ -s $p ]] || continue
			printf -- '--- %s (last 20 lines)\n' "${p##*/}" >&2
			tail -n 20 "$p" | cut -c1-300 >&2
		done
	fi
	if [[ ${NPR_KEEP_TMP:-0} == 1 ]]; then
		rm -rf "$WINEPREFIX"
		echo "relay bench: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "$0: $*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

# wait_for SECONDS WHAT CMD...
wait_for() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		((SECONDS < deadline)) || die "timed out waiting for $what"
		sleep 0.05
	done
}

# bg NAME CMD...: in the background, output to $T/NAME.log and .err.
bg() {
	local name=$1
	shift
	"$@" </dev/null >"$T/$name.log" 2>"$T/$name.err" &
	pids+=($!)
}

note "relay bench: creating a Wine prefix in $WINEPREFIX"
mkdir -p "$WINEPREFIX"
# Persistent for 10 min after its last client, so an aborted run does not
# leave it forever; the trap kills it.
wineserver -p600 </dev/null >/dev/null 2>&1 || die "wineserver -p did not start"
wine_up=1
timeout 300 wine wineboot.exe --init </dev/null >"$T/wineboot.log" 2>&1 ||
	die "wineboot --init failed"

pipe=//./pipe/npr-relaybench-$$
bg pipesrv wine "$pipesrv" --name "$pipe" --mode msg --timeout 7200
wait_for 60 "pipesrv.exe" grep -qsx ready "$T/pipesrv.log"

# (b): socat execs the relay with the accepted connection as its stdio.
bg socat "$socat" UNIX-LISTEN:"$T/socat.sock",fork \
	EXEC:"'$wine $relay -ep -s -p $pipe'",nofork
wait_for 20 "socat's socket" test -S "$T/socat.sock"

# (c): the router, same relay.
cat >"$T/bench.conf" <<CONF
relay = { path = "$wine"; cwd = "$T"; };
routes = (
  { name = "bench";
    listen = { path = "$T/router.sock"; };
    relay_args = [ "$relay", "-ep", "-s", "-p" ];
    pipe = "$pipe";
  }
);
CONF
bg router "$router" run -c "$T/bench.conf"
wait_for 20 "the router's socket" test -S "$T/router.sock"

head -c "$REQ" /dev/zero | tr '\0' x >"$T/req"

# one PATH: one timed connection (or process start for "start"); appends
# its microseconds to $T/PATH.us. A failure (exit status, or an echo that
# differs) is counted in fails[PATH] and kept in $T/PATH.failures with its
# stderr, not timed; more than 5 % failures of a path stop the run.
declare -A fails=([start]=0 [socat]=0 [router]=0)
one() {
	local path=$1 t0 t1 rc=0
	rm -f "$T/reply"
	t0=${EPOCHREALTIME//[!0-9]/}
	case $path in
	start)
		timeout 60 "$wine" "$relay" --version </dev/null >"$T/reply" 2>"$T/one.stderr"
		;;
	socat | router)
		timeout 65 "$peer" client "$T/$path.sock" --timeout 60 \
			--send "$T/req" --out "$T/reply" --expect-bytes "$REQ" \
			</dev/null 2>"$T/one.stderr"
		;;
	esac || rc=$?
	t1=${EPOCHREALTIME//[!0-9]/}
	if ((rc == 0)) && [[ $path != start ]] && ! cmp -s "$T/req" "$T/reply"; then
		echo "the echo differs from the request" >>"$T/one.stderr"
		rc=1
	fi
	if ((rc != 0)); then
		fails[$path]=$((fails[$path] + 1))
		{
			echo "status $rc after $(((10#$t1 - 10#$t0) / 1000)) ms:"
			cat "$T/one.stderr"
			if [[ -s $T/reply ]]; then
				echo "received (first 256 bytes):"
				head -c 256 "$T/reply" | od -An -c
			fi
		} >>"$T/$path.failures"
		((fails[$path] * 20 <= N + WARMUP)) ||
			die "$path: ${fails[$path]} failures: $(tail -n 20 "$T/$path.failures")"
		return 0
	fi
	echo $((10#$t1 - 10#$t0)) >>"$T/$path.us"
}

note "relay bench: $WARMUP warm-up + $N measured connections per path, taking turns"
# Each round runs the three in a rotated order, so none always comes right
# after the same other one (a relay of the previous connection may still
# be exiting).
orders=("start socat router" "socat router start" "router start socat")
for ((i = 0; i < WARMUP + N; i++)); do
	((i == WARMUP)) && rm -f "$T/start.us" "$T/socat.us" "$T/router.us"
	for p in ${orders[i % 3]}; do
		one "$p"
	done
done

# stats PATH: "conn/s p50 p90 p99 max" (ms) from $T/PATH.us, nearest rank.
stats() {
	sort -n "$T/$1.us" | awk '
		{ v[NR] = $1; sum += $1 }
		function rank(p,  k) { k = int(p * NR / 100); if (k < p * NR / 100) k++; return v[k < 1 ? 1 : k] / 1000 }
		END { printf "%.1f %.1f %.1f %.1f %.1f\n", NR / (sum / 1e6), rank(50), rank(90), rank(99), v[NR] / 1000 }'
}

# bulk PATH: seconds of one echo transfer of SIZE, as the client timed it.
bulk() {
	local out secs
	out=$(timeout 905 "$peer" client "$T/$1.sock" --timeout 900 \
		--send-bytes "$SIZE" --expect-bytes "$SIZE" --stats \
		</dev/null 2>>"$T/client.err") || die "$1: bulk transfer failed"
	secs=${out##*seconds=}
	echo "${secs%% *}"
}

note "relay bench: bulk, $SIZE each way at once, best of $REPEAT per path, taking turns"
declare -A best=()
for ((i = 0; i < REPEAT; i++)); do
	for p in ${orders[i % 2 + 1]}; do
		[[ $p == start ]] && continue
		secs=$(bulk "$p")
		if [[ -z ${best[$p]:-} ]] ||
			awk -v a="$secs" -v b="${best[$p]}" 'BEGIN { exit !(a < b) }'; then
			best[$p]=$secs
		fi
	done
done
bulk_socat=${best[socat]}
bulk_router=${best[router]}

read -r a_rate a50 a90 a99 amax < <(stats start)
read -r b_rate b50 b90 b99 bmax < <(stats socat)
read -r c_rate c50 c90 c99 cmax < <(stats router)
ratio() { awk -v c="$1" -v b="$2" 'BEGIN { printf "%.2f", c / b }'; }

printf 'npiperouter relay bench: %s, %s CPU(s), socat %s, pipesrv.exe message mode, relay -ep -s -p\n' \
	"$(wine --version 2>/dev/null)" "$(nproc)" \
	"$("$socat" -V | awk '/socat version/ { print $3 }')"
printf 'connections: %s sequential per path after %s warm-up, %s-byte request echoed, paths taking turns\n' \
	"$N" "$WARMUP" "$REQ"
printf '(failed: of all %s attempts, not timed)\n' "$((N + WARMUP))"
row() { printf '%-40s %8s %8s %8s %8s %8s %8s\n' "$@"; }
row path conn/s "p50 ms" "p90 ms" "p99 ms" "max ms" failed
row "(a) wine nprelay.exe --version only" "$a_rate" "$a50" "$a90" "$a99" "$amax" "${fails[start]}"
row "(b) socat EXEC:wine nprelay.exe,nofork" "$b_rate" "$b50" "$b90" "$b99" "$bmax" "${fails[socat]}"
row "(c) npiperouter + wine nprelay.exe" "$c_rate" "$c50" "$c90" "$c99" "$cmax" "${fails[router]}"
row "ratio c/b" "$(ratio "$c_rate" "$b_rate")" "$(ratio "$c50" "$b50")" "$(ratio "$c90" "$b90")" \
	"$(ratio "$c99" "$b99")" "$(ratio "$cmax" "$bmax")" ""
printf '\nbulk: %s sent and echoed back at once, best of %s\n' "$SIZE" "$REPEAT"
printf '%-40s %8s %8s\n' path seconds "MB/s"
printf '%-40s %8s %8s\n' "(b) socat EXEC:wine nprelay.exe,nofork" "$bulk_socat" "$(mbps "$bulk_socat")"
printf '%-40s %8s %8s\n' "(c) npiperouter + wine nprelay.exe" "$bulk_router" "$(mbps "$bulk_router")"
printf '%-40s %8s %8s\n' "ratio c/b" "" \
	"$(ratio "$bulk_socat" "$bulk_router")"
for p in start socat router; do
	[[ -s $T/$p.failures ]] || continue
	note "relay bench: $p: ${fails[$p]} failed (not timed), first ones:"
	head -n 20 "$T/$p.failures" >&2
done
