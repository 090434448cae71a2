#!/bin/bash
# allow_uids / allow_groups: a peer that is not allowed is refused, and
# logged with its pid and uid, before any relay starts; allowed users and
# members of allowed groups are served. Groups are the ones the peer holds
# (SO_PEERGROUPS), not the user database's: a member that dropped its
# supplementary groups is refused, a process that gained one is served.
. "$(dirname "$0")/lib.sh"
need socat setpriv getent
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"

# A user whose only way into group nprtest-supp is a supplementary
# membership in /etc/group; made once on this machine, kept for later runs.
SUPP_GROUP=nprtest-supp SUPP_USER=nprtest-supp
need useradd groupadd
getent group "$SUPP_GROUP" >/dev/null || groupadd "$SUPP_GROUP" ||
	getent group "$SUPP_GROUP" >/dev/null || fail "cannot create group $SUPP_GROUP"
getent passwd "$SUPP_USER" >/dev/null ||
	useradd -M -N -g "$nogroup" -G "$SUPP_GROUP" -d /nonexistent \
		-s /usr/sbin/nologin "$SUPP_USER" ||
	getent passwd "$SUPP_USER" >/dev/null || fail "cannot create user $SUPP_USER"
supp_uid=$(getent passwd "$SUPP_USER" | cut -d: -f3)
supp_gid=$(getent group "$SUPP_GROUP" | cut -d: -f3)
id -nG "$SUPP_USER" | grep -qw "$SUPP_GROUP" || fail "$SUPP_USER is not in $SUPP_GROUP"

start_backend echo echo "$T/backend.sock" --log "$T/backend.log"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "rootonly"; listen = { path = "$T/root.sock"; mode = "0666"; };
    relay_args = [ "-t", "30", "$STDIO" ]; pipe = "UNIX-CONNECT:$T/backend.sock";
    allow_uids = [ 0 ]; },
  { name = "bygroup"; listen = { path = "$T/group.sock"; mode = "0666"; };
    relay_args = [ "-t", "30", "$STDIO" ]; pipe = "UNIX-CONNECT:$T/backend.sock";
    allow_groups = [ "$(getent group "$nogroup" | cut -d: -f1)" ]; },
  { name = "bysupp"; listen = { path = "$T/supp.sock"; mode = "0666"; };
    relay_args = [ "-t", "30", "$STDIO" ]; pipe = "UNIX-CONNECT:$T/backend.sock";
    allow_groups = [ "$SUPP_GROUP" ]; }
);
CONF
start_router "$T/r.conf" "$T/root.sock" "$T/group.sock" "$T/supp.sock"
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

# Supplementary groups, as the peer holds them.
served() { # NAME SETPRIV-OPTIONS...: served on supp.sock
	local name=$1
	shift
	setpriv "$@" "$NPTEST_PEER" client "$T/supp.sock" --timeout 10 \
		--send-random 4K --send-copy "$T/$name.sent" --out "$T/$name.got" \
		--allow-reset 2>"$T/$name.err" || true
	[[ -s $T/$name.got ]] && cmp -s "$T/$name.sent" "$T/$name.got"
}
served member --reuid="$supp_uid" --regid="$nogroup" --init-groups ||
	fail "a member through a supplementary group was not served: $(cat "$T/member.err")"
refused_before=$(route_field "$T/r.conf" bysupp refused)
! served dropped --reuid="$supp_uid" --regid="$nogroup" --clear-groups ||
	fail "a member that dropped its supplementary groups was served"
[[ $(route_field "$T/r.conf" bysupp refused) == $((refused_before + 1)) ]] ||
	fail "the peer without its groups was not counted as refused"
log_has "uid $supp_uid gid $nogroup (not in allow_uids/allow_groups)" ||
	fail "the refusal of uid $supp_uid was not logged"
served gained --reuid="$nobody" --regid="$nogroup" --groups="$supp_gid" ||
	fail "nobody holding group $SUPP_GROUP (setgroups) was not served: $(cat "$T/gained.err")"
log "ok"
