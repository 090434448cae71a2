#!/bin/bash
# Fixture "npiperelay_go" (setup): build the original Go npiperelay.exe
# (github.com/jstarks/npiperelay) from a local copy of its source, for
# compare_go.sh.  Offline: its one dependency, golang.org/x/sys, is in
# the source's vendor/ folder.  Fails loudly when go or the source is
# missing, never skips.
#
#   npiperelay_build.sh OUT_DIR    -> OUT_DIR/npiperelay.exe
#
# Environment: NPR_NPIPERELAY_SRC, the source folder (read only; copied).
set -euo pipefail

fail() { echo "npiperelay_build: FAIL: $*" >&2; exit 1; }
out=${1:?usage: npiperelay_build.sh OUT_DIR}
src=${NPR_NPIPERELAY_SRC:-}
command -v go >/dev/null 2>&1 ||
	fail "the Go compiler is not installed (Debian: apt-get install golang-go)"
[[ -n $src && -f $src/npiperelay.go && -d $src/vendor/golang.org/x/sys/windows ]] ||
	fail "NPR_NPIPERELAY_SRC must name npiperelay's source with its vendor/ folder (got '$src'); configure with -DNPR_NPIPERELAY_SRC=DIR"

rm -rf "$out"
mkdir -p "$out/src"
cp -R "$src/." "$out/src/"
cd "$out/src"
# GOFLAGS=-mod=vendor and GOPROXY=off: no network, whatever the Go version.
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 GOFLAGS=-mod=vendor GOPROXY=off \
	GOCACHE="$out/cache" GOPATH="$out/gopath" GOTOOLCHAIN=local \
	go build -o "$out/npiperelay.exe" . ||
	fail "go build of $src failed"
[[ -s $out/npiperelay.exe ]] || fail "go build made no npiperelay.exe"
echo "npiperelay_build: $out/npiperelay.exe built with $(go version)"
