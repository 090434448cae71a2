#!/bin/bash
# One bad file in routes.d neither kills nor hangs the daemon on reload:
# a symlink to /proc/self/mem (libconfig's scanner used to exit(2)), a
# FIFO (open() used to block the event loop), a file over 1 MiB. Each is
# refused by name, the running config is kept and keeps serving, and
# `check` names the file.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
socat_conf keep
mkdir "$T/routes.d"
start_router "$T/r.conf" "$T/keep.sock"

refused() { # FILE WHAT: reload and check refuse FILE, saying WHAT
	local st=0
	timeout 20 "$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 || st=$?
	((st != 124)) || fail "reload hung on $1"
	((st != 0)) || fail "reload accepted $1: $(cat "$T/reload.out")"
	grep -qF "$1: cannot read: $2" "$T/reload.out" ||
		fail "reload did not name $1 ($2): $(cat "$T/reload.out")"
	grep -q "the running configuration was kept" "$T/reload.out" ||
		fail "reload did not keep the running config: $(cat "$T/reload.out")"
	alive "$ROUTER_PID" || fail "the router died on $1"
	st=0
	timeout 20 "$NPIPEROUTER" check -c "$T/r.conf" >"$T/check.out" 2>&1 || st=$?
	((st != 124)) || fail "check hung on $1"
	((st == 1)) || fail "check exited $st on $1: $(cat "$T/check.out")"
	grep -qF "$1: cannot read: $2" "$T/check.out" ||
		fail "check did not name $1: $(cat "$T/check.out")"
	client 10 "$T/keep.sock" --send-random 16K --send-copy "$T/s" --out "$T/g" ||
		fail "the running route stopped serving after $1"
	same_file "$T/s" "$T/g"
	rm -f "$1"
}

ln -s /proc/self/mem "$T/routes.d/mem.conf"
refused "$T/routes.d/mem.conf" "Input/output error"
mkfifo "$T/routes.d/fifo.conf"
refused "$T/routes.d/fifo.conf" "a FIFO; only regular files are read"
{
	printf 'routes = ( { name = "big"; listen = { path = "%s"; };\n' "$T/big.sock"
	printf '  relay_args = [ "-t", "30", "%s" ]; pipe = "' "$STDIO"
	head -c 1100000 /dev/zero | tr '\0' x
	printf '"; } );\n'
} >"$T/routes.d/big.conf"
refused "$T/routes.d/big.conf" "the file is larger than 1 MiB; config files are limited to 1 MiB"

# A symlink to a regular file is a route file like any other.
cat >"$T/extra.txt" <<CONF
routes = ( { name = "linked"; listen = { path = "$T/linked.sock"; };
  $(relay_route "$T/backend.sock") } );
CONF
ln -s "$T/extra.txt" "$T/routes.d/linked.conf"
"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
	fail "reload with a linked route file failed: $(cat "$T/reload.out")"
client 10 "$T/linked.sock" --send-random 16K --send-copy "$T/s" --out "$T/g" ||
	fail "the linked route does not serve"
same_file "$T/s" "$T/g"
log "ok"
