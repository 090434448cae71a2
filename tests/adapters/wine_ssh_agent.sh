#!/bin/bash
# The ssh-agent adapter through Wine: npiperouter -> wine nprelay.exe ->
# a byte-mode named pipe (pipebridge.exe, like the Windows OpenSSH agent's)
# -> TCP -> the real ssh-agent. ssh-add -l/-L list the key, ssh-keygen -Y
# sign signs and the signature verifies, a deny list refuses ssh-add.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wine/lib.sh"
need ssh-agent ssh-add ssh-keygen
[[ -n ${NPR_PIPEBRIDGE_EXE:-} && -f $NPR_PIPEBRIDGE_EXE ]] ||
	fail "NPR_PIPEBRIDGE_EXE must name pipebridge.exe (got '${NPR_PIPEBRIDGE_EXE:-}')"

agent=$T/agent.sock
bg agent ssh-agent -D -a "$agent"
wait_until 10 "ssh-agent on $agent" _listening "$BG_PID" "$agent" agent
ssh-keygen -q -t ed25519 -N '' -C npr-wine-key -f "$T/key"
ssh-keygen -q -t ed25519 -N '' -C npr-other-key -f "$T/other"
SSH_AUTH_SOCK=$agent ssh-add "$T/key" 2>/dev/null || fail "ssh-add to the agent failed"
fp=$(ssh-keygen -l -f "$T/key.pub" | awk '{ print $2 }')

tcp_forward tcp "UNIX-CONNECT:$agent"
pipe="//./pipe/npr-adapters-$$"
bg bridge wine "$NPR_PIPEBRIDGE_EXE" --name "$pipe" --connect "$PORT" --timeout 200
wait_until 60 "pipebridge.exe" grep -qx ready "$T/bridge.out"

cat >"$T/router.conf" <<CONF
routes = (
$(wine_route open '{ name = "ssh-agent"; }' "$pipe" -ei -s -p),
$(wine_route locked '{ name = "ssh-agent"; deny = [ "add-identity" ]; }' "$pipe" -ei -s -p)
);
CONF
start_router "$T/router.conf" "$T/open.sock" "$T/locked.sock"

out=$(SSH_AUTH_SOCK=$T/open.sock timeout 60 ssh-add -l) || fail "ssh-add -l through Wine failed"
[[ $out == *"$fp npr-wine-key (ED25519)"* ]] || fail "ssh-add -l: $out"
out=$(SSH_AUTH_SOCK=$T/open.sock timeout 60 ssh-add -L) || fail "ssh-add -L through Wine failed"
[[ $out == "$(cat "$T/key.pub")" ]] || fail "ssh-add -L: $out"
log "ssh-add -l and -L through wine nprelay.exe and a byte-mode pipe"

mkdir "$T/pub"
cp "$T/key.pub" "$T/pub/key.pub"
echo "signed through Wine" >"$T/message"
SSH_AUTH_SOCK=$T/open.sock timeout 60 ssh-keygen -Y sign -f "$T/pub/key.pub" \
	-n file "$T/message" 2>"$T/sign.err" || fail "ssh-keygen -Y sign failed: $(cat "$T/sign.err")"
echo "tester $(cat "$T/key.pub")" >"$T/allowed_signers"
ssh-keygen -Y verify -f "$T/allowed_signers" -I tester -n file \
	-s "$T/message.sig" <"$T/message" >"$T/verify.out" 2>&1 ||
	fail "ssh-keygen -Y verify rejected the signature: $(cat "$T/verify.out")"
wait_log 5 "ssh-agent: sign request with $fp (ssh-ed25519)"
log "ssh-keygen -Y sign through Wine; -Y verify accepts it"

if SSH_AUTH_SOCK=$T/locked.sock timeout 60 ssh-add "$T/other" 2>"$T/denied.err"; then
	fail "ssh-add through the deny route succeeded"
fi
wait_log 5 "ssh-agent: refused add-identity"
list=$(SSH_AUTH_SOCK=$T/locked.sock timeout 60 ssh-add -l) ||
	fail "listing through the deny route failed"
[[ $list == *"$fp"* ]] || fail "listing through the deny route: $list"
list=$(SSH_AUTH_SOCK=$agent ssh-add -l)
[[ $list != *npr-other-key* ]] || fail "the refused key reached the agent"
log "deny = [ add-identity ] refuses ssh-add; listing works"
router_alive
log "ok"
