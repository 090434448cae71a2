#!/bin/bash
# relay.path unset, under WSL as the interop seams make it (real cmd.exe
# and winepath of the Wine prefix): `npiperouter check` copies the
# packaged nprelay.exe to %LOCALAPPDATA%\npiperouter\ and routes use that
# copy; it is reused untouched while the relay is unchanged, a newer relay
# is added beside it, a symlink at its name is refused, and a
# %LOCALAPPDATA% that cannot be found falls back to the packaged relay
# with one log line. Without interop the packaged relay is used directly.
. "$(dirname "$0")/lib.sh"
chain_init

export NPIPEROUTER_INTEROP_PREFIX=wine NPIPEROUTER_WSLPATH=winepath
# Under load, a cold wine start takes more than the default 5 s.
export NPIPEROUTER_INTEROP_TIMEOUT_MS=60000
mkdir "$T/pkg"
cp "$NPRELAY_EXE" "$T/pkg/nprelay.exe"
export NPIPEROUTER_RELAY=$T/pkg/nprelay.exe

# Where the copy must land, asked of Wine independently of the router.
lad_win=$(wine cmd.exe /c 'echo %LOCALAPPDATA%' </dev/null | tr -d '\r')
[[ $lad_win == [A-Z]:\\* ]] || fail "Wine's %LOCALAPPDATA% is '$lad_win'"
lad=$(winepath -u "$lad_win" </dev/null)
dir=${lad%/}/npiperouter
rm -rf "$dir"
version=$("$NPIPEROUTER" --version | awk '{ print $NF; exit }')

cat >"$T/r.conf" <<EOF
routes = ( { name = "a"; listen = { path = "$T/a.sock"; }; pipe = "//./pipe/a"; } );
EOF

# check RUN: `npiperouter check`, stdout in $T/RUN.out, stderr in .err;
# VIA gets the route's relay.
check() {
	"$NPIPEROUTER" -c "$T/r.conf" check >"$T/$1.out" 2>"$T/$1.err" ||
		fail "$1: check failed: $(cat "$T/$1.err")"
	VIA=$(sed -n 's/^a: .* via \([^ ]*\) .*/\1/p' "$T/$1.out")
}
copies() { find "$dir" -mindepth 1 -maxdepth 1 | sort; }

check first
copy=$VIA
[[ $copy == "$dir/nprelay-$version-"*.exe ]] ||
	fail "the route's relay is '$copy', not a copy in $dir"
[[ $(basename "$copy") =~ ^nprelay-[0-9.]+-[0-9a-f]{12}\.exe$ ]] ||
	fail "the copy's name '$(basename "$copy")' is not nprelay-VERSION-HASH.exe"
cmp -s "$copy" "$T/pkg/nprelay.exe" || fail "the copy differs from the relay"
grep -qF "relay: copied $T/pkg/nprelay.exe to $copy" "$T/first.err" ||
	fail "no log line for the copy: $(cat "$T/first.err")"
[[ $(copies) == "$copy" ]] || fail "the folder holds: $(copies)"
# The copy is a working relay.
out=$(timeout 60 wine "$copy" --version </dev/null 2>&1) ||
	fail "wine $copy --version failed: $out"
[[ $out == *"$version"* ]] || fail "the copy says '$out'"
ok "check copied the relay to $copy and the route uses it"

before=$(stat -c '%i %Y.%y' "$copy")
sleep 1
check second
[[ $VIA == "$copy" ]] || fail "second check: relay '$VIA', not $copy"
[[ $(stat -c '%i %Y.%y' "$copy") == "$before" ]] ||
	fail "the unchanged copy was written again"
! grep -q 'relay: copied' "$T/second.err" ||
	fail "second check copied again: $(cat "$T/second.err")"
[[ $(copies) == "$copy" ]] || fail "the folder holds: $(copies)"
ok "an unchanged relay: the copy is reused (same inode and mtime)"

# A newer relay (more bytes after the image: still a working program).
printf 'newer' >>"$T/pkg/nprelay.exe"
check third
newer=$VIA
[[ $newer == "$dir/nprelay-$version-"*.exe && $newer != "$copy" ]] ||
	fail "a newer relay gave '$newer'"
cmp -s "$newer" "$T/pkg/nprelay.exe" || fail "the newer copy differs"
[[ $(stat -c '%i %Y.%y' "$copy") == "$before" ]] ||
	fail "the older copy was touched"
[[ $(copies) == "$(printf '%s\n' "$copy" "$newer" | sort)" ]] ||
	fail "the folder holds: $(copies)"
ok "a newer relay is added beside the older copy"

# A symlink planted at the name of the next copy: refused, not followed.
printf 'again' >>"$T/pkg/nprelay.exe"
check probe
next=$VIA
rm "$next"
echo 'do not overwrite' >"$T/victim"
ln -s "$T/victim" "$next"
check hostile
[[ $VIA == "$T/pkg/nprelay.exe" ]] ||
	fail "with a symlink at $next the route's relay is '$VIA'"
grep -qF "relay: no copy on the Windows drive ($next is a symbolic link: refused); using $T/pkg/nprelay.exe" "$T/hostile.err" ||
	fail "no refusal logged: $(cat "$T/hostile.err")"
[[ $(cat "$T/victim") == 'do not overwrite' && -L $next ]] ||
	fail "the symlink or its target changed"
ok "a symlink at the copy's name is refused; the packaged relay is used"

# %LOCALAPPDATA% that cannot be found: the packaged relay, one log line.
printf '#!/bin/sh\necho "not a Windows" >&2\nexit 1\n' >"$T/nowin"
chmod +x "$T/nowin"
NPIPEROUTER_INTEROP_PREFIX=$T/nowin check broken
[[ $VIA == "$T/pkg/nprelay.exe" ]] || fail "broken interop: relay '$VIA'"
[[ $(grep -c 'relay: ' "$T/broken.err") == 1 ]] ||
	fail "broken interop: not one relay line: $(cat "$T/broken.err")"
grep -qF 'relay: no copy on the Windows drive (cannot ask Windows for %LOCALAPPDATA%: cmd.exe exited with status 1: not a Windows); using' "$T/broken.err" ||
	fail "broken interop logged: $(cat "$T/broken.err")"
ok "no %LOCALAPPDATA%: one log line, the packaged relay"

# No interop (not WSL, no seam): the packaged relay, nothing asked.
[[ ! -e /proc/sys/fs/binfmt_misc/WSLInterop && -z ${WSL_DISTRO_NAME:-} ]] ||
	fail "this test needs a machine without WSL interop"
NPIPEROUTER_INTEROP_PREFIX='' check plain
[[ $VIA == "$T/pkg/nprelay.exe" ]] || fail "without interop: relay '$VIA'"
! grep -q 'relay: ' "$T/plain.err" || fail "without interop: $(cat "$T/plain.err")"
ok "without interop the packaged relay is used as it is"
rm -rf "$dir"
