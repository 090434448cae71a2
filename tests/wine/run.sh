#!/bin/bash
# run.sh SCRIPT SECONDS: run one Wine test (SCRIPT: a path, or a name in
# this folder) with stdin from /dev/null and its output in a file that is
# printed when it ends.
#
# Why: Wine processes a test starts (wineserver, services.exe and the like,
# started on demand) can outlive the test and would inherit, and keep
# open, ctest's output pipe, so ctest would hang until its timeout.  A
# file has no reader waiting for EOF.  `timeout` stops the test (its EXIT
# trap kills what it started) a little before ctest would.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
script=$1
[[ $script == /* ]] || script=$dir/$script
secs=${2:-120}
out=$(mktemp "${TMPDIR:-/tmp}/nprwine-out.XXXXXX") || exit 1
rc=0
timeout -k 5 "$secs" bash "$script" </dev/null >"$out" 2>&1 || rc=$?
cat "$out"
rm -f "$out"
if ((rc == 124)); then
	echo "$(basename "$script"): FAIL: timed out after ${secs}s"
fi
exit "$rc"
