# Sourced by every adapter test: a temporary directory, background
# processes that never outlive the test, bounded waits, loud failures.
# The tests run the real npiperouter with the real plugins, socat as the
# relay child, and the real OpenSSH and GnuPG programs.
#
# Environment (set by ctest, see CMakeLists.txt):
#   NPIPEROUTER             the router binary under test
#   NPIPEROUTER_PLUGIN_DIR  the plugins built in this tree
#   NPR_ADAPTER_TEST_DIR    the test-only plugins (wrong ABI, ...)
#   NPR_ETC_DIR             the example configs
#   NPR_KEEP_TMP=1          keep the temporary directory

set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
BG_PIDS=()
CLEANUPS=()
ROUTER_PID=
ROUTER_LOG=
T=

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }

fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# need TOOL...: a test that cannot run fails; it never passes silently.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			fail "required tool '$t' is not installed (see scripts/deps.sh)"
	done
}

# descendants PID...: set DESC to every live descendant of the pids.
descendants() {
	local -A kids=()
	local -a queue=("$@")
	local d line rest p q
	for d in /proc/[0-9]*; do
		line=
		{ read -r line <"$d/stat"; } 2>/dev/null || continue
		rest=${line##*) }
		rest=${rest#* }
		rest=${rest%% *}
		kids[$rest]+=" ${d#/proc/}"
	done
	DESC=()
	while ((${#queue[@]} > 0)); do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		for q in ${kids[$p]:-}; do
			DESC+=("$q")
			queue+=("$q")
		done
	done
}

cleanup() {
	local rc=$? c f pass
	set +e
	trap - EXIT INT TERM
	# Daemons that left our process tree (gpg-agent) have their own stop.
	for c in "${CLEANUPS[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	# Quietly: no "Killed" job notices in the test output.
	{
		for pass in 1 2; do
			descendants "$$"
			((${#DESC[@]} == 0)) && break
			kill -KILL "${DESC[@]}"
		done
		for pass in "${BG_PIDS[@]}"; do
			wait "$pass"
		done
	} 2>/dev/null
	if ((rc != 0)) && [[ -n $T && -d $T ]]; then
		log "exit status $rc; logs of $T follow"
		for f in "$T"/*.err "$T"/*.log; do
			[[ -s $f ]] || continue
			printf -- '--- %s (last 40 lines)\n' "${f##*/}" >&2
			tail -n 40 "$f" >&2
		done
	fi
	if [[ -n $T && ${NPR_KEEP_TMP:-0} != 1 ]]; then
		rm -rf "$T"
	elif [[ -n $T ]]; then
		log "kept $T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ -n ${NPIPEROUTER:-} && -x $NPIPEROUTER ]] ||
	fail "NPIPEROUTER must name the router binary (got '${NPIPEROUTER:-}')"
[[ -n ${NPIPEROUTER_PLUGIN_DIR:-} && -d $NPIPEROUTER_PLUGIN_DIR ]] ||
	fail "NPIPEROUTER_PLUGIN_DIR must name the built plugins (got '${NPIPEROUTER_PLUGIN_DIR:-}')"
need socat timeout od
# Socket paths must fit in sun_path (108 bytes): keep the directory short.
T=$(mktemp -d /tmp/npa-XXXXXX)

# bg NAME CMD...: run CMD in the background, output to $T/NAME.out and
# $T/NAME.err. Sets BG_PID.
bg() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

alive() {
	local line state
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	state=${line##*) }
	state=${state%% *}
	[[ $state != Z && $state != X ]]
}

# wait_until SECONDS WHAT CMD...: poll CMD every 50 ms.
wait_until() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for $what"
		sleep 0.05
	done
}

_listening() {
	[[ -S $2 ]] && return 0
	alive "$1" || fail "$3 exited early: $(cat "$T/$3.err" 2>/dev/null)"
	return 1
}

# route NAME ADAPTER_GROUP PIPE: one route of a config, socat as relay
# (routes are separated by commas; libconfig allows no trailing one).
route() {
	cat <<-CONF
	  { name = "$1";
	    listen = { path = "$T/$1.sock"; };
	    relay = { path = "$(command -v socat)"; };
	    relay_args = [ "-t", "30", "-" ];
	    pipe = "$3";
	    adapter = $2; }
	CONF
}

# start_router CONF SOCKET...: returns once every SOCKET exists.
start_router() {
	local conf=$1 s
	shift
	bg router "$NPIPEROUTER" run -c "$conf" -v
	ROUTER_PID=$BG_PID
	ROUTER_LOG=$T/router.err
	for s in "$@"; do
		wait_until 15 "router socket $s" _listening "$ROUTER_PID" "$s" router
	done
}

router_alive() {
	alive "$ROUTER_PID" || fail "the router died: $(tail -n 20 "$ROUTER_LOG")"
}

log_has() { grep -qF -- "$1" "$ROUTER_LOG"; }
wait_log() { wait_until "$1" "router log line '$2'" log_has "$2"; }

# send_raw SOCKET FORMAT: send printf FORMAT's bytes, then EOF, and print
# the answer in hex (the connection's end, within 10 s, ends it).
send_raw() {
	# shellcheck disable=SC2059
	printf "$2" | timeout 10 socat -t 5 - "UNIX-CONNECT:$1" | od -An -tx1 |
		tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# ask_raw SOCKET FORMAT N: send printf FORMAT's bytes and print the first
# N bytes of the answer in hex, without sending EOF first: OpenSSH's agent
# drops a connection at EOF with its answer unsent.
ask_raw() {
	# shellcheck disable=SC2059
	printf "$2" >"$T/ask.in"
	rm -f "$T/ask.out"
	timeout 10 socat -t 5 "UNIX-CONNECT:$1" \
		"SYSTEM:cat $T/ask.in; dd bs=$3 count=1 iflag=fullblock status=none of=$T/ask.out" ||
		true
	[[ -f $T/ask.out ]] || return 0
	od -An -tx1 "$T/ask.out" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}
