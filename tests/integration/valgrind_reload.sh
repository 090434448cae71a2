#!/bin/bash
# Config generations under valgrind: sessions stay open through reloads
# that keep, change, remove and add routes, then end, freeing the old
# generations while the router runs; SIGTERM comes with a session of a
# later generation open. valgrind must report no memory error (a session
# still using a freed config) and no definite leak (a generation nobody
# frees). Registered only for builds without sanitizers.
. "$(dirname "$0")/lib.sh"
need socat valgrind

start_backend backend echo "$T/backend.sock"
write_conf() { # MAX_CONNECTIONS ROUTE...
	local max=$1 r sep=
	shift
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$RELAY"
		for r in "$@"; do
			printf '%s  { name = "%s"; listen = { path = "%s/%s.sock"; };\n' "$sep" "$r" "$T" "$r"
			printf '    %s\n' "$(relay_route "$T/backend.sock")"
			printf '    max_connections = %s; }\n' "$max"
			sep=,
		done
		printf ');\n'
	} >"$T/r.conf.new"
	mv "$T/r.conf.new" "$T/r.conf"
}
reload() {
	"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
		fail "reload failed: $(cat "$T/reload.out")"
}
# idle NAME SOCKET: a client that sends a line, gets it back, and holds
# its connection until $T/release.NAME exists. Sets BG_PID.
idle() {
	echo "line of $1" >"$T/$1.in"
	bg "$1" "$NPTEST_PEER" client "$2" --timeout 120 --send "$T/$1.in" \
		--out "$T/$1.out" --hold-until "$T/release.$1"
	wait_until 60 "client $1 to be served" cmp -s "$T/$1.in" "$T/$1.out"
}

write_conf 10 kept gone
valgrind_router "$T/r.conf"
for s in kept gone; do
	wait_until 60 "router socket $s under valgrind" _listening "$ROUTER_PID" "$T/$s.sock" router
done

# Generation 1 sessions on a route that stays and on one that goes.
idle a "$T/kept.sock"
pid_a=$BG_PID
idle b "$T/gone.sock"
pid_b=$BG_PID
write_conf 11 kept added # 2: kept changes, gone retires, added starts
reload
write_conf 12 kept added # 3
reload
[[ ! -e $T/gone.sock ]] || fail "the removed route still listens"
idle c "$T/added.sock"
pid_c=$BG_PID
# Generation 1 ends while the router runs: its last sessions close.
touch "$T/release.a" "$T/release.b"
wait_exit "$pid_a" 60
((EXIT_STATUS == 0)) || fail "client a failed: $(cat "$T/a.err")"
wait_exit "$pid_b" 60
((EXIT_STATUS == 0)) || fail "client b failed: $(cat "$T/b.err")"
wait_log 60 'route "gone": last session ended'
client 60 "$T/kept.sock" --send-random 256K --send-copy "$T/s1" --out "$T/g1" ||
	fail "the kept route does not serve after generation 1 ended"
same_file "$T/s1" "$T/g1"
write_conf 12 kept added # 4: nothing changes, a new generation all the same
reload

# SIGTERM with a generation 3 session open.
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 60
if ((EXIT_STATUS != 0)); then
	grep -E '^==[0-9]+==' "$ROUTER_LOG" | head -40 >&2 || true
	fail "valgrind: router exited $EXIT_STATUS (99: memory errors or definite leaks)"
fi
! grep -qE '^==[0-9]+== (Invalid|Conditional|Mismatched|Syscall param)' "$ROUTER_LOG" ||
	fail "valgrind reported errors: $(grep -E '^==[0-9]+==' "$ROUTER_LOG" | head -5)"
touch "$T/release.c"
wait_exit "$pid_c" 60
log "ok: valgrind found no errors and no definite leaks across reloads"
