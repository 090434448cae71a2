#!/bin/bash
# A second user's socket at a route's path whose listen backlog is full
# (it listens and never accepts) never stalls the router: the check for a
# leftover socket does not wait for that listener. The route is refused as
# in use, at start and at a reload; during the reload the other route and
# the control socket keep working, and the squatter is left alone.
. "$(dirname "$0")/lib.sh"
need socat setpriv getent perl
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"

start_backend echo echo "$T/backend.sock"
# Anyone may create files here, as in /tmp.
mkdir -m 1777 "$T/pub"
# The squatter: listen with a backlog of 0, fill it, never accept.
cat >"$T/squat.pl" <<'PERL'
use strict;
use Socket;
use IO::Handle;
my $path = shift;
socket(my $l, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
bind($l, pack_sockaddr_un($path)) or die "bind $path: $!";
listen($l, 0) or die "listen: $!";
my @held;
for (1 .. 4) {
	socket(my $c, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	$c->blocking(0);
	connect($c, pack_sockaddr_un($path)) or last;
	push @held, $c;
}
print "full\n";
close STDOUT;
sleep 1000;
PERL
bg squat setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
	perl "$T/squat.pl" "$T/pub/new.sock"
squat_pid=$BG_PID
_squatting() { grep -q full "$T/squat.out"; }
wait_until 10 "the squatter to fill its backlog" _squatting

route() { # NAME SOCKET
	printf '  { name = "%s"; listen = { path = "%s"; mode = "0666"; };\n' "$1" "$2"
	printf '    relay_args = [ "-t", "30", "%s" ]; pipe = "UNIX-CONNECT:%s"; }\n' "$STDIO" "$T/backend.sock"
}
check_g1() {
	echo "g1 $1" >"$T/in"
	client 10 "$T/g1.sock" --send "$T/in" --out "$T/out" ||
		fail "route g1 $1: client failed (status $?)"
	same_file "$T/in" "$T/out"
}

# At start: refused at once, as any live socket.
{ printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"; route g2 "$T/pub/new.sock"; printf ');\n'; } >"$T/r.conf"
start_router "$T/r.conf"
_router_gone() { ! alive "$ROUTER_PID"; }
wait_until 30 "the router to give up on the squatted socket" _router_gone
wait_exit "$ROUTER_PID" 5
((EXIT_STATUS == 1)) || fail "router exited with status $EXIT_STATUS, want 1"
log_has "route \"g2\": $T/pub/new.sock is in use by another process" ||
	fail "no 'in use' message: $(cat "$T/router.err")"

# At a reload: the running router stays responsive.
{ printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"; route g1 "$T/g1.sock"; printf ');\n'; } >"$T/r.conf"
: >"$T/router.err"
start_router "$T/r.conf" "$T/g1.sock"
check_g1 "before the reload"
{
	printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"
	route g1 "$T/g1.sock"
	printf ','
	route g2 "$T/pub/new.sock"
	printf ');\n'
} >"$T/r.conf.new"
mv "$T/r.conf.new" "$T/r.conf"
st=0
timeout 30 "$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 || st=$?
((st != 124)) || fail "the reload hung on the squatted socket"
wait_log 15 "route \"g2\": $T/pub/new.sock is in use by another process"
st=0
timeout 30 "$NPIPEROUTER" status -c "$T/r.conf" >"$T/status.out" 2>&1 || st=$?
((st == 0)) || fail "status after the reload exited $st: $(cat "$T/status.out")"
check_g1 "after the reload"
alive "$squat_pid" || fail "the squatter died"
[[ -S $T/pub/new.sock ]] || fail "the squatter's socket was removed"
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 15
((EXIT_STATUS == 0)) || fail "router exited with status $EXIT_STATUS after SIGTERM, want 0"
log "ok"
