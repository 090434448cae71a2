#!/bin/bash
# The ssh-agent adapter with the real OpenSSH: ssh-add -l/-L, ssh-keygen
# -Y sign/verify through the route (each sign request logged with the
# fingerprint ssh-keygen -l prints), a deny list refusing ssh-add, a 1 MiB
# length closing only its own session, session-bind answered locally or
# forwarded, and a request cut short by EOF.
. "$(dirname "$0")/lib.sh"
need ssh-agent ssh-add ssh-keygen

agent=$T/agent.sock
bg agent ssh-agent -D -a "$agent"
wait_until 10 "ssh-agent on $agent" _listening "$BG_PID" "$agent" agent

ssh-keygen -q -t ed25519 -N '' -C npr-test-key -f "$T/key"
ssh-keygen -q -t ed25519 -N '' -C npr-other-key -f "$T/other"
SSH_AUTH_SOCK=$agent ssh-add "$T/key" 2>"$T/ssh-add.err" ||
	fail "ssh-add straight to the agent failed"
fp=$(ssh-keygen -l -f "$T/key.pub" | awk '{ print $2 }')
[[ $fp == SHA256:* ]] || fail "unexpected ssh-keygen -l output: $fp"

cat >"$T/router.conf" <<CONF
routes = (
$(route open '{ name = "ssh-agent"; }' "UNIX-CONNECT:$agent"),
$(route locked '{ name = "ssh-agent"; deny = [ "add-identity", "remove-all-identities" ]; }' "UNIX-CONNECT:$agent"),
$(route bind '{ name = "ssh-agent"; session_bind = "answer"; }' "UNIX-CONNECT:$agent")
);
CONF
start_router "$T/router.conf" "$T/open.sock" "$T/locked.sock" "$T/bind.sock"

# Listing: the same as straight from the agent.
direct=$(SSH_AUTH_SOCK=$agent ssh-add -L)
for r in open locked; do
	out=$(SSH_AUTH_SOCK=$T/$r.sock ssh-add -L) || fail "ssh-add -L via $r failed"
	[[ $out == "$direct" ]] || fail "ssh-add -L via $r: '$out', not '$direct'"
	out=$(SSH_AUTH_SOCK=$T/$r.sock ssh-add -l) || fail "ssh-add -l via $r failed"
	[[ $out == *"$fp npr-test-key (ED25519)"* ]] || fail "ssh-add -l via $r: $out"
done
log "ssh-add -l and -L list the key through the adapter"

# Signing through the route: only the public key is on disk for it, so
# ssh-keygen must ask the agent.
mkdir "$T/pub"
cp "$T/key.pub" "$T/pub/key.pub"
echo "signed through npiperouter" >"$T/message"
SSH_AUTH_SOCK=$T/open.sock ssh-keygen -Y sign -f "$T/pub/key.pub" -n file \
	"$T/message" 2>"$T/sign.err" || fail "ssh-keygen -Y sign failed: $(cat "$T/sign.err")"
[[ -s $T/message.sig ]] || fail "no signature written"
echo "tester $(cat "$T/key.pub")" >"$T/allowed_signers"
ssh-keygen -Y verify -f "$T/allowed_signers" -I tester -n file \
	-s "$T/message.sig" <"$T/message" >"$T/verify.out" 2>&1 ||
	fail "ssh-keygen -Y verify rejected the signature: $(cat "$T/verify.out")"
wait_log 5 "ssh-agent: sign request with $fp (ssh-ed25519)"
sign_line_has_uid() {
	grep -F "ssh-agent: sign request with $fp (ssh-ed25519)" "$ROUTER_LOG" |
		grep -q " uid $(id -u)\$"
}
# Retried: a line may be read while it is being written.
wait_until 5 "the sign request's log line to name the peer uid" sign_line_has_uid
log "ssh-keygen -Y sign signed through the route; -Y verify accepts it; logged $fp"

# A deny list: ssh-add is refused locally, listing still works.
if SSH_AUTH_SOCK=$T/locked.sock ssh-add "$T/other" 2>"$T/denied.err"; then
	fail "ssh-add through the deny route succeeded"
fi
grep -q "agent refused operation" "$T/denied.err" ||
	fail "ssh-add was not refused by the agent protocol: $(cat "$T/denied.err")"
wait_log 5 "ssh-agent: refused add-identity"
# (Listings are captured first: grep -q would leave ssh-add a broken pipe.)
list=$(SSH_AUTH_SOCK=$agent ssh-add -l)
[[ $list != *npr-other-key* ]] || fail "the refused key reached the agent"
list=$(SSH_AUTH_SOCK=$T/locked.sock ssh-add -l) || fail "ssh-add -l via locked failed"
[[ $list == *"$fp"* ]] || fail "listing through the deny route stopped working"
if SSH_AUTH_SOCK=$T/locked.sock ssh-add -D 2>/dev/null; then
	fail "ssh-add -D through the deny route succeeded"
fi
list=$(SSH_AUTH_SOCK=$agent ssh-add -l)
[[ $list == *"$fp"* ]] || fail "the key was removed"
# Through the open route the same ssh-add works.
SSH_AUTH_SOCK=$T/open.sock ssh-add "$T/other" 2>/dev/null ||
	fail "ssh-add through the open route failed"
list=$(SSH_AUTH_SOCK=$agent ssh-add -l)
[[ $list == *npr-other-key* ]] || fail "key not added"
log "deny = [ add-identity, ... ] refuses ssh-add and ssh-add -D; listing works"

# A 1 MiB length ends that session only; the next client is served.
out=$(send_raw "$T/open.sock" '\000\020\000\000\013')
[[ -z $out ]] || fail "an oversized request got an answer: $out"
wait_log 5 "ssh-agent: request of 1048576 bytes is over the limit of 262144; closing the session"
router_alive
list=$(SSH_AUTH_SOCK=$T/open.sock ssh-add -l) ||
	fail "the client after the oversized one was not served"
[[ $list == *"$fp"* ]] || fail "the next client got: $list"
log "a 1 MiB length closed its session; the next client was served"

# A request cut short by EOF is reported, and answered by nobody.
out=$(send_raw "$T/open.sock" '\000\000\000\020\013')
[[ -z $out ]] || fail "a truncated request got an answer: $out"
wait_log 5 "the client ended inside a frame: 5 of 20 bytes"
router_alive

# session-bind@openssh.com with a made-up host key and signature: the
# real agent refuses it (SSH_AGENT_FAILURE); "answer" says success.
bind='\000\000\000\055\033\000\000\000\030session-bind@openssh.com\000\000\000\001k\000\000\000\001s\000\000\000\001g\000'
out=$(ask_raw "$T/open.sock" "$bind" 5)
[[ $out == "00 00 00 01 05" ]] || fail "forwarded session-bind: got '$out', not the agent's failure"
out=$(ask_raw "$T/bind.sock" "$bind" 5)
[[ $out == "00 00 00 01 06" ]] || fail "answered session-bind: got '$out', not success"
log "session-bind: forwarded to the agent, or answered with success"

router_alive
log "ok"
