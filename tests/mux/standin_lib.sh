# shellcheck shell=bash
# Sourced by the stand-in relay's tests (standin*.sh): tests/lib/common.sh,
# the programs, a backend helper and `check`, which runs mux-check against
# the stand-in and keeps its transcript.
#
# Environment (set by ctest): MUX_CHECK, NPTEST_MUXRELAY, NPTEST_PEER;
# STANDIN_VALGRIND=1 runs every stand-in under valgrind; CHECK_TIMEOUT
# bounds each mux-check run (seconds, default 120).

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

need_env MUX_CHECK -x "the mux-check binary"
need_env NPTEST_MUXRELAY -x "the stand-in relay binary"
need_env NPTEST_PEER -x "the test peer binary"
need timeout sha256sum
T=$(mktemp -d "${NPR_TEST_TMP:-/tmp}/npr-mux-XXXXXX")

RELAY=("$NPTEST_MUXRELAY")
if [[ ${STANDIN_VALGRIND:-0} == 1 ]]; then
	need valgrind
	# Exit status 99 on any memory error or definite leak.
	RELAY=(valgrind --quiet --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite --show-leak-kinds=definite
		"$NPTEST_MUXRELAY")
fi

# backend NAME MODE [OPTIONS...]: an nptest-peer server on $T/NAME.sock.
backend() {
	local name=$1 mode=$2
	shift 2
	bg "$name" "$NPTEST_PEER" "$mode" "$T/$name.sock" "$@"
	local pid=$BG_PID
	wait_until 10 "backend $name" _listening "$pid" "$T/$name.sock" "$name"
}

# check NAME MUX-CHECK-OPTIONS... -- RELAY-OPTIONS...: mux-check against
# the stand-in (started as `nptest-muxrelay --mux RELAY-OPTIONS`); the
# transcript goes to $T/NAME.out, the stand-in's stderr to $T/NAME.err.
# The stand-in must end with status $EXIT (default 0) and without a
# sanitizer or valgrind report.
check() {
	local name=$1
	shift
	local -a mine=()
	while (($#)) && [[ $1 != -- ]]; do
		mine+=("$1")
		shift
	done
	shift
	timeout -k 2 "${CHECK_TIMEOUT:-120}" "$MUX_CHECK" "${mine[@]}" -- "${RELAY[@]}" --mux "$@" \
		>"$T/$name.out" 2>"$T/$name.err" ||
		fail "mux-check $name failed: $(cat "$T/$name.err")"
	! grep -qx 'exit 99' "$T/$name.out" ||
		fail "$name: valgrind found errors in the stand-in: $(cat "$T/$name.err")"
	! grep -qE 'Sanitizer|runtime error' "$T/$name.err" ||
		fail "$name: a sanitizer report: $(cat "$T/$name.err")"
	[[ $(tail -n 1 "$T/$name.out") == "exit ${EXIT:-0}" ]] ||
		fail "$name: the stand-in did not end with status ${EXIT:-0}: $(tail -n 3 "$T/$name.out")"
	log "$name: $(tr '\n' '|' <"$T/$name.out" | cut -c1-300)"
}

# has NAME LINE: the transcript of check NAME has LINE, whole.
has() {
	grep -qxF -- "$2" "$T/$1.out" ||
		fail "$1: no line '$2' in: $(cat "$T/$1.out")"
}

# count NAME REGEX: how many lines of the transcript match.
count() { grep -cE -- "$2" "$T/$1.out" || true; }
