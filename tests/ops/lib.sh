# Sourced by the operations tests (start/stop/status/reload): the
# integration tests' library, plus a private runtime folder per test and a
# daemon that is stopped however the test ends.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# `start` detaches the daemon (setsid), so it is not among the processes
# the integration cleanup finds below this shell: stop it here, then kill
# whatever still holds a lock in this test's private runtime folder (the
# lock file names the holder's pid). The exit status is handed to cleanup
# as an argument: `(exit "$rc")` under set -e would end this trap early,
# leaking the daemon and the logs.
DAEMON_CONF=
ops_cleanup() {
	local rc=$? lock pid
	set +e
	if [[ -n $DAEMON_CONF ]]; then
		timeout 10 "$NPIPEROUTER" stop -c "$DAEMON_CONF" >/dev/null 2>&1
	fi
	for lock in "$XDG_RUNTIME_DIR"/npiperouter/*.lock; do
		[[ -f $lock ]] || continue
		flock -n "$lock" true && continue
		read -r pid <"$lock" && [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid"
	done 2>/dev/null
	cleanup "$rc"
}
trap ops_cleanup EXIT

need jq

# status_json CONF: the running instance's status.
status_json() { "$NPIPEROUTER" status --json -c "$1"; }

# route_field CONF ROUTE FIELD: one number or string of `status --json`.
route_field() {
	status_json "$1" | jq -r --arg r "$2" --arg f "$3" \
		'.routes[] | select(.name == $r) | .[$f]'
}

# lock_held NAME LOCK SECONDS [FLOCK-OPTION...]: flock holds LOCK for
# SECONDS in the background as NAME (-o: the lock is flock's own, not
# sleep's, and ends with flock; -s for a shared one); returns once it
# does. Sets BG_PID.
lock_held() {
	local name=$1 lock=$2 secs=$3
	shift 3
	bg "$name" flock "$@" -o "$lock" sleep "$secs"
	wait_until 10 "flock to hold $lock" sh -c "! flock -n '$lock' true"
}

# hung_socket NAME PATH BACKLOG: in the background as NAME, a unix socket
# at PATH listening with BACKLOG that takes connections and never
# answers, as a hung instance's control socket; returns once it listens.
# Sets BG_PID.
hung_socket() {
	bg "$1" python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(int(sys.argv[2]))
print("listening", flush=True); time.sleep(120)' "$2" "$3"
	wait_until 10 "the hung control socket $2" grep -q listening "$T/$1.$BG_OUT"
}
