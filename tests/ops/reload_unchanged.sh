#!/bin/bash
# A reload leaves an unchanged route untouched: the same socket (inode),
# the same counters, its open session still counted and still flowing,
# while another route changes and a third is added. The unchanged route's
# path is written differently in the new config ("//", trailing "/"):
# it is still the same socket.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
start_backend sink sink "$T/sink.sock"
write_conf() { # A-PATH B-BACKEND [EXTRA-ROUTE]
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"
		printf '  { name = "a"; listen = { path = "%s"; };\n' "$1"
		printf '    relay_args = [ "-t", "30", "%s" ]; pipe = "UNIX-CONNECT:%s"; },\n' "$STDIO" "$T/backend.sock"
		printf '  { name = "b"; listen = { path = "%s"; };\n' "$T/b.sock"
		printf '    relay_args = [ "-t", "30", "%s" ]; pipe = "UNIX-CONNECT:%s"; }' "$STDIO" "$T/$2.sock"
		[[ -n ${3:-} ]] && printf ',\n  { name = "%s"; listen = { path = "%s"; };\n    relay_args = [ "-t", "30", "%s" ]; pipe = "UNIX-CONNECT:%s"; }' \
			"$3" "$T/$3.sock" "$STDIO" "$T/backend.sock"
		printf '\n);\n'
	} >"$T/r.conf.new"
	mv "$T/r.conf.new" "$T/r.conf"
}
write_conf "$T/a.sock" backend
start_router "$T/r.conf" "$T/a.sock" "$T/b.sock"

# One finished session on a, then one streaming through the reload:
# 1 MiB at 256 KiB/s, about 4 s.
client 10 "$T/a.sock" --send-random 10K --send-copy "$T/s0" --out "$T/g0" ||
	fail "route a does not serve"
bg stream "$NPTEST_PEER" client "$T/a.sock" --timeout 60 --seed 7 \
	--send-random 1M --rate 256K --send-copy "$T/s1" --out "$T/g1"
stream=$BG_PID
wait_until 10 "the stream to be under way" test -s "$T/g1"

inode=$(stat -c %i "$T/a.sock")
status_json "$T/r.conf" >"$T/before.json"
a_before() { jq -r --arg f "$1" '.routes[] | select(.name == "a") | .[$f]' "$T/before.json"; }
[[ $(a_before active) == 1 && $(a_before total) == 2 ]] ||
	fail "before the reload, route a: $(cat "$T/before.json")"

write_conf "$T//a.sock/" sink c
"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
	fail "reload failed: $(cat "$T/reload.out")"
wait_until 10 "route c" test -S "$T/c.sock"

# Untouched: the socket, the route, its counters and its session.
[[ $(stat -c %i "$T/a.sock") == "$inode" ]] ||
	fail "route a's socket was made anew (inode $inode -> $(stat -c %i "$T/a.sock"))"
! log_has 'route "a": removed' || fail "the reload removed route a: $(grep -F 'route "a"' "$ROUTER_LOG")"
! log_has 'route "a": added' || fail "the reload added route a again"
[[ $(route_field "$T/r.conf" a active) == 1 ]] ||
	fail "route a no longer counts its open session: $(status_json "$T/r.conf")"
[[ $(route_field "$T/r.conf" a total) == 2 ]] ||
	fail "route a's counters changed: $(status_json "$T/r.conf")"
[[ $(route_field "$T/r.conf" a listening) == true ]] || fail "route a stopped listening"
[[ $(route_field "$T/r.conf" a socket) == "$T/a.sock" ]] ||
	fail "route a's socket is spelled $(route_field "$T/r.conf" a socket)"
[[ $(status_json "$T/r.conf" | jq '.routes | length') == 3 ]] ||
	fail "want routes a, b and c: $(status_json "$T/r.conf")"

# The session keeps flowing to the end; new sessions on a are counted on.
wait_exit "$stream" 60
((EXIT_STATUS == 0)) || fail "the stream through the reload failed: $(cat "$T/stream.err")"
same_file "$T/s1" "$T/g1"
client 10 "$T/a.sock" --send-random 1K --send-copy "$T/s2" --out "$T/g2" ||
	fail "route a does not serve after the reload"
same_file "$T/s2" "$T/g2"
wait_until 10 "route a's third session to end" \
	test "$(route_field "$T/r.conf" a active)" == 0
[[ $(route_field "$T/r.conf" a total) == 3 ]] ||
	fail "route a's total is not 3: $(status_json "$T/r.conf")"
want=$((10 * 1024 + 1024 * 1024 + 1024))
[[ $(route_field "$T/r.conf" a bytes_up) == "$want" ]] ||
	fail "route a's bytes up are not $want: $(status_json "$T/r.conf")"
# b changed (to the sink, which answers with a count); c was added.
client 10 "$T/b.sock" --send-random 123 --out "$T/gb" || fail "route b does not serve"
[[ $(cat "$T/gb") == 123 ]] || fail "route b did not take its new pipe: $(cat "$T/gb")"
log "ok"
