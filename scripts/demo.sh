#!/usr/bin/env bash
# The main job: build everything, then relay real traffic from a unix
# socket through npiperouter and nprelay.exe to a Windows named pipe and
# back. On plain Linux the Windows side (a named-pipe echo server and the
# relay) runs under Wine; on WSL it runs on Windows itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${NPR_BUILD_DIR:-$root/build}
say() { printf '\n== %s\n' "$*"; }

"$root/scripts/deps.sh"
say "building into $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNPR_RELAY=ON -DNPR_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

router=$build/router/npiperouter
peer=$build/tests/tools/nptest-peer
relay=$build/relay-build/nprelay.exe
pipesrv=$build/relay-build/wine-helpers/pipesrv.exe
for f in "$router" "$peer" "$relay" "$pipesrv"; do
	[[ -e $f ]] || { echo "demo: $f was not built" >&2; exit 1; }
done

work=$(mktemp -d /tmp/npr-demo-XXXXXX)
pids=()
wine_mode=0
cleanup() {
	local rc=$?
	set +e
	[[ ${#pids[@]} -gt 0 ]] && kill "${pids[@]}" 2>/dev/null && wait "${pids[@]}" 2>/dev/null
	((wine_mode)) && wineserver -k 2>/dev/null
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

pipe=//./pipe/npiperouter-demo-$$
if grep -qi microsoft /proc/version 2>/dev/null; then
	# WSL: Windows programs start fast only from a Windows drive.
	say "WSL detected: running the Windows side on Windows"
	windir=/mnt/c/Users/Public/npiperouter-demo
	mkdir -p "$windir"
	cp "$relay" "$pipesrv" "$windir/"
	relay_path=$windir/nprelay.exe
	start_pipesrv() { "$windir/pipesrv.exe" "$@"; }
else
	say "plain Linux: running the Windows side under Wine (a fresh prefix takes ~20 s)"
	wine_mode=1
	export WINEPREFIX=$work/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
	mkdir -p "$WINEPREFIX"
	wineserver -p60 </dev/null >/dev/null 2>&1 ||
		{ echo "demo: wineserver did not start" >&2; exit 1; }
	timeout 300 wine wineboot.exe --init </dev/null >"$work/wineboot.log" 2>&1 ||
		{ cat "$work/wineboot.log"; echo "demo: wineboot failed" >&2; exit 1; }
	# The router starts `relay.path` (as `relay.path --mux` for its one
	# long-lived relay, the default mode): a two-line wrapper stands in
	# for Windows' own start of an .exe.
	relay_path=$work/nprelay
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$(command -v wine)" "$relay" >"$relay_path"
	chmod +x "$relay_path"
	start_pipesrv() { wine "$pipesrv" "$@"; }
fi

say "starting a named-pipe echo server on $pipe (message mode, like Docker's)"
start_pipesrv --name "$pipe" --mode msg --timeout 300 </dev/null >"$work/pipesrv.log" 2>&1 &
pids+=($!)

cat >"$work/demo.conf" <<CONF
relay = { path = "$relay_path"; };
routes = (
  { name = "demo";
    listen = { path = "$work/demo.sock"; };
    pipe = "$pipe";
    relay_args = [ "-ep", "-s", "-p" ];
  }
);
CONF
export XDG_RUNTIME_DIR=$work/rt
mkdir -m 700 "$XDG_RUNTIME_DIR"
say "config $work/demo.conf"
"$router" check -c "$work/demo.conf"
"$router" run -c "$work/demo.conf" </dev/null 2>"$work/router.log" &
pids+=($!)
for _ in $(seq 100); do [[ -S $work/demo.sock ]] && break; sleep 0.1; done
[[ -S $work/demo.sock ]] || { cat "$work/router.log"; echo "demo: router did not start" >&2; exit 1; }

say "a message through $work/demo.sock -> nprelay.exe -> $pipe and back"
printf 'hello from Linux, through a Windows named pipe\n' >"$work/hello"
"$peer" client "$work/demo.sock" --timeout 60 --send "$work/hello" --out "$work/hello.back"
printf 'sent:     %s' "$(cat "$work/hello")"
printf '\nreceived: %s\n' "$(cat "$work/hello.back")"
cmp -s "$work/hello" "$work/hello.back" || { echo "demo: the reply differs" >&2; exit 1; }

say "8 MiB of random bytes the same way"
t0=$(date +%s%N)
"$peer" client "$work/demo.sock" --timeout 120 --send-random 8M \
	--send-copy "$work/bulk" --out "$work/bulk.back"
ms=$((($(date +%s%N) - t0) / 1000000))
sent=$(sha256sum <"$work/bulk" | cut -c1-64)
back=$(sha256sum <"$work/bulk.back" | cut -c1-64)
printf 'sent     %d bytes, SHA-256 %s\nreceived %d bytes, SHA-256 %s\n' \
	"$(stat -c %s "$work/bulk")" "$sent" "$(stat -c %s "$work/bulk.back")" "$back"
[[ $sent == "$back" ]] || { echo "demo: the bytes differ" >&2; exit 1; }
echo "identical, round trip in $ms ms"

say "npiperouter status"
"$router" status -c "$work/demo.conf"
say "router log"
cat "$work/router.log"
say "demo passed: bytes crossed from a unix socket to a Windows named pipe and back"
