#!/bin/bash
# Where a relay's time goes under Wine: the wineserver requests each
# thread of the relay makes for one echoed stream, spawn against mux.
#
# Under Wine every overlapped pipe operation, every post to and wait on
# a completion port and every wait on a semaphore or event is a request
# to wineserver, another process: a round trip with two context
# switches. A thread that makes them one after the other is bound by
# their count. This script counts them: one SIZE echo through a spawned
# `nprelay.exe -ep -s -p` and one through `nprelay.exe --mux`, both from
# the router to pipesrv.exe (message mode), with WINEDEBUG=+server,
# whose trace wineserver writes for every request.
#
# Prints per relay thread the requests by name and in all. The trace
# slows everything down, so the seconds it prints are not throughput;
# bench/relay.sh measures that, without the trace.
#
# usage: bench/requests.sh BUILD_DIR   (configured with -DNPR_RELAY=ON -DNPR_TESTS=ON)
# env:   SIZE (default 8M), NPR_KEEP_TMP=1 keeps the trace in
#        /tmp/npr-requests.*
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || bench_usage "SIZE=8M"
bench_wine_build "$1"
SIZE=${SIZE:-8M}
bench_need_tools wine wineserver timeout
bytes=$(bench_bytes "$SIZE")
wine=$(command -v wine)

bench_wine_tmp npr-requests
# wineserver writes the trace of +server clients on its stderr.
bench_wine_up "$T/server.trace"

pipe=//./pipe/npr-requests-$$
wine "$pipesrv" --name "$pipe" --mode msg --timeout 3600 \
	</dev/null >"$T/pipesrv.log" 2>"$T/pipesrv.err" &
pids+=($!)
wait_for 60 "pipesrv.exe" grep -qsx ready "$T/pipesrv.log"

# Only the relays ask for the trace.
printf '#!/bin/sh\nWINEDEBUG=+server exec "%s" "%s" "$@"\n' "$wine" "$relay" >"$T/nprelay"
chmod +x "$T/nprelay"
cat >"$T/requests.conf" <<CONF
relay = { path = "$T/nprelay"; cwd = "$T"; };
routes = (
  { name = "spawn"; listen = { path = "$T/spawn.sock"; }; mode = "spawn";
    relay_args = [ "-ep", "-s", "-p" ]; pipe = "$pipe"; },
  { name = "mux"; listen = { path = "$T/mux.sock"; }; mode = "mux";
    relay_args = [ "-ep", "-s", "-p" ]; pipe = "$pipe"; }
);
CONF
"$router" run -c "$T/requests.conf" </dev/null >"$T/router.log" 2>"$T/router.err" &
pids+=($!)
wait_for 30 "the mux relay" grep -q 'route "mux": mux relay pid [0-9]* ready' "$T/router.err"

# echo PATH: one SIZE echo through route PATH; its trace is the bytes of
# server.trace from before it to after it, in $T/PATH.range.
echo_through() {
	local from to out
	from=$(stat -c %s "$T/server.trace")
	out=$(timeout 600 "$peer" client "$T/$1.sock" --timeout 600 \
		--send-bytes "$bytes" --expect-bytes "$bytes" --stats </dev/null) ||
		die "the echo through $1 failed"
	# The spawned relay's end and last requests.
	sleep 1
	to=$(stat -c %s "$T/server.trace")
	echo "$from $to" >"$T/$1.range"
	secs=${out##*seconds=}
	echo "${secs%% *}" >"$T/$1.secs"
}
echo_through spawn
echo_through mux

# count PATH: the requests of each relay thread within PATH's range. A
# thread belongs to the process of the thread that created it
# (new_thread) or that started (init_first_thread); a relay process is one
# that opened $pipe, pipesrv the one that created it.
count() {
	read -r from to <"$T/$1.range"
	awk -v from="$from" -v to="$to" -v pipe="${pipe##*/}" '
	function name(s) { sub(/\(.*/, "", s); return s }
	BEGIN {
		# The requests of the copy: waits, pipe I/O, the port, and
		# the semaphores and events of hand-offs between threads.
		nshown = split("select read write get_async_result " \
		    "add_completion remove_completion release_semaphore " \
		    "event_op", shown, " ")
	}
	{
		at += length($0) + 1
		tid = substr($1, 1, 4)
	}
	/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]: init_first_thread\(\) = / {
		match($0, /pid=[0-9a-f]+/)
		proc[tid] = substr($0, RSTART + 4, RLENGTH - 4)
	}
	/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]: new_thread\(\) = / && (tid in proc) {
		match($0, /tid=[0-9a-f]+/)
		proc[substr($0, RSTART + 4, RLENGTH - 4)] = proc[tid]
	}
	/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]: open_file_object\( / && index($0, pipe) {
		isrelay[proc[tid]] = 1
	}
	# A request, not its reply: "name( args )" with no " = " after the
	# call. Counted only inside the range.
	at > from && at <= to && /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]: [a-z_]+\( / && (tid in proc) {
		n[tid, name($2)]++
		total[tid]++
	}
	END {
		for (t in total) {
			if (!isrelay[proc[t]])
				continue
			printf "  thread %s (process %s): %d requests:", t, proc[t], total[t]
			rest = total[t]
			for (i = 1; i <= nshown; i++)
				if ((t, shown[i]) in n) {
					printf " %s %d", shown[i], n[t, shown[i]]
					rest -= n[t, shown[i]]
				}
			printf " other %d\n", rest
		}
	}' "$T/server.trace" | sort -t: -k2 -rn
}

echo "npiperouter wineserver requests: $(wine --version), one $SIZE echo through pipesrv.exe (message mode), relay -ep -s -p"
echo "spawn: one nprelay.exe for the connection ($(cat "$T/spawn.secs") s under the trace)"
count spawn
echo "mux: the route's nprelay.exe --mux, one stream ($(cat "$T/mux.secs") s under the trace)"
count mux
