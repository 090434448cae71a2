#!/bin/bash
# The assuan adapter with the real GnuPG: a gpg-agent in a throw-away
# GNUPGHOME answers gpg-connect-agent through the route; with
# allow_commands a forbidden command gets exactly the error gpg-agent's own
# restricted socket gives, allowed ones keep working, D payloads never
# reach the log, and an over-long line closes only its own session.
. "$(dirname "$0")/lib.sh"
need gpg-agent gpg-connect-agent gpgconf

start_gpg_agent
sock=$(gpgconf --list-dirs agent-socket)
extra=$(gpgconf --list-dirs agent-extra-socket)
[[ -S $sock && -S $extra ]] || fail "gpg-agent made no sockets ($sock, $extra)"
version=$(gpg-agent --version | head -n 1 | awk '{ print $NF }')

cat >"$T/router.conf" <<CONF
routes = (
$(route gpg '{ name = "assuan"; }' "UNIX-CONNECT:$sock"),
$(route restricted '{ name = "assuan"; allow_commands = [ "GETINFO", "NOP" ]; }' "UNIX-CONNECT:$sock")
);
CONF
start_router "$T/router.conf" "$T/gpg.sock" "$T/restricted.sock"

# connect SOCKET COMMAND...: what gpg-connect-agent prints.
connect() {
	local s=$1
	shift
	timeout 20 gpg-connect-agent --no-autostart -S "$s" "$@" /bye 2>"$T/connect.err"
}

out=$(connect "$T/gpg.sock" 'GETINFO version') || fail "gpg-connect-agent failed: $(cat "$T/connect.err")"
[[ $out == $'D '"$version"$'\nOK' ]] || fail "GETINFO version answered '$out'"
wait_log 5 "assuan: command GETINFO"
log "gpg-connect-agent -S ROUTED 'GETINFO version' got $version"

# The Forbidden answer is gpg-agent's own, as its restricted socket says it.
own=$(connect "$extra" 'KEYINFO --list')
[[ $own == "ERR 67109115 Forbidden <GPG Agent>" ]] ||
	fail "gpg-agent's extra socket said '$own'"
out=$(connect "$T/restricted.sock" 'GETINFO version' 'KEYINFO --list' \
	'D secret-payload-1234' 'getinfo version' 'NOP')
want=$'D '"$version"$'\nOK\n'"$own"$'\n'"$own"$'\nD '"$version"$'\nOK\nOK'
[[ $out == "$want" ]] || fail "restricted route answered:
$out
not:
$want"
wait_log 5 "assuan: forbidden command KEYINFO"
log_has "assuan: forbidden command D " || fail "the D line was not refused"
if grep -q "secret-payload-1234\|--list" "$ROUTER_LOG"; then
	fail "the log shows arguments or D payloads"
fi
out=$(connect "$T/gpg.sock" 'KEYINFO --list') || fail "unrestricted KEYINFO failed"
[[ $out == *OK ]] || fail "KEYINFO through the open route answered '$out'"
log "allow_commands: forbidden commands get gpg-agent's Forbidden error; allowed ones work"

# A 1001-byte line ends that session; the router and the next client go on.
long=$(printf 'GETINFO %01000d' 0)
out=$(printf '%s\n' "$long" | timeout 10 socat -t 5 - "UNIX-CONNECT:$T/gpg.sock")
[[ $out != *"Pleased"*"OK"*"OK"* ]] || fail "the over-long line was answered: $out"
wait_log 5 "assuan: line of more than 1000 bytes from the client; closing the session"
router_alive
out=$(connect "$T/gpg.sock" 'GETINFO version') || fail "the next client was not served"
[[ $out == *"$version"* ]] || fail "the next client got '$out'"
log "a line over 1000 bytes closed its session; the next client was served"
log "ok"
