#!/bin/bash
# Fixture "wine" (cleanup): end the Wine processes and the wineserver of
# the test prefix, then delete the prefix (about 700 MB) unless
# NPR_WINE_KEEP_PREFIX=1.
set -uo pipefail

[[ ${WINEPREFIX:-} == */wineprefix ]] || {
	echo "cleanup: FAIL: WINEPREFIX must end in /wineprefix" >&2
	exit 1
}
export WINEPREFIX WINEDEBUG=-all
rc=0
if [[ -d $WINEPREFIX ]]; then
	wineserver -k </dev/null >/dev/null 2>&1
	timeout 30 wineserver -w </dev/null >/dev/null 2>&1 || rc=$?
	if ((rc != 0)); then
		echo "cleanup: FAIL: wineserver still running after 30 s" >&2
	fi
fi
if [[ ${NPR_WINE_KEEP_PREFIX:-0} != 1 ]]; then
	rm -rf "$WINEPREFIX"
fi
echo "cleanup: wineserver stopped"
exit "$rc"
