#!/bin/bash
# Review finding 3: the daemon kept the soft RLIMIT_NOFILE it was started
# with, so one user within max_connections_per_uid on a few mode-0666
# routes ran it out of descriptors and the owner's route and `status`
# stopped answering. The router raises its soft limit to the hard one at
# start; its relays get the soft limit it was started with back (a
# select() loop in a relay breaks past descriptor 1023).
# Started here with soft 64 and hard 1024: `nobody` holds 3 x 12 idle
# sessions (about 4 descriptors each, far past 64, far below 1024).
. "$(dirname "$0")/lib.sh"
need socat setpriv getent
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"

start_backend echo echo "$T/backend.sock"
{
	printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"
	sep=
	for r in f1 f2 f3 own; do
		mode=0666
		[[ $r != own ]] || mode=0600
		printf '%s  { name = "%s"; listen = { path = "%s"; mode = "%s"; };\n' \
			"$sep" "$r" "$T/$r.sock" "$mode"
		printf '    relay_args = [ "-t", "30", "%s" ]; pipe = "UNIX-CONNECT:%s"; }\n' \
			"$STDIO" "$T/backend.sock"
		sep=,
	done
	printf ');\n'
} >"$T/r.conf"
bg router bash -c 'ulimit -Sn 64 && ulimit -Hn 1024 && exec "$0" run -c "$1" -v' \
	"$NPIPEROUTER" "$T/r.conf"
ROUTER_PID=$BG_PID
ROUTER_LOG=$T/router.err
for r in f1 f2 f3 own; do
	wait_until 15 "router socket $r" _listening "$ROUTER_PID" "$T/$r.sock" router
done
chmod 755 "$T"

# nobody's idle sessions, each answered once so the relay is running.
n=0
for r in f1 f2 f3; do
	for i in $(seq 1 12); do
		echo "$r $i" >"$T/in.$r.$i"
		chmod 644 "$T/in.$r.$i"
		bg "n.$r.$i" setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
			"$NPTEST_PEER" client "$T/$r.sock" --timeout 60 --send "$T/in.$r.$i" \
			--hold-until "$T/release"
		n=$((n + 1))
	done
done
relays() { children_of "$ROUTER_PID" | wc -w; }
# All served, or the router out of descriptors (the old behaviour).
settled() { (($(relays) >= n)) || log_has "Too many open files"; }
wait_until 30 "$n relays for nobody's sessions" settled
fds=$(ls "/proc/$ROUTER_PID/fd" | wc -l)
((fds >= 64)) || fail "the router holds only $fds descriptors: the test does not reach 64"
log "nobody holds $(relays) of $n sessions; the router has $fds descriptors open"

# The owner's route and the control socket still answer.
client 10 "$T/own.sock" --send-random 16K --send-copy "$T/s" --out "$T/g" ||
	fail "the owner's route did not answer beside nobody's sessions"
same_file "$T/s" "$T/g"
timeout 10 "$NPIPEROUTER" status -c "$T/r.conf" >"$T/status.out" 2>&1 ||
	fail "status did not answer: $(cat "$T/status.out")"

soft=$(awk '/^Max open files/ { print $4 }' "/proc/$ROUTER_PID/limits")
((soft == 1024)) || fail "the router's soft descriptor limit is $soft, not the hard 1024"

# Relays start with the limit the router was given, not the raised one.
read -r relay _ <<<"$(children_of "$ROUTER_PID" | tr '\n' ' ')"
rsoft=$(awk '/^Max open files/ { print $4 }' "/proc/$relay/limits")
((rsoft == 64)) || fail "relay $relay has soft descriptor limit $rsoft, not the router's original 64"
touch "$T/release"
log "ok"
