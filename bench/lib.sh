# What the bench scripts share; sourced by them, not run. Messages name the
# script that sources it ($0).

# bench_usage ENV: the usage line, ENV the variables and their defaults.
bench_usage() {
	echo "usage: $0 BUILD_DIR   (env $1)" >&2
	exit 2
}

# bench_need_tools TOOL...: stops unless each TOOL is installed.
bench_need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$0: $t is not installed" >&2; exit 1; }
	done
}

# bench_bytes SIZE: SIZE (N, NM or NG) in bytes.
bench_bytes() {
	case $1 in
	*G) echo $((${1%G} * 1024 * 1024 * 1024)) ;;
	*M) echo $((${1%M} * 1024 * 1024)) ;;
	*) echo "$1" ;;
	esac
}

# bench_tmp NAME: T, a new folder /tmp/NAME.*, and pids, the background
# processes to stop; on exit they are stopped and T is deleted.
bench_tmp() {
	T=$(mktemp -d "/tmp/$1.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
}

bench_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$T"
}

# bench_wine_build DIR: build (DIR made absolute) and the programs of a
# build with the relay (-DNPR_RELAY=ON -DNPR_TESTS=ON): router, peer,
# relay, pipesrv, pipeloop; stops when a folder or one of them is
# missing.
bench_wine_build() {
	local f
	[[ -d $1 ]] || { echo "$0: $1: no such folder" >&2; exit 1; }
	build=$(cd "$1" && pwd)
	router=$build/router/npiperouter
	peer=$build/tests/tools/nptest-peer
	relay=$build/relay-build/nprelay.exe
	pipesrv=$build/relay-build/wine-helpers/pipesrv.exe
	pipeloop=$build/relay-build/wine-helpers/pipeloop.exe
	for f in "$router" "$peer" "$relay" "$pipesrv" "$pipeloop"; do
		[[ -e $f ]] || {
			echo "$0: $f not found: build $build with -DNPR_RELAY=ON -DNPR_TESTS=ON" >&2
			exit 1
		}
	done
}

# bench_wine_tmp NAME: T, a new folder /tmp/NAME.* with a throw-away
# WINEPREFIX and XDG_RUNTIME_DIR in it, made the current folder; pids,
# the background processes to stop. On exit those are stopped, then every
# process of the prefix (wineserver -k); a failed run shows the ends of
# $T/*.err and *.log; T is deleted, or only its prefix with
# NPR_KEEP_TMP=1.
bench_wine_tmp() {
	T=$(mktemp -d "/tmp/$1.XXXXXX")
	export WINEPREFIX=$T/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
	export XDG_RUNTIME_DIR=$T/rt
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	cd "$T"
	pids=()
	wine_up=0
	trap bench_wine_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_wine_cleanup() {
	local rc=$? p
	set +e
	trap - EXIT INT TERM
	cd /
	{
		for p in "${pids[@]}"; do
			kill -TERM "$p"
		done
		# pipe servers, relays still running, services.exe & co.
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
		echo "$0: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}

# bench_wine_up [TRACE]: the prefix's wineserver, its stderr into TRACE
# (else dropped), then wineboot --init. Persistent for 10 min after its
# last client, so an aborted run does not leave it forever; the exit
# trap kills it.
bench_wine_up() {
	mkdir -p "$WINEPREFIX"
	wineserver -p600 </dev/null >/dev/null 2>"${1:-/dev/null}" ||
		die "wineserver -p did not start"
	wine_up=1
	timeout 300 wine wineboot.exe --init </dev/null >"$T/wineboot.log" 2>&1 ||
		die "wineboot --init failed"
}

die() { echo "$0: $*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

# wait_for SECONDS WHAT CMD...: polls CMD every 50 ms, else stops.
wait_for() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		((SECONDS < deadline)) || die "timed out waiting for $what"
		sleep 0.05
	done
}

# wait_socket PATH: waits up to 10 s for the socket PATH, else stops.
wait_socket() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -S $1 ]] && return 0
		sleep 0.05
	done
	echo "$0: $1 did not appear" >&2
	exit 1
}

# mbps SECONDS: MB/s (10^6 bytes/s) of $bytes in SECONDS.
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }
