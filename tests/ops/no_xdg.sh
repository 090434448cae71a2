#!/bin/bash
# No XDG_RUNTIME_DIR (WSL without systemd, a plain root shell): `start`,
# `status` and `stop` work, and a route at "${XDG_RUNTIME_DIR}/..." relays:
#   1. as root, ${XDG_RUNTIME_DIR} stands for /run and the runtime files
#      go to /run/npiperouter;
#   2. as another user, both go to a private /tmp/npiperouter-UID.
. "$(dirname "$0")/lib.sh"
need socat setpriv flock
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"

start_backend echo echo "$T/backend.sock"
# The second part's relay runs as the test's uid.
chmod 666 "$T/backend.sock"
uid=$((3200000 + $$ % 100000))
private=/tmp/npiperouter-$uid
name=noxdg$$
sock_root=/run/$name.sock

# conf FILE SOCKET: one route at SOCKET (with ${XDG_RUNTIME_DIR} unexpanded).
conf() {
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$RELAY"
		printf '  { name = "s"; listen = { path = "%s"; };\n' "$2"
		printf '    %s\n  }\n);\n' "$(relay_route "$T/backend.sock")"
	} >"$1"
}

# kill_locked DIR: what still holds a lock in DIR (a failed test's daemon).
kill_locked() {
	local lock pid
	for lock in "$1"/"$name"*.lock; do
		[[ -f $lock ]] || continue
		flock -n "$lock" true && continue
		read -r pid <"$lock" && [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid"
	done 2>/dev/null
}
noxdg_cleanup() {
	local rc=$?
	set +e
	env -u XDG_RUNTIME_DIR timeout 10 "$NPIPEROUTER" stop -c "$T/$name.conf" >/dev/null 2>&1
	kill_locked /run/npiperouter
	rm -f "$sock_root" /run/npiperouter/"$name"*
	timeout 10 env -u XDG_RUNTIME_DIR setpriv --reuid="$uid" --regid="$uid" \
		--clear-groups "$NPIPEROUTER" stop -c "$T/user/$name.conf" >/dev/null 2>&1
	kill_locked "$private/npiperouter"
	rm -rf -- "$private"
	(exit "$rc")
	ops_cleanup
}
trap noxdg_cleanup EXIT

# --- 1. root ---
# shellcheck disable=SC2016 # the router expands it, not the shell
conf "$T/$name.conf" '${XDG_RUNTIME_DIR}/'"$name.sock"
env -u XDG_RUNTIME_DIR "$NPIPEROUTER" start -c "$T/$name.conf" >"$T/start1" 2>&1 ||
	fail "start as root without XDG_RUNTIME_DIR: $(cat "$T/start1")"
[[ -S $sock_root ]] || fail "no socket at $sock_root: $(cat "$T/start1")"
compgen -G "/run/npiperouter/$name-*.ctl" >/dev/null ||
	fail "no control socket in /run/npiperouter"
client 10 "$sock_root" --send-random 64K --send-copy "$T/sent1" --out "$T/got1" ||
	fail "the route at $sock_root does not relay"
same_file "$T/sent1" "$T/got1"
env -u XDG_RUNTIME_DIR "$NPIPEROUTER" status -c "$T/$name.conf" >"$T/status1" ||
	fail "status: $(cat "$T/status1")"
grep -q "^s  *raw" "$T/status1" || fail "status: $(cat "$T/status1")"
env -u XDG_RUNTIME_DIR "$NPIPEROUTER" stop -c "$T/$name.conf" >"$T/stop1" ||
	fail "stop: $(cat "$T/stop1")"
[[ ! -e $sock_root ]] || fail "stop left $sock_root"
log "root without XDG_RUNTIME_DIR: ${XDG_RUNTIME_DIR:-\$XDG_RUNTIME_DIR} is /run, files in /run/npiperouter"

# --- 2. another user ---
rm -rf -- "$private"
mkdir -m 755 "$T/user"
# shellcheck disable=SC2016 # the router expands it, not the shell
conf "$T/user/$name.conf" '${XDG_RUNTIME_DIR}/s.sock'
as_user() {
	env -u XDG_RUNTIME_DIR HOME="$T/user" setpriv --reuid="$uid" \
		--regid="$uid" --clear-groups "$NPIPEROUTER" "$@"
}
as_user start -c "$T/user/$name.conf" >"$T/start2" 2>&1 ||
	fail "start as uid $uid without XDG_RUNTIME_DIR: $(cat "$T/start2")"
[[ $(stat -c '%u %a %F' "$private") == "$uid 700 directory" ]] ||
	fail "$private is $(stat -c '%u %a %F' "$private" 2>&1)"
[[ -S $private/s.sock ]] || fail "no socket at $private/s.sock"
compgen -G "$private/npiperouter/$name-*.ctl" >/dev/null ||
	fail "no control socket in $private/npiperouter: $(ls -la "$private" "$private/npiperouter" 2>&1)"
client 10 "$private/s.sock" --send-random 64K --send-copy "$T/sent2" --out "$T/got2" ||
	fail "the route at $private/s.sock does not relay"
same_file "$T/sent2" "$T/got2"
as_user status -c "$T/user/$name.conf" >"$T/status2" 2>&1 || fail "status: $(cat "$T/status2")"
grep -q "^s  *raw" "$T/status2" || fail "status: $(cat "$T/status2")"
as_user stop -c "$T/user/$name.conf" >"$T/stop2" 2>&1 || fail "stop: $(cat "$T/stop2")"
[[ ! -e $private/s.sock ]] || fail "stop left $private/s.sock"
log "uid $uid without XDG_RUNTIME_DIR: everything in $private"
log "ok"
