#!/bin/bash
# What a relay prints first decides the mode. Mode "auto": a relay that
# writes text before or instead of the mux hello, or stays silent, or is
# socat (which rejects --mux and exits), is used one process per
# connection, with ONE log line quoting what it printed; connections are
# served. Mode "mux" refuses: clients are closed and status shows why.
# Mode "spawn" never starts a probe.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
echo "served" >"$T/in"

# serve_one SOCK: one request, the echo back.
serve_one() {
	client 15 "$1" --send "$T/in" --out "$T/out" ||
		fail "$1: not served (status $?)"
	same_file "$T/in" "$T/out"
}

# run_auto FAULT EXPECTED-LOG-TEXT: auto falls back with one quoting line.
run_auto() {
	local fault=$1 text=$2
	fault_relay --fault "$fault" --fault-text "HELLO FROM $fault"
	# Only the probe and its line here: the stand-in is no spawn-mode
	# relay. socat below shows the fallback serving connections.
	mux_conf ax -m auto -r "$T/fault-relay"
	: >"$T/router.err"
	start_router "$T/r.conf" "$T/ax.sock"
	wait_log 10 'not a mux relay; using one relay process per connection'
	((($(log_count 'not a mux relay') == 1))) || fail "$fault: more than one line"
	log_has "$text" || fail "$fault: the log does not quote '$text': $(grep 'mux' "$ROUTER_LOG")"
	"$NPIPEROUTER" status --json -c "$T/r.conf" | grep -q '"mode":"spawn"' ||
		fail "$fault: status does not say spawn"
	wait_until 5 "the probe ended" no_children "$ROUTER_PID"
	kill "$ROUTER_PID"
	wait_exit "$ROUTER_PID" 10
}
run_auto text-before 'printed "HELLO FROM text-before'
run_auto text-instead 'printed "HELLO FROM text-instead'
run_auto silent 'printed nothing in 5.0s'

# socat as the relay in mode auto (the default): one line, then every
# connection is served by socat, one process each.
socat_conf sx
: >"$T/router.err"
start_router "$T/r.conf" "$T/sx.sock"
serve_one "$T/sx.sock"
serve_one "$T/sx.sock"
((($(log_count 'not a mux relay; using one relay process per connection') == 1))) ||
	fail "socat: expected one fallback line: $(cat "$ROUTER_LOG")"
log_has 'exited with status 1 without the mux hello' || fail "socat: the line does not say why"
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10

# Mode mux refuses a relay that is not one: the client is closed at once,
# status names the reason, and the router keeps running.
fault_relay --fault text-instead --fault-text "I am no mux relay"
mux_conf mm -m mux -r "$T/fault-relay"
: >"$T/router.err"
start_router "$T/r.conf" "$T/mm.sock"
wait_log 10 'clients are closed until it is'
client 5 "$T/mm.sock" --send "$T/in" --no-shutdown --allow-reset --expect-bytes 0 ||
	fail "mux refusing: client not closed (status $?)"
"$NPIPEROUTER" status --json -c "$T/r.conf" >"$T/st.json"
grep -q 'I am no mux relay' "$T/st.json" || fail "status does not show why: $(cat "$T/st.json")"
log_has 'using one relay process' && fail "mode mux fell back to spawn"
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10

# Mode spawn never probes: no child until a client comes.
mux_conf sp -m spawn
: >"$T/router.err"
start_router "$T/r.conf" "$T/sp.sock"
sleep 0.5
no_children "$ROUTER_PID" || fail "mode spawn started a relay before any client"
log_has 'mux relay' && fail "mode spawn probed: $(cat "$ROUTER_LOG")"
log "ok"
