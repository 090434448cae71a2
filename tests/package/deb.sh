#!/bin/bash
# `cpack -G DEB` makes a package with everything `cmake --install` puts in
# place (binary, plugins, nprelay.exe, units, man pages, example configs);
# unpacked into a throw-away root, its binary checks its example configs
# and its units run its binary. Needs a finished build of NPR_BUILD_DIR.
#
# Environment (set by ctest): NPR_BUILD_DIR, NPR_VERSION, NPR_PREFIX,
# NPR_BINDIR, NPR_MANDIR, NPR_DOCDIR, NPR_LIBDIR, NPR_LIBEXECDIR
# (GNUInstallDirs, relative),
# NPR_EXPECT_RELAY (1: nprelay.exe must be in it), NPR_CPACK, NPR_CMAKE.
set -euo pipefail

NAME=package.deb
fail() { printf '%s: FAIL: %s\n' "$NAME" "$*" >&2; exit 1; }
for v in NPR_BUILD_DIR NPR_VERSION NPR_PREFIX NPR_BINDIR NPR_MANDIR \
	NPR_DOCDIR NPR_LIBDIR NPR_LIBEXECDIR NPR_EXPECT_RELAY NPR_CPACK NPR_CMAKE; do
	[[ -n ${!v:-} ]] || fail "$v is not set (run this through ctest)"
done
for t in dpkg-deb dpkg-shlibdeps ldd man; do
	command -v "$t" >/dev/null ||
		fail "$t is not installed (Debian: apt-get install dpkg-dev libc-bin man-db)"
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=${NPR_PREFIX#/}

"$NPR_CPACK" -G DEB --config "$NPR_BUILD_DIR/CPackConfig.cmake" -B "$T/out" \
	>"$T/cpack.log" 2>&1 || fail "cpack failed:"$'\n'"$(tail -n 30 "$T/cpack.log")"
debs=("$T"/out/*.deb)
((${#debs[@]} == 1)) && [[ -f ${debs[0]} ]] || fail "expected one .deb, got: ${debs[*]}"
deb=${debs[0]}

# The control fields.
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == npiperouter ]] || fail "Package is '$(field Package)'"
[[ $(field Version) == "$NPR_VERSION" ]] || fail "Version is '$(field Version)', not $NPR_VERSION"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] ||
	fail "Architecture is '$(field Architecture)'"
[[ -n $(field Maintainer) && -n $(field Description) && -n $(field Section) ]] ||
	fail "Maintainer, Description or Section is empty"
depends=$(field Depends)
for lib in libc6 libevent libconfig; do
	[[ $depends == *"$lib"* ]] ||
		fail "Depends lacks $lib (dpkg-shlibdeps did not run?): '$depends'"
done

# The contents: exactly what `cmake --install` installs, which must
# include these.
dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -v '/$' | sed 's|^\./||' |
	sort >"$T/deb.list"
DESTDIR=$T/stage "$NPR_CMAKE" --install "$NPR_BUILD_DIR" >"$T/install.log" 2>&1 ||
	fail "cmake --install failed:"$'\n'"$(tail -n 20 "$T/install.log")"
(cd "$T/stage" && find . ! -type d | sed 's|^\./||' | sort) >"$T/install.list"
diff -u "$T/install.list" "$T/deb.list" >"$T/diff" ||
	fail "the .deb and cmake --install differ:"$'\n'"$(cat "$T/diff")"
want=(
	"$P/$NPR_BINDIR/npiperouter"
	"$P/lib/systemd/user/npiperouter.service"
	"$P/lib/systemd/user/npiperouter@.socket"
	"$P/lib/systemd/system/npiperouter.service"
	"$P/lib/systemd/system/npiperouter-docker.socket"
	"$P/$NPR_MANDIR/man1/npiperouter.1"
	"$P/$NPR_MANDIR/man5/npiperouter.conf.5"
	"$P/$NPR_DOCDIR/examples/npiperouter.conf"
	"$P/$NPR_DOCDIR/examples/npiperouter-full.conf"
	"$P/$NPR_DOCDIR/examples/expose-podman.conf"
)
# Where the router looks for it when relay.path is not set.
relay_rel=$NPR_LIBEXECDIR/npiperouter/nprelay.exe
((NPR_EXPECT_RELAY)) && want+=("$P/$relay_rel")
for f in "${want[@]}"; do
	grep -qxF "$f" "$T/deb.list" || fail "the .deb lacks $f"
done
for so in ssh-agent assuan; do
	if [[ -e $NPR_BUILD_DIR/adapters/$so.so ]]; then
		grep -qxF "$P/$NPR_LIBDIR/npiperouter/$so.so" "$T/deb.list" ||
			fail "the .deb lacks the $so adapter"
	fi
done

# Installed by dpkg into a throw-away root (its own, empty package
# database: the dependencies are this machine's, hence --force-depends)
# and run from there.
mkdir -p "$T/root/var/lib/dpkg/info" "$T/root/var/lib/dpkg/updates"
: >"$T/root/var/lib/dpkg/status"
dpkg --root="$T/root" --log=/dev/null --force-depends --force-not-root \
	-i "$deb" >"$T/dpkg.out" 2>&1 || fail "dpkg -i failed:"$'\n'"$(cat "$T/dpkg.out")"
dpkg --root="$T/root" -s npiperouter | grep -qx 'Status: install ok installed' ||
	fail "dpkg does not list npiperouter as installed in the throw-away root"
R=$T/root/$P
bin=$R/$NPR_BINDIR/npiperouter
[[ -x $bin ]] || fail "$bin is not executable"
missing=$(ldd "$bin" | grep 'not found' || true)
[[ -z $missing ]] || fail "the packaged binary needs libraries that are not installed:"$'\n'"$missing"
"$bin" --version | grep -qxF "npiperouter $NPR_VERSION" || fail "--version says '$("$bin" --version)'"
mkdir -m 700 "$T/rt"
for conf in npiperouter.conf npiperouter-full.conf expose-podman.conf; do
	out=$(env -i PATH=/usr/bin:/bin HOME="$T" XDG_RUNTIME_DIR="$T/rt" \
		NPIPEROUTER_PLUGIN_DIR="$R/$NPR_LIBDIR/npiperouter" \
		"$bin" check -c "$R/$NPR_DOCDIR/examples/$conf" 2>&1) ||
		fail "installed npiperouter check -c $conf failed:"$'\n'"$out"
	[[ $out == *"route(s), OK"* ]] || fail "check -c $conf said:"$'\n'"$out"
done
# A route without relay.path runs the packaged relay, at the path the
# package puts it.
printf 'routes = ( { name = "a"; listen = { path = "%s/a.sock"; }; pipe = "//./pipe/a"; } );\n' \
	"$T" >"$T/norelay.conf"
out=$(env -i PATH=/usr/bin:/bin HOME="$T" XDG_RUNTIME_DIR="$T/rt" \
	"$bin" check -c "$T/norelay.conf" 2>&1) ||
	fail "check of a route without relay.path failed:"$'\n'"$out"
[[ $out == *" via $NPR_PREFIX/$relay_rel "* ]] ||
	fail "a route without relay.path does not run $NPR_PREFIX/$relay_rel:"$'\n'"$out"
for u in "$R"/lib/systemd/*/npiperouter.service; do
	grep -qx "ExecStart=$NPR_PREFIX/$NPR_BINDIR/npiperouter run \$NPIPEROUTER_OPTIONS" "$u" ||
		fail "${u#"$T/root"} does not run the packaged binary"
done
for page in man1/npiperouter.1 man5/npiperouter.conf.5; do
	out=$(MANWIDTH=80 man -l "$R/$NPR_MANDIR/$page" 2>&1 >/dev/null) && [[ -z $out ]] ||
		fail "the packaged $page does not render: $out"
done
echo "$NAME: ok ($(wc -l <"$T/deb.list") files in ${deb##*/})"
