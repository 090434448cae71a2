#!/bin/bash
# Connection cost and throughput of the whole chain under Wine: the classic
# socat one-liner versus npiperouter, with the same relay (wine +
# nprelay.exe -ep -s -p PIPE) and the same named-pipe echo server
# (pipesrv.exe, message mode, like Docker's pipe):
#
#   (a) wine nprelay.exe --version      Wine process start alone, no I/O
#   (b) client -> socat UNIX-LISTEN,fork EXEC:"wine nprelay.exe ...",nofork
#              -> named pipe -> pipesrv.exe
#   (c) client -> npiperouter (mode spawn) -> wine nprelay.exe ...
#              -> named pipe -> pipesrv.exe
#   (d) client -> npiperouter (mode mux) -> ONE wine nprelay.exe --mux
#              -> named pipe -> pipesrv.exe
#   (e) the limit: pipeloop.exe, one Windows process that opens the pipe,
#       sends the request and a zero-byte message, reads the echo until
#       the server closes, closes, in a loop (bench/pipeloop.c)
#   (f) (d) from one client process in a loop (python3), as (e) is timed:
#       (d) starts an nptest-peer client per connection, which (e) does not
#   (g) (c) from that client loop: (f)/(g) is mux against spawn with no
#       client process start in either, (d)/(c) with one in both
#
# 1. Latency: N connections one after another, each connect, send a REQ-byte
#    request, half-close (the relay's -s turns it into a zero-byte message),
#    read the echo until EOF, close; (a) to (d) take turns (one each per
#    round) so a change in the machine's load hits all alike; (e) runs
#    its WARMUP + N connections in one process after them, then (f)
#    and (g).
#    Reports conn/s (N over the sum of the connection times) and
#    p50/p90/p99/max in ms. Failed attempts are counted, shown on stderr
#    and not timed; more than 5 % stop the run.
# 2. Bulk: SIZE bytes sent and echoed back at the same time through (b),
#    (c) and (d), best of REPEAT; MB/s (10^6 bytes/s) of one direction.
# 3. One way: SIZE only from the client to the pipe (a server that reads
#    and never answers) and only from the pipe to the client (a server
#    that sends SIZE in 64 KiB messages), through (c) and (d), best of
#    REPEAT: bulk without the echo, one direction per stream.
# 4. Parallel: PAR clients at once, each PSIZE echoed, through (b), (c)
#    and (d), best of REPEAT; aggregate MB/s of one direction from the
#    first start to the last end.
#
# Everything runs in a throw-away WINEPREFIX with its own wineserver; the
# EXIT trap stops the router, socat, every Wine process (wineserver -k) and
# deletes the prefix.
#
# usage: bench/relay.sh BUILD_DIR     (configured with -DNPR_RELAY=ON -DNPR_TESTS=ON)
# env:   N (default 200), WARMUP (default 5), REQ (default 64),
#        SIZE (default 256M), REPEAT (default 3), PAR (default 10), PSIZE
#        (default 32M), NPR_KEEP_TMP=1 keeps the
#        logs (not the prefix) in /tmp/npr-relaybench.*
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "N=200 WARMUP=5 REQ=64 SIZE=256M REPEAT=3 PAR=10 PSIZE=32M"
bench_wine_build "$1"
N=${N:-200}
WARMUP=${WARMUP:-5}
REQ=${REQ:-64}
SIZE=${SIZE:-256M}
REPEAT=${REPEAT:-3}
PAR=${PAR:-10}
PSIZE=${PSIZE:-32M}
bench_need_tools wine wineserver socat timeout python3
wine=$(command -v wine)
socat=$(command -v socat)
# socat's EXEC splits its command line at blanks.
[[ $wine$relay != *[[:space:]]* ]] ||
	{ echo "$0: paths with blanks are not supported: $wine $relay" >&2; exit 1; }
bytes=$(bench_bytes "$SIZE")
((bytes % 65536 == 0)) || { echo "$0: SIZE must be a multiple of 64K" >&2; exit 1; }
pbytes=$(bench_bytes "$PSIZE")

# Every relay starts in $T: socat's children inherit our folder, the
# router's get relay.cwd (else /mnt/c when it exists).
bench_wine_tmp npr-relaybench

# bg NAME CMD...: in the background, output to $T/NAME.log and .err.
bg() {
	local name=$1
	shift
	"$@" </dev/null >"$T/$name.log" 2>"$T/$name.err" &
	pids+=($!)
	BG_PID=$!
}

note "relay bench: creating a Wine prefix in $WINEPREFIX"
bench_wine_up

pipe=//./pipe/npr-relaybench-$$
bg pipesrv wine "$pipesrv" --name "$pipe" --mode msg --timeout 7200
pipesrv_pid=$BG_PID
wait_for 60 "pipesrv.exe" grep -qsx ready "$T/pipesrv.log"
# One way: a sink, and a source of SIZE in 64 KiB messages.
bg pipesrv-up wine "$pipesrv" --name "$pipe-up" --mode msg --timeout 7200 --no-echo
pipesrv_pids=("$pipesrv_pid" "$BG_PID")
bg pipesrv-down wine "$pipesrv" --name "$pipe-down" --mode msg --timeout 7200 \
	--send 65536 --messages $((bytes / 65536))
pipesrv_pids+=("$BG_PID")
wait_for 60 "pipesrv.exe (sink)" grep -qsx ready "$T/pipesrv-up.log"
wait_for 60 "pipesrv.exe (source)" grep -qsx ready "$T/pipesrv-down.log"

# (b): socat execs the relay with the accepted connection as its stdio.
bg socat "$socat" -t 30 UNIX-LISTEN:"$T/socat.sock",fork \
	EXEC:"'$wine $relay -ep -s -p $pipe'",nofork
socat_pid=$BG_PID
wait_for 20 "socat's socket" test -S "$T/socat.sock"

# (c) and (d): the router, same relay; (d) starts it as `relay.path --mux`,
# so wine needs the .exe in front.
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wine" "$relay" >"$T/nprelay-mux"
chmod +x "$T/nprelay-mux"
cat >"$T/bench.conf" <<CONF
relay = { path = "$wine"; cwd = "$T"; };
routes = (
  { name = "bench";
    listen = { path = "$T/router.sock"; };
    mode = "spawn";
    relay_args = [ "$relay", "-ep", "-s", "-p" ];
    pipe = "$pipe";
  },
  { name = "mux";
    listen = { path = "$T/mux.sock"; };
    mode = "mux";
    relay = { path = "$T/nprelay-mux"; cwd = "$T"; };
    relay_args = [ "-ep", "-s", "-p" ];
    pipe = "$pipe";
  }
$(for dir in up down; do
	cat <<ROUTES
  , { name = "$dir-spawn";
    listen = { path = "$T/$dir-spawn.sock"; };
    mode = "spawn";
    relay_args = [ "$relay", "-ep", "-s", "-p" ];
    pipe = "$pipe-$dir";
  }
  , { name = "$dir-mux";
    listen = { path = "$T/$dir-mux.sock"; };
    mode = "mux";
    relay = { path = "$T/nprelay-mux"; cwd = "$T"; };
    relay_args = [ "-ep", "-s", "-p" ];
    pipe = "$pipe-$dir";
  }
ROUTES
done)
);
CONF
bg router "$router" run -c "$T/bench.conf"
router_pid=$BG_PID
wait_for 20 "the router's socket" test -S "$T/router.sock"
wait_for 20 "the router's mux socket" test -S "$T/mux.sock"
# The mux routes' relays, one each: the router's only children until a
# spawn route serves its first connection.
mux_pids=()
wait_for 20 "the three mux relays" eval 'mux_pids=($(pgrep -P "$router_pid")); ((${#mux_pids[@]} == 3))'
# The prefix's wineserver: its working folder is named after the
# prefix's device and inode.
ws_dir=server-$(printf '%s-%x' "$(stat -c %D "$WINEPREFIX")" "$(stat -c %i "$WINEPREFIX")")
ws_pid=
for p in $(pgrep wineserver); do
	[[ $(readlink "/proc/$p/cwd") == */"$ws_dir" ]] && ws_pid=$p
done
[[ -n $ws_pid ]] || die "cannot find the wineserver of $WINEPREFIX"

head -c "$REQ" /dev/zero | tr '\0' x >"$T/req"

# one PATH: one timed connection (or process start for "start"); appends
# its microseconds to $T/PATH.us. A failure (exit status, or an echo that
# differs) is counted in fails[PATH] and kept in $T/PATH.failures with its
# stderr, not timed; more than 5 % failures of a path stop the run.
declare -A fails=([start]=0 [socat]=0 [router]=0 [mux]=0)
one() {
	local path=$1 t0 t1 rc=0
	rm -f "$T/reply"
	t0=${EPOCHREALTIME//[!0-9]/}
	case $path in
	start)
		timeout 60 "$wine" "$relay" --version </dev/null >"$T/reply" 2>"$T/one.stderr"
		;;
	socat | router | mux)
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
# Each round runs the four in a rotated order, so none always comes right
# after the same other one (a relay of the previous connection may still
# be exiting).
orders=("start socat router mux" "socat router mux start"
	"router mux start socat" "mux start socat router")
for ((i = 0; i < WARMUP + N; i++)); do
	((i == WARMUP)) && rm -f "$T/start.us" "$T/socat.us" "$T/router.us" "$T/mux.us"
	for p in ${orders[i % 4]}; do
		one "$p"
	done
done

# (e): one process, its own clock around each connection; the first
# WARMUP lines are dropped.
note "relay bench: $WARMUP warm-up + $N connections inside pipeloop.exe"
timeout 600 "$wine" "$pipeloop" --name "$pipe" --count $((WARMUP + N)) \
	--size "$REQ" </dev/null >"$T/limit.raw" 2>"$T/limit.err" ||
	die "pipeloop.exe failed: $(cat "$T/limit.err")"
tail -n +$((WARMUP + 1)) "$T/limit.raw" | tr -d '\r' >"$T/limit.us"
(($(wc -l <"$T/limit.us") == N)) || die "pipeloop.exe gave $(wc -l <"$T/limit.us") times, not $N"

# (f) and (g): the mux and the spawn route from one Linux process, each
# connection as one() makes it (connect, REQ bytes, half-close, echo to
# EOF, close), the two routes taking turns; one line per connection,
# "ROUTE MICROSECONDS".
note "relay bench: $WARMUP warm-up + $N connections each to the mux and the spawn route from one client process"
cat >"$T/loop.py" <<'PY'
import socket, sys, time
paths, count, size = sys.argv[1:3], int(sys.argv[3]), int(sys.argv[4])
req = b"x" * size
for i in range(count):
    for k, path in enumerate(paths):
        t0 = time.perf_counter()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(path)
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        if got != req:
            sys.exit("%s: connection %d: the echo differs (%d bytes)" % (path, i + 1, len(got)))
        print(k, int((time.perf_counter() - t0) * 1e6))
PY
timeout 1800 python3 "$T/loop.py" "$T/mux.sock" "$T/router.sock" $((WARMUP + N)) "$REQ" \
	</dev/null >"$T/loop.raw" 2>"$T/loop.err" ||
	die "the client loop failed: $(cat "$T/loop.err")"
awk '$1 == 0 { print $2 }' "$T/loop.raw" | tail -n +$((WARMUP + 1)) >"$T/muxloop.us"
awk '$1 == 1 { print $2 }' "$T/loop.raw" | tail -n +$((WARMUP + 1)) >"$T/spawnloop.us"

# stats PATH: "conn/s p50 p90 p99 max" (ms) from $T/PATH.us, nearest rank.
stats() {
	sort -n "$T/$1.us" | awk '
		{ v[NR] = $1; sum += $1 }
		function rank(p,  k) { k = int(p * NR / 100); if (k < p * NR / 100) k++; return v[k < 1 ? 1 : k] / 1000 }
		END { printf "%.1f %.1f %.1f %.1f %.1f\n", NR / (sum / 1e6), rank(50), rank(90), rank(99), v[NR] / 1000 }'
}

# cpu_ticks: user + system clock ticks of everything that carries the
# bytes on this side of the clients: socat and the router with their
# reaped children (the spawned relays), the mux relay, the wineserver and
# pipesrv.exe. Transfers run one path at a time, so a difference is that
# path's; unlike the wall time it hardly depends on the machine's load.
cpu_ticks() {
	local p t=0 v
	for p in "$socat_pid" "$router_pid" "${mux_pids[@]}" "$ws_pid" "${pipesrv_pids[@]}"; do
		v=$(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)

# bulk PATH: seconds of one echo transfer of SIZE, as the client timed it,
# and the CPU seconds it took (cpu_ticks; the spawned relay reaped).
bulk() {
	local out secs c0 c1
	c0=$(cpu_ticks)
	out=$(timeout 905 "$peer" client "$T/$1.sock" --timeout 900 \
		--send-bytes "$SIZE" --expect-bytes "$SIZE" --stats \
		</dev/null 2>>"$T/client.err") || die "$1: bulk transfer failed"
	sleep 0.5
	c1=$(cpu_ticks)
	secs=${out##*seconds=}
	echo "${secs%% *} $(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')"
}

# oneway ROUTE up|down: bulk's figures for SIZE in one direction only.
oneway() {
	local out args=(--send-bytes "$SIZE") c0 c1 secs
	[[ $2 == down ]] && args=(--expect-bytes "$SIZE")
	c0=$(cpu_ticks)
	out=$(timeout 905 "$peer" client "$T/$2-$1.sock" --timeout 900 \
		"${args[@]}" --stats </dev/null 2>>"$T/client.err") ||
		die "$2-$1: one-way transfer failed"
	sleep 0.5
	c1=$(cpu_ticks)
	secs=${out##*seconds=}
	echo "${secs%% *} $(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')"
}

# parallel PATH: seconds from the start of PAR clients at once, each
# echoing PSIZE, to the end of the last.
parallel() {
	local t0 t1 c0 c1 k cpids=() rc=0
	c0=$(cpu_ticks)
	t0=${EPOCHREALTIME//[!0-9]/}
	for ((k = 0; k < PAR; k++)); do
		timeout 905 "$peer" client "$T/$1.sock" --timeout 900 \
			--send-bytes "$PSIZE" --expect-bytes "$PSIZE" \
			</dev/null >/dev/null 2>>"$T/client.err" &
		cpids+=($!)
	done
	for k in "${cpids[@]}"; do
		wait "$k" || rc=1
	done
	((rc == 0)) || die "$1: a parallel transfer failed"
	t1=${EPOCHREALTIME//[!0-9]/}
	sleep 0.5
	c1=$(cpu_ticks)
	awk -v us=$((10#$t1 - 10#$t0)) -v t=$((c1 - c0)) -v hz="$hz" \
		'BEGIN { printf "%.6f %.2f\n", us / 1e6, t / hz }'
}

# keep_best KIND PATH SECONDS: the least SECONDS per KIND and PATH.
declare -A best=()
keep_best() {
	if [[ -z ${best[$1.$2]:-} ]] ||
		awk -v a="$3" -v b="${best[$1.$2]}" 'BEGIN { exit !(a < b) }'; then
		best[$1.$2]=$3
	fi
}

note "relay bench: bulk, $SIZE each way at once, best of $REPEAT per path, taking turns"
for ((i = 0; i < REPEAT; i++)); do
	for p in ${orders[i % 4]}; do
		[[ $p == start ]] && continue
		read -r secs cpu < <(bulk "$p")
		keep_best bulk "$p" "$secs"
		keep_best bulkcpu "$p" "$cpu"
	done
done
note "relay bench: one way, $SIZE up and down, best of $REPEAT per path, taking turns"
for ((i = 0; i < REPEAT; i++)); do
	for d in up down; do
		for p in spawn mux; do
			read -r secs cpu < <(oneway "$p" "$d")
			keep_best "$d" "$p" "$secs"
			keep_best "${d}cpu" "$p" "$cpu"
		done
	done
done
note "relay bench: $PAR parallel clients of $PSIZE each, best of $REPEAT per path, taking turns"
for ((i = 0; i < REPEAT; i++)); do
	for p in ${orders[i % 4]}; do
		[[ $p == start ]] && continue
		read -r secs cpu < <(parallel "$p")
		keep_best par "$p" "$secs"
		keep_best parcpu "$p" "$cpu"
	done
done

read -r a_rate a50 a90 a99 amax < <(stats start)
read -r b_rate b50 b90 b99 bmax < <(stats socat)
read -r c_rate c50 c90 c99 cmax < <(stats router)
read -r d_rate d50 d90 d99 dmax < <(stats mux)
read -r e_rate e50 e90 e99 emax < <(stats limit)
read -r f_rate f50 f90 f99 fmax < <(stats muxloop)
read -r g_rate g50 g90 g99 gmax < <(stats spawnloop)
ratio() { awk -v c="$1" -v b="$2" 'BEGIN { printf "%.2f", c / b }'; }
# mbps_of SECONDS BYTES
mbps_of() { awk -v b="$2" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }

printf 'npiperouter relay bench: %s, %s CPU(s), socat %s, pipesrv.exe message mode, relay -ep -s -p\n' \
	"$(wine --version 2>/dev/null)" "$(nproc)" \
	"$("$socat" -V | awk '/socat version/ { print $3 }')"
printf 'connections: %s sequential per path after %s warm-up, %s-byte request echoed, (a)-(d) taking turns, then (e), then (f) and (g) taking turns\n' \
	"$N" "$WARMUP" "$REQ"
printf '(failed: of all %s attempts, not timed)\n' "$((N + WARMUP))"
row() { printf '%-40s %8s %8s %8s %8s %8s %8s\n' "$@"; }
row path conn/s "p50 ms" "p90 ms" "p99 ms" "max ms" failed
row "(a) wine nprelay.exe --version only" "$a_rate" "$a50" "$a90" "$a99" "$amax" "${fails[start]}"
row "(b) socat EXEC:wine nprelay.exe,nofork" "$b_rate" "$b50" "$b90" "$b99" "$bmax" "${fails[socat]}"
row "(c) npiperouter spawn + nprelay.exe" "$c_rate" "$c50" "$c90" "$c99" "$cmax" "${fails[router]}"
row "(d) npiperouter mux + nprelay.exe --mux" "$d_rate" "$d50" "$d90" "$d99" "$dmax" "${fails[mux]}"
row "(e) limit: pipeloop.exe, one process" "$e_rate" "$e50" "$e90" "$e99" "$emax" 0
row "(f) (d) from one client process" "$f_rate" "$f50" "$f90" "$f99" "$fmax" 0
row "(g) (c) from one client process" "$g_rate" "$g50" "$g90" "$g99" "$gmax" 0
row "ratio c/b" "$(ratio "$c_rate" "$b_rate")" "$(ratio "$c50" "$b50")" "$(ratio "$c90" "$b90")" \
	"$(ratio "$c99" "$b99")" "$(ratio "$cmax" "$bmax")" ""
row "ratio d/c (mux/spawn)" "$(ratio "$d_rate" "$c_rate")" "$(ratio "$d50" "$c50")" "$(ratio "$d90" "$c90")" \
	"$(ratio "$d99" "$c99")" "$(ratio "$dmax" "$cmax")" ""
row "ratio e/d (limit/mux)" "$(ratio "$e_rate" "$d_rate")" "$(ratio "$e50" "$d50")" "$(ratio "$e90" "$d90")" \
	"$(ratio "$e99" "$d99")" "$(ratio "$emax" "$dmax")" ""
row "ratio e/f (limit/mux, one process)" "$(ratio "$e_rate" "$f_rate")" "$(ratio "$e50" "$f50")" "$(ratio "$e90" "$f90")" \
	"$(ratio "$e99" "$f99")" "$(ratio "$emax" "$fmax")" ""
row "ratio f/g (mux/spawn, one process)" "$(ratio "$f_rate" "$g_rate")" "$(ratio "$f50" "$g50")" "$(ratio "$f90" "$g90")" \
	"$(ratio "$f99" "$g99")" "$(ratio "$fmax" "$gmax")" ""
printf '\nbulk: %s sent and echoed back at once, best of %s\n' "$SIZE" "$REPEAT"
printf '%-40s %8s %8s %8s\n' path seconds "MB/s" "CPU s"
for p in socat router mux; do
	printf '%-40s %8s %8s %8s\n' "$p" "${best[bulk.$p]}" "$(mbps_of "${best[bulk.$p]}" "$bytes")" \
		"${best[bulkcpu.$p]}"
done
printf '%-40s %8s %8s %8s\n' "ratio c/b" "" "$(ratio "${best[bulk.socat]}" "${best[bulk.router]}")" \
	"$(ratio "${best[bulkcpu.router]}" "${best[bulkcpu.socat]}")"
printf '%-40s %8s %8s %8s\n' "ratio d/c (mux/spawn)" "" "$(ratio "${best[bulk.router]}" "${best[bulk.mux]}")" \
	"$(ratio "${best[bulkcpu.mux]}" "${best[bulkcpu.router]}")"
printf '\none way: %s from the client to a sink pipe (up), from a source pipe in 64 KiB messages (down), best of %s\n' \
	"$SIZE" "$REPEAT"
printf '%-40s %8s %8s %8s\n' path seconds "MB/s" "CPU s"
for d in up down; do
	for p in spawn mux; do
		printf '%-40s %8s %8s %8s\n' "$d $p" "${best[$d.$p]}" "$(mbps_of "${best[$d.$p]}" "$bytes")" \
			"${best[${d}cpu.$p]}"
	done
	printf '%-40s %8s %8s %8s\n' "ratio $d mux/spawn" "" "$(ratio "${best[$d.spawn]}" "${best[$d.mux]}")" \
		"$(ratio "${best[${d}cpu.mux]}" "${best[${d}cpu.spawn]}")"
done
printf '\nparallel: %s clients at once, %s each sent and echoed back, best of %s, aggregate\n' \
	"$PAR" "$PSIZE" "$REPEAT"
printf '%-40s %8s %8s %8s\n' path seconds "MB/s" "CPU s"
for p in socat router mux; do
	printf '%-40s %8s %8s %8s\n' "$p" "${best[par.$p]}" "$(mbps_of "${best[par.$p]}" $((PAR * pbytes)))" \
		"${best[parcpu.$p]}"
done
printf '%-40s %8s %8s %8s\n' "ratio d/c (mux/spawn)" "" "$(ratio "${best[par.router]}" "${best[par.mux]}")" \
	"$(ratio "${best[parcpu.mux]}" "${best[parcpu.router]}")"
for p in start socat router mux; do
	[[ -s $T/$p.failures ]] || continue
	note "relay bench: $p: ${fails[$p]} failed (not timed), first ones:"
	head -n 20 "$T/$p.failures" >&2
done
