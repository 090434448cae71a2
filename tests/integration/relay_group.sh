#!/bin/bash
# The relay's whole process group ends with it (issue 9 item 10):
#  - a relay that forks a grandchild holding its stdout and exits: the
#    grandchild is killed, the client gets its EOF, the session ends;
#  - at shutdown a relay's grandchild does not outlive the router;
#  - "ending N relay(s)" counts only relays that were still running (a
#    session whose relay exited but whose client reads nothing is not one).
. "$(dirname "$0")/lib.sh"
need sh sleep head

SH=$(type -P sh)
cat >"$T/r.conf" <<CONF
shutdown_timeout = 1;
relay = { path = "$SH"; };
routes = (
  { name = "fork"; listen = { path = "$T/fork.sock"; };
    relay_args = [ "-c", "sleep 300 & echo \$! >\"\$0\"; echo forked; exit 0" ];
    pipe = "$T/fork.pid"; },
  { name = "stay"; listen = { path = "$T/stay.sock"; };
    relay_args = [ "-c", "sleep 300 & echo \$! >\"\$0\"; wait" ];
    pipe = "$T/stay.pid"; },
  { name = "flood"; listen = { path = "$T/flood.sock"; };
    relay_args = [ "-c", "head -c 300000 /dev/zero; exit 0" ];
    pipe = "x"; }
);
CONF
start_router "$T/r.conf" "$T/fork.sock" "$T/stay.sock" "$T/flood.sock"
pid_in() { [[ -s $1 ]]; }

# 1. Relay exits, its grandchild holds stdout: the client still gets EOF.
client 10 "$T/fork.sock" --out "$T/fork.out" --expect-bytes 7 ||
	fail "the session of a relay that left a grandchild did not end (status $?)"
wait_until 5 "the grandchild's pid" pid_in "$T/fork.pid"
gc=$(cat "$T/fork.pid")
wait_until 5 "the grandchild $gc to be killed" eval "! alive $gc"
wait_log 5 'route "fork" #1: relay left processes behind in its process group; killed them'
log "a grandchild left behind is killed and the session ends"

# 2. A relay that is still running, with a grandchild, at shutdown; and a
# session whose relay has exited but whose client reads nothing.
bg stay "$NPTEST_PEER" client "$T/stay.sock" --timeout 60 --no-shutdown --allow-reset
wait_until 5 "the stay relay's grandchild" pid_in "$T/stay.pid"
gc=$(cat "$T/stay.pid")
alive "$gc" || fail "the stay relay's grandchild is not running"
bg flood "$NPTEST_PEER" client "$T/flood.sock" --timeout 60 --no-shutdown \
	--allow-reset --pause-after 1 --pause 60
wait_log 10 'route "flood" #3: relay exited with status 0'

kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 15
wait_until 5 "the grandchild $gc to go with the router" eval "! alive $gc"
log_has "stopping: ending 1 relay(s)" ||
	fail "shutdown did not say it ended exactly 1 relay: $(grep stopping: "$ROUTER_LOG")"
log "at shutdown the relay's group is ended, and only running relays are counted"
log "ok"
