#!/bin/bash
# allow_uids / allow_groups: a peer that is not allowed is refused, and
# logged with its pid and uid, before any relay starts; allowed users and
# members of allowed groups are served.
. "$(dirname "$0")/lib.sh"
need socat setpriv getent
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"

start_backend echo echo "$T/backend.sock" --log "$T/backend.log"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "rootonly"; listen = { path = "$T/root.sock"; mode = "0666"; };
    relay_args = [ "$STDIO" ]; pipe = "UNIX-CONNECT:$T/backend.sock";
    allow_uids = [ 0 ]; },
  { name = "bygroup"; listen = { path = "$T/group.sock"; mode = "0666"; };
    relay_args = [ "$STDIO" ]; pipe = "UNIX-CONNECT:$T/backend.sock";
    allow_groups = [ "$(getent group "$nogroup" | cut -d: -f1)" ]; }
);
CONF
start_router "$T/r.conf" "$T/root.sock" "$T/group.sock"
accepts() { grep -c '^accept ' "$T/backend.log" || true; }
as_nobody() { setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups "$@"; }
chmod 777 "$T"

# nobody on the root-only route: closed at once, nothing spawned.
st=0
as_nobody "$NPTEST_PEER" client "$T/root.sock" --timeout 10 --send-random 1K \
	--out "$T/refused.out" --allow-reset 2>"$T/refused.err" || st=$?
[[ ! -s $T/refused.out ]] || fail "a refused peer received data"
wait_log 5 "route \"rootonly\": refused peer pid"
log_has "uid $nobody gid $nogroup (not in allow_uids/allow_groups)" ||
	fail "refusal not logged with uid and gid: $(grep refused "$ROUTER_LOG")"
((($(accepts)) == 0)) || fail "the backend was reached for a refused peer"
[[ $(route_field "$T/r.conf" rootonly relay_starts) == 0 ]] || fail "a relay started for a refused peer"
[[ $(route_field "$T/r.conf" rootonly refused) == 1 ]] || fail "refused counter is not 1"

# root on the root-only route, nobody on the group route: served.
client 10 "$T/root.sock" --send-random 8K --send-copy "$T/s1" --out "$T/g1" ||
	fail "root was not served"
same_file "$T/s1" "$T/g1"
as_nobody "$NPTEST_PEER" client "$T/group.sock" --timeout 10 --send-random 8K \
	--send-copy "$T/s2" --out "$T/g2" 2>"$T/group.err" ||
	fail "a member of the allowed group was not served: $(cat "$T/group.err")"
same_file "$T/s2" "$T/g2"
# root is not in that group: refused there.
client 10 "$T/group.sock" --send-random 1K --out "$T/g3" --allow-reset || true
[[ ! -s $T/g3 ]] || fail "root was served on the group-only route"
wait_log 5 "route \"bygroup\": refused peer pid"
log "ok"
