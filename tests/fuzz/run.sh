#!/bin/bash
# run.sh FUZZER SEED_DIR RUNS: a short, fixed fuzzing run for ctest. New
# inputs go to a temporary directory (the seeds stay untouched); a crash
# leaves its reproducer there and is printed; the run fails loudly when
# the fuzzer was not built (clang missing).
set -euo pipefail
fuzzer=$1 seeds=$2 runs=$3
name=$(basename "$fuzzer")
if [[ ! -x $fuzzer ]]; then
	echo "$name: FAIL: $fuzzer was not built; the fuzzers need clang and" \
		"its libFuzzer runtime (Debian: apt-get install clang" \
		"libclang-rt-14-dev)" >&2
	exit 1
fi
[[ -d $seeds ]] || { echo "$name: FAIL: no seed directory $seeds" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/npr-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/tmp"
# A fixed seed keeps the run the same from one build to the next.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0
export LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
# The harness's temporary files go to $work/tmp, which must be empty
# again once the run is over.
if ! (cd "$work" && TMPDIR=$work/tmp "$fuzzer" -seed=1 -runs="$runs" -max_len=4096 \
	-print_final_stats=1 "$work/corpus" "$seeds") >"$work/log" 2>&1; then
	tail -n 60 "$work/log" >&2
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[[ -e $f ]] || continue
		echo "$name: reproducer $(basename "$f"), base64:" >&2
		base64 "$f" >&2
	done
	echo "$name: FAIL" >&2
	exit 1
fi
if [[ -n $(ls -A "$work/tmp") ]]; then
	echo "$name: FAIL: the run left files in TMPDIR: $(ls -A "$work/tmp")" >&2
	exit 1
fi
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' \
	"$work/log" >&2 || true
echo "$name: $runs runs, no crash"
