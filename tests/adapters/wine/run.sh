#!/bin/bash
# run.sh SCRIPT SECONDS: run one adapter Wine test with stdin from
# /dev/null and its output in a file printed at the end, so no Wine
# process (wineserver, services.exe) can keep ctest's pipe open; timeout
# stops the test (its EXIT trap kills what it started) before ctest would.
set -u
script=$1
secs=${2:-120}
out=$(mktemp "${TMPDIR:-/tmp}/npa-wine-out.XXXXXX") || exit 1
rc=0
timeout -k 5 "$secs" bash "$script" </dev/null >"$out" 2>&1 || rc=$?
cat "$out"
rm -f "$out"
((rc == 124)) && echo "$(basename "$script"): FAIL: timed out after ${secs}s"
exit "$rc"
