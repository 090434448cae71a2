#!/bin/bash
# Fixture "wine" (setup): a fresh, throw-away WINEPREFIX and a persistent
# wineserver shared by every Wine test, so the slow `wineboot --init`
# (15-25 s on two cores) runs once per ctest run.  cleanup.sh ends it.
set -euo pipefail

fail() { echo "setup: FAIL: $*" >&2; exit 1; }
for t in wine wineserver timeout; do
	command -v "$t" >/dev/null 2>&1 ||
		fail "required tool '$t' is not installed (Debian: apt-get install wine)"
done
[[ ${WINEPREFIX:-} == */wineprefix ]] ||
	fail "WINEPREFIX must end in /wineprefix (got '${WINEPREFIX:-}')"
export WINEPREFIX WINEDEBUG=-all
# No Mono or Gecko installer prompts: the tests need neither.
export WINEDLLOVERRIDES="mscoree,mshtml="

# A server left over from an aborted run of this same prefix.
wineserver -k >/dev/null 2>&1 || true
rm -rf "$WINEPREFIX"
mkdir -p "$WINEPREFIX"
log=$(dirname "$WINEPREFIX")/wineboot.log

t0=$SECONDS
# Persistent for 10 minutes after the last client: the tests keep it busy,
# cleanup.sh kills it, and an interrupted run does not leave it forever.
# Its descriptors are /dev/null so it holds nobody's pipe.
wineserver -p600 </dev/null >/dev/null 2>&1 || fail "wineserver -p did not start"
# wineboot also starts services.exe and friends; they live as long as the
# server, with their output going to the log file, never to a test.
timeout 300 wine wineboot.exe --init </dev/null >"$log" 2>&1 ||
	fail "wineboot --init failed, see $log"
[[ -d $WINEPREFIX/drive_c/windows/system32 ]] ||
	fail "wineboot made no C:\\windows\\system32, see $log"
echo "setup: WINEPREFIX $WINEPREFIX ready in $((SECONDS - t0)) s"
