#!/bin/bash
# A relay that floods stderr does not flood the log (issue 9 item 11):
# per session a burst of lines is logged each second, the rest is counted
# in "N line(s) suppressed" lines, and nothing is lost from that count.
. "$(dirname "$0")/lib.sh"
need sh yes head

N=100000
cat >"$T/r.conf" <<CONF
relay = { path = "$(type -P sh)"; };
routes = (
  { name = "loud"; listen = { path = "$T/loud.sock"; };
    relay_args = [ "-c", "yes flood | head -n $N >&2; echo done" ]; pipe = "x"; }
);
CONF
start_router "$T/r.conf" "$T/loud.sock"

client 30 "$T/loud.sock" --expect-bytes 5 || fail "the loud relay's session failed (status $?)"
wait_log 10 'route "loud" #1: relay exited with status 0'
logged=$(log_count 'route "loud" #1: relay: flood$')
suppressed=$(grep -oE 'route "loud" #1: relay: [0-9]+ line\(s\) suppressed' "$ROUTER_LOG" |
	awk '{ n += $(NF - 2) } END { print n + 0 }')
((suppressed > 0)) || fail "no suppressed lines reported; $logged of $N lines logged"
((logged + suppressed == N)) ||
	fail "$logged lines logged + $suppressed suppressed != $N written"
log "$logged of $N lines logged, $suppressed counted as suppressed"
log "ok"
