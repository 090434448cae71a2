#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite twice: a
# normal build, then one with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

"$root/scripts/deps.sh"

run_suite() { # NAME BUILD_DIR CMAKE_ARGS...
  local name=$1 dir=$2
  shift 2
  echo "== $name: configure and build ($dir)"
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNPR_RELAY=ON -DNPR_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "== $name: ctest"
  (cd "$dir" && ctest --output-on-failure --no-tests=error -j"$jobs" </dev/null)
}

run_suite "plain" "$root/build"
# halt_on_error makes a sanitizer finding fail its test instead of scrolling by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_suite "asan+ubsan" "$root/build-asan" -DNPR_SANITIZE=ON
