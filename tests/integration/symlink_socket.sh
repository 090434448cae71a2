#!/bin/bash
# A symlink at the socket path is never followed nor replaced: the router
# exits with status 1 and the link and its target are untouched. A plain
# file there is refused as well.
. "$(dirname "$0")/lib.sh"
need socat

start_backend backend echo "$T/backend.sock"
echo "precious" >"$T/target"
ln -s "$T/target" "$T/link.sock"
# A dangling link would let a bind() through it create a file elsewhere.
ln -s "$T/elsewhere.sock" "$T/dangling.sock"
echo "not a socket" >"$T/file.sock"

run_refused() {
	local path=$1 msg=$2
	cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "r";
    listen = { path = "$path"; };
    $(relay_route "$T/backend.sock")
  }
);
CONF
	: >"$T/router.err"
	start_router "$T/r.conf"
	wait_exit "$ROUTER_PID" 15
	((EXIT_STATUS == 1)) || fail "$path: router exited with status $EXIT_STATUS, want 1"
	log_has "route \"r\": $path $msg" || fail "$path: no message '$msg'"
}

run_refused "$T/link.sock" "is a symlink; refusing to replace it"
[[ -L $T/link.sock && $(readlink "$T/link.sock") == "$T/target" ]] ||
	fail "the symlink was changed"
[[ $(cat "$T/target") == precious && -f $T/target && ! -L $T/target ]] ||
	fail "the symlink's target was changed"

run_refused "$T/dangling.sock" "is a symlink; refusing to replace it"
[[ -L $T/dangling.sock ]] || fail "the dangling symlink was changed"
[[ ! -e $T/elsewhere.sock ]] || fail "a socket was created through the dangling symlink"

run_refused "$T/file.sock" "exists and is not a socket"
[[ $(cat "$T/file.sock") == "not a socket" ]] || fail "the plain file was changed"
log "ok"
