#!/bin/bash
# listen.mode and listen.group are applied to the socket file; without
# them the socket is 0600 and keeps the router's own group.
. "$(dirname "$0")/lib.sh"
need socat getent id

# A group the router may chown to: any group for root ("nogroup" exists on
# every Debian/Ubuntu), one of our own groups otherwise.
if [[ $(id -u) == 0 ]]; then
	grp=nogroup
else
	grp=$(id -Gn | tr ' ' '\n' | grep -vx "$(id -gn)" | head -n 1 || true)
	[[ -n $grp ]] || grp=$(id -gn)
fi
getent group "$grp" >/dev/null || fail "group '$grp' does not exist on this machine"
own_grp=$(id -gn)

start_backend echo echo "$T/backend.sock"
cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "shared";
    listen = { path = "$T/shared.sock"; mode = "0660"; group = "$grp"; };
    $(relay_route "$T/backend.sock")
  },
  { name = "private";
    listen = { path = "$T/private.sock"; };
    $(relay_route "$T/backend.sock")
  },
  { name = "world";
    listen = { path = "$T/world.sock"; mode = "0666"; };
    $(relay_route "$T/backend.sock")
  }
);
CONF
start_router "$T/r.conf" "$T/shared.sock" "$T/private.sock" "$T/world.sock"

check() {
	local sock=$1 mode=$2 group=$3 got
	got=$(stat -c '%a %G' "$sock")
	[[ $got == "$mode $group" ]] || fail "$sock is '$got', want '$mode $group'"
	[[ -S $sock ]] || fail "$sock is not a socket"
}
check "$T/shared.sock" 660 "$grp"
check "$T/private.sock" 600 "$own_grp"
check "$T/world.sock" 666 "$own_grp"

# The sockets work with those permissions.
for s in shared private world; do
	echo "$s" >"$T/$s.in"
	client 10 "$T/$s.sock" --send "$T/$s.in" --out "$T/$s.out" ||
		fail "client on $s failed (status $?)"
	same_file "$T/$s.in" "$T/$s.out"
done
log "ok (group $grp)"
