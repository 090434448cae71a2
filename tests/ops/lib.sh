# Sourced by the operations tests (start/stop/status/reload): the
# integration tests' library, plus a private runtime folder per test and a
# daemon that is stopped however the test ends.
. "$(dirname "$0")/../integration/lib.sh"

# `start` detaches the daemon (setsid), so it is not among the processes
# the integration cleanup finds below this shell: stop it here.
DAEMON_CONF=
ops_cleanup() {
	local rc=$?
	if [[ -n $DAEMON_CONF ]]; then
		timeout 10 "$NPIPEROUTER" stop -c "$DAEMON_CONF" >/dev/null 2>&1 || true
		pkill -KILL -f -- "-c $DAEMON_CONF" 2>/dev/null || true
	fi
	(exit "$rc")
	cleanup
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
