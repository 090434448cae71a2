#!/bin/bash
# Creating a socket never follows a symlink, even one swapped in while the
# socket is being made. A second user who owns the socket's folder renames
# a symlink to a root-only file over each fresh socket, as fast as it can
# see one, while the router (root) recreates both routes' sockets 200
# times by reloads: routes with a group (set after bind) and without.
# The target files keep their mode and owner throughout.
. "$(dirname "$0")/lib.sh"
need socat setpriv getent perl
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"
gname=$(getent group "$nogroup" | cut -d: -f1)

start_backend echo echo "$T/backend.sock"
# The attacker's folder: theirs, so they may rename anything in it.
mkdir -m 755 "$T/pub"
chown "$nobody:$nogroup" "$T/pub"
for t in grp1 grp2 plain1 plain2; do
	echo "secret $t" >"$T/target.$t"
	chmod 600 "$T/target.$t"
done

# Two routes of each kind: more sockets for the attackers to race for.
ROUTES=(grp1 grp2 plain1 plain2)
write_conf() { # MODE
	local r group sep=
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$RELAY"
		for r in "${ROUTES[@]}"; do
			group=
			[[ $r == grp* ]] && group="group = \"$gname\";"
			printf '%s  { name = "%s"; listen = { path = "%s"; mode = "%s"; %s };\n' \
				"$sep" "$r" "$T/pub/$r.sock" "$1" "$group"
			printf '    %s }\n' "$(relay_route "$T/backend.sock")"
			sep=,
		done
		printf ');\n'
	} >"$T/r.conf.new"
	mv "$T/r.conf.new" "$T/r.conf"
}
write_conf 0666
start_router "$T/r.conf" "$T"/pub/{grp1,grp2,plain1,plain2}.sock

# The attacker, one per route: a symlink to the target made in advance,
# lstat in a tight loop, and the moment a socket is at the path, the link
# is renamed over it. After a moment for the router to use the name, the
# link goes away so the next socket can be made. Prints how many sockets
# it swapped.
cat >"$T/attack.pl" <<'PERL'
use strict;
my ($path, $target, $stop) = @ARGV;
my ($hits, $n) = (0, 0);
symlink($target, "$path.lnk");
while (1) {
	if (++$n % 4096 == 0) { last if -e $stop; }
	my @st = lstat($path);
	next unless @st && ($st[2] & 0170000) == 0140000;
	rename("$path.lnk", $path) or next;
	$hits++;
	select(undef, undef, undef, 0.002);
	unlink($path) if -l $path;
	symlink($target, "$path.lnk");
}
print "$hits\n";
PERL
attackers=()
for r in "${ROUTES[@]}"; do
	bg "attack.$r" setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
		perl "$T/attack.pl" "$T/pub/$r.sock" "$T/target.$r" "$T/stop"
	attackers+=("$BG_PID")
done

check_targets() {
	local t
	for t in "${ROUTES[@]}"; do
		[[ $(stat -c '%a %u %g' "$T/target.$t") == "600 0 0" ]] ||
			fail "after $1 reloads target.$t is $(stat -c '%a %U:%G' "$T/target.$t")"
	done
}
# 400 reloads, 1600 sockets: the old chmod() lost this race within a few
# hundred sockets in 3 runs out of 4 with 200 reloads.
RELOADS=400
# In mux mode the race is the same code (the listening socket knows no
# relay); what that copy adds is a mux relay started and retired with
# each new route, which a sixth of the reloads show as well as all of
# them, in a sixth of the time.
[[ $TEST_MODE == mux ]] && RELOADS=64
mode=0666
for i in $(seq 1 "$RELOADS"); do
	# A changed mode makes each route a new one with a new socket.
	[[ $mode == 0666 ]] && mode=0660 || mode=0666
	write_conf "$mode"
	# Slow under a sanitizer with four attackers spinning on two cores.
	st=0
	timeout 90 "$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 || st=$?
	grep -q "reloaded" "$T/reload.out" ||
		fail "reload $i exited $st: $(cat "$T/reload.out")"
	check_targets "$i"
	alive "$ROUTER_PID" || fail "the router died"
done
touch "$T/stop"
for p in "${attackers[@]}"; do
	wait_exit "$p" 10
done
hits=0
for r in "${ROUTES[@]}"; do
	hits=$((hits + $(cat "$T/attack.$r.out")))
done
log "the attackers swapped $hits socket(s)"
((hits > 0)) || fail "the attackers never got to a socket: the race was not run"
check_targets "$RELOADS"
log "ok"
