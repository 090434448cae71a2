#!/bin/bash
# Reload under load: 50 clients stream through three routes while a reload
# keeps one route, changes one, removes one and adds one. No established
# session is cut; the removed socket is gone; the added route serves; the
# changed route serves new sessions with its new settings. Then a broken
# config is refused by `reload` (non-zero) and everything keeps serving,
# and SIGHUP reloads too.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/echo.sock"
start_backend sink sink "$T/sink.sock"
route() { # NAME BACKEND
	printf '  { name = "%s"; listen = { path = "%s/%s.sock"; };\n    relay_args = [ "-t", "30", "%s" ]; pipe = "UNIX-CONNECT:%s/%s.sock"; }' \
		"$1" "$T" "$1" "$STDIO" "$T" "$2"
}
write_conf() { # "NAME:BACKEND"...
	local first=1 r
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"
		for r in "$@"; do
			((first)) || printf ',\n'
			first=0
			route "${r%%:*}" "${r##*:}"
		done
		printf '\n);\n'
	} >"$T/r.conf.new"
	mv "$T/r.conf.new" "$T/r.conf"
}
write_conf a:echo b:echo c:echo
start_router "$T/r.conf" "$T/a.sock" "$T/b.sock" "$T/c.sock"

# 50 streams of 2 MiB at 512 KiB/s: about 4 s each, across a, b and c.
routes=(a b c)
pids=()
for i in $(seq 1 50); do
	r=${routes[i % 3]}
	bg "c$i" "$NPTEST_PEER" client "$T/$r.sock" --timeout 60 --seed "$i" \
		--send-random 2M --rate 512K --send-copy "$T/sent$i" --out "$T/got$i"
	pids[i]=$BG_PID
done
streaming() {
	local i
	for i in $(seq 1 50); do
		[[ -s $T/got$i ]] || return 1
	done
}
wait_until 30 "all 50 streams to be under way" streaming

write_conf a:echo b:sink d:echo
"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
	fail "reload failed: $(cat "$T/reload.out")"
grep -q "reloaded .*: 3 route(s)" "$T/reload.out" || fail "reload said: $(cat "$T/reload.out")"

[[ ! -e $T/c.sock ]] || fail "the removed route's socket is still there"
[[ -S $T/d.sock ]] || fail "the added route's socket is missing"
client 10 "$T/d.sock" --send-random 100K --send-copy "$T/dsent" --out "$T/dgot" ||
	fail "the added route does not serve"
same_file "$T/dsent" "$T/dgot"
# b now leads to the sink, which answers with the byte count.
client 10 "$T/b.sock" --send-random 12345 --out "$T/bgot" || fail "changed route b does not serve"
[[ $(cat "$T/bgot") == 12345 ]] || fail "route b did not take its new pipe: got '$(cat "$T/bgot")'"
client 10 "$T/a.sock" --send-random 1K --send-copy "$T/asent" --out "$T/agot" ||
	fail "kept route a does not serve"
same_file "$T/asent" "$T/agot"

for i in $(seq 1 50); do
	wait_exit "${pids[i]}" 60
	((EXIT_STATUS == 0)) || fail "stream $i was cut: $(cat "$T/c$i.err")"
	same_file "$T/sent$i" "$T/got$i"
done
log "all 50 streams completed intact"

# A broken config: reload refuses it and the running routes stay.
cp "$T/r.conf" "$T/r.conf.good"
printf 'routes = ( { name = "x" } ;\n' >>"$T/r.conf"
st=0
"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/bad.out" 2>&1 || st=$?
((st != 0)) || fail "reload of a broken config exited 0"
grep -q "r.conf:[0-9]*: syntax error" "$T/bad.out" || fail "reload did not name the error: $(cat "$T/bad.out")"
grep -q "running configuration was kept" "$T/bad.out" || fail "reload did not say the config was kept"
for r in a d; do
	client 10 "$T/$r.sock" --send-random 1K --send-copy "$T/x$r" --out "$T/y$r" ||
		fail "route $r stopped serving after a broken reload"
	same_file "$T/x$r" "$T/y$r"
done

# SIGHUP reloads as well.
write_conf a:echo b:sink d:echo e:echo
kill -HUP "$ROUTER_PID"
wait_until 10 "route e after SIGHUP" test -S "$T/e.sock"
client 10 "$T/e.sock" --send-random 1K --send-copy "$T/xe" --out "$T/ye" || fail "route e does not serve"
same_file "$T/xe" "$T/ye"
alive "$ROUTER_PID" || fail "router died"
log "ok"
