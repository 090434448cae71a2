#!/bin/bash
# HashiCorp's yamux as the relay side of the real router: yamuxpeer
# (tests/mux/yamuxpeer, built here, offline, from Debian's
# golang-github-hashicorp-yamux-dev) is relay.path, started by the router
# as `relay.path --mux`, and serves each stream by connecting to the unix
# socket the request names. Checked: 20 clients at once with 1 MiB each
# way (SHA-256), the client's half-close reaching the backend while the
# reply still streams back, an empty half-close, an open failure (client
# closed, Win32 code logged, same relay after), pings every second that
# the relay answers (control: a stopped relay is found), and status.
#
# Environment: as every integration test; YAMUXPEER_SRC may name the
# yamuxpeer sources (default: tests/mux/yamuxpeer beside this folder).
. "$(dirname "$0")/lib.sh"

command -v go >/dev/null 2>&1 ||
	fail "required tool 'go' is not installed (Debian: apt-get install golang-go)"
SRC=${YAMUXPEER_SRC:-$(dirname "$0")/../mux/yamuxpeer}
[[ -f $SRC/relay_for_router.go ]] || fail "no yamuxpeer sources in $SRC"
build_yamuxpeer "$SRC"

# relay_pid: the router's one child, the Go relay.
relay_pid() {
	local p
	p=$(children_of "$ROUTER_PID")
	[[ $p =~ ^[0-9]+$ ]] || fail "expected one relay child, found '$p'"
	[[ $(readlink "/proc/$p/exe") == "$T/yamuxpeer" ]] ||
		fail "the relay child $p is $(readlink "/proc/$p/exe"), not yamuxpeer"
	printf '%s\n' "$p"
}

# one_child: the router has exactly one child (a relay) now.
one_child() { [[ $(children_of "$ROUTER_PID") =~ ^[0-9]+$ ]]; }

stop_backend() {
	kill "$1"
	wait_exit "$1" 10
	[[ ! -e $T/backend.sock ]] || fail "the backend left its socket"
}

start_backend echo echo "$T/backend.sock"
# shellcheck disable=SC2153 # set by start_backend (lib.sh)
BACKEND=$BG_PID
mux_conf gr -r "$T/yamuxpeer" "max_connections = 64;" "max_connections_per_uid = 64;"
# Pings every second: a relay that leaves one unanswered for 2 s is ended
# (docs/mux.md §13), so each phase below also checks the pongs. Not
# faster: a Go program on a loaded machine (the whole suite at -j2) once
# took more than 0.6 s to answer, and was rightly found hung.
export NPR_MUX_PING_MS=1000
start_router "$T/r.conf" "$T/gr.sock"
unset NPR_MUX_PING_MS
wait_log 10 'mux relay pid'
pid=$(relay_pid)

# --- 20 clients at once, 1 MiB each way, half-closing when sent ---
pids=()
for i in $(seq 1 20); do
	"$NPTEST_PEER" client "$T/gr.sock" --timeout 100 --send-random 1M \
		--seed "$i" --send-copy "$T/s$i" --out "$T/r$i" \
		--expect-bytes 1M >/dev/null 2>"$T/c$i.err" &
	pids+=($!)
	BG_PIDS+=($!)
done
failed=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || {
		failed=$((failed + 1))
		log "client $((i + 1)): $(cat "$T/c$((i + 1)).err")"
	}
done
((failed == 0)) || fail "$failed of 20 clients failed"
for i in $(seq 1 20); do
	[[ -s $T/s$i ]] || fail "client $i sent nothing"
	[[ $(sha "$T/s$i") == $(sha "$T/r$i") ]] || fail "client $i: the echo differs"
done
[[ $(relay_pid) == "$pid" ]] || fail "the relay was replaced during the traffic"

# --- half-close: drain-reply answers only after the client's EOF ---
stop_backend "$BACKEND"
start_backend drain drain-reply "$T/backend.sock" --log "$T/backend.log"
BACKEND=$BG_PID
client 60 "$T/gr.sock" --send-random 4M --send-copy "$T/hsent" \
	--out "$T/hreceived" --expect-bytes 4M ||
	fail "half-close: no complete reply and EOF (status $?)"
same_file "$T/hsent" "$T/hreceived"
grep -qx 'eof 1 4194304' "$T/backend.log" ||
	fail "backend did not see EOF after 4 MiB: $(cat "$T/backend.log")"
client 10 "$T/gr.sock" --expect-bytes 0 || fail "empty half-close failed (status $?)"
grep -qx 'eof 2 0' "$T/backend.log" || fail "backend did not see the empty EOF"

# --- an open failure: no backend socket at all ---
stop_backend "$BACKEND"
echo "unserved" >"$T/in"
client 5 "$T/gr.sock" --send "$T/in" --no-shutdown --allow-reset --expect-bytes 0 ||
	fail "missing socket: client not closed promptly (status $?)"
wait_log 5 "relay Win32 error 2: $T/backend.sock: cannot open pipe: The system cannot find the file specified (error 2)"
[[ $(relay_pid) == "$pid" ]] || fail "a failed open replaced the relay"

# --- pings: 4 s idle is four pings, each answered, same relay ---
sleep 4
[[ $(relay_pid) == "$pid" ]] || fail "the relay was replaced while idle"
! log_has 'no answer to a ping' || fail "the router found the Go relay hung"
echo "served" >"$T/in"
start_backend echo echo "$T/backend.sock"
client 10 "$T/gr.sock" --send "$T/in" --out "$T/out" || fail "not served after the pings"
same_file "$T/in" "$T/out"

# --- status ---
"$NPIPEROUTER" status --json -c "$T/r.conf" >"$T/status.json" || fail "status failed"
grep -q '"mode_configured":"mux","mode":"mux"' "$T/status.json" || fail "status: $(cat "$T/status.json")"
grep -q "\"mux_pid\":$pid," "$T/status.json" || fail "status has not mux pid $pid: $(cat "$T/status.json")"
grep -q '"mux_restarts":0' "$T/status.json" || fail "status restarts: $(cat "$T/status.json")"
grep -q '"total":24' "$T/status.json" || fail "status total: $(cat "$T/status.json")"

# Control for the ping check: the pings do run at that pace, since a
# stopped relay is found and replaced by the next Go relay.
kill -STOP "$pid"
wait_log 8 "mux relay pid $pid: no answer to a ping"
wait_until 5 "relay $pid gone" eval '! alive '"$pid"
wait_until 5 "a new relay" one_child
client 10 "$T/gr.sock" --send "$T/in" --out "$T/out2" || fail "not served by the next relay"
same_file "$T/in" "$T/out2"
log "ok"
