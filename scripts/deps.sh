#!/usr/bin/env bash
# Install the Debian/Ubuntu packages npiperouter needs to build and test.
# Idempotent: installs only what is missing, and runs apt-get update only then.
set -euo pipefail

packages=(
  # build
  pkg-config libevent-dev libconfig-dev libsystemd-dev
  # the ssh-agent adapter's SHA-256 (key fingerprints)
  nettle-dev
  # the Windows relay, cross-compiled and run under Wine
  gcc-mingw-w64-x86-64 wine wine64
  # tests and demo
  libcmocka-dev socat jq valgrind
  # /usr/bin/python3 for tests that run a step as another user
  # (renameat2 exchange in tests/integration/folder_symlink.sh)
  python3
  # the adapters' tests with the real programs, and their fuzzers
  openssh-client gpg-agent gpgconf clang libclang-rt-dev
  # units, man pages, .deb: systemd-analyze and systemd-socket-activate,
  # groff/mandoc/man for lint, dpkg-shlibdeps and file for cpack -G DEB
  systemd groff-base man-db mandoc dpkg-dev file
  # the docker adapter (HTTP, JSON) and its tests and bench: the docker
  # CLI (Debian 12's docker.io; its daemon is not used), podman's Docker
  # API service as the engine, curl
  libhttp-parser-dev libjansson-dev docker.io podman curl
  # a busybox image for podman's real containers (imported from the binary)
  busybox-static
  # the docker workflow tests: Debian's docker-compose (1.29, docker-py)
  docker-compose
  # `npiperouter env` output evaluated by the shells it targets
  fish csh
  # Go: HashiCorp's yamux for the mux interop test, and the original Go
  # npiperelay, built offline from its vendored source (tests/wine)
  golang-go golang-github-hashicorp-yamux-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
