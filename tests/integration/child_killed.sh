#!/bin/bash
# The relay child is killed with SIGKILL in the middle of a transfer: the
# client gets EOF (or a reset) promptly and is closed (its further writes
# fail: nothing could take them), the death is logged, and the router
# serves the next connection.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
# The next client is served only once the broken session is freed.
socat_conf k -t 30 'max_connections = 1;'
start_router "$T/r.conf" "$T/k.sock"

# 1 GiB at 16 MiB/s: still running when the child dies. The client goes
# on sending after EOF, so it ends early only if the router closes it.
bg victim "$NPTEST_PEER" client "$T/k.sock" --timeout 60 --send-random 1G \
	--rate 16M --out "$T/got" --allow-reset
victim=$BG_PID
received_1m() { [[ -f $T/got ]] && (($(stat -c %s "$T/got") >= 1048576)); }
wait_until 15 "the transfer to be under way" received_1m

mapfile -t kids < <(children_of "$ROUTER_PID")
((${#kids[@]} == 1)) || fail "want exactly one relay child, found: ${kids[*]:-none}"
kill -KILL "${kids[0]}"

wait_exit "$victim" 5
((EXIT_STATUS == 0)) || fail "client ended with status $EXIT_STATUS: $(cat "$T/victim.err")"
wait_log_count 5 1 'route "k" #[0-9]+: relay killed by signal 9( |$)'
alive "$ROUTER_PID" || fail "router died"

client 10 "$T/k.sock" --send-random 256K --send-copy "$T/sent2" --out "$T/got2" ||
	fail "router does not serve a new connection (status $?)"
same_file "$T/sent2" "$T/got2"
wait_until 5 "no relay child left" no_children "$ROUTER_PID"
log "ok"
