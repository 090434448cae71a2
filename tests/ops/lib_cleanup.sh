#!/bin/bash
# The test libraries clean up after a failing test. For each library, a
# throw-away test sources it, starts what such tests start (background
# commands, a nested one, the router with a relay child and a client, a
# `start`ed daemon, gpg-agent, a Wine program) and then fails on purpose.
# Afterwards no process of it may remain, its temporary folder must be
# gone, and its logs must have been printed.
#
# A process counts as the throw-away test's when its environment holds
# NPR_META_MARK=<this run's mark> or its command line names that test's
# temporary folder (relays get a clean environment, not ours).
#
# LIB_CLEANUP_SET=wine (lib_cleanup_wine.sh) checks the Wine libraries
# instead, inside the wine fixture.
. "$(dirname "$0")/lib.sh"

TESTS=$(cd "$(dirname "$0")/.." && pwd)
MARK=meta$$x$RANDOM
SET=${LIB_CLEANUP_SET:-plain}

# marked CHILD_T: print "pid cmdline" for each live process of the child.
marked() {
	local d pid cmd env
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		alive "$pid" || continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
		env=$(tr '\0' '\n' 2>/dev/null <"$d/environ") || env=
		if grep -qx "NPR_META_MARK=$MARK" <<<"$env" ||
			[[ -n $1 && $cmd == *"$1"* ]]; then
			printf '%s %s\n' "$pid" "$cmd"
		fi
	done
}
_none_marked() { [[ -z $(marked "$1") ]]; }

# child NAME PRELUDE BODY: write $T/NAME.sh, a test that sources the
# libraries in PRELUDE (paths under tests/), runs BODY, then fails.
child() {
	local name=$1 prelude=$2 body=$3 lib
	{
		printf '#!/bin/bash\n'
		for lib in $prelude; do
			printf '. %q\n' "$TESTS/$lib"
		done
		# tests/lib/common.sh alone makes no folder: a test of it does.
		[[ $prelude == lib/common.sh ]] && printf 'T=$(mktemp -d /tmp/npm-XXXXXX)\n'
		printf 'printf "%%s\\n" "$T" >%q\n' "$T/$name.t"
		printf 'printf "log line %s\\n" >"$T/meta.err"\n' "$MARK"
		printf 'bg sleeper sleep 300\n'
		printf 'bg nested bash -c "sleep 301 & sleep 302 & wait"\n'
		printf '%s\n' "$body"
		printf 'fail "deliberate failure %s"\n' "$MARK"
	} >"$T/$name.sh"
}

# check NAME [wine]: run the child test NAME (with Wine's run.sh, as
# ctest runs Wine tests, when told) and check what it left behind.
check() {
	local name=$1 st=0 ct left
	local -a cmd=(bash "$T/$name.sh")
	[[ ${2:-} == wine ]] && cmd=(bash "$TESTS/wine/run.sh" "$T/$name.sh" 80)
	NPR_META_MARK=$MARK timeout -k 5 90 "${cmd[@]}" </dev/null \
		>"$T/$name.out" 2>&1 || st=$?
	ct=$(cat "$T/$name.t" 2>/dev/null) || fail "$name: did not get as far as its folder: $(tail -n 20 "$T/$name.out")"
	[[ -n $ct ]] || fail "$name: no temporary folder"
	grep -qF "FAIL: deliberate failure $MARK" "$T/$name.out" ||
		fail "$name: did not fail as meant ($st): $(tail -n 30 "$T/$name.out")"
	((st == 1)) || fail "$name: exit status $st, want 1: $(tail -n 30 "$T/$name.out")"
	grep -qF "log line $MARK" "$T/$name.out" ||
		fail "$name: its logs were not printed: $(cat "$T/$name.out")"
	# The kills are synchronous, but a daemon's own stop (gpgconf) may
	# take a moment.
	if ! _none_marked "$ct"; then
		sleep 3
		left=$(marked "$ct")
		[[ -z $left ]] || fail "$name: processes left behind: $left"
	fi
	[[ ! -e $ct ]] || fail "$name: left its folder $ct"
	log "$name: cleaned up"
}

# What a test of the integration or ops library runs: the router with a
# route to a backend and a client held open, so a relay child is running.
router_body='start_backend backend echo "$T/backend.sock"
socat_conf a
start_router "$T/r.conf" "$T/a.sock"
bg held "$NPTEST_PEER" client "$T/a.sock" --timeout 200 --send-random 1K --hold-until "$T/never" --out "$T/held.got"
wait_until 10 "the relay child" test -s "$T/held.got"'

if [[ $SET == plain ]]; then
	need gpg-agent gpgconf
	child common lib/common.sh ''
	check common
	child integration integration/lib.sh "$router_body"
	check integration
	# ops: also a `start`ed daemon, which leaves our process tree.
	child ops ops/lib.sh "$router_body"'
sed "s|$T/a.sock|$T/d.sock|" "$T/r.conf" >"$T/d.conf"
DAEMON_CONF=$T/d.conf
"$NPIPEROUTER" start -c "$T/d.conf" >"$T/start.out" || fail "start failed"
wait_until 10 "the daemon socket" test -S "$T/d.sock"'
	check ops
	# adapters: gpg-agent leaves the process tree as well (CLEANUPS).
	child adapters adapters/lib.sh start_gpg_agent
	check adapters
else
	need_env NPRELAY_EXE -f "nprelay.exe"
	# wine: a Wine program, run through run.sh as ctest runs Wine tests.
	child wine wine/lib.sh 'start_pipesrv srv --name "$(pipe_name srv)" --mode byte'
	check wine wine
	# adapters/wine: the adapter library, then its Wine additions.
	child adapters_wine "adapters/lib.sh adapters/wine/lib.sh" \
		'bg relay wine "$NPRELAY_EXE" -v -p "//./pipe/nprtest-meta-$$"
wait_until 30 "nprelay.exe to wait for its pipe" grep -q "does not exist yet" "$T/relay.err"'
	check adapters_wine wine
fi
log "ok"
